"""The quicker ways the first run builds the network give exactly what the plain ways give: the sea
lanes' ids, the service and feeder paths over the sea lanes."""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
import pytest

from corridors import sea, services
from corridors.params import load_parameters


@pytest.fixture(scope="module")
def built() -> nx.MultiDiGraph:
    """The bundled network as built (not read back from the cache)."""
    from corridors.graph import build_network

    G, problems = build_network()
    assert not [p for p in problems if p.severity == "error"]
    return G


def test_sea_leg_ids_are_the_plain_hashes() -> None:
    net = sea.build_sea()
    assert len(net.legs) > 10_000
    for leg in net.legs:
        plain = sea._leg(list(leg.coords))
        assert (leg.id, leg.u, leg.v) == (plain.id, plain.u, plain.v)
    chains = [[(1.0, 2.0), (3.5, -4)], [(5, 6.25), (7, 8), (9, 1e-07)], [(-180.0, 0.0), (179.5, 1.0)]]
    assert sea._leg_hashes(chains) == [sea._leg(c).id[4:] for c in chains]
    assert sea._leg_hashes([]) == []


def _contract_plain(adj: dict[Any, list[Any]], keep: set[Any]) -> list[sea.SeaLeg]:
    """Degree-2 chains merged one step at a time, every step's pair of vertices marked as used."""
    legs: list[sea.SeaLeg] = []
    used: set[Any] = set()
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
                used.add((cur, step))
                used.add((step, cur))
                prev, cur = cur, step
                chain.append(cur)
            if sea.node_id(chain[0]) != sea.node_id(chain[-1]):
                legs.append(sea._leg(chain))
    return legs


def test_sea_chains_are_the_plain_ones() -> None:
    adj = sea.sea_adjacency()
    keep = {v for v, ns in adj.items() if len(ns) != 2}
    keep |= set(list(adj)[::97])  # some attach points too
    assert sea._contract(adj, keep) == _contract_plain(adj, keep)
    # a square with a tail, a loop back to its start, a double edge
    a, b, c, d, e = (0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (2.0, 0.0)
    toy = {a: [b, d], b: [a, c, e], c: [b, d], d: [c, a], e: [b]}
    for kept in ({b, e}, {a, b, e}, {a, b, c, d, e}, {b, d, e}):  # every vertex not of degree 2, and some
        assert sea._contract(toy, kept) == _contract_plain(toy, kept)


def _ports(G: nx.MultiDiGraph) -> list[str]:
    return [n for n, d in G.nodes(data=True) if d.get("kind") == "port" and d.get("origin") != "dataset"]


def test_service_paths_are_the_plain_ones(built: nx.MultiDiGraph) -> None:
    lanes = services._sea_csr(built)
    ports = _ports(built)
    pairs = [(a, b) for a in ports for b in ports]  # a == b too
    fast = services._shortest_paths(built, pairs, lanes)
    plain = services._shortest_paths_plain(built, pairs, lanes)
    assert fast == plain
    assert list(fast) == list(plain)  # the same pairs in the same order
    assert sum(1 for p in fast.values() if len(p) > 3) > 100


def test_bounded_service_paths_keep_every_short_one(built: nx.MultiDiGraph) -> None:
    lanes = services._sea_csr(built)
    ports = _ports(built)
    pairs = [(a, b) for a in ports for b in ports if a != b]
    max_km = load_parameters(calibration=False).sea_service["generic_direct_max_km"][1]
    plain = services._shortest_paths_plain(built, pairs, lanes)

    def km(refs: Any) -> float:
        return sum(float(built.edges[r]["length_km"]) for r in refs)

    short = {p: refs for p, refs in plain.items() if km(refs) <= max_km}
    assert 10 < len(short) < len(plain)
    fast = services._shortest_paths(built, pairs, lanes, max_km=max_km)
    assert {p: refs for p, refs in fast.items() if km(refs) <= max_km} == short
    assert [p for p in fast if p in short] == list(short)  # in the plain order
    assert all(fast[p] == plain[p] for p in fast)
    assert services._shortest_paths(built, pairs, lanes, max_km=math.inf) == plain


def test_country_polygons_are_what_shape_makes(tmp_path: Any) -> None:
    import json

    from shapely.geometry import shape

    from corridors.zones import countries_path, read_countries

    features = json.loads(countries_path().read_text(encoding="utf-8"))["features"]
    square = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    hole = [[0.2, 0.2], [0.4, 0.2], [0.4, 0.4], [0.2, 0.2]]
    odd = [
        {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2]]]},  # not closed: shape closes it
        {"type": "Polygon", "coordinates": [[[0, 0, 1], [2, 0, 1], [2, 2, 1], [0, 0, 1]]]},  # three dimensions
        {"type": "MultiPolygon", "coordinates": [[square, hole], [[[5, 5], [6, 5], [6, 6.5], [5, 5]]]]},
        {"type": "Polygon", "coordinates": [square, hole]},
        {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
    ]
    features = [*features, *({"properties": {"iso_a3": f"X{i:02d}"}, "geometry": g} for i, g in enumerate(odd))]
    path = tmp_path / "countries.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    got = read_countries(path)
    assert got.items == [f["properties"]["iso_a3"] for f in features]
    for f, geom in zip(features, got.geoms, strict=True):
        want = shape(f["geometry"])
        assert type(geom) is type(want)
        assert geom.wkb == want.wkb


