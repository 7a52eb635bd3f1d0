"""Place blocks on the crossbars of the chip's tiles, keeping communicating layers close.

Model: the chip has ``n_tiles`` tiles of ``n_crossbars`` crossbars; every block takes one crossbar (see
:mod:`archsim.mapping.model`). Tiles sit on the interconnect graph (networkx) as nodes ``("tile", i)``;
the distance between two tiles is the number of graph edges on a shortest path (routers are nodes too,
so a mesh with one router per tile gives ``2 + Manhattan distance`` between distinct tiles).

Strategies (pluggable through :data:`STRATEGIES`):

- ``in-order``: layers in topological order, each layer's blocks (replica-major) on the next free
  crossbars in tile-id order. Predictable, and good when tile ids follow the physical layout.
- ``greedy`` (by traffic): layers in topological order; for each layer every tile with free crossbars gets
  a cost ``Σ_src bytes(src → layer) × mean hop distance from src's crossbars``, and the layer fills the
  cheapest tiles first (ties by tile id). Layers without analog sources start at the tiles nearest an
  off-chip/IO node when the graph has one, else at tile 0. The mean over a source's crossbars uses at
  most ``MAX_SOURCE_TILES`` of its tiles (evenly spaced in id order, weights renormalised) to bound the
  cost on very large chips.

Hop reporting (:func:`mean_hops`) is the traffic-weighted mean over all producer × consumer crossbar pairs,
exact up to ``MAX_SOURCE_TILES_REPORT`` producer tiles (beyond that, evenly spaced ones stand for all).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

from archsim.errors import MappingError

MAX_SOURCE_TILES = 32
"""Producer tiles considered per source layer when greedy placement scores candidate tiles."""

MAX_SOURCE_TILES_REPORT = 128
"""Producer tiles considered per traffic edge when hop distances are reported (one BFS each)."""


class HopDistances:
    """Shortest-path hop counts from tiles (BFS on the interconnect graph, cached per source)."""

    def __init__(self, graph: nx.Graph, n_tiles: int) -> None:
        missing = [i for i in range(n_tiles) if ("tile", i) not in graph]
        if missing:
            raise MappingError(
                f"interconnect graph: no node for tiles {missing[:5]}{' ...' if len(missing) > 5 else ''} "
                f"of a chip with {n_tiles} tiles; expected nodes ('tile', 0) ... ('tile', {n_tiles - 1})",
                hint="check chip.n_tiles against the interconnect topology",
            )
        nodes = list(graph.nodes)
        self._index: dict[Hashable, int] = {node: k for k, node in enumerate(nodes)}
        self._adj: list[list[int]] = [[self._index[m] for m in graph.neighbors(node)] for node in nodes]
        self._tile_idx = np.array([self._index[("tile", i)] for i in range(n_tiles)], dtype=np.int64)
        self.n_tiles = n_tiles
        self._cache: dict[Hashable, np.ndarray] = {}

    def from_node(self, node: Hashable) -> np.ndarray:
        """Hop counts from ``node`` to every tile (int64 array of length ``n_tiles``).

        Raises:
            MappingError: when a tile cannot be reached (disconnected interconnect).
        """
        cached = self._cache.get(node)
        if cached is not None:
            return cached
        dist = [-1] * len(self._adj)
        start = self._index[node]
        dist[start] = 0
        frontier = [start]
        adj = self._adj
        level = 0
        while frontier:  # level-synchronous BFS on plain lists (numpy scalar access is slower here)
            level += 1
            nxt = []
            for u in frontier:
                for v in adj[u]:
                    if dist[v] < 0:
                        dist[v] = level
                        nxt.append(v)
            frontier = nxt
        out = np.asarray(dist, dtype=np.int64)[self._tile_idx]
        if (out < 0).any():
            unreachable = np.flatnonzero(out < 0)[:5].tolist()
            raise MappingError(
                f"interconnect graph: tiles {unreachable} cannot be reached from {node!r}",
                hint="the interconnect must connect every tile",
            )
        out.setflags(write=False)
        self._cache[node] = out
        return out

    def from_tile(self, tile: int) -> np.ndarray:
        """Hop counts from tile ``tile`` to every tile."""
        return self.from_node(("tile", tile))


def tile_weights(slots: Sequence[tuple[int, int]]) -> dict[int, float]:
    """Fraction of a layer's crossbars on each tile, from its ``(tile, crossbar)`` slots."""
    counts: dict[int, int] = {}
    for tile, _ in slots:
        counts[tile] = counts.get(tile, 0) + 1
    total = len(slots)
    return {t: n / total for t, n in sorted(counts.items())}


