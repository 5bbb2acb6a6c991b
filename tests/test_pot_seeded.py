"""The per-pair A* potentials of a cold compare (issue #11): the compiled searches they run and the plans
whose potential alone answers them.

- :func:`corridors.sparse.seeded` (each seed starting at its own distance) gives, bit for bit, scipy's
  distances from a virtual state joined to each seed at that price (the graph the exact potentials
  searched before), compiled or not;
- :func:`corridors.sparse.distances` on its radix heap (weights never negative) keeps scipy's values on
  graphs full of ties, zeros and negative zeros;
- the potentials of the real engine's plans are the same arrays with the compiled searches as with
  scipy's;
- a capped plan whose potential alone puts it beyond the cap is answered without reducing its graph,
  with the answers of a search that reduces it; nor is its graph built (a compare builds about half
  its plans' graphs), with the same answers for the next, constrained, compares that derive theirs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

import corridors.astar as astar
import corridors.layered as layered
from corridors import sparse
from corridors.constraints import Constraints
from corridors.routing import Router
from corridors.sparse import Csr, distances, seeded

needs_compiled = pytest.mark.skipif(not sparse.COMPILED, reason="corridors.sparse_c was not built (no C compiler at install)")


def _graph(rng: np.random.Generator, n: int, m: int, *, ties: bool) -> Csr:
    r, c = rng.integers(0, n, m), rng.integers(0, n, m)
    key = np.unique(r.astype(np.int64) * n + c)
    r, c = key // n, key % n
    w = rng.integers(0, 4, len(key)).astype(float) if ties else rng.random(len(key)) * 10
    if ties and len(w):
        w[rng.random(len(w)) < 0.2] = -0.0  # a negative zero: still no negative weight
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(r, minlength=n), out=indptr[1:])
    return Csr(w, c, indptr, (n, n))


def _virtual(g: Csr, seeds: np.ndarray, start: np.ndarray) -> np.ndarray:
    """scipy's distances from a state joined to each seed by an edge of weight ``start`` (the least of a
    repeated seed's), without it."""
    n = g.shape[0]
    best: dict[int, float] = {}
    for s, d in zip(seeds.tolist(), start.tolist(), strict=True):
        if np.isfinite(d) and (s not in best or d < best[s]):
            best[s] = d
    xs = np.asarray(sorted(best), np.int64)
    m = csr_matrix(
        (
            np.concatenate([g.data, [best[x] for x in xs.tolist()]]),
            np.concatenate([g.indices, xs]),
            np.concatenate([g.indptr, [g.nnz + len(xs)]]),
        ),
        shape=(n + 1, n + 1),
    )
    return np.asarray(dijkstra(m, directed=True, indices=n))[:n]


