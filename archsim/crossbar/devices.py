"""Device arrays: the weights of one crossbar plus their sampled per-device parameters (aihwkit §3).

:class:`DeviceArray` is the building block of :class:`~archsim.crossbar.tile.AnalogTile` and of the
compounds (Tiki-Taka family, one-sided, vector unit cells): it owns

* ``u`` — float32[out, in] device values (the conductance-like state pulses act on);
* ``ref`` — float32[out, in] fixed references of reference devices (``SoftBoundsReference``,
  ``PowStepReference``; zeros otherwise); the weight is ``u − ref``;
* ``P`` — float32[out, in, 7] device-to-device parameters drawn at construction: s_up, s_down, b_min, b_max,
  two model-specific slots (LinearStep/SoftBounds slopes, PowStep exponents) and ref;
* per-device decay scale, diffusion rate and reset bias; the weight granularity ε (sets BL and probabilities).

Construction sampling follows aihwkit ``PulsedRPUDevice::populate`` (research/aihwkit-reference.md §3.2):
b_max = w_max(1 + w_max_dtod·ξ), b_min = w_min(1 + w_min_dtod·ξ), gain g = 1 + dw_min_dtod·ξ (or
exp(dw_min_dtod·ξ)), r = up_down_dtod·ξ, s_up = (min(up_down, 0) + g + r)·dw_min,
s_down = (−max(up_down, 0) + g − r)·dw_min; ``enforce_consistency`` takes |steps| and orders the bounds
(b_max = |·|, b_min = −|·|), otherwise inverted bounds collapse to their midpoint; corrupt devices are stuck at a
uniform value within ±corrupt_devices_range (step 0). The d2d draws use their own Generator seeded by
``construction_seed`` when it is non-zero, else by the Generator passed in.

Per-pulse laws are in :func:`archsim.crossbar.kernels.pulse`. Write noise: the visible weight is redrawn as
u − ref + write_noise_std·dw_min·ξ whenever an element is pulsed and after set/decay/diffusion/reset
(``apply_write_noise_on_set``). PowStepReference's symmetry point is found by bisection of
s_up·f_up(w) = s_down·f_down(w) (aihwkit iterates the deterministic up/down step instead; both converge to the same
point up to one step).
"""

from __future__ import annotations

import math

import numpy as np

from archsim.crossbar import kernels as K
from archsim.errors import ConfigError, DataError
from archsim.hwconfig.rpu import (
    ConstantStepDevice,
    DeviceConfig,
    ExpStepDevice,
    IdealDevice,
    LinearStepDevice,
    PiecewiseStepDevice,
    PowStepDevice,
    PowStepReferenceDevice,
    PulsedDeviceBase,
    SoftBoundsDevice,
    SoftBoundsPmaxDevice,
    SoftBoundsReferenceDevice,
)

__all__ = ["DeviceArray", "weight_granularity"]

_F32 = np.float32


