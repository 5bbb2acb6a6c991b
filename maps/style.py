"""Map styling: one place for every colour, weight and dash pattern, shared by the layers and the
legend.

Each route has its own colour (:data:`ROUTE_COLORS`, Paul Tol's colour-blind-safe "muted" scheme);
the mode of a leg is told by its dash pattern (rail solid, sea dashed, ferry dotted, road
dash-dot), its status by opacity (planned and under-construction links faded), the best route by
weight and a white casing. The background network layer keeps one colour per mode.
"""

from __future__ import annotations

import html
from typing import Any

#: line style of a leg by mode: colour, weight (px) and the dash pattern of an operational leg
MODE_STYLE: dict[str, dict[str, Any]] = {
    "rail": {"color": "#b2182b", "weight": 3.5, "label": "rail"},
    "sea": {"color": "#2166ac", "weight": 3.0, "label": "sea"},
    "ferry": {"color": "#009688", "weight": 3.5, "label": "ferry (Caspian)"},
    "road": {"color": "#e08214", "weight": 3.0, "label": "road"},
}
OTHER_MODE = {"color": "#555555", "weight": 3.0, "label": "other"}

#: one colour per route, in route order: Paul Tol's "muted" qualitative scheme (9 colours, distinct
#: for colour-blind readers; https://personal.sron.nl/~pault/#sec:qualitative), then near-black
#: for a 10th route (``--alternatives`` allows 10). Reordered so the first routes differ most.
ROUTE_COLORS: tuple[str, ...] = (
    "#CC6677",  # rose
    "#332288",  # indigo
    "#117733",  # green
    "#DDCC77",  # sand
    "#88CCEE",  # cyan
    "#882255",  # wine
    "#44AA99",  # teal
    "#999933",  # olive
    "#AA4499",  # purple
    "#222222",  # near-black
)
ROUTE_COLOR_NOTE = 'Route colours: Paul Tol\'s colour-blind-safe "muted" scheme.'

#: dash pattern of a leg by mode, in multiples of the line weight (None: solid), and its line cap
MODE_DASH: dict[str, tuple[tuple[float, ...] | None, str]] = {
    "rail": (None, "round"),
    "sea": ((2.6, 1.8), "butt"),
    "ferry": ((0.01, 2.2), "round"),
    "road": ((2.6, 1.4, 0.01, 1.4), "round"),
}
MODE_DASH_TEXT = {"rail": "solid", "sea": "dashed", "ferry": "dotted", "road": "dash-dot"}

#: dash pattern of a leg of the background network layer by status (None: solid)
STATUS_DASH: dict[str, str | None] = {
    "operational": None,
    "under_construction": "7 6",
    "planned": "2 6",
}
#: planned and under-construction legs of a route are drawn faded (mode keeps the dash pattern)
STATUS_OPACITY: dict[str, float] = {"under_construction": 0.5, "planned": 0.35}

#: the best route (routes[0]) and the others
BEST_WEIGHT_FACTOR = 1.6
BEST_OPACITY = 1.0
OTHER_OPACITY = 0.85
HIGHLIGHT_EXTRA_WEIGHT = 3.0

BASELINE_COLOR = "#8c8c8c"
BASELINE_OPACITY = 0.55


#: CircleMarker styles by node role
def _node_style(radius: float, stroke: str, weight: float, fill: str, label: str) -> dict[str, Any]:
    return {
        "radius": radius,
        "color": stroke,
        "weight": weight,
        "fillColor": fill,
        "fillOpacity": 1.0,
        "opacity": 1.0,
        "label": label,
    }


NODE_STYLE: dict[str, dict[str, Any]] = {
    "port": _node_style(5.5, "#ffffff", 1.5, "#1f3b73", "port"),
    "rail_terminal": _node_style(5.0, "#ffffff", 1.5, "#404040", "rail terminal"),
    "border_crossing": _node_style(4.5, "#303030", 2.0, "#ffffff", "border crossing"),
    "gauge_change": _node_style(6.5, "#303030", 2.5, "#ffd400", "break of gauge"),
    "city": _node_style(4.0, "#ffffff", 1.5, "#808080", "city"),
    "junction": _node_style(3.5, "#ffffff", 1.0, "#808080", "junction"),
    "endpoint": _node_style(8.0, "#ffffff", 3.0, "#111111", "origin / destination"),
    "pass": _node_style(3.0, "#ffffff", 1.0, "#606060", "passed without a stop"),
}


#: polygon styles of chokepoints and seasonal zones
def _zone(stroke: str, weight: float, fill: str, opacity: float, label: str, **kw: Any) -> dict[str, Any]:
    return {
        "color": stroke,
        "weight": weight,
        "fillColor": fill,
        "fillOpacity": opacity,
        "label": label,
        **kw,
    }


