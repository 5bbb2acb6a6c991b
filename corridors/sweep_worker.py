"""What a sweep's worker does: its state (the network and router, built or received once per
process), the router packed to travel, and one task's rows (:func:`task_rows`). Used by
:mod:`corridors.sweep` in-process and by the pool and Dask runners of :mod:`corridors.sweep_parallel`."""

from __future__ import annotations

import math
import os
import pickle
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .errors import ConstraintError
from .model import Route
from .routing import OBJECTIVES, Constraints, Router
from .sweep_files import ROUTE_FIELDS, ROW_FIELDS, SweepError


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


#: a scenario bound to the network: the router to use, the constraints and the scenario's name
ScenarioRouter = tuple[Router, Constraints, str]

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


def pack_router(router: Router, fingerprint: str | None = None) -> bytes:
    """A router over ``router``'s network, parameters and families, with its compiled engine, pickled
    once for every worker: a worker then needs neither the network's files nor a cache folder, and
    does not compile the engine again. ``fingerprint``: the network's
    :func:`~corridors.cache.graph_fingerprint`, when the caller has it (not hashed again)."""
    fresh = Router(router.G, router.params, router.families)
    warm(fresh, fingerprint)  # compiled (or read from the cache) here, once, to travel with the router
    return pickle.dumps(fresh, protocol=pickle.HIGHEST_PROTOCOL)


def warm(router: Router, fingerprint: str | None = None) -> None:
    """Compile ``router``'s engine (or read it from the cache) now; ``fingerprint`` is its network's
    :func:`~corridors.cache.graph_fingerprint` as just computed or read with the network, so that it is
    not hashed again."""
    import contextlib

    from .cache import known_fingerprint

    with known_fingerprint(router.G, fingerprint) if fingerprint is not None else contextlib.nullcontext():
        router.compiled  # noqa: B018 - built here


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


def set_state(config: SweepConfig, router: Router, blob_id: str | None) -> None:
    _STATE.clear()
    _STATE.update(key=_state_key(config, blob_id), router=router, scenarios={})


def seed_scenarios(applied: dict[tuple[str, str], ScenarioRouter]) -> None:
    """Give this process's state the scenarios the caller has already bound to its router (by
    :func:`corridors.sweep.make_tasks`), so that they are not parsed and applied again here or in the
    workers forked from here. Call after :func:`set_state` with that router."""
    _STATE["scenarios"].update(applied)


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
            from .apply import apply_scenario
            from .scenario import parse_scenario

            s = parse_scenario(task.scenario_text, task.scenario_file)
            a = apply_scenario(s, base)
            cache[k] = (a.router, a.constraints, s.name)
    return cache[k]


def run_task(task: Task, config: SweepConfig) -> dict[str, Any]:
    """Run one task in a worker whose state is ready (process pool, or in-process): its rows, its
    wall and CPU seconds, and the worker's process id and CPU seconds so far (start-up included)."""
    t0 = time.perf_counter()
    c0 = time.process_time()
    key = _STATE.get("key")
    state = _STATE if key is not None and key[0] == config else _ensure_state(config)
    router, c, name = _scenario_router(state, task)
    rows = task_rows(router, c, task, name, config.objective)
    return {
        "key": list(task.key),
        "rows": rows,
        "seconds": round(time.perf_counter() - t0, 4),
        "cpu": time.process_time() - c0,
        "pid": os.getpid(),
        "process_cpu": time.process_time(),
    }


def worker_warm() -> None:
    """Nothing: submitted once per pool worker so that it starts (and loads its state) at once."""


def worker_chunk(tasks: Sequence[Task], config: SweepConfig) -> list[dict[str, Any]]:
    """Several tasks of one scenario in a pool worker (the scenario's router is built once)."""
    return [run_task(t, config) for t in tasks]


def worker_dask_chunk(tasks: Sequence[Task], config: SweepConfig, blob: bytes | None, blob_id: str | None) -> list[dict[str, Any]]:
    """Tasks on a Dask worker: the state is built on first use in that worker process (the lock
    serialises threads of one process, which share it)."""
    with _LOCK:
        _ensure_state(config, blob, blob_id)
        return [run_task(t, config) for t in tasks]


#: what a task costs, in plain tasks (one family comparison and best route, no departure date), to
#: balance the workers: a departure date makes the search per origin (2.5 times a plain task on the
#: bundled sweep); a scenario that edits the network or the parameters compiles (or loads) its own
#: engine once per process (about 8 plain tasks). Estimates only: a wrong one balances less well.
DATED_TASK = 2.5
OWN_ENGINE = 8.0


def scenario_costs(applied: dict[tuple[str, str], ScenarioRouter], base: Router) -> dict[tuple[str, str], tuple[float, float]]:
    """Each scenario's estimated cost (per task, and once per process), by (scenario id, digest)."""
    return {k: (DATED_TASK if c.depart is not None else 1.0, 0.0 if r is base else OWN_ENGINE) for k, (r, c, _) in applied.items()}


def chunks(todo: Sequence[Task], workers: int, costs: dict[tuple[str, str], tuple[float, float]] | None = None) -> list[list[Task]]:
    """Tasks grouped by scenario in pieces, the costliest first (longest-processing-time order, with
    the estimates of :func:`scenario_costs`; every task alike without them), so that the workers, each
    taking the next piece when free, finish together. A scenario with its own engine (built once per
    process that runs it) is cut only when it would take more than half a worker's share; any other
    into small pieces (an eighth of that), which come last and keep the final wait for the slowest
    worker short."""
    by: dict[tuple[str, str], list[Task]] = {}
    for t in todo:
        by.setdefault((t.scenario_id, t.scenario_digest), []).append(t)
    if not by:
        return []
    cost = {k: (costs or {}).get(k, (1.0, 0.0)) for k in by}
    total = sum(len(ts) * cost[k][0] + cost[k][1] for k, ts in by.items())
    share = total / (2 * max(1, workers))
    out: list[tuple[float, list[Task]]] = []
    for k, ts in by.items():
        each, once = cost[k]
        pieces = math.ceil((len(ts) * each + once) / (share if once else share / 8) - 1e-9)
        size = math.ceil(len(ts) / max(1, min(len(ts), pieces)))
        out.extend((len(ts[i : i + size]) * each + once, ts[i : i + size]) for i in range(0, len(ts), size))
    out.sort(key=lambda x: -x[0])  # stable: scenario order among equals
    return [piece for _, piece in out]


def task_rows(router: Router, c: Constraints, task: Task, scenario_name: str, objective: str = "time") -> list[dict[str, Any]]:
    """The rows of one task: one per corridor family, then the best route overall (family "best")."""
    from .whatif import best_route, doubles_back

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
