"""The cheaper ways a first run builds the network give what the plain ways give: the countries of
many legs at once, the normalized place names and their index, the sea adjacency."""

from __future__ import annotations

import json
import random
import re
import unicodedata
from typing import Any

import networkx as nx
import numpy as np
import pytest
from shapely.geometry import LineString, MultiLineString

from corridors import places, sea
from corridors.geo import Coord, line_coords, line_geometry
from corridors.graph import _leg_countries, _legs_countries
from corridors.io import MARNET, read_layers
from corridors.zones import read_countries


@pytest.fixture(scope="module")
def countries() -> Any:
    return read_countries()


def _random_lines(rng: random.Random, n: int) -> list[list[Coord]]:
    lines: list[list[Coord]] = []
    for _ in range(n):
        lon, lat = rng.uniform(-180, 180), rng.uniform(-60, 75)
        line = [(lon, lat)]
        for _ in range(rng.randint(1, 6)):
            lon += rng.uniform(-25, 25)
            lat = max(-89.0, min(89.0, lat + rng.uniform(-10, 10)))
            line.append((lon if -180 <= lon <= 180 else (lon + 180) % 360 - 180, lat))  # may jump the antimeridian
        lines.append(line)
    return lines


def test_countries_of_many_legs_are_those_of_each(countries: Any) -> None:
    legs = [rec.coords for rec in read_layers(None, ()).legs.values() if rec.props.get("to") != MARNET]
    lines = legs + _random_lines(random.Random(11), 300)  # noqa: S311 - test data, not security
    lines.append([(30.0, 50.0), (30.0, 50.0 + 1e-9)])  # far shorter than a km
    got = _legs_countries([line_geometry(c) for c in lines], countries)
    want = [_leg_countries(c, countries) for c in lines]
    assert got == want
    assert sum(len(w) > 1 for w in want) > 50  # many lines cross several countries, in order
    assert _legs_countries([], countries) == []


def _normalize_plain(text: str) -> str:
    t = unicodedata.normalize("NFKD", text)
    t = "".join(ch for ch in t if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", t).split())


def test_normalize_is_the_plain_one() -> None:
    rng = random.Random(5)  # noqa: S311 - test data, not security
    alphabet = "aZ09 -_.,'/()\t\nÀéîõüßçÅøØłİıﬁ½²ⅣΩжß\u0301\u0308 "
    texts = ["", " ", "Bandar-e Abbās", "  Port of  MUMBAI ", "Ho Chi Minh City", "İstanbul", "ﬁnland", "x\u0301y"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20))) for _ in range(3000)]
    texts += ["".join(chr(rng.randint(32, 126)) for _ in range(rng.randint(0, 20))) for _ in range(3000)]
    for t in texts:
        assert places.normalize(t) == _normalize_plain(t), t


def test_name_index_is_the_plain_one() -> None:
    G = nx.MultiDiGraph()
    G.add_node("port:AAA", name="Álpha Port", aliases=["Alpha", "alpha port"], locode="AAAAA", kind="port")
    G.add_node("city:alpha", name="Alpha", aliases=[], kind="city")
    G.add_node("sea:1.00000,2.00000", name="sea lane junction", aliases=[])
    G.add_node("rail:b", name="", aliases=None, kind="rail_terminal")
    G.add_node("x", aliases=["X", "x"])
    plain: dict[str, list[str]] = {}
    for n in places.named_nodes(G):
        for k in places._keys(G, n):
            plain.setdefault(k, [])
            if n not in plain[k]:
                plain[k].append(n)
    got = places.name_index(G)
    assert got == plain and list(got) == list(plain)
    assert got["alpha"] == ["port:AAA", "city:alpha"]


def test_sea_adjacency_keeps_whole_lists_of_the_component() -> None:
    adj = sea.sea_adjacency()
    assert all(n in adj for ns in adj.values() for n in ns)  # every neighbour kept: the lists are whole
    segs, arr = sea._read_segments()
    assert segs == sea.read_segments()
    assert np.array_equal(arr, np.asarray(segs, dtype=np.float64))
    odd: set[Any] = {((1, 2.5), (3, -0.0)), ((1.0, 2.0), (0.5, 1)), ((1, 2), (3, 4))}
    listed, made = sea._sorted_segments_array(odd)
    assert listed == sorted(odd) and np.array_equal(made, np.asarray(listed, dtype=np.float64))
    assert sea._sorted_segments_array({((float("nan"), 1.0), (2.0, 3.0))})[1] is None


