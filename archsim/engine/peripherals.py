"""DAC banks, ADC pools, sample-and-hold and crossbar arrays, simulated read by read.

Used where converters can contend: when crossbars share an ADC pool (``tile.adc_pools``), a group's MVMs
are simulated read by read, each crossbar waiting its turn at the pool. A converter bank is a
:class:`simpy.Resource` of capacity 1: it serves one read at a time and, inside that read, its ``n_units``
converters work on ``n_units`` lines in parallel (``spec.conversions(L) x conversion_ns``). :class:`Crossbar`
strings DAC -> integration -> ADC together for each read of each pass: back to back, or (``overlap``) as a
three-stage pipeline with a one-entry sample-and-hold between the array and the ADC, so the array
integrates the next read while the pool digitises the held one. Where nothing can contend (every pool
reads one crossbar), the closed form :meth:`CrossbarSpec.mvm_ns` gives the same time (a test compares).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from archsim.engine.component import Component
from archsim.engine.env import SimEnvironment
from archsim.engine.spec import ConverterSpec, CrossbarSpec


class ConverterBank(Component):
    """A bank of DACs or a pool of ADCs; one read at a time (``simpy.Resource(capacity=1)``)."""

    def __init__(self, env: SimEnvironment, name: str, parent: Component | None, spec: ConverterSpec) -> None:
        super().__init__(env, name, parent, units=1)
        self.spec = spec
        self.resource = simpy.Resource(env, capacity=1)

    def convert(self, lines: int) -> Generator[Any, Any, None]:
        """Convert ``lines`` lines; waits for the bank, then holds it for the conversion time."""
        with self.resource.request() as req:
            yield req
            ticks = self.env.to_ticks(self.spec.time_ns(lines))
            self.trace("convert_start")
            yield self.env.timeout(ticks)
            self.trace("convert_end")
            self.add_busy(ticks)


class DacBank(ConverterBank):
    """Digital-to-analog converters driving a crossbar's input lines."""


class AdcPool(ConverterBank):
    """Analog-to-digital converters reading the columns of one or more crossbars."""


class Crossbar(Component):
    """One crossbar array with its DAC bank and the ADC pool it reads through (possibly shared).

    Args:
        spec: timing of the array.
        dac, adc: the converter banks it uses (pass the same pool to several crossbars to share it).
    """

    def __init__(self, env: SimEnvironment, name: str, parent: Component | None, spec: CrossbarSpec,
                 dac: ConverterBank, adc: ConverterBank) -> None:
        super().__init__(env, name, parent)
        self.spec = spec
        self.dac = dac
        self.adc = adc
        self.array = simpy.Resource(env, capacity=1)

    def integrate(self, ns: float) -> Generator[Any, Any, None]:
        """Hold the array for one integration (read) of ``ns``."""
        with self.array.request() as req:
            yield req
            ticks = self.env.to_ticks(ns)
            self.trace("integrate_start")
            yield self.env.timeout(ticks)
            self.trace("integrate_end")
            self.add_busy(ticks)

    def execute(self, n_passes: int, rows: int, cols: int, *, backward: bool = False) -> Generator[Any, Any, None]:
        """Run ``n_passes`` passes over a ``rows x cols`` block (each ``spec.reads(...)`` reads), read by read.

        Waits on the DAC bank, the array and the ADC pool in turn; with ``overlap`` the three stages run
        as separate processes joined by one-entry stores (the second one is the sample-and-hold).
        """
        drive, read = (cols, rows) if backward else (rows, cols)
        n_reads = n_passes * self.spec.reads(drive)
        per_read = -(-drive // self.spec.reads(drive))
        t_int = self.spec.stage_ns(rows, cols, backward=backward)[1]
        if not self.spec.overlap:
            for _ in range(n_reads):
                yield from self.dac.convert(per_read)
                yield from self.integrate(t_int)
                yield from self.adc.convert(read)
            return
        held_in: simpy.Store = simpy.Store(self.env, capacity=1)
        held_out: simpy.Store = simpy.Store(self.env, capacity=1)

        def drive_stage() -> Generator[Any, Any, None]:
            for i in range(n_reads):
                yield from self.dac.convert(per_read)
                yield held_in.put(i)

        def integrate_stage() -> Generator[Any, Any, None]:
            for _ in range(n_reads):
                i = yield held_in.get()
                yield from self.integrate(t_int)
                yield held_out.put(i)

        def read_stage() -> Generator[Any, Any, None]:
            for _ in range(n_reads):
                yield held_out.get()
                yield from self.adc.convert(read)

        procs = [self.env.process(drive_stage()), self.env.process(integrate_stage()),
                 self.env.process(read_stage())]
        yield self.env.all_of(procs)
