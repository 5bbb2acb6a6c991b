"""The compiled routing graph: a state-expanded graph solved with a compiled Dijkstra (:mod:`corridors.sparse`).

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
are solved exactly on a layered copy of the graph (:mod:`corridors.layered`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import numpy as np

from .dist import Part, part_mean
from .engine_views import EdgeRefs, NodeStates, node_state_offsets
from .io import MODES

# the search graphs and their solver live in corridors.layered; their names stay importable from here
from .layered import GAUGE as GAUGE
from .layered import LEG as LEG
from .layered import THROUGH as THROUGH
from .layered import TRANSFER as TRANSFER
from .layered import Solution as Solution
from .layered import distances_from as distances_from
from .layered import landmarks as landmarks
from .layered import search_graph as search_graph
from .layered import solve as solve
from .params import DEFAULT_SPREAD, Parameters

if TYPE_CHECKING:
    import networkx as nx


METRICS = ("time_h", "length_km", "cost_usd", "co2_kg", "exposure")
STATUS_CODES = {"operational": 0, "under_construction": 1, "planned": 2}
MODE_CODES = {m: i for i, m in enumerate(MODES)}
ALL_MONTHS = (1 << 12) - 1
#: a :class:`~corridors.dist.Part`'s fields (kind, a, b, c, key, label): a Part, or a plain tuple of them
PartFields = tuple[str, float, float, float, str, str]


def mode_key(d: Mapping[str, Any]) -> str:
    if d.get("mode") == "rail":
        return f"rail:{d.get('gauge_mm')}"
    return str(d.get("mode"))


def _bits(months: Sequence[int] | None) -> int:
    if not months:
        return ALL_MONTHS
    return sum(1 << (m - 1) for m in months)


class _Missing:
    """An attribute a leg or node does not have (where that differs from having it as None)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
#: the leg attributes compiling and indexing the engine read, each leg's in one pass (:func:`columns`)
LEG_FIELDS = ("mode", "gauge_mm", "speed_kmh", "frequency_per_week", "enters", "chokepoints", "countries", "length_km", "status", "months")
_LEG_DEFAULTS = tuple(MISSING if f in ("enters", "length_km") else None for f in LEG_FIELDS)
#: the node attributes they read, likewise
NODE_FIELDS = ("kind", "country", "x", "y", "name")
_NODE_DEFAULTS = (None, None, MISSING, MISSING, MISSING)


