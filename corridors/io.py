"""Reading network layers (GeoJSON) into raw records, and merging layers.

A *layer* is a GeoJSON FeatureCollection of nodes (Points) and legs (LineStrings) as described in
``data/README.md``. The bundled network is the layers in ``data/network/``; users may bring extra layers
(merged over it, feature by feature, by ``id``) or a whole network of their own.

Nothing here raises on a bad feature: every problem is collected as a :class:`~corridors.errors.Problem`
so that the validator can report them all at once.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import Problem

NODE_KINDS = ("port", "rail_terminal", "border_crossing", "city", "junction")
MODES = ("rail", "sea", "ferry", "road")
STATUSES = ("operational", "under_construction", "planned")
GAUGES = (1435, 1520, 1676)
MARNET = "marnet"


@dataclass
class Record:
    """One feature of a layer, as read (properties untouched, coordinates as floats)."""

    id: str
    props: dict[str, Any]
    coords: list[tuple[float, float]]
    file: str
    index: int

    @property
    def is_node(self) -> bool:
        return len(self.coords) == 1


@dataclass
class Layers:
    """The merged raw network: nodes and legs by id, plus every problem met while reading."""

    nodes: dict[str, Record] = field(default_factory=dict)
    legs: dict[str, Record] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def bundled_data_dir() -> Path:
    return Path(str(resources.files("corridors.data")))


def bundled_network_files() -> list[Path]:
    return sorted((bundled_data_dir() / "network").glob("*.geojson"))


def read_json(path: Path, problems: list[Problem]) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        problems.append(Problem(str(path), None, None, None, "file not found (check the path)"))
    except IsADirectoryError:
        problems.append(Problem(str(path), None, None, None, "is a folder, not a GeoJSON file"))
    except UnicodeDecodeError:
        problems.append(Problem(str(path), None, None, None, "is not UTF-8 text (save it as UTF-8 GeoJSON)"))
    except json.JSONDecodeError as exc:
        problems.append(
            Problem(str(path), None, None, None, f"not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")
        )
    return None


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _coords(file: str, i: int, fid: str | None, geom: Any, problems: list[Problem]) -> list[tuple[float, float]] | None:
    if not isinstance(geom, dict):
        problems.append(Problem(file, i, fid, "geometry", "missing or null geometry"))
        return None
    gtype = geom.get("type")
    raw = geom.get("coordinates")
    if gtype == "Point":
        pts = [raw]
    elif gtype == "LineString":
        pts = raw
    elif gtype == "MultiLineString" and isinstance(raw, list):
        # an antimeridian-split line: join its parts in order
        pts = [p for part in raw if isinstance(part, list) for p in part]
    else:
        problems.append(
            Problem(file, i, fid, "geometry", f"geometry type {gtype!r} is not Point, LineString or MultiLineString")
        )
        return None
    if not isinstance(pts, list) or not pts:
        problems.append(Problem(file, i, fid, "geometry", "empty geometry"))
        return None
    out: list[tuple[float, float]] = []
    for p in pts:
        if not (isinstance(p, list | tuple) and len(p) >= 2 and _number(p[0]) and _number(p[1])):
            problems.append(Problem(file, i, fid, "geometry", f"coordinate {p!r} is not a [lon, lat] pair of numbers"))
            return None
        lon, lat = float(p[0]), float(p[1])
        if not -90 <= lat <= 90 or not -180 <= lon <= 180:
            hint = " (lon and lat look swapped: GeoJSON wants [lon, lat])" if -90 <= lon <= 90 and -180 <= lat <= 180 else ""
            problems.append(Problem(file, i, fid, "geometry", f"coordinate [{lon}, {lat}] out of range{hint}"))
            return None
        out.append((lon, lat))
    if gtype != "Point" and len(out) < 2:
        problems.append(Problem(file, i, fid, "geometry", "a line needs at least two coordinates"))
        return None
    if gtype != "Point" and all(p == out[0] for p in out):
        problems.append(Problem(file, i, fid, "geometry", "line has zero length (all coordinates equal)"))
        return None
    return out


def read_layer(path: str | Path, problems: list[Problem]) -> list[Record]:
    """Read one GeoJSON layer into records; problems are appended, never raised."""
    path = Path(path)
    data = read_json(path, problems)
    if data is None:
        return []
    file = str(path)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        problems.append(Problem(file, None, None, None, "not a GeoJSON FeatureCollection (need {\"type\": \"FeatureCollection\", \"features\": [...]})"))
        return []
    records: list[Record] = []
    for i, feat in enumerate(data["features"]):
        if not isinstance(feat, dict):
            problems.append(Problem(file, i, None, None, "feature is not a JSON object"))
            continue
        props = feat.get("properties")
        if not isinstance(props, dict):
            problems.append(Problem(file, i, None, "properties", "missing properties object"))
            continue
        fid = props.get("id", feat.get("id"))
        if not isinstance(fid, str) or not fid.strip():
            problems.append(Problem(file, i, None, "id", "missing id (every node and leg needs a unique string id)"))
            continue
        props = dict(props)
        props["id"] = fid
        if props.get("action") == "remove":
            records.append(Record(fid, props, [], file, i))
            continue
        coords = _coords(file, i, fid, feat.get("geometry"), problems)
        if coords is None:
            continue
        if feat.get("geometry", {}).get("type") == "Point" and any(k in props for k in ("from", "to")):
            problems.append(Problem(file, i, fid, "geometry", "has from/to but is a Point: a leg must be a LineString"))
            continue
        records.append(Record(fid, props, coords, file, i))
    return records


def read_layers(
    base: Sequence[str | Path] | None = None,
    overlays: Iterable[str | Path] = (),
) -> Layers:
    """Read the base network (bundled if ``base`` is None) and merge overlay layers over it.

    In the base, an id may appear once only. An overlay feature replaces the base feature with the same
    id, or adds a new one; an overlay feature with ``"action": "remove"`` (geometry may be null) removes it.
    """
    layers = Layers()
    base_files = [Path(p) for p in base] if base is not None else bundled_network_files()
    for path in base_files:
        layers.files.append(str(path))
        for rec in read_layer(path, layers.problems):
            if rec.props.get("action") == "remove":
                layers.problems.append(Problem(rec.file, rec.index, rec.id, "action", "'remove' is only allowed in an overlay layer"))
                continue
            if rec.id in layers.nodes or rec.id in layers.legs:
                prev = layers.nodes.get(rec.id) or layers.legs[rec.id]
                layers.problems.append(
                    Problem(rec.file, rec.index, rec.id, "id", f"duplicate id (first defined in {prev.file}, feature {prev.index})")
                )
                continue
            (layers.nodes if rec.is_node else layers.legs)[rec.id] = rec
    for path in overlays:
        layers.files.append(str(path))
        seen: set[str] = set()
        for rec in read_layer(path, layers.problems):
            if rec.id in seen:
                layers.problems.append(Problem(rec.file, rec.index, rec.id, "id", "duplicate id within this overlay"))
                continue
            seen.add(rec.id)
            if rec.props.get("action") == "remove":
                if layers.nodes.pop(rec.id, None) is None and layers.legs.pop(rec.id, None) is None:
                    layers.problems.append(Problem(rec.file, rec.index, rec.id, "id", "nothing with this id to remove"))
                else:
                    layers.removed.append(rec.id)
                continue
            layers.nodes.pop(rec.id, None)
            layers.legs.pop(rec.id, None)
            (layers.nodes if rec.is_node else layers.legs)[rec.id] = rec
    # removing a node (closing a port, say) removes the legs that touch it
    gone = set(layers.removed)
    for lid in [lid for lid, rec in layers.legs.items() if rec.props.get("from") in gone or rec.props.get("to") in gone]:
        del layers.legs[lid]
        layers.removed.append(lid)
    return layers
