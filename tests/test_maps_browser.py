"""Maps opened in headless Chromium (Debian package ``chromium``) driven by Playwright, with every
non-file request blocked: the page must work offline.

Without /usr/bin/chromium (or Playwright) these tests are skipped, or fail when ``CI`` is set.
The documentation's screenshots are made by ``docs/make_screenshots.py`` (same browser, same flags).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from corridors.params import load_parameters
from corridors.routing import Router

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CORRIDORS_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def _unavailable(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{why}; the browser tests must run in CI (install the Debian package chromium and the test extra)")
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@dataclass
class Opened:
    page: Any
    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture
def open_map(browser: Any) -> Iterator[Any]:
    contexts = []

    def _open(path: Path, width: int = 1400, height: int = 900, wait: bool = True) -> Opened:
        ctx = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
        contexts.append(ctx)
        page = ctx.new_page()
        o = Opened(page)
        page.on("console", lambda m: o.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: o.errors.append(str(e)))

        def on_dialog(d: Any) -> None:
            o.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", on_dialog)

        def gate(route: Any) -> None:
            if route.request.url.startswith("file://"):
                route.continue_()
            else:
                o.blocked.append(route.request.url)
                route.abort()

        page.route("**/*", gate)
        page.goto(path.resolve().as_uri())
        if wait:
            page.wait_for_function("document.querySelectorAll('.leaflet-overlay-pane, .leaflet-pane svg').length > 0")
        page.wait_for_timeout(300)
        return o

    yield _open
    for ctx in contexts:
        ctx.close()


PATHS_IN = "sel => document.querySelectorAll(sel).length"

# a point on a path that is really on top there (not covered by a marker, a panel or another route)
CLICKABLE_POINT = """
sel => {
  const paths = Array.from(document.querySelectorAll(sel));
  paths.sort((a, b) => b.getTotalLength() - a.getTotalLength());
  for (const p of paths) {
    const n = p.getTotalLength();
    for (let f = 0.1; f < 0.95; f += 0.05) {
      const q = p.getPointAtLength(n * f);
      const m = p.getScreenCTM();
      const x = m.a * q.x + m.c * q.y + m.e, y = m.b * q.x + m.d * q.y + m.f;
      if (x < 5 || y < 5 || x > innerWidth - 5 || y > innerHeight - 5) continue;
      if (document.elementFromPoint(x, y) === p) return [x, y];
    }
  }
  return null;
}
"""


def _toggle(page: Any, index: int) -> None:
    page.locator(".leaflet-control-layers-overlays label").filter(has=page.locator(".corr-badge")).nth(index).locator("input").click()


def test_compare_map_in_chromium(router: Any, open_map: Any, tmp_path: Path) -> None:
    from corridors.maps import save_map

    res = router.compare("Chelyabinsk", "Mumbai")
    routes = res.routes
    path = save_map(
        routes,
        tmp_path / "compare.html",
        G=router.G,
        title="Chelyabinsk → Mumbai: corridors compared",
        constraints=res.constraints,
    )
    o = open_map(path)
    page = o.page
    assert o.errors == []
    assert o.blocked == []  # nothing fetched from the network
    assert o.dialogs == []

    # one layer per route in the layer control, labelled with the route
    labels = page.locator(".leaflet-control-layers-overlays label").filter(has=page.locator(".corr-badge"))
    assert labels.count() == len(routes)
    for i, r in enumerate(routes):
        assert r.label in labels.nth(i).inner_text()

    # toggling a route off removes its paths, on restores them
    pane = ".leaflet-corr-route-2-pane path"
    before = page.evaluate(PATHS_IN, pane)
    total = page.evaluate(PATHS_IN, ".leaflet-map-pane path")
    assert before > 0
    _toggle(page, 1)
    assert page.evaluate(PATHS_IN, pane) == 0
    assert page.evaluate(PATHS_IN, ".leaflet-map-pane path") < total
    _toggle(page, 1)
    assert page.evaluate(PATHS_IN, pane) == before
    assert page.evaluate(PATHS_IN, ".leaflet-map-pane path") == total

    # hovering a leg of the best route shows its tooltip, clicking opens its popup
    xy = page.evaluate(CLICKABLE_POINT, ".leaflet-corr-route-1-pane path")
    assert xy, "no visible point on the best route"
    page.mouse.move(*xy)
    page.wait_for_selector(".leaflet-tooltip.corr-tip", state="visible")
    assert "km" in page.locator(".leaflet-tooltip.corr-tip").inner_text()
    page.mouse.click(*xy)
    popup = page.wait_for_selector(".leaflet-popup-content", state="visible")
    text = popup.inner_text()
    for word in ("mode", "length", "time", "countries", "chokepoints", "status", "source"):
        assert word in text

    # panels are on the map
    assert page.locator("#corridors-summary tr.corr-row").count() == len(routes)
    assert page.locator("#corridors-legend").is_visible()
    page.locator(".leaflet-popup-close-button").click()
    page.mouse.move(5, 450)
    page.wait_for_timeout(200)
    shot = tmp_path / "compare-map.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000
    assert o.errors == []


def _cli(*args: str) -> Any:
    from click.testing import CliRunner
    from corridors.cli.main import cli

    res = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res


TIP_WIDTH = "() => { const t = document.querySelector('.leaflet-tooltip.corr-tip'); return t ? t.getBoundingClientRect().width : 0; }"


def test_map_reads_at_a_glance(open_map: Any, tmp_path: Path) -> None:
    """Issue 12: wide tooltips, a colour per route, offline labels, and the map's figures are the
    JSON output's (the map and the JSON from one `corridors compare` run)."""
    from corridors.maps.figures import days_text, fmt_metric
    from corridors.maps.style import route_color

    path = tmp_path / "cmp.html"
    doc = json.loads(_cli("compare", "Chelyabinsk", "Mumbai", "--format", "json", "--map", str(path)).stdout)
    routes = doc["routes"]
    o = open_map(path)
    page = o.page

    # one distinct colour per route: every line of route i is drawn in route i's colour
    colours = []
    for i in range(len(routes)):
        cs = page.evaluate(
            f"() => Array.from(new Set(Array.from(document.querySelectorAll('.leaflet-corr-route-{i + 1}-pane path')).map(p => p.getAttribute('stroke'))))"
        )
        assert [c.lower() for c in cs] == [route_color(i).lower()]
        colours.append(cs[0])
    assert len(set(colours)) == len(routes)

    # labels drawn offline: countries, seas, cities
    shown = page.evaluate("cls => Array.from(document.querySelectorAll(cls)).map(e => e.textContent)", ".corr-lbl-country")
    assert "Kazakhstan" in shown and "India" in shown
    seas = page.evaluate("cls => Array.from(document.querySelectorAll(cls)).map(e => e.textContent)", ".corr-lbl-sea")
    assert "Indian Ocean" in seas

    # the summary table shows the JSON figures, formatted as the CLI table formats them
    for i, r in enumerate(routes):
        for key in ("time_days", "length_km", "cost_usd", "co2_kg", "exposure"):
            cell = page.locator(f"#corridors-summary tr[data-route='{i + 1}'] td[data-key='{key}']")
            assert float(cell.get_attribute("data-value")) == r[key]
            want = days_text(r) if key == "time_days" else fmt_metric(key, r[key])
            assert cell.inner_text().split("\n")[0].strip() == want

    # hover a leg of the best route: the tooltip is a readable width (it was ~65 px, a word a line)
    xy = page.evaluate(CLICKABLE_POINT, ".leaflet-corr-route-1-pane path")
    assert xy
    page.mouse.move(*xy)
    page.wait_for_selector(".leaflet-tooltip.corr-tip", state="visible")
    assert page.evaluate(TIP_WIDTH) >= 200
    tip = page.locator(".leaflet-tooltip.corr-tip").inner_text()
    assert len(tip.splitlines()) <= 5
    # its popup: the leg's figures and the route's, as in the JSON
    page.mouse.click(*xy)
    popup = page.wait_for_selector(".leaflet-popup-content", state="visible")
    assert popup.bounding_box()["width"] >= 200
    text = popup.inner_text()
    head = text.splitlines()[1]  # "From → To"
    legs = [st for st in routes[0]["steps"] if st["type"] == "leg" and f"{st['from_name']} → {st['to_name']}" == head.strip()]
    assert legs, head
    st = legs[0]
    assert f"{fmt_metric('length_km', st['length_km'])} km" in text
    assert f"{fmt_metric('cost_usd', st['cost_usd'])} USD/TEU" in text
    assert f"{fmt_metric('co2_kg', st['co2_kg'])} kg/TEU" in text
    assert f"{days_text(routes[0])} days" in text
    # zoomed in, city and port names appear (and overlapping ones are left out)
    page.locator(".leaflet-popup-close-button").click()
    page.evaluate(
        "() => { for (const k in window) if (k.startsWith('map_') && window[k] && window[k].setZoom) window[k].setZoom(4, {animate: false}); }"
    )
    page.wait_for_timeout(300)
    cities = page.evaluate("cls => Array.from(document.querySelectorAll(cls)).map(e => e.textContent)", ".corr-lbl-city")
    assert len(cities) >= 5
    assert len(cities) == len(set(cities))
    assert o.errors == [] and o.blocked == []


