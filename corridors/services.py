"""Scheduled services (``data/services.toml``): liner and feeder services, Caspian lines, their hubs.

A sea service becomes, for every ordered pair of its calls that are both in the network, one
**service leg**: a sea leg from port to port along the shortest sea lane (so it carries the
countries, chokepoints and seasons of the lanes it follows, and every constraint that masks a lane
masks it too), whose moving time is the *published* port-to-port transit where there is one (else the
service's own pace from its other published transits, else the liner pace ``[speed_kmh] sea``), and whose departure waits for the
service's next sailing (``frequency_per_week`` = 7 / headway: the engine draws the wait uniformly
over the headway). A lane that no known service covers stays routable over the plain sea lanes,
whose departure from a port waits the generic ``[sea_service] generic_wait_h`` (an assumption the
route reports).

A Caspian (``ferry``) service sets the frequency and source of the hand-drawn ferry legs between
consecutive calls. A ``[[hub]]`` gives a port its own ship-to-ship transshipment dwell.
"""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import Problem
from .geo import Coord, line_geometry
from .graphstate import add_edge

if TYPE_CHECKING:
    import networkx as nx


SERVICE_MODES = ("sea", "ferry", "rail")
STATUSES = ("active", "irregular", "suspended")


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    operator: str
    mode: str
    calls: tuple[str, ...]
    returns: bool
    headway_days: float
    transit_days: Mapping[tuple[str, str], float]
    status: str
    source: str
    note: str = ""
    index: int = 0
    since: str = ""

    def pairs(self) -> list[tuple[str, str, int]]:
        """(from, to, number of intermediate calls) for every ordered pair the service sails."""
        rot = [list(self.calls)] + ([list(reversed(self.calls))] if self.returns else [])
        out: list[tuple[str, str, int]] = []
        seen: set[tuple[str, str]] = set()
        for calls in rot:
            for i, a in enumerate(calls):
                for j in range(i + 1, len(calls)):
                    b = calls[j]
                    if a != b and (a, b) not in seen:
                        seen.add((a, b))
                        out.append((a, b, j - i - 1))
        return out


@dataclass(frozen=True)
class Hub:
    port: str
    name: str
    dwell_q: tuple[float, float, float]
    source: str
    index: int = 0


def bundled_services_path() -> Path:
    return Path(str(resources.files("corridors.data").joinpath("services.toml")))


def _num(v: Any) -> float | None:
    if isinstance(v, Mapping):
        v = v.get("value")
    if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v):
        return None
    return float(v)


