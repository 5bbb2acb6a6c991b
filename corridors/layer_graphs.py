"""The layered search graphs of :func:`corridors.layered.solve` built from the edges of a mask, and
kept for any origin.

A search never arrives back at its origin, so its graph lacks the legs arriving there, in every via
layer: the one input of a plan's graph that changes with the origin. :func:`for_origin` builds a
plan's graph once without that ban (kept by the contents of its mask, via groups and other bans, and
by its weights) and gives each origin that graph less the entries of the legs arriving at it. That is
the very graph a build with the ban gives, the same entries in the same order: an entry stands for
the cheapest edge of one state pair between two layers, and every edge of a state pair is a leg
arriving at the same node or none is (:func:`_arrivals` checks this once per engine; where it does not
hold, the graph is built with the ban as before).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from .astar import cheapest_per_pair, content

__all__ = ["BASES_KEPT", "KEPT_WITH_ENGINE", "build_layered", "for_origin"]

#: edge types (as :mod:`corridors.layered`)
LEG, TRANSFER, GAUGE = 0, 2, 3
#: graphs built without an origin's ban kept per engine (a compare of the default rules builds 23)
BASES_KEPT = 32
BASES = "layered graphs for any origin"
_ORDER = "edges by state pair"
_PURE = "legs by the node they arrive at"
#: what a full cache of the engine's graphs keeps of this module's (:func:`corridors.layered._trim`)
KEPT_WITH_ENGINE = (BASES, _ORDER, _PURE)

Built = tuple[Any, np.ndarray, np.ndarray]


def _pair_order(eng: Any) -> np.ndarray:
    """The engine's edges ordered by (from state, to state, index), kept with the engine: the order in
    which a layered graph's entries come out nearly sorted (a cheap stable sort) with the same ties."""
    got = eng.graphs.get(_ORDER)
    if got is None:
        got = eng.graphs[_ORDER] = np.argsort(eng.src.astype(np.int64) * eng.n_states + eng.dst, kind="stable")
    return got  # type: ignore[no-any-return]


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
    S = eng.n_states
    order = _pair_order(eng)
    base = order[mask[order]]  # by state pair, then index: the ties in the order a build by index gives
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
    n = S * V * T
    pair = rows * n + cols
    keep_ = cheapest_per_pair(pair, w)
    rows, cols, eidx, w, pair = rows[keep_], cols[keep_], eidx[keep_], w[keep_], pair[keep_]
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return (csr_matrix((w, cols, indptr), shape=(n, n)), pair, eidx)


@dataclass(eq=False)
class _Base:
    """A graph built without an origin's ban, and its inputs (kept alive: looked up by content, checked
    equal)."""

    weight: np.ndarray
    mask: np.ndarray
    vias: tuple[np.ndarray, ...]
    built: Built


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
    """:func:`build_layered` of these inputs, from the graph built without ``origin`` in
    ``no_arrival`` (kept with the engine, for any origin) less the entries of legs arriving at
    ``origin`` in the layers whose ``no_arrival`` holds it: the same arrays. None (build it as usual)
    where an engine's state pair holds both a leg and another edge."""
    arrivals = _arrivals(eng)
    if arrivals is None:
        return None
    bans = [{int(x) for x in no_arrival[a]} if a < len(no_arrival) else set() for a in range(V)]
    layers = [a for a in range(V) if origin in bans[a]]
    rest = tuple(tuple(sorted(b - {origin})) for b in bans)
    store: dict[Any, _Base] = eng.graphs.setdefault(BASES, {})
    key = (id(weight), content(mask), tuple(content(v) for v in vias), max_transfers, V, T, rest)
    got = store.pop(key, None)
    if got is not None and not (
        got.weight is weight
        and (got.mask is mask or np.array_equal(got.mask, mask))
        and all(a is b or np.array_equal(a, b) for a, b in zip(got.vias, vias, strict=True))
    ):
        got = None
    if got is None:
        built = build_layered(eng, weight, mask, vias, max_transfers, [np.asarray(r, np.int32) for r in rest], V, T)
        got = _Base(weight, mask if not mask.flags.writeable else mask.copy(), tuple(vias), built)
        while len(store) >= BASES_KEPT:
            del store[next(iter(store))]  # the least recently used first
    store[key] = got  # most recently used last
    return _without(got.built, arrivals == origin, layers, eng.n_states, V, T)


def _without(built: Built, into: np.ndarray, layers: list[int], S: int, V: int, T: int) -> Built:
    """``built`` without the entries of the edges ``into`` (a bool per edge) from layers ``layers``."""
    csr, pair, eidx = built
    n = S * V * T
    hit = into[eidx]
    if len(layers) < V:
        hit &= np.isin(pair // n // (S * T), layers)
    pos = np.flatnonzero(hit)
    if not len(pos):
        return built
    # each row's start less the entries removed before it (the removed positions ascend)
    indptr = (csr.indptr - np.searchsorted(pos, csr.indptr)).astype(csr.indptr.dtype)
    if len(pos) > 64:
        keep = ~hit
        return (csr_matrix((csr.data[keep], csr.indices[keep], indptr), shape=(n, n)), pair[keep], eidx[keep])
    # a few entries: the runs between them copied whole
    runs = [slice(a + 1, b) for a, b in zip([-1, *pos.tolist()], [*pos.tolist(), len(eidx)], strict=True)]
    data, indices, pair_, eidx_ = (np.concatenate([x[r] for r in runs]) for x in (csr.data, csr.indices, pair, eidx))
    return (csr_matrix((data, indices, indptr), shape=(n, n)), pair_, eidx_)
