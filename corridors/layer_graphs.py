"""The layered search graphs of :func:`corridors.layered.solve` built from the edges of a mask, and
kept for any origin.

A search never arrives back at its origin, so its graph lacks the legs arriving there, in every via
layer: the one input of a plan's graph that changes with the origin. :func:`for_origin` builds a
plan's graph for its first origin and keeps it (by the contents of its mask, via groups and other
bans, and by its weights); another origin gets that graph with the entries of the legs arriving at the
first origin put back (a build over those legs alone gives them) and the entries of the legs arriving
at the new one taken out. That is the very graph a build with the new ban gives, the same entries in
the same order: an entry stands for the cheapest edge of one state pair between two layers, and every
edge of a state pair is a leg arriving at the same node or none is (:func:`_arrivals` checks this once
per engine; where it does not hold, the graph is built with the ban as before).

:func:`build_layered` builds a graph without a transfer cap from the cheapest edge of each state pair
(:func:`_by_groups`), and :func:`reverse_search_graph` a landmark table's reversed graph directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import sparse
from .astar import cheapest_per_pair, content, rows_of

__all__ = ["BASES_ENTRIES", "BASES_KEPT", "KEPT_WITH_ENGINE", "build_layered", "for_origin", "reverse_search_graph"]

#: edge types: a leg, a through (same mode) dwell, a transfer (between modes or vessels), a change of
#: gauge (defined here, where the search graphs are built; :mod:`corridors.layered` and
#: :mod:`corridors.engine` give them out)
LEG, THROUGH, TRANSFER, GAUGE = 0, 1, 2, 3
#: plans whose graph is kept for other origins, per engine, at most, and their entries at most (about 30
#: bytes each): a compare of the default rules keeps 23 graphs of 1.04 million entries (31 MiB), one of
#: at most 2 transshipments 36 of 2.41 million (the least recently used go first)
BASES_KEPT = 64
BASES_ENTRIES = 3_000_000
BASES = "layered graphs for any origin"
_ORDER = "edges by state pair"
_RORDER = "edges by reversed state pair"
_PURE = "legs by the node they arrive at"
#: the rows of the last few graphs' entries (:func:`corridors.astar.rows_of`)
ROWS = "rows of"
#: what a full cache of the engine's graphs keeps of this module's (:func:`corridors.layered._trim`)
KEPT_WITH_ENGINE = (BASES, _ORDER, _RORDER, _PURE)

Built = tuple[Any, np.ndarray, np.ndarray]


def _by_pair(eng: Any, mask: np.ndarray) -> np.ndarray:
    """The edges of ``mask`` ordered by (from state, to state, index): the order in which a layered
    graph's entries come out nearly sorted (a cheap stable sort) with the ties of a build by index.
    The engine's edges in that order are kept with it."""
    few = np.flatnonzero(mask) if np.count_nonzero(mask) * 16 < len(mask) else None
    if few is not None:  # a few edges (those arriving at one node): sorted on their own
        return few[np.argsort(eng.src[few].astype(np.int64) * eng.n_states + eng.dst[few], kind="stable")]
    order = eng.graphs.get(_ORDER)
    if order is None:
        order = eng.graphs[_ORDER] = np.argsort(eng.src.astype(np.int64) * eng.n_states + eng.dst, kind="stable")
    return order[mask[order]]  # type: ignore[no-any-return]


