"""A warm query's lane (corridors.search: the inputs of its one short search kept, the search run again
without the layers between) gives the plain answer: on many random sea and mixed queries, objectives and
constraint sets, the answer from the lane equals, field by field, the answer with nothing kept; the lane
is really taken; a lane whose search gives up, or whose solution would revisit a node, leaves the query to
the full way; nothing is kept for a query with a departure date, a penalty or several plans."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from typing import Any

import numpy as np
import pytest
from test_warm_query import _answer, _same

from corridors import astar, search
from corridors.constraints import Constraints
from corridors.errors import ConstraintError, NoRouteError
from corridors.model import Route
from corridors.routing import Router

CONSTRAINTS = (
    Constraints(modes=("sea",)),
    Constraints(modes=("sea",), avoid_chokepoints=("suez",)),
    Constraints(modes=("sea",), chokepoint_weights=(("hormuz", 5.0),)),
    Constraints(modes=("sea",), max_transshipments=2),
    Constraints(modes=("sea", "rail")),
    Constraints(),
)
OBJECTIVES = ("distance", "time", "cost", "co2", "exposure")


@pytest.fixture(scope="module")
def ports(router: Router) -> list[str]:
    eng = router.engine
    return sorted(n for n, nd in router.G.nodes(data=True) if nd.get("kind") == "port" and eng.out_states.get(n) and eng.in_states.get(n))


def test_lane_answers_equal_the_plain_path(router: Router, ports: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Random pairs, objectives and constraint sets, each asked three times: the second and third
    answers come from the lane (counted), and every answer equals the plain one (nothing kept)."""
    r = Router(router.G, router.params, router.families, draws=0)
    replays: list[Route | None] = []
    replay = search._replay

    def counted(*args: Any) -> Route | None:
        got = replay(*args)
        replays.append(got)
        return got

    monkeypatch.setattr(search, "_replay", counted)
    rng = random.Random(23)  # noqa: S311 (a seeded draw, not a secret)
    pairs = [("port:IRBND", "port:INNSA"), ("port:RULED", "port:INBOM"), ("port:RUNVS", "port:INMUN")]
    pairs += [tuple(rng.sample(ports, 2)) for _ in range(40)]
    compared = 0
    for i, (a, b) in enumerate(pairs):
        c = CONSTRAINTS[i % len(CONSTRAINTS)]
        objective = OBJECTIVES[(i // len(CONSTRAINTS)) % len(OBJECTIVES)]
        first = _answer(r, a, b, objective, c)
        warm = [_answer(r, a, b, objective, c) for _ in range(2)]
        r.compiled.memo.clear()  # the lanes and every query input kept: the plain way
        plain = _answer(r, a, b, objective, c)
        if isinstance(plain, str):
            assert first == warm[0] == warm[1] == plain
            continue
        for got in (first, *warm):
            assert isinstance(got, Route)
            _same(got, plain)
        compared += 1
    assert compared >= 35
    taken = [x for x in replays if x is not None]
    assert len(taken) >= 2 * 25  # most warm queries took their lane


def test_lane_search_is_the_layered_search(router: Router, ports: list[str]) -> None:
    """The solution a lane's search gives again is the one layered.solve gave when it was kept, on every
    lane kept for random sea queries."""
    r = Router(router.G, router.params, router.families, draws=0)
    rng = random.Random(5)  # noqa: S311
    for a, b in [tuple(rng.sample(ports, 2)) for _ in range(40)]:
        try:
            r.route(a, b, objective="distance", constraints=Constraints(modes=("sea",)))
        except NoRouteError:
            continue
    lanes = r.compiled.memo.get(search.LANES, {})
    assert len(lanes) >= 3  # the routes found in one short search (most long voyages are not)
    for lane in lanes.values():
        sol = search._search_again(lane)
        assert sol is not None
        again = search._search_again(lane)
        assert again is not None and (again.edges, again.cost, again.layers) == (sol.edges, sol.cost, sol.layers)
        eng = r.engine
        # the solution is a connected walk from a source of the origin
        assert all(eng.dst[e] == eng.src[f] for e, f in zip(sol.edges, sol.edges[1:], strict=False))


def test_a_lane_that_gives_up_leaves_the_query_to_the_full_way(router: Router, monkeypatch: pytest.MonkeyPatch) -> None:
    """When a lane's solution would arrive back at its origin, or its search gives up (here: the short
    search switched off, or its budget cut), the query takes the full way: the same answer."""
    r = Router(router.G, router.params, router.families, draws=0)
    a, b, c = "port:IRBND", "port:INNSA", Constraints(modes=("sea",))
    want = r.route(a, b, objective="distance", constraints=c)
    lanes = r.compiled.memo[search.LANES]
    ((k, lane),) = [(k, v) for k, v in lanes.items() if k[2:4] == (a, b)]
    full: list[int] = []
    plans = search._solve_plans

    def spy(*args: Any) -> Route | None:
        full.append(1)
        return plans(*args)

    monkeypatch.setattr(search, "_solve_plans", spy)
    _same(r.route(a, b, objective="distance", constraints=c), want)
    assert not full  # the lane
    # a lane whose solution arrives back at its origin (here: its origin said to be the destination)
    lanes[k] = (*lane[:9], r.engine.node_index[b], *lane[10:])
    _same(r.route(a, b, objective="distance", constraints=c), want)
    assert len(full) == 1  # the full way
    assert lanes[k][9] == r.engine.node_index[a]  # which kept the lane again
    for switch, value in (("SHORT", False), ("SHORT_BUDGET", 0)):
        with monkeypatch.context() as m:
            m.setattr(astar, switch, value)
            _same(r.route(a, b, objective="distance", constraints=c), want)
    assert len(full) == 3
    _same(r.route(a, b, objective="distance", constraints=c), want)
    assert len(full) == 3  # the lane again


def test_no_lane_with_a_date_a_penalty_or_several_plans(router: Router) -> None:
    """Nothing is kept for a query with a departure date, with a penalty, or with more than one plan
    (a family with two orientations)."""
    r = Router(router.G, router.params, router.families, draws=0)
    q = r.compiled
    o, d = r.place("port:IRBND"), r.place("port:INNSA")
    search.solve_query(q, o, d, "distance", Constraints(modes=("sea",), depart=dt.date(2027, 1, 10)), None)
    search.solve_query(q, o, d, "time", Constraints(modes=("sea",)), None, penalty=np.ones(q.eng.n_edges))
    assert not q.memo.get(search.LANES)
    fam = next(f for f in r.families.values() if f.steps)
    o2, d2 = r.place("Chelyabinsk"), r.place("Mumbai")
    assert len(search._setup(q, o2, d2, "time", "time", Constraints(), fam)[3]) > 1  # two orientations at least
    with contextlib.suppress(NoRouteError, ConstraintError, search.UnavailableError):
        search.solve_query(q, o2, d2, "time", Constraints(), fam)
    assert not q.memo.get(search.LANES)


def test_lanes_stay_home_when_a_router_is_pickled(router: Router) -> None:
    """A router's lanes (they hold search graphs of the engine, never pickled) are left out of its
    pickle; the router that arrives gives the same answers and keeps its own lanes."""
    import pickle

    r = Router(router.G, router.params, router.families, draws=0)
    a, b, c = "port:IRBND", "port:INNSA", Constraints(modes=("sea",))
    want = [r.route(a, b, objective="distance", constraints=c) for _ in range(2)]
    assert r.compiled.memo[search.LANES]
    back = pickle.loads(pickle.dumps(r))  # noqa: S301 - our own pickle
    assert search.LANES not in back.compiled.memo
    assert r.compiled.memo[search.LANES]  # the original keeps them
    for x in want:
        _same(back.route(a, b, objective="distance", constraints=c), x)
    assert back.compiled.memo[search.LANES]
