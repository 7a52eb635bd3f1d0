"""Numerics of one crossbar (RPU) tile: peripheral I/O, pulsed update, device model and algorithm.

These frozen dataclasses are archsim's equivalent of aihwkit's ``IOParameters``, ``UpdateParameters``, the
pulsed device configs and ``SingleRPUConfig`` (../shared/research/aihwkit-reference.md §1–§3, §5). The
**defaults are aihwkit's Python defaults** (not the C++ struct defaults), so a user porting an aihwkit
configuration gets the same numerics. The functional core (``archsim.crossbar``) consumes an
:class:`RPUConfig`; the hardware loader builds one from the ``crossbar.rpu`` section of a hardware YAML.

Conventions shared with aihwkit:

* Resolutions (``inp_res``, ``out_res``, update ``res``): ``<= 0`` means off, a value ``> 1`` is a number of
  steps (replaced by ``1/value``), otherwise it is a fraction of the full range and the quantisation step in
  signal units is ``res * 2 * bound``.
* Bounds ``<= 0`` mean unbounded.
* Modes are string enums with lowercase values (``noise_management: abs_max``).
* Device configs form a tagged union chosen by their ``kind`` field (``device: {kind: soft_bounds}``).

Aihwkit preset names (``ReRamSBPreset``, ``CapacitorPreset``, ...) are kept in :data:`PRESETS` as raw YAML-like
dicts; :meth:`RPUConfig.from_preset` builds one in Python, and the YAML loader accepts ``preset: NAME``.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Union

from archsim.errors import ConfigError
from archsim.hwconfig.algorithms import (
    ALGORITHM_PRESETS,
    AlgorithmConfig,
    InferenceConfig,
    SGDConfig,
    compound_preset_raw,
)
from archsim.loader import build_dataclass

__all__ = [
    "DEVICE_KINDS",
    "PRESETS",
    "AnalogMVType",
    "BoundManagementType",
    "ConstantStepDevice",
    "DeviceConfig",
    "ExpStepDevice",
    "IOParameters",
    "IdealDevice",
    "LinearStepDevice",
    "NoiseManagementType",
    "PiecewiseStepDevice",
    "PowStepDevice",
    "PowStepReferenceDevice",
    "PulseType",
    "PulsedDeviceBase",
    "RPUConfig",
    "SoftBoundsDevice",
    "SoftBoundsPmaxDevice",
    "SoftBoundsReferenceDevice",
    "UpdateParameters",
    "WeightNoiseType",
]


# --------------------------------------------------------------------------------------------- helpers

#: Longest pulse train (``UpdateParameters.desired_bl``) accepted; aihwkit's presets use 31 or fewer.
MAX_DESIRED_BL = 1 << 16


def _fail(cls: object, name: str, expected: str, got: object, hint: str | None = None) -> None:
    raise ConfigError(f"{type(cls).__name__}.{name}: expected {expected}, got {got!r}", hint=hint)


def _finite(obj: object, *names: str) -> None:
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            _fail(obj, name, "a finite number", value)


def _nonneg(obj: object, *names: str) -> None:
    _finite(obj, *names)
    for name in names:
        if getattr(obj, name) < 0:
            _fail(obj, name, ">= 0", getattr(obj, name))


def _bool(obj: object, *names: str) -> None:
    for name in names:
        if not isinstance(getattr(obj, name), bool):
            _fail(obj, name, "a boolean", getattr(obj, name))


def _enum(obj: object, name: str, enum_cls: type[Enum]) -> None:
    """Accept an enum member or its string value (then coerce in place on the frozen instance)."""
    value = getattr(obj, name)
    if isinstance(value, enum_cls):
        return
    try:
        member = enum_cls(str(value).lower() if isinstance(value, str) else value)
    except ValueError:
        _fail(obj, name, "one of " + ", ".join(m.value for m in enum_cls), value)
    object.__setattr__(obj, name, member)


def _kind(obj: object, tag: str) -> None:
    if obj.kind != tag:
        _fail(obj, "kind", repr(tag), obj.kind, hint="the kind tag selects the class; do not change it")


def resolution_fraction(res: float) -> float:
    """aihwkit's resolution convention: ``<= 0`` off (returns 0), ``> 1`` a step count (returns 1/res)."""
    if res <= 0:
        return 0.0
    if res > 1:
        return 1.0 / res
    return float(res)


# --------------------------------------------------------------------------------------------- enums


class NoiseManagementType(str, Enum):
    """Input scaling before the DAC (aihwkit ``NoiseManagementType``), research/aihwkit-reference.md §1.3."""

    NONE = "none"
    ABS_MAX = "abs_max"
    ABS_MAX_NP_SUM = "abs_max_np_sum"
    MAX = "max"
    CONSTANT = "constant"
    AVERAGE_ABS_MAX = "average_abs_max"