def _cheapest_sorted(pk: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`corridors.astar.cheapest_per_pair` of keys ``pk`` in ascending order (the edges of
    :func:`_by_pair`), and the first position of each key: only the runs of a repeated key (a few
    parallel edges) sorted, by a stable lexsort on their weights."""
    new = np.ones(len(pk), bool)
    np.not_equal(pk[1:], pk[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    first = starts.copy()
    again = np.flatnonzero(~new)  # the positions of a key the previous position has
    if len(again):
        # the runs of those keys, ascending: a position of a repeated key or just before one (as
        # np.union1d(again - 1, again), without np.unique, whose first plain call imports numpy.ma)
        run = ~new
        run[:-1] |= run[1:].copy()
        members = np.flatnonzero(run)
        m_pk = pk[members]
        order = np.lexsort((w[members], m_pk))
        firsts = np.ones(len(order), bool)
        firsts[1:] = m_pk[order][1:] != m_pk[order][:-1]
        best = members[order[firsts]]  # per run, ascending
        first[np.searchsorted(starts, best, side="right") - 1] = best
    return first, starts


def reverse_search_graph(eng: Any, weight: np.ndarray, mask: np.ndarray) -> Any:
    """The search graph over ``mask`` (:func:`corridors.layered.search_graph`: the cheapest edge of each
    state pair by ``weight``, the first of equals by index) reversed, as a CSR matrix: the same edges
    and weights as its transpose, made without the forward graph (what a landmark table's exact
    bounds search, :func:`corridors.astar.exact_to`: distances, whatever the order of a row). The
    edges are taken in (to state, from state, index) order (kept with the engine, as :func:`_by_pair`'s),
    so each pair's run holds its edges by index, as in the forward order, and the cheapest of a run is
    the same edge; the kept edges are then the reversed graph's rows in order, each row's by column
    (what ``from_coo`` of them would sort them into)."""
    S = eng.n_states
    few = np.flatnonzero(mask) if np.count_nonzero(mask) * 16 < len(mask) else None
    if few is not None:
        base = few[np.argsort(eng.dst[few].astype(np.int64) * S + eng.src[few], kind="stable")]
    else:
        order = eng.graphs.get(_RORDER)
        if order is None:
            order = eng.graphs[_RORDER] = np.argsort(eng.dst.astype(np.int64) * S + eng.src, kind="stable")
        base = order[mask[order]]
    w = np.maximum(weight[base], 1e-9)
    rows = eng.dst[base].astype(np.int64)
    keep = _cheapest_sorted(rows * S + eng.src[base], w)[0]
    indptr = np.zeros(S + 1, np.int64)
    np.cumsum(np.bincount(rows[keep], minlength=S), out=indptr[1:])
    return sparse.csr(w[keep], eng.src[base[keep]].astype(np.int64), indptr, (S, S))


def build_layered(
    eng: Any,
    weight: np.ndarray,
    mask: np.ndarray,
    vias: Sequence[np.ndarray],
    max_transfers: int | None,
    no_arrival: Sequence[Any],
    V: int,
    T: int,
) -> Built:
    """The layered search graph of :func:`corridors.layered.solve` built from the edges of ``mask``:
    in each copy (via layer ``a``, transfers ``t``) every edge, moved past the consecutive groups it
    satisfies and one transfer on if it is one (none past the cap), without the legs arriving at a
    node of ``no_arrival[a]``; of each pair of states the cheapest (the first of equals by edge
    index). A CSR matrix, the pairs' keys (ascending) and each entry's edge."""
    rows, cols, eidx, w = _entries(eng, weight, mask, vias, max_transfers, no_arrival, V, T)
    n = eng.n_states * V * T
    small = n < 2**31 and len(rows) < 2**31  # int32 indices, as scipy would make them
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    csr = sparse.csr(w, cols.astype(np.int32, copy=False) if small else cols, indptr.astype(np.int32) if small else indptr, (n, n))
    rows_of(eng.graphs.setdefault(ROWS, {}), csr, rows)  # the row of each entry, which its A* search reads
    return (csr, rows * n + cols, eidx)


def _entries(
    eng: Any,
    weight: np.ndarray,
    mask: np.ndarray,
    vias: Sequence[np.ndarray],
    max_transfers: int | None,
    no_arrival: Sequence[Any],
    V: int,
    T: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The entries of :func:`build_layered` by pair: their rows, columns, edges and weights. Without
    a transfer cap, from the cheapest edge of each state pair (:func:`_by_groups`)."""
    if max_transfers is None:
        arrivals = _arrivals(eng)
        if arrivals is not None and not np.isnan(weight).any():
            return _by_groups(eng, weight, mask, vias, no_arrival, V, arrivals)
    S = eng.n_states
    base = _by_pair(eng, mask)  # by state pair, then index: the ties in the order a build by index gives
    src, dst, et = eng.src[base], eng.dst[base], eng.etype[base]
    is_transfer = (et == TRANSFER) | (et == GAUGE)
    is_leg = et == LEG
    arrive_node = eng.state_node[dst]
    src64 = src.astype(np.int64)
    rows_l: list[np.ndarray] = []
    cols_l: list[np.ndarray] = []
    eidx_l: list[np.ndarray] = []
    for a in range(V):
        # an edge may satisfy several consecutive groups at once (leaving a crossing straight
        # into a via place): it advances past all of them
        adv = np.zeros(len(base), np.int64)
        alive = np.ones(len(base), bool)
        for j in range(a, V - 1):
            alive &= vias[j][base]
            adv += alive
        keep: np.ndarray | None = None
        if a < len(no_arrival) and len(no_arrival[a]):
            keep = ~(is_leg & np.isin(arrive_node, np.asarray(no_arrival[a], dtype=np.int32)))
        for t in range(T):
            ok = keep
            tt: Any = t
            if max_transfers is not None:
                tt = t + is_transfer
                ok = tt < T if keep is None else (tt < T) & keep
            layer_src = (a * T + t) * S
            if ok is None:
                rows_l.append(src64 + layer_src)
                cols_l.append(dst + ((a + adv) * T + tt) * S)
                eidx_l.append(base)
            else:
                rows_l.append(src64[ok] + layer_src)
                cols_l.append(dst[ok] + ((a + adv[ok]) * T + (tt[ok] if max_transfers is not None else tt)) * S)
                eidx_l.append(base[ok])
    rows = np.concatenate(rows_l) if rows_l else np.zeros(0, np.int64)
    cols = np.concatenate(cols_l) if cols_l else np.zeros(0, np.int64)
    eidx = np.concatenate(eidx_l) if eidx_l else np.zeros(0, np.int64)
    w = np.maximum(weight[eidx], 1e-9)
    keep_ = cheapest_per_pair(rows * (S * V * T) + cols, w)
    return rows[keep_], cols[keep_], eidx[keep_], w[keep_]


def _by_groups(
    eng: Any, weight: np.ndarray, mask: np.ndarray, vias: Sequence[np.ndarray], no_arrival: Sequence[Any], V: int, arrivals: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`build_layered` without a transfer cap, from the cheapest edge of each state pair over
    ``mask`` (the first of equals by index; :func:`_pairs`). In layer ``a`` an edge outside group ``a``
    stays in the layer, one in it advances: a pair of states none of whose edges advance keeps that
    cheapest edge; a pair with some keeps the cheapest of those that stay, and the cheapest of those
    that advance as far is an entry into a later layer. A leg arriving at a node ``no_arrival[a]``
    bans drops its entry (every edge of its pair arrives there too: :func:`_arrivals`). The same
    arrays. A layer is the pairs' entries with a few changed: those of the pairs a ban or the group
    touches (a group holds a few edges), and the entries advancing inserted after their row's."""
    S = eng.n_states
    n = S * V
    base, starts, f_src, f_dst, f_e, f_w, f_arr, at_pos = _pairs(eng, weight, mask, arrivals)
    P = len(starts)

    def key_w(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # the pair keys and weights at positions x
        e = base[x]
        return eng.src[e].astype(np.int64) * S + eng.dst[e], np.maximum(weight[e], 1e-9)

    # each layer's changes to the pairs' entries: pairs dropped, entries replaced (pairs, edges and
    # weights), entries advancing (from and to states, edges and weights, ascending by key)
    plans: list[tuple[np.ndarray, ...]] = []
    for a in range(V):
        banned = None  # per pair
        if a < len(no_arrival) and len(no_arrival[a]):
            bad = np.zeros(len(eng.nodes) + 1, bool)  # the last for the -1 of an edge that is not a leg
            bad[np.asarray(no_arrival[a], dtype=np.int64)] = True
            banned = bad[f_arr]
        go = _EMPTY  # the positions (by pair) of the edges advancing
        if a < V - 1 and P:
            ev = np.flatnonzero(vias[a])
            go = np.sort(at_pos[ev[mask[ev]]])
        drop = np.flatnonzero(banned) if banned is not None else _EMPTY
        r_pair = r_at = g_rows = g_cols = _EMPTY  # the pairs whose entry another edge replaces, and it
        g_w: np.ndarray = np.zeros(0)
        if len(go):
            pair_of = np.searchsorted(starts, go, side="right") - 1  # ascending
            touched = pair_of[np.append(True, pair_of[1:] != pair_of[:-1])]
            # each touched pair's edges (go among them): the cheapest of those staying replaces its entry
            lens = np.diff(np.append(starts, len(base)))[touched]
            members = np.repeat(starts[touched] - (np.cumsum(lens) - lens), lens) + np.arange(int(lens.sum()))
            stays = np.ones(len(members), bool)
            stays[np.searchsorted(members, go)] = False
            others = members[stays]
            r_at = others[cheapest_per_pair(*key_w(others))]
            r_pair = np.searchsorted(starts, r_at, side="right") - 1  # among touched, ascending
            if banned is not None:  # dropped with every edge of their pairs
                go = go[~banned[pair_of]]
                touched = touched[~banned[touched]]
                ok = ~banned[r_pair]
                r_pair, r_at = r_pair[ok], r_at[ok]
            lone = np.ones(len(touched), bool)  # a touched pair none of whose edges stays: dropped
            lone[np.searchsorted(touched, r_pair)] = False
            drop = np.sort(np.concatenate([drop, touched[lone]]))  # (not banned: none in common)
            adv = np.ones(len(go), np.int64)  # past every consecutive group each edge satisfies
            alive = np.ones(len(go), bool)
            for j in range(a + 1, V - 1):
                alive &= vias[j][base[go]]
                adv += alive
            g_pk, g_w = key_w(go)
            keep = cheapest_per_pair(g_pk * V + adv, g_w)
            go, adv, g_w = go[keep], adv[keep], g_w[keep]
            g_rows = eng.src[base[go]].astype(np.int64) + a * S
            g_cols = (eng.dst[base[go]] + (a + adv) * S).astype(np.int32)
            o = np.argsort(g_rows * n + g_cols, kind="stable")
            g_rows, g_cols, go, g_w = g_rows[o], g_cols[o], go[o], g_w[o]
        plans.append((drop, r_pair, r_at, g_rows, g_cols, base[go], g_w))
    total = sum(P - len(p[0]) + len(p[3]) for p in plans)
    rows = np.empty(total, np.int64)
    cols = np.empty(total, np.int32)
    eidx = np.empty(total, f_e.dtype)
    ww = np.empty(total, f_w.dtype)
    off = 0
    for a, (drop, r_pair, r_at, *adding) in enumerate(plans):
        # each entry advancing goes after the entries staying with its row (their columns are in this layer)
        before = np.searchsorted(f_src, adding[0] - a * S, side="right")  # the pair it goes before
        end = off + P - len(drop) + len(before)
        out = (rows[off:end], cols[off:end], eidx[off:end], ww[off:end])
        if len(drop) + len(before) <= _PIECES:
            _pieces(out, (f_src, f_dst, f_e, f_w), a * S, drop, before, adding)
        else:
            stay = np.delete(np.arange(P), drop) if len(drop) else slice(None)
            at = before - np.searchsorted(drop, before)
            for k, y in enumerate((f_src, f_dst, f_e, f_w)):
                out[k][:] = np.insert(y[stay] + y.dtype.type(a * S) if k < 2 else y[stay], at, adding[k])  # the states moved to the layer
        if len(r_pair):  # where the replaced pairs' entries went
            at = off + r_pair - np.searchsorted(drop, r_pair) + np.searchsorted(before, r_pair, side="right")
            eidx[at] = base[r_at]
            ww[at] = key_w(r_at)[1]
        off = end
    return rows, cols, eidx, ww


_EMPTY = np.zeros(0, np.int64)
#: a layer changed at this many places at most is copied piece by piece between them
_PIECES = 64


def _pieces(
    out: tuple[np.ndarray, ...],
    pairs: tuple[np.ndarray, ...],
    shift: int,
    drop: np.ndarray,
    before: np.ndarray,
    adding: Sequence[np.ndarray],
) -> None:
    """One layer's entries written to ``out`` (rows, columns, edges, weights): the pairs' (``pairs``:
    from and to states, moved by ``shift``, edges, weights) but those ``drop`` (ascending), with the
    entries ``adding`` (the same four) inserted before the pairs ``before`` (ascending), copied piece
    by piece between those places."""
    rows, cols, eidx, ww = out
    f_src, f_dst, f_e, f_w = pairs
    g_rows, g_cols, g_e, g_w = adding
    events = sorted([(k, 1, i) for i, k in enumerate(drop.tolist())] + [(k, 0, i) for i, k in enumerate(before.tolist())])
    cur = d = 0
    for k, kind, i in [*events, (len(f_src), 2, 0)]:
        if k > cur:
            m = k - cur
            np.add(f_src[cur:k], shift, out=rows[d : d + m])
            np.add(f_dst[cur:k], shift, out=cols[d : d + m])
            eidx[d : d + m] = f_e[cur:k]
            ww[d : d + m] = f_w[cur:k]
            d += m
            cur = k
        if kind == 1:
            cur = k + 1
        elif kind == 0:
            rows[d], cols[d], eidx[d], ww[d] = g_rows[i], g_cols[i], g_e[i], g_w[i]
            d += 1


#: the state pairs of the last mask a graph was built over (:func:`_pairs`)
_PAIRS = "cheapest edge of each state pair"


def _pairs(eng: Any, weight: np.ndarray, mask: np.ndarray, arrivals: np.ndarray) -> tuple[np.ndarray, ...]:
    """The edges of ``mask`` by state pair (:func:`_by_pair`) and the first position of each pair;
    each pair's cheapest edge (by weight at least 1e-9, the first of equals by index): its from
    (int64) and to (int32) states, index, weight and the node it arrives at if a leg (-1 otherwise);
    and each edge's position among those of ``mask`` (read there only). Kept for the last mask and
    weights (the plans of a query often share a mask, with other via groups)."""
    kept = eng.graphs.get(_PAIRS)
    if kept is not None and kept[1] is arrivals and all(x is y or np.array_equal(x, y) for x, y in ((kept[0], weight), (kept[2], mask))):
        return kept[3]  # type: ignore[no-any-return]
    S = eng.n_states
    base = _by_pair(eng, mask)
    src = eng.src[base].astype(np.int64)
    w = np.maximum(weight[base], 1e-9)
    first, starts = _cheapest_sorted(src * S + eng.dst[base], w)
    f_e = base[first]
    at_pos = np.zeros(len(mask), np.int32 if len(base) < 2**31 else np.int64)
    at_pos[base] = np.arange(len(base))
    got = (base, starts, src[first], eng.dst[f_e].astype(np.int32), f_e, w[first], arrivals[f_e], at_pos)
    for x in got:
        x.setflags(write=False)  # shared by the graphs built from them
    weight, mask = (x.copy() if x.flags.writeable else x for x in (weight, mask))  # the caller's may change
    eng.graphs[_PAIRS] = (weight, arrivals, mask, got)
    return got


@dataclass(eq=False)
class _Kept:
    """The graph of the last origin a plan's graph was asked for, and what it lacks of the graph for
    any origin: the entries of the legs arriving at that origin from its banned layers (their pairs'
    keys, ascending, edges and weights; None until another origin needs them). Its inputs kept alive:
    looked up by content, checked equal; ``rest``, the other nodes each layer bans."""

    weight: np.ndarray
    mask: np.ndarray
    vias: tuple[np.ndarray, ...]
    max_transfers: int | None
    rest: tuple[tuple[int, ...], ...]
    built: Built
    origin: int
    layers: tuple[int, ...]
    lacks: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None


def _arrivals(eng: Any) -> np.ndarray | None:
    """The node each edge of the engine arrives at if it is a leg (-1 otherwise), kept per engine; None
    when a pair of states holds both a leg and another edge (then a graph for an origin is built)."""
    got = eng.graphs.get(_PURE)
    if got is None:
        is_leg = eng.etype == LEG
        node_from, node_to = eng.state_node[eng.src], eng.state_node[eng.dst]
        pure = not (is_leg & (node_from == node_to)).any() and not (~is_leg & (node_from != node_to)).any()
        if not pure:  # a leg within a node, or another edge between two: look at the pairs themselves
            pk = eng.src.astype(np.int64) * eng.n_states + eng.dst
            pure = not len(np.intersect1d(pk[is_leg], pk[~is_leg]))
        got = eng.graphs[_PURE] = (np.where(is_leg, node_to, -1).astype(np.int64),) if pure else (None,)
    return got[0]  # type: ignore[no-any-return]


def for_origin(
    eng: Any,
    weight: np.ndarray,
    mask: np.ndarray,
    vias: Sequence[np.ndarray],
    max_transfers: int | None,
    no_arrival: Sequence[Any],
    V: int,
    T: int,
    origin: int,
) -> Built | None:
    """:func:`build_layered` of these inputs. The first time (for these inputs but ``origin``, by
    content) it is built and kept; for another origin, it is that graph with the entries it lacks of
    the graph for any origin (the legs arriving at the first origin from the layers whose
    ``no_arrival`` holds it: :func:`_lacks`, then kept) and without the ones arriving at the new
    origin (:func:`_swap`): the same arrays. None (build it as usual) where an engine's state pair
    holds both a leg and another edge."""
    arrivals = _arrivals(eng)
    if arrivals is None:
        return None
    bans = [{int(x) for x in no_arrival[a]} if a < len(no_arrival) else set() for a in range(V)]
    layers = tuple(a for a in range(V) if origin in bans[a])
    rest = tuple(tuple(sorted(b - {origin})) for b in bans)
    store: dict[Any, _Kept] = eng.graphs.setdefault(BASES, {})
    key = (id(weight), content(mask), tuple(content(v) for v in vias), max_transfers, V, T, rest)
    got = store.pop(key, None)
    if got is not None and not (
        got.weight is weight
        and (got.mask is mask or np.array_equal(got.mask, mask))
        and all(a is b or np.array_equal(a, b) for a, b in zip(got.vias, vias, strict=True))
    ):
        got = None
    if got is None:
        built = build_layered(eng, weight, mask, vias, max_transfers, no_arrival, V, T)
        kept = tuple(x.copy() if x.flags.writeable else x for x in (mask, *vias))  # the caller's may change
        got = _Kept(weight, kept[0], kept[1:], max_transfers, rest, built, origin, layers)
        held = sum(len(k.built[2]) for k in store.values()) + len(built[2])
        while store and (len(store) >= BASES_KEPT or held > BASES_ENTRIES):
            held -= len(store.pop(next(iter(store))).built[2])  # the least recently used first
    elif got.origin != origin or got.layers != layers:
        if got.lacks is None:  # what the graph of the first origin lacks, now that another needs it
            into = got.mask & (arrivals == got.origin)
            got.lacks = _lacks(eng, got.weight, into, got.vias, got.max_transfers, got.rest, V, T, got.layers)
        got.built, got.lacks = _swap(got.built, got.lacks, arrivals == origin, layers, eng.n_states, V, T)
        got.origin, got.layers = origin, layers
    store[key] = got  # most recently used last
    return got.built


def _lacks(
    eng: Any,
    weight: np.ndarray,
    into: np.ndarray,
    vias: Sequence[np.ndarray],
    max_transfers: int | None,
    rest: tuple[tuple[int, ...], ...],
    V: int,
    T: int,
    layers: tuple[int, ...],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The entries of the graph for any origin (the bans ``rest``) from layers ``layers`` over the legs
    ``into`` (those of the mask arriving at the origin): a graph of those legs alone has them, each
    the cheapest of its pair as in the whole graph (every edge of the pair is one of them)."""
    rows, cols, eidx, w = _entries(eng, weight, into, vias, max_transfers, [np.asarray(r, np.int32) for r in rest], V, T)
    S = eng.n_states
    ok = np.isin(rows // (S * T), layers)
    return rows[ok] * (S * V * T) + cols[ok], eidx[ok], w[ok]


def _swap(
    built: Built, lacks: tuple[np.ndarray, np.ndarray, np.ndarray], into: np.ndarray, layers: tuple[int, ...], S: int, V: int, T: int
) -> tuple[Built, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``built`` with the entries ``lacks`` and without the entries of the edges ``into`` (a bool per
    edge) from layers ``layers``; and the entries so removed (as ``lacks``)."""
    csr, pair, eidx = built
    l_pair, l_eidx, l_data = lacks
    n = S * V * T
    hit, l_hit = into[eidx], into[l_eidx]
    if len(layers) < V:
        hit &= np.isin(pair // n // (S * T), layers)
        l_hit &= np.isin(l_pair // n // (S * T), layers)
    rm = np.flatnonzero(hit)
    add = np.flatnonzero(~l_hit)
    # the new entries lacking: the removed ones and those of ``lacks`` still banned, by pair
    o = np.argsort(np.concatenate([pair[rm], l_pair[l_hit]]), kind="stable")
    out = tuple(np.concatenate([x[rm], y[l_hit]])[o] for x, y in ((pair, l_pair), (eidx, l_eidx), (csr.data, l_data)))
    if not len(rm) and not len(add):
        return built, (out[0], out[1], out[2])
    # the new arrays: runs of the old ones, the removed entries skipped, the added ones inserted by pair
    at = np.searchsorted(pair, l_pair[add])
    events = sorted([(int(p), 0, int(j)) for p, j in zip(at, add, strict=True)] + [(int(r), 1, 0) for r in rm])
    pieces: list[slice | int] = []
    cur = 0
    for p, kind, j in events:
        if p > cur:
            pieces.append(slice(cur, p))
            cur = p
        if kind == 0:
            pieces.append(j)
        else:
            cur = p + 1
    pieces.append(slice(cur, len(pair)))
    data, indices, new_pair, new_eidx = (
        np.concatenate([x[q] if isinstance(q, slice) else y[q : q + 1] for q in pieces]).astype(x.dtype, copy=False)
        for x, y in ((csr.data, l_data), (csr.indices, l_pair % n), (pair, l_pair), (eidx, l_eidx))
    )
    delta = np.bincount(l_pair[add] // n, minlength=n) - np.bincount(pair[rm] // n, minlength=n)
    indptr = csr.indptr.astype(np.int64)
    indptr[1:] += np.cumsum(delta)
    graph = sparse.csr(data, indices, indptr.astype(csr.indptr.dtype), (n, n))
    return (graph, new_pair, new_eidx), (out[0], out[1], out[2])
