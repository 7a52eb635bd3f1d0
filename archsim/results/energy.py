"""Results of the cost model: energy by component and action, and area / peak power roll-ups.

:class:`EnergyBreakdown` holds dynamic energy per ``(scope, action)`` in pJ plus leakage per part, and
adds up with ``+`` (and ``sum()``), so per-tile breakdowns roll up to the chip. :class:`AreaBreakdown`
lists every part with its count per tile or per chip, area and published power, and the tile and chip
totals (µm² and mm²; mW and W).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from archsim.errors import DataError


def part_of_scope(scope: str) -> str:
    """The part a scope belongs to: ``chip.tile3.adc -> adc``, ``chip.noc.link_a_b -> link``,
    ``chip.noc.router_router0 -> router``, ``chip.offchip -> offchip``."""
    last = scope.rsplit(".", 1)[-1]
    if last.startswith("link_"):
        return "link"
    if last.startswith("router_"):
        return "router"
    if last == "xbar":
        return "crossbar"
    return last


@dataclass(frozen=True, kw_only=True)
class EnergyBreakdown:
    """Dynamic energy per (scope, action) and leakage per part, in pJ."""

    dynamic_pj: Mapping[tuple[str, str], float] = field(default_factory=dict)
    """``(scope, action) -> pJ``."""
    leakage_pj: Mapping[str, float] = field(default_factory=dict)
    """``part -> pJ`` of static power over the makespan."""
    by_layer_pj: Mapping[str, float] = field(default_factory=dict)
    """``layer -> pJ``: the dynamic energy of the actions the engine attributed to each layer (leakage belongs to the
    makespan, not to a layer; actions of no layer, such as idle-time bookkeeping, are in no entry)."""

    @property
    def dynamic_total_pj(self) -> float:
        return float(sum(self.dynamic_pj.values()))

    @property
    def leakage_total_pj(self) -> float:
        return float(sum(self.leakage_pj.values()))

    @property
    def total_pj(self) -> float:
        return self.dynamic_total_pj + self.leakage_total_pj

    def by_part(self) -> dict[str, float]:
        """Dynamic + leakage energy per part (``adc``, ``crossbar``, ``buffer``, ``router``, ...)."""
        out: dict[str, float] = {}
        for (scope, _), pj in self.dynamic_pj.items():
            part = part_of_scope(scope)
            out[part] = out.get(part, 0.0) + pj
        for part, pj in self.leakage_pj.items():
            out[part] = out.get(part, 0.0) + pj
        return dict(sorted(out.items()))

    def by_action(self) -> dict[str, dict[str, float]]:
        """Dynamic energy per part and action."""
        out: dict[str, dict[str, float]] = {}
        for (scope, action), pj in self.dynamic_pj.items():
            slot = out.setdefault(part_of_scope(scope), {})
            slot[action] = slot.get(action, 0.0) + pj
        return {k: dict(sorted(v.items())) for k, v in sorted(out.items())}

    def __add__(self, other: EnergyBreakdown) -> EnergyBreakdown:
        dyn = dict(self.dynamic_pj)
        for k, v in other.dynamic_pj.items():
            dyn[k] = dyn.get(k, 0.0) + v
        leak = dict(self.leakage_pj)
        for k, v in other.leakage_pj.items():
            leak[k] = leak.get(k, 0.0) + v
        layers = dict(self.by_layer_pj)
        for k, v in other.by_layer_pj.items():
            layers[k] = layers.get(k, 0.0) + v
        return EnergyBreakdown(dynamic_pj=dyn, leakage_pj=leak, by_layer_pj=layers)

    def __radd__(self, other: Any) -> EnergyBreakdown:
        if other == 0:
            return self
        return self.__add__(other)

    def to_dict(self, *, batch: int | None = None) -> dict[str, Any]:
        """JSON section: totals, per part, per part and action, per scope, leakage."""
        per_scope: dict[str, dict[str, float]] = {}
        for (scope, action), pj in sorted(self.dynamic_pj.items()):
            per_scope.setdefault(scope, {})[action] = pj
        out: dict[str, Any] = {
            "total_pj": self.total_pj,
            "dynamic_pj": self.dynamic_total_pj,
            "leakage_pj": self.leakage_total_pj,
            "by_part_pj": self.by_part(),
            "by_part_action_pj": self.by_action(),
            "by_scope_pj": per_scope,
            "leakage_by_part_pj": dict(sorted(self.leakage_pj.items())),
            "by_layer_pj": dict(sorted(self.by_layer_pj.items())),
        }
        if batch:
            out["per_sample_pj"] = self.total_pj / batch
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EnergyBreakdown:
        """Inverse of :meth:`to_dict` (reads ``by_scope_pj`` and ``leakage_by_part_pj``)."""
        try:
            dyn = {(s, a): float(v) for s, acts in data["by_scope_pj"].items() for a, v in acts.items()}
            return cls(dynamic_pj=dyn, leakage_pj=dict(data["leakage_by_part_pj"]),
                       by_layer_pj={str(k): float(v) for k, v in data.get("by_layer_pj", {}).items()})
        except (KeyError, AttributeError, TypeError, ValueError) as exc:
            raise DataError(f"energy: cannot read section ({exc})") from exc


@dataclass(frozen=True, kw_only=True)
class AreaItem:
    """One part of the inventory with its roll-up."""

    scope: str
    """``tile`` (count per tile) or ``chip`` (count per chip)."""
    name: str
    """Part name."""
    count: float
    """Instances per scope (fractional for shared routers)."""
    area_um2: float
    """count x area of one instance."""
    power_mw: float
    """count x published power of one instance."""
    leakage_mw: float
    """count x leakage of one instance."""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True, kw_only=True)
class AreaBreakdown:
    """Area and peak (published) power per part, per tile and per chip."""

    items: tuple[AreaItem, ...]
    """Every part (tile items then chip items)."""
    n_tiles: int
    """Tiles on the chip."""
    tile_area_um2: float
    """One tile."""
    chip_area_um2: float
    """Whole chip (tiles + chip-level parts)."""
    tile_power_mw: float
    """Peak power of one tile."""
    chip_power_mw: float
    """Peak power of the chip."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [i.to_dict() for i in self.items], "n_tiles": self.n_tiles,
            "tile_area_um2": self.tile_area_um2, "tile_area_mm2": self.tile_area_um2 / 1e6,
            "chip_area_um2": self.chip_area_um2, "chip_area_mm2": self.chip_area_um2 / 1e6,
            "tile_power_mw": self.tile_power_mw, "chip_power_w": self.chip_power_mw / 1e3,
            "chip_power_mw": self.chip_power_mw,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AreaBreakdown:
        """Inverse of :meth:`to_dict`."""
        try:
            return cls(items=tuple(AreaItem(**i) for i in data["items"]), n_tiles=int(data["n_tiles"]),
                       tile_area_um2=float(data["tile_area_um2"]), chip_area_um2=float(data["chip_area_um2"]),
                       tile_power_mw=float(data["tile_power_mw"]), chip_power_mw=float(data["chip_power_mw"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"area: cannot read section ({exc})") from exc
