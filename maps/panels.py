"""The HTML panels drawn on the map: the summary table of the routes and the legend, plus the page
CSS and the small JavaScript helpers the layers share. Every string from data goes through
:func:`esc`."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from branca.element import MacroElement

from .figures import METRICS, days_text, uncertainty
from .layers import render_macros_raw
from .style import (
    BASELINE_COLOR,
    BASELINE_OPACITY,
    CLOSED_LEG_STYLE,
    MODE_DASH_TEXT,
    MODE_STYLE,
    NODE_STYLE,
    ROUTE_COLOR_NOTE,
    SEA_BACKGROUND,
    STATUS_OPACITY,
    ZONE_STYLE,
    dash_for,
    esc,
    text_on,
)

try:  # folium >= 0.15 ships its own Template with the tojavascript filter
    from folium.template import Template
except ImportError:  # pragma: no cover
    from jinja2 import Template

PAGE_CSS = f"""
html, body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }}
.leaflet-container {{ background: {SEA_BACKGROUND}; font: 12px/1.35 system-ui, -apple-system,
  "Segoe UI", Roboto, Arial, sans-serif; }}
.corr-panel {{ background: rgba(255,255,255,0.94); border-radius: 6px; padding: 6px 9px;
  box-shadow: 0 1px 5px rgba(0,0,0,0.35); color: #222; max-width: 46vw; }}
.corr-panel.corr-summary-panel {{ max-width: 62vw; max-height: 46vh; overflow: auto; }}
.corr-panel details > summary {{ cursor: pointer; font-weight: 600; list-style-position: inside; }}
.corr-panel h1 {{ font-size: 14px; margin: 0 0 2px 0; font-weight: 650; }}
.corr-panel .corr-sub {{ color: #555; font-size: 11px; margin-bottom: 4px; }}
.corr-panel .corr-foot {{ color: #666; font-size: 10.5px; margin-top: 4px; }}
table.corr-summary td.corr-foot {{ white-space: normal; border: 0; padding-top: 4px; }}
table.corr-summary {{ border-collapse: collapse; font-size: 11px;
  font-variant-numeric: tabular-nums; }}
table.corr-summary th {{ text-align: right; font-weight: 600; color: #444; padding: 1px 5px;
  border-bottom: 1px solid #bbb; white-space: nowrap; }}
table.corr-summary th.l, table.corr-summary td.l {{ text-align: left; }}
table.corr-summary td {{ text-align: right; padding: 1px 5px; border-bottom: 1px solid #eee;
  white-space: nowrap; }}
table.corr-summary td.chk {{ white-space: normal; min-width: 9em; max-width: 16em; color: #444;
  line-height: 1.2; }}
table.corr-summary td.name {{ white-space: normal; min-width: 10em; max-width: 21em;
  line-height: 1.2; }}
table.corr-summary tr.corr-row {{ cursor: pointer; }}
table.corr-summary tr.corr-row:hover td {{ background: #f1f5fa; }}
table.corr-summary tr.corr-best td {{ background: #fff8e1; }}
table.corr-summary tr.corr-baseline td {{ color: #888; }}
table.corr-summary td.corr-min {{ font-weight: 700; }}
table.corr-summary .corr-note {{ color: #a15c00; font-size: 10.5px; }}
table.corr-summary .corr-tag {{ color: #888; font-size: 10px; }}
table.corr-summary td.cav {{ white-space: normal; max-width: 24em; color: #555; }}
.corr-cav > summary {{ cursor: pointer; color: #a15c00; white-space: nowrap; }}
.corr-cav ul {{ margin: 2px 0 2px 14px; padding: 0; font-size: 10.5px; min-width: 16em; }}
details.corr-cav-all {{ display: inline; }}
details.corr-cav-all > summary {{ display: inline; }}
details.corr-cav-all > summary::before {{ content: "▸ "; }}
details.corr-cav-all[open] > summary::before {{ content: "▾ "; }}
details.corr-cav-all ul {{ list-style: none; margin: 3px 0 4px 0; color: #333; }}
details.corr-cav-all li {{ margin: 1px 0; }}
table.corr-summary .corr-delta {{ font-size: 10px; font-weight: 400; }}
table.corr-summary .corr-delta.up {{ color: #b2182b; }}
table.corr-summary .corr-delta.down {{ color: #1a7f37; }}
.corr-badge {{ display: inline-block; min-width: 15px; height: 15px; line-height: 15px;
  border-radius: 8px; background: #263238; color: #fff; font-size: 10px; font-weight: 700;
  text-align: center; padding: 0 2px; box-sizing: border-box; }}
.corr-badge.best {{ box-shadow: 0 0 0 1.5px #111; }}
.corr-badge.base {{ background: {BASELINE_COLOR}; }}
.corr-badge-map {{ border: 2px solid #fff; box-shadow: 0 1px 3px rgba(0,0,0,0.5);
  min-width: 19px; height: 19px; line-height: 15px; border-radius: 10px; font-size: 11px; }}
.corr-dim {{ color: #777; }}
.corr-days {{ white-space: nowrap; }}
.corr-legend {{ font-size: 11px; max-width: 500px; }}
.corr-legend .corr-cols {{ display: flex; gap: 10px; align-items: flex-start; }}
.corr-legend table {{ border-collapse: collapse; }}
.corr-legend td {{ padding: 1px 4px; vertical-align: middle; white-space: nowrap; }}
.corr-legend .corr-h {{ font-weight: 600; color: #444; padding-top: 4px; }}
.corr-legend svg {{ display: block; }}
.leaflet-control-layers {{ font-size: 12px; }}
.leaflet-control-layers-expanded {{ max-width: 330px; }}
.leaflet-control-layers-overlays label {{ margin: 1px 0; }}
.leaflet-tooltip.corr-tip {{ font-size: 11.5px; padding: 4px 7px; width: max-content;
  min-width: 200px; max-width: 340px; white-space: normal; line-height: 1.35; }}
.leaflet-popup-content {{ min-width: 220px; }}
.corr-lbl {{ background: none; border: 0; }}
.corr-lbl > span {{ position: absolute; white-space: nowrap; transform: translate(-50%, -50%);
  pointer-events: none; text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; }}
.corr-lbl-country > span {{ color: #6b6b63; font-size: 11px; letter-spacing: 0.04em;
  text-transform: uppercase; font-weight: 600; }}
.corr-lbl-sea > span {{ color: #3f6f95; font-size: 11.5px; font-style: italic;
  letter-spacing: 0.05em; text-shadow: 0 0 2px {SEA_BACKGROUND}, 0 0 3px {SEA_BACKGROUND}; }}
.corr-lbl-city > span {{ color: #202020; font-size: 11px; transform: translate(5px, -50%); }}
.corr-lbl-city > span::before {{ content: ""; position: absolute; left: -7px; top: 50%;
  width: 4px; height: 4px; margin-top: -2px; border-radius: 50%; background: #444; }}
.leaflet-pane[class*="leaflet-corr-route-"] > svg {{
  filter: drop-shadow(0 0 0.6px rgba(0,0,0,0.75)); }}
.leaflet-corr-route-1-pane > svg {{ filter: drop-shadow(0 0 1.2px #fff) drop-shadow(0 0 1.2px #fff)
  drop-shadow(0 0 0.6px rgba(0,0,0,0.8)); }}
.leaflet-tooltip.corr-label {{ background: rgba(255,255,255,0.9); border: 0; box-shadow: none;
  font-weight: 700; font-size: 12px; padding: 1px 4px; color: #111; }}
.leaflet-tooltip.corr-label::before {{ display: none; }}
.corr-pop {{ font-size: 12px; }}
.corr-pop table {{ border-collapse: collapse; margin-top: 3px; }}
.corr-pop th {{ text-align: left; color: #555; font-weight: 600; padding: 1px 8px 1px 0;
  vertical-align: top; white-space: nowrap; }}
.corr-pop td {{ padding: 1px 0; vertical-align: top; overflow-wrap: anywhere; }}
.corr-pop .corr-src {{ color: #666; font-size: 11px; }}
.leaflet-container path:focus {{ outline: none; }}
.leaflet-pane path.corr-closed {{ fill: url(#corr-hatch); fill-opacity: 1; }}
.leaflet-pane path.corr-closed-light {{ fill: url(#corr-hatch-light); fill-opacity: 1; }}
@media print {{ .leaflet-control-layers, .leaflet-control-zoom {{ display: none; }}
  .corr-panel:has(> details:not([open])) {{ display: none; }} }}
"""

#: shared JavaScript: bind a feature's pre-escaped tooltip / popup / label / hover style
PAGE_JS = """
function corridorsFit(map, latlngs) {
  // fit the bounds into the part of the map the controls leave free
  var bounds = L.latLngBounds(latlngs), box = map.getContainer(), size = map.getSize(), m = 24;
  var c = box.getBoundingClientRect(), right = 0, top = 0, bottom = 0;
  box.querySelectorAll('.leaflet-top.leaflet-right > .leaflet-control').forEach(function (el) {
    var r = el.getBoundingClientRect();
    right = Math.max(right, c.right - r.left);
    top = Math.max(top, r.bottom - c.top);
  });
  box.querySelectorAll('.leaflet-bottom > .corr-panel').forEach(function (el) {
    bottom = Math.max(bottom, c.bottom - el.getBoundingClientRect().top);
  });
  right = Math.min(right + m, size.x * 0.4);
  top = Math.min(top + m, size.y * 0.4);
  bottom = Math.min(bottom + m, size.y * 0.5);
  // clear of the layer control: beside it (a) or below it (b), whichever zooms in more
  var a = {paddingTopLeft: [m, m], paddingBottomRight: [right, bottom]};
  var b = {paddingTopLeft: [m, top], paddingBottomRight: [m, bottom]};
  function zoom(o) {
    return map.getBoundsZoom(bounds, false, L.point(o.paddingTopLeft).add(o.paddingBottomRight));
  }
  var best = zoom(b) > zoom(a) ? b : a;
  best.maxZoom = 8;
  map.fitBounds(bounds, best);
}

function corridorsLabels(map, items, pane) {
  // items: [escaped text, lat, lon, min zoom, css class, width px], by priority; class
  // corr-lbl-reserve only keeps its place free (a label drawn otherwise, e.g. the origin's)
  var group = L.layerGroup(), h = 14;
  var marks = items.map(function (it) {
    var icon = L.divIcon({className: 'corr-lbl ' + it[4], html: '<span>' + it[0] + '</span>',
      iconSize: null});
    return {it: it, m: L.marker([it[1], it[2]], {icon: icon, interactive: false, keyboard: false,
      pane: pane})};
  });
  function place() {
    if (!map.hasLayer(group)) return;
    var z = map.getZoom(), boxes = [];
    marks.forEach(function (o) {
      var it = o.it, show = z >= it[3];
      if (show) {
        var p = map.latLngToLayerPoint([it[1], it[2]]), w = it[5];
        var b = it[4] !== 'corr-lbl-country' && it[4] !== 'corr-lbl-sea'
                                           ? [p.x - 3, p.y - h / 2, p.x + w + 6, p.y + h / 2]
                                           : [p.x - w / 2, p.y - h / 2, p.x + w / 2, p.y + h / 2];
        show = !boxes.some(function (q) {
          return b[0] < q[2] && b[2] > q[0] && b[1] < q[3] && b[3] > q[1];
        });
        if (show || it[4] === 'corr-lbl-reserve') boxes.push(b);
        if (it[4] === 'corr-lbl-reserve') show = false;
      }
      if (show && !group.hasLayer(o.m)) group.addLayer(o.m);
      if (!show && group.hasLayer(o.m)) group.removeLayer(o.m);
    });
  }
  group.on('add', function () { place(); setTimeout(place, 0); });
  map.on('zoomend', place);
  return group;
}

function corridorsBind(feature, layer) {
  var p = feature.properties || {};
  if (p.label) {
    layer.bindTooltip(p.label, {permanent: true, direction: p.label_dir || 'right',
      offset: p.label_dir === 'left' ? [-9, 0] : [9, 0], className: 'corr-label',
      interactive: false});
  } else if (p.tip) {
    layer.bindTooltip(p.tip, {sticky: true, direction: 'top', offset: [0, -6], opacity: 0.97,
      className: 'corr-tip'});
  }
  if (p.popup) {
    layer.bindPopup(p.popup, {maxWidth: 380, minWidth: 200, className: 'corr-popup'});
  }
  if (p.hl && layer.setStyle) {
    var over = Object.assign({}, p.style, {weight: (p.style.weight || 2) + p.hl, opacity: 1});
    layer.on('mouseover', function () { layer.setStyle(over); });
    layer.on('mouseout', function () { layer.setStyle(p.style); });
  }
}
"""

HATCH_SVG = """<svg width="0" height="0" style="position:absolute" aria-hidden="true"
 focusable="false">
<defs>
<pattern id="corr-hatch" patternUnits="userSpaceOnUse" width="6" height="6"
 patternTransform="rotate(45)">
<rect width="6" height="6" fill="#d7191c" fill-opacity="0.18"/>
<line x1="0" y1="0" x2="0" y2="6" stroke="#d7191c" stroke-width="2.6"/></pattern>
<pattern id="corr-hatch-light" patternUnits="userSpaceOnUse" width="8" height="8"
 patternTransform="rotate(45)">
<rect width="8" height="8" fill="#f4a6a6" fill-opacity="0.35"/>
<line x1="0" y1="0" x2="0" y2="8" stroke="#d7191c" stroke-width="1" stroke-opacity="0.6"/></pattern>
</defs></svg>"""


class PanelControl(MacroElement):
    """A Leaflet control showing an HTML panel. The panel's HTML is a ``<div>`` in the page body
    (visible in the page source, readable without JavaScript); the control moves it into a map
    corner so it stacks with the other controls instead of covering them."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        {{ this.panel_html }}
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function () {
            var ctl = L.control({position: {{ this.position|tojson }}});
            ctl.onAdd = function () {
                var el = document.getElementById({{ this.element_id|tojson }});
                L.DomEvent.disableClickPropagation(el);
                L.DomEvent.disableScrollPropagation(el);
                return el;
            };
            ctl.addTo({{ this._parent.get_name() }});
            {{ this.extra_js.replace('{map}', this._parent.get_name()) }}
        })();
        {% endmacro %}
        """
    )

    def __init__(self, element_id: str, panel_html: str, position: str, extra_js: str = "") -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "PanelControl"
        self.element_id = element_id
        self.panel_html = panel_html
        self.position = position
        self.extra_js = extra_js

    def render(self, **kwargs: Any) -> str:
        render_macros_raw(self, **kwargs)
        return ""


class MapScript(MacroElement):
    """A script run after the map exists; ``{map}`` in ``code`` is replaced by its JS name."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.code.replace('{map}', this._parent.get_name()) }}
        {% endmacro %}
        """
    )

    def __init__(self, code: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "MapScript"
        self.code = code

    def render(self, **kwargs: Any) -> str:
        render_macros_raw(self, **kwargs)
        return ""


# ---------------------------------------------------------------------------------------- summary
@dataclass
class SummaryRow:
    number: str
    label: str
    summary: Mapping[str, Any]  # Route.summary(): the values of the JSON output
    chokepoints: list[str]
    notes: list[str] = field(default_factory=list)
    deltas: dict[str, float] = field(default_factory=dict)  # change against the baseline
    tags: list[str] = field(default_factory=list)  # short grey words after the label
    caveats: list[str] = field(default_factory=list)  # Route.caveats: folded under the label
    bounds: list[list[float]] | None = None
    best: bool = False
    baseline: bool = False
    color: str = BASELINE_COLOR


def badge_html(number: str, color: str, best: bool = False, baseline: bool = False, on_map: bool = False) -> str:
    """The route-number badge, in the route's colour (the colour of its lines)."""
    cls = "corr-badge" + (" best" if best else "") + (" base" if baseline else "") + (" corr-badge-map" if on_map else "")
    tag = "div" if on_map else "span"
    style = f"background:{esc(color)};color:{text_on(color)}"
    return f'<{tag} class="{cls}" style="{style}">{esc(number)}</{tag}>'


CAVEATS_TH = '<th class="l">caveats</th>'


def summary_table(
    rows: Sequence[SummaryRow], table_id: str = "", foot: str = "", caveats_open: bool = False, caveats_column: bool = True
) -> str:
    """The comparison table: one row per route, figures from its summary (as the JSON output),
    formatted as the CLI table formats them; the best value of each column in bold. Each figure
    cell carries ``data-key`` and ``data-value`` (the JSON value) so it can be checked. Each row's
    caveats in a last column (folded unless ``caveats_open``), unless not ``caveats_column`` (the map's
    panel lists them under its title instead: see :func:`caveats_list`)."""
    mins: dict[str, float] = {}
    for key, _, _, _ in METRICS:
        vals = [float(r.summary[key]) for r in rows if not r.baseline]
        if len(vals) > 1:
            mins[key] = min(vals)
    head = "".join(f"<th>{esc(h)}</th>" for _, h, _, _ in METRICS)
    has_spread = any(uncertainty(r.summary) for r in rows)
    if has_spread:
        head = head.replace("<th>days</th>", '<th title="median (10th–90th percentile)">days P50 (P10–P90)</th>', 1)
    body = []
    for r in rows:
        cls = "corr-row" + (" corr-best" if r.best else "") + (" corr-baseline" if r.baseline else "")
        cells = []
        for key, _, fmt, dfmt in METRICS:
            v = r.summary[key]
            hit = key in mins and not r.baseline and abs(float(v) - mins[key]) < 1e-9
            attr = ' class="corr-min"' if hit else ""
            d = r.deltas.get(key)
            delta = ""
            if d is not None and dfmt.format(d).lstrip("+-").strip("0.,") != "":
                cls_d = "corr-delta up" if d > 0 else "corr-delta down"
                delta = f' <span class="{cls_d}">{esc(dfmt.format(d))}</span>'
            text = days_text(r.summary) if key == "time_days" else fmt(v)
            cells.append(f'<td{attr} data-key="{key}" data-value="{esc(v)}">{esc(text)}{delta}</td>')
        notes = f'<br><span class="corr-note">{esc("; ".join(r.notes))}</span>' if r.notes else ""
        notes = "".join(f' <span class="corr-tag">{esc(t)}</span>' for t in r.tags) + notes
        bounds = f' data-bounds="{esc(json.dumps(r.bounds))}"' if r.bounds else ""
        body.append(
            f'<tr class="{cls}"{bounds} data-route="{esc(r.number)}"><td class="l name">'
            f"{badge_html(r.number, r.color, best=r.best, baseline=r.baseline)} {esc(r.label)}{notes}</td>"
            f"{''.join(cells)}"
            f'<td class="l chk">{esc(", ".join(r.chokepoints) or "—")}</td>'
            + (f'<td class="l cav">{caveats_html(r.caveats, caveats_open) or "—"}</td>' if caveats_column else "")
            + "</tr>"
        )
    tid = f' id="{esc(table_id)}"' if table_id else ""
    tfoot = (
        f'<tfoot><tr><td colspan="{len(METRICS) + 2 + caveats_column}" class="l corr-foot">{esc(foot)}</td></tr></tfoot>' if foot else ""
    )
    return (
        f'<table class="corr-summary"{tid}><thead><tr><th class="l">route</th>{head}'
        '<th class="l">chokepoints</th>'
        f"{CAVEATS_TH if caveats_column else ''}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody>{tfoot}</table>"
    )


def caveats_html(caveats: Sequence[str], open_: bool = False) -> str:
    """A route's caveats (as the CLI's notes and the JSON's ``caveats``), folded unless ``open_``:
    their number opens the list. In a column of their own, one number wide when folded, so the folded
    table is no taller or wider than it needs (the map is fitted beside and above the panels)."""
    if not caveats:
        return ""
    items = "".join(f"<li>{esc(c)}</li>" for c in caveats)
    word = "caveat" if len(caveats) == 1 else "caveats"
    return (
        f'<details class="corr-cav"{" open" if open_ else ""}><summary title="{len(caveats)} {word}: click to read">'
        f"{len(caveats)}</summary><ul>{items}</ul></details>"
    )


def caveats_list(rows: Sequence[SummaryRow]) -> str:
    """Every row's caveats in one folded list, "N caveats on routes …", each item led by its route's
    badge: inline, so the folded panel is no taller or wider (the map is fitted beside and above it)."""
    items = [(r, c) for r in rows for c in r.caveats]
    if not items:
        return ""
    numbers = ", ".join(dict.fromkeys(r.number for r, _ in items))
    lis = "".join(f"<li>{badge_html(r.number, r.color, baseline=r.baseline)} {esc(c)}</li>" for r, c in items)
    word = "caveat" if len(items) == 1 else "caveats"
    return f'<details class="corr-cav corr-cav-all"><summary>{len(items)} {word} on routes {esc(numbers)}</summary><ul>{lis}</ul></details>'


def summary_html(title: str, subtitle: Sequence[str], rows: Sequence[SummaryRow], foot: str, open_: bool = True) -> str:
    lines = [esc(s) for s in subtitle if s]
    cav = caveats_list(rows)
    if cav:  # on the last subtitle line, after its text
        lines = [*lines[:-1], (lines[-1] + " · " if lines else "") + cav]
    sub = "".join(f'<div class="corr-sub">{line}</div>' for line in lines)
    return (
        '<div id="corridors-summary" class="corr-panel corr-summary-panel">'
        f"<details{' open' if open_ else ''}><summary><h1 style='display:inline'>"
        f"{esc(title or 'Corridors')}</h1></summary>"
        f"{sub}{summary_table(rows, foot=foot, caveats_column=False)}</details></div>"
    )


SUMMARY_JS = """
var rows = document.querySelectorAll('#corridors-summary tr[data-bounds]');
rows.forEach(function (tr) {
  tr.title = 'zoom to this route';
  tr.querySelectorAll('details.corr-cav').forEach(function (d) {
    d.addEventListener('click', function (e) { e.stopPropagation(); });
  });
  tr.addEventListener('click', function () {
    corridorsFit({map}, JSON.parse(tr.getAttribute('data-bounds')));
  });
});
"""


# ----------------------------------------------------------------------------------------- legend
def _line_svg(color: str, weight: float, dash: str | None = None, opacity: float = 1.0, cap: str = "butt", halo: bool = False) -> str:
    d = f' stroke-dasharray="{esc(dash)}"' if dash else ""
    under = f'<line x1="3" y1="5" x2="27" y2="5" stroke="#fff" stroke-width="{weight + 3:g}" stroke-linecap="{cap}"/>' if halo else ""
    return (
        f'<svg width="30" height="10" style="background:#dce8f1">{under}<line x1="3" y1="5" x2="27" y2="5" stroke="{esc(color)}" '
        f'stroke-width="{weight:g}" stroke-opacity="{opacity:g}"{d} stroke-linecap="{esc(cap)}"/></svg>'
    )


def _colors_svg(colors: Sequence[str]) -> str:
    w = 6
    rects = "".join(f'<rect x="{1 + i * w}" y="2" width="{w}" height="6" fill="{esc(c)}"/>' for i, c in enumerate(colors))
    return f'<svg width="{max(30, 2 + w * len(colors))}" height="10">{rects}</svg>'


def _dot_svg(style: dict[str, Any]) -> str:
    r = min(float(style["radius"]), 6.0)
    return (
        f'<svg width="30" height="15"><circle cx="15" cy="7.5" r="{r:g}" '
        f'fill="{esc(style["fillColor"])}" '
        f'stroke="{esc(style["color"])}" stroke-width="{float(style["weight"]):g}"/></svg>'
    )


def _area_svg(style: dict[str, Any], hatch: str | None = None) -> str:
    fill = f"url(#{hatch})" if hatch else esc(style["fillColor"])
    op = 1.0 if hatch else float(style.get("fillOpacity", 0.3))
    dash = f' stroke-dasharray="{esc(style["dashArray"])}"' if style.get("dashArray") else ""
    return (
        f'<svg width="30" height="12"><rect x="2" y="1" width="26" height="10" fill="{fill}" '
        f'fill-opacity="{op:g}" stroke="{esc(style["color"])}" stroke-width="1.2"{dash}/></svg>'
    )


def legend_html(
    modes: Sequence[str],
    statuses: Sequence[str],
    node_roles: Sequence[str],
    zone_kinds: Sequence[str],
    baseline: bool,
    several_routes: bool,
    closed_legs: bool,
    avoided_countries: bool,
    basemap_note: str,
    colors: Sequence[str] = (),
    open_: bool = True,
) -> str:
    """The legend in two columns: lines on the left, places and areas on the right. Only what the
    map shows is listed (no "baseline" entry without baseline routes, ...)."""
    cols: list[list[str]] = [[], []]

    def head(col: int, text: str) -> None:
        cols[col].append(f'<tr><td colspan="2" class="corr-h">{esc(text)}</td></tr>')

    def row(col: int, symbol: str, text: str) -> None:
        cols[col].append(f"<tr><td>{symbol}</td><td>{esc(text)}</td></tr>")

    head(0, "Legs by mode (line pattern)")
    for m in [m for m in MODE_STYLE if m in modes] or ["rail", "sea"]:
        st = MODE_STYLE[m]
        dash, cap = dash_for(m, 3.0)
        row(0, _line_svg("#333", 3.0, dash, cap=cap), f"{st['label']}: {MODE_DASH_TEXT.get(m, 'other')}")
    if len(statuses) > 1:
        head(0, "Status")
        for s in ("operational", "under_construction", "planned"):
            if s in statuses:
                row(
                    0,
                    _line_svg("#333", 3, opacity=STATUS_OPACITY.get(s, 1.0)),
                    s.replace("_", " ") + ("" if s == "operational" else " (faded)"),
                )
    head(0, "Routes (colour)")
    if colors:
        row(0, _colors_svg(colors), "one colour per route")
    if several_routes:
        row(0, _line_svg(colors[0] if colors else "#333", 3 * 1.6, halo=True), "best (no. 1): heavier, cased")
        row(0, _line_svg(colors[1] if len(colors) > 1 else "#333", 3, opacity=0.85), "alternatives")
    if baseline:
        row(0, _line_svg(BASELINE_COLOR, 2.4, opacity=BASELINE_OPACITY + 0.2), "baseline (before)")
    if closed_legs:
        row(0, _line_svg(CLOSED_LEG_STYLE["color"], 4, "1 5"), "closed / avoided leg")
    row(0, '<span class="corr-badge" style="margin-left:9px;background:#555;color:#fff">2</span>', "route number")
    head(1, "Places")
    for role in ["endpoint", *[r for r in NODE_STYLE if r != "endpoint" and r in node_roles]]:
        row(1, _dot_svg(NODE_STYLE[role]), NODE_STYLE[role]["label"])
    if zone_kinds or avoided_countries:
        head(1, "Areas")
        for k in ("passed", "other", "closed", "seasonal"):
            if k in zone_kinds:
                st = ZONE_STYLE[k]
                row(1, _area_svg(st, "corr-hatch" if k == "closed" else None), st["label"])
        if avoided_countries:
            hatch = _area_svg({"color": "#d7191c", "fillColor": "#f4a6a6"}, "corr-hatch-light")
            row(1, hatch, "avoided country")
    tables = "".join(f'<table class="corr-col">{"".join(c)}</table>' for c in cols if c)
    return (
        '<div id="corridors-legend" class="corr-panel corr-legend">'
        f"<details{' open' if open_ else ''}><summary>Legend</summary>"
        f'<div class="corr-cols">{tables}</div>'
        f'<div class="corr-foot">{esc(basemap_note)} {esc(ROUTE_COLOR_NOTE)}</div></details></div>'
    )
