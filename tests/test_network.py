"""The bundled network: coverage, connectivity of every branch, sea legs at sea and never shorter
than the great circle, derived attributes, and the GeoDataFrame round trip."""

from __future__ import annotations

from typing import Any

import pytest
from shapely.geometry import box
from shapely.ops import unary_union

from corridors import sea
from corridors.geo import geodesic_km, great_circle_km, line_geometry
from corridors.graph import build_network
from corridors.places import resolve
from corridors.routing import Constraints
from corridors.zones import read_countries

PLACES = [
    "Moscow",
    "Chelyabinsk",
    "Astrakhan",
    "Olya",
    "Makhachkala",
    "Derbent",
    "Baku",
    "Astara",
    "Rasht",
    "Qazvin",
    "Tehran",
    "Bandar Abbas",
    "Anzali",
    "Amirabad",
    "Aktau",
    "Turkmenbashi",
    "Beyneu",
    "Bereket",
    "Inche Burun",
    "Gorgan",
    "Sarakhs",
    "Mashhad",
    "Bafq",
    "Chabahar",
    "Zahedan",
    "Nhava Sheva",
    "Mumbai",
    "Bombay",
    "JNPT",
    "Mundra",
    "Kandla",
    "Chennai",
    "Vladivostok",
    "Murmansk",
    "Arkhangelsk",
    "St Petersburg",
    "Novorossiysk",
    "Delhi",
    "IRBND",
    "INNSA",
    "RUVVO",
]


@pytest.mark.parametrize("name", PLACES)
def test_every_named_place_is_found(G: Any, name: str) -> None:
    p = resolve(G, name)
    assert not p.id.startswith("sea:")


def test_no_errors_in_bundled_data() -> None:
    _, problems = build_network()
    errors = [str(p) for p in problems if p.severity == "error"]
    assert errors == []


def _chain(router: Any, a: str, b: str, via: tuple[str, ...], modes: tuple[str, ...], planned: bool = False) -> Any:
    c = Constraints(via=via, modes=modes, include_planned=planned)
    return router.route(a, b, objective="distance", constraints=c)


def test_western_branch_is_a_chain(router: Any) -> None:
    r = _chain(
        router,
        "Moscow",
        "Bandar Abbas",
        ("Astrakhan", "Makhachkala", "Derbent", "Baku", "border:astara", "Rasht", "Qazvin", "Tehran"),
        ("rail", "road"),
    )
    assert "AZE" in r.countries
    road = [m for m in r.moves if m.mode == "road"]
    assert road, "Astara–Rasht is by road until the railway is built"
    planned = _chain(router, "Moscow", "Bandar Abbas", ("border:astara", "Rasht"), ("rail",), planned=True)
    assert any(s == "planned" for _, s in planned.not_operational)


def test_trans_caspian_branch_is_a_chain(router: Any) -> None:
    for port in ("Astrakhan port", "Olya", "Makhachkala port"):
        for dest in ("Anzali", "Amirabad"):
            p_from = resolve(router.G, port).id
            p_to = resolve(router.G, dest).id
            r = router.route(p_from, p_to, constraints=Constraints(modes=("ferry",)))
            assert {m.mode for m in r.moves} == {"ferry"}


def test_eastern_branch_both_crossings(router: Any) -> None:
    for border in ("border:sarakhs", "border:inche_burun"):
        r = _chain(router, "Chelyabinsk", "Bandar Abbas", (border,), ("rail",))
        assert {"KAZ", "TKM", "IRN"} <= set(r.countries)
        assert r.gauge_changes >= 1


def test_chabahar_and_ports_to_india(router: Any) -> None:
    for port in ("Bandar Abbas", "Chabahar"):
        for dest in ("Nhava Sheva", "Mumbai", "Mundra", "Kandla"):
            r = router.route(port, dest, constraints=Constraints(modes=("sea",)))
            assert r.length_km > 0
    r = _chain(router, "Zahedan", "Chabahar", (), ("rail",), planned=True)
    assert any(s == "under_construction" for _, s in r.not_operational)
    road = router.route("Zahedan", "Chabahar", constraints=Constraints(modes=("road",)))
    assert road.not_operational == ()


def test_transsib_nsr_suez_cape(router: Any) -> None:
    r = _chain(router, "Moscow", "Vladivostok", (), ("rail",))
    assert 8500 < r.length_km < 10500
    r = router.route("Chennai", "Vladivostok", constraints=Constraints(modes=("sea",)))
    assert "malacca" in r.chokepoints
    r = router.route("Murmansk", "Vladivostok", constraints=Constraints(modes=("sea",), depart=None))
    assert "bering" in r.chokepoints
    assert not set(r.chokepoints) & {"suez", "malacca"}
    r = router.route("St Petersburg", "Mumbai", constraints=Constraints(modes=("sea",), avoid_chokepoints=("vilkitsky", "kara_gates")))
    assert "suez" in r.chokepoints
    r = router.route(
        "St Petersburg", "Mumbai", constraints=Constraints(modes=("sea",), avoid_chokepoints=("suez", "vilkitsky", "kara_gates"))
    )
    assert "cape_of_good_hope" in r.chokepoints


def test_closing_suez_reroutes_via_cape(router: Any) -> None:
    r = router.route("Novorossiysk", "Nhava Sheva", constraints=Constraints(modes=("sea",), avoid_chokepoints=("suez",)))
    assert "cape_of_good_hope" in r.chokepoints


def test_nsr_does_not_open_the_northwest_passage(router: Any) -> None:
    r = router.route("Murmansk", "Vladivostok", constraints=Constraints(modes=("sea",)))
    for m in r.moves:
        for lon, lat in m.coords:
            assert not (-130 < lon < -60 and lat > 65), "a Murmansk–Vladivostok voyage must not use the Canadian Arctic"


