"""Building the multimodal network graph from the layers, the sea layer and the zones.

``load_network`` is the entry point: it reads and validates everything, derives each leg's geodesic
length, the countries its line crosses and the chokepoints it passes, and returns a
``networkx.MultiDiGraph`` (one edge per direction of a leg, keyed by the leg id; both directions share
one ``geometry`` drawn from ``from`` to ``to``, and the reverse edge has ``reverse=True``: use
:func:`edge_coords` for coordinates in the direction of travel). The result is cached
on disk keyed by a hash of every input file and of the code that builds it, so a stale cache is never
used (see :mod:`corridors.cache`).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import cache, sea, worldports
from .checks import check_records
from .errors import NetworkValidationError, Problem
from .geo import Coord, geodesic_km, haversine_km, line_geometry, wgs84_geod
from .geo import edge_coords as edge_coords  # the one accessor of a leg's line, also here where it was
from .graphstate import edges_added, put_edge, put_node, weak_components
from .io import MARNET, Layers, Record, read_layers
from .netview import RowGraph, as_networkx, is_graph
from .worldports import WorldPort
from .zones import Index, Zone, chokepoints_path, countries_path, read_countries, read_zones

if TYPE_CHECKING:
    import networkx as nx


log = logging.getLogger(__name__)
progress = logging.getLogger("corridors.progress")

END_TOLERANCE_KM = 5.0
COUNTRY_MIN_KM = 1.0
LENGTH_MAX_RATIO = 1.6
BUILD_VERSION = "19"  # bump when the build logic changes (invalidates caches)


def _leg_countries(coords: Sequence[Coord], countries: Index | None) -> tuple[str, ...]:
    """ISO-3 codes of the countries the line crosses for more than 1 km, in order along the line.

    Port sea spurs get ``countries=None``: they cross no territory by construction (the land test
    checks the drawing).
    """
    if countries is None:
        return ()
    geom = line_geometry(coords)
    found: list[tuple[float, str]] = []
    for i in countries.hits(geom):
        inter = geom.intersection(countries.geoms[i])
        if inter.is_empty:
            continue
        parts = getattr(inter, "geoms", [inter])
        km = sum(geodesic_km(list(p.coords)) for p in parts if p.geom_type == "LineString")
        if km > COUNTRY_MIN_KM:
            # order by position along the line: distance of the first intersection point from the start
            first = min(geom.project(p.interpolate(0)) for p in parts if p.geom_type == "LineString")
            found.append((first, countries.items[i]))
    return tuple(code for _, code in sorted(found))


def _legs_countries(geoms: Sequence[Any], countries: Index) -> list[tuple[str, ...]]:
    """:func:`_leg_countries` of many legs at once, given their :func:`~corridors.geo.line_geometry`:
    the pairs of a line and a country polygon that intersect found in one query of the polygons' tree
    (boxes), the predicate then tested on the polygons prepared (the same pairs: ``intersects`` is
    symmetric, and the prepared test exact), their intersections made in one call, and the lengths of
    the parts in one call to pyproj (the same floats, see :func:`_geodesic_kms`)."""
    import numpy as np
    import shapely

    out: list[list[tuple[float, str]]] = [[] for _ in geoms]
    if not len(geoms) or not countries.geoms:
        return [() for _ in geoms]
    lines = np.asarray(geoms, dtype=object)
    polys = np.empty(len(countries.geoms), dtype=object)
    polys[:] = countries.geoms
    li, pi = countries.tree.query(lines)  # the boxes that overlap
    shapely.prepare(polys[np.flatnonzero(np.bincount(pi, minlength=len(polys)))])  # np.unique(pi), whose first call imports numpy.ma
    ok = shapely.intersects(polys[pi], lines[li])
    li, pi = li[ok], pi[ok]
    order = np.lexsort((pi, li))  # leg by leg (the order of the found list does not matter: it is sorted)
    li, pi = li[order], pi[order]
    inters = shapely.intersection(lines[li], polys[pi]).tolist()
    todo: list[tuple[int, int, list[Any]]] = []  # (leg, country, its line parts)
    for i, j, inter in zip(li.tolist(), pi.tolist(), inters, strict=True):
        if inter.is_empty:
            continue
        parts = [p for p in getattr(inter, "geoms", [inter]) if p.geom_type == "LineString"]
        todo.append((i, j, parts))
    kms = iter(_geodesic_kms([list(p.coords) for _, _, parts in todo for p in parts]))
    for i, j, parts in todo:
        km = 0.0  # added up part by part, in order, as sum() does in _leg_countries
        for _ in parts:
            km += next(kms)
        if km > COUNTRY_MIN_KM:
            geom = geoms[i]
            first = min(geom.project(p.interpolate(0)) for p in parts)
            out[i].append((first, countries.items[j]))
    return [tuple(code for _, code in sorted(found)) for found in out]


def _geodesic_kms(lines: Sequence[Sequence[Coord]]) -> list[float]:
    """:func:`~corridors.geo.geodesic_km` of many polylines in one call to pyproj: the same geodesic
    distance of each step, added up in the same order from 0.0, so the very same floats."""
    import numpy as np

    flat = [c for line in lines for c in line]
    if len(flat) < 2:
        return [geodesic_km(line) for line in lines]
    steps = (
        wgs84_geod()  # geodesic_km's
        .line_lengths(
            np.fromiter((c[0] for c in flat), dtype=np.float64, count=len(flat)),
            np.fromiter((c[1] for c in flat), dtype=np.float64, count=len(flat)),
        )
        .tolist()
    )  # step i joins point i and i + 1 (the steps across two lines are skipped below)
    out: list[float] = []
    at = 0
    for line in lines:
        n = len(line)
        total = 0.0
        for d in steps[at : at + n - 1] if n >= 2 else ():
            total += d
        out.append(total / 1000.0)
        at += n
    return out


def _line_geometries(lines: Sequence[Sequence[Coord]]) -> list[Any]:
    """:func:`~corridors.geo.line_geometry` of many polylines: those that need nothing of it (two or
    more distinct points, longitudes in [-180, 180), no step across the antimeridian) made by shapely
    in one call with the same coordinates, the others one by one."""
    import numpy as np
    import shapely

    out: list[Any] = [None] * len(lines)
    plain: list[int] = []
    for i, line in enumerate(lines):
        lons = [c[0] for c in line]
        if (
            len(line) >= 2
            and all(-180.0 <= x < 180.0 for x in lons)
            and all(abs(b - a) <= 180.0 for a, b in itertools.pairwise(lons))
            and any(c != line[0] for c in line[1:])
        ):
            plain.append(i)
        else:
            out[i] = line_geometry(line)
    if plain:
        counts = [len(lines[i]) for i in plain]
        xy = np.array([c for i in plain for c in lines[i]], dtype=np.float64)
        made = shapely.linestrings(xy, indices=np.repeat(np.arange(len(plain)), counts))
        for i, g in zip(plain, made.tolist(), strict=True):
            out[i] = g
    return out


def _lines_and_kms(lines: Sequence[Sequence[Coord]]) -> tuple[list[Any], list[float]]:
    """``(_line_geometries(lines), _geodesic_kms(lines))``, the coordinates flattened once and the test
    of which lines need nothing of :func:`~corridors.geo.line_geometry` made over arrays (the same
    comparisons of the same floats); the plain functions for anything unusual (a line of fewer than two
    points, a position that is not two finite numbers)."""
    import numpy as np
    import shapely

    if not lines:
        return [], []
    lens = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    xy = np.array([c for line in lines for c in line], dtype=np.float64) if lens.min() >= 2 else None
    if xy is None or xy.ndim != 2 or xy.shape[1] != 2 or not np.isfinite(xy).all():
        return _line_geometries(lines), _geodesic_kms(lines)
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    lon = xy[:, 0]
    off_range = ~((lon >= -180.0) & (lon < 180.0))
    jump = np.abs(np.diff(lon)) > 180.0  # step i joins point i and i + 1
    jump[starts[1:] - 1] = False  # the steps from one line to the next
    first = np.repeat(xy[starts], lens, axis=0)
    moved = (xy[:, 0] != first[:, 0]) | (xy[:, 1] != first[:, 1])
    plain = (
        (np.add.reduceat(off_range, starts) == 0)
        & (np.add.reduceat(np.append(jump, False), starts) == 0)
        & (np.add.reduceat(moved, starts) > 0)
    )
    geoms: list[Any] = [None] * len(lines)
    at = np.flatnonzero(plain)
    if len(at):
        made = shapely.linestrings(xy[np.repeat(plain, lens)], indices=np.repeat(np.arange(len(at)), lens[at]))
        for i, g in zip(at.tolist(), made.tolist(), strict=True):
            geoms[i] = g
    for i in np.flatnonzero(~plain).tolist():
        geoms[i] = line_geometry(lines[i])
    return geoms, _line_kms(xy, starts, lens)


def _line_kms(xy: Any, starts: Any, lens: Any) -> list[float]:
    """As :func:`_geodesic_kms` of the lines whose points are the rows ``starts[i]`` on of ``xy``
    (``lens[i]`` >= 2 of them): the geodesic of each step within a line (what pyproj's ``line_length``
    computes for it: ``geod_inverse`` of its two points; none for the steps from one line to the next),
    added up line by line in order from 0.0, the k-th steps of all lines at once."""
    import numpy as np

    a = np.ones(len(xy), dtype=bool)
    a[starts + lens - 1] = False  # a line's last point starts no step
    a = np.flatnonzero(a)
    lon, lat = xy[:, 0], xy[:, 1]
    steps = wgs84_geod().inv(lon[a], lat[a], lon[a + 1], lat[a + 1])[2]
    n = lens - 1  # the steps of each line, the first at ``first`` in ``steps``
    first = np.cumsum(n) - n
    longest = np.argsort(-n, kind="stable")  # the lines with more than k steps come first
    total = np.zeros(len(n), dtype=np.float64)
    counts = n[longest]
    for k in range(int(counts[0]) if len(counts) else 0):
        m = int(np.count_nonzero(counts > k))
        total[longest[:m]] += steps[first[longest[:m]] + k]
    return (total / 1000.0).tolist()  # type: ignore[no-any-return]


def _zone_hits(coords: Sequence[Coord], zones: list[Zone], index: Index, geom: Any = None) -> list[Zone]:
    """The zones the line crosses, in order along it (``geom``: its line_geometry, if already made)."""
    geom = line_geometry(coords) if geom is None else geom
    hits = [zones[i] for i in index.hits(geom)]
    # order chokepoints along the line
    return sorted(hits, key=lambda z: geom.project(geom.intersection(z.geometry).representative_point()))


#: the stages of a build, in order, as :func:`build_network` reports them to its ``stage`` callback
STAGES = ("layers and countries", "sea lanes", "world ports", "services and feeders")


def build_network(
    *,
    overlays: Iterable[str | Path] = (),
    network: Sequence[str | Path] | None = None,
    stage: Callable[[int, str], None] | None = None,
    as_rows: bool = False,
) -> tuple[nx.MultiDiGraph, list[Problem]]:
    """Build the graph from ``network`` (the bundled files if None) with ``overlays`` merged over it,
    and return it with every problem found (errors and warnings); never raises for bad data. Use
    :func:`load_network` (the same arguments) for the raising, cached version.

    ``stage(i, name)`` is called as each stage of :data:`STAGES` starts (``i`` from 1; the first once
    the input files are read), for progress reports; not once an error is found (the rest of the build
    then only gathers the problems for the report).

    With ``as_rows``, the graph is a :class:`corridors.netview.RowGraph` holding the same state (it
    turns into a ``networkx.MultiDiGraph`` in place when asked for anything it does not answer): the
    build itself never needs networkx, whose import costs a first run about 0.2 s CPU."""

    def say(i: int, name: str) -> None:
        if stage is not None and not any(p.severity == "error" for p in problems):
            stage(i, name)

    layers = read_layers(network, overlays)
    problems = list(layers.problems)
    problems.extend(check_records(layers))
    say(1, STAGES[0])
    countries = read_countries(problems=problems)
    zones = read_zones(problems=problems)
    zone_index = Index(zones, [z.geometry for z in zones])
    G: Any = RowGraph()
    G.graph["crs"] = "EPSG:4326"
    G.graph["files"] = list(layers.files)
    G.graph["chokepoints"] = {z.id: z for z in zones}
    _add_nodes(G, layers, countries, problems)
    spurs = _add_legs(G, layers, countries, zones, zone_index, problems)
    world = _world_ports(G) if network is None else []
    say(2, STAGES[1])
    _add_sea(G, spurs, zones, zone_index, problems, world, stage=lambda: say(3, STAGES[2]))
    if network is None:  # the bundled network gets the bundled services (data/services.toml)
        from .services import add_services

        say(4, STAGES[3])
        add_services(G, problems=problems)
    _check_components(G, layers, problems)
    return (G if as_rows else as_networkx(G)), problems


def _add_nodes(G: nx.MultiDiGraph, layers: Layers, countries: Index, problems: list[Problem]) -> None:
    import numpy as np
    import shapely
    from shapely.geometry import Point

    # whether each node of a known country lies in or near it, tested for all of them at once: the
    # same buffers (shapely.buffer's defaults are Point.buffer's) and the same predicate
    recs = list(layers.nodes.values())
    at = {code: i for i, code in reversed(list(enumerate(countries.items)))}  # list.index: the first
    placed = [(k, at[c]) for k, rec in enumerate(recs) if isinstance(c := rec.props.get("country"), str) and c in at]
    near: dict[int, bool] = {}
    if placed:
        pts = shapely.points(np.array([recs[k].coords[0] for k, _ in placed], dtype=np.float64))
        polys = np.empty(len(placed), dtype=object)
        polys[:] = [countries.geoms[i] for _, i in placed]
        hit = shapely.intersects(polys, shapely.buffer(pts, 0.3)).tolist()  # about 30 km
        near = {k: h for (k, _), h in zip(placed, hit, strict=True)}
    for j, rec in enumerate(recs):
        lon, lat = rec.coords[0]
        p = rec.props
        code = p.get("country")
        if j in near:
            poly = countries.geoms[at[code]]
            if not near[j]:
                swapped = Point(lat, lon) if -180 <= lat <= 180 and -90 <= lon <= 90 else None
                hint = " (lon and lat look swapped)" if swapped is not None and poly.intersects(swapped.buffer(0.3)) else ""
                problems.append(Problem(rec.file, rec.index, rec.id, "geometry", f"position [{lon}, {lat}] is not in or near {code}{hint}"))
        attrs: dict[str, Any] = {k: v for k, v in p.items() if k not in ("id",)}
        attrs.setdefault("aliases", [])
        attrs.update(x=lon, y=lat, file=rec.file)
        put_node(G, rec.id, attrs)
    edges_added(G)


def _add_legs(
    G: nx.MultiDiGraph,
    layers: Layers,
    countries: Index,
    zones: list[Zone],
    zone_index: Index,
    problems: list[Problem],
) -> list[Record]:
    spurs: list[Record] = []
    # the problems and the legs to add, in the order met; the legs are added once their lines, lengths
    # and countries are known (made for all of them at once)
    steps: list[Problem | tuple[Record, str, str]] = []
    for rec in layers.legs.values():
        p = rec.props
        u, v = p.get("from"), p.get("to")
        if u not in G or (v not in G and v != MARNET):
            continue  # reported by check_records
        ok = True
        for end, nid, c in (("from", u, rec.coords[0]), ("to", v, rec.coords[-1])):
            if nid == MARNET:
                continue
            n = G._node[nid]
            d = haversine_km((n["x"], n["y"]), c)
            if d > END_TOLERANCE_KM:
                steps.append(
                    Problem(
                        rec.file,
                        rec.index,
                        rec.id,
                        "geometry",
                        f"the {'first' if end == 'from' else 'last'} coordinate is {d:.1f} km from node {nid!r} (must be within {END_TOLERANCE_KM:g} km)",
                    )
                )
                ok = False
        if not ok:
            continue
        if v == MARNET:
            spurs.append(rec)
            continue
        steps.append((rec, str(u), str(v)))
    todo = [step for step in steps if not isinstance(step, Problem)]
    geoms, kms = _lines_and_kms([rec.coords for rec, _, _ in todo])
    crossed = iter(zip(geoms, kms, _legs_countries(geoms, countries), strict=True))
    for step in steps:
        if isinstance(step, Problem):
            problems.append(step)
        else:
            _add_leg(G, step[0], countries, zones, zone_index, problems, step[1], step[2], made=next(crossed))
    edges_added(G)
    return spurs


def _add_leg(
    G: nx.MultiDiGraph,
    rec: Record,
    countries: Index | None,
    zones: list[Zone],
    zone_index: Index,
    problems: list[Problem],
    u: str,
    v: str,
    made: tuple[Any, float, tuple[str, ...]] | None = None,
) -> None:
    """Add a leg (both directions unless it is one-way); ``made`` is its :func:`~corridors.geo.line_geometry`,
    :func:`~corridors.geo.geodesic_km` and :func:`_leg_countries` when the caller has them already."""
    p = rec.props
    coords = rec.coords
    geom, geo_km, crossed = made if made is not None else (line_geometry(coords), geodesic_km(coords), _leg_countries(coords, countries))
    length = p.get("length_km")
    if isinstance(length, int | float) and not isinstance(length, bool):
        if length < geo_km * 0.999 or length > geo_km * LENGTH_MAX_RATIO:
            problems.append(
                Problem(
                    rec.file,
                    rec.index,
                    rec.id,
                    "length_km",
                    f"length_km {length:g} is not between the drawn line's geodesic length {geo_km:.1f} km and {LENGTH_MAX_RATIO:g} times it (fix the figure or the geometry)",
                )
            )
        length_km, length_from = float(length), "published"
    else:
        length_km, length_from = geo_km, "geometry"
    mode = p.get("mode")
    hits = _zone_hits(coords, zones, zone_index, geom) if mode in ("sea", "ferry") else []
    chokes = tuple(z.id for z in hits if z.is_chokepoint)
    territory = tuple(c for z in hits if z.is_chokepoint for c in z.territory)
    months = _months(p.get("months"), hits)
    attrs = {
        "id": rec.id,
        "mode": mode,
        "status": p.get("status"),
        "gauge_mm": p.get("gauge_mm"),
        "length_km": length_km,
        "length_from": length_from,
        "geodesic_km": geo_km,
        "months": months,
        "frequency_per_week": p.get("frequency_per_week"),
        "speed_kmh": p.get("speed_kmh"),
        "countries": tuple(dict.fromkeys(crossed + territory)),
        "chokepoints": chokes,
        "source": p.get("source", ""),
        "note": p.get("note", ""),
        "origin": "data",
        "file": rec.file,
        "licence": p.get("licence"),
        "attribution": p.get("attribution"),
    }
    put_edge(G, u, v, rec.id, {"geometry": geom, "reverse": False, "enters": _enters(hits, coords[0], True), **attrs})
    if p.get("bidirectional", True):
        put_edge(G, v, u, rec.id, {"geometry": geom, "reverse": True, "enters": _enters(hits, coords[-1], True), **attrs})


def _enters(hits: list[Zone], start: Coord, from_node: bool) -> tuple[str, ...]:
    """The chokepoints a directed leg *enters*: all it touches when it starts at a named node (a port
    inside a strait, like Bandar Abbas, is entered on leaving), else those whose polygon does not
    contain its start. Exposure counts each passage once, however many sea-lane legs lie inside."""
    if from_node or not hits:  # no position to test (the point made only where one is)
        return tuple(z.id for z in hits if z.is_chokepoint)
    from shapely.geometry import Point

    pt = Point(start)
    return tuple(z.id for z in hits if z.is_chokepoint and not z.geometry.contains(pt))


def _months(own: Any, hits: list[Zone]) -> tuple[int, ...] | None:
    allowed = set(own) if own else set(range(1, 13))
    for z in hits:
        if z.months:
            allowed &= set(z.months)
    return None if len(allowed) == 12 else tuple(sorted(allowed))


def _add_sea(
    G: nx.MultiDiGraph,
    spurs: list[Record],
    zones: list[Zone],
    zone_index: Index,
    problems: list[Problem],
    world: Sequence[WorldPort] = (),
    stage: Callable[[], None] | None = None,
) -> None:
    net = sea.build_sea([rec.coords[-1] for rec in spurs] + [p.sea for p in world if p.sea is not None])
    for nid, (lon, lat) in net.nodes.items():
        put_node(
            G,
            nid,
            {"name": "sea lane junction", "kind": "junction", "country": None, "aliases": [], "x": lon, "y": lat, "source": sea.SEA_SOURCE},
        )
    for rec in spurs:
        end = rec.coords[-1]
        target = net.attached[end]
        tx, ty = net.nodes[target]
        d = haversine_km(end, (tx, ty))
        if d > END_TOLERANCE_KM:
            problems.append(
                Problem(
                    rec.file,
                    rec.index,
                    rec.id,
                    "geometry",
                    f"the spur ends {d:.1f} km from the nearest sea-lane node at [{tx}, {ty}] (must be within {END_TOLERANCE_KM:g} km)",
                )
            )
            continue
        coords = [*rec.coords[:-1], (tx, ty)] if d > 0 else rec.coords
        rec2 = Record(rec.id, rec.props, coords, rec.file, rec.index)
        _add_leg(G, rec2, None, zones, zone_index, problems, str(rec.props["from"]), target)
    if world and stage is not None:
        stage()
    _add_world_ports(G, net, world, zones, zone_index)
    import numpy as np

    geoms, kms = _lines_and_kms([leg.coords for leg in net.legs])
    leg_hits: dict[int, list[Zone]] = {}
    if geoms:  # one vectorised query for every sea-lane leg
        pairs = zone_index.tree.query(np.asarray(geoms, dtype=object), predicate="intersects")
        for gi, zi in zip(pairs[0], pairs[1], strict=True):
            leg_hits.setdefault(int(gi), []).append(zones[int(zi)])
    # both directions' dicts (tens of thousands of legs), keys in the order add_edge gives: copies of a
    # dict of what they share (a copy costs half a dict written out), then their own values set
    shared: dict[str, Any] = {
        "geometry": None, "reverse": False, "enters": (), "id": None, "mode": "sea", "status": "operational",
        "gauge_mm": None, "length_km": None, "length_from": "geometry", "geodesic_km": None, "months": None,
        "frequency_per_week": None, "speed_kmh": None, "countries": (), "chokepoints": (),
        "source": sea.SEA_SOURCE, "note": "", "origin": "marnet", "file": "searoute:marnet_searoute.geojson",
    }  # fmt: skip
    for li, leg in enumerate(net.legs):
        km, hits = kms[li], leg_hits.get(li)
        fwd = shared.copy()
        fwd["geometry"], fwd["id"], fwd["length_km"], fwd["geodesic_km"] = geoms[li], leg.id, km, km
        back: tuple[str, ...] = ()  # most legs: what the lines below give for no zone
        if hits:
            coords = list(leg.coords)
            if len(hits) > 1:  # ordered along the line, as _zone_hits does
                hits = _zone_hits(coords, hits, Index(hits, [z.geometry for z in hits]))
            fwd["enters"], back = _enters(hits, coords[0], False), _enters(hits, coords[-1], False)
            fwd["months"] = _months(None, hits)
            fwd["countries"] = tuple(dict.fromkeys(c for z in hits if z.is_chokepoint for c in z.territory))
            fwd["chokepoints"] = tuple(z.id for z in hits if z.is_chokepoint)
        rev = fwd.copy()
        rev["reverse"], rev["enters"] = True, back
        put_edge(G, leg.u, leg.v, leg.id, fwd)
        put_edge(G, leg.v, leg.u, leg.id, rev)
    edges_added(G)


def _world_ports(G: nx.MultiDiGraph) -> list[WorldPort]:
    """The dataset ports whose UN/LOCODE no hand-curated node uses (id ``port:<LOCODE>`` or ``locode``)."""
    taken = {str(n)[5:] for n in G if str(n).startswith("port:")}
    taken |= {str(d["locode"]) for d in G._node.values() if d.get("locode")}
    return worldports.dataset_ports(taken)


def _add_world_ports(G: nx.MultiDiGraph, net: sea.SeaNetwork, world: Sequence[WorldPort], zones: list[Zone], zone_index: Index) -> None:
    """Add the dataset ports and their straight sea spurs (chokepoints and seasons tagged in one
    vectorised query)."""
    import numpy as np

    ports = [p for p in world if p.sea is not None]
    geoms, kms = _lines_and_kms([p.spur_coords() for p in ports])
    hits: dict[int, list[Zone]] = {}
    if geoms:
        pairs = zone_index.tree.query(np.asarray(geoms, dtype=object), predicate="intersects")
        for gi, zi in zip(pairs[0], pairs[1], strict=True):
            hits.setdefault(int(gi), []).append(zones[int(zi)])
    aliases, attached = worldports.ALIASES, net.attached
    for i, p in enumerate(ports):
        nid, locode, source = f"port:{p.locode}", p.locode, p.source
        # keys in the order of the plain dicts: the node's, then each edge's ("geometry", "reverse",
        # "enters", then the leg's attributes)
        node: dict[str, Any] = {
            "name": p.name, "aliases": list(aliases.get(locode, ())), "kind": "port", "country": p.country,
            "locode": locode, "x": p.lon, "y": p.lat, "source": source, "origin": "dataset", "file": "world_ports.csv",
        }  # fmt: skip
        put_node(G, nid, node)
        target = attached[p.sea]  # type: ignore[index]
        zs = hits.get(i)
        if zs:
            months = _months(None, zs)
            countries = tuple(dict.fromkeys(c for z in zs if z.is_chokepoint for c in z.territory))
            chokes = tuple(z.id for z in zs if z.is_chokepoint)
            enters = tuple(z.id for z in zs if z.is_chokepoint)
        else:  # most ports: what the lines above give for no zone
            months, countries, chokes, enters = None, (), (), ()
        km, sid = kms[i], f"spur:{locode}"
        fwd = {
            "geometry": geoms[i], "reverse": False, "enters": enters, "id": sid, "mode": "sea", "status": "operational",
            "gauge_mm": None, "length_km": km, "length_from": "geometry", "geodesic_km": km, "months": months,
            "frequency_per_week": None, "speed_kmh": None, "countries": countries, "chokepoints": chokes,
            "source": source, "note": f"generated spur, {p.land_km:g} km over land beyond the port's shore",
            "origin": "port_dataset", "file": "world_ports.csv", "licence": None, "attribution": None,
        }  # fmt: skip
        rev = fwd.copy()
        rev["reverse"] = True
        put_edge(G, nid, target, sid, fwd)
        put_edge(G, target, nid, sid, rev)
    edges_added(G)


def _check_components(G: nx.MultiDiGraph, layers: Layers, problems: list[Problem]) -> None:
    if not G._node:
        return
    comps = sorted(weak_components(G), key=len, reverse=True)
    for comp in comps[1:]:
        named = sorted(n for n in comp if not str(n).startswith("sea:"))
        if not named:
            continue
        rec = layers.nodes.get(named[0])
        problems.append(
            Problem(
                rec.file if rec else "network",
                rec.index if rec else None,
                named[0],
                None,
                f"disconnected from the main network: {', '.join(named[:6])}{' ...' if len(named) > 6 else ''} (add a leg that joins them)",
            )
        )


def input_files(network: Sequence[str | Path] | None, overlays: Sequence[str | Path]) -> list[Path]:
    from .io import bundled_network_files
    from .params import bundled_parameters_path
    from .services import bundled_services_path

    # the bundled network's service legs read [sea_service] of parameters.toml when they are built
    bundled = [*bundled_network_files(), bundled_services_path(), bundled_parameters_path(), worldports.csv_path()]
    files = [Path(p) for p in network] if network is not None else bundled
    return [*files, *map(Path, overlays), countries_path(), chokepoints_path(), sea.marnet_path()]


def load_network(
    overlays: Sequence[str | Path] = (),
    network: Sequence[str | Path] | None = None,
    *,
    use_cache: bool = True,
) -> nx.MultiDiGraph:
    """Load the corridor network: bundled (or ``network``), with ``overlays`` merged over it. When it
    is built (nothing cached yet), each stage is said on the ``corridors.progress`` logger.

    Raises
    ------
    NetworkValidationError
        With every problem (file, feature index, id, field) when the data has errors.
    """
    return load_network_with_fingerprint(overlays, network, use_cache=use_cache)[0]


def load_network_with_fingerprint(
    overlays: Sequence[str | Path] = (),
    network: Sequence[str | Path] | None = None,
    *,
    use_cache: bool = True,
    rows_on_demand: bool = False,
) -> tuple[nx.MultiDiGraph, str | None]:
    """:func:`load_network`, and the graph's :func:`~corridors.cache.graph_fingerprint` as returned
    (the cache entry keeps it, computed once when it was built), or None without a cache. For a
    caller that compiles an engine at once (see :func:`corridors.cache.known_fingerprint`). With
    ``rows_on_demand``, a cached network's nodes and legs are read when first asked for
    (:mod:`corridors.lazyrows`): for a query, which reads a few hundred of them; a caller that reads
    them all is better served by the bulk read (the default). A network built here (nothing cached)
    is then built as a :class:`~corridors.netview.RowGraph` too (``build_network(as_rows=True)``), so a
    first query imports no networkx either; otherwise the graph is a ``networkx.MultiDiGraph``."""
    key = cache.key_for(
        input_files(network, overlays),
        extra=(BUILD_VERSION, repr(sea.EXCLUDED_AREAS), repr(sea.WATERWAYS), repr(sea.REPLACED_SEGMENTS), repr(sea.ADDED_LINES)),
    )
    if use_cache:
        got = cache.load_graph("network", key, lazy=rows_on_demand)
        if got is not None and is_graph(got[0]) and got[0].is_directed() and got[0].is_multigraph():
            return got
    why = "first run with these inputs, building the network cache" if use_cache and cache.cache_dir() else "building the network"
    n = len(STAGES) if network is None else 2  # a network of its own has no world ports or services

    def stage(i: int, name: str) -> None:
        progress.info("%s (%d/%d: %s) ...", why if i == 1 else why.rsplit(", ", 1)[-1], i, n, name)

    with cache.paused_gc():  # tens of thousands of legs and geometries that all stay alive
        G, problems = build_network(overlays=overlays, network=network, stage=stage, as_rows=rows_on_demand)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise NetworkValidationError(errors)
    G.graph["warnings"] = [p.as_dict() for p in problems]
    G.graph["cache_key"] = key
    if not use_cache:
        return G, None
    from .places import name_index

    with cache.paused_gc():  # thousands of names and their keys, all kept
        name_index(G)  # the place-name index travels in the cache (thousands of names: built once)
    if cache.cache_dir() is None:
        return G, None
    # geometries as WKB, shared ones stored once; the fingerprint from the same encoding, not a second
    # pass; the graph just built goes on (see store_graph)
    return cache.store_graph("network", key, G)