def read_services(path: str | Path | None = None, problems: list[Problem] | None = None) -> tuple[list[Service], list[Hub]]:
    """Services and hubs from ``services.toml`` (bundled if ``path`` is None); every problem is
    appended to ``problems`` (a bad entry is left out) rather than raised."""
    p = Path(path) if path else bundled_services_path()
    problems = problems if problems is not None else []
    if not p.exists():
        return [], []
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(p), None, None, None, f"not valid TOML: {exc} (fix the syntax)"))
        return [], []
    services: list[Service] = []
    ids: set[str] = set()
    for i, t in enumerate(raw.get("service", [])):
        sid = str(t.get("id", ""))

        def bad(field: str, msg: str, i: int = i, sid: str = sid) -> None:
            problems.append(Problem(str(p), i, sid or None, field, msg))

        if not sid or sid in ids:
            bad("id", "missing or duplicate service id")
            continue
        ids.add(sid)
        mode = str(t.get("mode", "sea"))
        if mode not in SERVICE_MODES:
            bad("mode", f"unknown mode {mode!r} (use {', '.join(SERVICE_MODES)})")
            continue
        calls = t.get("calls")
        if not isinstance(calls, list) or len(calls) < 2 or not all(isinstance(c, str) for c in calls):
            bad("calls", "needs a list of at least two node ids")
            continue
        headway = _num(t.get("headway_days"))
        if headway is None or headway <= 0 or headway > 366:
            bad("headway_days", "needs a number of days between departures, > 0 and <= 366")
            continue
        transit: dict[tuple[str, str], float] = {}
        for tr in t.get("transit_days", []) or []:
            days = _num(tr)
            if not isinstance(tr, Mapping) or days is None or days <= 0 or days > 120:
                bad("transit_days", f"each transit needs from, to and a value in days (0-120), got {tr!r}")
                continue
            transit[(str(tr.get("from")), str(tr.get("to")))] = days
        status = str(t.get("status", "active"))
        if status not in STATUSES:
            bad("status", f"unknown status {status!r} (use {', '.join(STATUSES)})")
            continue
        services.append(
            Service(
                id=sid,
                name=str(t.get("name", sid)),
                operator=str(t.get("operator", "")),
                mode=mode,
                calls=tuple(calls),
                returns=bool(t.get("returns", True)),
                headway_days=headway,
                transit_days=transit,
                status=status,
                source=str(t.get("source", "")),
                note=str(t.get("note", "")),
                index=i,
                since=str(t.get("since", "")),
            )
        )
    hubs: list[Hub] = []
    for i, t in enumerate(raw.get("hub", [])):
        q = t.get("transshipment_dwell_days")
        raw_vals = [_num(q.get(k)) if isinstance(q, Mapping) else None for k in ("p10", "p50", "p90")]
        vals = [v for v in raw_vals if v is not None]
        if len(vals) != 3 or not (vals[0] <= vals[1] <= vals[2]) or not isinstance(q, Mapping):
            problems.append(Problem(str(p), i, str(t.get("port")), "transshipment_dwell_days", "needs p10 <= p50 <= p90 in days"))
            continue
        hubs.append(
            Hub(
                str(t.get("port")),
                str(t.get("name", t.get("port"))),
                (24.0 * vals[0], 24.0 * vals[1], 24.0 * vals[2]),
                str(q.get("source", "")),
                i,
            )
        )
    return services, hubs


def _sea_csr(G: nx.MultiDiGraph) -> tuple[list[str], dict[str, int], np.ndarray, np.ndarray, np.ndarray, list[tuple[str, str, str]]]:
    """Sea-lane edges (junction to junction, and junction into a port) as arrays, shortest per pair."""
    node = G._node  # read directly (tens of thousands of edges)
    nodes = [n for n in node if str(n).startswith("sea:") or node[n].get("kind") == "port"]
    index = {n: i for i, n in enumerate(nodes)}
    # out of a port only from the service's own first call (added per source), so no edge from a port
    row_of = {n: i for n, i in index.items() if node[n].get("kind") != "port"}
    adj = G._adj
    rows: list[int] = []
    cols: list[int] = []
    w: list[float] = []
    ref: list[tuple[str, str, str]] = []
    for u, nbrs in adj.items():
        i = row_of.get(u)
        if i is None:
            continue
        for v, kd in nbrs.items():
            j = index.get(v)
            if j is None:
                continue
            for k, d in kd.items():  # in G.edges' order
                if d.get("mode") == "sea" and not d.get("service"):
                    rows.append(i)
                    cols.append(j)
                    w.append(float(d["length_km"]))
                    ref.append((u, v, k))
    return nodes, index, np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64), np.asarray(w, dtype=np.float64), ref


_Lanes = tuple[list[str], dict[str, int], np.ndarray, np.ndarray, np.ndarray, list[tuple[str, str, str]]]


