"""Maps opened in headless Chromium (Debian package ``chromium``) driven by Playwright, with every
non-file request blocked: the page must work offline.

Without /usr/bin/chromium (or Playwright) these tests are skipped, or fail when ``CI`` is set.
With ``CORRIDORS_SCREENSHOT_DIR`` set, the comparison screenshot is also written there as
``compare-map.png`` (the docs use ``docs/img/compare-map.png``).
"""

from __future__ import annotations

import os
import shutil
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

    def _open(path: Path, width: int = 1400, height: int = 900) -> Opened:
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
    if os.environ.get("CORRIDORS_SCREENSHOT_DIR"):
        out = Path(os.environ["CORRIDORS_SCREENSHOT_DIR"])
        out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, out / "compare-map.png")
    assert o.errors == []


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