class BoundManagementType(str, Enum):
    """Output-saturation handling (aihwkit ``BoundManagementType``)."""

    NONE = "none"
    ITERATIVE = "iterative"
    ITERATIVE_WORST_CASE = "iterative_worst_case"
    SHIFT = "shift"


class WeightNoiseType(str, Enum):
    """Output-referred weight read noise (aihwkit ``WeightNoiseType``)."""

    NONE = "none"
    ADDITIVE_CONSTANT = "additive_constant"
    PCM_READ = "pcm_read"


class AnalogMVType(str, Enum):
    """How the analog MVM is executed (aihwkit ``AnalogMVType``)."""

    IDEAL = "ideal"
    ONE_PASS = "one_pass"
    POS_NEG_SEPARATE = "pos_neg_separate"
    POS_NEG_SEPARATE_DIGITAL_SUM = "pos_neg_separate_digital_sum"


class PulseType(str, Enum):
    """How the rank-one update is turned into pulses (aihwkit ``PulseType``), §2."""

    NONE = "none"
    NONE_WITH_DEVICE = "none_with_device"
    STOCHASTIC_COMPRESSED = "stochastic_compressed"
    STOCHASTIC = "stochastic"
    MEAN_COUNT = "mean_count"
    DETERMINISTIC_IMPLICIT = "deterministic_implicit"


# --------------------------------------------------------------------------------------------- IO


