"""The search: mask → weights → plans → solve on the layered state graph (with revisits cut and the
search repeated) → assemble the route, checked on its own calendar and against turning back.

:func:`solve_query` is the pipeline for one query on a :class:`~corridors.query.Compiled` engine;
the constraints are validated once by the caller (:meth:`corridors.routing.Router.validate`). A query
of one plan asked again (no departure date, no penalty) whose search was one short search
(:mod:`corridors.astar`) takes its *lane*: that search run again from what it read the first time (the
reduced graph, its rows, the sources, targets and limit), then the revisit check and the assembly, without
the layers between (:func:`_keep_lane`, :func:`_replay`); the search runs every time, no answer is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from . import astar
from .assemble import build_route, edge_steps
from .astar import Landmarks, last_short, settle
from .constraints import Constraints
from .engine import LEG, Solution, landmarks, solve
from .errors import ConstraintError
from .families import Family, route_breaks
from .layer_graphs import reverse_search_graph
from .model import Route
from .places import Place
from .query import LANES, OBJECTIVES, Compiled, Group, edge_mask, edge_weights, family_mask, lower_bound, modes_mask, plans
from .seasons import closed_legs, or_wait_for_season, season_mask

__all__ = ["MAX_REPAIRS", "UnavailableError", "revisits", "solve_plan", "solve_query", "solve_with_season_waits", "turns_back"]

#: at most this many times a revisited node is cut and the search repeated
MAX_REPAIRS = 12


class UnavailableError(Exception):
    """A query has no admissible route (the only ones found turn back); the message says why."""


def turns_back(route: Route | None) -> str:
    """How ``route`` turns back, or "" if it does not: it arrives at a node (a place or a sea-lane
    junction) twice, or uses a leg twice. An independent check of a finished route."""
    if route is None:
        return ""
    moves = route.moves
    if not moves:
        return ""
    to = [m.to_id for m in moves]
    legs_used = [lg for m in moves for lg in m.leg_ids]
    if moves[0].from_id not in to and len(set(to)) == len(to) and len(set(legs_used)) == len(legs_used):
        return ""  # no node arrived at twice, no leg used twice (nearly every route): nothing to say
    names = {m.to_id: m.to_name for m in moves} | {m.from_id: m.from_name for m in moves}
    seen = {moves[0].from_id}
    for m in moves:
        if m.to_id in seen:
            return f"passes {names.get(m.to_id, m.to_id)} twice"
        seen.add(m.to_id)
    legs: set[str] = set()
    for m in moves:
        for lg in m.leg_ids:
            if lg in legs:
                return f"uses leg {lg} twice, out and back, on {m.from_name} → {m.to_name}"
            legs.add(lg)
    return ""


def solve_with_season_waits(
    q: Compiled, o: Place, d: Place, objective: str | Mapping[str, float], c: Constraints, fam: Family | None, r: Route | None
) -> Route | None:
    """``r``, or the route found without the seasons, with its waits in port, when that is faster
    (:func:`corridors.seasons.or_wait_for_season`)."""
    if c.depart is None:
        return r  # no calendar: no season to wait for

    def free() -> Route | None:
        try:
            return solve_query(q, o, d, objective, replace(c, depart=None), fam)
        except (ConstraintError, UnavailableError):
            return None

    return or_wait_for_season(c.depart, r, free)


def solve_query(
    q: Compiled,
    o: Place,
    d: Place,
    objective: str | Mapping[str, float],
    c: Constraints,
    fam: Family | None,
    *,
    penalty: np.ndarray | None = None,
    strict: bool = False,
) -> Route | None:
    """The best route from ``o`` to ``d`` (None if there is none): mask → weights → via groups →
    search (with revisits cut, and seasonal legs closed on the route's own timeline banned) → route.
    ``c`` is validated by the caller, once. ``penalty`` multiplies the weights (it steers the search
    for alternatives; the figures stay the real ones). With ``strict``, a search whose only answers
    turn back raises :class:`UnavailableError` saying where. A query of one plan asked before
    without a date or a penalty runs its search again from what it read then (:func:`_replay`)."""
    if o.id == d.id:
        msg = f"origin and destination are the same place ({o.name})"
        raise ConstraintError(msg)
    fid = fam.id if fam else None
    okey = objective if isinstance(objective, str) else tuple(sorted(objective.items()))
    qkey = (c, fid, o.id, d.id, okey)
    lane = q.memo.get(LANES, _NO_LANES).get(qkey) if penalty is None else None
    best = None if lane is None else _replay(q, lane, o, d, objective, c, fam)
    if best is None:
        best = _solve_plans(q, o, d, objective, c, fam, qkey, penalty, strict)
    back = turns_back(best)
    if back:  # never expected: the search cuts revisits; an independent last check
        if strict:
            raise UnavailableError(f"only a route that turns back exists (it {back})")
        return None
    if best is not None and fam is not None and fam.steps:
        path = (best.origin, tuple((m.from_id, m.leg_ids) for m in best.moves))
        broken = memo(q, "breaks", (fam.id, path), lambda: route_breaks(q.G, best, fam))
        if broken:  # never expected: the search enforces the definition
            if strict:
                raise UnavailableError(f"the only route found is not the {fam.name} ({broken})")
            return None
    return best


def _solve_plans(
    q: Compiled,
    o: Place,
    d: Place,
    objective: str | Mapping[str, float],
    c: Constraints,
    fam: Family | None,
    qkey: tuple[Any, ...],
    penalty: np.ndarray | None,
    strict: bool,
) -> Route | None:
    """The best route of :func:`solve_query` over every plan (before its last checks)."""
    eng = q.eng
    okey = qkey[4]
    # the query's inputs (each kept by its own inputs, below), kept together by the query's
    mask, weight, wkey, steps = memo(q, "query", qkey, lambda: _setup(q, o, d, objective, okey, c, fam))
    bound = landmark_bound(q, objective, c, weight, fam)
    lb: Callable[[], float | None] | None = None
    if penalty is not None:
        weight = weight * penalty
        wkey = None
        if not (len(penalty) and float(penalty.min()) >= 1.0):
            bound = None  # the landmarks' bounds hold for weights never below theirs
    else:  # computed only when the plain search needs it (a great circle is not free)
        lb = _Once(lower_bound, q, o.id, d.id, objective)
    if c.depart is not None:
        mask = mask & season_mask(q.eng, c, eng.out_states.get(o.id, []), mask, fam)
    best: Route | None = None
    why_not = ""
    # a later plan needs only look for routes that can beat the best so far (expected time, no
    # departure date: the route's time is the search's cost plus the handling at both ends)
    capped = objective == "time" and c.depart is None and penalty is None
    # a query of one plan, without a date or a penalty: its search's inputs may be kept (:func:`_keep_lane`)
    lane = qkey if penalty is None and c.depart is None and len(steps) == 1 and steps[0][1] is None else None
    # the plans read the vias of the constraints only: the same groups for any other rules
    for plan, direction in steps:
        cap = None
        if capped and best is not None:
            cap = best.time_h - memo(q, "least handling", (o.id, d.id), lambda: least_handling(q, o.id, d.id))
            cap += 1e-6 * abs(cap) + 1e-3  # room for rounding: the cap only skips what cannot win
        try:
            m = mask if direction is None else _directed(mask, direction)
            r = solve_plan(q, o, d, objective, c, fam, m, weight, wkey, plan, lb, direction is not None, bound=bound, cap=cap, lane=lane)
        except UnavailableError as exc:
            why_not = why_not or str(exc)
            continue
        if r is None:
            continue
        key = OBJECTIVES.get(objective, "time_h") if isinstance(objective, str) else None
        if best is None or (key and getattr(r, key) < getattr(best, key)) or (key is None and r.time_h < best.time_h):
            best = r
    if best is None and why_not and strict:
        raise UnavailableError(why_not)
    return best


def _setup(
    q: Compiled, o: Place, d: Place, objective: str | Mapping[str, float], okey: Any, c: Constraints, fam: Family | None
) -> tuple[np.ndarray, np.ndarray, Any, list[tuple[list[Group], np.ndarray | None]]]:
    """A query's mask, weights (and their key) and plans, each kept by its own inputs."""
    fid = fam.id if fam else None
    mask = memo(q, "mask", (c, fid, o.id, d.id), lambda: _read_only(edge_mask(q, c, fam, o.id, d.id)))
    weight, wkey = memo(q, "weights", (okey, c.chokepoint_weights), lambda: edge_weights(q, objective, c))
    steps = memo(q, "plans", (o.id, d.id, c.via, fid), lambda: _frozen(plans(q, o, d, c, fam)))
    return mask, weight, wkey, steps


class _Once:
    """``f(*args)``, computed the first time it is called (a plain object: it pickles)."""

    __slots__ = ("args", "f", "value")
    f: Callable[..., float | None]
    args: tuple[Any, ...]
    value: float | None

    def __init__(self, f: Callable[..., float | None], *args: Any) -> None:
        self.f = f
        self.args = args

    def __call__(self) -> float | None:
        try:
            return self.value
        except AttributeError:
            self.value = self.f(*self.args)
            return self.value


_MISSING: Any = object()


def least_handling(q: Compiled, o: str, d: str) -> float:
    """The least hours of handling a route from ``o`` to ``d`` can have at its two ends (the origin's
    and the destination's dwell by the first and last mode, :func:`corridors.assemble.origin_stop`
    and :func:`~corridors.assemble.destination_stop`), over every mode it could start and end with."""
    from .assemble import destination_stop, origin_stop
    from .engine import LEG, Solution

    eng = q.eng
    ends = []
    for nid, states, stop in ((o, eng.out_states.get(o, []), origin_stop), (d, eng.in_states.get(d, []), destination_stop)):
        hours: list[float] = []
        for st in states:
            # a leg edge leaving (reaching) this state stands for every route starting (ending) with it
            side = eng.src if stop is origin_stop else eng.dst
            legs = np.flatnonzero((side == st) & (eng.etype == LEG))
            if len(legs):
                sol = Solution([int(legs[0])], 0.0, [0])
                got = origin_stop(q, nid, sol) if stop is origin_stop else destination_stop(q, nid, sol, 0.0)
                hours.append(0.0 if got is None else got.dwell_h)
        ends.append(min(hours, default=0.0))
    return float(sum(ends))


def memo(q: Compiled, name: str, key: Any, make: Callable[[], Any]) -> Any:
    """``make()``, kept with the compiled engine under ``name`` and ``key`` (which must name every
    input of ``make`` besides the engine): a warm query does not rebuild its masks, weights, plans
    and checks. What it returns is shared: never modified in place."""
    store = q.memo.setdefault(name, {})
    got = store.get(key, _MISSING)
    if got is _MISSING:
        got = make()
        if len(store) >= 256:
            store.clear()
        store[key] = got
    return got


def _read_only(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def _frozen(steps: list[tuple[list[Group], np.ndarray | None]]) -> list[tuple[list[Group], np.ndarray | None]]:
    """``steps`` with every group's mask and every direction read-only (kept and shared by :func:`memo`)."""
    for plan, direction in steps:
        for g in plan:
            g.mask.setflags(write=False)
        if direction is not None:
            direction.setflags(write=False)
    return steps


#: per (mask, direction): ``(mask, direction, mask & direction)``. Only shared arrays that are never
#: modified in place (those :func:`memo` keeps, and read-only ones) are looked up by id (content
#: hashes: :func:`corridors.astar.content`).
_DIRECTED: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
_KEPT = 128  # arrays kept alive at most (each a bool per edge), per cache


def _directed(mask: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """``mask & direction`` (read-only), kept per pair when ``mask`` is read-only (a memo's: a warm
    query neither recomputes it nor hashes it again); a fresh array otherwise."""
    if mask.flags.writeable:
        fresh: np.ndarray = mask & direction
        return fresh
    k = (id(mask), id(direction))
    got = _DIRECTED.get(k)
    if got is None or got[0] is not mask or got[1] is not direction:
        if len(_DIRECTED) >= _KEPT:
            _DIRECTED.clear()
        got = _DIRECTED[k] = (mask, direction, _read_only(mask & direction))
    return got[2]


def landmark_bound(
    q: Compiled, objective: str | Mapping[str, float], c: Constraints, weight: np.ndarray, fam: Family | None = None
) -> tuple[Any, np.ndarray, np.ndarray, Any] | None:
    """The key, weights and edges of the landmark table that steers a search by ``objective``
    (:func:`corridors.engine.landmarks`): one table per named objective, set of modes and planned
    legs allowed or not, over every edge those two rules allow (every mask of such a query is a
    subset: the user's other rules and a family's only remove edges), kept with the engine; none for
    a blend (a table per blend would cost more than it saves). The potentials are the exact distances
    over the table's graph (:func:`corridors.astar.exact_to`); for a family's query, or one avoiding
    straits, over the edges the family's rules and the avoided straits leave (the same landmarks,
    that graph)."""
    if not isinstance(objective, str):
        return None
    key, within, chokes = memo(
        q,
        "bound inputs",
        (objective, c.chokepoint_weights, c.modes, c.include_planned, c.avoid_chokepoints),
        lambda: _bound_inputs(q, objective, c),
    )
    table = landmarks(q.eng, weight, key, within, q.landmark_store)
    if table.reverse is None:  # a table read from the cache: its graph, reversed, for the exact bounds
        table.reverse = reverse_search_graph(q.eng, weight, within)
    if fam is None and not chokes:
        return key, weight, within, q.landmark_store
    # a family's or a set of avoided straits' own table: the same landmarks (their bounds hold over any
    # subset of the edges), and the exact distances over the edges the family's rules and the avoided
    # straits leave (every mask of such a query is a subset: the user's other rules only remove
    # edges), far tighter where the way is long (Cape, NSR; round Africa without Suez)
    fid = fam.id if fam is not None else None
    skey = ("shape", fid, chokes, key)

    def shape() -> np.ndarray:
        m = within & family_mask(q, fam) if fam is not None else within.copy()
        for ch in chokes:
            m[q.eng.by_chokepoint[ch]] = False
        return _read_only(m)

    swithin = memo(q, "shape within", (fid, chokes, key), shape)
    return skey, weight, swithin, _ShapeTable(table, lambda: reverse_search_graph(q.eng, weight, swithin))


def _bound_inputs(q: Compiled, objective: str, c: Constraints) -> tuple[Any, np.ndarray, tuple[str, ...]]:
    """The key of the landmark table of ``objective`` under the rules of ``c``, the edges those rules
    allow (:func:`corridors.query.modes_mask`) and the straits ``c`` avoids that the engine knows."""
    modes = None if c.modes is None else tuple(sorted(set(c.modes)))
    key = ("objective", objective, c.chokepoint_weights if objective == "exposure" else (), modes, c.include_planned)
    chokes = tuple(sorted(ch for ch in set(c.avoid_chokepoints) if ch in q.eng.by_chokepoint))
    return key, modes_mask(q, c), chokes


class _ShapeTable:
    """The store of a family's (or a set of avoided straits') landmark table
    (:func:`corridors.engine.landmarks` reads it once per engine): the objective's table, with the
    graph of the edges left (reversed) for the exact bounds."""

    def __init__(self, table: Landmarks, reverse: Callable[[], Any]) -> None:
        self.table = table
        self.reverse = reverse

    def load(self, key: Any) -> Landmarks:
        t = self.table
        return Landmarks(t.states, t.fwd, t.bwd, self.reverse)  # made when needed (a few kept)

    def save(self, key: Any, table: Landmarks) -> None:
        return None


def solve_plan(
    q: Compiled,
    o: Place,
    d: Place,
    objective: str | Mapping[str, float],
    c: Constraints,
    fam: Family | None,
    mask: np.ndarray,
    weight: np.ndarray,
    wkey: Any,
    plan: list[Group],
    lb: float | Callable[[], float | None] | None,
    directed: bool = False,
    *,
    bound: tuple[Any, np.ndarray, np.ndarray, Any] | None = None,
    cap: float | None = None,
    lane: Any = None,
) -> Route | None:
    """The best route through the ordered via groups of one ``plan`` over ``mask``: a node where a
    group was satisfied (and the origin) is never arrived at again; any other revisit is cut and the
    search repeated (at most :data:`MAX_REPAIRS` times, else :class:`UnavailableError`); with a
    departure date, seasonal legs found closed on the route's own timeline are banned and the search
    repeated. ``directed``: ``mask`` holds a family's direction through its gate country (part of
    the cache key). ``bound``: search toward the destination with that landmark table
    (:func:`landmark_bound`; the same route). ``cap``: only a route whose search cost is at most that
    is wanted (None otherwise). ``lane``: the key under which to keep the search's inputs when it
    needs no repair (:func:`_keep_lane`; None: not kept)."""
    eng = q.eng
    sources = eng.out_states.get(o.id, [])
    targets = eng.in_states.get(d.id, [])
    V = len(plan) + 1
    oi = eng.node_index[o.id]
    base_no = [{oi} for _ in range(V)]  # never arrive back at the origin
    for a, g in enumerate(plan):
        for later in range(a + 1, V):
            base_no[later].update(g.nodes)
    extra: list[set[int]] = [set() for _ in range(V)]
    banned_legs: set[int] = set()
    repairs = 0
    vias = [g.mask for g in plan]
    plan_key = (tuple(astar.content(g.mask) for g in plan), astar.content(mask) if directed else None)
    base_key = (c, fam.id if fam else None, o.id, plan_key)
    for _ in range(MAX_REPAIRS + 30):
        no_arrival = [np.asarray(sorted(base_no[a] | extra[a]), np.int32) for a in range(V)]
        key = (base_key, wkey, tuple(sorted(banned_legs)) if banned_legs else ()) if wkey is not None else None
        m = mask
        if banned_legs:
            m = mask & ~np.isin(q.leg_uid, np.asarray(sorted(banned_legs), np.int32))
        watch = lane is not None and key is not None and bound is not None and cap is None and not repairs and not banned_legs
        if watch:
            last_short(clear=True)
        sol = solve(
            eng,
            sources,
            targets,
            weight,
            m,
            vias,
            c.max_transshipments,
            cache_key=key,
            lower_bound=lb,
            no_arrival=no_arrival,
            bound=bound,
            cap=cap,
            origin=oi,
        )
        if sol is None:
            return None
        ents = edge_steps(q, sol.edges)  # what the checks and the assembly read of each edge, looked up once
        revs = revisits(q, sol, oi, V, ents=ents)
        if revs:
            stuck = [(n, a) for n, a, b in revs if b <= a or n in extra[min(a + 1, V - 1)]]
            if stuck or repairs >= MAX_REPAIRS:
                n = (stuck or revs)[0][0]
                name = q.G.nodes[eng.nodes[n]].get("name", eng.nodes[n])
                raise UnavailableError(f"only a route that turns back at {name} exists")
            for n, first_layer, _ in revs:
                for later in range(first_layer + 1, V):
                    extra[later].add(n)
            repairs += 1
            continue
        if watch and c.depart is None:
            _keep_lane(q, lane, (key, V, c.max_transshipments, no_arrival, sources, targets, bound), oi, sol)
        route = build_route(q, o, d, sol, objective, fam, c, ents=ents)
        if c.depart is None:
            return route
        late = closed_legs(route, c.depart)
        if not late:
            return route
        banned_legs |= {eng.leg_id_index[x] for x in late}
    return None


# ------------------------------------------------------------------ a warm query's lane

#: the lanes kept (in the memo :data:`corridors.query.LANES`, never pickled), at most this many (each
#: holds its query's reduced search graph alive; the engine's own caches keep a few dozen such graphs)
LANES_KEPT = 16
_NO_LANES: dict[Any, Any] = {}


def _keep_lane(q: Compiled, qkey: Any, inputs: tuple[Any, ...], oi: int, sol: Solution) -> None:
    """Keep, under the query's key ``qkey``, what its search read when it was one short search
    (:func:`corridors.astar.last_short`) of the reduced graph :func:`corridors.layered.solve` keeps for
    it: that graph and the rows it read, the sources, targets and limit, the graph's edge of each entry
    and the cost's offset. A warm query then runs that search again (:func:`_replay`) without the
    layers between. Kept only when running it again here gives ``sol`` itself, edge for edge."""
    key, V, max_transfers, no_arrival, sources, targets, bound = inputs
    short = last_short(clear=True)
    if short is None:
        return
    eng = q.eng
    T = 1 if max_transfers is None else max_transfers + 1
    # the keys layered.solve and its search keep the graph and the reduced graph under
    graph_key = (key, V, T, tuple(tuple(sorted(int(x) for x in a)) for a in no_arrival))
    built = eng.graphs.get(graph_key)
    reduced = eng.graphs.get(("reduced", graph_key, bound[0], tuple(sources), tuple(targets)))
    if not isinstance(built, tuple) or not isinstance(reduced, tuple) or reduced[0] is not short[0] or reduced[3]:
        return
    S = eng.n_states
    # the edges by entry as a buffer: a warm query reads an entry or two as plain ints (no numpy call)
    lane = (*short, np.ascontiguousarray(built[2]).data, float(reduced[1]), S * V * T, S * T, oi, V)
    again = _search_again(lane)
    if again is None or again.edges != sol.edges or again.cost != sol.cost or again.layers != sol.layers:
        return
    store = q.memo.setdefault(LANES, {})
    if len(store) >= LANES_KEPT:
        store.clear()
    store[qkey] = lane


def _search_again(lane: tuple[Any, ...]) -> Solution | None:
    """The solution of the short search a lane keeps (what :func:`corridors.layered.solve` gives from
    it), or None where it gives up."""
    red, rows, sources, cand, limit, eidx, offset, n, ST = lane[:9]
    found = settle(red, rows, sources, cand, limit)
    if found is None:
        return None
    dist, pred, best, _ = found
    path = [best]
    nxt = pred.get(best)
    while nxt is not None:
        path.append(nxt)
        nxt = pred.get(nxt)
    path.reverse()
    entry = pred.entry
    edges = [eidx[entry[s]] for s in path[1:]]
    return Solution(edges, dist[best] + offset, [0] * len(edges) if n == ST else [s // ST for s in path[:-1]])


def _replay(
    q: Compiled, lane: tuple[Any, ...], o: Place, d: Place, objective: str | Mapping[str, float], c: Constraints, fam: Family | None
) -> Route | None:
    """The route of a warm query from its lane (:func:`_keep_lane`): its short search run again, the
    revisit check and the assembly, as :func:`solve_plan` does; None where the search gives up or the
    solution revisits a node (the caller then takes the full way)."""
    if not astar.SHORT:
        return None
    sol = _search_again(lane)
    if sol is None:
        return None
    ents = edge_steps(q, sol.edges)
    # revisits()'s first look: a solution arriving at no node twice and never back at the origin
    arrive = [x[-1] for x in ents if x[-1] >= 0]
    if lane[9] in arrive or len(set(arrive)) != len(arrive):
        return None
    return build_route(q, o, d, sol, objective, fam, c, ents=ents)


def revisits(q: Compiled, sol: Solution, origin: int, V: int, *, ents: list[tuple[Any, ...]] | None = None) -> list[tuple[int, int, int]]:
    """Every node the solution arrives at again: (node, layer of the first arrival, layer of
    the next one)."""
    eng = q.eng
    # the node each leg arrives at, from the per-edge steps the route's assembly reads next: a solution
    # arriving at no node twice and never back at the origin (nearly every one) needs no more
    nodes = [x[-1] for x in (edge_steps(q, sol.edges) if ents is None else ents) if x[-1] >= 0]
    if origin not in nodes and len(set(nodes)) == len(nodes):
        return []
    seen: dict[int, int] = {origin: 0}
    out: list[tuple[int, int, int]] = []
    for i, e in enumerate(sol.edges):
        if eng.etype[e] != LEG:
            continue
        layer_after = sol.layers[i + 1] if i + 1 < len(sol.layers) else V - 1
        n = int(eng.state_node[eng.dst[e]])
        if n in seen:
            out.append((n, seen[n], layer_after))
        else:
            seen[n] = layer_after
    return out
