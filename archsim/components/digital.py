"""Digital-unit models: published full-activity power (``digital.from_power``) and a reference design scaled to
the chip's node (``digital.scaled``).

A unit's throughput is ``lanes x clock`` and its job latency ``latency_cycles`` clock periods (at
``chip.clock_freq_mhz``) unless the hardware file states ``throughput_ops_per_ns`` / ``latency_ns``
(:mod:`archsim.hwconfig.resolve`). ``digital.from_power``: one op costs power / throughput (ISAAC Table I
shift-and-add: 0.05 mW at 1.2 GHz = 0.042 pJ). ``digital.scaled``: ``ref_energy_pj`` per op, ``ref_area_um2`` and
``ref_leakage_mw`` of a published design at ``ref_node_nm``, carried to the chip's node with the Stillmaker & Baas
2017 factors (:mod:`archsim.components.scaling`); peak power = energy x throughput + leakage.
"""

from __future__ import annotations

from archsim.components.base import CostModel, ModelInput, Param, from_power_model, stated
from archsim.components.scaling import area_factor, energy_factor, leakage_factor

__all__ = ["DIGITAL_FROM_POWER", "DIGITAL_SCALED"]


_throughput = stated("throughput_ops_per_ns", "ops per ns of one instance (lanes x clock)")


DIGITAL_FROM_POWER = from_power_model(
    name="digital.from_power", part="digital", produces=("energy_pj",), rate_per_ns=_throughput,
    what="the published power of one instance at full activity (mW)",
    source="published full-activity power / throughput (ISAAC Table I convention)")


def _scaled(inp: ModelInput) -> dict[str, float]:
    node = inp.ctx.technology_nm
    ref = inp.param("ref_node_nm", "the node of the reference design (nm)")
    e = inp.param("ref_energy_pj", "energy per op of the reference design (pJ)") * energy_factor(node, ref)
    out = {"energy_pj": e}
    if "ref_area_um2" in inp.params:
        out["area_um2"] = inp.params["ref_area_um2"] * area_factor(node, ref)
    leak = None
    if "ref_leakage_mw" in inp.params:
        leak = out["leakage_mw"] = inp.params["ref_leakage_mw"] * leakage_factor(node, ref)
    if "throughput_ops_per_ns" in inp.fields and leak is not None:
        out["power_mw"] = e * _throughput(inp) + leak
    return out


DIGITAL_SCALED = CostModel(
    name="digital.scaled", part="digital", produces=("energy_pj", "area_um2", "leakage_mw", "power_mw"),
    compute=_scaled, source="reference design scaled by Stillmaker & Baas 2017",
    params=(
        Param(name="ref_energy_pj", minimum=1e-6, maximum=1e4, doc="energy per op of the reference design (pJ)"),
        Param(name="ref_area_um2", minimum=1e-3, maximum=1e8, doc="area of the reference design (µm²)"),
        Param(name="ref_leakage_mw", minimum=0.0, maximum=1e4, doc="leakage of the reference design (mW)"),
        Param(name="ref_node_nm", minimum=7.0, maximum=130.0, doc="technology node of the reference design (nm)"),
    ))
