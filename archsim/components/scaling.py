"""CMOS technology scaling of energy, area and leakage between nodes (Stillmaker & Baas 2017).

A. Stillmaker and B. Baas, "Scaling equations for the accurate prediction of CMOS device performance from 180 nm
to 7 nm", Integration, the VLSI Journal 58 (2017) 74-81, doi:10.1016/j.vlsi.2017.02.002: fitted per-node factors
for area and for energy as a polynomial in the supply voltage, from which a figure published at one node is
carried to another. The tables are those of the ``hwcomponents`` library (Accelergy/CiMLoop, MIT licence),
``hwcomponents.scaling.tech_node_energy`` / ``tech_node_area`` / ``tech_node_leak``, called at the library's
nominal supply (0.8 V). Outside the nodes of the tables, 7 nm to 130 nm, this module refuses to extrapolate: the
library would scale linearly by node there, which no published fit supports.
"""

from __future__ import annotations

from archsim.components.base import in_range
from archsim.components.library import tech_node_area, tech_node_energy, tech_node_leak

__all__ = ["NODE_MAX_NM", "NODE_MIN_NM", "area_factor", "check_node", "energy_factor", "leakage_factor"]

NODE_MIN_NM = 7.0
"""Smallest node of the scaling tables (nm)."""
NODE_MAX_NM = 130.0
"""Largest node of the scaling tables (nm)."""


def check_node(name: str, node_nm: float) -> float:
    """``node_nm`` if the scaling tables cover it, else :class:`~archsim.components.base.ModelRangeError`."""
    return in_range(name, node_nm, NODE_MIN_NM, NODE_MAX_NM, " nm (Stillmaker & Baas 2017 tables)")


def energy_factor(to_nm: float, from_nm: float) -> float:
    """Dynamic energy at ``to_nm`` / dynamic energy at ``from_nm`` (same circuit, nominal supply)."""
    check_node("chip.technology_nm", to_nm)
    check_node("params.ref_node_nm", from_nm)
    return float(tech_node_energy(to_nm * 1e-9, from_nm * 1e-9))


def area_factor(to_nm: float, from_nm: float) -> float:
    """Area at ``to_nm`` / area at ``from_nm``."""
    check_node("chip.technology_nm", to_nm)
    check_node("params.ref_node_nm", from_nm)
    return float(tech_node_area(to_nm * 1e-9, from_nm * 1e-9))


def leakage_factor(to_nm: float, from_nm: float) -> float:
    """Leakage power at ``to_nm`` / leakage power at ``from_nm``."""
    check_node("chip.technology_nm", to_nm)
    check_node("params.ref_node_nm", from_nm)
    return float(tech_node_leak(to_nm * 1e-9, from_nm * 1e-9))
