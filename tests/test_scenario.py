"""Scenario files: parsing and its errors, applying to a copy, runs against the baseline, route checks,
the CLI; on a synthetic network, then every bundled scenario on the bundled network."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import click
import networkx as nx
import pytest
from click.testing import CliRunner
from synth import Zone, synthetic

from corridors.apply import apply_scenario
from corridors.compliance import RouteSpec, check_places, check_route, load_route_file
from corridors.errors import ScenarioError
from corridors.params import load_parameters
from corridors.routing import Constraints, Family, Router
from corridors.scenario import bundled_scenarios, parse_scenario, read_scenario
from corridors.whatif import run_scenario

# ---------------------------------------------------------------------------------------- network
NODES: dict[str, dict[str, Any]] = {
    "rail:a": {"kind": "rail_terminal", "country": "RUS", "x": 61.4, "y": 55.2, "name": "Alpha"},
    "border:samur": {
        "kind": "border_crossing",
        "country": "AZE",
        "x": 48.5,
        "y": 41.8,
        "dwell_border_h": 12.0,
        "name": "Samur",
    },
    "border:astara": {
        "kind": "border_crossing",
        "country": "AZE",
        "x": 48.87,
        "y": 38.43,
        "dwell_border_h": 20.0,
        "dwell_gauge_h": 24.0,
        "dwell_transfer_h": 24.0,
        "name": "Astara",
    },
    "rail:rasht": {
        "kind": "rail_terminal",
        "country": "IRN",
        "x": 49.58,
        "y": 37.28,
        "name": "Rasht",
    },
    "port:IRBND": {"kind": "port", "country": "IRN", "x": 56.3, "y": 27.2, "name": "Bandar Abbas"},
    "port:IRZBR": {"kind": "port", "country": "IRN", "x": 60.6, "y": 25.3, "name": "Chabahar"},
    "border:sarakhs": {
        "kind": "border_crossing",
        "country": "IRN",
        "x": 61.2,
        "y": 36.5,
        "dwell_border_h": 30.0,
        "dwell_gauge_h": 24.0,
        "name": "Sarakhs",
    },
    "port:RUASF": {"kind": "port", "country": "RUS", "x": 48.0, "y": 46.3, "name": "Astrakhan"},
    "port:IRBAZ": {"kind": "port", "country": "IRN", "x": 49.46, "y": 37.47, "name": "Anzali"},
    "port:RUNVS": {"kind": "port", "country": "RUS", "x": 37.8, "y": 44.7, "name": "Novorossiysk"},
    "port:INBOM": {"kind": "port", "country": "IND", "x": 72.9, "y": 18.9, "name": "Mumbai"},
    "port:RUMMK": {"kind": "port", "country": "RUS", "x": 33.0, "y": 68.97, "name": "Murmansk"},
    "sea:red": {"kind": "junction", "country": None, "x": 38.0, "y": 20.0},
    "sea:arab": {"kind": "junction", "country": None, "x": 62.0, "y": 22.0},
}
LEGS: list[dict[str, Any]] = [
    {
        "id": "rail:a-samur",
        "from": "rail:a",
        "to": "border:samur",
        "mode": "rail",
        "gauge_mm": 1520,
        "km": 2400,
        "countries": ["RUS", "AZE"],
    },
    {
        "id": "rail:samur-astara",
        "from": "border:samur",
        "to": "border:astara",
        "mode": "rail",
        "gauge_mm": 1520,
        "km": 500,
        "countries": ["AZE"],
    },
    {
        "id": "rail:astara-rasht",
        "from": "border:astara",
        "to": "rail:rasht",
        "mode": "rail",
        "gauge_mm": 1435,
        "km": 162,
        "countries": ["IRN"],
        "status": "under_construction",
    },
    {
        "id": "road:astara-rasht",
        "from": "border:astara",
        "to": "rail:rasht",
        "mode": "road",
        "km": 180,
        "countries": ["IRN"],
    },
    {
        "id": "rail:rasht-bandar",
        "from": "rail:rasht",
        "to": "port:IRBND",
        "mode": "rail",
        "gauge_mm": 1435,
        "km": 1700,
        "countries": ["IRN"],
    },
    {
        "id": "rail:a-sarakhs",
        "from": "rail:a",
        "to": "border:sarakhs",
        "mode": "rail",
        "gauge_mm": 1520,
        "km": 3000,
        "countries": ["RUS", "KAZ", "TKM"],
    },
    {
        "id": "rail:sarakhs-bandar",
        "from": "border:sarakhs",
        "to": "port:IRBND",
        "mode": "rail",
        "gauge_mm": 1435,
        "km": 1600,
        "countries": ["IRN"],
    },
    {
        "id": "rail:sarakhs-chabahar",
        "from": "border:sarakhs",
        "to": "port:IRZBR",
        "mode": "rail",
        "gauge_mm": 1435,
        "km": 1400,
        "countries": ["IRN"],
        "status": "planned",
    },
    {
        "id": "sea:bandar-arab",
        "from": "port:IRBND",
        "to": "sea:arab",
        "mode": "sea",
        "km": 700,
        "chokepoints": ["hormuz"],
    },
    {"id": "sea:chabahar-arab", "from": "port:IRZBR", "to": "sea:arab", "mode": "sea", "km": 300},
    {"id": "sea:arab-mumbai", "from": "sea:arab", "to": "port:INBOM", "mode": "sea", "km": 1300},
    {
        "id": "rail:a-astrakhan",
        "from": "rail:a",
        "to": "port:RUASF",
        "mode": "rail",
        "gauge_mm": 1520,
        "km": 2100,
        "countries": ["RUS"],
    },
    {
        "id": "ferry:astrakhan-anzali",
        "from": "port:RUASF",
        "to": "port:IRBAZ",
        "mode": "ferry",
        "km": 1000,
        "frequency_per_week": 2,
        "months": [4, 5, 6, 7, 8, 9, 10, 11],
    },
    {
        "id": "road:anzali-rasht",
        "from": "port:IRBAZ",
        "to": "rail:rasht",
        "mode": "road",
        "km": 40,
        "countries": ["IRN"],
    },
    {
        "id": "rail:a-novorossiysk",
        "from": "rail:a",
        "to": "port:RUNVS",
        "mode": "rail",
        "gauge_mm": 1520,
        "km": 2600,
        "countries": ["RUS"],
    },
    {
        "id": "sea:novorossiysk-red",
        "from": "port:RUNVS",
        "to": "sea:red",
        "mode": "sea",
        "km": 3200,
        "chokepoints": ["bosporus", "suez"],
        "countries": ["TUR", "EGY"],
    },
    {
        "id": "sea:red-arab",
        "from": "sea:red",
        "to": "sea:arab",
        "mode": "sea",
        "km": 2600,
        "chokepoints": ["bab_el_mandeb"],
    },
    {
        "id": "rail:a-murmansk",
        "from": "rail:a",
        "to": "port:RUMMK",
        "mode": "rail",
        "gauge_mm": 1520,
        "km": 2900,
        "countries": ["RUS"],
    },
    {
        "id": "sea:murmansk-arab",
        "from": "port:RUMMK",
        "to": "sea:arab",
        "mode": "sea",
        "km": 22000,
        "chokepoints": ["vilkitsky", "bering"],
        "months": [7, 8, 9, 10, 11],
    },
]
FAMILIES = {
    "instc_east": Family(
        "instc_east",
        "INSTC eastern",
        "",
        ({"nodes": ("border:sarakhs",)},),
        avoid_modes=("ferry",),
        avoid_nodes=("port:IRZBR",),
    ),
    "instc_west": Family(
        "instc_west",
        "INSTC western",
        "",
        ({"nodes": ("border:astara",)},),
        avoid_modes=("ferry",),
        avoid_nodes=("port:IRZBR",),
    ),
    "trans_caspian": Family(
        "trans_caspian",
        "Trans-Caspian",
        "",
        ({"modes": ("ferry",)},),
        avoid_nodes=("port:IRZBR", "border:astara", "border:sarakhs"),
    ),
    "chabahar": Family("chabahar", "Chabahar", "", ({"nodes": ("port:IRZBR",)},)),
    "suez": Family("suez", "Suez", "", ({"chokepoints": ("suez",)},), avoid_countries=("IRN",)),
    "nsr": Family("nsr", "NSR", "", ({"chokepoints": ("vilkitsky",)},), avoid_countries=("IRN",)),
}


def synthetic_graph() -> nx.MultiDiGraph:
    G = synthetic(NODES, LEGS, zones=("hormuz", "suez", "bab_el_mandeb", "bosporus", "vilkitsky", "bering"))
    z = G.graph["chokepoints"]
    z["suez"].kind, z["suez"].territory, z["suez"].littoral = "canal", ("EGY",), ("EGY",)
    z["hormuz"].littoral = ("IRN", "OMN", "ARE")
    z["bab_el_mandeb"].littoral = ("YEM", "DJI", "ERI")
    z["bosporus"].territory = z["bosporus"].littoral = ("TUR",)
    z["nsr_zone"] = Zone("nsr_zone", kind="seasonal_zone", months=(7, 8, 9, 10, 11))
    return G


def synthetic_router() -> Router:
    return Router(synthetic_graph(), load_parameters(), families=FAMILIES)


@pytest.fixture
def r() -> Router:
    return synthetic_router()


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def snapshot(
    G: nx.MultiDiGraph,
) -> tuple[dict[str, dict[str, Any]], dict[tuple[str, str, str], dict[str, Any]]]:
    nodes = {n: copy.deepcopy(dict(d)) for n, d in G.nodes(data=True)}
    edges = {(u, v, k): {a: b for a, b in d.items() if a != "geometry"} for u, v, k, d in G.edges(keys=True, data=True)}
    return nodes, edges


# ---------------------------------------------------------------------------------------- parsing
FULL = """\
[scenario]
name = "Everything"
description = "every kind of rule"
depart = 2027-01-15

