"""families.route_path: each leg of a route found from the node the route has reached, the first leg
of that id in the order of ``G.out_edges(node, keys=True)`` (the adjacency read directly), or over the
whole graph when none leaves there."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import networkx as nx

from corridors.families import route_path


def _reference(G: nx.MultiDiGraph, route: Any) -> list[tuple[str, str, str]]:
    out = []
    node = route.origin
    for m in route.moves:
        node = m.from_id if m.from_id in G else node
        for k in m.leg_ids:
            cands = [(u, v) for u, v, kk in G.out_edges(node, keys=True) if kk == k]
            if not cands:
                cands = [(u, v) for u, v, kk in G.edges(keys=True) if kk == k]
            u, v = cands[0]
            out.append((u, v, k))
            node = v
    return out


def test_route_path_reads_legs_as_out_edges_would() -> None:
    G = nx.MultiDiGraph()
    G.add_edge("a", "b", key="x")
    G.add_edge("a", "c", key="y")
    G.add_edge("a", "d", key="y")  # the same id to another node: the first in adjacency order
    G.add_edge("c", "a", key="z")
    G.add_edge("b", "c", key="w")
    G.add_edge("d", "b", key="far")  # reached only over the whole graph from elsewhere

    def move(frm: str, *legs: str) -> Any:
        return SimpleNamespace(from_id=frm, leg_ids=legs)

    cases = [
        SimpleNamespace(origin="a", moves=[move("a", "y", "z", "x")]),
        SimpleNamespace(origin="a", moves=[move("a", "x"), move("b", "w", "z")]),
        SimpleNamespace(origin="a", moves=[move("nowhere", "y"), move("b", "far")]),  # not a node; a leg elsewhere
        SimpleNamespace(origin="nowhere", moves=[move("nowhere", "x")]),
    ]
    for route in cases:
        assert route_path(G, route) == _reference(G, route)
    assert route_path(G, cases[0]) == [("a", "c", "y"), ("c", "a", "z"), ("a", "b", "x")]


def test_route_path_of_real_routes(router: Any, G: nx.MultiDiGraph) -> None:
    res = router.compare("Chelyabinsk", "Mumbai")
    assert res.routes
    for r in res.routes:
        assert route_path(G, r) == _reference(G, r)
