"""``corridors report``: one self-contained page whose figures are those of ``corridors compare
--format json``; bad file names and a missing browser give one clear line. (The page in a real
browser and the PDF: tests/test_maps_browser.py.)"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from corridors.cli.main import cli
from corridors.maps.figures import cli_number, days_text, fmt_metric
from corridors.maps.report import SECTIONS, markdown_html, report_html

from corridors.model import Route
from corridors.params import load_parameters

ARGS = ("Chelyabinsk", "Mumbai", "--avoid-chokepoint", "bab_el_mandeb")


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


class Cells(HTMLParser):
    """Every element with ``data-key``: (key, data-value, shown text, enclosing route number)."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[dict[str, Any]] = []
        self.open: list[dict[str, Any]] = []
        self.route: str | None = None
        self.table: str | None = None
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "section" and a.get("data-route"):
            self.route = a["data-route"]
        if tag == "table":
            self.table = a.get("id") or a.get("class")
        if tag == "tr" and a.get("data-route"):
            self.route = a["data-route"]
        if "data-key" in a:
            cell = {"key": a["data-key"], "value": a["data-value"], "text": "", "route": self.route, "table": self.table}
            self.cells.append(cell)
            self.open.append(cell)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        for c in self.open:
            c["text"] += data


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any], Path]:
    tmp = tmp_path_factory.mktemp("report")
    out = tmp / "report.html"
    res = run("report", *ARGS, "-o", str(out))
    assert res.exit_code == 0, res.output
    js = run("compare", *ARGS, "--format", "json")
    assert js.exit_code == 0
    return out.read_text(encoding="utf-8"), json.loads(js.stdout), out


def test_every_section_and_self_contained(made: tuple[str, dict[str, Any], Path]) -> None:
    page, doc, path = made
    p = Cells()
    p.feed(page)
    for sid, _ in SECTIONS:
        assert sid in p.ids, sid
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta name="generator" content="corridors' in page[:600]
    assert not re.search(r"<script[^>]+src=[\"']?https?:", page)
    assert not re.search(r"<link[^>]+href=[\"']?https?:", page)
    assert "srcdoc=" in page and "leaflet" in page.lower()  # the map is inside
    assert "@media print" in page
    assert "avoids bab_el_mandeb" in page  # the constraints applied
    assert "Sources and licences" in page  # data/SOURCES.md
    assert path.stat().st_size <= 2_000_000  # issue 12: a 9-route report stays under 2 MB
    for r in doc["routes"]:
        assert f"id='route-{doc['routes'].index(r) + 1}'" in page


def test_table_figures_equal_the_json(made: tuple[str, dict[str, Any], Path]) -> None:
    page, doc, _ = made
    p = Cells()
    p.feed(page)
    table = [c for c in p.cells if c["table"] == "comparison-table"]
    routes = doc["routes"]
    assert len(table) == 5 * len(routes)
    for c in table:
        r = routes[int(c["route"]) - 1]
        assert float(c["value"]) == pytest.approx(r[c["key"]], abs=0), (c, r["label"])
        want = days_text(r) if c["key"] == "time_days" else fmt_metric(c["key"], r[c["key"]])
        assert c["text"].strip() == want
    # days as the CLI table prints them (one formatter): e.g. 19.75 -> "19.8", never "19.7"
    text = run("compare", *ARGS).stdout
    for r in routes:
        assert cli_number(r["time_days"]) in text


