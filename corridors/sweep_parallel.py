"""Running a sweep's tasks in parallel: a local process pool, or a Dask distributed cluster.

Split from :mod:`corridors.sweep`. What a worker runs (``worker_init``, ``worker_chunk``,
``worker_dask_chunk``) is in :mod:`corridors.sweep_worker`, so workers import it by that name.

On Linux the pool's workers are forked from the sweep's process once it has loaded the network,
compiled the engine and bound the scenarios (:func:`fork_pool`): they start with all of it, shared
copy-on-write, instead of importing, loading and compiling again. Elsewhere (no ``fork``, or another
thread running in this process, where forking is unsafe) they are spawned and load their own
(:func:`start_pool`).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import sys
import threading
import time
import warnings
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


def can_fork() -> bool:
    """Whether the pool's workers are forked from this process (see the module's docstring): on Linux,
    with the ``fork`` start method there, while this process runs no other Python thread."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _forked(fds: tuple[int, ...]) -> None:
    """In a forked worker: close its copies of the sweep's locked files (the checkpoint, the output's
    lock), so that they are released when the sweep's process closes them, not when the last worker ends."""
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def fork_pool(n: int, close_fds: Sequence[int] = ()) -> ProcessPoolExecutor:
    """``n`` workers forked from this process when :func:`run_pool` submits the first chunk: they start
    with this process's sweep state (:func:`corridors.sweep_worker.set_state`), set before that."""
    ctx = multiprocessing.get_context("fork")
    return ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_forked, initargs=(tuple(close_fds),))


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
    costs: dict[tuple[str, str], tuple[float, float]] | None = None,
) -> None:
    """Run ``todo`` on the workers of :func:`start_pool` or :func:`fork_pool`, in chunks for ``n``
    workers, the costliest first (:func:`~corridors.sweep_worker.chunks`), then shut it down."""
    try:
        pending: set[Future[list[dict[str, Any]]]] = set()
        # a fork pool forks its workers at the first submission: everything alive now is frozen out of
        # the garbage collector's passes, which would otherwise write to (and so copy) the shared pages.
        # Python 3.12+ warns when forking a process with other threads; the only ones here (can_fork)
        # are native BLAS pools, which make themselves safe across a fork. What the caller froze stays frozen
        frozen = gc.get_freeze_count() > 0
        gc.freeze()
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=r"This process \(pid=\d+\) is multi-threaded", category=DeprecationWarning)
                for ch in chunks(todo, n, costs):
                    pending.add(ex.submit(worker_chunk, ch, config))
        finally:
            if not frozen:
                gc.unfreeze()
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
    costs: dict[tuple[str, str], tuple[float, float]] | None = None,
) -> int:
    """Run ``todo`` on a Dask cluster, the costliest chunks first; ``blob`` (the router with its
    compiled engine) is scattered to every worker once. Returns the number of workers."""
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
            for ch in chunks(todo, workers, costs)
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
