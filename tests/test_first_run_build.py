"""The quicker ways the first run builds the network give exactly what the plain ways give: the sea
lanes' ids, the service and feeder paths over the sea lanes."""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
import pytest

from corridors import sea, services
from corridors.params import load_parameters


@pytest.fixture(scope="module")
def built() -> nx.MultiDiGraph:
    """The bundled network as built (not read back from the cache)."""
    from corridors.graph import build_network

    G, problems = build_network()
    assert not [p for p in problems if p.severity == "error"]
    return G


def test_sea_leg_ids_are_the_plain_hashes() -> None:
    net = sea.build_sea()
    assert len(net.legs) > 10_000
    for leg in net.legs:
        plain = sea._leg(list(leg.coords))
        assert (leg.id, leg.u, leg.v) == (plain.id, plain.u, plain.v)
    chains = [[(1.0, 2.0), (3.5, -4)], [(5, 6.25), (7, 8), (9, 1e-07)], [(-180.0, 0.0), (179.5, 1.0)]]
    assert sea._leg_hashes(chains) == [sea._leg(c).id[4:] for c in chains]
    assert sea._leg_hashes([]) == []


def _ports(G: nx.MultiDiGraph) -> list[str]:
    return [n for n, d in G.nodes(data=True) if d.get("kind") == "port" and d.get("origin") != "dataset"]


def test_service_paths_are_the_plain_ones(built: nx.MultiDiGraph) -> None:
    lanes = services._sea_csr(built)
    ports = _ports(built)
    pairs = [(a, b) for a in ports for b in ports]  # a == b too
    fast = services._shortest_paths(built, pairs, lanes)
    plain = services._shortest_paths_plain(built, pairs, lanes)
    assert fast == plain
    assert list(fast) == list(plain)  # the same pairs in the same order
    assert sum(1 for p in fast.values() if len(p) > 3) > 100


def test_bounded_service_paths_keep_every_short_one(built: nx.MultiDiGraph) -> None:
    lanes = services._sea_csr(built)
    ports = _ports(built)
    pairs = [(a, b) for a in ports for b in ports if a != b]
    max_km = load_parameters(calibration=False).sea_service["generic_direct_max_km"][1]
    plain = services._shortest_paths_plain(built, pairs, lanes)

    def km(refs: Any) -> float:
        return sum(float(built.edges[r]["length_km"]) for r in refs)

    short = {p: refs for p, refs in plain.items() if km(refs) <= max_km}
    assert 10 < len(short) < len(plain)
    fast = services._shortest_paths(built, pairs, lanes, max_km=max_km)
    assert {p: refs for p, refs in fast.items() if km(refs) <= max_km} == short
    assert [p for p in fast if p in short] == list(short)  # in the plain order
    assert all(fast[p] == plain[p] for p in fast)
    assert services._shortest_paths(built, pairs, lanes, max_km=math.inf) == plain


def test_country_polygons_are_what_shape_makes(tmp_path: Any) -> None:
    import json

    from shapely.geometry import shape

    from corridors.zones import countries_path, read_countries

    features = json.loads(countries_path().read_text(encoding="utf-8"))["features"]
    square = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    hole = [[0.2, 0.2], [0.4, 0.2], [0.4, 0.4], [0.2, 0.2]]
    odd = [
        {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2]]]},  # not closed: shape closes it
        {"type": "Polygon", "coordinates": [[[0, 0, 1], [2, 0, 1], [2, 2, 1], [0, 0, 1]]]},  # three dimensions
        {"type": "MultiPolygon", "coordinates": [[square, hole], [[[5, 5], [6, 5], [6, 6.5], [5, 5]]]]},
        {"type": "Polygon", "coordinates": [square, hole]},
        {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
    ]
    features = [*features, *({"properties": {"iso_a3": f"X{i:02d}"}, "geometry": g} for i, g in enumerate(odd))]
    path = tmp_path / "countries.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    got = read_countries(path)
    assert got.items == [f["properties"]["iso_a3"] for f in features]
    for f, geom in zip(features, got.geoms, strict=True):
        want = shape(f["geometry"])
        assert type(geom) is type(want)
        assert geom.wkb == want.wkb
