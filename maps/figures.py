"""The figures a map or report shows, taken from :meth:`corridors.model.Route.summary` (the values of
``--format json``) and formatted by the same function as the CLI's table, so the page, the table in
the terminal and the JSON output never disagree (no rounding of a raw float here: 19.75 days is
"19.8" everywhere, never "19.7" on the map).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from corridors.labels import fmt_number as cli_number  # the CLI table's formatter: one function for both

__all__ = ["METRICS", "cli_number", "days_text", "fmt_metric", "uncertainty"]


def _whole(v: Any) -> str:
    return f"{float(v):,.0f}"


#: (summary key, column header, formatter of the summary value, formatter of a change)
METRICS: tuple[tuple[str, str, Callable[[Any], str], str], ...] = (
    ("time_days", "days", cli_number, "{:+.1f}"),
    ("length_km", "km", _whole, "{:+,.0f}"),
    ("cost_usd", "USD/TEU", _whole, "{:+,.0f}"),
    ("co2_kg", "kg CO₂/TEU", _whole, "{:+,.0f}"),
    ("exposure", "exposure", cli_number, "{:+.1f}"),
)


def fmt_metric(key: str, value: Any) -> str:
    """A summary value as the map and report show it (days and exposure exactly as the CLI table)."""
    for k, _, fmt, _ in METRICS:
        if k == key:
            return fmt(value)
    return str(cli_number(value))


def uncertainty(summary: Mapping[str, Any]) -> tuple[float, float, float] | None:
    """(P10, P50, P90) of the door-to-door time in days when the route has them, else None."""
    vals = [summary.get(k) for k in ("time_p10_days", "time_p50_days", "time_p90_days")]
    if any(v is None for v in vals):
        return None
    return (float(vals[0]), float(vals[1]), float(vals[2]))  # type: ignore[arg-type]


def days_text(summary: Mapping[str, Any]) -> str:
    """Door-to-door days: "P50 (P10–P90)" when the route carries the spread, else the plain days."""
    u = uncertainty(summary)
    if u is None:
        return str(cli_number(summary["time_days"]))
    p10, p50, p90 = u
    return f"{cli_number(p50)} ({cli_number(p10)}–{cli_number(p90)})"