@dataclass(frozen=True, kw_only=True)
class IOParameters:
    """Peripheral (DAC / analog MAC / ADC) parameters of one MVM direction (aihwkit ``IOParameters``, §1.1)."""

    is_perfect: bool = False
    """Bypass all non-idealities: y = out_scale · W x."""
    mv_type: AnalogMVType = AnalogMVType.ONE_PASS
    """Analog MVM mode; ``ideal`` equals ``is_perfect``."""
    inp_bound: float = 1.0
    """DAC range ±inp_bound (normalised input units; must be 1 with noise management on; <= 0 = unbounded)."""
    inp_noise: float = 0.0
    """Std of Gaussian noise added to the DAC-ed input (normalised units)."""
    inp_res: float = 1.0 / (2**7 - 2)
    """DAC resolution: fraction of the full range (step = inp_res·2·inp_bound); > 1 = number of steps; <= 0 = off."""
    inp_sto_round: bool = False
    """Stochastic rounding in the DAC."""
    inp_asymmetry: float = 0.0
    """Negative inputs are scaled by (1 − inp_asymmetry)."""
    out_bound: float = 12.0
    """ADC range ±out_bound (normalised output units; <= 0 = unbounded)."""
    out_noise: float = 0.06
    """Std of Gaussian output noise, in normalised units (before the noise-management rescale)."""
    out_noise_std: float = 0.0
    """Relative per-output spread of out_noise: σ_i = |out_noise·(1 + out_noise_std·ξ_i)|, drawn once per tile."""
    out_res: float = 1.0 / (2**9 - 2)
    """ADC resolution (same convention as inp_res, relative to ±out_bound)."""
    out_sto_round: bool = False
    """Stochastic rounding in the ADC."""
    out_scale: float = 1.0
    """Fixed digital output factor."""
    out_asymmetry: float = 0.0
    """Negative outputs are scaled by (1 − out_asymmetry)."""
    bound_management: BoundManagementType = BoundManagementType.ITERATIVE
    """Output-saturation handling; ``iterative`` halves the input scale of a clipped sample and re-runs it."""
    noise_management: NoiseManagementType = NoiseManagementType.ABS_MAX
    """Per-sample input normalisation before the DAC."""
    w_noise: float = 0.0
    """Output-referred weight-noise scale."""
    w_noise_type: WeightNoiseType = WeightNoiseType.NONE
    """``additive_constant``: y_i += w_noise·‖v‖₂·ξ; ``pcm_read``: y_i += w_noise·sqrt(Σ_j |w_ij| v_j²)·ξ."""
    ir_drop: float = 0.0
    """IR-drop scale (0 = off)."""
    ir_drop_g_ratio: float = 1.0 / 0.35 / 5e-6
    """Wire conductance over g_max for the IR-drop model."""
    out_nonlinearity: float = 0.0
    """Strength of the S-shaped output non-linearity (0 = off)."""
    out_nonlinearity_std: float = 0.0
    """Relative per-output spread of the output non-linearity."""
    slope_calibration: float = 0.0
    """Slope calibration point of the output non-linearity / series resistance."""
    v_offset_std: float = 0.0
    """Std of per-output voltage offsets, drawn once."""
    v_offset_w_min: float = -1.0
    """Implicit reference conductance for the voltage offsets."""
    r_series: float = 0.0
    """Series resistance as a fraction of the output current."""
    r_series_max_total: float = 3.4028234663852886e38
    """Cap of the series-resistance term."""
    w_read_asymmetry_dtod: float = 0.0
    """Per-device weight scale for negative inputs (pos_neg_separate modes only)."""
    max_bm_factor: float = 1000.0
    """Bound-management stop rule: give up when the reduction factor exceeds this."""
    max_bm_res: float = 0.25
    """Bound-management stop rule: give up when reduction > max_bm_res / (scaled inp_res)."""
    bm_test_negative_bound: bool = True
    """Whether reaching −out_bound also triggers bound management."""
    nm_thres: float = 0.0
    """Value for ``constant`` noise management, else an upper clip of the NM factor (0 = off)."""
    nm_assumed_wmax: float = 0.6
    """Assumed maximal weight for ``abs_max_np_sum`` (aihwkit C++-only field)."""
    nm_decay: float = 1e-3
    """EMA rate of ``average_abs_max`` (aihwkit C++-only field)."""

    def __post_init__(self) -> None:
        _bool(self, "is_perfect", "inp_sto_round", "out_sto_round", "bm_test_negative_bound")
        _enum(self, "mv_type", AnalogMVType)
        _enum(self, "bound_management", BoundManagementType)
        _enum(self, "noise_management", NoiseManagementType)
        _enum(self, "w_noise_type", WeightNoiseType)
        _finite(self, "inp_bound", "inp_res", "out_bound", "out_res", "out_scale", "v_offset_w_min", "r_series_max_total")
        _nonneg(self, "inp_noise", "out_noise", "out_noise_std", "w_noise", "ir_drop", "ir_drop_g_ratio",
                "out_nonlinearity", "out_nonlinearity_std", "slope_calibration", "v_offset_std", "r_series",
                "w_read_asymmetry_dtod", "max_bm_factor", "max_bm_res", "nm_thres", "nm_assumed_wmax")
        _finite(self, "inp_asymmetry", "out_asymmetry", "nm_decay")
        for name in ("inp_asymmetry", "out_asymmetry"):
            if not -1.0 <= getattr(self, name) <= 1.0:
                _fail(self, name, "a value in [-1, 1]", getattr(self, name))
        if not 0.0 < self.nm_decay <= 1.0:
            _fail(self, "nm_decay", "a value in (0, 1]", self.nm_decay)
        if self.noise_management is not NoiseManagementType.NONE and not self.is_perfect \
                and self.mv_type is not AnalogMVType.IDEAL and self.inp_bound != 1.0:
            _fail(self, "inp_bound", "1.0 when noise_management is not 'none' (aihwkit requirement)",
                  self.inp_bound, hint="set noise_management: none to use another input bound")
        if self.bound_management is BoundManagementType.SHIFT:
            _fail(self, "bound_management", "none, iterative or iterative_worst_case", "shift",
                  hint="aihwkit defines SHIFT only as an enum member without an implementation")

    @property
    def perfect(self) -> bool:
        """True if the MVM is ideal (``is_perfect`` or ``mv_type: ideal``)."""
        return self.is_perfect or self.mv_type is AnalogMVType.IDEAL


# --------------------------------------------------------------------------------------------- update


@dataclass(frozen=True, kw_only=True)
class UpdateParameters:
    """Pulsed-update parameters (aihwkit ``UpdateParameters``, research/aihwkit-reference.md §2.1)."""

    desired_bl: int = 31
    """Pulse-train length BL (the maximum BL when update_bl_management is on)."""
    fixed_bl: bool = True
    """If False (and no BL management) and dw_min·BL < lr: A = B = 1, BL = ceil(lr/dw_min)."""
    pulse_type: PulseType = PulseType.STOCHASTIC_COMPRESSED
    """How the update is turned into pulses."""
    res: float = 0.0
    """Resolution of the pulse probabilities (bin width in 0..1; > 1 = number of steps, i.e. 1/res; <= 0 off)."""
    x_res_implicit: float = 0.0
    """Quantisation of B·|x| for ``deterministic_implicit`` (same convention as res)."""
    d_res_implicit: float = 0.0
    """Quantisation of A·|d| for ``deterministic_implicit``."""
    sto_round: bool = False
    """Stochastic rounding for the implicit quantisations."""
    update_bl_management: bool = True
    """Per-sample BL = min(ceil(lr·x_max·d_max/ε), desired_bl); forces update_management on."""
    update_management: bool = True
    """Balance the x and d probabilities per sample."""
    um_grad_scale: float = 1.0
    """Scale of d_max in the update-management balance."""
    d_sparsity: bool = False
    """Track gradient sparsity (used by compounds)."""

    def __post_init__(self) -> None:
        _enum(self, "pulse_type", PulseType)
        _bool(self, "fixed_bl", "sto_round", "update_bl_management", "update_management", "d_sparsity")
        # Bounded so that timing (BL pulse slots per update) and the pulse trains the functional core draws stay
        # finite: 1e30 passed and overflowed at run time.
        if isinstance(self.desired_bl, bool) or not isinstance(self.desired_bl, int) \
                or not 1 <= self.desired_bl <= MAX_DESIRED_BL:
            _fail(self, "desired_bl", f"an integer in [1, {MAX_DESIRED_BL}]", self.desired_bl)
        _finite(self, "res", "x_res_implicit", "d_res_implicit")
        _nonneg(self, "um_grad_scale")
        if self.um_grad_scale == 0:
            _fail(self, "um_grad_scale", "> 0", self.um_grad_scale)


