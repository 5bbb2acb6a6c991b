"""Holding the model against published figures (``data/validation.toml``).

Each case names an origin, a destination, a corridor family, a metric (``time_days``, ``length_km``,
``sea_nm`` or ``cost_usd``), what the figure covers (``scope``), the published figure with a
two-sided tolerance, its source, and a **role**:

* ``calibration``: one of the few cases ``corridors calibrate`` fits the calibrated parameters to
  (data/calibration.toml says which); it must still land within its tolerance;
* ``validation``: never used in a fit, from sources other than the calibration cases'; it must land
  within its tolerance: ``|model - published| <= tolerance``, both sides;
* ``reported``: shown, not required (a promotional claim, a figure judged wrong, or one that would
  compare an input with itself); the note says why.

A time is the model's **P50** (Monte Carlo, fixed seed) over the case's scope: ``door_to_door`` the
whole route (origin handling to release at the destination); ``rail_segment`` and ``segment`` (a
transit time: departure to arrival) the route without the origin's and destination's handling and
without the wait for the first departure; ``port_to_port`` the sea voyages only (moving
time and delays, not the wait for the sailing nor the port dwell). A ``port_to_port`` case whose route
sails a service with a *published* transit for that pair compares that input with itself: it is
reported, never counted as evidence; so is a case dated before the first sailing of a service its
route sails (it describes another network).
"""

from __future__ import annotations

import statistics
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import CorridorsError, DataFileError, NoRouteError
from .model import Route
from .routing import Constraints, Router
from .timing import segment

ROLES = ("calibration", "validation", "reported")
METRICS = ("time_days", "length_km", "sea_nm", "cost_usd")
SCOPES = ("door_to_door", "port_to_port", "rail_segment", "segment")
HANDLING = ("origin_handling", "destination_handling")


@dataclass(frozen=True)
class Case:
    id: str
    role: str
    origin: str
    destination: str
    family: str
    metric: str
    published: float
    tolerance: float
    scope: str
    source: str
    note: str
    date: str = ""
    modes: tuple[str, ...] | None = None
    via: tuple[str, ...] = ()

    def with_role(self, role: str) -> Case:
        return replace(self, role=role)


@dataclass(frozen=True)
class CaseResult:
    case: Case
    model: float | None
    error: str = ""
    #: why a case is reported though its role says otherwise (e.g. it compares an input with itself)
    demoted: str = ""

    @property
    def id(self) -> str:
        return self.case.id

    @property
    def role(self) -> str:
        return "reported" if self.demoted else self.case.role

    @property
    def diff(self) -> float | None:
        return None if self.model is None else self.model - self.case.published

    @property
    def rel_error(self) -> float | None:
        return None if self.model is None else abs(self.model - self.case.published) / self.case.published

    @property
    def within(self) -> bool:
        return self.model is not None and abs(self.model - self.case.published) <= self.case.tolerance

    @property
    def holds(self) -> bool | None:
        """Within tolerance (both sides) for calibration and validation cases; None when reported."""
        if self.role == "reported":
            return None
        return self.within


def bundled_cases_path() -> Path:
    return Path(str(resources.files("corridors.data").joinpath("validation.toml")))


def load_cases(path: str | Path | None = None) -> list[Case]:
    """The published cases, checked: a bad case is an error naming the case and the field."""
    p = Path(path) if path else bundled_cases_path()
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        msg = f"{p}: cannot read the cases: {exc}"
        raise DataFileError(msg) from exc
    out: list[Case] = []
    seen: set[str] = set()
    for i, c in enumerate(raw.get("case", [])):
        where = f"{p}: case {i} ({c.get('id', '?')})"
        problems = [f for f in ("id", "origin", "destination", "metric", "published", "tolerance", "source") if f not in c]
        if problems:
            msg = f"{where}: missing {', '.join(problems)}"
            raise DataFileError(msg)
        role = str(c.get("role", "validation"))
        metric = str(c["metric"])
        scope = str(c.get("scope", "door_to_door"))
        if role not in ROLES or metric not in METRICS or scope not in SCOPES or c["id"] in seen:
            msg = f"{where}: role must be one of {ROLES}, metric one of {METRICS}, scope one of {SCOPES}, ids unique"
            raise DataFileError(msg)
        pub, tol = float(c["published"]), float(c["tolerance"])
        if not (pub > 0 and 0 < tol < pub):
            msg = f"{where}: needs published > 0 and 0 < tolerance < published"
            raise DataFileError(msg)
        seen.add(c["id"])
        out.append(
            Case(
                id=str(c["id"]),
                role=role,
                origin=str(c["origin"]),
                destination=str(c["destination"]),
                family=str(c.get("family", "any")),
                metric=metric,
                published=pub,
                tolerance=tol,
                scope=scope,
                source=str(c["source"]),
                note=str(c.get("note", "")),
                date=str(c.get("date", "")),
                modes=tuple(c["modes"]) if c.get("modes") else None,
                via=tuple(c.get("via", ())),
            )
        )
    return out


