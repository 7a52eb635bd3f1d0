"""Partition of weight matrices into crossbar blocks: unit and property tests."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archsim.errors import MappingError
from archsim.mapping.partition import (
    n_slices_for,
    near_equal_splits,
    partition_matrix,
    row_splits,
    split_into,
)


def test_near_equal_splits_aihwkit_examples():
    assert near_equal_splits(784, 512) == (392, 392)
    assert near_equal_splits(785, 512) == (393, 392)
    assert near_equal_splits(512, 512) == (512,)
    assert near_equal_splits(1000, 128) == (125,) * 8
    assert near_equal_splits(10, 3) == (3, 3, 2, 2)


def test_split_into_zero_parts_rejected():
    with pytest.raises(ValueError):
        split_into(5, 0)
    assert split_into(2, 4) == (1, 1, 0, 0)


def test_row_splits_bias_on_last_block():
    # aihwkit-default 784 -> 256: two tiles of 392 inputs, with or without the analog bias row
    assert row_splits(784, False, 512) == ((392, 392), (392, 392))
    assert row_splits(784, True, 512) == ((392, 393), (392, 392))
    # a bias row that does not fit forces an extra block
    assert row_splits(512, True, 512) == ((256, 257), (256, 256))
    assert row_splits(75, True, 512) == ((76,), (75,))


def test_slices():
    assert n_slices_for(16, 2) == 8  # ISAAC
    assert n_slices_for(None, 2) == 1
    assert n_slices_for(16, None) == 1
    assert n_slices_for(5, 2) == 3


def test_differential_halves_logical_columns():
    p = partition_matrix(n_inputs=100, n_outputs=100, bias_row=False, n_rows=128, n_cols=128, cols_per_weight=2)
    assert p.col_splits == (50, 50)
    with pytest.raises(MappingError, match="cannot hold one weight"):
        partition_matrix(n_inputs=4, n_outputs=4, bias_row=False, n_rows=4, n_cols=1, cols_per_weight=2)


@settings(max_examples=80, deadline=None)
@given(
    n_in=st.integers(1, 500),
    n_out=st.integers(1, 500),
    bias=st.booleans(),
    R=st.integers(1, 300),
    C=st.integers(1, 300),
    slices=st.integers(1, 4),
)
def test_partition_properties(n_in, n_out, bias, R, C, slices):
    p = partition_matrix(n_inputs=n_in, n_outputs=n_out, bias_row=bias, n_rows=R, n_cols=C, n_slices=slices)
    rows = n_in + bias
    # block count = ceil(rows/R) * ceil(cols/C) * slices
    assert p.blocks_per_replica == math.ceil(rows / R) * math.ceil(n_out / C) * slices
    ranges = p.ranges()
    assert len(ranges) == p.blocks_per_replica
    # near-equal splits, no crossbar over capacity
    assert max(p.row_splits) - min(p.row_splits) <= 1
    assert max(p.input_splits) - min(p.input_splits) <= 1
    assert max(p.col_splits) - min(p.col_splits) <= 1
    assert sum(p.row_splits) == rows and sum(p.input_splits) == n_in and sum(p.col_splits) == n_out
    for _, _, _, r0, r1, c0, c1 in ranges:
        assert 0 < r1 - r0 <= R and 0 < c1 - c0 <= C
    # every weight (incl. the bias row) in exactly one block per slice
    cover = np.zeros((slices, rows, n_out), dtype=np.int32)
    for s, _, _, r0, r1, c0, c1 in ranges:
        cover[s, r0:r1, c0:c1] += 1
    assert (cover == 1).all()
