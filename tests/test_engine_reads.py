"""Compiling reads each leg and node of the graph once (:func:`corridors.engine.columns`) and hands what
it read to the index (:meth:`corridors.query.Compiled.of`): the same engine and the same index as
reading the graph afresh, on a small network whose legs lack some attributes and on the bundled one."""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pytest
from synth import synthetic

from corridors.engine import LEG_FIELDS, METRICS, MISSING, Engine, columns, compile_engine
from corridors.params import load_parameters
from corridors.query import Compiled, family_mask

P = load_parameters()

NODES = {
    "rail:a": {"kind": "rail_terminal", "country": "RUS", "x": 60.0, "y": 55.0},
    "border:b": {"kind": "border_crossing", "country": "KAZ", "x": 61.0, "y": 51.0, "dwell_border_h": 10.0},
    "port:p": {"kind": "port", "country": "IRN", "x": 56.3, "y": 27.2},
    "port:q": {"kind": "port", "country": "IND", "x": 69.7, "y": 22.8},
    "port:r": {"kind": "port", "country": "RUS", "x": 30.0, "y": 60.0},
    "sea:1": {"kind": "junction", "country": None, "x": 32.5, "y": 30.0},
    "sea:2": {"kind": "junction", "x": 40.0, "y": 20.0},  # no country at all
}
LEGS = [
    {"id": "ab", "from": "rail:a", "to": "border:b", "mode": "rail", "gauge_mm": 1520, "km": 400, "countries": ["RUS", "KAZ"]},
    {"id": "bp", "from": "border:b", "to": "port:p", "mode": "rail", "gauge_mm": 1435, "km": 900, "countries": ["KAZ", "IRN"]},
    # a parallel leg: its countries an equal list, not the same one
    {"id": "bp2", "from": "border:b", "to": "port:p", "mode": "rail", "gauge_mm": 1435, "km": 950, "countries": ["KAZ", "IRN"]},
    {"id": "pq", "from": "port:p", "to": "port:q", "mode": "sea", "km": 1500, "chokepoints": ["hormuz"], "frequency_per_week": 2},
    {"id": "ar", "from": "rail:a", "to": "port:r", "mode": "rail", "gauge_mm": 1520, "km": 2000, "countries": ["RUS"]},
    {"id": "r1", "from": "port:r", "to": "sea:1", "mode": "sea", "km": 6500, "chokepoints": ["suez"], "countries": ["EGY"]},
    {"id": "12", "from": "sea:1", "to": "sea:2", "mode": "sea", "km": 900},
    {"id": "2q", "from": "sea:2", "to": "port:q", "mode": "sea", "km": 3600, "chokepoints": ["bab_el_mandeb"], "speed_kmh": 30.0},
]
ZONES = ("hormuz", "suez", "bab_el_mandeb")
ARRAYS = ("src_node", "dst_node", "leg_uid", "from_side", "to_side", "sig", "named_legs")


def _indexes(G: Any) -> tuple[Engine, Compiled, Compiled]:
    """A fresh engine of ``G``, its index from what compiling read, and its index read from ``G`` afresh."""
    eng = compile_engine(G, P)
    assert eng.reads is not None and eng.reads.G is G
    from_reads = Compiled.of(G, P, eng)
    assert eng.reads is None  # used once, then let go
    afresh = Compiled.of(G, P, eng)
    return eng, from_reads, afresh


def _assert_same_index(a: Compiled, b: Compiled) -> None:
    for f in ARRAYS:
        x, y = getattr(a, f), getattr(b, f)
        assert x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y), f
    assert a.sides == b.sides and len(set(a.sides)) == len(a.sides)
    assert a.sigs == b.sigs
    assert len({(sg["mode"], sg["chokepoints"], sg["countries"]) for sg in a.sigs}) == len(a.sigs)  # each signature once
    assert a.by_country == b.by_country and list(a.by_country or {}) == list(b.by_country or {})
    assert {k: list(v) for k, v in (a.by_country or {}).items()} == {k: list(v) for k, v in (b.by_country or {}).items()}


