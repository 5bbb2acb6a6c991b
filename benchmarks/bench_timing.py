"""What the Monte Carlo costs: warm `compare Chelyabinsk Mumbai` (9 families, every metric) without and
with the 10,000-draw Monte Carlo, and the simulation alone. Medians of repeats, side by side in one
process (run from anywhere: `python benchmarks/bench_timing.py --repeats 15`)."""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from corridors.graph import load_network
from corridors.params import load_parameters
from corridors.routing import Router
from corridors.timing import simulate


def median_ms(f: Callable[[], object], n: int) -> float:
    xs = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        xs.append(time.perf_counter() - t)
    return 1000 * statistics.median(xs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--draws", type=int, default=10_000)
    a = ap.parse_args()
    G, p = load_network(), load_parameters()
    plain, mc = Router(G, p, draws=0), Router(G, p, draws=a.draws)
    plain.compare("Chelyabinsk", "Mumbai")
    mc.compare("Chelyabinsk", "Mumbai")  # both warm: engines compiled, masks cached
    t0 = median_ms(lambda: plain.compare("Chelyabinsk", "Mumbai"), a.repeats)
    t1 = median_ms(lambda: mc.compare("Chelyabinsk", "Mumbai"), a.repeats)
    routes = plain.compare("Chelyabinsk", "Mumbai").routes
    ts = median_ms(lambda: simulate(routes, draws=a.draws), a.repeats)
    print(f"warm compare Chelyabinsk-Mumbai, {len(routes)} routes, median of {a.repeats}:")
    print(f"  expected times only          {t0:7.1f} ms")
    print(f"  with a {a.draws:,}-draw Monte Carlo {t1:7.1f} ms  (adds {t1 - t0:.1f} ms; ratio {t1 / t0:.2f})")
    print(f"  the Monte Carlo alone        {ts:7.1f} ms")


if __name__ == "__main__":
    main()
