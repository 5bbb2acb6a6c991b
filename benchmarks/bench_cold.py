"""Where a cold `compare` spends its time: the stages of a fresh process with a warm cache, CPU medians.

Each run is a new ``python -P`` process (started in a temporary folder) that imports corridors, loads
the network from the cache (with the fingerprint its entry keeps, as the CLI does, on trees that have
it), gets the compiled engine (cache), runs the first ``compare`` (family masks included) and a second
one, and prints the CPU seconds of each stage. With ``--first-run`` each run starts from a new empty
cache folder (the network and engine are built and written).
With ``--tree OLD`` (a source tree, e.g. ``git archive BASE | tar -x -C /tmp/base``) the runs of both
trees are interleaved and the ratios printed; give each tree its own cache folder.

    python benchmarks/bench_cold.py --runs 7
    python benchmarks/bench_cold.py --tree /tmp/base --tree-cache /tmp/base-cache --runs 7
    python benchmarks/bench_cold.py --tree /tmp/base --runs 3 --first-run
    python benchmarks/bench_cold.py --runs 5 --vs-warm   # the first run ever against a warm-cache run

With ``--vs-warm`` each tree is timed both ways, interleaved (a first run with a new empty cache folder,
then a run with the tree's warm cache), and the ratio first / warm is printed per tree: the figure of
issue 11's "the first run ever costs <= 2x a warm-cache run".
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

CHILD = r"""
import contextlib, json, sys, time
T = time.process_time
t0 = T()
tree = sys.argv[1]
if tree:
    sys.path.insert(0, tree)
    import corridors
    corridors.__path__.append(tree)
import numpy, networkx, shapely  # the libraries every query needs (scipy only where a search ties, or without corridors.sparse_c)
t_lib = T()
from corridors import cache, graph
from corridors.params import load_parameters
from corridors.routing import Router
t_imp = T()
# as the CLI does: the network with the fingerprint its cache entry keeps (trees that have it), then the
# engine at once; a tree without it hashes the graph when the engine is keyed (in the engine stage)
if hasattr(graph, "load_network_with_fingerprint"):
    G, fp = graph.load_network_with_fingerprint()
else:
    G, fp = graph.load_network(), None
t_net = T()
r = Router(G, load_parameters(calibration=True))
with cache.known_fingerprint(G, fp) if fp else contextlib.nullcontext():
    r.engine
t_eng = T()
r.compare("Chelyabinsk", "Mumbai")
t_first = T()
r.compare("Chelyabinsk", "Mumbai")
t_second = T()
try:
    peak = max(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024
except OSError:
    peak = float("nan")
print(json.dumps({
    "libraries": t_lib - t0, "corridors modules": t_imp - t_lib, "network (cache or build)": t_net - t_imp,
    "engine (key, cache or compile, index)": t_eng - t_net, "first compare (masks)": t_first - t_eng,
    "warm compare": t_second - t_first, "total": t_second - t0, "peak MiB": peak,
    "scipy imported (1 = yes)": float("scipy" in sys.modules),
}))
"""


def run(tree: str, cache_dir: str | None, empty: bool = False) -> dict[str, float]:
    env = dict(os.environ)
    if cache_dir:
        env["CORRIDORS_CACHE_DIR"] = cache_dir
    with tempfile.TemporaryDirectory() as d:
        if empty:  # the first run ever: a new empty cache folder
            env["CORRIDORS_CACHE_DIR"] = str(Path(d) / "cache")
        out = subprocess.run([sys.executable, "-P", "-c", CHILD, tree], cwd=d, env=env, capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--tree", type=Path, help="also time this source tree (interleaved), e.g. a baseline")
    ap.add_argument("--tree-cache", help="the cache folder of --tree")
    ap.add_argument("--first-run", action="store_true", help="each run with a new empty cache folder (the first run ever)")
    ap.add_argument(
        "--vs-warm", action="store_true", help="time each tree both ways, interleaved (first run ever, warm cache) and print first / warm"
    )
    args = ap.parse_args()
    trees: list[tuple[str, str, str | None]] = [("installed", "", None)]
    if args.tree:
        trees.append((str(args.tree), str(args.tree.resolve()), args.tree_cache))
    # the columns: (label, tree, cache folder, empty cache)
    cols: list[tuple[str, str, str | None, bool]] = []
    for label, t, c in trees:
        if args.vs_warm:
            cols += [(f"{label[-18:]} first", t, c, True), (f"{label[-18:]} warm", t, c, False)]
        else:
            cols.append((label, t, c, args.first_run))
    for _, t, c, _ in cols:
        run(t, c, False)  # warm-up: fills the tree's cache if needed, warms the file cache
    res: dict[str, list[dict[str, float]]] = {label: [] for label, *_ in cols}
    for _ in range(args.runs):
        for label, t, c, empty in cols:
            res[label].append(run(t, c, empty))
    stages: list[str] = list(res[cols[0][0]][0])
    med: dict[str, dict[str, float]] = {label: {s: statistics.median(x[s] for x in rs) for s in stages} for label, rs in res.items()}
    # ratios: first / warm per tree (--vs-warm), else installed / tree
    pairs = (
        [(cols[i][0], cols[i + 1][0]) for i in range(0, len(cols), 2)]
        if args.vs_warm
        else ([(cols[0][0], cols[1][0])] if len(cols) == 2 else [])
    )
    head = f"{'stage (CPU s, median of ' + str(args.runs) + ')':<42}" + "".join(f"{label[-24:]:>26}" for label in med)
    print(head + "".join(f"{'ratio':>9}" for _ in pairs))
    for s in stages:
        line = f"{s:<42}" + "".join(f"{med[label][s]:>26.3f}" for label in med)
        for a, b in pairs:
            line += f"{med[a][s] / med[b][s]:>8.2f}x" if med[b][s] else f"{'-':>9}"
        print(line)
    with contextlib.suppress(OSError):
        print(f"load average: {Path('/proc/loadavg').read_text(encoding='utf-8').split()[:3]}")
    out: dict[str, Any] = {"median": med, "runs": res}
    Path(tempfile.gettempdir(), "bench_cold.json").write_text(json.dumps(out), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
