"""The aihwkit 1.1/1.2 presets archsim lacked (issue 15 item 10) load by name, with aihwkit's documented device
parameters (src/aihwkit/simulator/presets/devices.py, configs.py, inference.py, aihwkit 1.2.0)."""

from __future__ import annotations

import numpy as np
import pytest

from archsim.crossbar import AnalogTile
from archsim.hwconfig import algorithms as A
from archsim.hwconfig.rpu import RPUConfig

F = np.float32

#: aihwkit's PCMPresetDevice (an ExpStepDevice), transcribed from aihwkit 1.2.0
PCM_DEVICE = {"dw_min": 0.01, "up_down": 0.0, "w_max": 2.0, "w_min": 0.0, "a": -1.0, "b": 0.0, "gamma_up": 2.5,
              "gamma_down": 2.5, "A_up": -27.235, "A_down": -2.235, "dw_min_dtod": 0.2, "up_down_dtod": 0.05,
              "w_max_dtod": 0.1, "w_min_dtod": 0.0, "dw_min_std": 0.6, "dw_min_std_add": 0.042,
              "dw_min_std_slope": 0.108, "write_noise_std": 0.0, "reset": 0.01, "reset_dtod": 0.02}
#: one field per single-device preset that identifies it (aihwkit 1.2.0 values)
DEVICE_MARKS = {"ReRamES": ("exp_step", "A_up", -1.18445), "ReRamSB": ("soft_bounds_reference", "w_max", 1.25),
                "Capacitor": ("linear_step", "lifetime", 1e6), "EcRam": ("linear_step", "gamma_down", 0.5085),
                "EcRamMO": ("linear_step", "dw_min", 0.00028214), "Idealized": ("constant_step", "dw_min", 0.0002)}
PRESET_IO = {"out_bound": 20.0, "out_noise": 0.1, "inp_res": 1 / 126, "out_res": 1 / 510}


def test_pcm_preset_is_a_one_sided_pair_of_pcm_devices_with_refresh():
    cfg = RPUConfig.from_preset("PCMPreset")
    assert cfg.device.kind == "exp_step"
    for name, value in PCM_DEVICE.items():
        assert getattr(cfg.device, name) == pytest.approx(value), name
    alg = cfg.algorithm
    assert isinstance(alg, A.OneSidedUnitCellConfig)
    assert (alg.refresh_every, alg.units_in_mbatch, alg.copy_inverted) == (1, True, False)
    assert alg.refresh_forward.out_bound == 20.0 and alg.refresh_update.desired_bl == 31
    for io in (cfg.forward, cfg.backward):
        assert {k: getattr(io, k) for k in PRESET_IO} == pytest.approx(PRESET_IO)
    tile = AnalogTile(4, 5, cfg, seed=0)
    rng = np.random.default_rng(0)
    tile.update(rng.uniform(-1, 1, (3, 5)).astype(F), rng.normal(0, 0.3, (3, 4)).astype(F), 0.1)
    assert tile.algorithm.counters.refreshes == 1


@pytest.mark.parametrize("n", [2, 4])
@pytest.mark.parametrize("device", sorted(DEVICE_MARKS))
def test_vector_presets(device, n):
    """X2Preset / X4Preset: a VectorUnitCell of n XPresetDevice with update policy SINGLE_RANDOM."""
    cfg = RPUConfig.from_preset(f"{device}{n}Preset")
    kind, field, value = DEVICE_MARKS[device]
    assert cfg.device.kind == kind and getattr(cfg.device, field) == pytest.approx(value)
    assert cfg.device == RPUConfig.from_preset(f"{device}Preset").device
    assert isinstance(cfg.algorithm, A.VectorUnitCellConfig)
    assert cfg.algorithm.n_devices == n and cfg.algorithm.update_policy is A.VectorUpdatePolicy.SINGLE_RANDOM
    assert cfg.algorithm.gamma_vec == ()  # 1/n each
    assert cfg.forward.out_noise == 0.1 and cfg.update.desired_bl == 31
    assert len(AnalogTile(3, 3, cfg, seed=0).algorithm.arrays) == n


def test_floating_point_preset():
    cfg = RPUConfig.from_preset("FloatingPointPreset")
    assert cfg.device.kind == "ideal" and cfg.forward.is_perfect and cfg.backward.is_perfect
    assert cfg.update.pulse_type.value == "none"
    tile = AnalogTile(3, 4, cfg, seed=0)
    w = np.random.default_rng(0).uniform(-1, 1, (3, 4)).astype(F)
    tile.set_weights(w)
    x = np.random.default_rng(1).uniform(-1, 1, (2, 4)).astype(F)
    np.testing.assert_allclose(tile.forward(x), x @ w.T, rtol=1e-6)


def test_standard_hwa_training_preset():
    cfg = RPUConfig.from_preset("StandardHWATrainingPreset")
    f = cfg.forward
    assert (f.inp_res, f.out_res, f.bound_management.value, f.noise_management.value, f.nm_thres) == \
        (1 / 254, 1 / 254, "none", "constant", 1.0)
    assert (f.w_noise, f.w_noise_type.value, f.ir_drop, f.out_noise, f.out_bound) == \
        (0.0175, "pcm_read", 1.0, 0.04, 10.0)
    assert cfg.backward.is_perfect and cfg.update.pulse_type.value == "none" and cfg.device.kind == "ideal"
    assert cfg.inference is not None and cfg.inference.drift_compensation.value == "global"
    assert cfg.inference.noise_model.g_max_us == 25.0


def test_transfer_presets_follow_aihwkit_1_2():
    """A few fields of the compound presets that differed: AGADEcRamPreset's BL 31, the ReRamSB transfer presets'
    subtract_symmetry_point, the explicit transfer IO/update of aihwkit's presets."""
    assert RPUConfig.from_preset("AGADEcRamPreset").update.desired_bl == 31
    assert RPUConfig.from_preset("AGADEcRamMOPreset").update.desired_bl == 100
    for name in ("TikiTakaReRamSBPreset", "TTv2ReRamSBPreset", "ChoppedTTv2ReRamSBPreset", "AGADReRamSBPreset"):
        assert RPUConfig.from_preset(name).device.subtract_symmetry_point is True, name
    ttv2 = RPUConfig.from_preset("TTv2CapacitorPreset").algorithm
    assert ttv2.transfer_update.desired_bl == 1 and not ttv2.transfer_update.update_management
    assert ttv2.transfer_forward.out_noise == 0.1 and ttv2.transfer_forward.noise_management.value == "none"
    assert RPUConfig.from_preset("ChoppedTTv2EcRamPreset").algorithm.fast_lr == 1.0
