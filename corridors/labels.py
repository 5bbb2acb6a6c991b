"""Honest labels: what a reader must know about a route's figures, said on the route itself.

:func:`caveats` lists, for one route, the lanes sailed under a generic assumption (no known service),
the services reported irregular, corridors with no scheduled container service today (the NSR), and
the calibrated figures the route's time rests on. :func:`basis` counts how each random part of the
route's time was set: from a source, by an assumption, or by the calibration. :func:`labels` gives both
in one pass, with what it looks up kept per engine (what a router calls); :func:`caveats` and
:func:`basis` walk the route as written and stay as its reference (tests/test_warm_query.py compares
them). Each caveat's text is written once, below. :func:`fmt_number` writes
a figure as the CLI table and the maps show it (one function for both).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .model import Move, Route, Stop
from .params import Parameters

if TYPE_CHECKING:
    import networkx as nx


NSR_CHOKEPOINTS = ("kara_gates", "vilkitsky", "dmitry_laptev", "sannikov")
#: how :func:`same_route_caveats` begins its caveat (the maps show that one as a note on its row)
SAME_ROUTE = "the same route as the row "
NSR_CAVEAT = "no scheduled Russia-India container service uses the Northern Sea Route; its times assume one"


def _generic_sailing(m: Move) -> str:
    return f"{m.from_name} -> {m.to_name}: no known scheduled service; a weekly sailing and one hub transshipment are assumed"


def _generic_feeder(m: Move) -> str:
    return f"{m.from_name} -> {m.to_name}: no known scheduled service; a generic weekly regional feeder is assumed"


def _irregular(m: Move) -> str:
    return f"{m.from_name} -> {m.to_name}: {m.service} is reported irregular (announced or on-demand sailings)"


def _season_wait(st: Stop, departure: str | None) -> str:
    return f"waits {st.dwell_h / 24:.0f} days at {st.name} for the seasonal passage to open (departure {departure})"


def _calibrated(keys: Sequence[str]) -> str:
    return "calibrated figures (data/calibration.toml): " + ", ".join(keys)


def _param_key(part_key: str, G: nx.MultiDiGraph, params: Parameters) -> str | None:
    """The parameter a random part comes from (``dwell_h.gauge_change`` ...), None for a service wait."""
    if part_key.startswith("dwell:"):
        node, cat = part_key[len("dwell:") :].rsplit(":", 1)
        nd: Mapping[str, Any] = G.nodes.get(node, {})
        if f"dwell_q_{cat}" in nd:
            return f"services.hub.{node}"
        if cat in params.dwell_q_by_node.get(node, {}):
            return f"dwell_h_by_node.{node}.{cat}"
        country = nd.get("country")
        if country and cat in params.dwell_q_by_country.get(str(country), {}):
            return f"dwell_h_by_country.{country}.{cat}"
        return f"dwell_h.{cat}"
    if part_key.startswith("wait:generic@"):
        return "sea_service.generic_headway_h"
    if part_key.startswith("transship:generic@"):
        return "sea_service.generic_transshipment_h"
    if part_key.startswith("delay:"):
        return "sea_service.delay_h"
    return None


def basis(route: Route, G: nx.MultiDiGraph, params: Parameters) -> dict[str, int]:
    """How many random parts of the route's time are sourced, assumed or calibrated (a scheduled
    service's wait counts as sourced: its headway is published)."""
    out = {"sourced": 0, "assumed": 0, "calibrated": 0}
    for p in route.parts:
        out[_part_basis(p.key, G, params)[1]] += 1
    return out


def same_route_caveats(routes: Sequence[Route]) -> list[Route]:
    """``routes`` (in their order), each that sails and rides exactly the legs of an earlier one with a
    caveat naming that row: under some constraints two families' best routes are one and the same route
    (it meets both definitions, e.g. an eastern-branch train to Chabahar when Hormuz is avoided), and a
    reader must not take them for two options."""
    first: dict[tuple[str, ...], Route] = {}
    out: list[Route] = []
    for r in routes:
        legs = tuple(lid for m in r.moves for lid in m.leg_ids)
        seen = first.setdefault(legs, r)
        if seen is not r:  # (idempotent: a route already marked keeps its one note)
            note = f"{SAME_ROUTE}'{seen.label or seen.family}' (it meets both corridors' definitions): not a second option"
            if note not in r.caveats:
                r = replace(r, caveats=(*r.caveats, note))
        out.append(r)
    return out


def caveats(route: Route, G: nx.MultiDiGraph, params: Parameters) -> tuple[str, ...]:
    out: list[str] = []
    for m in route.moves:
        if m.mode != "sea":
            continue
        if any(p.key.startswith("wait:generic@") for p in m.parts):
            out.append(_generic_sailing(m))
        elif m.service and _edge(G, m).get("service") == "generic-feeder":
            out.append(_generic_feeder(m))
        elif _edge(G, m).get("service_status") == "irregular":
            out.append(_irregular(m))
    for st in route.stops:
        if st.kind == "season_wait":
            out.append(_season_wait(st, route.departure))
    if set(route.chokepoints) & set(NSR_CHOKEPOINTS):
        out.append(NSR_CAVEAT)
    cal = sorted({k for p in route.parts if (k := _param_key(p.key, G, params)) and k in params.calibrated})
    if cal:
        out.append(_calibrated(cal))
    return tuple(dict.fromkeys(out))


