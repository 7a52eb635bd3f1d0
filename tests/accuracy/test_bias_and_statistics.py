"""``train`` and ``run`` build the same network for one chip (bias placement from the Mapping, recorded truthfully),
and "per sample" in the layer statistics means per input sample of the network for every producer."""

from __future__ import annotations

import numpy as np
import pytest

import archsim.hwconfig.algorithms as A
from archsim.hwconfig import load_hardware
from archsim.hwconfig.rpu import RPUConfig
from archsim.loader import resolve_path
from archsim.nn.network import analog_tile_factory, build_network, fp_tile_factory
from archsim.nn.train import layer_statistics, network_inputs, train_workload
from archsim.pipeline import MAP_STEPS, RunOptions, run
from archsim.workload import load_workload


def _run_mapping(hw_name: str, wl_name: str):
    """The Mapping ``archsim run`` makes (its load and map steps)."""
    return run(RunOptions(hw_path=hw_name, workload_path=wl_name), steps=MAP_STEPS)


@pytest.mark.parametrize("hw_name,wl_name", [("aihwkit-default", "mlp-digits"), ("rpu-gokmen-vlasov-2016", "lenet-gokmen-2017")])
def test_train_and_run_build_the_same_network(hw_name, wl_name):
    state = _run_mapping(hw_name, wl_name)
    run_net = build_network(state.workload, make_tile=fp_tile_factory,
                            **network_inputs(state.hw, state.workload, mapping=state.mapping))
    train_net = build_network(state.workload, make_tile=fp_tile_factory, **network_inputs(state.hw, state.workload))
    assert run_net.bias_placement() == train_net.bias_placement()
    assert set(run_net.bias_placement().values()) == {"analog"}  # the run's Mapping puts biases on a crossbar row
    for a, b in zip(run_net.analog_layers(), train_net.analog_layers(), strict=True):
        ta, tb = a.units[0].array, b.units[0].array
        assert (ta.row_bounds.tolist(), ta.col_bounds.tolist()) == (tb.row_bounds.tolist(), tb.col_bounds.tolist())
        np.testing.assert_array_equal(ta.get_weights(), tb.get_weights())
    lm = {m.layer: m for m in state.mapping.layers}
    for module in run_net.analog_layers():
        assert module.units[0].analog_bias == lm[module.name].analog_bias


def test_accuracy_settings_record_the_bias_as_built():
    hw = load_hardware(resolve_path("aihwkit-default", "hwconfigs"))
    wl = load_workload(resolve_path("mlp-digits", "workloads"))
    kw = {"epochs": 1, "limit_train": 8, "limit_test": 8, "fp_baseline": False}
    analog = train_workload(hw, wl, **kw)
    digital = train_workload(hw, wl, analog_bias=False, **kw)
    assert analog.settings["bias"] == {"fc1": "analog", "fc2": "analog"}
    assert digital.settings["bias"] == {"fc1": "digital", "fc2": "digital"}
    assert "digital_bias" not in analog.settings["options"]


def test_per_sample_means_per_network_sample_for_conv_layers():
    """A conv layer's transfers per sample cover all its patches: TileStats and layer_statistics agree."""
    wl = load_workload(resolve_path("lenet-gokmen-2017", "workloads"))
    rpu = RPUConfig(algorithm=A.TransferCompoundConfig(units_in_mbatch=False, transfer_every=2.0))
    net = build_network(wl, make_tile=analog_tile_factory(rpu), seed=0)
    rng = np.random.default_rng(0)
    x, y = rng.random((3, 1, 28, 28)).astype(np.float32), np.array([0, 1, 2])
    net.train_batch(x, y, 0.01)
    stats = layer_statistics(net)
    conv = net.layer("conv1")
    (tile,) = conv.tiles()
    per_tile = tile.stats.to_layer_stats("conv1", samples=net.samples_trained)
    assert net.samples_trained == 3
    assert stats["conv1"].transfer_reads_per_sample == pytest.approx(per_tile.transfer_reads_per_sample)
    # 576 patches per image are 576 update vectors per sample: reads per sample = reads per update vector x 576
    per_vector = tile.stats.transfer_reads / tile.stats.update_vectors
    assert stats["conv1"].transfer_reads_per_sample == pytest.approx(per_vector * 576)