# --------------------------------------------------------------------------------------------- devices


@dataclass(frozen=True, kw_only=True)
class PulsedDeviceBase:
    """Parameters shared by every pulsed device (aihwkit ``PulsedDevice``, research/aihwkit-reference.md §3.1).

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
        _finite(self, "dw_min", "w_min", "w_max", "up_down", "reset")
        _nonneg(self, "dw_min_dtod", "dw_min_std", "w_min_dtod", "w_max_dtod", "up_down_dtod", "lifetime",
                "lifetime_dtod", "diffusion", "diffusion_dtod", "reset_dtod", "reset_std", "corrupt_devices_range",
                "write_noise_std")
        _bool(self, "dw_min_dtod_log_normal", "enforce_consistency", "perfect_bias", "apply_write_noise_on_set")
        if self.dw_min <= 0:
            _fail(self, "dw_min", "> 0", self.dw_min)
        if not self.w_min <= 0.0 <= self.w_max:
            _fail(self, "w_min/w_max", "w_min <= 0 <= w_max", (self.w_min, self.w_max))
        _finite(self, "corrupt_devices_prob")
        if not 0.0 <= self.corrupt_devices_prob <= 1.0:
            _fail(self, "corrupt_devices_prob", "a probability in [0, 1]", self.corrupt_devices_prob)
        if isinstance(self.construction_seed, bool) or not isinstance(self.construction_seed, int):
            _fail(self, "construction_seed", "an integer", self.construction_seed)
        if self.perfect_bias:
            _fail(self, "perfect_bias", "False", True, hint="archsim keeps the bias digital; an analog bias is "
                  "an ordinary input row")


@dataclass(frozen=True, kw_only=True)
class ConstantStepDevice(PulsedDeviceBase):
    """Constant step ±dw_min·(1 + dw_min_std·ξ) per pulse, clipped to the device bounds (§3.3)."""

    kind: str = "constant_step"
    """Tag selecting this device in YAML."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _kind(self, "constant_step")


@dataclass(frozen=True, kw_only=True)
class LinearStepDevice(PulsedDeviceBase):
    """Step that changes linearly with the weight: up s_up(1 − γ⁺w/w_max), down s_down(1 + γ⁻w/|w_min|) (§3.3)."""

    kind: str = "linear_step"
    """Tag selecting this device in YAML."""
    gamma_up: float = 0.0
    """Relative decrease of the up step at w_max."""
    gamma_down: float = 0.0
    """Relative decrease of the down step at w_min."""
    gamma_up_dtod: float = 0.05
    """d2d spread (absolute) of gamma_up."""
    gamma_down_dtod: float = 0.05
    """d2d spread (absolute) of gamma_down."""
    allow_increasing: bool = False
    """Allow negative slopes (steps that grow towards the bound)."""
    mean_bound_reference: bool = True
    """Slopes refer to the mean bounds w_max/w_min (True) or to each device's own bounds."""
    mult_noise: bool = True
    """c2c noise multiplies the whole step (True) or only the constant part (False)."""
    reverse_up: bool = False
    """aihwkit's reverse_up option (not modelled: must be False)."""
    reverse_down: bool = False
    """aihwkit's reverse_down option (not modelled: must be False)."""
    reverse_offset: float = 0.01
    """Offset of the reversed slope (unused while reverse_up/down are False)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _kind(self, "linear_step")
        _finite(self, "gamma_up", "gamma_down", "reverse_offset")
        _nonneg(self, "gamma_up_dtod", "gamma_down_dtod")
        _bool(self, "allow_increasing", "mean_bound_reference", "mult_noise", "reverse_up", "reverse_down")
        if self.reverse_up or self.reverse_down:
            _fail(self, "reverse_up/reverse_down", "False (not modelled)", (self.reverse_up, self.reverse_down))


@dataclass(frozen=True, kw_only=True)
class SoftBoundsDevice(PulsedDeviceBase):
    """Soft bounds: up w += s_up(1 − w/b_max)(1+σξ), down w −= s_down(1 − w/b_min)(1+σξ) (§3.3)."""

    kind: str = "soft_bounds"
    """Tag selecting this device in YAML."""
    mult_noise: bool = True
    """c2c noise multiplies the whole step (True) or only the constant part (False)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _kind(self, "soft_bounds")
        _bool(self, "mult_noise")


