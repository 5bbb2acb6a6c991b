"""The warm query's short cuts give the plain answers: what a router keeps per compiled engine (the
places, the valid constraint sets, a query's inputs, the labels' parameter keys, each edge's step in a
route) gives, on many random sea pairs and constraint sets, every field of the route the plain path
gives; the route assembly equals a plain assembly from the step templates; the labels in one pass
equal caveats() and basis(); the quick revisit and turn-back checks say what the full ones say."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace
from typing import Any

import pytest

from corridors.constraints import Constraints
from corridors.engine import LEG, Solution
from corridors.errors import ConstraintError, NoRouteError, UnknownPlaceError
from corridors.model import Move, Route, Stop, with_fields
from corridors.routing import Router

CONSTRAINTS = (
    Constraints(modes=("sea",)),
    Constraints(modes=("sea",), avoid_chokepoints=("suez",)),
    Constraints(modes=("sea",), chokepoint_weights=(("hormuz", 5.0),)),
    Constraints(modes=("sea",), depart=dt.date(2026, 1, 15)),
    Constraints(modes=("sea",), avoid_countries=("IRN",), max_transshipments=3),
    Constraints(),
)
OBJECTIVES = ("distance", "time", "exposure", "cost")
PAIRS = [("port:RUMMK", "port:RUVVO"), ("port:IRBND", "port:INNSA"), ("port:INMAA", "port:RUVVO")]


def _plain_build(q: Any, o: Any, d: Any, sol: Solution, objective: Any, fam: Any, c: Constraints) -> Route:
    """The route of ``sol`` assembled the plain way: each edge's template, consecutive sea legs from
    sea-lane junctions merged by merge_voyage, the end stops made afresh."""
    from corridors.assemble import _at, _step_template, destination_stop, merge_voyage, origin_stop
    from corridors.query import exposure_weights

    steps: list[Any] = []
    t = 0.0
    first = origin_stop(q, o.id, sol)
    if first is not None:
        steps.append(first)
        t = first.dwell_h
    for e in sol.edges:
        step = _step_template(q, e)
        if step is None:
            continue
        if isinstance(step, Move):
            prev = steps[-1] if steps else None
            if isinstance(prev, list) and step.mode == "sea" and str(step.from_id).startswith("sea:"):
                prev.append(_at(step, t))
            elif step.mode == "sea":
                steps.append([_at(step, t)])
            else:
                steps.append(_at(step, t))
            t += step.moving_h + step.wait_h
        else:
            steps.append(_at(step, t))
            t += step.dwell_h
    last = destination_stop(q, d.id, sol, t)
    if last is not None:
        steps.append(last)
    weights = exposure_weights(q, c)
    steps = [merge_voyage(s, weights) if isinstance(s, list) else s for s in steps]
    obj = objective if isinstance(objective, str) else ",".join(f"{k}={v:g}" for k, v in objective.items())
    nodes = {s.from_id for s in steps if isinstance(s, Move)} | {s.to_id for s in steps if isinstance(s, Move)}
    return Route(
        origin=o.id,
        destination=d.id,
        origin_name=o.name,
        destination_name=d.name,
        objective=obj,
        steps=tuple(steps),
        family=fam.id if fam else None,
        label=fam.name if fam else obj,
        departure=c.depart.isoformat() if c.depart else None,
        node_kinds={n: str(q.G.nodes[n].get("kind")) for n in nodes},
        node_countries={n: q.G.nodes[n].get("country") for n in nodes},
    )


def _same(a: Route, b: Route) -> None:
    """Every field, the ones left out of == too, and every figure of every step."""
    assert a == b
    assert a.node_kinds == b.node_kinds
    assert a.node_countries == b.node_countries
    assert a.to_dict() == b.to_dict()
    assert [s.__dict__ for s in a.steps] == [s.__dict__ for s in b.steps]


def _answer(r: Router, a: str, b: str, objective: str, c: Constraints) -> Route | str:
    try:
        return r.route(a, b, objective=objective, constraints=c)
    except (NoRouteError, ConstraintError) as exc:
        return f"{type(exc).__name__}: {exc}"


def _forget(r: Router) -> None:
    """Drop everything the router keeps per compiled engine for its queries (not the engine's own
    search graphs): the next query takes the plain path."""
    r.compiled.memo.clear()
    r.compiled.step_templates.clear()


@pytest.fixture(scope="module")
def sea_ports(router: Router) -> list[str]:
    eng = router.engine
    return sorted(n for n, nd in router.G.nodes(data=True) if nd.get("kind") == "port" and eng.out_states.get(n) and eng.in_states.get(n))


def test_warm_sea_queries_equal_the_plain_path(router: Router, sea_ports: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Random sea pairs under several constraint sets and objectives: the answer of a warm query
    (asked twice: the second from everything kept) equals, field by field, the answer with nothing
    kept, and each route assembled equals the plain assembly of its solution."""
    import corridors.search as search

    r = Router(router.G, router.params, router.families, draws=0)
    built: list[tuple[Route, Route]] = []
    fast_build = search.build_route

    def both(q: Any, o: Any, d: Any, sol: Solution, objective: Any, fam: Any, c: Constraints, **kw: Any) -> Route:
        got = fast_build(q, o, d, sol, objective, fam, c, **kw)
        built.append((got, _plain_build(q, o, d, sol, objective, fam, c)))
        return got

    monkeypatch.setattr(search, "build_route", both)
    rng = random.Random(11)  # noqa: S311 (a seeded draw, not a secret)
    pairs = PAIRS + [tuple(rng.sample(sea_ports, 2)) for _ in range(22)]
    n_routes = 0
    for i, (a, b) in enumerate(pairs):
        for j, c in enumerate(CONSTRAINTS if i < len(PAIRS) else rng.sample(CONSTRAINTS, 2)):
            objective = OBJECTIVES[(i + j) % len(OBJECTIVES)]
            first = _answer(r, a, b, objective, c)
            warm = _answer(r, a, b, objective, c)
            _forget(r)
            plain = _answer(r, a, b, objective, c)
            if isinstance(plain, str):
                assert first == warm == plain
                continue
            assert isinstance(first, Route) and isinstance(warm, Route)
            _same(warm, plain)
            _same(first, plain)
            n_routes += 1
    assert n_routes >= 40
    assert len(built) >= n_routes
    for fast, plain_route in built:
        _same(fast, plain_route)
    assert any(len(m.leg_ids) > 10 for fast, _ in built for m in fast.moves)  # long voyages were merged


