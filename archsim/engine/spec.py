"""Engine-side component specifications: the few numbers each simulated component needs.

These small frozen dataclasses decouple the SimPy model from the YAML schema: :mod:`archsim.engine.build`
lowers a :class:`~archsim.hwconfig.schema.HardwareConfig` into them once, at elaboration, and tests build
them by hand. Times are in ns, sizes in bytes, bandwidths in bytes/ns (= GB/s).

Analytic MVM model (one vector, one input cycle, nothing contending)::

    t_dac = dac.conversions(driven_lines) * dac.conversion_ns
    t_int = integrate_ns (forward) or backward_integrate_ns (backward)
    t_adc = adc.conversions(read_lines)   * adc.conversion_ns

where ``conversions(L)`` is ``ceil(L / n_units)`` for evenly spread lines, and ``min(k, L)`` (at least the
even spread) when each converter multiplexes ``k`` adjacent lines and the block starts at line 0.
    t_mvm = t_dac + t_int + t_adc

Forward drives the rows (inputs) and reads the columns (outputs); backward drives the columns and reads
the rows with the same converter counts. A vector takes ``input_cycles`` such passes (bit-serial inputs,
e.g. 16 for ISAAC's 1-bit DACs) times the mean number of bound-management passes. For ``n`` passes in a
row, without ``overlap`` they run back to back (``n * t_mvm``); with ``overlap`` the three stages form a
pipeline (sample-and-hold between them), so ``t_mvm + (n - 1) * max(t_dac, t_int, t_adc)``.

An update of one vector applies ``bl`` pulses of ``pulse_ns`` each plus ``update_setup_ns`` (RPU: fully
parallel outer product, constant time regardless of the array size).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from archsim.errors import SimulationError


@dataclass(frozen=True, kw_only=True)
class ConverterSpec:
    """A bank of identical converters (DACs or ADCs) serving one crossbar."""

    n_units: int
    """Converters in the bank; lines beyond this count are converted in turn."""
    conversion_ns: float
    """Time of one conversion (one line, all bits)."""
    lines_per_unit: int | None = None
    """Adjacent lines multiplexed onto each converter (``columns_per_adc``, ``rows_per_dac``); None = lines are
    spread evenly over the units."""

    def __post_init__(self) -> None:
        if self.n_units < 1 or self.conversion_ns < 0 or (self.lines_per_unit is not None and self.lines_per_unit < 1):
            raise SimulationError(f"engine: converter bank: expected n_units >= 1, conversion_ns >= 0 and "
                                  f"lines_per_unit >= 1, got {self.n_units}, {self.conversion_ns}, "
                                  f"{self.lines_per_unit}")

    def conversions(self, lines: int) -> int:
        """Conversions in series for a block on lines ``0 .. lines-1``.

        Evenly spread: ``ceil(lines / n_units)``. Multiplexed groups of ``k`` adjacent lines: a block that
        starts at line 0 fills the first groups, so the busiest converter has ``min(k, lines)`` lines (never
        fewer than the even spread).
        """
        even = math.ceil(lines / self.n_units)
        if self.lines_per_unit is None:
            return even
        return max(even, min(self.lines_per_unit, lines))

    def time_ns(self, lines: int) -> float:
        """Time to convert ``lines`` lines on this bank."""
        return self.conversions(lines) * self.conversion_ns


@dataclass(frozen=True, kw_only=True)
class CrossbarSpec:
    """Timing of one crossbar array with its DAC and ADC banks."""

    n_rows: int
    """Rows (inputs, driven by DACs)."""
    n_cols: int
    """Columns (outputs, read by ADCs)."""
    dac: ConverterSpec
    """DAC bank of one crossbar."""
    adc: ConverterSpec
    """ADC bank of one crossbar."""
    integrate_ns: float
    """Forward integration (read) time of one input cycle."""
    backward_integrate_ns: float | None = None
    """Backward integration time; None = same as forward."""
    input_cycles: int = 1
    """Passes per vector (input bits / DAC bits for bit-serial inputs)."""
    overlap: bool = False
    """Pipeline DAC, integration and ADC across consecutive passes."""
    pulse_ns: float = 1.0
    """Duration of one update pulse."""
    update_setup_ns: float = 0.0
    """Fixed time per vector update (pulse-train generation, line charging)."""

    def stage_ns(self, rows: int, cols: int, *, backward: bool = False) -> tuple[float, float, float]:
        """``(t_dac, t_int, t_adc)`` of one pass over a block of ``rows x cols``."""
        if backward:
            integrate = self.backward_integrate_ns
            if integrate is None:
                integrate = self.integrate_ns
            return self.dac.time_ns(cols), integrate, self.adc.time_ns(rows)
        return self.dac.time_ns(rows), self.integrate_ns, self.adc.time_ns(cols)

    def mvm_ns(self, rows: int, cols: int, passes: float, *, backward: bool = False) -> float:
        """Time of ``passes`` MVM passes (may be fractional: mean BM re-runs) on one block."""
        if passes <= 0:
            return 0.0
        stages = self.stage_ns(rows, cols, backward=backward)
        total = sum(stages)
        if self.overlap:
            return total + (passes - 1.0) * max(stages) if passes >= 1 else passes * total
        return passes * total

    def update_ns(self, vectors: float, bl: float) -> float:
        """Time of ``vectors`` rank-one pulsed updates with mean pulse-train length ``bl``."""
        return vectors * (self.update_setup_ns + bl * self.pulse_ns)


@dataclass(frozen=True, kw_only=True)
class DigitalSpec:
    """A tile's digital unit (NM/BM scaling, partial-sum accumulation, activation, pooling, ...)."""

    ops_per_ns: float
    """Elementwise operations per ns (lanes x clock in GHz)."""
    job_latency_ns: float = 0.0
    """Fixed latency added to every job (pipeline fill)."""

    def job_ns(self, ops: float) -> float:
        """Time of one job of ``ops`` operations."""
        return self.job_latency_ns + ops / self.ops_per_ns if ops > 0 else 0.0


