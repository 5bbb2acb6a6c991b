"""Times with uncertainty: distributions, the Monte Carlo with common random numbers, seasons on the
route's own clock, scheduled services, and a calibration that really uses its inputs."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from corridors.dist import Part, part_mean, ppf, uniforms
from corridors.routing import Constraints
from corridors.timing import closed_on_timeline, draw_totals, season_wait, simulate


@pytest.mark.parametrize("abc", [(10.0, 30.0, 90.0), (0.0, 12.0, 192.0), (5.0, 5.0, 5.0)])
def test_quantile_shape_mean_and_quantiles(abc: tuple[float, float, float]) -> None:
    part = Part("q", *abc, key="x")
    u = uniforms("x", 200_000, 1)
    x = ppf(part, u)
    assert x.mean() == pytest.approx(part_mean("q", *abc), rel=0.01, abs=0.05)
    assert np.quantile(x, [0.1, 0.5, 0.9]) == pytest.approx(abc, rel=0.02, abs=1.5)
    assert (np.diff(ppf(part, np.linspace(0, 1, 101))) >= 0).all()


def test_uniform_wait_mean_is_half_the_headway() -> None:
    wait = Part("u", 0.0, 84.0, 168.0, key="w")
    assert wait.mean == pytest.approx(84.0)
    assert ppf(wait, uniforms("w", 100_000, 3)).mean() == pytest.approx(84.0, rel=0.01)


def test_compare_quantiles_are_ordered_and_totals_add_up(router: Any) -> None:
    res = router.compare("Chelyabinsk", "Mumbai")
    assert len(res.routes) >= 6
    for r in res.routes:
        lo, mid, hi = r.time_q_h
        assert lo <= mid <= hi
        assert r.draws == router.draws
        # the expected time is the sum of the steps, each step's time its fixed part plus its parts' means
        assert r.time_h == pytest.approx(sum(m.moving_h + m.wait_h for m in r.moves) + sum(s.dwell_h for s in r.stops))
        assert r.cost_usd == pytest.approx(sum(m.cost_usd for m in r.moves) + sum(s.cost_usd for s in r.stops))
        for s in r.stops:
            assert s.dwell_h == pytest.approx(sum(p.mean for p in s.parts))


def test_results_repeat_with_the_same_seed(router: Any) -> None:
    a = router.route("Chelyabinsk", "Mumbai")
    b = router.route("Chelyabinsk", "Mumbai")
    assert a.time_q_h == b.time_q_h


def test_common_random_numbers_make_a_comparison_stable(router: Any) -> None:
    """Two routes through the same border and port: with common random numbers the draw-by-draw
    difference between them varies far less than with independent draws, so which is faster in a
    draw is decided by the routes, not by the noise."""
    east = router.best("Chelyabinsk", "Mundra", family="instc_east_sarakhs")
    other = router.best("Samara", "Mundra", family="instc_east_sarakhs")

    def salted(r: Any, salt: str) -> Any:  # the same route, its parts renamed so nothing is shared
        steps = tuple(replace(s, parts=tuple(p._replace(key=p.key + salt) for p in s.parts)) for s in r.steps)
        return replace(r, steps=steps)

    crn = draw_totals([east, other], draws=5000, seed=1)
    indep = draw_totals([salted(east, "#a"), salted(other, "#b")], draws=5000, seed=1)
    assert np.std(crn[0] - crn[1]) < 0.5 * np.std(indep[0] - indep[1])
    # and each route on its own is drawn alike either way
    assert np.quantile(crn[0], 0.5) == pytest.approx(np.quantile(indep[0], 0.5), rel=0.05)


def test_p90_objective_picks_the_lowest_p90(router: Any) -> None:
    best = router.route("Chelyabinsk", "Mumbai", objective="p90")
    res = router.compare("Chelyabinsk", "Mumbai")
    assert best.time_q_h[2] <= min(r.time_q_h[2] for r in res.routes) + 24.0  # within a day (fewer draws there)


def test_services_use_their_published_transit(G: Any) -> None:
    from corridors.services import read_services

    services, _ = read_services()
    checked = 0
    for s in services:
        for (a, b), days in s.transit_days.items():
            key = f"svc:{s.id}:{a.split(':', 1)[-1]}>{b.split(':', 1)[-1]}"
            d = G.get_edge_data(a, b, key=key)
            if d is None:
                continue
            assert d["length_km"] / d["speed_kmh"] == pytest.approx(days * 24)
            assert d["frequency_per_week"] == pytest.approx(7 / s.headway_days)
            checked += 1
    assert checked >= 5


def test_sea_speed_is_the_pace_of_the_published_transits(G: Any) -> None:
    """data/parameters.toml derives the liner pace from the published transits: recompute it."""
    from corridors.params import load_parameters
    from corridors.services import read_services

    services, _ = read_services()
    km = hours = 0.0
    for s in services:
        if s.status != "active":
            continue
        for (a, b), days in s.transit_days.items():
            d = G.get_edge_data(a, b, key=f"svc:{s.id}:{a.split(':', 1)[-1]}>{b.split(':', 1)[-1]}")
            if d is not None and d["length_km"] > 1000:
                km += d["length_km"]
                hours += days * 24
    assert km / hours == pytest.approx(load_parameters().speed_kmh["sea"], rel=0.15)


def test_a_closed_leg_is_never_used_on_the_routes_own_clock(router: Any) -> None:
    """Issue 13's example: leaving Murmansk by sea on 19 Nov, a voyage round the NSR would pass the
    Bering Strait in December. Every seasonal leg of the answer is open on every day it is used."""
    day = dt.date(2026, 11, 19)
    r = router.route("Murmansk", "Vladivostok", constraints=Constraints(modes=("sea",), depart=day))
    assert closed_on_timeline(r, day) == []


def test_season_wait_waits_for_the_opening() -> None:
    # a leg open July-November, reached on 1 May: wait until 1 July
    start = np.asarray([(dt.date(2027, 5, 1) - dt.date(2027, 1, 1)).days * 24.0])
    w = season_wait(dt.date(2027, 1, 1), start, [(0.0, 240.0, (7, 8, 9, 10, 11))])
    assert start[0] + w[0] == pytest.approx((dt.date(2027, 7, 1) - dt.date(2027, 1, 1)).days * 24.0)
    # reached on 25 November with a 10-day passage: it would end in December, so wait for next July
    start = np.asarray([(dt.date(2027, 11, 25) - dt.date(2027, 1, 1)).days * 24.0])
    w = season_wait(dt.date(2027, 1, 1), start, [(0.0, 240.0, (7, 8, 9, 10, 11))])
    assert start[0] + w[0] == pytest.approx((dt.date(2028, 7, 1) - dt.date(2027, 1, 1)).days * 24.0)


def test_the_fit_uses_its_inputs(G: Any) -> None:
    """Moving a calibration case to validation changes the fitted values."""
    from corridors.calibrate import fit
    from corridors.validation import load_cases

    cases = load_cases()
    full = fit(G, cases, loo=False)
    gone = "st-petersburg-nhava-sheva-2022-caspian"
    moved = [c.with_role("validation") if c.id == gone else c for c in cases]
    less = fit(G, moved, loo=False)
    assert gone in full.cases and gone not in less.cases
    # the Caspian port dwell was fitted on that case alone: without it, it stays near its prior
    key = "dwell_h.caspian_port"
    assert abs(full.values[key] - less.values[key]) > 10.0
    assert abs(less.values[key] - less.prior[key]) < abs(full.values[key] - full.prior[key])


def test_bundled_calibration_is_what_the_command_fits(G: Any) -> None:
    """data/calibration.toml holds what `corridors calibrate` fits today (rerunnable, not hand-set)."""
    import tomllib

    from corridors.calibrate import fit
    from corridors.params import bundled_calibration_path

    with bundled_calibration_path().open("rb") as fh:
        bundled = tomllib.load(fh)["fitted"]
    now = fit(G, loo=False)
    for key, entry in bundled.items():
        assert now.values[key] == pytest.approx(entry["value"], rel=0.02, abs=0.5), key


def test_waiting_for_the_season_is_on_the_routes_clock(router: Any) -> None:
    """Leaving in January, the NSR route waits at its port until the passage is open all the way; the
    wait is a stop on the route, the later legs move on, and none is used on a closed day."""
    from corridors.timing import SEASON_WAIT, with_season_waits

    day = dt.date(2027, 1, 15)
    nsr = router.best("Moscow", "Chennai", family="nsr")  # found without a date
    waited = with_season_waits(nsr, day)
    assert waited is not None
    waits = [s for s in waited.stops if s.kind == SEASON_WAIT]
    assert len(waits) == 1 and waits[0].dwell_h > 24 * 60  # months, not days
    assert closed_on_timeline(waited, day) == []
    assert waited.time_h == pytest.approx(nsr.time_h + waits[0].dwell_h)
    (sim,) = simulate([waited], draws=500, depart=day)
    assert sim.time_q_h[1] > waits[0].dwell_h


SEASON_CASES = [
    # (origin, destination, constraints without the date, family)
    ("Murmansk", "Vladivostok", {"modes": ("sea",)}, None),
    ("St Petersburg", "Vladivostok", {"modes": ("sea",), "avoid_chokepoints": ("suez", "cape_of_good_hope")}, None),
    ("Moscow", "Chennai", {}, "nsr"),
    ("Moscow", "Mumbai", {}, "trans_caspian"),
    ("Astrakhan", "Anzali", {"modes": ("ferry",)}, None),
]


def _edge_days(n: int, seed: int) -> list[dt.date]:
    """Departures drawn around every season edge of the bundled zones (the NSR opens 1 July and
    closes 30 November; the northern Caspian opens 1 April and closes 30 November)."""
    import random

    rng = random.Random(seed)  # noqa: S311 - a seeded draw, not a secret
    edges = [dt.date(2026, 7, 1), dt.date(2026, 11, 30), dt.date(2027, 4, 1), dt.date(2026, 11, 1), dt.date(2027, 6, 15)]
    return [rng.choice(edges) + dt.timedelta(days=rng.randint(-40, 40)) for _ in range(n)]


def test_property_seasons_on_the_routes_own_clock(router: Any) -> None:
    """Issue 13 item 1, as a seeded property: departures drawn around the season edges. Every answer
    uses each seasonal leg only on days it is open (checked leg by leg on the route's own timeline,
    waits included), and there is never a false "no route": whenever a route exists without the date,
    one exists with it (waiting in port for the season is an option)."""
    import os

    from corridors.errors import NoRouteError

    n = int(os.environ.get("CORRIDORS_SEASON_CASES", "30"))
    days = _edge_days(n, 20261119)
    checked = waited = 0
    for i, day in enumerate(days):
        o, d, kw, fam = SEASON_CASES[i % len(SEASON_CASES)]
        undated = router.best(o, d, constraints=Constraints(**kw), family=fam)
        try:
            r = router.route(o, d, constraints=Constraints(**kw, depart=day), family=fam)
        except NoRouteError as exc:
            why = str(exc)
            r = None
        if r is None:
            assert undated is None, f"{o}->{d} ({fam}) on {day}: no route, though one exists without the date: {why}"
            continue
        assert closed_on_timeline(r, day) == [], f"{o}->{d} ({fam}) on {day} uses a closed leg"
        checked += 1
        waited += any(s.kind == "season_wait" for s in r.stops)
    assert checked >= n // 2
    assert waited >= 1  # some departures do meet a closed season and wait


def test_transit_in_one_pass_equals_the_transit_segment(router: Any) -> None:
    """draw_totals computes the transit time in the same pass as door to door; it must equal drawing
    timing.segment(route, "segment") on its own (the span the validation cases use)."""
    from corridors.timing import segment

    routes = router.compare("Chelyabinsk", "Mumbai").routes
    _, transit = draw_totals(routes, draws=500, seed=3, transit=True)
    alone = draw_totals([segment(r, "segment") for r in routes], draws=500, seed=3)
    assert np.allclose(transit, alone)
    assert (transit < draw_totals(routes, draws=500, seed=3)).all()
