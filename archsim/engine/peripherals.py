"""DAC and ADC banks and a single crossbar array, simulated pass by pass (fine mode).

A converter bank is one :class:`simpy.Resource` of capacity 1: it serves one MVM pass at a time and,
inside that pass, its ``n_units`` converters work on ``n_units`` lines in parallel, so a pass of ``L``
lines holds the bank for ``spec.conversions(L) x conversion_ns`` (``ceil(L / n_units)``, or ``min(k, L)`` for
converters that each multiplex ``k`` adjacent lines). Two crossbars sharing one bank
therefore serialise on it. :class:`Crossbar` strings DAC -> integration -> ADC together for each pass
of each vector: back to back, or (``overlap``) as a three-stage pipeline with a one-entry
sample-and-hold between stages. The fine mode is exact and is used for small networks and tests; the
coarse mode (:mod:`archsim.engine.schedule`) uses :meth:`CrossbarSpec.mvm_ns`, which equals the fine
result when nothing contends.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from archsim.engine.component import Component
from archsim.engine.env import SimEnvironment
from archsim.engine.spec import ConverterSpec, CrossbarSpec


class ConverterBank(Component):
    """A bank of DACs or ADCs; one pass at a time (``simpy.Resource(capacity=1)``)."""

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
            self.count("convert", lines)
            self.add_busy(ticks)


class DacBank(ConverterBank):
    """Digital-to-analog converters driving a crossbar's input lines."""


class AdcBank(ConverterBank):
    """Analog-to-digital converters reading a crossbar's output lines."""


class Crossbar(Component):
    """One crossbar array with its DAC and ADC banks (possibly shared with other crossbars).

    Args:
        spec: timing of the array.
        dac, adc: the converter banks it uses (pass the same bank to several crossbars to share it).
    """

    def __init__(self, env: SimEnvironment, name: str, parent: Component | None, spec: CrossbarSpec,
                 dac: ConverterBank, adc: ConverterBank) -> None:
        super().__init__(env, name, parent)
        self.spec = spec
        self.dac = dac
        self.adc = adc
        self.array = simpy.Resource(env, capacity=1)

    def integrate(self, ns: float, action: str) -> Generator[Any, Any, None]:
        """Hold the array for one integration (read) of ``ns``."""
        with self.array.request() as req:
            yield req
            ticks = self.env.to_ticks(ns)
            self.trace("integrate_start")
            yield self.env.timeout(ticks)
            self.trace("integrate_end")
            self.count(action)
            self.add_busy(ticks)

    def execute_vectors(self, n_vectors: int, rows: int, cols: int, *,
                        backward: bool = False) -> Generator[Any, Any, None]:
        """Run ``n_vectors`` MVMs (each ``input_cycles`` passes) on a ``rows x cols`` block, pass by pass.

        Waits on the DAC bank, the array and the ADC bank in turn; with ``overlap`` the three stages run
        as separate processes joined by one-entry stores (sample-and-hold).
        """
        t_dac, t_int, t_adc = self.spec.stage_ns(rows, cols, backward=backward)
        drive, read = (cols, rows) if backward else (rows, cols)
        action = "backward_pass" if backward else "forward_pass"
        n_passes = n_vectors * self.spec.input_cycles
        if not self.spec.overlap:
            for _ in range(n_passes):
                yield from self.dac.convert(drive)
                yield from self.integrate(t_int, action)
                yield from self.adc.convert(read)
            return
        held_in: simpy.Store = simpy.Store(self.env, capacity=1)
        held_out: simpy.Store = simpy.Store(self.env, capacity=1)

        def drive_stage() -> Generator[Any, Any, None]:
            for i in range(n_passes):
                yield from self.dac.convert(drive)
                yield held_in.put(i)

        def integrate_stage() -> Generator[Any, Any, None]:
            for _ in range(n_passes):
                i = yield held_in.get()
                yield from self.integrate(t_int, action)
                yield held_out.put(i)

        def read_stage() -> Generator[Any, Any, None]:
            for _ in range(n_passes):
                yield held_out.get()
                yield from self.adc.convert(read)

        procs = [self.env.process(drive_stage()), self.env.process(integrate_stage()),
                 self.env.process(read_stage())]
        yield self.env.all_of(procs)
