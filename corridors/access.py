"""First and last mile: a ``lon,lat`` place reaches the network by a road leg that is counted.

A position is snapped to the nearest terminal, port or city node (not a border crossing or a junction,
where cargo cannot be handed over) within :data:`ACCESS_MAX_KM`; farther than that the query is refused
with the nearest places named (see :func:`corridors.places.resolve`). The road leg's length is the
great-circle distance times :data:`ROAD_DETOUR`; its time, cost and CO2 use the road figures of
``parameters.toml``. :func:`with_access` adds these legs to a solved route, before the origin and after
the destination, and shifts the times of everything after the first one.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .geo import haversine_km
from .places import ACCESS_MAX_KM as ACCESS_MAX_KM  # where a position is snapped: places.resolve
from .places import SNAP_KINDS as SNAP_KINDS

if TYPE_CHECKING:
    import networkx as nx

    from .model import Move, Route
    from .params import Parameters
    from .places import Place

#: road distance over great-circle distance for the access leg (assumption: a typical circuity factor
#: for roads, 1.2-1.4 in the literature on road network circuity; the midpoint is taken)
ROAD_DETOUR = 1.3
ACCESS_SOURCE = (
    "assumption: first/last-mile road leg, great-circle distance x 1.3 (typical road circuity), "
    "at the road speed, cost and CO2 of parameters.toml"
)


def access_move(G: nx.MultiDiGraph, params: Parameters, place: Place, outbound: bool) -> Move | None:
    """The road leg between a snapped position and its node (``outbound``: from the position to the
    node, at the start of a route; otherwise from the node to the position). None for a named place."""
    from .model import Move

    if not place.snapped or place.point is None:
        return None
    nd = G.nodes[place.id]
    node_xy = (float(nd["x"]), float(nd["y"]))
    km = haversine_km(place.point, node_xy) * ROAD_DETOUR
    if km <= 0:
        return None
    label = f"{place.point[0]:.4f},{place.point[1]:.4f}"
    a, b = (place.point, node_xy) if outbound else (node_xy, place.point)
    pid = f"point:{label}"
    return Move(
        leg_ids=(f"access:{'origin' if outbound else 'destination'}",),
        from_id=pid if outbound else place.id,
        to_id=place.id if outbound else pid,
        from_name=label if outbound else str(nd.get("name", place.id)),
        to_name=str(nd.get("name", place.id)) if outbound else label,
        mode="road",
        status="operational",
        gauge_mm=None,
        length_km=km,
        moving_h=km / float(params.speed_kmh["road"]),
        wait_h=0.0,
        cost_usd=km * float(params.cost_usd_per_teu_km["road"]),
        co2_kg=km * float(params.co2_kg_per_teu_km["road"]),
        exposure=0.0,
        countries=(str(nd["country"]),) if nd.get("country") else (),
        chokepoints=(),
        months=None,
        source=ACCESS_SOURCE,
        coords=(a, b),
    )


def with_access(route: Route, G: nx.MultiDiGraph, params: Parameters, origin: Place, destination: Place) -> Route:
    """``route`` with the first-mile leg before it and the last-mile leg after it (for positions)."""
    from .model import Move

    first = access_move(G, params, origin, outbound=True)
    last = access_move(G, params, destination, outbound=False)
    if first is None and last is None:
        return route
    steps = list(route.steps)
    if first is not None:
        shift = first.time_h
        steps = [first, *(replace(s, start_h=s.start_h + shift) for s in steps)]
    if last is not None:
        end = sum(s.time_h if isinstance(s, Move) else s.dwell_h for s in steps)
        steps.append(replace(last, start_h=end))
    kinds = dict(route.node_kinds)
    countries = dict(route.node_countries)
    for m in (first, last):
        if m is not None:
            for nid in (m.from_id, m.to_id):
                if nid.startswith("point:"):
                    kinds[nid] = "point"
                    countries[nid] = None
    return replace(
        route,
        steps=tuple(steps),
        origin_name=origin.query if first is not None else route.origin_name,
        destination_name=destination.query if last is not None else route.destination_name,
        node_kinds=kinds,
        node_countries=countries,
    )
