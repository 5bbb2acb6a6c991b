"""Coverage of the network (issue 10): licences kept straight, world ports, the Caspian, Central Asia,
inland terminals, first and last mile, and the matrix."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from corridors.io import bundled_network_files


def test_osm_traced_features_live_in_odbl_files_only(G: Any) -> None:
    """Anything traced from OpenStreetMap sits in an ``*_osm.geojson`` file under the ODbL, with the
    attribution on every feature (and on the graph, for maps and reports)."""
    for path in bundled_network_files():
        data = json.loads(path.read_text(encoding="utf-8"))
        for f in data["features"]:
            p = f["properties"]
            traced = bool(
                re.search(r"traced from the OpenStreetMap|traced from the OSM|OSM-derived graph\b(?!.*check)", p.get("source", ""))
            )
            if path.name.endswith("_osm.geojson"):
                assert p.get("licence") == "ODbL-1.0", p["id"]
                assert p.get("attribution") == "© OpenStreetMap contributors", p["id"]
            elif "position: station on the line as traced" in p.get("source", "") or (traced and "checked" not in p["source"]):
                raise AssertionError(f"{p['id']} in {path.name} is traced from OSM but not in an ODbL file")
    osm_edges = [d for _, _, d in G.edges(data=True) if str(d.get("file", "")).endswith("_osm.geojson")]
    assert osm_edges
    assert all(d["attribution"] == "© OpenStreetMap contributors" for d in osm_edges)


CASPIAN = [
    "Astrakhan port",
    "Olya",
    "Makhachkala port",
    "Aktau",
    "Kuryk",
    "Turkmenbashi",
    "Alat",
    "Anzali",
    "Caspian Port",
    "Amirabad",
    "Nowshahr",
]


def test_caspian_is_connected_by_ferry(router: Any) -> None:
    """Every pair of Caspian ports is routable by ferry legs alone (in the open season), each leg with
    a frequency and a source, the ice-bound northern ports with their months."""
    from corridors.places import resolve
    from corridors.routing import Constraints

    ids = [resolve(router.G, p).id for p in CASPIAN]
    assert len(set(ids)) == len(ids)
    for a in ids:
        for b in ids:
            if a == b:
                continue
            r = router.route(a, b, constraints=Constraints(modes=("ferry",)))
            assert {m.mode for m in r.moves} == {"ferry"}
    for _, _, d in router.G.edges(data=True):
        if d["mode"] == "ferry":
            assert d["frequency_per_week"] and d["source"], d["id"]
            if "RUASF" in d["id"] or "olya" in d["id"] or "astrakhan" in d["id"]:
                assert d["months"] and 1 not in d["months"], d["id"]


# ------------------------------------------------------------------ every place routes
def _hand_checked(G: Any) -> list[str]:
    """Curated nodes where cargo can start or end (not the dataset's ports, not border crossings)."""
    return sorted(
        n
        for n, d in G.nodes(data=True)
        if not str(n).startswith("sea:") and d.get("origin") != "dataset" and d.get("kind") in ("port", "rail_terminal", "city")
    )


def test_every_hand_checked_place_routes_to_mumbai_and_moscow(router: Any) -> None:
    import numpy as np

    from corridors.matrix import od_matrix
    from corridors.routing import Constraints

    places = _hand_checked(router.G)
    assert len(places) >= 90
    ends = ["port:INBOM", "rail:moscow"]
    # planned links allowed: a place served only by a line under construction still has a way
    res = od_matrix(router, [*places, *ends], objective="time", constraints=Constraints(include_planned=True))
    n = len(places)
    t = res.values["time_h"]
    missing = [f"{places[i]} -> {ends[k]}" for i in range(n) for k in range(2) if places[i] != ends[k] and not np.isfinite(t[i, n + k])]
    assert missing == []


def test_a_sample_of_dataset_ports_routes_to_mumbai_and_moscow(router: Any) -> None:
    import random

    import numpy as np

    from corridors.matrix import od_matrix

    ports = sorted(n for n, d in router.G.nodes(data=True) if d.get("origin") == "dataset")
    assert len(ports) >= 2500
    sample = random.Random(10).sample(ports, 40)  # noqa: S311 - a fixed test sample, not security
    res = od_matrix(router, [*sample, "Mumbai", "Moscow"], objective="time")
    t = res.values["time_h"]
    assert np.isfinite(t[:40, 40:]).all(), [sample[i] for i in range(40) if not np.isfinite(t[i, 40:]).all()]


def test_world_ports_resolve_by_name_alias_and_locode(G: Any) -> None:
    from corridors.places import resolve

    for q, want in [
        ("Singapore", "port:SGSIN"),
        ("SGSIN", "port:SGSIN"),
        ("Busan", "port:KRPUS"),
        ("Port Klang", "port:MYPKG"),
        ("Jebel Ali", "port:AEJEA"),
        ("Colombo", "port:LKCMB"),
        ("Shanghai", "port:CNSHA"),
        ("Port Said", "port:EGPSD"),
        ("Mersin", "port:TRMER"),
        ("Visakhapatnam", "port:INVTZ"),
        ("Kochi", "port:INCOK"),
        ("Tuticorin", "port:INTUT"),
        ("Ust-Luga", "port:RUULU"),
        ("Kaliningrad", "port:RUKGD"),
        ("Vostochny", "port:RUVYP"),
        ("Nakhodka", "port:RUNJK"),
        ("Bandar Imam Khomeini", "port:IRBKM"),
        ("Karachi", "port:PKKHI"),
        ("Nowshahr", "port:IRNSH"),
        ("Caspian Port", "port:caspian_port"),
        ("Kuryk", "port:kuryk"),
        ("Haldia", "port:INHAL"),
    ]:
        assert resolve(G, q).id == want, q
    # the curated port keeps its data: one node per LOCODE
    assert G.nodes["port:INMUN"].get("origin") != "dataset"
    assert sum(1 for _, d in G.nodes(data=True) if d.get("locode") == "INMUN") == 1


def test_world_ports_csv_is_current(tmp_path: Any) -> None:
    """The shipped table is what the generator makes from the installed searoute data."""
    from corridors import worldports

    out = tmp_path / "world_ports.csv"
    worldports.generate(out)
    assert out.read_text(encoding="utf-8") == worldports.csv_path().read_text(encoding="utf-8")


def test_generated_spurs_stay_at_sea(G: Any) -> None:
    """Every generated spur runs over land (1:50m, minus the listed waterways) for at most
    LAND_TOL_KM beyond the port's own shore; left-out ports say why."""
    from corridors import worldports

    land, tree = worldports.land_polygons()
    bad = []
    for u, v, k, d in G.edges(keys=True, data=True):
        if d.get("origin") != "port_dataset" or d.get("reverse"):
            continue
        km = worldports.spur_land_km((G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"]), land, tree)
        if km > worldports.LAND_TOL_KM + 0.01:
            bad.append(f"{k}: {km:.1f} km")
    assert bad == []
    left = [p for p in worldports.read_world_ports() if p.excluded]
    assert left and all(p.excluded for p in left)


# ------------------------------------------------------------------ the examples
def test_moscow_to_kolkata_routes(router: Any) -> None:
    r = router.route("Moscow", "Kolkata")
    assert r.destination == "rail:kolkata"


def test_central_asia_and_the_eastern_reach(router: Any) -> None:
    for a, country in [("Tashkent", "UZB"), ("Almaty", "KAZ"), ("Astana", "KAZ"), ("Mazar-i-Sharif", "AFG"), ("Quetta", "PAK")]:
        for b in ("Mumbai", "Moscow"):
            r = router.route(a, b)
            assert country in r.countries, (a, b)
    from corridors.routing import Constraints

    r = router.route("Kerman", "Karachi", constraints=Constraints(modes=("rail",)))
    assert {"IRN", "PAK"} <= set(r.countries) and r.gauge_changes == 1


def test_inland_terminals_route(router: Any) -> None:
    for a in ("Vorsino", "Selyatino", "Beliy Rast", "Kazan", "ICD Dadri", "Ludhiana", "Pune", "Hyderabad", "Nagpur"):
        r = router.route(a, "Mumbai" if a in ("Vorsino", "Selyatino", "Beliy Rast", "Kazan") else "Moscow")
        assert r.length_km > 0


def test_baku_is_baku_not_alat(G: Any) -> None:
    from corridors.places import resolve

    assert resolve(G, "Baku").id == "rail:baku"
    assert resolve(G, "Alat port").id == "port:AZBAK"


def test_position_reaches_the_network_by_a_counted_road_leg(router: Any) -> None:
    from corridors.access import ROAD_DETOUR
    from corridors.geo import haversine_km

    r = router.route("49.5,55.2", "Mumbai")
    first = r.moves[0]
    assert first.mode == "road" and first.leg_ids == ("access:origin",)
    node = router.G.nodes[first.to_id]
    km = haversine_km((49.5, 55.2), (node["x"], node["y"])) * ROAD_DETOUR
    assert first.length_km == pytest.approx(km)
    assert first.cost_usd > 0 and first.time_h > 0
    base = router.route(first.to_id, "Mumbai")
    assert r.time_h == pytest.approx(base.time_h + first.time_h)
    assert r.cost_usd == pytest.approx(base.cost_usd + first.cost_usd)
    last = router.route("Moscow", "72.9,19.3").moves[-1]
    assert last.mode == "road" and last.leg_ids == ("access:destination",)


def test_position_far_from_the_network_is_refused_with_the_nearest_places(router: Any) -> None:
    from corridors.errors import UnknownPlaceError

    with pytest.raises(UnknownPlaceError, match=r"more than 300 km from the network \(nearest: .+ km"):
        router.route("55,62", "Mumbai")


# ------------------------------------------------------------------ the matrix
def test_matrix_equals_route_totals(router: Any) -> None:
    from corridors.matrix import od_matrix

    places = ["Chelyabinsk", "Mumbai", "Vladivostok", "49.1,55.8", "Kolkata"]
    res = od_matrix(router, places, objective="cost")
    for i, a in enumerate(places):
        for j, b in enumerate(places):
            if i != j:
                r = router.route(a, b, objective="cost")
                assert res.values["cost_usd"][i, j] == pytest.approx(r.cost_usd)
                assert res.values["time_h"][i, j] == pytest.approx(r.time_h)
                assert res.values["length_km"][i, j] == pytest.approx(r.length_km)


def test_distance_matrix_honours_the_departure_date(router: Any) -> None:
    import datetime as dt

    from corridors.matrix import distance_matrix
    from corridors.routing import Constraints

    sea = Constraints(modes=("sea",))
    summer = distance_matrix(router, ["Murmansk", "Vladivostok"], objective="distance", constraints=sea)
    winter = distance_matrix(
        router, ["Murmansk", "Vladivostok"], objective="distance", constraints=Constraints(modes=("sea",), depart=dt.date(2026, 1, 15))
    )
    assert winter.iloc[0, 1] == pytest.approx(
        router.route(
            "Murmansk", "Vladivostok", objective="distance", constraints=Constraints(modes=("sea",), depart=dt.date(2026, 1, 15))
        ).length_km
    )
    assert winter.iloc[0, 1] > summer.iloc[0, 1] * 1.5  # the NSR is closed in January


def test_matrix_cli(tmp_path: Any) -> None:
    import pandas as pd
    from click.testing import CliRunner
    from corridors.cli.main import cli

    f = tmp_path / "places.txt"
    f.write_text("# ports\nMumbai\nChennai\n", encoding="utf-8")
    out = tmp_path / "m.parquet"
    res = CliRunner().invoke(cli, ["matrix", "Moscow", "--file", str(f), "--format", "parquet", "-o", str(out)])
    assert res.exit_code == 0, res.output
    df = pd.read_parquet(out)
    assert len(df) == 6 and df["time_days"].notna().all()
    res = CliRunner().invoke(cli, ["matrix", "Moscow", "Mumbai", "--format", "csv"])
    assert res.exit_code == 0 and res.output.startswith("origin,origin_id,destination")
    res = CliRunner().invoke(cli, ["matrix", "Moscow"])
    assert res.exit_code == 2


def test_country_names_resolve_to_a_stated_gateway_or_are_refused(G: Any) -> None:
    from corridors.errors import UnknownPlaceError
    from corridors.places import resolve

    p = resolve(G, "India")
    assert p.id == "port:INNSA" and "assumption" in p.note
    assert resolve(G, "UZB").id == "rail:tashkent"
    assert resolve(G, "Singapore").note == ""  # a place's own name wins over the country
    with pytest.raises(UnknownPlaceError, match=r"China \(CHN\) is a country with no single gateway.*e\.g\."):
        resolve(G, "China")
