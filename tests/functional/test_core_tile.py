"""AnalogTile API, statistics, algorithm hook and the RPU configuration classes."""

from __future__ import annotations

import numpy as np
import pytest

from archsim.crossbar import AnalogTile, DeviceArray, TileContext, register_algorithm
from archsim.errors import ConfigError, DataError
from archsim.hwconfig import rpu
from archsim.results.stats import LayerStats

F = np.float32


def test_tile_api_shapes_and_dtypes():
    tile = AnalogTile(6, 10, seed=3)
    x = np.random.default_rng(0).uniform(-1, 1, (4, 10))
    y = tile.forward(x)
    z = tile.backward(y)
    assert y.shape == (4, 6) and z.shape == (4, 10) and y.dtype == F and z.dtype == F
    assert tile.forward(x[0]).shape == (1, 6)  # a single vector is one sample
    tile.update(x, np.ones((4, 6)) * 0.01, 0.01)
    assert tile.get_weights().shape == (6, 10) and tile.get_weights().dtype == F


def test_string_preset_and_default():
    assert AnalogTile(2, 2, "ReRamSBPreset").rpu_config.device.kind == "soft_bounds_reference"
    assert AnalogTile(2, 2).rpu_config == rpu.RPUConfig()
    with pytest.raises(ConfigError, match="unknown name 'ReRamSB'"):
        AnalogTile(2, 2, "ReRamSB")


def test_set_get_weights_roundtrip_and_errors():
    tile = AnalogTile(3, 4, rpu.RPUConfig(device=rpu.ConstantStepDevice(w_max_dtod=0, w_min_dtod=0)), seed=0)
    w = np.linspace(-0.5, 0.5, 12).reshape(3, 4)
    tile.set_weights(w)
    np.testing.assert_allclose(tile.get_weights(), w, rtol=1e-6)
    tile.set_weights(np.full((3, 4), 2.0))
    np.testing.assert_allclose(tile.get_weights(), 0.6)  # clipped to w_max
    with pytest.raises(DataError, match="expected shape"):
        tile.set_weights(np.zeros((4, 3)))
    with pytest.raises(DataError, match="NaN"):
        tile.set_weights(np.full((3, 4), np.nan))


def test_update_rejects_bad_inputs():
    tile = AnalogTile(3, 4)
    with pytest.raises(DataError, match="rows"):
        tile.update(np.ones((2, 4)), np.ones((3, 3)), 0.1)
    with pytest.raises(DataError, match="NaN or infinite"):
        tile.update(np.full((2, 4), np.inf), np.ones((2, 3)), 0.1)
    with pytest.raises(DataError, match="lr"):
        tile.update(np.ones((2, 4)), np.ones((2, 3)), float("nan"))
    with pytest.raises(ConfigError, match="positive integer"):
        AnalogTile(0, 3)


def test_stats_and_layer_stats():
    tile = AnalogTile(8, 16, seed=0)
    tile.set_weights(np.full((8, 16), 0.5))
    x = np.ones((5, 16), F)
    tile.forward(x)  # 16·0.5 = 8 < 12: one pass each
    tile.forward(np.vstack([x, np.zeros((1, 16), F)]))
    assert tile.stats.forward_vectors == 11
    tile.backward(np.ones((3, 8), F))
    tile.update(x, np.ones((5, 8), F) * 0.01, 0.01)
    ls = tile.stats.to_layer_stats("fc1", samples=5)
    assert isinstance(ls, LayerStats)
    assert ls.mean_bm_passes_forward == 1.0  # the all-zero vector (NM short cut) counts as one pass
    assert ls.mean_bm_passes_backward == 1.0
    assert ls.mean_bl == tile.stats.mean_bl and sum(ls.bl_histogram.values()) == 5
    assert ls.mean_pulses_per_device_per_update == pytest.approx(tile.stats.pulses / (128 * 5))
    assert LayerStats.from_dict(ls.to_dict()) == ls
    tile.stats.reset()
    assert tile.stats.forward_vectors == 0 and tile.stats.n_devices == 128


def test_bm_passes_counted_per_vector():
    tile = AnalogTile(1, 100, rpu.RPUConfig(forward=rpu.IOParameters(out_noise=0.0)), seed=0)
    tile.set_weights(np.full((1, 100), 0.5))
    tile.forward(np.ones((2, 100), F))  # 50 > 12: ρ = 1, 2, 4 (12.7 > 12), 8 -> 4 passes
    assert tile.stats.forward_bm_passes == 8 and tile.stats.mean_bm_passes_forward == 4.0