[forbid]
territory = ["AZE"]
ports = ["IRN"]

[close]
chokepoints = ["suez"]
ports = ["Novorossiysk"]
nodes = ["border:samur"]
legs = ["rail:a-murmansk"]

[open]
planned = ["rail:astara-rasht"]

[nodes."border:sarakhs"]
dwell_border_h = { multiply = 3, source = "assumption" }
dwell_gauge_h = 48

[legs."ferry:astrakhan-anzali"]
frequency_per_week = 1
months = [5, 6, 7]

[parameters.rail_speed_kmh_by_country]
IRN = 15

[parameters.dwell_h]
port_export = { add = 24 }

[chokepoint_weights]
hormuz = 3
"""


def test_parse_every_kind_of_rule(tmp_path: Path) -> None:
    s = read_scenario(write(tmp_path, FULL, "everything.toml"))
    assert s.id == "everything"
    assert s.name == "Everything"
    assert s.depart == dt.date(2027, 1, 15)
    assert s.forbid_territory == ("AZE",)
    assert s.forbid_ports == ("IRN",)
    assert s.close_chokepoints == ("suez",)
    assert s.close_ports == ("Novorossiysk",)
    assert s.close_nodes == ("border:samur",)
    assert s.close_legs == ("rail:a-murmansk",)
    assert s.open_legs == ("rail:astara-rasht",)
    assert not s.open_all
    changes = {(n, a): (c.op, c.value) for n, a, c in s.node_changes}
    assert changes == {
        ("border:sarakhs", "dwell_border_h"): ("multiply", 3.0),
        ("border:sarakhs", "dwell_gauge_h"): ("set", 48.0),
    }
    legs = {(n, a): (c.op, c.value) for n, a, c in s.leg_changes}
    assert legs[("ferry:astrakhan-anzali", "months")] == ("set", (5, 6, 7))
    assert ("rail_speed_kmh_by_country", "IRN") in {(t, k) for t, k, _ in s.parameter_changes}
    assert s.chokepoint_weights == (("hormuz", 3.0),)
    assert len(s.describe()) >= 10


BAD = [
    # (text, line, key in the message, words in the message)
    ('[scenario]\nname = "x"\n[close]\nchokepoints = ["suez"\n', 4, None, "not valid TOML"),
    ("[close]\nlegs = []\nlegs = []\n", 3, "legs", "not valid TOML"),
    (
        '[scenario]\nname = "x"\n\n[closed]\nchokepoints = ["suez"]\n',
        4,
        "closed",
        "did you mean 'close'",
    ),
    ('[close]\nchokepoint = ["suez"]\n', 2, "close.chokepoint", "did you mean 'chokepoints'"),
    ('[forbid]\nterritory = ["aze"]\n', 2, "forbid.territory", "write 'AZE'"),
    ('[forbid]\nterritory = "AZE, IRN"\n', 2, "forbid.territory", "ISO 3166-1"),
    ('[scenario]\ndepart = "2027-13-01"\n', 2, "scenario.depart", "not a date"),
    ("[scenario]\ndepart = 2027-01-15T10:00:00\n", 2, "scenario.depart", "without a time"),
    (
        '[nodes."border:sarakhs"]\ndwell_border = 5\n',
        2,
        'nodes."border:sarakhs".dwell_border',
        "did you mean 'dwell_border_h'",
    ),
    (
        '[nodes."border:sarakhs"]\ndwell_border_h = -5\n',
        2,
        'nodes."border:sarakhs".dwell_border_h',
        "0 or more",
    ),
    (
        '[nodes."border:sarakhs"]\ndwell_border_h = { times = 3 }\n',
        2,
        'nodes."border:sarakhs".dwell_border_h.times',
        "multiply",
    ),
    ('[legs."x"]\nmonths = [0, 13]\n', 2, "legs.x.months", "months 1-12"),
    ("[parameters.speed_kmh]\nrial = 20\n", 2, "parameters.speed_kmh.rial", "did you mean 'rail'"),
    ("[parameters.speed_kmh]\nrail = 0\n", 2, "parameters.speed_kmh.rail", "more than 0"),
    ("[open]\nplanned = 3\n", 2, "open.planned", '"all"'),
]


@pytest.mark.parametrize(("text", "line", "key", "words"), BAD)
def test_bad_file_one_error_with_file_line_key(tmp_path: Path, text: str, line: int, key: str | None, words: str) -> None:
    p = write(tmp_path, text, "bad.toml")
    with pytest.raises(ScenarioError) as ei:
        read_scenario(p)
    msg = str(ei.value)
    assert "\n" not in msg
    assert msg.startswith(f"{p}, line {line}")
    if key:
        assert f"key {key}" in msg
    assert words in msg


SEMANTIC = [
    (
        '[close]\nchokepoints = [\n  "hormuz",\n  "suezz",\n]\n',
        4,
        "close.chokepoints",
        "unknown chokepoint 'suezz'; did you mean 'suez'",
    ),
    ('[close]\nchokepoints = ["nsr_zone"]\n', 2, "close.chokepoints", "seasonal zone"),
    ('[close]\nports = ["Sarakhs"]\n', 2, "close.ports", "not a port"),
    ('[close]\nports = ["Bandar Abas"]\n', 2, "close.ports", "did you mean"),
    ('[close]\nlegs = ["rail:a-sarakh"]\n', 2, "close.legs", "did you mean 'rail:a-sarakhs'"),
    (
        '[open]\nplanned = ["rail:astara-rash"]\n',
        2,
        "open.planned",
        "unknown leg id 'rail:astara-rash'; did you mean 'rail:astara-rasht'",
    ),
    (
        '# a comment\n\n[nodes."border:sarakh"]\ndwell_border_h = 5\n',
        3,
        'nodes."border:sarakh"',
        "did you mean 'border:sarakhs'",
    ),
    (
        '[legs."rail:a-sarakhs"]\nfrequency_per_week = { multiply = 2 }\n',
        2,
        'legs."rail:a-sarakhs".frequency_per_week',
        "no value to multiply",
    ),
    (
        '[nodes."rail:a"]\ndwell_gauge_h = { add = 5 }\n',
        2,
        'nodes."rail:a".dwell_gauge_h',
        "no value to add",
    ),
    ("[chokepoint_weights]\nhormus = 3\n", 2, "chokepoint_weights.hormus", "did you mean 'hormuz'"),
]


@pytest.mark.parametrize(("text", "line", "key", "words"), SEMANTIC)
def test_unknown_ids_name_file_line_key_and_suggest(tmp_path: Path, r: Router, text: str, line: int, key: str, words: str) -> None:
    p = write(tmp_path, text, "bad.toml")
    s = read_scenario(p)
    with pytest.raises(ScenarioError) as ei:
        apply_scenario(s, r)
    msg = str(ei.value)
    assert "\n" not in msg
    assert msg.startswith(f"{p}, line {line}, key {key}:")
    assert words in msg


def test_several_problems_are_one_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as ei:
        read_scenario(write(tmp_path, '[close]\nchokepoint = []\n[forbid]\nports = ["ir"]\n'))
    assert "line 2" in str(ei.value)
    assert "also: line 4" in str(ei.value)
    assert len(ei.value.problems) == 2  # type: ignore[attr-defined]


def test_missing_file_and_bundled_names(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="scenario file not found"):
        read_scenario(tmp_path / "nope.toml")
    if bundled_scenarios():
        s = read_scenario("red_sea_closure")
        assert s.close_chokepoints


# ---------------------------------------------------------------------------------------- applying
def test_apply_works_on_a_copy_and_never_mutates_the_router(tmp_path: Path, r: Router) -> None:
    before = snapshot(r.G)
    params_before = r.params
    s = read_scenario(write(tmp_path, FULL))
    a = apply_scenario(s, r)
    assert a.router is not r
    assert a.router.G is not r.G
    assert snapshot(r.G) == before
    assert r.params is params_before
    H = a.router.G
    assert H.nodes["border:sarakhs"]["dwell_border_h"] == pytest.approx(90.0)
    assert H.nodes["border:sarakhs"]["dwell_gauge_h"] == pytest.approx(48.0)
    assert H.edges["port:RUASF", "port:IRBAZ", "ferry:astrakhan-anzali"]["frequency_per_week"] == 1.0
    assert H.edges["port:IRBAZ", "port:RUASF", "ferry:astrakhan-anzali"]["months"] == (5, 6, 7)
    for u, v in (("border:astara", "rail:rasht"), ("rail:rasht", "border:astara")):
        assert H.edges[u, v, "rail:astara-rasht"]["status"] == "operational"
        assert r.G.edges[u, v, "rail:astara-rasht"]["status"] == "under_construction"
    assert a.opened_legs == (("rail:astara-rasht", "under_construction"),)
    assert a.router.params.rail_speed_kmh_by_country["IRN"] == 15.0
    assert a.router.params.dwell_h["port_export"] == pytest.approx(r.params.dwell_h["port_export"] + 24)
    assert a.router.params.dwell("port_export")[1] == pytest.approx(r.params.dwell("port_export")[1] + 24)  # type: ignore[index]
    # routes on the original router are unchanged after the scenario ran
    base = r.route("rail:a", "port:INBOM")
    run_scenario(s, r, "rail:a", "port:INBOM")
    assert r.route("rail:a", "port:INBOM").time_h == pytest.approx(base.time_h)
    c = a.constraints
    assert c.depart == dt.date(2027, 1, 15)
    assert c.avoid_chokepoints == ("suez",)
    assert c.avoid_legs == ("rail:a-murmansk",)
    # mixed scopes: AZE territory in avoid_countries, Iranian ports as avoided nodes
    assert c.avoid_countries == ("AZE",)
    assert c.country_scope == "territory"
    assert {"port:IRBND", "port:IRZBR", "port:IRBAZ", "port:RUNVS", "border:samur"} <= set(c.avoid_nodes)


def test_constraint_only_scenario_reuses_the_router(r: Router) -> None:
    a = apply_scenario(parse_scenario('[close]\nchokepoints = ["hormuz"]\n'), r)
    assert a.router is r
    assert a.constraints.avoid_chokepoints == ("hormuz",)


def test_scenario_merges_over_given_constraints(r: Router) -> None:
    base = Constraints(avoid_countries=("AZE",), avoid_chokepoints=("suez",))
    a = apply_scenario(
        parse_scenario('[forbid]\nterritory = ["AZE"]\n[close]\nchokepoints = ["hormuz"]\n'),
        r,
        base,
    )
    assert a.constraints.avoid_chokepoints == ("suez", "hormuz")
    assert a.constraints.avoid_countries == ("AZE",)
    assert a.constraints.country_scope == "both"  # AZE was given territory and ports by the caller


# ---------------------------------------------------------------------------------------- runs
def routes_of(run: Any) -> list[Any]:
    out = list(run.result.routes)
    out += [s for _, s in run.best.values() if s is not None]
    return out


def test_red_sea_closure_run(r: Router) -> None:
    run = run_scenario(
        parse_scenario('[close]\nchokepoints = ["bab_el_mandeb", "suez"]\n'),
        r,
        "rail:a",
        "port:INBOM",
    )
    assert "suez" in run.vanished()
    assert "instc_east" in run.survivors()
    for route in routes_of(run):
        assert not {"suez", "bab_el_mandeb"} & set(route.chokepoints)
    cost = next(b for b in run.best_rows() if b["objective"] == "cost")
    assert cost["scenario_route"] != "Suez"
    assert cost["delta"] >= 0  # closing straits never makes the cheapest route cheaper


def test_forbidden_ports_make_doubling_back_families_vanish(r: Router) -> None:
    run = run_scenario(parse_scenario('[forbid]\nports = ["IRN"]\n'), r, "rail:a", "port:INBOM")
    for route in routes_of(run):
        assert all(c != "IRN" for _, _, c in route.ports)
    # the search no longer returns an "INSTC eastern" route that touches Sarakhs and turns back:
    # the family has no route, and the reason says so (and what would open one)
    east = next(f for f in run.families if f.family == "instc_east")
    assert east.status == "vanishes"
    assert east.scenario is None and not east.doubles_back
    assert east.reason.startswith("no route from Alpha to Mumbai")
    assert east.delta("time_days") is None


def test_opened_legs_appear_and_deltas_are_scenario_minus_baseline(r: Router) -> None:
    run = run_scenario(
        parse_scenario('[open]\nplanned = ["rail:astara-rasht", "rail:sarakhs-chabahar"]\n'),
        r,
        "rail:a",
        "port:INBOM",
    )
    west = next(f for f in run.families if f.family == "instc_west")
    assert west.scenario is not None
    assert "rail:astara-rasht" in west.scenario.leg_ids
    assert west.baseline is not None
    assert "rail:astara-rasht" not in west.baseline.leg_ids
    assert west.delta("time_days") == pytest.approx(west.scenario.time_days - west.baseline.time_days)
    assert west.delta("time_days") < 0
    best_time = run.best["time"][1]
    assert best_time is not None
    assert "rail:sarakhs-chabahar" in best_time.leg_ids


def test_winter_closes_seasonal_legs(r: Router) -> None:
    run = run_scenario(parse_scenario("[scenario]\ndepart = 2027-01-15\n"), r, "rail:a", "port:INBOM")
    from corridors.timing import closed_on_timeline

    for route in routes_of(run):
        assert closed_on_timeline(route, dt.date(2027, 1, 15)) == []
        # a closed leg is used only after waiting in port for it to open (months, in January)
        if {"sea:murmansk-arab", "ferry:astrakhan-anzali"} & set(route.leg_ids):
            assert any(s.kind == "season_wait" and s.dwell_h > 24 * 60 for s in route.stops), route.family
    for fid in ("nsr", "trans_caspian"):
        assert fid in run.vanished() or next(f for f in run.families if f.family == fid).delta("time_days") > 60


def test_border_jam_adds_the_dwell(r: Router) -> None:
    run = run_scenario(
        parse_scenario('[nodes."border:sarakhs"]\ndwell_border_h = { multiply = 3 }\n'),
        r,
        "rail:a",
        "port:INBOM",
    )
    east = next(f for f in run.families if f.family == "instc_east")
    assert east.same_path
    # the node's P50 goes 30 -> 90 h with the border category's spread: the mean moves by 60 h x mean/P50
    from corridors.dist import part_mean

    q = r.params.dwell("border_crossing")
    assert q is not None
    extra_h = 2 * 30.0 * part_mean("q", *q) / q[1]
    assert east.delta("time_days") == pytest.approx(extra_h / 24)
    # the wagons wait too: rent for the extra hours (the route's cost is rounded to whole USD)
    assert east.delta("cost_usd") == pytest.approx(r.params.cost_usd_per_teu_day["wagon_rent_rail"] / 24 * extra_h, abs=1.0)


# ---------------------------------------------------------------------------------------- check
POLICY = """\
[scenario]
depart = 2027-01-15
[forbid]
territory = ["AZE"]
ports = ["IRN"]
[close]
chokepoints = ["suez"]
ports = ["Murmansk"]
legs = ["road:astara-rasht"]
"""


def test_check_names_each_violation_and_its_leg(r: Router) -> None:
    a = apply_scenario(parse_scenario(POLICY, "policy.toml"), r)
    _, v = check_places(a, ["rail:a", "Samur", "Astara", "Rasht", "Bandar Abbas", "Mumbai"])
    got = {(x.leg_id, x.rule, x.subject) for x in v}
    assert ("rail:a-samur", "territory", "AZE") in got
    assert ("rail:samur-astara", "territory", "AZE") in got
    assert ("road:astara-rasht", "closed_leg", "road:astara-rasht") in got
    assert ("rail:rasht-bandar", "ports", "port:IRBND") in got
    msg = next(x for x in v if x.leg_id == "rail:samur-astara")
    assert msg.message == "crosses territory of AZE (forbidden: territory)"
    assert (msg.from_name, msg.to_name) == ("Samur", "Astara")
    # a closed chokepoint, on the leg that passes it
    _, v = check_places(a, ["rail:a", "Novorossiysk", "Mumbai"])
    assert [(x.leg_id, x.rule, x.subject) for x in v] == [("sea:novorossiysk-red", "chokepoint", "suez")]
    assert "littoral EGY" in v[0].message


def test_check_closed_port_season_and_planned(r: Router) -> None:
    a = apply_scenario(parse_scenario(POLICY, "policy.toml"), r)
    murmansk = r.route("rail:a", "port:INBOM", family="nsr")
    v = check_route(a, murmansk)
    got = {(x.leg_id, x.rule) for x in v}
    assert ("rail:a-murmansk", "closed_port") in got or ("sea:murmansk-arab", "closed_port") in got
    assert ("sea:murmansk-arab", "season") in got
    assert any("January" in x.message for x in v if x.rule == "season")
    planned = r.route(
        "rail:a",
        "port:INBOM",
        constraints=Constraints(include_planned=True, avoid_chokepoints=("hormuz",), avoid_countries=("AZE",)),
    )
    assert "rail:sarakhs-chabahar" in planned.leg_ids
    v = check_route(a, planned)
    assert ("rail:sarakhs-chabahar", "not_operational") in {(x.leg_id, x.rule) for x in v}
    # opened by the scenario: no longer a violation
    b = apply_scenario(parse_scenario('[open]\nplanned = "all"\n'), r)
    assert check_route(b, planned) == []


def test_check_passes_a_compliant_route(r: Router) -> None:
    a = apply_scenario(parse_scenario(POLICY, "policy.toml"), r)
    _, v = check_places(a, ["rail:a", "Murmansk", "Mumbai"])  # Murmansk closed, in winter
    assert v
    ok = apply_scenario(parse_scenario('[forbid]\nterritory = ["AZE"]\n[close]\nchokepoints = ["suez"]\n'), r)
    _, v = check_places(ok, ["rail:a", "Sarakhs", "Bandar Abbas", "Mumbai"])
    assert v == []


def test_every_route_the_scenario_returns_passes_its_own_check(r: Router) -> None:
    a = apply_scenario(parse_scenario(POLICY.replace('ports = ["IRN"]', ""), "p.toml"), r)
    res = a.router.compare("rail:a", "port:INBOM", constraints=a.constraints)
    assert res.routes
    for route in res.routes:
        assert check_route(a, route) == []


def test_route_files_json_and_geojson(tmp_path: Path, r: Router) -> None:
    from corridors.cli.output import routes_geojson, routes_json

    route = r.route("rail:a", "port:INBOM", constraints=Constraints(via=("Samur",)))
    (tmp_path / "r.json").write_text(routes_json([route]))
    (tmp_path / "r.geojson").write_text(routes_geojson([route]))
    a = apply_scenario(parse_scenario('[forbid]\nterritory = ["AZE"]\n'), r)
    for name in ("r.json", "r.geojson"):
        specs = load_route_file(tmp_path / name)
        assert len(specs) == 1
        assert [m[0] for m in specs[0].moves] == [m.leg_ids for m in route.moves]
        v = check_route(a, specs[0])
        assert {x.leg_id for x in v} == {"rail:a-samur", "rail:samur-astara"}
    spec = RouteSpec("x", ((("rail:nowhere",), "rail:a", "rail:b", None),))
    with pytest.raises(Exception, match="unknown leg id 'rail:nowhere'"):
        check_route(a, spec)


# ---------------------------------------------------------------------------------------- CLI
def invoke_root(router: Router, args: list[str]) -> Any:
    """Invoke through a root group with the CLI's error handling (as `corridors ...`), on ``router``."""
    from corridors.cli.context import State
    from corridors.cli.explain import explain
    from corridors.cli.main import CorridorsGroup
    from corridors.cli.scenario import scenario
    from corridors.cli.sweep import sweep

    root = CorridorsGroup(name="corridors", commands={"scenario": scenario, "sweep": sweep, "explain": explain})
    state = State()
    state._G, state._router = router.G, router
    return CliRunner().invoke(root, args, obj=state)


