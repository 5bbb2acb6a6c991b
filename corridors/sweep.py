"""Sweeps: many scenarios × many origin–destination pairs into one table.

One *task* is one (scenario, pair): the best route of every corridor family under the scenario plus
the best route overall. Tasks run on every core (a process pool whose workers each load the network
and its compiled engine once, from the on-disk cache, or receive them pickled from this process when
there is no cache or the caller gave a router) or on a Dask distributed cluster (the network,
parameters and compiled engine are scattered to the workers once: they need neither this machine's
files nor its cache folder). Each finished task is appended to a
checkpoint (``OUT.partial.jsonl``) at once, so an interrupted sweep resumes where it stopped: a rerun
skips the (scenario, pair) keys already there. The final table (CSV or Parquet) is written atomically
and the checkpoint removed.

::

    from corridors.sweep import run_sweep
    result = run_sweep(["data/scenarios"], [("Chelyabinsk", "Mumbai")], "out.csv")

The files of a sweep (inputs, checkpoint, table) are in :mod:`corridors.sweep_files`, the process
pool and Dask runners in :mod:`corridors.sweep_parallel`; their public names are re-exported here.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import pickle
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import cache
from .errors import ConstraintError
from .model import Route
from .routing import OBJECTIVES, Constraints, Router
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
from .sweep_parallel import SCHEDULER_TIMEOUT_S, check_scheduler, run_dask, run_pool, start_pool

log = logging.getLogger(__name__)

# the names these had before the split (the tests and older callers use them)
_Checkpoint = Checkpoint
_OutputLock = OutputLock
_read_checkpoint = read_checkpoint

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


@dataclass(frozen=True)
class SweepConfig:
    """How every worker builds its network and router (all plain values: it travels to workers)."""

    network: tuple[str, ...] | None = None
    layers: tuple[str, ...] = ()
    params: str | None = None
    use_cache: bool = True
    objective: str = "time"


@dataclass(frozen=True)
class Task:
    """One scenario and one origin–destination pair. ``scenario_text`` is None for the baseline."""

    index: int
    scenario_id: str
    scenario_digest: str
    scenario_file: str
    scenario_text: str | None
    origin: str
    destination: str
    origin_id: str
    destination_id: str

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.scenario_id, self.scenario_digest, self.origin_id, self.destination_id)


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


# ------------------------------------------------------------------------------------------ workers
_STATE: dict[str, Any] = {}
_LOCK = threading.Lock()


def _state_key(config: SweepConfig, blob_id: str | None) -> tuple[Any, ...]:
    return (config, blob_id)


def _ensure_state(config: SweepConfig, blob: bytes | None = None, blob_id: str | None = None) -> dict[str, Any]:
    """The worker's network and base router: built once per process (per config)."""
    key = _state_key(config, blob_id)
    if _STATE.get("key") != key:
        _STATE.clear()
        if blob is not None:
            router = unpack_router(blob)
        else:
            from .graph import load_network
            from .params import load_parameters

            G = load_network(
                config.layers,
                list(config.network) if config.network else None,
                use_cache=config.use_cache,
            )
            router = Router(G, load_parameters(config.params))
        _STATE.update(key=key, router=router, scenarios={})
    return _STATE


def pack_router(router: Router) -> bytes:
    """A router over ``router``'s network, parameters and families, with its compiled engine, pickled
    once for every worker: a worker then needs neither the network's files nor a cache folder, and
    does not compile the engine again."""
    fresh = Router(router.G, router.params, router.families)
    fresh.engine  # noqa: B018 - compiled (or read from the cache) here, once, to travel with the router
    return pickle.dumps(fresh, protocol=pickle.HIGHEST_PROTOCOL)


def unpack_router(blob: bytes) -> Router:
    """The router of :func:`pack_router`, its engine joined again to the graph and parameters (an
    engine pickles its arrays only)."""
    router = pickle.loads(blob)  # noqa: S301 - our own pickle, from the parent process
    if not isinstance(router, Router):
        msg = "the sweep's router did not arrive intact"
        raise SweepError(msg)
    from .engine import Engine

    compiled = getattr(router, "_compiled", None)
    for eng in (getattr(router, "_engine", None), getattr(compiled, "eng", None)):
        if isinstance(eng, Engine):
            eng.G = router.G
            eng.params = router.params
    return router