@dataclass(frozen=True, kw_only=True)
class SoftBoundsPmaxDevice(PulsedDeviceBase):
    """Soft bounds parameterised by the number of pulses p_max across [range_min, range_max] (§3.3).

    Converted as in aihwkit: B = (range_max − range_min)/(1 − exp(−p_max·α)), w_min = range_min,
    w_max = range_min + B, dw_min = B·α, up_down = 1 + 2·range_min/B. The inherited dw_min, w_min, w_max and
    up_down fields are ignored (see :meth:`effective`).
    """

    kind: str = "soft_bounds_pmax"
    """Tag selecting this device in YAML."""
    p_max: int = 1000
    """Number of up pulses from range_min to range_max."""
    alpha: float = 0.0005
    """Relative step at the lower bound."""
    range_min: float = -1.0
    """Lower end of the weight range."""
    range_max: float = 1.0
    """Upper end of the weight range."""
    mult_noise: bool = True
    """c2c noise multiplies the whole step."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _kind(self, "soft_bounds_pmax")
        _finite(self, "alpha", "range_min", "range_max")
        _bool(self, "mult_noise")
        if isinstance(self.p_max, bool) or not isinstance(self.p_max, int) or self.p_max < 1:
            _fail(self, "p_max", "an integer >= 1", self.p_max)
        if self.alpha <= 0:
            _fail(self, "alpha", "> 0", self.alpha)
        if not self.range_min <= 0.0 < self.range_max:
            _fail(self, "range_min/range_max", "range_min <= 0 < range_max", (self.range_min, self.range_max))

    def effective(self) -> SoftBoundsDevice:
        """The equivalent :class:`SoftBoundsDevice` (aihwkit's ``as_bindings`` conversion)."""
        span = (self.range_max - self.range_min) / (1.0 - math.exp(-self.p_max * self.alpha))
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(PulsedDeviceBase)}
        values.update(w_min=self.range_min, w_max=self.range_min + span, dw_min=span * self.alpha,
                      up_down=1.0 + 2.0 * self.range_min / span, mult_noise=self.mult_noise)
        return SoftBoundsDevice(**values)


@dataclass(frozen=True, kw_only=True)
class SoftBoundsReferenceDevice(PulsedDeviceBase):
    """Soft bounds acting on u = w + r with a fixed per-device reference r (§3.3)."""

    kind: str = "soft_bounds_reference"
    """Tag selecting this device in YAML."""
    slope_up_dtod: float = 0.0
    """Extra d2d spread of the up slope (implemented by rescaling b_max)."""
    slope_down_dtod: float = 0.0
    """Extra d2d spread of the down slope (implemented by rescaling b_min)."""
    reference_mean: float = 0.0
    """Mean of the fixed reference r."""
    reference_std: float = 0.0
    """Std of the fixed reference r."""
    subtract_symmetry_point: bool = False
    """Add each device's symmetry point to its reference (and reset bias)."""
    mult_noise: bool = False
    """c2c noise multiplies the step (True) or is additive in units of s (False, aihwkit default)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _kind(self, "soft_bounds_reference")
        _nonneg(self, "slope_up_dtod", "slope_down_dtod", "reference_std")
        _finite(self, "reference_mean")
        _bool(self, "subtract_symmetry_point", "mult_noise")


@dataclass(frozen=True, kw_only=True)
class ExpStepDevice(PulsedDeviceBase):
    """Exponential step: z = 2a·w/(b_max − b_min) + b, up y = max(1 − A_up·e^(γ_up z), 0),
    down y = max(1 − A_down·e^(−γ_down z), 0) (§3.3)."""

    kind: str = "exp_step"
    """Tag selecting this device in YAML."""
    A_up: float = 0.00081
    """Amplitude of the up-step decrease."""
    A_down: float = 0.36833
    """Amplitude of the down-step decrease."""
    gamma_up: float = 12.44625
    """Exponent of the up-step decrease."""
    gamma_down: float = 12.78785
    """Exponent of the down-step decrease."""
    a: float = 0.244
    """Scale of z."""
    b: float = 0.2425
    """Offset of z."""
    dw_min_std_add: float = 0.0
    """Additive part of the 'complex' c2c noise."""
    dw_min_std_slope: float = 0.0
    """Weight-proportional part of the 'complex' c2c noise."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _kind(self, "exp_step")
        _finite(self, "A_up", "A_down", "gamma_up", "gamma_down", "a", "b", "dw_min_std_add", "dw_min_std_slope")


