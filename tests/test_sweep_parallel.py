"""Sweeps on a process pool: forked workers start with the sweep's state, spawned ones load their own,
both give the serial table byte for byte; chunks go costliest first and are cut only when needed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from test_scenario import synthetic_router
from test_sweep import PAIRS, SCENARIOS

import corridors.sweep as sweep_mod
from corridors.routing import Router
from corridors.sweep import run_sweep
from corridors.sweep_worker import DATED_TASK, OWN_ENGINE, Task, chunks, scenario_costs


def require_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sweep forks its workers: on Linux, whatever threads earlier tests left behind (Dask's
    offload thread stays for the whole session; it is idle, and the workers never use it)."""
    import multiprocessing
    import sys

    if not sys.platform.startswith("linux") or "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("the pool's workers are forked on Linux only")
    monkeypatch.setattr(sweep_mod, "can_fork", lambda: True)


def test_can_fork_only_without_other_threads() -> None:
    import sys
    import threading

    linux = sys.platform.startswith("linux")
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    alone = threading.active_count() == 1
    t.start()
    try:
        assert not sweep_mod.can_fork()  # forking now could leave a lock held in the workers
    finally:
        stop.set()
        t.join()
    if alone:
        assert sweep_mod.can_fork() == linux


@pytest.fixture
def r() -> Router:
    return synthetic_router()


def scenario_dir(tmp_path: Path, names: tuple[str, ...] = tuple(SCENARIOS)) -> Path:
    d = tmp_path / "scenarios"
    d.mkdir()
    for name in names:
        (d / name).write_text(SCENARIOS[name], encoding="utf-8")
    return d