def _source_edges(G: nx.MultiDiGraph, a: str, index: dict[str, int]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """The sea legs out of port ``a`` a path from it may start with, in ``G.out_edges`` order."""
    return [(u, v, k, d) for u, v, k, d in _out_legs(G, a) if d.get("mode") == "sea" and not d.get("service") and v in index]


def _out_legs(G: nx.MultiDiGraph, a: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    """``list(G.out_edges(a, keys=True, data=True))`` for a node ``a`` (none if ``a`` is not in ``G``),
    read from the graph's state (a :class:`corridors.netview.RowGraph` too, without networkx)."""
    return [(a, v, k, d) for v, kd in G._succ.get(a, {}).items() for k, d in kd.items()]


def _first_of_cheapest(r: np.ndarray, c: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Positions of the cheapest entry per (row, column), the first of equals, ordered by row then column:
    what keeping the first of each (row, column) of ``np.lexsort((w, c, r))`` gives, from one stable sort
    of (row, column) keys, the few repeated pairs then resolved on their own."""
    r, c = np.asarray(r), np.asarray(c)
    top = (int(r.max()), int(c.max())) if len(r) else (0, 0)
    if (
        r.dtype.kind not in "iu"
        or c.dtype.kind not in "iu"
        or (len(r) and min(int(r.min()), int(c.min())) < 0)
        or (top[0] + 1) * (top[1] + 1) >= 2**62
        or bool(np.isnan(w).any())
    ):
        order = np.lexsort((w, c, r))
        keep = np.ones(len(order), bool)
        keep[1:] = (r[order][1:] != r[order][:-1]) | (c[order][1:] != c[order][:-1])
        return order[keep]
    key = r.astype(np.int64) * (top[1] + 1) + c.astype(np.int64)
    order = np.argsort(key, kind="stable")  # by (row, column), equal pairs in their given order
    k = key[order]
    new = np.ones(len(k), bool)
    new[1:] = k[1:] != k[:-1]
    if new.all():
        return order
    wo = np.asarray(w)[order]
    group = np.cumsum(new) - 1
    least = np.minimum.reduceat(wo, np.flatnonzero(new))
    hit = np.flatnonzero(wo == least[group])  # the cheapest of each pair, in their given order
    first = np.ones(len(hit), bool)
    first[1:] = group[hit][1:] != group[hit][:-1]
    return order[hit[first]]


def _shortest_paths(
    G: nx.MultiDiGraph, pairs: Sequence[tuple[str, str]], lanes: _Lanes | None = None, max_km: float | None = None
) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    """Shortest sea-lane path (list of edge refs) from port to port, never through a third port: what
    :func:`_shortest_paths_plain` gives, from one graph and one search per source port. Each source
    port gets a node of its own holding its legs out (no lane enters it), so no path passes through a
    port. With ``max_km``, pairs whose path is longer may be left out (the search stops there).
    ``lanes``: what :func:`_sea_csr` gives for ``G`` (service legs do not change it), if known.

    The searches are scipy's ``dijkstra(..., return_predecessors=True, limit=...)``, run by
    :func:`corridors.sparse.trees` (compiled, no scipy import) unless a path walks back through a state
    whose predecessor could depend on the order of equal keys in scipy's heap: then scipy runs them."""
    from . import sparse

    got = lanes or _sea_csr(G)
    nodes, index, rows, cols, w, ref = got
    by_src: dict[str, list[str]] = {}
    for a, b in pairs:
        by_src.setdefault(a, []).append(b)
    has_lane = np.zeros(len(nodes), bool)
    has_lane[rows] = True  # the states some shared lane leaves
    if not by_src or bool(has_lane[[index[a] for a in by_src]].any()):  # a lane out of a source port: not in corridors
        return _shortest_paths_plain(G, pairs, got)
    n, m = len(nodes), len(rows)
    rows, cols = rows.astype(np.int64), cols.astype(np.int64)
    sel = [_first_of_cheapest(rows, cols, w)]  # the shared lanes, cheapest per (row, column)
    own_r: list[int] = []
    own_c: list[int] = []
    own_w: list[float] = []
    own_refs: list[tuple[str, str, str]] = []
    for s, a in enumerate(by_src):
        for u, v, k, d in _source_edges(G, a, index):
            own_r.append(n + s)
            own_c.append(index[v])
            own_w.append(float(d["length_km"]))
            own_refs.append((u, v, k))
    r = np.concatenate([rows, np.asarray(own_r, dtype=np.int64)])
    c = np.concatenate([cols, np.asarray(own_c, dtype=np.int64)])
    ww = np.concatenate([w, np.asarray(own_w, dtype=np.float64)])
    own = np.arange(m, len(r), dtype=np.int64)
    sel.append(own[_first_of_cheapest(r[own], c[own], ww[own])])  # each source's legs, cheapest per column
    at = np.concatenate(sel)
    size = n + len(by_src)
    # the entries of ``at`` are ordered by (row, column) and unique (the shared lanes' rows, then the
    # sources' rows after them): scipy's ``csr_matrix((data, (rows, columns)))`` of them, as it lays it out
    indptr = np.zeros(size + 1, np.int64)
    np.cumsum(np.bincount(r[at], minlength=size), out=indptr[1:])
    csr = sparse.csr(np.maximum(ww[at], 1e-9), c[at], indptr, (size, size))
    # within the search bound only (a path of length <= max_km sums to at most that plus 1e-9 a leg)
    limit = max_km + 1e-3 if max_km is not None and np.isfinite(max_km) else np.inf
    starts = np.arange(n, size)
    # each search stops once its targets are settled (what it leaves farther, no walk reads)
    ends = [[index[b] for b in targets if b != a and b in index] for a, targets in by_src.items()]
    trees = sparse.trees(csr, starts.tolist(), limit, ends)

    def walk(dist: np.ndarray, pred: np.ndarray) -> tuple[list[tuple[tuple[str, str], int, int, int]], list[int]]:
        walks: list[tuple[tuple[str, str], int, int, int]] = []  # (pair, source row, first step, end) in ``steps``
        steps: list[int] = []  # (from node) * size + (to node) of each step, every path back to front
        for s, (a, targets) in enumerate(by_src.items()):
            start, finite, back = n + s, np.isfinite(dist[s]), pred[s]
            for b in targets:
                j = index.get(b)
                if b == a:  # no path to walk (the plain way's source is its own end)
                    walks.append(((a, b), s, len(steps), len(steps)))
                    continue
                if j is None or not finite[j]:
                    continue
                first = len(steps)
                while j != start:
                    i = int(back[j])
                    steps.append(i * size + j)
                    j = i
                walks.append(((a, b), s, first, len(steps)))
        return walks, steps

    walks: list[tuple[tuple[str, str], int, int, int]] = []
    steps: list[int] = []
    if trees is not None:
        dist, pred, tied = trees
        walks, steps = walk(dist, pred)
        # each step's end took its predecessor: the one scipy gives it unless marked tied
        lens = np.asarray([e - f for _, _, f, e in walks], dtype=np.int64)
        on = np.repeat(np.asarray([s for _, s, _, _ in walks], dtype=np.int64), lens)
        if bool(tied[on, np.asarray(steps, dtype=np.int64) % size].any()):
            trees = None
    if trees is None:
        from scipy.sparse.csgraph import dijkstra

        dist, pred = dijkstra(sparse.to_scipy(csr), directed=True, indices=starts, return_predecessors=True, limit=limit)
        walks, steps = walk(dist, pred)
    # each step's edge: the entries of ``at`` are ordered by (row, column) and unique, so its keys are sorted
    keys = r[at] * size + c[at]
    edge = at[np.searchsorted(keys, np.asarray(steps, dtype=np.int64))].tolist()
    refs_of = ref + own_refs
    out: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for pair, _, first, end in walks:
        out[pair] = [refs_of[e] for e in reversed(edge[first:end])]
    return out


def _shortest_paths_plain(
    G: nx.MultiDiGraph, pairs: Sequence[tuple[str, str]], lanes: _Lanes | None = None
) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    """Shortest sea-lane path (list of edge refs) from port to port, never through a third port: one
    graph and one Dijkstra per source port (the reference for :func:`_shortest_paths`).
    ``lanes``: what :func:`_sea_csr` gives for ``G`` (service legs do not change it), if known."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    nodes, index, rows, cols, w, ref = lanes or _sea_csr(G)
    out: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    by_src: dict[str, list[str]] = {}
    for a, b in pairs:
        by_src.setdefault(a, []).append(b)
    n = len(nodes)
    rows = rows.astype(np.int64)
    cols = cols.astype(np.int64)
    # the shared lanes, cheapest edge per (row, col) (the first of equals), found once: a source's own
    # legs out of its port are on a row no shared lane uses (no lane leaves a port), so they never
    # compete with these and only add their own row
    base_order = np.lexsort((w, cols, rows))
    base_keep = np.ones(len(base_order), bool)
    base_keep[1:] = (rows[base_order][1:] != rows[base_order][:-1]) | (cols[base_order][1:] != cols[base_order][:-1])
    base_sel = base_order[base_keep]
    base_best: dict[tuple[int, int], tuple[str, str, str]] | None = None
    base_rows = set(rows.tolist())
    for a, targets in by_src.items():
        extra = [(u, v, k, d) for u, v, k, d in _out_legs(G, a) if d.get("mode") == "sea" and not d.get("service") and v in index]
        r = np.concatenate([rows, [index[a]] * len(extra)]).astype(np.int64)
        c = np.concatenate([cols, [index[v] for _, v, _, _ in extra]]).astype(np.int64)
        ww = np.concatenate([w, [float(d["length_km"]) for *_, d in extra]])
        refs = ref + [(u, v, k) for u, v, k, _ in extra]
        if index[a] in base_rows:  # not the case in a corridors network; the plain way then
            order = np.lexsort((ww, c, r))
            keep = np.ones(len(order), bool)
            keep[1:] = (r[order][1:] != r[order][:-1]) | (c[order][1:] != c[order][:-1])
            sel = order[keep]
            best = {(int(r[i]), int(c[i])): refs[i] for i in sel}
            own_best: dict[tuple[int, int], tuple[str, str, str]] = {}
        else:
            m = len(rows)
            own = np.arange(m, m + len(extra), dtype=np.int64)
            o2 = own[np.lexsort((ww[own], c[own]))]
            k2 = np.ones(len(o2), bool)
            k2[1:] = c[o2][1:] != c[o2][:-1]
            own_sel = o2[k2]
            # the same entries in the same order as one lexsort over everything would give
            at = int(np.searchsorted(r[base_sel], index[a]))
            sel = np.concatenate([base_sel[:at], own_sel, base_sel[at:]])
            if base_best is None:
                at_rows, at_cols = rows[base_sel].tolist(), cols[base_sel].tolist()
                base_best = dict(zip(zip(at_rows, at_cols, strict=True), map(ref.__getitem__, base_sel.tolist()), strict=True))
            best = base_best  # the source's own row apart (no shared lane is on it), not copied in
            own_best = {(int(r[i]), int(c[i])): refs[i] for i in own_sel}
        csr = csr_matrix((np.maximum(ww[sel], 1e-9), (r[sel], c[sel])), shape=(n, n))
        dist, pred = dijkstra(csr, directed=True, indices=index[a], return_predecessors=True)
        back, start = pred.tolist(), index[a]  # plain ints: the walks back below are thousands of steps
        for b in targets:
            j = index.get(b)
            if j is None or not np.isfinite(dist[j]):
                continue
            path: list[tuple[str, str, str]] = []
            while j != start:
                i = back[j]
                path.append(own_best.get((i, j)) or best[(i, j)])
                j = i
            out[(a, b)] = path[::-1]
    return out


def add_services(G: nx.MultiDiGraph, path: str | Path | None = None, problems: list[Problem] | None = None) -> None:
    """Add the service legs of ``services.toml`` to ``G`` (see the module docstring); calls that are not
    in the network are skipped with a warning naming them."""
    problems = problems if problems is not None else []
    file = str(path or bundled_services_path())
    services, hubs = read_services(path, problems)
    G.graph["services"] = {
        s.id: {
            "name": s.name,
            "operator": s.operator,
            "mode": s.mode,
            "headway_days": s.headway_days,
            "status": s.status,
            "source": s.source,
        }
        for s in services
    }
    for hub in hubs:
        hub_attrs = G._node.get(hub.port)
        if hub_attrs is not None:
            hub_attrs["dwell_q_port_transshipment"] = hub.dwell_q
            hub_attrs["dwell_q_source"] = hub.source
    wanted: list[tuple[Service, str, str, int]] = []
    for s in services:
        missing = [c for c in s.calls if c not in G.nodes]
        if missing:
            problems.append(
                Problem(file, s.index, s.id, "calls", f"calls not in the network, skipped: {', '.join(missing)}", severity="warning")
            )
        if s.status == "suspended":
            continue
        if s.mode == "ferry":
            _ferry_service(G, s, file, problems)
            continue
        if s.mode != "sea":
            continue  # block-train services are listed (G.graph["services"]) but not yet legs
        for a, b, n_calls in s.pairs():
            if a in G.nodes and b in G.nodes:
                wanted.append((s, a, b, n_calls))
    lanes = _sea_csr(G)  # the same after the service legs are added (they are left out of it)
    paths = _shortest_paths(G, sorted({(a, b) for _, a, b, _ in wanted}), lanes)
    adj = G._adj  # the lanes' data, read directly (thousands of steps)
    lines: dict[tuple[str, str, str], list[Coord]] = {}  # each lane's line, read once for every leg along it
    # a service's own pace (km/h including its calls) from its published transits, for its other pairs
    pace: dict[str, float] = {}
    for s in services:
        km = hours = 0.0
        for (a, b), days in s.transit_days.items():
            refs = paths.get((a, b))
            if refs:
                km += sum(float(adj[u][v][k]["length_km"]) for u, v, k in refs)
                hours += days * 24.0
        if hours > 0:
            pace[s.id] = km / hours
    for s, a, b, _ in wanted:
        path_refs = paths.get((a, b))
        if not path_refs:
            problems.append(Problem(file, s.index, s.id, "calls", f"no sea lane from {a} to {b}", severity="warning"))
            continue
        ds = [adj[u][v][k] for u, v, k in path_refs]
        length = sum(float(d["length_km"]) for d in ds)
        published = s.transit_days.get((a, b))
        speed_kmh: float | None
        if published is not None:
            speed_kmh = length / (published * 24.0)
            how = f"published transit {published:g} d"
        elif s.id in pace:
            speed_kmh = pace[s.id]
            how = (
                f"no published transit for this pair: the service's own pace from its published transits, {pace[s.id]:.1f} km/h with calls"
            )
        else:
            speed_kmh = None  # the engine prices it at the run's liner pace, [speed_kmh] sea
            how = "no published transit: the liner pace of [speed_kmh] sea (with calls)"
        _add_service_leg(
            G,
            a,
            b,
            path_refs,
            ds,
            lines,
            key=f"svc:{s.id}:{a.split(':', 1)[-1]}>{b.split(':', 1)[-1]}",
            speed_kmh=speed_kmh,
            headway_days=s.headway_days,
            attrs={
                "service": s.id,
                "service_name": s.name,
                "operator": s.operator,
                "service_status": s.status,
                "service_since": s.since,
                "source": f"{s.name} ({s.operator}), every {s.headway_days:g} d, {how}: {s.source} (data/services.toml)",
                "note": s.note,
                "origin": "service",
                "file": file,
            },
        )
    from .params import load_parameters

    p = load_parameters(calibration=False)
    add_generic_feeders(G, p.sea_service["generic_direct_max_km"][1], p.sea_service["generic_headway_h"][1], lanes=lanes, lines=lines)


def add_generic_feeders(
    G: nx.MultiDiGraph,
    max_km: float,
    headway_h: float,
    ports: Sequence[str] | None = None,
    *,
    lanes: _Lanes | None = None,
    lines: dict[tuple[str, str, str], list[Coord]] | None = None,
) -> int:
    """Generic regional feeders (an assumption, said on every leg): between two ports of the curated
    network whose sea lane is at most ``max_km`` long and that no known service links, a direct weekly
    sailing at the liner pace (no hub transshipment). Longer lanes without a known service keep the
    plain sea lanes and their generic hub transshipment. Returns the number of legs added. ``lanes``:
    what :func:`_sea_csr` gives for ``G``, if known; ``lines``: the lanes' lines read so far (each
    lane's :func:`~corridors.geo.edge_coords` by its ref), kept up to date."""
    ports = (
        list(ports) if ports is not None else [n for n, d in G._node.items() if d.get("kind") == "port" and d.get("origin") != "dataset"]
    )
    # the port pairs a known service links (only pairs out of these ports are looked up)
    linked = {(u, v) for u in dict.fromkeys(ports) for v, kd in G._adj.get(u, {}).items() for d in kd.values() if d.get("service")}
    pairs = [(a, b) for a in ports for b in ports if a != b and (a, b) not in linked]
    paths = _shortest_paths(G, pairs, lanes, max_km=max_km)
    adj = G._adj
    lines = {} if lines is None else lines
    n = 0
    for (a, b), refs in paths.items():
        ds = [adj[u][v][k] for u, v, k in refs]
        length = sum(float(d["length_km"]) for d in ds)
        if length > max_km or any(d.get("months") for d in ds):
            continue
        _add_service_leg(
            G,
            a,
            b,
            refs,
            ds,
            lines,
            key=f"feeder:{a.split(':', 1)[-1]}>{b.split(':', 1)[-1]}",
            speed_kmh=None,  # the run's liner pace ([speed_kmh] sea), set when the engine is compiled
            headway_days=headway_h / 24.0,
            attrs={
                "service": "generic-feeder",
                "service_name": "generic regional feeder (assumption)",
                "operator": "",
                "service_status": "assumed",
                "source": f"ASSUMPTION ([sea_service] generic_direct_max_km): no known service links these ports, whose sea lane is under {max_km:g} km; "
                f"a direct sailing every {headway_h / 24:g} d at the liner pace ([speed_kmh] sea) is assumed (data/parameters.toml)",
                "origin": "generic-feeder",
            },
        )
        n += 1
    return n


def _add_service_leg(
    G: nx.MultiDiGraph,
    a: str,
    b: str,
    refs: Sequence[tuple[str, str, str]],
    ds: Sequence[Mapping[str, Any]],
    lines: dict[tuple[str, str, str], list[Coord]],
    *,
    key: str,
    speed_kmh: float | None,
    headway_days: float,
    attrs: Mapping[str, Any],
) -> None:
    """A leg from ``a`` to ``b`` along the lanes ``refs`` (their data ``ds``), one line along them all:
    each lane's line is read once into ``lines`` (a list never changed, so legs share it safely: every
    leg gets a geometry of its own)."""
    from .geo import edge_coords

    coords: list[Coord] = []
    for r, d in zip(refs, ds, strict=True):
        c = lines.get(r)
        if c is None:
            c = lines[r] = edge_coords(d)
        coords.extend(c if not coords else c[1:])
    chokes = tuple(dict.fromkeys(c for d in ds for c in (d.get("chokepoints") or ())))
    months: set[int] | None = None
    for d in ds:
        if d.get("months"):
            months = set(d["months"]) if months is None else months & set(d["months"])
    add_edge(
        G,
        a,
        b,
        key,
        dict(
            id=key,
            mode="sea",
            status="operational",
            gauge_mm=None,
            length_km=sum(float(d["length_km"]) for d in ds),
            geodesic_km=sum(float(d.get("geodesic_km") or 0.0) for d in ds),
            speed_kmh=speed_kmh,
            frequency_per_week=7.0 / headway_days,
            countries=tuple(dict.fromkeys(c for d in ds for c in (d.get("countries") or ()))),
            chokepoints=chokes,
            enters=chokes,
            months=tuple(sorted(months)) if months else None,
            geometry=line_geometry(coords),
            reverse=False,
            **attrs,
        ),
    )


def _ferry_service(G: nx.MultiDiGraph, s: Service, file: str, problems: list[Problem]) -> None:
    """A Caspian service sets the frequency and source of the drawn ferry legs between its calls."""
    calls = list(s.calls)
    hops = list(itertools.pairwise(calls))
    if s.returns:
        hops += [(b, a) for a, b in hops]
    for a, b in hops:
        if a not in G.nodes or b not in G.nodes:
            continue
        legs = [(k, d) for k, d in G.get_edge_data(a, b, default={}).items() if d.get("mode") == "ferry"]
        if not legs:
            problems.append(
                Problem(
                    file, s.index, s.id, "calls", f"no ferry leg drawn from {a} to {b}: the service is not used there", severity="warning"
                )
            )
            continue
        for _, d in legs:
            d["frequency_per_week"] = 7.0 / s.headway_days
            d["service"] = s.id
            d["service_name"] = s.name
            d["source"] = (
                f"{d.get('source', '')}; service: {s.name} ({s.operator}), every {s.headway_days:g} d: {s.source} (data/services.toml)"
            )