def _plain_states(G: nx.MultiDiGraph) -> tuple[list[int], list[str], dict[str, list[int]], dict[str, list[int]], list[int], list[int]]:
    """The engine's states laid out one dictionary entry at a time (as compile_engine did before)."""
    nodes = list(G.nodes)
    node_index = {n: i for i, n in enumerate(nodes)}
    keys: dict[str, set[str]] = {n: set() for n in nodes}
    legs = [(u, v, d) for u, v, d in G.edges(data=True)]
    mks = [f"rail:{d.get('gauge_mm')}" if d.get("mode") == "rail" else str(d.get("mode")) for _, _, d in legs]
    for (u, v, _), mk in zip(legs, mks, strict=True):
        keys[u].add(mk)
        keys[v].add(mk)
    state_node: list[int] = []
    state_mode: list[str] = []
    in_of: dict[tuple[str, str], int] = {}
    out_of: dict[tuple[str, str], int] = {}
    for n in nodes:
        for mk in sorted(keys[n]):
            in_of[(n, mk)] = len(state_node)
            state_node.append(node_index[n])
            state_mode.append(mk)
            if not n.startswith("sea:"):
                state_node.append(node_index[n])
                state_mode.append(mk)
            out_of[(n, mk)] = len(state_node) - 1
    in_states: dict[str, list[int]] = {}
    out_states: dict[str, list[int]] = {}
    for (n, _), i in in_of.items():
        in_states.setdefault(n, []).append(i)
    for (n, _), i in out_of.items():
        out_states.setdefault(n, []).append(i)
    src = [out_of[(u, mk)] for (u, _, _), mk in zip(legs, mks, strict=True)]
    dst = [in_of[(v, mk)] for (_, v, _), mk in zip(legs, mks, strict=True)]
    return state_node, state_mode, in_states, out_states, src, dst


def test_engine_states_are_the_plain_layout(built: nx.MultiDiGraph) -> None:
    from corridors.engine import LEG, compile_engine

    eng = compile_engine(built, load_parameters(calibration=False))
    state_node, state_mode, in_states, out_states, src, dst = _plain_states(built)
    assert eng.state_node.tolist() == state_node
    assert eng.state_mode == state_mode
    assert eng.in_states == in_states
    assert list(eng.in_states) == list(in_states)
    assert eng.out_states == out_states
    assert list(eng.out_states) == list(out_states)
    legs = eng.etype == LEG
    assert legs[: len(src)].all()
    assert eng.src[: len(src)].tolist() == src
    assert eng.dst[: len(dst)].tolist() == dst
    assert len(set(eng.state_mode)) > 4  # rail gauges, sea, ferry, road


def test_lines_and_kms_are_the_plain_ones() -> None:
    from corridors.graph import _geodesic_kms, _line_geometries, _lines_and_kms

    lines: list[Any] = [leg.coords for leg in sea.build_sea().legs]
    lines += [
        [(179.5, 10.0), (-179.5, 10.5)],  # over the antimeridian: split
        [(180.0, 1.0), (179.0, 2.0)],  # a longitude of 180
        [(5.0, 5.0), (5.0, 5.0)],  # no distinct point
        [(1, 2), (3, 4), (3, 4), (5.5, 6)],  # integers, a repeated point
        [(-180.0, 0.0), (-179.0, 0.0)],
    ]
    geoms, kms = _lines_and_kms(lines)
    assert kms == _geodesic_kms(lines)
    plain = _line_geometries(lines)
    assert [type(g) for g in geoms] == [type(g) for g in plain]
    assert [g.wkb for g in geoms] == [g.wkb for g in plain]
    for odd in ([[(1.0, 2.0)], [(3.0, 4.0), (5.0, 6.0)]], []):
        got = _lines_and_kms(odd)
        assert got[1] == _geodesic_kms(odd)
        assert [g.wkb for g in got[0]] == [g.wkb for g in _line_geometries(odd)]


