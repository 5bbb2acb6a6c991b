"""Geometry for display: continuous longitudes over the antimeridian, simplification, rounding,
and the offline basemap (Natural Earth countries, simplified once per process)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from shapely.geometry import LineString, MultiPolygon, box, mapping, shape
from shapely.geometry.base import BaseGeometry

from corridors.geo import Coord, unwrap

#: simplification tolerances in degrees, by mode (hand-drawn land legs have few vertices already)
SIMPLIFY_DEG = {"sea": 0.02, "ferry": 0.01, "rail": 0.005, "road": 0.005}
BASEMAP_SIMPLIFY_DEG = 0.05
DIGITS = 4
BASEMAP_DIGITS = 2


def simplify_line(coords: Sequence[Coord], tolerance: float, digits: int = DIGITS) -> list[list[float]]:
    """Douglas–Peucker simplified (lon, lat) coordinates rounded to ``digits``; endpoints kept."""
    pts = [(float(x), float(y)) for x, y in coords]
    if len(pts) > 2 and tolerance > 0:
        simple = LineString(pts).simplify(tolerance, preserve_topology=False)
        if not simple.is_empty and len(simple.coords) >= 2:
            pts = [(float(x), float(y)) for x, y, *_ in simple.coords]
    out: list[list[float]] = []
    for x, y in pts:
        p = [round(x, digits), round(y, digits)]
        if not out or out[-1] != p:
            out.append(p)
    if len(out) == 1:
        out.append(list(out[0]))
    return out


def unwrap_route(moves_coords: Iterable[Sequence[Coord]], ref_lon: float | None = None) -> list[list[Coord]]:
    """Unwrap the legs of one route as one continuous line: each leg starts where the previous
    ended, so a route over the antimeridian keeps going past ±180° instead of jumping across the
    map."""
    out: list[list[Coord]] = []
    prev = ref_lon
    for coords in moves_coords:
        u = unwrap(coords, prev) if coords else []
        if u:
            prev = u[-1][0]
        out.append(u)
    return out


@dataclass
class Frame:
    """The longitude window the routes are drawn in (may extend past ±180°)."""

    west: float
    east: float
    south: float
    north: float

    @property
    def center_lon(self) -> float:
        return (self.west + self.east) / 2

    def shift_for(self, lon: float) -> float:
        """The multiple of 360° that brings ``lon`` inside the frame, or nearest its centre."""
        for k in (0.0, 360.0, -360.0):
            if self.west - 5 <= lon + k <= self.east + 5:
                return k
        return min((0.0, 360.0, -360.0), key=lambda k: abs(lon + k - self.center_lon))

    def bounds(self) -> list[list[float]]:
        """[[south, west], [north, east]] as Leaflet wants."""
        return [[self.south, self.west], [self.north, self.east]]


def frame_of(lines: Iterable[Sequence[Coord]], default: Frame | None = None) -> Frame:
    west = south = math.inf
    east = north = -math.inf
    for line in lines:
        for x, y in line:
            west, east = min(west, x), max(east, x)
            south, north = min(south, y), max(north, y)
    if not math.isfinite(west):
        return default or Frame(20.0, 100.0, 0.0, 70.0)
    return Frame(west, east, south, north)


def shift_coords(coords: Sequence[Coord], k: float) -> list[Coord]:
    return [(x + k, y) for x, y in coords] if k else list(coords)


def round_geometry(geom: BaseGeometry, digits: int) -> dict[str, Any]:
    """A GeoJSON geometry dict with coordinates rounded to ``digits``."""

    def rnd(c: Any) -> Any:
        if isinstance(c, list | tuple) and c and isinstance(c[0], int | float):
            return [round(float(c[0]), digits), round(float(c[1]), digits)]
        return [rnd(x) for x in c]

    gj = mapping(geom)
    return {"type": gj["type"], "coordinates": rnd(gj["coordinates"])}


def translate(geom: BaseGeometry, k: float) -> BaseGeometry:
    if not k:
        return geom
    from shapely.affinity import translate as _t

    return _t(geom, xoff=k)


@dataclass(frozen=True)
class Country:
    iso: str
    name: str
    bounds: tuple[float, float, float, float]
    geometry: BaseGeometry  # simplified for display (BASEMAP_SIMPLIFY_DEG)
    fine: dict[str, Any]  # GeoJSON geometry of ``geometry``, rounded
    coarse: dict[str, Any]  # a much coarser GeoJSON geometry for far-away countries


def _drop_small(geom: BaseGeometry, min_area: float) -> BaseGeometry:
    """Drop the parts of a MultiPolygon under ``min_area`` square degrees (keep the largest)."""
    if geom.geom_type != "MultiPolygon":
        return geom
    parts = list(geom.geoms)
    keep = [p for p in parts if p.area >= min_area] or [max(parts, key=lambda p: p.area)]
    return keep[0] if len(keep) == 1 else MultiPolygon(keep)


_BASEMAP_VERSION = f"maps-basemap-1:{BASEMAP_SIMPLIFY_DEG}:{BASEMAP_DIGITS}"


@lru_cache(maxsize=4)
def _countries(path: str, mtime: float) -> tuple[Country, ...]:
    """Simplified countries, from the on-disk cache (``corridors.cache``) when up to date."""
    from corridors import cache

    key = cache.key_for([Path(path)], extra=(_BASEMAP_VERSION,))
    hit = cache.load("basemap", key)
    if isinstance(hit, tuple) and all(isinstance(c, Country) for c in hit):
        return hit
    out = _build_countries(path)
    cache.save("basemap", key, out)
    return out


def _build_countries(path: str) -> tuple[Country, ...]:
    with Path(path).open(encoding="utf-8") as fh:
        data = json.load(fh)
    out = []
    for feat in data.get("features", []):
        props = feat.get("properties") or {}
        try:
            raw = shape(feat["geometry"])
        except (KeyError, ValueError, TypeError, AttributeError):
            continue
        fine = _drop_small(raw, 0.004).simplify(BASEMAP_SIMPLIFY_DEG, preserve_topology=True)
        coarse = _drop_small(raw, 0.5).simplify(0.25, preserve_topology=True)
        if fine.is_empty:
            continue
        if coarse.is_empty:
            coarse = fine
        out.append(
            Country(
                iso=str(props.get("iso_a3", "")),
                name=str(props.get("name", "")),
                bounds=tuple(float(b) for b in fine.bounds),  # type: ignore[arg-type]
                geometry=fine,
                fine=round_geometry(fine, BASEMAP_DIGITS),
                coarse=round_geometry(coarse, 1),
            )
        )
    return tuple(out)


def countries(path: Path | None = None) -> tuple[Country, ...]:
    """Every country polygon, simplified for display; ``()`` if the file is missing."""
    if path is None:
        from corridors.zones import countries_path

        path = countries_path()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return ()
    return _countries(str(path), mtime)


def country_names(path: Path | None = None) -> dict[str, str]:
    return {c.iso: c.name for c in countries(path) if c.iso and c.name}


def basemap_features(frame: Frame, path: Path | None = None, margin: float = 40.0) -> list[dict[str, Any]]:
    """Country polygons for the offline basemap: detailed near the routes (``frame`` plus ``margin``
    degrees), coarse elsewhere, plus copies shifted by ±360° for the part of the frame beyond the
    antimeridian (so Chukotka and Alaska are drawn beside a route that crosses it)."""
    w, s, e, n = (
        frame.west - margin,
        frame.south - margin / 2,
        frame.east + margin,
        frame.north + margin / 2,
    )
    feats: list[dict[str, Any]] = []
    world = countries(path)
    for c in world:
        x0, y0, x1, y1 = c.bounds
        near = x0 <= e and x1 >= w and y0 <= n and y1 >= s
        feats.append({"type": "Feature", "properties": {}, "geometry": c.fine if near else c.coarse})
    bands: list[tuple[float, BaseGeometry]] = []
    if e > 180:
        bands.append((360.0, box(-180, s, min(180.0, e - 360), n)))
    if w < -180:
        bands.append((-360.0, box(max(-180.0, w + 360), s, 180, n)))
    for k, window in bands:
        for c in world:
            x0, y0, x1, y1 = c.bounds
            wx0, wy0, wx1, wy1 = window.bounds
            if x0 > wx1 or x1 < wx0 or y0 > wy1 or y1 < wy0:
                continue
            g = c.geometry.intersection(window)
            if g.is_empty or g.geom_type not in ("Polygon", "MultiPolygon"):
                continue
            feats.append(
                {
                    "type": "Feature",
                    "properties": {},
                    "geometry": round_geometry(translate(g, k), BASEMAP_DIGITS),
                }
            )
    return feats
