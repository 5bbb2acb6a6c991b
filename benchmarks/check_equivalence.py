"""Same answers before and after a speed change: run a few hundred seeded random queries and compare.

Each query is a ``Router.route``, ``Router.compare`` or a sea-only distance query between places drawn
with a fixed seed from the network (corridor terminals, ports of the corridors, world ports), with a
random objective, random hard constraints (avoided countries and chokepoints, modes, a maximum of
transshipments, planned legs) and a random departure date. The full answer is recorded: every route's
``to_dict()`` (legs, coordinates, figures, the Monte Carlo quantiles with a fixed seed), or the error
class and message. Two recordings must be identical, float for float.

    # the answers of another checkout (a baseline), read from its source tree
    git -C /path/to/repo archive BASE | tar -x -C /tmp/base
    CORRIDORS_CACHE_DIR=/tmp/base-cache python -P benchmarks/check_equivalence.py --tree /tmp/base --out base.json
    # the answers of the installed corridors, then the comparison
    python -P benchmarks/check_equivalence.py --out new.json --against base.json

``--tree`` imports ``corridors`` from that source tree (its ``cli/`` and ``data/`` too) instead of the
installed one. Use a separate cache folder per tree. Exit code 1 when any answer differs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import sys
import time
from pathlib import Path
from typing import Any


def _use_tree(tree: Path) -> None:
    """Import corridors (and corridors.cli, corridors.data, corridors.maps) from a source tree."""
    sys.path.insert(0, str(tree))
    for name in [m for m in sys.modules if m == "corridors" or m.startswith("corridors.")]:
        del sys.modules[name]
    import corridors

    corridors.__path__.append(str(tree))  # corridors.data -> tree/data, corridors.cli -> tree/cli
    if Path(corridors.__file__ or "").resolve().parent != (tree / "corridors").resolve():
        msg = f"corridors was imported from {corridors.__file__}, not from {tree}"
        raise SystemExit(msg)


def _plain(x: Any) -> Any:
    """JSON-able, floats kept exactly (as their repr) so that a difference in the last bit shows."""
    if isinstance(x, float):
        return repr(x) if not math.isfinite(x) else x
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    if x is None or isinstance(x, str | int | bool):
        return x
    if hasattr(x, "tolist"):
        return _plain(x.tolist())
    if isinstance(x, dt.date):
        return x.isoformat()
    return repr(x)


def make_queries(G: Any, n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` seeded random queries over the places of ``G``."""
    rng = random.Random(seed)  # noqa: S311 - seeded test queries, not secrets
    named = sorted(
        k
        for k, d in G.nodes(data=True)
        if d.get("kind") in ("rail_terminal", "city", "border_crossing", "port") and d.get("origin") != "dataset"
    )
    world = sorted(k for k, d in G.nodes(data=True) if d.get("kind") == "port" and d.get("origin") == "dataset")
    ports = sorted(k for k in named if G.nodes[k].get("kind") == "port")
    countries = ["IRN", "AZE", "KAZ", "TKM", "UZB", "PAK", "AFG", "TUR", "EGY", "GEO"]
    chokepoints = ["suez", "hormuz", "bab_el_mandeb", "bosporus", "malacca", "bering", "dover", "gibraltar", "cape_of_good_hope", "taiwan"]
    objectives = ["time", "distance", "cost", "co2", "exposure", "p90"]
    out: list[dict[str, Any]] = []
    for i in range(n):
        kind = rng.choices(["route", "compare", "sea"], weights=[6, 2, 2])[0]
        q: dict[str, Any] = {"i": i, "kind": kind}
        if kind == "sea":
            pool = rng.choice([world, ports + world])
            q["origin"], q["destination"] = rng.sample(pool, 2)
            q["objective"] = "distance"
            q["constraints"] = {"modes": ["sea"]}
            if rng.random() < 0.3:
                q["constraints"]["avoid_chokepoints"] = [rng.choice(chokepoints)]
            out.append(q)
            continue
        a = rng.choice(named)
        b = rng.choice(rng.choice([named, ports, world]))
        while b == a:
            b = rng.choice(named)
        q["origin"], q["destination"] = a, b
        q["objective"] = rng.choice(objectives)
        c: dict[str, Any] = {}
        r = rng.random()
        if r < 0.25:
            c["avoid_countries"] = sorted(rng.sample(countries, rng.randint(1, 2)))
        if rng.random() < 0.2:
            c["avoid_chokepoints"] = sorted(rng.sample(chokepoints, rng.randint(1, 2)))
        if rng.random() < 0.1:
            c["modes"] = sorted(rng.sample(["rail", "sea", "road", "ferry"], 3))
        if rng.random() < 0.1:
            c["max_transshipments"] = rng.randint(0, 3)
        if rng.random() < 0.1:
            c["include_planned"] = True
        if rng.random() < 0.3:
            c["depart"] = (dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(365))).isoformat()
        q["constraints"] = c
        out.append(q)
    return out


