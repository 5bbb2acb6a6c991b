"""What-if runs: the corridor families without and with a scenario, side by side: which survive,
vanish or appear, the deltas of each, and the best route for each objective before and after.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .apply import AppliedScenario, apply_scenario
from .errors import ConstraintError
from .model import Route
from .routing import OBJECTIVES, CompareResult, Constraints, Router, turns_back
from .scenario import Scenario

__all__ = ["FamilyDelta", "ScenarioRun", "best_route", "doubles_back", "run_scenario"]


@dataclass
class FamilyDelta:
    """One corridor family in the baseline and in the scenario."""

    family: str
    name: str
    status: str  # survives | vanishes | appears | none
    baseline: Route | None
    scenario: Route | None
    reason: str = ""  # why the scenario has no route (or the baseline, for "appears"/"none")
    doubles_back: str = ""  # how the scenario's family route turns back (then it is not that corridor)

    @property
    def same_path(self) -> bool:
        return self.baseline is not None and self.scenario is not None and self.baseline.leg_ids == self.scenario.leg_ids

    @property
    def unchanged(self) -> bool:
        """The same path with the same time and cost (to 0.01 day and 1 USD): a path whose dwell or
        speed the scenario changed is the same path, but not unchanged."""
        if not self.same_path or self.status != "survives":
            return False
        dt_ = self.delta("time_days") or 0.0
        dc = self.delta("cost_usd") or 0.0
        return abs(dt_) < 0.01 and abs(dc) < 1.0

    @property
    def change(self) -> str:
        """One word for the table and the map: unchanged, slower, faster, rerouted, vanished, appeared, none."""
        if self.status == "vanishes":
            return "vanished"
        if self.status == "appears":
            return "appeared"
        if self.status == "none":
            return "none"
        if self.unchanged:
            return "unchanged"
        if not self.same_path:
            return "rerouted"
        return (
            "slower"
            if (self.delta("time_days") or 0.0) > 0
            else ("faster" if (self.delta("time_days") or 0.0) < 0 else "costlier" if (self.delta("cost_usd") or 0.0) > 0 else "cheaper")
        )

    def delta(self, attr: str) -> float | None:
        """Scenario minus baseline, for a family that survives (None otherwise)."""
        if self.status != "survives" or self.baseline is None or self.scenario is None:
            return None
        return float(getattr(self.scenario, attr)) - float(getattr(self.baseline, attr))

    def row(self) -> dict[str, Any]:
        b = self.baseline if self.status in ("survives", "vanishes") else None
        s = self.scenario if self.status in ("survives", "appears") else None

        def val(r: Route | None, attr: str, nd: int) -> float | None:
            return None if r is None else round(float(getattr(r, attr)), nd)

        def dl(attr: str, nd: int) -> float | None:
            d = self.delta(attr)
            return None if d is None else round(d, nd)

        return {
            "family": self.family,
            "name": self.name,
            "status": self.status,
            "same_path": self.same_path,
            "change": self.change,
            "baseline_days": val(b, "time_days", 2),
            "scenario_days": val(s, "time_days", 2),
            "delta_days": dl("time_days", 2),
            "baseline_cost_usd": val(b, "cost_usd", 0),
            "scenario_cost_usd": val(s, "cost_usd", 0),
            "delta_cost_usd": dl("cost_usd", 0),
            "baseline_exposure": val(b, "exposure", 3),
            "scenario_exposure": val(s, "exposure", 3),
            "delta_exposure": dl("exposure", 3),
            "baseline_co2_kg": val(b, "co2_kg", 1),
            "scenario_co2_kg": val(s, "co2_kg", 1),
            "scenario_chokepoints": ",".join(s.chokepoints) if s else "",
            "scenario_via": s.via if s else "",
            "doubles_back": self.doubles_back,
            "reason": self.reason,
        }


@dataclass
class ScenarioRun:
    """The baseline and the scenario side by side for one origin and destination."""

    applied: AppliedScenario
    baseline: CompareResult
    result: CompareResult
    best: dict[str, tuple[Route | None, Route | None]]  # objective -> (baseline, scenario)
    families: list[FamilyDelta]
    objective: str = "time"

    @property
    def scenario(self) -> Scenario:
        return self.applied.scenario

    def survivors(self) -> list[str]:
        return [f.family for f in self.families if f.status == "survives"]

    def map_routes(self) -> tuple[list[Route], list[Route]]:
        """(scenario routes, baseline routes) to draw, from :attr:`families` (the rows of the
        table): a family that vanishes has no scenario route on the map, only its baseline; each
        route's label says its change ("slower", "rerouted", "unchanged" only when nothing
        changed)."""
        now: list[Route] = []
        before: list[Route] = []
        for f in self.families:
            if f.status in ("survives", "appears") and f.scenario is not None:
                now.append(replace(f.scenario, label=f"{f.scenario.label or f.name} ({f.change})"))
            if f.status in ("survives", "vanishes") and f.baseline is not None:
                before.append(replace(f.baseline, label=f"{f.baseline.label or f.name} ({f.change})"))
        if not now:
            now = [r for _, r in self.best.values() if r is not None][:1]
        return now, before

    def vanished(self) -> list[str]:
        return [f.family for f in self.families if f.status == "vanishes"]

    def appeared(self) -> list[str]:
        return [f.family for f in self.families if f.status == "appears"]

    def best_rows(self) -> list[dict[str, Any]]:
        out = []
        for obj, (b, s) in self.best.items():
            attr = OBJECTIVES[obj]
            out.append(
                {
                    "objective": obj,
                    "baseline_route": _route_name(b, self.baseline),
                    "baseline_value": None if b is None else round(float(getattr(b, attr)), 3),
                    "scenario_route": _route_name(s, self.result),
                    "scenario_value": None if s is None else round(float(getattr(s, attr)), 3),
                    "delta": None if b is None or s is None else round(float(getattr(s, attr)) - float(getattr(b, attr)), 3),
                    "unit": _UNITS[obj],
                    "baseline_days": None if b is None else round(b.time_days, 2),
                    "scenario_days": None if s is None else round(s.time_days, 2),
                    "baseline_cost_usd": None if b is None else round(b.cost_usd),
                    "scenario_cost_usd": None if s is None else round(s.cost_usd),
                    "baseline_exposure": None if b is None else round(b.exposure, 3),
                    "scenario_exposure": None if s is None else round(s.exposure, 3),
                    "scenario_chokepoints": ",".join(s.chokepoints) if s else "",
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        o, d = self.baseline.origin, self.baseline.destination
        return {
            "scenario": self.scenario.to_dict(),
            "origin": {"id": o.id, "name": o.name},
            "destination": {"id": d.id, "name": d.name},
            "objective": self.objective,
            "constraints": {
                "baseline": self.baseline.constraints.describe(),
                "scenario": self.result.constraints.describe(),
            },
            "changes": list(self.applied.changes),
            "survive": self.survivors(),
            "vanish": self.vanished(),
            "appear": self.appeared(),
            "families": [f.row() for f in self.families],
            "best": self.best_rows(),
            "unavailable": {
                "baseline": self.baseline.unavailable,
                "scenario": self.result.unavailable,
            },
        }


_UNITS = {
    "time": "h",
    "cost": "USD/TEU",
    "exposure": "points",
    "co2": "kg CO2/TEU",
    "distance": "km",
}


def _route_name(r: Route | None, res: CompareResult) -> str:
    if r is None:
        return "no route"
    for x in res.routes:
        if x.leg_ids == r.leg_ids:
            return x.label
    via = r.via if len(r.via) <= 70 else r.via[:69] + "…"
    return f"other route (via {via})" if via else "other route"


def best_route(
    router: Router,
    origin: str,
    destination: str,
    objective: str | Mapping[str, float],
    constraints: Constraints,
) -> Route | None:
    """The best route, or None when there is none (without the cost of explaining why)."""
    try:
        return router.best(origin, destination, objective=objective, constraints=constraints)
    except ConstraintError:
        return None


def run_scenario(
    scenario: Scenario,
    router: Router,
    origin: str,
    destination: str,
    objective: str = "time",
    constraints: Constraints | None = None,
    objectives: Sequence[str] = ("time", "cost", "exposure"),
) -> ScenarioRun:
    """Compare the corridor families without and with ``scenario``: which survive, vanish or appear,
    the deltas of each, and the best route for each of ``objectives`` before and after."""
    base_c = constraints or Constraints()
    applied = apply_scenario(scenario, router, base_c)
    baseline = router.compare(origin, destination, objective=objective, constraints=base_c)
    result = applied.router.compare(origin, destination, objective=objective, constraints=applied.constraints)
    best = {
        obj: (
            best_route(router, origin, destination, obj, base_c),
            best_route(applied.router, origin, destination, obj, applied.constraints),
        )
        for obj in objectives
    }
    b_by = {r.family: r for r in baseline.routes}
    s_by = {r.family: r for r in result.routes}
    fams: list[FamilyDelta] = []
    for fid, fam in router.families.items():
        b, s = b_by.get(fid), s_by.get(fid)
        # the search never returns a route that turns back; this independent check keeps it so
        b_back, s_back = doubles_back(b), doubles_back(s)
        b_ok, s_ok = b is not None and not b_back, s is not None and not s_back
        if b_ok and s_ok:
            status, reason = "survives", ""
        elif b_ok:
            status = "vanishes"
            reason = result.unavailable.get(fid, "") or f"the family's only route turns back ({s_back})"
        elif s_ok:
            status = "appears"
            reason = baseline.unavailable.get(fid, "") or f"the baseline route turns back ({b_back})"
        else:
            status = "none"
            reason = result.unavailable.get(fid, "") or f"the family's only route turns back ({s_back})"
        fams.append(FamilyDelta(fid, fam.name, status, b, s, reason, s_back))
    return ScenarioRun(applied, baseline, result, best, fams, objective)


def doubles_back(route: Route | None) -> str:
    """How the route turns back, or "" if it does not: it arrives at a node twice, or uses a leg
    twice (out and back at sea). A family route that turns back is not that corridor
    (:func:`corridors.routing.turns_back`, an independent check of a finished route)."""
    return turns_back(route)
