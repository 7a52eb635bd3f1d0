"""Grouped convolutions map as per-group blocks: small groups packed on one crossbar's disjoint rows and columns,
large groups split like any matrix, group after group."""

from __future__ import annotations

import math

from mapping_standins import fake_hw

from archsim.mapping import map_workload
from archsim.mapping.partition import partition_matrix
from archsim.workload import load_workload_text


def _depthwise(channels: int, k: int = 3, bias: bool = True):
    return load_workload_text(f"""version: 1
name: dw
input_shape: [{channels}, 8, 8]
task: features
layers:
  - {{name: dw, kind: conv2d, out_channels: {channels}, kernel_size: {k}, padding: 1, groups: {channels},
      bias: {str(bias).lower()}}}
""", "dw.yaml")


def test_small_groups_share_crossbars():
    p = partition_matrix(n_inputs=9, n_outputs=1, bias_row=True, n_rows=128, n_cols=128, n_groups=40)
    assert p.groups_per_block == (128 - 1) // 9 == 14 and p.n_packs == 3 and p.blocks_per_replica == 3
    ranges = p.group_ranges()
    assert [(r1 - r0, c1 - c0, g) for _, _, _, r0, r1, c0, c1, g in ranges] == [(127, 14, 0), (127, 14, 14),
                                                                               (12 * 9 + 1, 12, 28)]


def test_large_groups_split_group_by_group():
    p = partition_matrix(n_inputs=300, n_outputs=200, bias_row=False, n_rows=128, n_cols=128, n_groups=2)
    assert p.groups_per_block == 1 and p.blocks_per_replica == 2 * 3 * 2
    assert {g for *_, g in p.group_ranges()} == {0, 1}


def test_depthwise_mapping_counts():
    wl = _depthwise(32)
    m = map_workload(fake_hw(n_rows=128, n_cols=128, n_tiles=4, n_crossbars=2), wl)
    (lm,) = m.layers
    assert lm.n_groups == 32 and lm.groups_per_block == 14 and lm.n_crossbars == math.ceil(32 / 14)
    assert lm.matrix_in == 32 * 9 and lm.matrix_cols == 32 and lm.matrix_rows == 32 * 9 + 3  # a bias row per pack
    assert lm.row_splits == (10,) and lm.col_splits == (1,)  # one group's matrix, as the network builds it
    assert lm.n_weights == 32 * 10 and lm.macs_per_sample == 32 * 9 * 64
    assert 0 < lm.utilisation < 1
