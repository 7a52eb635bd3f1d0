"""Device models are registry entries: a toy model defined in this test module alone (no archsim file touched) is
loadable by ``kind:``, trains a tile, and matches its naive reference; registry errors name the valid kinds."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from archsim.crossbar import AnalogTile, DeviceArray, weight_granularity
from archsim.devices import CommonDraws, DeviceConfig, ModelDraws, PulsedDeviceBase
from archsim.errors import ConfigError
from archsim.hwconfig.rpu import RPUConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reference"))
import naive

F = np.float32
NO_D2D = {"dw_min_dtod": 0.0, "up_down_dtod": 0.0, "w_min_dtod": 0.0, "w_max_dtod": 0.0, "dw_min_std": 0.0}


def toy_law(u, down, P, i, j, sigma, z, G):
    """Saturating step s·(1 − c·(u/b)²)·(1 + σz), b the bound the pulse moves towards, c = P[i, j, 4]·G[0]."""
    c = P[i, j, 4] * np.float32(G[0])
    nz = np.float32(1.0) + sigma * z
    if down:
        frac = u / P[i, j, 2]
        return u - P[i, j, 1] * (np.float32(1.0) - c * frac * frac) * nz
    frac = u / P[i, j, 3]
    return u + P[i, j, 0] * (np.float32(1.0) - c * frac * frac) * nz


def toy_naive(w: float, down: bool, p: dict) -> float:
    """The same law in float64, written independently."""
    b = p["b_min"] if down else p["b_max"]
    step = p["s_down" if down else "s_up"] * (1 - p["c"] * (w / b) ** 2)
    return min(max(w - step if down else w + step, p["b_min"]), p["b_max"])


@dataclass(frozen=True, kw_only=True)
class ToySaturatingDevice(PulsedDeviceBase):
    """A toy model with one per-device slot (curvature), one global (its scale) and its own granularity."""

    kind: str = "toy_saturating"
    curvature: float = 0.5
    curvature_dtod: float = 0.0
    curvature_scale: float = 1.0

    def weight_granularity(self) -> float:
        return 0.5 * self.dw_min

    def pulse_law(self):
        return toy_law

    def sample_model(self, common: CommonDraws, xi) -> ModelDraws:
        return ModelDraws(slots=(self.curvature * (1.0 + self.curvature_dtod * xi()),),
                          globals_=(self.curvature_scale,))


@pytest.fixture
def toy_registered() -> Iterator[type]:
    DeviceConfig.KINDS.register_class(ToySaturatingDevice)
    try:
        yield ToySaturatingDevice
    finally:
        DeviceConfig.KINDS.unregister("toy_saturating")


def test_toy_device_loads_by_kind_and_follows_its_naive_law(toy_registered):
    cfg = RPUConfig.from_dict({"device": {"kind": "toy_saturating", "dw_min": 0.02, "curvature": 0.8,
                                          "curvature_scale": 1.25, **NO_D2D},
                               "forward": {"is_perfect": True}})
    assert isinstance(cfg.device, ToySaturatingDevice) and cfg.device.curvature == 0.8
    assert weight_granularity(cfg.device) == pytest.approx(0.01)
    tile = AnalogTile(1, 1, cfg, seed=0)
    p = {"s_up": 0.02, "s_down": 0.02, "b_min": -0.6, "b_max": 0.6, "c": 0.8 * 1.25}
    pattern = np.random.default_rng(5).random(400) < 0.7
    eps = weight_granularity(cfg.device)
    w = 0.0
    for up in pattern:  # lr = ε, |x| = |d| = 1: BL = 1, p = 1, exactly one pulse per call
        tile.update(np.ones((1, 1), F), np.full((1, 1), -1.0 if up else 1.0, F), eps)
        w = toy_naive(w, not up, p)
        assert float(tile.get_weights()[0, 0]) == pytest.approx(w, abs=2e-6)
        w = float(tile.get_weights()[0, 0])
    assert w > 0.3  # the pattern drives the device well into the saturating part of the law


def test_toy_device_trains_a_tile_with_deterministic_counts(toy_registered):
    """MEAN_COUNT gives deterministic coincidence counts n_ij: the batch result equals the naive law applied n_ij
    times per element, sample after sample, with the per-device curvature slot drawn by the model."""
    cfg = RPUConfig.from_dict({"device": {"kind": "toy_saturating", "dw_min": 0.01, "curvature_dtod": 0.3,
                                          **NO_D2D},
                               "update": {"pulse_type": "mean_count", "desired_bl": 7}})
    tile = AnalogTile(4, 5, cfg, seed=3)
    arr = tile.algorithm.array
    assert isinstance(arr, DeviceArray) and arr.P.shape == (4, 5, 5)  # 4 common slots + the curvature slot
    curv = arr.P[..., 4].astype(np.float64)
    assert curv.std() > 0.05  # drawn per device
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (6, 5)).astype(F)
    d = rng.normal(0, 0.3, (6, 4)).astype(F)
    lr = 0.05
    tile.update(x, d, lr)
    w = np.zeros((4, 5))
    eps = weight_granularity(cfg.device)
    for b in range(6):
        n = naive.dense_counts(x[b], d[b], lr, eps, cfg.update, "mean_count")
        for i in range(4):
            for j in range(5):
                p = {"s_up": 0.01, "s_down": 0.01, "b_min": -0.6, "b_max": 0.6, "c": curv[i, j]}
                for _ in range(abs(n[i, j])):
                    w[i, j] = toy_naive(w[i, j], n[i, j] > 0, p)
    np.testing.assert_allclose(tile.get_weights(), w, atol=2e-6)
    assert np.abs(w).max() > 0.02


def test_unregistered_kind_is_a_config_error():
    with pytest.raises(ConfigError, match=r"device\.kind: unknown kind 'toy_saturating'; valid kinds: constant_step"):
        RPUConfig.from_dict({"device": {"kind": "toy_saturating"}})


def test_a_device_config_needs_its_kind_tag():
    with pytest.raises(ConfigError, match="needs a 'kind' tag"):
        PulsedDeviceBase()
