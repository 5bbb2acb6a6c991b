"""Corridor families: definitions of what makes a route a given corridor.

A family says what a route must do, in order (``steps``: cross a border or a port from one side to
the other, pass a chokepoint), how it may leave its *gate country* (``gate_ports``: the INSTC leaves
Iran by sea at Bandar Abbas or Chabahar, and nowhere else), and what it may never do (chokepoints
outside ``allow_chokepoints`` or in ``avoid_chokepoints``, modes, nodes, countries, and heading east
into the Far East). Definitions are written for the journey from Russia southwards; a journey the
other way reverses the steps and swaps each crossing's sides.

Rules are written against leg attributes (mode, countries, chokepoints) and node attributes (country,
kind, position), never against sea-lane junction ids, so they hold for any leg added to the network.
The same definition drives the search (:mod:`corridors.routing`) and :func:`route_breaks`, an
independent check of a finished route.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .constraints import WATER_MODES
from .errors import DataFileError

if TYPE_CHECKING:
    import networkx as nx


SIDES_SPECIAL = ("water", "land", "")


@dataclass(frozen=True)
class Crossing:
    """Cross one of ``nodes``: arrive from ``from_side`` and leave into ``to_side``. A side is a
    country (ISO-3) reached by a land leg, "water" (a sea or ferry leg), "land" (any land leg) or ""
    (any side but the other one)."""

    nodes: tuple[str, ...]
    from_side: str = ""
    to_side: str = ""

    def reversed(self) -> Crossing:
        return Crossing(self.nodes, self.to_side, self.from_side)

    def describe(self) -> str:
        where = " or ".join(n.split(":", 1)[-1] for n in self.nodes)
        sides = f" from {self.from_side or 'one side'} to {self.to_side or 'the other'}"
        return f"cross at {where}{sides}"


@dataclass(frozen=True)
class Step:
    """One requirement: a crossing (any of ``crossings``), or passing one of ``chokepoints``."""

    crossings: tuple[Crossing, ...] = ()
    chokepoints: tuple[str, ...] = ()

    def reversed(self) -> Step:
        return Step(tuple(c.reversed() for c in self.crossings), self.chokepoints)

    def describe(self) -> str:
        if self.crossings:
            return "; or ".join(c.describe() for c in self.crossings)
        return "pass " + " or ".join(self.chokepoints)


@dataclass(frozen=True)
class Family:
    """A corridor family. ``via_any`` (older form) are ordered groups of nodes, legs, gauge changes,
    chokepoints or modes, one of which the route must use."""

    id: str
    name: str
    description: str
    via_any: tuple[Mapping[str, tuple[str, ...]], ...] = ()
    avoid_nodes: tuple[str, ...] = ()
    avoid_chokepoints: tuple[str, ...] = ()
    avoid_modes: tuple[str, ...] = ()
    avoid_countries: tuple[str, ...] = ()
    group: str = ""
    steps: tuple[Step, ...] = ()
    allow_chokepoints: tuple[str, ...] | None = None
    gate_country: str = ""
    gate_ports: tuple[str, ...] = ()
    no_eastbound_beyond: tuple[float, float] | None = None  # (lon, lat): no land leg heading east into it
    sea_areas: tuple[tuple[float, float, float, float], ...] = ()  # (lon min, lat min, lon max, lat max)

    def in_sea_areas(self, x: Any, y: Any) -> Any:
        """Whether a position (or numpy arrays of them) lies in one of the family's sea areas
        (always true for a family without any)."""
        if not self.sea_areas:
            return np.ones(np.shape(x), bool) if np.ndim(x) else True
        ok = np.zeros(np.shape(x), bool) if np.ndim(x) else False
        for x0, y0, x1, y1 in self.sea_areas:
            ok = ok | ((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
        return ok

    # ------------------------------------------------------------------ rules
    def crossing_nodes(self) -> set[str]:
        return {n for s in self.steps for c in s.crossings for n in c.nodes}

    def chokepoint_forbidden(self, ch: str) -> bool:
        if ch in self.avoid_chokepoints:
            return True
        required = {x for s in self.steps for x in s.chokepoints}
        return self.allow_chokepoints is not None and ch not in self.allow_chokepoints and ch not in required

    def leg_attr_forbidden(self, d: Mapping[str, Any]) -> str | None:
        """The part of :meth:`leg_forbidden` that depends on the leg's own attributes only."""
        mode = str(d.get("mode"))
        if mode in self.avoid_modes:
            return f"uses {mode}, which the {self.name} never does"
        for ch in d.get("chokepoints") or ():
            if self.chokepoint_forbidden(ch):
                return f"passes {ch}, which the {self.name} never does"
        for code in d.get("countries") or ():
            if code in self.avoid_countries:
                return f"crosses {code}, which the {self.name} never does"
        return None

    def leg_forbidden(self, key: str, d: Mapping[str, Any], nu: Mapping[str, Any], nv: Mapping[str, Any], u: str, v: str) -> str | None:
        """Why this family never uses the leg ``key`` from ``u`` to ``v`` (attributes ``d``, end
        nodes ``nu`` and ``nv``), or None. End nodes in ``avoid_nodes`` and countries in
        ``avoid_countries`` are judged by :meth:`node_forbidden`."""
        why = self.leg_attr_forbidden(d)
        if why:
            return why
        mode = str(d.get("mode"))
        if mode == "sea" and self.sea_areas:
            for nd in (nu, nv):
                if not self.in_sea_areas(float(nd.get("x", 0)), float(nd.get("y", 0))):
                    return f"sails outside the {self.name}'s waters"
        if self.no_eastbound_beyond is not None and mode not in WATER_MODES:
            lon, lat = self.no_eastbound_beyond
            if float(nv.get("x", 0)) > lon and float(nv.get("y", 0)) > lat and float(nv.get("x", 0)) > float(nu.get("x", 0)):
                return f"heads east into the Far East (east of {lon:g}°E), which the {self.name} never does"
        g = self.gate_country
        if g:
            cu, cv = nu.get("country"), nv.get("country")
            allowed = self.crossing_nodes() | set(self.gate_ports)
            if mode in WATER_MODES:
                for n, nd in ((u, nu), (v, nv)):
                    if nd.get("country") == g and nd.get("kind") == "port" and n not in allowed:
                        return f"uses the water at {nd.get('name', n)}, not a gate of the {self.name}"
            elif cu and cv and (cu == g) != (cv == g) and u not in allowed and v not in allowed:
                return f"crosses the border of {g} outside the {self.name}'s crossings"
        return None

    def node_forbidden(self, n: str, nd: Mapping[str, Any]) -> str | None:
        if n in self.avoid_nodes:
            return f"is not on the {self.name}"
        if nd.get("country") in self.avoid_countries and nd.get("kind") != "junction":
            return f"is in {nd.get('country')}, which the {self.name} never enters"
        return None

    def oriented_steps(self, forward: bool) -> tuple[Step, ...]:
        return self.steps if forward else tuple(s.reversed() for s in reversed(self.steps))

    def rules_text(self) -> list[str]:
        out = [s.describe() for s in self.steps]
        if self.gate_country and self.gate_ports:
            out.append(f"leave {self.gate_country} by sea only at {' or '.join(p.split(':', 1)[-1] for p in self.gate_ports)}")
        return out


