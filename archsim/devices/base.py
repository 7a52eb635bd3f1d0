"""The device-model contract: a config base class with a kind registry, the common pulsed parameters and their
device-to-device sampling.

A device model is **one module** of this package (or of a user's code, or a test): a frozen dataclass deriving from
:class:`PulsedDeviceBase` (or :class:`DeviceConfig` for a non-pulsed model such as ``IdealDevice``), registered with
``@register_device``. The class is the whole definition of the model:

* its fields (YAML keys) and their checks (``__post_init__``);
* :meth:`~DeviceConfig.weight_granularity` — ε of update management (aihwkit ``calcWeightGranularity``);
* :meth:`~PulsedDeviceBase.sample_model` — its per-device parameters drawn at construction ("slots" appended after the
  four common ones s_up, s_down, b_min, b_max), an optional fixed reference, and its global parameters;
* :meth:`~PulsedDeviceBase.pulse_law` — the per-pulse law, a plain Python function
  ``law(u, down, P, i, j, sigma, z, G) -> u_new`` written in the subset of Python that Numba compiles (float32
  arithmetic on scalars and on ``P[i, j, k]``, ``math`` functions); the caller clips the result to
  ``[P[i, j, 2], P[i, j, 3]]`` and passes ``z = 0`` when ``sigma = 0``;
* :meth:`~PulsedDeviceBase.invert_slots` — how its slots change in a mirrored copy (aihwkit
  ``copyInvertDeviceParameter``, used by ``OneSidedUnitCell(copy_inverted=True)``).

This package never imports Numba: the laws are compiled by :mod:`archsim.crossbar.kernels` when a tile first uses
them, so loading a hardware file stays cheap. Registering a class in :attr:`DeviceConfig.KINDS` makes it loadable
from YAML and :meth:`archsim.hwconfig.rpu.RPUConfig.from_dict` by its ``kind:`` (registry-based tagged union of
:mod:`archsim.loader.build`).

The common parameters and their sampling follow aihwkit's ``PulsedDevice`` (Python defaults of
``src/aihwkit/simulator/configs/devices.py``, aihwkit 1.1.0) and ``PulsedRPUDevice::populate``
(``src/rpucuda/rpu_pulsed_device.cpp``): b_max = w_max(1 + w_max_dtod·ξ), b_min = w_min(1 + w_min_dtod·ξ), gain
g = 1 + dw_min_dtod·ξ (or exp(dw_min_dtod·ξ)), r = up_down_dtod·ξ, s_up = (min(up_down, 0) + g + r)·dw_min,
s_down = (−max(up_down, 0) + g − r)·dw_min; ``enforce_consistency`` takes |steps| and orders the bounds
(b_max = |·|, b_min = −|·|), otherwise inverted bounds collapse to their midpoint; corrupt devices are stuck at a
uniform value within ±corrupt_devices_range (step 0). The model's own draws follow, then reset target, lifetime and
diffusion rate (the order of the standard-normal draws is part of the contract: it fixes every result for a seed).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import ClassVar

import numpy as np

from archsim.errors import ConfigError
from archsim.registry import Registry

__all__ = [
    "CommonDraws",
    "DeviceConfig",
    "FixedReference",
    "ModelDraws",
    "PulseLaw",
    "PulsedDeviceBase",
    "register_device",
    "safe_div",
]

#: ``law(u, down, P, i, j, sigma, z, G) -> u_new`` (float32 device value before clipping), see the module docstring.
PulseLaw = Callable[..., float]


# --------------------------------------------------------------------------------------------- checks


def fail(obj: object, name: str, expected: str, got: object, hint: str | None = None) -> None:
    """Raise the config error ``Class.name: expected ..., got ...``."""
    raise ConfigError(f"{type(obj).__name__}.{name}: expected {expected}, got {got!r}", hint=hint)


def check_finite(obj: object, *names: str) -> None:
    """Every named field is a finite real number."""
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            fail(obj, name, "a finite number", value)


def check_nonneg(obj: object, *names: str) -> None:
    """Every named field is a finite number >= 0."""
    check_finite(obj, *names)
    for name in names:
        if getattr(obj, name) < 0:
            fail(obj, name, ">= 0", getattr(obj, name))


def check_bool(obj: object, *names: str) -> None:
    """Every named field is a boolean."""
    for name in names:
        if not isinstance(getattr(obj, name), bool):
            fail(obj, name, "a boolean", getattr(obj, name))


def check_int(obj: object, name: str, minimum: int | None = None) -> None:
    """The named field is an integer (not a bool), optionally >= minimum."""
    value = getattr(obj, name)
    if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
        fail(obj, name, "an integer" + (f" >= {minimum}" if minimum is not None else ""), value)


def coerce_enum(obj: object, name: str, enum_cls: type[Enum]) -> None:
    """Accept an enum member or its string value (then coerce in place on the frozen instance)."""
    value = getattr(obj, name)
    if isinstance(value, enum_cls):
        return
    try:
        member = enum_cls(str(value).lower() if isinstance(value, str) else value)
    except ValueError:
        fail(obj, name, "one of " + ", ".join(str(m.value) for m in enum_cls), value)
    object.__setattr__(obj, name, member)


def safe_div(a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    """a / b element-wise in float64, 0 where b == 0."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    out = np.zeros(np.broadcast(a, b).shape)
    np.divide(a, b, out=out, where=(b != 0))
    return out


