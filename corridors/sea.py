"""The sea layer: searoute's marnet read from the installed package, corrected, contracted.

What is done to marnet, and why (see also data/README.md and data/SOURCES.md):

* Lines are split at every vertex into a graph (as searoute does); longitudes over 180° are wrapped.
* Marnet's ``passage`` tags are ignored: chokepoints are tagged geometrically from our own polygons,
  so closing the Bering Strait or the NSR never closes the Canadian Northwest Passage by accident.
* Lines inside ``EXCLUDED_AREAS`` are dropped: the Caspian Sea and the Volga–Don waterway (no
  container service links the Caspian to the ocean; Caspian services are the hand-drawn ``ferry`` legs).
* Segments listed in ``REPLACED_SEGMENTS`` (marnet defects: lines over land) are dropped and the
  lines in ``ADDED_LINES`` (drawn at sea) added.
* Degree-2 chains are merged into one leg each (keeping their full geometry), so the graph routed on
  has a few thousand nodes instead of ten thousand.
"""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .geo import Coord, wrap_lon

#: (name, lon_min, lat_min, lon_max, lat_max, reason): marnet vertices inside are dropped.
EXCLUDED_AREAS: tuple[tuple[str, float, float, float, float, str], ...] = (
    ("caspian", 46.0, 36.0, 55.5, 47.6, "Caspian Sea: served by the hand-drawn ferry legs"),
    ("volga_don", 38.6, 45.5, 48.0, 49.5, "Volga-Don waterway: river-sea vessels only, no container service to the ocean"),
)

#: Marnet segments to drop (pairs of vertices, [lon, lat]; reason). Found by tests/test_sea.py's land
#: test against Natural Earth 1:50m countries; each crossed land by more than the test's tolerance.
REPLACED_SEGMENTS: tuple[tuple[Coord, Coord, str], ...] = (
    ((-180.0, 62.1), (167.9, 59.6), "crosses the Koryak coast near Cape Olyutorsky (25 km of land); replaced at sea"),
    ((-180.0, 62.1), (172.9, 52.6), "crosses Attu Island, Near Islands (21 km of land); replaced at sea"),
    ((-180.0, 50.0), (179.546718, 52.444362), "crosses Semisopochnoi Island, Rat Islands (16 km of land)"),
    ((-176.955364, 52.857175), (-176.7, 51.6), "crosses the Andreanof Islands (20 km of land)"),
    (
        (-161.722, 60.7633),
        (-155.5917, 62.9602),
        "Kuskokwim River above Bethel: not navigable by sea-going ships, a straight line over Alaska",
    ),
    ((-162.836, 66.9258), (-157.8624, 67.0822), "Kobuk River: a straight line over Alaska"),
    ((155.5219, 58.1331), (163.4886, 61.4359), "straight line over the Taygonos peninsula (dead end into Penzhina Bay)"),
    ((163.4886, 61.4359), (164.4002, 62.3784), "Penzhina Bay dead end over land"),
    ((160.0, -10.0), (162.70752, -9.463144), "crosses Guadalcanal (42 km of land)"),
    ((131.4, -3.0), (134.423123, -4.950402), "crosses the Bomberai peninsula, New Guinea (31 km of land)"),
    ((3.728416, 40.341835), (4.509103, 39.7329), "crosses Menorca (28 km of land)"),
    ((8.3614, 39.831), (8.4301, 38.6096), "crosses south-west Sardinia (13 km of land)"),
    (
        (-7.1, 34.4),
        (-5.75, 35.95),
        "crosses Cape Spartel, Morocco (8.6 km of land), on every Black Sea -> Gibraltar route; replaced at sea",
    ),
    (
        (22.947178, 37.960508),
        (23.020113, 37.909026),
        "the Corinth Canal: 24.6 m wide, too narrow for container ships; dropped (no replacement)",
    ),
)

#: Lines added at sea to replace dropped segments: (coordinates, reason).
ADDED_LINES: tuple[tuple[tuple[Coord, ...], str], ...] = (
    (
        ((-180.0, 62.1), (175.5, 60.3), (171.0, 59.4), (167.9, 59.6)),
        "Bering Sea south of Cape Olyutorsky, replacing the Koryak land crossing",
    ),
    (((-180.0, 62.1), (172.0, 53.6), (172.2, 52.7), (172.9, 52.6)), "west of Attu Island, replacing the Near Islands land crossing"),
    (
        ((-7.1, 34.4), (-6.5, 35.3), (-6.1, 35.85), (-5.75, 35.95)),
        "off the Atlantic coast of Morocco west of Cape Spartel, replacing the land crossing",
    ),
)