def test_labels_in_one_pass_equal_caveats_and_basis(router: Router) -> None:
    """labels() (with its keys kept or not) says what caveats() and basis() say, on routes with
    irregular services, assumed sailings, the NSR, calibrated dwells and waits for a season."""
    from corridors.labels import basis, caveats, labels

    r = Router(router.G, router.params, router.families, draws=0)
    routes = [r.route(a, b, objective="time", constraints=Constraints(modes=("sea",))) for a, b in PAIRS]
    routes += r.compare("Chelyabinsk", "Mumbai").routes
    routes += r.compare("Chelyabinsk", "Mumbai", constraints=Constraints(depart=dt.date(2027, 1, 15))).routes  # the NSR waits
    keys: dict[Any, Any] = {}
    seen: set[str] = set()
    for route in routes * 2:  # the second time from the keys kept
        want = (caveats(route, r.G, r.params), tuple(basis(route, r.G, r.params).items()))
        assert labels(route, r.G, r.params, keys) == want
        assert labels(route, r.G, r.params) == want
        assert route.caveats == want[0] and route.basis == want[1]
        seen.update(want[0])
    assert any("irregular" in s for s in seen)
    assert any("no known scheduled" in s for s in seen)
    assert any("calibrated" in s for s in seen)
    assert any(st.kind == "season_wait" for route in routes for st in route.stops)


