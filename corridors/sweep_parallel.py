"""Running a sweep's tasks in parallel: a local process pool, or a Dask distributed cluster.

Split from :mod:`corridors.sweep`. What a worker runs (``worker_init``, ``worker_chunk``,
``worker_dask_chunk``) stays in :mod:`corridors.sweep`, so workers import it by that name.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from .sweep_files import SweepError
from .sweep_worker import SweepConfig, Task, chunks, worker_chunk, worker_dask_chunk, worker_init, worker_warm

SCHEDULER_TIMEOUT_S = 15
_SCHEMES = ("tcp", "tls", "inproc", "ucx", "ws", "wss")


def check_scheduler(address: Any) -> None:
    """Refuse a scheduler address that cannot work (a bad scheme, no host or port) at once, with one line,
    instead of a traceback after the connection timeout."""
    if not isinstance(address, str):
        return  # a Scheduler or LocalCluster object
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    if scheme not in _SCHEMES:
        msg = f"--scheduler {address!r}: unknown protocol {scheme!r} (use e.g. tcp://host:8786)"
        raise SweepError(msg)
    if scheme in ("tcp", "tls", "ws", "wss"):
        host, _, port = rest.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            msg = f"--scheduler {address!r}: give a host and a port, e.g. tcp://host:8786"
            raise SweepError(msg)


def start_pool(n: int, config: SweepConfig, blob: bytes | None, blob_id: str | None) -> ProcessPoolExecutor:
    """``n`` spawned worker processes, started now: each loads its network and engine (``worker_init``)
    while this process still lists the tasks and reads the checkpoint."""
    ctx = multiprocessing.get_context("spawn")
    ex = ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=worker_init, initargs=(config, blob, blob_id))
    for _ in range(n):
        ex.submit(worker_warm)  # a process is spawned per submission while none is idle
    return ex


def run_pool(
    ex: ProcessPoolExecutor,
    n: int,
    todo: Sequence[Task],
    config: SweepConfig,
    finished: Callable[[dict[str, Any]], None],
) -> None:
    """Run ``todo`` on the workers of :func:`start_pool`, in chunks for ``n`` workers, then shut it down."""
    try:
        pending: set[Future[list[dict[str, Any]]]] = {ex.submit(worker_chunk, ch, config) for ch in chunks(todo, n)}
        while pending:
            ready, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in ready:
                for rec in f.result():
                    finished(rec)
    except BaseException:
        ex.shutdown(wait=False, cancel_futures=True)
        raise
    ex.shutdown(wait=True)


def run_dask(
    address: Any,
    todo: Sequence[Task],
    config: SweepConfig,
    blob: bytes | None,
    blob_id: str | None,
    finished: Callable[[dict[str, Any]], None],
) -> int:
    """Run ``todo`` on a Dask cluster; ``blob`` (the router with its compiled engine) is scattered to
    every worker once. Returns the number of workers."""
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        msg = "--scheduler needs Dask distributed: pip install 'corridors[dask]' (dask[distributed])"
        raise SweepError(msg) from exc
    check_scheduler(address)
    try:
        client = Client(address, timeout=SCHEDULER_TIMEOUT_S, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        msg = f"cannot reach the Dask scheduler at {address}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        raise SweepError(msg) from None
    try:
        workers = len(client.scheduler_info().get("workers", {})) or 1
        shared = client.scatter(blob, broadcast=True) if blob is not None else None  # type: ignore[no-untyped-call]
        futs = [
            client.submit(
                worker_dask_chunk,
                ch,
                config,
                shared,
                blob_id,
                pure=False,
                key=f"corridors-sweep-{ch[0].index}-{os.getpid()}-{time.time_ns()}",
            )
            for ch in chunks(todo, workers)
        ]
        try:
            for f in as_completed(futs, loop=client.loop):  # type: ignore[no-untyped-call]
                for rec in f.result():
                    finished(rec)
        except BaseException:
            client.cancel(futs)  # type: ignore[no-untyped-call]
            raise
    finally:
        client.close()  # type: ignore[no-untyped-call]
    return workers