def _assert_same_node_table(a: Compiled, b: Compiled) -> None:
    """The family rules' node table of ``a`` (made from what compiling read) and of ``b`` (read afresh)."""
    fam = next(iter(load_families_with_gate().values()))
    family_mask(a, fam)
    family_mask(b, fam)
    ta, tb = a.memo["family rules: nodes"][None], b.memo["family rules: nodes"][None]
    assert ta.keys() == tb.keys()
    for k in ta:
        if isinstance(ta[k], np.ndarray):
            assert ta[k].dtype == tb[k].dtype and np.array_equal(ta[k], tb[k]), k
        else:
            assert ta[k] == tb[k], k
    assert np.array_equal(a.family_masks[fam.id], b.family_masks[fam.id])


def load_families_with_gate() -> dict[str, Any]:
    from corridors.families import load_families

    fams = load_families()
    return {k: v for k, v in fams.items() if v.gate_country} or fams


def test_columns_read_each_row_once_with_defaults_for_what_is_missing() -> None:
    rows = [{"a": 1, "b": 2}, {"a": 3, "b": None}]
    assert columns(rows, ("a", "b"), (None, MISSING)) == [(1, 3), (2, None)]
    rows.append({"a": 5})  # no "b": each row read with its defaults
    assert columns(rows, ("a", "b"), (None, MISSING)) == [(1, 3, 5), (2, None, MISSING)]
    assert columns([], ("a", "b"), (None, None)) == [(), ()]


def test_index_from_what_compiling_read_is_the_index_read_afresh() -> None:
    G = synthetic(NODES, LEGS, zones=ZONES)
    _, from_reads, afresh = _indexes(G)
    _assert_same_index(from_reads, afresh)
    assert all("sea:2" not in ns for ns in (afresh.by_country or {}).values())
    _assert_same_node_table(from_reads, afresh)
    # the leg between two sea-lane junctions has no named end
    eng = from_reads.eng
    named = {eng.edge_refs[int(eng.leg[e])][2] for e in from_reads.named_legs}
    assert "12" not in named and {"pq", "r1", "2q"} <= named


def test_reads_of_another_graph_are_not_used() -> None:
    G = synthetic(NODES, LEGS, zones=ZONES)
    eng = compile_engine(G, P)
    H = synthetic({**NODES, "port:p": {**NODES["port:p"], "country": "OMN"}}, LEGS, zones=ZONES)
    eng.G = H
    q = Compiled.of(H, P, eng)  # the index of H, not of what was read from G
    assert "OMN" in (q.by_country or {}) and "port:p" not in (q.by_country or {}).get("IRN", [])


def test_reads_are_never_pickled_with_the_engine() -> None:
    eng = compile_engine(synthetic(NODES, LEGS, zones=ZONES), P)
    assert eng.reads is not None
    assert "reads" not in eng.__getstate__()
    assert Engine.reads is None  # what an engine read back from the cache has


def _with_every_field(G: nx.MultiDiGraph, enters: Any) -> nx.MultiDiGraph:
    H = G.copy()
    for _, _, d in H.edges(data=True):
        for f in LEG_FIELDS:
            d.setdefault(f, None)
        d["enters"] = enters(d)
    return H


def test_engine_the_same_whether_legs_have_every_attribute_or_not() -> None:
    G = synthetic(NODES, LEGS, zones=ZONES)
    a = compile_engine(G, P)  # legs without "enters": each read attribute by attribute
    b = compile_engine(_with_every_field(G, lambda d: list(d["chokepoints"])), P)  # all there: read at once
    assert a.edge_chokepoints == b.edge_chokepoints
    for m in METRICS:
        assert np.array_equal(a.metrics[m], b.metrics[m]), m
    for f in ("src", "dst", "etype", "mode", "status", "months", "moving_h", "wait_h", "part_abc", "edge_part_start"):
        assert np.array_equal(getattr(a, f), getattr(b, f)), f
    assert a.part_key == b.part_key and a.part_label == b.part_label


