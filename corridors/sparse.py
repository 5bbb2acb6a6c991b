"""The sparse graphs of the query path and the searches over them, without importing scipy.

A query's search graphs (:mod:`corridors.layered`, :mod:`corridors.layer_graphs`, :mod:`corridors.astar`)
are :class:`Csr` matrices: the ``data``, ``indices``, ``indptr`` and ``shape`` of scipy's
``csr_matrix``, the same arrays (``int32`` indices where they fit, as scipy makes them). They are searched
by the compiled module ``corridors.sparse_c`` (C, built by ``pip install``) where its answer is scipy's
exactly, and by ``scipy.sparse.csgraph`` otherwise, imported only then:

- :func:`distances` (a one-to-all or nearest-source search, distances only): always compiled. Shortest
  distances are the same floats whatever order a heap settles equal keys in (each state's distance is
  the least ``d(u) + w`` over its settled predecessors, which no order changes), so these are scipy's
  values bit for bit; tests/test_sparse.py compares them on random graphs full of ties.
- :func:`seeded` (distances from states each starting at its own distance): compiled, the distances
  from a virtual source joined to each of them, without making that graph.
- :func:`search` (a bounded search to the nearest target, with predecessors): compiled, stopped at the
  first target settled, and None, left to scipy, wherever the predecessors could depend on the order of
  equal keys in scipy's heap (a state offered its distance twice, or another state left at the target's
  distance): the rule of :func:`corridors.astar._short`, which this runs in C without its budget.
- :func:`trees` (one search per source, with predecessors, as the first run lays out its shipping
  services): compiled, with the states marked whose predecessor could depend on the order of equal keys
  (two states at one distance both offering a state its distance); a caller reads the rest as scipy's
  and leaves a path through a marked state to scipy. None without the compiled module.
- :func:`reaching` (the states with a path to a target): compiled; a set, so any order gives it.

Importing scipy costs 0.2-0.25 s of CPU (``scipy.sparse`` loads its array-API layer, which
touches every numpy submodule, and ``scipy.sparse.csgraph`` loads ``scipy.sparse.linalg``): more than
the rest of a cold ``corridors compare``'s search. Without the compiled module (no C compiler when the
package was installed) everything here runs on scipy, with the same answers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

try:  # built by pip install (optional: without a C compiler the package installs without it)
    from .sparse_c import distances as c_distances
    from .sparse_c import reaching as c_reaching
    from .sparse_c import search as c_search
    from .sparse_c import seeded as c_seeded
    from .sparse_c import trees as c_trees

    #: whether the compiled searches are available (False: every search here runs on scipy)
    COMPILED = True
except ImportError:  # pragma: no cover - depends on the build
    COMPILED = False

__all__ = [
    "COMPILED",
    "Csr",
    "csr",
    "distances",
    "from_coo",
    "nearest",
    "reaching",
    "search",
    "seeded",
    "to_scipy",
    "transpose",
    "trees",
    "unique",
]
#: use the compiled searches (tests set it False to compare with scipy)
USE_COMPILED = True
_I32 = np.iinfo(np.int32).max


class Csr:
    """A CSR matrix as the searches read it: ``data`` (its type kept), ``indices``, ``indptr`` and ``shape``,
    laid out as scipy's ``csr_matrix((data, indices, indptr), shape=shape)`` lays them out (index arrays
    made ``int32`` when their values fit). :meth:`scipy` gives that very matrix (made once)."""

    __slots__ = ("__weakref__", "_sp", "data", "indices", "indptr", "shape")

    def __init__(self, data: Any, indices: Any, indptr: Any, shape: tuple[int, int]) -> None:
        n = int(shape[0])
        indices, indptr = np.asarray(indices), np.asarray(indptr)
        if indices.dtype != np.int32 or indptr.dtype != np.int32:
            fits = max(int(shape[0]), int(shape[1])) <= _I32 and len(indices) <= _I32
            if (
                fits
                and len(indptr)
                and int(indptr[-1]) <= _I32
                and (not len(indices) or (int(indices.max()) <= _I32 and int(indices.min()) >= 0))
            ):
                indices, indptr = indices.astype(np.int32), indptr.astype(np.int32)
        if len(indptr) != n + 1:
            raise ValueError(f"indptr has {len(indptr)} entries for {n} rows")
        self.data = np.asarray(data)
        self.indices = indices
        self.indptr = indptr
        self.shape = (n, int(shape[1]))
        self._sp: Any = None

    @property
    def nnz(self) -> int:
        return len(self.data)

    def scipy(self) -> Any:
        """The same matrix as scipy's ``csr_matrix`` (imports scipy; made once, sharing the arrays)."""
        if self._sp is None:
            from scipy.sparse import csr_matrix

            self._sp = csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)
        return self._sp

    def __repr__(self) -> str:
        return f"<Csr {self.shape[0]}x{self.shape[1]}, {self.nnz} entries>"


