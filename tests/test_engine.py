"""The routing engine on a small synthetic network, with every figure recomputed by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from synth import synthetic

from corridors.dist import part_mean
from corridors.errors import ConstraintError, NoRouteError
from corridors.params import load_parameters
from corridors.routing import Constraints, Router, pareto_front

P = load_parameters()

NODES = {
    "rail:a": {"kind": "rail_terminal", "country": "RUS", "x": 60.0, "y": 55.0},
    "border:b": {"kind": "border_crossing", "country": "KAZ", "x": 61.0, "y": 51.0, "dwell_border_h": 10.0},
    "rail:c": {"kind": "rail_terminal", "country": "KAZ", "x": 58.0, "y": 44.0},
    "border:g": {"kind": "border_crossing", "country": "IRN", "x": 60.0, "y": 37.0, "dwell_border_h": 5.0, "dwell_gauge_h": 7.0},
    "port:p": {"kind": "port", "country": "IRN", "x": 56.3, "y": 27.2, "dwell_transfer_h": 20.0},
    "port:q": {"kind": "port", "country": "IND", "x": 69.7, "y": 22.8},
    "port:r": {"kind": "port", "country": "RUS", "x": 30.0, "y": 60.0},
    "sea:1": {"kind": "junction", "country": None, "x": 32.5, "y": 30.0},
}
LEGS = [
    {"id": "ab", "from": "rail:a", "to": "border:b", "mode": "rail", "gauge_mm": 1520, "km": 400, "countries": ["RUS", "KAZ"]},
    {"id": "bc", "from": "border:b", "to": "rail:c", "mode": "rail", "gauge_mm": 1520, "km": 900, "countries": ["KAZ"]},
    {"id": "cg", "from": "rail:c", "to": "border:g", "mode": "rail", "gauge_mm": 1520, "km": 900, "countries": ["KAZ", "TKM"]},
    {"id": "gp", "from": "border:g", "to": "port:p", "mode": "rail", "gauge_mm": 1435, "km": 1600, "countries": ["IRN"]},
    {"id": "pq", "from": "port:p", "to": "port:q", "mode": "sea", "km": 1500, "chokepoints": ["hormuz"]},
    {"id": "ar", "from": "rail:a", "to": "port:r", "mode": "rail", "gauge_mm": 1520, "km": 2000, "countries": ["RUS"]},
    {"id": "r1", "from": "port:r", "to": "sea:1", "mode": "sea", "km": 6500, "chokepoints": ["suez"], "countries": ["EGY"]},
    {"id": "1q", "from": "sea:1", "to": "port:q", "mode": "sea", "km": 4500, "chokepoints": ["bab_el_mandeb"]},
    {"id": "cp", "from": "rail:c", "to": "port:p", "mode": "road", "km": 1900, "status": "planned", "countries": ["KAZ", "TKM", "IRN"]},
]


@pytest.fixture
def r() -> Router:
    return Router(synthetic(NODES, LEGS, zones=("hormuz", "suez", "bab_el_mandeb")), P, families={})


def rail(km: float, countries: tuple[str, ...]) -> float:
    return km / P.rail_speed(countries)


def q_mean(triple: tuple[float, float, float], p50: float | None = None) -> float:
    """Mean of a dwell category's distribution, its P50 moved to ``p50`` (a node's own figure) keeping
    the category's spread, as data/parameters.toml documents it."""
    lo, mid, hi = triple
    if p50 is not None:
        lo, mid, hi = p50 * lo / mid, p50, p50 * hi / mid
    return part_mean("q", lo, mid, hi)