@dataclass(frozen=True, kw_only=True)
class PowStepDevice(PulsedDeviceBase):
    """Power-law step: up s_up((b_max − w)/ρ)^γ_up, down s_down((w − b_min)/ρ)^γ_down, ρ = b_max − b_min (§3.3)."""

    kind: str = "pow_step"
    """Tag selecting this device in YAML."""
    pow_gamma: float = 1.0
    """Mean exponent γ."""
    pow_gamma_dtod: float = 0.1
    """Relative d2d spread of γ."""
    pow_up_down: float = 0.0
    """Systematic asymmetry of the up/down exponents."""
    pow_up_down_dtod: float = 0.0
    """d2d spread of the exponent asymmetry."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _kind(self, "pow_step")
        _finite(self, "pow_gamma", "pow_up_down")
        _nonneg(self, "pow_gamma_dtod", "pow_up_down_dtod")
        if self.pow_gamma <= 0:
            _fail(self, "pow_gamma", "> 0", self.pow_gamma)


@dataclass(frozen=True, kw_only=True)
class PowStepReferenceDevice(PulsedDeviceBase):
    """PowStep law without write noise plus a fixed reference (optionally the symmetry point) (§3.3)."""

    kind: str = "pow_step_reference"
    """Tag selecting this device in YAML."""
    pow_gamma: float = 1.0
    """Mean exponent γ."""
    pow_gamma_dtod: float = 0.1
    """Relative d2d spread of γ."""
    pow_up_down: float = 0.0
    """Systematic asymmetry of the up/down exponents."""
    pow_up_down_dtod: float = 0.0
    """d2d spread of the exponent asymmetry."""
    reference_mean: float = 0.0
    """Mean of the fixed reference."""
    reference_std: float = 0.0
    """Std of the fixed reference."""
    subtract_symmetry_point: bool = False
    """Add each device's (numerically estimated) symmetry point to its reference."""
    n_estimation_steps: int = -1
    """Up+down iterations to estimate the symmetry point; <= 0 = auto (min(round(10·range/min step), 10000))."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _kind(self, "pow_step_reference")
        _finite(self, "pow_gamma", "pow_up_down", "reference_mean")
        _nonneg(self, "pow_gamma_dtod", "pow_up_down_dtod", "reference_std")
        _bool(self, "subtract_symmetry_point")
        if self.pow_gamma <= 0:
            _fail(self, "pow_gamma", "> 0", self.pow_gamma)
        if isinstance(self.n_estimation_steps, bool) or not isinstance(self.n_estimation_steps, int):
            _fail(self, "n_estimation_steps", "an integer", self.n_estimation_steps)
        if self.write_noise_std != 0:
            _fail(self, "write_noise_std", "0 (PowStepReference has no write noise)", self.write_noise_std)


@dataclass(frozen=True, kw_only=True)
class PiecewiseStepDevice(PulsedDeviceBase):
    """Step scaled by a piecewise-linear function of the weight, nodes spaced uniformly over [b_min, b_max] (§3.3)."""

    kind: str = "piecewise_step"
    """Tag selecting this device in YAML."""
    piecewise_up: tuple[float, ...] = (1.0,)
    """Relative up-step at equally spaced nodes."""
    piecewise_down: tuple[float, ...] = (1.0,)
    """Relative down-step at equally spaced nodes (same length as piecewise_up)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _kind(self, "piecewise_step")
        for name in ("piecewise_up", "piecewise_down"):
            value = getattr(self, name)
            if isinstance(value, list):
                value = tuple(value)
                object.__setattr__(self, name, value)
            if not isinstance(value, tuple) or not value or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value):
                _fail(self, name, "a non-empty sequence of finite numbers", value)
            object.__setattr__(self, name, tuple(float(v) for v in value))
        if len(self.piecewise_up) != len(self.piecewise_down):
            _fail(self, "piecewise_down", f"{len(self.piecewise_up)} nodes like piecewise_up",
                  len(self.piecewise_down))


@dataclass(frozen=True, kw_only=True)
class IdealDevice:
    """Ideal device (aihwkit ``IdealDevice``): floating-point update, only diffusion, decay and reset noise."""

    kind: str = "ideal"
    """Tag selecting this device in YAML."""
    diffusion: float = 0.0
    """Std of the per-mini-batch Gaussian diffusion."""
    lifetime: float = 0.0
    """Decay time constant in mini-batches (0 = no decay)."""
    reset_std: float = 0.01
    """c2c spread of a reset."""
    construction_seed: int = 0
    """Seed of the d2d draws; 0 = derive from the tile seed."""

    def __post_init__(self) -> None:
        _kind(self, "ideal")
        _nonneg(self, "diffusion", "lifetime", "reset_std")


