"""Peripheral and update parameters of a crossbar tile: aihwkit's ``IOParameters`` and ``UpdateParameters``
(aihwkit 1.1.0 Python defaults, ``src/aihwkit/simulator/parameters/io.py``, ``training.py``) and their enums.

They live apart from :mod:`archsim.hwconfig.rpu` so that the algorithm configs (:mod:`archsim.hwconfig.algorithms`,
which carry their own transfer and refresh parameters, as aihwkit's compounds do) can use them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from enum import Enum

from archsim.devices.base import check_bool, check_finite, check_nonneg, coerce_enum, fail
from archsim.errors import ArchsimWarning

__all__ = [
    "AnalogMVType",
    "BoundManagementType",
    "IOParameters",
    "MAX_DESIRED_BL",
    "NoiseManagementType",
    "PulseType",
    "UpdateParameters",
    "PRESET_IO",
    "PRESET_UPDATE",
    "WeightNoiseType",
    "resolution_fraction",
]


# --------------------------------------------------------------------------------------------- helpers


#: Longest pulse train (``UpdateParameters.desired_bl``) accepted; aihwkit's presets use 31 or fewer.
MAX_DESIRED_BL = 1 << 16


def resolution_fraction(res: float) -> float:
    """aihwkit's resolution convention: ``<= 0`` off (returns 0), ``> 1`` a step count (returns 1/res)."""
    if res <= 0:
        return 0.0
    if res > 1:
        return 1.0 / res
    return float(res)


# --------------------------------------------------------------------------------------------- enums


class NoiseManagementType(str, Enum):
    """Input scaling before the DAC (aihwkit ``NoiseManagementType``)."""

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
    """How the rank-one update is turned into pulses (aihwkit ``PulseType``)."""

    NONE = "none"
    NONE_WITH_DEVICE = "none_with_device"
    STOCHASTIC_COMPRESSED = "stochastic_compressed"
    STOCHASTIC = "stochastic"
    MEAN_COUNT = "mean_count"
    DETERMINISTIC_IMPLICIT = "deterministic_implicit"


# --------------------------------------------------------------------------------------------- IO


@dataclass(frozen=True, kw_only=True)
class IOParameters:
    """Peripheral (DAC / analog MAC / ADC) parameters of one MVM direction (aihwkit ``IOParameters``)."""

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
    """Whether reaching −out_bound also triggers bound management. As in aihwkit 1.1.0 (``finalizeOutput`` in
    ``src/rpucuda/rpu_forward_backward_pass.cpp``) the bound test is overwritten output by output: a value above
    +out_bound fails the pass, one below −out_bound sets the result to this flag, so with ``false`` the last
    out-of-range output of the vector decides whether the pass is repeated."""
    nm_thres: float = 0.0
    """Value for ``constant`` noise management, else an upper clip (0 = off) of the NM factor of ``abs_max`` and
    ``max`` and of the abs-max inside ``abs_max_np_sum`` (aihwkit 1.1.0 ``computeNoiseManagement``; ``average_abs_max``
    is not clipped)."""
    nm_assumed_wmax: float = 0.6
    """Assumed maximal weight for ``abs_max_np_sum`` (aihwkit C++-only field)."""
    nm_decay: float = 1e-3
    """EMA rate of ``average_abs_max`` (aihwkit C++-only field)."""

    def __post_init__(self) -> None:
        check_bool(self, "is_perfect", "inp_sto_round", "out_sto_round", "bm_test_negative_bound")
        coerce_enum(self, "mv_type", AnalogMVType)
        coerce_enum(self, "bound_management", BoundManagementType)
        coerce_enum(self, "noise_management", NoiseManagementType)
        coerce_enum(self, "w_noise_type", WeightNoiseType)
        check_finite(self, "inp_bound", "inp_res", "out_bound", "out_res", "out_scale", "v_offset_w_min", "r_series_max_total")
        check_nonneg(self, "inp_noise", "out_noise", "out_noise_std", "w_noise", "ir_drop", "ir_drop_g_ratio",
                "out_nonlinearity", "out_nonlinearity_std", "slope_calibration", "v_offset_std", "r_series",
                "w_read_asymmetry_dtod", "max_bm_factor", "max_bm_res", "nm_thres", "nm_assumed_wmax")
        check_finite(self, "inp_asymmetry", "out_asymmetry", "nm_decay")
        for name in ("inp_asymmetry", "out_asymmetry"):
            if not -1.0 <= getattr(self, name) <= 1.0:
                fail(self, name, "a value in [-1, 1]", getattr(self, name))
        if not 0.0 < self.nm_decay <= 1.0:
            fail(self, "nm_decay", "a value in (0, 1]", self.nm_decay)
        if self.noise_management is not NoiseManagementType.NONE and not self.is_perfect \
                and self.mv_type is not AnalogMVType.IDEAL and self.inp_bound != 1.0:
            fail(self, "inp_bound", "1.0 when noise_management is not 'none' (aihwkit requirement)",
                  self.inp_bound, hint="set noise_management: none to use another input bound")
        if self.bound_management is BoundManagementType.SHIFT:
            fail(self, "bound_management", "none, iterative or iterative_worst_case", "shift",
                  hint="aihwkit defines SHIFT only as an enum member without an implementation")

    @property
    def perfect(self) -> bool:
        """True if the MVM is ideal (``is_perfect`` or ``mv_type: ideal``)."""
        return self.is_perfect or self.mv_type is AnalogMVType.IDEAL


