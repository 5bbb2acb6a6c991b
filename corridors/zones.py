"""Country polygons and chokepoint / seasonal-zone polygons (read with json + shapely, no geopandas)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from .errors import Problem
from .io import bundled_data_dir, read_json

CHOKEPOINT_KINDS = ("strait", "canal", "cape", "river", "seasonal_zone")


@dataclass
class Zone:
    id: str
    name: str
    kind: str
    geometry: BaseGeometry
    littoral: tuple[str, ...] = ()
    territory: tuple[str, ...] = ()
    months: tuple[int, ...] | None = None
    weight: float = 1.0
    source: str = ""

    @property
    def is_chokepoint(self) -> bool:
        return self.kind != "seasonal_zone"

    def props(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "littoral": list(self.littoral),
            "territory": list(self.territory),
            "months": list(self.months) if self.months else None,
            "weight": self.weight,
            "source": self.source,
        }


@dataclass
class Index:
    """Polygons with an STRtree for fast intersection queries."""

    items: list[Any]
    geoms: list[BaseGeometry]
    tree: STRtree = field(init=False)

    def __post_init__(self) -> None:
        self.tree = STRtree(self.geoms)

    def hits(self, geom: BaseGeometry) -> list[int]:
        return [int(i) for i in self.tree.query(geom, predicate="intersects")]


def countries_path() -> Path:
    return bundled_data_dir() / "countries.geojson"


def chokepoints_path() -> Path:
    return bundled_data_dir() / "chokepoints.geojson"


def read_countries(path: Path | None = None, problems: list[Problem] | None = None) -> Index:
    """Country polygons; ``items`` are ISO-3 codes."""
    problems = problems if problems is not None else []
    path = path or countries_path()
    data = read_json(path, problems) or {"features": []}
    codes: list[str] = []
    geoms: list[Any] = []
    simple: list[tuple[int, tuple[bool, list[list[Any]]]]] = []  # (position in geoms, its rings)
    for i, feat in enumerate(data.get("features", [])):
        props = feat.get("properties") or {}
        code = props.get("iso_a3")
        rings = _simple_polygons(feat.get("geometry")) if isinstance(code, str) and len(code) == 3 else None
        if rings is not None and isinstance(code, str):
            simple.append((len(geoms), rings))
            codes.append(code)
            geoms.append(None)
            continue
        try:
            geom = shape(feat["geometry"])
        except Exception as exc:  # noqa: BLE001 - reported as a problem
            problems.append(Problem(str(path), i, code, "geometry", f"invalid geometry: {exc}"))
            continue
        if not isinstance(code, str) or len(code) != 3:
            problems.append(Problem(str(path), i, None, "iso_a3", "missing ISO-3 code"))
            continue
        codes.append(code)
        geoms.append(geom)
    for at, geom in zip((at for at, _ in simple), _build_polygons([rings for _, rings in simple]), strict=True):
        geoms[at] = geom
    return Index(codes, geoms)


def _simple_polygons(geometry: Any) -> tuple[bool, list[list[Any]]] | None:
    """A GeoJSON Polygon or MultiPolygon whose rings are all closed, two-dimensional and of at least
    four positions: whether it is a MultiPolygon, and its rings as float arrays per polygon; None for
    anything else (left to ``shape``)."""
    import numpy as np

    if not isinstance(geometry, dict):
        return None
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind not in ("Polygon", "MultiPolygon") or not isinstance(coords, list) or not coords:
        return None
    polys = [coords] if kind == "Polygon" else coords
    out: list[list[Any]] = []
    for poly in polys:
        if not isinstance(poly, list) or not poly:
            return None
        rings = []
        for ring in poly:
            try:
                a = np.asarray(ring, dtype=np.float64)
            except (ValueError, TypeError):
                return None
            if a.ndim != 2 or a.shape[1] != 2 or len(a) < 4 or a[0, 0] != a[-1, 0] or a[0, 1] != a[-1, 1]:
                return None
            rings.append(a)
        out.append(rings)
    return kind == "MultiPolygon", out


def _build_polygons(features: list[tuple[bool, list[list[Any]]]]) -> list[Any]:
    """What ``shapely.geometry.shape`` makes of each :func:`_simple_polygons` result, in a few vectorised
    calls: the same rings (``LinearRing`` of the same floats), polygons and multipolygons."""
    import numpy as np
    import shapely

    if not features:
        return []
    ring_arrays: list[Any] = []
    ring_poly: list[int] = []
    poly_feat: list[int] = []
    multi: list[bool] = []
    for f, (is_multi, polys) in enumerate(features):
        multi.append(is_multi)
        for rings in polys:
            for a in rings:
                ring_arrays.append(a)
                ring_poly.append(len(poly_feat))
            poly_feat.append(f)
    lengths = [len(a) for a in ring_arrays]
    rings_made = shapely.linearrings(np.concatenate(ring_arrays), indices=np.repeat(np.arange(len(ring_arrays)), lengths))
    polygons = shapely.polygons(rings_made, indices=np.asarray(ring_poly))
    out: list[Any] = [None] * len(features)
    at = 0
    for f, is_multi in enumerate(multi):
        n = 0
        while at + n < len(poly_feat) and poly_feat[at + n] == f:
            n += 1
        out[f] = shapely.multipolygons(polygons[at : at + n]) if is_multi else polygons[at]
        at += n
    return out


def read_zones(path: Path | None = None, problems: list[Problem] | None = None) -> list[Zone]:
    """Chokepoints and seasonal zones, validated (problems appended)."""
    problems = problems if problems is not None else []
    path = path or chokepoints_path()
    file = str(path)
    data = read_json(path, problems) or {"features": []}
    zones: list[Zone] = []
    seen: set[str] = set()
    for i, feat in enumerate(data.get("features", [])):
        props = feat.get("properties") or {}
        zid = props.get("id")
        if not isinstance(zid, str) or not zid:
            problems.append(Problem(file, i, None, "id", "missing id"))
            continue
        if zid in seen:
            problems.append(Problem(file, i, zid, "id", "duplicate id"))
            continue
        seen.add(zid)
        kind = props.get("kind")
        if kind not in CHOKEPOINT_KINDS:
            problems.append(Problem(file, i, zid, "kind", f"unknown kind {kind!r} (use one of {', '.join(CHOKEPOINT_KINDS)})"))
            continue
        try:
            geom = shape(feat["geometry"])
        except Exception as exc:  # noqa: BLE001
            problems.append(Problem(file, i, zid, "geometry", f"invalid geometry: {exc}"))
            continue
        if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(Problem(file, i, zid, "geometry", "must be a non-empty Polygon or MultiPolygon"))
            continue
        months = props.get("months")
        zones.append(
            Zone(
                id=zid,
                name=str(props.get("name", zid)),
                kind=kind,
                geometry=geom,
                littoral=tuple(props.get("littoral") or ()),
                territory=tuple(props.get("territory") or ()),
                months=tuple(months) if months else None,
                weight=float(props.get("weight", 1.0)),
                source=str(props.get("source", "")),
            )
        )
    return zones
