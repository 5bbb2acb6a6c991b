"""Sweeps: the table, its checkpoint and resuming, the process pool, Dask, the CLI."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

import pytest
from test_scenario import synthetic_router

import corridors.sweep as sweep_mod
from corridors.errors import DataFileError, ScenarioError
from corridors.routing import Router
from corridors.sweep import SweepConfig, SweepError, checkpoint_path, read_pairs, run_sweep

PAIRS = [("rail:a", "port:INBOM"), ("rail:a", "port:IRBND"), ("Novorossiysk", "Mumbai")]
SCENARIOS = {
    "red_sea.toml": '[scenario]\nname = "Red Sea"\n[close]\nchokepoints = ["bab_el_mandeb", "suez"]\n',
    "no_aze.toml": '[forbid]\nterritory = ["AZE"]\n',
    "built.toml": '[open]\nplanned = "all"\n[nodes."border:sarakhs"]\ndwell_border_h = { multiply = 3 }\n',
}


@pytest.fixture
def r() -> Router:
    return synthetic_router()


@pytest.fixture
def scen_dir(tmp_path: Path) -> Path:
    d = tmp_path / "scenarios"
    d.mkdir()
    for name, text in SCENARIOS.items():
        (d / name).write_text(text, encoding="utf-8")
    return d


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def keys(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(r["scenario"], r["origin_id"], r["destination_id"]) for r in rows]


# ---------------------------------------------------------------------------------------- inputs
def test_read_pairs_inline_and_file(tmp_path: Path) -> None:
    assert read_pairs("Chelyabinsk:Mumbai, Moscow:Nhava Sheva") == [
        ("Chelyabinsk", "Mumbai"),
        ("Moscow", "Nhava Sheva"),
    ]
    assert read_pairs("rail:a->port:INBOM") == [("rail:a", "port:INBOM")]
    with pytest.raises(DataFileError, match="use -> between ids"):
        read_pairs("rail:a:port:INBOM")
    p = tmp_path / "pairs.csv"
    p.write_text(
        "# OD pairs\norigin,destination,note\nChelyabinsk,Mumbai,x\nMoscow,Mundra,\n",
        encoding="utf-8",
    )
    assert read_pairs(p) == [("Chelyabinsk", "Mumbai"), ("Moscow", "Mundra")]
    p.write_text("origin,destination\nChelyabinsk,\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="row 2"):
        read_pairs(p)


def test_bundled_pairs_file() -> None:
    from corridors.scenario import bundled_scenarios_dir

    pairs = read_pairs(bundled_scenarios_dir() / "pairs.csv")
    assert len(pairs) == 20
    assert len(set(pairs)) == 20


# ---------------------------------------------------------------------------------------- the table
def test_sweep_table_one_row_per_scenario_pair_family_plus_best(tmp_path: Path, r: Router, scen_dir: Path) -> None:
    out = tmp_path / "out.csv"
    res = run_sweep([scen_dir], PAIRS, out, jobs=1, router=r)
    assert res.complete
    assert res.output == out
    assert not checkpoint_path(out).exists()
    rows = read_csv(out)
    n_scen = len(SCENARIOS) + 1  # + baseline
    assert len(rows) == n_scen * len(PAIRS) * (len(r.families) + 1)
    assert res.tasks_total == n_scen * len(PAIRS) == res.tasks_run
    assert {row["scenario"] for row in rows} == {"baseline", "red_sea", "no_aze", "built"}
    assert list(rows[0]) == list(sweep_mod.ROW_FIELDS)
    # the red sea rows never pass the closed straits; the suez family has no route there
    for row in rows:
        if row["scenario"] == "red_sea" and row["status"] == "ok":
            assert not {"suez", "bab_el_mandeb"} & set(row["chokepoints"].split(","))
    suez = [row for row in rows if row["scenario"] == "red_sea" and row["family"] == "suez"]
    assert suez
    assert all(row["status"] != "ok" for row in suez)
    # the best row equals Router.route under the scenario
    from corridors.apply import apply_scenario
    from corridors.scenario import read_scenario

    a = apply_scenario(read_scenario(scen_dir / "built.toml"), r)
    best = a.router.route("rail:a", "port:INBOM", constraints=a.constraints)
    row = next(
        x
        for x in rows
        if x["scenario"] == "built" and x["origin_id"] == "rail:a" and x["destination_id"] == "port:INBOM" and x["family"] == "best"
    )
    assert float(row["time_days"]) == pytest.approx(best.time_days, abs=0.01)
    # ranks: 1.. among the families with a genuine route
    ranks = sorted(
        int(x["rank"])
        for x in rows
        if x["scenario"] == "baseline" and x["origin_id"] == "rail:a" and x["destination_id"] == "port:INBOM" and x["rank"]
    )
    assert ranks == list(range(1, len(ranks) + 1))


def test_refuses_to_overwrite_and_checks_suffix(tmp_path: Path, r: Router, scen_dir: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_text("mine\n")
    from corridors.convert import OutputExistsError

    with pytest.raises(OutputExistsError):
        run_sweep([scen_dir], PAIRS, out, jobs=1, router=r)
    assert out.read_text() == "mine\n"
    with pytest.raises(SweepError, match=r"\.csv or \.parquet"):
        run_sweep([scen_dir], PAIRS, tmp_path / "out.xlsx", jobs=1, router=r)
    (scen_dir / "zz_bad.toml").write_text('[close]\nchokepoints = ["suezz"]\n')
    with pytest.raises(ScenarioError, match=r"zz_bad\.toml, line 2"):
        run_sweep([scen_dir], PAIRS, tmp_path / "new.csv", jobs=1, router=r)


# ---------------------------------------------------------------------------------------- resuming
def test_resume_after_a_crash_gives_the_same_table(tmp_path: Path, r: Router, scen_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    full = tmp_path / "full.csv"
    run_sweep([scen_dir], PAIRS, full, jobs=1, router=r)
    expected = full.read_bytes()

    out = tmp_path / "out.csv"
    import corridors.sweep_worker as worker_mod

    real = worker_mod.task_rows
    calls = {"n": 0}

    def flaky(*args: Any, **kw: Any) -> Any:
        calls["n"] += 1
        if calls["n"] > 5:
            raise RuntimeError("worker died")
        return real(*args, **kw)

    monkeypatch.setattr(worker_mod, "task_rows", flaky)
    with pytest.raises(RuntimeError, match="worker died"):
        run_sweep([scen_dir], PAIRS, out, jobs=1, router=r)
    assert not out.exists()
    ckpt = checkpoint_path(out)
    assert ckpt == tmp_path / "out.partial.jsonl"
    lines = [json.loads(x) for x in ckpt.read_text().splitlines()]
    assert "meta" in lines[0]
    assert len(lines) - 1 == 5

    monkeypatch.setattr(worker_mod, "task_rows", real)
    seen: list[tuple[int, int]] = []
    res = run_sweep([scen_dir], PAIRS, out, jobs=1, router=r, on_start=lambda n, done: seen.append((n, done)))
    assert seen == [(res.tasks_total - 5, 5)]
    assert res.tasks_skipped == 5
    assert res.tasks_run == res.tasks_total - 5
    assert out.read_bytes() == expected
    assert not ckpt.exists()
    rows = read_csv(out)
    per_key: dict[tuple[str, str, str], int] = {}
    for k in keys(rows):
        per_key[k] = per_key.get(k, 0) + 1
    assert set(per_key.values()) == {len(r.families) + 1}  # no duplicates


def test_truncated_checkpoint_line_is_ignored(tmp_path: Path, r: Router, scen_dir: Path) -> None:
    out = tmp_path / "out.csv"
    res = run_sweep([scen_dir], PAIRS, out, jobs=1, router=r, max_tasks=4)
    assert not res.complete
    assert not out.exists()
    ckpt = checkpoint_path(out)
    with ckpt.open("a") as fh:
        fh.write('{"key": ["baseline", "", "rail:a", "por')  # killed mid-write
    res = run_sweep([scen_dir], PAIRS, out, jobs=1, router=r)
    assert res.complete
    assert res.tasks_skipped == 4
    full = tmp_path / "full.csv"
    run_sweep([scen_dir], PAIRS, full, jobs=1, router=r)
    assert out.read_bytes() == full.read_bytes()


def test_changed_scenario_file_is_rerun(tmp_path: Path, r: Router, scen_dir: Path) -> None:
    out = tmp_path / "out.csv"
    run_sweep([scen_dir], PAIRS, out, jobs=1, router=r, max_tasks=len(PAIRS) * 4 - 1)
    (scen_dir / "no_aze.toml").write_text('[forbid]\nterritory = ["AZE", "TKM"]\n')
    res = run_sweep([scen_dir], PAIRS, out, jobs=1, router=r)
    assert res.tasks_run >= len(PAIRS)  # every no_aze task again
    rows = read_csv(out)
    assert all("TKM" not in row["countries"].split(",") for row in rows if row["scenario"] == "no_aze" and row["status"] == "ok")


def test_checkpoint_of_other_settings_is_refused(tmp_path: Path, r: Router, scen_dir: Path) -> None:
    out = tmp_path / "out.csv"
    run_sweep([scen_dir], PAIRS, out, jobs=1, router=r, max_tasks=2)
    with pytest.raises(SweepError, match="objective"):
        run_sweep([scen_dir], PAIRS, out, jobs=1, router=r, config=SweepConfig(objective="cost"))
    res = run_sweep([scen_dir], PAIRS, out, jobs=1, router=r, config=SweepConfig(objective="cost"), restart=True)
    assert res.complete
    assert res.tasks_skipped == 0


def test_two_sweeps_on_one_output_are_refused(tmp_path: Path, r: Router, scen_dir: Path) -> None:
    out = tmp_path / "out.csv"
    other = sweep_mod.Checkpoint(checkpoint_path(out))  # another sweep holds the checkpoint
    try:
        with pytest.raises(SweepError, match="another sweep is writing"):
            run_sweep([scen_dir], PAIRS, out, jobs=1, router=r)
    finally:
        other.close()
    assert run_sweep([scen_dir], PAIRS, out, jobs=1, router=r).complete


# ---------------------------------------------------------------------------------------- parallel
def test_process_pool_matches_serial_and_resumes(tmp_path: Path, r: Router, scen_dir: Path) -> None:
    serial = tmp_path / "serial.csv"
    run_sweep([scen_dir], PAIRS, serial, jobs=1, router=r)
    out = tmp_path / "pool.csv"
    res = run_sweep([scen_dir], PAIRS, out, jobs=2, router=r, max_tasks=5)
    assert not res.complete
    assert res.tasks_run == 5
    assert res.workers == 2
    res = run_sweep([scen_dir], PAIRS, out, jobs=2, router=r)
    assert res.complete
    assert res.tasks_skipped == 5
    assert out.read_bytes() == serial.read_bytes()


def test_parquet_output(tmp_path: Path, r: Router, scen_dir: Path) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    out = tmp_path / "out.parquet"
    run_sweep([scen_dir], PAIRS, out, jobs=1, router=r)
    df = pd.read_parquet(out)
    csv_out = tmp_path / "out.csv"
    run_sweep([scen_dir], PAIRS, csv_out, jobs=1, router=r)
    assert len(df) == len(read_csv(csv_out))
    assert list(df.columns) == list(sweep_mod.ROW_FIELDS)


def _dask_available() -> bool:
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(
    not _dask_available() and not os.environ.get("CI"),
    reason="dask[distributed] is not installed (pip install 'corridors[dask]')",
)
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("processes", [False, True])
def test_dask_local_cluster_matches_serial(tmp_path: Path, r: Router, scen_dir: Path, processes: bool) -> None:
    from distributed import LocalCluster

    serial = tmp_path / "serial.csv"
    run_sweep([scen_dir], PAIRS, serial, jobs=1, router=r)
    out = tmp_path / "dask.csv"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=processes, dashboard_address=None) as cluster:
        res = run_sweep([scen_dir], PAIRS, out, scheduler=cluster.scheduler_address, router=r)
    assert res.complete
    assert res.workers == 2
    assert out.read_bytes() == serial.read_bytes()


def test_dask_missing_is_a_clear_error(tmp_path: Path, r: Router, scen_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_dask(name: str, *args: Any, **kw: Any) -> Any:
        if name == "distributed" or name.startswith("distributed."):
            raise ImportError("No module named 'distributed'")
        return real_import(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    with pytest.raises(SweepError, match=r"pip install 'corridors\[dask\]'"):
        run_sweep([scen_dir], PAIRS, tmp_path / "o.csv", scheduler="tcp://127.0.0.1:1", router=r)
    assert checkpoint_path(tmp_path / "o.csv").exists()  # nothing lost: a rerun without --scheduler resumes


# ---------------------------------------------------------------------------------------- CLI
def invoke(router: Router, args: list[str]) -> Any:
    from test_scenario import invoke_root

    return invoke_root(router, ["sweep", *args])


def test_cli_sweep(tmp_path: Path, r: Router, scen_dir: Path) -> None:
    out = tmp_path / "s.csv"
    args = [
        "--scenarios",
        str(scen_dir),
        "--pairs",
        "rail:a->port:INBOM,Novorossiysk:Mumbai",
        "-o",
        str(out),
        "-j",
        "1",
    ]
    res = invoke(r, [*args, "--max-tasks", "3"])
    assert res.exit_code == 0, res.output
    assert "stopped after 3 tasks" in res.stderr
    res = invoke(r, args)
    assert res.exit_code == 0, res.output
    assert "resuming: 3 tasks" in res.stderr
    assert f"wrote {out}" in res.stderr
    assert res.stdout == ""
    assert len(read_csv(out)) == 4 * 2 * (len(r.families) + 1)
    res = invoke(r, args)
    assert res.exit_code == 0, "a table corridors wrote is replaced by a rerun without --force"
    out.write_text(out.read_text() + "my note\n")  # edited by hand: no longer corridors' file
    res = invoke(r, args)
    assert res.exit_code == 1
    assert "already exists" in res.stderr
    res = invoke(r, [*args[:3], "no:such:pair", "-o", str(tmp_path / "x.csv")])
    assert res.exit_code == 2
    assert len(res.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(
    not _dask_available() and not os.environ.get("CI"),
    reason="dask[distributed] is not installed (pip install 'corridors[dask]')",
)
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_dask_workers_get_network_parameters_and_engine_from_the_client(tmp_path: Path, r: Router, scen_dir: Path) -> None:
    """Issue 11: the network, parameters and compiled engine are scattered once; a worker with another
    cache folder, which may neither load a network nor compile an engine, gives the serial table."""
    from distributed import Client, LocalCluster

    def forbid_files_and_compiling() -> str:
        """Run on each worker (a local function: sent by value): loading a network or compiling an
        engine there raises."""
        import corridors.graph
        import corridors.routing

        def refuse(*a: Any, **k: Any) -> Any:
            raise RuntimeError("a worker tried to load a network or compile an engine")

        corridors.graph.load_network = refuse
        corridors.routing.compile_engine = refuse
        return os.environ.get("CORRIDORS_CACHE_DIR", "")

    # scenarios that change neither the network nor the parameters: the shipped engine serves them all
    only = tmp_path / "only"
    only.mkdir()
    for name in ("red_sea.toml", "no_aze.toml"):
        (only / name).write_text(SCENARIOS[name], encoding="utf-8")
    serial = tmp_path / "serial.csv"
    run_sweep([only], PAIRS, serial, jobs=1, router=r)
    worker_cache = tmp_path / "worker-cache"
    out = tmp_path / "dask.csv"
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, env={"CORRIDORS_CACHE_DIR": str(worker_cache)}
    ) as cluster:
        with Client(cluster) as client:
            dirs = client.run(forbid_files_and_compiling)
        assert set(dirs.values()) == {str(worker_cache)}
        res = run_sweep([only], PAIRS, out, scheduler=cluster.scheduler_address, router=r)
    assert res.complete and res.workers == 2
    assert out.read_bytes() == serial.read_bytes()
    assert not worker_cache.exists() or not any(worker_cache.iterdir())  # nothing read or written there
