"""Hard constraints: the :class:`Constraints` value, its validation against a network, the list of
its rules (each with how to drop it), and the predicates that say what a rule forbids.

One rule, one place: the solver's edge mask (:mod:`corridors.routing`), the no-route message and
``explain`` (:mod:`corridors.explain`) and the compliance check of a route all read the rules from
here. A corridor family's own rules (:mod:`corridors.families`) are added to a user's, never replaced
by them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import functools
import re
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from .errors import ConstraintError

if TYPE_CHECKING:
    import networkx as nx


COUNTRY_SCOPES = ("territory", "ports", "both")
MODES_ALL = ("rail", "sea", "ferry", "road")
WATER_MODES = ("sea", "ferry")


@dataclass(frozen=True)
class Constraints:
    """Hard constraints. Everything they forbid is removed from the graph before solving.

    Attributes
    ----------
    avoid_countries
        ISO-3 codes. With ``country_scope`` "territory": no land leg or canal crossing it and no
        non-port node in it; "ports": no port call there; "both" (default): neither.
    country_scope
        The scope of every avoided country without its own entry in ``country_scopes``.
    country_scopes
        (ISO-3 code, scope) pairs: a scope per country ("territory", "ports" or "both").
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
        Places the route must pass, in this order. A border crossing is *crossed* (entered from one
        country and left into the other), not touched.
    max_transshipments
        Maximum number of transshipments: transfers between modes or vessels and changes of rail
        gauge (the container is lifted between wagons), counted as :attr:`Route.transshipments` does.
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
    country_scopes: tuple[tuple[str, str], ...] = ()

    def __hash__(self) -> int:
        """The hash dataclass would give (of the tuple of the fields), computed once per value: a
        query uses its constraint set as a key several times. The kept hash never travels by pickle
        (:meth:`__getstate__`): a string's hash differs from one process to the next."""
        got = self.__dict__.get("_hash")
        if got is None:
            got = self.__dict__["_hash"] = hash(tuple(getattr(self, f.name) for f in fields(self)))
        return got

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_hash", None)
        return state

    def scope_of(self, code: str) -> str | None:
        """The scope in which ``code`` is avoided ("territory", "ports", "both"), or None."""
        own = dict(self.country_scopes)
        if code in own:
            return own[code]
        if code in self.avoid_countries:
            return self.country_scope
        return None

    def avoided_countries(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.avoid_countries, *(c for c, _ in self.country_scopes))))

    def describe(self) -> list[str]:
        out = []
        if self.avoided_countries():
            names = []
            for code in self.avoided_countries():
                scope = self.scope_of(code)
                names.append(code + {"territory": " (territory)", "ports": " (ports)"}.get(str(scope), ""))
            out.append(f"avoids {', '.join(names)}")
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


# ---------------------------------------------------------------------------------------- validation
@functools.lru_cache(maxsize=1)
def world_country_codes() -> frozenset[str]:
    """ISO-3 codes of ``data/countries.geojson`` (read as text: no geometry is parsed)."""
    from .io import bundled_data_dir

    try:
        text = (bundled_data_dir() / "countries.geojson").read_text(encoding="utf-8")
    except OSError:
        return frozenset()
    return frozenset(re.findall(r'"iso_a3"\s*:\s*"([A-Z]{3})"', text))


def network_countries(G: nx.MultiDiGraph) -> set[str]:
    """Countries the network knows: of its nodes, its legs and its chokepoints' shores."""
    out = {str(c) for _, c in G.nodes(data="country") if c}
    for _, _, cs in G.edges(data="countries"):
        out.update(cs or ())
    for z in G.graph.get("chokepoints", {}).values():
        out.update(getattr(z, "littoral", ()) or ())
        out.update(getattr(z, "territory", ()) or ())
    return out


def _closest_codes(code: str, known: Iterable[str], n: int = 3) -> list[str]:
    """Codes one letter away from ``code`` first (a typo: IRM -> IRN), those sharing its first two
    letters before the others, then difflib's close matches."""

    def one_off(k: str) -> bool:
        return sum(a != b for a, b in zip(k, code, strict=True)) == 1

    ranked = sorted((k for k in known if len(k) == 3 and one_off(k)), key=lambda k: (k[:2] != code[:2], k[0] != code[0], k))
    return ranked[:n] or difflib.get_close_matches(code, sorted(known), n=n, cutoff=0.6)