def _set_state(config: SweepConfig, router: Router, blob_id: str | None) -> None:
    _STATE.clear()
    _STATE.update(key=_state_key(config, blob_id), router=router, scenarios={})


def worker_init(config: SweepConfig, blob: bytes | None, blob_id: str | None) -> None:
    _ensure_state(config, blob, blob_id)


def _scenario_router(state: dict[str, Any], task: Task) -> tuple[Router, Constraints, str]:
    cache: dict[tuple[str, str], tuple[Router, Constraints, str]] = state["scenarios"]
    k = (task.scenario_id, task.scenario_digest)
    if k not in cache:
        base: Router = state["router"]
        if task.scenario_text is None:
            cache[k] = (base, Constraints(), "baseline")
        else:
            from .scenario import apply_scenario, parse_scenario

            s = parse_scenario(task.scenario_text, task.scenario_file)
            a = apply_scenario(s, base)
            cache[k] = (a.router, a.constraints, s.name)
    return cache[k]


def _run_task(task: Task, config: SweepConfig) -> dict[str, Any]:
    """Run one task in a worker whose state is ready (process pool, or in-process)."""
    t0 = time.perf_counter()
    key = _STATE.get("key")
    state = _STATE if key is not None and key[0] == config else _ensure_state(config)
    router, c, name = _scenario_router(state, task)
    rows = task_rows(router, c, task, name, config.objective)
    return {
        "key": list(task.key),
        "rows": rows,
        "seconds": round(time.perf_counter() - t0, 4),
        "pid": os.getpid(),
    }


def worker_warm() -> None:
    """Nothing: submitted once per pool worker so that it starts (and loads its state) at once."""


def worker_chunk(tasks: Sequence[Task], config: SweepConfig) -> list[dict[str, Any]]:
    """Several tasks of one scenario in a pool worker (the scenario's router is built once)."""
    return [_run_task(t, config) for t in tasks]


def worker_dask_chunk(tasks: Sequence[Task], config: SweepConfig, blob: bytes | None, blob_id: str | None) -> list[dict[str, Any]]:
    """Tasks on a Dask worker: the state is built on first use in that worker process (the lock
    serialises threads of one process, which share it)."""
    with _LOCK:
        _ensure_state(config, blob, blob_id)
        return [_run_task(t, config) for t in tasks]


def chunks(todo: Sequence[Task], workers: int) -> list[list[Task]]:
    """Tasks grouped by scenario, each scenario cut into enough pieces to keep ``workers`` busy: a
    worker then builds a scenario's router and warms its caches once per piece, not once per task."""
    by: dict[tuple[str, str], list[Task]] = {}
    for t in todo:
        by.setdefault((t.scenario_id, t.scenario_digest), []).append(t)
    if not by:
        return []
    pieces = max(1, math.ceil(2 * workers / len(by)))
    out: list[list[Task]] = []
    for ts in by.values():
        size = max(1, math.ceil(len(ts) / pieces))
        out.extend(ts[i : i + size] for i in range(0, len(ts), size))
    return out


def task_rows(router: Router, c: Constraints, task: Task, scenario_name: str, objective: str = "time") -> list[dict[str, Any]]:
    """The rows of one task: one per corridor family, then the best route overall (family "best")."""
    from .scenario import best_route, doubles_back

    res = router.compare(task.origin_id, task.destination_id, objective=objective, constraints=c)
    attr = OBJECTIVES[objective]
    by = {r.family: r for r in res.routes}
    genuine = sorted((r for r in res.routes if not doubles_back(r)), key=lambda r: getattr(r, attr))
    rank = {r.family: i + 1 for i, r in enumerate(genuine)}
    rows = []
    for fid, fam in router.families.items():
        r = by.get(fid)
        reason = res.unavailable.get(fid, "")
        back = doubles_back(r)
        status = "no_route" if r is None else ("turns_back" if back else "ok")
        if back:
            reason = f"the family's only route turns back ({back})"
        rows.append(_row(task, scenario_name, fid, fam.name, status, rank.get(fid), r, reason))
    try:
        best = best_route(router, task.origin_id, task.destination_id, objective, c)
    except ConstraintError as exc:
        best, why = None, str(exc)
    else:
        reasons = set(res.unavailable.values())
        common = next(iter(reasons)) if len(reasons) == 1 and len(res.unavailable) == len(router.families) else ""
        why = "" if best is not None else (common or "no route satisfies the scenario's rules")
    rows.append(
        _row(
            task,
            scenario_name,
            "best",
            f"best overall by {objective}",
            "ok" if best else "no_route",
            None,
            best,
            why,
        )
    )
    return rows


