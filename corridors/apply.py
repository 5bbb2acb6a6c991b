"""A scenario bound to a network: every id checked, a copy of the graph edited (legs opened, dwell,
speed, frequency or months changed), the parameters changed, and the scenario's rules merged into
:class:`~corridors.routing.Constraints`.

:func:`apply_scenario` is a short pipeline: check the ids (:func:`_check_ids`), change the parameters
(:func:`_apply_parameters`), edit a copy of the graph (:func:`_edited_router`), merge the constraints
(:func:`_merged_constraints`). The router passed in is never modified.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ._tomlpos import Issue, hint, scenario_error
from .engine import dwell
from .errors import UnknownPlaceError
from .graphstate import copy_graph, count_edges
from .params import Parameters
from .routing import Constraints, Router
from .scenario import SCALAR_PARAMETERS, TABLE_FIELDS, Change, Scenario

if TYPE_CHECKING:
    import networkx as nx


__all__ = ["AppliedScenario", "apply_scenario", "leg_index"]


@dataclass
class AppliedScenario:
    """A scenario bound to a network: the router to use, its constraints, and what changed."""

    scenario: Scenario
    router: Router
    constraints: Constraints
    opened_legs: tuple[tuple[str, str], ...] = ()  # (leg id, status before)
    changes: tuple[str, ...] = ()  # "border:sarakhs dwell_border_h 30 -> 90"
    closed_nodes: tuple[str, ...] = ()  # node ids of close.ports and close.nodes
    forbidden_port_nodes: tuple[str, ...] = ()  # ports of forbid.ports countries, when not in constraints


def leg_index(G: nx.MultiDiGraph) -> dict[str, list[tuple[str, str]]]:
    """Leg id -> its (from, to) node pairs (each direction), kept in ``G.graph`` until edges change."""
    idx = G.graph.get("_leg_index")
    n = count_edges(G)  # networkx's number_of_edges walks a degree view: 25 ms, once per scenario and check
    if idx is None or idx[0] != n:
        out: dict[str, list[tuple[str, str]]] = {}
        for u, v, k in G.edges(keys=True):
            out.setdefault(k, []).append((u, v))
        idx = (n, out)
        G.graph["_leg_index"] = idx
    return idx[1]  # type: ignore[no-any-return]


def _resolve_node(G: nx.MultiDiGraph, q: str) -> str | None:
    from .places import resolve

    try:
        return resolve(G, q).id
    except UnknownPlaceError:
        return None


def _node_hint(G: nx.MultiDiGraph, q: str) -> str:
    from .places import named_nodes, suggestions

    ids = named_nodes(G)
    close = difflib.get_close_matches(q, ids, n=3, cutoff=0.6)
    if not close:
        names = suggestions(G, q)
        close = [x for n in names for x in [_resolve_node(G, n)] if x]
    if not close:
        tail = q.split(":", 1)[-1]
        close = [n for n in ids if tail and tail.lower() in n.lower()][:3]
    close = list(dict.fromkeys(close))
    return f"; did you mean {', '.join(repr(c) for c in close)}?" if close else " (list places with `corridors places QUERY`)"


def _apply_parameters(s: Scenario, params: Parameters, issues: list[Issue]) -> Parameters:
    if not s.parameter_changes:
        return params
    tables: dict[str, dict[str, Any]] = {t: dict(getattr(params, t)) for t in TABLE_FIELDS}
    scalars = {f: getattr(params, f) for f in SCALAR_PARAMETERS.values()}
    for table, key, ch in s.parameter_changes:
        path = ("parameters", table, key)
        try:
            if (table, key) in SCALAR_PARAMETERS:
                f = SCALAR_PARAMETERS[(table, key)]
                scalars[f] = float(ch.apply(scalars[f]))
            else:
                cur = tables[table].get(key)
                if cur is None and ch.op != "set" and table == "rail_speed_kmh_by_country":
                    cur = params.speed_kmh.get("rail")
                tables[table][key] = float(ch.apply(cur))
        except ValueError as exc:
            issues.append(Issue(path, str(exc)))
            continue
        new = tables[table].get(key) if (table, key) not in SCALAR_PARAMETERS else scalars[SCALAR_PARAMETERS[(table, key)]]
        if new is not None and new < 0:
            issues.append(Issue(path, f"gives a negative value ({new:g})"))
        if table in ("speed_kmh", "rail_speed_kmh_by_country") and new == 0:
            issues.append(Issue(path, "gives a speed of 0"))
    sources = dict(params.sources)
    for table, key, ch in s.parameter_changes:
        sources[f"{table}.{key}"] = f"scenario {s.id}: {ch.describe()}" + (f" ({ch.source})" if ch.source else "")
    fields: dict[str, Any] = {
        **tables,
        **scalars,
        "sources": sources,
        "files": (*params.files, s.file),
    }
    if "dwell_h" in tables:  # a changed P50 moves its distribution with it (as a calibration does)
        dq = dict(params.dwell_q)
        for key, new in tables["dwell_h"].items():
            old = params.dwell_q.get(key)
            if old is not None and new is not None and new != old[1]:
                dq[key] = (max(0.0, old[0] + new - old[1]), float(new), max(float(new), old[2] + new - old[1]))
        fields["dwell_q"] = dq
    return replace(params, **fields)


def _current_speed(G: nx.MultiDiGraph, u: str, v: str, d: Mapping[str, Any], params: Parameters) -> float:
    if d.get("speed_kmh"):
        return float(d["speed_kmh"])
    if d.get("mode") == "rail":
        countries = tuple(d.get("countries") or ()) or tuple(c for c in (G.nodes[u].get("country"), G.nodes[v].get("country")) if c)
        return params.rail_speed(countries)
    return float(params.speed_kmh[str(d.get("mode"))])


def apply_scenario(scenario: Scenario, router: Router, constraints: Constraints | None = None) -> AppliedScenario:
    """Bind ``scenario`` to ``router``'s network: check every id, and return the router to use (the
    same one when the scenario changes neither the network nor the parameters, else a new one over a
    copy of the graph), with the scenario's constraints merged over ``constraints``.

    ``router`` and its graph are never modified.

    Raises
    ------
    ScenarioError
        For an unknown chokepoint, port, node or leg (with close matches), or a change that cannot be
        made; naming the file, the line and the key.
    """
    s = scenario
    closed_nodes = _check_ids(s, router.G)
    issues: list[Issue] = []
    params = _apply_parameters(s, router.params, issues)
    if issues:
        raise scenario_error(s.file, s.text, issues)
    out_router, opened, changes = _edited_router(s, router, params)
    cons, port_nodes = _merged_constraints(s, constraints or Constraints(), closed_nodes, out_router.G)
    return AppliedScenario(
        s,
        out_router,
        cons,
        tuple(opened),
        tuple(changes),
        tuple(dict.fromkeys(closed_nodes)),
        tuple(port_nodes),
    )


# ---------------------------------------------------------------------------------------------- ids
def _check_ids(s: Scenario, G: nx.MultiDiGraph) -> list[str]:
    """Every id the scenario names, checked against ``G``; the node ids of its closed ports and nodes.

    Raises one ScenarioError for every unknown or misplaced id."""
    issues: list[Issue] = []
    legs = leg_index(G)
    leg_ids = [k for k in legs if not str(k).startswith("sea:")]
    _check_chokepoints(s, G.graph.get("chokepoints", {}), issues)
    closed_nodes = _closed_nodes(s, G, issues)
    _check_legs(s, legs, leg_ids, issues)
    _check_changed(s, G, legs, leg_ids, issues)
    if issues:
        raise scenario_error(s.file, s.text, issues)
    return closed_nodes


def _check_chokepoints(s: Scenario, zones: Mapping[str, Any], issues: list[Issue]) -> None:
    for cp in s.close_chokepoints:
        if cp not in zones:
            issues.append(
                Issue(
                    ("close", "chokepoints"),
                    f"unknown chokepoint {cp!r}{hint(cp, zones)} (`corridors chokepoints` lists them)",
                    cp,
                )
            )
        elif not getattr(zones[cp], "is_chokepoint", True):
            issues.append(
                Issue(
                    ("close", "chokepoints"),
                    f"{cp!r} is a seasonal zone, not a chokepoint: set [scenario] depart to apply its months, or close its legs",
                    cp,
                )
            )
    for cp, _ in s.chokepoint_weights:
        if cp not in zones:
            issues.append(Issue(("chokepoint_weights", cp), f"unknown chokepoint{hint(cp, zones)}"))


def _closed_nodes(s: Scenario, G: nx.MultiDiGraph, issues: list[Issue]) -> list[str]:
    """Node ids of ``close.ports`` and ``close.nodes``, in the order written."""
    closed_nodes: list[str] = []
    for key, queries in (("ports", s.close_ports), ("nodes", s.close_nodes)):
        for q in queries:
            nid = _resolve_node(G, q)
            if nid is None:
                issues.append(Issue(("close", key), f"unknown {key[:-1]} {q!r}{_node_hint(G, q)}", q))
            elif key == "ports" and G.nodes[nid].get("kind") != "port":
                issues.append(
                    Issue(
                        ("close", key),
                        f"{q!r} is {nid}, a {G.nodes[nid].get('kind')}, not a port (list it under close.nodes)",
                        q,
                    )
                )
            else:
                closed_nodes.append(nid)
    return closed_nodes


def _check_legs(s: Scenario, legs: Mapping[str, Any], leg_ids: list[str], issues: list[Issue]) -> None:
    """The leg ids of ``close.legs`` and ``open.planned``."""
    for key, ids in (("legs", s.close_legs), ("planned", s.open_legs)):
        for lg in ids:
            if lg not in legs:
                path = ("close", "legs") if key == "legs" else ("open", "planned")
                issues.append(
                    Issue(
                        path,
                        f"unknown leg id {lg!r}{hint(lg, leg_ids)} (`corridors network export` lists leg ids)",
                        lg,
                    )
                )


def _check_changed(s: Scenario, G: nx.MultiDiGraph, legs: Mapping[str, Any], leg_ids: list[str], issues: list[Issue]) -> None:
    """The node ids of ``[nodes.*]`` and the leg ids of ``[legs.*]``."""
    for n, _, _ in s.node_changes:
        if n not in G or str(n).startswith("sea:"):
            issues.append(
                Issue(
                    ("nodes", n),
                    f'unknown node id{_node_hint(G, n)} (nodes are changed by id, e.g. [nodes."border:sarakhs"])',
                )
            )
    for lg, _, _ in s.leg_changes:
        if lg not in legs:
            issues.append(
                Issue(
                    ("legs", lg),
                    f"unknown leg id{hint(lg, leg_ids)} (`corridors network export` lists leg ids)",
                )
            )


# ---------------------------------------------------------------------------------------------- the graph copy
def _edited_router(s: Scenario, router: Router, params: Parameters) -> tuple[Router, list[tuple[str, str]], list[str]]:
    """(router to use, legs opened with their status before, changes made): ``router`` itself when the
    scenario changes neither the network nor the parameters, else a new Router over ``params`` and (when
    nodes or legs change) a copy of the graph."""
    G = router.G
    opened: list[tuple[str, str]] = []
    changes: list[str] = []
    if not (s.changes_network or params is not router.params):
        return router, opened, changes
    issues: list[Issue] = []
    legs = leg_index(G)
    H = copy_graph(G) if s.changes_network else G
    if H is not G:
        # a changed network is not the one the cache key names: never serve its cached engine
        H.graph.pop("cache_key", None)
    _open_legs(s, H, legs, opened, changes)
    _change_nodes(s, H, params, changes, issues)
    _change_legs(s, H, legs, params, changes, issues)
    if issues:
        raise scenario_error(s.file, s.text, issues)
    out_router = Router(H, params, families=router.families)
    for t, k, ch in s.parameter_changes:
        changes.append(f"parameters {t}.{k} {ch.describe()}")
    return out_router, opened, changes


def _open_legs(
    s: Scenario, H: nx.MultiDiGraph, legs: Mapping[str, list[tuple[str, str]]], opened: list[tuple[str, str]], changes: list[str]
) -> None:
    """Planned and under-construction legs taken as built (every one with ``planned = "all"``)."""
    if s.open_all:
        to_open = sorted({k for u, v, k, d in H.edges(keys=True, data=True) if d.get("status") != "operational"})
    else:
        to_open = list(s.open_legs)
    for lg in to_open:
        before = None
        for u, v in legs[lg]:
            d = H.edges[u, v, lg]
            before = d.get("status")
            if before != "operational":
                d["status"] = "operational"
                d["status_before"] = before
        if before and before != "operational":
            opened.append((lg, str(before)))
            changes.append(f"{lg}: {before} -> operational")


def _change_nodes(s: Scenario, H: nx.MultiDiGraph, params: Parameters, changes: list[str], issues: list[Issue]) -> None:
    """The dwell changes of ``[nodes.*]``, from the dwell each node has today."""
    for n, attr, ch in s.node_changes:
        nd = H.nodes[n]
        transfer, border, gauge = dwell(nd, params)
        cur = {"dwell_transfer_h": transfer, "dwell_border_h": border, "dwell_gauge_h": gauge}[attr]
        try:
            new = ch.apply(cur)
        except ValueError as exc:
            issues.append(Issue(("nodes", n, attr), f"{n} {exc}"))
            continue
        nd[attr] = float(new)
        changes.append(f"{n} {attr}: {_fmt(cur)} -> {_fmt(new)} h")


def _change_legs(
    s: Scenario,
    H: nx.MultiDiGraph,
    legs: Mapping[str, list[tuple[str, str]]],
    params: Parameters,
    changes: list[str],
    issues: list[Issue],
) -> None:
    """The changes of ``[legs.*]``, on every direction of each leg (the first one named in ``changes``)."""
    for lg, attr, ch in s.leg_changes:
        for i, (u, v) in enumerate(legs[lg]):
            d = H.edges[u, v, lg]
            if attr == "months":
                cur = d.get("months")
                new = ch.value
            else:
                cur = _current_speed(H, u, v, d, params) if attr == "speed_kmh" else d.get(attr)
                new = _changed_number(lg, attr, ch, cur, issues)
                if new is None:
                    break
            d[attr] = new
            if i == 0:
                changes.append(f"{lg} {attr}: {_fmt(cur)} -> {_fmt(new)}")


def _changed_number(lg: str, attr: str, ch: Change, cur: Any, issues: list[Issue]) -> Any:
    """The new speed or frequency of leg ``lg``, or None (with the issue noted) when it cannot be made."""
    try:
        new = ch.apply(cur)
    except ValueError as exc:
        issues.append(Issue(("legs", lg, attr), f"leg {lg} {exc}"))
        return None
    if new <= 0:
        if attr == "speed_kmh":
            issues.append(Issue(("legs", lg, attr), f"gives {new:g} km/h; it must stay above 0 (close the leg instead)"))
        else:
            issues.append(
                Issue(
                    ("legs", lg, attr),
                    f"gives {new:g}; it must stay above 0 (close the leg instead)",
                )
            )
        return None
    return new


# ---------------------------------------------------------------------------------------------- constraints
def _merged_constraints(s: Scenario, base: Constraints, closed_nodes: list[str], G: nx.MultiDiGraph) -> tuple[Constraints, list[str]]:
    """(the scenario's rules merged over ``base``, the port nodes its port bans add to ``avoid_nodes``)."""
    pairs: dict[str, set[str]] = {}
    if base.avoid_countries:
        for c in base.avoid_countries:
            pairs.setdefault(c, set()).update({"territory", "ports"} if base.country_scope == "both" else {base.country_scope})
    for c in s.forbid_territory:
        pairs.setdefault(c, set()).add("territory")
    for c in s.forbid_ports:
        pairs.setdefault(c, set()).add("ports")
    avoid_countries, scope, port_nodes = _country_rules(pairs, G)
    weights = dict(base.chokepoint_weights)
    weights.update(dict(s.chokepoint_weights))
    cons = replace(
        base,
        avoid_countries=avoid_countries,
        country_scope=scope,
        avoid_chokepoints=tuple(dict.fromkeys((*base.avoid_chokepoints, *s.close_chokepoints))),
        avoid_nodes=tuple(dict.fromkeys((*base.avoid_nodes, *closed_nodes, *port_nodes))),
        avoid_legs=tuple(dict.fromkeys((*base.avoid_legs, *s.close_legs))),
        depart=s.depart or base.depart,
        chokepoint_weights=tuple(weights.items()),
    )
    return cons, port_nodes


def _fmt(v: Any) -> str:
    if v is None:
        return "none"
    if isinstance(v, tuple | list):
        return ",".join(map(str, v))
    return f"{v:g}" if isinstance(v, float | int) else str(v)


def _country_rules(pairs: Mapping[str, set[str]], G: nx.MultiDiGraph) -> tuple[tuple[str, ...], str, list[str]]:
    """Map (country, {territory, ports}) rules onto Constraints, which has one scope for all its
    countries: a single scope goes to ``avoid_countries``; with mixed scopes the territory rules go
    there (scope "territory") and the port rules become the country's ports in ``avoid_nodes``."""
    if not pairs:
        return (), "both", []
    scopes = {frozenset(v) for v in pairs.values()}
    if len(scopes) == 1:
        only = next(iter(scopes))
        scope = "both" if len(only) == 2 else next(iter(only))
        return tuple(pairs), scope, []
    terr = tuple(c for c, v in pairs.items() if "territory" in v)
    port_countries = {c for c, v in pairs.items() if "ports" in v}
    ports = sorted(n for n, d in G.nodes(data=True) if d.get("kind") == "port" and d.get("country") in port_countries)
    return terr, "territory", ports