#: Tagged union of the single-device configs (chosen by ``kind`` in YAML).
DeviceConfig = Union[  # noqa: UP007 - a runtime union the loader introspects
    ConstantStepDevice, LinearStepDevice, SoftBoundsDevice, SoftBoundsPmaxDevice, SoftBoundsReferenceDevice,
    ExpStepDevice, PowStepDevice, PowStepReferenceDevice, PiecewiseStepDevice, IdealDevice,
]

#: kind tag → device class.
DEVICE_KINDS: dict[str, type] = {
    cls.__dataclass_fields__["kind"].default: cls  # type: ignore[attr-defined]
    for cls in DeviceConfig.__args__  # type: ignore[attr-defined]
}


# --------------------------------------------------------------------------------------------- presets

_PRESET_IO: dict[str, Any] = {
    "bound_management": "iterative", "noise_management": "abs_max", "inp_res": 1.0 / 126, "out_res": 1.0 / 510,
    "out_bound": 20.0, "out_noise": 0.1, "w_noise": 0.0,
}
_PRESET_UPDATE: dict[str, Any] = {
    "desired_bl": 31, "pulse_type": "stochastic_compressed", "update_bl_management": True, "update_management": True,
}


def _preset(device: dict[str, Any]) -> dict[str, Any]:
    return {"device": device, "forward": dict(_PRESET_IO), "backward": dict(_PRESET_IO), "update": dict(_PRESET_UPDATE)}


#: aihwkit preset names → raw YAML-like dicts of :class:`RPUConfig` fields (research/aihwkit-reference.md §5,
#: ``src/aihwkit/simulator/presets/devices.py``). Peripherals are aihwkit's ``PresetIOParameters`` (out_bound 20,
#: out_noise 0.1, 7-bit DAC, 9-bit ADC) and ``PresetUpdateParameters``. "default" is plain ``RPUConfig()``.
#: aihwkit's compound presets (TikiTaka*, TTv2*, ChoppedTTv2*, AGAD*, MixedPrecision*) are added below from
#: ``algorithms.ALGORITHM_PRESETS``, for every one whose device preset exists here.
PRESETS: dict[str, dict[str, Any]] = {
    "default": {},
    "ReRamESPreset": _preset({
        "kind": "exp_step", "dw_min": 0.00135, "up_down": 0.259359, "w_max": 1.0, "w_min": -1.0,
        "a": -0.5, "b": -0.5, "gamma_up": 5.0, "gamma_down": 5.0, "A_up": -1.18445, "A_down": -0.081404,
        "dw_min_dtod": 0.2, "up_down_dtod": 0.05, "w_max_dtod": 0.3, "w_min_dtod": 0.3, "dw_min_std": 5.0,
        "write_noise_std": 75.0}),
    "ReRamSBPreset": _preset({
        "kind": "soft_bounds_reference", "dw_min": 0.002, "up_down": 0.0, "w_max": 1.25, "w_min": -0.75,
        "mult_noise": False, "dw_min_dtod": 0.3, "up_down_dtod": 0.01, "w_max_dtod": 0.24, "w_min_dtod": 0.4,
        "dw_min_std": 3.75, "write_noise_std": 56.0}),
    "CapacitorPreset": _preset({
        "kind": "linear_step", "dw_min": 0.005, "up_down": 0.0, "w_max": 1.0, "w_min": -1.0,
        "dw_min_dtod": 0.1, "up_down_dtod": 0.06, "w_max_dtod": 0.07, "w_min_dtod": 0.07, "dw_min_std": 0.3,
        "mult_noise": False, "gamma_up": 0.05, "gamma_down": 0.05, "gamma_up_dtod": 0.01, "gamma_down_dtod": 0.01,
        "lifetime": 1e6, "lifetime_dtod": 0.3}),
    "EcRamPreset": _preset({
        "kind": "linear_step", "dw_min": 0.002, "up_down": 0.0, "w_max": 1.1724, "w_min": -0.8276,
        "dw_min_dtod": 0.1, "up_down_dtod": 0.01, "w_max_dtod": 0.05, "w_min_dtod": 0.05, "dw_min_std": 0.3,
        "mult_noise": True, "gamma_up": 0.1153, "gamma_down": 0.5085}),
    "EcRamMOPreset": _preset({
        "kind": "linear_step", "dw_min": 2.8214e-4, "up_down": 0.0, "w_max": 1.1714, "w_min": -0.8286,
        "dw_min_dtod": 0.1, "up_down_dtod": 0.01, "w_max_dtod": 0.05, "w_min_dtod": 0.05, "dw_min_std": 2.0,
        "mult_noise": True, "gamma_up": 0.4152, "gamma_down": 0.7342}),
    "IdealizedPreset": _preset({
        "kind": "constant_step", "dw_min": 0.0002, "up_down": 0.0, "w_max": 1.0, "w_min": -1.0,
        "dw_min_dtod": 0.3, "up_down_dtod": 0.0, "w_max_dtod": 0.3, "w_min_dtod": 0.3, "dw_min_std": 0.3}),
    "GokmenVlasovPreset": _preset({
        "kind": "constant_step", "dw_min": 0.0016, "up_down": 0.0, "w_max": 1.0, "w_min": -1.0,
        "dw_min_dtod": 0.3, "up_down_dtod": 0.01, "w_max_dtod": 0.3, "w_min_dtod": 0.3, "dw_min_std": 0.3}),
}


