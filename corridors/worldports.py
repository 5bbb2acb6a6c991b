"""World ports from the ports data that ships with searoute, joined to the sea network by spurs.

``data/world_ports.csv`` is generated from ``searoute/data/ports.geojson`` (searoute 1.6.0,
Apache-2.0) by :func:`generate` (``python -m corridors.worldports``) and shipped, so that building the
network does not repeat the land checks. For each UN/LOCODE it records the port, its ISO-3 country and
either the marnet vertex its sea spur joins (the nearest vertex whose straight spur runs over land for
at most ``LAND_TOL_KM`` beyond its first ``SHORE_KM``, outside the listed waterways, among the
``CANDIDATES`` nearest within ``MAX_SPUR_KM``) or why the port is left out (inland, in the Caspian, every spur crosses land).

At build time (:func:`dataset_ports`) the rows whose LOCODE a hand-curated node already uses
(``port:<LOCODE>`` or its ``locode``) are skipped: the curated node keeps its data.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

from .geo import Coord, geodesic_km, haversine_km

MAX_SPUR_KM = 300.0
LAND_TOL_KM = 5.0
#: the first kilometres of a spur are the port's own shore: the dataset places a port at its town, and
#: the 1:50m coastline smooths harbours and river mouths away, so land there is not counted
SHORE_KM = 8.0
CANDIDATES = 12
PORTS_SOURCE = "searoute 1.6.0 ports.geojson (Apache-2.0) [D3]; spur generated to the nearest marnet vertex it can reach at sea"
#: names analysts type that the dataset spells otherwise (hand-curated; the dataset's name stays the name)
ALIASES: dict[str, tuple[str, ...]] = {
    "KRPUS": ("Busan",),
    "INCCU": ("Kolkata",),
    "INCOK": ("Kochi",),
    "INTUT": ("Thoothukudi", "V.O. Chidambaranar"),
    "INVTZ": ("Vizag", "Vishakhapatnam"),
    "INHAL": ("Haldia Dock",),
    "MYPKG": ("Port Klang",),
    "IRBKM": ("Bandar Imam Khomeini", "Bandar-e Emam Khomeyni", "BIK"),
    "RUULU": ("Ust Luga",),
    "RUKGD": ("Kaliningrad port",),
    "AEJEA": ("Jebel Ali port",),
    "EGPSD": ("Port Said East",),
    "LKCMB": ("Colombo port",),
    "CNSHA": ("Shanghai port", "Yangshan"),
    "SGSIN": ("Singapore port",),
    "PKKHI": ("Karachi port",),
    "VNSGN": ("Saigon", "Ho Chi Minh City"),
    "MMRGN": ("Yangon",),
    "BDCGP": ("Chattogram", "Chittagong"),
}
FIELDS = ("locode", "name", "country", "lon", "lat", "sea_lon", "sea_lat", "spur_km", "land_km", "excluded")


@dataclass(frozen=True)
class WorldPort:
    locode: str
    name: str
    country: str | None
    lon: float
    lat: float
    sea: Coord | None  # the marnet vertex the spur joins; None when left out
    spur_km: float
    land_km: float
    excluded: str  # why the port is left out ("" when it is in)


def csv_path() -> Path:
    from .io import bundled_data_dir

    return bundled_data_dir() / "world_ports.csv"


def ports_geojson_path() -> Path:
    from .sea import marnet_path

    return marnet_path().parent / "ports.geojson"


def read_world_ports(path: Path | None = None) -> list[WorldPort]:
    """Every row of ``data/world_ports.csv`` (included and left-out ports)."""
    out = []
    with (path or csv_path()).open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            sea = (float(r["sea_lon"]), float(r["sea_lat"])) if r["sea_lon"] else None
            out.append(
                WorldPort(
                    r["locode"],
                    r["name"],
                    r["country"] or None,
                    float(r["lon"]),
                    float(r["lat"]),
                    sea,
                    float(r["spur_km"] or 0),
                    float(r["land_km"] or 0),
                    r["excluded"],
                )
            )
    return out


def dataset_ports(taken: set[str], path: Path | None = None) -> list[WorldPort]:
    """The ports to add to the network: included rows whose LOCODE no curated node uses."""
    return [p for p in read_world_ports(path) if not p.excluded and p.locode not in taken]


# ---------------------------------------------------------------------------------- generation
def _unit(lon: float, lat: float) -> tuple[float, float, float]:
    lo, la = math.radians(lon), math.radians(lat)
    return (math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la))


def land_km(line: object, land: list[object], tree: object) -> float:
    """Kilometres of ``line`` over the land polygons (a list with its STRtree)."""
    total = 0.0
    for i in tree.query(line, predicate="intersects"):  # type: ignore[attr-defined]
        inter = line.intersection(land[i])  # type: ignore[attr-defined]
        for part in getattr(inter, "geoms", [inter]):
            if part.geom_type == "LineString":
                total += geodesic_km(list(part.coords))
    return total


def spur_land_km(port: Coord, vertex: Coord, land: list[object], tree: object) -> float:
    """Kilometres of the straight spur from ``port`` to ``vertex`` over land, beyond its first
    ``SHORE_KM``."""
    from shapely.geometry import LineString

    km = haversine_km(port, vertex)
    if km <= SHORE_KM:
        return 0.0
    f = SHORE_KM / km
    start = (port[0] + f * (vertex[0] - port[0]), port[1] + f * (vertex[1] - port[1]))
    return land_km(LineString([start, vertex]), land, tree)


def land_polygons() -> tuple[list[object], object]:
    """Natural Earth 1:50m country polygons minus the listed waterways, with an STRtree."""
    from shapely.geometry import box
    from shapely.ops import unary_union
    from shapely.strtree import STRtree

    from . import sea
    from .zones import read_countries

    countries = read_countries()
    water = unary_union([box(x0, y0, x1, y1) for _, x0, y0, x1, y1 in sea.WATERWAYS])
    land = [g.difference(water) for g in countries.geoms]
    return land, STRtree(land)


def generate(out: Path | None = None) -> list[WorldPort]:
    """Rebuild ``data/world_ports.csv`` from searoute's ports data (deterministic)."""
    import numpy as np
    from scipy.spatial import cKDTree
    from shapely.geometry import Point

    from . import sea
    from .zones import read_countries

    with ports_geojson_path().open(encoding="utf-8") as fh:
        feats = json.load(fh)["features"]
    adj = sea.sea_adjacency()
    verts = sorted(adj)
    tree = cKDTree(np.array([_unit(*v) for v in verts]))
    land, ltree = land_polygons()
    countries = read_countries()
    seen: set[str] = set()
    rows: list[WorldPort] = []
    for f in feats:
        p = f["properties"]
        code = str(p.get("port") or "").strip().upper()
        if len(code) != 5 or code in seen:
            continue
        seen.add(code)
        lon, lat = (float(x) for x in f["geometry"]["coordinates"][:2])
        name = str(p.get("name") or code).strip()
        pt = Point(lon, lat)
        near = countries.hits(pt.buffer(0.5))  # the country it lies in, else the nearest within ~50 km
        iso3 = str(countries.items[min(near, key=lambda i: countries.geoms[i].distance(pt))]) if near else None
        if sea._excluded((lon, lat)) and 46.0 <= lon <= 55.5 and 36.0 <= lat <= 47.6:
            rows.append(WorldPort(code, name, iso3, lon, lat, None, 0.0, 0.0, "Caspian Sea: reached by the hand-drawn ferry network only"))
            continue
        k = min(CANDIDATES, len(verts))
        _, idx = tree.query(_unit(lon, lat), k=k)
        best: WorldPort | None = None
        least_land = math.inf
        nearest_km = math.inf
        for j in idx:
            v = verts[int(j)]
            km = haversine_km((lon, lat), v)
            nearest_km = min(nearest_km, km)
            if km > MAX_SPUR_KM:
                break
            if abs(v[0] - lon) > 180:
                continue  # no spur across the antimeridian
            lk = spur_land_km((lon, lat), v, land, ltree)
            least_land = min(least_land, lk)
            if lk <= LAND_TOL_KM:
                best = WorldPort(code, name, iso3, lon, lat, v, round(km, 3), round(lk, 2), "")
                break
        if best is None:
            if nearest_km > MAX_SPUR_KM or not math.isfinite(least_land):
                why = f"inland or off the sea lanes: the nearest sea-lane vertex is {nearest_km:.0f} km away (limit {MAX_SPUR_KM:g} km)"
            else:
                why = f"every spur to the {k} nearest sea-lane vertices within {MAX_SPUR_KM:g} km crosses land (at least {least_land:.0f} km; limit {LAND_TOL_KM:g} km)"
            best = WorldPort(code, name, iso3, lon, lat, None, 0.0, 0.0, why)
        rows.append(best)
    rows.sort(key=lambda r: r.locode)
    path = out or csv_path()
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(FIELDS)
        for r in rows:
            w.writerow(
                [
                    r.locode,
                    r.name,
                    r.country or "",
                    repr(r.lon),
                    repr(r.lat),
                    repr(r.sea[0]) if r.sea else "",
                    repr(r.sea[1]) if r.sea else "",
                    r.spur_km if r.sea else "",
                    r.land_km if r.sea else "",
                    r.excluded,
                ]
            )
    tmp.replace(path)
    return rows


if __name__ == "__main__":  # pragma: no cover - a maintenance tool
    rows = generate(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    kept = [r for r in rows if not r.excluded]
    print(f"{len(rows)} ports, {len(kept)} joined to the sea network, {len(rows) - len(kept)} left out")
