"""ADC models: the Murmann-survey bound (``adc.survey``) and published full-activity power (``adc.from_power``).

``adc.survey`` is the ADC model of CiMLoop/Accelergy: the ``hwcomponents-adc`` package (MIT licence) fits the
energy per conversion and the area of the ADCs in B. Murmann's ADC Performance Survey 1997-2023 as a function of
resolution, sample rate and technology node (T. Andrulis, J. S. Emer, V. Sze, "CiMLoop: A flexible, accurate, and
fast compute-in-memory modeling tool", ISPASS 2024, arXiv:2405.07259; the fit of arXiv:2404.06553). Following the
package, 80 % of the fitted energy is charged per conversion and 20 % as leakage at the full sample rate.

Valid range, taken from the survey's own designs rather than the fit's reach: resolution 4 to 17 bits (the package
needs >= 4; no surveyed design exceeds 17.2 effective bits), technology 4 to 1000 nm, and a sample rate no higher
than the fastest surveyed ADC of at least that resolution (and the fit's 10 GS/s ceiling). A 20-bit ADC at
10 GS/s is refused instead of extrapolated.
"""

from __future__ import annotations

import csv
import functools
import math
from importlib import resources

from archsim.components.base import CostModel, ModelInput, ModelRangeError, from_power_model, in_range
from archsim.components.library import ADC

__all__ = ["ADC_FROM_POWER", "ADC_SURVEY", "survey_max_rate_hz"]

_FIT_MAX_HZ = 1e10
_BITS = (4.0, 17.0)
_NODE_NM = (4.0, 1000.0)


@functools.cache
def _survey() -> tuple[tuple[float, float], ...]:
    """(effective bits, sample rate in Hz) of every design in the package's copy of the survey."""
    text = resources.files("hwcomponents_adc").joinpath("adc_data/adc_list.csv").read_text(encoding="utf-8")
    rows = []
    for row in csv.DictReader(text.splitlines()):
        try:
            rows.append((float(row["number of bits"]), float(row["frequency (Hz)"])))
        except (KeyError, ValueError):
            continue
    return tuple(rows)


def survey_max_rate_hz(bits: float) -> float:
    """The fastest surveyed ADC with at least ``bits`` effective bits, capped at the fit's 10 GS/s (0 if none)."""
    rates = [f for b, f in _survey() if b >= bits]
    return min(max(rates, default=0.0), _FIT_MAX_HZ)


def _conversion_ns(inp: ModelInput, bits: float) -> float:
    if "latency_ns" in inp.fields:
        return inp.field("latency_ns", "the conversion time (ns) = 1 / sample rate")
    if "ns_per_bit" in inp.fields:
        return bits * inp.field("ns_per_bit", "ns per resolved bit (SAR)")
    raise ModelRangeError("latency_ns", None, "a conversion time (ns), or ns_per_bit for a SAR ADC")


def _survey_model(inp: ModelInput) -> dict[str, float]:
    bits = in_range("bits", inp.field("bits", "4 <= bits <= 17"), *_BITS)
    node = in_range("chip.technology_nm", inp.ctx.technology_nm, *_NODE_NM, " nm (survey designs)")
    conv_ns = _conversion_ns(inp, bits)
    if conv_ns <= 0:
        raise ModelRangeError("latency_ns", conv_ns, "a conversion time > 0 ns")
    rate = 1e9 / conv_ns
    top = survey_max_rate_hz(bits)
    if rate > top:
        raise ModelRangeError("latency_ns", conv_ns,
                              f"sample rate <= {top / 1e9:.3g} GS/s (latency_ns >= {1e9 / top:.4g}) at {bits:g} bits "
                              f"(the fastest surveyed ADC of that resolution)")
    adc = ADC(n_bits=bits, tech_node=node * 1e-9, throughput=rate)
    total_pj = adc.get_energy() * 1e12
    leak_mw = 0.2 * total_pj * rate * 1e-9
    return {"latency_ns": conv_ns, "energy_pj": 0.8 * total_pj, "leakage_mw": leak_mw,
            "power_mw": total_pj * rate * 1e-9, "area_um2": adc.area * 1e12}


ADC_SURVEY = CostModel(
    name="adc.survey", part="adc", produces=("latency_ns", "energy_pj", "leakage_mw", "power_mw", "area_um2"),
    compute=_survey_model,
    source="Murmann ADC survey 1997-2023 fit of hwcomponents-adc (CiMLoop, Andrulis et al., ISPASS 2024)")


def _stated_conversion_ns(inp: ModelInput) -> float:
    conv_ns = _conversion_ns(inp, inp.fields.get("bits", 1.0))
    if math.isclose(conv_ns, 0.0):
        raise ModelRangeError("latency_ns", conv_ns, "a conversion time > 0 ns")
    return conv_ns


ADC_FROM_POWER = from_power_model(
    name="adc.from_power", part="adc", produces=("energy_pj",), duration_ns=_stated_conversion_ns,
    what="the published power at full sample rate (mW)",
    source="published full-activity power x conversion time (ISAAC Table I convention: 2 mW / 1.28 GS/s = 1.56 pJ)")
