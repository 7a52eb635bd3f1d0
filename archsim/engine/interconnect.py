"""Interconnect: routers and links built from a networkx topology; packets pipeline along their path.

Every undirected edge ``(u, v)`` of the graph becomes two directed :class:`Link`\\ s. A packet of ``B``
bytes is ``ceil(8 B / flit_bits)`` flits and travels **virtual cut-through**: its head crosses hop ``k``
in ``hop_latency_ns`` (router pipeline + wire) and moves on as soon as the next link is free, while its
flits stream behind it; a blocked packet waits whole in the router's input buffer and frees the links
behind it. Each link is therefore busy only for the packet's serialisation ``S = flits * flit / rate``
(``rate`` = the link bandwidth, or one flit per router clock cycle when that is lower), so one packet
over ``h`` hops arrives after ``h * hop_latency + S``, and two back-to-back packets on one path arrive one
``S`` apart. Links are granted first come, first served in the order packets are injected (a packet
reserves the links of its path when it is injected; see :class:`~archsim.engine.server.Server`).

Routes are breadth-first shortest paths (hop count; networkx's deterministic order), cached per source.
A *multicast* packet (the same data to several tiles: a row of inputs for all replicas of a layer) uses the
source's shortest-path tree and crosses each link of the tree once.

Counts per link and router: ``bytes``, ``flits`` and ``packets``, attributed to the layer that sent them.
Routers are the graph's non-tile nodes except the off-chip port (every tile node when the graph has
no other nodes). Reported per
link: utilisation, packets, mean and maximum wait; per router: the waits of the packets at its output links.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from archsim.engine.component import Component
from archsim.engine.env import SimEnvironment
from archsim.engine.spec import LinkSpec
from archsim.errors import SimulationError


@dataclass(frozen=True, eq=False)
class _Tree:
    """A cached multicast route: links parents first, their parent indices, routers, destination links."""

    index: int
    links: tuple[Link, ...]
    parents: tuple[int, ...]
    routers: tuple[Router, ...]
    dests: tuple[int, ...]
    uniform: bool
    roots: tuple[Link, ...]
    chain: bool
    """A unicast path of uniform links (every link's parent is the link before it, one destination at its end):
    the fast path of :meth:`Network.transmit_one`."""
    sizes: dict[float, tuple[int, int]] = field(default_factory=dict, compare=False)
    """Cache: packet bytes -> (serialisation ticks on the first link, flits)."""


def node_label(node: Hashable) -> str:
    """A scope-friendly label: ``("tile", 3) -> "tile3"``, ``"hub" -> "hub"``."""
    if isinstance(node, tuple):
        return "".join(str(part) for part in node)
    return str(node)


def is_offchip_node(node: Hashable) -> bool:
    """True for the ``("offchip", i)`` port (not a router: nothing is routed there)."""
    return isinstance(node, tuple) and len(node) == 2 and node[0] == "offchip"


def is_tile_node(node: Hashable) -> bool:
    """True for ``("tile", i)`` nodes."""
    return isinstance(node, tuple) and len(node) == 2 and node[0] == "tile"


class Router(Component):
    """A router: counts what passes through it and the waits of packets at its output links."""

    def __init__(self, env: SimEnvironment, name: str, parent: Component) -> None:
        super().__init__(env, name, parent)
        self.packets = 0
        self.total_wait = 0
        self.max_wait = 0


class Link(Component):
    """One direction of a link; busy for each packet's serialisation."""

    def __init__(self, env: SimEnvironment, name: str, parent: Component, spec: LinkSpec,
                 router: Router | None, ends: tuple[Hashable, Hashable]) -> None:
        super().__init__(env, name, parent)
        self.spec = spec
        self.ends = ends
        """``(from node, to node)``."""
        self.router = router
        """The router this link leaves from (None for a tile's or the off-chip port's own output)."""
        self.latency = env.to_ticks(spec.hop_latency_ns)
        self._ser: dict[float, int] = {}
        self._flits: dict[float, int] = {}
        self.rate_key = (spec.bandwidth_bytes_per_ns, spec.flit_bytes, spec.flits_per_ns)
        self.free_at = 0
        self.busy = 0
        self._flushed = 0
        self.packets = 0
        self.total_wait = 0
        self.max_wait = 0

    def wait(self, ticks: int) -> None:
        """A packet waited ``ticks`` for this link (counted here and at the router it leaves from)."""
        self.total_wait += ticks
        if ticks > self.max_wait:
            self.max_wait = ticks
        router = self.router
        if router is not None:
            router.total_wait += ticks
            if ticks > router.max_wait:
                router.max_wait = ticks

    def flush(self) -> None:  # noqa: D102 - the link's busy time is its serialisation time
        self._busy += self.busy - self._flushed
        self._flushed = self.busy
        super().flush()

    def flits_of(self, nbytes: float) -> int:
        """Flits of a packet of ``nbytes`` (cached)."""
        found = self._flits.get(nbytes)
        if found is None:
            found = self._flits[nbytes] = self.spec.flits(nbytes)
        return found

    def serialise_ticks(self, nbytes: float) -> int:
        """Ticks the packet's flits occupy this link."""
        found = self._ser.get(nbytes)
        if found is None:
            found = self._ser[nbytes] = self.env.to_ticks(self.spec.serialise_ns(nbytes))
        return found



def chain_arrival(links: Sequence[Any], s: int, start_at: int) -> int:
    """Book one packet along a single path of links that each serialise it in ``s`` ticks (cut-through): the
    head takes each link when it is free, the link is busy for ``s``, and the tail arrives ``s`` after the head.
    Returns the tick the tail arrives."""
    ready = start_at
    for link in links:
        free = link.free_at
        if free > ready:
            link.wait(free - ready)
            ready = free
        link.free_at = ready + s
        ready += link.latency
    return ready + s

def _counted(tree: _Tree, acc: list[float], nbytes: float) -> tuple[int, int]:
    """The ``(serialisation ticks, flits)`` of an ``nbytes`` packet on ``tree`` (worked out once per size), counted
    on the accumulator ``acc`` of :meth:`Network.traffic` as one packet of its bytes and flits."""
    size = tree.sizes.get(nbytes)
    if size is None:
        size = tree.sizes[nbytes] = (tree.links[0].serialise_ticks(nbytes), tree.links[0].flits_of(nbytes))
    acc[0] += nbytes
    acc[1] += size[1]
    acc[2] += 1
    return size


class Network(Component):
    """The on-chip network: links, routers and cached routes.

    Args:
        graph: undirected topology; nodes include ``("tile", i)``; edges may carry
            ``bandwidth_bytes_per_ns`` and ``hop_latency_ns``.
        default_link: spec used where an edge has no attributes of its own (also flit size and rate).
    """

    def __init__(self, env: SimEnvironment, name: str, parent: Component | None, graph: nx.Graph,
                 default_link: LinkSpec) -> None:
        super().__init__(env, name, parent)
        self.graph = graph
        ports = [n for n in graph.nodes if is_offchip_node(n)]
        only_tiles = all(is_tile_node(n) for n in graph.nodes if n not in ports)
        self.routers: dict[Hashable, Router] = {
            n: Router(env, f"router_{node_label(n)}", self)
            for n in sorted(graph.nodes, key=repr) if n not in ports and (only_tiles or not is_tile_node(n))
        }
        self.links: dict[tuple[Hashable, Hashable], Link] = {}
        edges = sorted(graph.edges(data=True), key=lambda e: (repr(e[0]), repr(e[1])))
        for u, v, data in edges:
            spec = LinkSpec(
                bandwidth_bytes_per_ns=float(data["bandwidth_bytes_per_ns"]) if "bandwidth_bytes_per_ns" in data
                else default_link.bandwidth_bytes_per_ns,
                hop_latency_ns=float(data["hop_latency_ns"]) if "hop_latency_ns" in data
                else default_link.hop_latency_ns,
                flit_bytes=default_link.flit_bytes, flits_per_ns=default_link.flits_per_ns,
            )
            for a, b in ((u, v), (v, u)):
                self.links[(a, b)] = Link(env, f"link_{node_label(a)}_{node_label(b)}", self, spec,
                                          self.routers.get(a), (a, b))
        self._paths: dict[Hashable, dict[Hashable, list[Hashable]]] = {}
        self._trees: dict[tuple[Hashable, tuple[Hashable, ...]], _Tree] = {}
        self._routes: dict[tuple[Hashable, tuple[Hashable, ...]], _Tree | None] = {}
        self._sent: dict[tuple[int, str], list[float]] = {}
        self._tree_list: list[_Tree] = []

    def _tree(self, src: Hashable, dsts: tuple[Hashable, ...]) -> _Tree:
        """The shortest-path tree from ``src`` to ``dsts`` (cached)."""
        key = (src, dsts)
        found = self._trees.get(key)
        if found is not None:
            return found
        paths = self._paths.get(src)
        if paths is None:
            if src not in self.graph:
                raise SimulationError(f"engine: interconnect: no node {src} in the topology")
            paths = self._paths[src] = nx.single_source_shortest_path(self.graph, src)
        order: list[tuple[Hashable, Hashable]] = []
        index: dict[tuple[Hashable, Hashable], int] = {}
        for dst in dsts:
            path = paths.get(dst)
            if path is None:
                raise SimulationError(f"engine: interconnect: no route from {src} to {dst}",
                                      hint="check interconnect topology: every tile must be connected")
            for a, b in zip(path, path[1:]):
                if (a, b) not in index:
                    index[(a, b)] = len(order)
                    order.append((a, b))
        parent_of = {b: index[(a, b)] for a, b in order}
        links = tuple(self.links[(a, b)] for a, b in order)
        nodes: dict[Hashable, None] = {}
        for a, b in order:
            nodes.setdefault(a)
            nodes.setdefault(b)
        uniform = len({link.rate_key for link in links}) == 1
        tree = _Tree(
            index=len(self._tree_list), links=links, parents=tuple(parent_of.get(a, -1) for a, _ in order),
            routers=tuple(self.routers[n] for n in nodes if n in self.routers),
            dests=tuple(index[(paths[d][-2], d)] if d != src else -1 for d in dsts),
            uniform=uniform,
            roots=tuple(link for link, (a, _) in zip(links, order) if a == src),
            chain=all(parent_of.get(a, -1) == k - 1 for k, (a, _) in enumerate(order))
            and len(dsts) == 1 and dsts[0] != src and uniform)
        self._trees[key] = tree
        self._tree_list.append(tree)
        return tree

    def hops(self, src: Hashable, dst: Hashable) -> int:
        """Links on the route from ``src`` to ``dst``."""
        return len(self._tree(src, (dst,)).links) if src != dst else 0

    def tree(self, src: Hashable, dsts: tuple[Hashable, ...]) -> _Tree | None:
        """The cached route of a packet from ``src`` to ``dsts`` (None when it stays on ``src``)."""
        key = (src, dsts)
        if key in self._routes:
            return self._routes[key]
        found = self._routes[key] = None if all(d == src for d in dsts) else self._tree(src, dsts)
        return found

    def inject_at(self, src: Hashable, dsts: tuple[Hashable, ...]) -> int:
        """When a packet from ``src`` to ``dsts`` can enter the network: its first links are free (a sender
        holds its packet in its own queue until then, so reservations never run far ahead of time)."""
        tree = self.tree(src, dsts)
        return 0 if tree is None else max(link.free_at for link in tree.roots)

    def send(self, src: Hashable, dsts: tuple[Hashable, ...], nbytes: float, layer: str,
             at: int | None = None) -> list[int]:
        """Inject a packet of ``nbytes`` at ``src`` for every node in ``dsts`` (multicast) at tick ``at``
        (default: now); reserve its links and return the tick its tail reaches each destination."""
        start_at = int(self.env.now) if at is None else at
        tree = self.tree(src, dsts)
        if nbytes <= 0 or tree is None:
            return [start_at] * len(dsts)
        return self.send_tree(tree, nbytes, layer, start_at)

    def traffic(self, tree: _Tree, layer: str) -> list[float]:
        """The accumulator ``[bytes, flits, packets, busy ticks per link]`` of ``layer``'s packets along ``tree``
        (counted on its links and routers at :meth:`flush`)."""
        key = (tree.index, layer)
        acc = self._sent.get(key)
        if acc is None:
            acc = self._sent[key] = [0.0, 0.0, 0.0, 0]
        return acc

    def send_tree(self, tree: _Tree, nbytes: float, layer: str, start_at: int) -> list[int]:
        """:meth:`send` along a route from :meth:`tree`."""
        return self.transmit(tree, self.traffic(tree, layer), nbytes, start_at)

    def transmit(self, tree: _Tree, acc: list[float], nbytes: float, start_at: int) -> list[int]:
        """:meth:`send_tree` counted on the accumulator ``acc`` of :meth:`traffic` (hot paths keep it)."""
        if tree.chain:
            return [self.transmit_one(tree, acc, nbytes, start_at)]
        size = _counted(tree, acc, nbytes)
        if tree.uniform:
            acc[3] += size[0]
            return self._reserve_uniform(tree, size[0], start_at)
        return self._reserve_links(tree, nbytes, start_at)

    def transmit_one(self, tree: _Tree, acc: list[float], nbytes: float, start_at: int) -> int:
        """:meth:`transmit` of a packet to one destination; return the tick its tail arrives there."""
        size = _counted(tree, acc, nbytes)
        if not tree.chain:
            if tree.uniform:
                acc[3] += size[0]
                return self._reserve_uniform(tree, size[0], start_at)[0]
            return self._reserve_links(tree, nbytes, start_at)[0]
        s = size[0]
        acc[3] += s
        return chain_arrival(tree.links, s, start_at)

    @staticmethod
    def _reserve_uniform(tree: _Tree, s: int, start_at: int) -> list[int]:
        """:meth:`_reserve_links` where every link serialises the packet in ``s`` ticks. Then a link's tail
        constraint never binds (its parent's tail leaves ``s`` after its head, and the link cannot start before
        the head), so each link is busy exactly ``s`` (counted per route, :meth:`traffic`) and the tail reaches a
        destination ``s`` after the head."""
        parents = tree.parents
        head: list[int] = []
        for k, link in enumerate(tree.links):
            parent = parents[k]
            ready = start_at if parent < 0 else head[parent]
            free = link.free_at
            if free > ready:
                link.wait(free - ready)
                ready = free
            link.free_at = ready + s
            head.append(ready + link.latency)
        return [head[d] + s if d >= 0 else start_at for d in tree.dests]

    @staticmethod
    def _reserve_links(tree: _Tree, nbytes: float, start_at: int) -> list[int]:
        """Reserve the links of ``tree`` for a packet of ``nbytes`` injected at ``start_at``, parents first: a
        link starts when the head has crossed its parent and it is free, and ends one serialisation later,
        not before the tail has crossed the parent. Return the tick its tail reaches each destination."""
        links = tree.links
        parents = tree.parents
        head: list[int] = []
        tail: list[int] = []
        for k, link in enumerate(links):
            parent = parents[k]
            if parent < 0:
                ready = tail_in = start_at
            else:
                ready = head[parent]
                tail_in = tail[parent]
            s = link.serialise_ticks(nbytes)
            free = link.free_at
            start = ready if ready > free else free
            end = start + s
            if tail_in > end:
                end = tail_in
            link.free_at = end
            link.busy += end - start
            if start > ready:
                link.wait(start - ready)
            lat = link.latency
            head.append(start + lat)
            tail.append(end + lat)
        return [tail[d] if d >= 0 else start_at for d in tree.dests]

    def flush(self) -> None:  # noqa: D102 - hands the per-tree traffic to the links and routers first
        for (index, layer), (nbytes, flits, packets, busy) in sorted(self._sent.items()):
            tree = self._tree_list[index]
            for link in tree.links:
                link.count("bytes", nbytes, layer)
                link.count("flits", flits, layer)
                link.packets += int(packets)
                link.busy += busy
            for router in tree.routers:
                router.count("bytes", nbytes, layer)
                router.count("flits", flits, layer)
                router.packets += int(packets)
        self._sent.clear()
        for child in self.children:
            child.flush()
        super().flush()

    def link_report(self, makespan: int) -> dict[str, dict[str, Any]]:
        """Per link with traffic: busy ns, utilisation, packets, mean and maximum wait (ns)."""
        out: dict[str, dict[str, Any]] = {}
        to_ns = self.env.to_ns
        for link in self.links.values():
            if not link.packets:
                continue
            out[link.scope] = {
                "busy_ns": to_ns(link.busy), "utilisation": link.busy / makespan if makespan else 0.0,
                "packets": link.packets, "mean_wait_ns": to_ns(link.total_wait) / link.packets,
                "max_wait_ns": to_ns(link.max_wait),
            }
        return dict(sorted(out.items()))

    def router_report(self) -> dict[str, dict[str, Any]]:
        """Per router with traffic: packets sent on, mean and maximum wait at its output links (ns)."""
        out: dict[str, dict[str, Any]] = {}
        to_ns = self.env.to_ns
        for router in self.routers.values():
            if not router.packets:
                continue
            out[router.scope] = {"packets": router.packets,
                                 "mean_wait_ns": to_ns(router.total_wait) / router.packets,
                                 "max_wait_ns": to_ns(router.max_wait)}
        return dict(sorted(out.items()))