def test_time_recomputed_by_hand(r: Router) -> None:
    route = r.route("rail:a", "port:q")
    assert [m.leg_ids[0] for m in route.moves] == ["ab", "bc", "cg", "gp", "pq"]
    moving = rail(400, ("RUS", "KAZ")) + rail(900, ("KAZ",)) + rail(900, ("KAZ", "TKM")) + rail(1600, ("IRN",)) + 1500 / P.speed_kmh["sea"]
    border = P.dwell("border_crossing")
    assert border is not None
    dwell = (
        q_mean(P.dwell("rail_terminal_transfer", "RUS"))  # type: ignore[arg-type]  # origin handling at a terminal
        + q_mean(border, 10.0)  # border b, its own P50
        + q_mean(border, 5.0)
        + q_mean(P.dwell("gauge_change", "IRN", "border:g"), 7.0)  # type: ignore[arg-type]  # border and gauge at g
        + q_mean(P.dwell("port_export", "IRN"), 20.0)  # type: ignore[arg-type]  # rail -> ship at port p (its own P50)
        + q_mean(P.dwell("port_import", "IND"))  # type: ignore[arg-type]  # release at port q
    )
    # no known service p -> q: the generic wait for a weekly sailing and a hub transshipment; a voyage delay
    sea = P.sea_service
    wait = sea["generic_headway_h"][1] / 2 + q_mean(sea["generic_transshipment_h"]) + q_mean(sea["delay_h"])
    assert route.moving_h == pytest.approx(moving)
    assert route.wait_h == pytest.approx(wait)
    assert route.dwell_h == pytest.approx(dwell + wait)
    assert route.time_h == pytest.approx(moving + dwell + wait)
    h = P.handling_usd_per_teu
    rent = P.cost_usd_per_teu_day["wagon_rent_rail"] / 24  # per TEU-hour on rail, moving or waiting
    rail_legs = [(400, ("RUS", "KAZ")), (900, ("KAZ",)), (900, ("KAZ", "TKM")), (1600, ("IRN",))]
    cost = sum(km * P.rail_cost(cs) + rent * rail(km, cs) for km, cs in rail_legs) + 1500 * P.cost_usd_per_teu_km["sea"]
    cost += P.surcharge_usd_per_teu_by_chokepoint.get("hormuz", 0.0)
    fixed = P.cost_usd_per_teu_fixed["documentation"] + P.cost_usd_per_teu_fixed["empty_repositioning"]
    gauge = q_mean(P.dwell("gauge_change", "IRN", "border:g"), 7.0)  # type: ignore[arg-type]
    cost += h["rail_terminal_transfer"] + fixed  # origin
    cost += h["border_crossing"] + rent * q_mean(border, 10.0)  # border b, wagons waiting
    cost += h["border_crossing"] + rent * q_mean(border, 5.0) + h["gauge_change"] + rent * gauge  # border and gauge at g
    cost += P.port_handling("IRN") + P.port_handling("IND")  # a lift at port p and at port q
    assert route.cost_usd == pytest.approx(cost)
    assert route.gauge_changes == 1
    assert route.border_crossings == 2
    assert route.transshipments == 2  # the port transfer and the gauge change (the container changes wagons)
    assert route.chokepoints == ("hormuz",)
    assert route.exposure == pytest.approx(1.0)


def test_totals_equal_sum_of_steps(r: Router) -> None:
    route = r.route("rail:a", "port:q", objective="cost")
    assert route.time_h == pytest.approx(sum(m.moving_h + m.wait_h for m in route.moves) + sum(s.dwell_h for s in route.stops))
    assert route.length_km == pytest.approx(sum(m.length_km for m in route.moves))


def test_avoid_country_reroutes_and_holds_on_every_leg(r: Router) -> None:
    route = r.route("rail:a", "port:q", constraints=Constraints(avoid_countries=("IRN",)))
    assert "suez" in route.chokepoints
    for m in route.moves:
        assert "IRN" not in m.countries
        for n in (m.from_id, m.to_id):
            assert r.G.nodes[n].get("country") != "IRN"


def test_avoid_chokepoint(r: Router) -> None:
    route = r.route("rail:a", "port:q", constraints=Constraints(avoid_chokepoints=("hormuz",)))
    assert "hormuz" not in route.chokepoints
    assert all("hormuz" not in m.chokepoints for m in route.moves)


def test_no_route_names_the_constraint(r: Router) -> None:
    with pytest.raises(NoRouteError, match=r"allowing IRN|allowing suez"):
        r.route("rail:a", "port:q", constraints=Constraints(avoid_countries=("IRN",), avoid_chokepoints=("suez",)))


