"""The summary table's rows and the title lines of a map: each route against its baseline, the
constraints and closures in words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from corridors.labels import SAME_ROUTE  # how the "same route" caveat begins: shown as a note on its row
from corridors.model import Route

from .panels import SummaryRow
from .prepare import Context, Drawn
from .style import months_text


def pair_baseline(routes: Sequence[Route], baseline: Sequence[Route]) -> list[int | None]:
    """For each baseline route, the index of the route of the same family (or label), or None."""
    key = {(r.family or r.label): i for i, r in reversed(list(enumerate(routes)))}
    return [key.get(b.family or b.label) for b in baseline]


def same_as_paired(routes: Sequence[Route], b: Route, p: int | None) -> bool:
    """Whether baseline route ``b`` is exactly the route it pairs with (same path, time and cost)."""
    return (
        p is not None
        and routes[p].leg_ids == b.leg_ids
        and abs(routes[p].time_h - b.time_h) < 0.24
        and abs(routes[p].cost_usd - b.cost_usd) < 1.0
    )


def paired(d: Drawn, baseline: Sequence[Route], pairs: Sequence[int | None]) -> Route | None:
    i = int(d.number) - 1
    return next((baseline[j] for j, p in enumerate(pairs) if p == i), None)


def baseline_text(routes: Sequence[Route], baseline: Sequence[Route], pairs: Sequence[int | None]) -> str:
    same = [j for j, p in enumerate(pairs) if same_as_paired(routes, baseline[j], p)]
    gone = [j for j, p in enumerate(pairs) if p is None]
    changed = [f"B{j + 1}" for j in range(len(baseline)) if j not in same and j not in gone]
    parts = []
    if changed:
        parts.append(f"{len(changed)} changed (grey layers {', '.join(changed)}; the small figures are the change)")
    if same:
        parts.append(f"{len(same)} unchanged")
    if gone:
        parts.append(f"{len(gone)} without a route now (grey rows)")
    return "Against the baseline: " + ", ".join(parts) + "."


def summary_row(d: Drawn, ctx: Context, before: Route | None = None) -> SummaryRow:
    r = d.route
    notes = []
    tags: list[str] = []
    deltas: dict[str, float] = {}
    summary = r.summary()
    if before is not None:
        if before.leg_ids == r.leg_ids and abs(r.time_h - before.time_h) < 0.24 and abs(r.cost_usd - before.cost_usd) < 1.0:
            tags.append("unchanged")  # same path, same time and cost: a slower same path shows its change
        else:
            old = before.summary()
            for key in ("time_days", "length_km", "cost_usd", "co2_kg", "exposure"):
                deltas[key] = float(summary[key]) - float(old[key])
    if d.baseline:
        notes.append("no route in this scenario")
    if r.not_operational:
        kinds = sorted({s.replace("_", " ") for _, s in r.not_operational})
        notes.append(f"uses {' and '.join(kinds)} links")
    months = None
    for mv in r.moves:
        if mv.months:
            months = set(mv.months) if months is None else months & set(mv.months)
    if months is not None:
        notes.append(f"seasonal: open {months_text(tuple(sorted(months)))}")
    # "the same route as the row ..." (corridors.labels.same_route_caveats) is not a detail: it says the
    # row is no second option, so it shows as a note; the other caveats are folded under the label.
    notes += [c for c in r.caveats if c.startswith(SAME_ROUTE)]
    folded = [c for c in r.caveats if not c.startswith(SAME_ROUTE)]
    return SummaryRow(
        number=d.number,
        label=d.label,
        summary=summary,
        chokepoints=[short_zone_name(ctx.zone_name(c)) for c in r.chokepoints],
        notes=notes,
        tags=tags,
        caveats=folded,
        deltas=deltas,
        bounds=d.bounds,
        best=d.best,
        baseline=d.baseline,
        color=d.color,
    )


def short_zone_name(name: str) -> str:
    """ "Strait of Hormuz" -> "Hormuz", "Suez Canal" -> "Suez": for the summary table."""
    out = re.sub(r"^(the |strait of )", "", name, flags=re.IGNORECASE)
    out = re.sub(r" (strait|canal|channel)$", "", out, flags=re.IGNORECASE)
    return out or name


def subtitle_lines(constraints: Any, closed_ch: Sequence[str], closed_legs: Sequence[str], ctx: Context) -> list[str]:
    out = []
    if constraints is not None:
        rules = constraints.describe()
        if rules:
            out.append("Constraints: " + "; ".join(rules) + ".")
    if closed_ch:
        out.append("Scenario: closed " + ", ".join(ctx.zone_name(c) for c in closed_ch) + ".")
    if closed_legs:
        out.append("Scenario: closed legs " + ", ".join(closed_legs) + ".")
    return out
