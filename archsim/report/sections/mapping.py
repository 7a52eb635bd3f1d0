"""Mapping section: the per-layer mapping table and the floorplan of tiles by layer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from archsim.report.format import fmt_num, fmt_pct
from archsim.report.model import Floorplan, FloorTile, Section, Table, not_run, present


def build(result: Mapping[str, Any]) -> Section:
    """The mapping section: per-layer table and floorplan."""
    m = result.get("mapping")
    if not isinstance(m, Mapping):
        return not_run("mapping", "Mapping", "the result has no mapping section")
    layers = m.get("layers") or []
    rows = []
    for lm in layers:
        rows.append(
            (
                str(lm.get("layer", "")),
                str(lm.get("kind", "")),
                f"{lm.get('matrix_rows', '?')}×{lm.get('matrix_cols', '?')}",
                fmt_num(lm.get("n_replicas")),
                f"{len(lm.get('row_splits') or [1])}×{len(lm.get('col_splits') or [1])}",
                fmt_num(lm.get("n_crossbars", lm.get("n_blocks"))),
                fmt_num(lm.get("n_tiles", len(lm.get("tiles") or []))),
                fmt_num(lm.get("sequential_mvms_per_sample")),
                fmt_pct(lm.get("utilisation")),
            )
        )
    table = Table(
        columns=(
            "layer",
            "kind",
            "matrix",
            "replicas",
            "splits",
            "crossbars",
            "tiles",
            "seq. MVMs/sample",
            "utilisation",
        ),
        rows=tuple(rows),
        numeric=(False, False, True, True, True, True, True, True, True),
    )
    totals = m.get("totals") or {}
    lines = []
    if totals:
        lines.append(
            f"{fmt_num(totals.get('n_tiles_used'))} of {fmt_num(totals.get('n_tiles_chip', m.get('n_tiles_chip')))} tiles, "
            f"{fmt_num(totals.get('n_crossbars_used'))} of {fmt_num(totals.get('n_crossbars_chip'))} crossbars "
            f"({m.get('n_rows', '?')}×{m.get('n_cols', '?')}) used; crossbar utilisation {fmt_pct(totals.get('utilisation'))}; "
            f"bottleneck {fmt_num(totals.get('bottleneck_mvms_per_sample'))} sequential MVMs per sample."
        )
    charts = []
    plan = m.get("floorplan")
    if isinstance(plan, Sequence) and plan:
        legend = [str(lm.get("layer", "")) for lm in layers]
        tiles = []
        for entry in plan:
            counts: dict[str, int] = {}
            for b in entry.get("blocks") or []:
                counts[str(b.get("layer"))] = counts.get(str(b.get("layer")), 0) + int(
                    b.get("n_crossbars", 1)
                )
            if not counts:
                for name in entry.get("layers") or []:
                    counts[str(name)] = counts.get(str(name), 0) + 1
            for name in counts:
                if name not in legend:
                    legend.append(name)
            if counts:
                ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
                used = sum(counts.values()) or 1
                title = (f"tile {entry.get('tile')}: "
                         + ", ".join(f"{legend.index(k) + 1} {k} ({v} crossbars)" for k, v in ranked))
                tiles.append(
                    FloorTile(
                        tile=int(entry.get("tile", len(tiles))),
                        layer=ranked[0][0],
                        colour=legend.index(ranked[0][0]),
                        title=title,
                        shares=tuple((legend.index(k), v / used) for k, v in ranked),
                    )
                )
            else:
                tiles.append(
                    FloorTile(
                        tile=int(entry.get("tile", len(tiles))),
                        layer="",
                        colour=-1,
                        title=f"tile {entry.get('tile')}: unused",
                    )
                )
        charts.append(
            Floorplan(
                id="floorplan",
                title="Floorplan: tiles coloured by layer",
                tiles=tuple(tiles),
                legend=tuple(legend),
                note=(f"{len(legend)} layers on {sum(1 for t in tiles if t.colour >= 0)} of {len(tiles)} tiles; "
                      "a tile shows the number of the layer holding most of its crossbars and one stripe per "
                      "layer it holds (hover for the list)"),
            )
        )
    return present("mapping", "Mapping", lines=lines, tables=(table,), charts=charts)