def _odd_lines(rng: random.Random) -> list[Any]:
    """Lines of positions as JSON gives them: ints and floats, longitudes past 180, numbers that need
    rounding (some of them halfway at the 7th decimal), repeated points, segments drawn both ways."""
    pool: list[Any] = [0, -0.0, 0.0, 180, -180, 187.69043, 180.0, -180.0, 12, 12.0, 1e-7, -1e-7, 0.1234565, 0.1234575, 2.5e-7]
    lines: list[Any] = []
    for _ in range(400):
        line: list[Any] = []
        for _ in range(rng.randint(0, 6)):
            if line and rng.random() < 0.2:
                line.append(list(line[-1]))  # the same point again
                continue
            x = rng.choice(pool) if rng.random() < 0.4 else round(rng.uniform(-200, 200), rng.choice((0, 2, 6, 9)))
            y = rng.choice(pool) if rng.random() < 0.4 else round(rng.uniform(-89, 89), rng.choice((0, 3, 6, 8)))
            x = int(x) if isinstance(x, float) and x.is_integer() and rng.random() < 0.3 else x
            line.append([x, y, 7.0] if rng.random() < 0.05 else [x, y])
        if len(line) > 1 and rng.random() < 0.3:
            lines.append(line[::-1])
        lines.append(line)
    return lines


def test_segments_at_once_are_the_plain_ones() -> None:
    segs, arr = sea._read_segments()
    data = json.loads(sea.marnet_path().read_text(encoding="utf-8"))
    lines = [
        ln
        for f in data["features"]
        for ln in ([f["geometry"]["coordinates"]] if f["geometry"]["type"] == "LineString" else f["geometry"]["coordinates"])
    ]
    plain = sea._segments_of(lines)
    assert repr(segs) == repr(plain[0]) and np.array_equal(arr, plain[1])  # ints stay ints: repr tells
    assert any(type(v) is int for seg in segs for pt in seg for v in pt)
    rng = random.Random(8)  # noqa: S311 - test data, not security
    for _ in range(30):
        lines = _odd_lines(rng)
        got, want = sea._segments_at_once(lines), sea._segments_of(lines)
        assert got is not None
        assert repr(got[0]) == repr(want[0])
        assert np.array_equal(got[1], np.asarray(want[0], dtype=np.float64))
    # anything unusual is left to the plain way
    for odd in (
        [[[1.0, 2.0], [True, 3.0]]],
        [[[1.0, 2.0], ["3", 4.0]]],
        [[[1.0, float("nan")], [2.0, 3.0]]],
        [[[1.0]]],
        [[[1.0, 2.0]]],
        [],
        [[]],
    ):
        assert sea._segments_at_once(odd) is None


def _line_coords_plain(geom: Any) -> list[Coord]:
    if isinstance(geom, LineString):
        return [(float(x), float(y)) for x, y, *_ in geom.coords]
    out: list[Coord] = []
    for part in geom.geoms:
        pts = [(float(x), float(y)) for x, y, *_ in part.coords]
        if out and pts and abs(abs(pts[0][0]) - 180.0) < 1e-9 and abs(abs(out[-1][0]) - 180.0) < 1e-9:
            pts = pts[1:]
            out.pop()
        out.extend(pts)
    return out


def test_line_coords_are_the_plain_ones() -> None:
    rng = random.Random(2)  # noqa: S311 - test data, not security
    geoms: list[Any] = [line_geometry(c) for c in _random_lines(rng, 500)]  # some split at the antimeridian
    assert any(isinstance(g, MultiLineString) for g in geoms)
    geoms += [LineString([(1, 2, 3), (4.5, 6, 7)]), LineString(), MultiLineString([[(179, 1), (180, 2)], [(-180, 2), (-179, 3)]])]
    for g in geoms:
        got = line_coords(g)
        assert repr(got) == repr(_line_coords_plain(g))


def _add_nodes_plain(G: nx.MultiDiGraph, layers: Any, countries: Any, problems: list[Any]) -> None:
    from shapely.geometry import Point

    from corridors.errors import Problem

    for rec in layers.nodes.values():
        lon, lat = rec.coords[0]
        p = rec.props
        code = p.get("country")
        if isinstance(code, str) and code in countries.items:
            pt = Point(lon, lat)
            poly = countries.geoms[countries.items.index(code)]
            if not poly.intersects(pt.buffer(0.3)):
                swapped = Point(lat, lon) if -180 <= lat <= 180 and -90 <= lon <= 90 else None
                hint = " (lon and lat look swapped)" if swapped is not None and poly.intersects(swapped.buffer(0.3)) else ""
                problems.append(Problem(rec.file, rec.index, rec.id, "geometry", f"position [{lon}, {lat}] is not in or near {code}{hint}"))
        attrs: dict[str, Any] = {k: v for k, v in p.items() if k not in ("id",)}
        attrs.setdefault("aliases", [])
        attrs.update(x=lon, y=lat, file=rec.file)
        G.add_node(rec.id, **attrs)


