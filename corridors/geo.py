"""Geometry helpers: geodesic lengths, the antimeridian, and the one place lon/lat order is converted.

Coordinates are (lon, lat) everywhere in corridors (RFC 7946). ``latlon`` is the only function that
turns them around, for folium/Leaflet's ``location=`` which wants (lat, lon).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from shapely import get_coordinates
from shapely.geometry import LineString, MultiLineString
from shapely.geometry.base import BaseGeometry

EARTH_RADIUS_KM = 6371.0088
KM_PER_NM = 1.852

Coord = tuple[float, float]


def latlon(lon: float, lat: float) -> tuple[float, float]:
    """Return (lat, lon) for Leaflet/folium from a GeoJSON (lon, lat) pair."""
    return (lat, lon)


def wrap_lon(lon: float) -> float:
    """Bring a longitude into [-180, 180)."""
    if -180.0 <= lon < 180.0:
        return lon
    return ((lon + 180.0) % 360.0) - 180.0


def haversine_km(a: Coord, b: Coord) -> float:
    """Great-circle distance on the mean-radius sphere (used for snapping and heuristics only)."""
    lon1, lat1 = map(math.radians, a)
    lon2, lat2 = map(math.radians, b)
    dlat = lat2 - lat1
    dlon = lon2 - lon1
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@lru_cache(maxsize=1)
def wgs84_geod() -> Any:
    """pyproj's ``Geod(ellps="WGS84")``: every geodesic length of corridors is computed by it.

    Imported the plain way. Importing pyproj runs its whole package ``__init__`` (CRS, transformations,
    the PROJ database: about 60 ms of a first run's CPU). Entering ``pyproj.geod`` alone, without
    that ``__init__``, was tried and left out: it would mean putting a half-made pyproj into ``sys.modules``."""
    from pyproj import Geod

    return Geod(ellps="WGS84")


def geodesic_km(coords: Sequence[Coord]) -> float:
    """Length of a polyline along WGS 84 geodesics, in km (handles the antimeridian)."""
    if len(coords) < 2:
        return 0.0
    lons = [c[0] for c in coords]
    lats = [c[1] for c in coords]
    return float(wgs84_geod().line_length(lons, lats)) / 1000.0


def great_circle_km(a: Coord, b: Coord) -> float:
    """WGS 84 geodesic distance between two points, in km."""
    _, _, d = wgs84_geod().inv(a[0], a[1], b[0], b[1])
    return float(d) / 1000.0


def split_antimeridian(coords: Sequence[Coord]) -> list[list[Coord]]:
    """Split a polyline whose longitudes are in [-180, 180] where it crosses the antimeridian.

    A step whose longitude jumps by more than 180° is taken to cross ±180; the crossing latitude is
    interpolated, so each part ends exactly on the meridian. Returns one or more parts.
    """
    parts: list[list[Coord]] = [[(wrap_lon(coords[0][0]), coords[0][1])]]
    for raw in coords[1:]:
        lon, lat = wrap_lon(raw[0]), raw[1]
        plon, plat = parts[-1][-1]
        if abs(lon - plon) > 180.0:
            # shift into a continuous frame, find where the meridian is crossed
            edge = 180.0 if plon > 0 else -180.0
            ulon = lon + 360.0 if plon > 0 else lon - 360.0
            t = (edge - plon) / (ulon - plon) if ulon != plon else 0.0
            ylat = plat + t * (lat - plat)
            parts[-1].append((edge, ylat))
            parts.append([(-edge, ylat)])
        parts[-1].append((lon, lat))
    return [p for p in parts if len(p) >= 2 and any(q != p[0] for q in p[1:])]


def line_geometry(coords: Sequence[Coord]) -> BaseGeometry:
    """A shapely line for (lon, lat) coordinates, split into a MultiLineString at the antimeridian."""
    parts = split_antimeridian(coords)
    if len(parts) == 1:
        return LineString(parts[0])
    return MultiLineString(parts)


def line_coords(geom: BaseGeometry) -> list[Coord]:
    """The coordinates of a (Multi)LineString as one list, parts joined in order."""
    # x and y of each point as floats (``get_coordinates``: the same numbers as ``coords``, in one call)
    if isinstance(geom, LineString):
        return [(x, y) for x, y in get_coordinates(geom).tolist()]
    out: list[Coord] = []
    for part in geom.geoms:
        pts = [(x, y) for x, y in get_coordinates(part).tolist()]
        if out and pts and abs(abs(pts[0][0]) - 180.0) < 1e-9 and abs(abs(out[-1][0]) - 180.0) < 1e-9:
            pts = pts[1:]
            out.pop()
        out.extend(pts)
    return out


def unwrap(coords: Iterable[Coord], ref_lon: float | None = None) -> list[Coord]:
    """Make longitudes continuous (may leave [-180, 180]) so a line over the antimeridian is drawn short.

    With ``ref_lon`` the first point is shifted by a multiple of 360° to lie nearest to it.
    """
    out: list[Coord] = []
    prev: float | None = ref_lon
    for lon, lat in coords:
        if prev is not None:
            while lon - prev > 180.0:
                lon -= 360.0
            while lon - prev < -180.0:
                lon += 360.0
        out.append((lon, lat))
        prev = lon
    return out


_unwrapped = unwrap  # ``edge_coords`` takes a flag of the same name


def edge_coords(d: Mapping[str, Any], *, unwrap: bool = False) -> list[Coord]:
    """Coordinates of a leg (its edge data ``d``) in its direction of travel: the two directions of a
    leg share one geometry, reversed here where needed. The one accessor for a leg's line; with
    ``unwrap``, continuous across the antimeridian (longitudes beyond ±180, for drawing)."""
    coords = line_coords(d["geometry"])
    coords = coords[::-1] if d.get("reverse") else coords
    return _unwrapped(coords) if unwrap else coords
