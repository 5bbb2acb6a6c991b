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
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .geo import Coord, haversine_km, wrap_lon

#: (name, lon_min, lat_min, lon_max, lat_max, reason): marnet vertices inside are dropped.
EXCLUDED_AREAS: tuple[tuple[str, float, float, float, float, str], ...] = (
    ("caspian", 46.0, 36.0, 55.5, 47.6, "Caspian Sea: served by the hand-drawn ferry legs"),
    ("volga_don", 38.6, 45.5, 48.0, 49.5, "Volga-Don waterway: river-sea vessels only, no container service to the ocean"),
)

#: Marnet segments (pairs of vertices, rounded to 4 decimals) to drop: defects found by the land test.
REPLACED_SEGMENTS: tuple[tuple[Coord, Coord, str], ...] = ()

#: Lines added at sea to replace dropped segments: (coordinates, reason).
ADDED_LINES: tuple[tuple[tuple[Coord, ...], str], ...] = ()

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
            for a, b in zip(pts, pts[1:], strict=False):
                if a != b:
                    segs.add((a, b) if a < b else (b, a))
    return sorted(segs)


def build_sea(attach: Iterable[Coord] = (), path: Path | None = None) -> SeaNetwork:
    """Build the contracted sea network.

    Parameters
    ----------
    attach
        Points where port spurs join the sea network; the nearest marnet vertex of each is kept as a
        node (not contracted away). ``attached`` maps each point to that node's id.
    """
    segs = [s for s in read_segments(path) if not (_excluded(s[0]) and _excluded(s[1]))]
    drop = {_seg4(_key(*a), _key(*b)) for a, b, _ in REPLACED_SEGMENTS}
    segs = [s for s in segs if _seg4(*s) not in drop]
    for line, _ in ADDED_LINES:
        pts = [_key(*p) for p in line]
        segs.extend((a, b) if a < b else (b, a) for a, b in zip(pts, pts[1:], strict=False))
    adj: dict[Coord, list[Coord]] = {}
    for a, b in segs:
        adj.setdefault(a, []).append(b)
        adj.setdefault(b, []).append(a)
    # only the largest connected component is kept (marnet is one component once the Caspian is cut)
    comp = _largest_component(adj)
    adj = {k: [n for n in v if n in comp] for k, v in adj.items() if k in comp}
    verts = list(adj)
    attached: dict[Coord, str] = {}
    keep: set[Coord] = {v for v, ns in adj.items() if len(ns) != 2}
    for pt in attach:
        best = min(verts, key=lambda v: _fast_dist(v, pt))
        keep.add(best)
        attached[pt] = node_id(best)
    legs = _contract(adj, keep)
    nodes = {node_id(v): v for v in keep}
    return SeaNetwork(nodes, legs, attached)


def _seg4(a: Coord, b: Coord) -> tuple[Coord, Coord]:
    ra = (round(a[0], 4), round(a[1], 4))
    rb = (round(b[0], 4), round(b[1], 4))
    return (ra, rb) if ra < rb else (rb, ra)


def nearest_vertex_km(pt: Coord, verts: Sequence[Coord]) -> tuple[Coord, float]:
    best = min(verts, key=lambda v: _fast_dist(v, pt))
    return best, haversine_km(best, pt)


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
            legs.append(_leg(chain))
    # loops made only of degree-2 vertices (no kept vertex) are not reachable from anything kept
    return legs


def _leg(chain: list[Coord]) -> SeaLeg:
    h = hashlib.sha1(json.dumps(chain).encode()).hexdigest()[:12]  # noqa: S324 - an id, not security
    return SeaLeg(f"sea:{h}", node_id(chain[0]), node_id(chain[-1]), tuple(chain))