def test_legs_and_stops_equal_the_json(made: tuple[str, dict[str, Any], Path]) -> None:
    page, doc, _ = made
    p = Cells()
    p.feed(page)
    for i, r in enumerate(doc["routes"]):
        cells = [c for c in p.cells if c["table"] == "steps" and c["route"] == str(i + 1)]
        want: list[tuple[str, float]] = []
        for st in r["steps"]:
            if st["type"] == "leg":
                want += [("length_km", st["length_km"]), ("moving_h", st["moving_h"] + st["wait_h"])]
            else:
                want.append(("dwell_h", st["dwell_h"]))
            want += [("cost_usd", st["cost_usd"]), ("co2_kg", st["co2_kg"])]
        got = [(c["key"], float(c["value"])) for c in cells]
        assert [k for k, _ in got] == [k for k, _ in want]
        assert [v for _, v in got] == pytest.approx([v for _, v in want], abs=1e-9)
        for c in cells:
            if c["key"] in ("length_km", "cost_usd", "co2_kg"):
                assert c["text"] == fmt_metric(c["key"], float(c["value"]))


def test_parameters_with_their_sources(made: tuple[str, dict[str, Any], Path]) -> None:
    page, _, _ = made
    params = load_parameters()
    p = Cells()
    p.feed(page)
    shown = {c["key"]: c for c in p.cells if c["table"] == "params"}
    assert set(shown) == set(params.sources)
    assert float(shown["speed_kmh.sea"]["value"]) == params.speed_kmh["sea"]
    assert float(shown["co2_kg_per_teu_handled.transfer"]["value"]) == params.co2_kg_per_teu_handled
    assert "assumption" in page


def test_spread_shown_when_the_route_has_it(router: Any) -> None:
    base = router.route("Chelyabinsk", "Mumbai")

    @dataclass(frozen=True)
    class Spread(Route):
        def summary(self) -> dict[str, Any]:
            return {**super().summary(), "time_p10_days": 17.04, "time_p50_days": 18.96, "time_p90_days": 24.25}

    r = Spread(**{f: getattr(base, f) for f in base.__dataclass_fields__})
    page = report_html([r], G=router.G)
    assert "19.0 (17.0–24.2)" in page  # P50 (P10–P90), each formatted as the CLI does
    assert "P10–P90" in page
    from dataclasses import replace

    plain = report_html([replace(base, time_q_h=None, transit_q_h=None)], G=router.G)  # no Monte Carlo ran
    assert "P10–P90" not in plain


def test_bad_names_one_line(tmp_path: Path) -> None:
    for args in (
        ["-o", str(tmp_path / "r.txt")],
        ["-o", str(tmp_path / "r.html"), "--pdf", str(tmp_path / "r.png")],
        ["-o", str(tmp_path / "r.html"), "--png", str(tmp_path / "r.jpg")],
    ):
        res = CliRunner().invoke(cli, ["report", "Chelyabinsk", "Mumbai", *args])
        assert res.exit_code == 2
        assert "must end in" in res.output
        assert "Traceback" not in res.output


def test_no_browser_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORRIDORS_CHROMIUM", str(tmp_path / "no-such-browser"))
    res = CliRunner().invoke(cli, ["report", "Chelyabinsk", "Mumbai", "-o", str(tmp_path / "r.html"), "--pdf", str(tmp_path / "r.pdf")])
    assert res.exit_code == 1
    assert res.output.count("\n") == 1 and "no-such-browser" in res.output
    assert not (tmp_path / "r.html").exists()  # failed before any work


def test_refuses_foreign_file(tmp_path: Path) -> None:
    out = tmp_path / "mine.html"
    out.write_text("<html>my own notes</html>")
    res = CliRunner().invoke(cli, ["report", "Chelyabinsk", "Mumbai", "-o", str(out)])
    assert res.exit_code == 1 and "--force" in res.output
    assert out.read_text() == "<html>my own notes</html>"


def test_markdown_stays_text() -> None:
    out = markdown_html(
        "# T <b>\n\n| a | b |\n|---|---|\n| <script>x</script> | [l](javascript:alert(1)) |\n\n- `c<d>` and https://example.org/x."
    )
    assert "<script>" not in out
    assert 'href="javascript' not in out
    assert "<code>c&lt;d&gt;</code>" in out
    assert '<a href="https://example.org/x">' in out
