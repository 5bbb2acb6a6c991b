"""A new constraint set on a warm router reuses the searches of the set it narrows (corridors.layered):
its answers are the ones a router that never saw the wider set gives, on every family, whatever the
rules remove (legs on or off the best route, the cheapest of parallel services, ports, countries,
straits); and the graph derived for a narrower mask is the graph built from its edges."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

import corridors.layered as layered
from corridors.errors import NoRouteError
from corridors.routing import Constraints, Router

A, B = "Chelyabinsk", "Nhava Sheva"


def _answer(r: Router, c: Constraints) -> Any:
    try:
        res = r.compare(A, B, constraints=c)
    except NoRouteError as exc:
        return str(exc)
    return [x.to_dict() for x in res.routes], res.unavailable


@pytest.fixture(scope="module")
def warm(G: Any) -> Router:
    r = Router(G, draws=300)
    r.compare(A, B)
    return r


@pytest.fixture(scope="module")
def base_legs(warm: Router) -> list[str]:
    """The legs of the base compare's routes, in order, once each."""
    seen: dict[str, None] = {}
    for route in warm.compare(A, B).routes:
        for m in route.moves:
            for lg in m.leg_ids:
                seen.setdefault(lg, None)
    return list(seen)


def _parallel_legs(r: Router) -> set[str]:
    """Legs sharing their state pair with another leg (two services between the same ports)."""
    eng = r.engine
    pk = eng.src.astype(np.int64) * eng.n_states + eng.dst
    u, n = np.unique(pk, return_counts=True)
    dup = np.flatnonzero(np.isin(pk, u[n > 1]) & (eng.etype == layered.LEG))
    return {eng.edge_refs[int(eng.leg[e])][2] for e in dup}


def _cases(r: Router, legs: list[str]) -> list[Constraints]:
    rng = np.random.default_rng(11)
    eng = r.engine
    on_route = [lg for lg in legs if lg in eng.leg_id_index]
    parallel = sorted(set(on_route) & _parallel_legs(r)) or sorted(_parallel_legs(r))
    ports = sorted({lg.split(">")[0].split(":")[-1] for lg in on_route if lg.startswith("svc:")})
    anywhere = sorted(eng.leg_id_index)
    picks = [str(x) for x in rng.choice(on_route, size=3, replace=False)]
    far = [str(x) for x in rng.choice(anywhere, size=3, replace=False)]
    return [
        Constraints(avoid_legs=(parallel[0],)),  # the cheapest of two services between the same ports
        Constraints(avoid_legs=tuple(picks[:1])),
        Constraints(avoid_legs=tuple(picks)),
        Constraints(avoid_legs=tuple(far)),
        Constraints(avoid_legs=(*far[:1], *picks[1:2])),
        Constraints(avoid_countries=("AZE",)),
        Constraints(avoid_countries=("IRN",), country_scope="ports"),
        Constraints(avoid_chokepoints=("suez",)),
        Constraints(avoid_nodes=tuple(f"port:{p}" for p in ports[:1])),
    ]