def test_sea_legs_at_sea(G: Any) -> None:
    """No sea leg crosses land (Natural Earth 1:50m) by more than 15 km (coastal resolution), except
    on the whitelisted canals and rivers; covered: 25°W eastwards to 150°W (the corridors' seas)."""
    countries = read_countries()
    water = unary_union([box(x0, y0, x1, y1) for _, x0, y0, x1, y1 in sea.WATERWAYS])
    land = [g.difference(water) for g in countries.geoms]
    from shapely.strtree import STRtree

    tree = STRtree(land)
    bad = []
    seen = set()
    for u, v, k, d in G.edges(keys=True, data=True):
        if d["mode"] not in ("sea", "ferry") or k in seen:
            continue
        seen.add(k)
        geom = d["geometry"]
        coords = [c for part in getattr(geom, "geoms", [geom]) for c in part.coords]
        if not any(c[0] > sea.LAND_TEST_LON[0] or c[0] < sea.LAND_TEST_LON[1] for c in coords):
            continue
        km = 0.0
        for i in tree.query(geom, predicate="intersects"):
            inter = geom.intersection(land[i])
            km += sum(geodesic_km(list(p.coords)) for p in getattr(inter, "geoms", [inter]) if p.geom_type == "LineString")
        limit = 15.0
        if d.get("origin") == "data":
            limit = 6.0  # hand-drawn spurs and ferry lines: a port's own coast only
        if km > limit:
            bad.append(f"{k} ({u} -> {v}): {km:.1f} km over land")
    assert bad == []


def test_sea_leg_never_shorter_than_great_circle(G: Any) -> None:
    for u, v, k, d in G.edges(keys=True, data=True):
        if d["mode"] in ("sea", "ferry"):
            gc = great_circle_km((G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"]))
            assert d["length_km"] >= gc - 0.01, k


def test_sea_route_never_shorter_than_great_circle(router: Any) -> None:
    for a, b in (("Chabahar", "Mundra"), ("Bandar Abbas", "Nhava Sheva"), ("Chennai", "Vladivostok")):
        r = router.route(a, b, objective="distance", constraints=Constraints(modes=("sea",)))
        A, B = router.G.nodes[r.origin], router.G.nodes[r.destination]
        assert r.length_km >= great_circle_km((A["x"], A["y"]), (B["x"], B["y"]))


def test_chabahar_spur_counts_in_distance(router: Any) -> None:
    r = router.route("Chabahar", "Mundra", objective="distance", constraints=Constraints(modes=("sea",)))
    assert r.moves[0].from_id == resolve(router.G, "Chabahar").id
    assert r.length_km > 965  # the great circle; searoute reports 920 km, graph part only


def test_derived_countries_and_chokepoints(G: Any) -> None:
    seen_h = seen_s = False
    for _, _, d in G.edges(data=True):
        if "hormuz" in d["chokepoints"]:
            seen_h = True
        if "suez" in d["chokepoints"]:
            seen_s = True
            assert "EGY" in d["countries"]
        if d["mode"] == "rail" and d.get("origin") == "data":
            assert d["countries"], d["id"]
    assert seen_h and seen_s


def test_antimeridian_legs_are_split(G: Any) -> None:
    crossing = [d for _, _, d in G.edges(data=True) if d["geometry"].geom_type == "MultiLineString"]
    assert crossing, "the Bering legs cross the antimeridian"
    for d in crossing:
        for part in d["geometry"].geoms:
            xs = [c[0] for c in part.coords]
            assert max(xs) - min(xs) < 180


def test_gdf_round_trip(G: Any) -> None:
    from corridors.convert import graph_from_gdfs, graph_to_gdfs

    nodes, legs = graph_to_gdfs(G)
    assert nodes.crs.to_epsg() == 4326
    G2 = graph_from_gdfs(nodes, legs, dict(G.graph))
    assert G2.number_of_nodes() == G.number_of_nodes()
    assert G2.number_of_edges() == G.number_of_edges()
    u, v, k = next(iter(G.edges(keys=True)))
    assert G2.edges[u, v, k]["length_km"] == pytest.approx(G.edges[u, v, k]["length_km"])


def test_line_geometry_lengths(G: Any) -> None:
    for _, _, d in list(G.edges(data=True))[:200]:
        coords = [c for part in getattr(d["geometry"], "geoms", [d["geometry"]]) for c in part.coords]
        assert geodesic_km(coords) == pytest.approx(d["geodesic_km"], rel=0.01, abs=1.0)
        assert line_geometry(coords).is_valid


@pytest.mark.parametrize("objective", ["time", "distance", "cost", "co2"])
def test_bounded_search_is_exact(router: Any, objective: str) -> None:
    """The bounded Dijkstra (limit from a great-circle lower bound) finds the same optimum as the
    unbounded one (a unit penalty disables the bound)."""
    import numpy as np

    from corridors.search import solve_query

    for a, b in (("Bandar Abbas", "Nhava Sheva"), ("Chelyabinsk", "Mumbai"), ("Moscow", "Chennai")):
        o, d = router.place(a), router.place(b)
        bounded = solve_query(router.compiled, o, d, objective, Constraints(), None)
        free = solve_query(router.compiled, o, d, objective, Constraints(), None, penalty=np.ones(router.engine.n_edges))
        key = {"time": "time_h", "distance": "length_km", "cost": "cost_usd", "co2": "co2_kg"}[objective]
        assert getattr(bounded, key) == pytest.approx(getattr(free, key))