def test_planned_links_only_when_asked(r: Router) -> None:
    base = r.route("rail:a", "port:q", objective="distance")
    assert "cp" not in base.leg_ids
    planned = r.route("rail:a", "port:q", objective="distance", constraints=Constraints(include_planned=True))
    assert "cp" in planned.leg_ids
    assert planned.not_operational == (("cp", "planned"),)


def test_via_and_max_transshipments(r: Router) -> None:
    via = r.route("rail:a", "port:q", constraints=Constraints(via=("port:r",)))
    assert "port:r" in {m.to_id for m in via.moves}
    with pytest.raises(NoRouteError):
        r.route("rail:a", "port:q", constraints=Constraints(max_transshipments=0))
    one = r.route("rail:a", "port:q", constraints=Constraints(max_transshipments=1))
    assert one.transshipments + one.gauge_changes <= 1


def test_seasonal_leg_closed_in_winter() -> None:
    legs = [dict(leg, months=[7, 8, 9]) if leg["id"] == "pq" else leg for leg in LEGS]
    r = Router(synthetic(NODES, legs, zones=("hormuz", "suez", "bab_el_mandeb")), P, families={})
    summer = r.route("rail:a", "port:q", constraints=Constraints(depart=dt.date(2026, 6, 25)))
    assert "pq" in summer.leg_ids
    winter = r.route("rail:a", "port:q", constraints=Constraints(depart=dt.date(2026, 1, 10)))
    assert "pq" not in winter.leg_ids


def test_modes_and_bad_input(r: Router) -> None:
    with pytest.raises(ConstraintError, match="unknown chokepoint"):
        r.route("rail:a", "port:q", constraints=Constraints(avoid_chokepoints=("hormuzz",)))
    with pytest.raises(ConstraintError, match="origin"):
        r.route("rail:a", "port:q", constraints=Constraints(avoid_countries=("RUS",)))
    with pytest.raises(NoRouteError):
        r.route("rail:a", "port:q", constraints=Constraints(modes=("rail",)))


def test_pareto_front_is_non_dominated(r: Router) -> None:
    routes = [r.route("rail:a", "port:q", objective=o) for o in ("time", "cost", "exposure", "distance")]
    routes.append(r.route("rail:a", "port:q", constraints=Constraints(avoid_countries=("IRN",))))
    front = pareto_front(routes)
    keys = ("time_h", "cost_usd", "exposure")
    for a in front:
        for b in routes:
            better_or_equal = all(getattr(b, k) <= getattr(a, k) + 1e-9 for k in keys)
            strictly = any(getattr(b, k) < getattr(a, k) - 1e-9 for k in keys)
            assert not (better_or_equal and strictly)


def test_seasonal_mask_depends_on_the_origin() -> None:
    """The seasonal mask depends on when the cargo reaches each leg, hence on the origin: a mask
    built for one origin must not be reused for another with the same constraints."""
    legs = [dict(leg, months=[7, 8, 9]) if leg["id"] == "pq" else leg for leg in LEGS]
    G = synthetic(NODES, legs, zones=("hormuz", "suez", "bab_el_mandeb"))
    c = Constraints(depart=dt.date(2026, 6, 25))
    shared = Router(G, P, families={})
    from_port = shared.route("port:p", "port:q", constraints=c)  # reaches pq in June: closed
    # it goes round, or waits in port for pq to open in July (waiting is an option, not a failure)
    if "pq" in from_port.leg_ids:
        (wait,) = [s for s in from_port.stops if s.kind == "season_wait"]
        pq = next(m for m in from_port.moves if "pq" in m.leg_ids)
        assert (dt.datetime(2026, 6, 25) + dt.timedelta(hours=pq.start_h)).month == 7
        assert wait.dwell_h > 0
    from_inland = shared.route("rail:a", "port:q", constraints=c)  # reaches pq in July: open
    fresh = Router(G, P, families={}).route("rail:a", "port:q", constraints=c)
    assert from_inland.leg_ids == fresh.leg_ids
    assert "pq" in from_inland.leg_ids