def test_a_narrower_set_gives_the_answers_of_a_fresh_router(
    G: Any, warm: Router, base_legs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    derived: list[int] = []
    real = layered._derive

    def spy(*a: Any, **k: Any) -> Any:
        derived.append(1)
        return real(*a, **k)

    monkeypatch.setattr(layered, "_derive", spy)
    for c in _cases(warm, base_legs):
        got = _answer(warm, c)
        assert got == _answer(Router(G, draws=300), c), c
    assert derived  # some graphs were derived, not only answers reused


def _real_engine(G: Any) -> Any:
    return Router(G).engine


def _fresh(eng: Any) -> Any:
    """The engine's arrays without any kept graph or search."""
    return dataclasses.replace(eng, _csr_cache={})


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("n_vias", "max_transfers"), [(0, None), (1, None), (2, 2), (0, 1)])
def test_a_derived_graph_is_the_graph_built_from_its_edges(G: Any, seed: int, n_vias: int, max_transfers: int | None) -> None:
    """Solve over a mask, then over subsets of it (fewer edges, more nodes never arrived at): each
    answer and graph equals the one a fresh engine builds from the subset's edges, including when the
    removed edges are the found route's (each the cheapest of its state pair, some with a parallel
    service taking its place) or the newly banned nodes are on it."""
    eng = _real_engine(G)
    rng = np.random.default_rng(seed)
    w = eng.metrics["time_h"]
    is_leg = eng.etype == layered.LEG
    o, d = eng.node_index["port:IRZBR"], eng.node_index["port:INNSA"]
    src_states = list(eng.out_states[eng.nodes[o]])
    dst_states = list(eng.in_states[eng.nodes[d]])
    vias = [is_leg & (rng.random(eng.n_edges) < 0.3) for _ in range(n_vias)]
    mask = np.ones(eng.n_edges, bool)
    mask[rng.choice(eng.n_edges, size=eng.n_edges // 50, replace=False)] = False
    no_arrival = [np.asarray([o], np.int32) for _ in range(n_vias + 1)]
    kw = {"vias": vias, "max_transfers": max_transfers, "no_arrival": no_arrival}
    first = layered.solve(eng, src_states, dst_states, w, mask, cache_key=("base", seed), **kw)  # type: ignore[arg-type]
    on_route = list(first.edges) if first is not None else []
    pk = eng.src.astype(np.int64) * eng.n_states + eng.dst
    parallel = [e for e in np.flatnonzero(mask & is_leg) if np.count_nonzero((pk == pk[e]) & mask) > 1]
    passed = [int(eng.state_node[eng.dst[e]]) for e in on_route if is_leg[e]][:-1]  # not the destination
    removals: list[tuple[list[int], list[int]]] = [
        (on_route[:1], []),
        (on_route[-2:], []),
        ([e for e in on_route if e in set(parallel)] or parallel[:1], []),
        (list(rng.choice(np.flatnonzero(mask), size=40, replace=False)), []),
        ([], passed[:1]),
        (on_route[-1:], passed[-1:]),
    ]
    derived = 0
    for i, (gone, banned) in enumerate(removals):
        sub = mask.copy()
        sub[np.asarray(gone, np.int64)] = False
        key = ("sub", seed, i)
        no_more = [np.asarray(sorted({o, *banned}), np.int32) for _ in range(n_vias + 1)]
        kw2 = {**kw, "no_arrival": no_more}
        got = layered.solve(eng, src_states, dst_states, w, sub, cache_key=key, **kw2)  # type: ignore[arg-type]
        fresh = _fresh(eng)  # the arrays, no kept graphs
        want = layered.solve(fresh, src_states, dst_states, w, sub, cache_key=key, **kw2)  # type: ignore[arg-type]
        assert got == want, (i, gone, banned)
        T = 1 if max_transfers is None else max_transfers + 1
        full_key = (key, n_vias + 1, T, tuple(tuple(int(x) for x in a) for a in no_more))
        if full_key in eng.graphs:  # derived, not an answer reused
            derived += 1
            (c1, p1, e1), (c2, p2, e2) = eng.graphs[full_key], fresh.graphs[full_key]
            assert np.array_equal(p1, p2) and np.array_equal(e1, e2)
            assert np.array_equal(c1.data, c2.data) and np.array_equal(c1.indices, c2.indices) and np.array_equal(c1.indptr, c2.indptr)
            if i == 2:  # a parallel service took the removed one's place
                siblings = {int(x) for e in gone for x in np.flatnonzero((pk == pk[e]) & sub)}
                assert siblings & {int(x) for x in e1}
    assert derived


def test_an_answer_is_reused_only_when_the_search_never_read_a_changed_row(G: Any) -> None:
    """Removing an edge far from the search reuses the answer without a graph; removing one on the
    route derives the graph (and finds another route)."""
    eng = _real_engine(G)
    w = eng.metrics["time_h"]
    o, d = "port:IRZBR", "port:INNSA"
    src, dst = eng.out_states[o], eng.in_states[d]
    mask = np.ones(eng.n_edges, bool)
    first = layered.solve(eng, src, dst, w, mask, cache_key="all")
    assert first is not None
    lb = 0.9 * first.cost  # a plain search bounded by it reads the states near the way only
    first = layered.solve(eng, src, dst, w, mask, cache_key="all, bounded", lower_bound=lb)
    assert first is not None
    # a leg in the Americas: never read by a search from Chabahar to Nhava Sheva
    west = [e for e in np.flatnonzero(eng.etype == layered.LEG) if G.nodes[eng.nodes[eng.state_node[eng.src[e]]]]["x"] < -60]
    assert west
    sub = mask.copy()
    sub[west[0]] = False
    again = layered.solve(eng, src, dst, w, sub, cache_key="far", lower_bound=lb)
    assert again == first
    assert ("far", 1, 1, ()) not in eng.graphs  # no graph was built or derived
    sub = mask.copy()
    sub[first.edges[0]] = False
    other = layered.solve(eng, src, dst, w, sub, cache_key="near", lower_bound=lb)
    assert ("near", 1, 1, ()) in eng.graphs
    assert other is None or first.edges[0] not in other.edges
    fresh = _fresh(eng)
    assert other == layered.solve(fresh, src, dst, w, sub, cache_key="near", lower_bound=lb)


def test_a_transfer_cap_of_zero_is_not_the_graph_without_a_cap(G: Any) -> None:
    """Both have one transfer layer; only the uncapped graph has the transfer edges: neither answer is
    taken for the other's."""
    eng = _real_engine(G)
    w = eng.metrics["time_h"]
    src, dst = eng.out_states["rail:bafq"], eng.in_states["port:IRNSH"]
    mask = np.ones(eng.n_edges, bool)
    capped = layered.solve(eng, src, dst, w, mask, max_transfers=0, cache_key="capped")
    free = layered.solve(eng, src, dst, w, mask, cache_key="free")
    fresh = _fresh(eng)
    assert capped == layered.solve(fresh, src, dst, w, mask, max_transfers=0)
    assert free == layered.solve(fresh, src, dst, w, mask)
    assert free is not None and free != capped
