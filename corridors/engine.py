"""The compiled routing graph: a state-expanded graph solved with scipy's compiled Dijkstra.

Why a state graph: the dwell a container meets at a node depends on how it arrives and leaves.
Each node gets one *arrival* and one *departure* state per "mode key" of its legs (``rail:1520``,
``rail:1435``, ``rail:1676``, ``sea``, ``ferry``, ``road``):

* a **leg** edge runs from the departure state of its start to the arrival state of its end, with
  moving time, the expected wait for a scheduled service, cost and CO2;
* a **through** edge (same mode key) carries the border formalities of a border crossing, and for a
  port with a vessel-to-vessel transshipment the port's transfer dwell;
* a **transfer** edge (different mode keys) carries the transfer dwell and handling cost (rail↔sea at
  a port, rail↔road at a terminal) or, between rail gauges, the break-of-gauge dwell; it exists only
  where the node allows that transfer.

Sea-lane junctions have a single state. Hard constraints remove edges (a boolean mask over the edge
arrays), so a forbidden leg cannot appear in an answer; vias and a maximum number of transshipments
are solved exactly on a layered copy of the graph.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from .io import MODES
from .params import Parameters

LEG, THROUGH, TRANSFER, GAUGE = 0, 1, 2, 3
METRICS = ("time_h", "length_km", "cost_usd", "co2_kg", "exposure")
STATUS_CODES = {"operational": 0, "under_construction": 1, "planned": 2}
MODE_CODES = {m: i for i, m in enumerate(MODES)}
ALL_MONTHS = (1 << 12) - 1


def mode_key(d: Mapping[str, Any]) -> str:
    if d.get("mode") == "rail":
        return f"rail:{d.get('gauge_mm')}"
    return str(d.get("mode"))


def _bits(months: Sequence[int] | None) -> int:
    if not months:
        return ALL_MONTHS
    return sum(1 << (m - 1) for m in months)


@dataclass
class Engine:
    """Arrays describing the state graph of one network under one set of parameters."""

    G: nx.MultiDiGraph
    params: Parameters
    nodes: list[str] = field(default_factory=list)
    node_index: dict[str, int] = field(default_factory=dict)
    state_node: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    state_mode: list[str] = field(default_factory=list)
    in_states: dict[str, list[int]] = field(default_factory=dict)
    out_states: dict[str, list[int]] = field(default_factory=dict)
    # edges
    src: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    dst: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    etype: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    leg: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # index into legs, -1 for dwell
    edge_refs: list[tuple[str, str, str]] = field(default_factory=list)  # (u, v, key) per leg edge
    leg_ids: list[str] = field(default_factory=list)
    leg_id_index: dict[str, int] = field(default_factory=dict)
    mode: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    status: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    months: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))
    metrics: dict[str, np.ndarray] = field(default_factory=dict)
    moving_h: np.ndarray = field(default_factory=lambda: np.zeros(0))
    wait_h: np.ndarray = field(default_factory=lambda: np.zeros(0))
    by_country: dict[str, np.ndarray] = field(default_factory=dict)
    by_chokepoint: dict[str, np.ndarray] = field(default_factory=dict)
    edge_chokepoints: list[tuple[str, ...]] = field(default_factory=list)
    _csr_cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the arrays only: the graph and parameters are re-attached on load."""
        state = dict(self.__dict__)
        state["G"] = None
        state["params"] = None
        state["_csr_cache"] = {}
        return state

    @property
    def n_states(self) -> int:
        return len(self.state_mode)

    @property
    def n_edges(self) -> int:
        return len(self.src)


def _dwell(node: Mapping[str, Any], params: Parameters) -> tuple[float | None, float, float | None]:
    """(transfer dwell or None if no transfer here, border dwell, gauge dwell or None)."""
    kind = node.get("kind")
    dh = params.dwell_h
    default_transfer = {
        "port": dh.get("port_transfer"),
        "rail_terminal": dh.get("rail_terminal_transfer"),
        "city": dh.get("rail_terminal_transfer"),
    }.get(str(kind))
    transfer = node.get("dwell_transfer_h", default_transfer)
    border = node.get("dwell_border_h")
    if border is None:
        border = dh.get("border_crossing") if kind == "border_crossing" else 0.0
    gauge = node.get("dwell_gauge_h")
    return (None if transfer is None else float(transfer), float(border or 0.0), None if gauge is None else float(gauge))


