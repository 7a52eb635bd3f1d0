"""Device arrays: the weights of one crossbar plus their sampled per-device parameters.

:class:`DeviceArray` is the building block of :class:`~archsim.crossbar.tile.AnalogTile` and of the
compounds (Tiki-Taka family, one-sided, vector unit cells): it owns

* ``u`` — float32[out, in] device values (the conductance-like state pulses act on);
* ``ref`` — float32[out, in] fixed references of reference devices (``SoftBoundsReference``,
  ``PowStepReference``; zeros otherwise); the weight is ``u − ref``;
* ``P`` — float32[out, in, 4 + k] device-to-device parameters drawn at construction: s_up, s_down, b_min, b_max and
  the k slots of the device model; ``G`` — float64 global parameters of the model; ``law`` — the tag of the
  model's pulse law (:func:`archsim.crossbar.kernels.law_tag`);
* per-device decay scale, diffusion rate and reset bias; the weight granularity ε (sets BL and probabilities).

Everything model-specific comes from the device config itself (:mod:`archsim.devices`: ``sample_common``,
``sample_model``, ``pulse_law``, ``weight_granularity``), so this module never looks at the device type. The d2d
draws use their own Generator seeded by ``construction_seed`` when it is non-zero, else the Generator passed in.

Write noise: the visible weight is redrawn as u − ref + write_noise_std·dw_min·ξ whenever an element is pulsed and
after set/decay/diffusion/reset (``apply_write_noise_on_set``).
"""

from __future__ import annotations

import numpy as np

from archsim.crossbar import kernels as K
from archsim.devices import DeviceConfig, PulsedDeviceBase
from archsim.errors import ConfigError, DataError

__all__ = ["DeviceArray", "weight_granularity"]

_F32 = np.float32


def weight_granularity(device: DeviceConfig) -> float:
    """Weight granularity ε used by update management (aihwkit ``calcWeightGranularity``) of a device config."""
    return float(device.effective().weight_granularity())