def test_with_fields_is_replace() -> None:
    """with_fields gives what dataclasses.replace gives, field for field, and refuses an unknown field."""
    m = Move(("a",), "x", "y", "X", "Y", "sea", "operational", None, 1.0, 2.0, 3.0, 4.0, 5.0, 0.0, (), (), None, "s", ((0.0, 0.0),))
    s = Stop("x", "X", "RUS", "transfer", "rail:1520", "sea", 5.0, 1.0, 2.0)
    route = Route("x", "y", "X", "Y", "time", (s, m), node_kinds={"x": "port"})
    for obj, kw in ((m, {"start_h": 7.5, "to_name": "Z"}), (s, {"start_h": 1.0}), (route, {"caveats": ("c",), "basis": (("sourced", 1),)})):
        got = with_fields(obj, **kw)  # type: ignore[type-var]
        want = replace(obj, **kw)  # type: ignore[type-var]
        assert type(got) is type(want)
        assert got.__dict__ == want.__dict__
        assert got == want
    with pytest.raises(TypeError, match="no field"):
        with_fields(route, colour="red")


def _plain_revisits(q: Any, sol: Solution, origin: int, V: int) -> list[tuple[int, int, int]]:
    eng = q.eng
    seen: dict[int, int] = {origin: 0}
    out = []
    for i, e in enumerate(sol.edges):
        if eng.etype[e] != LEG:
            continue
        after = sol.layers[i + 1] if i + 1 < len(sol.layers) else V - 1
        n = int(eng.state_node[eng.dst[e]])
        if n in seen:
            out.append((n, seen[n], after))
        else:
            seen[n] = after
    return out


def test_quick_revisit_check_says_what_the_full_one_says(router: Router) -> None:
    """Solutions made of random leg edges (some arriving at a node twice, some back at the origin):
    revisits() gives the full walk's answer."""
    import numpy as np

    from corridors.search import revisits

    q = router.compiled
    eng = q.eng
    legs = np.flatnonzero(eng.etype == LEG)
    by_node: dict[int, list[int]] = {}
    for e in legs[:20000]:
        by_node.setdefault(int(eng.state_node[eng.dst[e]]), []).append(int(e))
    twice = [es for es in by_node.values() if len(es) >= 2]
    rng = random.Random(3)  # noqa: S311 (a seeded draw, not a secret)
    found = 0
    for k in range(300):
        edges = [int(x) for x in rng.sample(list(legs), rng.randint(1, 12))]
        if k % 3 == 0:
            edges += rng.choice(twice)[:2]  # one node arrived at twice
        rng.shuffle(edges)
        origin = int(eng.state_node[eng.dst[edges[-1]]]) if k % 5 == 0 else int(eng.state_node[eng.src[edges[0]]])
        V = rng.randint(1, 3)
        layers = sorted(rng.randrange(V) for _ in edges)
        sol = Solution(edges, 0.0, layers)
        want = _plain_revisits(q, sol, origin, V)
        assert revisits(q, sol, origin, V) == want
        found += bool(want)
    assert found > 50


def _move(a: str, b: str, leg: str) -> Move:
    return Move((leg,), a, b, a.upper(), b.upper(), "sea", "operational", None, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, (), (), None, "s", ())


def test_quick_turn_back_check_says_what_the_full_one_says() -> None:
    """A route that passes a node twice or uses a leg twice is still reported, with the same words;
    one that does neither is not."""
    from corridors.search import turns_back

    def route(*moves: Move) -> Route:
        return Route("a", "z", "A", "Z", "time", moves)

    assert turns_back(route(_move("a", "b", "L1"), _move("b", "c", "L2"))) == ""
    assert turns_back(route(_move("a", "b", "L1"), _move("b", "a", "L2"))) == "passes A twice"
    assert turns_back(route(_move("a", "b", "L1"), _move("b", "c", "L2"), _move("c", "b", "L3"))) == "passes B twice"
    assert turns_back(route(_move("a", "b", "L1"), _move("b", "c", "L1"))) == "uses leg L1 twice, out and back, on B → C"
    assert turns_back(route()) == ""
    assert turns_back(None) == ""