def labels(
    route: Route, G: nx.MultiDiGraph, params: Parameters, keys: dict[Any, Any] | None = None
) -> tuple[tuple[str, ...], tuple[tuple[str, int], ...]]:
    """``caveats(route, G, params)`` and ``tuple(basis(route, G, params).items())`` in one pass over
    the route's steps: the same values. ``keys`` (kept by the caller for this ``G`` and ``params``,
    e.g. with the compiled engine) keeps, per random part's key, its parameter and how that was set,
    and per sea move's first leg what the caveats read of it, so a warm query looks each up once."""
    if keys is None:
        keys = {}
    waits = [_season_wait(s, route.departure) for s in route.steps if isinstance(s, Stop) and s.kind == "season_wait"]
    return combine([piece(s, G, params, keys) for s in route.steps], waits)


#: what :func:`labels` reads of one step: its parts counted (sourced, assumed, calibrated), the calibrated
#: parameters they come from, its caveat as a sea move (or None) and whether it passes the NSR
Piece = tuple[int, int, int, tuple[str, ...], str | None, bool]
_HOW = {"sourced": 0, "assumed": 1, "calibrated": 2}


def piece(s: Move | Stop, G: nx.MultiDiGraph, params: Parameters, keys: dict[Any, Any]) -> Piece:
    """What :func:`labels` reads of step ``s`` (a step's start and a season wait's text aside: the
    caller writes that one), with ``keys`` as there. The same for two steps whose fields are equal but
    their starts: :func:`corridors.assemble.build_route` keeps it per step template."""
    counts = [0, 0, 0]
    cal: list[str] = []
    calibrated = params.calibrated
    for p in s.parts:
        got = keys.get(p.key)
        if got is None:
            got = keys[p.key] = _part_basis(p.key, G, params)
        k, how = got
        counts[_HOW[how]] += 1
        if k and k in calibrated:
            cal.append(k)
    if not isinstance(s, Move):
        return counts[0], counts[1], counts[2], tuple(cal), None, False
    nsr = any(ch in NSR_CHOKEPOINTS for ch in s.chokepoints)
    text: str | None = None
    if s.mode == "sea":
        if any(p.key.startswith("wait:generic@") for p in s.parts):
            text = _generic_sailing(s)
        else:
            ekey = ("edge", s.from_id, s.to_id, s.leg_ids[0])
            edge = keys.get(ekey)
            if edge is None:
                d = _edge(G, s)
                edge = keys[ekey] = (d.get("service"), d.get("service_status"))
            if s.service and edge[0] == "generic-feeder":
                text = _generic_feeder(s)
            elif edge[1] == "irregular":
                text = _irregular(s)
    return counts[0], counts[1], counts[2], tuple(cal), text, nsr


def combine(pieces: Sequence[Piece], waits: Sequence[str] = ()) -> tuple[tuple[str, ...], tuple[tuple[str, int], ...]]:
    """The caveats and basis of :func:`labels` from each step's :func:`piece` (in the route's order)
    and the season waits' caveats (in theirs)."""
    sourced = assumed = calibrated = 0
    cal: set[str] = set()
    out: list[str] = []
    nsr = False
    for p in pieces:
        sourced += p[0]
        assumed += p[1]
        calibrated += p[2]
        if p[3]:
            cal.update(p[3])
        if p[4] is not None:
            out.append(p[4])
        nsr = nsr or p[5]
    out.extend(waits)
    if nsr:
        out.append(NSR_CAVEAT)
    if cal:
        out.append(_calibrated(sorted(cal)))
    return tuple(dict.fromkeys(out)), (("sourced", sourced), ("assumed", assumed), ("calibrated", calibrated))


def _part_basis(part_key: str, G: nx.MultiDiGraph, params: Parameters) -> tuple[str | None, str]:
    """The parameter a random part comes from (:func:`_param_key`) and how it was set, as :func:`basis`
    counts it."""
    key = _param_key(part_key, G, params)
    if key is None:
        return None, "sourced"  # a scheduled service's wait: its headway is published
    if key.startswith("services.hub."):
        return key, "assumed"  # every hub dwell in data/services.toml is a labelled assumption
    return key, params.basis(key)


def _edge(G: nx.MultiDiGraph, m: Move) -> Mapping[str, Any]:
    d: Mapping[str, Any] | None = G.get_edge_data(m.from_id, m.to_id, key=m.leg_ids[0])
    return d or {}


def fmt_number(v: Any) -> str:
    """A figure as the table shows it: floats to one decimal with thousands separators (whole above a
    million), None as empty."""
    if isinstance(v, float):
        return f"{v:,.1f}" if abs(v) < 1e6 else f"{v:,.0f}"
    return "" if v is None else str(v)
