"""Speed of corridors beside its peers: scgraph 3.6 (C++), searoute 1.6 and a plain scipy Dijkstra.

Run from any folder (the child processes start in a temporary folder with ``python -P``, so a
``corridors/`` folder in the current directory is never imported by mistake)::

    pip install -e ".[bench]"                      # searoute comes with corridors; scgraph 3.6 here
    python benchmarks/bench_routing.py             # every section, 2-5 minutes (the first run builds the layers)
    python benchmarks/bench_routing.py --only sea,compare --repeats 10
    python benchmarks/bench_routing.py --scgraph-path /opt/scg36 --scgraph-cache /opt/scg-cache

scgraph 3.6 fetches its graphs from GitHub at first use; offline, build its cache folder from the
graphs bundled in the scgraph 2.15.0 wheel with ``benchmarks/make_scgraph_cache.py`` (see
docs/performance.md). ``--scgraph-path`` puts a ``pip install --target`` folder of scgraph 3.6 first
on the import path (in this process and in the cold child); without scgraph 3.x the scgraph columns
say "not installed".

Sections (``--only``, comma-separated):

sea      warm sea-only shortest-distance query on 5 pairs, route assembly included, interleaved:
         corridors ``Router(draws=0).route(..., objective="distance", modes sea)``, scgraph 3.6
         ``GeoGraph.get_shortest_path`` (C++), searoute 1.6 ``searoute()``, and the floor: one
         ``scipy.sparse.csgraph.dijkstra`` over corridors' own sea graph + predecessor walk +
         concatenated coordinates.
compare  warm ``Router(draws=10000).compare("Chelyabinsk", "Mumbai")`` (every family, every metric, the
         Monte Carlo) and the first use of a new constraint set (a new far-away leg avoided each time).
cold     fresh processes: ``corridors compare Chelyabinsk Mumbai`` with the cache warm and with an empty
         cache (first run ever: after ``pip install .`` it reads the entries the install built; and with
         ``CORRIDORS_PREBUILT=0``, building them itself), ``corridors route`` for one sea query, ``corridors network info``, searoute's and scgraph 3.6's
         process for one sea query, and ``python -c pass``: CPU (user+sys) and wall medians, peak RSS.
matrix   20x20 and 200x200 distance matrices, corridors vs scgraph 3.6 ``distance_matrix``.
layer    a user layer of 5k / 10k / 20k synthetic rail nodes (a grid joined to Chelyabinsk): how much
         slower a warm query gets.
sweep    ``corridors sweep -j 2`` vs ``-j 1`` on the bundled scenarios × pairs.

Every figure is a median of repeats; every ratio is taken within this run (corridors / peer: above 1
means corridors is slower). Timings are CPU time of the process (``time.process_time``) unless marked
wall. Nothing is asserted: the machine may be shared, so quote medians and ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib
import itertools
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

SECTIONS = ("sea", "compare", "cold", "matrix", "layer", "sweep")

# (origin, destination, label, constraints kind, searoute restrictions)
SEA_PAIRS = [
    ("port:IRBND", "port:INNSA", "Bandar Abbas–Nhava Sheva", "sea", None),
    ("port:RULED", "port:INBOM", "St Petersburg–Mumbai", "sea", None),
    ("port:RUMMK", "port:RUVVO", "Murmansk–Vladivostok, NSR closed", "no_nsr", None),
    ("port:INMAA", "port:RUVVO", "Chennai–Vladivostok", "sea", None),
    ("port:RUNVS", "port:INMUN", "Novorossiysk–Mundra", "sea", None),
    ("port:RUMMK", "port:RUVVO", "Murmansk–Vladivostok via NSR (like for like)", "sea", []),
]
LAYER_SIZES = (5_000, 10_000, 20_000)
RESULTS: dict[str, Any] = {}


# ------------------------------------------------------------------ timing helpers
def interleave(contenders: dict[str, Callable[[], Any]], repeats: int, warm: int = 1) -> dict[str, dict[str, float]]:
    """Run each contender ``repeats`` times, round-robin (the order rotates each round), after ``warm``
    untimed calls each. Returns per name the CPU and wall medians in ms."""
    names = list(contenders)
    for _ in range(warm):
        for n in names:
            contenders[n]()
    cpu: dict[str, list[float]] = {n: [] for n in names}
    wall: dict[str, list[float]] = {n: [] for n in names}
    for i in range(repeats):
        k = i % len(names)
        for n in names[k:] + names[:k]:
            c0, w0 = time.process_time(), time.perf_counter()
            contenders[n]()
            cpu[n].append((time.process_time() - c0) * 1000)
            wall[n].append((time.perf_counter() - w0) * 1000)
    return {n: {"cpu_ms": statistics.median(cpu[n]), "wall_ms": statistics.median(wall[n])} for n in names}


def fmt_ms(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:.3f}" if x < 1 else f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 1000 else f"{x:,.0f}"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or not b:
        return "-"
    return f"{a / b:.2f}x"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    w = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print("  " + " | ".join(str(h).ljust(w[i]) for i, h in enumerate(header)))
    print("  " + "-+-".join("-" * x for x in w))
    for r in rows:
        print("  " + " | ".join(str(c).rjust(w[i]) if i else str(c).ljust(w[i]) for i, c in enumerate(r)))
    sys.stdout.flush()


def head(title: str) -> None:
    print(f"\n== {title}", flush=True)


# ------------------------------------------------------------------ child processes
HWM_PRELUDE = (
    "import atexit, os\n"
    "def _bench_hwm():\n"
    "    with open('/proc/self/status') as f, open(os.environ['BENCH_HWM_FILE'], 'w') as out:\n"
    "        out.write(next(x for x in f if x.startswith('VmHWM')).split()[1])\n"
    "atexit.register(_bench_hwm)\n"
)


def run_child(argv: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """One fresh process: CPU (user+sys, s, from wait4), wall (s) and peak RSS (MiB: the child's own
    VmHWM at exit, as ru_maxrss would count the parent's pages copied at fork), in a temporary working
    folder (so nothing in the caller's folder shadows an installed package)."""
    with tempfile.TemporaryDirectory(prefix="bench-child-") as cwd, tempfile.TemporaryFile() as err:
        hwm = Path(cwd) / "hwm"
        env = dict(env if env is not None else os.environ, BENCH_HWM_FILE=str(hwm))
        t = time.perf_counter()
        p = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode(errors="replace")
        rss = int(hwm.read_text()) / 1024 if hwm.exists() else float("nan")
    if p.returncode != 0:
        tail = text.strip().splitlines()[-1:] or ["(no message)"]
        msg = f"{' '.join(argv[:4])} ... exited {p.returncode}: {tail[0]}"
        raise RuntimeError(msg)
    return {"cpu": ru.ru_utime + ru.ru_stime, "wall": wall, "rss": rss, "stderr_lines": len(text.strip().splitlines())}


def py_child(code: str) -> list[str]:
    """A fresh interpreter running ``code``. ``-P``: the working folder is not put first on sys.path."""
    return [sys.executable, "-P", "-c", HWM_PRELUDE + code]


def cli_child(*args: str) -> list[str]:
    """``corridors ARGS`` as the console script runs it (``sys.exit(run())``), in a fresh interpreter."""
    return py_child(f"import sys\nfrom corridors.cli.main import run\nsys.exit(run({list(args)!r}))")


# ------------------------------------------------------------------ peers
class Peers:
    def __init__(self, scgraph_path: str | None, scgraph_cache: str | None) -> None:
        self.scgraph_path = scgraph_path
        self.scgraph_cache = scgraph_cache
        self.sr: Any = None
        self.scg: Any = None
        self.scg_version = "not installed"
        self.scg_error = ""
        try:
            import searoute

            self.sr = searoute
        except ImportError:
            pass
        if scgraph_path:
            sys.path.insert(0, scgraph_path)
        try:
            scgraph = importlib.import_module("scgraph")
            from importlib import metadata

            try:
                self.scg_version = metadata.version("scgraph") if not scgraph_path else _dist_version(scgraph_path, "scgraph")
            except Exception:  # noqa: BLE001 - a version is only reported
                self.scg_version = "?"
            if not hasattr(scgraph, "GeoGraph") or not hasattr(scgraph.GeoGraph, "load_geograph"):
                self.scg_error = f"scgraph {self.scg_version} is not 3.x (pass --scgraph-path to a scgraph 3.6 folder)"
                return
            kw = {"cache_dir": scgraph_cache} if scgraph_cache else {}
            self.scg = scgraph.GeoGraph.load_geograph("marnet", **kw)
        except ImportError:
            self.scg_error = "scgraph not installed"
        except Exception as exc:  # noqa: BLE001 - report, don't fail the benchmark
            self.scg_error = f"scgraph could not load marnet: {exc} (build the cache: benchmarks/make_scgraph_cache.py)"

    def child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.scgraph_path:
            env["PYTHONPATH"] = self.scgraph_path
        return env


def _dist_version(folder: str, name: str) -> str:
    for p in Path(folder).glob(f"{name}-*.dist-info"):
        return p.name.removesuffix(".dist-info").split("-", 1)[1]
    return "?"


# ------------------------------------------------------------------ the scipy floor
class SeaFloor:
    """corridors' own sea graph (every operational sea edge of the network, both directions, weight
    length_km) in a scipy CSR matrix; a query is one Dijkstra from the origin, the predecessor walk
    and the route's coordinates concatenated from per-edge arrays precomputed once."""

    def __init__(self, G: Any, avoid_chokepoint: str | None = None) -> None:
        import numpy as np
        from scipy.sparse import csr_matrix

        from corridors.graph import edge_coords

        best: dict[tuple[str, str], tuple[float, Any]] = {}
        for u, v, d in G.edges(data=True):
            if d["mode"] != "sea" or d.get("status") != "operational":
                continue
            if avoid_chokepoint and avoid_chokepoint in (d.get("chokepoints") or ()):
                continue
            km = float(d["length_km"])
            if (u, v) not in best or km < best[(u, v)][0]:
                best[(u, v)] = (km, d)
        nodes = sorted({n for uv in best for n in uv})
        self.index = {n: i for i, n in enumerate(nodes)}
        rows = np.fromiter((self.index[u] for u, _ in best), np.int64, len(best))
        cols = np.fromiter((self.index[v] for _, v in best), np.int64, len(best))
        w = np.fromiter((km for km, _ in best.values()), float, len(best))
        self.csr = csr_matrix((w, (rows, cols)), shape=(len(nodes), len(nodes)))
        self.coords = {(self.index[u], self.index[v]): np.asarray(edge_coords(d)) for (u, v), (_, d) in best.items()}

    def route(self, o: str, d: str) -> tuple[float, Any]:
        import numpy as np
        from scipy.sparse.csgraph import dijkstra

        i, j = self.index[o], self.index[d]
        dist, pred = dijkstra(self.csr, directed=True, indices=i, return_predecessors=True)
        path = [j]
        while path[-1] != i:
            path.append(int(pred[path[-1]]))
        path.reverse()
        line = np.concatenate([self.coords[(a, b)] for a, b in itertools.pairwise(path)])
        return float(dist[j]), line


# ------------------------------------------------------------------ sections
def section_sea(G: Any, peers: Peers, repeats: int) -> None:
    from corridors.routing import Constraints, Router

    head("warm sea query (shortest distance, route assembly included), CPU ms, medians of interleaved runs")
    r = Router(G, draws=0)
    cons = {"sea": Constraints(modes=("sea",)), "no_nsr": Constraints(modes=("sea",), avoid_chokepoints=("bering",))}
    floors = {"sea": SeaFloor(G), "no_nsr": SeaFloor(G, avoid_chokepoint="bering")}
    rows, out = [], []
    for a, b, label, kind, restr in SEA_PAIRS:
        A, B = G.nodes[a], G.nodes[b]
        c, fl = cons[kind], floors[kind]
        con: dict[str, Callable[[], Any]] = {"corridors": lambda a=a, b=b, c=c: r.route(a, b, objective="distance", constraints=c)}
        km = {"corridors": r.route(a, b, objective="distance", constraints=c).length_km}
        con["floor"] = lambda a=a, b=b, fl=fl: fl.route(a, b)
        km["floor"] = fl.route(a, b)[0]
        if peers.scg is not None:
            o = {"latitude": A["y"], "longitude": A["x"]}
            d = {"latitude": B["y"], "longitude": B["x"]}
            con["scgraph"] = lambda o=o, d=d: peers.scg.get_shortest_path(o, d)
            km["scgraph"] = peers.scg.get_shortest_path(o, d)["length"]
        if peers.sr is not None:
            kw = {} if restr is None else {"restrictions": restr}
            p, q = [A["x"], A["y"]], [B["x"], B["y"]]
            con["searoute"] = lambda p=p, q=q, kw=kw: peers.sr.searoute(p, q, **kw)
            km["searoute"] = peers.sr.searoute(p, q, **kw).properties["length"]
        t = interleave(con, repeats)
        ms = {k: v["cpu_ms"] for k, v in t.items()}
        rows.append(
            [
                label,
                fmt_ms(ms["corridors"]),
                fmt_ms(ms.get("scgraph")),
                fmt_ms(ms.get("searoute")),
                fmt_ms(ms["floor"]),
                ratio(ms["corridors"], ms.get("scgraph")) + (" (NSR!)" if kind == "no_nsr" and "scgraph" in ms else ""),
                ratio(ms["corridors"], ms.get("searoute")),
                ratio(ms["corridors"], ms["floor"]),
                " / ".join(f"{km[k]:,.0f}" if k in km else "-" for k in ("corridors", "scgraph", "searoute", "floor")),
            ]
        )
        out.append({"pair": label, "ms": ms, "wall_ms": {k: v["wall_ms"] for k, v in t.items()}, "km": km})
    table(
        [
            "pair",
            "corridors",
            "scgraph 3.6",
            "searoute",
            "scipy floor",
            "/scgraph",
            "/searoute",
            "/floor",
            "km: corridors / scgraph / searoute / floor",
        ],
        rows,
    )
    if peers.scg is None:
        print(f"  scgraph: {peers.scg_error}")
    print(
        "  NSR closed: corridors avoids the Bering Strait (every NSR voyage to the Pacific passes it) and searoute keeps\n"
        "  its default restriction (the Arctic passages closed); scgraph cannot close the NSR, so its figure on that row\n"
        "  is the NSR route and its ratio (marked NSR!) is not like for like. The last row opens the NSR for all (searoute restrictions=[]).\n"
        "  corridors runs with draws=0 (no Monte Carlo: the peers give no times); its floor is one scipy Dijkstra over its own\n"
        f"  sea graph ({floors['sea'].csr.shape[0]:,} nodes, {floors['sea'].csr.nnz:,} arcs). Medians of {repeats} interleaved runs.",
        flush=True,
    )
    RESULTS["sea"] = out


def far_legs(G: Any, n: int) -> list[str]:
    """``n`` sea legs west of 30 W (the Americas), which no Russia–India route uses."""
    legs = sorted(
        {k for u, v, k, d in G.edges(keys=True, data=True) if d["mode"] == "sea" and G.nodes[u]["x"] < -30 and G.nodes[v]["x"] < -30}
    )
    step = max(1, len(legs) // max(n, 1))
    return legs[::step][:n]


def section_compare(G: Any, repeats: int) -> None:
    from corridors.routing import Constraints, Router

    head("warm compare Chelyabinsk Mumbai (all families, all metrics, 10,000-draw Monte Carlo), in process")
    r = Router(G, draws=10_000)
    r0 = Router(G, draws=0)
    t = interleave({"mc": lambda: r.compare("Chelyabinsk", "Mumbai"), "plain": lambda: r0.compare("Chelyabinsk", "Mumbai")}, repeats)
    res = r.compare("Chelyabinsk", "Mumbai")
    legs = far_legs(G, repeats + 1)
    cpu, wall = [], []
    r.compare("Chelyabinsk", "Mumbai", constraints=Constraints(avoid_legs=(legs[-1],)))  # one untimed first use
    for lg in legs[:-1]:
        c = Constraints(avoid_legs=(lg,))
        c0, w0 = time.process_time(), time.perf_counter()
        r.compare("Chelyabinsk", "Mumbai", constraints=c)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    first = statistics.median(cpu)
    mc = t["mc"]["cpu_ms"]
    table(
        ["figure", "CPU ms", "wall ms", "ratio"],
        [
            [f"warm compare, draws=10000 ({len(res.routes)} routes)", fmt_ms(mc), fmt_ms(t["mc"]["wall_ms"]), "1.00x"],
            [
                "warm compare, draws=0 (no Monte Carlo)",
                fmt_ms(t["plain"]["cpu_ms"]),
                fmt_ms(t["plain"]["wall_ms"]),
                ratio(t["plain"]["cpu_ms"], mc),
            ],
            ["first use of a new constraint set, draws=10000", fmt_ms(first), fmt_ms(statistics.median(wall)), ratio(first, mc)],
        ],
    )
    print(
        f"  a new constraint set = Constraints(avoid_legs=(one sea leg west of 30 W,)): a new set each time, same answers.\n"
        f"  Medians of {repeats} (warm: interleaved; first use: {len(cpu)} different sets).",
        flush=True,
    )
    RESULTS["compare"] = {"warm_ms": mc, "warm_plain_ms": t["plain"]["cpu_ms"], "first_use_ms": first, "routes": len(res.routes)}


def section_cold(peers: Peers, repeats: int, empty_repeats: int) -> None:
    from corridors.graph import load_network

    head("cold processes: import + load + query, medians (CPU = user+sys of the child and its children; peak = its VmHWM)")
    load_network()
    # bytecode as `pip install .` leaves it: with $PYTHONDONTWRITEBYTECODE an editable install would
    # recompile corridors' modules at every start (0.1-0.15 s); the warm-up run below writes their .pyc
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with contextlib.suppress(Exception):
        run_child(cli_child("compare", "Chelyabinsk", "Mumbai"), env)  # fills the engine cache for the CLI's parameters
    G = load_network()
    o, d = G.nodes["port:RULED"], G.nodes["port:INBOM"]
    pts = {"o": (o["x"], o["y"]), "d": (d["x"], d["y"])}
    contenders: dict[str, tuple[list[str], dict[str, str] | None]] = {
        "corridors compare Chelyabinsk Mumbai (cache warm)": (cli_child("compare", "Chelyabinsk", "Mumbai"), env),
        "corridors route St Petersburg–Mumbai, sea, distance (cache warm)": (
            cli_child("route", "port:RULED", "port:INBOM", "--modes", "sea", "--optimize", "distance"),
            env,
        ),
        "corridors network info (cache warm)": (cli_child("network", "info"), env),
        "searoute 1.6: one sea query (St Petersburg–Mumbai)": (
            py_child(f"import searoute\nsearoute.searoute({list(pts['o'])}, {list(pts['d'])})"),
            env,
        ),
    }
    if peers.scg is not None:
        cache = f", cache_dir={peers.scgraph_cache!r}" if peers.scgraph_cache else ""
        code = (
            "from scgraph import GeoGraph\n"
            f"g = GeoGraph.load_geograph('marnet'{cache})\n"
            f"g.get_shortest_path({{'latitude': {pts['o'][1]}, 'longitude': {pts['o'][0]}}}, {{'latitude': {pts['d'][1]}, 'longitude': {pts['d'][0]}}})"
        )
        contenders[f"scgraph {peers.scg_version}: one sea query (St Petersburg–Mumbai)"] = (py_child(code), peers.child_env())
    contenders["python -c pass (the interpreter alone)"] = (py_child("pass"), env)
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in contenders}
    names = list(contenders)
    for i in range(repeats):  # the warm processes and the peers, interleaved (rotating order)
        k = i % len(names)
        for n in names[k:] + names[:k]:
            argv, e = contenders[n]
            runs[n].append(run_child(argv, e))
    # The first runs in a block of their own, each beside a warm run of the same command: a first run
    # (3-4 s, 200+ MiB, 17 MB written) slowed the processes that ran after it, corridors' more than
    # searoute's (interleaved in one block: compare / searoute 1.51x; the same machine, separate blocks:
    # 1.36x), so the peers' ratios come from the block above, the first run's from this one.
    # After `pip install .` the first run reads the entries the install built into the package
    # (corridors/cache.py, "Prebuilt"); CORRIDORS_PREBUILT=0 is the same first run building them itself.
    empty = "corridors compare Chelyabinsk Mumbai (empty cache: first run ever)"
    scratch = "corridors compare Chelyabinsk Mumbai (empty cache, CORRIDORS_PREBUILT=0: built from scratch)"
    warm_beside = "corridors compare Chelyabinsk Mumbai (cache warm, beside the first runs)"
    if empty_repeats > 0:
        runs[empty], runs[scratch], runs[warm_beside] = [], [], []
    for i in range(empty_repeats):
        argv, e = contenders["corridors compare Chelyabinsk Mumbai (cache warm)"]
        with tempfile.TemporaryDirectory(prefix="bench-cache-") as fresh, tempfile.TemporaryDirectory(prefix="bench-cache-") as fresh2:
            block = [
                (warm_beside, e),
                (empty, dict(env, CORRIDORS_CACHE_DIR=fresh)),
                (scratch, dict(env, CORRIDORS_CACHE_DIR=fresh2, CORRIDORS_PREBUILT="0")),
            ]
            for n, pe in block[i % 3 :] + block[: i % 3]:  # rotating order
                runs[n].append(run_child(argv, pe))
    med = {n: {m: statistics.median(x[m] for x in rs) for m in ("cpu", "wall", "rss", "stderr_lines")} for n, rs in runs.items()}
    sr_name = next(n for n in med if n.startswith("searoute"))
    scg_name = next((n for n in med if n.startswith("scgraph")), None)
    rows = []
    for n, m in med.items():
        rows.append(
            [
                n,
                f"{m['cpu']:.2f}",
                f"{m['wall']:.2f}",
                f"{m['rss']:.0f}",
                ratio(m["cpu"], med[sr_name]["cpu"]),
                ratio(m["cpu"], med[scg_name]["cpu"]) if scg_name else "-",
            ]
        )
    table(["process", "CPU s", "wall s", "peak MiB", "CPU / searoute", "CPU / scgraph"], rows)
    if empty in med:
        warm = med[warm_beside]
        for n, what in ((empty, "first run ever"), (scratch, "cache built from scratch")):
            print(
                f"  {what} / cache warm (rows of the second block): CPU {med[n]['cpu'] / warm['cpu']:.2f}x, "
                f"wall {med[n]['wall'] / warm['wall']:.2f}x; it wrote {med[n]['stderr_lines']:.0f} line(s) to stderr (progress).",
                flush=True,
            )
        from corridors import cache

        pre = getattr(cache, "prebuilt_dir", lambda: None)()  # (a build before the prebuilt entries has none)
        print(
            f"  prebuilt entries: {pre} (the first run ever read them: no progress lines)"
            if pre is not None
            else "  prebuilt entries: none (an editable install, or CORRIDORS_PREBUILT=0): the first run ever built its cache",
            flush=True,
        )
    print(
        f"  Medians of {repeats} interleaved runs of each warm process and peer; then {empty_repeats} first runs of each kind, each in"
        " a new empty cache folder, each beside a warm run of the same command (order rotating); corridors' modules from their"
        " .pyc, as after `pip install .`.",
        flush=True,
    )
    if peers.scg is None:
        print(f"  scgraph: {peers.scg_error}")
    RESULTS["cold"] = med


def matrix_places(G: Any, n: int) -> tuple[list[str], int]:
    """``n`` node ids: every ocean port corridors names (a port with a sea leg), spread evenly if there
    are more than ``n``, filled with sea-lane junctions (spread evenly by id) if there are fewer.
    Returns the ids and how many are named ports."""
    ports = sorted(
        n_
        for n_, d in G.nodes(data=True)
        if d.get("kind") == "port" and any(dd["mode"] == "sea" for _, _, dd in G.out_edges(n_, data=True))
    )
    if len(ports) >= n:
        step = len(ports) / n
        return [ports[int(i * step)] for i in range(n)], n
    junctions = sorted(n_ for n_ in G.nodes if str(n_).startswith("sea:") and G.out_degree(n_) > 0)
    need = n - len(ports)
    step = len(junctions) / need
    return ports + [junctions[int(i * step)] for i in range(need)], len(ports)


def corridors_matrix(r: Any, ids: Sequence[str], named: int) -> Callable[[], Any]:
    """The corridors call for a distance matrix over ``ids``: ``corridors.matrix.od_matrix`` when the
    checkout has it and every id is a named place, else ``Router.distance_matrix`` when every id is
    named, else the same computation as ``Router.distance_matrix`` over node ids (one ``distances_from``
    per origin, minimum over the destination's entry states), as sea-lane junctions have no name."""
    import numpy as np

    from corridors.engine import distances_from
    from corridors.routing import Constraints

    c = Constraints(modes=("sea",))
    if named == len(ids):
        try:
            from corridors.matrix import od_matrix  # type: ignore[import-not-found]

            return lambda: od_matrix(r, list(ids), objective="distance", constraints=c)
        except ImportError:
            return lambda: r.distance_matrix(list(ids), "distance", c)

    def by_ids() -> Any:
        eng = r.engine
        try:
            from corridors.query import edge_mask, edge_weights  # type: ignore[import-not-found]

            weight, _ = edge_weights(r.compiled, "distance", c)
            mask = edge_mask(r.compiled, c, None, ids[0], ids[-1])
        except ImportError:  # a checkout before corridors.query: the Router's own methods
            weight, _ = r._weights("distance", c)
            mask = r._mask(c, None, ids[0], ids[-1])
        out = np.full((len(ids), len(ids)), np.nan)
        for i, a in enumerate(ids):
            dist = distances_from(eng, eng.out_states[a], weight, mask, cache_key=("matrix", "distance", c))
            for j, b in enumerate(ids):
                if i != j:
                    v = min(dist[s] for s in eng.in_states[b])
                    out[i, j] = v if np.isfinite(v) else np.nan
        return out

    return by_ids


def matrix_forget() -> Callable[[], None] | None:
    """A call that empties ``corridors.matrix``'s own caches between calls, or None for a checkout
    without them."""
    try:
        import corridors.matrix as cm  # type: ignore[import-not-found]
    except ImportError:
        return None
    caches = [c for c in (getattr(cm, name, None) for name in ("_PREPARED", "_TREES", "_PRUNED", "_HANDLING")) if c is not None]
    if not caches:
        return None

    def forget() -> None:
        for c in caches:
            c.clear()

    return forget


def section_matrix(G: Any, peers: Peers, repeats: int, sizes: Sequence[int]) -> None:
    import numpy as np

    from corridors.routing import Router

    head("port distance matrix (sea only, km), CPU ms, corridors vs scgraph 3.6 distance_matrix")
    r = Router(G, draws=0)
    rows, out = [], []
    for n in sizes:
        ids, named = matrix_places(G, n)
        con: dict[str, Callable[[], Any]] = {"corridors": corridors_matrix(r, ids, named)}
        forget = matrix_forget()
        if forget is not None:

            def fresh(call: Callable[[], Any] = con["corridors"], forget: Callable[[], None] = forget) -> Any:
                forget()  # the matrix's own caches (pruned graph, edge table, handling): a first matrix over these places
                return call()

            con["corridors, matrix caches cleared"] = fresh
        if peers.scg is not None:
            pts = [{"latitude": G.nodes[i]["y"], "longitude": G.nodes[i]["x"]} for i in ids]
            gobj = peers.scg.graph_object

            def scg_fresh(pts: list[dict[str, float]] = pts, gobj: Any = gobj) -> Any:
                gobj.reset_cache()  # forget the shortest-path trees of the last call: a first matrix over these places
                return peers.scg.distance_matrix(pts)

            con["scgraph"] = scg_fresh
            con["scgraph, trees cached"] = lambda pts=pts: peers.scg.distance_matrix(pts)
        reps = repeats if n <= 50 else max(1, min(repeats, 5))
        t = interleave(con, reps)
        agree = "-"
        if peers.scg is not None:
            res = con["corridors"]()
            vals = getattr(res, "values", res)
            ours = np.asarray(vals["length_km"] if isinstance(vals, dict) else vals, float)
            theirs = np.asarray(peers.scg.distance_matrix(pts), float)
            ok = np.isfinite(ours) & np.isfinite(theirs) & (theirs > 0)
            rel = np.abs(ours[ok] / theirs[ok] - 1)
            agree = f"median {np.median(rel) * 100:.1f} %, 90th pct {np.percentile(rel, 90) * 100:.1f} %"
        ms = {k: v["cpu_ms"] for k, v in t.items()}
        what = f"{named} named ocean ports" + (f" + {n - named} sea-lane junctions" if named < n else "")
        rows.append(
            [
                f"{n}x{n} ({what})",
                fmt_ms(ms["corridors"]),
                fmt_ms(ms.get("corridors, matrix caches cleared")),
                fmt_ms(ms.get("scgraph")),
                fmt_ms(ms.get("scgraph, trees cached")),
                ratio(ms["corridors"], ms.get("scgraph")),
                ratio(ms.get("corridors, matrix caches cleared"), ms.get("scgraph")) if "corridors, matrix caches cleared" in ms else "-",
                agree,
            ]
        )
        out.append({"n": n, "named_ports": named, "ms": ms, "repeats": reps})
    table(
        [
            "matrix",
            "corridors",
            "corridors, cleared",
            "scgraph 3.6",
            "scgraph, trees cached",
            "/scgraph",
            "cleared /scgraph",
            "|corridors/scgraph - 1| per pair",
        ],
        rows,
    )
    print(
        "  What each computes. corridors: od_matrix(objective='distance', modes sea) -- for every ordered pair, the\n"
        "  shortest sea route between the two ports' own states (the port's arrival and departure states, its sea legs)\n"
        "  and that route's length, time, cost and CO2, with the port handling at both ends (time, cost, CO2): four\n"
        "  totals per pair. scgraph: distance_matrix -- the length (km) only, of the shortest path between the marnet\n"
        "  nodes nearest each point, plus the great-circle legs to them. 'corridors, cleared' forgets the matrix's own\n"
        "  caches (pruned search graph, edge table, port handling) before each call, as scgraph forgets its trees.\n"
        "  Places: every ocean port corridors names (a port with a sea leg), then sea-lane junctions of its marnet spread\n"
        "  evenly by id; scgraph gets the same coordinates (it snaps each to its nearest marnet node). Without names for the\n"
        "  junctions, corridors' figure is Router.distance_matrix's computation over node ids (corridors.matrix.od_matrix\n"
        "  or Router.distance_matrix when every place is a named port). scgraph's cache of shortest-path trees is reset\n"
        "  before each call (a first matrix over these places); 'trees cached' repeats the same call. corridors keeps its\n"
        "  masked search graph between calls (warm). Medians of interleaved runs (at most 5 for a matrix over 50 places).",
        flush=True,
    )
    if peers.scg is None:
        print(f"  scgraph: {peers.scg_error}")
    RESULTS["matrix"] = out


def synthetic_layer(n: int, path: Path) -> None:
    """A GeoJSON layer of about ``n`` rail junctions on a square grid in the Urals (lon 56.5–61, lat
    55.6–58.6, all in Russia), each joined to its east and north neighbours, the grid's south-east
    corner joined to Chelyabinsk. Deterministic, so the network cache keeps it between runs."""
    side = max(2, round(math.sqrt(n)))
    lon0, lon1, lat0, lat1 = 56.5, 61.0, 55.6, 58.6
    feats: list[dict[str, Any]] = []
    src = "assumption: synthetic grid for benchmarks/bench_routing.py (not a real line)"

    def nid(i: int, j: int) -> str:
        return f"rail:bench-{i}-{j}"

    def xy(i: int, j: int) -> list[float]:
        return [round(lon0 + (lon1 - lon0) * i / (side - 1), 5), round(lat0 + (lat1 - lat0) * j / (side - 1), 5)]

    for i in range(side):
        for j in range(side):
            feats.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": xy(i, j)},
                    "properties": {"id": nid(i, j), "name": f"Bench {i}-{j}", "kind": "junction", "country": "RUS", "source": src},
                }
            )
            for di, dj in ((1, 0), (0, 1)):
                if i + di < side and j + dj < side:
                    feats.append(
                        {
                            "type": "Feature",
                            "geometry": {"type": "LineString", "coordinates": [xy(i, j), xy(i + di, j + dj)]},
                            "properties": {
                                "id": f"rail:bench-{i}-{j}-{i + di}-{j + dj}",
                                "from": nid(i, j),
                                "to": nid(i + di, j + dj),
                                "mode": "rail",
                                "status": "operational",
                                "gauge_mm": 1520,
                                "source": src,
                            },
                        }
                    )
    feats.append(
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [xy(side - 1, 0), [61.4288, 55.1611]]},
            "properties": {
                "id": "rail:bench-link",
                "from": nid(side - 1, 0),
                "to": "rail:chelyabinsk",
                "mode": "rail",
                "status": "operational",
                "gauge_mm": 1520,
                "source": src,
            },
        }
    )
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    os.replace(tmp, path)


