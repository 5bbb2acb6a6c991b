"""Field-level checks of network records (the network data; the model against published cases is
:mod:`corridors.validation`).

``check_records`` looks at every node and leg and returns every problem found (it never stops at the
first). Checks that need geometry or the built graph (a leg's end far from its node, lengths, components,
a node outside its country) are in :mod:`corridors.graph`, which adds to the same list.
"""

from __future__ import annotations

import math
import re
from typing import Any

from .errors import Problem
from .io import GAUGES, MARNET, MODES, NODE_KINDS, STATUSES, Layers, Record

_ISO3 = re.compile(r"^[A-Z]{3}$")
_LOCODE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")


# physical upper bounds: a figure beyond them is a typo (or a unit mistake), not a corridor
MAX_LEG = {"length_km": 40_075.0, "frequency_per_week": 1_008.0, "speed_kmh": 300.0}
MAX_LEG_WHY = {
    "length_km": "the Earth's circumference",
    "frequency_per_week": "a departure every 10 minutes",
    "speed_kmh": "faster than any freight service",
}
MAX_DWELL_H = 8_760.0


def _is_num(v: Any) -> bool:
    """A finite number (JSON's NaN and Infinity, which Python's reader accepts, are not numbers here)."""
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _p(rec: Record, field: str | None, msg: str, severity: str = "error") -> Problem:
    return Problem(rec.file, rec.index, rec.id, field, msg, severity)


def check_node(rec: Record) -> list[Problem]:
    out: list[Problem] = []
    p = rec.props
    for key in ("name", "kind", "country", "source"):
        if not isinstance(p.get(key), str) or not p.get(key, "").strip():
            out.append(_p(rec, key, f"missing required field {key!r}"))
    kind = p.get("kind")
    if isinstance(kind, str) and kind not in NODE_KINDS:
        out.append(_p(rec, "kind", f"unknown kind {kind!r} (use one of {', '.join(NODE_KINDS)})"))
    country = p.get("country")
    if isinstance(country, str) and not _ISO3.match(country):
        out.append(_p(rec, "country", f"country {country!r} is not an ISO 3166-1 alpha-3 code like 'IRN'"))
    loc = p.get("locode")
    if loc is not None and (not isinstance(loc, str) or not _LOCODE.match(loc)):
        out.append(_p(rec, "locode", f"locode {loc!r} is not a 5-character UN/LOCODE like 'IRBND'"))
    aliases = p.get("aliases")
    if aliases is not None and (not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases)):
        out.append(_p(rec, "aliases", "aliases must be a list of strings"))
    for key in ("dwell_transfer_h", "dwell_border_h", "dwell_gauge_h"):
        v = p.get(key)
        if v is not None and (not _is_num(v) or v < 0):
            out.append(_p(rec, key, f"{key} must be a finite, non-negative number of hours, got {v!r}"))
        elif v is not None and v > MAX_DWELL_H:
            out.append(_p(rec, key, f"{key} = {v!r} h is more than a year ({MAX_DWELL_H:g} h); close the node instead"))
    if kind == "border_crossing" and p.get("dwell_border_h") is None:
        out.append(_p(rec, "dwell_border_h", "a border crossing without dwell_border_h uses the default from parameters.toml", "warning"))
    return out


def check_leg(rec: Record, node_ids: set[str]) -> list[Problem]:
    out: list[Problem] = []
    p = rec.props
    for key in ("from", "to", "mode", "status", "source"):
        if not isinstance(p.get(key), str) or not p.get(key, "").strip():
            out.append(_p(rec, key, f"missing required field {key!r}"))
    mode = p.get("mode")
    if isinstance(mode, str) and mode not in MODES:
        out.append(_p(rec, "mode", f"unknown mode {mode!r} (use one of {', '.join(MODES)})"))
    status = p.get("status")
    if isinstance(status, str) and status not in STATUSES:
        out.append(_p(rec, "status", f"unknown status {status!r} (use one of {', '.join(STATUSES)})"))
    for end in ("from", "to"):
        ref = p.get(end)
        if not isinstance(ref, str):
            continue
        if ref == MARNET:
            if end == "from":
                out.append(_p(rec, end, "'marnet' may only be the 'to' end of a port's sea spur"))
            elif mode != "sea":
                out.append(_p(rec, end, "only a sea leg can join the sea network ('to': 'marnet')"))
        elif ref not in node_ids:
            out.append(_p(rec, end, f"unknown node {ref!r} (define it as a Point feature, or fix the id)"))
    if p.get("from") is not None and p.get("from") == p.get("to"):
        out.append(_p(rec, "to", "leg starts and ends at the same node"))
    if mode == "rail":
        g = p.get("gauge_mm")
        if g is None:
            out.append(_p(rec, "gauge_mm", f"a rail leg needs gauge_mm (one of {', '.join(map(str, GAUGES))})"))
        elif g not in GAUGES:
            out.append(_p(rec, "gauge_mm", f"unknown gauge {g!r} (use one of {', '.join(map(str, GAUGES))})"))
    months = p.get("months")
    if months is not None and (
        not isinstance(months, list)
        or not months
        or not all(isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= 12 for m in months)
    ):
        out.append(_p(rec, "months", f"months must be a non-empty list of month numbers 1-12, got {months!r}"))
    for key in ("length_km", "frequency_per_week", "speed_kmh"):
        v = p.get(key)
        if v is not None and (not _is_num(v) or v <= 0):
            out.append(_p(rec, key, f"{key} must be a finite positive number, got {v!r}"))
        elif v is not None and v > MAX_LEG[key]:
            out.append(_p(rec, key, f"{key} = {v!r} is above the physical limit {MAX_LEG[key]:g} ({MAX_LEG_WHY[key]})"))
    b = p.get("bidirectional")
    if b is not None and not isinstance(b, bool):
        out.append(_p(rec, "bidirectional", "bidirectional must be true or false"))
    return out


def check_records(layers: Layers) -> list[Problem]:
    """Every field-level problem of every node and leg."""
    out: list[Problem] = []
    for rec in layers.nodes.values():
        out.extend(check_node(rec))
    node_ids = set(layers.nodes)
    for rec in layers.legs.values():
        out.extend(check_leg(rec, node_ids))
    return out