def compile_engine(G: nx.MultiDiGraph, params: Parameters) -> Engine:
    """Build the state graph arrays for ``G`` priced with ``params``."""
    eng = Engine(G, params)
    eng.nodes = list(G.nodes)
    eng.node_index = {n: i for i, n in enumerate(eng.nodes)}
    keys: dict[str, set[str]] = {n: set() for n in eng.nodes}
    for u, v, d in G.edges(data=True):
        mk = mode_key(d)
        keys[u].add(mk)
        keys[v].add(mk)
    state_node: list[int] = []
    in_of: dict[tuple[str, str], int] = {}
    out_of: dict[tuple[str, str], int] = {}
    for n in eng.nodes:
        merged = str(n).startswith("sea:")
        for mk in sorted(keys[n]):
            i = len(state_node)
            state_node.append(eng.node_index[n])
            eng.state_mode.append(mk)
            in_of[(n, mk)] = i
            if merged:
                out_of[(n, mk)] = i
            else:
                state_node.append(eng.node_index[n])
                eng.state_mode.append(mk)
                out_of[(n, mk)] = i + 1
    eng.state_node = np.asarray(state_node, dtype=np.int32)
    for (n, _), i in in_of.items():
        eng.in_states.setdefault(n, []).append(i)
    for (n, _), i in out_of.items():
        eng.out_states.setdefault(n, []).append(i)

    p = params
    cols: dict[str, list[float]] = {m: [] for m in METRICS}
    moving: list[float] = []
    wait: list[float] = []
    src: list[int] = []
    dst: list[int] = []
    etype: list[int] = []
    leg: list[int] = []
    mode: list[int] = []
    status: list[int] = []
    months: list[int] = []
    by_country: dict[str, list[int]] = {}
    by_choke: dict[str, list[int]] = {}
    zones = G.graph.get("chokepoints", {})
    weight_of = {z: p.default_chokepoint_weight * float(getattr(zobj, "weight", 1.0)) for z, zobj in zones.items()}

    def add(s: int, t: int, et: int, lg: int, md: int, st: int, mo: int, mv: float, wt: float, vals: Mapping[str, float]) -> int:
        src.append(s)
        dst.append(t)
        etype.append(et)
        leg.append(lg)
        mode.append(md)
        status.append(st)
        months.append(mo)
        moving.append(mv)
        wait.append(wt)
        for m in METRICS:
            cols[m].append(vals.get(m, 0.0))
        eng.edge_chokepoints.append(())
        return len(src) - 1

    for u, v, k, d in G.edges(keys=True, data=True):
        mk = mode_key(d)
        md = str(d.get("mode"))
        length = float(d["length_km"])
        countries = tuple(d.get("countries") or ())
        if d.get("speed_kmh"):
            speed = float(d["speed_kmh"])
        elif md == "rail":
            speed = p.rail_speed(countries or tuple(c for c in (G.nodes[u].get("country"), G.nodes[v].get("country")) if c))
        else:
            speed = p.speed_kmh[md]
        mv = length / speed
        freq = d.get("frequency_per_week")
        wt = 84.0 / float(freq) if freq else 0.0
        if md == "rail":
            co2 = length * p.rail_co2(countries)
        else:
            co2 = length * p.co2_kg_per_teu_km[md]
        chokes = tuple(d.get("chokepoints") or ())
        vals = {
            "time_h": mv + wt,
            "length_km": length,
            "cost_usd": length * p.cost_usd_per_teu_km[md],
            "co2_kg": co2,
            "exposure": sum(weight_of.get(c, p.default_chokepoint_weight) for c in d.get("enters", chokes)),
        }
        if k not in eng.leg_id_index:
            eng.leg_id_index[k] = len(eng.leg_ids)
            eng.leg_ids.append(k)
        i = add(out_of[(u, mk)], in_of[(v, mk)], LEG, len(eng.edge_refs), MODE_CODES.get(md, 9), STATUS_CODES.get(str(d.get("status")), 2), _bits(d.get("months")), mv, wt, vals)
        eng.edge_refs.append((u, v, k))
        eng.edge_chokepoints[i] = tuple(d.get("enters", chokes))
        for c in countries:
            by_country.setdefault(c, []).append(i)
        for c in chokes:
            by_choke.setdefault(c, []).append(i)

    h = p.handling_usd_per_teu
    for n in eng.nodes:
        if str(n).startswith("sea:"):
            continue
        nd = G.nodes[n]
        transfer, border, gauge = _dwell(nd, p)
        is_port = nd.get("kind") == "port"
        border_cost = h.get("border_crossing", 0.0) if border > 0 else 0.0
        mks = sorted(keys[n])
        for a in mks:
            # through: same mode key
            dwell = border
            cost = border_cost
            co2 = 0.0
            et = THROUGH
            if is_port and a in ("sea", "ferry") and transfer is not None:
                dwell += transfer
                cost += h.get("port_transfer", 0.0)
                co2 += p.co2_kg_per_teu_handled
                et = TRANSFER  # vessel to vessel: a transshipment
            add(in_of[(n, a)], out_of[(n, a)], et, -1, -1, 0, ALL_MONTHS, 0.0, 0.0, {"time_h": dwell, "cost_usd": cost, "co2_kg": co2})
            for b in mks:
                if a == b:
                    continue
                if a.startswith("rail:") and b.startswith("rail:"):
                    if gauge is None:
                        continue
                    add(in_of[(n, a)], out_of[(n, b)], GAUGE, -1, -1, 0, ALL_MONTHS, 0.0, 0.0,
                        {"time_h": border + gauge, "cost_usd": border_cost + h.get("gauge_change", 0.0), "co2_kg": p.co2_kg_per_teu_handled})
                    continue
                if transfer is None:
                    continue
                hk = "port_transfer" if is_port else "rail_terminal_transfer"
                add(in_of[(n, a)], out_of[(n, b)], TRANSFER, -1, -1, 0, ALL_MONTHS, 0.0, 0.0,
                    {"time_h": border + transfer, "cost_usd": border_cost + h.get(hk, 0.0), "co2_kg": p.co2_kg_per_teu_handled})

    eng.src = np.asarray(src, dtype=np.int32)
    eng.dst = np.asarray(dst, dtype=np.int32)
    eng.etype = np.asarray(etype, dtype=np.int8)
    eng.leg = np.asarray(leg, dtype=np.int32)
    eng.mode = np.asarray(mode, dtype=np.int8)
    eng.status = np.asarray(status, dtype=np.int8)
    eng.months = np.asarray(months, dtype=np.int16)
    eng.moving_h = np.asarray(moving)
    eng.wait_h = np.asarray(wait)
    eng.metrics = {m: np.asarray(cols[m]) for m in METRICS}
    eng.by_country = {c: np.asarray(v, dtype=np.int32) for c, v in by_country.items()}
    eng.by_chokepoint = {c: np.asarray(v, dtype=np.int32) for c, v in by_choke.items()}
    return eng


