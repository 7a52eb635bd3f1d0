"""archsim.cost: prices the engine's action counts and rolls up area and peak power.

``price(counts, hw, makespan_ns) -> EnergyBreakdown`` (:mod:`.energy`) and
``area_breakdown(hw) -> AreaBreakdown`` (:mod:`.area`). Only this package turns counts into energy.
"""

from archsim.cost.area import area_breakdown
from archsim.cost.energy import energy_table, leakage_mw, price, price_layers
from archsim.cost.merit import merit_section, peak_figures

__all__ = ["area_breakdown", "energy_table", "leakage_mw", "merit_section", "peak_figures", "price", "price_layers"]
