"""Sweeps: many scenarios × many origin–destination pairs into one table.

One *task* is one (scenario, pair): the best route of every corridor family under the scenario plus
the best route overall. Tasks run on every core (a process pool: on Linux its workers are forked
from this process once it has loaded the network, compiled the engine and bound the scenarios, so
they start with all of it; elsewhere they are spawned and each loads the network and its compiled
engine once, from the on-disk cache, or receives them pickled from this process when there is no
cache or the caller gave a router) or on a Dask distributed cluster (the network, parameters and
compiled engine are scattered to the workers once: they need neither this machine's files nor its
cache folder). The costliest scenarios go first, so that the workers finish together. Each finished
task is appended to a
checkpoint (``OUT.partial.jsonl``) at once, so an interrupted sweep resumes where it stopped: a rerun
skips the (scenario, pair) keys already there. The final table (CSV or Parquet) is written atomically
and the checkpoint removed.

::

    from corridors.sweep import run_sweep
    result = run_sweep(["data/scenarios"], [("Chelyabinsk", "Mumbai")], "out.csv")

The files of a sweep (inputs, checkpoint, table) are in :mod:`corridors.sweep_files`, what a worker
does (its state, one task's rows) in :mod:`corridors.sweep_worker`, the process pool and Dask runners
in :mod:`corridors.sweep_parallel`; their public names are re-exported here.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import cache
from .errors import ConstraintError
from .routing import OBJECTIVES, Router
from .sweep_files import (
    BASELINE,
    ROUTE_FIELDS,
    ROW_FIELDS,
    Checkpoint,
    OutputLock,
    SweepError,
    check_parquet,
    checkpoint_path,
    collect_scenarios,
    format_of,
    iter_rows,
    output_digest,
    read_checkpoint,
    read_pairs,
    table_bytes,
)
from .sweep_parallel import SCHEDULER_TIMEOUT_S, can_fork, check_scheduler, fork_pool, run_dask, run_pool, start_pool
from .sweep_worker import (
    ScenarioRouter,
    SweepConfig,
    Task,
    pack_router,
    run_task,
    scenario_costs,
    seed_scenarios,
    set_state,
    warm,
)

log = logging.getLogger(__name__)


__all__ = [
    "BASELINE",
    "ROUTE_FIELDS",
    "ROW_FIELDS",
    "SCHEDULER_TIMEOUT_S",
    "Checkpoint",
    "OutputLock",
    "SweepConfig",
    "SweepError",
    "SweepResult",
    "Task",
    "check_scheduler",
    "checkpoint_path",
    "collect_scenarios",
    "iter_rows",
    "read_checkpoint",
    "read_pairs",
    "run_sweep",
]


@dataclass
class SweepResult:
    """What a sweep did. ``complete`` is False when it stopped early (``max_tasks``)."""

    output: Path | None
    checkpoint: Path
    rows: list[dict[str, Any]]
    tasks_total: int
    tasks_run: int
    tasks_skipped: int
    seconds: float
    task_seconds: list[float] = field(default_factory=list)
    complete: bool = True
    workers: int = 1
    #: CPU seconds of each process that ran tasks, by process id: a worker's since it started (a
    #: forked one's since the fork), this process's since run_sweep was called: how evenly the work was shared
    worker_cpu: dict[int, float] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------ the sweep
def _meta(config: SweepConfig, router: Router, fingerprint: str) -> dict[str, Any]:
    from ._version import __version__

    pfiles = []
    for f in router.params.files:
        try:
            pfiles.append(hashlib.sha256(Path(f).read_bytes()).hexdigest()[:12])
        except OSError:
            pfiles.append(f)
    return {
        "version": __version__,
        "objective": config.objective,
        "network": fingerprint,
        "params": pfiles,
        "families": sorted(router.families),
    }


def make_tasks(
    scenarios: Sequence[Path],
    pairs: Sequence[tuple[str, str]],
    router: Router,
    baseline: bool = True,
    applied: dict[tuple[str, str], ScenarioRouter] | None = None,
) -> list[Task]:
    """Check every scenario and place against ``router``'s network and list the tasks,
    scenario-major (all pairs of the first scenario, then the next ...).

    ``applied``, when given, receives each scenario's router, constraints and name by (scenario id,
    digest), as a worker would make them from the task (see :func:`corridors.sweep_worker.seed_scenarios`)."""
    from .apply import apply_scenario
    from .constraints import Constraints
    from .scenario import read_scenario

    specs: list[tuple[str, str, str, str | None]] = []
    if baseline:
        specs.append((BASELINE, "", "", None))
        if applied is not None:
            applied[(BASELINE, "")] = (router, Constraints(), "baseline")
    seen: set[str] = set()
    for path in scenarios:
        s = read_scenario(path)
        a = apply_scenario(s, router)  # checks every id now, not in a worker an hour later
        sid = s.id
        n = 2
        while sid in seen or sid == BASELINE:
            sid, n = f"{s.id}_{n}", n + 1
        seen.add(sid)
        specs.append((sid, s.digest, s.file, s.text))
        if applied is not None:
            applied[(sid, s.digest)] = (a.router, a.constraints, s.name)
    places = [(o, d, router.place(o).id, router.place(d).id) for o, d in pairs]
    for o, d, oi, di in places:
        if oi == di:
            msg = f"the pair {o}:{d} has the same place at both ends"
            raise ConstraintError(msg)
    tasks: list[Task] = []
    for sid, digest, file, text in specs:
        for o, d, oi, di in places:
            tasks.append(Task(len(tasks), sid, digest, file, text, o, d, oi, di))
    return tasks


def run_sweep(
    scenarios: Sequence[str | Path],
    pairs: Sequence[tuple[str, str]],
    output: str | Path,
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    config: SweepConfig | None = None,
    router: Router | None = None,
    baseline: bool = True,
    force: bool = False,
    restart: bool = False,
    max_tasks: int | None = None,
    progress: Callable[[int], None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Run every scenario (plus the baseline) on every pair and write one table to ``output``.

    Parameters
    ----------
    scenarios
        Scenario files, folders of them, or bundled scenario names (see :func:`collect_scenarios`).
    pairs
        (origin, destination) place queries.
    output
        ``.csv`` or ``.parquet``; written atomically when every task is done.
    jobs
        Worker processes (default: every core); 1 runs in this process.
    scheduler
        Address of a Dask distributed scheduler (``tcp://host:8786``): run the tasks there instead.
    config
        Network, layers, parameters and objective for the workers (default: the bundled ones).
    router
        Use this router's network, parameters and families (sent to the workers by pickle) instead of
        loading them from ``config``.
    baseline
        Also run the baseline (no scenario), as scenario "baseline".
    force
        Replace ``output`` if it exists.
    restart
        Ignore (delete) an existing checkpoint instead of resuming from it.
    max_tasks
        Stop after this many tasks (the checkpoint keeps them; a rerun resumes).
    progress
        Called with 1 after each finished task.
    on_start
        Called once with (tasks to run now, tasks already done) before the first task starts.
    """
    t_start = time.perf_counter()
    cpu_start = time.process_time()
    config = config or SweepConfig()
    if config.objective not in OBJECTIVES:
        msg = f"unknown objective {config.objective!r} (use one of {', '.join(OBJECTIVES)})"
        raise ConstraintError(msg)
    out = Path(output)
    fmt = format_of(out)
    if fmt == "parquet":
        check_parquet()  # before any task runs, not after the last
    if scheduler is not None:
        check_scheduler(scheduler)
    if not (out.parent if str(out.parent) else Path(".")).is_dir():
        msg = f"folder {out.parent} does not exist; create it first"
        raise SweepError(msg)
    lock = OutputLock(out)  # one sweep per output for the whole run
    try:
        return _run_sweep_locked(
            scenarios,
            pairs,
            out,
            fmt,
            locked=(lock.fh.fileno(),),
            jobs=jobs,
            scheduler=scheduler,
            config=config,
            router=router,
            baseline=baseline,
            force=force,
            restart=restart,
            max_tasks=max_tasks,
            progress=progress,
            on_start=on_start,
            t_start=t_start,
            cpu_start=cpu_start,
        )
    finally:
        lock.release()