def _row(
    task: Task,
    scenario_name: str,
    fid: str,
    fname: str,
    status: str,
    rank: int | None,
    r: Route | None,
    reason: str,
) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(ROW_FIELDS)
    row.update(
        scenario=task.scenario_id,
        scenario_name=scenario_name,
        scenario_digest=task.scenario_digest,
        origin=task.origin,
        destination=task.destination,
        origin_id=task.origin_id,
        destination_id=task.destination_id,
        family=fid,
        family_name=fname,
        status=status,
        rank=rank,
        reason=reason,
    )
    if r is not None:
        s = r.summary()
        for k in ROUTE_FIELDS:
            row[k] = s[k]
    return row


# ------------------------------------------------------------------------------------------ the sweep
def _meta(config: SweepConfig, router: Router, baseline: bool) -> dict[str, Any]:
    from . import __version__

    pfiles = []
    for f in router.params.files:
        try:
            pfiles.append(hashlib.sha256(Path(f).read_bytes()).hexdigest()[:12])
        except OSError:
            pfiles.append(f)
    return {
        "version": __version__,
        "objective": config.objective,
        "network": cache.graph_fingerprint(router.G),
        "params": pfiles,
        "families": sorted(router.families),
    }


def make_tasks(
    scenarios: Sequence[Path],
    pairs: Sequence[tuple[str, str]],
    router: Router,
    baseline: bool = True,
) -> list[Task]:
    """Check every scenario and place against ``router``'s network and list the tasks,
    scenario-major (all pairs of the first scenario, then the next ...)."""
    from .scenario import apply_scenario, read_scenario

    specs: list[tuple[str, str, str, str | None]] = []
    if baseline:
        specs.append((BASELINE, "", "", None))
    seen: set[str] = set()
    for path in scenarios:
        s = read_scenario(path)
        apply_scenario(s, router)  # checks every id now, not in a worker an hour later
        sid = s.id
        n = 2
        while sid in seen or sid == BASELINE:
            sid, n = f"{s.id}_{n}", n + 1
        seen.add(sid)
        specs.append((sid, s.digest, s.file, s.text))
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
        )
    finally:
        lock.release()


def _run_sweep_locked(
    scenarios: Sequence[str | Path],
    pairs: Sequence[tuple[str, str]],
    out: Path,
    fmt: str,
    *,
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
) -> SweepResult:
    from .errors import OutputExistsError
    from .io import written_by_us

    if (out.exists() or out.is_symlink()) and not force and not written_by_us(out):
        msg = f"{out} already exists and was not written by corridors; choose another name or pass --force to replace it"
        raise OutputExistsError(msg)
    before = output_digest(out)
    blob: bytes | None = None
    blob_id: str | None = None
    if router is None:
        from .graph import load_network
        from .params import load_parameters

        G = load_network(
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
    if ship or scheduler is not None:
        # Dask workers always get the network, parameters and engine from here (scattered once):
        # they need neither this machine's files nor its cache folder
        blob = pack_router(router)
        blob_id = hashlib.sha256(blob).hexdigest()[:16]
    wanted = jobs if jobs is not None else (os.cpu_count() or 1)
    # the pool's workers start loading now, while this process lists the tasks and reads the checkpoint
    pool = start_pool(wanted, config, blob, blob_id) if scheduler is None and wanted > 1 else None
    try:
        paths = collect_scenarios(scenarios)
        tasks = make_tasks(paths, pairs, router, baseline)

        ckpt = checkpoint_path(out)
        meta = _meta(config, router, baseline)
        if restart:
            ckpt.unlink(missing_ok=True)
        writer = Checkpoint(ckpt)  # locked until the end: one sweep per output
        task_seconds: list[float] = []
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
                if progress:
                    progress(1)

            if not todo:
                pass
            elif scheduler is not None:
                workers = run_dask(scheduler, todo, config, blob, blob_id, finished)
            else:
                n = max(1, min(wanted, len(todo)))
                workers = n
                if n == 1 or pool is None:
                    _set_state(config, router, blob_id)
                    for t in todo:
                        finished(_run_task(t, config))
                else:
                    run_pool(pool, n, todo, config, finished)

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
    )
