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
    geoms: list[BaseGeometry] = []
    for i, feat in enumerate(data.get("features", [])):
        props = feat.get("properties") or {}
        code = props.get("iso_a3")
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
    return Index(codes, geoms)


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
