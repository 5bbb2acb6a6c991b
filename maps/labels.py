"""Offline place names on the basemap: countries, seas and oceans, cities and ports.

Country names and shapes come from ``data/countries.geojson`` (Natural Earth admin-0, public
domain); each name sits at the pole of inaccessibility of the country's largest part. City and port
names are the network's node names (``data/network/*.geojson``). Sea and ocean names are the
English names of the IHO's *Limits of Oceans and Seas* (Special Publication S-23, 3rd edition,
1953); their label positions below are placed by hand for this map (an assumption: a point well
inside each sea, not an official centre).

The browser shows a label from its minimum zoom and hides one that would overlap a label of higher
priority (``corridorsLabels`` in the page script).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from shapely.ops import polylabel

from .geometry import Country, Frame, countries

#: (name, lon, lat, minimum zoom): IHO S-23 names, hand-placed positions (see the module docstring)
SEA_LABELS: tuple[tuple[str, float, float, int], ...] = (
    ("Indian Ocean", 75.0, -12.0, 2),
    ("Atlantic Ocean", -35.0, 25.0, 2),
    ("Pacific Ocean", 165.0, 25.0, 2),
    ("Arctic Ocean", 60.0, 84.0, 2),
    ("Southern Ocean", 60.0, -58.0, 2),
    ("Arabian Sea", 64.0, 15.0, 3),
    ("Bay of Bengal", 88.5, 15.0, 3),
    ("Caspian Sea", 50.8, 42.3, 3),
    ("Mediterranean Sea", 18.0, 34.5, 3),
    ("Black Sea", 34.0, 43.3, 3),
    ("Red Sea", 38.3, 20.5, 4),
    ("Persian Gulf", 51.5, 27.0, 4),
    ("Gulf of Oman", 58.6, 24.6, 5),
    ("Gulf of Aden", 48.0, 12.6, 5),
    ("Barents Sea", 40.0, 73.0, 3),
    ("Kara Sea", 70.0, 76.0, 3),
    ("Laptev Sea", 125.0, 76.5, 3),
    ("East Siberian Sea", 160.0, 73.5, 3),
    ("Chukchi Sea", -170.0, 69.5, 4),
    ("Bering Sea", -178.0, 58.0, 3),
    ("Sea of Okhotsk", 148.0, 54.0, 3),
    ("Sea of Japan", 135.0, 40.0, 4),
    ("East China Sea", 126.0, 29.0, 4),
    ("South China Sea", 114.0, 13.0, 3),
    ("Andaman Sea", 96.0, 11.0, 4),
    ("Baltic Sea", 19.5, 57.0, 4),
    ("North Sea", 3.5, 56.0, 4),
    ("Norwegian Sea", 3.0, 68.0, 3),
    ("Laccadive Sea", 75.0, 8.5, 5),
)

#: approximate width of one character in px, by label class (for the overlap test in the browser)
CHAR_PX = {"corr-lbl-sea": 6.6, "corr-lbl-country": 6.4, "corr-lbl-city": 6.2, "corr-lbl-reserve": 7.6}


def _min_zoom(area_deg2: float) -> int:
    for limit, z in ((150.0, 2), (30.0, 3), (5.0, 4), (1.0, 5)):
        if area_deg2 >= limit:
            return z
    return 6


_POINTS: dict[int, tuple[tuple[Country, ...], tuple[tuple[str, str, float, float, float], ...]]] = {}


def _country_points(world: tuple[Country, ...]) -> tuple[tuple[str, str, float, float, float], ...]:
    """(iso, name, lon, lat, area) of each country's label point, largest country first; computed
    once per loaded country set (``countries()`` returns the same tuple while the file is unchanged)."""
    hit = _POINTS.get(id(world))
    if hit is not None and hit[0] is world:
        return hit[1]
    out = []
    for c in world:
        if not c.name:
            continue
        geom = c.geometry
        parts = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
        part = max(parts, key=lambda p: p.area)
        try:
            pt = polylabel(part, tolerance=max(0.05, part.area**0.5 / 50))
        except Exception:  # noqa: BLE001 - an odd polygon: fall back to a point inside it
            pt = part.representative_point()
        out.append((c.iso, c.name, pt.x, pt.y, geom.area))
    result = tuple(sorted(out, key=lambda t: -t[4]))
    _POINTS.clear()
    _POINTS[id(world)] = (world, result)
    return result


def _short(name: str) -> str:
    """ "Astrakhan (port)" -> "Astrakhan": the bracketed qualifiers are for popups."""
    return re.sub(r"\s*\(.*?\)\s*", " ", name).strip() or name


def _item(text: str, lon: float, lat: float, z: int, cls: str, frame: Frame, digits: int = 2) -> list[Any]:
    lon += frame.shift_for(lon)
    return [text, round(lat, digits), round(lon, digits), z, cls, round(len(text) * CHAR_PX[cls] + 6)]


def _inside(lon: float, lat: float, frame: Frame, margin: float) -> bool:
    lon += frame.shift_for(lon)
    return frame.west - margin <= lon <= frame.east + margin and frame.south - margin / 2 <= lat <= frame.north + margin / 2


def background_labels(frame: Frame, margin: float = 30.0) -> list[list[Any]]:
    """Sea, ocean and country labels near ``frame``, by priority (oceans and large countries first).
    Each is ``[text, lat, lon, min zoom, css class, width px]`` (text not yet escaped)."""
    items = [_item(name, lon, lat, z, "corr-lbl-sea", frame) for name, lon, lat, z in SEA_LABELS if _inside(lon, lat, frame, margin)]
    for _, name, lon, lat, area in _country_points(countries()):
        if _inside(lon, lat, frame, margin):
            items.append(_item(name, lon, lat, _min_zoom(area), "corr-lbl-country", frame))
    items.sort(key=lambda it: it[3])  # stable: oceans before countries of the same zoom
    return items


def place_labels(G: Any, on_routes: Sequence[str], frame: Frame, margin: float = 10.0, exclude: Sequence[str] = ()) -> list[list[Any]]:
    """Names of the network's ports, rail terminals and cities near ``frame``: places on a shown
    route first (from zoom 3), ports next, then terminals (from zoom 4). ``exclude``: places
    labelled otherwise (the origin and destination)."""
    if G is None:
        return []
    on, skip = set(on_routes), set(exclude)
    out: list[list[Any]] = []
    for n in exclude:  # the origin's and destination's own labels: reserve their space
        d = G.nodes[n] if n in G else {}
        if "x" in d and d.get("name"):
            out.append(_item(str(d["name"]), float(d["x"]), float(d["y"]), 0, "corr-lbl-reserve", frame, digits=3))
    rank = {"port": 1, "city": 2, "rail_terminal": 2}
    cands = []
    for n, d in G.nodes(data=True):
        kind = d.get("kind")
        if kind not in rank or "x" not in d or not d.get("name") or n in skip:
            continue
        lon, lat = float(d["x"]), float(d["y"])
        if not _inside(lon, lat, frame, margin):
            continue
        prio = 0 if n in on else rank[str(kind)]
        cands.append((prio, str(d["name"]), lon, lat))
    cands.sort()
    seen: set[str] = set()
    for prio, name, lon, lat in cands:
        text = _short(name)
        if text in seen:
            continue
        seen.add(text)
        out.append(_item(text, lon, lat, 3 if prio < 2 else 4, "corr-lbl-city", frame, digits=3))
    return out
