"""corridors.services lays out its service paths with the compiled searches (no scipy) exactly as with
scipy's ``dijkstra``: random sea-lane networks full of ties (small integer lengths, repeated lanes),
compared with the same call run on scipy (``corridors.sparse.USE_COMPILED`` off)."""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pytest
import scipy.sparse.csgraph

from corridors import services, sparse

needs_compiled = pytest.mark.skipif(not sparse.COMPILED, reason="corridors.sparse_c was not built (no C compiler at install)")


def _lanes(rng: np.random.Generator, *, ties: bool) -> tuple[nx.MultiDiGraph, list[str]]:
    """Junctions ``sea:i`` and ports ``port:i``: lanes between junctions (some repeated), into ports, and
    legs out of ports; a rail edge and a service leg that the paths must not use."""
    G = nx.MultiDiGraph()
    nj, npo = int(rng.integers(3, 40)), int(rng.integers(2, 8))
    junctions = [f"sea:{i}" for i in rng.permutation(nj)]
    ports = [f"port:{i}" for i in range(npo)]
    for p in ports:
        G.add_node(p, kind="port")
    for j in junctions:
        G.add_node(j, kind="junction")
    G.add_node("city:x", kind="city")

    def km() -> float:
        return float(rng.integers(0, 5)) if ties else float(rng.random() * 100 + 0.5)

    for k in range(int(rng.integers(nj, 4 * nj))):
        u, v = rng.choice(junctions, 2)
        G.add_edge(str(u), str(v), key=f"l{k}", mode="sea", length_km=km())
    for p in ports:
        for k in range(int(rng.integers(1, 4))):
            j = str(rng.choice(junctions))
            G.add_edge(j, p, key=f"in{k}", mode="sea", length_km=km())
            G.add_edge(p, str(rng.choice(junctions)), key=f"out{k}", mode="sea", length_km=km())
    G.add_edge(ports[0], "city:x", key="r", mode="rail", length_km=1.0)
    G.add_edge(junctions[0], ports[-1], key="svc", mode="sea", service="s", length_km=0.0)
    return G, ports


def _scipy_paths(monkeypatch: pytest.MonkeyPatch, *args: Any, **kw: Any) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    with monkeypatch.context() as m:
        m.setattr(sparse, "USE_COMPILED", False)
        return services._shortest_paths(*args, **kw)


@needs_compiled
@pytest.mark.parametrize("ties", [True, False])
def test_service_paths_are_scipys(monkeypatch: pytest.MonkeyPatch, ties: bool) -> None:
    """The compiled searches give scipy's paths; where a path walks back through a tie they leave the call
    to scipy (counted: both ways are taken in these graphs with ties, never with real-valued lengths)."""
    calls = 0
    real = scipy.sparse.csgraph.dijkstra

    def counted(*a: Any, **k: Any) -> Any:
        nonlocal calls
        calls += 1
        return real(*a, **k)

    rng = np.random.default_rng(12 if ties else 13)
    left_to_scipy = compiled = 0
    for i in range(300):
        G, ports = _lanes(rng, ties=ties)
        pairs = [(a, b) for a in ports for b in ports]  # a == b too
        lanes = services._sea_csr(G)
        max_km = [None, 3.0, 8.0][i % 3] if ties else [None, 150.0][i % 2]
        with monkeypatch.context() as m:
            m.setattr(scipy.sparse.csgraph, "dijkstra", counted)
            before = calls
            got = services._shortest_paths(G, pairs, lanes, max_km=max_km)
            left_to_scipy += calls > before
            compiled += calls == before
        want = _scipy_paths(monkeypatch, G, pairs, lanes, max_km=max_km)
        assert got == want, i
        assert list(got) == list(want), i  # the same pairs in the same order
    if ties:
        assert left_to_scipy > 20 and compiled > 100, (left_to_scipy, compiled)
    else:
        assert left_to_scipy == 0


@needs_compiled
def test_the_tie_marks_matter_in_these_graphs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read without its tie marks, the compiled search gives other paths than scipy's on some of these
    graphs: what the test above would catch if the marks were wrong."""
    real = sparse.trees

    def unmarked(*a: Any, **k: Any) -> Any:
        got = real(*a, **k)
        return None if got is None else (got[0], got[1], np.zeros_like(got[2]))

    rng = np.random.default_rng(12)
    differ = 0
    for _ in range(100):
        G, ports = _lanes(rng, ties=True)
        pairs = [(a, b) for a in ports for b in ports]
        with monkeypatch.context() as m:
            m.setattr(sparse, "trees", unmarked)
            got = services._shortest_paths(G, pairs)
        differ += got != _scipy_paths(monkeypatch, G, pairs)
    assert differ > 5, differ


def test_service_paths_without_the_compiled_module_are_the_plain_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    """On scipy (no compiled module) too, and, without ties, what one search per port's own graph gives."""
    monkeypatch.setattr(sparse, "USE_COMPILED", False)
    rng = np.random.default_rng(14)
    for _ in range(50):
        G, ports = _lanes(rng, ties=False)
        pairs = [(a, b) for a in ports for b in ports if a != b]
        assert services._shortest_paths(G, pairs) == services._shortest_paths_plain(G, pairs)


@pytest.mark.parametrize("ties", [True, False])
def test_first_of_cheapest_is_a_lexsort(ties: bool) -> None:
    rng = np.random.default_rng(15)
    for _ in range(300):
        m = int(rng.integers(0, 60))
        top = int(rng.integers(1, 8))
        r, c = rng.integers(0, top, m), rng.integers(0, top, m)
        w = rng.integers(0, 3, m).astype(float) if ties else rng.random(m)
        if ties and m:
            w[rng.random(m) < 0.1] = -0.0
        order = np.lexsort((w, c, r))
        keep = np.ones(len(order), bool)
        keep[1:] = (r[order][1:] != r[order][:-1]) | (c[order][1:] != c[order][:-1])
        assert np.array_equal(services._first_of_cheapest(r, c, w), order[keep])