def test_report_offline_and_printable(open_map: Any, tmp_path: Path) -> None:
    """The report opens offline with every section, its map works inside it, and it prints to PDF
    (through the same browser, and through `corridors report --pdf`)."""
    from corridors.maps.report import SECTIONS

    out, pdf, png = tmp_path / "r.html", tmp_path / "r.pdf", tmp_path / "map.png"
    os.environ.setdefault("CORRIDORS_CHROMIUM", CHROMIUM)
    _cli("report", "Chelyabinsk", "Mumbai", "-o", str(out), "--pdf", str(pdf), "--png", str(png))
    o = open_map(out, wait=False)
    page = o.page
    for sid, name in SECTIONS:
        sec = page.locator(f"section#{sid}")
        assert sec.count() == 1
        assert name in sec.locator("h2").inner_text()
    frame = page.frame_locator("iframe.map")
    frame.locator(".leaflet-corr-route-1-pane path").first.wait_for(state="attached")
    n = page.locator("#comparison-table tbody tr").count()
    assert n >= 2
    assert frame.locator(".leaflet-control-layers-overlays .corr-badge").count() == n
    assert page.locator("section.route").count() == n
    assert o.errors == [] and o.blocked == [] and o.dialogs == []
    # printed by Playwright with the print stylesheet
    printed = tmp_path / "p.pdf"
    page.emulate_media(media="print")
    assert not page.locator("nav").is_visible()
    page.pdf(path=str(printed), format="A4", landscape=True)
    for f in (printed, pdf):
        data = f.read_bytes()
        assert data.startswith(b"%PDF-")
        assert data.count(b"/Type /Page") + data.count(b"/Type/Page") >= 3  # several pages
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 50_000


