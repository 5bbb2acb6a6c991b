"""The command line, as a user meets it: exit codes, one-line errors, machine-readable output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from corridors.cli.main import cli


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_help() -> None:
    res = run("--help")
    assert res.exit_code == 0
    for cmd in ("compare", "route", "places", "network", "chokepoints"):
        assert cmd in res.stdout


def test_places_finds_aliases() -> None:
    res = run("places", "bombay", "--format", "json")
    assert res.exit_code == 0
    assert [r["id"] for r in json.loads(res.stdout)] == ["port:INBOM"]


def test_unknown_place_one_line_exit_2() -> None:
    res = run("route", "Chelyabinskk", "Mumbai")
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "unknown place 'Chelyabinskk'" in lines[0] and "did you mean" in lines[0]
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("--avoid-chokepoint", "hormuzz"), "unknown chokepoint"),
        (("--depart", "2026-13-01"), "is not a date"),
        (("--optimize", "speed"), "is not one of"),
        (("--modes", "rail,teleport"), "unknown mode"),
        (("--avoid-country", "Iran"), "ISO 3166-1 alpha-3"),
    ],
)
def test_bad_options_exit_2(args: tuple[str, ...], text: str) -> None:
    res = run("route", "Chelyabinsk", "Mumbai", *args)
    assert res.exit_code == 2
    assert text in res.stderr
    assert "Traceback" not in res.stderr


def test_route_json_honours_avoid_country() -> None:
    res = run("route", "Chelyabinsk", "Mumbai", "--avoid-country", "IRN", "--format", "json")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    (route,) = doc["routes"]
    assert "IRN" not in route["countries"].split(",")
    for step in route["steps"]:
        if step["type"] == "leg":
            assert "IRN" not in step["countries"]


def test_no_route_exit_1_says_why() -> None:
    res = run("route", "Chelyabinsk", "Mumbai", "--modes", "rail")
    assert res.exit_code == 1
    assert "no route from Chelyabinsk to" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_compare_table_and_csv() -> None:
    res = run("compare", "Chelyabinsk", "Mumbai")
    assert res.exit_code == 0, res.stderr
    for name in ("INSTC eastern", "INSTC western", "Trans-Caspian", "Chabahar", "Suez", "Cape", "Trans-Siberian"):
        assert name in res.stdout
    assert "*" in res.stdout
    csv = run("compare", "Chelyabinsk", "Mumbai", "--format", "csv")
    header = csv.stdout.splitlines()[0].split(",")
    assert {"time_days", "cost_usd", "co2_kg", "exposure", "chokepoints"} <= set(header)


def test_output_file_atomic_and_protected(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    res = run("route", "Moscow", "Mundra", "--format", "json", "-o", str(out))
    assert res.exit_code == 0
    assert json.loads(out.read_text())["routes"]
    again = run("route", "Moscow", "Mundra", "--format", "json", "-o", str(out))
    assert again.exit_code == 0, "our own output may be replaced"
    mine = tmp_path / "notes.json"
    mine.write_text("my notes")
    res = run("route", "Moscow", "Mundra", "--format", "json", "-o", str(mine))
    assert res.exit_code == 1
    assert "--force" in res.stderr
    assert mine.read_text() == "my notes"


def test_network_info_json() -> None:
    res = run("network", "info", "--format", "json")
    info = json.loads(res.stdout)
    assert info["components"] == 1
    assert {"rail", "sea", "ferry", "road"} <= set(info["legs_by_mode"])
    assert info["legs_by_status"].get("planned", 0) >= 1
    assert info["legs_by_status"].get("under_construction", 0) >= 1


def test_network_validate_reports_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"id": "x", "name": "X", "kind": "port", "country": "IRN", "source": "t"},
                        "geometry": {"type": "Point", "coordinates": [27.2, 56.3]},
                    }
                ],
            }
        )
    )
    res = run("network", "validate", str(bad))
    assert res.exit_code == 1
    assert "bad.geojson, feature 0, id 'x'" in res.stdout
    ok = run("network", "validate")
    assert ok.exit_code == 0, ok.stdout


def test_network_export_geojson(tmp_path: Path) -> None:
    out = tmp_path / "net.geojson"
    res = run("network", "export", str(out))
    assert res.exit_code == 0
    doc = json.loads(out.read_text())
    kinds = {f["geometry"]["type"] for f in doc["features"]}
    assert {"Point", "LineString"} <= kinds


def test_layer_option_bad_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.geojson"
    bad.write_text("{not json")
    res = run("--layer", str(bad), "route", "Moscow", "Mumbai")
    assert res.exit_code == 1
    assert "broken.geojson" in res.stderr and "not valid JSON" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_position_is_snapped_and_reported() -> None:
    res = run("route", "61.4,55.2", "Mumbai", "--format", "json")
    assert res.exit_code == 0
    assert "-> Chelyabinsk (rail:chelyabinsk), snapped" in res.stderr
    assert json.loads(res.stdout)["routes"][0]["origin_id"] == "rail:chelyabinsk"


def test_network_export_gpkg(tmp_path: Path) -> None:
    pyogrio = pytest.importorskip("pyogrio")
    out = tmp_path / "net.gpkg"
    assert run("network", "export", str(out)).exit_code == 0
    layers = {name for name, _ in pyogrio.list_layers(out)}
    assert layers == {"nodes", "legs"}
    assert run("network", "export", str(out)).exit_code == 0, "corridors' own GeoPackage is replaced"
    foreign = tmp_path / "theirs.gpkg"
    foreign.write_bytes(b"SQLite format 3\0 not ours")
    assert run("network", "export", str(foreign)).exit_code == 1, "a foreign GeoPackage needs --force"
    assert foreign.read_bytes() == b"SQLite format 3\0 not ours"


def test_vessel_too_big_for_a_canal_goes_round() -> None:
    """``--vessel``: a ship too deep for the Suez Canal at its beam (the published draught-by-beam
    table, interpolated) sails round the Cape; one that fits takes the canal."""
    from corridors.vessels import Vessel, read_limits

    suez = next(w for w in read_limits() if w.chokepoint == "suez")
    deep, fits = "350x60x19", "350x60x15"
    assert suez.why_not(Vessel(350, 60, 19)) and suez.why_not(Vessel(350, 60, 15)) is None
    res = run("route", "Novorossiysk", "Nhava Sheva", "--modes", "sea", "--vessel", deep, "--format", "json")
    assert res.exit_code == 0, res.output
    assert "Suez Canal" in res.stderr and "suez avoided" in res.stderr
    passes = json.loads(res.stdout)["routes"][0]["chokepoints"].split(",")
    assert "suez" not in passes and "cape_of_good_hope" in passes
    res = run("route", "Novorossiysk", "Nhava Sheva", "--modes", "sea", "--vessel", fits, "--format", "json")
    assert res.exit_code == 0 and "suez avoided" not in res.stderr
    assert "suez" in json.loads(res.stdout)["routes"][0]["chokepoints"].split(",")
    bad = run("route", "Novorossiysk", "Nhava Sheva", "--vessel", "big")
    assert bad.exit_code == 2 and "length x beam x draught" in bad.stderr
