"""The edits and reads of a multigraph's state without networkx (corridors.graphstate) do what networkx does."""

from __future__ import annotations

import random

import networkx as nx

from corridors.graphstate import add_edge, copy_graph, count_edges, weak_components
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


def _nested(d: dict[str, dict[str, dict[str, dict[str, object]]]]) -> list[object]:
    """A multigraph adjacency's every level, in order."""
    return [(u, [(v, list(kd.items())) for v, kd in nbrs.items()]) for u, nbrs in d.items()]


def test_copy_graph_is_networkx_copy() -> None:
    """The same nodes, adjacency (both directions) and dicts, in networkx's order, each dict its own."""
    rng = random.Random(7)  # noqa: S311 - test data
    for n, m in ((1, 0), (6, 9), (60, 200), (150, 900)):
        G = nx.MultiDiGraph(name="g", crs={"epsg": 4326})
        G.add_nodes_from((f"n{i}", {"kind": "port", "i": i}) for i in rng.sample(range(n), n))
        for i, (u, v, k) in enumerate(_random_edges(rng, n, m)):
            G.add_edge(u, v, key=k, length_km=float(i), **({"mode": "sea"} if i % 3 else {}))
        H, want = copy_graph(G), G.copy()
        assert type(H) is nx.MultiDiGraph and H.graph == want.graph and H.graph is not G.graph
        assert list(H._node.items()) == list(want._node.items())
        assert _nested(H._succ) == _nested(want._succ) and _nested(H._pred) == _nested(want._pred)
        assert count_edges(H) == H.number_of_edges() == G.number_of_edges()
        for u, v, k, d in H.edges(keys=True, data=True):
            assert H._pred[v][u] is H._succ[u][v]  # one key dict for both directions, as networkx keeps it
            assert d is not G.edges[u, v, k]
            d["status"] = "edited"  # an edit of the copy ...
            assert "status" not in G.edges[u, v, k]  # ... is not one of the original
        for x, d in H.nodes(data=True):
            assert d is not G.nodes[x]
        if m:
            u, v, k = next(iter(G.edges(keys=True)))
            H.remove_edge(u, v, k)
            assert G.has_edge(u, v, k) and count_edges(H) == count_edges(G) - 1 == H.number_of_edges()


def test_copy_graph_of_another_graph_is_its_own_copy() -> None:
    R = RowGraph()
    R._node["n0"], R._succ["n0"], R._pred["n0"] = {"kind": "port"}, {}, {}
    add_edge(R, "n0", "n1", "k", {"length_km": 1.0})
    C = copy_graph(R)
    assert C is not R and count_edges(C) == 1 and list(C.edges(keys=True)) == [("n0", "n1", "k")]