def test_algorithm_hook_plugs_in_a_custom_strategy():
    from dataclasses import dataclass

    @dataclass(frozen=True, kw_only=True)
    class TwoArrayConfig:
        kind: str = "two_array_test"

    class TwoArray:
        def __init__(self, ctx: TileContext, config: TwoArrayConfig) -> None:
            self.ctx = ctx
            self.a = ctx.device_array()
            self.c = ctx.device_array()
            self.read_pipe = ctx.pipeline(rpu.IOParameters(noise_management="none", bound_management="none"),
                                          ctx.out_size)

        def read_weights(self):
            return self.c.read()

        def get_weights(self):
            return self.c.get_weights()

        def set_weights(self, w):
            self.c.set_weights(w)

        def update(self, x, d, lr):
            from archsim.crossbar import pulsed_update
            self.ctx.stats.record_update(pulsed_update(self.a, x, d, lr, self.ctx.rpu_config.update, self.ctx.rng))
            self.ctx.stats.transfers += 1

        def post_update_step(self):
            pass

    register_algorithm(TwoArrayConfig, TwoArray)
    cfg = rpu.RPUConfig(algorithm=TwoArrayConfig())
    tile = AnalogTile(4, 4, cfg, seed=0)
    assert isinstance(tile.algorithm, TwoArray) and isinstance(tile.algorithm.a, DeviceArray)
    tile.update(np.ones((2, 4)), np.ones((2, 4)) * 0.1, 0.01)
    assert tile.stats.transfers == 1 and tile.stats.update_vectors == 2
    np.testing.assert_array_equal(tile.get_weights(), 0)  # C untouched, A updated


# ------------------------------------------------------------------------------------------------ config classes


def test_io_defaults_are_aihwkit_python_defaults():
    io = rpu.IOParameters()
    assert io.inp_res == pytest.approx(1 / 126) and io.out_res == pytest.approx(1 / 510)
    assert io.out_bound == 12.0 and io.out_noise == 0.06 and io.inp_bound == 1.0
    assert io.noise_management is rpu.NoiseManagementType.ABS_MAX
    assert io.bound_management is rpu.BoundManagementType.ITERATIVE
    assert io.max_bm_factor == 1000 and io.max_bm_res == 0.25 and io.v_offset_w_min == -1.0
    up = rpu.UpdateParameters()
    assert up.desired_bl == 31 and up.pulse_type is rpu.PulseType.STOCHASTIC_COMPRESSED
    dev = rpu.ConstantStepDevice()
    assert (dev.dw_min, dev.dw_min_dtod, dev.dw_min_std, dev.w_max, dev.up_down_dtod) == (0.001, 0.3, 0.3, 0.6, 0.01)
    assert dev.enforce_consistency is True and dev.kind == "constant_step"


def test_enums_accept_strings_and_reject_unknown():
    assert rpu.IOParameters(noise_management="max").noise_management is rpu.NoiseManagementType.MAX
    with pytest.raises(ConfigError, match=r"IOParameters\.noise_management: expected one of none, abs_max"):
        rpu.IOParameters(noise_management="absmax")
    with pytest.raises(ConfigError, match="inp_bound"):
        rpu.IOParameters(inp_bound=2.0)
    with pytest.raises(ConfigError, match="desired_bl"):
        rpu.UpdateParameters(desired_bl=0)
    with pytest.raises(ConfigError, match="kind"):
        rpu.ConstantStepDevice(kind="soft_bounds")


def test_presets_and_overrides():
    for name in rpu.RPUConfig.preset_names():
        cfg = rpu.RPUConfig.from_preset(name)
        assert isinstance(cfg, rpu.RPUConfig)
    cfg = rpu.RPUConfig.from_preset("ReRamSBPreset", forward={"out_noise": 0.0}, device={"dw_min": 0.003})
    assert cfg.forward.out_noise == 0.0 and cfg.forward.out_bound == 20.0
    assert cfg.device.dw_min == 0.003 and cfg.device.write_noise_std == 56.0
    cfg = rpu.RPUConfig.from_preset("ReRamSBPreset", device={"kind": "soft_bounds"})
    assert cfg.device == rpu.SoftBoundsDevice()
    with pytest.raises(ConfigError, match="unknown key 'out_nois'"):
        rpu.RPUConfig.from_dict({"forward": {"out_nois": 0.1}})
    with pytest.raises(ConfigError, match=r"device\.kind: unknown kind 'softbound' \(did you mean 'soft_bounds'\?\)"):
        rpu.RPUConfig.from_dict({"device": {"kind": "softbound"}})
    assert set(rpu.DEVICE_KINDS) == {"constant_step", "linear_step", "soft_bounds", "soft_bounds_pmax",
                                     "soft_bounds_reference", "exp_step", "pow_step", "pow_step_reference",
                                     "piecewise_step", "ideal"}


def test_every_device_kind_runs_in_a_tile():
    x = np.random.default_rng(0).uniform(-1, 1, (5, 6)).astype(F)
    d = np.random.default_rng(1).normal(0, 0.1, (5, 4)).astype(F)
    for kind, cls in rpu.DEVICE_KINDS.items():
        tile = AnalogTile(4, 6, rpu.RPUConfig(device=cls()), seed=0)
        tile.update(x, d, 0.05)
        assert np.isfinite(tile.forward(x)).all(), kind
        assert np.abs(tile.get_weights()).max() > 0, kind
