"""The goal-directed search of :func:`corridors.layered.solve`: A* with landmarks (ALT) run as a compiled
Dijkstra over reduced costs (:mod:`corridors.sparse`: scipy's answers, without importing scipy where
they cannot differ), bounded and widened in steps, and the plain bounded Dijkstra it falls back to.

A landmark table (:class:`Landmarks`) holds the shortest distances from and to a few landmark states
over every edge a set of rules allows; by the triangle inequality they bound the distance between any
two states from below in every search graph over a subset of those edges with weights never below the
table's (:func:`potential`). Reducing each edge's cost by the potential (``w(u, v) - pi(u) + pi(v)``,
never negative for a consistent potential) makes Dijkstra an A* search toward the targets: the same
shortest path (ties between paths of equal cost may be broken differently), found touching the states
near the way instead of every state as near the origin. Nothing here knows the engine: it works on
CSR matrices (:class:`corridors.sparse.Csr`) and arrays (:mod:`corridors.layered` wires it in).
"""

from __future__ import annotations

import heapq
import math
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .sparse import csr, distances, nearest, reaching, seeded, transpose, unique

__all__ = [
    "ACTIVE_LANDMARKS",
    "BEYOND_CAP",
    "N_LANDMARKS",
    "Landmarks",
    "bounded_search",
    "build_landmarks",
    "cheapest_per_pair",
    "content",
    "dead_ends_cut",
    "exact_to",
    "goal_directed",
    "headroom",
    "last_short",
    "potential",
    "reduce_graph",
    "reversed_graph",
    "rows_of",
    "settle",
]

#: landmarks per table, and how many of them (with a direction each) steer one query
N_LANDMARKS = 16
ACTIVE_LANDMARKS = 6
#: the first limits of a goal-directed search, as fractions of the lower bound at the origin; the first,
#: next to nothing, finds the route when the bound is exact over the search's graph (only the states on
#: a shortest way are reached: reduced cost 0, but for rounding)
SLACK = (1e-6, 0.05, 0.15, 0.45, 1.35, 4.05)
#: what :func:`goal_directed` returns when no path is within the cap
BEYOND_CAP: Any = ("beyond the cap",)


@dataclass
class Landmarks:
    """Shortest distances from (``fwd[i, v]`` = d(L_i, v)) and to (``bwd[i, v]`` = d(v, L_i)) a few
    landmark states over one graph. Any mask of it only removes edges, and a search's weights are never
    below these, so ``d(L, t) - d(L, v)`` and ``d(v, L) - d(t, L)`` are lower bounds on the distance
    from ``v`` to ``t`` in every such search graph: an admissible and consistent A* potential."""

    states: np.ndarray
    fwd: np.ndarray
    bwd: np.ndarray
    #: the table's graph reversed (CSR), or a function making it (then a few are kept, :func:`reversed_graph`),
    #: when known: then :func:`potential` uses the exact distances over it to a goal (:func:`exact_to`),
    #: never below the landmarks' bounds, instead of those bounds
    reverse: Any = field(default=None, repr=False, compare=False)


def build_landmarks(graph: Any) -> Landmarks:
    """Landmarks picked farthest first over ``graph`` (CSR; each the state farthest from those picked),
    then one-to-all searches from and to each."""
    S = graph.shape[0]
    deg = np.diff(graph.indptr)
    start = int(np.argmax(deg)) if S else 0
    picked: list[int] = []
    fwd_rows: list[np.ndarray] = []
    near = distances(graph, start, min_only=False)
    for _ in range(min(N_LANDMARKS, S)):
        score = np.where(np.isfinite(near), near, -1.0)
        if picked:
            score[np.asarray(picked)] = -1.0
        nxt = int(np.argmax(score))
        if score[nxt] <= 0 and picked:
            break
        picked.append(nxt)
        row = distances(graph, nxt, min_only=False)
        fwd_rows.append(row)
        near = row if len(picked) == 1 else np.minimum(near, row)
    fwd = np.vstack(fwd_rows) if fwd_rows else np.zeros((0, S))
    rev = transpose(graph)
    bwd = distances(rev, picked, min_only=False).reshape(len(picked), S)
    return Landmarks(np.asarray(picked, np.int64), fwd, bwd, rev)