def invoke(router: Router, args: list[str]) -> Any:
    return invoke_root(router, ["scenario", *args])


def test_cli_run_table_json_csv(tmp_path: Path, r: Router) -> None:
    p = write(
        tmp_path,
        '[scenario]\nname = "Red Sea"\n[close]\nchokepoints = ["bab_el_mandeb", "suez"]\n',
        "red.toml",
    )
    res = invoke(r, ["run", str(p), "rail:a", "Mumbai"])
    assert res.exit_code == 0, res.output
    assert "vanishes" in res.stdout
    assert "Suez" in res.stdout
    res = invoke(r, ["run", str(p), "rail:a", "Mumbai", "--format", "json"])
    doc = json.loads(res.stdout)
    assert doc["vanish"] == ["suez"]
    assert {b["objective"] for b in doc["best"]} == {"time", "cost", "exposure"}
    res = invoke(r, ["run", str(p), "rail:a", "Mumbai", "--format", "csv"])
    assert res.stdout.splitlines()[0].startswith("family,name,status")


def test_cli_bad_file_is_one_line_exit_2(tmp_path: Path, r: Router) -> None:
    p = write(tmp_path, '[close]\nchokepoints = ["suezz"]\n', "bad.toml")
    for args in (
        ["run", str(p), "rail:a", "Mumbai"],
        ["check", str(p), "--route", "rail:a,Mumbai"],
        ["show", str(p)],
    ):
        res = invoke(r, args)
        assert res.exit_code == 2, res.output
        assert res.exception is None or isinstance(res.exception, SystemExit)
        lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1
        assert "line 2, key close.chokepoints" in lines[0]
        assert "did you mean 'suez'" in lines[0]
        assert "Traceback" not in res.output
    res = invoke(r, ["run", str(tmp_path / "syntax.toml"), "rail:a", "Mumbai"])
    assert res.exit_code == 2


