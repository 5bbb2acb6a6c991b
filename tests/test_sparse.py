"""corridors.sparse: the compiled searches give scipy's answers, bit for bit, or leave the query to scipy.

Each test draws random graphs (many with integer weights and zeros, so that ties abound) and compares
with ``scipy.sparse.csgraph`` on the same matrix.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order, dijkstra

from corridors import sparse
from corridors.sparse import Csr, csr, distances, from_coo, reaching, search, to_scipy, transpose, trees

needs_compiled = pytest.mark.skipif(not sparse.COMPILED, reason="corridors.sparse_c was not built (no C compiler at install)")


def _graph(rng: np.random.Generator, n: int, m: int, *, ties: bool, wide: bool = False) -> Csr:
    """A random directed graph of ``n`` states and about ``m`` entries (no repeated pair)."""
    r = rng.integers(0, n, m)
    c = rng.integers(0, n, m)
    key = np.unique(r.astype(np.int64) * n + c)
    r, c = key // n, key % n
    w = rng.integers(0, 4, len(key)).astype(float) if ties else rng.random(len(key)) * 10
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(r, minlength=n), out=indptr[1:])
    g = Csr(w, c, indptr, (n, n))
    if wide:  # 64-bit indices, as a very large graph would keep them
        g.indices, g.indptr = g.indices.astype(np.int64), g.indptr.astype(np.int64)
    return g


def _cases(seed: int, count: int) -> list[tuple[Csr, list[int], float]]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        n = int(rng.integers(2, 60))
        g = _graph(rng, n, int(rng.integers(0, 4 * n)), ties=i % 2 == 0, wide=i % 3 == 0)
        src = [int(x) for x in rng.integers(0, n, int(rng.integers(1, 4)))]
        limit = float(rng.choice([np.inf, 2.0, 5.0, 7.5]))
        out.append((g, src, limit))
    return out


@needs_compiled
def test_distances_are_scipys_bit_for_bit() -> None:
    for g, src, limit in _cases(1, 400):
        want = dijkstra(g.scipy(), directed=True, indices=src, min_only=True, limit=limit)
        got = distances(g, src, limit=limit)
        assert got.dtype == np.float64
        assert np.array_equal(got, want), (src, limit)
        one = dijkstra(g.scipy(), directed=True, indices=src[0])  # a one-to-all row, and rows
        assert np.array_equal(distances(g, src[0], min_only=False), one)
        rows = dijkstra(g.scipy(), directed=True, indices=src)
        assert np.array_equal(distances(g, src, min_only=False), rows)


@needs_compiled
def test_distances_over_float32_weights_are_scipys() -> None:
    """scipy searches float64 copies of float32 weights; the compiled search reads the same numbers."""
    for g, src, limit in _cases(7, 100):
        g32 = Csr(g.data.astype(np.float32) / np.float32(3), g.indices, g.indptr, g.shape)
        assert g32.data.dtype == np.float32  # kept, as scipy's csr_matrix keeps it
        want = dijkstra(g32.scipy(), directed=True, indices=src, min_only=True, limit=limit)
        assert np.array_equal(distances(g32, src, limit=limit), want)


def test_distances_without_the_compiled_module_are_scipys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sparse, "USE_COMPILED", False)
    for g, src, limit in _cases(2, 50):
        want = dijkstra(g.scipy(), directed=True, indices=src, min_only=True, limit=limit)
        assert np.array_equal(distances(g, src, limit=limit), want)
        assert search(g, src, [0], 5.0) is None  # left to scipy


@needs_compiled
def test_search_is_scipys_answer_or_none() -> None:
    decided = undecided = exhausted = 0
    for g, src, limit in _cases(3, 600):
        n = g.shape[0]
        rng = np.random.default_rng(len(src) * 1000 + n)
        cand = [int(x) for x in rng.integers(0, n, int(rng.integers(1, 4)))]
        lim = limit if np.isfinite(limit) else 1e9
        dist, pred, _ = dijkstra(g.scipy(), directed=True, indices=src, return_predecessors=True, min_only=True, limit=lim)
        got = search(g, src, cand, lim)
        if got is None:
            undecided += 1
            continue
        d, p, best, reached = got
        if d is None:  # no target within the limit: every state within it was settled
            exhausted += 1
            assert not np.isfinite(dist[cand]).any()
            assert sorted(reached.tolist()) == np.flatnonzero(dist < np.inf).tolist()
            continue
        decided += 1
        assert best == min(cand, key=lambda t: dist[t])
        assert d[best] == dist[best]
        # the same path back to a source, state by state, with the same distances on the way
        s = best
        while s >= 0:
            assert p[s] == pred[s] and d[s] == dist[s]
            s = int(p[s]) if p[s] >= 0 else -1
        assert set(reached.tolist()) <= set(np.flatnonzero(dist < np.inf).tolist())
    # ties are common in these graphs (integer weights, zeros): the rule must both decide and refuse
    assert decided > 100 and undecided > 20 and exhausted > 20, (decided, undecided, exhausted)


@needs_compiled
def test_search_decides_without_ties() -> None:
    rng = np.random.default_rng(4)
    for _ in range(200):
        n = int(rng.integers(2, 80))
        g = _graph(rng, n, 4 * n, ties=False)
        src, cand = [int(rng.integers(0, n))], [int(x) for x in rng.integers(0, n, 2)]
        if src[0] in cand:
            continue
        got = search(g, src, cand, 1e9)
        assert got is not None  # real-valued weights: no two paths cost the same
        dist = dijkstra(g.scipy(), directed=True, indices=src, min_only=True)
        if np.isfinite(dist[cand]).any():
            assert got[0] is not None and got[2] == min(cand, key=lambda t: dist[t])


@needs_compiled
def test_trees_are_scipys_wherever_no_tie_is_marked() -> None:
    """Distances bit for bit, and scipy's predecessor at every state not marked tied; the marks are not
    idle (scipy often picks another predecessor at a marked state)."""
    untied = tied = differ = 0
    for g, src, limit in _cases(8, 600):
        want_d, want_p = dijkstra(g.scipy(), directed=True, indices=src, return_predecessors=True, limit=limit)
        got = trees(g, src, limit)
        assert got is not None
        d, p, t = got
        assert d.shape == p.shape == t.shape == want_d.shape and t.dtype == bool
        assert np.array_equal(d, want_d)
        assert not t[~np.isfinite(want_d)].any()
        assert np.array_equal(p[~t], want_p[~t])  # -9999 where not reached, as scipy
        untied += int((~t & np.isfinite(want_d)).sum())
        tied += int(t.sum())
        differ += int((p[t] != want_p[t]).sum())
    assert untied > 5000 and tied > 200 and differ > 100, (untied, tied, differ)


@needs_compiled
def test_trees_stopped_at_their_targets_keep_what_is_as_near() -> None:
    rng = np.random.default_rng(9)
    stopped = 0
    for g, src, limit in _cases(10, 400):
        n = g.shape[0]
        ends = [[int(x) for x in rng.integers(0, n, int(rng.integers(0, 4)))] for _ in src]
        want_d = dijkstra(g.scipy(), directed=True, indices=src, limit=limit)
        full = trees(g, src, limit)
        got = trees(g, src, limit, ends)
        assert full is not None and got is not None
        for i, ts in enumerate(ends):
            far = max((float(want_d[i, t]) for t in ts), default=-1.0)
            near = want_d[i] <= far if np.isfinite(far) else np.isfinite(want_d[i])
            stopped += int(np.isfinite(far) and not near[np.isfinite(want_d[i])].all())
            assert np.array_equal(got[0][i][near], want_d[i][near])
            assert np.array_equal(got[1][i][near], full[1][i][near]) and np.array_equal(got[2][i][near], full[2][i][near])
            assert (got[0][i][~near] == np.inf).all() and (got[1][i][~near] == -9999).all() and not got[2][i][~near].any()
    assert stopped > 100, stopped
    with pytest.raises(ValueError, match="lists of targets"):
        trees(_graph(rng, 5, 10, ties=True), [0, 1], 1.0, [[2]])


def test_trees_without_the_compiled_module_are_left_to_scipy(monkeypatch: pytest.MonkeyPatch) -> None:
    g, src, limit = _cases(11, 1)[0]
    neg = Csr(-g.data - 1.0, g.indices, g.indptr, g.shape)
    assert neg.nnz and trees(neg, src, limit) is None  # negative weights: left to scipy
    monkeypatch.setattr(sparse, "USE_COMPILED", False)
    assert trees(g, src, limit) is None


@needs_compiled
def test_reaching_is_a_breadth_first_search_of_the_transpose() -> None:
    rng = np.random.default_rng(5)
    for _ in range(200):
        n = int(rng.integers(1, 50))
        g = _graph(rng, n, int(rng.integers(0, 3 * n)), ties=True, wide=bool(rng.integers(0, 2)))
        g.data[rng.random(g.nnz) < 0.2] = np.inf  # stored entries count whatever their value
        targets = [int(x) for x in rng.integers(0, n, int(rng.integers(1, 4)))]
        rev = g.scipy().T.tocsr()
        want = np.zeros(n, bool)
        for t in targets:
            want[breadth_first_order(rev, t, directed=True, return_predecessors=False)] = True
        assert np.array_equal(reaching(g, targets), want)


def test_layout_is_scipys() -> None:
    rng = np.random.default_rng(6)
    for _ in range(100):
        n = int(rng.integers(1, 40))
        m = int(rng.integers(0, 3 * n))
        r, c = rng.integers(0, n, m), rng.integers(0, n, m)
        key = np.unique(r * n + c)
        rng.shuffle(key)
        r, c, w = key // n, key % n, rng.random(len(key)).astype(np.float32 if n % 2 else np.float64)
        got, want = from_coo(w, r, c, (n, n)), csr_matrix((w, (r, c)), shape=(n, n))
        assert isinstance(got, Csr)
        for f in ("data", "indices", "indptr"):
            a, b = getattr(got, f), getattr(want, f)
            assert a.dtype == b.dtype and np.array_equal(a, b), f
        # (data, indices, indptr) with 64-bit indices: scipy makes them 32-bit; the same here
        again = csr(want.data, want.indices.astype(np.int64), want.indptr.astype(np.int64), (n, n))
        sp = csr_matrix((want.data, want.indices.astype(np.int64), want.indptr.astype(np.int64)), shape=(n, n))
        assert again.indices.dtype == sp.indices.dtype and again.indptr.dtype == sp.indptr.dtype
        t, tw = transpose(got), want.T.tocsr()
        for f in ("data", "indices", "indptr"):
            assert np.array_equal(getattr(t, f), getattr(tw, f)), f
        assert (to_scipy(got) != want).nnz == 0


def test_repeated_entries_are_left_to_scipy() -> None:
    got = from_coo([1.0, 2.0, 5.0], [0, 0, 1], [1, 1, 0], (2, 2))
    assert not isinstance(got, Csr)  # scipy sums repeated entries, in its own order
    assert got[0, 1] == 3.0


@needs_compiled
def test_malformed_graphs_are_refused_not_read_out_of_bounds() -> None:
    bad_col = Csr(np.ones(2), np.asarray([1, 5]), np.asarray([0, 1, 2]), (2, 2))
    with pytest.raises(ValueError, match="malformed CSR graph"):
        distances(bad_col, [0, 1])
    bad_ptr = Csr(np.ones(2), np.asarray([1, 0]), np.asarray([0, 2, 1]), (2, 2))
    with pytest.raises(ValueError, match="malformed CSR graph"):
        search(bad_ptr, [0], [1], 10.0)
    with pytest.raises(ValueError, match="out of range"):
        distances(Csr(np.ones(1), [1], [0, 1, 1], (2, 2)), [3])
    with pytest.raises(ValueError, match="malformed CSR graph"):
        reaching(bad_col, [0])


def test_the_compiled_module_is_built_where_a_compiler_is() -> None:
    if not (shutil.which("cc") or shutil.which("gcc")):
        pytest.skip("no C compiler here: the package installs without corridors.sparse_c")
    assert sparse.COMPILED, "a C compiler is available but corridors.sparse_c was not built (see setup.py)"


@needs_compiled
def test_a_cold_compare_does_not_import_scipy(G: Any, tmp_path: Any) -> None:
    """The query path of ``compare Chelyabinsk Mumbai`` (no tie on the way) never needs scipy. The child runs
    away from the source tree (``-P``, another folder), so it imports the installed package, as the
    ``corridors`` command does."""
    code = (
        "import sys\n"
        "from corridors.graph import load_network\n"
        "from corridors.routing import Router\n"
        "from corridors.params import load_parameters\n"
        "r = Router(load_network(), load_parameters(calibration=True))\n"
        "got = r.compare('Chelyabinsk', 'Mumbai')\n"
        "assert len(got.routes) >= 8, got.rows()\n"
        "print(sorted(m for m in sys.modules if m == 'scipy' or m.startswith('scipy.')))\n"
    )
    argv = [sys.executable, "-P", "-c", code]
    out = subprocess.run(argv, capture_output=True, text=True, env=dict(os.environ), cwd=tmp_path, check=False, timeout=600)  # noqa: S603 - our own interpreter
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == "[]", out.stdout[:2000]


@needs_compiled
def test_a_first_run_does_not_import_scipy(tmp_path: Any) -> None:
    """The first run ever (an empty cache folder: the network is built, its services laid out along the
    sea lanes, the engine compiled) and its ``compare Chelyabinsk Mumbai`` never need scipy either. The
    child runs away from the source tree, as in the test above."""
    code = (
        "import sys\n"
        "from corridors import cache, graph\n"
        "from corridors.routing import Router\n"
        "from corridors.params import load_parameters\n"
        "G, fp = graph.load_network_with_fingerprint()\n"
        "assert fp is not None and G.graph['services']\n"
        "r = Router(G, load_parameters(calibration=True))\n"
        "with cache.known_fingerprint(G, fp):\n"
        "    r.engine\n"
        "got = r.compare('Chelyabinsk', 'Mumbai')\n"
        "assert len(got.routes) >= 8, got.rows()\n"
        "print(sorted(m for m in sys.modules if m == 'scipy' or m.startswith('scipy.')))\n"
    )
    (tmp_path / "cache").mkdir()
    env = dict(os.environ, CORRIDORS_CACHE_DIR=str(tmp_path / "cache"))
    argv = [sys.executable, "-P", "-c", code]
    out = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=tmp_path, check=False, timeout=600)  # noqa: S603 - our own interpreter
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == "[]", out.stdout[:2000]
    assert any((tmp_path / "cache").iterdir())  # it was a first run: the cache was written
