"""The fast paths of a warm query give the same answers as the plain ones: the O(1) check that the
graph was not changed, and (below) the goal-directed search and the precomputed route pieces."""

from __future__ import annotations

import pytest
from synth import synthetic
from test_engine import LEGS, NODES

from corridors.params import load_parameters
from corridors.routing import Router
from corridors.sparse import to_scipy

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

    monkeypatch.setattr(routing, "count_edges", no_count)
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


# ------------------------------------------------------------------ goal-directed search
def _plain(monkeypatch: pytest.MonkeyPatch) -> None:
    """Switch the landmark-guided search off: the plain bounded Dijkstra of before."""
    import corridors.search as search

    monkeypatch.setattr(search, "landmark_bound", lambda *a, **k: None)


QUERIES = [
    ("port:IRBND", "port:INNSA", "distance", {"modes": ("sea",)}),
    ("port:RULED", "port:INBOM", "distance", {"modes": ("sea",)}),
    ("port:RUMMK", "port:RUVVO", "distance", {"modes": ("sea",), "avoid_chokepoints": ("bering",)}),
    ("port:INMAA", "port:RUVVO", "time", {"modes": ("sea",)}),
    ("Chelyabinsk", "Mumbai", "time", {}),
    ("Chelyabinsk", "Mumbai", "cost", {"avoid_countries": ("IRN",)}),
    ("Moscow", "Chennai", "co2", {}),
    ("Yekaterinburg", "Mumbai", "exposure", {"max_transshipments": 1}),
    ("St Petersburg", "Nhava Sheva", "time", {"via": ("Astrakhan",)}),
]


@pytest.mark.parametrize(("a", "b", "objective", "kw"), QUERIES)
def test_goal_directed_search_finds_the_plain_route(
    G: object, a: str, b: str, objective: str, kw: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    from corridors.errors import NoRouteError
    from corridors.routing import Constraints

    def answer(r: Router) -> object:
        try:
            return r.route(a, b, objective=objective, constraints=Constraints(**kw)).to_dict()  # type: ignore[arg-type]
        except NoRouteError as exc:
            return str(exc)

    fast_router = Router(G, draws=200)  # type: ignore[arg-type]
    fast = answer(fast_router)
    assert fast_router.engine._csr_cache.get("landmarks")  # the guided search ran
    _plain(monkeypatch)
    plain = answer(Router(G, draws=200))  # type: ignore[arg-type]
    assert fast == plain


def test_goal_directed_compare_equals_the_plain_one(G: object, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = Router(G, draws=500).compare("Chelyabinsk", "Mumbai")  # type: ignore[arg-type]
    _plain(monkeypatch)
    plain = Router(G, draws=500).compare("Chelyabinsk", "Mumbai")  # type: ignore[arg-type]
    assert [r.to_dict() for r in fast.routes] == [r.to_dict() for r in plain.routes]
    assert fast.unavailable == plain.unavailable


def test_landmark_bounds_never_exceed_the_true_distance(G: object) -> None:
    """The potential is a lower bound on the distance to the targets over the search graph, and
    consistent (no reduced edge cost below zero beyond rounding)."""
    import numpy as np
    from scipy.sparse.csgraph import dijkstra

    from corridors import astar, engine
    from corridors.routing import Constraints
    from corridors.search import landmark_bound

    r = Router(G, draws=0)  # type: ignore[arg-type]
    q = r.compiled
    c = Constraints(modes=("sea",))
    w = q.eng.metrics["length_km"]
    key, weight, within, _ = landmark_bound(q, "distance", c, w)  # type: ignore[misc]
    lm = engine.landmarks(q.eng, weight, key, within)
    csr, _, _ = engine.search_graph(q.eng, weight, within)
    targets = q.eng.in_states["port:INBOM"]
    sources = q.eng.out_states["port:RULED"]
    pi, cap, _ = astar.potential(lm, sources, targets)  # type: ignore[misc]
    to_target = np.asarray(dijkstra(to_scipy(csr).T.tocsr(), directed=True, indices=targets, min_only=True))
    reach = np.isfinite(to_target)
    assert reach.sum() > 1000
    assert np.all(pi[reach] <= to_target[reach] * (1 + 1e-9) + 1e-9)
    assert cap == pytest.approx(pi[sources].min())
    rows = np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr))
    reduced = csr.data - pi[rows] + pi[csr.indices]
    assert reduced.min() >= -1e-6