def test_legs_own_entered_chokepoints_win_over_their_chokepoints() -> None:
    G = synthetic(NODES, LEGS, zones=ZONES)
    eng = compile_engine(_with_every_field(G, lambda d: []), P)  # every leg enters no chokepoint
    assert all(cs == () for cs in eng.edge_chokepoints)
    n_legs = len(eng.edge_refs)
    assert not eng.metrics["exposure"][:n_legs].any()
    assert set(eng.by_chokepoint) == set(ZONES)  # the chokepoints a leg passes still index it


@pytest.mark.parametrize("as_rows", [False, True])
def test_bundled_network_index_from_reads_is_the_index_read_afresh(G: nx.MultiDiGraph, as_rows: bool) -> None:
    graph: Any = G
    if as_rows:
        from corridors.netview import RowGraph

        graph = RowGraph()
        vars(graph).update({k: vars(G)[k] for k in ("graph", "_node", "_adj", "_pred")})
        graph._succ = graph._adj
    eng, from_reads, afresh = _indexes(graph)
    assert eng.n_edges > 30_000
    _assert_same_index(from_reads, afresh)
    _assert_same_node_table(from_reads, afresh)


def test_sea_legs_priced_over_arrays_keep_their_parts_in_edge_order() -> None:
    """A sea leg between ports with nothing of its own (priced over arrays) between legs priced one by
    one: every edge's parts together and in order, its wait their mean."""
    legs = [*LEGS, {"id": "pr", "from": "port:p", "to": "port:r", "mode": "sea", "km": 5000}]
    eng = compile_engine(synthetic(NODES, legs, zones=ZONES), P)
    assert np.all(np.diff(eng.part_edge) >= 0)
    sea = P.sea_service
    for e, (u, _, k) in enumerate(eng.edge_refs):
        keys = [pt.key for pt in eng.parts(e)]
        if k == "pr":
            assert keys == [f"wait:generic@{u}", f"transship:generic@{u}", f"delay:{k}"]
            want = (0.0 + (sea["generic_headway_h"][1] + 0.0) / 2.0) + eng.parts(e)[1].mean + eng.parts(e)[2].mean
            assert eng.wait_h[e] == want
        elif k == "pq":  # a known service (its own frequency): its wait, and the delay
            assert keys == [f"wait:{k}@{u}", f"delay:{k}"]
        elif k == "12":  # between two sea-lane junctions: nothing to wait for
            assert keys == []
        assert eng.wait_h[e] == sum((pt.mean for pt in eng.parts(e)), 0.0)


def test_router_keeps_its_engine_until_a_leg_is_added() -> None:
    """The network's shape kept with a freshly compiled engine (its legs counted as compiling read them):
    unchanged, the engine is kept; a leg more, it is compiled anew."""
    from corridors.routing import Router

    G = synthetic(NODES, LEGS, zones=ZONES)
    r = Router(G, P, families={}, draws=0)
    eng = r.engine
    G.__networkx_cache__.clear()  # the router's mark gone: the legs are counted again, and found the same
    r.refresh()
    assert r.engine is eng
    G.add_edge("port:q", "port:r", key="qr", **{**G.edges["port:p", "port:q", "pq"], "id": "qr"})
    r.refresh()
    assert r.engine is not eng and r.engine.n_edges == eng.n_edges + 1


def test_reads_let_go_when_the_index_comes_from_the_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """An engine compiled afresh whose index is found on disk lets go of what compiling read (the graph
    and its columns are not kept for the router's lifetime)."""
    from corridors import routing

    monkeypatch.setenv("CORRIDORS_CACHE_DIR", str(tmp_path))  # no engine of an earlier test: compiled here
    G = synthetic(NODES, LEGS, zones=ZONES)
    other = compile_engine(G, P)
    stored = Compiled.of(G, P, other)  # an index as the cache would give it, not made from the reads
    given: list[tuple[Engine, bool]] = []

    def from_cache(G_: Any, params: Any, eng: Engine, key: str) -> Compiled:
        given.append((eng, eng.reads is not None))  # compiled afresh: what it read still there
        stored.eng = eng
        return stored

    monkeypatch.setattr(routing, "_stored_index", from_cache)
    r = routing.Router(G, P, families={}, draws=0)
    assert r.compiled is stored
    assert [fresh for _, fresh in given] == [True]
    assert given[0][0].reads is None
