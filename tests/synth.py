"""Builders for small synthetic graphs in the loader's output format."""

from __future__ import annotations

from typing import Any

import networkx as nx

from corridors.geo import geodesic_km, line_geometry


class Zone:
    def __init__(self, zid: str, weight: float = 1.0, months: tuple[int, ...] | None = None, kind: str = "strait") -> None:
        self.id = zid
        self.weight = weight
        self.months = months
        self.kind = kind
        self.littoral: tuple[str, ...] = ()
        self.territory: tuple[str, ...] = ()

    @property
    def is_chokepoint(self) -> bool:
        return self.kind != "seasonal_zone"


def synthetic(nodes: dict[str, dict[str, Any]], legs: list[dict[str, Any]], zones: tuple[str, ...] = ()) -> nx.MultiDiGraph:
    """A small graph in the loader's output format. Legs: dict with id, from, to, mode, km (length),
    and optional status, gauge_mm, countries, chokepoints, months, frequency_per_week."""
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.graph["chokepoints"] = {z: Zone(z) for z in zones}
    for n, d in nodes.items():
        G.add_node(n, **{"name": n, "aliases": [], **d})
    for leg in legs:
        u, v = leg["from"], leg["to"]
        coords = [(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])]
        attrs = {
            "id": leg["id"],
            "mode": leg["mode"],
            "status": leg.get("status", "operational"),
            "gauge_mm": leg.get("gauge_mm"),
            "length_km": float(leg["km"]),
            "geodesic_km": geodesic_km(coords),
            "months": leg.get("months"),
            "frequency_per_week": leg.get("frequency_per_week"),
            "speed_kmh": leg.get("speed_kmh"),
            "countries": tuple(leg.get("countries", ())),
            "chokepoints": tuple(leg.get("chokepoints", ())),
            "source": "test",
            "origin": "data",
        }
        G.add_edge(u, v, key=leg["id"], geometry=line_geometry(coords), reverse=False, **attrs)
        G.add_edge(v, u, key=leg["id"], geometry=line_geometry(coords[::-1]), reverse=True, **attrs)
    return G
