"""The hardware description: frozen dataclasses for a chip of crossbar tiles.

A chip holds ``chip.n_tiles`` identical tiles joined by an interconnect and one off-chip memory interface.
A tile holds ``tile.n_crossbars`` crossbar arrays of ``tile.n_rows × tile.n_cols`` cells (rows are inputs,
driven by DACs; columns are outputs, read by ADCs), the DAC and ADC banks, digital units, one activation
buffer and an inventory of further parts (sample-and-hold, registers, buses). The crossbar section carries
the array's numerics (:class:`~archsim.hwconfig.rpu.RPUConfig`, consumed by the functional core) and its
timing and energy (consumed by the event engine and the cost model).

Model of one analog MVM on one crossbar (what the engine times, see ``archsim.engine.spec``): the DACs
convert the input lines (``ceil(rows / n_dacs)`` conversions each of ``dac.latency_ns``), the array
integrates for ``crossbar.integration_ns``, the ADCs convert the output lines
(``ceil(cols / n_adcs) · adc.latency_ns``). Inputs wider than the DAC are streamed bit-serially
(:attr:`HardwareConfig.input_cycles` passes; a bit-sliced weight spans :attr:`HardwareConfig.weight_slices`
cells). With ``crossbar.overlap_stages`` (sample-and-hold between the
stages) consecutive passes pipeline. A pulsed update of one vector takes
``update_setup_ns + BL · pulse_ns`` for the whole array (fully parallel outer product).

Energy and area follow Accelergy's split: the engine counts actions, the cost model prices them with the
per-action energies below (``energy_pj`` per conversion / op / access, ``*_pj_per_bit`` per bit moved) and
adds leakage (``leakage_mw`` per instance × makespan). Every part also carries ``power_mw`` — the
published power of one instance at full activity (ISAAC Table I style) — and ``area_um2`` per instance,
so :meth:`HardwareConfig.inventory` rolls up peak power and area as *counts × per-instance values*.

Units are in the field names; YAML accepts bare numbers in that unit or strings with units
(``"80 ns"``, ``"2 mW"``, ``"0.0012 mm^2"``, ``"64 KiB"``), see :mod:`archsim.units`.
Each class's ``__post_init__`` checks only its own fields; whole-config invariants live in
:mod:`archsim.hwconfig.checks`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import networkx as nx

from archsim.errors import ConfigError
from archsim.hwconfig.rpu import RPUConfig

__all__ = [
    "AdcConfig",
    "AdcPoolConfig",
    "BufferConfig",
    "ChipConfig",
    "ComponentConfig",
    "CrossbarConfig",
    "DacConfig",
    "DigitalOp",
    "DigitalUnitConfig",
    "HardwareConfig",
    "InterconnectConfig",
    "InventoryItem",
    "MappingPolicyConfig",
    "OffchipConfig",
    "Overflow",
    "RouterConfig",
    "SpillPolicy",
    "SUPPORTED_VERSIONS",
    "TileConfig",
    "Topology",
    "adc_pool_layout",
]

#: Schema versions this archsim reads (the ``version:`` key of a hardware YAML).
SUPPORTED_VERSIONS = (1,)


# Upper bounds of counts and sizes (a value beyond them is a typo or would exhaust memory, not a design).
MAX_TILES = 65536
"""Tiles per chip."""
MAX_LINES = 65536
"""Rows or columns of one crossbar."""
MAX_COUNT = 1 << 20
"""Instances of one part per tile or chip, crossbars per tile."""
MAX_BITS = 32
"""Converter resolution, bits per cell."""
MAX_CAPACITY_BYTES = 1 << 30
"""Capacity of one buffer or register (1 GiB)."""
MAX_AREA_UM2 = 1e9
"""Area of one instance (1000 mm²)."""
MAX_POWER_MW = 1e6
"""Power of one instance (1 kW)."""
MAX_ENERGY_PJ = 1e9
"""Energy of one action (1 mJ)."""
MAX_TIME_NS = 1e9
"""Latency or duration of one action (1 s)."""
MAX_BANDWIDTH_GBPS = 1e7
"""Bandwidth of one port or link (10 Pbit/s)."""
MAX_FREQ_MHZ = 1e5
"""Clock frequency (100 GHz)."""
MIN_FREQ_MHZ = 1e-6
"""Clock frequency (1 Hz: one cycle within :data:`MAX_TIME_NS`)."""
MIN_BANDWIDTH_GBPS = 1e-9
"""Bandwidth of one port or link (1 bit/s: one bit within :data:`MAX_TIME_NS`)."""
MIN_OPS_PER_NS = 1e-9
"""Throughput of a unit (one operation per second: one operation within :data:`MAX_TIME_NS`)."""


def _fail(name: str, expected: str, got: object, hint: str | None = None) -> None:
    raise ConfigError(f"{name}: expected {expected}, got {got!r}", hint=hint)


def _number(obj: object, name: str, *, minimum: float | None = 0.0, strict: bool = False,
            maximum: float | None = None) -> None:
    """Check a numeric field (None = not stated, resolved later): finite, ``>= minimum`` (``>`` when strict),
    ``<= maximum``."""
    value = getattr(obj, name)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        _fail(name, "a finite number", value)
    if minimum is not None and (value <= minimum if strict else value < minimum):
        _fail(name, f"a number {'>' if strict else '>='} {minimum:g}", value,
              hint=f"the schema's lower bound for {name} is {minimum:g}" if minimum > 0 else None)
    if maximum is not None and value > maximum:
        _fail(name, f"a number <= {maximum:g}", value, hint=f"the schema's upper bound for {name} is {maximum:g}")


def _integer(obj: object, name: str, *, minimum: int = 1, maximum: int | None = None) -> None:
    """Check an integer field (None = not stated, resolved later)."""
    value = getattr(obj, name)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(name, "an integer", value)
    if value < minimum or (maximum is not None and value > maximum):
        rng = f">= {minimum}" if maximum is None else f"an integer in [{minimum}, {maximum}]"
        _fail(name, rng if maximum is not None else f"an integer {rng}", value)


# ------------------------------------------------------------------------------------------------ engine fields
# Fields the event engine times (issue 13): which crossbars share which ADC pool, partial row activation,
# crossbar programming, what a full tile buffer does, and what happens when a network exceeds the chip.
# Kept together here; the classes below reference them with one line each.


@dataclass(frozen=True, kw_only=True)
class AdcPoolConfig:
    """ADCs shared by several crossbars of a tile (PUMA: an ADC per group of arrays).

    The pool converts one crossbar read at a time; its ``n_adcs`` converters work on that read's columns in
    parallel (``ceil(columns / n_adcs)`` conversions, at least ``tile.adc.columns_per_adc`` for a block on
    the first columns). Two crossbars of one pool therefore take their turns.
    """

    crossbars: tuple[int, ...]
    """Crossbar indices (``0 <= i < tile.n_crossbars``) whose columns this pool reads."""
    n_adcs: int
    """ADCs in the pool."""

    def __post_init__(self) -> None:
        if not self.crossbars:
            _fail("crossbars", "at least one crossbar index", list(self.crossbars))
        for i in self.crossbars:
            if isinstance(i, bool) or not isinstance(i, int) or i < 0:
                _fail("crossbars", "crossbar indices >= 0", list(self.crossbars))
        if len(set(self.crossbars)) != len(self.crossbars):
            _fail("crossbars", "distinct crossbar indices", list(self.crossbars))
        _integer(self, "n_adcs")


class SpillPolicy(str, Enum):
    """What a tile does with activations that do not fit its buffer (``tile.buffer.spill``)."""

    OFFCHIP = "offchip"
    """Rows beyond the buffer are written to off-chip memory and read back when needed (traffic, time and
    energy counted)."""
    STALL = "stall"
    """The producer waits until the consumer frees space; a working set larger than the buffer is an error."""


class Overflow(str, Enum):
    """What to do with a network that needs more crossbars than the chip has (``mapping.overflow``)."""

    ERROR = "error"
    """Refuse to map it (a MappingError naming the largest layer)."""
    REPROGRAM = "reprogram"
    """Run it in passes: each pass programs as many layers as fit from off-chip memory, runs every sample
    through them, and stores their outputs off-chip for the next pass."""


@dataclass(frozen=True, kw_only=True)
class MappingPolicyConfig:
    """How the chip runs a network (top-level ``mapping:`` section of a hardware file)."""

    overflow: Overflow = Overflow.ERROR
    """``error`` (default) or ``reprogram``: run a network larger than the chip in passes that rewrite the
    crossbars from off-chip memory (write time from ``crossbar.pulse_ns`` and ``crossbar.rows_per_write``)."""


def adc_pool_layout(tile: TileConfig) -> tuple[tuple[tuple[int, ...], int], ...]:
    """Every ADC pool of ``tile`` as ``(crossbars, n_adcs)``: the listed pools, then one pool of
    ``adcs_per_crossbar`` ADCs for every crossbar that no pool lists (the default)."""
    listed = {i for pool in tile.adc_pools for i in pool.crossbars}
    own = tuple(((i,), tile.adcs_per_crossbar) for i in range(tile.n_crossbars) if i not in listed)
    return tuple((pool.crossbars, pool.n_adcs) for pool in tile.adc_pools) + own


def _check_adc_pools(tile: TileConfig) -> None:
    if tile.n_crossbars is None or tile.n_cols is None or tile.adc.columns_per_adc is None:
        return  # not stated yet: checked again after resolution (archsim.hwconfig.checks)
    seen: dict[int, int] = {}
    for k, pool in enumerate(tile.adc_pools):
        for i in pool.crossbars:
            if i >= tile.n_crossbars:
                _fail(f"adc_pools[{k}].crossbars", f"crossbar indices below n_crossbars ({tile.n_crossbars})", i,
                      hint=f"a tile has crossbars 0..{tile.n_crossbars - 1}")
            if i in seen:
                _fail(f"adc_pools[{k}].crossbars", f"crossbars not already in adc_pools[{seen[i]}]", i,
                      hint="each crossbar is read by one pool")
            seen[i] = k
        if pool.n_adcs * tile.adc.columns_per_adc < tile.n_cols:
            _fail(f"adc_pools[{k}].n_adcs", f"at least ceil(n_cols / adc.columns_per_adc) = "
                  f"{math.ceil(tile.n_cols / tile.adc.columns_per_adc)} ADCs (each ADC reaches "
                  f"{tile.adc.columns_per_adc} columns)", pool.n_adcs, hint="raise n_adcs or adc.columns_per_adc")


def _check_engine_fields(hw: HardwareConfig) -> None:
    """Checks across sections for the fields above."""
    for name in ("rows_per_read", "rows_per_write"):
        value = getattr(hw.crossbar, name)
        if value is not None and hw.tile.n_rows is not None and value > hw.tile.n_rows:
            _fail(f"crossbar.{name}", f"at most tile.n_rows ({hw.tile.n_rows})", value,
                  hint=f"a read or write can activate at most the array's {hw.tile.n_rows} rows; "
                       "leave it out for all rows")



# ------------------------------------------------------------------------------------------------ parts


@dataclass(frozen=True, kw_only=True)
class PartCost:
    """Area, power and cost model of one instance of a part (shared by every component below).

    A numeric field left out (None) is computed by the named ``model`` (:data:`archsim.components.MODELS`) at load
    time (:mod:`archsim.hwconfig.resolve`); a field the file states wins over the model. A field that is neither
    stated nor computed is a load-time error: nothing defaults to zero.
    """

    area_um2: float | None = None
    """Silicon area of one instance (µm²)."""
    power_mw: float | None = None
    """Published power of one instance at full activity (mW); used for peak-power roll-ups (ISAAC Table I)."""
    leakage_mw: float | None = None
    """Static power of one instance (mW), charged over the whole makespan by the cost model."""
    model: str | None = None
    """Name of the component model that computes the fields left out (``adc.survey``, ``dac.from_power``, ...)."""
    params: dict[str, float] = field(default_factory=dict)
    """Model-specific inputs (``read_voltage_v``, ``ref_energy_pj``, ...; see the model's documentation)."""

    def __post_init__(self) -> None:
        _number(self, "area_um2", maximum=MAX_AREA_UM2)
        _number(self, "power_mw", maximum=MAX_POWER_MW)
        _number(self, "leakage_mw", maximum=MAX_POWER_MW)
        if self.model is not None and (not isinstance(self.model, str) or not self.model):
            _fail("model", "a model name", self.model)
        for key, value in self.params.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                _fail(f"params.{key}", "a finite number", value)


@dataclass(frozen=True, kw_only=True)
class DacConfig(PartCost):
    """Digital-to-analog converters driving the crossbar's input lines (rows forward, columns backward)."""

    bits: int | None = None
    """Resolution of one conversion. With ``crossbar.input_bits`` larger, inputs are streamed bit-serially; the
    numerics' ``crossbar.rpu.forward.inp_res`` follows the input precision (:mod:`archsim.hwconfig.resolve`)."""
    rows_per_dac: int | None = None
    """Lines served by one DAC (time-multiplexed); DACs per crossbar = ceil(n_rows / rows_per_dac)."""
    latency_ns: float | None = None
    """Time of one conversion (ns)."""
    energy_pj: float | None = None
    """Energy of one conversion of one line (pJ)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _integer(self, "bits", minimum=1, maximum=MAX_BITS)
        _integer(self, "rows_per_dac", maximum=MAX_LINES)
        _number(self, "latency_ns", maximum=MAX_TIME_NS)
        _number(self, "energy_pj", maximum=MAX_ENERGY_PJ)


@dataclass(frozen=True, kw_only=True)
class AdcConfig(PartCost):
    """Analog-to-digital converters reading the crossbar's output lines (columns forward, rows backward).

    Energy convention: ``energy_pj`` is charged once per conversion of one line (ISAAC: 2 mW / 1.28 GS/s =
    1.56 pJ), not per (bits + 2) clock periods (MNSIM's convention, 10x larger for the same ADC).
    """

    bits: int | None = None
    """Output resolution (1..32); the numerics' ``crossbar.rpu.forward.out_res`` follows it."""
    columns_per_adc: int | None = None
    """Lines read by one ADC (multiplexed); ADCs per crossbar = ceil(n_cols / columns_per_adc)."""
    latency_ns: float | None = None
    """Time of one conversion (ns) = 1 / sample rate."""
    ns_per_bit: float | None = None
    """SAR ADCs: time per resolved bit (ns); the conversion time is then ``bits x ns_per_bit`` (PUMA: 12.5 ns)."""
    energy_pj: float | None = None
    """Energy of one conversion (pJ)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _integer(self, "bits", minimum=1, maximum=MAX_BITS)
        _integer(self, "columns_per_adc", maximum=MAX_LINES)
        _number(self, "latency_ns", maximum=MAX_TIME_NS)
        _number(self, "ns_per_bit", strict=True, maximum=MAX_TIME_NS)
        _number(self, "energy_pj", maximum=MAX_ENERGY_PJ)


class DigitalOp(str, Enum):
    """Kinds of digital work a tile does; one *op* is the work on one element (one value).

    The engine counts ops per kind and sends them to the unit that serves the kind
    (:meth:`TileConfig.unit_for`); the cost model prices them with that unit's ``energy_pj``.
    """

    ACCUMULATE = "accumulate"
    """Add one partial sum of a row-split block into the layer output (also bias add)."""
    SHIFT_ADD = "shift_add"
    """Shift and add one partial result of a bit-serial input cycle or a weight bit-slice."""
    ACTIVATION = "activation"
    """One element of ReLU / sigmoid / tanh or its derivative (backward)."""
    POOLING = "pooling"
    """One input element of a max / average / mixed pooling window."""
    NORMALIZATION = "normalization"
    """One element of local response normalisation or softmax."""
    ELEMENTWISE = "elementwise"
    """One element-wise add or multiply (residual add, LSTM gates)."""
    NM_SCALE = "nm_scale"
    """Noise/bound management: abs-max search and rescale of one input or output element."""
    PULSE_PROB = "pulse_prob"
    """Update management: pulse probability and stochastic bit-stream generation for one x or d element."""
    TRANSFER = "transfer"
    """Digital bookkeeping of compound algorithms for one element (Tiki-Taka buffer H, mixed-precision χ)."""


@dataclass(frozen=True, kw_only=True)
class DigitalUnitConfig(PartCost):
    """A digital unit of a tile (ALU, shift-and-add, activation lookup, pooling unit).

    Timing is in clock cycles of ``chip.clock_freq_mhz``: throughput = ``lanes`` ops per cycle, job latency =
    ``latency_cycles``, unless ``throughput_ops_per_ns`` / ``latency_ns`` are stated.
    """

    ops: tuple[DigitalOp, ...]
    """The op kinds this unit serves (each kind is served by at most one unit of a tile)."""
    count: int | None = None
    """Instances per tile; they share the work of their op kinds."""
    lanes: int | None = None
    """Ops one instance completes per clock cycle."""
    latency_cycles: int | None = None
    """Pipeline latency added once per job, in clock cycles."""
    throughput_ops_per_ns: float | None = None
    """Ops per ns of one instance (resolved: lanes x clock in GHz)."""
    latency_ns: float | None = None
    """Pipeline latency added once per job (ns; resolved: latency_cycles x clock period)."""
    energy_pj: float | None = None
    """Energy of one op (pJ)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.ops:
            _fail("ops", "at least one op kind", self.ops, hint="valid: " + ", ".join(o.value for o in DigitalOp))
        if len(set(self.ops)) != len(self.ops):
            _fail("ops", "distinct op kinds", [o.value for o in self.ops])
        _integer(self, "count", maximum=MAX_COUNT)
        _integer(self, "lanes", maximum=MAX_COUNT)
        _integer(self, "latency_cycles", minimum=0, maximum=1 << 16)
        _number(self, "throughput_ops_per_ns", minimum=MIN_OPS_PER_NS, maximum=1e6)
        _number(self, "latency_ns", maximum=MAX_TIME_NS)
        _number(self, "energy_pj", maximum=MAX_ENERGY_PJ)


@dataclass(frozen=True, kw_only=True)
class BufferConfig(PartCost):
    """A tile's activation buffer (SRAM / eDRAM) holding layer inputs and outputs between MVMs.

    Bandwidth is ``width_bits x ports`` per clock cycle unless ``bandwidth_gbps`` is stated.
    """

    count: int | None = None
    """Instances per tile (capacity and bandwidth below are per instance)."""
    capacity_bytes: int | None = None
    """Capacity of one instance (bytes)."""
    width_bits: int | None = None
    """Access width of one port (bits)."""
    ports: int | None = None
    """Read/write ports of one instance."""
    bandwidth_gbps: float | None = None
    """Read/write port bandwidth of one instance (Gbit/s; resolved: width_bits x ports x clock)."""
    latency_cycles: int | None = None
    """Access latency in clock cycles."""
    latency_ns: float | None = None
    """Access latency (ns; resolved: latency_cycles x clock period)."""
    read_energy_pj_per_bit: float | None = None
    """Energy per bit read (pJ/bit)."""
    write_energy_pj_per_bit: float | None = None
    """Energy per bit written (pJ/bit)."""
    spill: SpillPolicy = SpillPolicy.OFFCHIP
    """Engine: activations that do not fit go off-chip (``offchip``) or stall their producer (``stall``)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _integer(self, "count", maximum=MAX_COUNT)
        _integer(self, "capacity_bytes", maximum=MAX_CAPACITY_BYTES)
        _integer(self, "width_bits", maximum=1 << 16)
        _integer(self, "ports", maximum=64)
        _integer(self, "latency_cycles", minimum=0, maximum=1 << 16)
        _number(self, "bandwidth_gbps", minimum=MIN_BANDWIDTH_GBPS, maximum=MAX_BANDWIDTH_GBPS)
        _number(self, "latency_ns", maximum=MAX_TIME_NS)
        for name in ("read_energy_pj_per_bit", "write_energy_pj_per_bit"):
            _number(self, name, maximum=MAX_ENERGY_PJ)


@dataclass(frozen=True, kw_only=True)
class ComponentConfig(PartCost):
    """Any further part (sample-and-hold, registers, buses, I/O) counted for area, peak power and leakage.

    A part with an ``energy_pj`` is charged dynamically: it performs ``actions_per_count`` of its ``action`` for
    every count of each engine action named in ``follows`` (``PART.ACTION``, e.g. ``adc.convert``,
    ``dac.convert``, ``buffer.read_bytes``; see :func:`archsim.cost.energy.countable_actions`). An energy without
    ``follows`` (or ``follows`` without an energy) is a load-time error: every action is priced, nothing is
    invented.
    """

    count: int | None = None
    """Instances per tile (in ``tile.components``) or per chip (in ``chip.components``)."""
    action: str = "access"
    """Name of the action ``energy_pj`` prices (``sample``, ``read``, ``write``, ``transfer``, ...)."""
    follows: tuple[str, ...] = ()
    """The engine counts this part's action follows, as ``PART.ACTION``."""
    actions_per_count: float | None = None
    """Actions of this part per followed count (e.g. 1/48 bus transfers per byte of a 384-bit bus)."""
    energy_pj: float | None = None
    """Energy of one action of one instance (pJ)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _integer(self, "count", minimum=0, maximum=MAX_COUNT)
        _number(self, "energy_pj", maximum=MAX_ENERGY_PJ)
        _number(self, "actions_per_count", strict=True, maximum=1e9)
        for f in self.follows:
            if not isinstance(f, str) or f.count(".") != 1:
                _fail("follows", "PART.ACTION names (e.g. adc.convert)", f)


# ------------------------------------------------------------------------------------------------ crossbar


@dataclass(frozen=True, kw_only=True)
class CrossbarConfig(PartCost):
    """One crossbar array: numerics (``rpu``) plus timing and energy of its analog operations.

    ``power_mw`` / ``area_um2`` are per array (the cells and their line drivers, without DACs/ADCs).
    """

    rpu: RPUConfig = field(default_factory=RPUConfig)
    """Numerics of the array: device model, forward/backward IO, pulsed update, training algorithm.
    Accepts ``preset: NAME`` with an aihwkit preset name (``hwconfig.rpu.PRESETS``). The IO resolutions
    ``inp_res``/``out_res`` are derived from the converters (``tile.dac.bits``/``crossbar.input_bits``,
    ``tile.adc.bits``) when the file does not state them; stated values must agree with the converters."""
    integration_ns: float | None = None
    """Forward analog integration (read) time of one input pass (ns); RPU 2016: ~80 ns."""
    backward_integration_ns: float | None = None
    """Backward (transposed) integration time (ns); None = same as forward."""
    overlap_stages: bool = False
    """Pipeline DAC, integration and ADC across consecutive passes (sample-and-hold between stages)."""
    input_bits: int | None = None
    """Digital input precision. None: one DAC conversion per input (pulse-width/amplitude coded);
    otherwise inputs are streamed in ``ceil(input_bits / dac.bits)`` passes (ISAAC: 16-bit over 1-bit DACs)."""
    weight_bits: int | None = None
    """Digital weight precision for bit-sliced inference chips; None: one analog device (pair) per weight.
    Slices per weight = ceil(weight_bits / tile.bits_per_cell)."""
    pulse_ns: float | None = None
    """Duration (period) of one update pulse slot (ns); an update takes BL pulse slots (training chips)."""
    update_setup_ns: float | None = None
    """Fixed time per vector update on top of the pulses (bit-stream generation, line charging) (ns)."""
    read_energy_pj: float | None = None
    """Analog energy of one full-array integration pass, all rows driven (pJ); the engine scales it by the
    fraction of the array a block uses."""
    update_energy_pj: float | None = None
    """Energy of one coincidence (one pulse applied to one device) (pJ)."""
    update_line_energy_pj: float | None = None
    """Energy of driving one pulse slot on one row or column line during an update (pJ)."""
    rows_per_read: int | None = None
    """Engine: rows activated together in one read; None = all rows. A block of N rows takes ceil(N / R) reads
    per input pass, each converting its columns (NeuroSim's partial row activation)."""
    rows_per_write: int | None = None
    """Engine: rows programmed together when crossbars are rewritten (``mapping.overflow: reprogram``), each
    write step lasting ``pulse_ns``; None = one row at a time."""
    write_energy_pj: float | None = None
    """Energy of programming one cell when crossbars are rewritten (pJ); required with
    ``mapping.overflow: reprogram``."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.rpu, RPUConfig):
            _fail("rpu", "an RPUConfig", type(self.rpu).__name__)
        _number(self, "integration_ns", strict=True, maximum=MAX_TIME_NS)
        _number(self, "backward_integration_ns", strict=True, maximum=MAX_TIME_NS)
        if not isinstance(self.overlap_stages, bool):
            _fail("overlap_stages", "true or false", self.overlap_stages)
        for name in ("input_bits", "weight_bits"):
            _integer(self, name, minimum=1, maximum=64)
        for name in ("pulse_ns", "update_setup_ns"):
            _number(self, name, maximum=MAX_TIME_NS)
        for name in ("read_energy_pj", "update_energy_pj", "update_line_energy_pj", "write_energy_pj"):
            _number(self, name, maximum=MAX_ENERGY_PJ)
        for name in ("rows_per_read", "rows_per_write"):
            _integer(self, name, maximum=MAX_LINES)

    @property
    def backward_ns(self) -> float:
        """Backward integration time, defaulting to the forward one."""
        out = self.integration_ns if self.backward_integration_ns is None else self.backward_integration_ns
        assert out is not None, "an unresolved hardware configuration (load it with load_hardware)"
        return out

    @property
    def trains(self) -> bool:
        """Whether the array has a pulsed update path (``rpu.update.pulse_type`` is not ``none``)."""
        return str(self.rpu.update.pulse_type.value) != "none"


# ------------------------------------------------------------------------------------------------ tile


@dataclass(frozen=True, kw_only=True)
class TileConfig:
    """One tile: crossbar geometry, converter banks, digital units, buffer and further parts."""

    n_rows: int | None = None
    """Rows of one crossbar (inputs, driven by DACs)."""
    n_cols: int | None = None
    """Columns of one crossbar (outputs, read by ADCs)."""
    n_crossbars: int | None = None
    """Crossbar arrays per tile."""
    bits_per_cell: int | None = None
    """Bits stored per cell for bit-sliced weights (ISAAC: 2); only with ``crossbar.weight_bits`` (an analog weight
    sits in one device or pair)."""
    dac: DacConfig = field(default_factory=DacConfig)
    """The DACs of every crossbar (per-instance figures; counts follow from ``rows_per_dac``)."""
    adc: AdcConfig = field(default_factory=AdcConfig)
    """The ADCs of every crossbar (per-instance figures; counts follow from ``columns_per_adc``)."""
    digital: dict[str, DigitalUnitConfig] = field(default_factory=dict)
    """Digital units by name; each serves the op kinds listed in its ``ops``."""
    buffer: BufferConfig = field(default_factory=BufferConfig)
    """The tile's activation buffer."""
    components: dict[str, ComponentConfig] = field(default_factory=dict)
    """Further parts per tile by name (sample-and-hold, input/output registers, buses)."""
    adc_pools: tuple[AdcPoolConfig, ...] = ()
    """Engine: ADCs shared by several crossbars; crossbars no pool lists have their own ``adcs_per_crossbar``
    ADCs (:func:`adc_pool_layout`)."""

    def __post_init__(self) -> None:
        _integer(self, "n_rows", maximum=MAX_LINES)
        _integer(self, "n_cols", maximum=MAX_LINES)
        _integer(self, "n_crossbars", maximum=MAX_COUNT)
        _integer(self, "bits_per_cell", maximum=16)
        seen: dict[DigitalOp, str] = {}
        for name, unit in self.digital.items():
            for op in unit.ops:
                if op in seen:
                    _fail(f"digital.{name}.ops", f"op kinds not already served by digital.{seen[op]}", op.value)
                seen[op] = name
        _check_adc_pools(self)

    @property
    def dacs_per_crossbar(self) -> int:
        """DACs of one crossbar: ceil(n_rows / rows_per_dac)."""
        return math.ceil(self.n_rows / self.dac.rows_per_dac)

    @property
    def adcs_per_crossbar(self) -> int:
        """ADCs of one crossbar: ceil(n_cols / columns_per_adc)."""
        return math.ceil(self.n_cols / self.adc.columns_per_adc)

    @property
    def n_adcs(self) -> int:
        """ADCs of the tile: the pools' ADCs plus ``adcs_per_crossbar`` for every crossbar outside a pool."""
        return sum(n for _, n in adc_pool_layout(self))

    def unit_for(self, op: DigitalOp | str) -> tuple[str, DigitalUnitConfig] | None:
        """The ``(name, unit)`` serving op kind ``op``, or None if this tile has no unit for it."""
        kind = DigitalOp(op)
        for name, unit in self.digital.items():
            if kind in unit.ops:
                return name, unit
        return None


# ------------------------------------------------------------------------------------------------ chip level


@dataclass(frozen=True, kw_only=True)
class ChipConfig:
    """Chip-level figures."""

    n_tiles: int | None = None
    """Number of tiles."""
    clock_freq_mhz: float | None = None
    """Digital clock (MHz): the cycle of the digital units, buffers and routers (their cycle counts become ns)."""
    technology_nm: float | None = None
    """Technology node (nm): the node component models scale their figures to (Stillmaker & Baas 2017)."""
    components: dict[str, ComponentConfig] = field(default_factory=dict)
    """Chip-level parts by name (global controller, I/O) with per-chip counts."""
    power_gate_unused_tiles: bool = True
    """Tiles that the mapping leaves empty are power-gated and leak nothing (True), or leak like used
    tiles (False). Chips are sized for the largest workload; charging a small network for the static
    power of hundreds of idle tiles would bury its dynamic energy (PUMA and ISAAC both gate idle tiles)."""

    def __post_init__(self) -> None:
        _integer(self, "n_tiles", maximum=MAX_TILES)
        _number(self, "clock_freq_mhz", minimum=MIN_FREQ_MHZ, maximum=MAX_FREQ_MHZ)
        _number(self, "technology_nm", strict=True, maximum=1000.0)

    @property
    def cycle_ns(self) -> float:
        """One clock period (ns)."""
        return 1000.0 / self.clock_freq_mhz


class Topology(str, Enum):
    """Interconnect topologies (:meth:`InterconnectConfig.build_graph`)."""

    MESH = "mesh"
    """2-D mesh of routers, one tile per router (``tiles_per_router`` = 1)."""
    CMESH = "cmesh"
    """Concentrated mesh: ``tiles_per_router`` tiles share each router (ISAAC: 4)."""
    BUS = "bus"
    """One shared bus node connecting all tiles."""
    EDGES = "edges"
    """Explicit tile-to-tile links listed in ``edges``."""


@dataclass(frozen=True, kw_only=True)
class RouterConfig(PartCost):
    """One router (mesh / c-mesh); power and area are per router (shared by ``tiles_per_router`` tiles)."""

    ports: int | None = None
    """Ports per router: an input of the ``router.from_power`` model (full-activity power spread over
    ``ports x flit_bits`` per cycle); the event engine does not model port contention, so a router whose
    ``energy_pj_per_bit`` is stated leaves it out."""
    energy_pj_per_bit: float | None = None
    """Energy per bit passing through one router (pJ/bit)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _integer(self, "ports", maximum=64)
        _number(self, "energy_pj_per_bit", maximum=MAX_ENERGY_PJ)


@dataclass(frozen=True, kw_only=True)
class InterconnectConfig:
    """The on-chip network between tiles (and the off-chip port).

    Link bandwidth is ``flit_bits x link_freq_mhz`` unless ``link_bandwidth_gbps`` is stated; the wire energy per
    hop comes from ``link_model`` (``link.wire``: per-mm energy x router pitch) unless stated.
    """

    topology: Topology = Topology.MESH
    """Graph shape: mesh, cmesh, bus or edges."""
    dims: tuple[int, int] | None = None
    """Router grid (rows, cols) for mesh/cmesh; None = the most square grid that fits all tiles."""
    tiles_per_router: int = 1
    """Tiles attached to one router (mesh: 1; c-mesh: e.g. 4)."""
    edges: tuple[tuple[int, int], ...] = ()
    """Tile-id pairs linked directly (topology ``edges`` only)."""
    flit_bits: int | None = None
    """Link width / flit size (bits)."""
    link_freq_mhz: float | None = None
    """Clock of one link (MHz): a link moves one flit per cycle."""
    link_bandwidth_gbps: float | None = None
    """Bandwidth of one link direction (Gbit/s; resolved: flit_bits x link_freq_mhz)."""
    hop_latency_ns: float | None = None
    """Latency of one hop, router pipeline plus wire (ns)."""
    energy_pj_per_bit_hop: float | None = None
    """Wire energy per bit per hop (pJ/bit); router traversal energy is in ``router.energy_pj_per_bit``."""
    link_model: str | None = None
    """Component model of the wire energy (``link.wire``)."""
    link_params: dict[str, float] = field(default_factory=dict)
    """Inputs of ``link_model`` (``wire_energy_pj_per_bit_mm``)."""
    router: RouterConfig = field(default_factory=RouterConfig)
    """Per-router figures (mesh / c-mesh)."""
    offchip_attach: int = 0
    """Tile id whose router (or the bus) connects the off-chip interface."""

    def __post_init__(self) -> None:
        if self.dims is not None:
            if len(self.dims) != 2 or any(isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 256
                                          for d in self.dims):
                _fail("dims", "two integers in [1, 256] [rows, cols]", self.dims)
        _integer(self, "tiles_per_router", maximum=64)
        _integer(self, "flit_bits", maximum=4096)
        _number(self, "link_freq_mhz", minimum=MIN_FREQ_MHZ, maximum=MAX_FREQ_MHZ)
        _number(self, "link_bandwidth_gbps", minimum=MIN_BANDWIDTH_GBPS, maximum=MAX_BANDWIDTH_GBPS)
        _number(self, "hop_latency_ns", maximum=MAX_TIME_NS)
        _number(self, "energy_pj_per_bit_hop", maximum=MAX_ENERGY_PJ)
        _integer(self, "offchip_attach", minimum=0, maximum=MAX_TILES)
        for edge in self.edges:
            if len(edge) != 2 or edge[0] == edge[1] or min(edge) < 0:
                _fail("edges", "pairs of two different tile ids >= 0", list(edge))
        if self.topology is Topology.EDGES and not self.edges:
            _fail("edges", "at least one [a, b] pair for topology 'edges'", [])
        if self.topology is not Topology.EDGES and self.edges:
            _fail("edges", "no edges unless topology is 'edges'", [list(e) for e in self.edges])
        if self.topology is Topology.MESH and self.tiles_per_router != 1:
            _fail("tiles_per_router", "1 for topology 'mesh' (use 'cmesh' to share routers)", self.tiles_per_router)

    @property
    def has_routers(self) -> bool:
        """Whether the topology has routers (mesh / c-mesh)."""
        return self.topology in (Topology.MESH, Topology.CMESH)

    def n_routers(self, n_tiles: int) -> int:
        """Routers for ``n_tiles`` tiles (0 for bus and edges)."""
        if self.topology in (Topology.BUS, Topology.EDGES):
            return 0
        rows, cols = self.grid(n_tiles)
        return rows * cols

    def grid(self, n_tiles: int) -> tuple[int, int]:
        """Router grid (rows, cols) for ``n_tiles`` tiles: ``dims`` or the most square fit."""
        needed = math.ceil(n_tiles / self.tiles_per_router)
        if self.dims is not None:
            return self.dims
        cols = math.ceil(math.sqrt(needed))
        rows = math.ceil(needed / cols)
        return rows, cols

    def build_graph(self, n_tiles: int) -> nx.Graph:
        """The interconnect as an undirected ``networkx.Graph``.

        Nodes: ``("tile", i)`` for every tile, ``("router", r)`` for mesh/c-mesh routers, ``("bus", 0)`` for
        a bus, and ``("offchip", 0)``. Every edge has ``kind`` (``link``: router–router or tile–tile,
        ``local``: tile–router or tile–bus, ``offchip``), ``bandwidth_gbps``, ``latency_ns`` and
        ``energy_pj_per_bit``. Router nodes carry ``energy_pj_per_bit`` of a traversal.

        Args:
            n_tiles: tile count (``chip.n_tiles``; :meth:`HardwareConfig.build_graph` passes it).

        Raises:
            ConfigError: if the tiles do not fit the router grid or an edge names a missing tile.
        """
        g = nx.Graph(topology=self.topology.value)
        link = {"bandwidth_gbps": self.link_bandwidth_gbps, "latency_ns": self.hop_latency_ns,
                "energy_pj_per_bit": self.energy_pj_per_bit_hop}
        local = {"bandwidth_gbps": self.link_bandwidth_gbps, "latency_ns": 0.0, "energy_pj_per_bit": 0.0}
        for i in range(n_tiles):
            g.add_node(("tile", i))
        if self.topology in (Topology.MESH, Topology.CMESH):
            rows, cols = self.grid(n_tiles)
            if rows * cols * self.tiles_per_router < n_tiles:
                raise ConfigError(
                    f"interconnect.dims: a {rows}x{cols} router grid with {self.tiles_per_router} tile(s) per router "
                    f"holds {rows * cols * self.tiles_per_router} tiles, chip.n_tiles is {n_tiles}",
                    hint="enlarge dims or leave dims out to size the grid automatically")
            for r in range(rows * cols):
                g.add_node(("router", r), row=r // cols, col=r % cols,
                           energy_pj_per_bit=self.router.energy_pj_per_bit)
                if r % cols:
                    g.add_edge(("router", r - 1), ("router", r), kind="link", **link)
                if r >= cols:
                    g.add_edge(("router", r - cols), ("router", r), kind="link", **link)
            for i in range(n_tiles):
                g.add_edge(("tile", i), ("router", i // self.tiles_per_router), kind="local", **local)
            attach: tuple[str, int] = ("router", self.offchip_attach // self.tiles_per_router)
        elif self.topology is Topology.BUS:
            g.add_node(("bus", 0))
            for i in range(n_tiles):
                g.add_edge(("tile", i), ("bus", 0), kind="local", **link)
            attach = ("bus", 0)
        else:
            for a, b in self.edges:
                if max(a, b) >= n_tiles:
                    raise ConfigError(f"interconnect.edges: edge [{a}, {b}] names tile {max(a, b)}, "
                                      f"but the chip has tiles 0..{n_tiles - 1}")
                g.add_edge(("tile", a), ("tile", b), kind="link", **link)
            attach = ("tile", self.offchip_attach)
        if self.offchip_attach >= n_tiles:
            raise ConfigError(f"interconnect.offchip_attach: expected a tile id < {n_tiles}, got {self.offchip_attach}")
        g.add_node(("offchip", 0))
        g.add_edge(("offchip", 0), attach, kind="offchip", **local)
        return g


@dataclass(frozen=True, kw_only=True)
class OffchipConfig(PartCost):
    """Off-chip memory interface (DRAM / HBM / HyperTransport); power and area are for the whole interface.

    Area and power may be zero (an off-chip memory outside the die, charged per bit only).
    """

    bandwidth_gbps: float | None = None
    """Total bandwidth (Gbit/s)."""
    latency_ns: float | None = None
    """Access latency (ns)."""
    energy_pj_per_bit: float | None = None
    """Energy per bit transferred (pJ/bit)."""
    max_outstanding: int = 16
    """Engine: requests in flight at once; their latencies overlap while the data moves one transfer at a
    time at ``bandwidth_gbps`` (16: an assumed DRAM controller queue depth)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _number(self, "bandwidth_gbps", minimum=MIN_BANDWIDTH_GBPS, maximum=MAX_BANDWIDTH_GBPS)
        _number(self, "latency_ns", maximum=MAX_TIME_NS)
        _number(self, "energy_pj_per_bit", maximum=MAX_ENERGY_PJ)
        _integer(self, "max_outstanding")


# ------------------------------------------------------------------------------------------------ top level


@dataclass(frozen=True)
class InventoryItem:
    """One line of the part inventory: ``count`` instances at ``scope`` (``tile`` = per tile, ``chip``)."""

    scope: str
    """``tile`` (count per tile) or ``chip`` (count per chip)."""
    name: str
    """Part name (``crossbar``, ``dac``, ``adc``, ``buffer``, ``router``, a digital unit or component name)."""
    count: float
    """Instances per scope (fractional for shared parts: a router shared by 4 tiles counts 0.25 per tile)."""
    power_mw: float
    """Published power of one instance (mW)."""
    area_um2: float
    """Area of one instance (µm²)."""
    leakage_mw: float
    """Leakage of one instance (mW)."""

    @property
    def total_power_mw(self) -> float:
        """count × power_mw."""
        return self.count * self.power_mw

    @property
    def total_area_um2(self) -> float:
        """count × area_um2."""
        return self.count * self.area_um2

    @property
    def total_leakage_mw(self) -> float:
        """count × leakage_mw."""
        return self.count * self.leakage_mw


@dataclass(frozen=True, kw_only=True)
class HardwareConfig:
    """A complete hardware description (the top level of ``hwconfigs/*.yaml``)."""

    version: int = 1
    """Schema version of the file (required in YAML)."""
    name: str
    """Short name of the configuration."""
    description: str = ""
    """What this configuration models and where its numbers come from."""
    chip: ChipConfig = field(default_factory=ChipConfig)
    """Chip-level figures."""
    tile: TileConfig = field(default_factory=TileConfig)
    """Tile organisation and peripherals."""
    crossbar: CrossbarConfig = field(default_factory=CrossbarConfig)
    """Crossbar numerics, timing and energy."""
    interconnect: InterconnectConfig = field(default_factory=InterconnectConfig)
    """On-chip network."""
    offchip: OffchipConfig = field(default_factory=OffchipConfig)
    """Off-chip memory interface."""
    mapping: MappingPolicyConfig = field(default_factory=MappingPolicyConfig)
    """How a network larger than the chip runs (``overflow``)."""
    provenance: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    """Where every resolved numeric field came from: dotted path -> ``explicit``, ``model NAME``, ``derived: ...``
    (set by :func:`archsim.hwconfig.resolve.resolve_hardware`; empty for a configuration built in Python)."""

    def __post_init__(self) -> None:
        if isinstance(self.version, bool) or self.version not in SUPPORTED_VERSIONS:
            _fail("version", "one of " + ", ".join(map(str, SUPPORTED_VERSIONS)), self.version,
                  hint="this archsim reads hardware schema version 1")
        if not isinstance(self.name, str) or not self.name:
            _fail("name", "a non-empty string", self.name)
        _check_engine_fields(self)

    @property
    def input_cycles(self) -> int:
        """Input passes per MVM: ceil(crossbar.input_bits / tile.dac.bits), or 1 without input_bits."""
        bits = self.crossbar.input_bits
        return 1 if bits is None else math.ceil(bits / self.tile.dac.bits)

    @property
    def weight_slices(self) -> int:
        """Cells per weight for bit-sliced weights: ceil(crossbar.weight_bits / tile.bits_per_cell), or 1."""
        bits = self.crossbar.weight_bits
        return 1 if bits is None else math.ceil(bits / self.tile.bits_per_cell)

    @property
    def crossbars_total(self) -> int:
        """Crossbar arrays on the chip."""
        return self.chip.n_tiles * self.tile.n_crossbars

    def build_graph(self) -> nx.Graph:
        """Shorthand for ``self.interconnect.build_graph(self.chip.n_tiles)``."""
        return self.interconnect.build_graph(self.chip.n_tiles)

    def inventory(self) -> tuple[InventoryItem, ...]:
        """Every part with its count: per-tile items (scope ``tile``) then chip items (scope ``chip``).

        Tile items: crossbars, DACs (n_crossbars × dacs_per_crossbar), ADCs, the buffer, digital units,
        components, and the tile's share of a router (1 / tiles_per_router). Chip items: chip components and
        the off-chip interface. Peak chip power = n_tiles × Σ tile totals + Σ chip totals (likewise area).
        """
        t = self.tile
        items = [
            InventoryItem("tile", "crossbar", t.n_crossbars, self.crossbar.power_mw, self.crossbar.area_um2,
                          self.crossbar.leakage_mw),
            InventoryItem("tile", "dac", t.n_crossbars * t.dacs_per_crossbar, t.dac.power_mw, t.dac.area_um2,
                          t.dac.leakage_mw),
            InventoryItem("tile", "adc", t.n_adcs, t.adc.power_mw, t.adc.area_um2,
                          t.adc.leakage_mw),
            InventoryItem("tile", "buffer", t.buffer.count, t.buffer.power_mw, t.buffer.area_um2,
                          t.buffer.leakage_mw),
        ]
        for name, unit in t.digital.items():
            items.append(InventoryItem("tile", name, unit.count, unit.power_mw, unit.area_um2, unit.leakage_mw))
        for name, part in t.components.items():
            items.append(InventoryItem("tile", name, part.count, part.power_mw, part.area_um2, part.leakage_mw))
        ic = self.interconnect
        if ic.has_routers:
            r = ic.router
            share = ic.n_routers(self.chip.n_tiles) / self.chip.n_tiles
            items.append(InventoryItem("tile", "router", share, r.power_mw, r.area_um2, r.leakage_mw))
        for name, part in self.chip.components.items():
            items.append(InventoryItem("chip", name, part.count, part.power_mw, part.area_um2, part.leakage_mw))
        o = self.offchip
        items.append(InventoryItem("chip", "offchip", 1, o.power_mw, o.area_um2, o.leakage_mw))
        return tuple(items)

    def peak_power_mw(self, scope: str = "chip") -> float:
        """Roll-up of published powers: one tile (``scope='tile'``) or the whole chip."""
        tile = sum(i.total_power_mw for i in self.inventory() if i.scope == "tile")
        if scope == "tile":
            return tile
        return self.chip.n_tiles * tile + sum(i.total_power_mw for i in self.inventory() if i.scope == "chip")

    def area_um2(self, scope: str = "chip") -> float:
        """Roll-up of areas: one tile (``scope='tile'``) or the whole chip (µm²)."""
        tile = sum(i.total_area_um2 for i in self.inventory() if i.scope == "tile")
        if scope == "tile":
            return tile
        return self.chip.n_tiles * tile + sum(i.total_area_um2 for i in self.inventory() if i.scope == "chip")

    def summary(self) -> dict[str, Any]:
        """A short, JSON-ready summary for ``archsim validate``."""
        return {
            "name": self.name,
            "n_tiles": self.chip.n_tiles,
            "crossbar": f"{self.tile.n_rows}x{self.tile.n_cols}",
            "crossbars_per_tile": self.tile.n_crossbars,
            "crossbars_total": self.crossbars_total,
            "device": self.crossbar.rpu.device.kind,
            "algorithm": self.crossbar.rpu.algorithm.kind,
            "adc_bits": self.tile.adc.bits,
            "dac_bits": self.tile.dac.bits,
            "topology": self.interconnect.topology.value,
            "peak_power_mw": round(self.peak_power_mw(), 6),
            "area_mm2": round(self.area_um2() / 1e6, 6),
        }
