"""Placement on the interconnect graph: hop distances, strategies, error paths."""

from __future__ import annotations

import networkx as nx
import pytest

from archsim.errors import MappingError
from archsim.mapping.placement import Demand, HopDistances, mean_hops, place_greedy, place_in_order


def line_graph(n):
    """tile0 - tile1 - ... - tile(n-1), with the off-chip port on tile 0."""
    g = nx.path_graph([("tile", i) for i in range(n)])
    g.add_edge(("offchip", 0), ("tile", 0))
    return g


def test_hop_distances_and_mean_hops():
    d = HopDistances(line_graph(5), 5)
    assert d.from_tile(2).tolist() == [2, 1, 0, 1, 2]
    assert d.from_node(("offchip", 0)).tolist() == [1, 2, 3, 4, 5]
    assert mean_hops(d, {0: 1.0}, {3: 0.5, 4: 0.5}) == 3.5


def test_missing_tile_and_disconnected_graph_raise():
    with pytest.raises(MappingError, match=r"no node for tiles \[5\]"):
        HopDistances(line_graph(5), 6)
    g = line_graph(4)
    g.remove_edge(("tile", 1), ("tile", 2))
    with pytest.raises(MappingError, match="cannot be reached"):
        HopDistances(g, 4).from_tile(0)


def test_in_order_fills_tiles_in_id_order():
    slots = place_in_order([Demand(name="a", n_crossbars=3), Demand(name="b", n_crossbars=2)], 3, 2)
    assert slots == {"a": [(0, 0), (0, 1), (1, 0)], "b": [(1, 1), (2, 0)]}


def test_greedy_places_consumer_next_to_producer():
    # producer 'a' starts at the off-chip end; 'c' (fed by 'b' only) goes right next to 'b'
    g = line_graph(8)
    demands = [
        Demand(name="a", n_crossbars=1),
        Demand(name="b", n_crossbars=1, sources=(("a", 100),)),
        Demand(name="c", n_crossbars=2, sources=(("b", 100),)),
    ]
    slots = place_greedy(demands, 8, 1, HopDistances(g, 8), ("offchip", 0))
    assert slots["a"] == [(0, 0)]
    assert slots["b"] == [(1, 0)]
    assert sorted(slots["c"]) == [(2, 0), (3, 0)]
    assert place_greedy(demands, 8, 1, HopDistances(g, 8), ("offchip", 0)) == slots  # deterministic
