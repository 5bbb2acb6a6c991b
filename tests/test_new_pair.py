"""A pair of places a warm router has not seen before (corridors.layer_graphs, corridors.astar): its
layered search graphs come from the ones kept for any origin, its A* potentials from the ones kept for
its destination and via groups. The graphs are the plain builds' arrays, and many pairs asked in one
process give, route for route and leg for leg, what a fresh router building every graph with its
origin's ban gives, under constraints (countries, straits, departure dates, transshipments, a via) and
for the families' via groups."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

import corridors.astar as astar
import corridors.layer_graphs as lg
import corridors.layered as layered
from corridors.constraints import Constraints
from corridors.errors import ConstraintError, NoRouteError
from corridors.layered import GAUGE, LEG, TRANSFER
from corridors.routing import Router
from corridors.sparse import to_scipy


def _plain_layered(
    eng: Any,
    weight: np.ndarray,
    mask: np.ndarray,
    vias: Sequence[np.ndarray],
    max_transfers: int | None,
    no_arrival: Sequence[Any],
    V: int,
    T: int,
) -> tuple[Any, np.ndarray, np.ndarray]:
    """The layered graph built edge by edge in index order and its cheapest entry per pair chosen by a
    lexsort (the first of equals): the reference build_layered must equal."""
    from scipy.sparse import csr_matrix

    S = eng.n_states
    base = np.flatnonzero(mask)
    rows_l, cols_l, eidx_l = [], [], []
    is_transfer = (eng.etype[base] == TRANSFER) | (eng.etype[base] == GAUGE)
    is_leg = eng.etype[base] == LEG
    arrive_node = eng.state_node[eng.dst[base]]
    for a in range(V):
        adv = np.zeros(len(base), np.int64)
        alive = np.ones(len(base), bool)
        for j in range(a, V - 1):
            alive &= vias[j][base]
            adv += alive
        keep = np.ones(len(base), bool)
        if a < len(no_arrival) and len(no_arrival[a]):
            keep = ~(is_leg & np.isin(arrive_node, np.asarray(no_arrival[a], dtype=np.int32)))
        for t in range(T):
            tt = t + is_transfer.astype(np.int64) if max_transfers is not None else np.full(len(base), t)
            ok = (tt < T) & keep
            rows_l.append(eng.src[base[ok]].astype(np.int64) + (a * T + t) * S)
            cols_l.append(eng.dst[base[ok]] + ((a + adv[ok]) * T + tt[ok]) * S)
            eidx_l.append(base[ok])
    rows, cols, eidx = np.concatenate(rows_l), np.concatenate(cols_l), np.concatenate(eidx_l)
    w = np.maximum(weight[eidx], 1e-9)
    n = S * V * T
    pair = rows * n + cols
    order = np.lexsort((w, pair))
    first = np.ones(len(order), bool)
    first[1:] = pair[order][1:] != pair[order][:-1]
    keep_ = order[first]
    return csr_matrix((w[keep_], (rows[keep_], cols[keep_])), shape=(n, n)), pair[keep_], eidx[keep_]


def _same_graph(a: Any, b: Any) -> None:
    assert np.array_equal(a[1], b[1])
    assert np.array_equal(a[2], b[2])
    x, y = a[0], b[0]
    assert x.shape == y.shape
    assert np.array_equal(x.indptr, y.indptr)
    assert np.array_equal(x.indices, y.indices)
    assert np.array_equal(x.data, y.data)
    assert x.data.dtype == y.data.dtype


@pytest.fixture(scope="module")
def eng(G: Any) -> Any:
    return Router(G).engine


def _inputs(eng: Any, seed: int, n_vias: int) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    is_leg = eng.etype == LEG
    mask = np.ones(eng.n_edges, bool)
    mask[rng.choice(eng.n_edges, size=eng.n_edges // 40, replace=False)] = False
    vias = [is_leg & (rng.random(eng.n_edges) < 0.2) for _ in range(n_vias)]
    if n_vias >= 2:  # some edges in two consecutive groups: they advance past both
        vias[1] |= vias[0] & (rng.random(eng.n_edges) < 0.5)
    weight = eng.metrics["time_h"] * (1.0 + (rng.random(eng.n_edges) < 0.1))  # some ties broken, some made
    return mask, weight, vias


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("n_vias", "max_transfers"), [(1, None), (2, None), (3, None), (2, 2), (0, 1), (1, 0)])
def test_build_layered_is_the_plain_build(eng: Any, seed: int, n_vias: int, max_transfers: int | None) -> None:
    """Random masks, groups (some edges in consecutive groups), bans and weights (seed 2: every weight
    equal, so every parallel edge ties): the arrays of the plain build."""
    mask, weight, vias = _inputs(eng, seed, n_vias)
    if seed == 2:
        weight = np.ones(eng.n_edges)
    V, T = n_vias + 1, 1 if max_transfers is None else max_transfers + 1
    rng = np.random.default_rng(seed + 7)
    nodes = rng.choice(len(eng.nodes), size=12, replace=False).astype(np.int32)
    for no_arrival in ([], [nodes[:1]] * V, [nodes[a : a + 3 * a] for a in range(V)]):
        got = lg.build_layered(eng, weight, mask, vias, max_transfers, no_arrival, V, T)
        _same_graph(got, _plain_layered(eng, weight, mask, vias, max_transfers, no_arrival, V, T))
        # the rows its build kept for the A* search: those of the CSR's entries
        rows = astar.rows_of(eng.graphs[lg.ROWS], got[0])
        assert np.array_equal(rows, np.repeat(np.arange(got[0].shape[0]), np.diff(got[0].indptr)))


@pytest.mark.parametrize("pieces", [0, lg._PIECES, 10**9])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_few_edge_groups_give_the_plain_build(eng: Any, seed: int, pieces: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Groups of a few legs (as a crossing's or a via place's), some parallel to other edges, some in
    two consecutive groups, with bans that drop some of their pairs: the arrays of the plain build,
    whether a layer is copied piece by piece between its changes or gathered (``_PIECES``). The pairs
    of the last mask are kept: the same mask with other groups, the same mask changed in place, and
    other weights give their own graphs."""
    monkeypatch.setattr(lg, "_PIECES", pieces)
    rng = np.random.default_rng(seed + 20)
    mask = np.ones(eng.n_edges, bool)
    mask[rng.choice(eng.n_edges, size=eng.n_edges // 40, replace=False)] = False
    weight = np.ones(eng.n_edges) if seed == 2 else eng.metrics["time_h"] * (1.0 + (rng.random(eng.n_edges) < 0.1))
    pk = eng.src.astype(np.int64) * eng.n_states + eng.dst
    _, inverse, counts = np.unique(pk, return_inverse=True, return_counts=True)
    legs = np.flatnonzero(eng.etype == LEG)
    parallel = legs[counts[inverse[legs]] > 1]  # legs with another edge of their pair
    assert len(parallel)
    for trial in range(4):
        V = 2 + trial % 3
        vias = []
        for _ in range(V - 1):
            g = np.zeros(eng.n_edges, bool)
            g[rng.choice(legs, size=int(rng.integers(1, 12)), replace=False)] = True
            g[rng.choice(parallel, size=3, replace=False)] = True
            vias.append(g)
        for a in range(V - 2):  # some edges in two consecutive groups: they advance past both
            vias[a + 1][np.flatnonzero(vias[a])[:2]] = True
        # bans: the nodes the groups' legs arrive at (some), and others
        hit = eng.state_node[eng.dst[np.flatnonzero(np.logical_or.reduce(vias))]]
        nodes = np.unique(np.concatenate([hit[:3], rng.choice(len(eng.nodes), size=4, replace=False)])).astype(np.int32)
        for no_arrival in ([], [nodes[:1]] * V, [nodes[a : a + 2 + a] for a in range(V)]):
            got = lg.build_layered(eng, weight, mask, vias, None, no_arrival, V, 1)
            _same_graph(got, _plain_layered(eng, weight, mask, vias, None, no_arrival, V, 1))
        mask[rng.choice(eng.n_edges, size=50, replace=False)] ^= True  # in place: the pairs kept no longer hold
        got = lg.build_layered(eng, weight, mask, vias, None, [nodes[:2]] * V, V, 1)
        _same_graph(got, _plain_layered(eng, weight, mask, vias, None, [nodes[:2]] * V, V, 1))
        other = weight * (1.0 + (rng.random(eng.n_edges) < 0.2))
        if trial == 3:
            other = other.astype(np.float32)  # the weights' type kept
        got = lg.build_layered(eng, other, mask, vias, None, [nodes[:2]] * V, V, 1)
        _same_graph(got, _plain_layered(eng, other, mask, vias, None, [nodes[:2]] * V, V, 1))


def test_the_cheapest_of_sorted_pairs_is_cheapest_per_pair() -> None:
    """Pair keys in ascending order (runs of one pair long and short, ties, NaN weights): the same
    edges as :func:`corridors.astar.cheapest_per_pair`, and the first position of each pair."""
    rng = np.random.default_rng(5)
    for trial in range(300):
        n = int(rng.integers(0, 2000 if trial % 5 == 0 else 60))
        pair = np.sort(rng.integers(0, max(1, n // (1 + trial % 4)), n)).astype(np.int64)
        w = rng.integers(0, 3, n).astype(float)
        if trial % 9 == 0 and n:
            w[rng.integers(0, n, 3)] = np.nan
        first, starts = lg._cheapest_sorted(pair, w)
        assert np.array_equal(first, astar.cheapest_per_pair(pair, w))
        assert np.array_equal(starts, np.unique(pair, return_index=True)[1])


@pytest.mark.parametrize(("n_vias", "max_transfers"), [(1, None), (2, None), (2, 1)])
def test_a_graph_for_an_origin_is_the_build_with_its_ban(eng: Any, n_vias: int, max_transfers: int | None) -> None:
    """Origin after origin, one graph kept for any origin gives each the arrays of the build with its
    ban (in every layer, or in some only; an origin also banned by a group's nodes; one no leg reaches)."""
    mask, weight, vias = _inputs(eng, 3, n_vias)
    V, T = n_vias + 1, 1 if max_transfers is None else max_transfers + 1
    groups = [eng.node_index["border:sarakhs"], eng.node_index["port:IRBND"]]
    lonely = eng.node_index["port:RUVVO"]
    mask &= ~((eng.etype == LEG) & (eng.state_node[eng.dst] == lonely))  # no leg of the mask arrives there
    origins = [eng.node_index[x] for x in ("port:INNSA", "port:RUMMK", "border:sarakhs", "port:IRBND")] + [lonely]
    eng.graphs.pop(lg.BASES, None)
    for oi in origins:
        later = [{oi}] + [{oi, *groups[: a + 1]} for a in range(V - 1)]  # as search.solve_plan bans
        for bans in (later, [b - {oi} if a % 2 else b for a, b in enumerate(later)]):
            no_arrival = [np.asarray(sorted(b), np.int32) for b in bans]
            got = lg.for_origin(eng, weight, mask, vias, max_transfers, no_arrival, V, T, oi)
            assert got is not None
            _same_graph(got, _plain_layered(eng, weight, mask, vias, max_transfers, no_arrival, V, T))
    # one graph per set of other bans, whatever the origin: 2 (the groups' nodes, with and without the origins among them)
    assert 1 <= len(eng.graphs[lg.BASES]) <= 2 * 3


def _answer(r: Router, o: str, d: str, c: Constraints, kind: str) -> Any:
    try:
        if kind == "compare":
            res = r.compare(o, d, constraints=c)
            return [x.to_dict() for x in res.routes], res.unavailable
        return r.route(o, d, objective=kind, constraints=c).to_dict()
    except (NoRouteError, ConstraintError) as exc:
        return type(exc).__name__, str(exc)


CASES: list[tuple[str, str, Constraints, str]] = [
    ("Chelyabinsk", "Mumbai", Constraints(), "compare"),
    ("Moscow", "Mundra", Constraints(), "compare"),  # a new pair: both ends new
    ("Moscow", "Mumbai", Constraints(), "compare"),  # a new origin to a known destination
    ("Kazan", "Mumbai", Constraints(), "compare"),
    ("Chelyabinsk", "Mundra", Constraints(), "compare"),  # a known origin, a known destination, a new pair
    ("border:sarakhs", "Mumbai", Constraints(), "compare"),  # a crossing as the origin: its own groups
    ("Astrakhan", "Chennai", Constraints(avoid_countries=("AZE",)), "compare"),
    ("Moscow", "Chennai", Constraints(avoid_countries=("AZE",)), "compare"),
    ("Kazan", "Mundra", Constraints(avoid_chokepoints=("suez",)), "compare"),
    ("Yekaterinburg", "Mundra", Constraints(avoid_chokepoints=("suez",)), "compare"),
    ("Moscow", "Mumbai", Constraints(depart=dt.date(2026, 2, 1)), "compare"),
    ("Kazan", "Mumbai", Constraints(depart=dt.date(2026, 2, 1)), "compare"),
    ("Chelyabinsk", "Chennai", Constraints(max_transshipments=2), "compare"),
    ("Moscow", "Chennai", Constraints(max_transshipments=2), "compare"),
    ("Moscow", "Mumbai", Constraints(via=("Baku",)), "time"),
    ("Kazan", "Mumbai", Constraints(via=("Baku",)), "time"),
    ("Kazan", "Mumbai", Constraints(via=("Baku",)), "cost"),
    ("Mumbai", "Moscow", Constraints(), "compare"),  # northbound: the other orientation
    ("Mundra", "Kazan", Constraints(), "compare"),
]


def test_new_pairs_in_one_router_give_a_fresh_routers_answers(G: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[int] = []
    real = lg.build_layered
    monkeypatch.setattr(lg, "build_layered", lambda *a, **k: builds.append(1) or real(*a, **k))
    warm = Router(G, draws=300)
    got, built = [], []
    for case in CASES:
        builds.clear()
        got.append(_answer(warm, *case))
        built.append(len(builds))
    assert built[0] > 0
    # the new pairs of the same rules build no graph again: only the graphs of the plans that the pairs
    # before them answered from their potential alone (corridors.layered._beyond_cap), each once, so
    # no more in all than the first pair builds when it builds every plan's graph
    beyond = layered._beyond_cap
    monkeypatch.setattr(layered, "_beyond_cap", lambda *a: False)
    builds.clear()
    _answer(Router(G, draws=300), *CASES[0])
    monkeypatch.setattr(layered, "_beyond_cap", beyond)
    assert sum(built[:5]) <= len(builds), (built[:5], len(builds))
    kept = warm.engine.graphs[lg.BASES]
    assert len(kept) <= lg.BASES_KEPT
    assert sum(len(k.built[2]) for k in kept.values()) <= lg.BASES_ENTRIES or len(kept) == 1
    # the plain path: a fresh router per query, every layered graph built with its origin's ban, and
    # no potential kept from another router's searches
    monkeypatch.setattr(lg, "for_origin", lambda *a, **k: None)
    for case, answer in zip(CASES, got, strict=True):
        astar._LAYERS.clear()
        assert _answer(Router(G, draws=300), *case) == answer, case
    assert sum(1 for a in got if isinstance(a, tuple) and isinstance(a[0], list) and a[0]) >= len(CASES) - 4  # routes found


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_reverse_search_graph_is_the_search_graph_transposed(eng: Any, seed: int) -> None:
    """The same edges and weights (a landmark table's exact bounds read its distances)."""
    from corridors.layered import search_graph

    mask, weight, _ = _inputs(eng, seed, 0)
    if seed == 2:
        weight = np.ones(eng.n_edges)  # every parallel edge ties: the first by index stays
    got = to_scipy(lg.reverse_search_graph(eng, weight, mask)).tocoo()
    want = to_scipy(search_graph(eng, weight, mask)[0]).T.tocoo()
    a, b = np.lexsort((got.col, got.row)), np.lexsort((want.col, want.row))
    assert np.array_equal(got.row[a], want.row[b])
    assert np.array_equal(got.col[a], want.col[b])
    assert np.array_equal(got.data[a], want.data[b])