class DeviceArray:
    """A float32 [out_size, in_size] array of devices of one model, with sampled d2d parameters.

    Args:
        out_size, in_size: array shape (rows = outputs, columns = inputs).
        device: the device config (a registered :class:`~archsim.devices.DeviceConfig`).
        rng: the run's Generator (d2d draws, unless ``construction_seed`` is set; later noise).
    """

    def __init__(self, out_size: int, in_size: int, device: DeviceConfig, rng: np.random.Generator) -> None:
        if out_size < 1 or in_size < 1:
            raise ConfigError(f"DeviceArray: expected positive sizes, got {out_size}x{in_size}")
        self.out_size = int(out_size)
        self.in_size = int(in_size)
        self.config = device
        self.rng = rng
        dev = device.effective()
        self.model = dev
        self.is_ideal = not dev.PULSED
        self.granularity = float(dev.weight_granularity())
        shape = (self.out_size, self.in_size)
        seed = dev.construction_seed
        crng = np.random.default_rng(seed) if seed else rng
        self.u = np.zeros(shape, _F32)
        self.ref = np.zeros(shape, _F32)
        self.has_ref = False
        self.G = np.zeros(0, np.float64)
        self.law = ""
        self.sigma = _F32(0.0)
        self.wn_std = _F32(0.0)
        self.write_noise_on_set = False
        self.decay_scale: np.ndarray | None = None
        self.diffusion_rate: np.ndarray | None = None
        if self.is_ideal:
            self.P = np.zeros(shape + (4,), _F32)
            self.P[..., 2] = -np.inf
            self.P[..., 3] = np.inf
            self.reset_bias = np.zeros(shape, _F32)
            self.reset_std = float(dev.reset_std)
            if dev.lifetime > 0:
                self.decay_scale = np.full(shape, (1.0 - 1.0 / dev.lifetime) if dev.lifetime > 1 else 0.0, _F32)
            if dev.diffusion > 0:
                self.diffusion_rate = np.full(shape, dev.diffusion, _F32)
            self.w_visible = self.u
            return
        if not isinstance(dev, PulsedDeviceBase):
            raise ConfigError(f"DeviceArray: device {type(dev).__name__} is pulsed but does not derive from "
                              "PulsedDeviceBase", hint="derive pulsed device models from archsim.devices.PulsedDeviceBase")
        self._populate(dev, crng)
        self.w_visible = np.empty(shape, _F32) if (self.wn_std > 0 or self.has_ref) else self.u
        self._refresh_visible(noise=False)

    # ------------------------------------------------------------------------------------------ construction
    def _populate(self, dev: PulsedDeviceBase, rng: np.random.Generator) -> None:
        shape = (self.out_size, self.in_size)

        def xi() -> np.ndarray:
            return rng.standard_normal(shape)

        common = dev.sample_common(shape, rng, xi)
        model = dev.sample_model(common, xi)
        self.P = np.empty(shape + (4 + len(model.slots),), _F32)
        for k, arr in enumerate((common.s_up, common.s_down, common.b_min, common.b_max, *model.slots)):
            self.P[..., k] = arr
        self.G = np.asarray(model.globals_, np.float64)
        self.law = K.law_tag(dev.pulse_law())
        self.sigma = _F32(dev.dw_min_std)
        self.wn_std = _F32(dev.write_noise_std * dev.dw_min)
        self.write_noise_on_set = dev.apply_write_noise_on_set
        if model.reference is not None:
            self.ref[...] = model.reference
            self.has_ref = True
        self.reset_bias = (dev.reset + dev.reset_dtod * xi()).astype(_F32)
        if self.has_ref:
            self.reset_bias += self.ref  # reset targets the device value, i.e. the weight `reset`
        self.reset_std = float(dev.reset_std)
        if dev.lifetime > 0:
            life = dev.lifetime * (1.0 + dev.lifetime_dtod * xi())
            self.decay_scale = np.where(life > 1.0, 1.0 - 1.0 / np.where(life > 1.0, life, 2.0), 0.0).astype(_F32)
        if dev.diffusion > 0:
            self.diffusion_rate = np.abs(dev.diffusion * (1.0 + dev.diffusion_dtod * xi())).astype(_F32)

    def invert(self) -> None:
        """Turn this array into the mirror image of its devices (aihwkit ``copyInvertDeviceParameter``): steps
        swapped, bounds mirrored (b_max' = −b_min, b_min' = −b_max), model slots transformed by the model."""
        P = self.P
        P[..., 0], P[..., 1] = P[..., 1].copy(), P[..., 0].copy()
        P[..., 2], P[..., 3] = -P[..., 3].copy(), -P[..., 2].copy()
        if P.shape[-1] > 4:
            slots = P[..., 4:]
            self.model.invert_slots(slots)

    # ------------------------------------------------------------------------------------------ weights
    @property
    def b_min(self) -> np.ndarray:
        """Per-device lower bound of the device value (float32 view)."""
        return self.P[..., 2]

    @property
    def b_max(self) -> np.ndarray:
        """Per-device upper bound of the device value (float32 view)."""
        return self.P[..., 3]

    def _refresh_visible(self, *, noise: bool) -> None:
        if self.w_visible is self.u:
            return
        np.subtract(self.u, self.ref, out=self.w_visible)
        if noise and self.wn_std > 0:
            self.w_visible += self.wn_std * self.rng.standard_normal(self.u.shape, dtype=_F32)

    def _clip(self) -> None:
        np.clip(self.u, self.P[..., 2], self.P[..., 3], out=self.u)

    def read(self) -> np.ndarray:
        """The weights seen by forward/backward (float32 [out, in]; a view, do not modify)."""
        return self.w_visible

    def get_weights(self) -> np.ndarray:
        """A copy of the visible weights."""
        return self.w_visible.copy()

    def get_hidden_weights(self) -> np.ndarray:
        """A copy of the noise-free weights u − ref (differs from :meth:`get_weights` only with write noise)."""
        return (self.u - self.ref).astype(_F32)

    def set_weights(self, w: np.ndarray) -> None:
        """Program the weights exactly (then clip to the device bounds; write noise if apply_write_noise_on_set)."""
        arr = np.asarray(w)
        if arr.shape != self.u.shape:
            raise DataError(f"set_weights: expected shape {self.u.shape}, got {arr.shape}")
        if not np.isfinite(arr).all():
            raise DataError("set_weights: weights contain NaN or infinite values")
        np.add(arr.astype(_F32), self.ref, out=self.u)
        self._clip()
        self._refresh_visible(noise=self.write_noise_on_set)

    # ------------------------------------------------------------------------------------------ slow processes
    def decay(self) -> None:
        """One lifetime step: u ← (u − reset_bias)·δ + reset_bias, clipped (no-op without lifetime)."""
        if self.decay_scale is None:
            return
        self.u[...] = (self.u - self.reset_bias) * self.decay_scale + self.reset_bias
        self._clip()
        self._refresh_visible(noise=True)

    def diffuse(self) -> None:
        """One diffusion step: u += rate·ξ, clipped (no-op without diffusion)."""
        if self.diffusion_rate is None:
            return
        self.u += self.diffusion_rate * self.rng.standard_normal(self.u.shape, dtype=_F32)
        self._clip()
        self._refresh_visible(noise=True)

    def post_update_step(self) -> None:
        """aihwkit's per-mini-batch step: diffusion, then decay."""
        self.diffuse()
        self.decay()

    def reset(self, rows: np.ndarray | slice | None = None, cols: np.ndarray | slice | None = None) -> None:
        """Reset devices (all, or the given output rows and/or input columns): u = reset_bias + reset_std·ξ, clipped."""
        ri = np.arange(self.out_size) if rows is None else np.atleast_1d(np.arange(self.out_size)[rows])
        ci = np.arange(self.in_size) if cols is None else np.atleast_1d(np.arange(self.in_size)[cols])
        idx = np.ix_(ri, ci)
        noise = (self.reset_std * self.rng.standard_normal((ri.size, ci.size))).astype(_F32)
        self.u[idx] = self.reset_bias[idx] + noise
        self._clip()
        self._refresh_visible(noise=True)

    def after_pulses(self, *, dense: bool = False) -> None:
        """Bring the visible weights up to date after a kernel changed ``u``.

        Pulse kernels redraw the write noise of the elements they pulse themselves; after a dense floating-point
        update (``dense=True``, pulse types NONE / NONE_WITH_DEVICE) every element is redrawn.
        """
        if self.w_visible is self.u:
            return
        if dense:
            self._refresh_visible(noise=True)
        elif self.wn_std == 0:
            np.subtract(self.u, self.ref, out=self.w_visible)
