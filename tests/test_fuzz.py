"""A seeded fuzz test of the CLI's options and of scenario and layer files: a few hundred generated bad
inputs, none may print a traceback or exit 70 (an internal error). ``CORRIDORS_FUZZ_N=10`` runs ten times
as many."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from corridors.cli.context import State
from corridors.cli.main import CorridorsGroup, cli

N = int(os.environ.get("CORRIDORS_FUZZ_N", "1"))

NUMBERS = ["0", "-1", "-50", "1e309", "-1e309", "nan", "inf", "-inf", "1e-320", "999999999999", "0x10", "", " ", "1,2", "1=2", "½", "١٢"]
WORDS = [
    "",
    " ",
    "hormuz",
    "HORMUZ",
    "nsr_zone",
    "IRN",
    "irn",
    "IRM",
    "Baku",
    "x" * 500,
    "\x00",
    "é",
    "rail:baku",
    "../../etc/passwd",
    "a=b=c",
    ",,,",
    "Mumbai",
]
DATES = ["2026-02-30", "9999-12-31", "0001-01-01", "2026-13-01", "yesterday", "2026-1-1", "", "2026-06-25T00:00"]
OPTS: dict[str, list[str]] = {
    "--optimize": [
        "time",
        "cost",
        "speed",
        "time=inf",
        "time=nan",
        "time=-1",
        "time=1,cost=",
        "=1",
        "time=1,time=2",
        "exposure=0",
        *NUMBERS,
    ],
    "--chokepoint-weight": [f"{w}={n}" for w in ("hormuz", "suez", "nope", "") for n in NUMBERS] + WORDS,
    "--depart": DATES,
    "--max-transshipments": [*NUMBERS, "21", "1000", "3"],
    "--alternatives": [*NUMBERS, "11", "1000", "2"],
    "--avoid-country": WORDS,
    "--avoid-chokepoint": WORDS,
    "--avoid-port": WORDS,
    "--avoid-leg": WORDS,
    "--via": WORDS,
    "--modes": ["rail", "sea", "air", "", "rail,,sea", "RAIL"],
    "--country-scope": ["ports", "both", "nothing"],
    "--family": ["suez", "nope", "", "nsr"],
    "--format": ["json", "csv", "xml", "parquet", "table"],
    "-o": ["out.png", "out", "out.csv", "out.json", "dir/", "/proc/version", ".", "out.xlsx"],
    "--map": ["m.png", "m.html", "m"],
}
PLACES = ["Chelyabinsk", "Mumbai", "", "Nowhere", "200,100", "61.4,55.2", "nan,nan", "rail:chelyabinsk", "\x00"]
# sensible values, drawn most of the time so that the bad one in a command reaches deep code
GOOD: dict[str, list[str]] = {
    "--optimize": ["time", "cost", "time=1,cost=0.5", "exposure"],
    "--chokepoint-weight": ["hormuz=3", "suez=0"],
    "--depart": ["2026-06-25", "2026-11-19", "2026-01-15"],
    "--max-transshipments": ["0", "2", "20"],
    "--alternatives": ["2", "3"],
    "--avoid-country": ["AZE", "IRN"],
    "--avoid-chokepoint": ["hormuz", "suez,bab_el_mandeb"],
    "--avoid-port": ["Bandar Abbas", "port:INBOM"],
    "--avoid-leg": ["rail:chelyabinsk-orsk_nikeltau"],
    "--via": ["Tehran", "Baku", "Astrakhan"],
    "--modes": ["rail,sea", "sea", "rail,sea,ferry,road"],
    "--country-scope": ["ports", "territory"],
    "--family": ["suez", "instc_east"],
    "--format": ["json", "csv", "geojson"],
    "-o": ["out.csv", "out.json", "out.txt", "out.parquet"],
    "--map": ["m.html"],
}


def _root(router: Any) -> Any:
    def invoke(args: list[str]) -> Any:
        root = CorridorsGroup(name="corridors", commands=cli.commands)
        state = State()
        state._G, state._router = router.G, router
        return CliRunner().invoke(root, args, obj=state)

    return invoke


def _check(res: Any, args: Any) -> None:
    assert res.exit_code != 70, (args, res.stderr)
    assert "Traceback" not in res.output + res.stderr, (args, res.stderr)
    if res.exception is not None:
        assert isinstance(res.exception, SystemExit), (args, repr(res.exception))


def test_fuzz_route_and_compare_options(router: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    rng = random.Random(13)  # noqa: S311 - seeded test data
    invoke = _root(router)
    codes: list[int] = []
    for _ in range(150 * N):
        cmd = rng.choice(["route", "compare"])
        places = ["Chelyabinsk", "Moscow", "Mumbai", "Mundra"] if rng.random() < 0.8 else PLACES
        args = [cmd, rng.choice(places), rng.choice(places)]
        for opt in rng.sample(sorted(OPTS), rng.randint(1, 3)):
            if cmd == "compare" and opt in ("--alternatives", "--family"):
                continue
            args += [opt, rng.choice(OPTS[opt] if rng.random() < 0.3 else GOOD[opt])]
        res = invoke(args)
        _check(res, args)
        codes.append(res.exit_code)
    assert codes.count(0) > 20 and codes.count(1) + codes.count(2) > 20  # reaches both answers and errors


# ----------------------------------------------------------------------------- scenario files
SCENARIO_KEYS: dict[str, list[str]] = {
    "scenario": ["name", "description", "depart", "nope"],
    "forbid": ["territory", "ports", "chokepoints", "countries"],
    "close": ["chokepoints", "legs", "nodes", "ports"],
    "open": ["planned", "legs"],
    'nodes."rail:a"': ["dwell_transfer_h", "dwell_border_h", "dwell_gauge_h", "x"],
    'nodes."nope"': ["dwell_transfer_h"],
    "parameters.dwell_h": ["port_export", "border_crossing", "nope"],
    "parameters.speed_kmh": ["rail", "sea", "air"],
    "chokepoint_weights": ["hormuz", "suez", "nope"],
    "nope": ["x"],
}
TOML_VALUES = [
    "1",
    "-1",
    "0",
    "nan",
    "inf",
    "-inf",
    "1e308",
    '"x"',
    '""',
    "true",
    "[]",
    '["AZE"]',
    '["IRM"]',
    '["suez", 3]',
    "{ add = -1000 }",
    "{ add = nan }",
    "{ multiply = -2 }",
    "{ multiply = 0 }",
    "{ value = inf }",
    "{ add = 1, multiply = 2 }",
    "{ }",
    "{ nope = 1 }",
    '"all"',
    "9999-12-31",
    "2026-06-25",
    "0001-01-01",
    "{ value = [1, [2, [3]]] }",
    "[" * 40 + "]" * 40,
    '"' + "\\u0000" + '"',
]


GOOD_TOML: dict[str, list[str]] = {
    "name": ['"x"'],
    "description": ['"d"'],
    "depart": ["2026-06-25"],
    "territory": ['["AZE"]'],
    "ports": ['["IRN"]'],
    "chokepoints": ['["suez"]'],
    "legs": ["[]"],
    "nodes": ["[]"],
    "planned": ['"all"'],
    "dwell_transfer_h": ["{ multiply = 2 }", "{ add = 5 }"],
    "dwell_border_h": ["12"],
    "dwell_gauge_h": ["{ add = -1 }"],
    "port_export": ["{ multiply = 1.5 }", "30"],
    "border_crossing": ["10"],
    "rail": ["{ multiply = 0.8 }"],
    "sea": ["30"],
    "hormuz": ["3"],
    "suez": ["0"],
}
GOOD_SECTIONS = ["scenario", "forbid", "close", 'nodes."rail:a"', "parameters.dwell_h", "parameters.speed_kmh", "chokepoint_weights"]


def _scenario_text(rng: random.Random) -> str:
    lines: list[str] = []
    sections = rng.sample(GOOD_SECTIONS, rng.randint(1, 3)) if rng.random() < 0.7 else rng.sample(sorted(SCENARIO_KEYS), rng.randint(1, 4))
    for section in sections:
        lines.append(f"[{section}]")
        for key in rng.sample(SCENARIO_KEYS[section], rng.randint(1, len(SCENARIO_KEYS[section]))):
            good = GOOD_TOML.get(key)
            lines.append(f"{key} = {rng.choice(good if good and rng.random() < 0.8 else TOML_VALUES)}")
    text = "\n".join(lines) + "\n"
    roll = rng.random()
    if roll < 0.05:
        text = text[: rng.randint(0, len(text))]  # cut short
    elif roll < 0.08:
        text = "a = " + "[" * 3000 + "]" * 3000
    elif roll < 0.10:
        return "\x00\xff\xfe" + text
    return text


def test_fuzz_scenario_files(tmp_path: Path) -> None:
    from test_scenario import invoke_root, synthetic_router

    rng = random.Random(1313)  # noqa: S311 - seeded test data
    r = synthetic_router()
    codes: list[int] = []
    for i in range(120 * N):
        f = tmp_path / f"s{i}.toml"
        text = _scenario_text(rng)
        f.write_bytes(text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text)
        cmd = rng.choice(
            [
                ["scenario", "run", str(f), "rail:a", "port:INBOM"],
                ["scenario", "check", str(f), "--route", "rail:a,port:INBOM"],
                ["scenario", "show", str(f)],
            ]
        )
        res = invoke_root(r, cmd)
        _check(res, (cmd, text[:200]))
        codes.append(res.exit_code)
    assert codes.count(0) > 5 and codes.count(2) > 20  # reaches both answers and errors


# ----------------------------------------------------------------------------- layer files
def _feature(rng: random.Random) -> Any:
    num = rng.choice([1.0, -1.0, 0, float("nan"), float("inf"), 1e308, "7", None, True, [1], {"a": 1}])
    props: dict[str, Any] = {"id": rng.choice(["rail:x", "leg:x", "", None, 3, "rail:chelyabinsk"]), "source": "t"}
    if rng.random() < 0.5:
        props.update(name="X", kind=rng.choice(["port", "rail_terminal", "moon", None]), country=rng.choice(["RUS", "rus", "IRM", 4]))
        props[rng.choice(["dwell_transfer_h", "dwell_border_h", "dwell_gauge_h"])] = num
        geom: Any = {"type": "Point", "coordinates": rng.choice([[60, 55], [200, 100], ["a", 1], [float("nan"), 1], []])}
    else:
        props.update(
            {
                "from": rng.choice(["rail:x", "rail:chelyabinsk", "marnet", None]),
                "to": rng.choice(["rail:chelyabinsk", "marnet", "rail:x"]),
            },
            mode=rng.choice(["rail", "sea", "air", None]),
            status=rng.choice(["operational", "planned", "dreamt"]),
            gauge_mm=rng.choice([1520, 1435, 1000, None, "1520"]),
            months=rng.choice([None, [1, 2], [13], [], "all", [True]]),
        )
        props[rng.choice(["length_km", "speed_kmh", "frequency_per_week"])] = num
        geom = {
            "type": rng.choice(["LineString", "MultiLineString", "Polygon", None]),
            "coordinates": rng.choice([[[60, 55], [61, 55]], [[60, 55]], [[60, 55], [60, 55]], None, [[[60, 55], [61, 55]]]]),
        }
    feat: Any = {"type": "Feature", "properties": props, "geometry": geom}
    if rng.random() < 0.1:
        feat = rng.choice([None, 1, "feature", [], {"type": "Feature"}])
    return feat


def test_fuzz_layer_files(tmp_path: Path) -> None:
    from corridors.checks import check_records
    from corridors.io import read_layers

    rng = random.Random(131313)  # noqa: S311 - seeded test data
    for i in range(150 * N):
        f = tmp_path / f"l{i}.geojson"
        doc: Any = {"type": "FeatureCollection", "features": [_feature(rng) for _ in range(rng.randint(0, 5))]}
        roll = rng.random()
        if roll < 0.05:
            doc = rng.choice([[], None, {"type": "FeatureCollection"}, {"type": "FeatureCollection", "features": {}}])
        text = json.dumps(doc)
        if 0.05 <= roll < 0.08:
            text = "[" * 5000 + "]" * 5000
        elif 0.08 <= roll < 0.10:
            text = text[: rng.randint(0, len(text))]
        f.write_text(text)
        layers = read_layers([f])  # problems are collected, never raised
        problems = [*layers.problems, *check_records(layers)]
        for p in problems:
            assert p.file == str(f)
            assert "\n" not in str(p)
