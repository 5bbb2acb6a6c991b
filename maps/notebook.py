"""Rich display in Jupyter: a route or a comparison shows its summary table with the map beside it.

The core never imports the maps (its own ``_repr_html_`` is a plain table); this module registers
:func:`notebook_html` as IPython's HTML formatter for :class:`~corridors.model.Route` and
:class:`~corridors.routing.CompareResult`, which IPython prefers to the objects' own ``_repr_html_``.
``import corridors.maps`` in a running notebook does it (see :func:`register`), as does
``%load_ext corridors.maps``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from corridors.model import Route
from corridors.routing import CompareResult

from .panels import SummaryRow, summary_table
from .render import map_html, route_map, short_zone_name
from .style import esc, route_color, srcdoc

__all__ = ["load_ipython_extension", "notebook_html", "register"]

NOTEBOOK_CSS = """
.corr-nb { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; font-size: 12px; }
.corr-nb > div.corr-nb-table { flex: 1 1 420px; min-width: 360px; overflow-x: auto; }
.corr-nb > iframe { flex: 1 1 520px; min-width: 420px; height: 460px; border: 1px solid #ccc; }
.corr-nb table.corr-summary { border-collapse: collapse; font-variant-numeric: tabular-nums;
  font-size: 12px; }
.corr-nb table.corr-summary td.name { min-width: 14em; }
.corr-nb table.corr-summary th, .corr-nb table.corr-summary td { padding: 2px 6px; text-align: right;
  border-bottom: 1px solid #eee; vertical-align: top; }
.corr-nb table.corr-summary .l { text-align: left; }
.corr-nb td.corr-min { font-weight: 700; }
.corr-nb .corr-dim { color: #666; }
.corr-nb .corr-badge { display: inline-block; min-width: 16px; height: 16px; line-height: 16px;
  border-radius: 8px; font-size: 10px; font-weight: 700; text-align: center; padding: 0 2px; }
.corr-nb .corr-badge.best { box-shadow: 0 0 0 1.5px #111; }
"""


def notebook_html(routes: Sequence[Route], constraints: Any = None, title: str = "", G: Any = None) -> str:
    """The summary table of ``routes`` (figures of ``Route.to_dict()``) beside their map (an
    ``<iframe srcdoc>``, offline, with its panels folded)."""
    routes = list(routes)
    if not routes:
        return "<p>no route</p>"
    rows = []
    for i, r in enumerate(routes):
        d = r.to_dict()
        rows.append(
            SummaryRow(
                number=str(i + 1),
                label=str(d["label"]),
                summary=d,
                chokepoints=[short_zone_name(c) for c in r.chokepoints],
                caveats=list(r.caveats),
                best=i == 0,
                color=route_color(i),
            )
        )
    title = title or f"{routes[0].origin_name} → {routes[0].destination_name}"
    page = map_html(route_map(routes, G=G, title=title, constraints=constraints, panels_open=False, show_network=False))
    rules = constraints.describe() if constraints is not None else []
    sub = f"<div class='corr-dim'>{esc('; '.join(rules))}</div>" if rules else ""
    return (
        f"<style>{NOTEBOOK_CSS}</style>"
        f"<div class='corr-nb'><div class='corr-nb-table'><b>{esc(title)}</b>{sub}{summary_table(rows)}</div>"
        f"<iframe title='map' {srcdoc(page)}></iframe></div>"
    )


def _compare_html(res: CompareResult) -> str:
    return notebook_html(res.routes, constraints=res.constraints)


def _route_html(route: Route) -> str:
    return notebook_html([route])


def register(ipython: Any = None) -> bool:
    """Register the table-and-map display with ``ipython`` (the running IPython shell when omitted).
    Returns False, doing nothing, outside IPython."""
    if ipython is None:
        try:
            from IPython import get_ipython  # type: ignore[import-not-found, unused-ignore]
        except ImportError:
            return False
        ipython = get_ipython()
        if ipython is None:
            return False
    formatter = ipython.display_formatter.formatters["text/html"]
    formatter.for_type(Route, _route_html)
    formatter.for_type(CompareResult, _compare_html)
    return True


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext corridors.maps``: the same as :func:`register`."""
    register(ipython)
