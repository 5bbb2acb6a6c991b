"""Build scgraph 3.x's graph cache (``marnet.graphjson``, ``oak_ridge_maritime.graphjson``) offline.

scgraph 3.6 no longer ships its geographs in the wheel: ``GeoGraph.load_geograph()`` downloads them from
GitHub at first use. Where only the package registries are reachable, take the same graphs from the
scgraph 2.15.0 wheel on PyPI (``scgraph/geographs/*.py``, read as Python literals, never executed) and
write them in the 3.x ``graphjson`` format::

    pip download --no-deps scgraph==2.15.0 -d scg-wheel
    python benchmarks/make_scgraph_cache.py scg-wheel scg-cache
    python benchmarks/bench_routing.py --scgraph-cache scg-cache

Adapted from the project's shared tool (its authors checked the first 16 KB and the last 500 B of GitHub's
``geographs/marnet.graphjson`` at commit 107481c against these weights and nodes). Nothing of scgraph is
kept in this repository: the output goes to the folder you name (keep it outside the checkout).
"""

from __future__ import annotations

import ast
import json
import os
import sys
import zipfile
from pathlib import Path

GRAPHS = ("marnet", "oak_ridge_maritime")


def literals(source: str, names: tuple[str, ...]) -> dict[str, object]:
    """The values of the top-level assignments ``name = <literal>`` in ``source``."""
    out: dict[str, object] = {}
    for node in ast.parse(source).body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id in names
        ):
            out[node.targets[0].id] = ast.literal_eval(node.value)
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python make_scgraph_cache.py DIR_WITH_THE_2.15.0_WHEEL OUT_DIR", file=sys.stderr)
        return 2
    wheels = sorted(Path(argv[0]).glob("scgraph-2.15.0-*.whl"))
    if not wheels:
        print(f"error: no scgraph-2.15.0 wheel in {argv[0]} (pip download --no-deps scgraph==2.15.0 -d {argv[0]})", file=sys.stderr)
        return 1
    out = Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheels[0]) as z:
        for name in GRAPHS:
            ns = literals(z.read(f"scgraph/geographs/{name}.py").decode(), ("graph", "nodes"))
            data = {
                "type": "GeoGraph",
                "graph": ns["graph"],
                "nodes": ns["nodes"],
                "default_off_graph_circuity": 1,
                "default_node_addition_circuity": 4,
                "geograph_units": "km",
            }
            tmp = out / f".{name}.graphjson.tmp"
            tmp.write_text(json.dumps(data), encoding="utf-8")
            os.replace(tmp, out / f"{name}.graphjson")
            arcs = sum(len(d) for d in ns["graph"])  # type: ignore[attr-defined]
            print(f"{name}: {len(ns['nodes']):,} nodes, {arcs:,} directed arcs -> {out / (name + '.graphjson')}")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