def test_hostile_names_stay_text(open_map: Any, tmp_path: Path) -> None:
    from corridors.maps import save_map
    from test_maps import LEGS, NODES, XSS, XSS_LABEL, ZONES, synthetic

    G = synthetic(NODES, LEGS)
    G.graph["chokepoints"] = ZONES
    G.nodes["rail:c"]["name"] = "G{{ 7*7 }}"  # template syntax must stay text too
    r = Router(G, load_parameters(), families={})
    route = replace(r.route("rail:a", "port:q"), label=XSS_LABEL)
    path = save_map([route], tmp_path / "xss.html", G=G, title=XSS)
    o = open_map(path)
    page = o.page
    # the hostile node is a border crossing on the route: hover every place and read the tooltips
    centres = page.evaluate(
        """() => Array.from(document.querySelectorAll('.leaflet-corr-nodes-pane path')).map(p => {
             const b = p.getBoundingClientRect(); return [b.x + b.width / 2, b.y + b.height / 2]; })"""
    )
    assert centres
    texts = []
    for x, y in centres:
        page.mouse.move(x, y)
        page.wait_for_timeout(50)
        texts.append(page.evaluate("() => Array.from(document.querySelectorAll('.leaflet-tooltip')).map(t => t.textContent).join(' | ')"))
    texts = " ".join(texts)
    assert XSS in texts  # shown as text
    assert "G{{ 7*7 }}" in texts
    assert "G49" not in texts
    assert XSS in page.locator("#corridors-summary h1").inner_text()
    assert XSS_LABEL in page.locator(".leaflet-control-layers-overlays").inner_text()
    assert page.evaluate("() => document.querySelectorAll('img').length") == 0
    assert o.dialogs == []
    assert o.errors == []


def test_antimeridian_route_is_not_a_streak(open_map: Any, tmp_path: Path) -> None:
    from corridors.maps import save_map
    from test_maps import LEGS, NODES, ZONES, synthetic

    G = synthetic(NODES, LEGS)
    G.graph["chokepoints"] = ZONES
    route = Router(G, load_parameters(), families={}).route("rail:a", "port:w")
    o = open_map(save_map([route], tmp_path / "am.html", G=G))
    width = o.page.evaluate(
        "() => Math.max(...Array.from(document.querySelectorAll('.leaflet-corr-route-1-pane path')).map(p => p.getBoundingClientRect().width))"
    )
    assert 0 < width < 0.8 * 1400  # a Pacific crossing drawn short, not across the world
    assert o.errors == []


def test_scenario_map_draws_what_its_table_says(open_map: Any, tmp_path: Path) -> None:
    """Issue 12: a scenario map shows no vanished family as a survivor. Forbidding Iranian ports makes
    every INSTC family vanish: in the browser, the map's scenario layers are exactly the survivors of
    the JSON from the same command, and each vanished family is only a grey baseline layer, marked so."""
    out = tmp_path / "scenario.html"
    res = _cli("scenario", "run", "no_iranian_ports", "Chelyabinsk", "Mumbai", "--map", str(out), "--format", "json")
    doc = json.loads(res.stdout[res.stdout.index("{") :])
    assert doc["vanish"], "the scenario should make families vanish"
    from corridors.routing import load_families

    names = {fid: f.name for fid, f in load_families().items()}
    o = open_map(out)
    page = o.page
    labels = page.locator(".leaflet-control-layers-overlays label").filter(has=page.locator(".corr-badge"))
    texts = [labels.nth(i).inner_text() for i in range(labels.count())]
    live = [t for t in texts if not labels.nth(texts.index(t)).locator(".corr-badge.base").count()]
    base = [t for t in texts if t not in live]
    for fid in doc["vanish"]:
        assert not any(names[fid] in t for t in live), f"{fid} drawn as a survivor: {live}"
        assert any(names[fid] in t and "vanished" in t for t in base), f"{fid} not marked vanished: {base}"
    for fid in doc["survive"]:
        assert any(names[fid] in t for t in live), f"{fid} missing from the map: {live}"
    assert len(live) == len(doc["survive"])
    assert not o.errors and not o.blocked