def columns(rows: Sequence[Mapping[str, Any]], fields: tuple[str, ...], defaults: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """``fields`` of each of ``rows`` (its ``get(field, default)``), as one column per field. Each
    row is read once, all its fields together: the legs of a network just built lie scattered in
    memory, and a walk over them costs more in waiting for memory than in the reads themselves."""
    try:  # every row has every field (the bundled network): read in C
        got = list(map(itemgetter(*fields), rows))
    except KeyError:
        got = [tuple(map(row.get, fields, defaults)) for row in rows]
    return list(zip(*got, strict=True)) if got else [() for _ in fields]


@dataclass(frozen=True)
class Reads:
    """What :func:`compile_engine` read of the graph ``G`` (columns by leg in the order of the engine's
    leg edges, and by node in the order of its nodes), for :meth:`corridors.query.Compiled.of`, so the
    first run reads each leg and node once. Never stored or pickled with the engine."""

    G: Any
    legs: list[tuple[Any, ...]]  # by LEG_FIELDS
    nodes: list[tuple[Any, ...]]  # by NODE_FIELDS


@dataclass
class Engine:
    """Arrays describing the state graph of one network under one set of parameters."""

    G: nx.MultiDiGraph
    params: Parameters
    nodes: list[str] = field(default_factory=list)
    state_node: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    state_mode: list[str] = field(default_factory=list)
    # each node's arriving and leaving states, node i's from node_states_at[i] to node_states_at[i + 1]
    # (read as the dicts in_states and out_states, :mod:`corridors.engine_views`)
    in_flat: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    out_flat: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    node_states_at: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    # edges
    src: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    dst: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    etype: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    leg: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # index into legs, -1 for dwell
    # per leg edge: the positions of u and v in nodes and of its key in leg_ids (read as edge_refs)
    edge_ref_codes: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), np.int32))
    leg_ids: list[str] = field(default_factory=list)
    mode: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    status: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    months: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))
    metrics: dict[str, np.ndarray] = field(default_factory=dict)
    moving_h: np.ndarray = field(default_factory=lambda: np.zeros(0))
    wait_h: np.ndarray = field(default_factory=lambda: np.zeros(0))
    by_country: dict[str, np.ndarray] = field(default_factory=dict)
    by_chokepoint: dict[str, np.ndarray] = field(default_factory=dict)
    edge_chokepoints: list[tuple[str, ...]] = field(default_factory=list)
    # random parts of the time (dwell, waits, delays): parallel arrays over parts, grouped by edge
    part_edge: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    part_kind: list[str] = field(default_factory=list)
    part_abc: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    part_key: list[str] = field(default_factory=list)
    part_label: list[str] = field(default_factory=list)
    edge_part_start: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    _csr_cache: dict[Any, Any] = field(default_factory=dict, repr=False)
    #: what compiling read of the graph, until the engine is indexed (:class:`Reads`); not pickled
    reads: Reads | None = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the arrays only: the graph and parameters are re-attached on load."""
        state = dict(self.__dict__)
        state["G"] = None
        state["params"] = None
        state["_csr_cache"] = {}
        state.pop("reads", None)
        state.pop("_views", None)
        return state

    def _view(self, name: str, make: Callable[[], Any]) -> Any:
        """``make()``, kept with the engine under ``name`` (never stored or pickled: made from its fields)."""
        views = self.__dict__.setdefault("_views", {})
        got = views.get(name)
        if got is None:
            got = views[name] = make()
        return got

    @property
    def node_index(self) -> dict[str, int]:
        """Node id -> its position in :attr:`nodes`."""
        return self._view("node_index", lambda: dict(zip(self.nodes, range(len(self.nodes)), strict=True)))  # type: ignore[no-any-return]

    @property
    def leg_id_index(self) -> dict[str, int]:
        """Leg id -> its position in :attr:`leg_ids`."""
        return self._view("leg_id_index", lambda: dict(zip(self.leg_ids, range(len(self.leg_ids)), strict=True)))  # type: ignore[no-any-return]

    @property
    def in_states(self) -> NodeStates:
        """Node id -> the states arriving at it (mode keys in order), for each node with states."""
        return self._view("in_states", lambda: NodeStates(self.nodes, self.node_index, self.in_flat, self.node_states_at))  # type: ignore[no-any-return]

    @property
    def out_states(self) -> NodeStates:
        """Node id -> the states leaving it, likewise."""
        return self._view("out_states", lambda: NodeStates(self.nodes, self.node_index, self.out_flat, self.node_states_at))  # type: ignore[no-any-return]

    @property
    def edge_refs(self) -> EdgeRefs:
        """``(u, v, key)`` of each leg edge (``leg`` gives an edge's)."""
        return self._view("edge_refs", lambda: EdgeRefs(self.nodes, self.leg_ids, self.edge_ref_codes))  # type: ignore[no-any-return]

    @property
    def graphs(self) -> dict[Any, Any]:
        """The search graphs, landmark tables and potentials kept with the engine (never pickled)."""
        return self._csr_cache

    def parts(self, e: int) -> list[Part]:
        """The random parts of edge ``e`` (their means are in its ``time_h``)."""
        lo, hi = int(self.edge_part_start[e]), int(self.edge_part_start[e + 1])
        return [
            Part(
                self.part_kind[i],
                float(self.part_abc[i, 0]),
                float(self.part_abc[i, 1]),
                float(self.part_abc[i, 2]),
                self.part_key[i],
                self.part_label[i],
            )
            for i in range(lo, hi)
        ]

    @property
    def n_states(self) -> int:
        return len(self.state_mode)

    @property
    def n_edges(self) -> int:
        return len(self.src)


def _dwell(node: Mapping[str, Any], params: Parameters) -> tuple[float | None, float, float | None]:
    """P50 hours of (transfer dwell or None if no transfer here, border dwell, gauge dwell or None if
    the gauge cannot change here). A node allows a break of gauge when it sets ``gauge_change = true``
    (the dwell is then the ``gauge_change`` category's) or its own ``dwell_gauge_h``."""
    kind = node.get("kind")
    dh = params.dwell_h
    default_transfer = {
        "port": dh.get("port_export"),
        "rail_terminal": dh.get("rail_terminal_transfer"),
        "city": dh.get("rail_terminal_transfer"),
    }.get(str(kind))
    transfer = node.get("dwell_transfer_h", default_transfer)
    border = node.get("dwell_border_h")
    if border is None:
        border = dh.get("border_crossing") if kind == "border_crossing" else 0.0
    gauge = node.get("dwell_gauge_h")
    if gauge is None and node.get("gauge_change"):
        gauge = dh.get("gauge_change")
    return (None if transfer is None else float(transfer), float(border or 0.0), None if gauge is None else float(gauge))


dwell = _dwell  # public name for other modules (corridors.apply)


def _own(node: Mapping[str, Any], attr: str, q: tuple[float, float, float] | None) -> tuple[float, float, float] | None:
    """A node's own P50 (``dwell_*_h``) with the category's spread, else the category's figure."""
    v = node.get(attr)
    if v is None:
        return q
    v = float(v)
    if q is None or q[1] <= 0:
        return (v * DEFAULT_SPREAD[0], v, v * DEFAULT_SPREAD[1])
    return (v * q[0] / q[1], v, v * q[2] / q[1])


def dwell_part(node_id: str, node: Mapping[str, Any], category: str, params: Parameters) -> Part | None:
    """The dwell at ``node`` for a category of :data:`corridors.params.DWELL_KEYS` as a random part
    (``None`` where it is zero or does not apply). A node's own ``dwell_transfer_h``,
    ``dwell_border_h`` or ``dwell_gauge_h`` sets the P50, keeping the category's spread."""
    country = node.get("country")
    q = params.dwell(category, country, node_id)
    own_q = node.get(f"dwell_q_{category}")  # a hub's own figure (data/services.toml)
    if own_q is not None:
        q = (float(own_q[0]), float(own_q[1]), float(own_q[2]))
    if category == "border_crossing":
        if node.get("kind") != "border_crossing" and node.get("dwell_border_h") is None:
            return None
        q = _own(node, "dwell_border_h", q)
    elif category == "gauge_change":
        q = _own(node, "dwell_gauge_h", q)
    else:
        q = _own(node, "dwell_transfer_h", q)
    if q is None or q[2] <= 0:
        return None
    label = {"border_crossing": "border", "gauge_change": "break of gauge"}.get(category, category.replace("_", " "))
    return Part("q", q[0], q[1], q[2], f"dwell:{node_id}:{category}", f"{label} at {node.get('name', node_id)}")


def transfer_category(node: Mapping[str, Any], a: str, b: str) -> str:
    """The dwell category of a move from mode key ``a`` to ``b`` at ``node`` (a == b: through)."""
    water = ("sea", "ferry")
    if node.get("kind") != "port":
        return "rail_terminal_transfer"
    if "ferry" in (a, b) and "sea" not in (a, b):
        return "caspian_port"
    if a in water and b in water:
        return "port_transshipment"
    if a not in water and b not in water:
        return "rail_terminal_transfer"  # land to land through a port's gate (e.g. rail to truck)
    return "port_export" if b in water else "port_import"


def _russian_voyage(nu: Mapping[str, Any], nv: Mapping[str, Any]) -> bool:
    """Whether a sea leg (ends ``nu``, ``nv``) starts or ends a voyage at a Russian port (each voyage once)."""
    ru = nu.get("kind") == "port" and nu.get("country") == "RUS"
    rv = nv.get("kind") == "port" and nv.get("country") == "RUS"
    return bool(ru or rv)


def _sea_port_legs(
    idx: np.ndarray,
    length: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    legs: list[tuple[str, str, str, Any]],
    port: np.ndarray,
    country: Sequence[Any],
    name_of: Any,
    p: Parameters,
) -> tuple[tuple[np.ndarray, ...], list[tuple[np.ndarray, list[PartFields]]]]:
    """The sea legs ``idx`` (of ``length``, from node ``u`` to ``v``, a port at one end at least, no speed,
    frequency or chokepoint of their own) priced over arrays, each as :func:`compile_engine`'s loop over
    the other legs prices it: the same IEEE operations in the same order. Their moving time, CO2, cost
    and mean wait, and their random parts, a kind at a time (the generic wait for a sailing, then the
    transshipment at a hub, from a port without a known service; the schedule delay arriving at a
    port), each kind as the edges that have it and its parts."""
    sea = "sea"
    moving = length / p.speed_kmh[sea]
    co2 = length * p.co2_kg_per_teu_km[sea]
    cost = length * p.cost_usd_per_teu_km[sea] + 0  # (+ the surcharges of no chokepoint)
    premium = p.cost_usd_per_teu_fixed.get("russia_port_call_premium", 0.0)
    if premium:  # a voyage from or to a Russian port
        rus = port & np.asarray([c == "RUS" for c in country], bool).reshape(-1)
        at = rus[u] | rus[v]
        cost[at] = cost[at] + premium
    headway, transship = p.sea_service.get("generic_headway_h"), p.sea_service.get("generic_transshipment_h")
    delay = p.sea_service.get("delay_h")
    mean = np.zeros(len(idx))
    generic = np.zeros(len(idx), bool)
    if headway and transship:
        at = np.flatnonzero(port[u])
        generic[at] = [not legs[i][3].get("service") for i in idx[at].tolist()]
    late = port[v] if delay is not None and delay[2] > 0 else np.zeros(len(idx), bool)
    groups: list[tuple[np.ndarray, list[PartFields]]] = []
    if headway and transship and generic.any():
        hw = headway[1]
        wait, hub = ("u", 0.0, hw / 2, hw), ("q", *transship)
        mean[generic] = (0.0 + part_mean(*wait)) + part_mean(*hub)  # (put, part by part)
        ends = [legs[i][0] for i in idx[generic].tolist()]
        names = list(map(name_of, u[generic].tolist(), ends))
        groups.append(
            (
                idx[generic],
                [(*wait, f"wait:generic@{x}", f"wait for a sailing (no known service) at {n}") for x, n in zip(ends, names, strict=True)],
            )
        )
        groups.append(
            (
                idx[generic],
                [
                    (*hub, f"transship:generic@{x}", f"transshipment at a hub (no known service from {n})")
                    for x, n in zip(ends, names, strict=True)
                ],
            )
        )
    if delay is not None and late.any():
        arrive = ("q", *delay)
        mean[late] = mean[late] + part_mean(*arrive)
        at_v = idx[late].tolist()
        names = list(map(name_of, v[late].tolist(), [legs[i][1] for i in at_v]))
        groups.append(
            (idx[late], [(*arrive, f"delay:{legs[i][2]}", f"schedule delay arriving at {n}") for i, n in zip(at_v, names, strict=True)])
        )
    return (moving, co2, cost, mean), groups


class _StateLayout:
    """The engine's states, two per (node, mode key) of the legs at the node (arriving, leaving; one, both
    ways, at a sea-lane junction), nodes in order and each node's mode keys sorted: laid out over
    arrays (a node-by-mode-key table) rather than one dictionary entry per state."""

    def __init__(self, nodes: list[str], node_index: dict[str, int], legs: list[tuple[str, str, str, Any]], mks: list[str]) -> None:
        self.nodes = nodes
        self.kinds = sorted(set(mks))  # so each node's keys in code order are its keys sorted
        code = {mk: c for c, mk in enumerate(self.kinds)}
        n, m = len(nodes), len(legs)
        self.mk = np.fromiter(map(code.__getitem__, mks), dtype=np.int64, count=m)
        self.u = np.fromiter(map(node_index.__getitem__, map(itemgetter(0), legs)), dtype=np.int64, count=m)
        self.v = np.fromiter(map(node_index.__getitem__, map(itemgetter(1), legs)), dtype=np.int64, count=m)
        has = np.zeros((n, len(self.kinds)), bool)
        has[self.u, self.mk] = True
        has[self.v, self.mk] = True
        width = np.asarray([1 if str(x).startswith("sea:") else 2 for x in nodes], np.int64).reshape(-1)
        count = has.sum(axis=1) * width
        base = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
        rank = np.cumsum(has, axis=1) - 1
        self.in_tab = base[:, None] + rank * width[:, None]  # the arriving state of (node, key), where it has it
        self.out_tab = self.in_tab + (width[:, None] - 1)
        self.has, self.width, self.count = has, width, count
        # what the node loop of compile_engine reads (nodes other than sea-lane junctions: a few thousand)
        self.node_keys: dict[str, list[str]] = {}
        self.in_of: dict[tuple[str, str], int] = {}
        self.out_of: dict[tuple[str, str], int] = {}
        rows, cols = np.nonzero(has & (width == 2)[:, None])
        ins, outs = self.in_tab[rows, cols].tolist(), self.out_tab[rows, cols].tolist()
        for i, c, a, b in zip(rows.tolist(), cols.tolist(), ins, outs, strict=True):
            nd, mk = nodes[i], self.kinds[c]
            self.node_keys.setdefault(nd, []).append(mk)
            self.in_of[(nd, mk)] = a
            self.out_of[(nd, mk)] = b

    def states(self) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray, np.ndarray]:
        """Each state's node and mode key, and each node's arriving and leaving states in key order (one
        flat array each, node after node) with where each node's start (:class:`~corridors.engine_views.NodeStates`)."""
        rows, cols = np.nonzero(self.has)  # (node, key) in node order, then key order
        reps = self.width[rows]
        state_node = np.repeat(rows, reps).astype(np.int32)
        state_mode = list(map(self.kinds.__getitem__, np.repeat(cols, reps).tolist()))
        ins, outs = self.in_tab[rows, cols].astype(np.int64), self.out_tab[rows, cols].astype(np.int64)
        return state_node, state_mode, ins, outs, node_state_offsets(self.has.sum(axis=1))

    def leg_states(self) -> tuple[np.ndarray, np.ndarray]:
        """Each leg's leaving state at its start and arriving state at its end."""
        return self.out_tab[self.u, self.mk], self.in_tab[self.v, self.mk]