def check_countries(G: nx.MultiDiGraph, codes: Iterable[str], what: str = "country") -> None:
    """Raise :class:`ConstraintError` for a code that is not ISO-3 or that no country has."""
    world = world_country_codes()
    known_net: set[str] | None = None  # read from every leg only when a code is not a world country
    for c in codes:
        if len(c) != 3 or not c.isalpha() or not c.isupper():
            msg = f"{what} {c!r} is not an ISO 3166-1 alpha-3 code like 'IRN' or 'AZE'"
            raise ConstraintError(msg)
        if c in world:
            continue
        if known_net is None:
            known_net = network_countries(G)
        known = known_net | set(world)
        if known and c not in known:
            close = _closest_codes(c, known_net) or _closest_codes(c, known)
            hint = f"; did you mean {', '.join(close)}?" if close else f" (the network's countries: {', '.join(sorted(known_net))})"
            msg = f"unknown {what} {c!r}{hint}"
            raise ConstraintError(msg)


def check_chokepoints(G: nx.MultiDiGraph, ids: Iterable[str]) -> None:
    """Raise for an unknown chokepoint id (with close matches) or a seasonal zone id (which has no
    passage to avoid: its legs are closed by month, with ``depart``)."""
    zones: Mapping[str, Any] = G.graph.get("chokepoints", {})
    real = [z for z, zo in zones.items() if getattr(zo, "is_chokepoint", True)]
    for c in ids:
        if c not in zones:
            close = difflib.get_close_matches(c, real, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else f" (known: {', '.join(sorted(real))})"
            msg = f"unknown chokepoint {c!r}{hint}"
            raise ConstraintError(msg)
        if not getattr(zones[c], "is_chokepoint", True):
            months = getattr(zones[c], "months", None) or ()
            span = f" (open months {','.join(map(str, months))})" if months else ""
            msg = (
                f"{c!r} is a seasonal zone{span}, not a chokepoint, so it cannot be avoided as one: give a departure "
                "date to close its legs out of season, or avoid its straits (e.g. kara_gates,vilkitsky for the NSR)"
            )
            raise ConstraintError(msg)


def resolve_nodes(G: nx.MultiDiGraph, queries: Iterable[str]) -> list[str]:
    """Node ids for ``avoid_nodes``: an id, or a name matching exactly one node. A name shared by
    several nodes (Baku: the rail terminal and the port) is an error naming the candidates, since
    avoiding only one of them would silently keep the other."""
    from .places import name_index, normalize, resolve

    # a name's node, once resolved, kept per graph (beside it, not in ``G.graph``, which is part of its
    # content) with the number of nodes it was resolved among: the normalized names are read once per
    # graph, not per call
    done: dict[tuple[str, int], str] = _kept(G).setdefault("ids", {})
    size = G.number_of_nodes()
    out: list[str] = []
    for q in queries:
        if q in G and not str(q).startswith("sea:"):
            out.append(q)
            continue
        got = done.get((q, size))
        if got is not None and got in G:
            out.append(got)
            continue
        key = normalize(q)
        hits = list(name_index(G).get(key, []))
        # a place named after the query (Baku: the rail terminal, and "Baku (Alat port)") is a candidate too
        hits += [n for n, name in _node_names(G) if n not in hits and name.startswith(key + " ")]
        if len(hits) > 1:
            cands = ", ".join(f"{h} ({G.nodes[h].get('kind')})" for h in sorted(hits))
            msg = f"place {q!r} to avoid is ambiguous: it names {cands}; give the node ids to avoid (all of them, or one)"
            raise ConstraintError(msg)
        got = resolve(G, q).id
        done[(q, size)] = got
        out.append(got)
    return out


def _node_names(G: nx.MultiDiGraph) -> list[tuple[str, str]]:
    """Every node with its normalized name (in node order), built once per graph."""
    from .places import normalize

    kept = _kept(G)
    got = kept.get("names")
    if got is None or len(got) != G.number_of_nodes():
        got = [(n, normalize(str(d.get("name", "")))) for n, d in G.nodes(data=True)]
        kept["names"] = got
    return got


_KEPT: weakref.WeakKeyDictionary[nx.MultiDiGraph, dict[str, Any]] = weakref.WeakKeyDictionary()


def _kept(G: nx.MultiDiGraph) -> dict[str, Any]:
    """What :func:`resolve_nodes` keeps for graph ``G`` (while ``G`` lives)."""
    got = _KEPT.get(G)
    if got is None:
        got = _KEPT[G] = {}
    return got


def validate(G: nx.MultiDiGraph, c: Constraints) -> None:
    """Every id and value of ``c`` checked against ``G``; raises :class:`ConstraintError`."""
    check_chokepoints(G, c.avoid_chokepoints)
    check_countries(G, c.avoided_countries())
    for code, scope in ((None, c.country_scope), *c.country_scopes):
        if scope not in COUNTRY_SCOPES:
            who = f" of {code}" if code else ""
            msg = f"country scope{who} {scope!r} must be one of {', '.join(COUNTRY_SCOPES)}"
            raise ConstraintError(msg)
    for m in c.modes or ():
        if m not in MODES_ALL:
            msg = f"unknown mode {m!r} (use {', '.join(MODES_ALL)})"
            raise ConstraintError(msg)
    if c.max_transshipments is not None and c.max_transshipments < 0:
        msg = "max transshipments must be 0 or more"
        raise ConstraintError(msg)
    resolve_nodes(G, c.avoid_nodes)
    if c.chokepoint_weights:
        check_chokepoints(G, [k for k, _ in c.chokepoint_weights])


# ---------------------------------------------------------------------------------------- rules
@dataclass(frozen=True)
class Rule:
    """One hard rule of a set of constraints, and how to drop it."""

    id: str  # e.g. "country:IRN", "chokepoint:hormuz", "planned", "depart"
    label: str  # e.g. "avoid IRN (territory and ports)"
    drop: Callable[[Constraints], Constraints] = field(compare=False, repr=False)
    relax: str = ""  # what dropping it means, e.g. "allow IRN"


def _without(attr: str, item: str) -> Callable[[Constraints], Constraints]:
    def drop(x: Constraints) -> Constraints:
        kw: dict[str, Any] = {attr: tuple(y for y in getattr(x, attr) if y != item)}
        if attr == "avoid_countries":
            kw["country_scopes"] = tuple(p for p in x.country_scopes if p[0] != item)
        return replace(x, **kw)

    return drop


def _set(**kw: Any) -> Callable[[Constraints], Constraints]:
    def drop(x: Constraints) -> Constraints:
        return replace(x, **kw)

    return drop


_SCOPE_TEXT = {"both": "territory and ports", "territory": "territory", "ports": "ports"}


def rules_of(c: Constraints) -> list[Rule]:
    """The hard rules of ``c``, each with the change that drops it (the no-route message and
    ``explain`` both use this list)."""
    out: list[Rule] = []
    for code in c.avoided_countries():
        scope = _SCOPE_TEXT[str(c.scope_of(code))]
        out.append(Rule(f"country:{code}", f"avoid {code} ({scope})", _without("avoid_countries", code), f"allow {code}"))
    for ch in c.avoid_chokepoints:
        out.append(Rule(f"chokepoint:{ch}", f"avoid {ch}", _without("avoid_chokepoints", ch), f"allow {ch}"))
    for n in c.avoid_nodes:
        out.append(Rule(f"node:{n}", f"avoid {n}", _without("avoid_nodes", n), f"allow {n}"))
    for lg in c.avoid_legs:
        out.append(Rule(f"leg:{lg}", f"avoid leg {lg}", _without("avoid_legs", lg), f"allow leg {lg}"))
    if c.modes is not None:
        out.append(Rule("modes", f"only {', '.join(c.modes)}", _set(modes=None), "allow every mode"))
    if not c.include_planned:
        out.append(Rule("planned", "operational links only", _set(include_planned=True), "include planned and under-construction links"))
    if c.depart is not None:
        out.append(Rule("depart", f"departure {c.depart.isoformat()} (seasonal legs closed)", _set(depart=None), "ignore the season"))
    for v in c.via:
        out.append(Rule(f"via:{v}", f"via {v}", _without("via", v), f"not via {v}"))
    if c.max_transshipments is not None:
        out.append(
            Rule(
                "max_transshipments",
                f"at most {c.max_transshipments} transshipments",
                _set(max_transshipments=None),
                "lift the transshipment limit",
            )
        )
    return out


# ---------------------------------------------------------------------------------------- predicates
def node_breaks(c: Constraints, node_id: str, nd: Mapping[str, Any], avoid_nodes: Sequence[str] = ()) -> list[tuple[str, str]]:
    """Every rule of ``c`` a route passing node ``node_id`` (attributes ``nd``) breaks, as (rule,
    subject) pairs: ("closed_node", node id) for an avoided node, ("ports", country) for a port of a
    country avoided in its ports, ("territory", country) for any other node (terminal, border
    crossing) of a country avoided in its territory. Sea-lane junctions belong to no country.
    ``avoid_nodes`` are the resolved node ids of ``c.avoid_nodes``."""
    out: list[tuple[str, str]] = []
    if node_id in avoid_nodes:
        out.append(("closed_node", node_id))
    code = nd.get("country")
    if not code or nd.get("kind") == "junction":
        return out
    scope = c.scope_of(str(code))
    if scope is None:
        return out
    is_port = nd.get("kind") == "port"
    if is_port and scope in ("ports", "both"):
        out.append(("ports", str(code)))
    if not is_port and scope in ("territory", "both"):
        out.append(("territory", str(code)))
    return out


def node_forbidden(c: Constraints, node_id: str, nd: Mapping[str, Any], avoid_nodes: Sequence[str] = ()) -> str | None:
    """Why a route may not pass node ``node_id`` (attributes ``nd``) under ``c``, or None (the first
    of :func:`node_breaks`)."""
    breaks = node_breaks(c, node_id, nd, avoid_nodes)
    if not breaks:
        return None
    rule, subject = breaks[0]
    scope = _SCOPE_TEXT[str(c.scope_of(subject))] if rule != "closed_node" else ""
    return {
        "closed_node": f"is avoided ({node_id})",
        "ports": f"is a port of {subject} (avoided: {scope})",
        "territory": f"is in the territory of {subject} (avoided: {scope})",
    }[rule]


def territory_countries(c: Constraints) -> set[str]:
    """Countries whose territory (land legs, canals, non-port nodes) is forbidden."""
    return {code for code in c.avoided_countries() if c.scope_of(code) in ("territory", "both")}


def leg_breaks(c: Constraints, key: str, d: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every rule of ``c`` the leg ``key`` (attributes ``d``) breaks, as (rule, subject) pairs:
    ("closed_leg", leg id), ("mode", mode), ("not_operational", leg id), ("territory", country),
    ("chokepoint", chokepoint id). The solver's mask removes exactly the legs with any; the
    compliance check of a route reports each."""
    out: list[tuple[str, str]] = []
    if key in c.avoid_legs:
        out.append(("closed_leg", key))
    if c.modes is not None and d.get("mode") not in c.modes:
        out.append(("mode", str(d.get("mode"))))
    if not c.include_planned and str(d.get("status", "operational")) != "operational":
        out.append(("not_operational", key))
    terr = territory_countries(c)
    out.extend(("territory", code) for code in d.get("countries") or () if code in terr)
    out.extend(("chokepoint", ch) for ch in d.get("chokepoints") or () if ch in c.avoid_chokepoints)
    return out


_LEG_TEXT = {
    "closed_leg": "is an avoided leg",
    "mode": "is by {}, not an allowed mode",
    "not_operational": "is not operational",
    "territory": "crosses the territory of {}",
    "chokepoint": "passes {}",
}


def leg_forbidden(c: Constraints, key: str, d: Mapping[str, Any]) -> str | None:
    """Why a route may not use leg ``key`` (attributes ``d``) under ``c``, or None (the nodes at its
    ends are judged by :func:`node_forbidden`; the season by :func:`season_closed`)."""
    breaks = leg_breaks(c, key, d)
    if not breaks:
        return None
    rule, subject = breaks[0]
    return _LEG_TEXT[rule].format(subject)


def season_closed(months: Sequence[int] | None, start: dt.datetime, end: dt.datetime | None = None) -> int | None:
    """The first month in which a seasonal leg open in ``months`` is in use from ``start`` to ``end``
    (inclusive, day by day) while closed, or None if it is open all that time."""
    if not months:
        return None
    day = start
    last = end or start
    while True:
        if day.month not in months:
            return day.month
        if day.date() >= last.date():
            return None
        day = day + dt.timedelta(days=1)
