"""Regenerate the screenshots in docs/img/ from the current code, so they cannot go stale.

    python docs/make_screenshots.py [--out docs/img] [--chromium /usr/bin/chromium]

Needs Playwright (the ``test`` extra) and a Chromium (the Debian package ``chromium``). It builds the
all-family comparison Chelyabinsk → Mumbai on the bundled network, writes the map and the report to
a temporary folder, opens them offline (every non-file request blocked) and saves:

- ``compare-map.png``: the map as it opens (1400 × 900);
- ``map-tooltip.png``: the tooltip of a leg of the best route (cropped);
- ``map-popup.png``: the same leg clicked (its popup);
- ``map-caspian.png``: zoomed to the Caspian, where the INSTC routes part (labels at zoom 4.5);
- ``report.png``: the top of the report (1200 × 1100).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
MAP_JS = "() => { for (const k in window) if (k.startsWith('map_') && window[k] && window[k].setView) return k; }"

# a point on a path of the given pane that is really on top there (as in tests/test_maps_browser.py)
CLICKABLE_POINT = """
sel => {
  const paths = Array.from(document.querySelectorAll(sel));
  paths.sort((a, b) => b.getTotalLength() - a.getTotalLength());
  for (const p of paths) {
    const n = p.getTotalLength();
    for (let f = 0.3; f < 0.95; f += 0.05) {
      const q = p.getPointAtLength(n * f);
      const m = p.getScreenCTM();
      const x = m.a * q.x + m.c * q.y + m.e, y = m.b * q.x + m.d * q.y + m.f;
      if (x < 300 || y < 200 || x > innerWidth - 500 || y > innerHeight - 380) continue;
      if (document.elementFromPoint(x, y) === p) return [x, y];
    }
  }
  return null;
}
"""


def _page(browser: Any, path: Path, width: int, height: int) -> Any:
    page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:", "about:")) else r.abort())
    page.goto(path.resolve().as_uri())
    page.wait_for_timeout(800)
    return page


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "img")
    ap.add_argument("--chromium", default=os.environ.get("CORRIDORS_CHROMIUM", "/usr/bin/chromium"))
    args = ap.parse_args()

    from corridors.maps import save_map
    from corridors.maps.report import save_report
    from playwright.sync_api import sync_playwright

    from corridors.routing import Router

    router = Router()
    res = router.compare("Chelyabinsk", "Mumbai")
    title = "Chelyabinsk → Mumbai: corridors compared"
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        map_path = save_map(res.routes, Path(tmp) / "map.html", G=router.G, title=title, constraints=res.constraints)
        report_path = save_report(
            res.routes,
            Path(tmp) / "report.html",
            G=router.G,
            title=title,
            constraints=res.constraints,
            params=router.params,
            unavailable=res.unavailable,
        )
        browser = p.chromium.launch(executable_path=args.chromium, args=ARGS, headless=True)

        page = _page(browser, map_path, 1400, 900)
        page.screenshot(path=str(args.out / "compare-map.png"))
        print("wrote", args.out / "compare-map.png")

        xy = page.evaluate(CLICKABLE_POINT, ".leaflet-corr-route-1-pane path")
        if xy:
            page.mouse.move(*xy)
            page.wait_for_selector(".leaflet-tooltip.corr-tip", state="visible")
            box = page.locator(".leaflet-tooltip.corr-tip").bounding_box()
            clip = {"x": max(0, box["x"] - 120), "y": max(0, box["y"] - 40), "width": box["width"] + 240, "height": box["height"] + 110}
            page.screenshot(path=str(args.out / "map-tooltip.png"), clip=clip)
            print("wrote", args.out / "map-tooltip.png", f"(tooltip {box['width']:.0f} px wide)")
            page.mouse.click(*xy)
            page.wait_for_timeout(300)
            page.mouse.move(xy[0] + 1, xy[1] + 1)
            page.wait_for_timeout(300)
            page.screenshot(path=str(args.out / "map-popup.png"))
            print("wrote", args.out / "map-popup.png")
        else:
            print("no free point on the best route: map-popup.png not written")

        page = _page(browser, map_path, 1400, 900)
        name = page.evaluate(MAP_JS)
        page.evaluate(f"() => {{ window['{name}'].setView([41.5, 55.0], 4.5, {{animate: false}}); }}")
        page.evaluate("() => document.querySelectorAll('.corr-panel details').forEach(d => d.open = false)")
        page.wait_for_timeout(500)
        page.screenshot(path=str(args.out / "map-caspian.png"))
        print("wrote", args.out / "map-caspian.png")

        page = _page(browser, report_path, 1200, 1100)
        page.wait_for_timeout(700)
        page.screenshot(path=str(args.out / "report.png"))
        print("wrote", args.out / "report.png")
        browser.close()


if __name__ == "__main__":
    main()
