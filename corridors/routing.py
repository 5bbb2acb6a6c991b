"""Route solvers: best route for an objective or a blend, under hard constraints; best route per
corridor family; k diverse alternatives; the Pareto front; explanations when no route exists.

The entry point is :class:`Router`::

    from corridors import Router
    r = Router()                                   # bundled network and parameters
    best = r.route("Chelyabinsk", "Mumbai", objective="time")
    result = r.compare("Chelyabinsk", "Mumbai", Constraints(avoid_chokepoints=("hormuz",)))
    result.frame()                                 # pandas DataFrame, one row per route
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import itertools
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from .engine import ALL_MONTHS, GAUGE, LEG, MODE_CODES, THROUGH, TRANSFER, Engine, Solution, _dwell, compile_engine, distances_from, solve
from .errors import ConstraintError, NoRouteError
from .graph import edge_coords
from .model import Move, Route, Stop, legs_frame, routes_frame
from .params import Parameters, load_parameters
from .places import Place, resolve

OBJECTIVES: dict[str, str] = {
    "time": "time_h",
    "distance": "length_km",
    "cost": "cost_usd",
    "co2": "co2_kg",
    "exposure": "exposure",
}
#: a blend adds weight × metric / scale: days, thousands of km, thousands of USD, tonnes CO2, exposure points
BLEND_SCALE: dict[str, float] = {"time": 24.0, "distance": 1000.0, "cost": 1000.0, "co2": 1000.0, "exposure": 1.0}
COUNTRY_SCOPES = ("territory", "ports", "both")


@dataclass(frozen=True)
class Constraints:
    """Hard constraints. Everything they forbid is removed from the graph before solving.

    Attributes
    ----------
    avoid_countries
        ISO-3 codes. With ``country_scope`` "territory": no land leg or canal crossing it and no
        non-port node in it; "ports": no port call there; "both" (default): neither.
    avoid_chokepoints
        Chokepoint ids (``corridors chokepoints`` lists them).
    avoid_nodes
        Node ids or place names (ports, terminals, border crossings) never to pass.
    avoid_legs
        Leg ids never to use.
    modes
        Allowed modes (rail, sea, ferry, road); ``None`` allows all.
    include_planned
        Allow legs that are planned or under construction (off by default).
    depart
        Departure date: a seasonal leg (NSR, the ice-bound northern Caspian) is used only if it is open
        in the month the cargo reaches it.
    via
        Places the route must pass, in this order.
    max_transshipments
        Maximum number of transfers between modes or vessels (gauge changes count).
    chokepoint_weights
        (id, weight) pairs overriding the exposure weight of chokepoints.
    """

    avoid_countries: tuple[str, ...] = ()
    country_scope: str = "both"
    avoid_chokepoints: tuple[str, ...] = ()
    avoid_nodes: tuple[str, ...] = ()
    avoid_legs: tuple[str, ...] = ()
    modes: tuple[str, ...] | None = None
    include_planned: bool = False
    depart: dt.date | None = None
    via: tuple[str, ...] = ()
    max_transshipments: int | None = None
    chokepoint_weights: tuple[tuple[str, float], ...] = ()

    def describe(self) -> list[str]:
        out = []
        if self.avoid_countries:
            scope = {"territory": " (territory)", "ports": " (ports)", "both": ""}[self.country_scope]
            out.append(f"avoids {', '.join(self.avoid_countries)}{scope}")
        if self.avoid_chokepoints:
            out.append(f"avoids {', '.join(self.avoid_chokepoints)}")
        if self.avoid_nodes:
            out.append(f"avoids {', '.join(self.avoid_nodes)}")
        if self.avoid_legs:
            out.append(f"avoids legs {', '.join(self.avoid_legs)}")
        if self.modes is not None:
            out.append(f"uses only {', '.join(self.modes)}")
        if self.via:
            out.append(f"passes {' then '.join(self.via)}")
        if self.max_transshipments is not None:
            out.append(f"has at most {self.max_transshipments} transshipments")
        if self.depart is not None:
            out.append(f"departs on {self.depart.isoformat()} ({calendar.month_name[self.depart.month]})")
        if not self.include_planned:
            out.append("uses operational links only")
        return out


@dataclass(frozen=True)
class Family:
    id: str
    name: str
    description: str
    via_any: tuple[Mapping[str, tuple[str, ...]], ...]
    avoid_nodes: tuple[str, ...] = ()
    avoid_chokepoints: tuple[str, ...] = ()
    avoid_modes: tuple[str, ...] = ()
    avoid_countries: tuple[str, ...] = ()


def load_families(path: str | Path | None = None) -> dict[str, Family]:
    """Corridor families from ``data/families.toml`` (or ``path``)."""
    p = Path(path) if path else Path(str(resources.files("corridors.data").joinpath("families.toml")))
    with p.open("rb") as fh:
        raw = tomllib.load(fh)
    out = {}
    for fid, t in raw.items():
        out[fid] = Family(
            id=fid,
            name=str(t.get("name", fid)),
            description=str(t.get("description", "")),
            via_any=tuple({k: tuple(v) for k, v in g.items()} for g in t.get("via_any", [])),
            avoid_nodes=tuple(t.get("avoid_nodes", ())),
            avoid_chokepoints=tuple(t.get("avoid_chokepoints", ())),
            avoid_modes=tuple(t.get("avoid_modes", ())),
            avoid_countries=tuple(t.get("avoid_countries", ())),
        )
    return out


@dataclass
class CompareResult:
    """Routes side by side, and the families (or alternatives) that found no route, with the reason."""

    origin: Place
    destination: Place
    routes: list[Route]
    unavailable: dict[str, str] = field(default_factory=dict)
    constraints: Constraints = field(default_factory=Constraints)

    def frame(self) -> Any:
        return routes_frame(self.routes)

    def legs(self) -> Any:
        return legs_frame(self.routes)


class Router:
    """Routes over one network priced with one set of parameters.

    Parameters
    ----------
    G
        A network from :func:`corridors.load_network`; loaded (bundled, cached) if omitted.
    params
        :class:`~corridors.params.Parameters`; the bundled ones if omitted.
    """

    def __init__(self, G: nx.MultiDiGraph | None = None, params: Parameters | None = None, families: Mapping[str, Family] | None = None) -> None:
        if G is None:
            from .graph import load_network

            G = load_network()
        self.G = G
        self.params = params or load_parameters()
        self.families = dict(families) if families is not None else load_families()
        self._engine: Engine | None = None
        self._max_leg_speed: float | None = None
        self._by_country: dict[str, list[str]] | None = None

    # ------------------------------------------------------------------ plumbing
    @property
    def engine(self) -> Engine:
        # a node or leg added or removed since the engine was built: rebuild (attribute edits are caught
        # by the content fingerprint when the engine is first built for a Router)
        if self._engine is not None and self._engine_shape != (self.G.number_of_nodes(), self.G.number_of_edges()):
            self._engine = None
            self._by_country = None
            self._max_leg_speed = None
        if self._engine is None:
            self._engine_shape = (self.G.number_of_nodes(), self.G.number_of_edges())
            self._engine = self._load_or_compile()
            eng = self._engine
            self._src_node = eng.state_node[eng.src]
            self._dst_node = eng.state_node[eng.dst]
            self._leg_uid = np.full(eng.n_edges, -1, np.int32)
            legmask = eng.etype == LEG
            self._leg_uid[legmask] = [eng.leg_id_index[eng.edge_refs[i][2]] for i in eng.leg[legmask]]
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
        known = list(self.G.graph.get("chokepoints", {}))
        for c in ids:
            if c not in known:
                close = difflib.get_close_matches(c, known, n=3)
                hint = f"; did you mean {', '.join(close)}?" if close else f" (known: {', '.join(sorted(known))})"
                msg = f"unknown chokepoint {c!r}{hint}"
                raise ConstraintError(msg)

    def _check_countries(self, codes: Sequence[str]) -> None:
        for c in codes:
            if len(c) != 3 or not c.isalpha() or not c.isupper():
                msg = f"country {c!r} is not an ISO 3166-1 alpha-3 code like 'IRN' or 'AZE'"
                raise ConstraintError(msg)

    def _mask(self, c: Constraints, fam: Family | None, o: str, d: str) -> np.ndarray:
        eng = self.engine
        mask = np.ones(eng.n_edges, bool)
        is_leg = eng.etype == LEG
        if not c.include_planned:
            mask &= ~is_leg | (eng.status == 0)
        modes = set(c.modes) if c.modes is not None else set(MODE_CODES)
        if fam:
            modes -= set(fam.avoid_modes)
        for m in set(MODE_CODES) - modes:
            mask &= ~(is_leg & (eng.mode == MODE_CODES[m]))
        countries = set(c.avoid_countries) | (set(fam.avoid_countries) if fam else set())
        banned_nodes: set[str] = set(self._node_ids(c.avoid_nodes)) | (set(fam.avoid_nodes) & set(self.G.nodes) if fam else set())
        scope = c.country_scope if c.avoid_countries else "both"
        for code in countries:
            in_country = self._nodes_by_country().get(code, [])
            if scope in ("territory", "both"):
                if code in eng.by_country:
                    mask[eng.by_country[code]] = False
                banned_nodes |= {n for n in in_country if self.G.nodes[n].get("kind") != "port"}
            if scope in ("ports", "both"):
                banned_nodes |= {n for n in in_country if self.G.nodes[n].get("kind") == "port"}
        for end, nid in (("origin", o), ("destination", d)):
            if nid in banned_nodes:
                why = "is in an avoided country" if self.G.nodes[nid].get("country") in countries else "is an avoided node"
                if fam is not None and nid in fam.avoid_nodes:
                    why = f"is excluded by the {fam.id} family"
                msg = f"the {end} {self.G.nodes[nid].get('name', nid)} ({nid}) {why}; no route can avoid it"
                raise ConstraintError(msg)
        chokes = set(c.avoid_chokepoints) | (set(fam.avoid_chokepoints) if fam else set())
        for ch in chokes:
            if ch in eng.by_chokepoint:
                mask[eng.by_chokepoint[ch]] = False
        if banned_nodes:
            idx = np.asarray([eng.node_index[n] for n in banned_nodes], np.int32)
            mask &= ~np.isin(self._src_node, idx) & ~np.isin(self._dst_node, idx)
        if c.avoid_legs:
            unknown = [lg for lg in c.avoid_legs if lg not in eng.leg_id_index]
            if unknown:
                msg = f"unknown leg id {unknown[0]!r} (see `corridors network export` for leg ids)"
                raise ConstraintError(msg)
            ids = np.asarray([eng.leg_id_index[lg] for lg in c.avoid_legs], np.int32)
            mask &= ~np.isin(self._leg_uid, ids)
        return mask

    def _nodes_by_country(self) -> dict[str, list[str]]:
        if self._by_country is None:
            self._by_country = {}
            for n, nd in self.G.nodes(data=True):
                if nd.get("country"):
                    self._by_country.setdefault(str(nd["country"]), []).append(n)
        return self._by_country

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

    # ------------------------------------------------------------------ solving
    def route(
        self,
        origin: str,
        destination: str,
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
        c = constraints or Constraints()
        o, d = self.place(origin), self.place(destination)
        fam = self._family(family)
        r = self._solve(o, d, objective, c, fam)
        if r is None:
            raise NoRouteError(self._explain(o, d, objective, c, fam))
        return r

    def _family(self, family: str | None) -> Family | None:
        if family is None:
            return None
        if family not in self.families:
            msg = f"unknown corridor family {family!r} (use one of {', '.join(self.families)})"
            raise ConstraintError(msg)
        return self.families[family]

    def _validate(self, c: Constraints) -> None:
        self._check_chokepoints(c.avoid_chokepoints)
        self._check_countries(c.avoid_countries)
        if c.country_scope not in COUNTRY_SCOPES:
            msg = f"country scope {c.country_scope!r} must be one of {', '.join(COUNTRY_SCOPES)}"
            raise ConstraintError(msg)
        for m in c.modes or ():
            if m not in MODE_CODES:
                msg = f"unknown mode {m!r} (use {', '.join(MODE_CODES)})"
                raise ConstraintError(msg)
        if c.max_transshipments is not None and c.max_transshipments < 0:
            msg = "max transshipments must be 0 or more"
            raise ConstraintError(msg)

    def _solve(
        self,
        o: Place,
        d: Place,
        objective: str | Mapping[str, float],
        c: Constraints,
        fam: Family | None,
        penalty: np.ndarray | None = None,
    ) -> Route | None:
        self._validate(c)
        eng = self.engine
        if o.id == d.id:
            msg = f"origin and destination are the same place ({o.name})"
            raise ConstraintError(msg)
        mask = self._mask(c, fam, o.id, d.id)
        weight, wkey = self._weights(objective, c)
        if penalty is not None:
            weight = weight * penalty
            wkey = None
        vias = [self._group_mask({"nodes": (n,)}) for n in self._node_ids(c.via)]
        if fam:
            vias = [self._group_mask(g) for g in fam.via_any] + vias
        sources = eng.out_states.get(o.id, [])
        targets = eng.in_states.get(d.id, [])
        # the seasonal mask depends on when the cargo reaches each leg, so on the origin too
        base_key = (c, fam.id if fam else None, o.id if c.depart is not None else None)
        lb = None if penalty is not None else self._lower_bound(o.id, d.id, objective)
        banned_legs: set[int] = set()
        if c.depart is not None:
            mask = mask & self._season_mask(c, sources, mask, fam)
        for _ in range(30):
            key = (base_key, wkey, tuple(sorted(banned_legs))) if wkey is not None else None
            m = mask
            if banned_legs:
                m = mask & ~np.isin(self._leg_uid, np.asarray(sorted(banned_legs), np.int32))
            sol = solve(eng, sources, targets, weight, m, vias, c.max_transshipments, cache_key=key, lower_bound=lb)
            if sol is None:
                return None
            route = self._build(o, d, sol, objective, fam, c)
            if c.depart is None:
                return route
            late = self._closed_legs(route, c.depart)
            if not late:
                return route
            banned_legs |= {eng.leg_id_index[x] for x in late}
        return None

    def _exposure_weights(self, c: Constraints) -> dict[str, float]:
        base = {z: self.params.default_chokepoint_weight * float(getattr(zo, "weight", 1.0)) for z, zo in self.G.graph.get("chokepoints", {}).items()}
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
        """Remove seasonal legs closed in the month the cargo reaches them at the earliest."""
        eng = self.engine
        if c.depart is None:
            return np.ones(eng.n_edges, bool)
        seasonal = np.flatnonzero(eng.months != ALL_MONTHS)
        ok = np.ones(eng.n_edges, bool)
        if len(seasonal) == 0:
            return ok
        # keyed by everything that shapes ``mask``: the constraints and the family's rules
        earliest = distances_from(eng, sources, eng.metrics["time_h"], mask, cache_key=("t0", replace(c, depart=None), fam.id if fam else None, tuple(sources)))
        start = dt.datetime.combine(c.depart, dt.time())
        for e in seasonal:
            t = earliest[eng.src[e]]
            if not np.isfinite(t):
                continue
            month = (start + dt.timedelta(hours=float(t))).month
            if not (int(eng.months[e]) >> (month - 1)) & 1:
                ok[e] = False
        return ok

    def _closed_legs(self, route: Route, depart: dt.date) -> list[str]:
        start = dt.datetime.combine(depart, dt.time())
        out = []
        for m in route.moves:
            if m.months:
                month = (start + dt.timedelta(hours=m.start_h)).month
                if month not in m.months:
                    out.extend(m.leg_ids)
        return out

    def _build(self, o: Place, d: Place, sol: Solution, objective: str | Mapping[str, float], fam: Family | None, c: Constraints) -> Route:
        eng = self.engine
        G = self.G
        steps: list[Any] = []
        t = 0.0
        first = self._origin_stop(o.id, sol)
        if first is not None:
            steps.append(first)
            t = first.dwell_h
        for e in sol.edges:
            et = int(eng.etype[e])
            if et == LEG:
                u, v, k = eng.edge_refs[int(eng.leg[e])]
                dd = G.edges[u, v, k]
                coords = tuple(edge_coords(dd))
                mv = Move(
                    leg_ids=(k,),
                    from_id=u,
                    to_id=v,
                    from_name=str(G.nodes[u].get("name", u)),
                    to_name=str(G.nodes[v].get("name", v)),
                    mode=str(dd["mode"]),
                    status=str(dd["status"]),
                    gauge_mm=dd.get("gauge_mm"),
                    length_km=float(eng.metrics["length_km"][e]),
                    moving_h=float(eng.moving_h[e]),
                    wait_h=float(eng.wait_h[e]),
                    cost_usd=float(eng.metrics["cost_usd"][e]),
                    co2_kg=float(eng.metrics["co2_kg"][e]),
                    exposure=float(eng.metrics["exposure"][e]),
                    countries=tuple(dd.get("countries") or ()),
                    chokepoints=tuple(dd.get("chokepoints") or ()),
                    months=dd.get("months"),
                    source=str(dd.get("source", "")),
                    coords=coords,
                    start_h=t,
                )
                prev = steps[-1] if steps else None
                if isinstance(prev, list) and mv.mode == "sea" and str(u).startswith("sea:"):
                    prev.append(mv)
                elif mv.mode == "sea":
                    steps.append([mv])  # a voyage: consecutive sea legs through sea-lane junctions
                else:
                    steps.append(mv)
                t += mv.moving_h + mv.wait_h
            else:
                dwell = float(eng.metrics["time_h"][e])
                if dwell <= 0 and et == THROUGH:
                    continue
                ni = int(eng.state_node[eng.src[e]])
                n = eng.nodes[ni]
                nd = G.nodes[n]
                _, border, _ = _dwell(nd, self.params)
                a, b = eng.state_mode[eng.src[e]], eng.state_mode[eng.dst[e]]
                kinds = []
                if border > 0:
                    kinds.append("border")
                if et == TRANSFER:
                    kinds.append("transshipment" if a == b else "transfer")
                elif et == GAUGE:
                    kinds.append("gauge_change")
                steps.append(
                    Stop(
                        node_id=n,
                        name=str(nd.get("name", n)),
                        country=nd.get("country"),
                        kind="+".join(kinds) or "dwell",
                        from_mode=a,
                        to_mode=b,
                        dwell_h=dwell,
                        cost_usd=float(eng.metrics["cost_usd"][e]),
                        co2_kg=float(eng.metrics["co2_kg"][e]),
                        start_h=t,
                    )
                )
                t += dwell
        weights = self._exposure_weights(c)
        steps = [_merge(s, weights) if isinstance(s, list) else s for s in steps]
        obj = objective if isinstance(objective, str) else ",".join(f"{k}={v:g}" for k, v in objective.items())
        node_ids = {s.from_id for s in steps if isinstance(s, Move)} | {s.to_id for s in steps if isinstance(s, Move)}
        return Route(
            origin=o.id,
            destination=d.id,
            origin_name=o.name,
            destination_name=d.name,
            objective=obj,
            steps=tuple(steps),
            family=fam.id if fam else None,
            label=fam.name if fam else obj,
            departure=c.depart.isoformat() if c.depart else None,
            node_kinds={n: str(G.nodes[n].get("kind")) for n in node_ids},
            node_countries={n: G.nodes[n].get("country") for n in node_ids},
        )

    def _origin_stop(self, nid: str, sol: Solution) -> Stop | None:
        """Handling at the origin: the node's transfer dwell (loading, waiting for the first train or
        vessel). Not counted at the destination: a route ends on arrival. Constant per origin, so it
        does not change which route is best."""
        nd = self.G.nodes[nid]
        transfer, _, _ = _dwell(nd, self.params)
        if not transfer:
            return None
        eng = self.engine
        first_mode = next((eng.state_mode[eng.src[e]] for e in sol.edges if eng.etype[e] == LEG), "")
        hk = "port_transfer" if nd.get("kind") == "port" else "rail_terminal_transfer"
        return Stop(
            node_id=nid,
            name=str(nd.get("name", nid)),
            country=nd.get("country"),
            kind="origin_handling",
            from_mode="",
            to_mode=first_mode,
            dwell_h=float(transfer),
            cost_usd=float(self.params.handling_usd_per_teu.get(hk, 0.0)),
            co2_kg=float(self.params.co2_kg_per_teu_handled),
            start_h=0.0,
        )

    # ------------------------------------------------------------------ explanations
    def _relaxations(self, c: Constraints, fam: Family | None) -> list[tuple[str, Constraints, Family | None]]:
        out: list[tuple[str, Constraints, Family | None]] = []
        if c.depart is not None:
            out.append(("without the departure date", replace(c, depart=None), fam))
        if c.avoid_countries:
            for code in c.avoid_countries:
                rest = tuple(x for x in c.avoid_countries if x != code)
                out.append((f"allowing {code}", replace(c, avoid_countries=rest), fam))
        if c.avoid_chokepoints:
            for ch in c.avoid_chokepoints:
                rest = tuple(x for x in c.avoid_chokepoints if x != ch)
                out.append((f"allowing {ch}", replace(c, avoid_chokepoints=rest), fam))
        if c.avoid_nodes:
            out.append(("without the avoided places", replace(c, avoid_nodes=()), fam))
        if c.avoid_legs:
            out.append(("without the avoided legs", replace(c, avoid_legs=()), fam))
        if c.modes is not None:
            out.append(("allowing every mode", replace(c, modes=None), fam))
        if not c.include_planned:
            out.append(("including planned and under-construction links", replace(c, include_planned=True), fam))
        if c.via:
            out.append(("without the via points", replace(c, via=()), fam))
        if c.max_transshipments is not None:
            out.append(("without the transshipment limit", replace(c, max_transshipments=None), fam))
        if fam is not None:
            out.append((f"outside the {fam.name} family", c, None))
        return out

    def _explain(self, o: Place, d: Place, objective: str | Mapping[str, float], c: Constraints, fam: Family | None) -> str:
        rules = c.describe()
        if fam:
            rules.insert(0, f"stays in the {fam.name} family")
        head = f"no route from {o.name} to {d.name} that {', '.join(rules) if rules else 'exists'}"
        opens = []
        for label, c2, f2 in self._relaxations(c, fam):
            try:
                r = self._solve(o, d, objective, c2, f2)
            except ConstraintError:
                continue
            if r is not None:
                opens.append(f"{label} there is one ({r.time_days:.1f} days{', via ' + r.via if r.via else ''})")
        if opens:
            return f"{head}; " + "; ".join(opens[:3])
        return f"{head}; no single relaxation opens one (check that both places are connected: `corridors network info`)"

    # ------------------------------------------------------------------ many routes
    def compare(
        self,
        origin: str,
        destination: str,
        constraints: Constraints | None = None,
        objective: str | Mapping[str, float] = "time",
        families: Sequence[str] | None = None,
    ) -> CompareResult:
        """The best route of each corridor family (plus the overall best), sorted by ``objective``."""
        c = constraints or Constraints()
        o, d = self.place(origin), self.place(destination)
        self._validate(c)
        routes: list[Route] = []
        unavailable: dict[str, str] = {}
        for fid in families or list(self.families):
            fam = self._family(fid)
            try:
                r = self._solve(o, d, objective, c, fam)
            except ConstraintError as exc:
                unavailable[fid] = str(exc)
                continue
            if r is None:
                unavailable[fid] = self._explain(o, d, objective, c, fam)
            else:
                routes.append(r)
        key = OBJECTIVES.get(objective, "time_h") if isinstance(objective, str) else "time_h"
        routes.sort(key=lambda r: getattr(r, key))
        return CompareResult(o, d, routes, unavailable, c)

    def alternatives(
        self,
        origin: str,
        destination: str,
        k: int = 3,
        objective: str | Mapping[str, float] = "time",
        constraints: Constraints | None = None,
        max_overlap: float = 0.6,
    ) -> list[Route]:
        """Up to ``k`` routes that differ: each shares at most ``max_overlap`` of its length with any
        earlier one. Found by penalising the legs of the routes found so far (the penalty only steers
        the search; the reported figures are the real ones)."""
        c = constraints or Constraints()
        o, d = self.place(origin), self.place(destination)
        best = self._solve(o, d, objective, c, None)
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
            r = self._solve(o, d, objective, c, None, penalty=penalty)
            if r is None:
                break
            if all(_overlap(r, f) <= max_overlap for f in found):
                found.append(replace(r, label=f"alternative {len(found) + 1}"))
        found[0] = replace(found[0], label="best")
        return found

    def pareto(
        self,
        origin: str,
        destination: str,
        constraints: Constraints | None = None,
        metrics: Sequence[str] = ("time_h", "cost_usd", "exposure"),
        steps: int = 4,
    ) -> list[Route]:
        """Routes not dominated in ``metrics`` among candidates from a weighted-sum sweep of time,
        cost and exposure, the best of each family, and the best per single objective."""
        c = constraints or Constraints()
        o, d = self.place(origin), self.place(destination)
        cands: list[Route] = []
        grid = [i / steps for i in range(steps + 1)]
        for wt, wc in itertools.product(grid, grid):
            we = 1.0 - wt - wc
            if we < -1e-9:
                continue
            blend = {k: v for k, v in (("time", wt), ("cost", wc), ("exposure", max(we, 0.0))) if v > 0}
            r = self._solve(o, d, blend, c, None)
            if r is not None:
                cands.append(replace(r, label="blend " + ",".join(f"{k}={v:.2f}" for k, v in blend.items())))
        for fid in self.families:
            try:
                r = self._solve(o, d, "time", c, self.families[fid])
            except ConstraintError:
                continue
            if r is not None:
                cands.append(r)
        if not cands:
            raise NoRouteError(self._explain(o, d, "time", c, None))
        return pareto_front(cands, metrics)

    def distance_matrix(self, places: Sequence[str], objective: str = "distance", constraints: Constraints | None = None) -> Any:
        """Objective totals between every pair of ``places`` (a pandas DataFrame; NaN where no route)."""
        import pandas as pd

        c = constraints or Constraints()
        ps = [self.place(p) for p in places]
        eng = self.engine
        weight, _ = self._weights(objective, c)
        mask = self._mask(c, None, ps[0].id, ps[-1].id) if len(ps) > 1 else np.ones(eng.n_edges, bool)
        out = np.full((len(ps), len(ps)), np.nan)
        for i, a in enumerate(ps):
            dist = distances_from(eng, eng.out_states[a.id], weight, mask, cache_key=("matrix", objective, c))
            for j, b in enumerate(ps):
                if i != j:
                    v = min(dist[s] for s in eng.in_states[b.id])
                    out[i, j] = v if np.isfinite(v) else np.nan
        names = [p.name for p in ps]
        return pd.DataFrame(out, index=names, columns=names)


def _merge(parts: list[Move], weights: Mapping[str, float]) -> Move:
    """One move for a voyage made of consecutive sea legs. Its exposure is the weight of each
    distinct chokepoint it passes (a lane that steps out of a strait's outline and back in is still
    one passage), which the per-edge objective approximates by counting entries."""
    if len(parts) == 1:
        return parts[0]
    a, b = parts[0], parts[-1]
    months: tuple[int, ...] | None = None
    for m in parts:
        months = _and_months(months, m.months)
    sources = list(dict.fromkeys(m.source for m in parts))
    return replace(
        a,
        leg_ids=tuple(i for m in parts for i in m.leg_ids),
        to_id=b.to_id,
        to_name=b.to_name,
        length_km=sum(m.length_km for m in parts),
        moving_h=sum(m.moving_h for m in parts),
        wait_h=sum(m.wait_h for m in parts),
        cost_usd=sum(m.cost_usd for m in parts),
        co2_kg=sum(m.co2_kg for m in parts),
        exposure=sum(weights.get(c, 1.0) for c in dict.fromkeys(c for m in parts for c in m.chokepoints)),
        countries=tuple(dict.fromkeys(c for m in parts for c in m.countries)),
        chokepoints=tuple(dict.fromkeys(c for m in parts for c in m.chokepoints)),
        months=months,
        source="; ".join(sources),
        coords=a.coords + tuple(c for m in parts[1:] for c in m.coords[1:]),
        status=next((m.status for m in parts if m.status != "operational"), "operational"),
    )


def _and_months(a: tuple[int, ...] | None, b: tuple[int, ...] | None) -> tuple[int, ...] | None:
    if not a:
        return b
    if not b:
        return a
    return tuple(sorted(set(a) & set(b)))


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