def _top(weights: Mapping[int, float], k: int) -> dict[int, float]:
    """At most ``k`` representative tiles, renormalised to sum to one.

    With more than ``k`` tiles, keeps ``k`` tiles evenly spaced in id order (so a layer spread over the
    chip keeps its spread), deterministic.
    """
    if len(weights) <= k:
        return dict(weights)
    tiles = sorted(weights)
    picks = [tiles[int(i)] for i in np.linspace(0, len(tiles) - 1, k).round()]
    s = sum(weights[t] for t in picks)
    return {t: weights[t] / s for t in picks}


def mean_distance_vector(dist: HopDistances, weights: Mapping[int, float], k: int) -> np.ndarray:
    """For every tile t: Σ_a w_a · d(a, t) over the (top-k) source tiles a."""
    acc = np.zeros(dist.n_tiles, dtype=np.float64)
    for tile, w in _top(weights, k).items():
        acc += w * dist.from_tile(tile)
    return acc


def mean_hops(dist: HopDistances, src: Mapping[int, float], dst: Mapping[int, float]) -> float:
    """Mean hop distance between a random producer crossbar and a random consumer crossbar."""
    dst_vec = np.zeros(dist.n_tiles, dtype=np.float64)
    for tile, w in dst.items():
        dst_vec[tile] = w
    return float(mean_distance_vector(dist, src, MAX_SOURCE_TILES_REPORT) @ dst_vec)


@dataclass(frozen=True, kw_only=True, slots=True)
class Demand:
    """One analog layer to place: how many crossbars, and which placed layers send it data."""

    name: str
    """Layer name."""
    n_crossbars: int
    """Crossbars needed (all replicas and slices)."""
    sources: tuple[tuple[str, int], ...] = ()
    """``(source layer, bytes per sample)`` for each analog producer (placed earlier)."""


Placer = Callable[[Sequence[Demand], int, int, HopDistances, "Hashable | None"], dict[str, list[tuple[int, int]]]]


def _fill(
    order: Sequence[int], n: int, used: list[int], capacity: int
) -> list[tuple[int, int]]:
    """Take ``n`` free crossbar slots from tiles in ``order``; updates ``used`` in place."""
    slots: list[tuple[int, int]] = []
    for tile in order:
        while used[tile] < capacity and len(slots) < n:
            slots.append((tile, used[tile]))
            used[tile] += 1
        if len(slots) == n:
            break
    return slots


def place_in_order(
    demands: Sequence[Demand],
    n_tiles: int,
    capacity: int,
    dist: HopDistances | None = None,
    io_node: Hashable | None = None,
) -> dict[str, list[tuple[int, int]]]:
    """Fill crossbars in tile-id order, layer after layer. Returns ``layer → [(tile, crossbar), ...]``."""
    used = [0] * n_tiles
    order = list(range(n_tiles))
    return {d.name: _fill(order, d.n_crossbars, used, capacity) for d in demands}


def place_greedy(
    demands: Sequence[Demand],
    n_tiles: int,
    capacity: int,
    dist: HopDistances | None,
    io_node: Hashable | None = None,
) -> dict[str, list[tuple[int, int]]]:
    """Greedy by traffic (see the module docstring). Returns ``layer → [(tile, crossbar), ...]``."""
    if dist is None:
        return place_in_order(demands, n_tiles, capacity)
    used = [0] * n_tiles
    placed: dict[str, list[tuple[int, int]]] = {}
    weights: dict[str, dict[int, float]] = {}
    ids = np.arange(n_tiles)
    for d in demands:
        cost = np.zeros(n_tiles, dtype=np.float64)
        srcs = [(s, b) for s, b in d.sources if s in weights]
        if srcs:
            for s, nbytes in srcs:
                cost += max(nbytes, 1) * mean_distance_vector(dist, weights[s], MAX_SOURCE_TILES)
        elif io_node is not None:
            cost = dist.from_node(io_node).astype(np.float64)
        free = np.array([used[t] < capacity for t in range(n_tiles)])
        order = ids[free][np.lexsort((ids[free], cost[free]))].tolist()
        slots = _fill(order, d.n_crossbars, used, capacity)
        placed[d.name] = slots
        if slots:
            weights[d.name] = tile_weights(slots)
    return placed


STRATEGIES: dict[str, Placer] = {"in-order": place_in_order, "greedy": place_greedy}
"""Placement strategies by name."""