# --------------------------------------------------------------------------------------------- update


@dataclass(frozen=True, kw_only=True)
class UpdateParameters:
    """Pulsed-update parameters (aihwkit ``UpdateParameters``, ``src/aihwkit/simulator/parameters/training.py``)."""

    desired_bl: int = 31
    """Pulse-train length BL (the maximum BL when update_bl_management is on)."""
    fixed_bl: bool = True
    """If False (and no BL management) and dw_min·BL < lr: A = B = 1, BL = ceil(lr/dw_min)."""
    pulse_type: PulseType = PulseType.STOCHASTIC_COMPRESSED
    """How the update is turned into pulses."""
    res: float = 0.0
    """Resolution of the pulse probabilities of the stochastic and mean-count pulse types: p ← rint(p/res)·res
    (<= 0 off). A value > 1 is used **as given**, as aihwkit 1.1.0's C++ core does
    (``PulsedUpdateMetaParameter::initialize`` computes 1/res but discards it): every probability below res/2
    rounds to 0, which cancels the update; a warning says so at load time. ``res_as_steps: true`` reads a value
    > 1 as a number of steps (1/res) instead, the meaning aihwkit's docstring gives."""
    x_res_implicit: float = 0.0
    """Quantisation of B·|x| for ``deterministic_implicit`` (same convention as res; the only quantisation of x
    in that pulse type, as in aihwkit's ``DenseBitLineMaker``)."""
    d_res_implicit: float = 0.0
    """Quantisation of A·|d| for ``deterministic_implicit``."""
    sto_round: bool = False
    """Stochastic rounding in every probability quantisation (res, x_res_implicit, d_res_implicit), as aihwkit's
    bit-line makers apply it."""
    res_as_steps: bool = False
    """Read res, x_res_implicit and d_res_implicit > 1 as numbers of steps (1/value). Off by default: aihwkit
    1.1.0 uses the raw value (see ``res``)."""
    update_bl_management: bool = True
    """Per-sample BL = min(ceil(lr·x_max·d_max/ε), desired_bl); forces update_management on."""
    update_management: bool = True
    """Balance the x and d probabilities per sample."""
    um_grad_scale: float = 1.0
    """Scale of d_max in the update-management balance."""
    d_sparsity: bool = False
    """Track gradient sparsity (used by compounds)."""

    def __post_init__(self) -> None:
        coerce_enum(self, "pulse_type", PulseType)
        check_bool(self, "fixed_bl", "sto_round", "update_bl_management", "update_management", "d_sparsity",
                   "res_as_steps")
        # Bounded so that timing (BL pulse slots per update) and the pulse trains the functional core draws stay
        # finite: 1e30 passed and overflowed at run time.
        if isinstance(self.desired_bl, bool) or not isinstance(self.desired_bl, int) \
                or not 1 <= self.desired_bl <= MAX_DESIRED_BL:
            fail(self, "desired_bl", f"an integer in [1, {MAX_DESIRED_BL}]", self.desired_bl)
        check_finite(self, "res", "x_res_implicit", "d_res_implicit")
        check_nonneg(self, "um_grad_scale")
        if self.um_grad_scale == 0:
            fail(self, "um_grad_scale", "> 0", self.um_grad_scale)
        if not self.res_as_steps:
            for name in ("res", "x_res_implicit", "d_res_implicit"):
                value = getattr(self, name)
                if value > 1:
                    warnings.warn(f"UpdateParameters.{name} = {value:g} > 1 is used as a raw probability resolution, "
                                  f"as aihwkit's C++ core does: probabilities below {value / 2:g} round to 0 and "
                                  "the update is (almost) cancelled; set res_as_steps: true to read it as "
                                  f"{value:g} steps", ArchsimWarning, stacklevel=3)

    def probability_resolution(self, value: float) -> float:
        """The bin width used for a probability quantisation field's ``value`` (0 = off), see ``res``."""
        if value <= 0:
            return 0.0
        return 1.0 / value if (value > 1 and self.res_as_steps) else float(value)


#: aihwkit ``PresetIOParameters`` (``src/aihwkit/simulator/presets/utils.py``, aihwkit 1.1.0/1.2.0) as raw
#: ``IOParameters`` fields: BM ITERATIVE, NM ABS_MAX, 7-bit DAC, 9-bit ADC, out_bound 20, out_noise 0.1, no w_noise.
PRESET_IO: dict[str, object] = {
    "bound_management": "iterative", "noise_management": "abs_max", "inp_res": 1.0 / 126, "inp_sto_round": False,
    "out_bound": 20.0, "out_noise": 0.1, "out_res": 1.0 / 510, "w_noise": 0.0, "w_noise_type": "none",
}

#: aihwkit ``PresetUpdateParameters`` as raw ``UpdateParameters`` fields: BL <= 31, stochastic compressed, UBLM + UM.
PRESET_UPDATE: dict[str, object] = {
    "desired_bl": 31, "pulse_type": "stochastic_compressed", "update_bl_management": True, "update_management": True,
}