def unique(a: np.ndarray) -> np.ndarray:
    """``np.unique(a)`` of an integer array (for the search modules) (sorted, its dtype kept), by a sort: a plain ``np.unique``
    call imports ``numpy.ma`` the first time (10 ms of a cold process), to check for a mask."""
    s = np.sort(a, axis=None)
    keep = np.ones(len(s), bool)
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def csr(data: Any, indices: Any, indptr: Any, shape: tuple[int, int]) -> Csr:
    """``csr_matrix((data, indices, indptr), shape=shape)`` as a :class:`Csr`."""
    return Csr(data, indices, indptr, shape)


def from_coo(data: Any, rows: Any, cols: Any, shape: tuple[int, int]) -> Any:
    """``csr_matrix((data, (rows, cols)), shape=shape)``: the entries by row, each row's by column. A
    :class:`Csr` when no (row, column) repeats; scipy's own matrix otherwise (it sums repeated entries
    in an order of its own)."""
    data = np.asarray(data)
    r, c = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    n, m = int(shape[0]), int(shape[1])
    key = r * m + c
    order = np.argsort(key, kind="stable")
    k = key[order]
    if len(k) > 1 and bool((k[1:] == k[:-1]).any()):
        from scipy.sparse import csr_matrix

        return csr_matrix((data, (rows, cols)), shape=shape)
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(r, minlength=n), out=indptr[1:])
    return Csr(data[order], c[order], indptr, (n, m))


def transpose(g: Any) -> Any:
    """``g.T.tocsr()``: the transpose, each row's entries in the order of their rows in ``g``."""
    if not isinstance(g, Csr):
        return g.T.tocsr()
    n, m = g.shape
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(g.indptr))
    order = np.argsort(g.indices, kind="stable")
    indptr = np.zeros(m + 1, np.int64)
    np.cumsum(np.bincount(g.indices, minlength=m), out=indptr[1:])
    return Csr(g.data[order], rows[order], indptr, (m, n))


def to_scipy(g: Any) -> Any:
    """``g`` as a scipy sparse matrix (a :class:`Csr`'s :meth:`Csr.scipy`; anything else as it is)."""
    return g.scipy() if isinstance(g, Csr) else g


def _parts(g: Any) -> tuple[np.ndarray, int, np.ndarray, int, np.ndarray, int] | None:
    """The arrays the compiled searches read, or None (not compiled, or not a plain CSR graph)."""
    if not COMPILED or not USE_COMPILED or not isinstance(g, Csr):
        return None
    ip, ix, dt = g.indptr, g.indices, g.data
    if ip.dtype not in (np.int32, np.int64) or ix.dtype not in (np.int32, np.int64) or dt.dtype.kind not in "fiub":
        return None
    # scipy searches float64 copies of other types' values (``astype(float64)``): the same numbers here
    return (
        np.ascontiguousarray(ip),
        ip.dtype.itemsize,
        np.ascontiguousarray(ix),
        ix.dtype.itemsize,
        np.ascontiguousarray(dt, dtype=np.float64),
        g.shape[0],
    )


def _states(x: Any) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(x, dtype=np.int64).ravel())


