"""Training-algorithm (unit-cell / compound) configurations of a crossbar, and inference-noise settings.

The crossbar's ``rpu.algorithm`` field selects how gradients reach the devices: plain analog SGD on
one device array, or one of aihwkit's compounds (``src/aihwkit/simulator/configs/compounds.py``: Tiki-Taka family,
mixed precision, vector/reference/one-sided unit cells). In YAML the member is chosen by ``kind:``::

    algorithm: {kind: chopped_transfer, in_chop_prob: 0.01, auto_scale: true}

Defaults are the *Python* defaults of aihwkit's ``configs/compounds.py`` (not its C++ struct
defaults), except where a field's docstring says otherwise. Differences from aihwkit, on purpose:

* every sub-device of a compound uses the crossbar's ``rpu.device`` (each array is sampled with its
  own device-to-device draws); aihwkit lets each sub-device have its own device config;
* the transfer / refresh reads and writes default to the crossbar's forward ``IOParameters`` and
  ``UpdateParameters`` (``transfer_forward``, ``transfer_update``, ``refresh_forward``, ``refresh_update`` =
  None; aihwkit's defaults are fresh ``IOParameters()`` / ``UpdateParameters()``, which equal the crossbar's
  own defaults); the presets set them explicitly, as aihwkit's presets do;
* transfer compounds hold exactly two arrays (fast A, slow C), as all aihwkit presets do;
* ``fast_zero_shift`` / ``fast_reference_offset`` model the reference of the fast array (zero-shifting,
  Kim et al. 2019, arXiv 1907.10228, and the programmed offset of the c-TTv2 paper's toy, Rasch et al. 2023,
  arXiv 2303.04721).

This module also holds the inference-side settings (PCM-like programming/drift/read noise, drift
compensation, hardware-aware-training weight modifiers; aihwkit ``src/aihwkit/inference/``) consumed
by ``archsim.crossbar.inference_noise`` and ``archsim.crossbar.modifiers``, and the aihwkit
compound preset names (:data:`ALGORITHM_PRESETS`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, ClassVar

from archsim.errors import ConfigError
from archsim.hwconfig.peripheral import PRESET_IO, PRESET_UPDATE, IOParameters, UpdateParameters
from archsim.registry import Registry


class VectorUpdatePolicy(str, Enum):
    """Which sub-devices of a vector unit cell receive a gradient update."""

    ALL = "all"
    """Every device is pulsed by the same pulse trains (one train per vector, shared, as aihwkit 1.1.0's
    ``VectorRPUDevice::doSparseUpdate``), each with its own cycle-to-cycle noise."""
    SINGLE_FIXED = "single_fixed"
    """Only device ``first_update_idx``."""
    SINGLE_SEQUENTIAL = "single_sequential"
    """One device per update **vector**, cycling through them; the first vector goes to first_update_idx + 1
    (aihwkit's CPU core advances the device index in ``initUpdateCycle``, once per vector)."""
    SINGLE_RANDOM = "single_random"
    """One device per update vector, chosen at random (aihwkit ``initUpdateCycle``)."""


def _check(cond: bool, cls: str, field: str, expected: str, got: Any) -> None:
    if not cond:
        raise ConfigError(f"rpu.algorithm ({cls}).{field}: expected {expected}, got {got!r}")


def _coerce_enum(config: object, field: str, enum: type[Enum], where: str) -> None:
    """Replace ``config.field`` (a frozen dataclass's) by the member of ``enum`` with that value; a value that is not
    one of the members' fails as ``where: expected one of ...``."""
    value = getattr(config, field)
    try:
        object.__setattr__(config, field, enum(value))
    except ValueError:
        raise ConfigError(f"{where}: expected one of {', '.join(m.value for m in enum)}, got {value!r}") from None


@dataclass(frozen=True, kw_only=True)
class AlgorithmConfig:
    """Base of every training-algorithm config (``rpu.algorithm``). ``KINDS`` holds the registered configs by their
    ``kind`` tag, so ``algorithm: {kind: ...}`` in YAML selects among them (registry-based tagged union); the
    implementations are registered separately in ``archsim.crossbar.context.ALGORITHMS``."""

    KINDS: ClassVar[Registry[type]] = Registry("algorithm kind")

    kind: str = ""
    """Tag selecting the algorithm in YAML (each config sets its own default)."""


@AlgorithmConfig.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class SGDConfig(AlgorithmConfig):
    """Plain analog SGD: the gradient is applied as stochastic pulse trains to a single device array."""

    kind: str = "sgd"
    """Tag selecting this algorithm in YAML."""


@AlgorithmConfig.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class VectorUnitCellConfig(AlgorithmConfig):
    """Several devices per cross-point; the weight is W = Σ_k γ_k W_k (aihwkit ``VectorUnitCell``)."""

    kind: str = "vector"
    """Tag selecting this algorithm in YAML."""
    n_devices: int = 2
    """Number of device arrays per weight (the aihwkit ``*2Preset`` / ``*4Preset`` use 2 / 4)."""
    update_policy: VectorUpdatePolicy = VectorUpdatePolicy.ALL
    """Which devices receive each update (see :class:`VectorUpdatePolicy`)."""
    first_update_idx: int = 0
    """Device updated by SINGLE_FIXED; SINGLE_SEQUENTIAL starts after it (first_update_idx + 1)."""
    gamma_vec: tuple[float, ...] = ()
    """Weighting factors γ_k; empty means 1/n_devices each."""

    def __post_init__(self) -> None:
        _coerce_enum(self, "update_policy", VectorUpdatePolicy, "rpu.algorithm (vector).update_policy")
        _check(self.n_devices >= 1, "vector", "n_devices", ">= 1", self.n_devices)
        _check(0 <= self.first_update_idx < self.n_devices, "vector", "first_update_idx",
               f"0..{self.n_devices - 1}", self.first_update_idx)
        _check(len(self.gamma_vec) in (0, self.n_devices), "vector", "gamma_vec",
               f"empty or {self.n_devices} values", self.gamma_vec)


@AlgorithmConfig.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class ReferenceUnitCellConfig(AlgorithmConfig):
    """A device and a reference device, W = g − g_ref (aihwkit ``ReferenceUnitCell``), with zero-shifting.

    Only device 0 is updated (SINGLE_FIXED). The reference is zero unless ``zero_shift`` programs it:
    before training, every device is driven to its symmetry point w* with alternating up/down pulses
    (a soft-bound device converges to w*, Kim et al. 2019, arXiv 1907.10228) and the reference is set to
    the reached value, so W = 0 at the symmetry point (Kim et al. 2019).
    """

    kind: str = "reference"
    """Tag selecting this algorithm in YAML."""
    zero_shift: bool = False
    """Find each device's symmetry point with alternating pulses and program the reference to it."""
    zero_shift_n_pulses: int = 0
    """Number of up/down pulse pairs of the symmetry-point search; 0 = auto (5 × number of states)."""
    reference_offset: float = 0.0
    """Programming error added to every reference value (weight units; tests offset tolerance)."""

    def __post_init__(self) -> None:
        _check(self.zero_shift_n_pulses >= 0, "reference", "zero_shift_n_pulses", ">= 0",
               self.zero_shift_n_pulses)


@AlgorithmConfig.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class OneSidedUnitCellConfig(AlgorithmConfig):
    """Two devices g⁺, g⁻ that are only ever pulsed up; W = g⁺ − g⁻, with refresh (aihwkit ``OneSidedUnitCell``)."""

    kind: str = "one_sided"
    """Tag selecting this algorithm in YAML."""
    refresh_every: int = 0
    """Refresh period in updates (× mini-batch size if ``units_in_mbatch``); 0 = never."""
    units_in_mbatch: bool = True
    """Count ``refresh_every`` in mini-batches instead of single vector updates."""
    refresh_upper_thres: float = 0.75
    """Refresh a row when the larger device exceeds this fraction of |w_max| ..."""
    refresh_lower_thres: float = 0.25
    """... and the smaller one exceeds this fraction."""
    copy_inverted: bool = False
    """g⁺ is the mirror image of g⁻ (aihwkit ``copyInvertDeviceParameter``: steps swapped, bounds mirrored, model
    slots transformed by the device model); otherwise both devices are sampled independently (aihwkit 1.1.0)."""
    refresh_forward: IOParameters | None = None
    """IO parameters of the refresh reads (aihwkit ``refresh_forward``, default ``IOParameters()``); None = the
    tile's forward IO."""
    refresh_update: UpdateParameters | None = None
    """Update parameters of the refresh writes (aihwkit ``refresh_update``, default ``UpdateParameters()``); None =
    the tile's update parameters."""

    def __post_init__(self) -> None:
        _check(self.refresh_every >= 0, "one_sided", "refresh_every", ">= 0", self.refresh_every)


@AlgorithmConfig.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class TransferCompoundConfig(AlgorithmConfig):
    """Tiki-Taka v1 (Gokmen & Haensch 2020; aihwkit ``TransferCompound``): fast array A, slow array C.

    W = γ·A + C. Every sample updates A with the pulse-count learning rate ``fast_lr`` (× the SGD
    learning rate if ``scale_fast_lr``); every ``transfer_every`` updates, ``n_reads_per_transfer``
    columns of A are read with one-hot inputs (NM/BM off) and written onto C with rate
    ``transfer_lr`` (× SGD lr if ``scale_transfer_lr``).
    """

    kind: str = "transfer"
    """Tag selecting this algorithm in YAML."""
    gamma: float = 0.0
    """Weight of the fast array in W = γ·A + C (0: A fully hidden)."""
    transfer_every: float = 1.0
    """Transfer period in updates (× mini-batch size if ``units_in_mbatch``)."""
    units_in_mbatch: bool = True
    """Count ``transfer_every`` in mini-batches: period = ceil(transfer_every · m_batch) vector updates."""
    n_reads_per_transfer: int = 1
    """Columns (or rows) read and transferred at each transfer."""
    transfer_columns: bool = True
    """Read columns of A (one-hot on the inputs, a forward read); False reads rows (one-hot on the outputs, a
    backward read with the transfer IO) and writes them as rows of C (aihwkit ``readVector``/``writeVector``)."""
    with_reset_prob: float = 0.0
    """Probability of resetting a column of A after it was transferred."""
    random_selection: bool = False
    """Start each transfer at a random column instead of cycling."""
    fast_lr: float = 1.0
    """Pulse-count learning rate of the A update; <= 0 uses the SGD learning rate (aihwkit
    ``getPulseCountLearningRate``)."""
    scale_fast_lr: bool = True
    """Multiply ``fast_lr`` by the SGD learning rate: the default of aihwkit 1.2.0 (the newest release) for
    ``TransferCompound`` and ``BufferedTransferCompound``. ``false`` gives aihwkit 1.1.0's behaviour, where fast_lr
    is an absolute rate that the SGD learning rate (and its schedule) does not change."""
    transfer_lr: float = 1.0
    """Learning rate of the A → C transfer."""
    scale_transfer_lr: bool = True
    """Multiply ``transfer_lr`` by the SGD learning rate."""
    transfer_desired_bl: int = 31
    """``desired_bl`` of the transfer write (aihwkit ``transfer_update``; v1 default UpdateParameters())."""
    transfer_update_management: bool = True
    """Update management in the transfer write."""
    transfer_update_bl_management: bool = True
    """BL management in the transfer write."""
    transfer_forward: IOParameters | None = None
    """IO parameters of the transfer reads (aihwkit ``transfer_forward``, default ``IOParameters()``); noise and
    bound management are always switched off, as aihwkit does. None = the tile's forward IO."""
    transfer_update: UpdateParameters | None = None
    """Update parameters of the transfer writes (aihwkit ``transfer_update``). None = the tile's update parameters
    with the three ``transfer_*`` fields above; when given, those fields must keep their defaults."""
    fast_zero_shift: bool = False
    """Program A's reference to each device's symmetry point (zero-shifting by pulses, Kim et al. 2019) before
    training. aihwkit has no such step: its ``TikiTakaReRamSBPreset`` subtracts the symmetry point in the device
    model instead (``subtract_symmetry_point`` of SoftBoundsReference), which is what that preset does here too."""
    fast_reference_offset: float = 0.0
    """Error of A's programmed reference, as a fraction of the device's w_max (c-TTv2 offset study)."""

    def __post_init__(self) -> None:
        name = self.kind
        _check(self.transfer_every != 0, name, "transfer_every", "non-zero", self.transfer_every)
        _check(self.n_reads_per_transfer >= 1, name, "n_reads_per_transfer", ">= 1",
               self.n_reads_per_transfer)
        _check(0.0 <= self.with_reset_prob <= 1.0, name, "with_reset_prob", "in [0, 1]", self.with_reset_prob)
        _check(self.transfer_desired_bl >= 1, name, "transfer_desired_bl", ">= 1", self.transfer_desired_bl)
        if self.transfer_update is not None:
            fields = type(self).__dataclass_fields__
            for f in ("transfer_desired_bl", "transfer_update_management", "transfer_update_bl_management"):
                _check(getattr(self, f) == fields[f].default, name, f,
                       f"its default {fields[f].default!r} when transfer_update is given (set it in transfer_update)",
                       getattr(self, f))


@AlgorithmConfig.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class BufferedTransferCompoundConfig(TransferCompoundConfig):
    """TTv2 (Gokmen 2021; aihwkit ``BufferedTransferCompound``): reads of A go into a digital buffer H.

    ω = H + lr_t·(A e_i); n = clip(trunc(ω/(thres_scale·ε_C)), ±transfer_desired_bl); where n ≠ 0,
    H = momentum·ω (``forget_buffer``) or ω − (1 − momentum)·n·thres; n pulses are written to C.
    """

    kind: str = "buffered_transfer"
    """Tag selecting this algorithm in YAML."""
    thres_scale: float = 1.0
    """Buffer threshold in units of C's weight granularity ε_C."""
    step: float = 1.0
    """Size of one transfer pulse in units of ε_C (lr of the C write = step·ε_C)."""
    momentum: float = 0.1
    """Fraction of the buffer kept after a transfer (C++ default 0)."""
    forget_buffer: bool = True
    """After a transfer keep momentum·ω instead of subtracting the written amount."""
    transfer_desired_bl: int = 1
    """At most this many pulses per element and transfer (BL of the C write)."""
    transfer_update_management: bool = False
    """Update management in the transfer write (off: one pulse of sign(n) per element)."""
    transfer_update_bl_management: bool = False
    """BL management in the transfer write."""


@AlgorithmConfig.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class ChoppedTransferCompoundConfig(BufferedTransferCompoundConfig):
    """c-TTv2 (Rasch et al. 2023; aihwkit ``ChoppedTransferCompound``): TTv2 with input/output choppers.

    A stores the chopped gradient (pulse signs flipped where c_in·c_out = −1), reads are de-chopped,
    so a static offset of A is written into H with alternating sign and averages out. Restrictions
    (as aihwkit): one column per transfer, sequential columns, no reset.
    """

    kind: str = "chopped_transfer"
    """Tag selecting this algorithm in YAML."""
    units_in_mbatch: bool = False
    """Count ``transfer_every`` in single vector updates (one column read per vector update)."""
    scale_fast_lr: bool = False
    """Multiply ``fast_lr`` by the SGD learning rate (aihwkit HEAD default False for chopped)."""
    momentum: float = 0.0
    """Fraction of the buffer kept after a transfer."""
    in_chop_prob: float = 0.1
    """Input chopper switch probability per column read (or period 1/p if not random)."""
    in_chop_random: bool = True
    """Switch choppers at random with ``in_chop_prob``; False switches regularly every max(ceil(1/p), 2) sweeps."""
    out_chop_prob: float = 0.0
    """Output chopper switch probability, drawn after each full sweep over the columns."""
    buffer_granularity: float = 1.0
    """Buffer threshold in units of A's weight granularity ε_A."""
    auto_granularity: float = 0.0
    """If > 0: granularity ε_A·auto_granularity/(in_size·transfer_every) instead of ``buffer_granularity``."""
    no_buffer: bool = False
    """Use no buffer memory (H = 0 before each read)."""
    auto_scale: bool = False
    """Scale the A update by running averages of max|x| and max|d| (fast_lr·BL·ε_A/(m_x·m_d))."""
    auto_momentum: float = 0.99
    """Momentum of those running averages."""
    correct_gradient_magnitudes: bool = False
    """Scale the buffer granularity by ε_C/ε_A and the fast lr (aihwkit option)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        name = self.kind
        for f in ("in_chop_prob", "out_chop_prob"):
            v = getattr(self, f)
            _check(0.0 <= v <= 1.0, name, f, "in [0, 1]", v)
        _check(self.n_reads_per_transfer == 1, name, "n_reads_per_transfer", "1 (chopped compounds)",
               self.n_reads_per_transfer)
        _check(0.0 <= self.auto_momentum < 1.0, name, "auto_momentum", "in [0, 1)", self.auto_momentum)


@AlgorithmConfig.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class DynamicTransferCompoundConfig(ChoppedTransferCompoundConfig):
    """AGAD (Rasch et al. 2023; aihwkit ``DynamicTransferCompound``): chopped TTv2 with a dynamic reference.

    Per element, a running mean μ of the raw reads of A (EMA with rate min(tail_weightening/n_s, 1),
    n_s = max(ceil(1/in_chop_prob), 2)) is latched as μ_past at each chopper switch; the buffer
    receives c·(read − μ_past)·lr_scale, so no zero-shifted reference is needed. Start-up as measured on
    aihwkit 1.1.0's CPU core: μ starts at 0 and the buffer is filled and thresholded from the very first read
    against μ_past = 0, before any chopper switch; C is written only once more than n_s sweeps are done.
    """

    kind: str = "dynamic_transfer"
    """Tag selecting this algorithm in YAML."""
    in_chop_random: bool = False
    """Choppers switch regularly (every n_s-th sweep, all columns in the same sweep); true adds random switches
    with in_chop_prob on top, as aihwkit's dynamic transfer does."""
    tail_weightening: float = 5.0
    """Weight of the recent reads in the running mean (C++ default 1)."""
    buffer_cap: float = 0.0
    """If > 0 and not forgetting: cap |H| at buffer_cap·transfer_desired_bl."""
    experimental_correct_accumulation: bool = False
    """aihwkit experimental flag (must be false: not modelled)."""
    std_significance: float = 0.0
    """If > 0, an element's buffer increment is applied only when |read − μ_past| exceeds std_significance·s/√n_s,
    s the running standard deviation of its reads (updated like the mean; while s = 0 nothing is significant): the
    running-std significance test that
    aihwkit 1.2.0 describes in ``DynamicTransferCompound``'s docstring ("no update is done if the difference is not
    significantly different from zero, judged by the running std estimation") but whose CPU and CUDA cores do not
    apply. 0 (the default) = off, as in aihwkit's cores."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _check(self.std_significance >= 0, self.kind, "std_significance", ">= 0", self.std_significance)


@AlgorithmConfig.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class MixedPrecisionConfig(AlgorithmConfig):
    """Mixed precision (Nandakumar et al.; aihwkit ``MixedPrecisionCompound``): digital χ accumulation.

    Each sample χ += η·d xᵀ in floating point (x, d optionally quantised to n_bins levels of their
    abs-max, stochastic rounding). A transfer follows vector n (counted over all mini-batches from 0) when
    n > 0 and n is a multiple of transfer_every·B — with a constant mini-batch size B right after the first
    vector of every transfer_every-th mini-batch, never in the first one (aihwkit 1.1.0 ``doTransfer``, measured
    side by side with its CPU wheel). For each selected row i: n = trunc(χ_i/ε), χ_i −= n·ε, and n is written to
    the device row with a pulsed update (UM/UBLM on).
    """

    kind: str = "mixed_precision"
    """Tag selecting this algorithm in YAML."""
    transfer_every: int = 1
    """Transfer period in units of mini-batches of vectors (transfer_every·B vectors, see the class docstring)."""
    n_rows_per_transfer: int = -1
    """Rows written per transfer; −1 = all rows."""
    random_row: bool = False
    """Start each transfer at a random row instead of cycling."""
    granularity: float = 0.0
    """Transfer threshold ε; 0 = the device's weight granularity."""
    transfer_lr: float = 1.0
    """Scale of the row write (lr = ε·transfer_lr)."""
    n_x_bins: int = 0
    """Quantise x to this many levels of its abs-max before accumulation (0 = off)."""
    n_d_bins: int = 0
    """Quantise d likewise (0 = off)."""
    stoc_round_x: bool = True
    """Stochastic rounding of x quantisation (C++ default False)."""
    stoc_round_d: bool = True
    """Stochastic rounding of d quantisation."""

    def __post_init__(self) -> None:
        _check(self.transfer_every >= 1, "mixed_precision", "transfer_every", ">= 1", self.transfer_every)
        _check(self.n_rows_per_transfer == -1 or self.n_rows_per_transfer >= 1, "mixed_precision",
               "n_rows_per_transfer", "-1 or >= 1", self.n_rows_per_transfer)
        _check(self.n_x_bins >= 0 and self.n_d_bins >= 0, "mixed_precision", "n_x_bins/n_d_bins", ">= 0",
               (self.n_x_bins, self.n_d_bins))


#: kind tag -> algorithm config class (the registry behind the ``rpu.algorithm`` tagged union).
ALGORITHM_KINDS = AlgorithmConfig.KINDS


# ---------------------------------------------------------------------------------------------------------
# Inference side (aihwkit src/aihwkit/inference/, src/aihwkit/simulator/parameters/inference.py)
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PCMNoiseConfig:
    """PCM-like statistical noise model (aihwkit ``PCMLikeNoiseModel``) with a single-pair conductance map.

    W ↦ (g⁺, g⁻) with scale (g_max − g_min)/max|W|; programming noise σ_prog = (c0 + c1·g/g_max +
    c2·(g/g_max)²)·g_max/g_max_ref; drift g·((t + t0)/t0)^(−ν) with ν ~ |N(μ_ν(g), σ_ν(g))|; 1/f
    read noise Q_s·sqrt(ln((t + t0 + t_read)/(2 t_read))).
    """

    kind: str = "pcm"
    """Tag selecting this noise model in YAML."""
    g_max_us: float = 25.0
    """Maximal programmed conductance (µS)."""
    g_min_us: float = 0.0
    """Conductance of a weight of zero (µS)."""
    g_max_ref_us: float = 25.0
    """g_max at which the programming-noise polynomial was fitted (µS)."""
    t_read_s: float = 250.0e-9
    """Read duration entering the 1/f noise (s)."""
    t0_s: float = 20.0
    """Time after programming at which drift starts to be counted (s)."""
    prog_coeff_us: tuple[float, float, float] = (0.26348, 1.9650, -1.1731)
    """Programming-noise polynomial coefficients c0, c1, c2 (µS)."""
    prog_noise_scale: float = 1.0
    """Scale of the programming noise."""
    read_noise_scale: float = 1.0
    """Scale of the read noise."""
    drift_scale: float = 1.0
    """Scale of the drift exponent ν."""

    def __post_init__(self) -> None:
        if not (self.g_max_us > self.g_min_us >= 0.0):
            raise ConfigError(f"noise_model (pcm): expected g_max_us > g_min_us >= 0, got "
                              f"g_max_us={self.g_max_us}, g_min_us={self.g_min_us}")
        if self.t_read_s <= 0 or self.t0_s <= 0:
            raise ConfigError(f"noise_model (pcm): expected t_read_s > 0 and t0_s > 0, got "
                              f"{self.t_read_s}, {self.t0_s}")


class DriftCompensation(str, Enum):
    """Digital output rescaling after drift (aihwkit ``inference/compensation/drift.py``)."""

    NONE = "none"
    """No compensation."""
    GLOBAL = "global"
    """One factor per tile: mean|Y| at programming / mean|Y| now, Y = tile response to the identity."""
    PER_COLUMN = "per_column"
    """One factor per output."""


class WeightModifierType(str, Enum):
    """Hardware-aware-training weight modifier (aihwkit ``WeightModifierType``)."""

    NONE = "none"
    """No modification."""
    DISCRETIZE = "discretize"
    """w = amax·round(w/amax, res)."""
    MULT_NORMAL = "mult_normal"
    """w += w·std_dev·amax·ξ (aihwkit's formula, amax included)."""
    ADD_NORMAL = "add_normal"
    """w += std_dev·amax·ξ."""
    DISCRETIZE_ADD_NORMAL = "discretize_add_normal"
    """Discretise, then add normal noise."""
    POLY = "poly"
    """w += amax·std_dev·(c0 + c1|w|/amax + c2(|w|/amax)²)·ξ."""
    DROP_CONNECT = "drop_connect"
    """Only drop-connect (``pdrop``)."""
    PROG_NOISE = "prog_noise"
    """PCM programming noise with the sign kept: σ = (std_dev/g_max)·(c0 + c1|w|/amax + c2(|w|/amax)²),
    w ← sign(w)·|w + amax·σ·ξ| (aihwkit ``ProgNoise``)."""
    DOREFA = "dorefa"
    """DoReFa quantisation: w ← round(tanh(w)·|dorefa_clip/tanh(amax)|, res) (aihwkit ``DoReFa``; off if res = 0)."""


@dataclass(frozen=True, kw_only=True)
class WeightModifierConfig:
    """Weight modifier applied to the forward/backward weights once per mini-batch during HWA training."""

    type: WeightModifierType = WeightModifierType.NONE
    """Which modification (see :class:`WeightModifierType`)."""
    std_dev: float = 0.0
    """Noise scale (relative to amax)."""
    res: float = 0.0
    """Discretisation resolution (fraction of amax; > 1 = number of steps; 0 = off). C++ default 0.1."""
    sto_round: bool = False
    """Stochastic rounding when discretising."""
    pdrop: float = 0.0
    """Drop-connect probability (combinable with every type)."""
    coeffs: tuple[float, ...] = (0.0105392, 0.0768, -0.046925)
    """Polynomial coefficients of POLY."""
    rel_to_actual_wmax: bool = True
    """amax = max|W| of the current weights; False uses ``assumed_wmax``."""
    assumed_wmax: float = 1.0
    """amax when ``rel_to_actual_wmax`` is False."""
    dorefa_clip: float = 0.6
    """Clip value of DOREFA (aihwkit ``dorefa_clip``)."""
    g_max_us: float = 25.0
    """g_max of PROG_NOISE (µS; aihwkit ``g_max``): the polynomial is in µS, std_dev/g_max makes it relative."""
    enable_during_test: bool = False
    """Keep modifying the weights in evaluation mode (aihwkit ``enable_during_test``); off: an
    ``InferenceTile`` in ``eval()`` mode reads the unmodified weights."""

    def __post_init__(self) -> None:
        _coerce_enum(self, "type", WeightModifierType, "modifier.type")
        if self.g_max_us <= 0:
            raise ConfigError(f"modifier.g_max_us: expected > 0, got {self.g_max_us}")
        if not 0.0 <= self.pdrop <= 1.0:
            raise ConfigError(f"modifier.pdrop: expected in [0, 1], got {self.pdrop}")
        if self.std_dev < 0 or self.res < 0:
            raise ConfigError(f"modifier: expected std_dev >= 0 and res >= 0, got {self.std_dev}, {self.res}")


@dataclass(frozen=True, kw_only=True)
class InferenceConfig:
    """Inference-time non-idealities of programmed weights (the noise side of aihwkit ``InferenceRPUConfig``).

    When a crossbar's ``rpu.inference`` is set, an inference evaluation (``archsim run --mode inference``)
    programs the trained weights onto PCM-like conductance pairs once (programming noise, drift exponents),
    then evaluates the network at each time in ``t_inference_s`` after programming (drift + fresh 1/f read
    noise, optionally drift-compensated), averaging ``n_repeats`` independent programmings. Model and
    numbers: aihwkit ``PCMLikeNoiseModel`` (Joshi et al. 2020, Nature Comms 11:2473),
    ``archsim.crossbar.inference_noise``. In YAML::

        rpu:
          inference: {noise_model: {g_max_us: 25}, drift_compensation: global, t_inference_s: [1, 86400]}
    """

    noise_model: PCMNoiseConfig = field(default_factory=PCMNoiseConfig)
    """Statistical noise model of the programmed conductances (``kind: pcm``, the only one so far)."""
    drift_compensation: DriftCompensation = DriftCompensation.GLOBAL
    """Digital output rescaling after drift: ``none``, ``global`` (one factor per tile), ``per_column``."""
    t_inference_s: float | tuple[float, ...] = (1.0,)
    """Times after programming at which accuracy is evaluated (s; a number or a list, stored as a tuple).
    The first gives the deployed network's per-epoch accuracy; e.g. 1 s, 1 h = 3600, 1 day = 86400,
    1 year = 31536000."""
    n_repeats: int = 1
    """Independent programmings (noise draws) averaged per time."""

    def __post_init__(self) -> None:
        noise = self.noise_model
        if isinstance(noise, dict):
            noise = PCMNoiseConfig(**noise)
        if not isinstance(noise, PCMNoiseConfig):
            raise ConfigError(f"inference.noise_model: expected a PCM noise model (kind: pcm), got "
                              f"{type(noise).__name__}")
        if not isinstance(noise.prog_coeff_us, tuple):
            noise = PCMNoiseConfig(**{**noise.__dict__, "prog_coeff_us": tuple(noise.prog_coeff_us)})
        object.__setattr__(self, "noise_model", noise)
        _coerce_enum(self, "drift_compensation", DriftCompensation, "drift_compensation")
        times = self.t_inference_s
        times = tuple(times) if isinstance(times, (list, tuple)) else (times,)
        if not times or not all(isinstance(t, (int, float)) and not isinstance(t, bool) and math.isfinite(t)
                                and t >= 0 for t in times):
            raise ConfigError(f"t_inference_s: expected a time >= 0 s or a non-empty list of them, got "
                              f"{self.t_inference_s!r}")
        object.__setattr__(self, "t_inference_s", tuple(float(t) for t in times))
        if isinstance(self.n_repeats, bool) or not isinstance(self.n_repeats, int) or self.n_repeats < 1:
            raise ConfigError(f"n_repeats: expected an integer >= 1, got {self.n_repeats!r}")


# ---------------------------------------------------------------------------------------------------------
# aihwkit compound preset names (src/aihwkit/simulator/presets/configs.py)
# ---------------------------------------------------------------------------------------------------------

_DEVICES = ("ReRamES", "ReRamSB", "Capacitor", "EcRam", "EcRamMO", "Idealized")
#: aihwkit's transfer presets read with PresetIOParameters without noise and bound management
_TRANSFER_IO = {**PRESET_IO, "noise_management": "none", "bound_management": "none"}
#: ... and write TTv2-style with one pulse of sign(n) per element
_BL1_UPDATE = {**PRESET_UPDATE, "desired_bl": 1, "update_bl_management": False, "update_management": False}


def _chopped(kind: str, fast_lr: float | None, auto_gran: float, chop: float, **extra: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {"kind": kind, "in_chop_prob": chop, "units_in_mbatch": False, "auto_scale": True,
                           "auto_granularity": auto_gran, "transfer_forward": dict(_TRANSFER_IO),
                           "transfer_update": dict(_BL1_UPDATE), **extra}
    if fast_lr is not None:
        raw["fast_lr"] = fast_lr
    return raw


def _build_presets() -> dict[str, dict[str, Any]]:
    """The compound presets of aihwkit 1.2.0's ``src/aihwkit/simulator/presets/configs.py`` (read field by field)."""
    presets: dict[str, dict[str, Any]] = {}
    for dev in _DEVICES:
        # aihwkit's ReRamSB transfer presets use ReRamSBPresetDevice(subtract_symmetry_point=True) for A and C
        device = {"subtract_symmetry_point": True} if dev == "ReRamSB" else {}
        presets[f"TikiTaka{dev}Preset"] = {
            "device_preset": f"{dev}Preset", "device": device, "update": {},
            "algorithm": {"kind": "transfer", "transfer_every": 1.0, "units_in_mbatch": True,
                          "transfer_forward": dict(_TRANSFER_IO), "transfer_update": dict(PRESET_UPDATE)},
        }
        reram = dev.startswith("ReRam")
        bl100 = {"desired_bl": 100} if dev in ("EcRam", "EcRamMO", "Idealized") else {"desired_bl": 31}
        auto_gran = 1000.0 if dev in ("ReRamES", "ReRamSB", "Capacitor") else 500.0
        fast_lr = 0.5 if reram else 0.1
        presets[f"TTv2{dev}Preset"] = {"device_preset": f"{dev}Preset", "device": device, "update": bl100,
                                       "algorithm": _chopped("chopped_transfer", fast_lr, auto_gran, 0.0)}
        chop = 0.001 if dev in ("EcRamMO", "Idealized") else 0.01
        presets[f"ChoppedTTv2{dev}Preset"] = {
            "device_preset": f"{dev}Preset", "device": device, "update": bl100,
            "algorithm": _chopped("chopped_transfer", None if dev == "EcRam" else fast_lr, auto_gran, chop)}
        fast, chop, tail, gran = {"ReRamES": (0.5, 0.02, 5.0, 1000.0), "ReRamSB": (0.5, 0.02, 5.0, 1000.0),
                                  "Capacitor": (0.1, 0.01, 20.0, 1000.0), "EcRam": (0.1, 0.005, 50.0, 750.0),
                                  "EcRamMO": (0.1, 0.005, 50.0, 500.0), "Idealized": (0.1, 0.005, 50.0, 500.0)}[dev]
        presets[f"AGAD{dev}Preset"] = {
            "device_preset": f"{dev}Preset", "device": device,
            "update": {"desired_bl": 100} if dev in ("EcRamMO", "Idealized") else {"desired_bl": 31},
            "algorithm": _chopped("dynamic_transfer", fast, gran, chop, tail_weightening=tail),
        }
    # MixedPrecisionPCMPreset is left out: its device is aihwkit's PCMPresetUnitCell (a one-sided unit cell), and
    # archsim's mixed precision drives a single device array
    for dev in (*_DEVICES, "GokmenVlasov"):
        presets[f"MixedPrecision{dev}Preset"] = {"device_preset": f"{dev}Preset", "device": {},
                                                 "algorithm": {"kind": "mixed_precision"}, "update": {}}
    return presets


#: aihwkit compound preset name -> {"device_preset": single-device preset name (hwconfig.rpu.PRESETS),
#: "device": overrides of that preset's device, "algorithm": raw ``rpu.algorithm`` dict, "update": overrides of the
#: preset's UpdateParameters}. All of them use aihwkit's PresetIOParameters for forward and backward.
ALGORITHM_PRESETS: dict[str, dict[str, Any]] = _build_presets()


def compound_preset_raw(name: str, device_presets: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Raw ``RPUConfig`` dict of an aihwkit compound preset, given the single-device preset registry.

    ``device_presets`` is ``archsim.hwconfig.rpu.PRESETS`` (passed in to avoid a circular import); the
    result is that device preset's dict with the update overrides merged in and ``algorithm`` set to the
    raw algorithm dict.
    """
    import copy

    entry = ALGORITHM_PRESETS[name]
    if entry["device_preset"] not in device_presets:
        raise ConfigError(f"rpu preset {name!r}: device preset {entry['device_preset']!r} is not available",
                          hint="valid device presets: " + ", ".join(sorted(device_presets)))
    raw = copy.deepcopy(device_presets[entry["device_preset"]])
    raw["device"] = {**raw["device"], **entry["device"]}
    raw["update"] = {**raw.get("update", {}), **entry["update"]}
    raw["algorithm"] = copy.deepcopy(entry["algorithm"])
    return raw
