"""``explain``: the facts of the best route, why it beat the runner-up, and the least change that opens
a route when there is none."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from test_scenario import invoke_root, synthetic_router

from corridors.explain import compare_routes, explain, rules_of
from corridors.routing import Constraints, Router


@pytest.fixture
def r() -> Router:
    return synthetic_router()


def test_best_route_facts(r: Router) -> None:
    e = explain(r, "rail:a", "port:INBOM")
    assert e.best is not None
    assert e.best_family == "INSTC eastern"
    assert e.best.leg_ids == r.route("rail:a", "port:INBOM").leg_ids
    crossed = {j["country"] for j in e.jurisdictions}
    assert crossed == {"RUS", "KAZ", "TKM", "IRN"}
    iran = next(j for j in e.jurisdictions if j["country"] == "IRN")
    assert "Sarakhs" in iran["nodes"]
    assert "rail" in iran["modes"]
    assert [(p["id"], p["country"]) for p in e.ports] == [
        ("port:IRBND", "IRN"),
        ("port:INBOM", "IND"),
    ]
    assert [(c["id"], c["littoral"]) for c in e.chokepoints] == [("hormuz", ["IRN", "OMN", "ARE"])]


def test_why_it_beat_the_runner_up_is_recomputed(r: Router) -> None:
    e = explain(r, "rail:a", "port:INBOM")
    assert e.runner_up is not None
    best, ru = e.best, e.runner_up
    assert best is not None
    assert ru.family != best.family
    text = ", ".join(e.reasons)
    days = float(re.search(r"([\d.]+) days faster", text).group(1))  # type: ignore[union-attr]
    assert days == pytest.approx(ru.time_days - best.time_days, abs=0.05)
    m = re.search(r"([\d,]+) USD/TEU (dearer|cheaper)", text)
    assert m is not None
    usd = float(m.group(1).replace(",", ""))
    assert usd == pytest.approx(abs(round(best.cost_usd) - round(ru.cost_usd)))
    assert (m.group(2) == "dearer") == (best.cost_usd > ru.cost_usd)
    # the words for the chokepoints, against the Suez route
    suez = r.route("rail:a", "port:INBOM", family="suez")
    words = ", ".join(compare_routes(best, suez))
    assert "two fewer chokepoints (hormuz instead of bosporus, suez, bab_el_mandeb)" in words
    assert "one more border crossing" in words


def test_compare_routes_words(r: Router) -> None:
    east = r.route("rail:a", "port:INBOM", family="instc_east")
    west = r.route("rail:a", "port:INBOM", family="instc_west")
    caspian = r.route("rail:a", "port:INBOM", family="trans_caspian")
    assert compare_routes(east, east) == ["the same figures (an equivalent path)"]
    words = compare_routes(east, west)
    assert words[0].endswith("days faster")
    assert any(w.endswith("USD/TEU cheaper") for w in words)
    assert not any("chokepoint" in w for w in words)  # both pass hormuz only
    assert compare_routes(caspian, east)[0].endswith("days slower")
    nsr = r.route("rail:a", "port:INBOM", family="nsr")
    assert "one more chokepoint (vilkitsky, bering instead of hormuz)" in compare_routes(nsr, east)


def test_objective_changes_the_winner(r: Router) -> None:
    # dear rail (an override of the tariffs) makes the sea route the cheapest, not the fastest
    from corridors.params import load_parameters

    dear = load_parameters(overrides={"rail_cost_usd_per_teu_km_by_country": dict.fromkeys(("RUS", "KAZ", "TKM", "IRN", "AZE"), 2.0)})
    r = Router(r.G, dear, families=r.families)
    fast = explain(r, "rail:a", "port:INBOM")
    e = explain(r, "rail:a", "port:INBOM", objective="cost")
    assert e.best_family != fast.best_family
    assert any("cheaper" in x for x in e.reasons)
    # the Suez route's jurisdictions name the canal's territory
    via_suez = explain(r, "rail:a", "port:INBOM", constraints=Constraints(avoid_countries=("IRN",)))
    assert via_suez.best is not None and "suez" in via_suez.best.chokepoints
    ju = {j["country"]: j for j in via_suez.jurisdictions}
    assert ju["EGY"]["canals"] == ["suez"]


def test_no_route_single_rule(r: Router) -> None:
    c = Constraints(avoid_countries=("IRN",), avoid_chokepoints=("suez",), depart=dt.date(2027, 1, 15))
    e = explain(r, "rail:a", "port:INBOM", constraints=c)
    assert e.best is None
    assert e.connected
    assert {tuple(x.id for x in o.rules) for o in e.openings} == {
        ("country:IRN",),
        ("chokepoint:suez",),
        ("depart",),
    }
    assert {x.id for x in e.cutting_rules} == {"country:IRN", "chokepoint:suez", "depart"}
    # each opening is real: the route honours every rule that was kept
    for o in e.openings:
        kept = c
        for rule in o.rules:
            kept = rule.drop(kept)
        again = r.route("rail:a", "port:INBOM", constraints=kept)
        assert again.time_h == pytest.approx(o.route.time_h)
    assert "least change (one rule dropped)" in e.text()


def test_no_route_needs_two_rules(r: Router) -> None:
    c = Constraints(
        avoid_countries=("IRN",),
        avoid_chokepoints=("hormuz", "suez", "bab_el_mandeb", "vilkitsky", "bering"),
    )
    e = explain(r, "rail:a", "port:INBOM", constraints=c)
    assert e.best is None
    sets = {frozenset(x.id for x in o.rules) for o in e.openings}
    assert all(len(s) == 2 for s in sets)
    assert frozenset({"country:IRN", "chokepoint:hormuz"}) in sets
    assert frozenset({"chokepoint:suez", "chokepoint:bab_el_mandeb"}) in sets
    assert frozenset({"country:IRN", "planned"}) in sets  # Chabahar by the planned railway
    for o in e.openings:
        for rule in set(rules_of(c)) - set(o.rules):
            if rule.id.startswith("chokepoint:"):
                assert rule.id.split(":", 1)[1] not in o.route.chokepoints
    doc = e.to_dict()
    assert doc["route"] is False
    assert all(len(x["drop"]) == 2 for x in doc["least_change"])


def test_not_connected(r: Router) -> None:
    r.G.add_node(
        "rail:island",
        kind="rail_terminal",
        country="RUS",
        x=100.0,
        y=60.0,
        name="Island",
        aliases=[],
    )
    e = explain(r, "rail:a", "rail:island")
    assert e.best is None
    assert not e.connected
    assert "not connected" in e.text()


def test_cli_explain(r: Router) -> None:
    res: Any = invoke_root(r, ["explain", "rail:a", "Mumbai"])
    assert res.exit_code == 0, res.output
    assert "why it beat the runner-up" in res.stdout
    assert "Strait" in res.stdout or "hormuz" in res.stdout
    res = invoke_root(
        r,
        [
            "explain",
            "rail:a",
            "Mumbai",
            "--avoid-country",
            "IRN",
            "--avoid-chokepoint",
            "suez",
            "--depart",
            "2027-01-15",
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["route"] is False
    assert {tuple(x["drop"]) for x in doc["least_change"]} == {
        ("country:IRN",),
        ("chokepoint:suez",),
        ("depart",),
    }
    res = invoke_root(r, ["explain", "rail:a", "Mumbai", "--avoid-chokepoint", "hormuzz"])
    assert res.exit_code == 2
    assert "did you mean" in res.stderr
    assert "Traceback" not in res.output
