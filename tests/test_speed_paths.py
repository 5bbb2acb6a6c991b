"""The fast paths of a warm query give the same answers as the plain ones: the O(1) check that the
graph was not changed, and (below) the goal-directed search and the precomputed route pieces."""

from __future__ import annotations

import pytest
from synth import synthetic
from test_engine import LEGS, NODES

from corridors.params import load_parameters
from corridors.routing import Router

P = load_parameters()
ZONES = ("hormuz", "suez", "bab_el_mandeb")


@pytest.fixture
def r() -> Router:
    return Router(synthetic(NODES, LEGS, zones=ZONES), P, families={})


def _legs(route: object) -> list[str]:
    return [lg for m in route.moves for lg in m.leg_ids]  # type: ignore[attr-defined]


def test_removing_a_node_after_a_query_rebuilds_the_engine(r: Router) -> None:
    assert _legs(r.route("rail:a", "port:q")) == ["ab", "bc", "cg", "gp", "pq"]
    before = r.compiled
    r.G.remove_node("border:g")
    after = r.route("rail:a", "port:q")
    assert r.compiled is not before
    assert _legs(after) == ["ar", "r1", "1q"]


def test_removing_an_edge_after_a_query_rebuilds_the_engine(r: Router) -> None:
    r.route("rail:a", "port:q")
    before = r.compiled
    r.G.remove_edge("port:p", "port:q", key="pq")
    after = r.route("rail:a", "port:q")
    assert r.compiled is not before
    assert "pq" not in _legs(after)


def test_adding_a_node_and_an_edge_after_a_query_rebuilds_the_engine(r: Router) -> None:
    r.route("rail:a", "port:q")
    before = r.compiled
    G = r.G
    G.add_node("port:s", name="port:s", aliases=[], kind="port", country="IRN", x=57.0, y=27.0)
    r.route("rail:a", "port:q")
    assert r.compiled is not before
    # a short cut added as an edge (one direction is enough for this query)
    mid = r.compiled
    attrs = dict(G.edges["port:p", "port:q", "pq"])
    attrs.update(id="pq2", length_km=10.0)
    G.add_edge("port:p", "port:q", key="pq2", **attrs)
    route = r.route("rail:a", "port:q", objective="distance")
    assert r.compiled is not mid
    assert "pq2" in _legs(route)


def test_an_attribute_only_update_keeps_the_engine(r: Router, monkeypatch: pytest.MonkeyPatch) -> None:
    """networkx empties its cache on ``add_node`` of an existing node too; the counts are then compared
    as before, and the engine kept when nothing was added or removed."""
    import corridors.routing as routing

    r.route("rail:a", "port:q")
    before = r.compiled
    r.G.add_node("rail:a", note="edited")
    r.route("rail:a", "port:q")
    assert r.compiled is before

    def no_count(G: object) -> int:
        raise AssertionError("a marked graph is not counted")

    monkeypatch.setattr(routing, "_count_edges", no_count)
    r.route("rail:a", "port:q")  # marked again: the O(1) path, no count
    assert r.compiled is before


def test_a_graph_without_a_networkx_cache_is_counted(r: Router) -> None:
    r.route("rail:a", "port:q")
    before = r.compiled
    del r.G.__networkx_cache__
    r.route("rail:a", "port:q")
    assert r.compiled is before
    r.G.remove_node("border:g")  # no cache to empty: the count sees it
    assert _legs(r.route("rail:a", "port:q")) == ["ar", "r1", "1q"]
    assert r.compiled is not before
