"""A cached network read row by row (corridors.lazyrows) is the network read in bulk: the same rows (keys in
the same order, the same values), successor and predecessor rows sharing each pair's key dict, the rows
already handed out kept when the rest are made, edits and pickles as on a plain graph, and the same answers."""

from __future__ import annotations

import json
import pickle
import random
from typing import Any

import networkx as nx
import numpy as np
import pytest

from corridors import codec, lazyrows
from corridors.cache import FINGERPRINT_SKIP, known_fingerprint
from corridors.graph import load_network_with_fingerprint
from corridors.routing import Router


def _both(G: nx.MultiDiGraph) -> tuple[Any, Any]:
    """``G`` encoded as a cache entry, then read back in bulk and row by row."""
    arrays, _ = codec.encode_graph_entry(G, FINGERPRINT_SKIP, "k")
    data = {k: np.asarray(v) for k, v in arrays.items()}
    return codec.decode(data, "k")["graph"], codec.decode(data, "k", lazy=True)["graph"]


def _same_rows(a: Any, b: Any) -> bool:
    """Equal dicts with their keys in the same order, nested (the values compared by JSON where they can be)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(_same_rows(a[k], b[k]) for k in a)
    return type(a) is type(b) and (a == b or repr(a) == repr(b))


def _same_graph(bulk: Any, lazy: Any) -> bool:
    return (
        list(bulk._node) == list(lazy._node)
        and all(_same_rows(bulk._node[n], lazy._node[n]) for n in bulk._node)
        and all(_same_rows(bulk._succ[n], lazy._succ[n]) for n in bulk._succ)
        and all(list(bulk._pred[n]) == list(lazy._pred[n]) for n in bulk._pred)
        and all(lazy._pred[v][u] is kd for u in lazy._succ for v, kd in lazy._succ[u].items())
    )


def _random_graph(seed: int) -> nx.MultiDiGraph:
    rng = random.Random(seed)  # noqa: S311 - test data, not security
    G = nx.MultiDiGraph()
    values: list[Any] = [1, 2.5, -0.0, True, False, None, "a", "é", (1, 2), ["x", "y"], {"k": 1}, ("RUS", "KAZ"), 10**12]
    keys = ["mode", "length_km", "countries", "name", "status", "x", "y", "months"]
    n = rng.randint(1, 40)
    for i in range(n):
        G.add_node(f"n{i}", **{k: rng.choice(values) for k in rng.sample(keys, rng.randint(0, len(keys)))})
    for e in range(rng.randint(0, 120)):
        u, v = f"n{rng.randrange(n)}", f"n{rng.randrange(n)}"  # self-loops and parallel edges too
        G.add_edge(u, v, key=f"e{e}" if rng.random() < 0.8 else e, **{k: rng.choice(values) for k in rng.sample(keys, rng.randint(0, 5))})
    return G


@pytest.mark.parametrize("seed", range(12))
def test_random_multigraphs_read_row_by_row_equal_the_bulk_read(seed: int) -> None:
    G = _random_graph(seed)
    bulk, lazy = _both(G)
    assert isinstance(lazy._node, lazyrows.Rows) or not len(G)
    rng = random.Random(seed)  # noqa: S311 - test data, not security
    for n in rng.sample(list(G), min(5, len(G))):  # a few rows first, one by one
        assert _same_rows(bulk._node[n], lazy._node[n])
        assert _same_rows(bulk._succ[n], lazy._succ[n])
        assert list(bulk._pred[n]) == list(lazy._pred[n])
    assert lazyrows.edge_count(lazy._adj) in (None, G.number_of_edges())
    assert _same_graph(bulk, lazy)
    assert lazy.number_of_edges() == G.number_of_edges()


def test_the_network_row_by_row(G: nx.MultiDiGraph) -> None:
    bulk, _ = load_network_with_fingerprint()
    lazy, _ = load_network_with_fingerprint(rows_on_demand=True)
    assert isinstance(lazy._node, lazyrows.Rows) and isinstance(lazy._succ, lazyrows.Rows) and lazy._succ is lazy._adj
    rng = random.Random(3)  # noqa: S311 - test data, not security
    nodes = list(bulk)
    held = {}
    for n in rng.sample(nodes, 300):
        assert _same_rows(bulk._node[n], lazy._node[n])
        assert _same_rows(bulk._succ[n], lazy._succ[n])
        held[n] = (lazy._node[n], lazy._succ[n])
    assert not lazy._succ.made()  # 300 of 11,203 rows: made one by one
    assert lazyrows.edge_count(lazy._adj) == bulk.number_of_edges()
    # everything else in bulk; the rows handed out are kept (a caller may hold and edit them)
    assert _same_graph(bulk, lazy)
    assert lazy._node.made() and lazy._succ.made()
    assert all(lazy._node[n] is a and lazy._succ[n] is b for n, (a, b) in held.items())


def test_copies_read_the_rows_not_the_raw_table(G: nx.MultiDiGraph) -> None:
    """``dict(rows)`` and ``{**rows}`` go through the rows (``__iter__`` overridden): no position leaks."""
    for copy in (dict, lambda r: {**r}, lambda r: r.copy(), lambda r: pickle.loads(pickle.dumps(r))):  # noqa: S301 - our own pickle
        lazy, _ = load_network_with_fingerprint(rows_on_demand=True)
        got = copy(lazy._node)
        assert type(got) is dict
        assert not any(type(v) is int for v in got.values())
    lazy, _ = load_network_with_fingerprint(rows_on_demand=True)
    json.dumps(lazy._node)  # the C encoder reads a dict subclass through items()


def test_a_walk_over_the_rows_makes_the_rest_in_bulk(G: nx.MultiDiGraph) -> None:
    lazy, _ = load_network_with_fingerprint(rows_on_demand=True)
    nodes = list(lazy)
    for n in nodes[: len(nodes) // 16 + 2]:
        lazy._pred[n]
    assert lazy._pred.made()


def test_edits_and_pickles_as_on_a_plain_graph(G: nx.MultiDiGraph) -> None:
    bulk, _ = load_network_with_fingerprint()
    lazy, _ = load_network_with_fingerprint(rows_on_demand=True)
    u, v = "rail:chelyabinsk", "port:INBOM"
    assert u in bulk and v in bulk
    for g in (bulk, lazy):
        g.add_edge(u, v, key="test-leg", mode="rail", length_km=1.0)
        g.nodes[u]["note"] = "edited"
        g.remove_node(next(iter(g.successors(v))))
    assert lazyrows.edge_count(lazy._adj) in (None, bulk.number_of_edges())
    assert lazy.number_of_edges() == bulk.number_of_edges()
    assert _same_graph(bulk, lazy)
    back = pickle.loads(pickle.dumps(lazy))  # noqa: S301 - our own pickle
    assert type(back._node) is dict and _same_graph(bulk, back)


def test_queries_on_a_network_read_row_by_row(G: nx.MultiDiGraph) -> None:
    """The same answers, and the point of it: a compare makes a few hundred rows, not all of them."""
    plain = Router(G, draws=500)
    want = plain.compare("Chelyabinsk", "Mumbai")  # (and the engine's index is in the cache, as on a warm run)
    lazy, fp = load_network_with_fingerprint(rows_on_demand=True)
    assert fp is not None
    r = Router(lazy, draws=500)
    with known_fingerprint(lazy, fp):
        _ = r.engine
    got = r.compare("Chelyabinsk", "Mumbai")
    assert not lazy._node.made() and not lazy._succ.made() and not lazy._pred.made()
    assert [x.to_dict() for x in got.routes] == [x.to_dict() for x in want.routes]
    assert got.unavailable == want.unavailable
    assert r.route("Moscow", "Chennai").to_dict() == plain.route("Moscow", "Chennai").to_dict()


def test_a_successor_row_makes_only_the_pairs_and_edges_read(G: nx.MultiDiGraph) -> None:
    """A row of several neighbours makes a pair's key dict when that neighbour is read, and a key dict
    makes an edge's dict when that key is read: asking whether a leg is there decodes nothing, and
    the edges are counted without making them; read in full, the same rows as the bulk read."""
    bulk, _ = load_network_with_fingerprint()
    lazy, _ = load_network_with_fingerprint(rows_on_demand=True)
    n = next(x for x in bulk if len(bulk._succ[x]) >= 3 and any(len(kd) >= 2 for kd in bulk._succ[x].values()))
    row = lazy._succ[n]
    assert isinstance(row, lazyrows.Rows)
    assert all(type(p) is int for _, p in row.positions())  # no pair's key dict made yet
    v = next(v for v, kd in bulk._succ[n].items() if len(kd) >= 2)
    kd = row[v]
    assert isinstance(kd, lazyrows.Rows)
    assert sum(type(p) is int for _, p in row.positions()) == len(row) - 1  # only that pair's
    k = next(iter(bulk._succ[n][v]))
    assert k in kd and all(type(e) is int for _, e in kd.positions())  # a key looked up, no edge made
    assert _same_rows(bulk._succ[n][v][k], kd[k])
    assert sum(type(e) is int for _, e in kd.positions()) == len(kd) - 1
    assert lazyrows.edge_count(lazy._adj) == bulk.number_of_edges()
    assert sum(type(e) is int for _, e in kd.positions()) == len(kd) - 1  # counted, not made
    assert _same_rows(bulk._succ[n], row)
    assert lazy._pred[v][n] is kd
    assert _same_graph(bulk, lazy)
