"""Sweep benchmark: every bundled scenario (plus the baseline) × the 20 bundled pairs.

Prints the wall time (median of ``--repeat`` runs), rows, tasks, the median time per task, and the
speed-up of a process pool on every core over one worker; ``--dask`` adds a Dask LocalCluster run.

    python benchmarks/bench_sweep.py                 # 1 worker vs every core, median of 3
    python benchmarks/bench_sweep.py --repeat 1 --pairs 5 --dask

The network is built (or read from the on-disk cache) once before timing; each timed run loads it
again and starts its own workers (on Linux forked from this process once the sweep has loaded the
network and the engine; elsewhere spawned, each loading its own), so the pool's figures include that.
"workers' CPU" is each worker process's CPU seconds in the last run (how evenly the work was shared;
on a loaded machine, a fairer figure than the wall time).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def run(label: str, repeat: int, scenarios: list[Path], pairs: list[tuple[str, str]], **kw: Any) -> dict[str, Any]:
    from corridors.sweep import run_sweep

    walls: list[float] = []
    res = None
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            res = run_sweep(scenarios, pairs, Path(d) / "out.csv", **kw)
            walls.append(time.perf_counter() - t0)
    assert res is not None
    assert res.complete
    per = statistics.median(res.task_seconds) if res.task_seconds else float("nan")
    out = {
        "label": label,
        "wall": statistics.median(walls),
        "walls": walls,
        "rows": len(res.rows),
        "tasks": res.tasks_total,
        "per_task": per,
        "workers": res.workers,
        "worker_cpu": sorted(res.worker_cpu.values()),
    }
    print(
        f"{label:<28} wall {out['wall']:7.2f} s (runs: {', '.join(f'{w:.2f}' for w in walls)}), {out['rows']} rows, "
        f"{out['tasks']} tasks, median {per * 1000:6.0f} ms/task, {out['workers']} worker(s), "
        f"workers' CPU {', '.join(f'{c:.2f}' for c in out['worker_cpu']) or '-'} s",
        flush=True,
    )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs per configuration (median reported)")
    ap.add_argument("--pairs", type=int, default=20, help="use the first N bundled pairs")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="workers of the parallel run")
    ap.add_argument("--dask", action="store_true", help="also run on a Dask LocalCluster with --jobs workers")
    args = ap.parse_args()

    from corridors.graph import load_network
    from corridors.scenario import bundled_scenarios, bundled_scenarios_dir
    from corridors.sweep import read_pairs

    t0 = time.perf_counter()
    load_network()  # fills the on-disk cache the workers read
    print(
        f"network ready in {time.perf_counter() - t0:.2f} s; Python {platform.python_version()}, {os.cpu_count()} cores",
        flush=True,
    )
    scenarios = bundled_scenarios()
    pairs = read_pairs(bundled_scenarios_dir() / "pairs.csv")[: args.pairs]
    print(f"{len(scenarios)} scenarios + baseline × {len(pairs)} pairs", flush=True)

    one = run("1 worker (in process)", args.repeat, scenarios, pairs, jobs=1)
    many = run(f"{args.jobs} worker processes", args.repeat, scenarios, pairs, jobs=args.jobs)
    print(
        f"speed-up of {args.jobs} processes over 1 worker: {one['wall'] / many['wall']:.2f}x (ideal {min(args.jobs, os.cpu_count() or 1)}x)"
    )
    if args.dask:
        try:
            from distributed import LocalCluster
        except ImportError:
            print("dask: not installed (pip install 'corridors[dask]')")
            return 0
        with LocalCluster(n_workers=args.jobs, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            d = run(
                f"dask LocalCluster ({args.jobs} procs)",
                args.repeat,
                scenarios,
                pairs,
                scheduler=cluster.scheduler_address,
            )
        print(f"speed-up of Dask over 1 worker: {one['wall'] / d['wall']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
