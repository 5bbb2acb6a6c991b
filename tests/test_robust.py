"""Issue 13 (items 6-10) and issue 12's exports and feedback: numbers validated, every user error a
one-line exit 1 or 2, limits, output ownership both ways, sweep edges, exports by extension, logging."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from corridors.cli.context import State
from corridors.cli.main import CorridorsGroup, cli


@pytest.fixture(scope="module")
def state_router(router: Any) -> Any:
    return router


def run(*args: str, router: Any = None) -> Any:
    """``corridors ARGS``; with ``router``, on that router (the global options are then not parsed)."""
    if router is None:
        return CliRunner().invoke(cli, list(args))
    root = CorridorsGroup(name="corridors", commands=cli.commands)
    state = State()
    state._G, state._router = router.G, router
    return CliRunner().invoke(root, list(args), obj=state)


def one_line_error(res: Any, code: int | tuple[int, ...]) -> str:
    codes = (code,) if isinstance(code, int) else code
    assert res.exit_code in codes, (res.exit_code, res.output, res.stderr)
    assert "Traceback" not in res.output + res.stderr
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.startswith("Error")]
    assert len(lines) == 1, res.stderr
    return str(lines[0])


# ----------------------------------------------------------------------------- numbers (item 6)
def test_network_numbers_must_be_finite_and_in_range(tmp_path: Path) -> None:
    from corridors.checks import check_records
    from corridors.io import read_layers

    layer = tmp_path / "nan.geojson"
    layer.write_text(
        '{"type":"FeatureCollection","features":['
        '{"type":"Feature","properties":{"id":"rail:x1","name":"X1","kind":"rail_terminal","country":"RUS","source":"t",'
        '"dwell_transfer_h":NaN,"dwell_border_h":1e9},"geometry":{"type":"Point","coordinates":[60,55]}},'
        '{"type":"Feature","properties":{"id":"leg:x","from":"rail:x1","to":"rail:x1b","mode":"rail","status":"operational",'
        '"source":"t","gauge_mm":1520,"length_km":NaN,"speed_kmh":Infinity,"frequency_per_week":-1},'
        '"geometry":{"type":"LineString","coordinates":[[60,55],[61.4,55.16]]}},'
        '{"type":"Feature","properties":{"id":"leg:y","from":"rail:x1","to":"rail:x1b","mode":"rail","status":"operational",'
        '"source":"t","gauge_mm":1520,"length_km":1e7,"speed_kmh":5000},'
        '"geometry":{"type":"LineString","coordinates":[[60,55],[61.4,55.16]]}}]}'
    )
    problems = check_records(read_layers([layer]))
    found = {(p.file, p.feature, p.id, p.field) for p in problems}
    f = str(layer)
    for where in [
        (f, 0, "rail:x1", "dwell_transfer_h"),
        (f, 0, "rail:x1", "dwell_border_h"),
        (f, 1, "leg:x", "length_km"),
        (f, 1, "leg:x", "speed_kmh"),
        (f, 1, "leg:x", "frequency_per_week"),
        (f, 2, "leg:y", "length_km"),
        (f, 2, "leg:y", "speed_kmh"),
    ]:
        assert where in found, where


def test_parameters_must_be_finite(tmp_path: Path) -> None:
    from corridors.errors import ParameterError
    from corridors.params import load_parameters

    for bad in ("nan", "inf", "-inf", "-3"):
        p = tmp_path / "p.toml"
        p.write_text(f"[dwell_h]\nport_export = {bad}\n")
        with pytest.raises(ParameterError, match=r"\[dwell_h\] port_export"):
            load_parameters(p)


@pytest.mark.parametrize(
    ("section", "change", "key"),
    [
        ('[nodes."rail:a"]', "dwell_transfer_h = { add = -1000 }", 'nodes."rail:a".dwell_transfer_h'),
        ("[parameters.dwell_h]", "port_export = { add = -1000 }", "parameters.dwell_h.port_export"),
        ("[parameters.dwell_h]", "port_export = { multiply = inf }", "parameters.dwell_h.port_export.multiply"),
        ("[parameters.dwell_h]", "port_export = nan", "parameters.dwell_h.port_export"),
        ("[parameters.dwell_h]", "port_export = { add = inf }", "parameters.dwell_h.port_export.add"),
    ],
)
def test_scenario_numbers_that_give_negative_or_infinite_values_are_rejected(tmp_path: Path, section: str, change: str, key: str) -> None:
    from test_scenario import invoke_root, synthetic_router

    f = tmp_path / "neg.toml"
    f.write_text(f'[scenario]\nname = "neg"\n{section}\n{change}\n')
    res = invoke_root(synthetic_router(), ["scenario", "run", str(f), "rail:a", "port:INBOM"])
    line = one_line_error(res, 2)
    assert f"key {key}" in line


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--chokepoint-weight", "hormuz=-50"], "weight of hormuz"),
        (["--chokepoint-weight", "hormuz=nan"], "weight of hormuz"),
        (["--chokepoint-weight", "hormuz"], "ID=WEIGHT"),
        (["--optimize", "time=inf"], "weight for time"),
        (["--optimize", "time=0,cost=0"], "positive weight"),
        (["--optimize", "time=-1,cost=2"], "weight for time"),
        (["--depart", "9999-12-31"], "outside the dates"),
        (["--depart", "2026-02-30"], "not a date"),
        (["--max-transshipments", "1000"], "0<=x<=20"),
        (["--via", "Baku"] * 21, "at most 20"),
        (["--alternatives", "1000"], "1000"),
    ],
)
def test_bad_options_one_line_exit_2(args: list[str], words: str) -> None:
    res = run("route", "Chelyabinsk", "Mumbai", *args)
    line = one_line_error(res, 2)
    assert words in line
    assert "RuntimeWarning" not in res.stderr


# ----------------------------------------------------------------------------- exit codes (item 7)
def test_hostile_input_files_exit_1(tmp_path: Path, router: Any) -> None:
    n = 50_000
    deep_json = tmp_path / "deep.geojson"
    deep_json.write_text("[" * n + "]" * n)
    deep_toml = tmp_path / "deep.toml"
    deep_toml.write_text("a = " + "[" * n + "]" * n + "\n")
    binary = tmp_path / "bin.toml"
    binary.write_bytes(bytes(range(256)) * 8)
    for args, code in [
        (["--params", str(binary), "route", "Chelyabinsk", "Mumbai"], 1),
        (["--params", str(deep_toml), "route", "Chelyabinsk", "Mumbai"], 1),
        (["--params", "/dev/zero", "route", "Chelyabinsk", "Mumbai"], 1),
        (["--layer", str(deep_json), "route", "Chelyabinsk", "Mumbai"], 1),
        (["--layer", "/dev/zero", "route", "Chelyabinsk", "Mumbai"], 1),
        (["scenario", "run", str(deep_toml), "Chelyabinsk", "Mumbai"], 2),
        (["scenario", "run", "/dev/zero", "Chelyabinsk", "Mumbai"], 2),
    ]:
        one_line_error(run(*args), code)


def test_input_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from corridors.errors import DataFileError
    from corridors.io import read_text

    big = tmp_path / "big.geojson"
    big.write_text(" " * 3 * 1024 * 1024)
    monkeypatch.setenv("CORRIDORS_MAX_INPUT_MB", "1")
    with pytest.raises(DataFileError, match="larger than 1 MB"):
        read_text(big)


def test_unwritable_output_is_one_line_and_leaves_nothing(tmp_path: Path, router: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import corridors.io as cio

    def full(self: Path, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full)
    out = tmp_path / "r.json"
    line = one_line_error(run("route", "Chelyabinsk", "Mumbai", "-o", str(out), router=router), 1)
    assert "No space left on device" in line and str(out) in line
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    assert cio.write_atomic(out, "x") == out


def test_read_only_folder(tmp_path: Path, router: Any) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    d = tmp_path / "ro"
    d.mkdir()
    d.chmod(0o555)
    one_line_error(run("route", "Chelyabinsk", "Mumbai", "-o", str(d / "r.csv"), router=router), 1)


# ----------------------------------------------------------------------------- exports (issue 12)
def test_exports_by_extension_round_trip(tmp_path: Path, router: Any) -> None:
    import geopandas as gpd
    import pandas as pd

    res = run("route", "Chelyabinsk", "Mumbai", "--alternatives", "2", "--format", "json", router=router)
    doc = json.loads(res.stdout)
    times = [r["time_days"] for r in doc["routes"]] if "time_days" in doc["routes"][0] else None
    n_legs = None
    for ext in ("csv", "json", "geojson", "gpkg", "parquet", "xlsx", "txt", "table"):
        out = tmp_path / f"r.{ext}"
        res = run("route", "Chelyabinsk", "Mumbai", "--alternatives", "2", "-o", str(out), router=router)
        assert res.exit_code == 0, res.stderr
        if ext == "csv":
            df = pd.read_csv(out)
            assert len(df) == 2
            if times:
                assert df["time_days"].round(6).tolist() == [round(t, 6) for t in times]
        elif ext == "parquet":
            df = pd.read_parquet(out)
            assert len(df) == 2 and "time_days" in df
        elif ext == "xlsx":
            sheets = pd.read_excel(out, sheet_name=None)
            assert set(sheets) == {"routes", "legs"} and len(sheets["routes"]) == 2
        elif ext == "json":
            assert len(json.loads(out.read_text())["routes"]) == 2
        elif ext == "geojson":
            g = gpd.read_file(out)
            n_legs = len(g)
            assert set(g["route"]) == {0, 1}
        elif ext == "gpkg":
            g = gpd.read_file(out, layer="legs")
            assert g.crs.to_epsg() == 4326 and set(g["route"]) == {0, 1}
            assert n_legs is None or len(g) == n_legs
        else:
            assert "Chelyabinsk" in out.read_text() and not out.read_text().lstrip().startswith("{")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["-o", "x.png"], "cannot tell the format"),
        (["-o", "x"], "cannot tell the format"),
        (["--map", "x.png"], "ending in .html"),
        (["--format", "json", "-o", "x.csv"], "does not match"),
        (["--format", "parquet"], "give -o FILE"),
    ],
)
def test_unknown_or_mismatched_extension(args: list[str], words: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    line = one_line_error(run("route", "Chelyabinsk", "Mumbai", *args), 2)
    assert words in line
    assert list(tmp_path.iterdir()) == []


def test_missing_optional_library_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "openpyxl" else real(name, *a))
    line = one_line_error(run("route", "Chelyabinsk", "Mumbai", "-o", str(tmp_path / "r.xlsx")), 2)
    assert "corridors[xlsx]" in line and "openpyxl" in line


# ----------------------------------------------------------------------------- file protection (item 9)
@pytest.mark.parametrize("ext", ["csv", "txt", "json", "geojson", "gpkg"])
def test_own_outputs_replaced_foreign_never(ext: str, tmp_path: Path, router: Any) -> None:
    out = tmp_path / f"r.{ext}"
    assert run("route", "Chelyabinsk", "Mumbai", "-o", str(out), router=router).exit_code == 0
    first = out.read_bytes()
    res = run("route", "Chelyabinsk", "Mumbai", "--optimize", "cost", "-o", str(out), router=router)
    assert res.exit_code == 0, res.stderr  # our own file: replaced without --force
    assert out.read_bytes() != first or ext == "gpkg"
    # a foreign file that even claims to be ours
    foreign = tmp_path / f"theirs.{ext}"
    foreign.write_text('{"generator": "corridors", "mine": true}\n<meta name="generator" content="corridors">')
    before = foreign.read_bytes()
    line = one_line_error(run("route", "Chelyabinsk", "Mumbai", "-o", str(foreign), router=router), 1)
    assert "--force" in line
    assert foreign.read_bytes() == before
    # our file edited by someone: no longer ours
    out.write_bytes(out.read_bytes() + b"\n")
    one_line_error(run("route", "Chelyabinsk", "Mumbai", "-o", str(out), router=router), 1)
    assert run("route", "Chelyabinsk", "Mumbai", "-o", str(out), "--force", router=router).exit_code == 0
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_sidecar_of_another_user_or_a_copied_sidecar_is_not_trusted(tmp_path: Path) -> None:
    from corridors.io import sidecar_path, write_atomic, written_by_us

    a = tmp_path / "a.csv"
    write_atomic(a, "x\n")
    assert written_by_us(a)
    b = tmp_path / "b.csv"
    b.write_text("theirs\n")
    sidecar_path(b).write_bytes(sidecar_path(a).read_bytes())  # a sidecar copied beside a foreign file
    assert not written_by_us(b)
    if os.geteuid() == 0:
        os.chown(sidecar_path(a), 12345, 12345)
        assert not written_by_us(a)


# ----------------------------------------------------------------------------- sweeps (items 9, 10)
def _sweep_args(scen_dir: Path, out: Path, *extra: str) -> list[str]:
    return ["sweep", "--scenarios", str(scen_dir), "--pairs", "rail:a->port:INBOM", "-o", str(out), "-j", "1", *extra]


def test_damaged_checkpoint_first_line_is_refused(tmp_path: Path) -> None:
    from test_scenario import synthetic_router
    from test_sweep import PAIRS, SCENARIOS

    from corridors.sweep import SweepError, checkpoint_path, run_sweep

    d = tmp_path / "sc"
    d.mkdir()
    for name, text in SCENARIOS.items():
        (d / name).write_text(text)
    r = synthetic_router()
    out = tmp_path / "s.csv"
    run_sweep([d], PAIRS, out, jobs=1, router=r, max_tasks=3)
    ck = checkpoint_path(out)
    lines = ck.read_text().splitlines()
    ck.write_text('{"meta": {"objective": "ti' + "\n" + "\n".join(lines[1:]) + "\n")  # first line cut
    with pytest.raises(SweepError, match="first line"):
        run_sweep([d], PAIRS, out, jobs=1, router=r)
    assert not out.exists()
    res = run_sweep([d], PAIRS, out, jobs=1, router=r, restart=True)
    assert res.complete


def test_parquet_without_pyarrow_fails_before_any_task(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from test_scenario import synthetic_router

    import corridors.sweep as sw

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pyarrow" else real(name, *a))
    ran: list[Any] = []
    monkeypatch.setattr(sw, "run_task", lambda *a: ran.append(a))
    with pytest.raises(sw.SweepError, match="pyarrow"):
        sw.run_sweep([], [("rail:a", "port:INBOM")], tmp_path / "s.parquet", jobs=1, router=synthetic_router())
    assert ran == []


@pytest.mark.parametrize("address", ["garbage://x", "tcp://", "tcp://host", "tcp://host:99999", "http://h:1"])
def test_bad_scheduler_fails_fast(address: str, tmp_path: Path) -> None:
    import time

    from test_scenario import invoke_root, synthetic_router

    t0 = time.perf_counter()
    res = invoke_root(synthetic_router(), ["sweep", "--pairs", "rail:a->port:INBOM", "-o", str(tmp_path / "s.csv"), "--scheduler", address])
    assert res.exit_code in (1, 2)
    assert "Traceback" not in res.output
    assert time.perf_counter() - t0 < 10
    assert not (tmp_path / "s.csv").exists()


def test_sweep_output_locked_and_not_replaced_by_a_concurrent_run(tmp_path: Path) -> None:
    import fcntl

    from test_scenario import synthetic_router

    from corridors.errors import OutputExistsError, OutputLockedError
    from corridors.sweep import SweepConfig, run_sweep

    r = synthetic_router()
    out = tmp_path / "s.csv"
    # another run holds the output: refused at once
    with (tmp_path / ".s.csv.lock").open("a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        with pytest.raises(OutputLockedError):
            run_sweep([], [("rail:a", "port:INBOM")], out, jobs=1, router=r)
    # a table written by another run while this one ran is not replaced
    finished = b"scenario,objective\nbaseline,time\n"

    def on_start(n: int, done: int) -> None:
        out.write_bytes(finished)

    with pytest.raises(OutputExistsError, match="another run"):
        run_sweep([], [("rail:a", "port:INBOM")], out, jobs=1, router=r, config=SweepConfig(objective="cost"), on_start=on_start)
    assert out.read_bytes() == finished


# ----------------------------------------------------------------------------- feedback (issue 12)
def test_verbose_logs_what_is_loaded_and_the_cost(tmp_path: Path) -> None:
    res = run("-v", "route", "Chelyabinsk", "Mumbai", "-o", str(tmp_path / "r.csv"))
    assert res.exit_code == 0
    err = res.stderr
    assert "network: " in err and " nodes, " in err and " s" in err
    assert "parameters from " in err and "parameters.toml" in err
    assert "routing engine: " in err
    res = run("route", "Chelyabinsk", "Mumbai", "-o", str(tmp_path / "r.csv"))
    assert res.stderr.strip() == f"wrote {tmp_path / 'r.csv'}"  # quiet without -v (not a terminal)


def test_first_build_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORRIDORS_CACHE_DIR", str(tmp_path / "empty-cache"))
    res = run("-v", "network", "info")
    assert res.exit_code == 0
    assert "building the network" in res.stderr


# ----------------------------------------------------------------------------- explain's time budget (item 8)
def test_explain_search_has_a_time_budget() -> None:
    from test_scenario import synthetic_router

    from corridors.explain import explain
    from corridors.routing import Constraints

    r = synthetic_router()
    c = Constraints(avoid_countries=("IRN",), avoid_chokepoints=("hormuz", "suez", "bab_el_mandeb", "vilkitsky", "bering"))
    full = explain(r, "rail:a", "port:INBOM", constraints=c)
    assert full.openings and not full.timed_out
    cut = explain(r, "rail:a", "port:INBOM", constraints=c, time_budget_s=0.0)
    assert cut.best is None and cut.timed_out and not cut.openings
    assert "time budget" in cut.text()
    assert cut.to_dict()["timed_out"] is True


def test_network_export_format_from_extension(tmp_path: Path) -> None:
    line = one_line_error(run("network", "export", str(tmp_path / "net.png")), 2)
    assert ".geojson or .gpkg" in line
    one_line_error(run("network", "export", "--format", "gpkg", str(tmp_path / "net.geojson")), 2)
    assert list(tmp_path.iterdir()) == []
    out = tmp_path / "net.geojson"
    assert run("network", "export", str(out)).exit_code == 0
    assert json.loads(out.read_text())["type"] == "FeatureCollection"
    assert run("network", "export", str(out)).exit_code == 0  # ours: replaced
