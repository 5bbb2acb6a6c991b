"""Where a cold `compare` spends its time: the stages of a fresh process with a warm cache, CPU medians.

Each run is a new ``python -P`` process (started in a temporary folder) that imports corridors, loads
the network from the cache, fingerprints it, gets the compiled engine (cache), runs the first
``compare`` (family masks included) and a second one, and prints the CPU seconds of each stage.
With ``--tree OLD`` (a source tree, e.g. ``git archive BASE | tar -x -C /tmp/base``) the runs of both
trees are interleaved and the ratios printed; give each tree its own cache folder.

    python benchmarks/bench_cold.py --runs 7
    python benchmarks/bench_cold.py --tree /tmp/base --tree-cache /tmp/base-cache --runs 7
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

CHILD = r"""
import json, sys, time
T = time.process_time
t0 = T()
tree = sys.argv[1]
if tree:
    sys.path.insert(0, tree)
    import corridors
    corridors.__path__.append(tree)
import numpy, scipy.sparse.csgraph, networkx, shapely  # the libraries every query needs
t_lib = T()
from corridors.graph import load_network
from corridors.routing import Router
from corridors import cache
t_imp = T()
G = load_network()
t_net = T()
cache.graph_fingerprint(G)
t_fp = T()
r = Router(G)
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
    "libraries": t_lib - t0, "corridors modules": t_imp - t_lib, "network from cache": t_net - t_imp,
    "fingerprint": t_fp - t_net, "engine (fingerprint + cache + index)": t_eng - t_fp,
    "first compare (masks)": t_first - t_eng, "warm compare": t_second - t_first, "total": t_second - t0,
    "peak MiB": peak,
}))
"""


def run(tree: str, cache_dir: str | None) -> dict[str, float]:
    env = dict(os.environ)
    if cache_dir:
        env["CORRIDORS_CACHE_DIR"] = cache_dir
    with tempfile.TemporaryDirectory() as d:
        out = subprocess.run([sys.executable, "-P", "-c", CHILD, tree], cwd=d, env=env, capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--tree", type=Path, help="also time this source tree (interleaved), e.g. a baseline")
    ap.add_argument("--tree-cache", help="the cache folder of --tree")
    args = ap.parse_args()
    trees: list[tuple[str, str, str | None]] = [("installed", "", None)]
    if args.tree:
        trees.append((str(args.tree), str(args.tree.resolve()), args.tree_cache))
    for _, t, c in trees:
        run(t, c)  # warm-up: fills the cache if needed, warms the file cache
    res: dict[str, list[dict[str, float]]] = {label: [] for label, _, _ in trees}
    for _ in range(args.runs):
        for label, t, c in trees:
            res[label].append(run(t, c))
    stages: list[str] = list(res["installed"][0])
    med: dict[str, dict[str, float]] = {label: {s: statistics.median(x[s] for x in rs) for s in stages} for label, rs in res.items()}
    head = f"{'stage (CPU s, median of ' + str(args.runs) + ')':<42}" + "".join(f"{label[-24:]:>26}" for label in med)
    print(head + ("   ratio" if len(med) == 2 else ""))
    for s in stages:
        vals = [med[label][s] for label in med]
        line = f"{s:<42}" + "".join(f"{v:>26.3f}" for v in vals)
        if len(vals) == 2 and vals[1]:
            line += f"   {vals[0] / vals[1]:.2f}x"
        print(line)
    out: dict[str, Any] = {"median": med, "runs": res}
    Path(tempfile.gettempdir(), "bench_cold.json").write_text(json.dumps(out), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
