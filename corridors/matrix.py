"""Many-to-many matrices: time, distance, cost and CO2 of the best route between every pair of places.

:func:`od_matrix` gives, for each ordered pair, the totals of exactly the route :meth:`Router.route`
would return for the same objective and constraints (first- and last-mile road legs of ``lon,lat``
places included). When the constraints have no via points, no transshipment limit and no departure
date, one shortest-path tree per origin serves every destination (fast); otherwise each pair is solved
as a route, so seasonal legs (a departure date), via points and the transshipment limit are honoured.

The fast path: the engine's search graph for the constraints, without the states no route between the
places can pass (other ports hung off a junction, dead ends: :func:`_pruned`); one scipy Dijkstra per
origin, a block of origins at a time; then every pair of the block walks up its tree together, adding
each edge's metrics in the same order as a walk per pair (:class:`_TreeEdges`), and the handling at
both ends is added per place and first or last leg. The pruned graph, the edge table and the handling
figures are kept for the next matrix over the same network.
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .constraints import Constraints
from .errors import ConstraintError, NoRouteError
from .query import OBJECTIVES

if TYPE_CHECKING:
    from .places import Place
    from .routing import Router

METRICS = ("time_h", "length_km", "cost_usd", "co2_kg")


@dataclass
class MatrixResult:
    """Totals between every ordered pair of ``places`` (NaN where there is no route, with the reason)."""

    places: list[Place]
    objective: str
    values: dict[str, np.ndarray]  # metric -> n x n array
    reasons: dict[tuple[int, int], str] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [p.query if p.snapped else p.name for p in self.places]

    def table(self, metric: str = "time_h") -> Any:
        """One metric as a square pandas DataFrame (rows: origins, columns: destinations)."""
        import pandas as pd

        if metric not in self.values:
            msg = f"unknown metric {metric!r} (use one of {', '.join(self.values)})"
            raise ConstraintError(msg)
        return pd.DataFrame(self.values[metric], index=self.names, columns=self.names)

    def frame(self) -> Any:
        """Long format: one row per ordered pair with every metric and, where there is no route, why.
        Built column by column from the arrays (figures rounded to 3 decimals as Python's ``round``
        does; None where there is no route)."""
        import pandas as pd

        n = len(self.places)
        ii, jj = np.nonzero(~np.eye(n, dtype=bool))  # row-major: every origin's destinations in order
        names = np.asarray(self.names, dtype=object)
        ids = np.asarray([p.id for p in self.places], dtype=object)
        cols: dict[str, Any] = {
            "origin": names[ii].tolist(),
            "origin_id": ids[ii].tolist(),
            "destination": names[jj].tolist(),
            "destination_id": ids[jj].tolist(),
        }
        for m in METRICS:
            cols[m] = [None if v != v else round(v, 3) for v in self.values[m][ii, jj].tolist()]
        cols["time_days"] = [None if t is None else round(t / 24.0, 3) for t in cols["time_h"]]
        reasons = self.reasons
        cols["no_route"] = [reasons.get((i, j), "") for i, j in zip(ii.tolist(), jj.tolist(), strict=True)] if reasons else [""] * len(ii)
        order = ["origin", "origin_id", "destination", "destination_id", "time_days", *METRICS, "no_route"]
        return pd.DataFrame({c: cols[c] for c in order}, columns=order)


def od_matrix(
    router: Router,
    places: Sequence[str],
    *,
    objective: str = "time",
    constraints: Constraints | None = None,
) -> MatrixResult:
    """The best route (by ``objective``) between every ordered pair of ``places``, as totals.

    Raises
    ------
    UnknownPlaceError, ConstraintError
        For a bad place, objective or constraint (checked before anything is solved).
    """
    if objective not in OBJECTIVES:
        msg = f"unknown objective {objective!r} (use one of {', '.join(OBJECTIVES)})"
        raise ConstraintError(msg)
    c = constraints or Constraints()
    if len(places) < 2:
        msg = "a matrix needs at least two places"
        raise ConstraintError(msg)
    ps = [router.place(q) for q in places]
    router.refresh()
    router.validate(c)
    n = len(ps)
    values = {m: np.full((n, n), np.nan) for m in METRICS}
    for m in METRICS:
        np.fill_diagonal(values[m], 0.0)
    reasons: dict[tuple[int, int], str] = {}
    fast = not c.via and c.max_transshipments is None and c.depart is None
    if fast:
        _fast(router, ps, objective, c, values, reasons)
    else:
        _per_pair(router, ps, objective, c, values, reasons)
    return MatrixResult(ps, objective, values, reasons)


def distance_matrix(
    router: Router,
    places: Sequence[str],
    *,
    objective: str = "distance",
    constraints: Constraints | None = None,
) -> Any:
    """Totals of the best route (by ``objective``) between every pair of ``places``: a square pandas
    DataFrame of the objective's metric (km, hours, USD or kg CO2; NaN where there is no route).
    Honours every constraint, including the departure date; ``lon,lat`` places count their road
    legs. :func:`od_matrix` gives every metric at once."""
    metric = {"distance": "length_km", "time": "time_h", "cost": "cost_usd", "co2": "co2_kg"}.get(objective)
    if metric is None:
        msg = f"distance_matrix supports the objectives distance, time, cost and co2, not {objective!r}"
        raise ConstraintError(msg)
    return od_matrix(router, places, objective=objective, constraints=constraints).table(metric)


def _put(values: dict[str, np.ndarray], i: int, j: int, totals: dict[str, float]) -> None:
    for m in METRICS:
        values[m][i, j] = totals[m]


def _per_pair(
    router: Router, ps: list[Place], objective: str, c: Constraints, values: dict[str, np.ndarray], reasons: dict[tuple[int, int], str]
) -> None:
    for i, a in enumerate(ps):
        for j, b in enumerate(ps):
            if i == j:
                continue
            if a.id == b.id:
                _same_node(router, a, b, i, j, values)
                continue
            try:
                r = router.route(a.query, b.query, objective=objective, constraints=c)
            except (NoRouteError, ConstraintError) as exc:
                reasons[(i, j)] = str(exc)
                continue
            _put(values, i, j, {"time_h": r.time_h, "length_km": r.length_km, "cost_usd": r.cost_usd, "co2_kg": r.co2_kg})


def _same_node(router: Router, a: Place, b: Place, i: int, j: int, values: dict[str, np.ndarray]) -> None:
    """Two positions snapped to the same node: only their road legs."""
    from .access import access_move

    tot = dict.fromkeys(METRICS, 0.0)
    for mv in (access_move(router.G, router.params, a, True), access_move(router.G, router.params, b, False)):
        if mv is not None:
            tot["time_h"] += mv.time_h
            tot["length_km"] += mv.length_km
            tot["cost_usd"] += mv.cost_usd
            tot["co2_kg"] += mv.co2_kg
    _put(values, i, j, tot)


def _fast(
    router: Router, ps: list[Place], objective: str, c: Constraints, values: dict[str, np.ndarray], reasons: dict[tuple[int, int], str]
) -> None:
    from scipy.sparse.csgraph import dijkstra

    from .access import access_move
    from .engine import search_graph
    from .query import edge_mask, edge_weights
    from .sparse import to_scipy

    q = router.compiled
    eng = q.eng
    n = len(ps)
    banned: dict[int, str] = {}
    mask = None
    for i, p in enumerate(ps):  # the mask (the same whatever the places), from the first place not refused
        try:
            mask = edge_mask(q, c, None, p.id, p.id)
        except ConstraintError as exc:
            banned[i] = str(exc)
            continue
        break
    if mask is not None:
        # a refused place (an avoided node, or one in an avoided country) has every edge at it masked
        # out, so only a place no allowed edge touches can be one: ask again for those alone
        touched = np.zeros(len(eng.nodes), bool)
        touched[eng.state_node[eng.src[mask]]] = True
        touched[eng.state_node[eng.dst[mask]]] = True
        for j in range(i + 1, n):
            k = eng.node_index.get(ps[j].id)
            if k is None or not touched[k]:
                try:
                    edge_mask(q, c, None, ps[j].id, ps[j].id)
                except ConstraintError as exc:
                    banned[j] = str(exc)
    if mask is None:
        for i in range(n):
            for j in range(n):
                if i != j:
                    reasons[(i, j)] = banned[i] if i in banned else banned.get(j, "")
        return
    weight, _ = edge_weights(q, objective, c)
    graph, pair, eidx = search_graph(eng, weight, mask)
    S = eng.n_states
    access_out = np.stack([_move_totals(access_move(router.G, router.params, p, True)) for p in ps])
    access_in = np.stack([_move_totals(access_move(router.G, router.params, p, False)) for p in ps])
    arrive = [eng.in_states.get(p.id, []) for p in ps]
    in_st = np.full((n, max(1, *(len(x) for x in arrive))), -1, np.int64)  # -1: no such state
    for j, states in enumerate(arrive):
        in_st[j, : len(states)] = states
    has_in = in_st >= 0
    in_clip = np.maximum(in_st, 0)
    # one shortest-path tree per origin (scipy's compiled Dijkstra), kept as a row of predecessors for
    # a block of origins, over the search graph without the states no route between the places can pass
    protect = np.zeros(S, bool)
    for p in ps:
        protect[eng.out_states.get(p.id, [])] = True
        protect[eng.in_states.get(p.id, [])] = True
    sgraph, tree = _prepared(eng, graph, pair, eidx, protect)
    sgraph = to_scipy(sgraph)  # scipy's Dijkstra with predecessors: its trees, ties and all
    code: dict[str, int] = {}
    ids = np.asarray([code.setdefault(p.id, len(code)) for p in ps], dtype=np.int64)  # one code per node
    dest_banned = np.zeros(n, bool)
    dest_banned[list(banned)] = True
    memo = _handling_memo(q)
    E = len(weight) + 1
    block = max(1, min(n, _BLOCK_PAIRS // n))  # origins solved and walked together (bounded memory)
    for lo in range(0, n, block):
        hi = min(n, lo + block)
        pred = np.empty((hi - lo, S), np.int32)  # rows of origins not solved are never read
        d_in = np.full((hi - lo, n, in_st.shape[1]), np.inf)  # origin x destination x arrival state
        solved = np.zeros(hi - lo, bool)
        for i in range(lo, hi):
            a = ps[i]
            sources = eng.out_states.get(a.id, [])
            if i in banned or not sources:
                for j in range(n):
                    if j != i:
                        reasons[(i, j)] = banned.get(i, f"{a.name} has no outgoing link")
                continue
            dist, pr, _ = dijkstra(sgraph, directed=True, indices=list(sources), min_only=True, return_predecessors=True)
            pred[i - lo] = pr
            d_in[i - lo] = np.where(has_in, dist[in_clip], np.inf)
            solved[i - lo] = True
        # the state each route ends in: the closest of the destination's arrival states
        best = np.argmin(d_in, axis=2)
        end_state = np.take_along_axis(np.broadcast_to(in_st, d_in.shape), best[:, :, None], axis=2)[:, :, 0]
        reached = np.isfinite(np.take_along_axis(d_in, best[:, :, None], axis=2)[:, :, 0])
        same = ids[lo:hi, None] == ids[None, :]
        diag = np.arange(lo, hi)[:, None] == np.arange(n)[None, :]
        odd = solved[:, None] & ~diag & (dest_banned[None, :] | same | ~reached)
        for r, j in zip(*np.nonzero(odd), strict=True):
            i, j = int(r) + lo, int(j)
            a, b = ps[i], ps[j]
            if j in banned:
                reasons[(i, j)] = banned[j]
            elif a.id == b.id:
                _same_node(router, a, b, i, j, values)
            else:
                reasons[(i, j)] = f"no route from {a.name} to {b.name} that {', '.join(c.describe()) or 'exists'}"
        rr, jj = np.nonzero(solved[:, None] & ~diag & ~odd)
        if not len(rr):
            continue
        acc, first, last = tree.totals(pred, rr, end_state[rr, jj])
        ii = rr + lo
        # a port's handling depends only on the place and the first (last) leg: computed once per pair
        # of them, and kept with the compiled network for the next matrix
        o_key, o_inv = np.unique(ii * E + first + 1, return_inverse=True)
        d_key, d_inv = np.unique(jj * E + last + 1, return_inverse=True)
        o_stop = np.stack([_handling(memo, q, ps[int(k) // E].id, int(k) % E - 1, True) for k in o_key])
        d_stop = np.stack([_handling(memo, q, ps[int(k) // E].id, int(k) % E - 1, False) for k in d_key])
        extra = o_stop[o_inv.ravel()] + d_stop[d_inv.ravel()] + access_in[jj]  # handling at both ends, road legs of positions
        extra += access_out[ii]
        tot = acc + extra
        for col, metric in enumerate(METRICS):
            values[metric][ii, jj] = tot[:, col]


_PRUNE_ROUNDS = 3  # rounds of pruning (pruning less is never wrong: Dijkstra just settles more)
_BLOCK_PAIRS = 100_000  # pairs walked together at most (origins per block: this over the number of places)


_HANDLING: dict[int, tuple[Any, dict[tuple[str, int, bool], np.ndarray]]] = {}  # per compiled network


def _handling_memo(q: Any) -> dict[tuple[str, int, bool], np.ndarray]:
    """Handling totals by (node, first or last leg, at the origin), for the compiled network ``q``
    (a new network or new parameters make a new ``q``, with a memo of its own; held by a weak
    reference, so the memo does not keep an old network alive)."""
    got = _HANDLING.get(id(q))
    if got is None or got[0]() is not q:
        for k in [k for k, (ref, _) in _HANDLING.items() if ref() is None]:
            del _HANDLING[k]
        if len(_HANDLING) > 4:
            _HANDLING.clear()
        got = _HANDLING[id(q)] = (weakref.ref(q), {})
    return got[1]


def _handling(memo: dict[tuple[str, int, bool], np.ndarray], q: Any, nid: str, leg: int, at_origin: bool) -> np.ndarray:
    """The origin's (``at_origin``) or the destination's handling totals, for a route whose first
    (last) leg is ``leg`` (-1: none), in :data:`METRICS` order."""
    from .assemble import destination_stop, origin_stop
    from .engine import Solution

    key = (nid, leg, at_origin)
    got = memo.get(key)
    if got is None:
        sol = Solution([leg] if leg >= 0 else [], 0.0)
        if len(memo) > 100_000:
            memo.clear()
        got = memo[key] = _stop_totals(origin_stop(q, nid, sol) if at_origin else destination_stop(q, nid, sol, 0.0))
    return got


_TREES: dict[Any, tuple[Any, ...]] = {}  # a search graph's edge table: by identity of ``eidx`` and by content
_PRUNED: dict[Any, Any] = {}  # a search graph pruned for a set of places


def _prepared(eng: Any, graph: Any, pair: np.ndarray, eidx: np.ndarray, protect: np.ndarray) -> tuple[Any, _TreeEdges]:
    """The search graph pruned for the ``protect`` states (:func:`_pruned`) and its edges laid out
    for walking trees (:class:`_TreeEdges`), kept for the next matrix: the table found again by the
    identity of ``eidx`` (the engine keeps one per mask and weight) with the same weights, or else by
    content; the pruned graph by the content and the ``protect`` states."""
    from .engine import LEG

    eidx = np.asarray(eidx)  # the engine's own array (no copy): its identity is the quick key
    data = np.asarray(graph.data)
    hit = _TREES.get(id(eidx))
    if hit is None or hit[0]() is not eidx or hit[1]() is not eng or not np.array_equal(hit[2], data):
        h = hashlib.blake2b(np.asarray(pair, dtype=np.int64).tobytes(), digest_size=32)
        h.update(np.asarray(eidx, dtype=np.int64).tobytes())
        h.update(data.tobytes())
        gkey = h.digest()
        hit = _TREES.get(gkey)
        if hit is None or hit[1]() is not eng:
            met = np.stack([np.asarray(eng.metrics[m], dtype=float) for m in METRICS], axis=1)
            tree = _TreeEdges(pair, eidx, eng.n_states, met, np.asarray(eng.etype) == LEG)
            hit = (weakref.ref(eidx), weakref.ref(eng), data.copy(), gkey, tree)
        if len(_TREES) > 8:  # two keys a graph: four graphs' tables (a few MB each)
            _TREES.clear()
        _TREES[gkey] = _TREES[id(eidx)] = (weakref.ref(eidx), *hit[1:])  # weak: no old engine kept alive
    gkey, tree = hit[3], hit[4]
    pkey = (gkey, np.packbits(protect).tobytes())
    small = _PRUNED.get(pkey)
    if small is None:
        small = _pruned(graph, pair, eng.n_states, protect)
        if len(_PRUNED) > 16:
            _PRUNED.clear()
        _PRUNED[pkey] = small
    return small, tree


def _pruned(graph: Any, pair: np.ndarray, n_states: int, protect: np.ndarray) -> Any:
    """``graph`` (a CSR search graph whose entries are in ``pair`` order, ``pair`` the ascending keys
    ``from_state * n_states + to_state``) without the edges of states no shortest path between the
    ``protect`` states can pass (they are not sources or targets): dead ends (no edge in, or none out)
    and pendant chains (states of one edge in and one edge out that lead back to the state they came
    from, like a port's arrival and departure states hung off one sea-lane junction: a path through
    them would visit that junction twice), then again on what is left (the junctions that served only
    such ports, the spurs), a few rounds (the later ones find ever fewer). Every other state keeps its
    distance and predecessor, so the trees to the protected states are the same; scipy's Dijkstra
    just settles fewer states."""
    from scipy.sparse import csr_matrix

    S = n_states
    pair = np.asarray(pair, dtype=np.int64)
    indptr = np.asarray(graph.indptr, dtype=np.int64)
    src, dst = pair // S, pair % S
    if (
        len(pair) != graph.nnz
        or not np.array_equal(np.asarray(graph.indices, dtype=np.int64), dst)
        or not np.array_equal(np.diff(indptr), np.bincount(src, minlength=S))
    ):
        return graph  # not laid out as expected: search the graph as it is
    alive = np.ones(len(pair), bool)
    for _ in range(_PRUNE_ROUNDS):
        s_, d_ = src[alive], dst[alive]
        indeg = np.bincount(d_, minlength=S)
        outdeg = np.bincount(s_, minlength=S)
        drop = ((indeg == 0) | (outdeg == 0)) & ~protect
        inn = np.full(S, -1, np.int64)  # the only state an edge comes from (-1: not exactly one)
        inn[d_] = s_
        inn[indeg != 1] = -1
        outn = np.full(S, -1, np.int64)
        outn[s_] = d_
        outn[outdeg != 1] = -1
        chain = (indeg == 1) & (outdeg == 1) & ~protect
        link = np.zeros(S, bool)  # a chain state entered from the chain state before it
        v = np.flatnonzero(chain)
        link[v] = chain[inn[v]] & (outn[inn[v]] == v)
        cur = np.flatnonzero(chain & ~link)  # the first state of each chain
        entry = inn[cur]
        members = [cur]
        while len(cur):
            nxt = outn[cur]
            more = link[nxt]
            close = ~more & (nxt == entry)  # the chain leads back to where it was entered
            for m in members:
                drop[m[close]] = True
            members = [m[more] for m in members]
            cur, entry = nxt[more], entry[more]
            members.append(cur)
        gone = alive & (drop[src] | drop[dst])
        if not gone.any():
            break
        alive &= ~gone
    kept = np.flatnonzero(alive)
    ptr = np.zeros(S + 1, np.int64)
    np.cumsum(np.bincount(src[kept], minlength=S), out=ptr[1:])
    return csr_matrix((np.asarray(graph.data)[kept], dst[kept], ptr), shape=(S, S))


def _stop_totals(stop: Any) -> np.ndarray:
    """A handling stop's additions to the totals, in :data:`METRICS` order (zeros for none)."""
    if stop is None:
        return np.zeros(len(METRICS))
    return np.asarray([stop.dwell_h, 0.0, stop.cost_usd, stop.co2_kg])


