"""Dataflow between analog layers: owners, sources, traffic, pipeline stages and home tiles.

Model: every digital layer (activation, pooling, normalisation, flatten, residual add, softmax) runs on
the digital units of the home tile of its *owner*: the latest analog layer it depends on (highest analog
depth, then latest in topological order). Digital layers that depend on no analog layer (the input node,
preprocessing) are owned by the network input, :data:`INPUT`. Activations cross the interconnect only where
a graph edge ``p → v`` joins two different owners: ``owner(p)`` sends p's output tensor to ``owner(v)``
(or to v itself when v is analog). In a ResNet block this gives the main path ``conv3 → next conv1`` and
the skip path ``previous block's owner → conv3`` (the residual operand travels to where the add runs).

The *sources* of analog layer L are the owners that send it data this way, in topological order;
``bytes`` on an edge are ``prod(p.out_shape)`` activations per sample (the same again backwards, as
gradients). Several graph edges between the same pair of owners add up.

Pipeline stages group layers by *analog depth*: ``level(n) = max(level(p) for p in preds) + [n is analog]``
(0 without predecessors). Analog layers with the same level (parallel branches, e.g. a ResNet block's
first conv and its projection shortcut) form one stage, together with the digital layers that follow
them; digital layers ahead of every analog layer join stage 0.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import networkx as nx

INPUT = "<input>"
"""Pseudo-owner / pseudo-source name for the network input."""


def _topo(graph: nx.DiGraph, order: Sequence[str] | None) -> list[str]:
    """The workload's own topological order when given (deterministic), else networkx's."""
    return list(order) if order is not None else list(nx.topological_sort(graph))


def levels(graph: nx.DiGraph, analog: Collection[str], order: Sequence[str] | None = None) -> dict[str, int]:
    """Analog depth of every node (see the module docstring)."""
    lvl: dict[str, int] = {}
    for node in _topo(graph, order):
        base = max((lvl[p] for p in graph.predecessors(node)), default=0)
        lvl[node] = base + (1 if node in analog else 0)
    return lvl


def owners(graph: nx.DiGraph, analog: Collection[str], order: Sequence[str] | None = None) -> dict[str, str]:
    """Owner of every node: itself when analog, else its latest analog producer, else :data:`INPUT`."""
    lvl = levels(graph, analog, order)
    topo = _topo(graph, order)
    pos = {n: k for k, n in enumerate(topo)}
    own: dict[str, str] = {}
    for node in topo:
        if node in analog:
            own[node] = node
            continue
        cands = [own[p] for p in graph.predecessors(node) if own[p] != INPUT]
        own[node] = max(cands, key=lambda a: (lvl[a], pos[a])) if cands else INPUT
    return own


def dataflow(
    graph: nx.DiGraph,
    analog: Collection[str],
    out_numel: Mapping[str, int],
    order: Sequence[str] | None = None,
) -> dict[tuple[str, str], int]:
    """Activations per sample sent from owner to analog layer: ``{(src, dst): n_values}``.

    ``src`` is an analog layer or :data:`INPUT`; ``dst`` is always an analog layer. Edges into digital
    nodes owned by INPUT carry no traffic (they happen before the chip).
    """
    own = owners(graph, analog, order)
    flows: dict[tuple[str, str], int] = {}
    for node in _topo(graph, order):
        dst = own[node]
        if dst == INPUT:
            continue
        for p in graph.predecessors(node):
            src = own[p]
            if src != dst:
                flows[(src, dst)] = flows.get((src, dst), 0) + int(out_numel[p])
    return flows


def analog_sources(
    graph: nx.DiGraph,
    analog: Collection[str],
    order: Sequence[str] | None = None,
    flows: Mapping[tuple[str, str], int] | None = None,
) -> dict[str, tuple[str, ...]]:
    """For every analog layer, the owners sending it data (or :data:`INPUT`), in topological order."""
    topo = _topo(graph, order)
    pos = {n: k for k, n in enumerate(topo)}
    pos[INPUT] = -1
    if flows is None:
        flows = dataflow(graph, analog, {n: 1 for n in graph.nodes}, order)
    srcs: dict[str, set[str]] = {n: set() for n in analog}
    for src, dst in flows:
        srcs[dst].add(src)
    return {n: tuple(sorted(srcs[n], key=pos.__getitem__)) for n in sorted(analog, key=pos.__getitem__)}


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
    """Home tile of every node: its owner's home; nodes owned by the input take the home of their first
    analog consumer, or ``default`` when they reach none."""
    analog = set(analog_home)
    own = owners(graph, analog, order)
    topo = _topo(graph, order)
    pos = {n: k for k, n in enumerate(topo)}
    first_consumer: dict[str, str | None] = {}
    for node in reversed(topo):
        if node in analog:
            first_consumer[node] = node
            continue
        cands = [c for c in (first_consumer[s] for s in graph.successors(node)) if c is not None]
        first_consumer[node] = min(cands, key=pos.__getitem__) if cands else None
    out: dict[str, int] = {}
    for node in topo:
        a = own[node] if own[node] != INPUT else first_consumer[node]
        out[node] = analog_home[a] if a is not None else default
    return out


def home_tile(slots: Sequence[tuple[int, int]]) -> int:
    """The tile holding most of a layer's crossbars (lowest id on ties)."""
    counts: dict[int, int] = {}
    for tile, _ in slots:
        counts[tile] = counts.get(tile, 0) + 1
    return min(counts, key=lambda t: (-counts[t], t))
