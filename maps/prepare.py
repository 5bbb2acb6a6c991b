"""A route made ready to draw: its lines unwrapped across the antimeridian, the places it passes with
their role and stops, its number and colour; and the context the layers share (the network, country
names, which routes use each leg)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from corridors.geo import Coord
from corridors.model import Route, Stop

from .geometry import unwrap_route
from .style import BASELINE_COLOR, NODE_STYLE, route_color

NODE_KIND_TEXT = {
    "port": "port",
    "rail_terminal": "rail terminal",
    "border_crossing": "border crossing",
    "city": "city",
    "junction": "junction",
}


@dataclass
class Context:
    G: Any
    names: dict[str, str]
    leg_routes: dict[str, set[int]] = field(default_factory=dict)  # leg id -> routes using it
    move_routes: dict[tuple[str, ...], set[int]] = field(default_factory=dict)  # whole move -> routes

    def country(self, code: str | None) -> str:
        if not code:
            return "—"
        name = self.names.get(code)
        return f"{name} ({code})" if name else code

    def zone_name(self, zid: str) -> str:
        zones = self.G.graph.get("chokepoints", {}) if self.G is not None else {}
        z = zones.get(zid)
        return str(getattr(z, "name", None) or zid)


@dataclass
class MapNode:
    id: str
    name: str
    kind: str
    country: str | None
    lon: float
    lat: float
    role: str
    stops: list[Stop] = field(default_factory=list)


@dataclass
class Drawn:
    route: Route
    number: str
    best: bool
    baseline: bool
    lines: list[list[Coord]]  # unwrapped coordinates, one list per move
    nodes: list[MapNode]
    bounds: list[list[float]] | None = None
    color: str = BASELINE_COLOR

    @property
    def label(self) -> str:
        r = self.route
        return r.label or r.family or r.objective or "route"


def prepare(r: Route, ctx: Context, i: int, best: bool, baseline: bool = False) -> Drawn:
    moves = r.moves
    # every route starts in [-180, 180) and continues past ±180 where it crosses the antimeridian
    first = next((mv.coords[0][0] for mv in moves if mv.coords), None)
    ref = None if first is None else ((first + 180.0) % 360.0) - 180.0
    lines = unwrap_route([mv.coords for mv in moves], ref)
    stops: dict[str, list[Stop]] = {}
    for s in r.stops:
        stops.setdefault(s.node_id, []).append(s)
    nodes: dict[str, MapNode] = {}
    for mv, line in zip(moves, lines, strict=True):
        if not line:
            continue
        for nid, name, (lon, lat) in (
            (mv.from_id, mv.from_name, line[0]),
            (mv.to_id, mv.to_name, line[-1]),
        ):
            if nid in nodes or str(nid).startswith("sea:"):
                continue
            kind = r.node_kinds.get(nid) or graph_node(ctx.G, nid).get("kind") or "city"
            country = r.node_countries.get(nid, graph_node(ctx.G, nid).get("country"))
            here = stops.get(nid, [])
            role = "gauge_change" if any("gauge" in s.kind for s in here) else str(kind)
            if role not in NODE_STYLE:
                role = "city"
            nodes[nid] = MapNode(nid, str(name), str(kind), country, lon, lat, role, here)
    if not baseline:
        for leg in r.leg_ids:
            ctx.leg_routes.setdefault(leg, set()).add(i + 1)
        for mv in moves:
            ctx.move_routes.setdefault(mv.leg_ids, set()).add(i + 1)
    number = f"B{i + 1}" if baseline else str(i + 1)
    color = BASELINE_COLOR if baseline else route_color(i)
    return Drawn(r, number, best, baseline, lines, list(nodes.values()), color=color)


def graph_node(
    G: Any,
    nid: str,
) -> dict[str, Any]:
    if G is None or nid not in G:
        return {}
    return dict(G.nodes[nid])