def test_cli_check_exit_codes(tmp_path: Path, r: Router) -> None:
    p = write(tmp_path, '[forbid]\nterritory = ["AZE"]\n', "no_aze.toml")
    res = invoke(r, ["check", str(p), "--route", "rail:a,Samur,Bandar Abbas,Mumbai"])
    assert res.exit_code == 1
    assert "rail:samur-astara (Samur → Astara): crosses territory of AZE (forbidden: territory)" in res.stdout
    res = invoke(r, ["check", str(p), "--route", "rail:a,Sarakhs,Mumbai"])
    assert res.exit_code == 0, res.output
    assert "complies" in res.stdout
    res = invoke(r, ["check", str(p), "--route", "rail:a,Nowhere,Mumbai"])
    assert res.exit_code == 2
    route = r.route("rail:a", "port:INBOM", constraints=Constraints(via=("Samur",)))
    from corridors.cli.output import routes_json

    (tmp_path / "r.json").write_text(routes_json([route]))
    res = invoke(r, ["check", str(p), "--route", str(tmp_path / "r.json"), "--format", "json"])
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    assert doc["compliant"] is False
    assert {x["leg"] for x in doc["routes"][0]["violations"]} == {
        "rail:a-samur",
        "rail:samur-astara",
    }


def test_cli_list_bundled_and_folder(tmp_path: Path) -> None:
    from corridors.cli.scenario import scenario

    write(tmp_path, '[close]\nchokepoints = ["suez"]\n', "ok.toml")
    write(tmp_path, "[close\n", "broken.toml")
    res = CliRunner().invoke(scenario, ["list", "--dir", str(tmp_path)])
    assert res.exit_code == 1
    assert "INVALID" in res.stdout
    assert "closes suez" in res.stdout
    res = CliRunner().invoke(scenario, ["list"])
    assert res.exit_code == 0, res.output
    for name in (
        "red_sea_closure",
        "hormuz_closure",
        "no_azerbaijan",
        "no_iranian_ports",
        "instc_built",
        "winter",
    ):
        assert name in res.stdout