def _content(G: nx.MultiDiGraph) -> tuple[Any, ...]:
    """Everything of a graph, geometries as WKB, in its own order (nodes, edges, predecessors)."""
    from shapely.geometry.base import BaseGeometry

    def plain(x: Any) -> Any:
        if isinstance(x, BaseGeometry):
            return ("wkb", x.wkb)
        if isinstance(x, dict):
            return [(k, plain(v)) for k, v in x.items()]
        if isinstance(x, list | tuple):
            return (type(x).__name__, [plain(i) for i in x])
        return (type(x).__name__, repr(x))

    graph = {k: v for k, v in G.graph.items() if k != "chokepoints"}
    return (
        plain(graph),
        sorted(G.graph["chokepoints"]),
        [(n, plain(d)) for n, d in G.nodes(data=True)],
        [(u, v, k, plain(d)) for u, v, k, d in G.edges(keys=True, data=True)],
        [(n, list(p)) for n, p in G._pred.items()],
    )


def test_first_run_goes_on_with_the_graph_a_warm_run_reads(monkeypatch: pytest.MonkeyPatch, tmp_path: Any, built: nx.MultiDiGraph) -> None:
    from corridors import cache
    from corridors.graph import load_network_with_fingerprint

    monkeypatch.setenv("CORRIDORS_CACHE_DIR", str(tmp_path / "cache"))
    first, fp = load_network_with_fingerprint()
    assert fp is not None
    assert fp == cache.graph_fingerprint(first)  # hashed afresh: the same content
    warm, fp2 = load_network_with_fingerprint()  # read from the entry the first run wrote
    assert fp2 == fp
    assert _content(first) == _content(warm)
    skip = {"warnings", "cache_key", "_place_index"}
    as_built = _content(built)
    got = _content(first)
    assert [x for x in got[0] if x[0] not in skip] == [x for x in as_built[0] if x[0] not in skip]
    assert got[1:] == as_built[1:]
    assert first.graph["_place_index"] and first.graph["cache_key"]


def test_segments_in_sorted_order() -> None:
    segs = set(sea.read_segments())
    assert len(segs) > 10_000
    assert sea._sorted_segments(segs) == sorted(segs)
    odd: set[Any] = {((1, 2.5), (3, -0.0)), ((1.0, 2.0), (0.5, 1)), ((-180.0, 3.0), (179.999999, 3.0)), ((1, 2), (3, 4))}
    assert sea._sorted_segments(odd) == sorted(odd)
    nan: set[Any] = {((float("nan"), 1.0), (2.0, 3.0)), ((0.0, 1.0), (2.0, 3.0))}
    assert repr(sea._sorted_segments(nan)) == repr(sorted(nan))  # not a number: sorted() itself
    assert sea._sorted_segments(set()) == []


def test_a_first_run_read_row_by_row_goes_on_with_the_row_graph_it_built(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, built: nx.MultiDiGraph
) -> None:
    """The first run of a query (``rows_on_demand``, as the CLI's router asks) builds the network as a
    RowGraph, never importing networkx: the same content, the same entry and fingerprint as the bulk way."""
    from corridors import cache
    from corridors.graph import load_network_with_fingerprint
    from corridors.netview import RowGraph

    monkeypatch.setenv("CORRIDORS_CACHE_DIR", str(tmp_path / "rows"))
    first, fp = load_network_with_fingerprint(rows_on_demand=True)
    assert type(first) is RowGraph and fp is not None
    monkeypatch.setenv("CORRIDORS_CACHE_DIR", str(tmp_path / "bulk"))
    bulk, fp_bulk = load_network_with_fingerprint()
    assert type(bulk) is nx.MultiDiGraph and fp_bulk == fp
    assert [p.name for p in (tmp_path / "rows").iterdir()] == [p.name for p in (tmp_path / "bulk").iterdir()]
    assert fp == cache.graph_fingerprint(first)  # hashed afresh (a RowGraph is encoded as a MultiDiGraph)
    skip = {"warnings", "cache_key", "_place_index"}
    got, as_built = _content(first), _content(built)  # _content reads it with networkx (turned into one)
    assert [x for x in got[0] if x[0] not in skip] == [x for x in as_built[0] if x[0] not in skip]
    assert got[1:] == as_built[1:]


def test_a_first_cli_run_imports_no_networkx(tmp_path: Any) -> None:
    import os
    import subprocess
    import sys
    import tempfile
    import textwrap

    code = """
        import sys
        from click.testing import CliRunner
        from corridors.cli.main import cli
        res = CliRunner().invoke(cli, ["compare", "Chelyabinsk", "Mumbai", "--format", "json"])
        assert res.exit_code == 0, res.output
        print("networkx" in sys.modules)
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"CORRIDORS_CACHE_DIR": str(tmp_path / "empty")}
    cmd = [sys.executable, "-c", textwrap.dedent(code)]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tempfile.gettempdir(), check=False)  # noqa: S603 - our own code
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.split() == ["False"]
    assert [p.name.split("-")[0] for p in (tmp_path / "empty").glob("network-*.npz")] == ["network"]  # it built the network
