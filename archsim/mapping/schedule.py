"""Dataflow between analog layers: sources, pipeline stages, traffic and home tiles.

Model: digital layers (activations, pooling, normalisation, flatten, residual add, softmax) run on the
digital units of the tile that produced their input, so activations cross the interconnect only between
analog layers. For every analog layer the *sources* are the analog layers (or the network input,
``"<input>"``) reached by walking back through digital layers only.

Traffic: each source of analog layer L sends L's input tensor per sample (``prod(L.in_shape)``
activations × ``activation_bytes``). For a residual add this is exact (both operands have the size of the
sum); it is the same size again in the backward cycle (gradients).

Pipeline stages group layers by *analog depth*: ``level(n) = max(level(p) for p in preds) + [n is analog]``
(0 without predecessors). Analog layers with the same level (parallel branches, e.g. a ResNet block's
first conv and its projection shortcut) form one stage, together with the digital layers that follow
them; digital layers ahead of every analog layer join stage 0.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import networkx as nx

INPUT = "<input>"
"""Pseudo-source name for the network input."""


def _topo(graph: nx.DiGraph, order: Sequence[str] | None) -> list[str]:
    """The workload's own topological order when given (deterministic), else networkx's."""
    return list(order) if order is not None else list(nx.topological_sort(graph))


def analog_sources(
    graph: nx.DiGraph, analog: Collection[str], order: Sequence[str] | None = None
) -> dict[str, tuple[str, ...]]:
    """For every analog layer, its analog producers (or :data:`INPUT`), in topological order."""
    pos = {n: k for k, n in enumerate(_topo(graph, order))}
    reach: dict[str, set[str]] = {}
    for node in sorted(graph.nodes, key=pos.__getitem__):
        preds = list(graph.predecessors(node))
        srcs: set[str] = set()
        if not preds:
            srcs.add(INPUT)
        for p in preds:
            srcs |= {p} if p in analog else reach[p]
        reach[node] = srcs
    rank = dict(pos)
    rank[INPUT] = -1
    return {n: tuple(sorted(reach[n], key=rank.__getitem__)) for n in sorted(analog, key=pos.__getitem__)}


def levels(graph: nx.DiGraph, analog: Collection[str], order: Sequence[str] | None = None) -> dict[str, int]:
    """Analog depth of every node (see the module docstring)."""
    lvl: dict[str, int] = {}
    for node in _topo(graph, order):
        base = max((lvl[p] for p in graph.predecessors(node)), default=0)
        lvl[node] = base + (1 if node in analog else 0)
    return lvl


def pipeline_stages(
    graph: nx.DiGraph, analog: Collection[str], order: Sequence[str] | None = None
) -> tuple[tuple[str, ...], ...]:
    """Layer names grouped into pipeline stages, each in topological order; empty without analog layers."""
    if not analog:
        return ()
    lvl = levels(graph, analog, order)
    n_stages = max(lvl.values())
    stages: list[list[str]] = [[] for _ in range(n_stages)]
    for node in _topo(graph, order):
        stages[max(lvl[node], 1) - 1].append(node)
    return tuple(tuple(s) for s in stages)


def home_tiles(
    graph: nx.DiGraph, analog_home: Mapping[str, int], default: int = 0, order: Sequence[str] | None = None
) -> dict[str, int]:
    """Home tile of every node: analog layers' given homes; a digital node takes the home of its latest
    analog producer (highest level, then latest in topological order), or of its first analog consumer
    when no analog layer precedes it, or ``default`` when the graph has no analog layer."""
    analog = set(analog_home)
    lvl = levels(graph, analog, order)
    topo = _topo(graph, order)
    order = {n: k for k, n in enumerate(topo)}
    latest: dict[str, str | None] = {}
    for node in topo:
        if node in analog:
            latest[node] = node
            continue
        cands = [latest[p] for p in graph.predecessors(node) if latest[p] is not None]
        latest[node] = max(cands, key=lambda a: (lvl[a], order[a])) if cands else None  # type: ignore[index]
    first_consumer: dict[str, str | None] = {}
    for node in reversed(topo):
        if node in analog:
            first_consumer[node] = node
            continue
        cands = [first_consumer[s] for s in graph.successors(node) if first_consumer[s] is not None]
        first_consumer[node] = min(cands, key=order.__getitem__) if cands else None  # type: ignore[arg-type]
    out: dict[str, int] = {}
    for node in topo:
        a = latest[node] or first_consumer[node]
        out[node] = analog_home[a] if a is not None else default
    return out


def home_tile(slots: Sequence[tuple[int, int]]) -> int:
    """The tile holding most of a layer's crossbars (lowest id on ties)."""
    counts: dict[int, int] = {}
    for tile, _ in slots:
        counts[tile] = counts.get(tile, 0) + 1
    return min(counts, key=lambda t: (-counts[t], t))
