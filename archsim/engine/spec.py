"""Engine-side component specifications: the few numbers each simulated component needs.

These small frozen dataclasses decouple the SimPy model from the YAML schema: :mod:`archsim.engine.build`
lowers a :class:`~archsim.hwconfig.schema.HardwareConfig` into them once, at elaboration, and tests build
them by hand. Times are in ns, sizes in bytes, bandwidths in bytes/ns (= GB/s).

Analytic MVM model (one vector on one block of ``rows x cols``, nothing contending)::

    reads  = ceil(rows / rows_per_read)            (1 when every row is activated at once)
    t_dac  = dac.conversions(ceil(rows / reads)) * dac.conversion_ns
    t_int  = integrate_ns (forward) or backward_integrate_ns (backward)
    t_adc  = adc.conversions(cols) * adc.conversion_ns
    pass   = t_dac + t_int + t_adc                 (one read of one input bit plane)

where ``conversions(L)`` is ``ceil(L / n_units)`` for evenly spread lines, and ``min(k, L)`` (at least the
even spread) when each converter multiplexes ``k`` adjacent lines and the block starts at line 0. Forward
drives the rows and reads the columns; backward drives the columns and reads the rows (``rows_per_read``
then limits the driven columns). A vector takes ``input_cycles`` bit-serial passes times the mean number
of bound-management passes, each of ``reads`` reads. For ``n`` reads in a row, without ``overlap`` they run
back to back (``n * pass``); with ``overlap`` (sample-and-hold between the array and the ADCs) the three
stages form a pipeline, ``pass + (n - 1) * max(t_dac, t_int, t_adc)``.

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
    """A bank of identical converters (DACs of one crossbar, or an ADC pool)."""

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
    """Timing of one crossbar array with its DAC bank and (its own) ADC pool."""

    n_rows: int
    """Rows (inputs, driven by DACs)."""
    n_cols: int
    """Columns (outputs, read by ADCs)."""
    dac: ConverterSpec
    """DAC bank of one crossbar."""
    adc: ConverterSpec
    """ADC pool of one crossbar (a shared pool is given per tile, :attr:`TileSpec.adc_pools`)."""
    integrate_ns: float
    """Forward integration (read) time of one input cycle."""
    backward_integrate_ns: float | None = None
    """Backward integration time; None = same as forward."""
    input_cycles: int = 1
    """Passes per vector (input bits / DAC bits for bit-serial inputs)."""
    overlap: bool = False
    """Pipeline DAC, integration and ADC across consecutive reads (sample-and-hold between stages)."""
    rows_per_read: int | None = None
    """Lines activated together in one read; None = all."""
    pulse_ns: float = 1.0
    """Duration of one update pulse (and of one programming write step)."""
    update_setup_ns: float = 0.0
    """Fixed time per vector update (pulse-train generation, line charging)."""
    rows_per_write: int = 1
    """Rows programmed together when the crossbar is rewritten."""

    def reads(self, lines: int) -> int:
        """Reads per pass over a block driving ``lines`` lines: ``ceil(lines / rows_per_read)``."""
        return 1 if self.rows_per_read is None else max(1, math.ceil(lines / self.rows_per_read))

    def stage_ns(self, rows: int, cols: int, *, backward: bool = False,
                 adc: ConverterSpec | None = None) -> tuple[float, float, float]:
        """``(t_dac, t_int, t_adc)`` of one read over a block of ``rows x cols`` (ADCs of ``adc`` if given)."""
        pool = self.adc if adc is None else adc
        if backward:
            integrate = self.integrate_ns if self.backward_integrate_ns is None else self.backward_integrate_ns
            drive, read = cols, rows
        else:
            integrate, drive, read = self.integrate_ns, rows, cols
        per_read = math.ceil(drive / self.reads(drive))
        return self.dac.time_ns(per_read), integrate, pool.time_ns(read)

    def read_count(self, rows: int, cols: int, passes: float, *, backward: bool = False) -> float:
        """Reads of ``passes`` passes over a block (``passes * reads``)."""
        return passes * self.reads(cols if backward else rows)

    def mvm_ns(self, rows: int, cols: int, passes: float, *, backward: bool = False,
               adc: ConverterSpec | None = None) -> float:
        """Time of ``passes`` MVM passes (may be fractional: mean BM re-runs) on one block."""
        if passes <= 0:
            return 0.0
        stages = self.stage_ns(rows, cols, backward=backward, adc=adc)
        n = self.read_count(rows, cols, passes, backward=backward)
        total = sum(stages)
        if self.overlap:
            return total + (n - 1.0) * max(stages) if n >= 1 else n * total
        return n * total

    def pooled_ns(self, blocks: list[tuple[int, int]], passes: float, *, backward: bool = False,
                  adc: ConverterSpec | None = None) -> float:
        """Time of ``passes`` passes over the ``(rows, cols)`` blocks of crossbars that share one ADC pool and
        work in lockstep (one group), each with its own DACs and array.

        One block: :meth:`mvm_ns`. Several (driving the same number of lines, so the same DAC time ``d``): the
        pool converts one crossbar's read at a time, ``C`` = the sum of their conversion times per round,
        ``c_max`` the longest. With sample-and-hold (``overlap``): ``d + I + C + (n - 1) max(d, I, C)`` for ``n``
        reads; without: ``n max(d + I + c_max, C) + (d + I if C > d + I + c_max else C - c_max)``. Both equal
        the read-by-read simulation with a first-come-first-served pool (tested); with different DAC times
        they do not, and the engine simulates those read by read.
        """
        if len(blocks) == 1:
            rows, cols = blocks[0]
            return self.mvm_ns(rows, cols, passes, backward=backward, adc=adc)
        stages = [self.stage_ns(r, c, backward=backward, adc=adc) for r, c in blocks]
        d, integrate = stages[0][0], stages[0][1]
        cs = [c for _, _, c in stages]
        big, total = max(cs), sum(cs)
        n = self.read_count(blocks[0][0], blocks[0][1], passes, backward=backward)
        if n <= 0:
            return 0.0
        if self.overlap:
            if n < 1:
                return n * (d + integrate + total)
            return d + integrate + total + (n - 1.0) * max(d, integrate, total)
        cycle = d + integrate
        return n * max(cycle + big, total) + (cycle if total > cycle + big else total - big)

    def update_ns(self, vectors: float, bl: float) -> float:
        """Time of ``vectors`` rank-one pulsed updates with mean pulse-train length ``bl``."""
        return vectors * (self.update_setup_ns + bl * self.pulse_ns)

    def program_ns(self, rows: int) -> float:
        """Time to rewrite ``rows`` rows: ``ceil(rows / rows_per_write)`` write steps of ``pulse_ns``."""
        return math.ceil(rows / self.rows_per_write) * self.pulse_ns


@dataclass(frozen=True, kw_only=True)
class DigitalSpec:
    """A tile's digital unit (NM/BM scaling, partial-sum accumulation, activation, pooling, ...)."""

    ops_per_ns: float
    """Elementwise operations per ns of all its instances together (count x lanes x clock in GHz)."""
    job_latency_ns: float = 0.0
    """Fixed latency added to every job (pipeline fill)."""

    def job_ns(self, ops: float) -> float:
        """Time of one job of ``ops`` operations."""
        return self.job_latency_ns + ops / self.ops_per_ns if ops > 0 else 0.0