def test_group_is_a_click_group() -> None:
    from corridors.cli.explain import explain
    from corridors.cli.scenario import scenario
    from corridors.cli.sweep import sweep

    assert isinstance(scenario, click.Group)
    assert set(scenario.commands) >= {"run", "check", "list"}
    assert isinstance(sweep, click.Command)
    assert isinstance(explain, click.Command)


def test_root_registers_sweep_and_explain_from_their_modules() -> None:
    from corridors.cli.explain import explain
    from corridors.cli.main import cli
    from corridors.cli.scenario import scenario
    from corridors.cli.sweep import sweep

    assert cli.commands["sweep"] is sweep and cli.commands["explain"] is explain and cli.commands["scenario"] is scenario


def test_moved_names_still_import_from_scenario_with_a_warning() -> None:
    """The names that left corridors.scenario in the split are the same objects there, looked up
    lazily with a DeprecationWarning naming the new module: importing the reading module loads none of
    apply, whatif and compliance."""
    import subprocess
    import sys

    import corridors.apply
    import corridors.compliance
    import corridors.scenario as sc
    import corridors.whatif

    homes = {"apply": corridors.apply, "compliance": corridors.compliance, "whatif": corridors.whatif}
    moved = dict(sc._MOVED)
    assert len(moved) == 13
    for name, where in moved.items():
        with pytest.warns(DeprecationWarning, match=f"moved to corridors.{where}"):
            obj = getattr(sc, name)
        assert getattr(homes[where], name) is obj, name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = sc.nope
    code = (
        "import sys, warnings, corridors.scenario as s\n"
        "assert not {'corridors.apply', 'corridors.whatif', 'corridors.compliance'} & set(sys.modules), sorted(sys.modules)\n"
        "warnings.simplefilter('ignore', DeprecationWarning)\n"
        "from corridors.scenario import apply_scenario, best_route, doubles_back, run_scenario, check_route\n"
        "assert {'corridors.apply', 'corridors.whatif', 'corridors.compliance'} <= set(sys.modules)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)  # noqa: S603 - our own interpreter
    assert res.returncode == 0, res.stderr


# ---------------------------------------------------------------------------------------- bundled
def _network_ready() -> bool:
    from corridors.io import bundled_network_files

    return bool(bundled_network_files())


needs_network = pytest.mark.skipif(not _network_ready(), reason="the bundled network (data/network/*.geojson) is not there yet")
CHEL, MUM = "Chelyabinsk", "Mumbai"


@pytest.fixture(scope="module")
def runs(router: Router) -> dict[str, Any]:
    out = {}
    for p in bundled_scenarios():
        out[p.stem] = run_scenario(read_scenario(p), router, CHEL, MUM)
    return out


def every_route(run: Any) -> list[Any]:
    return [*run.result.routes, *(s for _, s in run.best.values() if s is not None)]


@needs_network
def test_bundled_scenarios_are_valid_and_documented() -> None:
    readme = (bundled_scenarios()[0].parent / "README.md").read_text(encoding="utf-8")
    names = [p.stem for p in bundled_scenarios()]
    assert {
        "red_sea_closure",
        "hormuz_closure",
        "no_azerbaijan",
        "no_iranian_ports",
        "instc_built",
        "winter",
        "sarakhs_jam",
    } <= set(names)
    for n in names:
        assert f"`{n}`" in readme


@needs_network
def test_bundled_scenarios_leave_the_router_alone(router: Router, runs: dict[str, Any]) -> None:
    assert all(d.get("status_before") is None for _, _, d in router.G.edges(data=True))
    assert not any("scenario" in str(f) for f in router.params.files)


@needs_network
def test_red_sea_closure(runs: dict[str, Any]) -> None:
    run = runs["red_sea_closure"]
    assert every_route(run)
    for route in every_route(run):
        assert not {"suez", "bab_el_mandeb"} & set(route.chokepoints)
    assert "suez" not in run.survivors()


@needs_network
def test_hormuz_closure(runs: dict[str, Any]) -> None:
    run = runs["hormuz_closure"]
    assert every_route(run)
    for route in every_route(run):
        assert "hormuz" not in route.chokepoints


@needs_network
def test_no_azerbaijan(router: Router, runs: dict[str, Any]) -> None:
    run = runs["no_azerbaijan"]
    assert "instc_west" not in run.survivors()
    for route in every_route(run):
        assert all("AZE" not in m.countries for m in route.moves)
        for m in route.moves:
            for n in (m.from_id, m.to_id):
                nd = router.G.nodes[n]
                assert not (nd.get("country") == "AZE" and nd.get("kind") != "port")


@needs_network
def test_no_iranian_ports(runs: dict[str, Any]) -> None:
    run = runs["no_iranian_ports"]
    assert every_route(run)
    for route in every_route(run):
        assert all(c != "IRN" for _, _, c in route.ports)


@needs_network
def test_instc_built_opens_its_legs(router: Router, runs: dict[str, Any]) -> None:
    run = runs["instc_built"]
    opened = {lg for lg, _ in run.applied.opened_legs}
    assert opened, "instc_built should open planned or under-construction legs"
    for lg in opened:
        assert all(d["status"] != "operational" for _, _, k, d in router.G.edges(keys=True, data=True) if k == lg)
    used = {lg for route in every_route(run) for lg in route.leg_ids} & opened
    assert used, "some scenario route should use an opened leg"
    for route in every_route(run):
        assert all(st == "operational" for _, st in route.not_operational) or not route.not_operational
    for route in run.baseline.routes:
        assert not set(route.leg_ids) & opened


@needs_network
def test_winter_has_no_nsr(runs: dict[str, Any]) -> None:
    run = runs["winter"]
    assert run.scenario.depart is not None
    assert run.scenario.depart.month == 1
    # the NSR family waits in port for the passage to open (months), or vanishes; no route of the run
    # passes the Arctic straits of the NSR proper before they open
    nsr = {"vilkitsky", "kara_gates", "sannikov", "dmitry_laptev"}
    for route in every_route(run):
        if nsr & set(route.chokepoints):
            assert any(s.kind == "season_wait" and s.dwell_h > 24 * 60 for s in route.stops)
        start = dt.datetime.combine(run.scenario.depart, dt.time())
        for m in route.moves:
            if m.months:
                assert (start + dt.timedelta(hours=m.start_h)).month in m.months


@needs_network
def test_sarakhs_jam_slows_instc_east(router: Router, runs: dict[str, Any]) -> None:
    run = runs["sarakhs_jam"]
    via_sarakhs = [fid for fid, fam in router.families.items() if fam.crossing_nodes() == {"border:sarakhs"}]
    assert via_sarakhs
    jam = run.applied.router.G.nodes["border:sarakhs"]
    base = router.G.nodes["border:sarakhs"]
    assert jam["dwell_border_h"] == pytest.approx(3 * base.get("dwell_border_h", router.params.dwell_h["border_crossing"]))
    for f in run.families:
        if f.family in via_sarakhs and f.status == "survives" and f.same_path:
            assert f.delta("time_days") > 0
            assert f.delta("cost_usd") >= 0  # wagon rent while the wagons wait


@needs_network
def test_every_bundled_scenario_route_passes_its_own_check(runs: dict[str, Any]) -> None:
    for name, run in runs.items():
        for route in run.result.routes:
            if "turns back" in next((f.reason for f in run.families if f.family == route.family), ""):
                continue
            assert check_route(run.applied, route) == [], name