def weight_granularity(device: DeviceConfig) -> float:
    """Weight granularity ε used by update management (aihwkit ``calcWeightGranularity``, §3.2)."""
    if isinstance(device, SoftBoundsPmaxDevice):
        device = device.effective()
    if isinstance(device, IdealDevice):
        return 0.001
    if isinstance(device, (PowStepDevice, PowStepReferenceDevice)):
        return device.dw_min * 0.5 ** device.pow_gamma
    if isinstance(device, PiecewiseStepDevice):
        return device.dw_min * device.piecewise_up[len(device.piecewise_up) // 2]
    if isinstance(device, ExpStepDevice):
        z = device.b  # w = 0
        y_down = max(1.0 - device.A_down * math.exp(-device.gamma_down * z), 0.0)
        eps = device.dw_min * y_down  # aihwkit averages the down step at w = 0 with itself
        return eps if eps > 0 else device.dw_min
    return device.dw_min


class DeviceArray:
    """A float32 [out_size, in_size] array of devices of one model, with sampled d2d parameters.

    Args:
        out_size, in_size: array shape (rows = outputs, columns = inputs).
        device: the device config (any member of ``DeviceConfig``).
        rng: the run's Generator (d2d draws, unless ``construction_seed`` is set; later noise).
    """

    def __init__(self, out_size: int, in_size: int, device: DeviceConfig, rng: np.random.Generator) -> None:
        if out_size < 1 or in_size < 1:
            raise ConfigError(f"DeviceArray: expected positive sizes, got {out_size}x{in_size}")
        self.out_size = int(out_size)
        self.in_size = int(in_size)
        self.config = device
        self.rng = rng
        dev = device.effective() if isinstance(device, SoftBoundsPmaxDevice) else device
        self.model = dev
        self.is_ideal = isinstance(dev, IdealDevice)
        self.granularity = float(weight_granularity(dev))
        shape = (self.out_size, self.in_size)
        seed = getattr(dev, "construction_seed", 0)
        crng = np.random.default_rng(seed) if seed else rng
        self.u = np.zeros(shape, _F32)
        self.ref = np.zeros(shape, _F32)
        self.has_ref = False
        self.P = np.zeros(shape + (7,), _F32)
        self.glob = np.zeros(8, np.float64)
        self.nodes_up = np.ones(1, _F32)
        self.nodes_down = np.ones(1, _F32)
        self.sigma = _F32(0.0)
        self.wn_std = _F32(0.0)
        self.decay_scale: np.ndarray | None = None
        self.diffusion_rate: np.ndarray | None = None
        if self.is_ideal:
            self.kind = -1
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
        assert isinstance(dev, PulsedDeviceBase)
        self._populate(dev, crng)
        self.w_visible = np.empty(shape, _F32) if (self.wn_std > 0 or self.has_ref) else self.u
        self._refresh_visible(noise=False)

    # ------------------------------------------------------------------------------------------ construction
    def _populate(self, dev: PulsedDeviceBase, rng: np.random.Generator) -> None:
        shape = (self.out_size, self.in_size)

        def xi() -> np.ndarray:
            return rng.standard_normal(shape)

        b_max = dev.w_max * (1.0 + dev.w_max_dtod * xi())
        b_min = dev.w_min * (1.0 + dev.w_min_dtod * xi())
        gain = np.exp(dev.dw_min_dtod * xi()) if dev.dw_min_dtod_log_normal else 1.0 + dev.dw_min_dtod * xi()
        r = dev.up_down_dtod * xi()
        up_bias = min(dev.up_down, 0.0)
        down_bias = -max(dev.up_down, 0.0)
        s_up = (up_bias + gain + r) * dev.dw_min
        s_down = (down_bias + gain - r) * dev.dw_min
        if dev.enforce_consistency:
            s_up = np.abs(s_up)
            s_down = np.abs(s_down)
            swap = b_min > b_max
            b_min, b_max = np.where(swap, b_max, b_min), np.where(swap, b_min, b_max)
            b_max = np.abs(b_max)
            b_min = -np.abs(b_min)
        else:
            inverted = b_min > b_max
            mid = 0.5 * (b_min + b_max)
            b_min = np.where(inverted, mid, b_min)
            b_max = np.where(inverted, mid, b_max)
        if dev.corrupt_devices_prob > 0:
            bad = rng.random(shape) < dev.corrupt_devices_prob
            lo = np.maximum(-dev.corrupt_devices_range, b_min)
            hi = np.minimum(dev.corrupt_devices_range, b_max)
            val = lo + (hi - lo) * rng.random(shape)
            b_min = np.where(bad, val, b_min)
            b_max = np.where(bad, val, b_max)
            s_up = np.where(bad, 0.0, s_up)
            s_down = np.where(bad, 0.0, s_down)
        p4 = np.zeros(shape)
        p5 = np.zeros(shape)
        ref = np.zeros(shape)
        self.sigma = _F32(dev.dw_min_std)
        self.wn_std = _F32(dev.write_noise_std * dev.dw_min)
        if isinstance(dev, ConstantStepDevice):
            self.kind = K.KIND_CONSTANT
        elif isinstance(dev, LinearStepDevice):
            g_up = dev.gamma_up + dev.gamma_up_dtod * xi()
            g_dn = dev.gamma_down + dev.gamma_down_dtod * xi()
            if not dev.allow_increasing:
                g_up, g_dn = np.abs(g_up), np.abs(g_dn)
            ref_up = dev.w_max if dev.mean_bound_reference else b_max
            ref_dn = dev.w_min if dev.mean_bound_reference else b_min
            p4 = -_safe_div(g_up * s_up, ref_up)
            p5 = -_safe_div(g_dn * s_down, ref_dn)
            self.kind = K.KIND_LINEAR_MULT if dev.mult_noise else K.KIND_LINEAR_ADD
        elif isinstance(dev, SoftBoundsDevice):
            p4 = -_safe_div(s_up, b_max)
            p5 = -_safe_div(s_down, b_min)
            self.kind = K.KIND_LINEAR_MULT if dev.mult_noise else K.KIND_LINEAR_ADD
        elif isinstance(dev, SoftBoundsReferenceDevice):
            sb_max, sb_min = b_max, b_min
            if dev.slope_up_dtod > 0:
                sb_max = _safe_div(b_max, 1.0 + dev.slope_up_dtod * xi())
            if dev.slope_down_dtod > 0:
                sb_min = _safe_div(b_min, 1.0 + dev.slope_down_dtod * xi())
            p4 = -_safe_div(s_up, sb_max)
            p5 = -_safe_div(s_down, sb_min)
            ref = dev.reference_mean + dev.reference_std * xi()
            if dev.subtract_symmetry_point:
                # zero net drift of u under alternating up/down pulses: s_up(1 − u/b⁺) = s_down(1 − u/b⁻)
                denom = s_up / np.where(sb_max == 0, np.inf, sb_max) - s_down / np.where(sb_min == 0, -np.inf, sb_min)
                sym = _safe_div(s_up - s_down, denom)
                ref = ref + sym
            self.kind = K.KIND_LINEAR_MULT if dev.mult_noise else K.KIND_LINEAR_ADD
            self.has_ref = True
        elif isinstance(dev, ExpStepDevice):
            self.glob[:] = (dev.A_up, dev.A_down, dev.gamma_up, dev.gamma_down, dev.a, dev.b, dev.dw_min_std_add,
                            dev.dw_min_std_slope)
            self.kind = K.KIND_EXP
        elif isinstance(dev, (PowStepDevice, PowStepReferenceDevice)):
            gain_g = 1.0 + dev.pow_gamma_dtod * xi()
            rg = dev.pow_up_down_dtod * xi()
            p4 = (min(dev.pow_up_down, 0.0) + gain_g + rg) * dev.pow_gamma
            p5 = (-max(dev.pow_up_down, 0.0) + gain_g - rg) * dev.pow_gamma
            self.kind = K.KIND_POW
            if isinstance(dev, PowStepReferenceDevice):
                ref = dev.reference_mean + dev.reference_std * xi()
                if dev.subtract_symmetry_point:
                    ref = ref + _pow_symmetry_point(s_up, s_down, b_min, b_max, p4, p5)
                self.has_ref = True
        elif isinstance(dev, PiecewiseStepDevice):
            self.nodes_up = np.asarray(dev.piecewise_up, _F32)
            self.nodes_down = np.asarray(dev.piecewise_down, _F32)
            self.kind = K.KIND_PIECEWISE
        else:  # pragma: no cover - DeviceConfig is closed
            raise ConfigError(f"DeviceArray: unsupported device {type(dev).__name__}")
        for k, arr in enumerate((s_up, s_down, b_min, b_max, p4, p5, ref)):
            self.P[..., k] = arr
        self.ref[...] = ref
        self.reset_bias = (dev.reset + dev.reset_dtod * xi()).astype(_F32)
        if self.has_ref:
            self.reset_bias += self.ref  # reset targets the device value, i.e. the weight `reset`
        self.reset_std = float(dev.reset_std)
        if dev.lifetime > 0:
            life = dev.lifetime * (1.0 + dev.lifetime_dtod * xi())
            self.decay_scale = np.where(life > 1.0, 1.0 - 1.0 / np.where(life > 1.0, life, 2.0), 0.0).astype(_F32)
        if dev.diffusion > 0:
            self.diffusion_rate = np.abs(dev.diffusion * (1.0 + dev.diffusion_dtod * xi())).astype(_F32)

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
        on_set = getattr(self.model, "apply_write_noise_on_set", True)
        self._refresh_visible(noise=on_set)

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


def _safe_div(a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    out = np.zeros(np.broadcast(a, b).shape)
    np.divide(a, b, out=out, where=(b != 0))
    return out


def _pow_symmetry_point(s_up: np.ndarray, s_dn: np.ndarray, lo: np.ndarray, hi: np.ndarray, g_up: np.ndarray,
                        g_dn: np.ndarray) -> np.ndarray:
    """Weight where the PowStep up and down steps are equal (bisection, 60 iterations, float64)."""
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    a = lo.astype(np.float64).copy()
    b = hi.astype(np.float64).copy()
    for _ in range(60):
        m = 0.5 * (a + b)
        up = s_up * np.clip((hi - m) / span, 0, None) ** g_up
        dn = s_dn * np.clip((m - lo) / span, 0, None) ** g_dn
        go_right = up > dn
        a = np.where(go_right, m, a)
        b = np.where(go_right, b, m)
    return np.where(hi - lo > 0, 0.5 * (a + b), lo)