@pytest.mark.parametrize(("a", "b"), [("Chelyabinsk", "Mumbai"), ("Moscow", "Chennai"), ("Yekaterinburg", "Nhava Sheva")])
def test_capped_later_plans_give_the_same_compare(G: object, a: str, b: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A later plan of a family searches only for routes that can beat the best so far: the same
    answers as searching each plan to the end."""
    import corridors.search as search

    capped = Router(G, draws=300).compare(a, b)  # type: ignore[arg-type]
    assert search.least_handling(Router(G).compiled, capped.origin.id, capped.destination.id) > 0  # type: ignore[arg-type]
    monkeypatch.setattr(search, "least_handling", lambda *a, **k: float("-inf"))  # no cap
    full = Router(G, draws=300).compare(a, b)  # type: ignore[arg-type]
    assert [r.to_dict() for r in capped.routes] == [r.to_dict() for r in full.routes]
    assert capped.unavailable == full.unavailable


def test_dead_ends_are_cut_without_changing_the_paths_to_the_targets() -> None:
    """A branch no target can be reached from (here 3 and 4 off the origin 0) is never searched; the
    distances and the path to the target stay those of the full graph."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    from corridors.astar import dead_ends_cut

    rows = np.array([0, 1, 0, 3, 4, 1])
    cols = np.array([1, 2, 3, 4, 3, 4])
    w = np.array([1.0, 2.0, 0.5, 0.5, 0.5, 0.1])
    g = csr_matrix((w, (rows, cols)), shape=(5, 5))
    cut = dead_ends_cut(g, [2])
    full, full_pred = dijkstra(g, indices=0, return_predecessors=True)
    part, part_pred = dijkstra(to_scipy(cut), indices=0, return_predecessors=True)
    assert part[2] == full[2] == 3.0
    assert part_pred[2] == full_pred[2] == 1
    assert np.isinf(part[[3, 4]]).all() and np.isfinite(full[[3, 4]]).all()


def test_a_dead_end_branch_off_the_origin_gives_the_plain_route(G: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """A grid of rail junctions hanging off the origin (a route never arrives at the origin again, so
    none of it can lead anywhere): the guided search cuts it and finds the plain search's route."""
    import networkx as nx

    H = nx.MultiDiGraph(G)  # type: ignore[arg-type]
    attrs = dict(next(d for _, _, d in H.out_edges("rail:chelyabinsk", data=True) if d.get("mode") == "rail"))
    prev = "rail:chelyabinsk"
    for i in range(2500):
        n = f"rail:deadend{i}"
        H.add_node(n, name=n, aliases=[], kind="junction", country="RUS", x=61.0 - i * 0.001, y=55.2 + i * 0.001)
        for u, v in ((prev, n), (n, prev)):
            a = dict(attrs, id=f"de{i}", length_km=1.0, countries=("RUS",))
            H.add_edge(u, v, key=f"de{i}", **a)
        prev = n
    import corridors.astar as astar

    monkeypatch.setattr(astar, "EXACT", False)  # the landmarks' bounds: the exact ones never go down the branch
    cuts = []
    real = astar.dead_ends_cut
    monkeypatch.setattr(astar, "dead_ends_cut", lambda red, cand: cuts.append(1) or real(red, cand))
    fast = Router(H, draws=0).compare("Chelyabinsk", "Mumbai")
    assert cuts  # the branch was cut
    monkeypatch.setattr(astar, "EXACT", True)
    exact = Router(H, draws=0).compare("Chelyabinsk", "Mumbai")
    _plain(monkeypatch)
    plain = Router(H, draws=0).compare("Chelyabinsk", "Mumbai")
    assert [r.to_dict() for r in fast.routes] == [r.to_dict() for r in plain.routes]
    assert [r.to_dict() for r in exact.routes] == [r.to_dict() for r in plain.routes]


def test_avoid_node_names_resolved_once_give_the_plain_answer() -> None:
    from corridors import constraints
    from corridors.constraints import ConstraintError, resolve_nodes

    G = synthetic(NODES, LEGS, zones=ZONES)
    for n in ("rail:a", "rail:c", "port:q"):
        G.nodes[n]["name"] = "Town " + n[-1].upper()
    names = ["Town A", "town c", "Town Q"]
    first = resolve_nodes(G, names)
    again = resolve_nodes(G, names)  # from the kept resolution
    assert again == first
    assert not any(k.startswith("_avoid") or k == "_node_names" for k in G.graph)  # the graph's content untouched
    constraints._KEPT.pop(G)
    assert resolve_nodes(G, names) == first  # the plain path
    # a node added later named after the query ("Town A (annex)") makes it ambiguous, as it would
    # be without the kept resolution
    G.add_node("rail:annex", **{**dict(G.nodes[first[0]]), "name": "Town A (annex)"})
    with pytest.raises(ConstraintError, match="ambiguous"):
        resolve_nodes(G, names[:1])
    assert resolve_nodes(G, names[1:]) == first[1:]


def _layered(S: int, src: object, dst: object, w: object, vias: list[object]) -> object:
    """The layered graph of :func:`corridors.engine.solve` (no transfer cap), every edge kept."""
    import numpy as np
    from scipy.sparse import coo_matrix

    from corridors.astar import _advance

    src, dst, w = np.asarray(src), np.asarray(dst), np.asarray(w)
    V = len(vias) + 1
    rows, cols, data = [], [], []
    for a in range(V):
        adv = _advance(np.asarray(vias[a]), vias, a) if a < V - 1 else np.zeros(len(src), np.int64)  # type: ignore[arg-type]
        rows.append(src + a * S)
        cols.append(dst + (a + adv) * S)
        data.append(w)
    m = coo_matrix((np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))), shape=(S * V, S * V))
    m.sum_duplicates()  # parallel edges: scipy keeps the sum; this graph has none
    return m.tocsr()


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_exact_layered_potential_is_a_consistent_lower_bound(seed: int) -> None:
    """With the table's graph, the potential of a search through via groups is the exact distance
    over a relaxation of the layered graph: never above the true distance to the targets, and no
    reduced edge cost below zero; and at least the landmarks' own bound where both are below the cap."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    from corridors.astar import build_landmarks, potential

    rng = np.random.default_rng(seed)
    S, E = 300, 1500
    pairs = np.unique(rng.integers(0, S, size=(E, 2)), axis=0)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    src, dst = pairs[:, 0], pairs[:, 1]
    w = rng.uniform(1.0, 10.0, len(src))
    csr = csr_matrix((w, (src, dst)), shape=(S, S))
    lm = build_landmarks(csr)
    assert lm.reverse is not None
    vias = [rng.random(len(src)) < 0.02, rng.random(len(src)) < 0.02]
    vias[1] |= vias[0] & (rng.random(len(src)) < 0.3)  # some edges satisfy both groups at once
    sources, targets = [0], [S - 1, S - 2]
    kw = {"vias": vias, "edge_src": src, "edge_dst": dst, "weight": w}
    got = potential(lm, sources, targets, **kw)  # type: ignore[arg-type]
    assert got is not None
    pi, cap, _ = got
    L = _layered(S, src, dst, w, vias)
    V = len(vias) + 1
    true = np.asarray(dijkstra(L.T.tocsr(), directed=True, indices=[t + (V - 1) * S for t in targets], min_only=True))  # type: ignore[attr-defined]
    assert np.isfinite(true[sources[0]])
    ok = np.isfinite(true)
    assert np.all(pi[ok] <= true[ok] * (1 + 1e-9) + 1e-9)
    rows = np.repeat(np.arange(L.shape[0]), np.diff(L.indptr))  # type: ignore[attr-defined]
    assert (L.data - pi[rows] + pi[L.indices]).min() >= -1e-9  # type: ignore[attr-defined]
    # the landmarks alone (no graph): a weaker bound, never a stronger one
    lm.reverse = None
    weak = potential(lm, sources, targets, **kw)  # type: ignore[arg-type]
    if weak is not None:
        assert weak[1] <= cap * (1 + 1e-9)


def test_layered_potential_reads_weights_at_least_1e_9() -> None:
    """The potential through via groups prices a group's edges at their weight, at least 1e-9 (as the
    search graph does): weights of 0 there give what the weights raised to 1e-9 give."""
    import numpy as np
    from scipy.sparse import csr_matrix

    from corridors.astar import build_landmarks, potential

    rng = np.random.default_rng(7)
    S = 200
    pairs = np.unique(rng.integers(0, S, size=(1200, 2)), axis=0)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    src, dst = pairs[:, 0], pairs[:, 1]
    w = rng.uniform(1.0, 10.0, len(src))
    vias = [rng.random(len(src)) < 0.05, rng.random(len(src)) < 0.05]
    zero = w.copy()
    zero[vias[0] | vias[1]] = 0.0
    lm = build_landmarks(csr_matrix((np.maximum(zero, 1e-9), (src, dst)), shape=(S, S)))
    got = [potential(lm, [0], [S - 1], vias=vias, edge_src=src, edge_dst=dst, weight=x) for x in (zero, np.maximum(zero, 1e-9))]  # type: ignore[arg-type]
    assert got[0] is not None and got[1] is not None
    assert np.array_equal(got[0][0], got[1][0]) and got[0][1] == got[1][1]
    assert got[0][1] > 0


@pytest.mark.parametrize(
    "kw", [{"avoid_countries": ("IRN",)}, {"avoid_chokepoints": ("suez",)}, {"max_transshipments": 2}, {"modes": ("rail", "sea")}]
)
def test_family_guided_compare_equals_the_plain_one(G: object, kw: dict[str, object], monkeypatch: pytest.MonkeyPatch) -> None:
    """Each family's search steered by the exact distances over the family's own graph gives the
    routes the plain search gives, under other rules too."""
    from corridors.routing import Constraints

    c = Constraints(**kw)  # type: ignore[arg-type]
    fast = Router(G, draws=300).compare("Chelyabinsk", "Mumbai", constraints=c)  # type: ignore[arg-type]
    _plain(monkeypatch)
    plain = Router(G, draws=300).compare("Chelyabinsk", "Mumbai", constraints=c)  # type: ignore[arg-type]
    assert [r.to_dict() for r in fast.routes] == [r.to_dict() for r in plain.routes]
    assert fast.unavailable == plain.unavailable


@pytest.mark.parametrize(
    ("a", "b", "kw"),
    [("port:INMAA", "port:RUVVO", {"modes": ("sea",)}), ("Chelyabinsk", "Mumbai", {}), ("port:RULED", "port:INBOM", {"modes": ("sea",)})],
)
def test_kept_voyages_equal_the_merged_legs(G: object, a: str, b: str, kw: dict[str, object], monkeypatch: pytest.MonkeyPatch) -> None:
    """A voyage's fields kept per engine (by its edges and the chokepoint weights) give the move
    merge_voyage makes from the legs, on a first and a repeated query, by every objective."""
    import corridors.assemble as assemble
    from corridors.routing import Constraints

    c = Constraints(**kw)  # type: ignore[arg-type]
    r = Router(G, draws=0)  # type: ignore[arg-type]
    objectives = ("distance", "time", "exposure")
    fast = [r.route(a, b, objective=o, constraints=c).to_dict() for o in objectives]
    again = [r.route(a, b, objective=o, constraints=c).to_dict() for o in objectives]
    if a.startswith("port:"):
        assert r.compiled.step_templates.get("voyages")  # voyages were kept
    monkeypatch.setattr(assemble, "_voyage", lambda q, run, w, *_: assemble.merge_voyage([assemble._at(m, t) for _, m, t in run], w))
    plain = [Router(G, draws=0).route(a, b, objective=o, constraints=c).to_dict() for o in objectives]  # type: ignore[arg-type]
    assert fast == plain
    assert again == plain


@pytest.mark.parametrize("spread", [2, 8, 40, 400])
def test_cheapest_per_pair_is_the_stable_lexsort(spread: int) -> None:
    """The cheapest edge of each state pair (ties: the first) equals a stable lexsort's first edge per
    pair: few and many repeated pairs, long runs of one pair, ties, NaN weights."""
    import numpy as np

    from corridors.astar import cheapest_per_pair

    def reference(pair: np.ndarray, w: np.ndarray) -> np.ndarray:
        order = np.lexsort((w, pair))
        first = np.ones(len(order), bool)
        first[1:] = pair[order][1:] != pair[order][:-1]
        return order[first]

    rng = np.random.default_rng(spread)
    repeated = []
    for trial in range(400):
        n = int(rng.integers(0, 3000 if trial % 5 == 0 else 80))
        pair = rng.integers(0, max(1, n * spread // 4 + 1), n).astype(np.int64)
        if trial % 7 == 0:
            pair.sort()  # already in order, as a layered graph's entries come
        w = rng.integers(0, 3, n).astype(float)  # many ties
        if trial % 9 == 0 and n:
            w[rng.integers(0, n, 2)] = np.nan
        got = cheapest_per_pair(pair, w)
        assert np.array_equal(got, reference(pair, w))
        repeated.append(n - len(np.unique(pair)))
    assert min(repeated) == 0 and max(repeated) > (100 if spread < 400 else 5)  # none, and many runs