#: exact distance rows, reversed graphs made by a table's function, and potentials through via groups
#: (before their cap at the sources) kept (for every table together: a table outlives the engine's
#: graph caches, which a few new masks empty), and the content hashes of via groups
EXACT_KEPT = 128
REVERSED_KEPT = 32
LAYERS_KEPT = 64
_EXACT: dict[Any, tuple[Landmarks, np.ndarray]] = {}
_REVERSED: dict[int, tuple[Landmarks, Any]] = {}
_LAYERS: dict[Any, tuple[Landmarks, tuple[np.ndarray, ...], np.ndarray | None]] = {}
_HASHES: dict[int, tuple[np.ndarray, int]] = {}
#: use a table's graph for exact bounds when it has one (False: the landmarks' bounds only)
EXACT = True


def exact_to(lm: Landmarks, goal: np.ndarray) -> np.ndarray | None:
    """The shortest distance from each base state to the nearest state of ``goal`` over the table's
    graph (one search over its reverse, kept per goal), or None when the table has no graph. Over any
    subset of that graph's edges, with weights never below its own, it is a lower bound on the
    distance to ``goal``, consistent (a distance is), and never below a landmark bound (which bounds
    this very distance from below)."""
    if not EXACT or lm.reverse is None or not len(goal):
        return None
    g = unique(np.asarray(goal, np.int64))
    k = (id(lm), g.tobytes())
    kept = _EXACT.get(k)
    if kept is not None and kept[0] is lm:
        return kept[1]
    got = distances(reversed_graph(lm), g)
    got.setflags(write=False)
    if len(_EXACT) >= EXACT_KEPT:
        _EXACT.clear()
    _EXACT[k] = (lm, got)
    return got


def reversed_graph(lm: Landmarks) -> Any:
    """The table's graph reversed: ``lm.reverse``, or what its function makes (a few kept)."""
    if not callable(lm.reverse):
        return lm.reverse
    kept = _REVERSED.get(id(lm))
    if kept is not None and kept[0] is lm:
        return kept[1]
    rev = lm.reverse()
    if len(_REVERSED) >= REVERSED_KEPT:
        _REVERSED.clear()
    _REVERSED[id(lm)] = (lm, rev)
    return rev


def _bound_to(lm: Landmarks, goal: np.ndarray, src: np.ndarray) -> tuple[np.ndarray, float] | None:
    """:func:`toward`, with the exact distances of :func:`exact_to` in place of the landmarks'
    bounds when the table has its graph (the estimate ``ub`` still the landmarks', unless it is below
    the exact distance: the landmarks were placed over a larger graph, and then there is none)."""
    near = toward(lm, goal, src)
    ex = exact_to(lm, goal)
    if ex is None:
        return near
    with np.errstate(invalid="ignore"):
        if not len(src) or not np.isfinite(ex[src]).any():
            return near
        ub = near[1] if near is not None else np.inf
        if ub < float(ex[src].min()):  # the landmarks' estimate is for a larger graph: none here
            ub = np.inf
    return ex.copy(), ub


