"""Compliance checks: which rule of a scenario a given route breaks, leg by leg, judged on the
scenario's network with the same predicates as the solver's mask (:mod:`corridors.constraints`).
A route comes from a route file (:func:`load_route_file`), a list of places (:func:`check_places`) or a
:class:`~corridors.model.Route`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ._tomlpos import hint
from .apply import AppliedScenario, leg_index
from .constraints import leg_breaks, node_breaks, season_closed
from .errors import ConstraintError, DataFileError, NoRouteError
from .model import Route
from .routing import Constraints, Router

__all__ = ["RouteSpec", "Violation", "check_places", "check_route", "load_route_file", "route_through"]


@dataclass(frozen=True)
class RouteSpec:
    """A route to check: its moves as (leg ids, from node, to node, hours after departure or None)."""

    label: str
    moves: tuple[tuple[tuple[str, ...], str, str, float | None], ...]
    origin: str | None = None

    @classmethod
    def from_route(cls, r: Route, label: str | None = None) -> RouteSpec:
        return cls(
            label or r.label or r.objective,
            tuple((m.leg_ids, m.from_id, m.to_id, m.start_h) for m in r.moves),
            r.origin,
        )


@dataclass(frozen=True)
class Violation:
    """One rule of a scenario that a route breaks, on one leg."""

    route: str
    step: int  # 1-based position of the move in the route
    leg_id: str
    from_id: str
    to_id: str
    from_name: str
    to_name: str
    rule: str  # territory | ports | chokepoint | closed_port | closed_node | closed_leg | season | not_operational
    subject: str  # the country, chokepoint, node or leg concerned
    message: str

    def __str__(self) -> str:
        return f"{self.leg_id} ({self.from_name} → {self.to_name}): {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "route": self.route,
            "step": self.step,
            "leg": self.leg_id,
            "from": self.from_id,
            "to": self.to_id,
            "from_name": self.from_name,
            "to_name": self.to_name,
            "rule": self.rule,
            "subject": self.subject,
            "message": self.message,
        }


def load_route_file(path: str | Path) -> list[RouteSpec]:
    """Routes from a file written by ``corridors route|compare --format json`` (a top-level "routes"
    list whose "steps" of type "leg" hold "legs") or ``--format geojson`` (features with "legs",
    "route" and "seq")."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{p}: cannot read the route file ({exc})"
        raise DataFileError(msg) from exc
    except json.JSONDecodeError as exc:
        msg = f"{p}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        raise DataFileError(msg) from exc
    out: list[RouteSpec] = []
    if isinstance(doc, dict) and isinstance(doc.get("routes"), list):
        for i, r in enumerate(doc["routes"]):
            if not isinstance(r, dict) or not isinstance(r.get("steps"), list):
                msg = f'{p}: routes[{i}] has no "steps" list (write it with `corridors route --format json`)'
                raise DataFileError(msg)
            moves = []
            for j, st in enumerate(r["steps"]):
                if not isinstance(st, dict) or st.get("type") != "leg":
                    continue
                legs = st.get("legs")
                if not isinstance(legs, list) or not legs or not all(isinstance(x, str) for x in legs):
                    msg = f'{p}: routes[{i}].steps[{j}] has no "legs" list of leg ids'
                    raise DataFileError(msg)
                moves.append(
                    (
                        tuple(legs),
                        str(st.get("from", "")),
                        str(st.get("to", "")),
                        _float(st.get("start_h")),
                    )
                )
            label = str(r.get("label") or r.get("family") or f"route {i + 1}")
            out.append(RouteSpec(label, tuple(moves), r.get("origin_id")))
    elif isinstance(doc, dict) and doc.get("type") == "FeatureCollection" and isinstance(doc.get("features"), list):
        groups: dict[Any, list[tuple[int, dict[str, Any]]]] = {}
        for i, f in enumerate(doc["features"]):
            props = (f or {}).get("properties") or {}
            legs = props.get("legs")
            if isinstance(legs, str):
                legs = [x for x in legs.split(",") if x]
            if not isinstance(legs, list) or not legs:
                msg = f'{p}: features[{i}] has no "legs" property (write it with `corridors route --format geojson`)'
                raise DataFileError(msg)
            props = {**props, "legs": legs}
            groups.setdefault(props.get("route", 0), []).append((int(props.get("seq", i)), props))
        for key, feats in groups.items():
            feats.sort(key=lambda t: t[0])
            first = feats[0][1]
            moves = [
                (
                    tuple(pr["legs"]),
                    str(pr.get("from", "")),
                    str(pr.get("to", "")),
                    _float(pr.get("start_h")),
                )
                for _, pr in feats
            ]
            out.append(
                RouteSpec(
                    str(first.get("route_label") or f"route {key}"),
                    tuple(moves),
                    first.get("origin"),
                )
            )
    else:
        msg = f'{p}: not a route file: expected JSON with a "routes" list (`corridors route --format json`) or a GeoJSON FeatureCollection (`--format geojson`)'
        raise DataFileError(msg)
    if not out or not any(r.moves for r in out):
        msg = f"{p}: the route file holds no legs"
        raise DataFileError(msg)
    return out