def case_route(router: Router, case: Case) -> Route:
    """The model's route for a case (its family, modes and vias), without the Monte Carlo."""
    c = Constraints(modes=case.modes, via=case.via)
    fam = None if case.family == "any" else case.family
    r = router.best(case.origin, case.destination, objective="time", constraints=c, family=fam)
    if r is None:
        msg = f"no route for case {case.id} ({case.origin} -> {case.destination}, family {case.family})"
        raise NoRouteError(msg)
    return r


def circular(route: Route, case: Case, services_transits: set[tuple[str, str]]) -> str:
    """Why a case compares an input with itself ('' if it does not)."""
    if case.metric == "time_days" and case.scope == "port_to_port":
        for m in route.moves:
            if m.service and (m.from_id, m.to_id) in services_transits:
                return f"the route sails {m.service}, whose published {m.from_name}-{m.to_name} transit is an input (data/services.toml)"
    return ""


def era(route: Route, case: Case, G: Any) -> str:
    """Why a case describes another network than the model's ('' if it does not): the route sails a
    service whose first sailing came after the figure was published."""
    if not case.date:
        return ""
    for m in route.moves:
        if not m.service:
            continue
        d = G.get_edge_data(m.from_id, m.to_id, key=m.leg_ids[0]) or {}
        since = str(d.get("service_since") or "")
        if since and since[: len(case.date)] > case.date[: len(since)]:
            return f"the route sails {m.service}, first sailing {since}, after this {case.date} figure"
    return ""


def published_transits() -> set[tuple[str, str]]:
    from .services import read_services

    services, _ = read_services()
    return {pair for s in services for pair in s.transit_days}


def case_value(route: Route, case: Case, *, draws: int, seed: int) -> float:
    from .timing import simulate

    if case.metric == "length_km":
        return route.length_km
    if case.metric == "sea_nm":
        return route.sea_nm
    if case.metric == "cost_usd":
        return route.cost_usd
    seg = segment(route, case.scope)
    (sim,) = simulate([seg], draws=draws, seed=seed)
    assert sim.time_q_h is not None  # noqa: S101 - simulate always sets it
    return sim.time_q_h[1] / 24.0


def run_cases(
    router: Router | None = None, cases: Sequence[Case] | None = None, *, draws: int = 4000, seed: int | None = None
) -> list[CaseResult]:
    """Every case routed and measured on ``router`` (bundled network and parameters by default)."""
    from .timing import DEFAULT_SEED

    router = router or Router()
    cases = list(cases) if cases is not None else load_cases()
    transits = published_transits()
    out = []
    for case in cases:
        try:
            r = case_route(router, case)
        except CorridorsError as exc:
            out.append(CaseResult(case, None, str(exc)))
            continue
        val = case_value(r, case, draws=draws, seed=DEFAULT_SEED if seed is None else seed)
        out.append(CaseResult(case, val, demoted=circular(r, case, transits) or era(r, case, router.G)))
    return out


def stats(results: Sequence[CaseResult]) -> dict[str, Any]:
    """Counts and errors by role: median absolute relative error of the time cases, failures."""
    out: dict[str, Any] = {}
    for role in ROLES:
        rs = [r for r in results if r.role == role]
        times = [r.rel_error for r in rs if r.case.metric == "time_days" and r.rel_error is not None]
        out[role] = {
            "cases": len(rs),
            "time_cases": len(times),
            "median_abs_error_time": statistics.median(times) if times else None,
            "held": sum(1 for r in rs if r.holds),
            "failed": [r.id for r in rs if r.holds is False],
        }
    return out


