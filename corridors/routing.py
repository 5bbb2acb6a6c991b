"""Route solvers: best route for an objective or a blend, under hard constraints; best route per
corridor family; k diverse alternatives; the Pareto front; explanations when no route exists.

The entry point is :class:`Router`::

    from corridors import Constraints, Router
    r = Router()                                   # bundled network and parameters
    best = r.route("Chelyabinsk", "Mumbai", objective="time")
    result = r.compare("Chelyabinsk", "Mumbai", constraints=Constraints(avoid_chokepoints=("hormuz",)))
    result.frame()                                 # pandas DataFrame, one row per route

A query is a pipeline of functions over the compiled engine (:class:`corridors.query.Compiled`):
validate the constraints once (:meth:`Router.validate`), build the edge mask (the user's rules and the
family's, from :mod:`corridors.constraints` and :mod:`corridors.families`), the weights and the ordered
via groups (:mod:`corridors.query`), solve on the layered state graph (:mod:`corridors.search`, over
:func:`corridors.engine.solve`), then assemble the route (:mod:`corridors.assemble`); the seasons are
in :mod:`corridors.seasons` and the no-route message in :mod:`corridors.noroute`. The :class:`Router`
is a thin front that keeps the compiled engine. A route never passes a node twice: a node where a via or a crossing was satisfied is never
arrived at again, and any other revisit is cut and the search repeated; a route that still turns back
is reported as unavailable, never returned.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from . import errors
from .access import with_access
from .astar import N_LANDMARKS, Landmarks
from .constraints import COUNTRY_SCOPES, Constraints
from .constraints import validate as validate_constraints
from .engine import Engine, compile_engine
from .errors import ConstraintError
from .families import Family, load_families, route_breaks
from .graphstate import count_edges
from .labels import labels, same_route_caveats
from .model import Route, labels_of, legs_frame, routes_frame, with_fields
from .noroute import explain_no_route, family_conflict
from .params import Parameters, load_parameters
from .places import Place, resolve
from .query import BLEND_SCALE, OBJECTIVES, Compiled
from .search import UnavailableError, solve_query, solve_with_season_waits, turns_back
from .timing import DEFAULT_DRAWS, DEFAULT_SEED, simulate

if TYPE_CHECKING:
    import networkx as nx


__all__ = [
    "BLEND_SCALE",
    "COUNTRY_SCOPES",
    "OBJECTIVES",
    "CompareResult",
    "Constraints",
    "Family",
    "Router",
    "load_families",
    "pareto_front",
    "turns_back",
]

if TYPE_CHECKING:
    from .errors import NoRouteError as NoRouteError


def __getattr__(name: str) -> Any:
    """``NoRouteError`` as before (from :mod:`corridors.errors`, made on first use: it imports networkx)."""
    if name == "NoRouteError":
        return errors.NoRouteError
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


@dataclass
class CompareResult:
    """Routes side by side, and the families (or alternatives) that found no route, with the reason."""

    origin: Place
    destination: Place
    routes: list[Route]
    unavailable: dict[str, str] = field(default_factory=dict)
    constraints: Constraints = field(default_factory=Constraints)

    def rows(self) -> list[dict[str, Any]]:
        """One flat row per route (:meth:`Route.summary`) and one per unavailable family, each with a
        ``status`` ("route" or "unavailable") and the ``reason`` a family has no route."""
        out = [{**r.summary(), "status": "route", "reason": ""} for r in self.routes]
        cols = list(out[0]) if out else ["label", "family"]
        for fid, why in self.unavailable.items():
            row: dict[str, Any] = dict.fromkeys(cols)
            row.update(label=fid, family=fid, status="unavailable", reason=why)
            out.append(row)
        return out

    def frame(self) -> Any:
        """A pandas DataFrame of :meth:`rows`: the routes, then the unavailable families."""
        import pandas as pd

        return pd.DataFrame(self.rows()) if self.unavailable else routes_frame(self.routes)

    def legs(self) -> Any:
        return legs_frame(self.routes)

    def _repr_html_(self) -> str:
        """Jupyter display: the table of :meth:`frame`. ``import corridors.maps`` (or ``%load_ext
        corridors.maps``) in the notebook puts the map beside it (:mod:`corridors.maps.notebook`)."""
        return str(self.frame().to_html(index=False, na_rep=""))


class Router:
    """Routes over one network priced with one set of parameters: a thin front that keeps the
    compiled engine (:class:`~corridors.query.Compiled`) and runs each query through the pipeline of
    :mod:`corridors.query`, :mod:`corridors.search` and :mod:`corridors.assemble`.

    Parameters
    ----------
    G
        A network from :func:`corridors.graph.load_network`; loaded (bundled, cached) if omitted.
    params
        :class:`~corridors.params.Parameters`; the bundled ones if omitted.
    families
        Corridor families (:func:`corridors.families.load_families`); the bundled ones if omitted.
    draws, seed
        Monte Carlo draws for P10/P50/P90 (0: none) and their seed.
    """

    def __init__(
        self,
        G: nx.MultiDiGraph | None = None,
        params: Parameters | None = None,
        families: Mapping[str, Family] | None = None,
        *,
        draws: int = DEFAULT_DRAWS,
        seed: int = DEFAULT_SEED,
    ) -> None:
        if G is None:
            from .graph import load_network

            G = load_network()
        self.G = G
        self.params = params or load_parameters()
        self.families = dict(families) if families is not None else load_families()
        self._compiled: Compiled | None = None
        self._shape = (0, 0)
        if not isinstance(draws, int) or not 0 <= draws <= 1_000_000:
            msg = f"draws must be a whole number from 0 (no Monte Carlo) to 1,000,000, got {draws!r}"
            raise ConstraintError(msg)
        self.draws = draws
        self.seed = seed

    def simulate(self, routes: Sequence[Route], *, depart: dt.date | None = None) -> list[Route]:
        """``routes`` with their P10/P50/P90 door-to-door times (Monte Carlo with common random
        numbers, :func:`corridors.timing.simulate`); unchanged when the router has ``draws=0``."""
        # what the labels read of each part and leg, kept with the compiled engine (built for this G and params)
        keys = self._compiled.memo.setdefault("labels", {}) if self._compiled is not None else None
        if keys is not None and len(keys) > 8192:
            keys.clear()
        labelled = []
        for r in routes:
            # the labels its assembly computed from its steps (corridors.assemble.build_route), or afresh
            cav, bas = labels_of(r) or labels(r, self.G, self.params, keys)
            labelled.append(with_fields(r, caveats=cav, basis=bas))
        if not self.draws:
            return labelled
        return simulate(labelled, draws=self.draws, seed=self.seed, depart=depart)

    # ------------------------------------------------------------------ the compiled engine
    def refresh(self) -> None:
        """A node or leg added or removed since the engine was built: drop it, to be rebuilt (attribute
        edits are caught by the content fingerprint when the engine is first built for a Router).

        Every query calls it once, so it is O(1) on a networkx graph: networkx empties the graph's
        ``__networkx_cache__`` on every node or edge added or removed, so a mark left there when the
        engine was built and still present means no node or leg was added or removed since. When the
        mark is gone (or the graph has no such cache), the nodes and legs are counted as before, and
        the engine is kept (and marked again) when the counts are unchanged."""
        if self._compiled is None or self._marked():
            return
        if self._shape != (self.G.number_of_nodes(), count_edges(self.G)):
            self._compiled = None
        else:
            self._mark()

    def _mark(self) -> None:
        """Leave this router's mark in the graph's ``__networkx_cache__`` (see :meth:`refresh`)."""
        cache = getattr(self.G, "__networkx_cache__", None)
        if isinstance(cache, dict):
            if not hasattr(self, "_token"):
                self._token = object()
            self._mark_key = f"corridors.Router:{id(self)}"  # made here, not on every query's check
            cache[self._mark_key] = self._token

    def _marked(self) -> bool:
        cache = getattr(self.G, "__networkx_cache__", None)
        token = getattr(self, "_token", None)
        return token is not None and isinstance(cache, dict) and cache.get(getattr(self, "_mark_key", None)) is token

    @property
    def compiled(self) -> Compiled:
        """The engine indexed for queries (what :mod:`corridors.query` and :mod:`corridors.search`
        take), built on first use; the index and the family masks come from the on-disk cache when
        this engine and these families were seen before (:meth:`_store_index`)."""
        if self._compiled is None:
            self._mark()
            from .cache import paused_gc

            with paused_gc():  # tens of thousands of edges' parts, labels and index entries that all stay alive
                eng = self._load_or_compile()
                # an engine just compiled from this graph counted its legs (one each): no second walk over them
                fresh = eng.reads is not None and eng.reads.G is self.G
                self._shape = (self.G.number_of_nodes(), len(eng.edge_refs) if fresh else count_edges(self.G))
                self._compiled = _stored_index(self.G, self.params, eng, self._index_key()) or Compiled.of(self.G, self.params, eng)
                eng.reads = None  # (Compiled.of let it go; an index read from the cache did not need it)
            self._compiled.landmark_store = LandmarkDisk(self._engine_key)
            self._masks_stored = len(self._compiled.family_masks)
        return self._compiled

    def _index_key(self) -> str:
        from . import cache

        families = repr(sorted((k, repr(v)) for k, v in self.families.items()))
        return cache.key_for([], extra=("compiled-index-1", self._engine_key, families))

    def _store_index(self) -> None:
        """Write the engine's index and the family masks computed so far (once more when new masks
        were made), keyed by the engine's and the families' content."""
        from . import cache

        q = self._compiled
        if q is None or len(q.family_masks) <= getattr(self, "_masks_stored", -1):
            return
        fields = (
            "src_node",
            "dst_node",
            "leg_uid",
            "sides",
            "from_side",
            "to_side",
            "sig",
            "sigs",
            "named_legs",
            "family_masks",
            "by_country",
        )
        cache.save("compiled", self._index_key(), {f: getattr(q, f) for f in fields})
        self._masks_stored = len(q.family_masks)

    @property
    def engine(self) -> Engine:
        """The compiled state graph (:class:`~corridors.engine.Engine`)."""
        return self.compiled.eng

    def _load_or_compile(self) -> Engine:
        """The compiled state graph, from the on-disk cache when the same network (by its cache key)
        was priced with the same parameters before."""
        from . import cache

        # keyed by the graph's content, not by how it was loaded: a graph edited after loading never
        # gets the engine compiled for the unedited one; by the parameters' values, not the files they
        # were read from (an installed package's prebuilt engine was priced from its build folder's)
        key = cache.key_for([], extra=("engine-2", cache.graph_fingerprint(self.G), repr(replace(self.params, files=()))))
        self._engine_key = key
        eng = cache.load("engine", key, expect=Engine)
        if isinstance(eng, Engine):
            eng.G = self.G
            eng.params = self.params
            return eng
        eng = compile_engine(self.G, self.params)
        cache.save("engine", key, eng)
        return eng

    # ------------------------------------------------------------------ inputs
    def place(self, query: str) -> Place:
        """The node a place query names (:func:`corridors.places.resolve`)."""
        return resolve(self.G, query)

    def validate(self, constraints: Constraints) -> None:
        """Check every id and value of ``constraints`` against the network (raises
        :class:`~corridors.errors.ConstraintError` with close matches or the candidates)."""
        validate_constraints(self.G, constraints)

    def family(self, family: str | None) -> Family | None:
        """The family with id ``family`` (None for None); a clear error for an unknown id."""
        if family is None:
            return None
        if family not in self.families:
            msg = f"unknown corridor family {family!r} (use one of {', '.join(self.families)})"
            raise ConstraintError(msg)
        return self.families[family]

    def _query(self, origin: str, destination: str, constraints: Constraints | None) -> tuple[Place, Place, Constraints]:
        """The first step of every query: the places resolved and the constraints validated, once."""
        self.refresh()
        c = constraints or Constraints()
        q = self._compiled
        if q is None or type(origin) is not str or type(destination) is not str:
            o, d = self.place(origin), self.place(destination)
            self.validate(c)
            return o, d, c
        # kept with the compiled engine (dropped with it when a node or leg is added or removed): the
        # places found for each query string, and the constraint sets found valid
        places = q.memo.setdefault("places", {})
        o = places.get(origin) or self._keep_place(places, origin)
        d = places.get(destination) or self._keep_place(places, destination)
        valid = q.memo.setdefault("valid constraints", {})
        try:
            known = c in valid
        except TypeError:  # a constraint set holding a list: not kept
            self.validate(c)
            return o, d, c
        if not known:
            self.validate(c)
            if len(valid) >= 256:
                valid.clear()
            valid[c] = True
        return o, d, c

    def _keep_place(self, places: dict[str, Place], query: str) -> Place:
        got = self.place(query)
        if len(places) >= 1024:
            places.clear()
        places[query] = got
        return got

    # ------------------------------------------------------------------ one route
    def best(
        self,
        origin: str,
        destination: str,
        *,
        objective: str | Mapping[str, float] = "time",
        constraints: Constraints | None = None,
        family: str | None = None,
    ) -> Route | None:
        """The best route by expected values, or None when there is none (without the cost of explaining
        why, and without the Monte Carlo: for callers that evaluate routes themselves).

        Raises
        ------
        UnknownPlaceError, ConstraintError
            For a bad place, id or value.
        """
        o, d, c = self._query(origin, destination, constraints)
        eng = self.engine
        if not eng.out_states.get(o.id) or not eng.in_states.get(d.id):
            return None  # a place without any leg
        try:
            r = solve_query(self.compiled, o, d, objective, c, self.family(family))
        except ConstraintError:
            if family is not None:
                return None
            raise
        return None if r is None else with_access(r, self.G, self.params, o, d)

    def route(
        self,
        origin: str,
        destination: str,
        *,
        objective: str | Mapping[str, float] = "time",
        constraints: Constraints | None = None,
        family: str | None = None,
    ) -> Route:
        """The best route for ``objective`` (or a blend) under ``constraints``, optionally within one
        corridor ``family``.

        Raises
        ------
        UnknownPlaceError, ConstraintError
            For a bad place, chokepoint, country, mode or objective.
        NoRouteError
            When nothing satisfies the constraints; the message says which constraint cut the way.
        """
        o, d, c = self._query(origin, destination, constraints)
        fam = None if family is None else self.family(family)
        if objective == "p90":
            return self._most_reliable(o, d, c, fam)
        r: Route | None = None
        unavailable = ""
        q = self.compiled
        try:
            r = solve_query(q, o, d, objective, c, fam, strict=True)
        except UnavailableError as exc:
            unavailable = str(exc)
        if c.depart is not None:  # (without a date there is no season to wait for)
            r = solve_with_season_waits(q, o, d, objective, c, fam, r)
        if r is None:
            if unavailable:
                raise errors.NoRouteError(f"no route from {o.name} to {d.name}: {unavailable}")
            raise errors.NoRouteError(explain_no_route(self.compiled, o, d, objective, c, fam))
        if o.snapped or d.snapped:  # a position: the first- and last-mile legs (none for a named place)
            r = with_access(r, self.G, self.params, o, d)
        return self.simulate([r], depart=c.depart)[0]

    def _most_reliable(self, o: Place, d: Place, c: Constraints, fam: Family | None) -> Route:
        """The route with the lowest P90 among the fastest (expected) route, its alternatives and the
        best route of each family: reliability re-ranks evaluated candidates (no new search)."""
        try:
            best = solve_query(self.compiled, o, d, "time", c, fam, strict=True)
        except UnavailableError as exc:
            raise errors.NoRouteError(f"no route from {o.name} to {d.name}: {exc}") from None
        if best is None:
            raise errors.NoRouteError(explain_no_route(self.compiled, o, d, "time", c, fam))
        cands = [best]
        if fam is None:
            cands += self.alternatives(o.id, d.id, objective="time", constraints=c, k=4)[1:]
            for f in self.families.values():
                r, _ = self._family_route(o, d, "time", c, f)
                if r is not None:
                    cands.append(r)
        uniq = {r.leg_ids: with_access(r, self.G, self.params, o, d) for r in reversed(cands)}
        sims = (
            self.simulate(list(uniq.values()), depart=c.depart)
            if self.draws
            else simulate(list(uniq.values()), seed=self.seed, depart=c.depart)
        )
        pick = min(sims, key=lambda r: r.time_q_h[2] if r.time_q_h else r.time_h)
        return replace(pick, objective="p90")

    def _family_route(
        self, o: Place, d: Place, objective: str | Mapping[str, float], c: Constraints, fam: Family
    ) -> tuple[Route | None, str]:
        """The family's best route, or None and why not."""
        conflict = family_conflict(self.compiled, c, fam)
        if conflict:
            return None, conflict
        why = ""
        r: Route | None = None
        try:
            r = solve_query(self.compiled, o, d, objective, c, fam, strict=True)
        except ConstraintError as exc:
            return None, str(exc)
        except UnavailableError as exc:
            why = str(exc)
        r = solve_with_season_waits(self.compiled, o, d, objective, c, fam, r)
        if r is None:
            return None, why or explain_no_route(self.compiled, o, d, objective, c, fam)
        return r, ""

    def classify(self, route: Route) -> str:
        """The id of the first family whose definition ``route`` satisfies, or "other"."""
        for fid, fam in self.families.items():
            if not fam.steps and not fam.via_any:
                continue
            if fam.steps and not route_breaks(self.G, route, fam) and not self._breaks_nodes(route, fam):
                return fid
        return "other"

    def _breaks_nodes(self, route: Route, fam: Family) -> bool:
        nodes = {m.from_id for m in route.moves} | {m.to_id for m in route.moves}
        return any(fam.node_forbidden(n, self.G.nodes[n]) for n in nodes if n in self.G)

    # ------------------------------------------------------------------ many routes
    def compare(
        self,
        origin: str,
        destination: str,
        *,
        objective: str | Mapping[str, float] = "time",
        constraints: Constraints | None = None,
        families: Sequence[str] | None = None,
    ) -> CompareResult:
        """The best route of each corridor family, sorted by ``objective``; a family with no route that
        is really that corridor is in ``unavailable`` with the reason."""
        o, d, c = self._query(origin, destination, constraints)
        routes: list[Route] = []
        unavailable: dict[str, str] = {}
        for fid in families or list(self.families):
            fam = self.families.get(fid) or self.family(fid)
            if fam is None:
                continue
            r, why = self._family_route(o, d, "time" if objective == "p90" else objective, c, fam)
            if r is None:
                unavailable[fid] = why
            else:
                routes.append(with_access(r, self.G, self.params, o, d))
        self._store_index()  # the family masks made here serve the next process too
        routes = self.simulate(routes, depart=c.depart)
        if objective == "p90":
            routes.sort(key=lambda r: r.time_q_h[2] if r.time_q_h else r.time_h)
        else:
            key = OBJECTIVES.get(objective, "time_h") if isinstance(objective, str) else "time_h"
            routes.sort(key=lambda r: getattr(r, key))
        return CompareResult(o, d, same_route_caveats(routes), unavailable, c)

    def alternatives(
        self,
        origin: str,
        destination: str,
        *,
        objective: str | Mapping[str, float] = "time",
        constraints: Constraints | None = None,
        k: int = 3,
        max_overlap: float = 0.6,
    ) -> list[Route]:
        """Up to ``k`` routes that differ: each shares at most ``max_overlap`` of its length with any
        earlier one and passes a different sequence of places or chokepoints (a route that only
        zig-zags on another sea lane is the same route). Found by penalising the legs of the routes
        found so far (the penalty only steers the search; the reported figures are the real ones).
        Each carries the family whose definition it satisfies ("other" if none)."""
        o, d, c = self._query(origin, destination, constraints)
        try:
            best = solve_query(self.compiled, o, d, objective, c, None, strict=True)
        except UnavailableError as exc:
            raise errors.NoRouteError(f"no route from {o.name} to {d.name}: {exc}") from None
        if best is None:
            raise errors.NoRouteError(explain_no_route(self.compiled, o, d, objective, c, None))
        found = [best]
        eng = self.engine
        penalty = np.ones(eng.n_edges)
        for _ in range(4 * k):
            if len(found) >= k:
                break
            used = {eng.leg_id_index[x] for x in found[-1].leg_ids}
            hit = np.isin(self.compiled.leg_uid, np.asarray(sorted(used), np.int32))
            penalty[hit] *= 2.0
            try:
                r = solve_query(self.compiled, o, d, objective, c, None, penalty=penalty)
            except UnavailableError:
                continue
            if r is None:
                break
            if turns_back(r) or any(_signature(r) == _signature(f) for f in found):
                continue
            if all(_overlap(r, f) <= max_overlap for f in found):
                found.append(r)
        out = []
        for i, r in enumerate(found):
            fid = self.classify(r)
            name = self.families[fid].name if fid in self.families else "other"
            out.append(replace(r, family=fid, label=("best" if i == 0 else f"alternative {i + 1}") + f" ({name})"))
        return self.simulate([with_access(r, self.G, self.params, o, d) for r in out], depart=c.depart)

    def pareto(
        self,
        origin: str,
        destination: str,
        *,
        constraints: Constraints | None = None,
        metrics: Sequence[str] = ("time_h", "cost_usd", "exposure"),
        steps: int = 4,
    ) -> list[Route]:
        """Routes not dominated in ``metrics`` among candidates from a weighted-sum sweep of time,
        cost and exposure and the best of each family. Each carries the family whose definition it
        satisfies ("other" if none); its label names the family and the blend that found it."""
        o, d, c = self._query(origin, destination, constraints)
        cands: list[Route] = []
        grid = [i / steps for i in range(steps + 1)]
        for wt, wc in itertools.product(grid, grid):
            we = 1.0 - wt - wc
            if we < -1e-9:
                continue
            blend = {k: v for k, v in (("time", wt), ("cost", wc), ("exposure", max(we, 0.0))) if v > 0}
            try:
                r = solve_query(self.compiled, o, d, blend, c, None)
            except UnavailableError:
                continue
            if r is not None and not turns_back(r):
                fid = self.classify(r)
                name = self.families[fid].name if fid in self.families else "other"
                cands.append(replace(r, family=fid, label=f"{name} (blend " + ",".join(f"{k}={v:.2f}" for k, v in blend.items()) + ")"))
        fam_routes: dict[tuple[str, ...], Route] = {}
        for fid in self.families:
            fam = self.families[fid]
            r, _ = self._family_route(o, d, "time", c, fam)
            if r is not None:
                fam_routes[r.leg_ids] = r
                cands.append(r)
        if not cands:
            raise errors.NoRouteError(explain_no_route(self.compiled, o, d, "time", c, None))
        # a family's own row wins over a blend that found the same legs
        cands = [fam_routes.get(r.leg_ids, r) for r in cands]
        return self.simulate([with_access(r, self.G, self.params, o, d) for r in pareto_front(cands, metrics)], depart=c.depart)