def distances(g: Any, sources: Any, *, min_only: bool = True, limit: float = math.inf) -> np.ndarray:
    """scipy's ``dijkstra(g, directed=True, indices=sources, min_only=min_only, limit=limit)``:
    with ``min_only`` the distance from the nearest source (1-D), else one row per source (1-D for a
    single int)."""
    p = _parts(g)
    if p is None or (not min_only and np.ndim(sources) > 1):
        from scipy.sparse.csgraph import dijkstra

        return np.asarray(dijkstra(to_scipy(g), directed=True, indices=sources, min_only=min_only, limit=limit))
    ip, wp, ix, wi, dt, n = p
    if min_only:
        out = np.empty(n)
        c_distances(ip, wp, ix, wi, dt, n, _states(sources), float(limit), out)
        return out
    src = _states(sources)
    rows = np.empty((len(src), n))
    for i, s in enumerate(src.tolist()):
        c_distances(ip, wp, ix, wi, dt, n, np.asarray([s], np.int64), float(limit), rows[i])
    return rows[0] if np.ndim(sources) == 0 else rows


def seeded(g: Any, seeds: Any, start: Any) -> np.ndarray:
    """The shortest distance to each state from any of ``seeds`` (int), each starting at its own
    distance ``start`` (float; a seed may be reached shorter from another): what :func:`distances` over
    ``g`` with one more state, joined to each seed by an edge of weight ``start``, gives from that state,
    bit for bit (0 + w is w), without making that graph (scipy searches it where not compiled)."""
    s, d = _states(seeds), np.ascontiguousarray(start, dtype=np.float64).ravel()
    if len(s) != len(d):
        raise ValueError(f"{len(d)} starts for {len(s)} seeds")
    p = _parts(g)
    if p is None:
        n = g.shape[0]
        m = to_scipy(g) if not isinstance(g, Csr) else g
        ip = np.asarray(m.indptr, np.int64)
        order = np.argsort(s, kind="stable")
        aug = csr(
            np.concatenate([np.asarray(m.data, np.float64), d[order]]),
            np.concatenate([np.asarray(m.indices, np.int64), s[order]]),
            np.concatenate([ip, [ip[-1] + len(s)]]),
            (n + 1, n + 1),
        )
        return distances(aug, [n])[:n]
    ip, wp, ix, wi, dt, n = p
    out = np.empty(n)
    c_seeded(ip, wp, ix, wi, dt, n, s, d, math.inf, out)
    return out


def search(g: Any, sources: Sequence[int], cand: Sequence[int], limit: float) -> tuple[Any, ...] | None:
    """A bounded search from ``sources`` to the nearest of ``cand`` (at most ``limit`` away), stopped at
    the first target settled: ``(dist, pred, best, reached)``, where ``dist`` and ``pred`` read as
    scipy's ``dijkstra(g, directed=True, indices=sources, return_predecessors=True, min_only=True,
    limit=limit)`` arrays do at ``best`` and on the way to it (``best`` is ``min(cand, key=dist)``) and
    ``reached`` is the states whose rows were read; ``(None, None, -1, reached)`` when no target is
    within ``limit`` (then ``reached`` is every state within it, as scipy's finite distances are). None
    where the answer is left to scipy: no compiled module, or the predecessors could depend on the
    order of equal keys in scipy's heap."""
    p = _parts(g)
    if p is None or not len(cand) or math.isnan(limit):
        return None
    ip, wp, ix, wi, dt, n = p
    if n >= _I32:
        return None
    dist = np.empty(n)
    pred = np.empty(n, np.int32)
    order = np.empty(n, np.int64)
    status, best, settled = c_search(ip, wp, ix, wi, dt, n, _states(sources), _states(cand), float(limit), dist, pred, order)
    if status == 2:
        return None
    reached = order[:settled]
    if status == 1:
        return None, None, -1, reached
    return dist, pred, int(best), reached