def test_nodes_checked_at_once_as_one_by_one(countries: Any) -> None:
    from corridors.graph import _add_nodes
    from corridors.io import Record

    layers = read_layers(None, ())
    rng = random.Random(4)  # noqa: S311 - test data, not security
    codes = [*countries.items[:40], "XXX", None, 7]
    for i in range(300):  # nodes near, far from and swapped out of the country they name
        lon, lat = rng.uniform(-180, 180), rng.uniform(-89, 89)
        if i % 3 == 0:
            lon, lat = lat, lon
        props = {"id": f"t{i}", "name": f"T {i}", "kind": "city", "country": rng.choice(codes)}
        layers.nodes[f"t{i}"] = Record(f"t{i}", props, [(lon, lat)], "test.geojson", i)
    plain_G, fast_G = nx.MultiDiGraph(), nx.MultiDiGraph()
    plain: list[Any] = []
    fast: list[Any] = []
    _add_nodes_plain(plain_G, layers, countries, plain)
    _add_nodes(fast_G, layers, countries, fast)
    assert [p.as_dict() for p in fast] == [p.as_dict() for p in plain] and len(plain) > 100
    assert any("swapped" in p.message for p in plain)
    assert list(fast_G.nodes(data=True)) == list(plain_G.nodes(data=True))


def _world_ports_plain(path: Any) -> list[Any]:
    """``read_world_ports`` row by row from ``csv.DictReader`` (the reference)."""
    import csv

    from corridors.worldports import WorldPort, _read_via

    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            sea_pt = (float(r["sea_lon"]), float(r["sea_lat"])) if r["sea_lon"] else None
            args = (r["locode"], r["name"], r["country"] or None, float(r["lon"]), float(r["lat"]), sea_pt)
            more = (float(r["spur_km"] or 0), float(r["land_km"] or 0), r["excluded"], _read_via(r.get("via") or ""))
            out.append(WorldPort(*args, *more, r.get("dataset") or "searoute"))
    return out


def _outcome(fn: Any, *args: Any) -> Any:
    try:
        return ("ok", [repr(p) for p in fn(*args)])
    except Exception as exc:  # noqa: BLE001 - the same error either way
        return ("error", type(exc).__name__)


HEAD = "locode,name,country,lon,lat,sea_lon,sea_lat,spur_km,land_km,excluded,via,dataset"


@pytest.mark.parametrize(
    "text",
    [
        f"{HEAD}\nAAAAA,A,X,1.5,2,3,4.25,5,,,,wpi\nBBBBB,B,,1,2,,,,,far,,\n",
        f"\n\n{HEAD}\n\nAAAAA,A,X,1.5,2,3,4.25,5,1,,1 2;3.5 4,\n\n",  # blank lines
        f"{HEAD}\nAAAAA,A,X,1.5,2,3,4.25,5,1,,,,extra,more\n",  # a long row
        f"{HEAD}\nAAAAA,A,X,1.5,2,,,5,1,far\n",  # a short row (no via, no dataset)
        f"{HEAD}\nAAAAA,A,X,1.5,2,3\n",  # too short: float(None)
        "locode,name,country,lon,lat,sea_lon,sea_lat,spur_km,land_km,excluded\nAAAAA,A,X,1,2,3,4,5,6,\n",  # no via, no dataset
        "locode,name,country,lon,lat,sea_lon,sea_lat,spur_km,land_km,excluded,name\nAAAAA,A,X,1,2,3,4,5,6,,B\n",  # a repeated name
        "locode,name,lon,lat\nAAAAA,A,1,2\n",  # a column missing: KeyError
        "locode,name,lon,lat\n",  # no rows
        "",
        f"{HEAD}\nAAAAA,A,X,east,2,3,4,5,6,,,\n",  # not a number
    ],
)
def test_world_ports_read_as_dictreader_does(tmp_path: Any, text: str) -> None:
    from corridors import worldports

    path = tmp_path / "ports.csv"
    path.write_text(text, encoding="utf-8")
    assert _outcome(worldports.read_world_ports, path) == _outcome(_world_ports_plain, path)
    taken = {"BBBBB"}
    kept = _outcome(lambda p: [w for w in _world_ports_plain(p) if not w.excluded and w.locode not in taken], path)
    assert _outcome(worldports.dataset_ports, taken, path) == kept


def test_bundled_world_ports_read_as_dictreader_does() -> None:
    from corridors import worldports

    ports = worldports.read_world_ports()
    assert len(ports) > 4000
    assert [repr(p) for p in ports] == [repr(p) for p in _world_ports_plain(worldports.csv_path())]
    taken = {p.locode for p in ports[::7]}
    assert worldports.dataset_ports(taken) == [p for p in ports if not p.excluded and p.locode not in taken]