#: Navigable inland waterways and canals where a sea lane legitimately crosses the land polygons of
#: a 1:50m country layer: (name, lon_min, lat_min, lon_max, lat_max). Used by the land test only.
WATERWAYS: tuple[tuple[str, float, float, float, float], ...] = (
    ("Suez Canal", 32.2, 29.85, 32.65, 31.35),
    ("Turkish Straits and Sea of Marmara", 26.0, 39.9, 29.3, 41.3),
    ("Kola Bay (Murmansk)", 32.9, 68.85, 33.7, 69.4),
    ("Kaliningrad Sea Canal", 19.0, 54.5, 20.6, 55.0),
    ("Yangtze estuary", 118.5, 31.0, 122.0, 32.5),
    ("Hooghly River (Kolkata)", 87.9, 21.0, 88.4, 22.6),
    ("Shatt al-Arab and Khor Musa", 47.9, 29.6, 50.3, 30.7),
    ("Congo River estuary", 11.5, -6.2, 13.5, -5.7),
    ("Dutch inland waterways, IJsselmeer, Rotterdam", 3.85, 51.6, 6.0, 53.1),
    ("Elbe (Hamburg)", 8.2, 53.45, 10.0, 53.95),
    ("Thames estuary", 0.2, 51.44, 0.9, 51.56),
    ("Severn estuary", -2.85, 51.45, -2.25, 51.86),
    ("Moray Firth (Inverness)", -4.45, 57.55, -3.9, 57.72),
    ("Oslofjord", 10.2, 59.4, 10.8, 59.95),
    ("Bergen fjords", 5.2, 59.7, 5.6, 60.2),
    ("Vestfjord and Bodø approaches", 13.4, 67.05, 15.5, 67.35),
    ("Lillebælt (Fredericia)", 9.6, 55.6, 10.2, 55.75),
    ("Kuskokwim River to Bethel", -163.7, 58.9, -161.6, 60.85),
    ("Nushagak and Bristol Bay rivers", -161.5, 58.2, -160.2, 59.1),
    ("Swan River (Fremantle)", 115.4, -32.0, 115.9, -31.9),
    ("Brisbane River and Moreton Bay", 153.0, -27.5, 153.5, -26.95),
    ("Northern Dvina delta (Arkhangelsk)", 39.75, 64.5, 40.6, 64.8),
    ("Volga delta and Volga-Caspian Ship Canal (Astrakhan, Olya)", 46.9, 45.3, 48.3, 46.4),
    ("Pearl River (Guangzhou, Dongguan)", 113.2, 22.5, 113.75, 23.15),
    ("Western Scheldt (Antwerp)", 3.55, 51.25, 4.45, 51.45),
    ("Yong River (Ningbo)", 121.5, 29.85, 121.85, 30.0),
    ("Houston Ship Channel and Galveston Bay", -95.3, 29.3, -94.7, 29.8),
    ("Savannah River", -81.15, 32.0, -80.8, 32.15),
    ("Saigon and Long Tau rivers (Ho Chi Minh City)", 106.6, 10.35, 107.05, 10.85),
)

#: The land test covers the Old World seas and the Bering Sea, where the corridors run: from 25°W
#: eastwards to 150°W. Marnet's American inland waterways are outside it and kept as they are.
LAND_TEST_LON = (-25.0, -150.0)

SEA_SOURCE = "searoute 1.6.0 marnet (Eurostat SeaRoute, EUPL-1.2; ORNL Global Shipping Lane Network) [D1]"


def marnet_path() -> Path:
    """Path of marnet_searoute.geojson inside the installed searoute package (not imported)."""
    spec = importlib.util.find_spec("searoute")
    if spec is None or not spec.submodule_search_locations:
        msg = "the searoute package is not installed (pip install searoute==1.6.0); it provides the sea network"
        raise ModuleNotFoundError(msg)
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "marnet_searoute.geojson"


def _key(lon: float, lat: float) -> Coord:
    return (round(wrap_lon(lon), 6), round(lat, 6))


def node_id(c: Coord) -> str:
    return f"sea:{c[0]:.5f},{c[1]:.5f}"


def _excluded(c: Coord) -> bool:
    return any(x0 <= c[0] <= x1 and y0 <= c[1] <= y1 for _, x0, y0, x1, y1, _ in EXCLUDED_AREAS)


@dataclass(frozen=True)
class SeaLeg:
    id: str
    u: str
    v: str
    coords: tuple[Coord, ...]


@dataclass(frozen=True)
class SeaNetwork:
    nodes: dict[str, Coord]
    legs: list[SeaLeg]
    attached: dict[Coord, str]  # attach request -> sea node id