# ---------------------------------------------------------------------------------------- the pools
@pytest.mark.parametrize("fork", [True, False])
def test_pool_gives_the_serial_table_byte_for_byte(tmp_path: Path, r: Router, fork: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if fork:
        require_fork(monkeypatch)
    else:
        monkeypatch.setattr(sweep_mod, "can_fork", lambda: False)  # spawned workers, the router pickled to them
    d = scenario_dir(tmp_path)
    serial = tmp_path / "serial.csv"
    one = run_sweep([d], PAIRS, serial, jobs=1, router=r)
    assert set(one.worker_cpu) == {os.getpid()}
    out = tmp_path / "pool.csv"
    res = run_sweep([d], PAIRS, out, jobs=2, router=r)
    assert res.complete and res.workers == 2
    assert out.read_bytes() == serial.read_bytes()
    assert res.worker_cpu and os.getpid() not in res.worker_cpu  # every task ran in a worker process
    assert len(res.task_seconds) == res.tasks_total == (len(SCENARIOS) + 1) * len(PAIRS)


def test_forked_workers_neither_load_nor_compile_nor_apply_scenarios(tmp_path: Path, r: Router, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 11: a forked worker starts with the sweep process's network, compiled engine and bound
    scenarios; loading, compiling or applying a scenario there raises (the patches are inherited)."""
    require_fork(monkeypatch)
    import corridors.apply
    import corridors.graph
    import corridors.routing
    import corridors.sweep_worker

    parent = os.getpid()

    def only_here(real: Any) -> Any:
        def guarded(*a: Any, **k: Any) -> Any:
            if os.getpid() != parent:
                raise RuntimeError(f"a forked worker called {real.__name__}")
            return real(*a, **k)

        return guarded

    for mod, name in (
        (corridors.graph, "load_network"),
        (corridors.graph, "load_network_with_fingerprint"),
        (corridors.routing, "compile_engine"),
        (corridors.apply, "apply_scenario"),
        (corridors.sweep_worker, "_ensure_state"),
    ):
        monkeypatch.setattr(mod, name, only_here(getattr(mod, name)))
    # scenarios that change neither the network nor the parameters: the parent's engine serves them all
    d = scenario_dir(tmp_path, ("red_sea.toml", "no_aze.toml"))
    serial = tmp_path / "serial.csv"
    run_sweep([d], PAIRS, serial, jobs=1, router=synthetic_router())
    out = tmp_path / "fork.csv"
    res = run_sweep([d], PAIRS, out, jobs=2, router=r)
    assert res.complete and res.workers == 2
    assert os.getpid() not in res.worker_cpu
    assert out.read_bytes() == serial.read_bytes()


def test_forked_pool_resumes_and_releases_the_output(tmp_path: Path, r: Router, monkeypatch: pytest.MonkeyPatch) -> None:
    require_fork(monkeypatch)
    d = scenario_dir(tmp_path)
    serial = tmp_path / "serial.csv"
    run_sweep([d], PAIRS, serial, jobs=1, router=r)
    out = tmp_path / "pool.csv"
    res = run_sweep([d], PAIRS, out, jobs=2, router=r, max_tasks=5)
    assert not res.complete and res.tasks_run == 5
    res = run_sweep([d], PAIRS, out, jobs=2, router=r)  # the locks of the first run are free again
    assert res.complete and res.tasks_skipped == 5
    assert out.read_bytes() == serial.read_bytes()


# ---------------------------------------------------------------------------------------- chunks
def tasks_of(counts: dict[str, int]) -> list[Task]:
    out: list[Task] = []
    for sid, n in counts.items():
        for i in range(n):
            out.append(Task(len(out), sid, f"d-{sid}", f"{sid}.toml", "", f"o{i}", f"d{i}", f"o{i}", f"d{i}"))
    return out


def check_pieces(todo: list[Task], got: list[list[Task]]) -> None:
    """Every task once; a piece is a run of consecutive tasks of one scenario."""
    assert sorted(t.index for ch in got for t in ch) == [t.index for t in todo]
    for ch in got:
        assert len({t.scenario_id for t in ch}) == 1
        assert [t.index for t in ch] == list(range(ch[0].index, ch[0].index + len(ch)))


def test_chunks_go_costliest_first_and_cut_only_the_cheap_to_start_scenarios() -> None:
    """The bundled sweep's shape: three scenarios with an engine of their own (kept whole: a worker
    builds it once), one with a departure date, five plain ones (cut into small pieces, last)."""
    plain = ("baseline", "a", "b", "c", "d")
    own = ("built", "jam", "surcharge")
    todo = tasks_of({"winter": 20, **dict.fromkeys(plain, 20), **dict.fromkeys(own, 20)})
    costs = {(s, f"d-{s}"): (1.0, 0.0) for s in plain}
    costs[("winter", "d-winter")] = (DATED_TASK, 0.0)
    costs.update({(s, f"d-{s}"): (1.0, OWN_ENGINE) for s in own})
    got = chunks(todo, 2, costs)
    check_pieces(todo, got)
    assert [(ch[0].scenario_id, len(ch)) for ch in got[:3]] == [(s, 20) for s in own]
    cost = [len(ch) * (DATED_TASK if ch[0].scenario_id == "winter" else 1.0) for ch in got[3:]]
    assert cost == sorted(cost, reverse=True)  # costliest first, the smallest pieces last
    total = 5 * 20 + 50 + 3 * (20 + OWN_ENGINE)
    assert max(cost) <= total / 4 / 8 + DATED_TASK  # an eighth of half a worker's share (one task over at most)
    assert {ch[0].scenario_id for ch in got[3:]} == {"winter", *plain}


def test_chunks_cut_what_would_take_more_than_half_a_share() -> None:
    todo = tasks_of({"only": 30})
    got = chunks(todo, 2)
    check_pieces(todo, got)
    assert len(got) == 30  # one cheap scenario for 2 workers: a task a piece
    todo = tasks_of({"built": 40, "a": 5, "b": 5})
    got = chunks(todo, 2, {("built", "d-built"): (1.0, OWN_ENGINE)})
    check_pieces(todo, got)
    # 40 + 8 of 58 units: more than half a worker's share (14.5), so cut in 4, each paying its start
    assert [(ch[0].scenario_id, len(ch)) for ch in got[:4]] == [("built", 10)] * 4
    assert {ch[0].scenario_id for ch in got[4:]} == {"a", "b"}
    assert chunks([], 2) == []


def test_scenario_costs_from_the_bound_scenarios(r: Router) -> None:
    from corridors.apply import apply_scenario
    from corridors.constraints import Constraints
    from corridors.scenario import parse_scenario

    closure = apply_scenario(parse_scenario(SCENARIOS["red_sea.toml"]), r)
    built = apply_scenario(parse_scenario(SCENARIOS["built.toml"]), r)
    dated = apply_scenario(parse_scenario('[scenario]\ndepart = 2027-01-15\n[forbid]\nterritory = ["AZE"]\n'), r)
    applied = {
        ("baseline", ""): (r, Constraints(), "baseline"),
        ("red", "1"): (closure.router, closure.constraints, "red"),
        ("built", "2"): (built.router, built.constraints, "built"),
        ("dated", "3"): (dated.router, dated.constraints, "dated"),
    }
    assert closure.router is r and built.router is not r
    assert scenario_costs(applied, r) == {
        ("baseline", ""): (1.0, 0.0),
        ("red", "1"): (1.0, 0.0),
        ("built", "2"): (1.0, OWN_ENGINE),
        ("dated", "3"): (DATED_TASK, 0.0),
    }