def section_layer(G: Any, repeats: int, sizes: Sequence[int], folder: Path) -> None:
    from corridors.graph import load_network
    from corridors.routing import Router

    head("a user layer of synthetic rail nodes: warm query slow-down, CPU ms")
    base_r, base_rc = Router(G, draws=0), Router(G, draws=10_000)
    con: dict[str, Callable[[], Any]] = {
        "0 route": lambda: base_r.route("Chelyabinsk", "Mumbai"),
        "0 compare": lambda: base_rc.compare("Chelyabinsk", "Mumbai"),
    }
    info = {0: (G.number_of_nodes(), 0.0)}
    folder.mkdir(parents=True, exist_ok=True)
    for n in sizes:
        p = folder / f"bench-rail-{n}.geojson"
        synthetic_layer(n, p)
        c0 = time.process_time()
        Gn = load_network(overlays=[p])
        rn, rc = Router(Gn, draws=0), Router(Gn, draws=10_000)
        _ = rn.engine, rc.engine
        info[n] = (Gn.number_of_nodes(), time.process_time() - c0)
        con[f"{n} route"] = lambda rn=rn: rn.route("Chelyabinsk", "Mumbai")
        con[f"{n} compare"] = lambda rc=rc: rc.compare("Chelyabinsk", "Mumbai")
    t = interleave(con, repeats)
    rows = []
    for n in (0, *sizes):
        rt, cp = t[f"{n} route"]["cpu_ms"], t[f"{n} compare"]["cpu_ms"]
        rows.append(
            [
                f"+{n:,} rail nodes" if n else "bundled network",
                f"{info[n][0]:,}",
                fmt_ms(rt),
                ratio(rt, t["0 route"]["cpu_ms"]),
                fmt_ms(cp),
                ratio(cp, t["0 compare"]["cpu_ms"]),
                f"{info[n][1]:.1f}" if n else "-",
            ]
        )
    table(["network", "nodes", "route ms", "ratio", "compare ms", "ratio", "load+compile s"], rows)
    print(
        "  route = Router(draws=0).route('Chelyabinsk', 'Mumbai') (fastest time); compare = Router(draws=10000).compare(...).\n"
        "  The layer is a square grid of junctions joined east and north (about 2 legs a node) in the Urals, its corner\n"
        f"  joined to Chelyabinsk; load+compile is with the network cache as found (first build when new). Medians of {repeats}.",
        flush=True,
    )
    RESULTS["layer"] = {
        str(n): {"route_ms": t[f"{n} route"]["cpu_ms"], "compare_ms": t[f"{n} compare"]["cpu_ms"], "nodes": info[n][0]} for n in (0, *sizes)
    }


