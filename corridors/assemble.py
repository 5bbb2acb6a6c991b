"""A solver :class:`~corridors.engine.Solution` turned into a :class:`~corridors.model.Route` of
moves and stops: the legs in order (consecutive sea legs through sea-lane junctions merged into one
voyage), the dwells between them, and the handling at both ends."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .constraints import Constraints
from .engine import GAUGE, LEG, THROUGH, TRANSFER, Solution, dwell_part, transfer_category
from .engine import dwell as node_dwell
from .families import Family
from .geo import edge_coords
from .labels import combine, piece
from .model import Move, Route, Stop, new_route, set_labels
from .params import Parameters
from .places import Place
from .query import Compiled, exposure_weights

__all__ = ["and_months", "build_route", "destination_stop", "edge_steps", "handling_cost", "merge_voyage", "origin_stop"]


def build_route(
    q: Compiled,
    o: Place,
    d: Place,
    sol: Solution,
    objective: str | Mapping[str, float],
    fam: Family | None,
    c: Constraints,
    *,
    ents: list[tuple[Any, ...]] | None = None,
) -> Route:
    """The route of ``sol`` from ``o`` to ``d``: its moves and stops with the engine's figures (a
    voyage's exposure by the chokepoint weights of ``c``). ``ents``: :func:`edge_steps` of its edges,
    if the caller has them."""
    G = q.G
    steps: list[Any] = []
    made: list[Any] = []  # per step, the template it copies (what its labels read)
    t = 0.0
    edges = sol.edges
    if ents is None:
        ents = edge_steps(q, edges)
    ends = ["", ""]  # the mode keys of the state the first leg leaves and the last leg reaches
    for side, order in ((0, ents), (1, reversed(ents))):
        for ent in order:
            if ent[0] in _LEGS:
                ends[side] = ent[3 + side]
                break
    first = _end_stop(q, o.id, sol, origin=True, mode=ends[0])
    if first is not None:
        steps.append(first)
        made.append(first)
        t = first.dwell_h
    run: list[Any] | None = None  # the voyage being sailed, if any: [first index, end index, start hours]
    voyages = False
    for i, ent in enumerate(ents):
        code = ent[0]
        if code == _SKIP:
            continue  # a through edge without dwell
        if code == _SEA_ON and run is not None:
            run[1] = i + 1  # a voyage: consecutive sea legs through sea-lane junctions
        elif code in (_SEA, _SEA_ON):
            run = [i, i + 1, t]
            steps.append(run)
            made.append(None)
            voyages = True
        else:
            run = None
            steps.append(_at(ent[1], t))
            made.append(ent[1])
        t += ent[2]
    last = _end_stop(q, d.id, sol, origin=False, mode=ends[1])
    if last is not None:
        steps.append(_at(last, t))
        made.append(last)
    if voyages:
        wts: Any = None
        for k, s in enumerate(steps):
            if type(s) is list:
                i, j, t0 = s
                if j - i == 1:  # one leg: its template at the start
                    steps[k] = _at(ents[i][1], t0)
                    made[k] = ents[i][1]
                else:
                    if wts is None:
                        wts = _exposure(q, c)
                    steps[k] = made[k] = _sail(q, edges, ents, s, wts[0], wts[1], c.chokepoint_weights)
    obj = objective if isinstance(objective, str) else ",".join(f"{k}={v:g}" for k, v in objective.items())
    nodes = q.step_templates.setdefault("node kinds", {})
    node_kinds: dict[str, str] = {}
    node_countries: dict[str, str | None] = {}
    for s in steps:
        if type(s) is Move:
            for n in (s.from_id, s.to_id):
                got = nodes.get(n)
                if got is None:
                    nd = G.nodes[n]
                    got = nodes[n] = (str(nd.get("kind")), nd.get("country"))
                node_kinds[n], node_countries[n] = got
    steps_t = tuple(steps)
    route = new_route(
        origin=o.id,
        destination=d.id,
        origin_name=o.name,
        destination_name=d.name,
        objective=obj,
        steps=steps_t,
        family=fam.id if fam else None,
        label=fam.name if fam else obj,
        departure=c.depart.isoformat() if c.depart else None,
        node_kinds=node_kinds,
        node_countries=node_countries,
    )
    # its labels, from its templates' (kept per engine): what Router.simulate would compute from its steps
    kept = q.step_templates.setdefault("labels", {})
    key = tuple(map(id, made))
    got = kept.get(key)  # (the templates, kept alive with it: their ids stay their own; the labels)
    if got is None or not all(map(operator.is_, got[0], made)):  # (a pickled copy's ids are not its own)
        got = kept[key] = (tuple(made), _labels(q, made))
        if len(kept) > 4096:
            kept.clear()
            kept[key] = got
    if got[1] is not None:
        set_labels(route, got[1])
    return route


def _labels(q: Compiled, made: list[Any]) -> tuple[tuple[str, ...], tuple[tuple[str, int], ...]] | None:
    """:func:`corridors.labels.labels` of a route whose steps copy the templates ``made`` (each
    template's :func:`~corridors.labels.piece` kept per engine), or None for a route that waits for a
    season (that caveat reads the route's date)."""
    pieces = q.step_templates.setdefault("label pieces", {})
    keys = q.memo.setdefault("labels", {})
    if len(pieces) > 16384:
        pieces.clear()
    got_pieces = []
    for m in made:
        got = pieces.get(id(m))
        if got is None or got[0] is not m:  # the template kept alive with it: its id stays its own
            got = pieces[id(m)] = (m, None if type(m) is Stop and m.kind == "season_wait" else piece(m, q.G, q.params, keys))
        if got[1] is None:
            return None
        got_pieces.append(got[1])
    return combine(got_pieces)


#: what an engine edge is in a route (:func:`_edge_step`)
_SKIP, _SEA_ON, _SEA, _MOVE, _STOP = range(5)
_LEGS = (_SEA_ON, _SEA, _MOVE)


def _edge_step(q: Compiled, e: int) -> tuple[int, Any, float, str, str, int]:
    """Engine edge ``e`` in a route, kept per engine: what it is (a through edge without dwell, a sea
    leg from a sea-lane junction that carries on a voyage, another sea leg that starts one, another
    leg, a stop), its template (:func:`_step_template`), the hours it takes, and for a leg the mode
    keys of the states it leaves and reaches (what the handling at the route's ends reads) and the
    index of the node it arrives at (-1 for another edge: only a leg arrives)."""
    eng = q.eng
    arrive = int(eng.state_node[eng.dst[e]]) if eng.etype[e] == LEG else -1
    step = _step_template(q, e)
    if step is None:
        return _SKIP, None, 0.0, "", "", arrive
    if isinstance(step, Move):
        modes = str(eng.state_mode[eng.src[e]]), str(eng.state_mode[eng.dst[e]])
        if step.mode == "sea":
            return (_SEA_ON if str(step.from_id).startswith("sea:") else _SEA), step, step.moving_h + step.wait_h, *modes, arrive
        return _MOVE, step, step.moving_h + step.wait_h, *modes, arrive
    return _STOP, step, step.dwell_h, "", "", arrive


def edge_steps(q: Compiled, edges: list[int]) -> list[tuple[Any, ...]]:
    """:func:`_edge_step` of each of ``edges`` (kept per engine): what :func:`build_route` reads of
    them, and the node each arrives at (its last item; -1 for an edge that is not a leg), which the
    check for revisits reads first."""
    info = q.step_templates.setdefault("edge steps", {})
    out = []
    for e in edges:
        ent = info.get(e)
        if ent is None:
            ent = info[e] = _edge_step(q, e)
        out.append(ent)
    return out


def _exposure(q: Compiled, c: Constraints) -> tuple[dict[str, float], tuple[tuple[str, float], ...]]:
    """:func:`corridors.query.exposure_weights` of ``c`` and its items sorted (a voyage's key), kept per
    engine by the chokepoint weights of ``c`` (the only part of ``c`` they read)."""
    kept = q.step_templates.setdefault("exposure weights", {})
    got = kept.get(c.chokepoint_weights)
    if got is None:
        weights = exposure_weights(q, c)
        if len(kept) >= 64:
            kept.clear()
        got = kept[c.chokepoint_weights] = (weights, tuple(sorted(weights.items())))
    return got  # type: ignore[no-any-return]


_MISSING: Any = object()


def _at(step: Any, t: float) -> Any:
    """A copy of a frozen step template starting at ``t`` hours (``dataclasses.replace`` without
    running ``__init__`` again: every other field is the template's)."""
    out = object.__new__(type(step))
    out.__dict__.update(step.__dict__)
    out.__dict__["start_h"] = t
    return out


def _step_template(q: Compiled, e: int) -> Move | Stop | None:
    """The move (a leg edge) or stop (a dwell edge) of engine edge ``e`` with ``start_h`` 0, or None
    for a through edge without dwell: built once per compiled engine (:attr:`Compiled.step_templates`),
    with the engine's figures and the leg's coordinates in its direction of travel."""
    eng, G, params = q.eng, q.G, q.params
    et = int(eng.etype[e])
    if et == LEG:
        u, v, k = eng.edge_refs[int(eng.leg[e])]
        dd = G.edges[u, v, k]
        return Move(
            leg_ids=(k,),
            from_id=u,
            to_id=v,
            from_name=str(G.nodes[u].get("name", u)),
            to_name=str(G.nodes[v].get("name", v)),
            mode=str(dd["mode"]),
            status=str(dd["status"]),
            gauge_mm=dd.get("gauge_mm"),
            length_km=float(eng.metrics["length_km"][e]),
            moving_h=float(eng.moving_h[e]),
            wait_h=float(eng.wait_h[e]),
            cost_usd=float(eng.metrics["cost_usd"][e]),
            co2_kg=float(eng.metrics["co2_kg"][e]),
            exposure=float(eng.metrics["exposure"][e]),
            countries=tuple(dd.get("countries") or ()),
            chokepoints=tuple(dd.get("chokepoints") or ()),
            months=dd.get("months"),
            source=str(dd.get("source", "")),
            coords=tuple(edge_coords(dd)),
            start_h=0.0,
            parts=tuple(eng.parts(e)),
            service=dd.get("service_name"),
        )
    dwell = float(eng.metrics["time_h"][e])
    if dwell <= 0 and et == THROUGH:
        return None
    ni = int(eng.state_node[eng.src[e]])
    n = eng.nodes[ni]
    nd = G.nodes[n]
    _, border, _ = node_dwell(nd, params)
    a, b = eng.state_mode[eng.src[e]], eng.state_mode[eng.dst[e]]
    kinds = []
    if border > 0:
        kinds.append("border")
    if et == TRANSFER:
        kinds.append("transshipment" if a == b else "transfer")
    elif et == GAUGE:
        kinds.append("gauge_change")
    return Stop(
        node_id=n,
        name=str(nd.get("name", n)),
        country=nd.get("country"),
        kind="+".join(kinds) or "dwell",
        from_mode=a,
        to_mode=b,
        dwell_h=dwell,
        cost_usd=float(eng.metrics["cost_usd"][e]),
        co2_kg=float(eng.metrics["co2_kg"][e]),
        start_h=0.0,
        parts=tuple(eng.parts(e)),
    )


def _end_stop(q: Compiled, nid: str, sol: Solution, *, origin: bool, mode: str) -> Stop | None:
    """:func:`origin_stop` (``origin``) or :func:`destination_stop` (starting at 0), built once per
    node and ``mode``, the mode key of the state the first leg leaves (the last leg reaches; "" for
    none), the only things of the route they read."""
    key = ("origin" if origin else "destination", nid, mode)
    templates = q.step_templates
    got = templates.get(key, _MISSING)
    if got is _MISSING:
        got = origin_stop(q, nid, sol) if origin else destination_stop(q, nid, sol, 0.0)
        templates[key] = got
    return got  # type: ignore[no-any-return]


def origin_stop(q: Compiled, nid: str, sol: Solution) -> Stop | None:
    """Handling at the origin: loading and waiting for the first train or vessel (a port's export
    dwell where the first leg sails, else the terminal's transfer dwell), and the once-per-box costs
    (documentation, empty repositioning). Constant per origin and first mode, so it does not change
    which route is best."""
    eng, params = q.eng, q.params
    nd = q.G.nodes[nid]
    transfer, _, _ = node_dwell(nd, params)
    if transfer is None:
        return None
    first_mode = next((eng.state_mode[eng.src[e]] for e in sol.edges if eng.etype[e] == LEG), "")
    cat = transfer_category(nd, "rail:1520", first_mode) if nd.get("kind") == "port" else "rail_terminal_transfer"
    part = dwell_part(nid, nd, cat, params)
    if part is None:
        return None
    fixed = params.cost_usd_per_teu_fixed
    once = fixed.get("documentation", 0.0) + fixed.get("empty_repositioning", 0.0)
    return Stop(
        node_id=nid,
        name=str(nd.get("name", nid)),
        country=nd.get("country"),
        kind="origin_handling",
        from_mode="",
        to_mode=first_mode,
        dwell_h=part.mean,
        cost_usd=handling_cost(params, nd, first_mode) + once,
        co2_kg=float(params.co2_kg_per_teu_handled),
        start_h=0.0,
        parts=(part._replace(label=f"origin handling at {nd.get('name', nid)}"),),
    )


def handling_cost(params: Parameters, nd: Mapping[str, Any], mode: str) -> float:
    """One lift at a node: a port's THC where the box meets a ship, else a terminal's handling."""
    if nd.get("kind") == "port" and mode in ("sea", "ferry"):
        return params.port_handling(nd.get("country"), caspian=mode == "ferry")
    return float(params.handling_usd_per_teu.get("rail_terminal_transfer", 0.0))


def destination_stop(q: Compiled, nid: str, sol: Solution, t: float) -> Stop | None:
    """Handling at the destination: discharge and import clearance at a port reached by sea (the
    port's import dwell), or unloading at a terminal. A route ends when the box is released."""
    eng, params = q.eng, q.params
    nd = q.G.nodes[nid]
    transfer, _, _ = node_dwell(nd, params)
    if transfer is None:
        return None
    key = next((eng.state_mode[eng.dst[e]] for e in reversed(sol.edges) if eng.etype[e] == LEG), "")
    last_mode = "rail" if key.startswith("rail:") else key
    cat = transfer_category(nd, last_mode, "rail:1520") if nd.get("kind") == "port" else "rail_terminal_transfer"
    part = dwell_part(nid, nd, cat, params)
    if part is None:
        return None
    return Stop(
        node_id=nid,
        name=str(nd.get("name", nid)),
        country=nd.get("country"),
        kind="destination_handling",
        from_mode=last_mode,
        to_mode="",
        dwell_h=part.mean,
        cost_usd=handling_cost(params, nd, last_mode),
        co2_kg=float(params.co2_kg_per_teu_handled),
        start_h=t,
        parts=(part._replace(label=f"destination handling and import clearance at {nd.get('name', nid)}"),),
    )


def _sail(
    q: Compiled, edges: list[int], ents: list[tuple[Any, ...]], run: list[Any], weights: Mapping[str, float], wkey: Any, cw: Any
) -> Move:
    """The move of the voyage over ``edges[i:j]`` starting at ``t0`` hours (``run`` = [i, j, t0]): one
    leg's template at ``t0``, or :func:`_voyage` of its legs (their starts summed from ``t0`` as the
    route's are), kept per compiled engine by the edges, the chokepoint weights ``cw`` of the
    constraints (the voyage's exposure reads them) and ``t0``: the same voyage from the same start is
    the same move."""
    i, j, t0 = run
    if j - i == 1:
        return _at(ents[i][1], t0)  # type: ignore[no-any-return]
    key = (tuple(edges[i:j]), cw, t0)
    kept = q.step_templates.setdefault("sailed", {})
    got = kept.get(key)
    if got is None:
        legs = []
        t = t0
        for e, (code, step, hours, *_) in zip(edges[i:j], ents[i:j], strict=True):
            if code != _SKIP:
                legs.append((e, step, t))
                t += hours
        got = _voyage(q, legs, weights, wkey)
        if len(kept) >= VOYAGES_KEPT:
            kept.clear()
        kept[key] = got
    return got  # type: ignore[no-any-return]


def _voyage(q: Compiled, run: list[tuple[int, Move, float]], weights: Mapping[str, float], wkey: Any = None) -> Move:
    """:func:`merge_voyage` of the moves of engine edges ``run`` ((edge, template, start) each): the
    fields that do not depend on the start kept per compiled engine by the edges and the weights, the
    start and the spans (as merge_voyage computes them) set here. The same move."""
    _, a, t0 = run[0]
    if len(run) == 1:
        return _at(a, t0)  # type: ignore[no-any-return]
    key = (tuple([e for e, _, _ in run]), tuple(sorted(weights.items())) if wkey is None else wkey)
    kept = q.step_templates.setdefault("voyages", {})
    got = kept.get(key)
    if got is None:
        got = dict(merge_voyage([_at(m, t) for _, m, t in run], weights).__dict__)
        del got["start_h"], got["part_spans"]
        if len(kept) >= VOYAGES_KEPT:
            kept.clear()
        kept[key] = got
    out = object.__new__(Move)
    out.__dict__.update(got)
    out.__dict__["start_h"] = t0
    out.__dict__["part_spans"] = tuple((t - t0, t - t0 + m.moving_h + m.wait_h, m.months) for _, m, t in run)
    return out


#: merged voyages kept per compiled engine
VOYAGES_KEPT = 512


def merge_voyage(parts: list[Move], weights: Mapping[str, float]) -> Move:
    """One move for a voyage made of consecutive sea legs. Its exposure is the weight of each
    distinct chokepoint it passes (a lane that steps out of a strait's outline and back in is still
    one passage), which the per-edge objective approximates by counting entries."""
    if len(parts) == 1:
        return parts[0]
    a, b = parts[0], parts[-1]
    months: tuple[int, ...] | None = None
    for m in parts:
        months = and_months(months, m.months)
    sources = list(dict.fromkeys(m.source for m in parts))
    spans = []
    for m in parts:
        s0 = m.start_h - a.start_h
        spans.append((s0, s0 + m.moving_h + m.wait_h, m.months))
    return replace(
        a,
        parts=tuple(p for m in parts for p in m.parts),
        part_spans=tuple(spans),
        service=next((m.service for m in parts if m.service), None),
        leg_ids=tuple(i for m in parts for i in m.leg_ids),
        to_id=b.to_id,
        to_name=b.to_name,
        length_km=sum(m.length_km for m in parts),
        moving_h=sum(m.moving_h for m in parts),
        wait_h=sum(m.wait_h for m in parts),
        cost_usd=sum(m.cost_usd for m in parts),
        co2_kg=sum(m.co2_kg for m in parts),
        exposure=sum(weights.get(c, 1.0) for c in dict.fromkeys(c for m in parts for c in m.chokepoints)),
        countries=tuple(dict.fromkeys(c for m in parts for c in m.countries)),
        chokepoints=tuple(dict.fromkeys(c for m in parts for c in m.chokepoints)),
        months=months,
        source="; ".join(sources),
        coords=tuple(itertools.chain(a.coords, *(m.coords[1:] for m in parts[1:]))),
        status=next((m.status for m in parts if m.status != "operational"), "operational"),
    )


def and_months(a: tuple[int, ...] | None, b: tuple[int, ...] | None) -> tuple[int, ...] | None:
    """The months open in both ``a`` and ``b`` (None or empty: every month)."""
    if not a:
        return b
    if not b:
        return a
    return tuple(sorted(set(a) & set(b)))
