"""Tooltip and popup HTML of the legs and places of a drawn route (the figures as in ``--format json``,
formatted as in the CLI's table)."""

from __future__ import annotations

from collections.abc import Sequence

from corridors.model import Move, Route, Stop, step_dict

from .figures import cli_number, days_text, fmt_metric, uncertainty
from .panels import badge_html
from .prepare import NODE_KIND_TEXT, Context, Drawn, MapNode, graph_node
from .style import esc, months_text


def table_html(rows: Sequence[tuple[str, str]]) -> str:
    return "<table>" + "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows if v not in ("", None)) + "</table>"


def _mode_text(mv: Move) -> str:
    text = mv.mode
    if mv.gauge_mm:
        text += f" ({mv.gauge_mm} mm gauge)"
    return text


def _others(mv: Move, d: Drawn, ctx: Context) -> list[int]:
    """The other routes that make this very move (the same legs from the same place to the same
    place). A voyage that only shares some sea-lane legs with another route is not "shared"."""
    if d.baseline:
        return []
    own = int(d.number) if d.number.isdigit() else -1
    return sorted(ctx.move_routes.get(mv.leg_ids, set()) - {own})


def _hours(h: float) -> str:
    return f"{cli_number(h)} h"


def leg_tip(mv: Move, d: Drawn, ctx: Context) -> str:
    sd = step_dict(mv)  # the leg's figures as in the JSON output
    head = f"{badge_html(d.number, d.color, best=d.best, baseline=d.baseline)} <b>{esc(mv.from_name)} → {esc(mv.to_name)}</b>"
    bits = [
        esc(_mode_text(mv)),
        f"{fmt_metric('length_km', sd['length_km'])} km",
        _hours(sd["moving_h"] + sd["wait_h"]),
    ]
    if mv.status != "operational":
        bits.append(f"<b>{esc(mv.status.replace('_', ' '))}</b>")
    line2 = " · ".join(bits)
    extra = []
    if mv.chokepoints:
        extra.append("via " + esc(", ".join(ctx.zone_name(c) for c in mv.chokepoints)))
    others = _others(mv, d, ctx)
    if others:
        extra.append(("also route " if len(others) == 1 else "also routes ") + ", ".join(str(o) for o in others))
    return head + "<br>" + line2 + ("<br>" + " · ".join(extra) if extra else "") + "<br><span class='corr-dim'>click for details</span>"


def _route_total(r: Route) -> str:
    """The route's door-to-door figures, as in the summary table."""
    s = r.summary()
    spread = " (P50, P10–P90)" if uncertainty(s) else ""
    return (
        f"{days_text(s)} days{spread}, {fmt_metric('length_km', s['length_km'])} km, "
        f"{fmt_metric('cost_usd', s['cost_usd'])} USD/TEU, {fmt_metric('co2_kg', s['co2_kg'])} kg CO₂/TEU"
    )


def leg_popup(mv: Move, d: Drawn, ctx: Context) -> str:
    sd = step_dict(mv)
    legs = list(mv.leg_ids)
    legs_text = ", ".join(legs[:3]) + (f" … ({len(legs)} sea-lane legs)" if len(legs) > 3 else "")
    time_text = _hours(sd["moving_h"]) + " moving" + (f" + {_hours(sd['wait_h'])} waits and delays (expected)" if sd["wait_h"] else "")
    rows = [
        ("mode", _mode_text(mv)),
        ("status", mv.status.replace("_", " ")),
        ("length", f"{fmt_metric('length_km', sd['length_km'])} km"),
        ("time", time_text),
        ("starts", f"day {cli_number(sd['start_h'] / 24)} after departure"),
        ("cost", f"{fmt_metric('cost_usd', sd['cost_usd'])} USD/TEU"),
        ("CO₂", f"{fmt_metric('co2_kg', sd['co2_kg'])} kg/TEU"),
        ("countries", ", ".join(ctx.country(c) for c in mv.countries) or "—"),
        ("chokepoints", ", ".join(ctx.zone_name(c) for c in mv.chokepoints) or "—"),
    ]
    if mv.months:
        rows.append(("season", f"open {months_text(mv.months)}"))
    rows.append(("legs", legs_text))
    others = _others(mv, d, ctx)
    if others:
        rows.append(("shared with", ("route " if len(others) == 1 else "routes ") + ", ".join(map(str, others))))
    rows.append(("whole route", _route_total(d.route)))
    n = len(d.route.caveats)
    if n:  # a pointer, not the text: the text is in the summary panel once, not in every leg's popup
        rows.append(("caveats", f"{n} for this route: see route {d.number} in the summary panel"))
    label = ("baseline " if d.baseline else "route ") + d.number + ": " + d.label
    return (
        f"<div class='corr-pop'><div class='corr-dim'>{esc(label)}</div>"
        f"<b>{esc(mv.from_name)} → {esc(mv.to_name)}</b>{table_html(rows)}"
        f"<div class='corr-src'>source: {esc(_source_text(mv.source) or '—')}</div></div>"
    )


def _stop_text(s: Stop) -> str:
    kind = s.kind.replace("_", " ").replace("+", " + ")
    modes = f" ({s.from_mode} → {s.to_mode})" if s.from_mode and s.to_mode and s.from_mode != s.to_mode else ""
    return f"{kind}{modes}: {s.dwell_h:,.1f} h, {s.cost_usd:,.0f} USD/TEU, day {s.start_h / 24:.1f}"


def node_tip(n: MapNode, ctx: Context) -> str:
    kind = NODE_KIND_TEXT.get(n.kind, n.kind)
    dwell = sum(s.dwell_h for s in n.stops)
    extra = f" · {dwell:,.1f} h dwell" if dwell else ""
    gauge = " · <b>break of gauge</b>" if n.role == "gauge_change" else ""
    return f"<b>{esc(n.name)}</b><br>{esc(kind)} · {esc(n.country or '—')}{extra}{gauge}"


def node_popup(n: MapNode, d: Drawn, ctx: Context) -> str:
    rows = [("kind", NODE_KIND_TEXT.get(n.kind, n.kind)), ("country", ctx.country(n.country))]
    for s in n.stops:
        rows.append(("stop", _stop_text(s)))
    if not n.stops:
        rows.append(("stop", "passes through without a stop"))
    gn = graph_node(ctx.G, n.id)
    if gn.get("note"):
        rows.append(("note", str(gn["note"])))
    if gn.get("source"):
        rows.append(("source", str(gn["source"])))
    rows.append(("id", n.id))
    head = f"<div class='corr-dim'>{esc('route ' + d.number + ': ' + d.label)}</div>"
    return f"<div class='corr-pop'>{head}<b>{esc(n.name)}</b>{table_html(rows)}</div>"


def _source_text(source: str) -> str:
    """A merged voyage repeats its legs' sources ("a; b; b; b"): show each part once."""
    return "; ".join(dict.fromkeys(p.strip() for p in source.split(";") if p.strip()))