@dataclass
class Solution:
    edges: list[int]
    cost: float
    layers: list[int] = field(default_factory=list)  # the via layer each edge of ``edges`` starts in


def solve(
    eng: Engine,
    sources: Sequence[int],
    targets: Sequence[int],
    weight: np.ndarray,
    mask: np.ndarray,
    vias: Sequence[np.ndarray] = (),
    max_transfers: int | None = None,
    cache_key: Any = None,
    lower_bound: float | None = None,
    no_arrival: Sequence[np.ndarray] = (),
) -> Solution | None:
    """Shortest path from any of ``sources`` to any of ``targets`` over the edges in ``mask``.

    ``vias`` are boolean edge masks, to be satisfied in order (the path uses an edge of each): the
    graph is layered, layer ``a`` meaning "the first ``a`` groups are satisfied", and an edge of group
    ``a`` used in layer ``a`` moves the path to layer ``a + 1``. ``no_arrival[a]`` (node indices) are
    nodes a leg may not arrive at in layer ``a``: the caller uses it so that a node where a group was
    satisfied (a crossing, a via place) is never arrived at again afterwards, so a route cannot touch
    a via and turn back through it. ``max_transfers`` caps the number of transfer edges (a transfer
    between modes or vessels, or a change of rail gauge). Returns the base edge indices in order with
    the layer each starts in.
    """
    S = eng.n_states
    V = len(vias) + 1
    T = 1 if max_transfers is None else max_transfers + 1
    arrival_key = tuple(tuple(sorted(int(x) for x in a)) for a in no_arrival)
    key = (cache_key, V, T, arrival_key) if cache_key is not None else None
    built = eng._csr_cache.get(key) if key is not None else None
    if built is None:
        base = np.flatnonzero(mask)
        rows_l: list[np.ndarray] = []
        cols_l: list[np.ndarray] = []
        eidx_l: list[np.ndarray] = []
        is_transfer = (eng.etype[base] == TRANSFER) | (eng.etype[base] == GAUGE)
        is_leg = eng.etype[base] == LEG
        arrive_node = eng.state_node[eng.dst[base]]
        for a in range(V):
            # an edge may satisfy several consecutive groups at once (leaving a crossing straight
            # into a via place): it advances past all of them
            adv = np.zeros(len(base), np.int64)
            alive = np.ones(len(base), bool)
            for j in range(a, V - 1):
                alive &= vias[j][base]
                adv += alive
            keep = np.ones(len(base), bool)
            if a < len(no_arrival) and len(no_arrival[a]):
                keep = ~(is_leg & np.isin(arrive_node, np.asarray(no_arrival[a], dtype=np.int32)))
            for t in range(T):
                tt = t + is_transfer.astype(np.int64) if max_transfers is not None else np.full(len(base), t)
                aa = a + adv
                ok = (tt < T) & keep
                layer_src = (a * T + t) * S
                rows_l.append(eng.src[base[ok]] + layer_src)
                cols_l.append(eng.dst[base[ok]] + (aa[ok] * T + tt[ok]) * S)
                eidx_l.append(base[ok])
        rows = np.concatenate(rows_l) if rows_l else np.zeros(0, np.int64)
        cols = np.concatenate(cols_l) if cols_l else np.zeros(0, np.int64)
        eidx = np.concatenate(eidx_l) if eidx_l else np.zeros(0, np.int64)
        w = np.maximum(weight[eidx], 1e-9)
        order = np.lexsort((w, cols, rows))
        rows, cols, eidx, w = rows[order], cols[order], eidx[order], w[order]
        pair = rows.astype(np.int64) * (S * V * T) + cols
        first = np.ones(len(pair), bool)
        first[1:] = pair[1:] != pair[:-1]
        rows, cols, eidx, w, pair = rows[first], cols[first], eidx[first], w[first], pair[first]
        n = S * V * T
        csr = csr_matrix((w, (rows, cols)), shape=(n, n))
        built = (csr, pair, eidx)
        if key is not None:
            if len(eng._csr_cache) > 64:
                eng._csr_cache.clear()
            eng._csr_cache[key] = built
    csr, pair, eidx = built
    n = S * V * T
    final_layers = [((V - 1) * T + t) * S for t in range(T)]
    cand = [t + off for t in targets for off in final_layers]
    if not cand or not sources:
        return None  # a node without legs
    # With a lower bound on the answer, search only as far as a few times it (exact within the
    # limit), widening until the target is reached; a short query then touches a few hundred states.
    limits = [lower_bound * f for f in (1.6, 4.0)] if lower_bound and lower_bound > 0 else []
    for limit in [*limits, np.inf]:
        dist, pred, _ = dijkstra(csr, directed=True, indices=list(sources), return_predecessors=True, min_only=True, limit=limit)
        best = min(cand, key=lambda c: dist[c])
        if math.isfinite(dist[best]):
            break
    else:
        return None
    path_states = [best]
    while pred[path_states[-1]] >= 0:
        path_states.append(int(pred[path_states[-1]]))
    path_states.reverse()
    from_states = np.asarray(path_states[:-1], dtype=np.int64)
    to_states = np.asarray(path_states[1:], dtype=np.int64)
    pos = np.searchsorted(pair, from_states * n + to_states)
    layers = [int(x) // (S * T) for x in path_states[:-1]]
    return Solution([int(e) for e in eidx[pos]], float(dist[best]), layers)


def distances_from(eng: Engine, sources: Sequence[int], weight: np.ndarray, mask: np.ndarray, cache_key: Any = None) -> np.ndarray:
    """Shortest distances (by ``weight``) from ``sources`` to every state, over ``mask``."""
    key = ("dist", cache_key) if cache_key is not None else None
    built = eng._csr_cache.get(key) if key is not None else None
    if built is None:
        base = np.flatnonzero(mask)
        w = np.maximum(weight[base], 1e-9)
        order = np.lexsort((w, eng.dst[base], eng.src[base]))
        r, c, w = eng.src[base][order], eng.dst[base][order], w[order]
        pair = r.astype(np.int64) * eng.n_states + c
        first = np.ones(len(pair), bool)
        first[1:] = pair[1:] != pair[:-1]
        built = csr_matrix((w[first], (r[first], c[first])), shape=(eng.n_states, eng.n_states))
        if key is not None:
            eng._csr_cache[key] = built
    return np.asarray(dijkstra(built, directed=True, indices=list(sources), min_only=True))
