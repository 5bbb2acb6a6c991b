"""A query's inputs over the compiled engine: the edge mask (the user's rules and the family's), the
ordered via groups and the plans to solve with (orientation of a family, choice among its crossings,
sides of a user's crossing), the weights of an objective or a blend, and a lower bound.

Every function takes a :class:`Compiled`: the engine of one network priced with one set of
parameters (:func:`corridors.engine.compile_engine`), with the per-edge arrays the masks read and
their caches. :class:`corridors.routing.Router` builds one and keeps it; the search itself is in
:mod:`corridors.search`.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .constraints import WATER_MODES, Constraints, check_chokepoints, node_forbidden, resolve_nodes, territory_countries
from .engine import GAUGE, LEG, LEG_FIELDS, MISSING, MODE_CODES, Engine, Reads
from .errors import ConstraintError
from .families import Crossing, Family, side_matches, side_of
from .params import Parameters
from .places import Place, name_index, normalize, resolve

if TYPE_CHECKING:
    import networkx as nx


__all__ = [
    "BLEND_SCALE",
    "MAX_ALTERNATIVES",
    "OBJECTIVES",
    "Compiled",
    "Group",
    "crossing_groups",
    "edge_mask",
    "edge_weights",
    "exposure_weights",
    "family_mask",
    "gate_direction_mask",
    "group_mask",
    "lower_bound",
    "plans",
    "via_alternatives",
    "via_nodes",
]

OBJECTIVES: dict[str, str] = {
    "time": "time_h",
    "distance": "length_km",
    "cost": "cost_usd",
    "co2": "co2_kg",
    "exposure": "exposure",
}
#: a blend adds weight × metric / scale: days, thousands of km, thousands of USD, tonnes CO2, exposure points
BLEND_SCALE: dict[str, float] = {"time": 24.0, "distance": 1000.0, "cost": 1000.0, "co2": 1000.0, "exposure": 1.0}
#: at most this many combinations of crossing orientations / alternatives are solved per query
MAX_ALTERNATIVES = 16


#: the memo (:attr:`Compiled.memo`) of the warm queries' lanes (:func:`corridors.search._keep_lane`)
LANES = "lanes"


@dataclass(frozen=True)
class Group:
    """One ordered via group: an edge mask, and the nodes never to arrive at once it is satisfied."""

    mask: np.ndarray
    nodes: tuple[int, ...] = ()


@dataclass
class Compiled:
    """The engine of ``G`` priced with ``params``, with what the masks read per edge: the node each
    edge leaves and reaches, each leg edge's leg, the side (country or sea) it comes from and goes
    to, its attributes as one of a few distinct signatures, and the legs with a named end; and the
    caches of family masks, nodes by country and the fastest leg speed. Build with :meth:`of`."""

    G: nx.MultiDiGraph
    params: Parameters
    eng: Engine
    src_node: np.ndarray
    dst_node: np.ndarray
    leg_uid: np.ndarray
    sides: list[str]
    from_side: np.ndarray
    to_side: np.ndarray
    sig: np.ndarray
    sigs: list[dict[str, Any]]
    named_legs: np.ndarray
    family_masks: dict[str, np.ndarray] = field(default_factory=dict)
    mode_masks: dict[Any, np.ndarray] = field(default_factory=dict)
    #: the move or stop of each engine edge a route used, built once (:mod:`corridors.assemble`)
    step_templates: dict[Any, Any] = field(default_factory=dict)
    #: per-query inputs already computed (masks, weights, plans, checks) by their inputs (:mod:`corridors.search`)
    memo: dict[str, dict[Any, Any]] = field(default_factory=dict)
    #: where landmark tables are read from and written to (``load(key)``, ``save(key, table)``), or None
    landmark_store: Any = None
    max_leg_speed: float | None = None
    by_country: dict[str, list[str]] | None = None

    @classmethod
    def of(cls, G: nx.MultiDiGraph, params: Parameters, eng: Engine) -> Compiled:
        """Index ``eng`` (compiled from ``G`` and ``params``) for queries."""
        src_node = eng.state_node[eng.src]
        dst_node = eng.state_node[eng.dst]
        leg_uid = np.full(eng.n_edges, -1, np.int32)
        legmask = eng.etype == LEG
        es = np.flatnonzero(legmask)
        leg_uid[es] = eng.edge_ref_codes[eng.leg[es], 2]  # each leg edge's position in eng.leg_ids
        reads, eng.reads = eng.reads, None  # what compiling just read of G, used once
        if reads is not None and (reads.G is not G or not np.array_equal(eng.leg[es], np.arange(len(reads.legs[0])))):
            reads = None
        if reads is not None and len(es):  # each leg edge's leg in the order compile_engine read them: no leg read again
            q = cls(G, params, eng, src_node, dst_node, leg_uid, *_indexed_reads(reads, src_node[es], dst_node[es], es, eng.n_edges))
            q.by_country = {}
            for n, c in zip(eng.nodes, reads.nodes[1], strict=True):
                if c:
                    q.by_country.setdefault(str(c), []).append(n)
            q.memo.setdefault(_NODES, {})[None] = _node_table_of(*reads.nodes[:4])  # what the family rules read of them
            return q
        adj, node = G._adj, G._node  # read directly (tens of thousands of legs)
        refs = eng.edge_refs.take(eng.leg[es])
        ds = [adj[u][v][k] for u, v, k in refs]
        nus = [node[u] for u, _, _ in refs]
        nvs = [node[v] for _, v, _ in refs]
        mds = [d.get("mode") for d in ds]
        # each leg edge's own attributes as one of a few distinct signatures (coded in order of first
        # use), and the legs with a named end (not two sea-lane junctions): the family rules look at
        # nothing else
        keys = [(md, tuple(d.get("chokepoints") or ()), tuple(d.get("countries") or ())) for md, d in zip(mds, ds, strict=True)]
        sig_code = {s: c for c, s in enumerate(dict.fromkeys(keys))}
        sigs: list[dict[str, Any]] = [{"mode": s[0], "chokepoints": s[1], "countries": s[2]} for s in sig_code]
        sig = np.full(eng.n_edges, -1, np.int32)
        sig[es] = np.fromiter(map(sig_code.__getitem__, keys), dtype=np.int32, count=len(keys))
        named = [e for e, nu, nv in zip(es.tolist(), nus, nvs, strict=True) if nu.get("kind") != "junction" or nv.get("kind") != "junction"]
        # the side each leg edge comes from (at its start) and goes to (at its end), for crossings, as
        # codes into ``sides`` (in order of first use, each leg's start before its end)
        froms, tos = list(map(side_of, ds, nus)), list(map(side_of, ds, nvs))
        sides: list[str] = list(dict.fromkeys(itertools.chain(("",), itertools.chain.from_iterable(zip(froms, tos, strict=True)))))
        code = {sd: c for c, sd in enumerate(sides)}
        from_side = np.zeros(eng.n_edges, np.int32)
        to_side = np.zeros(eng.n_edges, np.int32)
        from_side[es] = np.fromiter(map(code.__getitem__, froms), dtype=np.int32, count=len(froms))
        to_side[es] = np.fromiter(map(code.__getitem__, tos), dtype=np.int32, count=len(tos))
        q = cls(G, params, eng, src_node, dst_node, leg_uid, sides, from_side, to_side, sig, sigs, np.asarray(named, np.int64))
        q.nodes_by_country()  # kept with the index (a warm run then reads no node but those a query needs)
        return q

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the warm queries' lanes (:data:`LANES`): they hold search graphs of the
        engine, which are never pickled either (rebuilt by the first query that needs them)."""
        state = dict(self.__dict__)
        state["memo"] = {k: v for k, v in self.memo.items() if k != LANES}
        return state

    def nodes_by_country(self) -> dict[str, list[str]]:
        """Node ids by ISO-3 country code."""
        if self.by_country is None:
            self.by_country = {}
            for n, nd in self.G._node.items():  # a RowGraph too, without networkx
                if nd.get("country"):
                    self.by_country.setdefault(str(nd["country"]), []).append(n)
        return self.by_country