def read_segments(path: Path | None = None) -> list[tuple[Coord, Coord]]:
    """Marnet as a list of undirected vertex-to-vertex segments (wrapped, rounded, deduplicated)."""
    with (path or marnet_path()).open(encoding="utf-8") as fh:
        data = json.load(fh)
    segs: set[tuple[Coord, Coord]] = set()
    for feat in data["features"]:
        geom = feat["geometry"]
        lines = [geom["coordinates"]] if geom["type"] == "LineString" else geom["coordinates"]
        for line in lines:
            pts = [_key(p[0], p[1]) for p in line]
            for a, b in itertools.pairwise(pts):
                if a != b:
                    segs.add((a, b) if a < b else (b, a))
    return sorted(segs)


def sea_adjacency(path: Path | None = None) -> dict[Coord, list[Coord]]:
    """The corrected marnet as vertex adjacency lists, largest connected component only (before the
    degree-2 chains are contracted)."""
    segs = [s for s in read_segments(path) if not (_excluded(s[0]) and _excluded(s[1]))]
    drop = {_seg4(_key(*a), _key(*b)) for a, b, _ in REPLACED_SEGMENTS}
    segs = [s for s in segs if _seg4(*s) not in drop]
    for line, _ in ADDED_LINES:
        pts = [_key(*p) for p in line]
        segs.extend((a, b) if a < b else (b, a) for a, b in itertools.pairwise(pts))
    adj: dict[Coord, list[Coord]] = {}
    for a, b in segs:
        adj.setdefault(a, []).append(b)
        adj.setdefault(b, []).append(a)
    # only the largest connected component is kept (marnet is one component once the Caspian is cut)
    comp = _largest_component(adj)
    return {k: [n for n in v if n in comp] for k, v in adj.items() if k in comp}


def build_sea(attach: Iterable[Coord] = (), path: Path | None = None) -> SeaNetwork:
    """Build the contracted sea network.

    Parameters
    ----------
    attach
        Points where port spurs join the sea network; the nearest marnet vertex of each (the point
        itself when it is a vertex) is kept as a node (not contracted away). ``attached`` maps each
        point to that node's id.
    """
    adj = sea_adjacency(path)
    verts = list(adj)
    attached: dict[Coord, str] = {}
    keep: set[Coord] = {v for v, ns in adj.items() if len(ns) != 2}
    for pt in attach:
        best = pt if pt in adj else min(verts, key=lambda v: _fast_dist(v, pt))
        keep.add(best)
        attached[pt] = node_id(best)
    legs = _contract(adj, keep)
    nodes = {node_id(v): v for v in keep}
    return SeaNetwork(nodes, legs, attached)


def _seg4(a: Coord, b: Coord) -> tuple[Coord, Coord]:
    ra = (round(a[0], 4), round(a[1], 4))
    rb = (round(b[0], 4), round(b[1], 4))
    return (ra, rb) if ra < rb else (rb, ra)


def _fast_dist(v: Coord, pt: Coord) -> float:
    dlon = abs(v[0] - pt[0])
    dlon = min(dlon, 360 - dlon)
    return (dlon * math.cos(math.radians(pt[1]))) ** 2 + (v[1] - pt[1]) ** 2


def _largest_component(adj: dict[Coord, list[Coord]]) -> set[Coord]:
    seen: set[Coord] = set()
    best: set[Coord] = set()
    for start in adj:
        if start in seen:
            continue
        comp = {start}
        stack = [start]
        while stack:
            x = stack.pop()
            for n in adj[x]:
                if n not in comp:
                    comp.add(n)
                    stack.append(n)
        seen |= comp
        if len(comp) > len(best):
            best = comp
    return best


def _contract(adj: dict[Coord, list[Coord]], keep: set[Coord]) -> list[SeaLeg]:
    """Merge chains of degree-2 vertices between kept vertices into single legs."""
    legs: list[SeaLeg] = []
    used: set[tuple[Coord, Coord]] = set()
    for start in sorted(keep):
        for nxt in adj[start]:
            if (start, nxt) in used:
                continue
            chain = [start, nxt]
            used.add((start, nxt))
            used.add((nxt, start))
            prev, cur = start, nxt
            while cur not in keep:
                ns = adj[cur]
                step = ns[0] if ns[1] == prev and ns[0] != prev else ns[1]
                if ns[0] == ns[1]:
                    step = ns[0]
                used.add((cur, step))
                used.add((step, cur))
                prev, cur = cur, step
                chain.append(cur)
            if node_id(chain[0]) != node_id(chain[-1]):  # a loop back to its start never shortens a route
                legs.append(_leg(chain))
    # loops made only of degree-2 vertices (no kept vertex) are not reachable from anything kept
    return legs


def _leg(chain: list[Coord]) -> SeaLeg:
    h = hashlib.sha1(json.dumps(chain).encode()).hexdigest()[:12]  # noqa: S324 - an id, not security
    return SeaLeg(f"sea:{h}", node_id(chain[0]), node_id(chain[-1]), tuple(chain))