def _move_totals(mv: Any) -> np.ndarray:
    """A road leg's totals, in :data:`METRICS` order (zeros for none)."""
    if mv is None:
        return np.zeros(len(METRICS))
    return np.asarray([mv.time_h, mv.length_km, mv.cost_usd, mv.co2_kg])


_GOLDEN = -7046029254386353131  # 0x9E3779B97F4A7C15 as a signed 64-bit integer


class _TreeEdges:
    """The search graph's edges laid out for walking shortest-path trees: the position of the edge from
    state ``u`` to state ``v`` in ``pair`` (ascending keys ``u * n_states + v``; ``eidx`` the base
    edge kept for each) is found in an open-addressing hash table of the keys (one vectorised probe
    for nearly every lookup), with each position's metrics and leg. Position ``len(pair)``: a dummy
    edge (zero metrics, no leg)."""

    def __init__(self, pair: np.ndarray, eidx: np.ndarray, n_states: int, met: np.ndarray, is_leg: np.ndarray) -> None:
        pair = np.asarray(pair, dtype=np.int64)
        eidx = np.asarray(eidx, dtype=np.int64)
        nnz = len(pair)
        self.S = n_states
        self.met = np.ascontiguousarray(np.vstack([met[eidx], np.zeros((1, met.shape[1]))]))
        self.leg = np.append(np.where(is_leg[eidx], eidx, -1), -1)
        self.dummy = nnz
        bits = max(4, int(np.ceil(np.log2(max(nnz, 1) * 4))))  # load factor at most 1/4
        self.shift = 64 - bits
        self.slots = (1 << bits) - 1
        slot = self._slot(pair)
        # linear probing, placed in order of slot: a key goes to its slot or just after the one before
        order = np.argsort(slot)
        rank = np.arange(nnz)
        at = np.maximum.accumulate(slot[order] - rank) + rank if nnz else rank
        keys = np.full((1 << bits) + nnz + 1, -1, np.int64)  # room to probe past the end
        vals = np.full(len(keys), nnz, np.int64)
        keys[at] = pair[order]
        vals[at] = order
        self.keys, self.vals = keys, vals

    def _slot(self, key: np.ndarray) -> np.ndarray:
        """Fibonacci hashing: the top ``bits`` bits of ``key`` times 2**64 / golden ratio (int64
        arithmetic wraps around, as the unsigned product would)."""
        return ((key * _GOLDEN) >> self.shift) & self.slots

    def positions(self, key: np.ndarray) -> np.ndarray:
        """The position in ``pair`` of each key (every key must be there)."""
        take = np.take
        at = ((key * _GOLDEN) >> self.shift) & self.slots
        miss = np.flatnonzero(take(self.keys, at) != key)
        while len(miss):
            at[miss] += 1
            miss = miss[take(self.keys, take(at, miss)) != take(key, miss)]
        return take(self.vals, at)

    def totals(self, pred: np.ndarray, rows: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each target ``targets[k]`` in the shortest-path tree ``pred[rows[k]]`` (predecessor
        states from scipy's Dijkstra, negative at a root): the metrics summed over its path's edges
        (walking up from the target, the same order of additions as a walk per pair), and the first
        and the last leg of the path (-1: none). Every pair of every tree walks up together, one
        vectorised step per edge of the longest path; a walk that reached its root adds the dummy
        edge (zero: its sums do not change) until the finished ones are dropped in bulk."""
        take = np.take
        S = self.S
        k = len(targets)
        width = self.met.shape[1]
        out = np.zeros((k, width))
        first = np.full(k, -1, np.int64)
        last = np.full(k, -1, np.int64)
        flat = pred.reshape(-1)
        base = np.asarray(rows, dtype=np.int64) * S
        cur = np.asarray(targets, dtype=np.int64)
        idx = np.arange(k)
        acc = np.zeros((k, width))
        f = first.copy()
        la = last.copy()
        up = take(flat, base + cur).astype(np.int64)
        pending = True  # some walk has met no leg yet
        while True:
            ok = up >= 0
            n_ok = int(np.count_nonzero(ok))
            if n_ok == 0:
                out[idx], first[idx], last[idx] = acc, f, la
                break
            if n_ok < 0.75 * len(idx):  # drop the finished walks
                done = np.flatnonzero(~ok)
                di = take(idx, done)
                out[di], first[di], last[di] = take(acc, done, axis=0), take(f, done), take(la, done)
                keep = np.flatnonzero(ok)
                idx, base, cur, up, f, la = (take(x, keep) for x in (idx, base, cur, up, f, la))
                acc = take(acc, keep, axis=0)
                n_ok = len(idx)
                pending = True
            if n_ok < len(idx):  # a finished walk stays at its root and adds the dummy edge
                up = np.where(ok, up, cur)
                pos = np.full(len(idx), self.dummy, np.int64)
                live = np.flatnonzero(ok)
                pos[live] = self.positions(take(up, live) * S + take(cur, live))
            else:
                pos = self.positions(up * S + cur)  # the edge from ``up`` into ``cur``
            acc += take(self.met, pos, axis=0)
            e = take(self.leg, pos)  # -1: not a leg
            f = np.where(e >= 0, e, f)  # walking up: the last leg met is the path's first
            if pending:  # the first leg met is the path's last
                la = np.where(la < 0, e, la)
                pending = bool((la < 0).any())
            cur = up
            up = take(flat, base + cur).astype(np.int64)
        return out, first, last