def _run_sweep_locked(
    scenarios: Sequence[str | Path],
    pairs: Sequence[tuple[str, str]],
    out: Path,
    fmt: str,
    *,
    locked: tuple[int, ...],
    jobs: int | None,
    scheduler: str | None,
    config: SweepConfig,
    router: Router | None,
    baseline: bool,
    force: bool,
    restart: bool,
    max_tasks: int | None,
    progress: Callable[[int], None] | None,
    on_start: Callable[[int, int], None] | None,
    t_start: float,
    cpu_start: float,
) -> SweepResult:
    from .errors import OutputExistsError
    from .io import written_by_us

    if (out.exists() or out.is_symlink()) and not force and not written_by_us(out):
        msg = f"{out} already exists and was not written by corridors; choose another name or pass --force to replace it"
        raise OutputExistsError(msg)
    before = output_digest(out)
    blob: bytes | None = None
    blob_id: str | None = None
    fingerprint: str | None = None
    if router is None:
        from .graph import load_network_with_fingerprint
        from .params import load_parameters

        G, fingerprint = load_network_with_fingerprint(
            config.layers,
            list(config.network) if config.network else None,
            use_cache=config.use_cache,
        )
        router = Router(G, load_parameters(config.params))
        ship = not config.use_cache or os.environ.get("CORRIDORS_CACHE_DIR", "").lower() in (
            "off",
            "0",
            "none",
        )
    else:
        ship = True
    wanted = jobs if jobs is not None else (os.cpu_count() or 1)
    # on Linux the pool's workers are forked once this process has the network, the engine and the
    # scenarios ready, and start with them; elsewhere they are spawned now and load their own
    forked = scheduler is None and wanted > 1 and can_fork()
    spawned = scheduler is None and wanted > 1 and not forked
    if scheduler is not None or (ship and spawned):
        # Dask workers always get the network, parameters and engine from here (scattered once):
        # they need neither this machine's files nor its cache folder
        blob = pack_router(router, fingerprint)
        blob_id = hashlib.sha256(blob).hexdigest()[:16]
    # spawned workers start loading now, while this process lists the tasks and reads the checkpoint
    pool = start_pool(wanted, config, blob, blob_id) if spawned else None
    try:
        paths = collect_scenarios(scenarios)
        applied: dict[tuple[str, str], ScenarioRouter] = {}
        tasks = make_tasks(paths, pairs, router, baseline, applied)
        if fingerprint is None:
            # hashed once, for the checkpoint and the engine's key; after make_tasks, which indexes the
            # graph's legs (kept in the graph, and hashed with it), so that every run gives the same
            fingerprint = cache.graph_fingerprint(router.G)

        ckpt = checkpoint_path(out)
        meta = _meta(config, router, fingerprint)
        if restart:
            ckpt.unlink(missing_ok=True)
        writer = Checkpoint(ckpt)  # locked until the end: one sweep per output
        task_seconds: list[float] = []
        worker_cpu: dict[int, float] = {}
        workers = 1
        written: Path | None = None
        try:
            done = writer.start(meta)
            keys = {t.key for t in tasks}
            done = {k: v for k, v in done.items() if k in keys}
            todo = [t for t in tasks if t.key not in done]
            already = len(done)
            if max_tasks is not None:
                todo = todo[: max(0, max_tasks)]
            if on_start:
                on_start(len(todo), already)

            def finished(rec: dict[str, Any]) -> None:
                writer.add({"key": rec["key"], "rows": rec["rows"], "seconds": rec["seconds"]})
                done[tuple(rec["key"])] = rec
                task_seconds.append(float(rec["seconds"]))
                pid = int(rec["pid"])
                cpu = float(rec["process_cpu"]) - (cpu_start if pid == os.getpid() else 0.0)
                worker_cpu[pid] = max(worker_cpu.get(pid, 0.0), cpu)
                if progress:
                    progress(1)

            costs = scenario_costs(applied, router)
            n = max(1, min(wanted, len(todo)))
            if not todo:
                pass
            elif scheduler is not None:
                workers = run_dask(scheduler, todo, config, blob, blob_id, finished, costs)
            elif n == 1 or pool is None:
                # this process, or workers forked from it: its router (engine compiled) and scenarios
                set_state(config, router, blob_id)
                seed_scenarios(applied)
                warm(router, fingerprint)
                workers = n
                if n == 1:
                    for t in todo:
                        finished(run_task(t, config))
                else:
                    run_pool(fork_pool(n, (writer.fh.fileno(), *locked)), n, todo, config, finished, costs)
            else:
                workers = n
                run_pool(pool, n, todo, config, finished, costs)

            complete = all(t.key in done for t in tasks)
            rows = [row for t in tasks if t.key in done for row in done[t.key]["rows"]]
            if complete:
                from .io import write_atomic

                if output_digest(out) != before and not force:
                    msg = (
                        f"{out} was written by another run while this sweep ran; it is left as it is and this sweep's rows "
                        f"stay in {ckpt} (rerun with --force to replace {out.name})"
                    )
                    raise OutputExistsError(msg)
                written = write_atomic(out, table_bytes(rows, fmt), force=True)
                ckpt.unlink(missing_ok=True)
        finally:
            writer.close()
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)  # not used (one task, none left) or failed

    return SweepResult(
        written,
        ckpt,
        rows,
        len(tasks),
        len(task_seconds),
        already,
        time.perf_counter() - t_start,
        task_seconds,
        complete,
        workers,
        worker_cpu,
    )
