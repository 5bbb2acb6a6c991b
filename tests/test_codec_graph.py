"""A graph read back from its cache encoding is the very graph that was written, down to the internals
networkx, pickling and copying read: node order, each node's successors and predecessors in their
order, edge keys, each attribute dict's keys in their order, each value's type, and ``pred[y][x] is
succ[x][y]``. Corrupt graph columns are refused, never read as another graph."""

from __future__ import annotations

import copy
import json
import pickle
import random
from typing import Any

import networkx as nx
import numpy as np
import pytest

from corridors import codec


def _same_value(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if type(a) is tuple:
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is float:
        return repr(a) == repr(b)  # -0.0 and nan too
    if type(a).__module__.startswith("shapely."):
        return bool(a.equals_exact(b, 0))
    return bool(a == b)


def _same_dict(a: dict[Any, Any], b: dict[Any, Any]) -> None:
    assert list(a) == list(b)
    assert [type(k) for k in a] == [type(k) for k in b]
    for k in a:
        assert _same_value(a[k], b[k]), (k, a[k], b[k])


def assert_identical(G: nx.Graph, H: nx.Graph) -> None:
    """``H`` is ``G`` as networkx holds it (not only equal as an edge list)."""
    assert type(G) is type(H)
    _same_dict(G.graph, H.graph)
    assert list(G._node) == list(H._node)
    assert list(G._adj) == list(H._adj)
    for n in G._node:
        _same_dict(G._node[n], H._node[n])
        assert list(G._adj[n]) == list(H._adj[n])
        for m, got in H._adj[n].items():
            want = G._adj[n][m]
            if G.is_multigraph():
                assert list(want) == list(got)
                for k in want:
                    _same_dict(want[k], got[k])
            else:
                _same_dict(want, got)
    assert G.is_directed()
    assert H._succ is H._adj
    assert list(G._pred) == list(H._pred)
    for n in G._pred:
        assert list(G._pred[n]) == list(H._pred[n]), n
        for m, got in H._pred[n].items():
            assert got is H._adj[m][n]  # one dict for both directions, as networkx has it
    assert list(G.edges(keys=True) if G.is_multigraph() else G.edges) == list(H.edges(keys=True) if H.is_multigraph() else H.edges)


def _round_trip(G: nx.Graph) -> Any:
    arrays = codec.encode(G, "k")
    return codec.decode({k: np.asarray(v) for k, v in arrays.items()}, "k")


_VALUES: list[Any] = [1, 2.5, -0.0, float("nan"), True, None, "s", ("a", 1), (), "", 10**30, (1.0, (2, "x"))]


def _random_graph(cls: type[nx.Graph], seed: int) -> nx.Graph:
    """Parallel edges, self loops, isolated nodes, edges added in a shuffled order (so each node's
    predecessors are not in the successors' order), attribute dicts of several key sets and orders."""
    rnd = random.Random(seed)  # noqa: S311 (a seeded draw, not a secret)
    G = cls(crs="EPSG:4326")
    names = [f"n{i}" for i in range(40)] + [("t", 1), 7]
    for n in rnd.sample(names, len(names)):
        keys = rnd.sample(["x", "y", "kind", "note"], rnd.randint(0, 4))
        G.add_node(n, **{k: rnd.choice(_VALUES) for k in keys})
    for i in range(160):
        u, v = rnd.choice(names), rnd.choice(names)
        keys = rnd.sample(["a", "b", "c", "d", "e"], rnd.randint(0, 5))
        attrs = {k: rnd.choice(_VALUES) for k in keys}
        if G.is_multigraph():
            G.add_edge(u, v, key=rnd.choice([f"e{i}", i, ("k", i)]), **attrs)
        else:
            G.add_edge(u, v, **attrs)
    for u, v in rnd.sample(list(G.edges()), 10):  # removed and added again: later in both orders
        if G.has_edge(u, v):
            data = G.get_edge_data(u, v)
            G.remove_edge(u, v)
            if G.is_multigraph():
                for k, d in data.items():
                    G.add_edge(u, v, key=k, **d)
            else:
                G.add_edge(u, v, **data)
    return G


@pytest.mark.parametrize("cls", [nx.MultiDiGraph, nx.DiGraph])  # what corridors caches (undirected graphs: as before)
@pytest.mark.parametrize("seed", range(8))
def test_random_graphs_read_back_identical(cls: type[nx.Graph], seed: int) -> None:
    G = _random_graph(cls, seed)
    H = _round_trip(G)
    assert_identical(G, H)
    assert_identical(G, pickle.loads(pickle.dumps(H)))  # noqa: S301 (our own bytes: as sweep workers get a graph)
    assert_identical(G, copy.deepcopy(H))
    assert_identical(H.copy(), G.copy())


@pytest.mark.parametrize("cls", [nx.MultiDiGraph, nx.DiGraph])
def test_empty_and_edgeless_graphs(cls: type[nx.Graph]) -> None:
    assert_identical(cls(), _round_trip(cls()))
    G = cls()
    G.add_nodes_from(["a", "b"], kind="x")
    assert_identical(G, _round_trip(G))


def test_the_bundled_network_reads_back_identical() -> None:
    from corridors.cache import FINGERPRINT_SKIP
    from corridors.graph import build_network

    G, _ = build_network()
    arrays, fingerprint = codec.encode_graph_entry(G, FINGERPRINT_SKIP, "k")
    got = codec.decode(arrays, "k")
    H = got["graph"]
    H.graph.update(got["graph_attrs"])
    assert got["fingerprint"] == fingerprint == codec.graph_digest(H, FINGERPRINT_SKIP)
    assert_identical(G, H)
    assert any(len(kd) > 1 for nbrs in H._adj.values() for kd in nbrs.values())  # parallel legs were read too


_STRINGS: list[str] = []  # the string table of the last _graph_doc


def _graph_doc(G: nx.Graph) -> tuple[dict[str, Any], list[np.ndarray]]:
    e = codec._Encoder()
    doc = e._graph(G)
    _STRINGS[:] = e.strings
    return doc, e.arrays


def _decode_doc(doc: dict[str, Any], arrays: list[np.ndarray]) -> Any:
    dec = codec._Decoder(arrays, np.zeros(0, dtype=object), np.array(_STRINGS, dtype=object))
    return json.loads(codec._dumps(doc), object_hook=dec.hook)


def test_corrupt_graph_columns_are_refused() -> None:
    G = nx.MultiDiGraph()
    G.add_edge("a", "b", key="1", w=1.0)
    G.add_edge("b", "c", key="2", w=2.0)
    G.add_edge("c", "a", key="3", w=3.0)
    G.add_edge("a", "c", key="4", w=4.0)
    doc, arrays = _graph_doc(G)
    assert_identical(G, _decode_doc(doc, arrays))
    pred, u = doc["pred"]["__a"], doc["u"]["__a"]
    bad = [a.copy() for a in arrays]
    bad[pred] = bad[pred][::-1].copy()  # predecessors that are not the edges' ends
    with pytest.raises(codec.CacheFormatError):
        _decode_doc(doc, bad)
    bad = [a.copy() for a in arrays]
    bad[u] = bad[u][::-1].copy()  # edges out of the adjacency's order
    with pytest.raises(codec.CacheFormatError):
        _decode_doc(doc, bad)
    rows = dict(doc["edge_attrs"], sigs=[[0, 0]])  # a key list naming a key twice
    with pytest.raises(codec.CacheFormatError):
        _decode_doc(dict(doc, edge_attrs=rows), arrays)
    rows = dict(doc["edge_attrs"], sigs=[[-1]])  # an index before the first key
    with pytest.raises(codec.CacheFormatError):
        _decode_doc(dict(doc, edge_attrs=rows), arrays)
    H = nx.MultiDiGraph()
    H.add_edge("a", "b", key="1")
    H.add_edge("a", "b", key="2")
    doc, arrays = _graph_doc(H)
    assert_identical(H, _decode_doc(doc, arrays))
    zeros = {"__a": len(arrays)}  # both edges keyed "1"
    with pytest.raises(codec.CacheFormatError):
        _decode_doc(dict(doc, k={"uniq": ["1"], "codes": zeros}), [*arrays, np.zeros(2, np.int32)])


def test_attribute_names_are_data_whatever_they_hold() -> None:
    # attribute names are only ever dictionary keys, whatever they hold
    odd = ["a'b", 'c"d', "e\\", "f\ng", "}", "__import__('os').system('false')", "é ✓", "", "x: 1, 'y'", "{0}"]
    G = nx.MultiDiGraph()
    for i in range(512):
        G.add_edge(f"n{i}", f"n{i + 1}", key=i, **{name: (i, name) for name in odd})
        G.nodes[f"n{i}"].update(dict.fromkeys(reversed(odd), i))
    H = _round_trip(G)
    assert_identical(G, H)
    assert list(H.edges[("n3", "n4", 3)]) == odd
