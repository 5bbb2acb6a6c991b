"""The search graphs of the engine (:mod:`corridors.engine`) and their solver: the cheapest edge of each
state pair over a mask, copied into via layers and transfer counts, solved with a compiled Dijkstra
(A* toward the targets, :mod:`corridors.astar`; :mod:`corridors.sparse`: scipy's answers).

A graph is built once per query key and kept with the engine. A query whose graph only lacks edges of
one already built with the same ends, weights, via groups, transfer cap and A* table (a new set of
avoided legs, places or countries on the same family; more nodes never arrived at, as a repaired
revisit has) is not built again from its edges:

* when none of the entries that differ lies in a row the earlier search read (with finite weights and
  no dead ends cut, Dijkstra reads only the rows of the states it reaches), the new search would
  repeat the earlier one step by step, so its answer is the earlier answer (with the same cap);
* otherwise its graph is the earlier graph without those entries, an entry whose edge is removed
  taking the next cheapest edge of the same state pair and layers where there is one: the very
  graph a build from the edges gives (the same entries in the same order), searched anew.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from . import layer_graphs, sparse
from .astar import (
    BEYOND_CAP,
    Landmarks,
    bounded_search,
    build_landmarks,
    cheapest_per_pair,
    content,
    goal_directed,
    headroom,
    potential,
    reduce_graph,
    rows_of,
)

__all__ = ["GAUGE", "LEG", "THROUGH", "TRANSFER", "Arrays", "Solution", "distances_from", "landmarks", "search_graph", "solve"]

#: edge types: a leg, a through (same mode) dwell, a transfer (between modes or vessels), a change of gauge
LEG, THROUGH, TRANSFER, GAUGE = layer_graphs.LEG, layer_graphs.THROUGH, layer_graphs.TRANSFER, layer_graphs.GAUGE

Built = tuple[Any, np.ndarray, np.ndarray]


class Arrays(Protocol):
    """What the search graphs read of an engine (:class:`corridors.engine.Engine`)."""

    src: np.ndarray
    dst: np.ndarray
    etype: np.ndarray
    state_node: np.ndarray

    @property
    def n_states(self) -> int: ...

    @property
    def n_edges(self) -> int: ...

    @property
    def graphs(self) -> dict[Any, Any]: ...


def _one_layer(eng: Arrays, weight: np.ndarray, mask: np.ndarray, no_arrival: Any) -> Built:
    """The search graph without vias or a transfer cap: the cheapest edge of each state pair over
    ``mask``, built once per mask and weight whatever the origin, then without the legs arriving at a
    node of ``no_arrival``. The same graph as removing those legs first: every edge of a state pair is
    a leg arriving at the same node, or none is."""
    S = eng.n_states
    h = hashlib.blake2b(mask.tobytes(), digest_size=32)
    h.update(weight.tobytes())
    bkey = ("one-layer", h.digest())  # the content of both, not their identity
    bases = eng.graphs.setdefault("one-layer bases", {})
    got = bases.get(bkey)
    if got is None:
        base = np.flatnonzero(mask)
        rows, cols = eng.src[base].astype(np.int64), eng.dst[base].astype(np.int64)
        w = np.maximum(weight[base], 1e-9)
        keep = cheapest_per_pair(rows * S + cols, w)
        rows, cols, eidx, w = rows[keep], cols[keep], base[keep], w[keep]
        arrive = eng.state_node[eng.dst[eidx]].astype(np.int64)
        arrive[eng.etype[eidx] != LEG] = -1  # only legs arrive
        got = (w, rows, cols, eidx, arrive)
        if len(bases) > 32:
            bases.clear()
        bases[bkey] = got
    w, rows, cols, eidx, arrive = got
    banned = np.asarray(no_arrival, dtype=np.int64)
    if len(banned):
        ok = ~np.isin(arrive, banned)
        w, rows, cols, eidx = w[ok], rows[ok], cols[ok], eidx[ok]
    indptr = np.zeros(S + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=S), out=indptr[1:])
    csr = sparse.csr(w, cols, indptr, (S, S))
    return (csr, rows * S + cols, eidx)


def search_graph(eng: Arrays, weight: np.ndarray, mask: np.ndarray) -> Built:
    """The search graph over ``mask``: a CSR matrix of the cheapest edge of each state pair by
    ``weight``, the pairs' keys (``from_state * n_states + to_state``, ascending) and each kept edge's
    index. Built once per content of ``mask`` and ``weight`` and kept with the engine (what a one-to-all
    search without vias uses; :func:`corridors.matrix.od_matrix` walks its shortest-path trees)."""
    return _one_layer(eng, weight, mask, ())


@dataclass
class Solution:
    edges: list[int]
    cost: float
    layers: list[int] = field(default_factory=list)  # the via layer each edge of ``edges`` starts in


def solve(
    eng: Arrays,
    sources: Sequence[int],
    targets: Sequence[int],
    weight: np.ndarray,
    mask: np.ndarray,
    vias: Sequence[np.ndarray] = (),
    max_transfers: int | None = None,
    cache_key: Any = None,
    lower_bound: float | Callable[[], float | None] | None = None,
    no_arrival: Sequence[np.ndarray] = (),
    bound: tuple[Any, np.ndarray, np.ndarray | None, Any] | None = None,
    cap: float | None = None,
    origin: int | None = None,
) -> Solution | None:
    """Shortest path from any of ``sources`` to any of ``targets`` over the edges in ``mask``.

    ``vias`` are boolean edge masks, to be satisfied in order (the path uses an edge of each): the
    graph is layered, layer ``a`` meaning "the first ``a`` groups are satisfied", and an edge of group
    ``a`` used in layer ``a`` moves the path to layer ``a + 1``. ``no_arrival[a]`` (node indices) are
    nodes a leg may not arrive at in layer ``a``: the caller uses it so that a node where a group was
    satisfied (a crossing, a via place) is never arrived at again afterwards, so a route cannot touch
    a via and turn back through it. ``max_transfers`` caps the number of transfer edges (a transfer
    between modes or vessels, or a change of rail gauge). Returns the base edge indices in order with
    the layer each starts in.

    ``bound`` = (key, weights, edges, disk): A* (:mod:`corridors.astar`) with the :func:`landmarks` of
    those weights over those edges (``mask`` a subset, ``weight`` never below them). ``cap``: only a
    path of at most that cost is wanted (else None: the caller has a better answer).

    With a ``cache_key`` the graph is kept under it, and a new key whose ``mask`` is a subset of one
    solved before with the same other inputs reuses that search (see the module's notes): the same
    answer as building and searching anew. ``vias`` and ``weight`` are then never modified. ``origin``:
    a node ``no_arrival`` bans (the origin's), whose layered graph is then derived from the one kept
    for any origin (:mod:`corridors.layer_graphs`; the same graph), the graph a new origin needs."""
    S = eng.n_states
    V = len(vias) + 1
    T = 1 if max_transfers is None else max_transfers + 1
    arrival_key = tuple(tuple(sorted(int(x) for x in a)) for a in no_arrival)
    key = (cache_key, V, T, arrival_key) if cache_key is not None else None
    store = eng.graphs
    built = store.get(key) if key is not None else None
    if built is None and _beyond_cap(eng, bound, sources, targets, vias, T, cap):
        return None  # what its search would answer from the potential alone: no graph built for it
    rec: _Kept | None = None
    ends: tuple[Any, ...] = ()
    if key is not None:
        reg = _registry(store)
        ends = _ends(bound, cap, lower_bound)
        refs = (*vias, weight)
        if built is None:
            family = _family(reg, sources, targets, weight, vias, max_transfers, bound)
            arrivals = tuple(frozenset(arrival_key[a]) if a < len(arrival_key) else frozenset() for a in range(V))
            got = _superset(reg, family, refs, mask, arrivals)
            parent = None if got is None else got[0]
            if got is not None:
                kept, removed, newly = got
                read, outcome = kept.outcomes.get(ends, (None, _MISSING))
                # the kept search ran as a first search on a new graph does, and read no changed row
                if outcome is not _MISSING and read is not None and not read[_changed_rows(eng, removed, newly)].any():
                    return None if outcome is None else Solution(list(outcome.edges), outcome.cost, list(outcome.layers))
                built = _derive(eng, kept.built, removed, newly, mask, weight, vias, max_transfers, arrivals, T)
            else:
                built = _build(eng, weight, mask, vias, max_transfers, no_arrival, V, T, origin)
            _trim(store)
            store[key] = built
            rec = _Kept(mask if not mask.flags.writeable else mask.copy(), arrivals, built, refs, {})
            _remember(reg, family, key, rec, parent)
        else:
            rec = reg.by_key.get(key)
            if rec is not None and rec.built is not built:
                rec = None
    if built is None:
        built = _build(eng, weight, mask, vias, max_transfers, no_arrival, V, T)
    need = rec is not None and ends not in rec.outcomes
    trace: list[np.ndarray] | None = [] if need else None
    sol, exact = _search(eng, built, sources, targets, V, T, key, lower_bound, vias, bound, cap, trace)
    if rec is not None and trace is not None:
        read = None
        if exact:  # the rows the searches read: those of the states they reached (finite weights)
            read = np.zeros(S, bool)
            for states in trace:
                read[states % S] = True
        rec.outcomes[ends] = (read, sol)
    return sol


def _build(
    eng: Arrays,
    weight: np.ndarray,
    mask: np.ndarray,
    vias: Sequence[np.ndarray],
    max_transfers: int | None,
    no_arrival: Sequence[np.ndarray],
    V: int,
    T: int,
    origin: int | None = None,
) -> Built:
    """The search graph of :func:`solve` from the edges of ``mask`` (with an ``origin`` banned from
    ``no_arrival``, a layered graph from the one kept for any origin: :func:`corridors.layer_graphs.for_origin`)."""
    if V == 1 and max_transfers is None:
        return _one_layer(eng, weight, mask, no_arrival[0] if no_arrival else ())
    if origin is not None:
        got = layer_graphs.for_origin(eng, weight, mask, vias, max_transfers, no_arrival, V, T, origin)
        if got is not None:
            return got
    return layer_graphs.build_layered(eng, weight, mask, vias, max_transfers, no_arrival, V, T)


def _beyond_cap(
    eng: Arrays,
    bound: tuple[Any, np.ndarray, np.ndarray | None, Any] | None,
    sources: Sequence[int],
    targets: Sequence[int],
    vias: Sequence[np.ndarray],
    T: int,
    cap: float | None,
) -> bool:
    """Whether the A* potential alone says no path is within ``cap`` (:func:`corridors.astar.headroom`
    below 0), as :func:`_search` would find before reading its graph: about half the capped plans of a
    compare. The potential does not depend on the mask, so neither does this answer (no graph is
    built, kept or derived for such a search)."""
    if bound is None or cap is None or not sources or not targets:
        return False
    pot = _potential_for(eng, bound, sources, targets, vias, T)
    return pot is not None and headroom(pot[1], pot[2], cap) < 0


def _search(
    eng: Arrays,
    built: Built,
    sources: Sequence[int],
    targets: Sequence[int],
    V: int,
    T: int,
    key: Any,
    lower_bound: float | Callable[[], float | None] | None,
    vias: Sequence[np.ndarray],
    bound: tuple[Any, np.ndarray, np.ndarray | None, Any] | None,
    cap: float | None,
    trace: list[np.ndarray] | None,
) -> tuple[Solution | None, bool]:
    """The search of :func:`solve` over its graph, and whether every search in it read only the rows
    of the states it reached (the states whose rows each of its searches read appended to ``trace``):
    no dead ends were cut (they set weights to inf) and the graph's weights are finite."""
    S = eng.n_states
    csr, pair, eidx = built
    n = S * V * T
    final_layers = [((V - 1) * T + t) * S for t in range(T)]
    cand = [t + off for t in targets for off in final_layers]
    if not cand or not sources:
        return None, True  # a node without legs
    exact = trace is not None and bool(np.isfinite(csr.data).all())
    found = None
    if bound is not None:  # A* toward the targets (corridors.astar), its reduced graph kept per query
        red_key = None if key is None else ("reduced", key, bound[0], tuple(sources), tuple(targets))
        reduced = eng.graphs.get(red_key) if red_key is not None else None
        if reduced is None:
            pot = _potential_for(eng, bound, sources, targets, vias, T)
            if pot is not None and cap is not None and headroom(pot[1], pot[2], cap) < 0:
                # what goal_directed answers from the potential alone (about half the capped plans of
                # a compare): the graph is not reduced for it
                return None, exact
            reduced = reduce_graph(csr, rows_of(eng.graphs.setdefault(layer_graphs.ROWS, {}), csr), pot)
        found, kept = goal_directed(reduced, sources, cand, cap, trace=trace)
        exact = exact and not reduced[3] and not kept[3]
        if red_key is not None and (kept is not reduced or red_key not in eng.graphs):
            _trim(eng.graphs)
            eng.graphs[red_key] = kept
    if found is None:  # no guided search, or it gave up: one search of everything reachable
        found = bounded_search(csr, sources, cand, lower_bound if bound is None else None, cap, trace=trace)
    if found is None or found is BEYOND_CAP:
        return None, exact
    dist, pred, best, offset = found
    path_states = [best]
    step = pred.item  # plain ints, one C call a state
    nxt = step(best)
    while nxt >= 0:
        path_states.append(nxt)
        nxt = step(nxt)
    path_states.reverse()
    entry = getattr(pred, "entry", None)
    if entry is not None:  # a short search's (corridors.astar): the CSR position of each edge, its pair's
        ST = S * T
        pos = [entry[s] for s in path_states[1:]]
        edges = [eidx.item(p) for p in pos] if len(pos) < 16 else eidx[pos].tolist()
        layers = [0] * len(pos) if n == ST else [s // ST for s in path_states[:-1]]
        return Solution(edges, float(dist[best]) + offset, layers), exact
    states = np.asarray(path_states, dtype=np.int64)
    where = np.searchsorted(pair, states[:-1] * n + states[1:])
    layers = (states[:-1] // (S * T)).tolist()
    return Solution(eidx[where].tolist(), float(dist[best]) + offset, layers), exact


# ------------------------------------------------------------------ a new mask from an earlier one

#: searches kept to derive from (over every query), and per query (the same other inputs)
KEPT_SEARCHES = 48
KEPT_PER_QUERY = 3
_PARENTS = "searches to derive from"
_PARALLEL = "parallel edges"
_MISSING: Any = object()


@dataclass(eq=False)
class _Kept:
    """A graph :func:`solve` built: its mask, the nodes no leg may arrive at in each layer, its via
    groups and weights (the weights named by identity, kept alive so that an id is never reused while
    the graph is kept), and the answers of the searches run on it by :func:`_ends`, each with the base
    states whose rows (in any layer) its searches read (None: not known)."""

    mask: np.ndarray
    arrivals: tuple[frozenset[int], ...]
    built: Built
    refs: tuple[np.ndarray, ...]
    outcomes: dict[tuple[Any, ...], tuple[np.ndarray | None, Solution | None]]
    #: built from the edges (not derived from another kept graph)
    root: bool = True


@dataclass(eq=False)
class _Registry:
    """The graphs kept to derive from: by family (most recently used first) and by query key."""

    by_family: dict[tuple[Any, ...], list[_Kept]] = field(default_factory=dict)
    by_key: dict[Any, _Kept] = field(default_factory=dict)


def _registry(store: dict[Any, Any]) -> _Registry:
    got = store.get(_PARENTS)
    if not isinstance(got, _Registry):
        got = store[_PARENTS] = _Registry()
    return got


def _family(
    reg: _Registry,
    sources: Sequence[int],
    targets: Sequence[int],
    weight: np.ndarray,
    vias: Sequence[np.ndarray],
    max_transfers: int | None,
    bound: tuple[Any, np.ndarray, np.ndarray | None, Any] | None,
) -> tuple[Any, ...]:
    """Every input of a search graph and its A* potential besides the mask and the nodes no leg may
    arrive at: graphs of the same family differ only in those, which only remove edges."""
    return (
        tuple(int(s) for s in sources),
        tuple(int(t) for t in targets),
        id(weight),
        tuple(content(v) for v in vias),  # by content: two plans may hold equal groups
        -1 if max_transfers is None else max_transfers,  # not the layers' count: a cap of 0 has one layer too
        None if bound is None else bound[0],
    )


def _ends(
    bound: tuple[Any, np.ndarray, np.ndarray | None, Any] | None, cap: float | None, lower_bound: float | Callable[[], float | None] | None
) -> tuple[Any, ...]:
    """What else a search on a graph reads: its cap, and the lower bound where the plain search reads
    it (no A*, no cap)."""
    lb: float | None = None
    if bound is None and cap is None and lower_bound is not None:
        lb = lower_bound() if callable(lower_bound) else lower_bound
    return (cap, lb)


def _superset(
    reg: _Registry, family: tuple[Any, ...], refs: tuple[np.ndarray, ...], mask: np.ndarray, arrivals: tuple[frozenset[int], ...]
) -> tuple[_Kept, np.ndarray, tuple[frozenset[int], ...]] | None:
    """The kept graph of ``family`` whose mask holds ``mask`` and whose nodes never arrived at are among
    ``arrivals`` (layer by layer), with the fewest edges and nodes more; the edges it has more
    (ascending) and the nodes each layer bans more; or None."""
    kept = reg.by_family.get(family, [])
    best: tuple[_Kept, np.ndarray, tuple[frozenset[int], ...]] | None = None
    for k in kept:
        if len(k.refs) != len(refs) or k.refs[-1] is not refs[-1]:  # the same weights
            continue
        if not all(a is b or np.array_equal(a, b) for a, b in zip(k.refs[:-1], refs[:-1], strict=True)):
            continue
        if len(k.arrivals) != len(arrivals) or not all(x <= y for x, y in zip(k.arrivals, arrivals, strict=True)):
            continue
        if k.mask.shape != mask.shape or (mask & ~k.mask).any():
            continue
        removed = np.flatnonzero(k.mask & ~mask)
        newly = tuple(y - x for x, y in zip(k.arrivals, arrivals, strict=True))
        if best is None or len(removed) + sum(map(len, newly)) < len(best[1]) + sum(map(len, best[2])):
            best = (k, removed, newly)
    if best is not None:  # most recently used first, and its family last out
        kept[:] = [best[0], *(x for x in kept if x is not best[0])]
        reg.by_family[family] = reg.by_family.pop(family)
    return best


def _changed_rows(eng: Arrays, removed: np.ndarray, newly: tuple[frozenset[int], ...]) -> np.ndarray:
    """The states whose rows (in some layer) may differ between a kept graph and one without the
    edges ``removed`` and without legs arriving at the nodes ``newly`` bans: the states those edges
    and legs leave."""
    nodes = frozenset().union(*newly)
    rows: np.ndarray = eng.src[removed]
    if nodes:
        legs = np.flatnonzero((eng.etype == LEG) & np.isin(eng.state_node[eng.dst], np.fromiter(nodes, np.int64, len(nodes))))
        rows = np.concatenate([rows, eng.src[legs]])
    return rows


def _remember(reg: _Registry, family: tuple[Any, ...], key: Any, k: _Kept, parent: _Kept | None) -> None:
    """Keep ``k`` (derived from ``parent`` if not None: then just after it, the wider graph staying
    first) under ``family`` and ``key``. Past the limits a derived graph goes before a graph built
    from the edges (the one the next new mask of the query derives from), the least recently used
    first."""
    k.root = parent is None
    kept = [x for x in reg.by_family.pop(family, []) if not np.array_equal(x.mask, k.mask) or x.arrivals != k.arrivals]
    at = next((i + 1 for i, x in enumerate(kept) if x is parent), 0)
    kept.insert(at, k)
    reg.by_family[family] = kept
    if len(kept) > KEPT_PER_QUERY:
        _drop_one(kept)
    while sum(len(v) for v in reg.by_family.values()) > KEPT_SEARCHES:
        fam = next((f for f, v in reg.by_family.items() if any(not x.root for x in v)), next(iter(reg.by_family)))
        _drop_one(reg.by_family[fam])
        if not reg.by_family[fam]:
            del reg.by_family[fam]
    if len(reg.by_key) >= 4 * KEPT_SEARCHES:
        reg.by_key.clear()
    reg.by_key[key] = k


def _drop_one(kept: list[_Kept]) -> None:
    """Drop the last derived graph of ``kept``, else its last."""
    i = next((j for j in range(len(kept) - 1, -1, -1) if not kept[j].root), len(kept) - 1)
    del kept[i]


def _parallel(eng: Arrays) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The edges by state pair (ascending edge index within a pair), and each edge's pair's first and
    end position in that order: the parallel edges of ``e`` are ``order[first[e]:end[e]]``."""
    got = eng.graphs.get(_PARALLEL)
    if got is None:
        pk = eng.src.astype(np.int64) * eng.n_states + eng.dst
        order = np.argsort(pk, kind="stable")
        sp = pk[order]
        start = np.ones(len(sp), bool)
        start[1:] = sp[1:] != sp[:-1]
        starts = np.flatnonzero(start)
        ends = np.append(starts[1:], len(sp))
        group = np.cumsum(start) - 1
        first = np.empty(len(sp), np.int64)
        end = np.empty(len(sp), np.int64)
        first[order] = starts[group]
        end[order] = ends[group]
        got = (order, first, end)
        eng.graphs[_PARALLEL] = got
    return got


def _derive(
    eng: Arrays,
    parent: Built,
    removed: np.ndarray,
    newly: tuple[frozenset[int], ...],
    mask: np.ndarray,
    weight: np.ndarray,
    vias: Sequence[np.ndarray],
    max_transfers: int | None,
    arrivals: tuple[frozenset[int], ...],
    T: int,
) -> Built:
    """The graph of :func:`solve` over ``mask`` with no leg arriving at ``arrivals[a]`` in layer ``a``,
    from ``parent``: its graph over ``mask`` plus the edges ``removed``, with fewer arrivals banned
    (``newly``, per layer, bans the rest). An entry of a leg arriving at a node ``newly`` bans in its
    layer is dropped (every edge of a state pair is a leg arriving at the same node, or none is); an
    entry whose edge is removed takes the cheapest other edge of ``mask`` between the same states that
    leads between the same layers (the first of equals, as a build does), or is dropped. Every other
    entry stays the cheapest of its pair. The same arrays as a build from ``mask``."""
    csr, pair, eidx = parent
    S = eng.n_states
    V = len(vias) + 1
    n = S * V * T
    drop = np.zeros(len(eidx), bool)
    if any(newly):
        layer = pair // n // (S * T)
        arrive = eng.state_node[eng.dst[eidx]]
        is_leg = eng.etype[eidx] == LEG
        for a, nodes in enumerate(newly):
            if nodes:
                drop |= (layer == a) & is_leg & np.isin(arrive, np.fromiter(nodes, np.int64, len(nodes)))
    gone = np.zeros(eng.n_edges, bool)
    gone[removed] = True
    hit = np.flatnonzero(gone[eidx] & ~drop)
    if not len(hit) and not drop.any():
        return parent
    order, first, end = _parallel(eng)
    subst = np.full(len(hit), -1, np.int64)
    alone = end[eidx[hit]] - first[eidx[hit]] == 1  # no other edge between the same states: dropped
    for i in np.flatnonzero(~alone):
        p = int(hit[i])
        e = int(eidx[p])
        row, col = divmod(int(pair[p]), n)
        a, t = divmod(row // S, T)
        best, best_w = -1, 0.0
        for m in order[first[e] : end[e]]:
            m = int(m)
            if m == e or not mask[m]:
                continue
            adv = 0
            for j in range(a, V - 1):
                if not vias[j][m]:
                    break
                adv += 1
            et = int(eng.etype[m])
            tt = t + (1 if max_transfers is not None and et in (TRANSFER, GAUGE) else 0)
            if tt >= T or int(eng.dst[m]) + ((a + adv) * T + tt) * S != col:
                continue
            if et == LEG and int(eng.state_node[eng.dst[m]]) in arrivals[a]:
                continue
            wm = max(float(weight[m]), 1e-9)
            if best < 0 or wm < best_w:  # ascending edges: the first of equals stays
                best, best_w = m, wm
        subst[i] = best
    data = csr.data.copy()
    new_eidx = eidx.copy()
    swap = subst >= 0
    data[hit[swap]] = np.maximum(weight[subst[swap]], 1e-9)
    new_eidx[hit[swap]] = subst[swap]
    drop[hit[~swap]] = True
    indices, indptr, new_pair = csr.indices, csr.indptr, pair
    if drop.any():
        keep = ~drop
        data, indices, new_pair, new_eidx = data[keep], indices[keep], pair[keep], new_eidx[keep]
        fewer = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(pair[drop] // n, minlength=n), out=fewer[1:])
        indptr = (indptr - fewer).astype(csr.indptr.dtype)
    return (sparse.csr(data, indices, indptr, (n, n)), new_pair, new_eidx)


# ------------------------------------------------------------------ landmarks and potentials

_LANDMARKS = "landmarks"
#: what a full cache of graphs keeps: costly to rebuild, or the searches new masks derive from
_POTENTIALS = "potentials"
_KEPT_ACROSS = (_LANDMARKS, _PARENTS, _PARALLEL, _POTENTIALS, *layer_graphs.KEPT_WITH_ENGINE)


def _trim(cache: dict[Any, Any]) -> None:
    """Empty a full graph cache, keeping the landmark tables (costly to rebuild, one per objective),
    the A* potentials (they do not depend on the mask), the searches to derive from, the index
    of parallel edges and the layered graphs kept for any origin (:mod:`corridors.layer_graphs`)."""
    if len(cache) > 64:
        kept = {k: cache[k] for k in _KEPT_ACROSS if k in cache}
        cache.clear()
        cache.update(kept)


def landmarks(eng: Arrays, weight: np.ndarray, key: Any, within: np.ndarray | None = None, disk: Any = None) -> Landmarks:
    """The landmark table of ``weight`` over the edges ``within`` (all if None), kept under ``key`` (which
    names both) and read from or written to ``disk`` (``load(key)``, ``save(key, table)``) if given."""
    store = eng.graphs.setdefault(_LANDMARKS, {})
    got = store.get(key)
    if isinstance(got, Landmarks):
        return got
    if disk is not None:
        got = disk.load(key)
        S = eng.n_states
        if isinstance(got, Landmarks) and got.fwd.shape == got.bwd.shape == (len(got.states), S) and len(got.states):
            store[key] = got
            return got
    got = build_landmarks(search_graph(eng, weight, np.ones(eng.n_edges, bool) if within is None else within)[0])
    store[key] = got
    if disk is not None:
        disk.save(key, got)
    return got


def _potential_for(
    eng: Arrays,
    bound: tuple[Any, np.ndarray, np.ndarray | None, Any],
    sources: Sequence[int],
    targets: Sequence[int],
    vias: Sequence[np.ndarray],
    T: int,
) -> tuple[np.ndarray, float, float] | None:
    """The A* potential of a search (:func:`corridors.astar.potential`), kept by the via groups' identity
    (it does not depend on the mask; the same groups come back for the same vias)."""
    key, weight, within, store = bound
    pots = eng.graphs.setdefault(_POTENTIALS, {})
    pkey = (key, tuple(sources), tuple(targets), tuple(id(v) for v in vias), T)
    kept = pots.get(pkey)
    if kept is not None and len(kept[0]) == len(vias) and all(a is b for a, b in zip(kept[0], vias, strict=True)):
        return kept[1]  # type: ignore[no-any-return]
    lm = landmarks(eng, weight, key, within, store)
    pot = potential(lm, sources, targets, vias=vias, edge_src=eng.src, edge_dst=eng.dst, weight=weight, transfers=T)
    if len(pots) > 256:
        pots.clear()
    pots[pkey] = (tuple(vias), pot)
    return pot


def distances_from(eng: Arrays, sources: Sequence[int], weight: np.ndarray, mask: np.ndarray, cache_key: Any = None) -> np.ndarray:
    """Shortest distances (by ``weight``) from ``sources`` to every state, over ``mask``."""
    key = ("dist", cache_key) if cache_key is not None else None
    built = eng.graphs.get(key) if key is not None else None
    if built is None:
        base = np.flatnonzero(mask)
        w = np.maximum(weight[base], 1e-9)
        r, c = eng.src[base], eng.dst[base]
        keep = cheapest_per_pair(r.astype(np.int64) * eng.n_states + c, w)
        built = sparse.from_coo(w[keep], r[keep], c[keep], (eng.n_states, eng.n_states))
        if key is not None:
            eng.graphs[key] = built
    return sparse.distances(built, list(sources))
