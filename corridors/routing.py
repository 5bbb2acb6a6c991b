"""Route solvers: best route for an objective or a blend, under hard constraints; best route per
corridor family; k diverse alternatives; the Pareto front; explanations when no route exists.

The entry point is :class:`Router`::

    from corridors import Constraints, Router
    r = Router()                                   # bundled network and parameters
    best = r.route("Chelyabinsk", "Mumbai", objective="time")
    result = r.compare("Chelyabinsk", "Mumbai", constraints=Constraints(avoid_chokepoints=("hormuz",)))
    result.frame()                                 # pandas DataFrame, one row per route

A query is a pipeline: validate the constraints once, build the edge mask (the user's rules and the
family's, from :mod:`corridors.constraints` and :mod:`corridors.families`), the weights and the ordered
via groups, solve on the layered state graph (:func:`corridors.engine.solve`), then assemble the
route. A route never passes a node twice: a node where a via or a crossing was satisfied is never
arrived at again, and any other revisit is cut and the search repeated; a route that still turns back
is reported as unavailable, never returned.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import networkx as nx
import numpy as np

from .access import with_access
from .assemble import build_route, destination_stop, origin_stop
from .constraints import COUNTRY_SCOPES, Constraints, rules_of, territory_countries
from .constraints import resolve_nodes as _resolve_avoid_nodes
from .constraints import validate as _validate_constraints
from .engine import (
    GAUGE,
    LEG,
    MODE_CODES,
    Engine,
    Solution,
    compile_engine,
    solve,
)
from .errors import ConstraintError, NoRouteError
from .families import Crossing, Family, load_families, route_breaks, side_matches, side_of
from .model import Route, Stop, legs_frame, routes_frame
from .params import Parameters, load_parameters
from .places import Place, resolve
from .seasons import closed_legs, or_wait_for_season, season_mask
from .timing import DEFAULT_DRAWS, DEFAULT_SEED, simulate

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

OBJECTIVES: dict[str, str] = {
    "time": "time_h",
    "distance": "length_km",
    "cost": "cost_usd",
    "co2": "co2_kg",
    "exposure": "exposure",
}
#: a blend adds weight × metric / scale: days, thousands of km, thousands of USD, tonnes CO2, exposure points
BLEND_SCALE: dict[str, float] = {"time": 24.0, "distance": 1000.0, "cost": 1000.0, "co2": 1000.0, "exposure": 1.0}
#: at most this many combinations of crossing orientations / alternatives are solved per query
MAX_ALTERNATIVES = 16
#: at most this many times a revisited node is cut and the search repeated
MAX_REPAIRS = 12


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
        """Jupyter display: the table with the map beside it (corridors.maps, imported only here)."""
        from corridors.maps.notebook import notebook_html

        return str(notebook_html(self.routes, constraints=self.constraints))


@dataclass(frozen=True)
class _Group:
    """One ordered via group: an edge mask, and the nodes never to arrive at once it is satisfied."""

    mask: np.ndarray
    nodes: tuple[int, ...] = ()


def turns_back(route: Route | None) -> str:
    """How ``route`` turns back, or "" if it does not: it arrives at a node (a place or a sea-lane
    junction) twice, or uses a leg twice. An independent check of a finished route."""
    if route is None or not route.moves:
        return ""
    names = {m.to_id: m.to_name for m in route.moves} | {m.from_id: m.from_name for m in route.moves}
    seen = {route.moves[0].from_id}
    for m in route.moves:
        if m.to_id in seen:
            return f"passes {names.get(m.to_id, m.to_id)} twice"
        seen.add(m.to_id)
    legs: set[str] = set()
    for m in route.moves:
        for lg in m.leg_ids:
            if lg in legs:
                return f"uses leg {lg} twice, out and back, on {m.from_name} → {m.to_name}"
            legs.add(lg)
    return ""


class _UnavailableError(Exception):
    """Internal: a query has no admissible route; the message says why."""


class Router:
    """Routes over one network priced with one set of parameters.

    Parameters
    ----------
    G
        A network from :func:`corridors.load_network`; loaded (bundled, cached) if omitted.
    params
        :class:`~corridors.params.Parameters`; the bundled ones if omitted.
    families
        Corridor families (:func:`corridors.families.load_families`); the bundled ones if omitted.
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
        self._engine: Engine | None = None
        self._max_leg_speed: float | None = None
        self._by_country: dict[str, list[str]] | None = None
        self._family_masks: dict[str, np.ndarray] = {}
        if not isinstance(draws, int) or not 0 <= draws <= 1_000_000:
            msg = f"draws must be a whole number from 0 (no Monte Carlo) to 1,000,000, got {draws!r}"
            raise ConstraintError(msg)
        self.draws = draws
        self.seed = seed

    def simulate(self, routes: Sequence[Route], depart: dt.date | None = None) -> list[Route]:
        """``routes`` with their P10/P50/P90 door-to-door times (Monte Carlo with common random
        numbers, :func:`corridors.timing.simulate`); unchanged when the router has ``draws=0``."""
        from .labels import basis, caveats

        labelled = [replace(r, caveats=caveats(r, self.G, self.params), basis=tuple(basis(r, self.G, self.params).items())) for r in routes]
        if not self.draws:
            return labelled
        return simulate(labelled, draws=self.draws, seed=self.seed, depart=depart)

    # ------------------------------------------------------------------ plumbing
    def _refresh(self) -> None:
        """A node or leg added or removed since the engine was built: drop it, to be rebuilt (attribute
        edits are caught by the content fingerprint when the engine is first built for a Router).
        Checked once per public call: counting a large graph's legs is not free."""
        if self._engine is not None and self._engine_shape != (self.G.number_of_nodes(), self.G.number_of_edges()):
            self._engine = None
            self._by_country = None
            self._max_leg_speed = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine_shape = (self.G.number_of_nodes(), self.G.number_of_edges())
            self._engine = self._load_or_compile()
            eng = self._engine
            self._src_node = eng.state_node[eng.src]
            self._dst_node = eng.state_node[eng.dst]
            self._leg_uid = np.full(eng.n_edges, -1, np.int32)
            legmask = eng.etype == LEG
            self._leg_uid[legmask] = [eng.leg_id_index[eng.edge_refs[i][2]] for i in eng.leg[legmask]]
            # the side each leg edge comes from (at its start) and goes to (at its end), for crossings,
            # as codes into ``self._sides``
            self._sides: list[str] = [""]
            code: dict[str, int] = {"": 0}
            self._from_side = np.zeros(eng.n_edges, np.int32)
            self._to_side = np.zeros(eng.n_edges, np.int32)
            # each leg edge's own attributes as one of a few distinct signatures, and the legs with a
            # named end (not two sea-lane junctions): the family rules look at nothing else
            self._sig = np.full(eng.n_edges, -1, np.int32)
            self._sigs: list[dict[str, Any]] = []
            sig_code: dict[tuple[Any, ...], int] = {}
            named: list[int] = []
            for e in np.flatnonzero(legmask):
                u, v, k = eng.edge_refs[int(eng.leg[e])]
                d = self.G.edges[u, v, k]
                sig = (d.get("mode"), tuple(d.get("chokepoints") or ()), tuple(d.get("countries") or ()))
                if sig not in sig_code:
                    sig_code[sig] = len(self._sigs)
                    self._sigs.append({"mode": sig[0], "chokepoints": sig[1], "countries": sig[2]})
                self._sig[e] = sig_code[sig]
                if self.G.nodes[u].get("kind") != "junction" or self.G.nodes[v].get("kind") != "junction":
                    named.append(int(e))
                for arr, far in ((self._from_side, u), (self._to_side, v)):
                    sd = side_of(d, self.G.nodes[far])
                    if sd not in code:
                        code[sd] = len(self._sides)
                        self._sides.append(sd)
                    arr[e] = code[sd]
            self._named_legs = np.asarray(named, np.int64)
        return self._engine

    def _load_or_compile(self) -> Engine:
        """The compiled state graph, from the on-disk cache when the same network (by its cache key)
        was priced with the same parameters before."""
        from . import cache

        # keyed by the graph's content, not by how it was loaded: a graph edited after loading never
        # gets the engine compiled for the unedited one
        key = cache.key_for([], extra=("engine-2", cache.graph_fingerprint(self.G), repr(self.params)))
        eng = cache.load("engine", key, expect=Engine)
        if isinstance(eng, Engine):
            eng.G = self.G
            eng.params = self.params
            return eng
        eng = compile_engine(self.G, self.params)
        cache.save("engine", key, eng)
        return eng

    def place(self, query: str) -> Place:
        return resolve(self.G, query)

    def _node_ids(self, queries: Sequence[str]) -> list[str]:
        return [self.place(q).id for q in queries]

    def _check_chokepoints(self, ids: Sequence[str]) -> None:
        from .constraints import check_chokepoints

        check_chokepoints(self.G, ids)

    def _nodes_by_country(self) -> dict[str, list[str]]:
        if self._by_country is None:
            self._by_country = {}
            for n, nd in self.G.nodes(data=True):
                if nd.get("country"):
                    self._by_country.setdefault(str(nd["country"]), []).append(n)
        return self._by_country

    def validate(self, constraints: Constraints) -> None:
        """Check every id and value of ``constraints`` against the network (raises
        :class:`~corridors.errors.ConstraintError` with close matches or the candidates)."""
        _validate_constraints(self.G, constraints)

    def family(self, family: str | None) -> Family | None:
        """The family with id ``family`` (None for None); a clear error for an unknown id."""
        if family is None:
            return None
        if family not in self.families:
            msg = f"unknown corridor family {family!r} (use one of {', '.join(self.families)})"
            raise ConstraintError(msg)
        return self.families[family]

    _family = family

    # ------------------------------------------------------------------ masks
    def _mask(self, c: Constraints, fam: Family | None, o: str, d: str) -> np.ndarray:
        """Edges allowed by the user's constraints and the family's rules (a family's rules are
        added to the user's, never weakened by them)."""
        eng = self.engine
        mask = np.ones(eng.n_edges, bool)
        is_leg = eng.etype == LEG
        # the user's rules: the same as constraints.leg_forbidden / node_forbidden, vectorised
        if not c.include_planned:
            mask &= ~is_leg | (eng.status == 0)
        if c.modes is not None:
            for m in set(MODE_CODES) - set(c.modes):
                mask &= ~(is_leg & (eng.mode == MODE_CODES[m]))
        for code in territory_countries(c):
            if code in eng.by_country:
                mask[eng.by_country[code]] = False
        for ch in c.avoid_chokepoints:
            if ch in eng.by_chokepoint:
                mask[eng.by_chokepoint[ch]] = False
        if c.avoid_legs:
            unknown = [lg for lg in c.avoid_legs if lg not in eng.leg_id_index]
            if unknown:
                msg = f"unknown leg id {unknown[0]!r} (see `corridors network export` for leg ids)"
                raise ConstraintError(msg)
            ids = np.asarray([eng.leg_id_index[lg] for lg in c.avoid_legs], np.int32)
            mask &= ~np.isin(self._leg_uid, ids)
        from .constraints import node_forbidden

        avoid = set(_resolve_avoid_nodes(self.G, c.avoid_nodes))
        banned: dict[str, str] = {}
        candidates = set(avoid)
        for code in c.avoided_countries():
            candidates.update(self._nodes_by_country().get(code, []))
        for n in candidates:
            why = node_forbidden(c, n, self.G.nodes[n], tuple(avoid))
            if why:
                banned[n] = why
        if fam is not None:
            mask &= self._family_mask(fam)
            for n in fam.avoid_nodes:
                if n in self.G:
                    banned.setdefault(n, f"is not on the {fam.name}")
            for code in fam.avoid_countries:
                for n in self._nodes_by_country().get(code, []):
                    banned.setdefault(n, f"is in {code}, which the {fam.name} never enters")
        for end, nid in (("origin", o), ("destination", d)):
            if nid in banned:
                msg = f"the {end} {self.G.nodes[nid].get('name', nid)} ({nid}) {banned[nid]}; no route can avoid it"
                raise ConstraintError(msg)
        if banned:
            idx = np.asarray([eng.node_index[n] for n in banned], np.int32)
            mask &= ~np.isin(self._src_node, idx) & ~np.isin(self._dst_node, idx)
        return mask

    def _family_mask(self, fam: Family) -> np.ndarray:
        """Leg edges the family's own leg rules allow (computed once per family from
        :meth:`Family.leg_forbidden`)."""
        got = self._family_masks.get(fam.id)
        if got is not None:
            return got
        eng = self.engine
        G = self.G
        # a leg's own attributes, judged once per distinct signature; the rules on places (gate,
        # Far East) only on legs with a named end; the sea areas vectorised over positions
        sig_bad = np.asarray([fam.leg_attr_forbidden(sd) is not None for sd in self._sigs] + [False], bool)
        ok = ~sig_bad[self._sig]  # index -1 (not a leg) -> the trailing False
        for e in self._named_legs:
            u, v, k = eng.edge_refs[int(eng.leg[e])]
            if fam.leg_forbidden(k, G.edges[u, v, k], G.nodes[u], G.nodes[v], u, v) is not None:
                ok[e] = False
        if fam.sea_areas:
            x = np.asarray([float(G.nodes[n].get("x", 0.0)) for n in eng.nodes])
            y = np.asarray([float(G.nodes[n].get("y", 0.0)) for n in eng.nodes])
            in_area = np.asarray(fam.in_sea_areas(x, y), bool)
            is_sea = (eng.mode == MODE_CODES["sea"]) & (eng.etype == LEG)
            ok &= ~(is_sea & ~(in_area[self._src_node] & in_area[self._dst_node]))
        self._family_masks[fam.id] = ok
        return ok

    def _group_mask(self, group: Mapping[str, Sequence[str]]) -> np.ndarray:
        eng = self.engine
        is_leg = eng.etype == LEG
        g = np.zeros(eng.n_edges, bool)
        nodes = [n for n in group.get("nodes", ()) if n in eng.node_index]
        if nodes:
            idx = np.asarray([eng.node_index[n] for n in nodes], np.int32)
            g |= is_leg & np.isin(self._dst_node, idx)
        gauge_nodes = [eng.node_index[n] for n in group.get("gauge_change_at", ()) if n in eng.node_index]
        if gauge_nodes:
            g |= (eng.etype == GAUGE) & np.isin(self._src_node, np.asarray(gauge_nodes, np.int32))
        legs = [eng.leg_id_index[x] for x in group.get("legs", ()) if x in eng.leg_id_index]
        if legs:
            g |= np.isin(self._leg_uid, np.asarray(legs, np.int32))
        for ch in group.get("chokepoints", ()):
            if ch in eng.by_chokepoint:
                g[eng.by_chokepoint[ch]] = True
        for m in group.get("modes", ()):
            g |= is_leg & (eng.mode == MODE_CODES[m])
        return g

    def _crossing_groups(self, cr: Crossing, ends: tuple[str, str] = ("", "")) -> list[_Group]:
        """Two groups: arrive at one of the crossing's nodes from its ``from`` side, then leave it
        into its ``to`` side (a different side): a crossing, not a touch and turn back. When the
        origin (destination) is one of the nodes, leaving it into (arriving from) the right side is
        the crossing."""
        eng = self.engine
        is_leg = eng.etype == LEG
        o, d = ends
        if d in cr.nodes or o in cr.nodes:
            i = eng.node_index[d if d in cr.nodes else o]
            if d in cr.nodes:
                fs = np.isin(self._from_side, [j for j, x in enumerate(self._sides) if x and side_matches(cr.from_side, x)])
                return [_Group(is_leg & (self._dst_node == i) & fs, (i,))]
            ts = np.isin(self._to_side, [j for j, x in enumerate(self._sides) if x and side_matches(cr.to_side, x)])
            return [_Group(is_leg & (self._src_node == i) & ts, (i,))]
        idx = np.asarray([eng.node_index[n] for n in cr.nodes if n in eng.node_index], np.int32)
        fs = np.isin(self._from_side, [i for i, x in enumerate(self._sides) if x and side_matches(cr.from_side, x)])
        ts = np.isin(self._to_side, [i for i, x in enumerate(self._sides) if x and side_matches(cr.to_side, x)])
        arrive = is_leg & np.isin(self._dst_node, idx) & fs
        leave = is_leg & np.isin(self._src_node, idx) & ts
        nodes = tuple(int(x) for x in idx)
        return [_Group(arrive, nodes), _Group(leave, nodes)]

    def _via_nodes(self, query: str) -> list[str]:
        """The nodes a via names: an id, or every node sharing that name (``--via Baku`` passes the
        city or its port)."""
        from .places import _index, normalize

        if query in self.G and not str(query).startswith("sea:"):
            return [query]
        hits = _index(self.G).get(normalize(query), [])
        return sorted(hits) if len(hits) > 1 else [self.place(query).id]

    def _via_alternatives(self, query: str, ends: tuple[str, str]) -> list[list[_Group]]:
        """A user's via: at a border crossing, cross there (arrive from one side and leave into
        another: one alternative per pair of sides); elsewhere, pass there (arrive, and never arrive
        again)."""
        eng = self.engine
        nids = self._via_nodes(query)
        is_leg = eng.etype == LEG
        if len(nids) == 1 and self.G.nodes[nids[0]].get("kind") == "border_crossing" and nids[0] not in ends:
            nid = nids[0]
            i = eng.node_index[nid]
            ins = {self._sides[x] for x in self._from_side[is_leg & (self._dst_node == i)]}
            outs = {self._sides[x] for x in self._to_side[is_leg & (self._src_node == i)]}
            alts = [self._crossing_groups(Crossing((nid,), a, b)) for a in sorted(ins) for b in sorted(outs) if a != b and a and b]
            if alts:
                return alts
        idx = np.asarray([eng.node_index[n] for n in nids], np.int32)
        return [[_Group(is_leg & np.isin(self._dst_node, idx), tuple(int(x) for x in idx))]]

    def _gate_direction_mask(self, fam: Family, forward: bool) -> np.ndarray:
        """Edges allowed by the direction of a family through its gate country: southbound (forward)
        the route enters it only by its crossings and leaves it only by sea at a gate port (no land
        leg out of it, no arrival at a gate port from the sea); northbound the mirror image. So a
        route never leaves the gate country and comes back (Tehran → Azerbaijan → Turkmenistan →
        Iran is not an INSTC route)."""
        key = f"{fam.id}:{'fwd' if forward else 'rev'}"
        got = self._family_masks.get(key)
        if got is not None:
            return got
        eng = self.engine
        G = self.G
        ok = np.ones(eng.n_edges, bool)
        g = fam.gate_country
        if g:
            gates = set(fam.gate_ports)
            for e in self._named_legs:  # leaving or entering a country needs a named end
                u, v, k = eng.edge_refs[int(eng.leg[e])]
                d = G.edges[u, v, k]
                cu, cv = G.nodes[u].get("country"), G.nodes[v].get("country")
                water = d.get("mode") in ("sea", "ferry")
                leaves = cu == g and (cv != g or water) and G.nodes[u].get("kind") != "junction"
                enters = cv == g and (cu != g or water) and G.nodes[v].get("kind") != "junction"
                if forward and ((leaves and not (water and u in gates)) or (enters and water and v in gates)):
                    ok[e] = False
                if not forward and ((enters and not (water and v in gates)) or (leaves and water and u in gates)):
                    ok[e] = False
        self._family_masks[key] = ok
        return ok

    def _plans(self, o: Place, d: Place, c: Constraints, fam: Family | None) -> list[tuple[list[_Group], np.ndarray | None]]:
        """The ordered via groups to solve with, one list per alternative (orientation of the
        family, choice among its crossings, sides of a user's crossing), best-guess first."""
        user: list[list[list[_Group]]] = [self._via_alternatives(q, (o.id, d.id)) for q in c.via]
        fam_opts: list[list[list[list[_Group]]]] = []  # per orientation: per step, its alternatives
        directions: list[np.ndarray | None] = []
        if fam is not None:
            legacy = [[[_Group(self._group_mask(g))]] for g in fam.via_any]
            a, b = self.G.nodes[o.id], self.G.nodes[d.id]
            southbound = float(a.get("y", 0)) >= float(b.get("y", 0))
            for forward in (southbound, not southbound):
                steps = fam.oriented_steps(forward)
                opts: list[list[list[_Group]]] = list(legacy)
                for st in steps:
                    if st.crossings:
                        opts.append([self._crossing_groups(cr, (o.id, d.id)) for cr in st.crossings])
                    else:
                        opts.append([[_Group(self._group_mask({"chokepoints": st.chokepoints}))]])
                fam_opts.append(opts)
                directions.append(self._gate_direction_mask(fam, forward) if fam.gate_country else None)
                if not fam.steps:
                    break
        else:
            fam_opts.append([])
            directions.append(None)
        plans: list[tuple[list[_Group], np.ndarray | None]] = []
        for fopts, direction in zip(fam_opts, directions, strict=True):
            for combo in itertools.product(*fopts, *user):
                plans.append(([g for part in combo for g in part], direction))
                if len(plans) >= MAX_ALTERNATIVES:
                    return plans
        return plans

    # ------------------------------------------------------------------ solving
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
        self._refresh()
        c = constraints or Constraints()
        o, d = self.place(origin), self.place(destination)
        self.validate(c)
        eng = self.engine
        if not eng.out_states.get(o.id) or not eng.in_states.get(d.id):
            return None  # a place without any leg
        try:
            r = self._solve(o, d, objective, c, self.family(family))
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
        self._refresh()
        c = constraints or Constraints()
        o, d = self.place(origin), self.place(destination)
        self.validate(c)
        fam = self.family(family)
        if objective == "p90":
            return self._most_reliable(o, d, c, fam)
        r: Route | None = None
        unavailable = ""
        try:
            r = self._solve(o, d, objective, c, fam, strict=True)
        except _UnavailableError as exc:
            unavailable = str(exc)
        r = self._or_wait_for_season(o, d, objective, c, fam, r)
        if r is None:
            if unavailable:
                raise NoRouteError(f"no route from {o.name} to {d.name}: {unavailable}")
            raise NoRouteError(self._explain(o, d, objective, c, fam))
        return self.simulate([with_access(r, self.G, self.params, o, d)], c.depart)[0]

    def _validate(self, c: Constraints) -> None:
        self.validate(c)

    def _solve(
        self,
        o: Place,
        d: Place,
        objective: str | Mapping[str, float],
        c: Constraints,
        fam: Family | None,
        penalty: np.ndarray | None = None,
        strict: bool = False,
    ) -> Route | None:
        """validate → mask → weights → via groups → search (with revisits cut) → route. With
        ``strict``, a search whose only answers turn back raises ``_UnavailableError`` saying where."""
        eng = self.engine
        if o.id == d.id:
            msg = f"origin and destination are the same place ({o.name})"
            raise ConstraintError(msg)
        mask = self._mask(c, fam, o.id, d.id)
        weight, wkey = self._weights(objective, c)
        if penalty is not None:
            weight = weight * penalty
            wkey = None
        sources = eng.out_states.get(o.id, [])
        if c.depart is not None:
            mask = mask & self._season_mask(c, sources, mask, fam)
        lb = None if penalty is not None else self._lower_bound(o.id, d.id, objective)
        best: Route | None = None
        why_not = ""
        for plan, direction in self._plans(o, d, c, fam):
            try:
                m = mask if direction is None else mask & direction
                r = self._solve_plan(o, d, objective, c, fam, m, weight, wkey, plan, lb, direction is not None)
            except _UnavailableError as exc:
                why_not = why_not or str(exc)
                continue
            if r is None:
                continue
            key = OBJECTIVES.get(objective, "time_h") if isinstance(objective, str) else None
            if best is None or (key and getattr(r, key) < getattr(best, key)) or (key is None and r.time_h < best.time_h):
                best = r
        if best is None and why_not and strict:
            raise _UnavailableError(why_not)
        back = turns_back(best)
        if back:  # never expected: the search cuts revisits; an independent last check
            if strict:
                raise _UnavailableError(f"only a route that turns back exists (it {back})")
            return None
        if best is not None and fam is not None and fam.steps:
            broken = route_breaks(self.G, best, fam)
            if broken:  # never expected: the search enforces the definition
                if strict:
                    raise _UnavailableError(f"the only route found is not the {fam.name} ({broken})")
                return None
        return best

    def _solve_plan(
        self,
        o: Place,
        d: Place,
        objective: str | Mapping[str, float],
        c: Constraints,
        fam: Family | None,
        mask: np.ndarray,
        weight: np.ndarray,
        wkey: Any,
        plan: list[_Group],
        lb: float | None,
        directed: bool = False,
    ) -> Route | None:
        eng = self.engine
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
        plan_key = (tuple(hash(g.mask.tobytes()) for g in plan), hash(mask.tobytes()) if directed else None)
        base_key = (c, fam.id if fam else None, o.id, plan_key)
        for _ in range(MAX_REPAIRS + 30):
            no_arrival = [np.asarray(sorted(base_no[a] | extra[a]), np.int32) for a in range(V)]
            key = (base_key, wkey, tuple(sorted(banned_legs))) if wkey is not None else None
            m = mask
            if banned_legs:
                m = mask & ~np.isin(self._leg_uid, np.asarray(sorted(banned_legs), np.int32))
            sol = solve(eng, sources, targets, weight, m, vias, c.max_transshipments, cache_key=key, lower_bound=lb, no_arrival=no_arrival)
            if sol is None:
                return None
            revs = self._revisits(sol, oi, V)
            if revs:
                stuck = [(n, a) for n, a, b in revs if b <= a or n in extra[min(a + 1, V - 1)]]
                if stuck or repairs >= MAX_REPAIRS:
                    n = (stuck or revs)[0][0]
                    name = self.G.nodes[eng.nodes[n]].get("name", eng.nodes[n])
                    raise _UnavailableError(f"only a route that turns back at {name} exists")
                for n, first_layer, _ in revs:
                    for later in range(first_layer + 1, V):
                        extra[later].add(n)
                repairs += 1
                continue
            route = self._build(o, d, sol, objective, fam, c)
            if c.depart is None:
                return route
            late = closed_legs(route, c.depart)
            if not late:
                return route
            banned_legs |= {eng.leg_id_index[x] for x in late}
        return None

    def _revisits(self, sol: Solution, origin: int, V: int) -> list[tuple[int, int, int]]:
        """Every node the solution arrives at again: (node, layer of the first arrival, layer of
        the next one)."""
        eng = self.engine
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

    # ------------------------------------------------------------------ weights
    def _weights(self, objective: str | Mapping[str, float], c: Constraints) -> tuple[np.ndarray, Any]:
        eng = self.engine
        mets = dict(eng.metrics)
        if c.chokepoint_weights:
            over = dict(c.chokepoint_weights)
            self._check_chokepoints(list(over))
            base = self._exposure_weights(c)
            mets["exposure"] = np.asarray([sum(base.get(x, 1.0) for x in cs) for cs in eng.edge_chokepoints])
        if isinstance(objective, str):
            if objective not in OBJECTIVES:
                msg = f"unknown objective {objective!r} (use one of {', '.join(OBJECTIVES)}, or a blend like time=1,cost=0.5)"
                raise ConstraintError(msg)
            w = mets[OBJECTIVES[objective]]
            if objective == "exposure":
                w = w + 1e-5 * mets["time_h"]
            elif objective != "time":
                w = w + 1e-7 * mets["time_h"]
            return w, (objective, c.chokepoint_weights)
        total = np.zeros(eng.n_edges)
        for k, v in objective.items():
            if k not in OBJECTIVES:
                msg = f"unknown objective {k!r} in blend (use {', '.join(OBJECTIVES)})"
                raise ConstraintError(msg)
            if v < 0:
                msg = f"blend weight for {k} must not be negative"
                raise ConstraintError(msg)
            total = total + v * mets[OBJECTIVES[k]] / BLEND_SCALE[k]
        if not objective or not np.any(total > 0):
            msg = "a blend needs at least one positive weight"
            raise ConstraintError(msg)
        return total, (tuple(sorted(objective.items())), c.chokepoint_weights)

    def _most_reliable(self, o: Place, d: Place, c: Constraints, fam: Family | None) -> Route:
        """The route with the lowest P90 among the fastest (expected) route, its alternatives and the
        best route of each family: reliability re-ranks evaluated candidates (no new search)."""
        try:
            best = self._solve(o, d, "time", c, fam, strict=True)
        except _UnavailableError as exc:
            raise NoRouteError(f"no route from {o.name} to {d.name}: {exc}") from None
        if best is None:
            raise NoRouteError(self._explain(o, d, "time", c, fam))
        cands = [best]
        if fam is None:
            cands += self.alternatives(o.id, d.id, objective="time", constraints=c, k=4)[1:]
            for f in self.families.values():
                r, _ = self._family_route(o, d, "time", c, f)
                if r is not None:
                    cands.append(r)
        uniq = {r.leg_ids: with_access(r, self.G, self.params, o, d) for r in reversed(cands)}
        sims = (
            self.simulate(list(uniq.values()), c.depart) if self.draws else simulate(list(uniq.values()), seed=self.seed, depart=c.depart)
        )
        pick = min(sims, key=lambda r: r.time_q_h[2] if r.time_q_h else r.time_h)
        return replace(pick, objective="p90")

    def _exposure_weights(self, c: Constraints) -> dict[str, float]:
        base = {
            z: self.params.default_chokepoint_weight * float(getattr(zo, "weight", 1.0))
            for z, zo in self.G.graph.get("chokepoints", {}).items()
        }
        base.update(dict(c.chokepoint_weights))
        return base

    def _lower_bound(self, o: str, d: str, objective: str | Mapping[str, float]) -> float | None:
        """A lower bound on the objective from the great-circle distance (None where none is cheap)."""
        if not isinstance(objective, str) or objective == "exposure":
            return None
        from .geo import great_circle_km

        a, b = self.G.nodes[o], self.G.nodes[d]
        km = great_circle_km((a["x"], a["y"]), (b["x"], b["y"]))
        p = self.params
        if objective == "distance":
            return km
        if objective == "time":
            if self._max_leg_speed is None:  # the fastest speed any leg can have
                own = [float(x) for _, _, x in self.G.edges(data="speed_kmh") if x]
                self._max_leg_speed = max([*p.speed_kmh.values(), *p.rail_speed_kmh_by_country.values(), *own])
            return km / self._max_leg_speed
        if objective == "cost":
            return km * min(p.cost_usd_per_teu_km.values())
        if objective == "co2":
            return km * min([*p.co2_kg_per_teu_km.values(), *p.rail_co2_kg_per_teu_km_by_country.values()])
        return None

    def _season_mask(self, c: Constraints, sources: Sequence[int], mask: np.ndarray, fam: Family | None = None) -> np.ndarray:
        return season_mask(self.engine, c, sources, mask, fam)

    def _build(self, o: Place, d: Place, sol: Solution, objective: str | Mapping[str, float], fam: Family | None, c: Constraints) -> Route:
        return build_route(self.engine, o, d, sol, objective, fam, c, self._exposure_weights(c))

    def _origin_stop(self, nid: str, sol: Solution) -> Stop | None:
        return origin_stop(self.engine, nid, sol)

    def _destination_stop(self, nid: str, sol: Solution, t: float) -> Stop | None:
        return destination_stop(self.engine, nid, sol, t)

    # ------------------------------------------------------------------ explanations
    def _relaxations(self, c: Constraints, fam: Family | None) -> list[tuple[str, Constraints, Family | None]]:
        out: list[tuple[str, Constraints, Family | None]] = [(_gerund(rule.relax), rule.drop(c), fam) for rule in rules_of(c)]
        if fam is not None:
            out.append((f"outside the {fam.name} family", c, None))
        return out

    def _family_conflict(self, c: Constraints, fam: Family) -> str:
        """Why a family cannot exist under ``c`` at all (a rule of the user forbids what the family
        requires), or ""."""
        terr = territory_countries(c)
        g = fam.gate_country
        if g and g in terr:
            return f"the {fam.name} runs through {g}, whose territory is avoided"
        for st in fam.steps:
            if st.chokepoints and all(ch in c.avoid_chokepoints for ch in st.chokepoints):
                return f"the {fam.name} must pass {' or '.join(st.chokepoints)}, which is avoided"
            if st.crossings:
                avoid = set(_resolve_avoid_nodes(self.G, c.avoid_nodes))
                nodes = [n for cr in st.crossings for n in cr.nodes]
                if all(n in avoid or self.G.nodes[n].get("country") in terr for n in nodes if n in self.G):
                    return f"the {fam.name} must {st.describe()}, which is avoided"
        if g and c.scope_of(g) in ("ports", "both") and fam.gate_ports and self.G.nodes.get(fam.gate_ports[0], {}).get("country") == g:
            return f"the {fam.name} leaves {g} by sea at {' or '.join(self.G.nodes[p].get('name', p) for p in fam.gate_ports if p in self.G)}, ports of an avoided country"
        return ""

    def _explain(self, o: Place, d: Place, objective: str | Mapping[str, float], c: Constraints, fam: Family | None) -> str:
        if fam is not None:
            conflict = self._family_conflict(c, fam)
            if conflict:
                return conflict
        rules = c.describe()
        if fam:
            rules.insert(0, f"is the {fam.name} ({'; '.join(fam.rules_text())})" if fam.steps else f"stays in the {fam.name} family")
        head = f"no route from {o.name} to {d.name} that {', '.join(rules) if rules else 'exists'}"
        if fam is not None and fam.gate_country and fam.steps:
            inside = [(end, p) for end, p in (("origin", o), ("destination", d)) if self.G.nodes[p.id].get("country") == fam.gate_country]
            if len(inside) == 1:
                end, p = inside[0]
                where = "; or ".join(cr.describe() for st in fam.steps for cr in st.crossings)
                head = f"the {end} {p.name} is in {fam.gate_country} and the {fam.name} must {where} on the way, without leaving {fam.gate_country} and coming back; {head}"
        if fam is not None and fam.gate_ports:
            gates = self._gate_reasons(c, fam, d)
            if gates:
                head = f"{fam.name}: every exit from {fam.gate_country} is closed ({'; '.join(gates)}); {head}"
        opens = []
        for label, c2, f2 in self._relaxations(c, fam):
            try:
                r = self._solve(o, d, objective, c2, f2)
            except (ConstraintError, _UnavailableError):
                continue
            if r is not None:
                opens.append(f"{label} there is one ({r.time_days:.1f} days{', via ' + r.via if r.via else ''})")
        if opens:
            return f"{head}; " + "; ".join(opens[:3])
        return f"{head}; no single relaxation opens one (check that both places are connected: `corridors network info`)"

    def _gate_reasons(self, c: Constraints, fam: Family, d: Place) -> list[str]:
        """Why each of the family's gate ports cannot be used, or [] if one of them can."""
        from .constraints import node_forbidden

        avoid = tuple(_resolve_avoid_nodes(self.G, c.avoid_nodes))
        out = []
        for p in fam.gate_ports:
            if p not in self.G:
                continue
            name = self.G.nodes[p].get("name", p)
            why = node_forbidden(c, p, self.G.nodes[p], avoid)
            if why:
                out.append(f"{name} {why}")
                continue
            if self.G.nodes[d.id].get("kind") == "port" and c.avoid_chokepoints:
                try:
                    by_sea = self._solve(self.place(p), d, "time", replace(c, via=(), modes=("sea",)), None)
                except (ConstraintError, _UnavailableError):
                    by_sea = None
                if by_sea is None:
                    free = self._solve(self.place(p), d, "time", Constraints(modes=("sea",), include_planned=True), None)
                    passes = [ch for ch in (free.chokepoints if free else ()) if ch in c.avoid_chokepoints]
                    out.append(f"{name}: the way out by sea passes {', '.join(passes) or 'an avoided place'}, which is avoided")
                    continue
            return []
        return out

    def _family_route(
        self, o: Place, d: Place, objective: str | Mapping[str, float], c: Constraints, fam: Family
    ) -> tuple[Route | None, str]:
        """The family's best route, or None and why not."""
        conflict = self._family_conflict(c, fam)
        if conflict:
            return None, conflict
        why = ""
        r: Route | None = None
        try:
            r = self._solve(o, d, objective, c, fam, strict=True)
        except ConstraintError as exc:
            return None, str(exc)
        except _UnavailableError as exc:
            why = str(exc)
        r = self._or_wait_for_season(o, d, objective, c, fam, r)
        if r is None:
            return None, why or self._explain(o, d, objective, c, fam)
        return r, ""

    def _or_wait_for_season(
        self, o: Place, d: Place, objective: str | Mapping[str, float], c: Constraints, fam: Family | None, r: Route | None
    ) -> Route | None:
        """``r``, or the route without the seasons with its waits in port when that is faster
        (:func:`corridors.seasons.or_wait_for_season`)."""

        def free() -> Route | None:
            try:
                return self._solve(o, d, objective, replace(c, depart=None), fam)
            except (ConstraintError, _UnavailableError):
                return None

        return or_wait_for_season(c.depart, r, free)

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
        self._refresh()
        c = constraints or Constraints()
        o, d = self.place(origin), self.place(destination)
        self.validate(c)
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
        routes = self.simulate(routes, c.depart)
        if objective == "p90":
            routes.sort(key=lambda r: r.time_q_h[2] if r.time_q_h else r.time_h)
        else:
            key = OBJECTIVES.get(objective, "time_h") if isinstance(objective, str) else "time_h"
            routes.sort(key=lambda r: getattr(r, key))
        return CompareResult(o, d, routes, unavailable, c)

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
        self._refresh()
        c = constraints or Constraints()
        o, d = self.place(origin), self.place(destination)
        self.validate(c)
        try:
            best = self._solve(o, d, objective, c, None, strict=True)
        except _UnavailableError as exc:
            raise NoRouteError(f"no route from {o.name} to {d.name}: {exc}") from None
        if best is None:
            raise NoRouteError(self._explain(o, d, objective, c, None))
        found = [best]
        eng = self.engine
        penalty = np.ones(eng.n_edges)
        for _ in range(4 * k):
            if len(found) >= k:
                break
            used = {eng.leg_id_index[x] for x in found[-1].leg_ids}
            hit = np.isin(self._leg_uid, np.asarray(sorted(used), np.int32))
            penalty[hit] *= 2.0
            try:
                r = self._solve(o, d, objective, c, None, penalty=penalty)
            except _UnavailableError:
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
        return self.simulate([with_access(r, self.G, self.params, o, d) for r in out], c.depart)

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
        self._refresh()
        c = constraints or Constraints()
        o, d = self.place(origin), self.place(destination)
        self.validate(c)
        cands: list[Route] = []
        grid = [i / steps for i in range(steps + 1)]
        for wt, wc in itertools.product(grid, grid):
            we = 1.0 - wt - wc
            if we < -1e-9:
                continue
            blend = {k: v for k, v in (("time", wt), ("cost", wc), ("exposure", max(we, 0.0))) if v > 0}
            try:
                r = self._solve(o, d, blend, c, None)
            except _UnavailableError:
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
            raise NoRouteError(self._explain(o, d, "time", c, None))
        # a family's own row wins over a blend that found the same legs
        cands = [fam_routes.get(r.leg_ids, r) for r in cands]
        return self.simulate([with_access(r, self.G, self.params, o, d) for r in pareto_front(cands, metrics)], c.depart)

    def distance_matrix(self, places: Sequence[str], objective: str = "distance", constraints: Constraints | None = None) -> Any:
        """Totals of the best route (by ``objective``) between every pair of ``places``: a square pandas
        DataFrame of the objective's metric (km, hours, USD or kg CO2; NaN where there is no route).
        Honours every constraint, including the departure date; ``lon,lat`` places count their road
        legs. :func:`corridors.matrix.od_matrix` gives every metric at once."""
        from .matrix import od_matrix

        metric = {"distance": "length_km", "time": "time_h", "cost": "cost_usd", "co2": "co2_kg"}.get(objective)
        if metric is None:
            msg = f"distance_matrix supports the objectives distance, time, cost and co2, not {objective!r}"
            raise ConstraintError(msg)
        return od_matrix(self, places, objective, constraints).table(metric)


def _gerund(relax: str) -> str:
    """ "allow IRN" -> "allowing IRN" (the no-route message says what each relaxation does)."""
    for verb, ing in (
        ("allow ", "allowing "),
        ("include ", "including "),
        ("ignore ", "ignoring "),
        ("lift ", "lifting "),
        ("not via ", "not via "),
    ):
        if relax.startswith(verb):
            return ing + relax[len(verb) :]
    return relax


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