def answer(router: Any, q: dict[str, Any]) -> Any:
    from corridors.routing import Constraints

    kw = dict(q["constraints"])
    if "depart" in kw:
        kw["depart"] = dt.date.fromisoformat(kw["depart"])
    for k in ("avoid_countries", "avoid_chokepoints", "modes"):
        if k in kw:
            kw[k] = tuple(kw[k])
    try:
        c = Constraints(**kw)
        if q["kind"] == "compare":
            res = router.compare(q["origin"], q["destination"], objective=q["objective"], constraints=c)
            return {"routes": [r.to_dict() for r in res.routes], "unavailable": res.unavailable}
        return {"route": router.route(q["origin"], q["destination"], objective=q["objective"], constraints=c).to_dict()}
    except Exception as exc:  # noqa: BLE001 - an error is an answer too: the same class and message
        return {"error": type(exc).__name__, "message": str(exc)}


def record(n: int, seed: int, draws: int, rows_on_demand: bool = False) -> dict[str, Any]:
    from corridors.graph import load_network
    from corridors.routing import Router

    t0 = time.process_time()
    G = load_network()
    if rows_on_demand:  # the router's network read row by row, as the CLI's (the queries are drawn from a bulk read)
        from corridors.cache import known_fingerprint
        from corridors.graph import load_network_with_fingerprint

        lazy, fp = load_network_with_fingerprint(rows_on_demand=True)
        router = Router(lazy, draws=draws, seed=seed)
        if fp is not None:
            with known_fingerprint(lazy, fp):
                _ = router.engine  # keyed by the fingerprint read with the graph, not by hashing its rows
    else:
        router = Router(G, draws=draws, seed=seed)
    queries = make_queries(G, n, seed)
    answers = []
    for q in queries:
        t = time.process_time()
        a = _plain(answer(router, q))
        answers.append({"query": q, "answer": a, "cpu_s": round(time.process_time() - t, 4)})
    import corridors

    return {
        "corridors": str(Path(corridors.__file__ or "").parent),
        "n": n,
        "seed": seed,
        "draws": draws,
        "cpu_s": round(time.process_time() - t0, 2),
        "answers": answers,
    }


def _first_difference(a: Any, b: Any, path: str = "") -> str | None:
    if type(a) is not type(b):
        return f"{path}: {a!r:.80} != {b!r:.80}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{path}.{k}: present on one side only"
            d = _first_difference(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            d = _first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{path}: {a!r:.80} != {b!r:.80}"


def compare(new: dict[str, Any], old: dict[str, Any]) -> int:
    if (new["n"], new["seed"], new["draws"]) != (old["n"], old["seed"], old["draws"]):
        print("the two recordings used different queries (n, seed or draws differ)")
        return 1
    differ = 0
    kinds: dict[str, int] = {}
    errors = 0
    for x, y in zip(new["answers"], old["answers"], strict=True):
        if x["query"] != y["query"]:
            print(f"query {x['query']['i']}: the queries differ (another network?): {x['query']} != {y['query']}")
            return 1
        kinds[x["query"]["kind"]] = kinds.get(x["query"]["kind"], 0) + 1
        errors += "error" in x["answer"]
        d = _first_difference(x["answer"], y["answer"])
        if d:
            differ += 1
            if differ <= 10:
                print(f"query {x['query']}: differs at {d}")
    same = len(new["answers"]) - differ
    cpu_new = sum(a["cpu_s"] for a in new["answers"])
    cpu_old = sum(a["cpu_s"] for a in old["answers"])
    print(
        f"{same} of {len(new['answers'])} answers identical ({', '.join(f'{v} {k}' for k, v in sorted(kinds.items()))}; "
        f"{errors} of them errors, compared by class and message); query CPU {cpu_new:.1f} s against {cpu_old:.1f} s"
    )
    return 0 if differ == 0 else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tree", type=Path, help="import corridors from this source tree instead of the installed one")
    ap.add_argument("--out", type=Path, help="write the answers to this JSON file")
    ap.add_argument("--against", type=Path, help="compare with the answers in this JSON file")
    ap.add_argument("-n", type=int, default=300, help="number of queries (default 300)")
    ap.add_argument("--seed", type=int, default=11, help="seed of the queries and of the Monte Carlo")
    ap.add_argument("--draws", type=int, default=2000, help="Monte Carlo draws per route (default 2000)")
    ap.add_argument("--rows-on-demand", action="store_true", help="the router's network read row by row, as the CLI's router reads it")
    args = ap.parse_args()
    if args.tree:
        _use_tree(args.tree.resolve())
    rec = record(args.n, args.seed, args.draws, args.rows_on_demand)
    print(f"{rec['n']} queries answered by {rec['corridors']} in {rec['cpu_s']} s CPU", flush=True)
    if args.out:
        args.out.write_text(json.dumps(rec, indent=None, separators=(",", ":")), encoding="utf-8")
    if args.against:
        return compare(rec, json.loads(args.against.read_text(encoding="utf-8")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