ZONE_STYLE: dict[str, dict[str, Any]] = {
    "passed": _zone("#c04a00", 1.5, "#fdae61", 0.55, "chokepoint on a shown route"),
    "other": _zone("#8a8a8a", 1.0, "#bdbdbd", 0.25, "other chokepoint", dashArray="3 3"),
    "closed": _zone("#d7191c", 2.5, "#d7191c", 0.8, "closed / avoided", className="corr-closed"),
    "seasonal": _zone("#4a90c2", 1.0, "#9ecae1", 0.12, "seasonal (ice) zone", dashArray="6 4"),
}

CLOSED_LEG_STYLE: dict[str, Any] = {
    "color": "#d7191c",
    "weight": 5.0,
    "opacity": 0.9,
    "dashArray": "1 7",
    "lineCap": "round",
}
AVOIDED_COUNTRY_STYLE: dict[str, Any] = {
    "color": "#d7191c",
    "weight": 0.8,
    "fillColor": "#f4a6a6",
    "fillOpacity": 0.45,
    "className": "corr-closed-light",
}

LAND_STYLE: dict[str, Any] = {
    "color": "#b8b8b0",
    "weight": 0.6,
    "fillColor": "#f3f2ee",
    "fillOpacity": 1.0,
}
SEA_BACKGROUND = "#dce8f1"

NETWORK_OPACITY = 0.55
NETWORK_WEIGHT = 1.6

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def esc(value: object) -> str:
    """HTML-escape any value for text or an attribute. Also turns ` and $ into entities (inert in a
    JavaScript template literal) and { and } (inert for Jinja, which branca runs over its output)."""
    text = html.escape("" if value is None else str(value), quote=True)
    return text.replace("`", "&#96;").replace("$", "&#36;").replace("{", "&#123;").replace("}", "&#125;")


def srcdoc(page: str) -> str:
    """``page`` as an iframe's ``srcdoc`` attribute, quoted with ``'``: only ``&`` and ``'`` need
    escaping there, so the map's JSON keeps its ``"`` (about a sixth smaller than escaping every
    quote, on a 9-route map)."""
    return "srcdoc='" + page.replace("&", "&amp;").replace("'", "&#39;") + "'"


def mode_style(mode: str) -> dict[str, Any]:
    return MODE_STYLE.get(mode, OTHER_MODE)


def route_color(index: int) -> str:
    """The colour of route ``index`` (0 = the best route); wraps after :data:`ROUTE_COLORS`."""
    return ROUTE_COLORS[index % len(ROUTE_COLORS)]


def text_on(color: str) -> str:
    """Black or white, whichever reads better on ``color`` (a ``#rrggbb``)."""
    r, g, b = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return "#111" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5 else "#fff"


def dash_for(mode: str, weight: float) -> tuple[str | None, str]:
    """(Leaflet ``dashArray`` or None, ``lineCap``) of a leg of ``mode`` drawn ``weight`` px wide."""
    pattern, cap = MODE_DASH.get(mode, ((1.0, 1.0), "butt"))
    if pattern is None:
        return None, cap
    return " ".join(f"{x * weight:.3g}" for x in pattern), cap


def leg_style(mode: str, status: str, best: bool, baseline: bool = False, color: str | None = None) -> dict[str, Any]:
    """Leaflet path options of one leg of a route: ``color`` (the route's), dash by mode, opacity by
    status, heavier for the best route."""
    ms = mode_style(mode)
    weight = float(ms["weight"])
    weight = round(weight * (BEST_WEIGHT_FACTOR if best else 1.0) * (0.8 if baseline else 1.0), 2)
    opacity = BASELINE_OPACITY if baseline else (BEST_OPACITY if best else OTHER_OPACITY)
    opacity = round(opacity * STATUS_OPACITY.get(status, 1.0), 3)
    dash, cap = dash_for(mode, weight)
    style: dict[str, Any] = {
        "color": BASELINE_COLOR if baseline else (color or ms["color"]),
        "weight": weight,
        "opacity": opacity,
        "lineCap": cap,
        "lineJoin": "round",
    }
    if dash:
        style["dashArray"] = dash
    return style


def months_text(months: tuple[int, ...] | list[int] | None) -> str:
    """``(7, 8, 9, 10, 11)`` -> ``"Jul–Nov"``; runs joined with commas."""
    if not months:
        return "all year"
    ms = sorted({int(m) for m in months if 1 <= int(m) <= 12})
    runs: list[tuple[int, int]] = []
    for m in ms:
        if runs and m == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], m)
        else:
            runs.append((m, m))
    return ", ".join(MONTHS[a - 1] if a == b else f"{MONTHS[a - 1]}–{MONTHS[b - 1]}" for a, b in runs)