# --------------------------------------------------------------------------------------------- RPUConfig


@dataclass(frozen=True, kw_only=True)
class RPUConfig:
    """Everything that sets the numerics of one crossbar tile (aihwkit ``SingleRPUConfig`` + ``algorithm``)."""

    device: DeviceConfig = field(default_factory=ConstantStepDevice)
    """Device model of the cross-points (tagged union by ``kind``)."""
    forward: IOParameters = field(default_factory=IOParameters)
    """Peripheral parameters of the forward MVM (y = W x)."""
    backward: IOParameters = field(default_factory=IOParameters)
    """Peripheral parameters of the backward MVM (z = Wᵀ d); bound management is forced off as in aihwkit."""
    update: UpdateParameters = field(default_factory=UpdateParameters)
    """Pulsed-update parameters."""
    algorithm: AlgorithmConfig = field(default_factory=SGDConfig)
    """Training algorithm (plain analog SGD or a compound, see hwconfig/algorithms.py)."""
    inference: InferenceConfig | None = None
    """Inference-time noise of the programmed weights (PCM-like programming/read noise, drift, drift
    compensation, evaluation times; :class:`~archsim.hwconfig.algorithms.InferenceConfig`). None: weights are
    programmed exactly (clipped to the device bounds) and do not change over time."""

    def __post_init__(self) -> None:
        if not isinstance(self.device, tuple(DEVICE_KINDS.values())):
            _fail(self, "device", "a device config (" + ", ".join(DEVICE_KINDS) + ")", type(self.device).__name__)
        for name, cls in (("forward", IOParameters), ("backward", IOParameters), ("update", UpdateParameters)):
            if not isinstance(getattr(self, name), cls):
                _fail(self, name, cls.__name__, type(getattr(self, name)).__name__)
        if self.inference is not None and not isinstance(self.inference, InferenceConfig):
            _fail(self, "inference", "an InferenceConfig or null", type(self.inference).__name__)

    @staticmethod
    def preset_names() -> list[str]:
        """The names accepted by :meth:`from_preset` (and by ``preset:`` in YAML)."""
        return sorted(PRESETS)

    @classmethod
    def from_preset(cls, name: str, **overrides: Any) -> RPUConfig:
        """Build a preset, with field overrides deep-merged over it.

        Overrides are raw values (dicts, strings for enums) or config instances, e.g.
        ``RPUConfig.from_preset("ReRamSBPreset", forward={"out_noise": 0.0})``.
        """
        if name not in PRESETS:
            import difflib

            close = difflib.get_close_matches(name, list(PRESETS), n=1)
            raise ConfigError(f"rpu preset: unknown name {name!r}",
                              hint=(f"did you mean {close[0]!r}? " if close else "") + "valid: " + ", ".join(sorted(PRESETS)))
        raw = copy.deepcopy(PRESETS[name])
        for key, value in overrides.items():
            if dataclasses.is_dataclass(value):
                raw[key] = value
            elif isinstance(value, dict) and isinstance(raw.get(key), dict):
                merged = dict(raw[key])
                if "kind" in value and value["kind"] != merged.get("kind"):
                    merged = {}
                merged.update(value)
                raw[key] = merged
            else:
                raw[key] = value
        return cls.from_dict(raw)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RPUConfig:
        """Build from a raw YAML-like dict (nested dicts, enum strings, ``kind`` tags), through the project's one
        strict loader (:func:`archsim.loader.build_dataclass`): the same checks and messages as a hardware file."""
        return build_dataclass(raw, cls, "RPUConfig")


PRESETS.update({
    name: compound_preset_raw(name, PRESETS)
    for name, entry in ALGORITHM_PRESETS.items()
    if entry["device_preset"] in PRESETS
})
