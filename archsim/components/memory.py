"""Buffer (SRAM / eDRAM) models: published full-activity power (``buffer.from_power``) and a capacity-scaled
access energy (``memory.horowitz``).

``buffer.from_power``: one bit read or written costs power / bandwidth (PUMA's 64 KB eDRAM: 17.2 pJ per 256-bit
access = 0.067 pJ/bit).

``memory.horowitz``: M. Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014, gives the
energy of a 64-bit SRAM access at 45 nm as 10 pJ (8 KB), 20 pJ (32 KB) and 100 pJ (1 MB): energy grows with the
square root of the capacity (the word- and bit-line length of a square array). The model charges
``0.156 pJ/bit x sqrt(capacity / 8 KiB)`` per bit read or written at 45 nm and scales it to the chip's node with
Stillmaker & Baas 2017. Area = capacity bits x ``cell_area_f2`` x F² / ``array_efficiency`` (cell area in F²:
NeuroSim V1.3 manual Table III, 6T SRAM 200 F² at 22 nm; the efficiency is the cell share of the macro). Access
latency = ``access_cycles`` clock periods; peak power = energy per bit x the port bandwidth. Valid from 64 B to 64 MiB (Horowitz's points span 8 KB to 1 MB; CACTI
results stay within a factor two of the square-root law over this range).
"""

from __future__ import annotations

import math

from archsim.components.base import CostModel, ModelInput, Param, from_power_model, in_range, stated
from archsim.components.scaling import energy_factor

__all__ = ["BUFFER_FROM_POWER", "MEMORY_HOROWITZ"]

_PJ_PER_BIT_8KIB_45NM = 10.0 / 64.0


BUFFER_FROM_POWER = from_power_model(
    name="buffer.from_power", part="buffer", produces=("read_energy_pj_per_bit", "write_energy_pj_per_bit"),
    rate_per_ns=stated("bandwidth_gbps", "the port bandwidth (Gbit/s)"),
    what="the published power of one instance at full bandwidth (mW)",
    source="published full-activity power / bandwidth")


def _horowitz(inp: ModelInput) -> dict[str, float]:
    cap = in_range("capacity_bytes", inp.field("capacity_bytes", "64 B .. 64 MiB"), 64, 64 * 2**20)
    per_bit = _PJ_PER_BIT_8KIB_45NM * math.sqrt(cap / 8192.0) * energy_factor(inp.ctx.technology_nm, 45.0)
    out = {"read_energy_pj_per_bit": per_bit, "write_energy_pj_per_bit": per_bit}
    if "cell_area_f2" in inp.params:
        f_um = inp.ctx.technology_nm * 1e-3
        eff = inp.param("array_efficiency", "the cell share of the macro area, 0.05..1")
        out["area_um2"] = cap * 8 * inp.params["cell_area_f2"] * f_um * f_um / eff
    if "access_cycles" in inp.params:
        out["latency_ns"] = inp.params["access_cycles"] * inp.ctx.cycle_ns
    if "bandwidth_gbps" in inp.fields:
        out["power_mw"] = per_bit * inp.fields["bandwidth_gbps"]  # pJ/bit x Gbit/s = mW at full bandwidth
    return out


MEMORY_HOROWITZ = CostModel(
    name="memory.horowitz", part="buffer",
    produces=("read_energy_pj_per_bit", "write_energy_pj_per_bit", "area_um2", "latency_ns", "power_mw"),
    compute=_horowitz,
    source="Horowitz ISSCC 2014 SRAM access energy (sqrt of capacity, 45 nm) with Stillmaker & Baas 2017 scaling",
    params=(
        Param(name="cell_area_f2", minimum=10.0, maximum=2000.0, doc="bit-cell area in F²"),
        Param(name="array_efficiency", minimum=0.05, maximum=1.0, doc="cell share of the macro area"),
        Param(name="access_cycles", minimum=1.0, maximum=64.0, doc="access latency in clock cycles"),
    ))
