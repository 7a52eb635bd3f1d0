"""Energy: action counts x the hwconfig's energy table (dynamic) + leakage x makespan (Accelergy style).

The engine only counts; this module prices. The table maps ``(part, action)`` to pJ per count:

======================  ===================================  =============================================
part (scope suffix)     action                               energy per count
======================  ===================================  =============================================
crossbar (``xbar``)     ``forward_cells``, ``backward_cells``, ``crossbar.read_energy_pj / (n_rows x n_cols)``
                        ``transfer_cells`` (cells x passes)  (a full-array pass costs ``read_energy_pj``)
crossbar                ``update_line_pulse``                ``crossbar.update_line_energy_pj``
crossbar                ``update_coincidence``               ``crossbar.update_energy_pj``
crossbar                ``*_pass``, ``update``,              0 (bookkeeping counts; energy is in the rows
                        ``transfer_write``                   above)
dac / adc               ``convert`` (one line)               ``tile.dac.energy_pj`` / ``tile.adc.energy_pj``
digital unit NAME       each op kind it serves               ``tile.digital[NAME].energy_pj``
buffer                  ``read_bytes`` / ``write_bytes``     8 x ``read/write_energy_pj_per_bit``
router                  ``bytes``                            8 x ``interconnect.router.energy_pj_per_bit``
link                    ``bytes``                            8 x the edge's ``energy_pj_per_bit``
offchip                 ``read_bytes`` / ``write_bytes``     8 x ``offchip.energy_pj_per_bit``
======================  ===================================  =============================================

Further parts (``tile.components`` / ``chip.components``) are priced through the engine counts they follow: a part
with ``follows: [adc.convert]`` performs ``actions_per_count`` of its ``action`` per ADC conversion on its tile
(sample-and-hold, output registers), ``dac.convert`` (input registers), ``buffer.read_bytes`` /
``buffer.write_bytes`` (the eDRAM bus, the tile output register). The resolution refuses an energy without
``follows``, so no component energy is silently dropped.

Router scopes are priced by the kind of node: ``router_routerN`` at ``interconnect.router.energy_pj_per_bit``;
the off-chip port (``router_offchip0``) and a bus node (``router_bus0``) are not routers: traffic to off-chip memory
is priced by the off-chip interface's per-bit energy, a bus by its edges' wire energy. With topology ``edges``
the tiles route themselves and are priced as routers.

Leakage: every part of :meth:`HardwareConfig.inventory` leaks ``count x leakage_mw`` over the whole
makespan on every powered tile (``mW x ns = pJ``). A counted action without an entry is an error, never a zero:
the load-time checks (:mod:`archsim.hwconfig.checks`) make it impossible for a loaded configuration, so reaching
it is a bug.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archsim.errors import SimulationError
from archsim.results.energy import EnergyBreakdown, part_of_scope
from archsim.results.timing import ActionCounts

_FREE = {"forward_pass", "backward_pass", "transfer_pass", "update", "transfer_write"}


#: Router scopes of nodes that are not routers (priced elsewhere, see the module docstring).
_NOT_ROUTERS = ("router_offchip", "router_bus")


def _label(node: Any) -> str:
    if isinstance(node, tuple):
        return "".join(str(p) for p in node)
    return str(node)


def energy_table(hw: Any) -> dict[tuple[str, str], float]:
    """``(part, action) -> pJ`` for every action the engine counts on ``hw``."""
    t, x = hw.tile, hw.crossbar
    cell = x.read_energy_pj / float(t.n_rows * t.n_cols)
    table: dict[tuple[str, str], float] = {
        ("crossbar", "forward_cells"): cell,
        ("crossbar", "backward_cells"): cell,
        ("crossbar", "transfer_cells"): cell,
        ("crossbar", "update_line_pulse"): x.update_line_energy_pj,
        ("crossbar", "update_coincidence"): x.update_energy_pj,
        ("dac", "convert"): t.dac.energy_pj,
        ("adc", "convert"): t.adc.energy_pj,
        ("buffer", "read_bytes"): 8.0 * t.buffer.read_energy_pj_per_bit,
        ("buffer", "write_bytes"): 8.0 * t.buffer.write_energy_pj_per_bit,
        ("router", "bytes"): 8.0 * hw.interconnect.router.energy_pj_per_bit,
        ("offchip", "read_bytes"): 8.0 * hw.offchip.energy_pj_per_bit,
        ("offchip", "write_bytes"): 8.0 * hw.offchip.energy_pj_per_bit,
        # engine bookkeeping priced through bytes (flits) or cells (write steps)
        ("router", "flits"): 0.0,
        ("link", "flits"): 0.0,
        ("crossbar", "program_cells"): x.write_energy_pj,
        ("crossbar", "program_rows"): 0.0,
    }
    for action in _FREE:
        table[("crossbar", action)] = 0.0
    for name, unit in t.digital.items():
        for op in unit.ops:
            table[(name, op.value)] = unit.energy_pj
    return table


def link_energy(hw: Any) -> dict[str, float]:
    """``link scope name -> pJ per byte`` from the interconnect graph's edges."""
    out: dict[str, float] = {}
    for u, v, data in hw.build_graph().edges(data=True):
        pj = 8.0 * float(data.get("energy_pj_per_bit", 0.0))
        out[f"link_{_label(u)}_{_label(v)}"] = pj
        out[f"link_{_label(v)}_{_label(u)}"] = pj
    return out


