"""The whole sea graph stays at sea (issue 10): every marnet leg, hand-drawn spur, ferry leg and generated
port spur is checked against the Natural Earth 1:50m country polygons, the listed waterways excepted."""

from __future__ import annotations

from typing import Any


def _land_km(geom: Any, land: list[Any], tree: Any) -> float:
    from corridors.geo import geodesic_km

    km = 0.0
    for i in tree.query(geom, predicate="intersects"):
        inter = geom.intersection(land[i])
        km += sum(geodesic_km(list(p.coords)) for p in getattr(inter, "geoms", [inter]) if p.geom_type == "LineString")
    return km


def test_every_sea_edge_stays_off_land(G: Any) -> None:
    """Worldwide. Land = the 1:50m countries minus ``sea.water_polygons()`` (the ``WATERWAYS`` boxes and
    the lanes of ``LANE_WATERWAYS``). Allowed: a marnet leg ``SEA_LAND_TOL_KM`` (coastline noise), a
    hand-drawn spur or ferry leg 6 km, a generated spur ``worldports.LAND_TOL_KM`` beyond its first
    ``worldports.SHORE_KM``. Service and feeder legs are joined from these legs and are not checked
    twice."""
    from corridors import sea, worldports
    from corridors.geo import line_coords

    land, tree = worldports.land_polygons()
    bad = []
    seen: set[str] = set()
    counted = {"marnet": 0, "data": 0, "port_dataset": 0}
    for u, v, k, d in G.edges(keys=True, data=True):
        if d["mode"] not in ("sea", "ferry") or k in seen or d.get("origin") not in counted:
            continue
        seen.add(k)
        counted[d["origin"]] += 1
        if d["origin"] == "port_dataset":
            coords = line_coords(d["geometry"])  # both directions share the port -> sea geometry
            assert G.nodes[u if not d.get("reverse") else v]["x"] == coords[0][0], k
            km = worldports.polyline_land_km(coords, land, tree)
            limit = worldports.LAND_TOL_KM
        else:
            km = _land_km(d["geometry"], land, tree)
            limit = sea.SEA_LAND_TOL_KM if d["origin"] == "marnet" else 6.0
        if km > limit + 0.01:
            bad.append(f"{k} ({u} -> {v}, {d['origin']}): {km:.1f} km over land")
    assert bad == []
    assert counted["marnet"] > 3000 and counted["port_dataset"] > 3000 and counted["data"] > 20


def test_the_known_land_cuts_are_replaced_at_sea() -> None:
    """The cuts the issue names (Kara Sea shore, Chukotka, Aegean and Ionian islands, the Port Klang
    approach; Cape Spartel and Corinth earlier) are gone from the sea graph, and what replaces them is at
    sea."""
    from shapely.geometry import LineString

    from corridors import sea, worldports

    adj = sea.sea_adjacency()
    segs = {sea._seg4(a, b) for a, ns in adj.items() for b in ns}
    cuts = [
        ((78.424, 73.2304), (78.8634, 72.5846)),  # Kara Sea shore (Yamal)
        ((-177.416051, 64.720739), (-172.3, 64.2)),  # Chukotka
        ((24.248895, 36.916246), (24.53513, 36.490027)),  # Aegean: Milos
        ((25.258921, 40.232037), (25.879068, 40.815344)),  # Aegean: Samothrace
        ((23.611679, 38.438665), (23.655281, 38.383248)),  # Aegean: Euripus (Chalkida)
        ((19.219675, 39.787796), (19.9547, 39.8141)),  # Ionian: Corfu
        ((20.4876, 38.5495), (21.1468, 38.2266)),  # Ionian: Kefalonia - Patras
        ((101.34613, 3.074695), (101.351624, 2.99927)),  # Port Klang approach
        ((-7.1, 34.4), (-5.75, 35.95)),  # Cape Spartel
        ((22.947178, 37.960508), (23.020113, 37.909026)),  # Corinth Canal
    ]
    for a, b in cuts:
        assert sea._seg4(sea._key(*a), sea._key(*b)) not in segs, (a, b)
    land, tree = worldports.land_polygons()
    fixes = {sea._seg4(sea._key(*f[0]), sea._key(*f[-1])): f for f in sea.GRID_FIXES}
    for a, b in cuts[:8]:
        line = fixes[sea._seg4(sea._key(*a), sea._key(*b))]
        assert _land_km(LineString(line), land, tree) < 1.5, (a, b)
        assert all(sea._key(*p) in adj for p in (line[0], line[-1]))
