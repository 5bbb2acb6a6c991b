"""Why a route: the jurisdictions, ports and chokepoints of the best route and why it beat the
runner-up; and, when there is no route, which rules cut the way and the least change that opens one.

Entry point :func:`explain`::

    from corridors.explain import explain
    e = explain(router, "Chelyabinsk", "Mumbai", constraints=Constraints(avoid_chokepoints=("hormuz",)))
    print(e.text())
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .constraints import Constraints, Rule, rules_of
from .errors import ConstraintError
from .model import Route
from .places import Place
from .routing import OBJECTIVES, Router, turns_back

__all__ = ["Explanation", "Rule", "compare_routes", "explain", "rules_of"]

_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _count(n: int, word: str) -> str:
    w = _WORDS[n] if 0 <= n < len(_WORDS) else str(n)
    return f"{w} {word}{'' if n == 1 else 's'}"


@dataclass
class Opening:
    """A smallest set of rules whose removal opens a route, and that route."""

    rules: list[Rule]
    route: Route

    def describe(self) -> str:
        what = " and ".join(r.relax for r in self.rules)
        via = f", via {self.route.via}" if self.route.via else ""
        return f"{what}: {self.route.time_days:.1f} days, {self.route.cost_usd:,.0f} USD/TEU{via}"


@dataclass
class Explanation:
    """Everything :func:`explain` found. ``best`` is None when no route satisfies the constraints."""

    origin: Place
    destination: Place
    objective: str
    constraints: Constraints
    best: Route | None
    best_family: str | None = None  # family name whose route equals ``best``
    runner_up: Route | None = None
    reasons: list[str] = field(default_factory=list)
    jurisdictions: list[dict[str, Any]] = field(default_factory=list)
    ports: list[dict[str, Any]] = field(default_factory=list)
    chokepoints: list[dict[str, Any]] = field(default_factory=list)
    # no route
    rules: list[Rule] = field(default_factory=list)
    openings: list[Opening] = field(default_factory=list)
    searched: int = 0  # largest number of rules dropped together in the search
    connected: bool = True
    timed_out: bool = False  # the search for openings hit its time budget

    @property
    def cutting_rules(self) -> list[Rule]:
        """Rules that appear in some smallest opening set: each one is part of what cuts the way."""
        seen: dict[str, Rule] = {}
        for o in self.openings:
            for r in o.rules:
                seen.setdefault(r.id, r)
        return list(seen.values())

    def text(self) -> str:
        o, d = self.origin.name, self.destination.name
        rules = self.constraints.describe()
        head = f"{o} -> {d}" + (f" (route that {', '.join(rules)})" if rules else "")
        lines = [head]
        if self.best is None:
            lines.append("no route satisfies the constraints.")
            if not self.connected:
                lines.append("  not even without any rule: the two places are not connected in this network.")
                return "\n".join(lines)
            cut = self.cutting_rules
            if cut:
                lines.append(f"  cut by: {'; '.join(r.label for r in cut)}")
            if self.openings:
                n = len(self.openings[0].rules)
                lines.append(f"  least change ({_count(n, 'rule')} dropped):")
                lines.extend(f"    - {x.describe()}" for x in self.openings)
            else:
                lines.append(f"  no combination of up to {self.searched} rules opens a route")
            if self.timed_out:
                lines.append(f"  (the search stopped at its time budget while trying {self.searched} rules at a time)")
            return "\n".join(lines)
        b = self.best
        fam = f" [{self.best_family}]" if self.best_family else ""
        lines.append(
            f"best by {self.objective}{fam}: {b.time_days:.1f} days, {b.cost_usd:,.0f} USD/TEU, "
            f"{b.co2_kg:,.0f} kg CO2/TEU, exposure {b.exposure:.2f}, {b.length_km:,.0f} km"
        )
        if b.via:
            lines.append(f"  via {b.via}")
        lines.append("jurisdictions whose territory it crosses:")
        for j in self.jurisdictions:
            extra = f"; through {', '.join(j['canals'])}" if j["canals"] else ""
            nodes = f"; passes {', '.join(j['nodes'])}" if j["nodes"] else ""
            lines.append(f"  {j['country']}: {_count(len(j['legs']), 'leg')} ({', '.join(j['modes'])}){extra}{nodes}")
        if not self.jurisdictions:
            lines.append("  none")
        lines.append("ports called at:")
        lines.extend(f"  {p['name']} ({p['id']}), {p['country']}" for p in self.ports)
        if not self.ports:
            lines.append("  none")
        lines.append("chokepoints passed:")
        lines.extend(
            f"  {c['name']} ({c['id']}): littoral {', '.join(c['littoral']) or '-'}"
            + (f"; territory of {', '.join(c['territory'])}" if c["territory"] else "")
            for c in self.chokepoints
        )
        if not self.chokepoints:
            lines.append("  none")
        if self.runner_up is not None:
            ru = self.runner_up.label or self.runner_up.family or "runner-up"
            lines.append(f"why it beat the runner-up ({ru}, {self.runner_up.time_days:.1f} days, {self.runner_up.cost_usd:,.0f} USD/TEU):")
            lines.append("  " + ", ".join(self.reasons))
        else:
            lines.append("no other corridor family has a route to compare with")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "origin": {"id": self.origin.id, "name": self.origin.name},
            "destination": {"id": self.destination.id, "name": self.destination.name},
            "objective": self.objective,
            "constraints": self.constraints.describe(),
            "route": self.best is not None,
        }
        if self.best is not None:
            out.update(
                best=self.best.summary(),
                best_family=self.best_family,
                legs=list(self.best.leg_ids),
                jurisdictions=self.jurisdictions,
                ports=self.ports,
                chokepoints=self.chokepoints,
                runner_up=self.runner_up.summary() if self.runner_up else None,
                reasons=self.reasons,
            )
        else:
            out.update(
                connected=self.connected,
                timed_out=self.timed_out,
                rules=[{"id": r.id, "rule": r.label} for r in self.rules],
                cut_by=[{"id": r.id, "rule": r.label} for r in self.cutting_rules],
                least_change=[
                    {
                        "drop": [r.id for r in o.rules],
                        "change": [r.relax for r in o.rules],
                        "route": o.route.summary(),
                        "legs": list(o.route.leg_ids),
                    }
                    for o in self.openings
                ],
            )
        return out


def _diff(a: float, b: float, unit: str, less: str, more: str, fmt: str = "{:,.0f}") -> str | None:
    d = a - b
    if abs(d) < 1e-9:
        return None
    return f"{fmt.format(abs(d))} {unit} {less if d < 0 else more}".replace("  ", " ")


def compare_routes(best: Route, other: Route) -> list[str]:
    """``best`` against ``other``, metric by metric: "3.2 days faster", "410 USD/TEU dearer",
    "one more chokepoint (hormuz)" ..."""
    out: list[str] = []
    for item in (
        _diff(best.time_days, other.time_days, "days", "faster", "slower", "{:.1f}"),
        _diff(round(best.cost_usd), round(other.cost_usd), "USD/TEU", "cheaper", "dearer"),
        _diff(round(best.co2_kg), round(other.co2_kg), "kg CO2/TEU", "less", "more"),
        _diff(round(best.length_km), round(other.length_km), "km", "shorter", "longer"),
    ):
        if item:
            out.append(item)
    mine, theirs = set(best.chokepoints), set(other.chokepoints)
    only_mine = [c for c in best.chokepoints if c not in theirs]
    only_theirs = [c for c in other.chokepoints if c not in mine]
    n = len(mine) - len(theirs)
    if n > 0:
        what = ", ".join(only_mine) + (f" instead of {', '.join(only_theirs)}" if only_theirs else "")
        out.append(f"{_count(n, 'more chokepoint')} ({what})")
    elif n < 0:
        what = f"{', '.join(only_mine)} instead of {', '.join(only_theirs)}" if only_mine else f"avoids {', '.join(only_theirs)}"
        out.append(f"{_count(-n, 'fewer chokepoint')} ({what})")
    elif mine != theirs:
        out.append(f"other chokepoints ({', '.join(only_mine)} instead of {', '.join(only_theirs)})")
    if abs(best.exposure - other.exposure) > 1e-9 and (mine != theirs or n != 0):
        out.append(f"exposure {best.exposure:.2f} vs {other.exposure:.2f}")
    for attr, word in (
        ("border_crossings", "border crossing"),
        ("transshipments", "transshipment"),
    ):
        k = int(getattr(best, attr)) - int(getattr(other, attr))
        if k:
            out.append(_count(abs(k), f"{'more' if k > 0 else 'fewer'} {word}"))
    return out or ["the same figures (an equivalent path)"]


def _jurisdictions(router: Router, r: Route) -> list[dict[str, Any]]:
    G = router.G
    zones = G.graph.get("chokepoints", {})
    out: dict[str, dict[str, Any]] = {}

    def entry(c: str) -> dict[str, Any]:
        return out.setdefault(c, {"country": c, "legs": [], "km": 0.0, "modes": [], "canals": [], "nodes": []})

    for m in r.moves:
        canal_codes = {c: ch for ch in m.chokepoints for c in getattr(zones.get(ch), "territory", ())}
        for c in m.countries:
            e = entry(c)
            e["legs"].append(m.leg_ids[0])
            e["km"] += m.length_km
            if m.mode not in e["modes"]:
                e["modes"].append(m.mode)
            if c in canal_codes and canal_codes[c] not in e["canals"]:
                e["canals"].append(canal_codes[c])
        for n in (m.from_id, m.to_id):
            nd = G.nodes[n]
            c = nd.get("country")
            if c and nd.get("kind") not in ("port", "junction"):
                name = str(nd.get("name", n))
                e = entry(c)
                if name not in e["nodes"]:
                    e["nodes"].append(name)
    for e in out.values():
        e["km"] = round(e["km"], 1)
    return list(out.values())


def _chokepoints(router: Router, r: Route) -> list[dict[str, Any]]:
    zones = router.G.graph.get("chokepoints", {})
    out = []
    for ch in r.chokepoints:
        z = zones.get(ch)
        out.append(
            {
                "id": ch,
                "name": str(getattr(z, "name", ch)),
                "kind": str(getattr(z, "kind", "")),
                "littoral": list(getattr(z, "littoral", ())),
                "territory": list(getattr(z, "territory", ())),
            }
        )
    return out


def _solve(router: Router, o: Place, d: Place, objective: str | Mapping[str, float], c: Constraints) -> Route | None:
    try:
        return router.best(o.id, d.id, objective=objective, constraints=c)
    except ConstraintError:
        return None


def explain(
    router: Router,
    origin: str,
    destination: str,
    *,
    constraints: Constraints | None = None,
    objective: str = "time",
    max_dropped: int = 3,
    time_budget_s: float = 30.0,
) -> Explanation:
    """Explain the best route from ``origin`` to ``destination`` under ``constraints``, or why there
    is none.

    With a route: the countries whose territory it crosses (land legs, canals, border and rail nodes),
    the ports it calls at with their countries, the chokepoints with their littoral states, and how it
    compares with the best route of the runner-up corridor family (per metric).

    Without one: the hard rules in force, the smallest sets of rules (one, then two, ... up to
    ``max_dropped``) whose removal opens a route, with that route; the search stops after
    ``time_budget_s`` seconds (``timed_out`` says so) with what it found.
    """
    c = constraints or Constraints()
    o, d = router.place(origin), router.place(destination)
    router.validate(c)
    if objective not in OBJECTIVES:
        msg = f"unknown objective {objective!r} (use one of {', '.join(OBJECTIVES)})"
        raise ConstraintError(msg)
    best = _solve(router, o, d, objective, c)
    e = Explanation(o, d, objective, c, best)
    if best is None:
        e.rules = rules_of(c)
        _search_openings(router, e, max_dropped, time.monotonic() + time_budget_s)
        return e
    res = router.compare(origin, destination, objective=objective, constraints=c)
    attr = OBJECTIVES[objective]
    fam_routes = sorted(res.routes, key=lambda r: getattr(r, attr))
    same = next((r for r in fam_routes if r.leg_ids == best.leg_ids), None)
    e.best_family = same.label if same else None
    if same is not None:
        best = replace(best, label=same.label, family=same.family)
        e.best = best
    e.runner_up = next(
        (r for r in fam_routes if r.leg_ids != best.leg_ids and (same is None or r.family != same.family) and not turns_back(r)),
        None,
    )
    if e.runner_up is not None:
        e.reasons = compare_routes(best, e.runner_up)
    e.jurisdictions = _jurisdictions(router, best)
    G = router.G
    e.ports = [{"id": i, "name": n, "country": c_} for i, n, c_ in best.ports if G.nodes[i].get("kind") == "port"]
    e.chokepoints = _chokepoints(router, best)
    return e


def _search_openings(router: Router, e: Explanation, max_dropped: int, deadline: float = math.inf) -> None:
    rules = e.rules
    o, d, c = e.origin, e.destination, e.constraints
    none = Constraints(include_planned=True)
    if _solve(router, o, d, e.objective, none) is None:
        e.connected = False
        return
    for k in range(1, min(max_dropped, len(rules)) + 1):
        e.searched = k
        found: list[Opening] = []
        for combo in itertools.combinations(rules, k):
            if time.monotonic() > deadline:
                e.timed_out = True
                break
            c2 = c
            for r in combo:
                c2 = r.drop(c2)
            route = _solve(router, o, d, e.objective, c2)
            if route is not None:
                found.append(Opening(list(combo), route))
        if found:
            found.sort(key=lambda x: getattr(x.route, OBJECTIVES[e.objective]))
            e.openings = found
            return
        if e.timed_out:
            return
