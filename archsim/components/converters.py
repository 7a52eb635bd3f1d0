"""DAC models: published full-activity power (``dac.from_power``) and the binary-weighted scaling of ISAAC's
1-bit DAC (``dac.scaled``).

A DAC drives its row line for the whole integration of one input pass, so one conversion costs the DAC's power
times ``crossbar.integration_ns`` (ISAAC Table I: 3.9 µW x 100 ns = 0.39 pJ).

``dac.scaled``: MNSIM 2.0's DAC presets (``MNSIM/Hardware_Model/DAC.py``; Zhu et al., IEEE TCAD 42(11), 2023)
scale ISAAC's 1-bit DAC (Shafiee et al., ISCA 2016, Table I: 3.9 µW and 0.166 µm² at 32 nm) by 2^(bits-1) in
power and area (2/3/4/6/8 bits: 0.332/0.664/1.328/5.312/21.248 µm²), as a binary-weighted DAC doubles its unit
elements per bit. This model carries those 32 nm figures to the chip's node with the Stillmaker & Baas 2017 factors
(:mod:`archsim.components.scaling`). Valid for 1 to 8 bits (MNSIM's presets).
"""

from __future__ import annotations

from archsim.components.base import CostModel, ModelInput, ModelRangeError, from_power_model, in_range
from archsim.components.scaling import area_factor, energy_factor

__all__ = ["DAC_FROM_POWER", "DAC_SCALED"]

_ISAAC_DAC_MW = 0.0039
_ISAAC_DAC_UM2 = 0.166
_ISAAC_NODE_NM = 32.0


def _integration(inp: ModelInput) -> float:
    if inp.ctx.integration_ns is None:
        raise ModelRangeError("crossbar.integration_ns", None, "the integration time the DAC drives its line (ns)")
    return inp.ctx.integration_ns


DAC_FROM_POWER = from_power_model(
    name="dac.from_power", part="dac", produces=("energy_pj",), duration_ns=_integration,
    what="the published power of one DAC at full activity (mW)",
    source="published full-activity power x crossbar.integration_ns (ISAAC Table I: 3.9 uW x 100 ns = 0.39 pJ)")


def _scaled(inp: ModelInput) -> dict[str, float]:
    bits = in_range("bits", inp.field("bits", "1 <= bits <= 8"), 1, 8)
    node = inp.ctx.technology_nm
    weight = 2.0 ** (bits - 1)
    power = _ISAAC_DAC_MW * weight * energy_factor(node, _ISAAC_NODE_NM)
    return {"power_mw": power, "energy_pj": power * _integration(inp),
            "area_um2": _ISAAC_DAC_UM2 * weight * area_factor(node, _ISAAC_NODE_NM)}


DAC_SCALED = CostModel(
    name="dac.scaled", part="dac", produces=("power_mw", "energy_pj", "area_um2"), compute=_scaled,
    source="ISAAC 1-bit DAC (ISCA 2016 Table I) x 2^(bits-1) (MNSIM 2.0 DAC presets), Stillmaker & Baas 2017 scaling")