def modes_mask(q: Compiled, c: Constraints) -> np.ndarray:
    """Edges allowed by the user's modes and planned-legs rules alone (kept per pair of rules): every
    :func:`edge_mask` of such constraints is a subset. Do not modify it."""
    key = ("modes", None if c.modes is None else tuple(sorted(set(c.modes))), c.include_planned)
    got = q.mode_masks.get(key)
    if got is not None:
        return got
    eng = q.eng
    mask = np.ones(eng.n_edges, bool)
    is_leg = eng.etype == LEG
    if not c.include_planned:
        mask &= ~is_leg | (eng.status == 0)
    if c.modes is not None:
        for m in set(MODE_CODES) - set(c.modes):
            mask &= ~(is_leg & (eng.mode == MODE_CODES[m]))
    q.mode_masks[key] = mask
    return mask


def edge_mask(q: Compiled, c: Constraints, fam: Family | None, o: str, d: str) -> np.ndarray:
    """Edges allowed by the user's constraints and the family's rules (a family's rules are
    added to the user's, never weakened by them). With avoided legs: the mask without them (kept
    per query, so a new set of avoided legs costs only their removal) less their edges."""
    if c.avoid_legs:
        eng = q.eng
        unknown = [lg for lg in c.avoid_legs if lg not in eng.leg_id_index]
        if unknown:
            msg = f"unknown leg id {unknown[0]!r} (see `corridors network export` for leg ids)"
            raise ConstraintError(msg)
        plain = replace(c, avoid_legs=())
        store = q.memo.setdefault("mask without avoided legs", {})
        k = (plain, fam.id if fam is not None else None, o, d)
        base = store.get(k)
        if base is None:
            base = _edge_mask(q, plain, fam, o, d)
            base.setflags(write=False)
            if len(store) >= 256:
                store.clear()
            store[k] = base
        ids = np.asarray([eng.leg_id_index[lg] for lg in c.avoid_legs], np.int32)
        out: np.ndarray = base & ~np.isin(q.leg_uid, ids)
        return out
    return _edge_mask(q, c, fam, o, d)