def toward(lm: Landmarks, goal: np.ndarray, src: np.ndarray) -> tuple[np.ndarray, float] | None:
    """A lower bound on the distance from each base state to the nearest state of ``goal`` (never
    below 0; from the best landmark bounds of each kind at the states ``src``), and an estimate of the
    distance from ``src`` (exact over the table's graph when a landmark lies on the way). None when no
    landmark bounds anything at ``src``."""
    F, B = lm.fwd, lm.bwd
    if not len(goal):
        return None
    with np.errstate(invalid="ignore"):
        a = F[:, goal].min(axis=1)  # d(L, nearest goal state)
        b = B[:, goal].max(axis=1)  # d(farthest goal state, L)
        at_src = np.concatenate([(a[:, None] - F[:, src]).min(axis=1), (B[:, src] - b[:, None]).min(axis=1)])
        ub = float(np.min(B[:, src].min(axis=1) + a))
    at_src = np.where(np.isnan(at_src), -np.inf, at_src)
    # the best bounds of each kind: a landmark behind the origin (from) gives no bound in the cone
    # beyond the origin, one beyond the destination (to) does
    K = len(lm.states)
    half = (ACTIVE_LANDMARKS + 1) // 2
    pick = np.concatenate([np.argsort(-at_src[:K], kind="stable")[:half], K + np.argsort(-at_src[K:], kind="stable")[:half]])
    pick = pick[at_src[pick] > 0]
    if not len(pick):
        return None
    h = np.zeros(F.shape[1])
    with np.errstate(invalid="ignore"):
        for i in pick:
            # nan (inf - inf: no information) is ignored by fmax
            term = a[i] - F[i] if i < K else B[i - K] - b[i - K]
            np.fmax(h, term, out=h)
    return h, ub


def potential(
    lm: Landmarks,
    sources: Sequence[int],
    targets: Sequence[int],
    *,
    vias: Sequence[np.ndarray] = (),
    edge_src: np.ndarray | None = None,
    edge_dst: np.ndarray | None = None,
    weight: np.ndarray | None = None,
    transfers: int = 1,
) -> tuple[np.ndarray, float, float] | None:
    """An A* potential toward ``targets``: a lower bound ``pi`` on the distance from each state to the
    nearest target, capped at ``c``, its least value over ``sources`` (so every source starts level),
    and ``ub``, an estimate of the distance. None when the table says nothing useful.

    Without ``vias`` over the base states. With them (the layered graph of
    :func:`corridors.layered.solve`, ``V`` via layers of ``transfers`` copies each), layer by layer from
    the last: in layer ``a`` a route must still use an edge of group ``a``, so ``pi_a(v)`` = (a bound
    from ``v`` to the nearest start of such an edge) + the least of ``weight`` + ``pi`` of the layer
    reached over those edges. It is consistent: within a layer as a landmark bound is, and over an
    edge of the group because its start is 0 from the group and the rest is that least value. The
    edges' ends (``edge_src``, ``edge_dst``) and ``weight`` (the table's) are needed then. With the
    table's graph (exact distances), the layers do not depend on ``sources`` (but for the cap): they
    are kept per table, targets, groups (by content) and weights (:func:`_through`), for any origin."""
    if not len(lm.states):
        return None
    if EXACT and lm.reverse is not None and vias and weight is not None and edge_src is not None and edge_dst is not None:
        src, tgt = np.asarray(sources, np.int64), np.asarray(targets, np.int64)
        ex = exact_to(lm, tgt)
        if ex is not None and len(src) and np.isfinite(ex[src]).any():  # _bound_to's exact distances
            pi = _through(lm, tgt, ex, vias, edge_src, edge_dst, weight, transfers)
            if pi is None:
                return None
            c = float(pi[src].min())
            if not math.isfinite(c) or c <= 0:
                return None
            return np.minimum(pi, c), c, np.inf  # the table's estimate is for a route without the vias
    return _potential(lm, sources, targets, vias, edge_src, edge_dst, weight, transfers)


def content(v: np.ndarray) -> int:
    """``hash(v.tobytes())``, kept per read-only array (kept alive: its id stays its own); an array
    that may change is hashed each time. The one content hash of masks and via groups (search keys,
    kept layered graphs, potentials)."""
    got = None if v.flags.writeable else _HASHES.get(id(v))
    if got is None or got[0] is not v:
        got = (v, hash(v.tobytes()))
        if not v.flags.writeable:
            if len(_HASHES) >= 1024:
                _HASHES.clear()
            _HASHES[id(v)] = got
    return got[1]


