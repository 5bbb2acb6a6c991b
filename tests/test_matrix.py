"""The many-to-many matrix: its fast path (one shortest-path tree per origin, every pair's totals read
off the trees together) gives the same figures as solving each pair as a route."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from corridors.sparse import to_scipy


def _walk(pred: np.ndarray, pair: list[tuple[int, int, int]], met: np.ndarray, is_leg: np.ndarray, t: int) -> tuple[list[float], int, int]:
    """A plain walk up one tree: the reference the vectorised walk must match."""
    edge = {(u, v): e for u, v, e in pair}
    acc = [0.0] * met.shape[1]
    first = last = -1
    while pred[t] >= 0:
        e = edge[(int(pred[t]), t)]
        acc = [a + float(x) for a, x in zip(acc, met[e], strict=True)]
        if is_leg[e]:
            first = e
            last = e if last < 0 else last
        t = int(pred[t])
    return acc, first, last


def test_tree_walk_matches_a_plain_walk_per_pair() -> None:
    from corridors.matrix import _TreeEdges

    rng = np.random.default_rng(7)
    S = 40
    edges = sorted({(int(u), int(v)) for u, v in rng.integers(0, S, (160, 2)) if u != v})
    pair = [(u, v, k) for k, (u, v) in enumerate(edges)]
    met = rng.random((len(edges), 4)) * 100
    is_leg = rng.random(len(edges)) < 0.6
    keys = np.asarray([u * S + v for u, v, _ in pair], dtype=np.int64)
    # two trees from scipy's Dijkstra over the same edges
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    g = csr_matrix((met[:, 0] + 1, ([u for u, _, _ in pair], [v for _, v, _ in pair])), shape=(S, S))
    dist, pred = dijkstra(g, indices=[0, 5], return_predecessors=True)
    pred = pred.astype(np.int32)
    rows, targets = np.nonzero(np.isfinite(dist))
    tree = _TreeEdges(keys, np.arange(len(edges)), S, met, is_leg)
    assert tree.positions(keys).tolist() == list(range(len(edges)))  # every pair found in the hash table
    acc, first, last = tree.totals(pred, rows, targets)
    assert len(rows) > 20
    for k, (r, t) in enumerate(zip(rows.tolist(), targets.tolist(), strict=True)):
        ref, f, la = _walk(pred[r], pair, met, is_leg, t)
        assert acc[k].tolist() == ref  # the same additions in the same order: equal, not just close
        assert (first[k], last[k]) == (f, la)


def test_fast_matrix_equals_each_pair_solved_as_a_route(router: Any) -> None:
    from corridors.constraints import Constraints
    from corridors.matrix import METRICS, MatrixResult, _per_pair, od_matrix

    # an avoided place (every pair with it has the reason), two positions snapped to one node, a
    # position with road legs, and pairs no sea route joins
    places = ["Mumbai", "Vladivostok", "72.88,19.0", "72.9,19.01", "Astrakhan", "Novorossiysk"]
    c = Constraints(modes=("sea",), avoid_nodes=("Novorossiysk",))
    fast = od_matrix(router, places, objective="time", constraints=c)
    n = len(places)
    # the plain path: each pair solved as a route, under the same constraints
    slow = MatrixResult(fast.places, "time", {m: np.full((n, n), np.nan) for m in METRICS})
    for m in METRICS:
        np.fill_diagonal(slow.values[m], 0.0)
    _per_pair(router, fast.places, "time", c, slow.values, slow.reasons)
    for m in METRICS:
        a, b = fast.values[m], slow.values[m]
        assert np.array_equal(np.isnan(a), np.isnan(b)), m
        ok = ~np.isnan(a)
        assert a[ok] == pytest.approx(b[ok], rel=1e-12), m
    assert set(fast.reasons) == set(slow.reasons)
    assert np.isnan(fast.values["time_h"]).sum() == len(fast.reasons) > 0
    assert all("Novorossiysk" in fast.reasons[(i, 5)] for i in range(n - 1))
    assert fast.values["length_km"][2, 3] > 0  # two positions at one port: their road legs only


def test_pruned_search_graph_keeps_the_trees_between_the_places(router: Any) -> None:
    from scipy.sparse.csgraph import dijkstra

    from corridors.constraints import Constraints
    from corridors.engine import search_graph
    from corridors.matrix import _pruned
    from corridors.query import edge_mask, edge_weights

    q = router.compiled
    eng = q.eng
    c = Constraints(modes=("sea",))
    ids = ["port:INNSA", "port:RUVVO", "port:RUMMK", "port:INMAA"]
    graph, pair, _ = search_graph(eng, edge_weights(q, "distance", c)[0], edge_mask(q, c, None, ids[0], ids[0]))
    protect = np.zeros(eng.n_states, bool)
    for p in ids:
        protect[eng.out_states[p]] = True
        protect[eng.in_states[p]] = True
    small = _pruned(graph, pair, eng.n_states, protect)
    assert small.nnz < graph.nnz * 0.8  # the ports' pendant states and the dead ends are gone
    for p in ids:
        d0, p0, _ = dijkstra(to_scipy(graph), indices=eng.out_states[p], min_only=True, return_predecessors=True)
        d1, p1, _ = dijkstra(to_scipy(small), indices=eng.out_states[p], min_only=True, return_predecessors=True)
        for t in np.flatnonzero(protect):
            assert d0[t] == d1[t]
            a, b = [int(t)], [int(t)]
            while p0[a[-1]] >= 0:
                a.append(int(p0[a[-1]]))
            while p1[b[-1]] >= 0:
                b.append(int(p1[b[-1]]))
            assert a == b


def test_matrix_in_blocks_of_origins_is_the_same(router: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from corridors import matrix
    from corridors.constraints import Constraints

    places = ["Mumbai", "Vladivostok", "Chennai", "Murmansk", "72.9,19.01"]
    c = Constraints(modes=("sea",))
    whole = matrix.od_matrix(router, places, objective="distance", constraints=c)
    monkeypatch.setattr(matrix, "_BLOCK_PAIRS", 2 * len(places))  # two origins a block, the last one alone
    blocks = matrix.od_matrix(router, places, objective="distance", constraints=c)
    for m in matrix.METRICS:
        assert np.array_equal(whole.values[m], blocks.values[m], equal_nan=True)
    assert whole.reasons == blocks.reasons


def test_matrix_memos_keep_no_network_alive() -> None:
    import gc
    import weakref

    from corridors import matrix

    class Network:  # stands for a compiled network a router has dropped
        pass

    q = Network()
    gone = weakref.ref(q)
    matrix._handling_memo(q)[("port:X", -1, True)] = np.zeros(4)
    assert matrix._handling_memo(q)  # the same memo while the network lives
    del q
    gc.collect()
    assert gone() is None
    other = Network()
    assert not matrix._handling_memo(other)  # a memo of its own
    assert all(ref() is not None for ref, _ in matrix._HANDLING.values())  # the dead network's memo dropped