def _edge_mask(q: Compiled, c: Constraints, fam: Family | None, o: str, d: str) -> np.ndarray:
    """:func:`edge_mask` computed from the rules."""
    eng = q.eng
    # the user's rules: the same as constraints.leg_forbidden / node_forbidden, vectorised
    mask = modes_mask(q, c).copy()
    for code in territory_countries(c):
        if code in eng.by_country:
            mask[eng.by_country[code]] = False
    for ch in c.avoid_chokepoints:
        if ch in eng.by_chokepoint:
            mask[eng.by_chokepoint[ch]] = False
    if c.avoid_legs:
        unknown = [lg for lg in c.avoid_legs if lg not in eng.leg_id_index]
        if unknown:
            msg = f"unknown leg id {unknown[0]!r} (see `corridors network export` for leg ids)"
            raise ConstraintError(msg)
        ids = np.asarray([eng.leg_id_index[lg] for lg in c.avoid_legs], np.int32)
        mask &= ~np.isin(q.leg_uid, ids)
    avoid = set(resolve_nodes(q.G, c.avoid_nodes))
    banned: dict[str, str] = {}
    candidates = set(avoid)
    for code in c.avoided_countries():
        candidates.update(q.nodes_by_country().get(code, []))
    for n in candidates:
        why = node_forbidden(c, n, q.G.nodes[n], tuple(avoid))
        if why:
            banned[n] = why
    if fam is not None:
        mask &= family_mask(q, fam)
        for n in fam.avoid_nodes:
            if n in q.G:
                banned.setdefault(n, f"is not on the {fam.name}")
        for code in fam.avoid_countries:
            for n in q.nodes_by_country().get(code, []):
                banned.setdefault(n, f"is in {code}, which the {fam.name} never enters")
    for end, nid in (("origin", o), ("destination", d)):
        if nid in banned:
            msg = f"the {end} {q.G.nodes[nid].get('name', nid)} ({nid}) {banned[nid]}; no route can avoid it"
            raise ConstraintError(msg)
    if banned:
        idx = np.asarray([eng.node_index[n] for n in banned], np.int32)
        mask &= ~_among(q.src_node, idx, len(eng.nodes)) & ~_among(q.dst_node, idx, len(eng.nodes))
    return mask