def _through(
    lm: Landmarks,
    tgt: np.ndarray,
    ex: np.ndarray,
    vias: Sequence[np.ndarray],
    edge_src: np.ndarray,
    edge_dst: np.ndarray,
    weight: np.ndarray,
    transfers: int,
) -> np.ndarray | None:
    """The potential of :func:`_potential` through ``vias`` from the exact distances ``ex`` to the
    targets, before its cap (read-only; None when a group leads nowhere), kept per table, targets,
    groups (by content, checked equal) and weights."""
    key = (id(lm), unique(tgt).tobytes(), tuple(content(v) for v in vias), transfers, id(weight))
    kept = _LAYERS.get(key)
    if kept is not None and kept[0] is lm and all(a is b or np.array_equal(a, b) for a, b in zip(kept[1], (*vias, weight), strict=True)):
        return kept[2]
    rev = reversed_graph(lm)
    layers = [ex]
    pi: np.ndarray | None = None
    for a in range(len(vias) - 1, -1, -1):
        got = _exact_layer(rev, vias[a], vias, a, layers, edge_src, edge_dst, weight)
        if got is None:
            break
        layers.append(got)
    else:
        pi = np.concatenate([np.tile(x, transfers) for x in layers[::-1]])
        pi.setflags(write=False)
    if len(_LAYERS) >= LAYERS_KEPT:
        _LAYERS.clear()
    _LAYERS[key] = (lm, (*(v.copy() if v.flags.writeable else v for v in vias), weight), pi)
    return pi


def _potential(
    lm: Landmarks,
    sources: Sequence[int],
    targets: Sequence[int],
    vias: Sequence[np.ndarray],
    edge_src: np.ndarray | None,
    edge_dst: np.ndarray | None,
    weight: np.ndarray | None,
    transfers: int,
) -> tuple[np.ndarray, float, float] | None:
    src, tgt = np.asarray(sources, np.int64), np.asarray(targets, np.int64)
    last = _bound_to(lm, tgt, src)
    if last is None:
        return None
    pi, ub = last
    if vias:
        if edge_src is None or edge_dst is None or weight is None:
            return None
        V = len(vias) + 1
        w = np.maximum(weight, 1e-9)
        layers = [pi]
        for a in range(V - 2, -1, -1):
            group = vias[a]
            if EXACT and lm.reverse is not None:  # exact over the table's graph, the layer's edges relaxed
                got = _exact_layer(reversed_graph(lm), group, vias, a, layers, edge_src, edge_dst, w)
                if got is None:
                    return None
                layers.append(got)
                continue
            h = _bound_to(lm, unique(edge_src[group]), src)
            if h is None:
                return None
            adv = _advance(group, vias, a)  # past every consecutive group each edge satisfies
            idx = np.flatnonzero(group)
            ahead = layers[::-1]  # ahead[k] is the potential of layer a + 1 + k
            reach = np.full(len(idx), np.inf)
            for k in unique(adv[idx]):
                sel = adv[idx] == k
                reach[sel] = w[idx[sel]] + ahead[int(k) - 1][edge_dst[idx[sel]]]
            delta = float(reach.min()) if len(reach) else np.inf
            if not math.isfinite(delta):
                return None
            layers.append(h[0] + delta)
        pi = np.concatenate([np.tile(x, transfers) for x in layers[::-1]])
        ub = np.inf  # the table's estimate is for a route without the vias
    c = float(pi[src].min())
    if not math.isfinite(c) or c <= 0:
        return None
    np.minimum(pi, c, out=pi)
    return pi, c, ub


def _advance(group: np.ndarray, vias: Sequence[np.ndarray], a: int) -> np.ndarray:
    """How many layers each edge of ``group`` (= ``vias[a]``) advances: past every consecutive group
    it satisfies."""
    adv = group.astype(np.int64)
    alive = group.copy()
    for j in range(a + 1, len(vias)):
        alive &= vias[j]
        adv += alive
    return adv


