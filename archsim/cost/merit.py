"""Peak figures of merit of a chip, computed from its configuration alone: TOPS, TOPS/W and TOPS/mm².

Every crossbar performs ``rows x cols`` multiply-accumulates (2 ops each) of one weight slice and one input
cycle per pass; a full-precision MAC at the chip's data widths (``crossbar.input_bits`` x ``crossbar.weight_bits``)
takes ``input_cycles x weight_slices`` crossbar passes. The time of one pass at full occupancy is the steady-state
interval of the read pipeline (the engine's model, ``archsim.engine.spec``): DACs
``rows_per_dac x dac.latency_ns``, integration ``crossbar.integration_ns``, ADCs ``columns_per_adc x
adc.latency_ns`` (a shared ADC pool converts its crossbars in turn), repeated for each partial read of
``crossbar.rows_per_read`` rows; with ``crossbar.overlap_stages`` the stages overlap and the slowest one sets the
interval, otherwise they add up (:func:`pass_interval_ns`). Hence

    peak ops/s = 2 x crossbars x rows x cols / (input_cycles x weight_slices x t_pass)

(ISAAC: 2 x 16128 x 128² / (16 x 8 x 100 ns) = 41.3 TOPS, as the paper's Table I design point). TOPS/W divides by
the chip's peak power (the roll-up of published full-activity powers, :meth:`HardwareConfig.peak_power_mw`) and
TOPS/mm² by its area, the convention of ISAAC's CE/PE and PUMA's figures. Achieved figures come from a simulated run
(ops of the workload / makespan, / energy).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from archsim.hwconfig.schema import adc_pool_layout

__all__ = ["PeakFigures", "merit_section", "pass_interval_ns", "peak_figures"]


@dataclass(frozen=True, kw_only=True)
class PeakFigures:
    """Peak figures of one chip configuration."""

    ops_per_s: float
    """Peak operations per second (2 per MAC at the data widths)."""
    tops: float
    """Peak tera-operations per second."""
    tops_per_w: float
    """Peak TOPS per watt of peak power."""
    tops_per_mm2: float
    """Peak TOPS per mm² of chip area."""
    gops_per_s_per_mm2: float
    """The same as GOPS/s/mm² (ISAAC's CE, PUMA's area efficiency)."""
    gops_per_w: float
    """The same as GOPS/W (ISAAC's PE, PUMA's power efficiency)."""
    pass_ns: float
    """Steady-state time of one crossbar pass."""
    passes_per_mac: int
    """Input cycles x weight slices per full-precision MAC."""
    peak_power_w: float
    """Peak chip power (W)."""
    area_mm2: float
    """Chip area (mm²)."""
    input_bits: int | None
    """Input data width (None: analog, one pass)."""
    weight_bits: int | None
    """Weight data width (None: one analog device per weight)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


def pass_interval_ns(hw: Any) -> float:
    """Steady-state interval of one crossbar pass at full occupancy (ns), every crossbar of a tile busy.

    A pass of all ``n_rows`` rows takes ``ceil(n_rows / rows_per_read)`` reads (partial row activation); each read
    drives its rows (``rows_per_dac`` conversions per DAC), integrates, and converts every column. An ADC pool
    shared by ``k`` crossbars converts their reads in turn, ``ceil(n_cols / n_adcs)`` conversions each (at least
    ``columns_per_adc``), so the busiest pool sets the conversion stage (``tile.adc_pools``).
    """
    t, x = hw.tile, hw.crossbar
    rows_read = t.n_rows if x.rows_per_read is None else min(x.rows_per_read, t.n_rows)
    reads = math.ceil(t.n_rows / rows_read)
    t_dac = min(t.dac.rows_per_dac, rows_read) * t.dac.latency_ns
    per_read = max(min(t.adc.columns_per_adc, t.n_cols), 1)
    t_adc = max(len(crossbars) * max(math.ceil(t.n_cols / n_adcs), min(t.adc.columns_per_adc, t.n_cols))
                for crossbars, n_adcs in adc_pool_layout(t)) * t.adc.latency_ns if t.adc_pools else \
        per_read * t.adc.latency_ns
    stages = (t_dac, float(x.integration_ns), t_adc)
    return reads * (max(stages) if x.overlap_stages else sum(stages))


def peak_figures(hw: Any) -> PeakFigures:
    """The peak figures of merit of ``hw`` (see the module docstring)."""
    t = hw.tile
    passes = hw.input_cycles * hw.weight_slices
    t_pass = pass_interval_ns(hw)
    ops = 2.0 * hw.crossbars_total * t.n_rows * t.n_cols / (passes * t_pass * 1e-9)
    power_w = hw.peak_power_mw() / 1e3
    area_mm2 = hw.area_um2() / 1e6
    tops = ops / 1e12
    return PeakFigures(ops_per_s=ops, tops=tops, tops_per_w=tops / power_w, tops_per_mm2=tops / area_mm2,
                       gops_per_s_per_mm2=ops / 1e9 / area_mm2, gops_per_w=ops / 1e9 / power_w, pass_ns=t_pass,
                       passes_per_mac=passes, peak_power_w=power_w, area_mm2=area_mm2,
                       input_bits=hw.crossbar.input_bits, weight_bits=hw.crossbar.weight_bits)


def merit_section(hw: Any, *, ops: float | None = None, makespan_ns: float | None = None,
                  energy_pj: float | None = None) -> dict[str, Any]:
    """The ``merit`` section for ``validate``, result.json and the report: the peak figures, and, given a run's
    ``ops`` (2 per MAC), ``makespan_ns`` and ``energy_pj``, the achieved TOPS, TOPS/W and their share of peak."""
    peak = peak_figures(hw)
    out: dict[str, Any] = {"peak": peak.to_dict()}
    if ops is not None and makespan_ns:
        achieved_ops = ops / (makespan_ns * 1e-9)
        ach: dict[str, float] = {"ops_per_s": achieved_ops, "tops": achieved_ops / 1e12,
                                 "tops_per_mm2": achieved_ops / 1e12 / peak.area_mm2,
                                 "fraction_of_peak": achieved_ops / peak.ops_per_s}
        if energy_pj:
            ach["tops_per_w"] = ops / (energy_pj * 1e-12) / 1e12
        out["achieved"] = ach
    return out
