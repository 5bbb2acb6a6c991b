"""The edits and reads of a multigraph's state without networkx (corridors.graphstate) do what networkx does."""

from __future__ import annotations

import random

import networkx as nx

from corridors.graphstate import add_edge, weak_components
from corridors.netview import RowGraph


def _random_edges(rng: random.Random, n: int, m: int) -> list[tuple[str, str, str]]:
    return [(f"n{rng.randrange(n)}", f"n{rng.randrange(n)}", f"k{rng.randrange(3)}") for _ in range(m)]


def test_weak_components_as_networkx_gives_them() -> None:
    rng = random.Random(11)  # noqa: S311 - test data
    for n, m in ((1, 0), (5, 2), (40, 25), (200, 150), (300, 600)):
        G = nx.MultiDiGraph()
        G.add_nodes_from(f"n{i}" for i in rng.sample(range(n), n))  # nodes in a shuffled order
        for u, v, k in _random_edges(rng, n, m):
            G.add_edge(u, v, key=k)
        assert weak_components(G) == list(nx.weakly_connected_components(G))


def test_add_edge_as_networkx_adds_it() -> None:
    rng = random.Random(5)  # noqa: S311 - test data
    G, R = nx.MultiDiGraph(), RowGraph()
    G.add_node("n0", kind="port")
    R._node["n0"], R._succ["n0"], R._pred["n0"] = {"kind": "port"}, {}, {}
    R.__networkx_cache__["x"] = 1
    for i, (u, v, k) in enumerate(_random_edges(rng, 12, 80)):
        G.add_edge(u, v, key=k, length_km=float(i), **({"mode": "sea"} if i % 3 else {}))
        add_edge(R, u, v, k, {"length_km": float(i), **({"mode": "sea"} if i % 3 else {})})
    assert R.__networkx_cache__ == {}
    assert type(R) is RowGraph  # nothing above turned it into a networkx graph
    for a, b in ((G._node, R._node), (G._succ, R._succ), (G._pred, R._pred)):
        assert list(a.items()) == list(b.items())
        assert [list(x.items()) for x in a.values()] == [list(x.items()) for x in b.values()]
    assert all(R._pred[v][u] is R._succ[u][v] for u in R._succ for v in R._succ[u])