def _crossing(t: Mapping[str, Any], fid: str) -> Crossing:
    nodes = t.get("nodes", t.get("node"))
    if isinstance(nodes, str):
        nodes = [nodes]
    if not isinstance(nodes, list) or not nodes:
        msg = f"families: {fid}: a crossing needs node or nodes"
        raise DataFileError(msg)
    return Crossing(tuple(map(str, nodes)), str(t.get("from", "")), str(t.get("to", "")))


def _step(t: Mapping[str, Any], fid: str) -> Step:
    if "cross" in t:
        alts = t["cross"] if isinstance(t["cross"], list) else [t["cross"]]
        return Step(crossings=tuple(_crossing(a, fid) for a in alts))
    if "pass" in t:
        chs = t["pass"] if isinstance(t["pass"], list) else [t["pass"]]
        return Step(chokepoints=tuple(map(str, chs)))
    msg = f"families: {fid}: each step needs 'cross' or 'pass'"
    raise DataFileError(msg)


def load_families(path: str | Path | None = None) -> dict[str, Family]:
    """Corridor families from ``data/families.toml`` (or ``path``)."""
    p = Path(path) if path else Path(str(resources.files("corridors.data").joinpath("families.toml")))
    raw = _parsed(p)
    out = {}
    for fid, t in raw.items():
        east = t.get("no_eastbound_beyond")
        out[fid] = Family(
            id=fid,
            name=str(t.get("name", fid)),
            description=str(t.get("description", "")),
            via_any=tuple({k: tuple(v) for k, v in g.items()} for g in t.get("via_any", [])),
            avoid_nodes=tuple(t.get("avoid_nodes", ())),
            avoid_chokepoints=tuple(t.get("avoid_chokepoints", ())),
            avoid_modes=tuple(t.get("avoid_modes", ())),
            avoid_countries=tuple(t.get("avoid_countries", ())),
            group=str(t.get("group", "")),
            steps=tuple(_step(s, fid) for s in t.get("steps", ())),
            allow_chokepoints=tuple(t["allow_chokepoints"]) if "allow_chokepoints" in t else None,
            gate_country=str(t.get("gate_country", "")),
            gate_ports=tuple(t.get("gate_ports", ())),
            no_eastbound_beyond=(float(east["lon"]), float(east["lat"])) if east else None,
            sea_areas=tuple(
                (float(a["lon_min"]), float(a["lat_min"]), float(a["lon_max"]), float(a["lat_max"])) for a in t.get("sea_areas", ())
            ),
        )
    return out