@dataclass(frozen=True, kw_only=True)
class BufferSpec:
    """A tile's activation buffer."""

    capacity_bytes: int
    """Capacity (all instances of the tile)."""
    bandwidth_bytes_per_ns: float
    """Read/write port bandwidth."""
    latency_ns: float = 0.0
    """Access latency added to every read and write."""
    spill: str = "offchip"
    """``offchip``: rows that do not fit go to off-chip memory; ``stall``: the producer waits."""

    def __post_init__(self) -> None:
        if self.spill not in ("offchip", "stall"):
            raise SimulationError(f"engine: buffer spill: expected 'offchip' or 'stall', got {self.spill!r}")

    def access_ns(self, nbytes: float) -> float:
        """Port time of one access of ``nbytes`` (without the latency)."""
        return nbytes / self.bandwidth_bytes_per_ns


@dataclass(frozen=True, kw_only=True)
class LinkSpec:
    """One direction of an interconnect link (virtual cut-through, flit by flit)."""

    bandwidth_bytes_per_ns: float
    """Bandwidth in bytes/ns (= GB/s)."""
    hop_latency_ns: float = 0.0
    """Latency of the head of a packet through this hop (router pipeline + wire)."""
    flit_bytes: float = 4.0
    """Flit size (``interconnect.flit_bits / 8``); packets are whole flits."""
    flits_per_ns: float | None = None
    """Flits a router forwards per ns and port (``chip.clock_freq_mhz / 1000``: one flit per cycle);
    None = the link bandwidth alone limits."""

    def rate_bytes_per_ns(self) -> float:
        """Serialisation rate: the link bandwidth, or the router's flit rate when that is lower."""
        if self.flits_per_ns is None:
            return self.bandwidth_bytes_per_ns
        return min(self.bandwidth_bytes_per_ns, self.flit_bytes * self.flits_per_ns)

    def flits(self, nbytes: float) -> int:
        """Flits of a packet of ``nbytes`` (rounded up)."""
        return max(1, math.ceil(nbytes / self.flit_bytes - 1e-9)) if nbytes > 0 else 0

    def serialise_ns(self, nbytes: float) -> float:
        """Time the packet's flits occupy the link."""
        return self.flits(nbytes) * self.flit_bytes / self.rate_bytes_per_ns()

    def packet_ns(self, nbytes: float) -> float:
        """Time one packet takes over this single hop, nothing contending."""
        return self.hop_latency_ns + self.serialise_ns(nbytes)