def _seeded_cases(seed: int, count: int) -> list[tuple[Csr, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        n = int(rng.integers(2, 80))
        g = _graph(rng, n, int(rng.integers(0, 4 * n)), ties=i % 2 == 0)
        k = int(rng.integers(1, 6))
        seeds = rng.integers(0, n, k)  # repeats too
        start = rng.integers(0, 5, k).astype(float) if i % 2 == 0 else rng.random(k) * 8
        if i % 5 == 0:
            start[0] = np.inf  # a seed no route leaves from
        out.append((g, seeds, start))
    return out


@needs_compiled
def test_seeded_is_the_search_from_a_virtual_state_bit_for_bit() -> None:
    for g, seeds, start in _seeded_cases(11, 400):
        got = seeded(g, seeds, start)
        assert got.dtype == np.float64
        assert np.array_equal(got, _virtual(g, seeds, start)), (seeds, start)


def test_seeded_without_the_compiled_module_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    cases = _seeded_cases(12, 60)
    monkeypatch.setattr(sparse, "USE_COMPILED", False)
    for g, seeds, start in cases:
        assert np.array_equal(seeded(g, seeds, start), _virtual(g, seeds, start))
    with pytest.raises(ValueError, match="starts for"):
        seeded(cases[0][0], [0, 1], [0.0])


@needs_compiled
def test_distances_on_the_radix_heap_are_scipys_bit_for_bit() -> None:
    """Ties, zeros and negative zeros everywhere (the radix heap takes equal keys in any order), and
    limits; a graph with a negative weight takes the binary heap, with the same values as before."""
    rng = np.random.default_rng(5)
    for i in range(300):
        n = int(rng.integers(2, 90))
        g = _graph(rng, n, int(rng.integers(0, 5 * n)), ties=i % 3 != 0)
        src = [int(x) for x in rng.integers(0, n, int(rng.integers(1, 4)))]
        limit = float(rng.choice([np.inf, 1.0, 3.0, 6.5]))
        want = dijkstra(g.scipy(), directed=True, indices=src, min_only=True, limit=limit)
        assert np.array_equal(distances(g, src, limit=limit), want)
    # many equal keys far apart in the bits (the buckets' redistribution)
    w = np.asarray([1e-9, 1e300, 2.0**-1000, 5e-324, 1.0, 1.0, 0.0])
    g = Csr(w, [1, 2, 3, 4, 5, 6, 0], np.arange(8), (7, 7))
    g.indptr = np.asarray([0, 1, 2, 3, 4, 5, 6, 7], np.int32)
    assert np.array_equal(distances(g, [0]), dijkstra(g.scipy(), directed=True, indices=[0], min_only=True))


@pytest.mark.parametrize("compiled", [True, False])
def test_plan_potentials_of_the_engine_are_the_same_arrays(G: Any, monkeypatch: pytest.MonkeyPatch, compiled: bool) -> None:
    """The potentials a compare's plans asked for, computed again (nothing kept) with scipy's searches
    over the graphs with a virtual state (compiled=False) or the compiled ones: the same bits."""
    if compiled and not sparse.COMPILED:
        pytest.skip("corridors.sparse_c was not built")
    calls: list[tuple[Any, ...]] = []
    real = layered.potential
    monkeypatch.setattr(layered, "potential", lambda *a, **k: calls.append((a, k)) or real(*a, **k))
    Router(G, draws=300).compare("Chelyabinsk", "Mumbai")
    assert len(calls) >= 10 and any(len(k.get("vias", ())) == 2 for _, k in calls)
    kept = [real(*a, **k) for a, k in calls]
    monkeypatch.setattr(sparse, "USE_COMPILED", compiled)
    for (a, k), want in zip(calls, kept, strict=True):
        for cache in (astar._EXACT, astar._LAYERS):
            cache.clear()
        got = real(*a, **k)
        assert (got is None) == (want is None)
        if got is not None and want is not None:
            assert np.array_equal(got[0], want[0]) and got[1:] == want[1:]


def test_a_plan_beyond_the_cap_by_its_potential_is_not_reduced(G: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A compare's capped plans whose potential at the origin is beyond the cap (several of them) are
    answered from the potential: fewer graphs reduced, the same answers as searches that reduce theirs
    and stop in goal_directed."""
    reduced: list[int] = []
    real = layered.reduce_graph
    monkeypatch.setattr(layered, "reduce_graph", lambda *a, **k: reduced.append(1) or real(*a, **k))

    def answers() -> tuple[Any, int]:
        reduced.clear()
        res = Router(G, draws=300).compare("Chelyabinsk", "Mumbai")
        return ([r.to_dict() for r in res.routes], res.unavailable), len(reduced)

    got, fewer = answers()
    monkeypatch.setattr(layered, "headroom", lambda *a: np.inf)  # never beyond before the search
    want, every = answers()
    assert got == want
    assert every - fewer >= 3


def test_a_plan_beyond_the_cap_by_its_potential_builds_no_graph(G: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The graphs of those plans are not even built (:func:`corridors.layered._beyond_cap`, before the
    build): fewer graphs built in a compare, and the same answers as when every plan's graph is built,
    for that compare and for the constrained compares after it, which derive their graphs from the
    ones kept (or build them, where the first compare built none)."""
    built: list[int] = []
    real = layered._build
    monkeypatch.setattr(layered, "_build", lambda *a, **k: built.append(1) or real(*a, **k))
    queries = [{}, {"avoid_chokepoints": ("hormuz",)}, {"avoid_countries": ("AZE",)}, {"avoid_countries": ("IRN", "KAZ")}]

    def answers() -> tuple[list[Any], int]:
        built.clear()
        router, out = Router(G, draws=300), []
        for q in queries:
            res = router.compare("Chelyabinsk", "Mumbai", constraints=Constraints(**q))
            out.append(([r.to_dict() for r in res.routes], res.unavailable))
        return out, len(built)

    got, fewer = answers()
    monkeypatch.setattr(layered, "_beyond_cap", lambda *a: False)  # every plan's graph built, as before
    want, every = answers()
    assert got == want
    assert every - fewer >= 5