def leakage_mw(hw: Any, n_tiles_used: int | None = None) -> dict[str, float]:
    """Static power per part for the whole chip (mW).

    Tile-level parts leak on every tile, or only on the ``n_tiles_used`` tiles that hold blocks when the
    chip power-gates unused tiles (``chip.power_gate_unused_tiles``, the default).
    """
    out: dict[str, float] = {}
    n = hw.chip.n_tiles
    if n_tiles_used is not None and hw.chip.power_gate_unused_tiles:
        n = min(n, n_tiles_used)
    for item in hw.inventory():
        total = item.total_leakage_mw * (n if item.scope == "tile" else 1)
        if total:
            out[item.name] = out.get(item.name, 0.0) + total
    return out


def price_layers(layer_counts: Mapping[str, ActionCounts], hw: Any) -> dict[str, float]:
    """Dynamic energy per layer (pJ): each layer's action counts priced like :func:`price` (no leakage, which
    belongs to the run's makespan, not to a layer)."""
    return {layer: price(counts, hw, 0.0).dynamic_total_pj for layer, counts in layer_counts.items()}


def price(counts: ActionCounts, hw: Any, makespan_ns: float, *, n_tiles_used: int | None = None) -> EnergyBreakdown:
    """Price ``counts`` with ``hw``'s energy table and add leakage over ``makespan_ns``.

    ``n_tiles_used`` (the mapping's tiles) limits tile leakage to powered tiles; None charges every tile.
    """
    table = energy_table(hw)
    links = link_energy(hw)
    dynamic: dict[tuple[str, str], float] = {}
    for (scope, action), n in counts.items():
        part = part_of_scope(scope)
        if part == "link" and action == "bytes":
            per = links.get(scope.rsplit(".", 1)[-1])
        elif part == "router" and scope.rsplit(".", 1)[-1].startswith(_NOT_ROUTERS):
            per = 0.0
        else:
            per = table.get((part, action))
        if per is None:
            raise SimulationError(f"cost: the engine counted {n:,} '{action}' of {scope}, which {hw.name} gives no "
                                  f"energy", hint="every counted action must be priced (hwconfig.checks checks this "
                                  "at load time, so this is an archsim bug: please report it)")
        if per:
            dynamic[(scope, action)] = n * per
    for scope_name, parts in (("tile", hw.tile.components), ("chip", hw.chip.components)):
        for name, part in sorted(parts.items()):
            if not part.follows or not part.count:
                continue
            follows = {tuple(f.split(".", 1)) for f in part.follows}
            for (scope, action), n in counts.items():
                if (part_of_scope(scope), action) not in follows:
                    continue
                owner = scope.rsplit(".", 1)[0] if scope_name == "tile" else "chip"
                key = (f"{owner}.{name}", part.action)
                dynamic[key] = dynamic.get(key, 0.0) + n * part.actions_per_count * part.energy_pj
    leak = {part: mw * makespan_ns for part, mw in leakage_mw(hw, n_tiles_used).items()}
    return EnergyBreakdown(dynamic_pj=dynamic, leakage_pj=leak)