def test_kept_places_and_constraint_sets_still_refuse_bad_input(router: Router) -> None:
    """A bad place or constraint is refused each time it is asked (nothing wrong is kept), and a good
    one asked again gives the same route."""
    r = Router(router.G, router.params, router.families, draws=0)
    c = Constraints(modes=("sea",))
    a = r.route("port:IRBND", "port:INNSA", objective="distance", constraints=c)
    for _ in range(2):
        with pytest.raises(UnknownPlaceError):
            r.route("Nowhere-on-earth", "port:INNSA", objective="distance", constraints=c)
        with pytest.raises(ConstraintError, match="unknown chokepoint"):
            r.route("port:IRBND", "port:INNSA", objective="distance", constraints=Constraints(avoid_chokepoints=("hormus",)))
        with pytest.raises(ConstraintError, match="unknown mode"):
            r.route("port:IRBND", "port:INNSA", constraints=Constraints(modes=("boat",)))
    assert "places" in r.compiled.memo and "valid constraints" in r.compiled.memo
    _same(r.route("port:IRBND", "port:INNSA", objective="distance", constraints=c), a)
    _same(
        r.route("Bandar Abbas", "Nhava Sheva", objective="distance", constraints=c),
        r.route("Bandar Abbas", "Nhava Sheva", objective="distance", constraints=c),
    )


def test_a_router_used_for_queries_still_pickles(router: Router) -> None:
    """What a router keeps for its queries (sea queries, a family's, straits avoided) travels with it
    by pickle, and the router that arrives gives the same answers."""
    import pickle

    r = Router(router.G, router.params, router.families, draws=0)
    c = Constraints(modes=("sea",), avoid_chokepoints=("suez",))
    asked = [r.route(a, b, objective="distance", constraints=c) for a, b in PAIRS]
    asked.append(r.route("Chelyabinsk", "Mumbai", family=next(iter(r.families))))
    back = pickle.loads(pickle.dumps(r))  # noqa: S301 - our own pickle
    again = [back.route(a, b, objective="distance", constraints=c) for a, b in PAIRS]
    again.append(back.route("Chelyabinsk", "Mumbai", family=next(iter(r.families))))
    for x, y in zip(asked, again, strict=True):
        _same(x, y)


def test_a_constraint_sets_kept_hash_is_the_plain_one_and_stays_home() -> None:
    """A constraint set hashes as the tuple of its fields (what dataclass gives), equal sets alike; the
    kept hash is not pickled (a string's hash differs between processes) nor copied by replace."""
    import dataclasses
    import pickle

    c = Constraints(modes=("sea",), avoid_chokepoints=("suez",), depart=dt.date(2026, 3, 1), chokepoint_weights=(("hormuz", 2.0),))
    plain = hash(tuple(getattr(c, f.name) for f in dataclasses.fields(c)))
    assert hash(c) == plain and hash(c) == plain
    assert (
        hash(Constraints(modes=("sea",), avoid_chokepoints=("suez",), depart=dt.date(2026, 3, 1), chokepoint_weights=(("hormuz", 2.0),)))
        == plain
    )
    assert "_hash" not in pickle.loads(pickle.dumps(c)).__dict__  # noqa: S301 - our own pickle
    assert pickle.loads(pickle.dumps(c)) == c  # noqa: S301 - our own pickle
    other = replace(c, via=("port:INNSA",))
    assert other != c and hash(other) == hash(tuple(getattr(other, f.name) for f in dataclasses.fields(other)))
    assert {c: 1}[Constraints(**{f.name: getattr(c, f.name) for f in dataclasses.fields(c)})] == 1
    with pytest.raises(TypeError):
        hash(Constraints(avoid_countries=["IRN"]))  # type: ignore[arg-type]