SWEEP_PROBE = """
import atexit, json, os, sys, time
import corridors.sweep as _sw
_probe = {}
_run_pool, _run_sweep = _sw.run_pool, _sw.run_sweep
def _pool(*a, **k):
    _probe["before_pool"] = time.process_time()
    try:
        return _run_pool(*a, **k)
    finally:
        _probe["after_pool"] = time.process_time()
def _sweep(*a, **k):
    res = _run_sweep(*a, **k)
    _probe["workers"] = {str(p): c for p, c in res.worker_cpu.items()}
    return res
_sw.run_pool, _sw.run_sweep = _pool, _sweep
def _write():
    _probe.update(pid=os.getpid(), cpu=time.process_time())
    with open(os.environ["BENCH_SWEEP_FILE"], "w") as fh:
        json.dump(_probe, fh)
atexit.register(_write)
"""


def section_sweep(repeats: int, pairs: int) -> None:
    from corridors.graph import load_network
    from corridors.scenario import bundled_scenarios, bundled_scenarios_dir
    from corridors.sweep import read_pairs

    scen = bundled_scenarios()
    ps = read_pairs(bundled_scenarios_dir() / "pairs.csv")[:pairs]
    tasks = (len(scen) + 1) * len(ps)
    head(f"corridors sweep: {len(scen)} bundled scenarios + baseline × {len(ps)} pairs = {tasks} tasks, wall s (CPU s of all processes)")
    load_network()
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as d:
        pf = Path(d) / "pairs.csv"
        pf.write_text("origin,destination\n" + "".join(f"{a},{b}\n" for a, b in ps), encoding="utf-8")
        runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
        for i in range(repeats):
            for j in (1, 2) if i % 2 == 0 else (2, 1):
                out = Path(d) / f"out-{j}-{i}.csv"
                args = ["sweep", "--scenarios", str(bundled_scenarios_dir()), "--pairs", str(pf), "-o", str(out), "-j", str(j)]
                probe = Path(d) / "probe.json"
                probe.unlink(missing_ok=True)
                argv = py_child(SWEEP_PROBE + f"from corridors.cli.main import cli\nsys.exit(cli({args!r}))")
                load0 = os.getloadavg()[0]
                run = run_child(argv, dict(os.environ, BENCH_SWEEP_FILE=str(probe)))
                pr = json.loads(probe.read_text())
                others = [c for p, c in pr["workers"].items() if int(p) != pr["pid"]]
                # on free cores: the sweep process's CPU before the pool, the busiest worker, its CPU after
                run["est"] = pr["before_pool"] + max(others) + (pr["cpu"] - pr["after_pool"]) if others else run["cpu"]
                run["serial"] = pr.get("before_pool", pr["cpu"])
                run["busiest"] = max(others) if others else run["cpu"]
                run["idlest"] = min(others) if others else run["cpu"]
                run["load"] = (load0, os.getloadavg()[0])
                runs[j].append(run)
                print(
                    f"  -j {j}: wall {run['wall']:.2f} s, CPU {run['cpu']:.2f} s, workers' CPU {sorted(round(c, 2) for c in others) or '-'}, "
                    f"load {load0:.2f} -> {run['load'][1]:.2f}",
                    flush=True,
                )
            if i == 0:
                same = (Path(d) / "out-1-0.csv").read_bytes() == (Path(d) / "out-2-0.csv").read_bytes()
                print(f"  -j 1 and -j 2 tables byte-identical: {same}", flush=True)
    keys = ("cpu", "wall", "rss", "est", "serial", "busiest", "idlest")
    med = {j: {m: statistics.median(x[m] for x in rs) for m in keys} for j, rs in runs.items()}
    table(
        [
            "run",
            "wall s",
            "CPU s",
            "CPU / -j 1",
            "speed-up (wall)",
            "serial CPU s",
            "workers' CPU s",
            "est. wall s",
            "CPU / est. wall",
            "est. speed-up",
        ],
        [
            [
                f"-j {j}",
                f"{m['wall']:.2f}",
                f"{m['cpu']:.2f}",
                ratio(m["cpu"], med[1]["cpu"]),
                f"{med[1]['wall'] / m['wall']:.2f}x",
                f"{m['serial']:.2f}" if j > 1 else "-",
                f"{m['busiest']:.2f} / {m['idlest']:.2f}" if j > 1 else "-",
                f"{m['est']:.2f}",
                f"{m['cpu'] / m['est']:.2f}",
                f"{med[1]['est'] / m['est']:.2f}x",
            ]
            for j, m in med.items()
        ],
    )
    print(
        f"  Whole `corridors sweep` processes (start-up included), medians of {repeats} interleaved runs; ideal -j 2 speed-up 2x on 2 free cores.\n"
        "  serial CPU = the sweep process's CPU before its pool starts (start-up, network, scenarios, engine); workers' CPU =\n"
        "  the busiest / idlest worker's; est. wall = on free cores: serial + busiest worker + the process's CPU after the pool\n"
        "  (-j 1: its CPU). CPU / est. wall: how parallel one run is, from its own figures; est. speed-up = -j 1's CPU / est. wall,\n"
        "  i.e. that times (-j 1's CPU / -j 2's CPU). CPU itself grows on a loaded machine: compare runs at the same load.",
        flush=True,
    )
    RESULTS["sweep"] = {"tasks": tasks, **{f"j{j}": m for j, m in med.items()}}


