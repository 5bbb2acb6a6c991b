"""The short search of :func:`corridors.astar.goal_directed` (a heap search touching only the states it
settles) gives exactly what scipy's Dijkstra gives: the same target, distance and path, ties included
(it leaves those to scipy), or it leaves the query to scipy."""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from corridors import astar


def _graph(rng: random.Random, n: int, deg: int, integer: bool) -> Any:
    rows, cols, data = [], [], []
    for u in range(n):
        for v in rng.sample(range(n), min(deg, n)):
            rows.append(u)
            cols.append(v)
            data.append(float(rng.randint(0, 4)) if integer else rng.random() * 3.0 * (rng.random() > 0.1))
    m = csr_matrix((data, (rows, cols)), shape=(n, n))  # duplicates summed, explicit zeros kept
    m.sort_indices()
    return m


def _path(pred: Any, t: int) -> list[int]:
    out = [t]
    while pred.item(out[-1]) >= 0:
        out.append(int(pred.item(out[-1])))
    return out[::-1]


def _scipy(m: Any, sources: list[int], cand: list[int], limit: float) -> tuple[float, int, list[int], np.ndarray] | None:
    dist, pred, _ = dijkstra(m, directed=True, indices=sources, return_predecessors=True, min_only=True, limit=limit)
    best = min(cand, key=lambda t: dist[t])
    if not math.isfinite(dist[best]):
        return None
    return float(dist[best]), best, _path(pred, best), dist


@pytest.mark.parametrize("integer", [False, True])
def test_the_short_search_equals_scipys_on_random_graphs(integer: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(astar, "SHORT_BUDGET", 10_000)
    rng = random.Random(11 + integer)  # noqa: S311 (a seeded draw, not a secret)
    agreed = gave_up = 0
    for _ in range(2000):
        n = rng.randint(2, 60)
        m = _graph(rng, n, rng.randint(0, 4), integer)
        sources = [rng.randrange(n) for _ in range(rng.randint(1, 3))]
        cand = [rng.randrange(n) for _ in range(rng.randint(1, 4))]
        limit = rng.choice([math.inf, 1.0, 2.5, 6.0, 0.0])
        want = _scipy(m, sources, cand, limit)
        got = astar._settle(m, {}, sources, cand, limit)
        if got is None:
            gave_up += 1
            continue
        dist, pred, best, done = got
        assert want is not None
        assert (dist[best], best, _path(pred, best)) == want[:3]
        # the states read: settled by scipy too (within the limit), none beyond the target's distance
        read = np.fromiter(done, np.int64, len(done))
        assert np.all(np.isfinite(want[3][read]))
        assert np.all(want[3][read] <= want[0])
        assert best in done
        agreed += 1
    assert agreed > 200 and gave_up > 50  # both ways taken (ties are common with integer weights)


def test_the_short_search_leaves_unreachable_and_long_queries_to_scipy(monkeypatch: pytest.MonkeyPatch) -> None:
    # a chain 0 -> 1 -> ... -> 9, state 10 unreachable
    m = csr_matrix((np.ones(9), (np.arange(9), np.arange(1, 10))), shape=(11, 11))
    assert astar._settle(m, {}, [0], [10], math.inf) is None
    assert astar._settle(m, {}, [0], [9], 4.0) is None  # beyond the limit
    got = astar._settle(m, {}, [0], [9, 5], math.inf)
    assert got is not None and got[2] == 5 and got[0][5] == 5.0 and sorted(got[3]) == [0, 1, 2, 3, 4, 5]
    monkeypatch.setattr(astar, "SHORT_BUDGET", 3)
    assert astar._settle(m, {}, [0], [9], math.inf) is None  # past the budget
    # a source is never relaxed into (scipy marks every source scanned from the start), and a target
    # that is a source is found at 0
    m2 = csr_matrix(([0.0, 0.0, 1.0], ([0, 1, 1], [1, 0, 2])), shape=(3, 3))
    got = astar._settle(m2, {}, [0, 1], [2], math.inf)
    assert got is not None and got[2] == 2 and _path(got[1], 2) == [1, 2] and got[1].item(1) == -9999
    got = astar._settle(m2, {}, [0, 1], [1, 2], math.inf)
    assert got is not None and got[2] == 1 and got[0][1] == 0.0
    # two targets at one distance: scipy's min over ``cand`` decides
    m3 = csr_matrix(([1.0, 1.0], ([0, 0], [1, 2])), shape=(3, 3))
    assert astar._settle(m3, {}, [0], [2, 1], math.inf) is None


@pytest.mark.parametrize("integer", [False, True])
def test_goal_directed_gives_the_same_answers_with_and_without_the_short_search(integer: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(5 + integer)  # noqa: S311 (a seeded draw, not a secret)
    for _ in range(800):
        n = rng.randint(2, 80)
        m = _graph(rng, n, rng.randint(1, 4), integer)
        sources = [rng.randrange(n) for _ in range(rng.randint(1, 2))]
        cand = [rng.randrange(n) for _ in range(rng.randint(1, 3))]
        c = rng.choice([0.5, 1.0, 3.0])
        ub = rng.choice([math.inf, c + 2.0, c + 20.0])
        cap = rng.choice([None, c + 1.0, c + 30.0])
        answers: list[tuple[Any, ...]] = []
        for short in (True, False):
            monkeypatch.setattr(astar, "SHORT", short)
            trace: list[np.ndarray] = []
            found, kept = astar.goal_directed((m, c, ub, False), sources, cand, cap, trace=trace)
            if found is None or found is astar.BEYOND_CAP:
                answers.append((found, kept[3]))
            else:
                dist, pred, best, off = found
                answers.append((float(dist[best]), best, _path(pred, best), off, kept[3]))
            assert all(t.dtype.kind == "i" for t in trace)
        assert answers[0] == answers[1]


def test_the_short_search_equals_scipys_on_sea_routes(G: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from corridors.errors import NoRouteError
    from corridors.routing import Constraints, Router

    ports = sorted(n for n in G.nodes if str(n).startswith("port:"))
    rng = random.Random(3)  # noqa: S311 (a seeded draw, not a secret)
    pairs = [tuple(rng.sample(ports, 2)) for _ in range(40)]
    pairs += [("port:IRBND", "port:INNSA"), ("port:RUNVS", "port:INMUN"), ("port:INMAA", "port:RUVVO"), ("port:RULED", "port:INBOM")]
    cons = [Constraints(modes=("sea",)), Constraints(modes=("sea",), avoid_chokepoints=("bering",))]
    settled: list[int | None] = []
    real = astar._settle

    def spy(*a: Any) -> Any:
        got = real(*a)
        settled.append(None if got is None else len(got[3]))
        return got

    monkeypatch.setattr(astar, "_settle", spy)

    def answers(short: bool) -> list[object]:
        monkeypatch.setattr(astar, "SHORT", short)
        r = Router(G, draws=0)
        out: list[object] = []
        for i, (a, b) in enumerate(pairs):
            for objective in ("distance", "time"):
                try:
                    out.append(r.route(a, b, objective=objective, constraints=cons[i % 2]).to_dict())
                except NoRouteError as exc:
                    out.append(str(exc))
        return out

    assert answers(True) == answers(False)
    assert sum(x is not None for x in settled) > 20  # the short search answered many of them