def _exact_layer(
    rev: Any,
    group: np.ndarray,
    vias: Sequence[np.ndarray],
    a: int,
    layers: list[np.ndarray],
    edge_src: np.ndarray,
    edge_dst: np.ndarray,
    w: np.ndarray,
) -> np.ndarray | None:
    """The potential of via layer ``a`` over the table's graph (``rev``, reversed): the distance from
    each state to the end of the route when the route may move freely within the layer (every edge of
    the table's graph, the group's too: a relaxation) and leaves it over an edge ``e`` of the group
    for ``w(e)`` + the potential of the layer that edge reaches (``layers``: the later layers, last
    first). One search over ``rev`` from a virtual state joined to each edge's start at that price.
    A distance in a graph holding every edge of the layer, priced no higher, and the later layers'
    potentials at their ends: a lower bound, and consistent (within the layer as a distance is; over
    an edge of the group by the price of the virtual edge). None when no edge of the group leads on."""
    S = rev.shape[0]
    idx = np.flatnonzero(group)
    adv, alive = np.ones(len(idx), np.int64), np.ones(len(idx), bool)  # :func:`_advance` at the group's edges only
    for j in range(a + 1, len(vias)):
        adv += (alive := alive & vias[j][idx])
    ahead = layers[::-1]  # ahead[k] is the potential of layer a + 1 + k
    reach = np.full(len(idx), np.inf)
    for k in unique(adv):
        sel = adv == k
        reach[sel] = np.maximum(w[idx[sel]], 1e-9) + ahead[int(k) - 1][edge_dst[idx[sel]]]  # (_through's w as it is)
    ok = np.isfinite(reach)
    if not ok.any():
        return None
    off = np.full(S, np.inf)
    np.minimum.at(off, edge_src[idx[ok]].astype(np.int64), reach[ok])
    xs = np.flatnonzero(np.isfinite(off))
    return seeded(rev, xs, off[xs])  # (the search from a virtual state joined to each at that price)


