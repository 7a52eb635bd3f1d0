"""Area and peak-power roll-up: the hwconfig's part inventory x per-instance area and power.

Per tile: crossbars, DACs, ADCs, buffer, digital units, further components and the tile's share of a
router (1 / tiles_per_router); per chip: ``n_tiles`` tiles plus chip-level parts and the off-chip
interface (:meth:`HardwareConfig.inventory`). Power is the *published* per-instance power at full
activity (ISAAC Table I style), so the chip total is a peak figure, not the simulated average (which is
``energy / makespan``).
"""

from __future__ import annotations

from typing import Any

from archsim.results.energy import AreaBreakdown, AreaItem


def area_breakdown(hw: Any) -> AreaBreakdown:
    """Area and peak power per part, tile and chip for ``hw``."""
    items = tuple(AreaItem(scope=i.scope, name=i.name, count=float(i.count), area_um2=i.total_area_um2,
                           power_mw=i.total_power_mw, leakage_mw=i.total_leakage_mw) for i in hw.inventory())
    n = int(hw.chip.n_tiles)
    tile_area = sum(i.area_um2 for i in items if i.scope == "tile")
    tile_power = sum(i.power_mw for i in items if i.scope == "tile")
    chip_area = n * tile_area + sum(i.area_um2 for i in items if i.scope == "chip")
    chip_power = n * tile_power + sum(i.power_mw for i in items if i.scope == "chip")
    return AreaBreakdown(items=items, n_tiles=n, tile_area_um2=tile_area, chip_area_um2=chip_area,
                         tile_power_mw=tile_power, chip_power_mw=chip_power)