@dataclass(frozen=True, kw_only=True)
class OffchipSpec:
    """Off-chip memory interface: latency, bandwidth and outstanding requests."""

    bandwidth_bytes_per_ns: float
    """Sustained bandwidth of the data pins (one transfer at a time)."""
    latency_ns: float = 0.0
    """Access latency of a request (overlaps with other requests' data transfers)."""
    max_outstanding: int = 1
    """Requests in flight at once."""

    def __post_init__(self) -> None:
        if self.max_outstanding < 1:
            raise SimulationError(f"engine: off-chip: expected max_outstanding >= 1, got {self.max_outstanding}")

    def transfer_ns(self, nbytes: float) -> float:
        """Time one transfer of ``nbytes`` takes alone: latency + bytes / bandwidth."""
        return self.latency_ns + nbytes / self.bandwidth_bytes_per_ns if nbytes > 0 else 0.0


@dataclass(frozen=True, kw_only=True)
class TileSpec:
    """One tile: ``n_crossbars`` identical crossbars with their converters, digital units and a buffer."""

    crossbar: CrossbarSpec
    """Timing of each crossbar."""
    n_crossbars: int = 1
    """Crossbars per tile."""
    digital: Mapping[str, DigitalSpec]
    """The tile's digital units by name."""
    op_unit: Mapping[str, str] = field(default_factory=dict)
    """Which unit serves each op kind (an op no unit serves is an error)."""
    buffer: BufferSpec
    """The tile's activation buffer."""
    adc_pools: tuple[tuple[tuple[int, ...], int], ...] = ()
    """Shared ADC pools ``(crossbars, n_adcs)``; crossbars not listed use their own ``crossbar.adc``."""

    def units(self) -> dict[str, DigitalSpec]:
        """Digital units by name (sorted)."""
        return dict(sorted(self.digital.items()))

    def unit_of(self, op: str) -> str:
        """Name of the unit serving op kind ``op``."""
        found = self.op_unit.get(op)
        if found is None:
            raise SimulationError(f"engine: digital op {op!r}: no digital unit of the tile serves it",
                                  hint="add it to the ops of a unit in tile.digital")
        return found

    def pool_of(self, crossbar: int) -> tuple[int, ConverterSpec]:
        """``(pool id, ADC spec)`` reading ``crossbar``: a listed pool, or the crossbar's own (id ``-1 - i``)."""
        for k, (members, n_adcs) in enumerate(self.adc_pools):
            if crossbar in members:
                return k, ConverterSpec(n_units=n_adcs, conversion_ns=self.crossbar.adc.conversion_ns,
                                        lines_per_unit=self.crossbar.adc.lines_per_unit)
        return -1 - crossbar, self.crossbar.adc
