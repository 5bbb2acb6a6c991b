"""The sea layer: searoute's marnet read from the installed package, corrected, contracted.

What is done to marnet, and why (see also data/README.md and data/SOURCES.md):

* Lines are split at every vertex into a graph (as searoute does); longitudes over 180° are wrapped.
* Marnet's ``passage`` tags are ignored: chokepoints are tagged geometrically from our own polygons,
  so closing the Bering Strait or the NSR never closes the Canadian Northwest Passage by accident.
* Lines inside ``EXCLUDED_AREAS`` are dropped: the Caspian Sea and the Volga–Don waterway (no
  container service links the Caspian to the ocean; Caspian services are the hand-drawn ``ferry`` legs).
* Segments listed in ``REPLACED_SEGMENTS`` (marnet defects: lines over land) are dropped and the
  lines in ``ADDED_LINES`` (drawn at sea) added; the segments of ``GRID_FIXES`` are replaced by the
  paths at sea given there (found on a water grid).
* Where marnet legitimately crosses the land of the 1:50m countries (lakes the country polygons fill,
  rivers, canals, harbours) the water is listed: ``WATERWAYS`` (boxes) and ``LANE_WATERWAYS`` (a lane
  along marnet); :func:`water_polygons` is what the land checks subtract.
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
from typing import Any

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

#: Marnet segments over land (1:50m countries, outside the listed waterways) replaced by a path at
#: sea: the shortest path over a 0.02° water grid between the segment's ends (each end passable for a
#: few km: a harbour the 1:50m layer fills), straightened into legs that stay off land. Generated once
#: with the grid search of ``corridors.worldports`` and kept here as data; the comment gives the land
#: crossed before and after (km). Among them the Kara Sea shore, Chukotka, the Aegean and Ionian
#: islands and the Port Klang approach.
GRID_FIXES: tuple[tuple[Coord, ...], ...] = (
    ((-177.416051, 64.720739), (-172.4514, 64.2004), (-172.3, 64.2)),  # 8.4 -> 0.0 km
    ((-165.021515, 60.898388), (-164.6504, 60.8988), (-164.608154, 60.923092)),  # 4.4 -> 2.2 km
    ((-135.3649, 59.3521), (-135.3641, 59.4125), (-135.3458, 59.4358)),  # 7.6 -> 2.7 km
    ((-130.2208, 55.0598), (-130.1851, 55.0802), (-130.2042, 55.0984)),  # 4.4 -> 1.1 km
    ((-130.2042, 55.0984), (-130.1684, 55.1188), (-130.1334, 55.1788), (-130.1168, 55.2035)),  # 13.0 -> 1.7 km
    ((-130.148, 55.5896), (-130.1118, 55.61), (-130.1305, 55.6816)),  # 4.3 -> 1.2 km
    ((-122.147026, 38.031597), (-122.1211, 38.052), (-122.057419, 38.065392)),  # 4.5 -> 2.5 km
    ((-120.613458, 32.930968), (-118.7708, 33.5514), (-118.1215, 33.6276)),  # 8.2 -> 0.0 km
    ((-120, 30), (-118.2786, 28.8969), (-117.491362, 28.696433)),  # 11.5 -> 0.0 km
    ((-97.4252, 26.5578), (-97.2011, 26.1382), (-97.1788, 26.1182), (-97.1564, 26.2182), (-97.2129, 26.5662)),  # 5.0 -> 1.1 km
    ((-93.961258, 29.831114), (-93.9377, 29.8115), (-93.845215, 29.964453)),  # 15.2 -> 2.2 km
    ((-73.828125, -45.710015), (-73.7133, -45.4096), (-73.652344, -45.363725)),  # 13.1 -> 0.0 km
    ((-73.211243, 45.906207), (-73.2394, 45.9266), (-73.164276, 46.038911)),  # 5.8 -> 1.1 km
    ((-73.040098, 46.061274), (-73.0395, 46.0817), (-72.806396, 46.217852)),  # 8.1 -> 1.7 km
    ((-72.806396, 46.217852), (-72.3134, 46.4383), (-72.281799, 46.432117)),  # 19.7 -> 0.0 km
    ((-72.194183, 46.547282), (-71.9606, 46.6277), (-71.890961, 46.672032)),  # 11.5 -> 0.0 km
    ((-71.683869, 46.652012), (-71.6541, 46.6724), (-71.3916, 46.7324), (-71.356447, 46.738916)),  # 19.1 -> 0.1 km
    ((-71.6053, 10.6083), (-71.5845, 10.6887), (-71.5504, 11.1693)),  # 7.7 -> 0.0 km
    ((-62.31102, -38.781922), (-62.3105, -38.7956), (-62.2848, -38.8156), (-61.957397, -39.015983)),  # 4.0 -> 2.7 km
    ((-60, 50), (-54.2478, 52.3404), (-54, 52.5)),  # 10.4 -> 0.0 km
    ((-55.4, 6.1), (-53.992, 5.8546), (-53.952009, 5.814197)),  # 78.6 -> 0.0 km
    ((-55.4, 6.1), (-51.9824, 5.4804), (-51.9, 5.4)),  # 81.4 -> 0.0 km
    ((-55.1445, 6.0549), (-53.9979, 5.8546), (-53.952009, 5.814197)),  # 67.0 -> 0.0 km
    ((-54.6, -35.25), (-52.6276, -33.1496), (-51.8, -32.2)),  # 37.3 -> 0.0 km
    ((-27.762451, 70.889683), (-27.6389, 70.9101), (-27.5778, 70.9101), (-26.779175, 70.89328)),  # 8.6 -> 1.6 km
    ((-25.069774, 16.489404), (-24.3137, 17.8498), (-24.0679, 18.8249)),  # 7.2 -> 0.0 km
    ((-23.3185, 15.2424), (-23.2145, 15.1204), (-23, 15)),  # 9.6 -> 0.0 km
    ((-20, -2e-05), (-14.3057, -7.9196), (-14.3057, -7.9396), (-14.3, -8)),  # 9.5 -> 0.4 km
    ((-17.819, -5.0879), (-14.3963, -7.9796), (-14.3, -8)),  # 7.9 -> 0.0 km
    ((-9.634502, 53.129489), (-9.0663, 53.2299), (-9.035024, 53.254543)),  # 4.3 -> 2.8 km
    ((-6.74068, 62.234295), (-6.6968, 62.2499), (-6.611, 62.2299), (-6.631755, 62.209453)),  # 6.2 -> 2.0 km
    ((-6.720836, 57.089911), (-6.1685, 57.0492), (-6.0911, 57.0088)),  # 4.1 -> 0.0 km
    ((-5.665324, 43.566728), (-5.6371, 43.5872), (-5.592277, 43.583379)),  # 4.1 -> 2.1 km
    ((11.212921, 63.777025), (11.3497, 63.8175), (11.403809, 63.790372)),  # 4.8 -> 2.7 km
    ((19.219675, 39.787796), (19.845, 39.8282), (19.9547, 39.8141)),  # 8.1 -> 0.0 km
    ((20.4876, 38.5495), (20.973, 38.367), (21.1468, 38.2266)),  # 6.1 -> 0.0 km
    ((23.020113, 37.909026), (23.046, 37.8895), (23.161926, 37.913326)),  # 4.1 -> 2.7 km
    ((23.611679, 38.438665), (23.6378, 38.4237), (23.6633, 38.4037), (23.655281, 38.383248)),  # 7.2 -> 0.3 km
    ((24.248895, 36.916246), (24.3243, 36.6505), (24.53513, 36.490027)),  # 8.9 -> 0.0 km
    ((25.258921, 40.232037), (25.4437, 40.4725), (25.47, 40.4925), (25.879068, 40.815344)),  # 8.6 -> 1.2 km
    ((55.286166, -20.924411), (55.3293, -20.884), (57.454257, -20.018975)),  # 9.3 -> 0.0 km
    ((70, -10), (72.5091, -7.3796), (72.534164, -7.335598)),  # 6.4 -> 0.0 km
    ((71.143256, -6.071941), (72.4929, -7.2552), (72.534164, -7.335598)),  # 6.4 -> 0.0 km
    ((78.424, 73.2304), (78.6296, 72.805), (78.8634, 72.5846)),  # 10.7 -> 0.0 km
    ((101.34613, 3.074695), (101.3265, 3.0597), (101.3466, 3.0197), (101.351624, 2.99927)),  # 4.4 -> 1.0 km
    ((101.519165, 1.676549), (101.5396, 1.6846), (101.5996, 1.6846), (101.624908, 1.664195)),  # 11.8 -> 1.8 km
    ((120, 19), (122.4118, 19.0204), (123, 19)),  # 4.1 -> 0.0 km
    ((129.912593, -5.00205), (131.3966, -3.1016), (131.4, -3)),  # 8.5 -> 0.0 km
    ((130, -10.6), (130.5309, -11.6796), (130.6125, -11.7796), (130.8, -12.2)),  # 10.2 -> 0.0 km
    ((153.635255, -5.135297), (154.7802, -4.9949), (155.8, -5)),  # 12.3 -> 0.0 km
    ((166, -21), (167.683, -22.9396), (167.7, -23)),  # 7.2 -> 0.0 km
    ((170.798781, -7.162533), (173.0023, 0.9979), (173.0223, 1.0179), (173.1, 1.1)),  # 9.0 -> 1.4 km
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

#: Waterways where marnet runs over the land of the 1:50m countries (lakes inside country polygons,
#: rivers, canals, harbours and sounds the 1:50m layer fills): (name, lon_min, lat_min, lon_max, lat_max).
#: Unlike ``WATERWAYS`` the box is not water as a whole: only a lane of ``LANE_HALF_WIDTH_DEG`` either side
#: of the marnet segments inside it is (see :func:`water_polygons`). Each was checked to be a navigable
#: waterway with sea-going traffic to the ports on it.
LANE_WATERWAYS: tuple[tuple[str, float, float, float, float], ...] = (
    ("Great Lakes and St Lawrence Seaway (ocean-going ships to Duluth)", -92.5, 41.0, -73.4, 49.0),
    ("Sabine-Neches Waterway (Port Arthur, Beaumont)", -94.2, 29.6, -93.7, 30.2),
    ("Calcasieu Ship Channel (Lake Charles)", -93.45, 29.6, -93.2, 30.3),
    ("Louisiana ship channels and the Mississippi River passes (New Orleans, Atchafalaya)", -93.0, 28.7, -89.0, 30.5),
    ("Brownsville Ship Channel and Laguna Madre", -97.6, 25.9, -97.0, 26.7),
    ("Panama Canal", -80.1, 8.7, -79.4, 9.8),
    ("Columbia River (Portland, Vancouver WA)", -123.6, 45.6, -122.6, 46.3),
    ("Puget Sound", -122.9, 47.9, -122.2, 48.8),
    ("Inside Passage (south-east Alaska, northern British Columbia)", -136.0, 54.3, -130.0, 59.6),
    ("Prince William Sound and Cook Inlet", -150.2, 60.6, -145.7, 61.2),
    ("Rio de la Plata and Parana (Buenos Aires, Rosario)", -60.8, -34.5, -58.3, -32.8),
    ("Aysen fjords (Chile)", -75.2, -45.8, -73.5, -45.2),
    ("St Johns River (Jacksonville)", -81.7, 30.3, -81.3, 30.5),
    ("Cape Cod Canal", -70.8, 41.5, -70.4, 41.85),
    ("Cartagena Bay (Colombia)", -75.65, 10.25, -75.45, 10.45),
    ("Charleston Harbor", -80.0, 32.7, -79.85, 32.9),
    ("Lampung Bay (Panjang)", 105.2, -6.0, 105.8, -5.4),
    ("Fremantle Inner Harbour and Swan River", 115.7, -32.1, 115.9, -31.9),
    ("Sound of Mull (Oban)", -6.4, 56.3, -6.0, 56.5),
    ("Apra Harbor (Guam)", 144.5, 13.4, 144.9, 13.75),
    ("Boknafjord (Stavanger)", 5.25, 59.05, 5.4, 59.3),
    ("Port Jackson (Sydney)", 151.15, -33.9, 151.35, -33.8),
    ("Shantou harbour", 116.5, 23.3, 116.8, 23.4),
    ("Gokova and Marmaris approaches", 28.2, 36.65, 28.4, 36.9),
    ("Gulluk Bay", 26.9, 37.15, 27.65, 37.3),
    ("The Wash (King's Lynn)", 0.2, 52.7, 0.45, 52.95),
    ("Moray Firth and Beauly Firth (Inverness)", -4.3, 57.45, -3.9, 57.72),
    ("Stockholm archipelago", 18.2, 59.3, 18.5, 59.45),
    ("Ria de Vigo", -9.0, 42.2, -8.6, 42.45),
    ("Ria de Ferrol and A Coruna", -8.45, 43.3, -8.15, 43.45),
    ("Bergen fjords", 5.2, 59.7, 5.75, 60.2),
    ("Bristol Channel (Somerset shore)", -3.2, 51.15, -3.0, 51.25),
    ("Shoreham harbour", -0.35, 50.75, -0.2, 50.85),
    ("Milford Haven", -5.2, 51.65, -4.95, 51.75),
    ("Port Phillip (Melbourne)", 144.6, -38.35, 145.0, -37.8),
    ("Tasucu approaches", 33.75, 36.1, 33.95, 36.35),
    ("Min River (Fuzhou)", 119.65, 26.55, 119.9, 26.85),
    ("Trondheimsfjord", 10.4, 63.4, 10.9, 63.5),
    ("Carrick Roads (Falmouth)", -5.1, 50.1, -5.0, 50.2),
)
LANE_HALF_WIDTH_DEG = 0.02

#: The whole-sea-graph land test (tests/test_sea_land.py) allows a marnet leg this many km over the land
#: of the 1:50m countries outside the listed water: the layer's coastline noise (harbour approaches, rias
#: and river mouths it fills, to a few km). Hand-drawn spurs and ferry legs are allowed 6 km (their
#: port's own coast), generated spurs their own rule (``worldports.LAND_TOL_KM`` beyond the shore).
SEA_LAND_TOL_KM = 5.0

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


def water_polygons(path: Path | None = None) -> object:
    """The listed water over the land of the 1:50m countries: the ``WATERWAYS`` boxes and the lanes of
    ``LANE_WATERWAYS`` (marnet segments with both ends in a box, buffered by ``LANE_HALF_WIDTH_DEG``)."""
    from shapely.geometry import LineString, box
    from shapely.ops import unary_union

    parts = [box(x0, y0, x1, y1) for _, x0, y0, x1, y1 in WATERWAYS]
    inside = [(x0, y0, x1, y1) for _, x0, y0, x1, y1 in LANE_WATERWAYS]
    adj = sea_adjacency(path)
    for a, ns in adj.items():
        for b in ns:
            if a < b and any(x0 <= a[0] <= x1 and y0 <= a[1] <= y1 and x0 <= b[0] <= x1 and y0 <= b[1] <= y1 for x0, y0, x1, y1 in inside):
                parts.append(LineString([a, b]).buffer(LANE_HALF_WIDTH_DEG))
    return unary_union(parts)


def _key(lon: float, lat: float) -> Coord:
    return (round(wrap_lon(lon), 6), round(lat, 6))


def node_id(c: Coord) -> str:
    return f"sea:{c[0]:.5f},{c[1]:.5f}"


def excluded(c: Coord) -> bool:
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
    return _read_segments(path)[0]


def _read_segments(path: Path | None = None) -> tuple[list[tuple[Coord, Coord]], Any]:
    """:func:`read_segments`, and the same segments as a float array ``[segment, end, lon/lat]`` when
    one was made on the way (else None)."""
    with (path or marnet_path()).open(encoding="utf-8") as fh:
        data = json.load(fh)
    lines: list[Any] = []
    for feat in data["features"]:
        geom = feat["geometry"]
        lines.extend([geom["coordinates"]] if geom["type"] == "LineString" else geom["coordinates"])
    got = _segments_at_once(lines)
    return got if got is not None else _segments_of(lines)


def _segments_of(lines: list[Any]) -> tuple[list[tuple[Coord, Coord]], Any]:
    """The segments of ``lines`` (lists of positions) as :func:`read_segments` gives them, point by point."""
    segs: set[tuple[Coord, Coord]] = set()
    for line in lines:
        # _key of each point, written out (tens of thousands of points)
        pts = [(round(x if -180.0 <= (x := p[0]) < 180.0 else wrap_lon(x), 6), round(p[1], 6)) for p in line]
        for a, b in itertools.pairwise(pts):
            if a != b:
                segs.add((a, b) if a < b else (b, a))
    return _sorted_segments_array(segs)


def _segments_at_once(lines: list[Any]) -> tuple[list[tuple[Coord, Coord]], Any] | None:
    """:func:`_segments_of` over arrays, or None for anything unusual (a position that is not a list or
    tuple of ints and floats, a number not finite or too large, no segment at all). The same numbers:

    * ``round(v, 6)`` is ``v`` itself (an int, or a float that numpy's ``round(v, 6)``, the nearest
      double to an integer over 10**6, leaves as it is: the correctly rounded 6-decimal text of such a
      float is that number's); the others are rounded by ``round``, as are the wrapped longitudes;
    * a segment is kept, and turned, by the comparisons of the tuples made on the numbers;
    * of equal segments the set keeps the first added: the first of each run of a stable lexsort, which
      also gives ``sorted``'s order; its pairs keep the types of its numbers (an int stays an int).
    """
    import numpy as np

    try:
        lens = [len(line) for line in lines]
        flat = [p for line in lines for p in line]
        if not flat or not all(type(p) is list or type(p) is tuple for p in flat):
            return None
        kinds = {type(p[0]) for p in flat} | {type(p[1]) for p in flat}
        if not kinds <= {float, int}:
            return None
        xy = np.array([(p[0], p[1]) for p in flat], dtype=np.float64)
    except (TypeError, ValueError, IndexError, KeyError, OverflowError):
        return None
    if not np.isfinite(xy).all() or np.abs(xy).max() >= 2.0**52:
        return None
    n = len(flat)
    ints = [np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)]
    if int in kinds:  # an int is a whole number: only those are looked at
        for k in (0, 1):
            whole = np.flatnonzero(xy[:, k] == np.floor(xy[:, k])).tolist()
            ints[k][whole] = [type(flat[i][k]) is int for i in whole]
    x, y = xy[:, 0].copy(), xy[:, 1].copy()
    wrapped = np.flatnonzero(~((x >= -180.0) & (x < 180.0)))
    if len(wrapped):  # wrap_lon of the number as read (a float, whatever it was)
        x[wrapped] = [wrap_lon(flat[i][0]) for i in wrapped.tolist()]
        ints[0][wrapped] = False
    for v, int_v in ((x, ints[0]), (y, ints[1])):
        off = np.flatnonzero((np.round(v, 6) != v) & ~int_v)
        if len(off):
            v[off] = [round(w, 6) for w in v[off].tolist()]
    ends = np.cumsum(lens) - 1  # a line's last point starts no segment
    starts = np.ones(n, dtype=bool)
    starts[ends[ends >= 0]] = False
    i = np.flatnonzero(starts[:-1]) if n > 1 else np.zeros(0, dtype=np.int64)
    j = i + 1
    moved = (x[i] != x[j]) | (y[i] != y[j])
    i, j = i[moved], j[moved]
    if not len(i):
        return None
    lt = (x[i] < x[j]) | ((x[i] == x[j]) & (y[i] < y[j]))
    a, b = np.where(lt, i, j), np.where(lt, j, i)
    seg = np.stack([x[a], y[a], x[b], y[b]], axis=1)
    order = np.lexsort((seg[:, 3], seg[:, 2], seg[:, 1], seg[:, 0]))
    s = seg[order]
    first = np.ones(len(s), dtype=bool)
    first[1:] = (s[1:] != s[:-1]).any(axis=1)
    pick = order[first]
    made = seg[pick]
    rows = made.tolist()
    pa, pb = a[pick], b[pick]
    for col, pts, k in ((0, pa, 0), (1, pa, 1), (2, pb, 0), (3, pb, 1)):
        for r in np.flatnonzero(ints[k][pts]).tolist():
            rows[r][col] = int(rows[r][col])
    return [((r[0], r[1]), (r[2], r[3])) for r in rows], made.reshape(-1, 2, 2)


def _sorted_segments(segs: set[tuple[Coord, Coord]]) -> list[tuple[Coord, Coord]]:
    """``sorted(segs)`` by one numpy lexsort of the four numbers: the order of tuples of numbers is the
    order of their numbers, first to last, and no two segments of a set compare equal (equal numbers
    hash alike), so the stable lexsort gives the very list; ``sorted`` for anything else."""
    return _sorted_segments_array(segs)[0]


def _sorted_segments_array(segs: set[tuple[Coord, Coord]]) -> tuple[list[tuple[Coord, Coord]], Any]:
    """:func:`_sorted_segments`, and the sorted segments as the float array made to sort them (what
    ``np.asarray`` makes of the list), or None when they were sorted by ``sorted``."""
    import numpy as np

    items = list(segs)
    try:
        a = np.array(items, dtype=np.float64)
    except (ValueError, TypeError):
        return sorted(segs), None
    if a.shape != (len(items), 2, 2) or not np.isfinite(a).all() or (len(a) and np.abs(a).max() >= 2.0**53):
        return sorted(segs), None
    flat = a.reshape(-1, 4)
    order = np.lexsort((flat[:, 3], flat[:, 2], flat[:, 1], flat[:, 0]))
    return [items[i] for i in order.tolist()], a[order]


def sea_adjacency(path: Path | None = None) -> dict[Coord, list[Coord]]:
    """The corrected marnet as vertex adjacency lists, largest connected component only (before the
    degree-2 chains are contracted)."""
    import numpy as np

    segs, ends = _read_segments(path)
    if ends is None:
        ends = np.asarray(segs, dtype=np.float64)
    ends = ends.reshape(-1, 2, 2)  # [segment, end, lon/lat]
    inside = np.zeros(ends.shape[:2], bool)  # excluded() of each end, over every segment at once
    for _, x0, y0, x1, y1, _ in EXCLUDED_AREAS:
        inside |= (x0 <= ends[..., 0]) & (ends[..., 0] <= x1) & (y0 <= ends[..., 1]) & (ends[..., 1] <= y1)
    drop = {_seg4(_key(*a), _key(*b)) for a, b, _ in REPLACED_SEGMENTS}
    drop |= {_seg4(_key(*line[0]), _key(*line[-1])) for line in GRID_FIXES}
    # _seg4 (four roundings) only where it could be in ``drop``: a segment whose first end's longitude
    # is over 0.001 degrees from every dropped end's cannot round onto one
    xs = np.sort(np.asarray([pt[0] for pair in drop for pt in pair], dtype=np.float64))
    xs = xs[np.append(True, xs[1:] != xs[:-1])] if len(xs) else xs  # np.unique, whose first call imports numpy.ma
    near = np.zeros(len(segs), bool)
    if len(xs):
        at = np.searchsorted(xs, ends[:, 0, 0])  # the dropped ends' longitudes either side
        for side in (np.maximum(at - 1, 0), np.minimum(at, len(xs) - 1)):
            near |= np.abs(ends[:, 0, 0] - xs[side]) < 1e-3
    gone: list[bool] = (inside[:, 0] & inside[:, 1]).tolist()  # both ends excluded
    segs = [s for s, g, n in zip(segs, gone, near.tolist(), strict=True) if not g and not (n and _seg4(*s) in drop)]
    for line in [*(ln for ln, _ in ADDED_LINES), *GRID_FIXES]:
        pts = [_key(*p) for p in line]
        segs.extend((a, b) if a < b else (b, a) for a, b in itertools.pairwise(pts))
    adj: dict[Coord, list[Coord]] = {}
    for a, b in segs:
        adj.setdefault(a, []).append(b)
        adj.setdefault(b, []).append(a)
    # only the largest connected component is kept (marnet is one component once the Caspian is cut)
    comp = _largest_component(adj)
    # every neighbour of a vertex of the component is in it (adj is symmetric): the lists as they are
    return {k: v for k, v in adj.items() if k in comp}


def build_sea(attach: Iterable[Coord] = (), path: Path | None = None) -> SeaNetwork:
    """Build the contracted sea network.

    Parameters
    ----------
    attach
        Points where port spurs join the sea network; the nearest marnet vertex of each (the point
        itself when it is a vertex) is kept as a node (not contracted away). ``attached`` maps each
        point to that node's id.
    """
    import numpy as np

    adj = sea_adjacency(path)
    verts: list[Coord] = []
    vx = vy = None  # the vertices' coordinates, made when a point is not a vertex itself
    attached: dict[Coord, str] = {}
    keep: set[Coord] = {v for v, ns in adj.items() if len(ns) != 2}
    for pt in attach:
        if pt in adj:
            best = pt
        else:
            # the nearest vertex by _fast_dist, the first of equals (as min() over verts): the same IEEE
            # operations on every vertex at once
            if vx is None:
                verts = list(adj)
                vx = np.fromiter((v[0] for v in verts), dtype=np.float64, count=len(verts))
                vy = np.fromiter((v[1] for v in verts), dtype=np.float64, count=len(verts))
            best = verts[int(np.argmin(_fast_dists(vx, vy, pt)))]
        keep.add(best)
        attached[pt] = node_id(best)
    ids = {v: node_id(v) for v in keep}
    legs = _contract(adj, keep, ids)
    nodes = {i: v for v, i in ids.items()}  # {node_id(v): v for v in keep}
    return SeaNetwork(nodes, legs, attached)


def _seg4(a: Coord, b: Coord) -> tuple[Coord, Coord]:
    ra = (round(a[0], 4), round(a[1], 4))
    rb = (round(b[0], 4), round(b[1], 4))
    return (ra, rb) if ra < rb else (rb, ra)


def _fast_dist(v: Coord, pt: Coord) -> float:
    dlon = abs(v[0] - pt[0])
    dlon = min(dlon, 360 - dlon)
    return (dlon * math.cos(math.radians(pt[1]))) ** 2 + (v[1] - pt[1]) ** 2


def _fast_dists(vx: Any, vy: Any, pt: Coord) -> Any:
    """:func:`_fast_dist` of every vertex (coordinate arrays ``vx``, ``vy``) to ``pt``."""
    import numpy as np

    dlon = np.abs(vx - pt[0])
    dlon = np.minimum(dlon, 360 - dlon)
    c = math.cos(math.radians(pt[1]))
    return (dlon * c) ** 2 + (vy - pt[1]) ** 2


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


def _contract(adj: dict[Coord, list[Coord]], keep: set[Coord], ids: dict[Coord, str] | None = None) -> list[SeaLeg]:
    """Merge chains of degree-2 vertices between kept vertices into single legs (``ids``: the
    :func:`node_id` of each kept vertex, if the caller has them)."""
    chains: list[list[Coord]] = []
    used: set[tuple[Coord, Coord]] = set()
    if ids is None:
        ids = {v: node_id(v) for v in keep}  # every chain starts and ends at a kept vertex
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
                prev, cur = cur, step
                chain.append(cur)
            # only pairs leaving a kept vertex are ever looked up: of the steps walked, the last one back
            if len(chain) > 2:
                used.add((cur, prev))
            if ids[chain[0]] != ids[chain[-1]]:  # a loop back to its start never shortens a route
                chains.append(chain)
    # loops made only of degree-2 vertices (no kept vertex) are not reachable from anything kept
    return [SeaLeg(f"sea:{h}", ids[chain[0]], ids[chain[-1]], tuple(chain)) for chain, h in zip(chains, _leg_hashes(chains), strict=True)]


def _leg(chain: list[Coord]) -> SeaLeg:
    h = hashlib.sha1(json.dumps(chain).encode()).hexdigest()[:12]  # noqa: S324 - an id, not security
    return SeaLeg(f"sea:{h}", node_id(chain[0]), node_id(chain[-1]), tuple(chain))


def _leg_hashes(chains: list[list[Coord]]) -> list[str]:
    """The id hash :func:`_leg` gives each chain, from one ``json.dumps`` of them all: the JSON of a
    list of chains is each chain's own JSON joined by ``", "``, and ``"]], [["`` occurs only between two
    chains (the points are pairs of numbers), so splitting there gives each chain's text back."""
    if not chains:
        return []
    text = json.dumps(chains, check_circular=False)  # the same text (lists of pairs of numbers hold no cycle)
    parts = text[3:-3].split("]], [[")
    if len(parts) != len(chains):  # not expected; the plain way then
        return [_leg(chain).id[4:] for chain in chains]
    return [hashlib.sha1(f"[[{p}]]".encode()).hexdigest()[:12] for p in parts]  # noqa: S324 - an id, not security
