"""One self-contained HTML page to hand a colleague: the map, the comparison table, each route's legs
and stops, the constraints applied, the assumptions, the model's figures with their sources, and the
data sources. Printable (a print stylesheet; :func:`corridors.maps.browser.print_pdf` makes a PDF).

The report computes no figure of its own: every number is a value of :meth:`Route.to_dict` (the
``--format json`` output) or of the parameters, formatted as the CLI formats it
(:mod:`corridors.maps.figures`).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridors import __version__
from corridors.convert import write_atomic
from corridors.model import Route

from .figures import cli_number, days_text, fmt_metric, uncertainty
from .offline import generator_meta
from .panels import SummaryRow, badge_html, summary_table
from .render import map_html, route_map, short_zone_name
from .style import esc, route_color, srcdoc

if TYPE_CHECKING:
    import networkx as nx

    from corridors.params import Parameters
    from corridors.routing import Constraints

__all__ = ["ASSUMPTIONS", "report_html", "save_report"]

SECTIONS = (
    ("map", "Map"),
    ("comparison", "Comparison"),
    ("constraints", "Constraints applied"),
    ("routes", "Routes: legs and stops"),
    ("assumptions", "Assumptions"),
    ("parameters", "Calibrated and sourced figures"),
    ("sources", "Data sources"),
)

#: what every figure in the report rests on (true of the model in corridors/engine.py and params)
ASSUMPTIONS = (
    "Times are door to door: moving time at the speeds below, dwell at transfers, transshipments, "
    "borders and breaks of gauge, and waits for a scheduled departure where a service has one.",
    "Cost and CO₂ are estimates per TEU from the cost model and the figures below (per km by mode, "
    "handling per transfer), not freight quotes.",
    "Exposure is the weighted count of chokepoints passed (each weighs the default chokepoint "
    "weight below unless a --chokepoint-weight is given).",
    "Seasonal legs (the Northern Sea Route, the ice-bound northern Caspian) are open only in the "
    "months noted; without a departure date the season is noted, not enforced.",
    "Planned and under-construction links are used only when asked for (--include-planned).",
    "Sea distances follow the Eurostat SeaRoute lane network; land legs are hand-drawn (see the data sources).",
)

REPORT_CSS = """
:root { --ink: #222; --dim: #666; --rule: #d9d9d9; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: var(--ink); margin: 0 auto; max-width: 1180px; padding: 18px 24px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 3px; border-bottom: 2px solid #333; }
h3 { font-size: 15px; margin: 20px 0 6px; }
.meta, .dim { color: var(--dim); font-size: 12px; }
nav ol { columns: 2; font-size: 13px; margin: 8px 0; }
iframe.map { width: 100%; height: 720px; border: 1px solid var(--rule); border-radius: 4px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
table.corr-summary { font-size: 13px; width: 100%; }
table.corr-summary th, table.corr-summary td { padding: 3px 6px; text-align: right;
  border-bottom: 1px solid #eee; vertical-align: top; }
table.corr-summary th { border-bottom: 1px solid #999; white-space: nowrap; }
table.corr-summary .l { text-align: left; }
table.corr-summary td.corr-min { font-weight: 700; }
table.corr-summary tr.corr-best td { background: #fff8e1; }
table.corr-summary .corr-note { color: #a15c00; font-size: 12px; }
.corr-cav { font-size: 12px; color: #555; } .corr-cav > summary { cursor: pointer; color: #a15c00; }
.corr-cav ul { margin: 2px 0 2px 16px; padding: 0; }
.corr-badge { display: inline-block; min-width: 17px; height: 17px; line-height: 17px;
  border-radius: 9px; font-size: 11px; font-weight: 700; text-align: center; padding: 0 3px; }
.corr-badge.best { box-shadow: 0 0 0 1.5px #111; }
table.steps, table.params, table.md { font-size: 12.5px; width: 100%; margin: 4px 0 10px; }
table.steps th, table.steps td, table.params th, table.params td, table.md th, table.md td {
  border-bottom: 1px solid #eee; padding: 2px 6px; vertical-align: top; text-align: left; }
table.steps th, table.params th, table.md th { border-bottom: 1px solid #999; }
table.steps td.n, table.params td.n { text-align: right; white-space: nowrap; }
table.steps tr.stop td { color: #555; background: #fafafa; }
table.steps td:nth-child(3) { min-width: 15em; } table.steps td.src { font-size: 11.5px; }
dl.totals { display: grid; grid-template-columns: max-content 1fr; gap: 1px 12px; margin: 4px 0; }
dl.totals dt { color: var(--dim); } dl.totals dd { margin: 0; }
.tag { display: inline-block; font-size: 11px; padding: 0 5px; border-radius: 3px;
  background: #eee; color: #444; }
.tag.cal { background: #e3f2fd; color: #0d47a1; } .tag.ass { background: #fff3e0; color: #8a4b00; }
.src { color: #555; font-size: 12px; }
section.route { break-inside: auto; }
.md h3 { font-size: 15px; } .md h4 { font-size: 14px; margin: 12px 0 4px; }
.md { border-top: 1px solid var(--rule); margin-top: 14px; overflow-wrap: anywhere; }
.md table.md td { font-size: 12px; }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { max-width: none; padding: 0; font-size: 11px; }
  nav, .no-print { display: none; }
  h2 { break-after: avoid; }
  iframe.map { height: 170mm; break-inside: avoid; }
  section { break-inside: auto; }
  tr, dl.totals { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  section#routes section.route { break-before: auto; }
  .md { font-size: 10px; } table.steps td.src { font-size: 9.5px; }
}
"""


def _badge(i: int, best: bool) -> str:
    return badge_html(str(i + 1), route_color(i), best=best)


def _num(key: str, value: Any, text: str | None = None) -> str:
    """A figure cell carrying the JSON value it shows (``data-key`` / ``data-value``)."""
    shown = fmt_metric(key, value) if text is None else text
    return f'<td class="n" data-key="{esc(key)}" data-value="{esc(value)}">{esc(shown)}</td>'


def _steps_table(d: Mapping[str, Any], zone_name: Any) -> str:
    rows = []
    for st in d["steps"]:
        day = cli_number(st["start_h"] / 24)
        if st["type"] == "leg":
            status = "" if st["status"] == "operational" else f" <span class='tag ass'>{esc(st['status'].replace('_', ' '))}</span>"
            chk = ", ".join(short_zone_name(zone_name(c)) for c in st["chokepoints"]) or ""
            hours = st["moving_h"] + st["wait_h"]
            rows.append(
                "<tr class='leg'>"
                f"<td class='n'>{esc(day)}</td><td>{esc(st['mode'])}{status}</td>"
                f"<td>{esc(st['from_name'])} → {esc(st['to_name'])}</td>"
                f"{_num('length_km', st['length_km'])}"
                f"{_num('moving_h', hours, cli_number(hours))}"
                f"{_num('cost_usd', st['cost_usd'])}{_num('co2_kg', st['co2_kg'])}"
                f"<td>{esc(chk)}</td><td class='src'>{esc(_dedupe(st['source']))}</td></tr>"
            )
        else:
            modes = (
                f" ({st['from_mode']} → {st['to_mode']})" if st["from_mode"] and st["to_mode"] and st["from_mode"] != st["to_mode"] else ""
            )
            rows.append(
                "<tr class='stop'>"
                f"<td class='n'>{esc(day)}</td><td>stop</td>"
                f"<td>{esc(st['name'])} ({esc(st['country'] or '—')}): {esc(st['kind'].replace('_', ' '))}{esc(modes)}</td>"
                "<td></td>"
                f"{_num('dwell_h', st['dwell_h'], cli_number(st['dwell_h']))}"
                f"{_num('cost_usd', st['cost_usd'])}{_num('co2_kg', st['co2_kg'])}<td></td><td></td></tr>"
            )
    head = "<tr><th>day</th><th>mode</th><th>leg or stop</th><th>km</th><th>hours</th><th>USD/TEU</th><th>kg CO₂/TEU</th><th>chokepoints</th><th>source</th></tr>"
    return f"<table class='steps'><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"


def _dedupe(source: str) -> str:
    return "; ".join(dict.fromkeys(p.strip() for p in source.split(";") if p.strip()))


def _route_section(i: int, r: Route, d: Mapping[str, Any], zone_name: Any) -> str:
    s = d  # to_dict() holds the summary keys
    spread = " (P50, P10–P90)" if uncertainty(s) else ""
    items = [
        (
            "door to door",
            f"{days_text(s)} days{spread} (moving {cli_number(s['moving_days'])}, dwell and waits {cli_number(s['dwell_days'])})",
        ),
        ("distance", f"{fmt_metric('length_km', s['length_km'])} km (sea {fmt_metric('length_km', s['sea_nm'])} nm)"),
        ("cost", f"~{fmt_metric('cost_usd', s['cost_usd'])} USD/TEU (estimate)"),
        ("CO₂", f"~{fmt_metric('co2_kg', s['co2_kg'])} kg/TEU (estimate)"),
        (
            "exposure",
            f"{fmt_metric('exposure', s['exposure'])} ({', '.join(short_zone_name(zone_name(c)) for c in r.chokepoints) or 'no chokepoint'})",
        ),
        ("countries", s["countries"] or "none"),
        ("ports called", s["ports"] or "none"),
        ("transfers, borders, gauge changes", f"{s['transshipments']}, {s['border_crossings']}, {s['gauge_changes']}"),
    ]
    if s["not_operational"]:
        items.append(("not yet operational", s["not_operational"]))
    if s["seasonal"]:
        items.append(("seasonal legs", s["seasonal"]))
    if s.get("departure"):
        items.append(("departure", s["departure"]))
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in items)
    return (
        f"<section class='route' id='route-{i + 1}' data-route='{i + 1}'>"
        f"<h3>{_badge(i, i == 0)} {esc(s['label'])}</h3>"
        f"<dl class='totals'>{dl}</dl>{_steps_table(d, zone_name)}</section>"
    )


def _param_value(p: Parameters, key: str) -> Any:
    return p.value(key)


def _params_section(p: Parameters | None) -> str:
    if p is None:
        return "<p class='dim'>No parameters were given to the report.</p>"
    rows = []
    for key, source in sorted(p.sources.items()):
        v = _param_value(p, key)
        tag = ""
        if "CALIBRATED" in source:
            tag = "<span class='tag cal'>calibrated</span> "
        elif source.lower().startswith("assumption"):
            tag = "<span class='tag ass'>assumption</span> "
        shown = "—" if v is None else f"{v:g}"
        rows.append(
            f"<tr><td><code>{esc(key)}</code></td><td class='n' data-key='{esc(key)}' data-value='{esc(v)}'>{esc(shown)}</td>"
            f"<td>{tag}<span class='src'>{esc(source) or '(no source given)'}</span></td></tr>"
        )
    files = ", ".join(Path(f).name if f != "<overrides>" else f for f in p.files)
    return (
        f"<p class='dim'>From {esc(files)}. Tags: <span class='tag cal'>calibrated</span> fitted to a "
        "published run; <span class='tag ass'>assumption</span> our own estimate, says why.</p>"
        "<table class='params'><thead><tr><th>figure</th><th>value</th><th>source</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


# -------------------------------------------------------------------------- a little Markdown
def _inline(text: str) -> str:
    """Inline Markdown: `code`, **bold**, *italic*, [label](url) and bare http(s) URLs; the text is
    HTML-escaped first, and only http(s) targets become links."""
    out = html.escape(text, quote=True)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", out)
    out = re.sub(r"(?<![*\w])\*([^*\s][^*]*)\*(?![*\w])", r"<i>\1</i>", out)

    def link(m: re.Match[str]) -> str:
        label, url = m.group(1), m.group(2)
        if re.match(r"^https?://", html.unescape(url)):
            return f'<a href="{url}">{label}</a>'
        return label if html.unescape(label) == html.unescape(url) else f"{label} <span class='dim'>({url})</span>"

    out = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", link, out)
    out = re.sub(r"&lt;(https?://[^&\s]+)&gt;", r'<a href="\1">\1</a>', out)
    return re.sub(r'(?<![="\w>/])(https?://[^\s<>"]+[^\s<>".,;:)])', r'<a href="\1">\1</a>', out)


def markdown_html(text: str) -> str:
    """The Markdown of ``data/SOURCES.md`` as HTML: headings, paragraphs, lists, pipe tables, code,
    bold and links (all text escaped; only http(s) links become links)."""
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    para: list[str] = []

    def flush() -> None:
        if para:
            out.append(f"<p>{_inline(' '.join(para))}</p>")
            para.clear()

    while i < len(lines):
        line = lines[i].rstrip()
        if not line.strip():
            flush()
            i += 1
            continue
        m = re.match(r"^(#{1,6})\s+(.*)$", line)
        if m:
            flush()
            level = min(len(m.group(1)) + 2, 6)
            out.append(f"<h{level}>{_inline(m.group(2))}</h{level}>")
            i += 1
            continue
        if line.lstrip().startswith("|"):
            flush()
            rows = []
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(re.fullmatch(r":?-{2,}:?", c) for c in cells):
                    rows.append(cells)
                i += 1
            if rows:
                head = "".join(f"<th>{_inline(c)}</th>" for c in rows[0])
                body = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
                out.append(f"<table class='md'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
            continue
        if re.match(r"^\s*[-*]\s+", line):
            flush()
            items = []
            while i < len(lines) and re.match(r"^\s*[-*]\s+", lines[i]):
                item = re.sub(r"^\s*[-*]\s+", "", lines[i].rstrip())
                i += 1
                while i < len(lines) and lines[i].startswith("  ") and lines[i].strip() and not re.match(r"^\s*[-*]\s+", lines[i]):
                    item += " " + lines[i].strip()
                    i += 1
                items.append(f"<li>{_inline(item)}</li>")
            out.append(f"<ul>{''.join(items)}</ul>")
            continue
        para.append(line.strip())
        i += 1
    flush()
    return "\n".join(out)


def sources_documents() -> list[tuple[str, str]]:
    """(name, Markdown) of the bundled ``data/SOURCES.md`` and the per-file documents it points to
    (``data/sources/*.md``, which cite the keys such as [P5] used in the figures' sources)."""
    out = []
    try:
        base = resources.files("corridors.data")
        out.append(("data/SOURCES.md", base.joinpath("SOURCES.md").read_text(encoding="utf-8")))
        folder = base.joinpath("sources")
        for item in sorted(folder.iterdir(), key=lambda x: x.name):
            if item.name.endswith(".md"):
                out.append((f"data/sources/{item.name}", item.read_text(encoding="utf-8")))
    except (FileNotFoundError, ModuleNotFoundError, NotADirectoryError, OSError):
        if not out:
            out.append(("data/SOURCES.md", "data/SOURCES.md is missing from this installation."))
    return out


# ------------------------------------------------------------------------------------- the page
def report_html(
    routes: Sequence[Route],
    G: nx.MultiDiGraph | None = None,
    title: str = "",
    constraints: Constraints | None = None,
    params: Parameters | None = None,
    unavailable: Mapping[str, str] | None = None,
    online_tiles: bool = False,
    command: str = "",
) -> str:
    """The report as one HTML page (the map inlined in an ``<iframe srcdoc>``; no network needed)."""
    routes = list(routes)
    if not routes:
        msg = "a report needs at least one route"
        raise ValueError(msg)
    docs = [r.to_dict() for r in routes]  # every figure below comes from these (= the JSON output)
    zones = G.graph.get("chokepoints", {}) if G is not None else {}

    def zone_name(zid: str) -> str:
        return str(getattr(zones.get(zid), "name", None) or zid)

    title = title or f"{routes[0].origin_name} → {routes[0].destination_name}"
    # the table is in the report: the map's own summary panel starts folded
    m = route_map(routes, G=G, title=title, constraints=constraints, online_tiles=online_tiles, panels_open=False)
    map_page = map_html(m)

    rows = [
        SummaryRow(
            number=str(i + 1),
            label=str(d["label"]),
            summary=d,
            chokepoints=[short_zone_name(zone_name(c)) for c in r.chokepoints],
            notes=[
                n
                for n in (
                    d["not_operational"] and f"not operational: {d['not_operational']}",
                    d["seasonal"] and f"seasonal: {d['seasonal']}",
                )
                if n
            ],
            caveats=list(r.caveats),
            best=i == 0,
            color=route_color(i),
        )
        for i, (r, d) in enumerate(zip(routes, docs, strict=True))
    ]
    table = summary_table(rows, table_id="comparison-table", caveats_open=True)
    none_found = ""
    if unavailable:
        items = "".join(f"<li><b>{esc(k)}</b>: {esc(v)}</li>" for k, v in unavailable.items())
        none_found = f"<p>No route found for:</p><ul>{items}</ul>"
    rules = constraints.describe() if constraints is not None else []
    constraint_items = "".join(f"<li>{esc(x)}</li>" for x in rules) or "<li>none (every link the data marks operational)</li>"
    assumptions = "".join(f"<li>{esc(a)}</li>" for a in ASSUMPTIONS)
    notes = [f"{d['label']}: not yet operational: {d['not_operational']}" for d in docs if d["not_operational"]]
    notes += [f"{d['label']}: seasonal legs {d['seasonal']}" for d in docs if d["seasonal"]]
    note_html = ("<p>Notes on these routes:</p><ul>" + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>") if notes else ""
    sources = "".join(
        f'<div class="md" data-file="{esc(name)}"><p class="dim">{esc(name)}</p>{markdown_html(text)}</div>'
        for name, text in sources_documents()
    )
    toc = "".join(f'<li><a href="#{sid}">{esc(name)}</a></li>' for sid, name in SECTIONS)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    cmd = f"<br>command: <code>{esc(command)}</code>" if command else ""
    body = f"""
<header><h1>{esc(title)}</h1>
<p class="meta">Report by corridors {esc(__version__)}, {esc(when)}; {len(routes)} route{"s" if len(routes) != 1 else ""}.{cmd}</p>
<nav><ol>{toc}</ol></nav></header>
<section id="map"><h2>Map</h2>
<iframe class="map" title="map" {srcdoc(map_page)}></iframe>
<p class="dim">Interactive: hover or click a leg or a place; tick routes on and off at top right.
Route colours: Paul Tol's colour-blind-safe scheme; line pattern by mode.</p></section>
<section id="comparison"><h2>Comparison</h2>{table}
<p class="dim">Cost and CO₂ per TEU are estimates; exposure = weighted chokepoint passages. Bold: best in
column. Figures are those of <code>corridors compare --format json</code>.</p>{none_found}</section>
<section id="constraints"><h2>Constraints applied</h2><ul>{constraint_items}</ul></section>
<section id="routes"><h2>Routes: legs and stops</h2>
{"".join(_route_section(i, r, d, zone_name) for i, (r, d) in enumerate(zip(routes, docs, strict=True)))}</section>
<section id="assumptions"><h2>Assumptions</h2><ul>{assumptions}</ul>{note_html}</section>
<section id="parameters"><h2>Calibrated and sourced figures</h2>{_params_section(params)}</section>
<section id="sources"><h2>Data sources</h2>{sources}</section>
"""
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>\n"
        f"{generator_meta()}\n<title>{esc(title)}</title>\n"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
        f"<style>{REPORT_CSS}</style></head><body>{body}</body></html>\n"
    )


def save_report(routes: Sequence[Route], path: str | Path, force: bool = False, **kw: Any) -> Path:
    """Write :func:`report_html` atomically to ``path`` (an existing file only if corridors wrote
    it, or with ``force``)."""
    return write_atomic(path, report_html(routes, **kw), force=force)
