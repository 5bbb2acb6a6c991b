"""What a route's assembly keeps with it gives the plain values: the labels build_route computes from
each step template's piece equal labels() (and caveats()/basis()) of the route, on random queries,
compares, NSR routes and routes with waits for a season; a copy that changes the steps or the departure
forgets them; new_route gives what Route(...) gives, ``__dict__`` for ``__dict__``."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace
from typing import Any

import pytest

from corridors.constraints import Constraints
from corridors.errors import ConstraintError, NoRouteError
from corridors.labels import basis, caveats, labels
from corridors.model import Route, Stop, labels_of, new_route, with_fields
from corridors.routing import Router
from corridors.search import solve_query


def _plain(route: Route, r: Router) -> tuple[tuple[str, ...], tuple[tuple[str, int], ...]]:
    return caveats(route, r.G, r.params), tuple(basis(route, r.G, r.params).items())


def test_kept_labels_equal_the_plain_ones(router: Router) -> None:
    """Random pairs (sea and mixed), objectives and constraint sets: every route solve_query assembles
    keeps the labels labels() gives it, and the router's answer carries them."""
    r = Router(router.G, router.params, router.families, draws=0)
    q = r.compiled
    eng = r.engine
    places = sorted(
        n for n, nd in r.G.nodes(data=True) if nd.get("kind") in ("port", "city") and eng.out_states.get(n) and eng.in_states.get(n)
    )
    rng = random.Random(17)  # noqa: S311 (a seeded draw, not a secret)
    cons = (
        Constraints(modes=("sea",)),
        Constraints(),
        Constraints(modes=("sea",), chokepoint_weights=(("suez", 3.0),)),
        Constraints(modes=("sea", "rail")),
    )
    kept = 0
    for i in range(60):
        a, b = rng.sample(places, 2)
        c = cons[i % len(cons)]
        objective = ("time", "distance", "cost", "exposure")[i % 4]
        try:
            route = solve_query(q, r.place(a), r.place(b), objective, c, None)
        except (NoRouteError, ConstraintError):
            continue
        if route is None:
            continue
        got = labels_of(route)
        assert got is not None
        assert got == labels(route, r.G, r.params) == _plain(route, r)
        kept += 1
        answer = r.route(a, b, objective=objective, constraints=c)
        assert (answer.caveats, answer.basis) == _plain(answer, r)
    assert kept >= 30


def test_kept_labels_on_compare_nsr_and_season_waits(router: Router) -> None:
    """The compare's routes (every family), the NSR's and those that wait for a season carry the
    labels caveats() and basis() give them."""
    r = Router(router.G, router.params, router.families, draws=0)
    routes = list(r.compare("Chelyabinsk", "Mumbai").routes)
    routes += r.compare("Chelyabinsk", "Mumbai", constraints=Constraints(depart=dt.date(2027, 1, 15))).routes
    routes.append(r.route("port:RUMMK", "port:RUVVO", objective="distance", constraints=Constraints(modes=("sea",))))
    for route in routes:
        assert (route.caveats, route.basis) == _plain(route, r)
    assert any(st.kind == "season_wait" for route in routes for st in route.stops)
    assert any("Northern Sea Route" in x for route in routes for x in route.caveats)


def test_a_copy_forgets_labels_that_no_longer_hold(router: Router) -> None:
    """with_fields and replace forget the kept labels; labels_of gives them only while the steps and
    the departure are the very ones they were computed for."""
    r = Router(router.G, router.params, router.families, draws=0)
    q = r.compiled
    route = solve_query(q, r.place("port:IRBND"), r.place("port:INNSA"), "distance", Constraints(modes=("sea",)), None)
    assert route is not None and labels_of(route) is not None
    assert labels_of(with_fields(route, caveats=("x",))) is None
    assert labels_of(replace(route, label="y")) is None
    wait = Stop(route.origin, "X", None, "season_wait", "sea", "sea", 240.0, 0.0, 0.0)
    object.__setattr__(route, "steps", (wait, *route.steps))  # a route whose steps were swapped in place
    assert labels_of(route) is None


def _fields(**over: Any) -> dict[str, Any]:
    kw: dict[str, Any] = {
        "origin": "a",
        "destination": "b",
        "origin_name": "A",
        "destination_name": "B",
        "objective": "time",
        "steps": (),
        "family": None,
        "label": "time",
        "departure": None,
        "node_kinds": {"a": "port"},
        "node_countries": {"a": "RUS"},
    }
    kw.update(over)
    return kw


def test_new_route_is_the_constructor() -> None:
    """new_route(**kw) has the __dict__ of Route(**kw), keys in the same order, and equals it; it refuses
    a missing or unknown field."""
    for over in ({}, {"family": "instc", "departure": "2027-01-15"}, {"caveats": ("c",), "draws": 5}):
        got, want = new_route(**_fields(**over)), Route(**_fields(**over))
        assert got == want
        assert list(got.__dict__.items()) == list(want.__dict__.items())
    with pytest.raises(TypeError):
        new_route(**_fields(colour="red"))
    kw = _fields()
    del kw["node_kinds"]
    with pytest.raises(TypeError):
        new_route(**kw)
    kw = _fields()
    del kw["origin"]
    with pytest.raises(TypeError):
        new_route(**kw)