@dataclass(frozen=True, kw_only=True)
class BufferSpec:
    """A tile's activation buffer."""

    capacity_bytes: int
    """Capacity; the number of whole-sample entries it holds sets back-pressure."""
    bandwidth_bytes_per_ns: float
    """Read/write port bandwidth."""


@dataclass(frozen=True, kw_only=True)
class LinkSpec:
    """One direction of an interconnect link (store-and-forward, one packet at a time)."""

    bandwidth_bytes_per_ns: float
    """Bandwidth in bytes/ns (= GB/s)."""
    hop_latency_ns: float = 0.0
    """Router + wire latency per hop."""

    def packet_ns(self, nbytes: float) -> float:
        """Time a packet of ``nbytes`` occupies the link."""
        return self.hop_latency_ns + nbytes / self.bandwidth_bytes_per_ns


@dataclass(frozen=True, kw_only=True)
class OffchipSpec:
    """Off-chip memory interface."""

    bandwidth_bytes_per_ns: float
    """Sustained bandwidth."""
    latency_ns: float = 0.0
    """Access latency per transfer."""

    def transfer_ns(self, nbytes: float) -> float:
        """Time one transfer of ``nbytes`` occupies the interface."""
        return self.latency_ns + nbytes / self.bandwidth_bytes_per_ns if nbytes > 0 else 0.0


@dataclass(frozen=True, kw_only=True)
class TileSpec:
    """One tile: ``n_crossbars`` identical crossbars with their converters, a digital unit and a buffer."""

    crossbar: CrossbarSpec
    """Timing of each crossbar."""
    n_crossbars: int = 1
    """Crossbars per tile."""
    digital: DigitalSpec | Mapping[str, DigitalSpec]
    """The tile's digital unit, or its units by name."""
    op_unit: Mapping[str, str] = field(default_factory=dict)
    """Which unit serves each op kind; kinds not listed go to the first unit (sorted by name)."""
    buffer: BufferSpec
    """The tile's activation buffer."""

    def units(self) -> dict[str, DigitalSpec]:
        """Digital units by name."""
        if isinstance(self.digital, DigitalSpec):
            return {"digital": self.digital}
        return dict(sorted(self.digital.items()))

    def unit_of(self, op: str) -> str:
        """Name of the unit serving op kind ``op``."""
        found = self.op_unit.get(op)
        return found if found is not None else next(iter(self.units()))
