"""Speed and memory of corridors beside its peers (searoute, scgraph), medians of repeats.

Run:  pip install ".[bench]" && python benchmarks/bench_routing.py [--repeats N]

Prints medians and ratios measured in this run, never asserts: machines are noisy, so quote ratios.
scgraph is the 2.15.0 wheel (it bundles its marnet graph; 3.x downloads graphs at first use, which
these machines cannot do). Peaks are ru_maxrss of a separate process.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

SEA_PAIRS = [
    ("port:IRBND", "port:INNSA", "Bandar Abbas–Nhava Sheva (short)"),
    ("port:RULED", "port:INBOM", "St Petersburg–Mumbai via Suez (long)"),
    ("port:RUMMK", "port:RUVVO", "Murmansk–Vladivostok without NSR"),
    ("port:INMAA", "port:RUVVO", "Chennai–Vladivostok"),
    ("port:RUNVS", "port:INMUN", "Novorossiysk–Mundra"),
]
MULTIMODAL_PAIRS = [
    ("Chelyabinsk", "Mumbai"),
    ("Moscow", "Nhava Sheva"),
    ("Moscow", "Chennai"),
    ("Chelyabinsk", "Mundra"),
    ("St Petersburg", "Kandla"),
]


def median_ms(fn: Callable[[], Any], repeats: int) -> float:
    fn()  # warm
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t) * 1000)
    return statistics.median(ts)


def child(code: str, repeats: int) -> tuple[float, float]:
    """Median wall time (s) and median peak RSS (MiB) of a fresh Python process running ``code``."""
    wrapper = (
        "import resource, sys, time\n"
        f"{code}\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, file=sys.stderr)\n"
    )
    times, peaks = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        p = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, check=True)
        times.append(time.perf_counter() - t)
        peaks.append(float(p.stderr.strip().splitlines()[-1]))
    return statistics.median(times), statistics.median(peaks)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    R = args.repeats
    rows: list[tuple[str, str]] = []

    from corridors.graph import load_network
    from corridors.routing import Constraints, Router

    # -- cold processes (the on-disk cache is warm after the first call)
    load_network()
    t_info, m_info = child("from corridors.cli.main import cli\ncli(['network','info'], standalone_mode=False)", 5)
    rows.append(("cold `corridors network info` (cache warm)", f"{t_info:.2f} s, peak {m_info:.0f} MiB"))
    t_cmp, m_cmp = child("from corridors.cli.main import cli\ncli(['compare','Chelyabinsk','Mumbai'], standalone_mode=False)", 3)
    rows.append(("cold `corridors compare Chelyabinsk Mumbai`", f"{t_cmp:.2f} s, peak {m_cmp:.0f} MiB"))
    env = dict(os.environ, CORRIDORS_CACHE_DIR="off")
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from corridors.graph import load_network; load_network(use_cache=False)"], check=True, env=env)
    rows.append(("network build without cache (one run)", f"{time.perf_counter() - t:.2f} s"))

    t = time.perf_counter()
    G = load_network()
    t_load = time.perf_counter() - t
    r = Router(G)
    t = time.perf_counter()
    _ = r.engine
    t_compile = time.perf_counter() - t
    rows.append(("warm load from cache / compile state graph", f"{t_load * 1000:.0f} ms / {t_compile * 1000:.0f} ms"))

    # -- warm compare
    ms = median_ms(lambda: r.compare("Chelyabinsk", "Mumbai"), max(3, R // 4))
    rows.append(("warm compare Chelyabinsk–Mumbai (all families)", f"{ms:.1f} ms"))
    for a, b in MULTIMODAL_PAIRS:
        ms = median_ms(lambda a=a, b=b: r.route(a, b), R)
        rows.append((f"warm route {a}–{b} (time)", f"{ms:.2f} ms"))

    # -- sea-only queries beside the peers
    sea_only = Constraints(modes=("sea",))
    no_nsr = Constraints(modes=("sea",), avoid_chokepoints=("bering",))
    try:
        import searoute as sr
    except ImportError:
        sr = None
    try:
        from scgraph.geographs.marnet import marnet_geograph as scg
    except ImportError:
        scg = None
    peer_rows = []
    for a, b, label in SEA_PAIRS:
        c = no_nsr if "NSR" in label else sea_only  # no NSR: Bering closed, as every NSR voyage passes it
        ours_route = r.route(a, b, objective="distance", constraints=c)
        ours = median_ms(lambda a=a, b=b, c=c: r.route(a, b, objective="distance", constraints=c), R)
        A, B = G.nodes[a], G.nodes[b]
        line = [label, f"{ours:.2f}", f"{ours_route.length_km:,.0f}"]
        if sr is not None:
            s_ms = median_ms(lambda A=A, B=B: sr.searoute([A["x"], A["y"]], [B["x"], B["y"]]), R)
            s_km = sr.searoute([A["x"], A["y"]], [B["x"], B["y"]]).properties["length"]
            line += [f"{s_ms:.2f}", f"{s_km:,.0f}", f"{ours / s_ms:.2f}"]
        else:
            line += ["-", "-", "-"]
        if scg is not None:
            o = {"latitude": A["y"], "longitude": A["x"]}
            d = {"latitude": B["y"], "longitude": B["x"]}
            g_ms = median_ms(lambda o=o, d=d: scg.get_shortest_path(o, d), R)
            g_km = scg.get_shortest_path(o, d)["length"]
            line += [f"{g_ms:.2f}", f"{g_km:,.0f}", f"{ours / g_ms:.2f}"]
        else:
            line += ["-", "-", "-"]
        peer_rows.append(line)

    # -- 20x20 port distance matrix
    # every bundled port with a sea spur (13; the Caspian ports have no ocean access)
    ports = [n for n, d in G.nodes(data=True) if d.get("kind") == "port" and any(dd["mode"] == "sea" for _, _, dd in G.out_edges(n, data=True))][:20]
    t = time.perf_counter()
    r.distance_matrix(ports, "distance", sea_only)
    ours_m = time.perf_counter() - t
    t = time.perf_counter()
    r.distance_matrix(ports, "distance", sea_only)
    ours_m2 = time.perf_counter() - t
    mat = [("our matrix (first / repeated)", f"{len(ports)}x{len(ports)}: {ours_m:.3f} s / {ours_m2:.3f} s")]
    if scg is not None:
        nodes = [{"latitude": G.nodes[p]["y"], "longitude": G.nodes[p]["x"]} for p in ports]
        t = time.perf_counter()
        try:
            scg.distance_matrix(nodes)
            sc_m = time.perf_counter() - t
            mat.append(("scgraph 2.15 distance_matrix", f"{sc_m:.3f} s (ratio ours/scgraph {ours_m / sc_m:.2f})"))
        except Exception as exc:  # noqa: BLE001 - report, don't fail the benchmark
            mat.append(("scgraph 2.15 distance_matrix", f"failed: {exc}"))

    print("corridors benchmark (medians; ratios from this run)")
    for k, v in rows:
        print(f"  {k:<55} {v}")
    print("\nsea-only shortest distance, warm, median ms (ratio = ours / peer):")
    hdr = ["pair", "ours ms", "ours km", "searoute ms", "searoute km", "ratio", "scgraph ms", "scgraph km", "ratio"]
    print("  " + " | ".join(hdr))
    for line in peer_rows:
        print("  " + " | ".join(line))
    print(f"\nport distance matrix ({len(ports)}x{len(ports)}, every bundled ocean port):")
    for k, v in mat:
        print(f"  {k:<40} {v}")
    print(json.dumps({"repeats": R}), file=sys.stderr)


if __name__ == "__main__":
    main()