def compile_engine(G: nx.MultiDiGraph, params: Parameters) -> Engine:
    """Build the state graph arrays for ``G`` priced with ``params`` (quickest under :func:`corridors.cache.paused_gc`)."""
    eng = Engine(G, params)
    eng.nodes = list(G.nodes)
    legs = [(u, v, k, d) for u, nbrs in G._adj.items() for v, kd in nbrs.items() for k, d in kd.items()]  # as G.edges, faster
    ds = list(map(itemgetter(3), legs))
    # every leg's and node's attributes read here, each leg and node once (kept for the index, eng.reads)
    leg_cols = columns(ds, LEG_FIELDS, _LEG_DEFAULTS)
    mode_c, gauge_c, speed_c, freq_c, enters_c, choke_c, countries_c, length_c, status_c, months_c = leg_cols
    node_cols = columns(list(map(G._node.__getitem__, eng.nodes)), NODE_FIELDS, _NODE_DEFAULTS)
    kind_c, country_c = node_cols[0], node_cols[1]
    eng.reads = Reads(G, leg_cols, node_cols)
    mds = list(map(str, mode_c))
    mks = [f"rail:{g}" if m == "rail" else md for m, g, md in zip(mode_c, gauge_c, mds, strict=True)]  # mode_key
    layout = _StateLayout(eng.nodes, eng.node_index, legs, mks)
    eng.state_node, eng.state_mode, eng.in_flat, eng.out_flat, eng.node_states_at = layout.states()
    keys, in_of, out_of = layout.node_keys, layout.in_of, layout.out_of

    p = params
    part_edge: list[int] = []
    part_abc: list[tuple[float, float, float]] = []
    zones = G.graph.get("chokepoints", {})
    weight_of = {z: p.default_chokepoint_weight * float(getattr(zobj, "weight", 1.0)) for z, zobj in zones.items()}
    rent_h = p.cost_usd_per_teu_day.get("wagon_rent_rail", 0.0) / 24.0  # per TEU-hour on rail
    russia_premium = p.cost_usd_per_teu_fixed.get("russia_port_call_premium", 0.0)
    generic_headway = p.sea_service.get("generic_headway_h")
    generic_transship = p.sea_service.get("generic_transshipment_h")
    delay = p.sea_service.get("delay_h")

    part_kind, part_key, part_label = eng.part_kind, eng.part_key, eng.part_label

    def put(i: int, parts: Sequence[PartFields]) -> float:
        """Add edge ``i``'s random parts (each a :class:`Part` or its fields as a plain tuple); their total mean."""
        mean = 0.0
        for kind, a, b, c, key, label in parts:
            part_edge.append(i)
            part_kind.append(kind)
            part_abc.append((a, b, c))
            part_key.append(key)
            part_label.append(label)
            mean += part_mean(kind, a, b, c)  # (Part.mean)
        return mean

    # the legs, as columns: a plain leg (not rail, no speed, frequency or chokepoint of its own, no sea
    # leg to or from a port) is its length at its mode's speed and rates, with no random part; the
    # others are priced one by one below (the same IEEE operations either way)
    n_legs = len(legs)
    port = np.asarray([kd == "port" for kd in kind_c], dtype=bool).reshape(-1)
    md_code = {md: c for c, md in enumerate(dict.fromkeys(mds))}
    md_of = np.fromiter(map(md_code.__getitem__, mds), dtype=np.int64, count=n_legs)
    entered_c = [c if e is MISSING else e for e, c in zip(enters_c, choke_c, strict=True)]  # d.get("enters", d.get("chokepoints"))
    own = np.zeros(n_legs, bool)  # a speed, frequency or chokepoint of its own
    for col in (speed_c, freq_c, entered_c):
        own |= np.fromiter(map(bool, col), dtype=bool, count=n_legs)
    plain = ~own & (md_of != md_code.get("rail", -1)) & ~((md_of == md_code.get("sea", -1)) & (port[layout.u] | port[layout.v]))
    if MISSING in length_c:
        raise KeyError("length_km")
    length = np.fromiter(map(float, length_c), dtype=np.float64, count=n_legs)
    rate = np.zeros((n_legs, 3))
    rate[:, 0] = 1.0
    for md in dict.fromkeys(itertools.compress(mds, plain.tolist())):  # in order of first use
        rate[plain & (md_of == md_code[md])] = (p.speed_kmh[md], p.co2_kg_per_teu_km[md], p.cost_usd_per_teu_km[md])
    moving_a, co2_a, cost_a = length / rate[:, 0], length * rate[:, 1], length * rate[:, 2]
    mean_a, exposure_a = np.zeros(len(legs)), np.zeros(len(legs))
    others_a = np.flatnonzero(~plain)
    # of the others, the sea legs with no speed, frequency or chokepoint of their own (to or from a
    # port: most of them) are priced over arrays (_sea_port_legs), the rest one by one here
    simple = (md_of[others_a] == md_code.get("sea", -1)) & ~own[others_a]
    sea_legs, others_a = others_a[simple], others_a[~simple]
    others = others_a.tolist()
    lengths = length[others_a].tolist()
    got: list[tuple[float, float, float, float, float]] = []  # each other leg's (moving, co2, cost, mean, exposure)
    speed_of, co2_of, cost_of = p.speed_kmh, p.co2_kg_per_teu_km, p.cost_usd_per_teu_km
    surcharge, default_weight = p.surcharge_usd_per_teu_by_chokepoint, p.default_chokepoint_weight
    delayed = delay is not None and delay[2] > 0
    name_c = node_cols[NODE_FIELDS.index("name")]

    def name_of(i: int, n: str) -> Any:
        """``G.nodes[n].get("name", n)`` of node ``n`` at index ``i``."""
        got = name_c[i]
        return n if got is MISSING else got

    for i, length_i, a, b in zip(others, lengths, layout.u[others_a].tolist(), layout.v[others_a].tolist(), strict=True):
        u, v, k, d = legs[i]
        md = mds[i]
        rail = md == "rail"
        countries = tuple(countries_c[i] or ()) if rail else ()
        ca, cb = country_c[a], country_c[b]
        if speed_c[i]:
            speed = float(speed_c[i])
        elif rail:
            speed = p.rail_speed(countries or tuple(c for c in (ca, cb) if c))
        else:
            speed = speed_of[md]
        mv = length_i / speed
        parts: list[PartFields] = []  # as Part(...), but plain tuples
        freq = freq_c[i]
        if freq:
            who = d.get("service") or k
            f, by = float(freq), d.get("service_name") or "a departure"
            parts.append(("u", 0.0, 84.0 / f, 168.0 / f, f"wait:{who}@{u}", f"wait for {by} at {name_of(a, u)}"))
        elif generic_headway and generic_transship and md == "sea" and kind_c[a] == "port" and not d.get("service"):
            # no known service from this port on this lane: the generic assumption of parameters.toml,
            # a weekly sailing to a hub and one transshipment there
            name, hw = name_of(a, u), generic_headway[1]
            parts.append(("u", 0.0, hw / 2, hw, f"wait:generic@{u}", f"wait for a sailing (no known service) at {name}"))
            parts.append(("q", *generic_transship, f"transship:generic@{u}", f"transshipment at a hub (no known service from {name})"))
        if delay is not None and delayed and md == "sea" and kind_c[b] == "port":
            parts.append(("q", *delay, f"delay:{k}", f"schedule delay arriving at {name_of(b, v)}"))
        if rail:
            node_countries = tuple(c for c in (ca, cb) if c)
            co2 = length_i * p.rail_co2(countries)
            cost = length_i * p.rail_cost(countries or node_countries) + rent_h * mv
        else:
            co2 = length_i * co2_of[md]
            cost = length_i * cost_of[md]
        entered = tuple(enters_c[i]) if enters_c[i] is not MISSING else tuple(choke_c[i] or ())
        cost += sum(surcharge.get(c, 0.0) for c in entered) if entered else 0
        # a voyage from or to a Russian port (_russian_voyage)
        if md == "sea" and russia_premium and ((kind_c[a] == "port" and ca == "RUS") or (kind_c[b] == "port" and cb == "RUS")):
            cost += russia_premium
        exposure = sum(weight_of.get(c, default_weight) for c in entered) if entered else 0
        got.append((mv, co2, cost, put(i, parts) if parts else 0.0, exposure))
    if others:
        cols_of = np.asarray(got, dtype=np.float64).reshape(-1, 5)
        moving_a[others], co2_a[others], cost_a[others], mean_a[others], exposure_a[others] = cols_of.T
    if len(sea_legs):
        sea_cols, sea_parts = _sea_port_legs(
            sea_legs, length[sea_legs], layout.u[sea_legs], layout.v[sea_legs], legs, port, country_c, name_of, p
        )
        moving_a[sea_legs], co2_a[sea_legs], cost_a[sea_legs], mean_a[sea_legs] = sea_cols
        # their parts among the others' (all the parts so far), in the order of their edges
        rows = list(zip(part_edge, part_kind, part_abc, part_key, part_label, strict=True))
        edges, slots = [np.asarray(part_edge, np.int64)], [np.zeros(len(part_edge), np.int64)]
        for j, (es, group) in enumerate(sea_parts, start=1):
            rows += [(i, pt[0], pt[1:4], pt[4], pt[5]) for i, pt in zip(es.tolist(), group, strict=True)]
            edges.append(es.astype(np.int64))
            slots.append(np.full(len(es), j, np.int64))
        rows = list(map(rows.__getitem__, np.lexsort((np.concatenate(slots), np.concatenate(edges))).tolist()))
        kept: list[list[Any]] = [part_edge, part_kind, part_abc, part_key, part_label]
        for got_col, col in zip(kept, zip(*rows, strict=True), strict=True):
            got_col[:] = col
    ks = list(map(itemgetter(2), legs))
    # the legs' columns stay arrays; the node loop's edges (a few thousand) are collected in lists after them
    leg_src, leg_dst = layout.leg_states()
    leg_mode = np.asarray([MODE_CODES.get(md, 9) for md in md_code], np.int8).reshape(-1)[md_of]  # by the legs' distinct modes
    leg_status = np.fromiter(map(STATUS_CODES.get, map(str, status_c), itertools.repeat(2)), dtype=np.int8, count=n_legs)
    leg_months = np.asarray([_bits(mo) if mo else ALL_MONTHS for mo in months_c], np.int16).reshape(-1)
    metric_cols = {"time_h": moving_a + mean_a, "length_km": length, "cost_usd": cost_a, "co2_kg": co2_a, "exposure": exposure_a}
    # the node loop's edges: no leg (-1), mode (-1), status (0), season (all months), moving time,
    # wait, length or exposure (0.0) of their own; these columns are filled once they are all made
    src: list[int] = []
    dst: list[int] = []
    etype: list[int] = []
    time_h: list[float] = []
    cost_usd: list[float] = []
    co2_kg: list[float] = []
    eng.leg_ids = list(dict.fromkeys(ks))
    leg_of = np.fromiter(map(eng.leg_id_index.__getitem__, ks), dtype=np.int64, count=len(ks))
    eng.edge_ref_codes = np.stack([layout.u, layout.v, leg_of], axis=1).astype(np.int32).reshape(-1, 3)
    eng.edge_chokepoints = [tuple(e) if e is not MISSING else tuple(c or ()) for e, c in zip(enters_c, choke_c, strict=True)]
    by_country: dict[str, list[int]] = {}
    by_choke: dict[str, list[int]] = {}
    for i, cs in enumerate(countries_c):
        for c in cs or ():
            by_country.setdefault(c, []).append(i)
    for i, cs in enumerate(choke_c):
        for c in cs or ():
            by_choke.setdefault(c, []).append(i)

    def add(s: int, t: int, et: int, parts: Sequence[PartFields], cost: float, co2: float) -> None:
        """Add a dwell edge (a through, transfer or break-of-gauge move) from state ``s`` to ``t``."""
        mean = put(n_legs + len(src), parts)
        src.append(s)
        dst.append(t)
        etype.append(et)
        time_h.append(0.0 + mean)  # (no moving time)
        cost_usd.append(cost)
        co2_kg.append(co2)

    h = p.handling_usd_per_teu
    dh = p.dwell_h
    for n, node_mks in keys.items():  # each node but the sea-lane junctions with legs, in order, and its legs' mode keys, sorted
        nd = G._node[n]  # the dict itself (a RowGraph gives a read-only view of it)
        # (dwell_part is None for a node that is no border crossing and has no border dwell of its own)
        is_border = nd.get("kind") == "border_crossing" or nd.get("dwell_border_h") is not None
        border_part = dwell_part(n, nd, "border_crossing", p) if is_border else None
        is_port = nd.get("kind") == "port"
        if is_port and border_part is None and node_mks == ["sea"]:
            # most ports: one move, vessel to vessel, as the loop below makes it (a transshipment, its
            # handling and CO2 on no border cost; no other mode key to transfer to)
            tp = dwell_part(n, nd, "port_transshipment", p)  # (transfer_category(nd, "sea", "sea"))
            thc = p.port_handling(nd.get("country"), caspian=False)
            add(in_of[(n, "sea")], out_of[(n, "sea")], TRANSFER, [tp] if tp is not None else [], 0.0 + thc, 0.0 + p.co2_kg_per_teu_handled)
            continue
        gauge = nd.get("dwell_gauge_h")  # (_dwell(nd, p)[2])
        if gauge is None and nd.get("gauge_change"):
            gauge = dh.get("gauge_change")
        rail_node = any(k.startswith("rail:") for k in node_mks)
        border_cost = h.get("border_crossing", 0.0) if border_part is not None else 0.0
        if border_part is not None and rail_node:
            border_cost += rent_h * border_part.mean  # the wagons wait at the border too
        thc = p.port_handling(nd.get("country"), caspian="sea" not in node_mks) if is_port else 0.0
        bparts = [border_part] if border_part is not None else []
        can_transfer = is_port or nd.get("kind") in ("rail_terminal", "city") or nd.get("dwell_transfer_h") is not None
        for a in node_mks:
            # through: same mode key
            parts = list(bparts)
            cost = border_cost
            co2 = 0.0
            et = THROUGH
            if is_port and a in ("sea", "ferry") and can_transfer:
                tp = dwell_part(n, nd, transfer_category(nd, a, a), p)
                if tp is not None:
                    parts.append(tp)
                cost += thc
                co2 += p.co2_kg_per_teu_handled
                et = TRANSFER  # vessel to vessel: a transshipment
            add(in_of[(n, a)], out_of[(n, a)], et, parts, cost, co2)
            for b in node_mks:
                if a == b:
                    continue
                if a.startswith("rail:") and b.startswith("rail:"):
                    if gauge is None:
                        continue
                    gp = dwell_part(n, nd, "gauge_change", p)
                    gcost = border_cost + h.get("gauge_change", 0.0) + (rent_h * gp.mean if gp else 0.0)
                    add(in_of[(n, a)], out_of[(n, b)], GAUGE, [*bparts, *([gp] if gp else [])], gcost, p.co2_kg_per_teu_handled)
                    continue
                if not can_transfer:
                    continue
                tp = dwell_part(n, nd, transfer_category(nd, a, b), p)
                water = a in ("sea", "ferry") or b in ("sea", "ferry")
                handling = thc if (is_port and water) else h.get("rail_terminal_transfer", 0.0)
                add(
                    in_of[(n, a)],
                    out_of[(n, b)],
                    TRANSFER,
                    [*bparts, *([tp] if tp else [])],
                    border_cost + handling,
                    p.co2_kg_per_teu_handled,
                )

    eng.part_edge = np.asarray(part_edge, dtype=np.int32)
    eng.part_abc = np.asarray(part_abc, dtype=float).reshape(-1, 3)
    eng.edge_part_start = np.searchsorted(eng.part_edge, np.arange(n_legs + len(src) + 1)).astype(np.int32)
    eng.src = np.concatenate((leg_src, np.asarray(src, dtype=np.int64))).astype(np.int32)
    eng.dst = np.concatenate((leg_dst, np.asarray(dst, dtype=np.int64))).astype(np.int32)
    eng.etype = np.concatenate((np.full(n_legs, LEG, np.int8), np.asarray(etype, dtype=np.int8)))
    k = len(src)
    eng.leg = np.concatenate((np.arange(n_legs, dtype=np.int32), np.full(k, -1, np.int32)))  # into edge_refs
    eng.mode = np.concatenate((leg_mode, np.full(k, -1, np.int8)))
    eng.status = np.concatenate((leg_status, np.zeros(k, np.int8)))
    eng.months = np.concatenate((leg_months, np.full(k, ALL_MONTHS, np.int16)))
    eng.moving_h = np.concatenate((moving_a, np.zeros(k)))
    eng.wait_h = np.concatenate((mean_a, np.zeros(k)))
    dwell_cols = {"time_h": time_h, "length_km": [0.0] * k, "cost_usd": cost_usd, "co2_kg": co2_kg, "exposure": [0.0] * k}
    eng.metrics = {m: np.concatenate((metric_cols[m], np.asarray(dwell_cols[m], dtype=np.float64))) for m in METRICS}
    eng.edge_chokepoints += [()] * k
    eng.by_country = {c: np.asarray(v, dtype=np.int32) for c, v in by_country.items()}
    eng.by_chokepoint = {c: np.asarray(v, dtype=np.int32) for c, v in by_choke.items()}
    return eng