def _signature(r: Route) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The places (not sea-lane junctions) and chokepoints a route passes, in order: two routes with
    the same signature are the same corridor, whatever sea lane each took."""
    places = [r.moves[0].from_id] if r.moves else []
    places += [m.to_id for m in r.moves if not str(m.to_id).startswith("sea:")]
    return tuple(places), r.chokepoints


def _overlap(a: Route, b: Route) -> float:
    la = {m: x.length_km / max(len(x.leg_ids), 1) for x in a.moves for m in x.leg_ids}
    lb = set(b.leg_ids)
    shared = sum(v for k, v in la.items() if k in lb)
    return shared / max(a.length_km, 1e-9)


def pareto_front(routes: Sequence[Route], metrics: Sequence[str] = ("time_h", "cost_usd", "exposure")) -> list[Route]:
    """The routes no other route beats or equals in every metric (duplicates by legs removed)."""
    uniq: dict[tuple[str, ...], Route] = {}
    for r in routes:
        uniq.setdefault(r.leg_ids, r)
    rs = list(uniq.values())
    vals = [tuple(round(float(getattr(r, m)), 6) for m in metrics) for r in rs]
    front = []
    for i, r in enumerate(rs):
        dominated = any(
            all(vals[j][k] <= vals[i][k] for k in range(len(metrics))) and any(vals[j][k] < vals[i][k] for k in range(len(metrics)))
            for j in range(len(rs))
            if j != i
        )
        if not dominated:
            front.append(r)
    return sorted(front, key=lambda r: getattr(r, metrics[0]))


class LandmarkDisk:
    """The landmark tables of one engine (:func:`corridors.engine.landmarks`) in the on-disk cache,
    keyed by the engine's key (the graph's content and the parameters) and the table's key (objective,
    modes, planned legs), so a new process reads them instead of searching from every landmark."""

    VERSION = "landmarks-1"

    def __init__(self, engine_key: str) -> None:
        self.engine_key = engine_key
        self.local = True

    def __getstate__(self) -> dict[str, Any]:
        """A router shipped to another process (a sweep's worker) neither reads nor writes that
        process's cache: its tables are built in memory there."""
        return {"engine_key": self.engine_key, "local": False}

    def _key(self, key: Any) -> str:
        from . import cache

        return cache.key_for([], extra=(self.VERSION, str(N_LANDMARKS), self.engine_key, repr(key)))

    def load(self, key: Any) -> Landmarks | None:
        from . import cache

        if not self.local:
            return None
        got = cache.load("landmarks", self._key(key), expect=dict, announce=False)
        if not isinstance(got, dict) or not all(isinstance(got.get(f), np.ndarray) for f in ("states", "fwd", "bwd")):
            return None
        return Landmarks(got["states"], got["fwd"], got["bwd"])

    def save(self, key: Any, table: Landmarks) -> None:
        from . import cache

        if not self.local:
            return
        cache.save("landmarks", self._key(key), {"states": table.states, "fwd": table.fwd, "bwd": table.bwd})


def _stored_index(G: nx.MultiDiGraph, params: Parameters, eng: Engine, key: str) -> Compiled | None:
    """The :class:`Compiled` index of ``eng`` and its family masks from the on-disk cache (written by
    :meth:`Router._store_index` under a key of the engine's and the families' content), or None."""
    from . import cache

    got = cache.load("compiled", key, expect=dict, announce=False)  # stored by the first compare
    if not isinstance(got, dict):
        return None
    n = eng.n_edges
    arrays = ("src_node", "dst_node", "leg_uid", "from_side", "to_side", "sig")
    masks = got.get("family_masks")
    ok = (
        all(isinstance(got.get(f), np.ndarray) and got[f].shape == (n,) for f in arrays)
        and isinstance(got.get("named_legs"), np.ndarray)
        and isinstance(got.get("sides"), list)
        and isinstance(got.get("sigs"), list)
        and isinstance(masks, dict)
        and all(isinstance(m, np.ndarray) and m.dtype == bool and m.shape == (n,) for m in masks.values())
    )
    if not ok or not isinstance(masks, dict):
        return None
    q = Compiled(
        G, params, eng, *(got[f] for f in ("src_node", "dst_node", "leg_uid", "sides", "from_side", "to_side", "sig", "sigs", "named_legs"))
    )
    q.family_masks.update(masks)
    by_country = got.get("by_country")
    if isinstance(by_country, dict) and all(isinstance(c, str) and isinstance(v, list) for c, v in by_country.items()):
        q.by_country = by_country  # else made from the graph when first asked for
    return q
