"""Interconnect: routers and links built from a networkx topology, routes precomputed.

Every undirected edge ``(u, v)`` of the graph becomes two directed :class:`Link`\\ s (one
``simpy.Resource(capacity=1)`` each). A message is one coarse packet routed along a shortest path
(hop count; ties broken by networkx's deterministic BFS order, routes cached at first use, never
recomputed in the hot path). The packet is sent wormhole-style: it acquires every link on its path
(in a global sorted order, which rules out routing deadlock), holds them for
``hops x hop_latency_ns + bytes / bandwidth`` (the bandwidth of the slowest link on the path), then
releases them. Two messages that share any link therefore serialise; disjoint paths run in parallel.

Counts: each link counts ``bytes``; each router on the path counts ``bytes`` (routers are the graph's
non-tile nodes, or every node when the graph has tile nodes only). Edge attributes
``bandwidth_bytes_per_ns`` and ``hop_latency_ns`` override the default :class:`LinkSpec` per link.
"""

from __future__ import annotations

from collections.abc import Generator, Hashable
from dataclasses import dataclass
from typing import Any

import networkx as nx
import simpy

from archsim.engine.component import Component
from archsim.engine.env import SimEnvironment
from archsim.engine.spec import LinkSpec
from archsim.errors import SimulationError


def node_label(node: Hashable) -> str:
    """A scope-friendly label: ``("tile", 3) -> "tile3"``, ``"hub" -> "hub"``."""
    if isinstance(node, tuple):
        return "".join(str(part) for part in node)
    return str(node)


def is_tile_node(node: Hashable) -> bool:
    """True for ``("tile", i)`` nodes."""
    return isinstance(node, tuple) and len(node) == 2 and node[0] == "tile"


@dataclass(frozen=True)
class Route:
    """A precomputed route: links in acquisition order, routers on the path, latency, bandwidth."""

    links: tuple[Link, ...]
    routers: tuple[Component, ...]
    latency_ticks: int
    bandwidth_bytes_per_ns: float
    first: Link | None


class Link(Component):
    """One direction of a link."""

    def __init__(self, env: SimEnvironment, name: str, parent: Component, spec: LinkSpec, order: int) -> None:
        super().__init__(env, name, parent)
        self.spec = spec
        self.order = order
        self.resource = simpy.Resource(env, capacity=1)


class Network(Component):
    """The on-chip network: links, routers and cached routes.

    Args:
        graph: undirected topology; nodes include ``("tile", i)``.
        default_link: spec used where an edge has no attributes of its own.
    """

    def __init__(self, env: SimEnvironment, name: str, parent: Component | None, graph: nx.Graph,
                 default_link: LinkSpec) -> None:
        super().__init__(env, name, parent)
        self.graph = graph
        self.links: dict[tuple[Hashable, Hashable], Link] = {}
        edges = sorted(graph.edges(data=True), key=lambda e: (repr(e[0]), repr(e[1])))
        for u, v, data in edges:
            spec = LinkSpec(
                bandwidth_bytes_per_ns=float(data.get("bandwidth_bytes_per_ns",
                                                      default_link.bandwidth_bytes_per_ns)),
                hop_latency_ns=float(data.get("hop_latency_ns", default_link.hop_latency_ns)),
            )
            for a, b in ((u, v), (v, u)):
                self.links[(a, b)] = Link(env, f"link_{node_label(a)}_{node_label(b)}", self, spec,
                                          order=len(self.links))
        only_tiles = all(is_tile_node(n) for n in graph.nodes)
        self.routers: dict[Hashable, Component] = {
            n: Component(env, f"router_{node_label(n)}", self)
            for n in sorted(graph.nodes, key=repr) if only_tiles or not is_tile_node(n)
        }
        self._routes: dict[tuple[Hashable, Hashable], Route] = {}

    def route(self, src: Hashable, dst: Hashable) -> Route:
        """The cached :class:`Route` from ``src`` to ``dst``."""
        key = (src, dst)
        cached = self._routes.get(key)
        if cached is not None:
            return cached
        try:
            path = nx.shortest_path(self.graph, src, dst)
        except (nx.NetworkXNoPath, nx.NodeNotFound) as exc:
            raise SimulationError(f"engine: interconnect: no route from {src} to {dst}",
                                  hint="check interconnect topology: every tile must be connected") from exc
        links = [self.links[(a, b)] for a, b in zip(path, path[1:])]
        routers = tuple(self.routers[n] for n in path if n in self.routers)
        lat = sum(link.spec.hop_latency_ns for link in links)
        bw = min((link.spec.bandwidth_bytes_per_ns for link in links), default=float("inf"))
        entry = Route(links=tuple(sorted(links, key=lambda link: link.order)), routers=routers,
                      latency_ticks=self.env.to_ticks(lat), bandwidth_bytes_per_ns=bw,
                      first=links[0] if links else None)
        self._routes[key] = entry
        return entry

    def send(self, src: Hashable, dst: Hashable, nbytes: float) -> Generator[Any, Any, None]:
        """Move ``nbytes`` from ``src`` to ``dst``; waits for every link on the path, then holds them."""
        if src == dst or nbytes <= 0:
            return
        route = self.route(src, dst)
        links, routers = route.links, route.routers
        lat_ticks, bw = route.latency_ticks, route.bandwidth_bytes_per_ns
        if not links:
            return
        first = route.first
        requests = []
        try:
            for link in links:
                req = link.resource.request()
                requests.append((link, req))
                yield req
            ticks = lat_ticks + self.env.to_ticks(nbytes / bw)
            self.env.trace(first.scope, "send_start")
            yield self.env.timeout(ticks)
            self.env.trace(first.scope, "send_end")
        finally:
            for link, req in requests:
                link.resource.release(req)
        for link in links:
            link.count("bytes", nbytes)
            link.add_busy(ticks)
        for router in routers:
            router.count("bytes", nbytes)
