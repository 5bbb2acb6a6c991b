"""Map rendering speed and size: the all-family comparison Chelyabinsk -> Mumbai on the bundled
network.

Prints the median of ``--repeat`` runs of render + write (``corridors.maps.save_map``), split into
composing the folium map, rendering the HTML and writing the file, plus the first (cold) run, which
also simplifies the basemap (cached on disk by ``corridors.cache`` for the next process) and the
file size. Targets (issue #4): <= 0.5 s and <= 1.5 MB.

Then the same for the report (``corridors.maps.report.save_report``: map, table, legs and stops,
parameters and sources in one page). Targets (issue 12): a 9-route report written in <= 1 s warm
and <= 2 MB.

    python benchmarks/bench_maps.py [--repeat 5] [--origin Chelyabinsk] [--destination Mumbai]
                                    [--keep FILE]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--origin", default="Chelyabinsk")
    ap.add_argument("--destination", default="Mumbai")
    ap.add_argument("--keep", type=Path, help="also write the map here")
    args = ap.parse_args()

    t0 = time.perf_counter()
    from corridors.routing import Router

    router = Router()
    res = router.compare(args.origin, args.destination)
    t_route = time.perf_counter() - t0
    t0 = time.perf_counter()
    from corridors.maps import map_html, route_map

    from corridors.convert import write_atomic

    t_import = time.perf_counter() - t0
    routes = res.routes
    title = f"{args.origin} → {args.destination}: corridors compared"
    labels = ", ".join(r.label for r in routes)
    print(f"{args.origin} -> {args.destination}: {len(routes)} routes ({labels})")
    print(f"network + compare: {t_route:.2f} s; import corridors.maps (folium): {t_import:.2f} s")

    runs: list[tuple[float, float, float]] = []
    size = 0
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "compare.html"
        for _ in range(args.repeat + 1):  # the first run is cold (basemap simplification, caches)
            a = time.perf_counter()
            m = route_map(routes, G=router.G, title=title, constraints=res.constraints)
            b = time.perf_counter()
            page = map_html(m)
            c = time.perf_counter()
            write_atomic(out, page)
            d = time.perf_counter()
            runs.append((b - a, c - b, d - c))
            size = out.stat().st_size
    cold, warm = runs[0], runs[1:]
    total = [sum(r) for r in warm]

    def med(k: int) -> float:
        return statistics.median(r[k] for r in warm)

    print(f"cold run: {sum(cold):.3f} s (compose {cold[0]:.3f}, render {cold[1]:.3f}, write {cold[2]:.3f})")
    print(
        f"render+write, median of {len(warm)}: {statistics.median(total):.3f} s "
        f"(compose {med(0):.3f}, render {med(1):.3f}, write {med(2):.3f}; "
        f"min {min(total):.3f}, max {max(total):.3f})"
    )
    print(f"file size: {size:,} bytes ({size / 1e6:.2f} MB)")

    from corridors.maps.report import save_report

    rep: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.html"
        for _ in range(args.repeat + 1):
            a = time.perf_counter()
            save_report(
                routes,
                out,
                G=router.G,
                title=title,
                constraints=res.constraints,
                params=router.params,
                unavailable=res.unavailable,
            )
            rep.append(time.perf_counter() - a)
        rsize = out.stat().st_size
    print(
        f"report ({len(routes)} routes) written, median of {len(rep) - 1} warm: {statistics.median(rep[1:]):.3f} s "
        f"(min {min(rep[1:]):.3f}, max {max(rep[1:]):.3f}; first {rep[0]:.3f}); "
        f"size {rsize:,} bytes ({rsize / 1e6:.2f} MB); targets <= 1 s, <= 2 MB"
    )
    if args.keep:
        from corridors.maps import save_map

        save_map(routes, args.keep, G=router.G, title=title, constraints=res.constraints, force=False)
        print(f"wrote {args.keep}")


if __name__ == "__main__":
    main()