def markdown_table(results: Sequence[CaseResult]) -> str:
    lines = [
        "| case | role | route | family | metric (scope) | published | model (P50) | difference | tolerance | holds |",
        "|---|---|---|---|---|---:|---:|---:|---:|:-:|",
    ]
    for r in results:
        c = r.case
        model = f"{r.model:,.1f}" if r.model is not None else f"no route: {r.error[:80]}"
        diff = f"{r.diff:+,.1f}" if r.diff is not None else ""
        holds = "reported" if r.holds is None else ("yes" if r.holds else "**NO**")
        role = r.role + (" (input)" if r.demoted else "")
        lines.append(
            f"| {c.id} | {role} | {c.origin} → {c.destination} | {c.family} | {c.metric} ({c.scope}) | {c.published:,.1f} | {model} | {diff} | ±{c.tolerance:,.1f} | {holds} |"
        )
    return "\n".join(lines)


def _why(r: CaseResult) -> str:
    if r.model is None:
        return f"no route: {r.error}"
    return f"model {r.model:,.1f} vs published {r.case.published:,.1f} ±{r.case.tolerance:,.1f} ({r.diff:+,.1f})"


def markdown_report(results: Sequence[CaseResult], calibration: Mapping[str, Any] | None = None) -> str:
    """docs/validation.md: the headline errors, what failed and why, the calibration, the table."""
    st = stats(results)
    v, c = st["validation"], st["calibration"]
    med = v["median_abs_error_time"]
    lines = [
        "# How the model holds against published figures",
        "",
        "Written by `corridors validation --markdown docs/validation.md` from `data/validation.toml` (every case's full",
        "citation and note are there) and `data/calibration.toml` (written by `corridors calibrate`); do not edit by hand.",
        "`tests/test_validation.py` recomputes the figures below. A time is the model's **P50** over the case's scope",
        "(`door_to_door`; `segment`: a published transit time, departure to arrival; `port_to_port`: the voyages;",
        "`rail_segment`), every check is two-sided, and a case whose figure is one of the model's own inputs is",
        "reported, never counted (see corridors/validation.py).",
        "",
        "## Headline",
        "",
        f"- **Validation cases** (never used in a fit, other sources than the calibration's): {v['cases']}, of which "
        f"{v['time_cases']} time cases; **median absolute error on the validation time cases: "
        f"{100 * med:.1f} %**"
        if med is not None
        else "- no validation time cases",
        f"  ({v['held']} of {v['cases']} within their tolerance).",
        f"- **Calibration cases** (fitted): {c['cases']}; median absolute error {100 * (c['median_abs_error_time'] or 0):.1f} %, "
        f"{c['held']} of {c['cases']} within tolerance.",
        f"- **Reported** (not required): {st['reported']['cases']}.",
        "",
        "## Cases that fail, and why",
        "",
    ]
    failed = [r for r in results if r.holds is False]
    if not failed:
        lines.append("None.")
    for r in failed:
        lines.append(f"- **{r.id}** ({r.role}, {r.case.family}, {r.case.scope}): {_why(r)}. {r.case.note.split('. ')[0][:300]}.")
    if calibration:
        lines += ["", "## Calibration (`corridors calibrate`)", ""]
        meta = calibration.get("meta", {})
        lines.append(f"Fitted on {', '.join(meta.get('cases', []))} ({meta.get('date', '')}). Each parameter is bounded by its sources:")
        lines.append("")
        lines.append("| parameter | prior | fitted | bounds | why these bounds |")
        lines.append("|---|---:|---:|---|---|")
        loo: dict[str, float] = {}
        for key, f in calibration.get("fitted", {}).items():
            lines.append(
                f"| `{key}` | {f.get('prior')} | {f.get('value')} | {f.get('lower')}–{f.get('upper')} | {f.get('why_bounded', '')} |"
            )
            loo.update(f.get("loo_error_days", {}))
        if loo:
            lines += ["", "Leave-one-out error (each calibration case predicted by a fit to the others), days:", ""]
            lines += [f"- {k}: {val:+.2f}" for k, val in loo.items()]
            lines.append(f"- median absolute: {statistics.median(abs(x) for x in loo.values()):.2f} days")
    lines += ["", "## Every case", "", markdown_table(results), ""]
    return "\n".join(lines)


def main() -> None:
    """Print the validation table (``python -m corridors.validation``)."""
    print(markdown_table(run_cases()))


if __name__ == "__main__":
    main()
