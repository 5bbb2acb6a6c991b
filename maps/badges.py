"""Route-number badges on the map, placed clear of each other and of the endpoint labels; the routes'
origins and destinations."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from corridors.geo import Coord
from corridors.model import Route

from .geometry import Frame
from .prepare import Context, Drawn


class Badges:
    """Places route-number badges so they overlap neither each other nor the endpoint labels.

    Distances are in screen pixels at the zoom the map opens with, estimated from the routes'
    extent for a typical 1400 × 900 window (the browser fits the view; this only needs to be close).
    """

    SPACING_PX = 26.0
    CHAR_PX = 7.2  # bold 12 px label text

    def __init__(self, frame: Frame, labels: Sequence[tuple[float, float, str]]) -> None:
        lat_span = _merc(frame.north) - _merc(frame.south)
        self.dpp = max((frame.east - frame.west) / 1050.0, lat_span / 560.0, 1e-4)
        self.placed: list[Coord] = []
        self.boxes = [
            (
                lon - 10 * self.dpp,
                lat - 11 * self.dpp,
                lon + (14 + self.CHAR_PX * len(name)) * self.dpp,
                lat + 11 * self.dpp,
            )
            for lon, lat, name in labels
        ]

    def _free(self, p: Coord) -> bool:
        x, y = p[0], _merc(p[1])
        pad = 10 * self.dpp
        for x0, y0, x1, y1 in self.boxes:
            if x0 - pad <= x <= x1 + pad and _merc(y0) - pad <= y <= _merc(y1) + pad:
                return False
        gap = self.SPACING_PX * self.dpp
        return all(math.hypot(x - q[0], y - _merc(q[1])) >= gap for q in self.placed)

    def place(self, d: Drawn, ctx: Context) -> Coord | None:
        """On the longest leg no other route uses (else the longest leg): its middle, or a point a
        third or a sixth of the way, whichever is free first."""
        own = int(d.number) if d.number.isdigit() else -1
        cands: list[tuple[float, int]] = []
        for j, mv in enumerate(d.route.moves):
            if len(d.lines[j]) < 2:
                continue
            unique = all(ctx.leg_routes.get(leg, set()) <= {own} for leg in mv.leg_ids)
            cands.append((mv.length_km * (1.0 if unique else 0.05), j))
        cands.sort(reverse=True)
        first: Coord | None = None
        for _, j in cands:
            for frac in (0.5, 0.35, 0.65, 0.2, 0.8):
                p = _along(d.lines[j], frac)
                first = first or p
                if self._free(p):
                    self.placed.append(p)
                    return p
        if first is not None:
            self.placed.append(first)
        return first


def _merc(lat: float) -> float:
    """Web Mercator y in degrees-of-longitude units (so screen distances are comparable)."""
    lat = max(min(lat, 85.0), -85.0)
    return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


@dataclass
class Endpoint:
    id: str
    name: str
    lon: float
    lat: float
    role: str
    route: Route


def endpoints(drawn: Sequence[Drawn]) -> list[Endpoint]:
    """Origins and destinations of the routes (each place once), where the routes draw them."""
    seen: dict[str, Endpoint] = {}
    for d in drawn:
        r = d.route
        lines = [line for line in d.lines if line]
        if not lines:
            continue
        for nid, name, (lon, lat), role in (
            (r.origin, r.origin_name, lines[0][0], "origin"),
            (r.destination, r.destination_name, lines[-1][-1], "destination"),
        ):
            seen.setdefault(nid, Endpoint(nid, name, lon, lat, role, r))
    return list(seen.values())


def _along(line: Sequence[Coord], frac: float) -> Coord:
    """The point ``frac`` of the way along ``line`` (planar, in degrees)."""
    seg = [math.dist(a, b) for a, b in itertools.pairwise(line)]
    target = sum(seg) * frac
    acc = 0.0
    for (a, b), s in zip(itertools.pairwise(line), seg, strict=True):
        if acc + s >= target and s > 0:
            t = (target - acc) / s
            return (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
        acc += s
    return line[len(line) // 2]