def _first_use(seq: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of ``seq`` (codes in ``range(size)``) in order of first use, and each code's
    rank in that order (-1 for a code not used)."""
    uniq, first = np.unique(seq, return_index=True)
    used = uniq[np.argsort(first, kind="stable")]
    rank = np.full(size, -1, np.int64)
    rank[used] = np.arange(len(used))
    return used, rank


def _indexed_reads(reads: Reads, u: np.ndarray, v: np.ndarray, es: np.ndarray, n_edges: int) -> tuple[Any, ...]:
    """:meth:`Compiled.of`'s ``sides, from_side, to_side, sig, sigs, named_legs`` from what compiling read
    (:class:`~corridors.engine.Reads`) of the legs of leg edges ``es`` (in order, from node ``u`` to ``v``),
    over arrays: the same values as the legs read one by one (tests/test_engine_reads.py)."""
    mds = reads.legs[LEG_FIELDS.index("mode")]
    chokes, countries = reads.legs[LEG_FIELDS.index("chokepoints")], reads.legs[LEG_FIELDS.index("countries")]
    kinds, node_country = reads.nodes[0], reads.nodes[1]
    n = len(mds)
    # the legs with a named end (not two sea-lane junctions)
    junction = np.asarray([k == "junction" for k in kinds], bool).reshape(-1)
    named = es[np.flatnonzero(~(junction[u] & junction[v]))].astype(np.int64)
    # sides (families.side_of): "water" for a water leg, else the country of the node at that end, coded
    # in order of first use ("" first, then each leg's start before its end)
    mode_code = {m: i for i, m in enumerate(dict.fromkeys(mds))}
    m_of = np.fromiter(map(mode_code.__getitem__, mds), np.int64, count=n)
    water = np.asarray([m in WATER_MODES for m in mode_code], bool).reshape(-1)[m_of]
    side_id = {"": 0, "water": 1}
    node_sid = np.fromiter((side_id.setdefault(str(c or ""), len(side_id)) for c in node_country), np.int64, count=len(node_country))
    f, t = np.where(water, 1, node_sid[u]), np.where(water, 1, node_sid[v])
    seq = np.zeros(2 * n + 1, np.int64)
    seq[1::2], seq[2::2] = f, t
    used, rank = _first_use(seq, len(side_id))
    names = list(side_id)
    sides = [names[j] for j in used.tolist()]
    from_side, to_side = np.zeros(n_edges, np.int32), np.zeros(n_edges, np.int32)
    from_side[es], to_side[es] = rank[f], rank[t]
    # each leg's own attributes as one of a few distinct signatures (in order of first use): the legs
    # share a few hundred chokepoint and country lists, told apart by identity first, then by value
    ch = np.unique(np.fromiter(map(id, chokes), np.int64, count=n), return_inverse=True)[1].reshape(-1)
    cs = np.unique(np.fromiter(map(id, countries), np.int64, count=n), return_inverse=True)[1].reshape(-1)
    combo = (m_of * (int(ch.max()) + 1) + ch) * (int(cs.max()) + 1) + cs
    uniq, first, inv = np.unique(combo, return_index=True, return_inverse=True)
    sig_code: dict[tuple[Any, ...], int] = {}
    combo_code = np.zeros(len(uniq), np.int64)
    for j in np.argsort(first, kind="stable").tolist():
        i = int(first[j])
        combo_code[j] = sig_code.setdefault((mds[i], tuple(chokes[i] or ()), tuple(countries[i] or ())), len(sig_code))
    sig = np.full(n_edges, -1, np.int32)
    sig[es] = combo_code[inv.reshape(-1)]
    sigs = [{"mode": s[0], "chokepoints": s[1], "countries": s[2]} for s in sig_code]
    return sides, from_side, to_side, sig, sigs, named


#: the memo of :func:`_node_table`
_NODES = "family rules: nodes"


def _node_table_of(kind: Sequence[Any], country: Sequence[Any], x: Sequence[Any], y: Sequence[Any]) -> dict[str, Any]:
    """:func:`_node_table` from the nodes' ``kind``, ``country``, ``x`` and ``y`` (MISSING where a node has none)."""
    return {
        "x": np.asarray([0.0 if v is MISSING else float(v) for v in x], np.float64).reshape(-1),
        "y": np.asarray([0.0 if v is MISSING else float(v) for v in y], np.float64).reshape(-1),
        "country": list(country),
        "has_country": np.asarray([bool(c) for c in country], bool).reshape(-1),
        "port": np.asarray([k == "port" for k in kind], bool).reshape(-1),
        "junction": np.asarray([k == "junction" for k in kind], bool).reshape(-1),
    }


def _node_table(q: Compiled) -> dict[str, Any]:
    """What the family rules read of each node of the engine, as arrays by node index (position,
    country, kind), built once per compiled engine and kept in its memo."""
    store = q.memo.setdefault(_NODES, {})
    got = store.get(None)
    if got is None:
        G = q.G
        attrs = [G.nodes[n] for n in q.eng.nodes]
        got = store[None] = _node_table_of(
            [nd.get("kind") for nd in attrs],
            [nd.get("country") for nd in attrs],
            [nd.get("x", MISSING) for nd in attrs],
            [nd.get("y", MISSING) for nd in attrs],
        )
    return got


def _node_flags(q: Compiled, nodes: Any) -> np.ndarray:
    """Per node index: whether the node's id is one of ``nodes``."""
    flags = np.zeros(len(q.eng.nodes), bool)
    idx = [q.eng.node_index[n] for n in nodes if n in q.eng.node_index]
    flags[np.asarray(idx, np.int64)] = True
    return flags


def _in_country(t: dict[str, Any], g: str) -> np.ndarray:
    return np.asarray([c == g for c in t["country"]], bool)


def family_mask(q: Compiled, fam: Family) -> np.ndarray:
    """Leg edges the family's own leg rules allow (computed once per family): the rules of
    :meth:`Family.leg_forbidden`, vectorised over the leg edges (:func:`family_mask_plain` judges
    leg by leg, the reference)."""
    got = q.family_masks.get(fam.id)
    if got is not None:
        return got
    eng = q.eng
    t = _node_table(q)
    # a leg's own attributes, judged once per distinct signature (Family.leg_attr_forbidden)
    sig_bad = np.asarray([fam.leg_attr_forbidden(sd) is not None for sd in q.sigs] + [False], bool)
    ok: np.ndarray = ~sig_bad[q.sig]  # index -1 (not a leg) -> the trailing False
    is_leg = eng.etype == LEG
    is_sea = is_leg & (eng.mode == MODE_CODES["sea"])
    water = is_leg & np.isin(eng.mode, [MODE_CODES[m] for m in WATER_MODES])
    u, v = q.src_node, q.dst_node  # a leg edge leaves its start's node and reaches its end's
    if fam.sea_areas:  # a sea leg with an end outside the family's waters
        in_area = np.asarray(fam.in_sea_areas(t["x"], t["y"]), bool)
        ok &= ~(is_sea & ~(in_area[u] & in_area[v]))
    # the rules on places need a named end (a leg between two sea-lane junctions has none)
    named = np.zeros(eng.n_edges, bool)
    named[q.named_legs] = True
    bad = np.zeros(eng.n_edges, bool)
    if fam.no_eastbound_beyond is not None:  # heads east into the Far East
        lon, lat = fam.no_eastbound_beyond
        x, y = t["x"], t["y"]
        bad |= is_leg & ~water & (x[v] > lon) & (y[v] > lat) & (x[v] > x[u])
    g = fam.gate_country
    if g:
        is_g = _in_country(t, g)
        allowed = _node_flags(q, fam.crossing_nodes() | set(fam.gate_ports))
        # the water at a port of the gate country that is not one of the family's gates
        stray_port = is_g & t["port"] & ~allowed
        bad |= water & (stray_port[u] | stray_port[v])
        # a land leg across the gate country's border outside the family's crossings
        hc = t["has_country"]
        bad |= is_leg & ~water & hc[u] & hc[v] & (is_g[u] != is_g[v]) & ~allowed[u] & ~allowed[v]
    ok &= ~(bad & named)
    q.family_masks[fam.id] = ok
    return ok


def family_mask_plain(q: Compiled, fam: Family) -> np.ndarray:
    """:func:`family_mask` judged leg by leg with :meth:`Family.leg_forbidden` (the reference the
    tests compare it with; not cached)."""
    eng = q.eng
    G = q.G
    sig_bad = np.asarray([fam.leg_attr_forbidden(sd) is not None for sd in q.sigs] + [False], bool)
    ok: np.ndarray = ~sig_bad[q.sig]
    for e in q.named_legs:
        u, v, k = eng.edge_refs[int(eng.leg[e])]
        if fam.leg_forbidden(k, G.edges[u, v, k], G.nodes[u], G.nodes[v], u, v) is not None:
            ok[e] = False
    if fam.sea_areas:
        x = np.asarray([float(G.nodes[n].get("x", 0.0)) for n in eng.nodes])
        y = np.asarray([float(G.nodes[n].get("y", 0.0)) for n in eng.nodes])
        in_area = np.asarray(fam.in_sea_areas(x, y), bool)
        is_sea = (eng.mode == MODE_CODES["sea"]) & (eng.etype == LEG)
        ok &= ~(is_sea & ~(in_area[q.src_node] & in_area[q.dst_node]))
    return ok


def group_mask(q: Compiled, group: Mapping[str, Sequence[str]]) -> np.ndarray:
    eng = q.eng
    is_leg = eng.etype == LEG
    g = np.zeros(eng.n_edges, bool)
    nodes = [n for n in group.get("nodes", ()) if n in eng.node_index]
    if nodes:
        idx = np.asarray([eng.node_index[n] for n in nodes], np.int32)
        g |= is_leg & _among(q.dst_node, idx, len(eng.nodes))
    gauge_nodes = [eng.node_index[n] for n in group.get("gauge_change_at", ()) if n in eng.node_index]
    if gauge_nodes:
        g |= (eng.etype == GAUGE) & _among(q.src_node, gauge_nodes, len(eng.nodes))
    legs = [eng.leg_id_index[x] for x in group.get("legs", ()) if x in eng.leg_id_index]
    if legs:
        g |= np.isin(q.leg_uid, np.asarray(legs, np.int32))
    for ch in group.get("chokepoints", ()):
        if ch in eng.by_chokepoint:
            g[eng.by_chokepoint[ch]] = True
    for m in group.get("modes", ()):
        g |= is_leg & (eng.mode == MODE_CODES[m])
    return g


def _among(codes: np.ndarray, items: Any, size: int) -> np.ndarray:
    """``np.isin(codes, items)`` for codes in ``range(size)`` (a node's index, a side's code: never
    negative), by a table of ``size`` flags: a few times faster for the engine's 39,000 edges."""
    table = np.zeros(size, bool)
    table[np.asarray(items, np.int64)] = True
    got: np.ndarray = table.take(codes)  # (``table[codes]``, without casting the codes to intp first)
    return got


def crossing_groups(q: Compiled, cr: Crossing, ends: tuple[str, str] = ("", "")) -> list[Group]:
    """Two groups: arrive at one of the crossing's nodes from its ``from`` side, then leave it
    into its ``to`` side (a different side): a crossing, not a touch and turn back. When the
    origin (destination) is one of the nodes, leaving it into (arriving from) the right side is
    the crossing."""
    eng = q.eng
    is_leg = eng.etype == LEG
    o, d = ends
    if d in cr.nodes or o in cr.nodes:
        i = eng.node_index[d if d in cr.nodes else o]
        if d in cr.nodes:
            fs = _among(q.from_side, [j for j, x in enumerate(q.sides) if x and side_matches(cr.from_side, x)], len(q.sides))
            return [Group(is_leg & (q.dst_node == i) & fs, (i,))]
        ts = _among(q.to_side, [j for j, x in enumerate(q.sides) if x and side_matches(cr.to_side, x)], len(q.sides))
        return [Group(is_leg & (q.src_node == i) & ts, (i,))]
    idx = np.asarray([eng.node_index[n] for n in cr.nodes if n in eng.node_index], np.int32)
    fs = _among(q.from_side, [i for i, x in enumerate(q.sides) if x and side_matches(cr.from_side, x)], len(q.sides))
    ts = _among(q.to_side, [i for i, x in enumerate(q.sides) if x and side_matches(cr.to_side, x)], len(q.sides))
    N = len(eng.nodes)
    arrive = is_leg & _among(q.dst_node, idx, N) & fs
    leave = is_leg & _among(q.src_node, idx, N) & ts
    nodes = tuple(int(x) for x in idx)
    return [Group(arrive, nodes), Group(leave, nodes)]


def via_nodes(q: Compiled, query: str) -> list[str]:
    """The nodes a via names: an id, or every node sharing that name (``--via Baku`` passes the
    city or its port)."""
    if query in q.G and not str(query).startswith("sea:"):
        return [query]
    hits = name_index(q.G).get(normalize(query), [])
    return sorted(hits) if len(hits) > 1 else [resolve(q.G, query).id]


def via_alternatives(q: Compiled, query: str, ends: tuple[str, str]) -> list[list[Group]]:
    """A user's via: at a border crossing, cross there (arrive from one side and leave into
    another: one alternative per pair of sides); elsewhere, pass there (arrive, and never arrive
    again)."""
    eng = q.eng
    nids = via_nodes(q, query)
    is_leg = eng.etype == LEG
    if len(nids) == 1 and q.G.nodes[nids[0]].get("kind") == "border_crossing" and nids[0] not in ends:
        nid = nids[0]
        i = eng.node_index[nid]
        ins = {q.sides[x] for x in q.from_side[is_leg & (q.dst_node == i)]}
        outs = {q.sides[x] for x in q.to_side[is_leg & (q.src_node == i)]}
        alts = [crossing_groups(q, Crossing((nid,), a, b)) for a in sorted(ins) for b in sorted(outs) if a != b and a and b]
        if alts:
            return alts
    idx = np.asarray([eng.node_index[n] for n in nids], np.int32)
    return [[Group(is_leg & _among(q.dst_node, idx, len(eng.nodes)), tuple(int(x) for x in idx))]]


def gate_direction_mask(q: Compiled, fam: Family, forward: bool) -> np.ndarray:
    """Edges allowed by the direction of a family through its gate country: southbound (forward)
    the route enters it only by its crossings and leaves it only by sea at a gate port (no land
    leg out of it, no arrival at a gate port from the sea); northbound the mirror image. So a
    route never leaves the gate country and comes back (Tehran → Azerbaijan → Turkmenistan →
    Iran is not an INSTC route). Vectorised over the legs with a named end
    (:func:`gate_direction_mask_plain` judges leg by leg, the reference)."""
    key = f"{fam.id}:{'fwd' if forward else 'rev'}"
    got = q.family_masks.get(key)
    if got is not None:
        return got
    eng = q.eng
    ok = np.ones(eng.n_edges, bool)
    g = fam.gate_country
    if g:
        t = _node_table(q)
        is_g = _in_country(t, g)
        gate = _node_flags(q, fam.gate_ports)
        u, v = q.src_node, q.dst_node
        water = (eng.etype == LEG) & np.isin(eng.mode, [MODE_CODES[m] for m in WATER_MODES])
        leaves = is_g[u] & (~is_g[v] | water) & ~t["junction"][u]
        enters = is_g[v] & (~is_g[u] | water) & ~t["junction"][v]
        # southbound: leaving needs a gate port by sea, arriving at one by sea is refused; northbound mirrored
        cross, back = (leaves, enters) if forward else (enters, leaves)
        cross_gate, back_gate = (gate[u], gate[v]) if forward else (gate[v], gate[u])
        bad = (cross & ~(water & cross_gate)) | (back & water & back_gate)
        named = np.zeros(eng.n_edges, bool)
        named[q.named_legs] = True  # leaving or entering a country needs a named end
        ok &= ~(bad & named)
    q.family_masks[key] = ok
    return ok


def gate_direction_mask_plain(q: Compiled, fam: Family, forward: bool) -> np.ndarray:
    """:func:`gate_direction_mask` judged leg by leg (the reference the tests compare it with; not
    cached)."""
    eng = q.eng
    G = q.G
    ok = np.ones(eng.n_edges, bool)
    g = fam.gate_country
    if g:
        gates = set(fam.gate_ports)
        for e in q.named_legs:
            u, v, k = eng.edge_refs[int(eng.leg[e])]
            d = G.edges[u, v, k]
            cu, cv = G.nodes[u].get("country"), G.nodes[v].get("country")
            water = d.get("mode") in ("sea", "ferry")
            leaves = cu == g and (cv != g or water) and G.nodes[u].get("kind") != "junction"
            enters = cv == g and (cu != g or water) and G.nodes[v].get("kind") != "junction"
            if forward and ((leaves and not (water and u in gates)) or (enters and water and v in gates)):
                ok[e] = False
            if not forward and ((enters and not (water and v in gates)) or (leaves and water and u in gates)):
                ok[e] = False
    return ok


def plans(q: Compiled, o: Place, d: Place, c: Constraints, fam: Family | None) -> list[tuple[list[Group], np.ndarray | None]]:
    """The ordered via groups to solve with, one list per alternative (orientation of the
    family, choice among its crossings, sides of a user's crossing), best-guess first."""
    user: list[list[list[Group]]] = [via_alternatives(q, v, (o.id, d.id)) for v in c.via]
    fam_opts: list[list[list[list[Group]]]] = []  # per orientation: per step, its alternatives
    directions: list[np.ndarray | None] = []
    if fam is not None:
        legacy = [[[Group(group_mask(q, g))]] for g in fam.via_any]
        a, b = q.G.nodes[o.id], q.G.nodes[d.id]
        southbound = float(a.get("y", 0)) >= float(b.get("y", 0))
        for forward in (southbound, not southbound):
            steps = fam.oriented_steps(forward)
            opts: list[list[list[Group]]] = list(legacy)
            for st in steps:
                if st.crossings:
                    opts.append([crossing_groups(q, cr, (o.id, d.id)) for cr in st.crossings])
                else:
                    opts.append([[Group(group_mask(q, {"chokepoints": st.chokepoints}))]])
            fam_opts.append(opts)
            directions.append(gate_direction_mask(q, fam, forward) if fam.gate_country else None)
            if not fam.steps:
                break
    else:
        fam_opts.append([])
        directions.append(None)
    plans: list[tuple[list[Group], np.ndarray | None]] = []
    for fopts, direction in zip(fam_opts, directions, strict=True):
        for combo in itertools.product(*fopts, *user):
            plans.append(([g for part in combo for g in part], direction))
            if len(plans) >= MAX_ALTERNATIVES:
                return plans
    return plans


def edge_weights(q: Compiled, objective: str | Mapping[str, float], c: Constraints) -> tuple[np.ndarray, Any]:
    eng = q.eng
    mets = dict(eng.metrics)
    if c.chokepoint_weights:
        over = dict(c.chokepoint_weights)
        check_chokepoints(q.G, list(over))
        base = exposure_weights(q, c)
        mets["exposure"] = np.asarray([sum(base.get(x, 1.0) for x in cs) for cs in eng.edge_chokepoints])
    if isinstance(objective, str):
        if objective not in OBJECTIVES:
            msg = f"unknown objective {objective!r} (use one of {', '.join(OBJECTIVES)}, or a blend like time=1,cost=0.5)"
            raise ConstraintError(msg)
        w = mets[OBJECTIVES[objective]]
        if objective == "exposure":
            w = w + 1e-5 * mets["time_h"]
        elif objective != "time":
            w = w + 1e-7 * mets["time_h"]
        return w, (objective, c.chokepoint_weights)
    total = np.zeros(eng.n_edges)
    for k, v in objective.items():
        if k not in OBJECTIVES:
            msg = f"unknown objective {k!r} in blend (use {', '.join(OBJECTIVES)})"
            raise ConstraintError(msg)
        if v < 0:
            msg = f"blend weight for {k} must not be negative"
            raise ConstraintError(msg)
        total = total + v * mets[OBJECTIVES[k]] / BLEND_SCALE[k]
    if not objective or not np.any(total > 0):
        msg = "a blend needs at least one positive weight"
        raise ConstraintError(msg)
    return total, (tuple(sorted(objective.items())), c.chokepoint_weights)


def exposure_weights(q: Compiled, c: Constraints) -> dict[str, float]:
    base = {z: q.params.default_chokepoint_weight * float(getattr(zo, "weight", 1.0)) for z, zo in q.G.graph.get("chokepoints", {}).items()}
    base.update(dict(c.chokepoint_weights))
    return base


def lower_bound(q: Compiled, o: str, d: str, objective: str | Mapping[str, float]) -> float | None:
    """A lower bound on the objective from the great-circle distance (None where none is cheap)."""
    if not isinstance(objective, str) or objective == "exposure":
        return None
    from .geo import great_circle_km

    a, b = q.G.nodes[o], q.G.nodes[d]
    km = great_circle_km((a["x"], a["y"]), (b["x"], b["y"]))
    p = q.params
    if objective == "distance":
        return km
    if objective == "time":
        if q.max_leg_speed is None:  # the fastest speed any leg can have
            own = [float(x) for _, _, x in q.G.edges(data="speed_kmh") if x]
            q.max_leg_speed = max([*p.speed_kmh.values(), *p.rail_speed_kmh_by_country.values(), *own])
        return km / q.max_leg_speed
    if objective == "cost":
        return km * min(p.cost_usd_per_teu_km.values())
    if objective == "co2":
        return km * min([*p.co2_kg_per_teu_km.values(), *p.rail_co2_kg_per_teu_km_by_country.values()])
    return None
