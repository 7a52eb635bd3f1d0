"""The fused small-batch training loop (archsim/nn/fused.py) against the per-layer path, bit for bit.

Every comparison trains two networks built with the same seed, one epoch each with the same data order: one through
``train_epoch(..., fused=False)`` (``Network.train_batch`` per mini-batch), one through the fused loop, and requires
identical epoch loss and accuracy, parameters, tile statistics, noise-management state, tile Generator states and a
following evaluation pass.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from archsim.errors import DataError
from archsim.hwconfig.rpu import NoiseManagementType, PulseType, RPUConfig
from archsim.nn import fused
from archsim.nn.network import analog_tile_factory, build_network, fp_tile_factory
from archsim.nn.train import train_epoch

RNG = np.random.default_rng(7)
X = RNG.random((150, 20)).astype(np.float32)
Y = RNG.integers(0, 5, 150)


def _build(workload, tile, **kw):
    make = fp_tile_factory if tile is None else analog_tile_factory(tile)
    return build_network(workload, make_tile=make, seed=3, **kw)


def _same(a, b) -> None:
    assert a.samples_trained == b.samples_trained
    for ma, mb in zip(a.modules(), b.modules()):
        pa, pb = ma.parameters(), mb.parameters()
        assert pa.keys() == pb.keys()
        for k in pa:
            np.testing.assert_array_equal(pa[k], pb[k], err_msg=f"{ma.name}.{k}")
        if not ma.analog:
            continue
        for ta, tb in zip(ma.tiles(), mb.tiles()):
            if ta.stats is None:
                continue
            assert ta.stats == tb.stats
            assert ta.nm_state == tb.nm_state
            assert ta.rng.integers(1 << 62) == tb.rng.integers(1 << 62)
            arr_a, arr_b = ta.algorithm.array, tb.algorithm.array
            np.testing.assert_array_equal(arr_a.u, arr_b.u)
            np.testing.assert_array_equal(arr_a.w_visible, arr_b.w_visible)
    np.testing.assert_array_equal(a.logits(X[:17]), b.logits(X[:17]))


def _both(workload, tile, *, batch=1, lr=0.05, **kw):
    ref, fus = _build(workload, tile, **kw), _build(workload, tile, **kw)
    assert fused.unsupported_reason(fus, batch_size=batch, weight_decay=0.0, x=X, y=Y) is None
    r_ref = train_epoch(ref, X, Y, batch_size=batch, lr=lr, weight_decay=0.0, rng=np.random.default_rng(1),
                        fused=False)
    r_fus = train_epoch(fus, X, Y, batch_size=batch, lr=lr, weight_decay=0.0, rng=np.random.default_rng(1))
    assert r_fus == r_ref
    _same(ref, fus)
    return ref, fus


def _config(**update) -> RPUConfig:
    cfg = RPUConfig.from_preset("default")
    return replace(cfg, update=replace(cfg.update, **update)) if update else cfg


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu"])
def test_fused_matches_the_per_layer_path_on_aihwkit_default_tiles(workloads, act):
    _both(workloads["mlp"]((20, 12, 8, 5), act=act), _config())


def test_fused_matches_with_row_and_column_blocks_and_digital_biases(workloads):
    wl = workloads["mlp"]((20, 12, 5), act="sigmoid")
    ref, _ = _both(wl, _config(), tile_rows=8, tile_cols=5, analog_bias=False)
    assert len(ref.analog_layers()[0].tiles()) == 9  # 20 inputs on 3 row blocks x 12 outputs on 3 column blocks


def test_fused_matches_with_analog_bias_rows_and_mini_batches_with_a_remainder(workloads):
    # 150 samples in mini-batches of 4: the last one has 2
    _both(workloads["mlp"]((20, 12, 5), act="tanh"), _config(), batch=4, tile_rows=9, analog_bias=True)


def test_fused_matches_with_write_noise_stochastic_pulses_and_average_abs_max(workloads):
    cfg = _config(pulse_type=PulseType.STOCHASTIC, desired_bl=7)
    cfg = replace(cfg, device=replace(cfg.device, write_noise_std=0.5),
                  forward=replace(cfg.forward, noise_management=NoiseManagementType.AVERAGE_ABS_MAX))
    ref, _ = _both(workloads["mlp"]((20, 12, 5), act="sigmoid"), cfg, analog_bias=True)
    tile = ref.analog_layers()[0].tiles()[0]
    assert tile.nm_state.average_abs_max is not None
    assert tile.algorithm.array.w_visible is not tile.algorithm.array.u


def test_fused_matches_with_another_pulse_law(workloads):
    _both(workloads["mlp"]((20, 12, 5), act="sigmoid"), RPUConfig.from_preset("ReRamSBPreset"), batch=2)


def test_fused_matches_on_floating_point_tiles(workloads):
    _both(workloads["mlp"]((20, 12, 8, 5), act="sigmoid"), None, batch=1, tile_rows=8)
    _both(workloads["mlp"]((20, 12, 5), act="relu"), None, batch=5)


@pytest.mark.parametrize(("case", "reason"), [
    ("weight_decay", "weight decay"),
    ("batch", "mini-batch 65"),
    ("compound", "tile AnalogTile(12x20, device=soft_bounds_reference, algorithm=transfer"),
    ("conv", "inputs not of shape (N, F)"),
    ("pulse_type", "pulse type mean_count"),
])
def test_unsupported_networks_train_on_the_per_layer_path(workloads, case, reason):
    batch, wd = 1, 0.0
    wl = workloads["mlp"]((20, 12, 5), act="sigmoid")
    cfg = _config()
    x, y = X, Y
    if case == "weight_decay":
        wd = 1e-3
    elif case == "batch":
        batch = 65
    elif case == "compound":
        cfg = RPUConfig.from_preset("TikiTakaReRamSBPreset")
    elif case == "conv":
        wl, x = workloads["cnn"](), RNG.random((150, 1, 8, 8)).astype(np.float32)
        y = Y % wl.n_classes
    elif case == "pulse_type":
        cfg = _config(pulse_type=PulseType.MEAN_COUNT)
    net = _build(wl, cfg)
    assert fused.unsupported_reason(net, batch_size=batch, weight_decay=wd, x=x, y=y).startswith(reason)
    ref = _build(wl, cfg)
    n = 20
    r = train_epoch(net, x[:n], y[:n], batch_size=batch, lr=0.05, weight_decay=wd, rng=np.random.default_rng(1))
    r_ref = train_epoch(ref, x[:n], y[:n], batch_size=batch, lr=0.05, weight_decay=wd, rng=np.random.default_rng(1),
                        fused=False)
    assert r == r_ref


def test_divergence_stops_the_fused_epoch_with_a_data_error(workloads):
    net = _build(workloads["mlp"]((20, 12, 5), act="relu"), None)
    with pytest.raises(DataError, match="training diverged"):
        train_epoch(net, X * 1e30, Y, batch_size=1, lr=1e30, weight_decay=0.0, rng=np.random.default_rng(1))


def test_progress_is_reported_once_per_chunk(workloads, monkeypatch):
    monkeypatch.setattr(fused, "CHUNK_BATCHES", 64)
    net = _build(workloads["mlp"]((20, 12, 5), act="sigmoid"), None)
    calls = []
    train_epoch(net, X, Y, batch_size=1, lr=0.05, weight_decay=0.0, rng=np.random.default_rng(1),
                progress=lambda b, nb, loss, acc: calls.append((b, nb)))
    assert calls == [(64, 150), (128, 150), (150, 150)]