def trees(
    g: Any, sources: Sequence[int], limit: float = math.inf, targets: Sequence[Sequence[int]] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """One search per source: ``(dist, pred, tied)``, each ``len(sources) x n``, where ``dist`` is scipy's
    ``dijkstra(g, directed=True, indices=sources, return_predecessors=True, limit=limit)`` distances bit
    for bit and ``pred`` its predecessors at every state that ``tied`` (bool) leaves unmarked. A marked
    state is offered its distance by two states at one distance, so its predecessor is whichever of them
    a heap settles first: a path back through one may differ from scipy's (leave it to scipy). With
    ``targets`` (one list per source) search i stops once ``targets[i]`` are settled and every state as
    near as the farthest of them: those states have all of the above, the farther ones are left at
    ``inf``, -9999 and unmarked (a search with no target settles nothing). None where everything is left
    to scipy: no compiled module, not a plain CSR graph, a NaN limit, or a negative weight (then the
    distances themselves could depend on the order of a search)."""
    p = _parts(g)
    if p is None or math.isnan(limit):
        return None
    ip, wp, ix, wi, dt, n = p
    if n >= _I32 or bool((dt < 0).any()):
        return None
    src = _states(sources)
    if targets is not None and len(targets) != len(src):
        raise ValueError(f"{len(targets)} lists of targets for {len(src)} sources")
    tgt = _states([t for ts in targets for t in ts] if targets is not None else [])
    tptr = np.zeros(len(src) + 1, np.int64)
    if targets is not None:
        np.cumsum(np.asarray([len(ts) for ts in targets], np.int64), out=tptr[1:])
    dist = np.empty((len(src), n))
    pred = np.empty((len(src), n), np.int32)
    tied = np.empty((len(src), n), np.uint8)
    c_trees(ip, wp, ix, wi, dt, n, src, float(limit), targets is not None, tgt, tptr, dist, pred, tied)
    return dist, pred, tied.view(bool)


def reaching(g: Any, targets: Sequence[int]) -> np.ndarray:
    """A bool per state: whether some path over ``g``'s stored entries (whatever their values) leads
    from it to one of ``targets`` (the targets included); what a breadth-first search from each target
    over the transpose marks."""
    n = g.shape[0]
    if COMPILED and USE_COMPILED and isinstance(g, Csr):
        seen = np.zeros(n, np.uint8)
        ip, ix = np.ascontiguousarray(g.indptr), np.ascontiguousarray(g.indices)
        c_reaching(ip, ip.dtype.itemsize, ix, ix.dtype.itemsize, n, _states(targets), seen)
        return seen.astype(bool)
    from scipy.sparse.csgraph import breadth_first_order

    rev = to_scipy(g).T.tocsr()
    out = np.zeros(n, bool)
    for t in targets:
        if not out[t]:
            out[breadth_first_order(rev, int(t), directed=True, return_predecessors=False)] = True
    return out


def nearest(
    graph: Any, sources: Sequence[int], cand: Sequence[int], limit: float, trace: list[np.ndarray] | None = None
) -> tuple[Any, Any, int | None, int]:
    """scipy's ``dijkstra(graph, directed=True, indices=sources, return_predecessors=True, min_only=True,
    limit=limit)`` as a bounded search reads it: ``(dist, pred, best, reached)``, ``best`` the nearest of
    ``cand`` (None when none is within ``limit``) and ``reached`` how many states are within it (counted
    only when none is). :func:`search` where its answer is scipy's, scipy otherwise. The states whose rows
    were read are appended to ``trace`` if given."""
    got = search(graph, sources, cand, limit)
    if got is not None:
        dist, pred, best, read = got
        if trace is not None:
            trace.append(read)
        return dist, pred, (None if dist is None else best), len(read)
    from scipy.sparse.csgraph import dijkstra

    dist, pred, _ = dijkstra(to_scipy(graph), directed=True, indices=list(sources), return_predecessors=True, min_only=True, limit=limit)
    if trace is not None:
        trace.append(np.flatnonzero(dist < np.inf))
    found = min(cand, key=lambda t: dist[t])
    if math.isfinite(dist[found]):
        return dist, pred, found, 0
    return dist, pred, None, int(np.count_nonzero(dist < np.inf))