def reduce_graph(graph: Any, rows: np.ndarray, pot: tuple[np.ndarray, float, float] | None) -> tuple[Any, float, float, bool]:
    """``graph`` (CSR) with the reduced costs of potential ``pot`` (``rows``: the row of each stored
    entry), its ``c`` and ``ub``, and whether dead ends were cut (:func:`goal_directed` keeps this tuple)."""
    if pot is None:
        return (None, 0.0, 0.0, False)
    pi, c, ub = pot
    if len(pi) < graph.shape[0]:
        pi = np.tile(pi, graph.shape[0] // len(pi))
    data = graph.data - pi[rows]
    data += pi[graph.indices]
    np.maximum(data, 0.0, out=data)
    return (csr(data, graph.indices, graph.indptr, graph.shape), c, ub, False)


def headroom(c: float, ub: float, cap: float | None) -> float:
    """How far past ``c`` (a potential's value at the sources) :func:`goal_directed` searches: the answer
    is ``c`` plus a slack, usually a few percent of ``c``, widened up to the last limit that holds over
    the graph of every allowed edge (``ub - c``) and ``cap - c``. Below 0 with a ``cap``: the bound alone
    says no path is that short (:data:`BEYOND_CAP`, whatever the graph)."""
    top = ub - c if math.isfinite(ub) else np.inf
    return top if cap is None else min(top, cap - c)


def goal_directed(
    reduced: tuple[Any, float, float, bool],
    sources: Sequence[int],
    cand: list[int],
    cap: float | None = None,
    *,
    trace: list[np.ndarray] | None = None,
) -> tuple[Any, tuple[Any, float, float, bool]]:
    """A* over the reduced graph of :func:`reduce_graph`, bounded and widened in steps until a target
    of ``cand`` is reached (exact within the limit, as any bounded Dijkstra). Returns the found
    (dist, pred, best, offset), or None (no potential, or the steps took in a good part of the graph:
    the caller then searches everything once), or :data:`BEYOND_CAP` (no path costs at most ``cap``);
    and the reduced graph to keep (with its dead ends cut once a step took in an eighth of the graph).
    The states whose rows each search it runs read (those it reached: the weights are never inf
    there, :func:`dead_ends_cut` aside) are appended to ``trace`` if given; a short search
    (:func:`_short`), enough for most routes, reads only the states it settles."""
    red, c, ub, pruned = reduced
    if red is None:
        return None, reduced
    top = headroom(c, ub, cap)
    if cap is not None and top < 0:
        return BEYOND_CAP, reduced  # the bound alone says no path is that short
    limits = [f * c for f in SLACK if f * c < top]
    if math.isfinite(top):
        limits.append(top)
    if limits and not pruned:
        # the first step, done touching only the states it settles (usually those on the way): when it
        # finds a target, exactly what scipy's search within the first limit gives
        short = _short(red, sources, cand, limits[0] * (1.0 + 1e-9) + 1e-9)
        if short is not None:
            dist, pred, best, read = short
            if trace is not None:
                trace.append(np.fromiter(read, np.int64, len(read)))
            return (dist, pred, best, c), reduced
    while True:
        wide = False
        for limit in limits:
            lim = limit * (1.0 + 1e-9) + 1e-9
            dist, pred, found, reached = nearest(red, sources, cand, lim, trace)
            if found is not None:
                return (dist, pred, found, c), (red, c, ub, pruned)
            if reached * (8 if not pruned else 4) > red.shape[0]:
                wide = True
                break  # a good part of the graph already
        if not wide:
            if cap is not None and math.isfinite(top) and top == cap - c:
                return BEYOND_CAP, (red, c, ub, pruned)  # searched as far as the cap
            return None, (red, c, ub, pruned)
        if pruned:
            return None, (red, c, ub, pruned)  # no more steps: the caller searches everything once
        # a good part of the graph within the limit: drop the states no target can be reached from
        # (a branch off the origin, which a route never arrives at again), once, and try again
        red, pruned = dead_ends_cut(red, cand), True


#: states a short search (:func:`_short`) may settle before it leaves the query to the bounded search
#: (:func:`corridors.sparse.nearest`: compiled, or scipy's Dijkstra): a few hundred microseconds at
#: most, which a query it gives up on loses once (the next time goes there at once). Python's work is a
#: fraction of a microsecond a state where scipy's is a fixed setup over every state (about 0.03 ms,
#: twice that with its memory out of the CPU caches, as between other work; the compiled search fills
#: its arrays for every state too): in the benchmark's interleaved runs even the sea routes of 130-170
#: states are faster so (in a hot loop about 10 % slower), the shortest a third as costly (measured
#: against scipy, before the compiled search).
SHORT_BUDGET = 200
#: per reduced graph, the rows its short searches read (as lists) and the queries they gave up on
SHORT_KEPT = 64
_SHORT: dict[int, tuple[Any, dict[float, dict[int, list[tuple[int, float, int]]]], set[Any]]] = {}
#: use the short search at all (False: the bounded search of :func:`corridors.sparse.nearest` for every limit)
SHORT = True


class _Dist(dict[int, float]):
    """The distances of a short search, read as scipy's array is (``d[i]``; inf where not reached)."""

    __slots__ = ()

    def __missing__(self, key: int) -> float:
        return math.inf


class _Pred(dict[int, int]):
    """The predecessors of a short search, read as scipy's array is (``p.item(i)``; -9999 where none),
    and in ``entry`` the position in the graph's CSR arrays of the edge from each one."""

    __slots__ = ("entry",)
    entry: dict[int, int]

    def __missing__(self, key: int) -> int:
        return -9999

    item = dict.__getitem__  # calls __missing__ too


def _short(red: Any, sources: Sequence[int], cand: list[int], limit: float) -> tuple[_Dist, _Pred, int, set[int]] | None:
    """Dijkstra from ``sources`` over ``red`` touching only the states it settles (a binary heap of
    Python floats, rows read as lists and kept per graph), stopped at the first target settled: the
    dist, pred and best target scipy's ``dijkstra(..., min_only=True, limit=limit)`` and ``min(cand,
    key=dist)`` give (``dist``/``pred`` only at the states on the way), with the states whose rows it
    read. None (the bounded search decides) past :data:`SHORT_BUDGET` settled states, beyond ``limit``, and on any
    tie that could make scipy's answer differ: a state offered its distance twice (the predecessor
    then depends on the order of equal keys in scipy's heap), or another state left at the target's
    distance. A query it gave up on once is left to the bounded search at once the next time."""
    if not SHORT:
        return None
    got = _SHORT.get(id(red))
    if got is None or got[0]() is not red:
        if len(_SHORT) >= SHORT_KEPT:
            _SHORT.clear()
        got = (weakref.ref(red), {}, set())
        _SHORT[id(red)] = got
        weakref.finalize(red, _SHORT.pop, id(red), None)  # kept no longer than the graph
    _, by_limit, failed = got
    qkey = (tuple(sources), tuple(cand), limit)
    if qkey in failed:
        return None
    rows = by_limit.get(limit)
    if rows is None:
        rows = by_limit[limit] = {}
    found = _settle(red, rows, sources, cand, limit)
    if found is None:
        failed.add(qkey)
    else:
        _LAST.short = (red, rows, qkey[0], cand, limit)
    return found


#: per thread, the inputs of the last short search that found a target: ``(graph, its rows within the
#: limit, sources, cand, limit)``, what :func:`settle` needs to run it again (``corridors.search`` reads
#: it after a search to keep a warm query's inputs; see :func:`last_short`)
_LAST = threading.local()


def last_short(clear: bool = False) -> tuple[Any, dict[int, list[tuple[int, float, int]]], tuple[int, ...], list[int], float] | None:
    """The inputs of this thread's last short search that found a target (None if none since the last
    ``last_short(clear=True)``, which forgets it)."""
    got: Any = getattr(_LAST, "short", None)
    if clear:
        _LAST.short = None
    return got  # type: ignore[no-any-return]


def _settle(
    red: Any, rows: dict[int, list[tuple[int, float, int]]], sources: Sequence[int], cand: list[int], limit: float
) -> tuple[_Dist, _Pred, int, set[int]] | None:
    indptr, indices, data = red.indptr, red.indices, red.data
    dist = _Dist()
    pred = _Pred()
    pred.entry = entry = {}
    heap: list[tuple[float, int]] = []
    for s in sources:
        s = int(s)
        if s not in dist:
            dist[s] = 0.0
            heap.append((0.0, s))
    start = frozenset(dist)  # scipy scans them first and never relaxes an edge into them
    goal = set(cand)
    done: set[int] = set()
    pop, push = heapq.heappop, heapq.heappush
    budget = SHORT_BUDGET
    while heap:
        du, u = pop(heap)
        if u in done:
            continue
        if du > limit:
            return None
        done.add(u)
        if len(done) > budget:
            return None
        row = rows.get(u)
        if row is None:
            a, b = indptr[u : u + 2].tolist()
            # only the edges within the limit from a state at 0 (the others are never relaxed)
            row = rows[u] = [x for x in zip(indices[a:b].tolist(), data[a:b].tolist(), range(a, b), strict=True) if x[1] <= limit]
        if u in goal:
            # another state at this distance (in the heap, or one step on at no cost) may be another
            # target, or offer a state on the way its distance again: scipy decides
            if (heap and heap[0][0] <= du) or any(du + w == du and v not in done and v not in start for v, w, _ in row):
                return None
            return dist, pred, u, done
        for v, w, e in row:
            nd = du + w
            if not nd <= limit:
                continue
            old = dist.get(v)
            if old is None or nd < old:
                if v in done:
                    continue
                dist[v] = nd
                pred[v] = u
                entry[v] = e
                push(heap, (nd, v))
            elif nd == old and v not in start:
                return None  # offered twice at its distance: scipy's order of equal keys decides
    return None


#: the short search itself, for inputs :func:`last_short` gave (the same ``rows``: what it read of the
#: graph within the limit), without :func:`_short`'s bookkeeping of the queries it gave up on: the same
#: answer, or None where it gives up (the caller then takes the full way)
settle = _settle


def dead_ends_cut(red: Any, cand: list[int]) -> Any:
    """``red`` with every edge into a state from which none of ``cand`` can be reached set to inf (never
    relaxed). A shortest path to a target passes only states that reach it, and so is every
    predecessor of such a state: the same distances and paths to the targets."""
    seen = reaching(red, cand)
    data = red.data.copy()
    data[~seen[red.indices]] = np.inf
    return csr(data, red.indices, red.indptr, red.shape)


def bounded_search(
    graph: Any,
    sources: Sequence[int],
    cand: list[int],
    lower_bound: float | Callable[[], float | None] | None,
    cap: float | None = None,
    *,
    trace: list[np.ndarray] | None = None,
) -> tuple[Any, Any, int, float] | None:
    """Plain Dijkstra. With a lower bound on the answer (or a function giving it), search only as far
    as a few times it (exact within the limit), widening until the target is reached; a short query
    then touches a few hundred states. With ``cap``, only as far as that. The states each search it
    runs reached are appended to ``trace`` if given."""
    if cap is not None:
        lower_bound = None
    elif callable(lower_bound):
        lower_bound = lower_bound()
    limits = [lower_bound * f for f in (1.6, 4.0)] if lower_bound and lower_bound > 0 else []
    for limit in [*limits, np.inf if cap is None else cap]:
        dist, pred, best, _ = nearest(graph, sources, cand, limit, trace)
        if best is not None:
            return dist, pred, best, 0.0
    return None


def cheapest_per_pair(pair: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Indices, in ``pair`` order, of the cheapest edge of each distinct ``pair`` (ties: the first
    one), exactly what a stable ``lexsort((w, pair))`` keeping each pair's first edge gives, with an
    integer sort instead of a sort on the float key, and only the runs of a repeated pair settled (a
    few hundred entries in a layered graph of 100,000): a fifth of the time of a ``minimum.reduceat``
    over every entry. tests/test_speed_paths.py compares it with the lexsort."""
    if not len(pair):
        return np.zeros(0, np.int64)
    if np.isnan(w).any():  # NaN sorts last there; keep that rule without reasoning about it
        order = np.lexsort((w, pair))
        first = np.ones(len(order), bool)
        first[1:] = pair[order][1:] != pair[order][:-1]
        return order[first]
    order = np.argsort(pair, kind="stable")
    sp = pair[order]
    later = np.flatnonzero(sp[1:] == sp[:-1]) + 1  # the entries whose pair the previous entry has
    if not len(later):  # no parallel edges
        return order
    # each run of one pair starts just before its first such entry; its members, run by run
    new_run = np.ones(len(later), bool)
    new_run[1:] = later[1:] != later[:-1] + 1
    run_start = later[new_run] - 1
    run_len = np.diff(np.append(np.flatnonzero(new_run), len(later))) + 1
    first_of = np.cumsum(run_len) - run_len  # each run's first member among the members
    run_id = np.repeat(np.arange(len(run_len)), run_len)
    members = run_start[run_id] + (np.arange(len(run_id)) - first_of[run_id])
    mw = w[order[members]]
    low = np.minimum.reduceat(mw, first_of)
    cand = np.flatnonzero(mw == low[run_id])  # the cheapest of each run, the first of them first
    firsts = np.ones(len(cand), bool)
    firsts[1:] = run_id[cand][1:] != run_id[cand][:-1]
    drop = np.zeros(len(sp), bool)
    drop[members] = True
    drop[members[cand[firsts]]] = False
    return order[~drop]


def rows_of(store: dict[Any, Any], csr: Any, known: np.ndarray | None = None) -> np.ndarray:
    """The row of each stored entry of ``csr`` (``known``: those its build had), kept in ``store`` for the last few graphs."""
    got = store.get(id(csr))
    if got is not None and got[0] is csr:
        return np.asarray(got[1])
    rows = np.repeat(np.arange(csr.shape[0], dtype=np.int64), np.diff(csr.indptr)) if known is None else known
    if len(store) > 64:
        store.clear()
    store[id(csr)] = (csr, rows)
    return rows