# --------------------------------------------------------------------------------------------- contract


@dataclass(frozen=True, kw_only=True)
class DeviceConfig:
    """Base of every device model config. ``KINDS`` holds the registered models by their ``kind`` tag."""

    KINDS: ClassVar[Registry[type]] = Registry("device kind")
    #: False for models without pulses (the ideal device takes the floating-point update).
    PULSED: ClassVar[bool] = True

    kind: str = ""
    """Tag selecting the device model in YAML (each model sets its own default)."""

    def __post_init__(self) -> None:
        tag = type(self).__dataclass_fields__["kind"].default
        if not tag:
            raise ConfigError(f"{type(self).__name__}: a device config needs a 'kind' tag",
                              hint="use a registered device model, e.g. ConstantStepDevice")
        if self.kind != tag:
            fail(self, "kind", repr(tag), self.kind, hint="the kind tag selects the class; do not change it")

    def effective(self) -> DeviceConfig:
        """The config the numerics use (a re-parameterised model returns its equivalent, e.g. SoftBoundsPmax)."""
        return self

    def weight_granularity(self) -> float:
        """Weight granularity ε used by update management (aihwkit ``calcWeightGranularity``)."""
        raise NotImplementedError(f"{type(self).__name__}.weight_granularity")


def register_device(cls: type) -> type:
    """Class decorator: register a device model under the default of its ``kind`` field."""
    return DeviceConfig.KINDS.register_class(cls)


@dataclass(frozen=True)
class CommonDraws:
    """The common per-device parameters after sampling (float64 arrays of the array's shape)."""

    s_up: np.ndarray
    """Up step (weight units)."""
    s_down: np.ndarray
    """Down step (weight units)."""
    b_min: np.ndarray
    """Lower bound of the device value."""
    b_max: np.ndarray
    """Upper bound of the device value."""


@dataclass(frozen=True)
class ModelDraws:
    """What a model adds to the common parameters."""

    slots: tuple[np.ndarray, ...] = ()
    """Per-device parameters appended as P[..., 4], P[..., 5], ... (read by the model's law)."""
    reference: np.ndarray | None = None
    """Fixed reference r of reference devices (weight = device value − r); None: no reference."""
    globals_: tuple[float, ...] = ()
    """Parameters shared by all devices of the array (G[0], G[1], ... in the law; float64)."""