def _parsed(p: Path) -> dict[str, Any]:
    """The TOML in ``p`` (read as :func:`tomllib.load` reads it), parsed once for a given text
    (:func:`corridors.digests.parsed`, as the parameter files are): a `corridors` process asks for the
    bundled families three times (two ``--help`` texts, then the router)."""
    from . import digests
    from .cache import cache_dir

    got: dict[str, Any] = digests.parsed(p.read_bytes().decode(), cache_dir(), tomllib.loads)
    return got


def family_ids_text() -> str:
    """The bundled family ids, comma-separated (for ``--help``)."""
    try:
        return ", ".join(load_families())
    except (OSError, tomllib.TOMLDecodeError, DataFileError):
        return "see data/families.toml"


# ---------------------------------------------------------------------------------------- checking
def side_of(d: Mapping[str, Any], far: Mapping[str, Any]) -> str:
    """The side of a node a leg (attributes ``d``) comes from or goes to: "water" for a sea or ferry
    leg, else the country of the node at its far end."""
    if d.get("mode") in WATER_MODES:
        return "water"
    return str(far.get("country") or "")


def side_matches(want: str, side: str) -> bool:
    if want in ("", None):
        return True
    if want == "land":
        return side != "water"
    return want == side


def route_path(G: nx.MultiDiGraph, route: Any) -> list[tuple[str, str, str]]:
    """The (u, v, leg id) of every leg of ``route`` in travel order, chained from its origin."""
    out: list[tuple[str, str, str]] = []
    node = route.origin
    succ = G.succ
    for m in route.moves:
        node = m.from_id if m.from_id in G else node
        for k in m.leg_ids:
            # the first leg ``k`` out of ``node`` in the order of ``G.out_edges(node, keys=True)``
            cands = [(node, v) for v, keys in succ[node].items() if k in keys] if node in G else []
            if not cands:
                cands = [(u, v) for u, v, kk in G.edges(keys=True) if kk == k]
            u, v = cands[0]
            out.append((u, v, k))
            node = v
    return out


def route_breaks(G: nx.MultiDiGraph, route: Any, fam: Family, forward: bool | None = None) -> str:
    """How ``route`` fails the definition of ``fam`` ("" if it is that corridor), checked on the
    route's own legs: every leg and node rule, then the steps in order (either orientation when
    ``forward`` is None)."""
    path = route_path(G, route)
    for u, v, k in path:
        d = G.edges[u, v, k]
        why = fam.leg_forbidden(k, d, G.nodes[u], G.nodes[v], u, v)
        if why:
            return f"{k} {why}"
        for n in (u, v):
            why = fam.node_forbidden(n, G.nodes[n])
            if why:
                return f"{G.nodes[n].get('name', n)} {why}"
    orientations = [True, False] if forward is None else [forward]
    last = ""
    for fw in orientations:
        last = _steps_break(G, path, fam.oriented_steps(fw))
        if not last:
            return ""
    return last


def _steps_break(G: nx.MultiDiGraph, path: Sequence[tuple[str, str, str]], steps: Sequence[Step]) -> str:
    i = 0
    j = 0  # position in the chokepoints of leg i already matched
    for step in steps:
        found = False
        if step.crossings and path:
            # a crossing at the origin (destination): leaving it into (arriving from) the right side
            u0, v0, k0 = path[0]
            un, vn, kn = path[-1]
            for c in step.crossings:
                if i == 0 and u0 in c.nodes and side_matches(c.to_side, side_of(G.edges[u0, v0, k0], G.nodes[v0])):
                    found = True
                elif vn in c.nodes and side_matches(c.from_side, side_of(G.edges[un, vn, kn], G.nodes[un])):
                    found = True
                    i = len(path)
            if found:
                continue
        while i < len(path) and not found:
            u, v, k = path[i]
            d = G.edges[u, v, k]
            chokes = tuple(d.get("chokepoints") or ())[j:]
            if step.chokepoints and set(chokes) & set(step.chokepoints):
                # a long leg (a scheduled service) may pass several chokepoints in order: the next step
                # may be met later on the same leg
                j += next(n for n, ch in enumerate(chokes) if ch in step.chokepoints) + 1
                found = True
                break
            if step.crossings and i + 1 < len(path):
                u2, v2, k2 = path[i + 1]
                d2 = G.edges[u2, v2, k2]
                for c in step.crossings:
                    if (
                        v in c.nodes
                        and u2 == v
                        and side_matches(c.from_side, side_of(d, G.nodes[u]))
                        and side_matches(c.to_side, side_of(d2, G.nodes[v2]))
                    ):
                        a, b = side_of(d, G.nodes[u]), side_of(d2, G.nodes[v2])
                        if a != b:
                            found = True
                            break
            i += 1
            j = 0
        if not found:
            return f"does not {step.describe()}"
    return ""