# ------------------------------------------------------------------ machine
def machine(peers: Peers) -> dict[str, Any]:
    from importlib import metadata

    import corridors

    model = "?"
    with contextlib.suppress(OSError):
        info: dict[str, str] = {}
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            k, _, v = line.partition(":")
            info.setdefault(k.strip(), v.strip())
        model = f"{info.get('model name', '?')} (family {info.get('cpu family', '?')}, model {info.get('model', '?')}, {info.get('cpu MHz', '?')} MHz)"
    vers = {}
    for p in ("corridors", "numpy", "scipy", "networkx", "shapely", "searoute"):
        try:
            vers[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            vers[p] = "-"
    vers["scgraph"] = peers.scg_version
    commit = "?"
    with contextlib.suppress(Exception):
        root = Path(corridors.__file__).resolve().parent.parent
        commit = subprocess.run(
            [shutil.which("git") or "git", "-C", str(root), "describe", "--always", "--dirty"], capture_output=True, text=True, check=True
        ).stdout.strip()
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "packages": vers,
        "corridors_commit": commit,
        "corridors_path": str(Path(corridors.__file__).parent),
        "load_avg_start": os.getloadavg(),
    }


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1]
    )
    ap.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections to run (default all: {','.join(SECTIONS)})")
    ap.add_argument("--repeats", type=int, default=15, help="repeats of each warm figure (median reported; default 15)")
    ap.add_argument("--cold-repeats", type=int, default=5, help="repeats of each cold process (default 5)")
    ap.add_argument("--empty-cache-repeats", type=int, default=3, help="first-run-ever processes, each with a new empty cache (default 3)")
    ap.add_argument("--sweep-repeats", type=int, default=2, help="runs of each sweep (default 2)")
    ap.add_argument("--sweep-pairs", type=int, default=20, help="the first N bundled pairs in the sweep (default 20: 160 tasks)")
    ap.add_argument("--matrix-sizes", default="20,200", help="matrix sizes (default 20,200)")
    ap.add_argument(
        "--layer-sizes", default=",".join(map(str, LAYER_SIZES)), help="synthetic rail nodes per layer (default 5000,10000,20000)"
    )
    ap.add_argument(
        "--layer-dir", default=None, help="folder for the synthetic layers (default: a folder in the system temp dir, reused between runs)"
    )
    ap.add_argument(
        "--scgraph-path",
        default=os.environ.get("SCGRAPH_PATH"),
        help="a `pip install --target` folder of scgraph 3.6, put first on the import path ($SCGRAPH_PATH)",
    )
    ap.add_argument(
        "--scgraph-cache",
        default=os.environ.get("SCGRAPH_CACHE"),
        help="scgraph 3.6 cache folder holding marnet.graphjson ($SCGRAPH_CACHE)",
    )
    ap.add_argument("--json", default=None, help="also write every figure to this JSON file")
    a = ap.parse_args()
    only = [s.strip() for s in a.only.split(",") if s.strip()]
    bad = [s for s in only if s not in SECTIONS]
    if bad:
        ap.error(f"unknown section {bad[0]!r} (use {', '.join(SECTIONS)})")
    if a.repeats < 1:
        ap.error("--repeats must be at least 1")

    t0 = time.perf_counter()
    peers = Peers(a.scgraph_path, a.scgraph_cache)
    m = machine(peers)
    RESULTS["machine"] = m
    print(f"corridors benchmark, {m['date']}: {m['cores']} cores ({m['usable_cores']} usable), {m['cpu']}, Python {m['python']}")
    print(
        "  " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()) + f"; corridors at {m['corridors_path']} ({m['corridors_commit']})"
    )
    print(
        f"  load average at start: {', '.join(f'{x:.2f}' for x in m['load_avg_start'])}; CORRIDORS_CACHE_DIR={os.environ.get('CORRIDORS_CACHE_DIR', '(default)')}",
        flush=True,
    )

    from corridors.graph import load_network

    G = load_network()
    folder = Path(a.layer_dir) if a.layer_dir else Path(tempfile.gettempdir()) / "corridors-bench-layers"
    runs: dict[str, Callable[[], None]] = {
        "sea": lambda: section_sea(G, peers, a.repeats),
        "compare": lambda: section_compare(G, a.repeats),
        "cold": lambda: section_cold(peers, a.cold_repeats, a.empty_cache_repeats),
        "matrix": lambda: section_matrix(G, peers, a.repeats, [int(x) for x in a.matrix_sizes.split(",") if x]),
        "layer": lambda: section_layer(G, max(3, a.repeats // 3), [int(x) for x in a.layer_sizes.split(",") if x], folder),
        "sweep": lambda: section_sweep(a.sweep_repeats, a.sweep_pairs),
    }
    failed = []
    for name in SECTIONS:
        if name in only:
            try:
                runs[name]()
            except Exception as exc:  # noqa: BLE001 - one broken section must not lose the others' figures
                failed.append(name)
                print(f"  section {name} failed: {type(exc).__name__}: {exc}", flush=True)
    RESULTS["load_avg_end"] = os.getloadavg()
    RESULTS["seconds"] = time.perf_counter() - t0
    print(f"\nload average at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}; the run took {RESULTS['seconds']:.0f} s")
    if a.json:
        Path(a.json).write_text(json.dumps(RESULTS, indent=1, default=str), encoding="utf-8")
    if failed:
        print(f"failed sections: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