@dataclass(frozen=True, kw_only=True)
class FixedReference:
    """The fields of aihwkit's reference devices (``SoftBoundsReferenceDevice``, ``PowStepReferenceDevice``): the law
    acts on the device value u = w + r with a fixed per-device reference r = reference_mean + reference_std·ξ,
    optionally moved to each device's symmetry point (where its up and down steps are equal; the model finds it)."""

    reference_mean: float = 0.0
    """Mean of the fixed reference r."""
    reference_std: float = 0.0
    """Std of the fixed reference r."""
    subtract_symmetry_point: bool = False
    """Add each device's symmetry point to its reference."""

    def check_reference(self) -> None:
        """The checks of these fields (called by the model's ``__post_init__``)."""
        check_finite(self, "reference_mean")
        check_nonneg(self, "reference_std")
        check_bool(self, "subtract_symmetry_point")

    def sample_reference(self, xi: Callable[[], np.ndarray], symmetry_point: Callable[[], np.ndarray]) -> np.ndarray:
        """r of every device (one draw of ``xi``), plus ``symmetry_point()`` with ``subtract_symmetry_point``."""
        ref = self.reference_mean + self.reference_std * xi()
        return ref + symmetry_point() if self.subtract_symmetry_point else ref


@dataclass(frozen=True, kw_only=True)
class PulsedDeviceBase(DeviceConfig):
    """Parameters shared by every pulsed device (aihwkit ``PulsedDevice``, aihwkit 1.1.0 Python defaults).

    Device-to-device (d2d) spreads are relative and drawn once per cross-point when the tile is built;
    cycle-to-cycle (c2c) noise is drawn per pulse.
    """

    dw_min: float = 0.001
    """Mean weight step of one pulse (weight units)."""
    dw_min_dtod: float = 0.3
    """Relative d2d spread of the step (gain g = 1 + dw_min_dtod·ξ)."""
    dw_min_dtod_log_normal: bool = False
    """Use a log-normal gain exp(dw_min_dtod·ξ) instead."""
    dw_min_std: float = 0.3
    """Relative c2c noise of each pulse."""
    w_min: float = -0.6
    """Mean lower weight bound."""
    w_max: float = 0.6
    """Mean upper weight bound."""
    w_min_dtod: float = 0.3
    """Relative d2d spread of the lower bound."""
    w_max_dtod: float = 0.3
    """Relative d2d spread of the upper bound."""
    up_down: float = 0.0
    """Systematic up/down asymmetry: > 0 shrinks the down step to (1 − up_down)·dw_min, < 0 the up step."""
    up_down_dtod: float = 0.01
    """d2d spread of the up/down asymmetry."""
    enforce_consistency: bool = True
    """Make steps positive and bounds ordered (b_max >= 0 >= b_min)."""
    perfect_bias: bool = False
    """Last column (analog bias) is ideal (not modelled by archsim's tile: must be False)."""
    lifetime: float = 0.0
    """Decay time constant in mini-batches (0 = no decay)."""
    lifetime_dtod: float = 0.0
    """Relative d2d spread of the lifetime."""
    diffusion: float = 0.0
    """Std of the per-mini-batch Gaussian diffusion (weight units)."""
    diffusion_dtod: float = 0.0
    """Relative d2d spread of the diffusion rate."""
    reset: float = 0.0
    """Reset target (weight units)."""
    reset_dtod: float = 0.0
    """d2d spread of the reset target (absolute)."""
    reset_std: float = 0.01
    """c2c spread of a reset (absolute)."""
    corrupt_devices_prob: float = 0.0
    """Probability that a device is stuck (both bounds equal, zero step)."""
    corrupt_devices_range: float = 0.1
    """Stuck devices hold a uniform value within ±corrupt_devices_range (intersected with the bounds)."""
    construction_seed: int = 0
    """Seed of the d2d draws; 0 = derive from the tile seed."""
    write_noise_std: float = 0.0
    """Apparent-weight noise redrawn whenever a device is pulsed, in units of dw_min."""
    apply_write_noise_on_set: bool = True
    """Also apply write noise when weights are set."""

    def __post_init__(self) -> None:
        super().__post_init__()
        check_finite(self, "dw_min", "w_min", "w_max", "up_down", "reset")
        check_nonneg(self, "dw_min_dtod", "dw_min_std", "w_min_dtod", "w_max_dtod", "up_down_dtod", "lifetime",
                     "lifetime_dtod", "diffusion", "diffusion_dtod", "reset_dtod", "reset_std",
                     "corrupt_devices_range", "write_noise_std")
        check_bool(self, "dw_min_dtod_log_normal", "enforce_consistency", "perfect_bias", "apply_write_noise_on_set")
        if self.dw_min <= 0:
            fail(self, "dw_min", "> 0", self.dw_min)
        if not self.w_min <= 0.0 <= self.w_max:
            fail(self, "w_min/w_max", "w_min <= 0 <= w_max", (self.w_min, self.w_max))
        check_finite(self, "corrupt_devices_prob")
        if not 0.0 <= self.corrupt_devices_prob <= 1.0:
            fail(self, "corrupt_devices_prob", "a probability in [0, 1]", self.corrupt_devices_prob)
        check_int(self, "construction_seed")
        if self.perfect_bias:
            fail(self, "perfect_bias", "False", True, hint="archsim keeps the bias digital; an analog bias is "
                 "an ordinary input row")

    # ---- the model contract (overridden by each model)
    def weight_granularity(self) -> float:
        """ε = dw_min (ConstantStep, LinearStep, SoftBounds, SoftBoundsReference in aihwkit)."""
        return self.dw_min

    def pulse_law(self) -> PulseLaw:
        """The per-pulse law of this configuration (a plain, Numba-compilable function)."""
        raise NotImplementedError(f"{type(self).__name__}.pulse_law")

    def sample_model(self, common: CommonDraws, xi: Callable[[], np.ndarray]) -> ModelDraws:
        """Draw the model's own per-device parameters (``xi()`` gives one standard normal per device)."""
        return ModelDraws()

    def invert_slots(self, slots: np.ndarray) -> None:
        """Transform the model slots ``P[..., 4:]`` in place for a mirrored copy (default: nothing to do)."""

    # ---- common sampling
    def sample_common(self, shape: tuple[int, int], rng: np.random.Generator,
                      xi: Callable[[], np.ndarray]) -> CommonDraws:
        """The common parameters of ``shape`` devices (module docstring); ``rng`` draws the corrupt devices."""
        b_max = self.w_max * (1.0 + self.w_max_dtod * xi())
        b_min = self.w_min * (1.0 + self.w_min_dtod * xi())
        gain = np.exp(self.dw_min_dtod * xi()) if self.dw_min_dtod_log_normal else 1.0 + self.dw_min_dtod * xi()
        r = self.up_down_dtod * xi()
        up_bias = min(self.up_down, 0.0)
        down_bias = -max(self.up_down, 0.0)
        s_up = (up_bias + gain + r) * self.dw_min
        s_down = (down_bias + gain - r) * self.dw_min
        if self.enforce_consistency:
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
        if self.corrupt_devices_prob > 0:
            bad = rng.random(shape) < self.corrupt_devices_prob
            lo = np.maximum(-self.corrupt_devices_range, b_min)
            hi = np.minimum(self.corrupt_devices_range, b_max)
            val = lo + (hi - lo) * rng.random(shape)
            b_min = np.where(bad, val, b_min)
            b_max = np.where(bad, val, b_max)
            s_up = np.where(bad, 0.0, s_up)
            s_down = np.where(bad, 0.0, s_down)
        return CommonDraws(s_up=s_up, s_down=s_down, b_min=b_min, b_max=b_max)
