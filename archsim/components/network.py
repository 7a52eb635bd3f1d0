"""Router, link and off-chip models.

``router.from_power``: a router at full activity moves one flit through every port each cycle, so one bit costs
power / (ports x flit_bits x clock) (ISAAC Table I router: 42 mW / (8 x 32 bit x 1.2 GHz) = 0.137 pJ/bit, a
lower bound since real ports idle). ``link.wire``: a hop's wire spans the router pitch, the side of the square
that the tiles sharing a router occupy, sqrt(tiles_per_router x tile area); energy per bit per hop =
``wire_energy_pj_per_bit_mm`` x pitch (the per-mm figure is the hardware file's, with its source). Off-chip:
``offchip.from_power`` charges power / bandwidth per bit (ISAAC's HyperTransport: 10.4 W / 204.8 Gbit/s); the
memory models charge published per-bit energies: HBM2 3.9 pJ/bit and GDDR5 14 pJ/bit (DNN+NeuroSim V2.1
``DRAM.cpp``), LPDDR4 8 pJ/bit (CACTI via Accelergy, 512 pJ per 64-bit access).
"""

from __future__ import annotations

import math

from archsim.components.base import CostModel, ModelInput, ModelRangeError, Param, from_power_model, stated

__all__ = ["LINK_WIRE", "OFFCHIP_FROM_POWER", "OFFCHIP_MEMORIES", "ROUTER_FROM_POWER"]


def _router_bits_per_ns(inp: ModelInput) -> float:
    ports = inp.field("ports", "ports per router")
    flit = inp.field("flit_bits", "interconnect.flit_bits")
    ghz = inp.ctx.clock_freq_mhz / 1000.0
    return ports * flit * ghz


ROUTER_FROM_POWER = from_power_model(
    name="router.from_power", part="router", produces=("energy_pj_per_bit",), rate_per_ns=_router_bits_per_ns,
    what="the published power of one router at full activity (mW)",
    source="published full-activity power / (ports x flit bits x clock) (ISAAC Table I router)")


def _wire(inp: ModelInput) -> dict[str, float]:
    per_mm = inp.param("wire_energy_pj_per_bit_mm", "on-chip wire energy (pJ per bit per mm)")
    if inp.ctx.tile_area_um2 is None:
        raise ModelRangeError("tile area", None, "a resolved tile area for the wire length")
    pitch_mm = math.sqrt(inp.ctx.tiles_per_router * inp.ctx.tile_area_um2) / 1000.0
    return {"energy_pj_per_bit_hop": per_mm * pitch_mm}


LINK_WIRE = CostModel(
    name="link.wire", part="link", produces=("energy_pj_per_bit_hop",), compute=_wire,
    source="wire energy per mm x router pitch sqrt(tiles_per_router x tile area)",
    params=(Param(name="wire_energy_pj_per_bit_mm", minimum=1e-4, maximum=10.0,
                  doc="on-chip wire energy per bit per mm (pJ)"),))


OFFCHIP_FROM_POWER = from_power_model(
    name="offchip.from_power", part="offchip", produces=("energy_pj_per_bit",),
    rate_per_ns=stated("bandwidth_gbps", "the interface bandwidth (Gbit/s)"),
    what="the interface's published power at full bandwidth (mW)",
    source="published full-activity power / bandwidth (ISAAC Table I HyperTransport 10.4 W)")


def _constant(pj_per_bit: float):
    def compute(inp: ModelInput) -> dict[str, float]:
        return {"energy_pj_per_bit": pj_per_bit}
    return compute


OFFCHIP_MEMORIES = (
    CostModel(name="offchip.hbm2", part="offchip", produces=("energy_pj_per_bit",), compute=_constant(3.9),
              source="HBM2 3.9 pJ/bit (DNN+NeuroSim V2.1 DRAM.cpp)"),
    CostModel(name="offchip.gddr5", part="offchip", produces=("energy_pj_per_bit",), compute=_constant(14.0),
              source="GDDR5 14 pJ/bit (DNN+NeuroSim V2.1 DRAM.cpp)"),
    CostModel(name="offchip.lpddr4", part="offchip", produces=("energy_pj_per_bit",), compute=_constant(8.0),
              source="LPDDR4 8 pJ/bit (CACTI via Accelergy: 512 pJ per 64-bit access)"),
)