def _float(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def route_through(router: Router, places: Sequence[str], label: str | None = None) -> Route:
    """The fastest route through ``places`` in order (no policy: only the network and its status)."""
    if len(places) < 2:
        msg = "a route needs at least two places, like 'Chelyabinsk,Sarakhs,Bandar Abbas,Mundra'"
        raise ConstraintError(msg)
    r = router.route(places[0], places[-1], constraints=Constraints(via=tuple(places[1:-1])))
    return replace(r, label=label or " – ".join(places))


_CALENDAR = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def check_route(applied: AppliedScenario, route: RouteSpec | Route) -> list[Violation]:
    """Every rule of the scenario that ``route`` breaks, leg by leg, in route order.

    Facts come from the scenario's network (countries crossed, chokepoints, months, status of each
    leg id), not from the route file. Rules: forbidden territory (land legs, canals, non-port nodes)
    and ports, closed chokepoints, ports, nodes and legs, seasonal legs closed when reached (with a
    departure date), and legs not operational unless the scenario opens them.
    """
    spec = route if isinstance(route, RouteSpec) else RouteSpec.from_route(route)
    s = applied.scenario
    G = applied.router.G
    legs = leg_index(G)
    zones: dict[str, Any] = G.graph.get("chokepoints", {})
    terr = set(s.forbid_territory)
    ports = set(s.forbid_ports)
    closed_ch = set(s.close_chokepoints)
    closed_nodes = set(applied.closed_nodes)
    closed_legs = set(s.close_legs)
    closed_port_ids = {n for n in closed_nodes if G.nodes[n].get("kind") == "port"}
    # the scenario's leg rules as constraints, judged by constraints.leg_breaks
    rules = Constraints(
        avoid_countries=tuple(sorted(terr)),
        country_scope="territory",
        avoid_chokepoints=tuple(sorted(closed_ch)),
        avoid_legs=tuple(sorted(closed_legs)),
    )
    node_rules = Constraints(
        country_scopes=tuple(
            (x, "both" if x in terr and x in ports else ("territory" if x in terr else "ports")) for x in sorted(terr | ports)
        ),
    )
    out: list[Violation] = []
    unknown = [lg for mv in spec.moves for lg in mv[0] if lg not in legs]
    if unknown:
        msg = f"route {spec.label!r}: unknown leg id {unknown[0]!r}{hint(unknown[0], [k for k in legs if not k.startswith('sea:')])} (was it written with another network?)"
        raise DataFileError(msg)

    def name(n: str) -> str:
        return str(G.nodes[n].get("name", n)) if n in G else n

    def scope(code: str) -> str:
        return "territory and ports" if code in terr and code in ports else ("territory" if code in terr else "ports")

    current = spec.origin
    seen: set[tuple[str, str, str]] = set()
    for step, (leg_ids, mf, mt, start_h) in enumerate(spec.moves, 1):
        # direction of each underlying leg, chained from the move's start
        node = mf if mf in G else current
        edges: list[tuple[str, str, str]] = []
        for lg in leg_ids:
            cands = legs[lg]
            uv = next(((u, v) for u, v in cands if u == node), cands[0])
            edges.append((lg, *uv))
            node = uv[1]
        first_u, last_v = edges[0][1], edges[-1][2]
        move_from, move_to = (mf if mf in G else first_u), (mt if mt in G else last_v)
        current = move_to

        where = (step, move_from, move_to)

        def add(lg: str, rule: str, subject: str, message: str, where: tuple[int, str, str] = where) -> None:
            key = (lg, rule, subject)
            if key in seen:
                return
            seen.add(key)
            st, a, b = where
            out.append(Violation(spec.label, st, lg, a, b, name(a), name(b), rule, subject, message))

        leg_countries: set[str] = set()
        for lg, u, v in edges:
            d = G.edges[u, v, lg]
            cs = tuple(d.get("countries") or ())
            leg_countries.update(cs)
            chs = tuple(d.get("chokepoints") or ())
            # which rules the leg breaks: the same predicate as the solver's mask (one rule, one place)
            for rule, subject in leg_breaks(rules, lg, d):
                if rule == "territory":
                    c = subject
                    canal = [ch for ch in chs if c in getattr(zones.get(ch), "territory", ())]
                    via = f" (through the {getattr(zones[canal[0]], 'name', canal[0])})" if canal else ""
                    add(lg, "territory", c, f"crosses territory of {c}{via} (forbidden: {scope(c)})")
                elif rule == "chokepoint":
                    ch = subject
                    z = zones.get(ch)
                    states: tuple[str, ...] = tuple(getattr(z, "littoral", None) or ())
                    lit = f"; littoral {', '.join(states)}" if states else ""
                    add(
                        lg,
                        "chokepoint",
                        ch,
                        f"passes {getattr(z, 'name', ch)} ({ch}{lit}) (closed: chokepoint)",
                    )
                elif rule == "closed_leg":
                    add(lg, "closed_leg", lg, "uses a closed leg (closed: leg)")
                elif rule == "not_operational":
                    status = str(d.get("status", "operational"))
                    add(
                        lg,
                        "not_operational",
                        lg,
                        f"is {status.replace('_', ' ')} and the scenario does not open it (not operational)",
                    )
            months = d.get("months")
            if s.depart and months:
                start = dt.datetime.combine(s.depart, dt.time()) + dt.timedelta(hours=start_h or 0.0)
                if season_closed(months, start) is not None:
                    span = ",".join(map(str, months))
                    add(
                        lg,
                        "season",
                        lg,
                        f"is closed in {_CALENDAR[start.month]} when the cargo reaches it (open months {span}; departure {s.depart.isoformat()})",
                    )
        # nodes: both ends of the first move, the arrival node of every move
        nodes = [move_from, move_to] if step == 1 else [move_to]
        nodes += [v for _, _, v in edges[:-1] if not str(v).startswith("sea:")]
        for n in nodes:
            if n not in G:
                continue
            nd = G.nodes[n]
            c = nd.get("country")
            lg = edges[0][0] if n == move_from else edges[-1][0]
            # the same node predicate as the solver's mask
            for rule, _ in node_breaks(node_rules, n, nd):
                if rule == "ports":
                    add(
                        lg,
                        "ports",
                        f"{n}",
                        f"calls at port {name(n)} ({n}) in {c} (forbidden: {scope(c)})",
                    )
                elif rule == "territory" and c not in leg_countries:
                    add(
                        lg,
                        "territory",
                        c,
                        f"passes {name(n)} ({n}) in the territory of {c} (forbidden: {scope(c)})",
                    )
            if n in closed_port_ids:
                add(lg, "closed_port", n, f"calls at closed port {name(n)} ({n}) (closed: port)")
            elif n in closed_nodes:
                add(lg, "closed_node", n, f"passes closed node {name(n)} ({n}) (closed: node)")
    return out


def check_places(applied: AppliedScenario, places: Sequence[str]) -> tuple[Route, list[Violation]]:
    """Join ``places`` by the fastest path on the scenario's network (ignoring the scenario's rules)
    and check that route."""
    try:
        r = route_through(applied.router, places)
    except NoRouteError as exc:
        msg = f"no route through {' – '.join(places)} even without the scenario's rules: {exc}"
        raise NoRouteError(msg) from exc
    return r, check_route(applied, r)
