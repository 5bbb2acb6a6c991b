"""Maps rendered to HTML strings (no browser): layers, self-containment, escaping, the antimeridian,
panels, and safe writing. Synthetic routes; one integration test on the bundled network."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from corridors.maps import map_html, route_map, save_map
from corridors.maps.style import leg_style
from shapely.geometry import box
from synth import synthetic

from corridors.convert import OutputExistsError, written_by_us
from corridors.model import Route
from corridors.params import load_parameters
from corridors.routing import Constraints, Router
from corridors.zones import Zone

XSS = "<img src=x onerror=alert(1)>"
XSS_LABEL = "</script><script>alert('label')</script>${alert(2)}`"

NODES: dict[str, dict[str, Any]] = {
    "rail:a": {"kind": "rail_terminal", "country": "RUS", "x": 60.0, "y": 55.0, "name": "Alpha"},
    "border:b": {
        "kind": "border_crossing",
        "country": "KAZ",
        "x": 61.0,
        "y": 51.0,
        "dwell_border_h": 10.0,
        "name": XSS,
    },
    "rail:c": {"kind": "rail_terminal", "country": "KAZ", "x": 58.0, "y": 44.0, "name": "Gamma"},
    "border:g": {
        "kind": "border_crossing",
        "country": "IRN",
        "x": 60.0,
        "y": 37.0,
        "dwell_border_h": 5.0,
        "dwell_gauge_h": 7.0,
        "name": "Gauge",
    },
    "port:p": {
        "kind": "port",
        "country": "IRN",
        "x": 56.3,
        "y": 27.2,
        "dwell_transfer_h": 20.0,
        "name": "Pport",
    },
    "port:q": {"kind": "port", "country": "IND", "x": 69.7, "y": 22.8, "name": "Qport"},
    "port:r": {"kind": "port", "country": "RUS", "x": 30.0, "y": 60.0, "name": "Rport"},
    "sea:1": {"kind": "junction", "country": None, "x": 32.5, "y": 30.0},
    "rail:e": {"kind": "rail_terminal", "country": "RUS", "x": 131.9, "y": 43.1, "name": "East"},
    "port:e": {"kind": "port", "country": "RUS", "x": 170.0, "y": 60.0, "name": "Eport"},
    "port:w": {"kind": "port", "country": "USA", "x": -165.0, "y": 64.5, "name": "Wport"},
}
LEGS: list[dict[str, Any]] = [
    {
        "id": "ab",
        "from": "rail:a",
        "to": "border:b",
        "mode": "rail",
        "gauge_mm": 1520,
        "km": 400,
        "countries": ["RUS", "KAZ"],
    },
    {
        "id": "bc",
        "from": "border:b",
        "to": "rail:c",
        "mode": "rail",
        "gauge_mm": 1520,
        "km": 900,
        "countries": ["KAZ"],
    },
    {
        "id": "cg",
        "from": "rail:c",
        "to": "border:g",
        "mode": "rail",
        "gauge_mm": 1520,
        "km": 900,
        "countries": ["KAZ", "TKM"],
    },
    {
        "id": "gp",
        "from": "border:g",
        "to": "port:p",
        "mode": "rail",
        "gauge_mm": 1435,
        "km": 1600,
        "countries": ["IRN"],
    },
    {
        "id": "pq",
        "from": "port:p",
        "to": "port:q",
        "mode": "sea",
        "km": 1500,
        "chokepoints": ["hormuz"],
    },
    {
        "id": "ar",
        "from": "rail:a",
        "to": "port:r",
        "mode": "rail",
        "gauge_mm": 1520,
        "km": 2000,
        "countries": ["RUS"],
    },
    {
        "id": "r1",
        "from": "port:r",
        "to": "sea:1",
        "mode": "sea",
        "km": 6500,
        "chokepoints": ["suez"],
        "countries": ["EGY"],
    },
    {
        "id": "1q",
        "from": "sea:1",
        "to": "port:q",
        "mode": "sea",
        "km": 4500,
        "chokepoints": ["bab_el_mandeb"],
    },
    {
        "id": "cp",
        "from": "rail:c",
        "to": "port:p",
        "mode": "road",
        "km": 1900,
        "status": "planned",
        "countries": ["KAZ", "TKM", "IRN"],
    },
    # over the antimeridian: 170°E -> 165°W
    {
        "id": "ae",
        "from": "rail:a",
        "to": "rail:e",
        "mode": "rail",
        "gauge_mm": 1520,
        "km": 6000,
        "countries": ["RUS"],
    },
    {
        "id": "ee",
        "from": "rail:e",
        "to": "port:e",
        "mode": "road",
        "km": 3500,
        "countries": ["RUS"],
    },
    {
        "id": "ew",
        "from": "port:e",
        "to": "port:w",
        "mode": "sea",
        "km": 1800,
        "chokepoints": ["bering"],
    },
]
ZONES = {
    "hormuz": Zone("hormuz", "Strait of Hormuz", "strait", box(55.5, 25.5, 57.5, 27.0), littoral=("IRN", "OMN")),
    "suez": Zone(
        "suez",
        "Suez Canal",
        "canal",
        box(32.0, 29.8, 32.7, 31.4),
        littoral=("EGY",),
        territory=("EGY",),
    ),
    "bab_el_mandeb": Zone(
        "bab_el_mandeb",
        "Bab-el-Mandeb",
        "strait",
        box(42.8, 12.2, 43.8, 13.2),
        littoral=("YEM", "DJI"),
    ),
    "bering": Zone(
        "bering",
        "Bering Strait",
        "strait",
        box(-170.5, 64.5, -167.5, 67.0),
        littoral=("RUS", "USA"),
    ),
    "ice": Zone("ice", f"Ice {XSS}", "seasonal_zone", box(60.0, 70.0, 100.0, 80.0), months=(7, 8, 9, 10, 11)),
}


@pytest.fixture(scope="module")
def sgraph() -> Any:
    g = synthetic(NODES, LEGS)
    g.graph["chokepoints"] = ZONES
    return g


@pytest.fixture(scope="module")
def r(sgraph: Any) -> Router:
    return Router(sgraph, load_parameters(), families={})


@pytest.fixture(scope="module")
def routes(r: Router) -> list[Route]:
    from dataclasses import replace

    best = r.route("rail:a", "port:q")
    suez = r.route("rail:a", "port:q", constraints=Constraints(avoid_chokepoints=("hormuz",)))
    planned = r.route("rail:a", "port:q", objective="distance", constraints=Constraints(include_planned=True))
    return [
        replace(best, label="INSTC east"),
        replace(suez, label="Suez"),
        replace(planned, label=XSS_LABEL),
    ]


@pytest.fixture(scope="module")
def page(routes: list[Route], sgraph: Any) -> str:
    return map_html(route_map(routes, G=sgraph, title=f"A → Q {XSS}"))


def layer_data(page: str) -> list[dict[str, Any]]:
    """The FeatureCollections embedded by the map's GeoJSON layers, parsed back."""
    return [json.loads(m) for m in re.findall(r"L\.geoJson\((\{.*?\}), \{\n", page)]


def overlays(page: str) -> dict[str, str]:
    """Layer-control name -> JavaScript variable of the layer."""
    block = re.search(r"overlays :  \{(.*?)\},\n", page, re.S)
    assert block, "no layer control"
    pairs = re.findall(r'^\s*("(?:[^"\\]|\\.)*")\s*:\s*(\w+),', block.group(1), re.M)
    return {json.loads(k): v for k, v in pairs}


def overlay_names(page: str) -> list[str]:
    return list(overlays(page))


def layer_of(page: str, var: str) -> dict[str, Any]:
    m = re.search(rf"var {var} = L\.geoJson\((\{{.*?\}}), \{{\n", page)
    assert m, var
    return json.loads(m.group(1))


def test_one_feature_group_per_route(page: str, routes: list[Route]) -> None:
    assert page.count("L.featureGroup(") == len(routes)
    names = overlay_names(page)
    route_names = [n for n in names if "corr-badge" in n]
    assert len(route_names) == len(routes)
    assert "INSTC east" in route_names[0]
    assert "Suez" in route_names[1]
    assert "Network: every named leg" in names
    assert "Chokepoints" in names


def test_layer_control_added_last(page: str) -> None:
    script = page[page.rindex("<script>") :]
    assert script.index("L.control.layers(") > max(script.rindex("L.featureGroup("), script.rindex("L.geoJson("))


def test_self_contained(page: str) -> None:
    tags = re.findall(r"<(?:script|link)\b[^>]*>", page, re.I)
    for tag in tags:
        assert not re.search(r"(src|href)\s*=", tag, re.I), tag
    assert "cdn" not in " ".join(tags).lower()
    assert "Leaflet 1.9.4" in page  # inlined
    assert "leaflet-control-layers" in page  # Leaflet's CSS is inlined too
    assert "url(images/" not in page  # its images are data URIs
    assert not re.search(r"jquery|bootstrap|font-?awesome|awesome-markers", page, re.I)


def test_generator_meta_first(page: str, tmp_path: Path) -> None:
    head = page.encode()[:4096]
    assert b'<meta name="generator" content="corridors ' in head
    assert "<title>A → Q &lt;img src=x onerror=alert(1)&gt;</title>" in page


def test_every_data_string_escaped(page: str) -> None:
    assert XSS not in page
    assert "<img" not in page.lower()
    assert "alert('label')" not in page
    assert "<script>alert" not in page
    assert "${alert(2)}" not in page
    # the strings are still shown, as text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # the title, in the summary panel
    feats = [f for fc in layer_data(page) for f in fc["features"]]
    tips = " ".join(str(f["properties"].get("tip", "")) + str(f["properties"].get("popup", "")) for f in feats)
    assert "&lt;img src=x onerror=alert(1)&gt;" in tips  # the node, in its tooltip and popup
    assert "<img" not in tips
    names = " ".join(overlay_names(page))
    assert "&lt;/script&gt;" in names
    assert "<script" not in names
    assert "&#36;&#123;alert(2)&#125;" in names


def test_no_template_injection(routes: list[Route], sgraph: Any) -> None:
    """branca compiles macro output as Jinja: data must never reach it as template syntax."""
    from dataclasses import replace

    g = sgraph.copy()
    g.nodes["rail:c"]["name"] = "N{{ 8*8 }}{% if 1 %}IF{% endif %}"
    r2 = Router(g, load_parameters(), families={})
    route = replace(r2.route("rail:a", "port:q"), label="L{{ 7*7 }}{# c #}")
    page = map_html(route_map([route], G=g, title="T{{ 6*6 }}"))
    for evaluated in ("T36", "L49", "N64", "NIF"):
        assert evaluated not in page
    assert "T&#123;&#123; 6*6 &#125;&#125;" in page
    tips = " ".join(f["properties"].get("tip", "") for fc in layer_data(page) for f in fc["features"])
    assert "N&#123;&#123; 8*8 &#125;&#125;" in tips
    assert "{{" not in page


def test_template_literal_chars_escaped() -> None:
    from corridors.maps.style import esc

    assert esc("`${x}`") == "&#96;&#36;&#123;x&#125;&#96;"
    assert esc("<a href='x'>&</a>") == "&lt;a href=&#x27;x&#x27;&gt;&amp;&lt;/a&gt;"


def test_legs_have_tooltip_and_popup(page: str, routes: list[Route]) -> None:
    feats = [f for fc in layer_data(page) for f in fc["features"] if f["geometry"]["type"] == "LineString" and "popup" in f["properties"]]
    assert len(feats) == sum(len(r.moves) for r in routes)
    p = feats[0]["properties"]
    for word in ("mode", "length", "time", "countries", "chokepoints", "status", "source"):
        assert word in p["popup"]
    assert "km" in p["tip"]
    assert " h" in p["tip"]


def test_nodes_are_circle_markers_without_sea_junctions(page: str) -> None:
    points = [f for fc in layer_data(page) for f in fc["features"] if f["geometry"]["type"] == "Point"]
    assert points
    assert "L.circleMarker(" in page
    popups = " ".join(str(f["properties"].get("popup", "")) for f in points)
    assert "sea:1" not in popups
    assert "gauge change" in popups
    assert "border" in popups
    gauge = [f for f in points if "Gauge" in f["properties"].get("tip", "") and "popup" in f["properties"]]
    assert gauge
    assert gauge[0]["properties"]["style"]["fillColor"] == "#ffd400"


def test_mode_by_dash_route_by_colour() -> None:
    from corridors.maps.style import ROUTE_COLORS, route_color

    styles = {m: leg_style(m, "operational", best=False, color="#123456") for m in ("rail", "sea", "ferry", "road")}
    assert {s["color"] for s in styles.values()} == {"#123456"}  # the route's colour on every mode
    assert "dashArray" not in styles["rail"]  # rail solid
    dashes = [styles[m]["dashArray"] for m in ("sea", "ferry", "road")]
    assert len(set(dashes)) == 3  # sea dashed, ferry dotted, road dash-dot: all different
    assert len(styles["road"]["dashArray"].split()) == 4  # dash-dot
    # status by opacity: planned fainter than under construction, fainter than operational
    op = [leg_style("rail", s, best=False)["opacity"] for s in ("operational", "under_construction", "planned")]
    assert op[0] > op[1] > op[2]
    best, other = (
        leg_style("sea", "operational", best=True),
        leg_style("sea", "operational", best=False),
    )
    assert best["weight"] > other["weight"]
    assert best["opacity"] > other["opacity"]
    assert len({route_color(i) for i in range(10)}) == 10 == len(ROUTE_COLORS)


def test_best_route_emphasised(page: str) -> None:
    fcs = [
        fc for fc in layer_data(page) if any("popup" in f["properties"] and f["geometry"]["type"] == "LineString" for f in fc["features"])
    ]
    first, second = (
        fcs[0]["features"][0]["properties"]["style"],
        fcs[1]["features"][0]["properties"]["style"],
    )
    assert first["weight"] > second["weight"]


def test_legend_and_summary_panels(page: str, routes: list[Route]) -> None:
    assert 'id="corridors-legend"' in page
    assert 'id="corridors-summary"' in page
    summary = page[page.index('id="corridors-summary"') :]
    summary = summary[: summary.index("</table>")]
    for col in ("days", "km", "USD/TEU", "kg CO₂/TEU", "exposure", "chokepoints"):
        assert col in summary
    assert f"{routes[0].summary()['time_days']:.1f}" in summary
    assert "Hormuz" in summary
    assert "Suez" in summary
    assert summary.count('class="corr-row') == len(routes)
    legend = page[page.index('id="corridors-legend"') :]
    for word in (
        "rail",
        "sea",
        "road",
        "planned",
        "port",
        "border crossing",
        "break of gauge",
        "chokepoint",
    ):
        assert word in legend[: legend.index("</details>")]


def test_chokepoints_drawn_and_highlighted(routes: list[Route], sgraph: Any) -> None:
    page = map_html(route_map(routes, G=sgraph, closed_chokepoints=["suez"]))
    zones = [f for fc in layer_data(page) for f in fc["features"] if f["geometry"]["type"] == "Polygon" and "tip" in f["properties"]]
    by_name = {re.sub("<[^>]+>", "", f["properties"]["tip"]).split("(")[0].strip(): f["properties"] for f in zones}
    assert by_name["Strait of Hormuz"]["style"]["fillColor"] == "#fdae61"  # passed by route 1
    assert "littoral: Iran (IRN), Oman (OMN)" in by_name["Strait of Hormuz"]["tip"] or "IRN" in by_name["Strait of Hormuz"]["tip"]
    assert by_name["Suez Canal"]["style"].get("className") == "corr-closed"
    assert "closed" in by_name["Suez Canal"]["tip"]
    assert by_name["Bering Strait"]["style"]["fillColor"] == "#bdbdbd"  # not on a shown route
    ice = next(p for n, p in by_name.items() if n.startswith("Ice"))
    assert "Jul–Nov" in ice["tip"]
    assert "<img" not in ice["tip"]
    assert 'id="corr-hatch"' in page


def test_network_layer_hidden_and_only_named_legs(routes: list[Route], sgraph: Any) -> None:
    G2 = sgraph.copy()
    G2.add_edge(
        "sea:1",
        "port:q",
        key="marnet-1",
        origin="marnet",
        mode="sea",
        geometry=sgraph.edges["sea:1", "port:q", "1q"]["geometry"],
    )
    page = map_html(route_map(routes, G=G2))
    name = overlays(page)["Network: every named leg"]
    fc = layer_of(page, name)
    assert f"{name}.addTo(" not in page  # hidden until switched on
    assert not any("marnet-1" in f["properties"].get("tip", "") for f in fc["features"])
    lines = [f for f in fc["features"] if f["geometry"]["type"] == "LineString"]
    assert len(lines) == len(LEGS)  # one per leg, not per direction
    page_off = map_html(route_map(routes, G=sgraph, show_network=False))
    assert "Network: every named leg" not in page_off


def test_antimeridian_continuous(r: Router, sgraph: Any) -> None:
    route = r.route("rail:a", "port:w")
    raw = [c for mv in route.moves for c in mv.coords]
    assert any(c[0] > 160 for c in raw)
    assert any(c[0] < -160 for c in raw)
    page = map_html(route_map([route], G=sgraph))
    lines = [
        f["geometry"]["coordinates"]
        for fc in layer_data(page)
        for f in fc["features"]
        if f["geometry"]["type"] == "LineString" and "popup" in f["properties"]
    ]
    lons = [c[0] for line in lines for c in line]
    assert max(lons) > 180  # drawn past the antimeridian ...
    for a, b in itertools.pairwise(lons):
        assert abs(b - a) < 180  # ... never jumping across the world
    # the view is fitted to the unwrapped route
    bounds = json.loads(re.search(r"corridorsFit\(\w+, (\[\[.*?\]\])\)", page).group(1))
    assert bounds[1][1] == pytest.approx(max(lons), abs=0.01)
    assert bounds[0][1] < 61
    # the Bering polygon and the end marker sit beside the route, not on the other side of the map
    pts = [
        f["geometry"]["coordinates"]
        for fc in layer_data(page)
        for f in fc["features"]
        if f["geometry"]["type"] == "Point" and "label" in f["properties"]
    ]
    assert any(p[0] == pytest.approx(195.0) for p in pts)
    bering = [f for fc in layer_data(page) for f in fc["features"] if "Bering" in f["properties"].get("tip", "")]
    assert bering
    assert min(c[0] for c in bering[0]["geometry"]["coordinates"][0]) > 180
    # the basemap has a shifted copy for beyond 180 (Alaska)
    assert any(
        c[0] > 190
        for fc in layer_data(page)
        for f in fc["features"]
        if f["geometry"]["type"] in ("Polygon", "MultiPolygon") and not f["properties"]
        for c in _ring_points(f["geometry"])
    )


def _ring_points(geom: dict[str, Any]) -> list[list[float]]:
    rings = geom["coordinates"] if geom["type"] == "Polygon" else [r for p in geom["coordinates"] for r in p]
    return [c for ring in rings for c in ring]


def test_baseline_and_closures(routes: list[Route], sgraph: Any) -> None:
    page = map_html(
        route_map(
            routes[1:2],
            G=sgraph,
            baseline=routes[:1],
            closed_chokepoints=["hormuz"],
            closed_legs=["pq"],
            constraints=Constraints(avoid_chokepoints=("hormuz",), avoid_countries=("IRN",)),
        )
    )
    names = overlay_names(page)
    assert any("baseline: " in n and "INSTC east" in n for n in names)
    assert "Closed / avoided" in names
    assert "Avoided countries" in names
    base = [fc for fc in layer_data(page) if any("baseline B1" in f["properties"].get("popup", "") for f in fc["features"])]
    assert base
    assert all(f["properties"]["style"]["color"] == "#8c8c8c" for f in base[0]["features"])
    assert "corr-baseline" in page
    assert "avoids IRN" in page


def test_baseline_paired_by_family(routes: list[Route], sgraph: Any) -> None:
    from dataclasses import replace

    now = [replace(routes[0], family="a", label="A"), replace(routes[1], family="b", label="B")]
    before = [
        replace(routes[0], family="a", label="A"),
        replace(routes[2], family="b", label="B"),
        replace(routes[2], family="c", label="C"),
    ]
    page = map_html(route_map(now, G=sgraph, baseline=before))
    names = [n for n in overlay_names(page) if "baseline: " in n]
    assert len(names) == 2  # B1 is identical to route 1: not drawn twice
    assert not any("B1" in n for n in names)
    summary = page[page.index('id="corridors-summary"') :]
    summary = summary[: summary.index("</table>")]
    assert "unchanged" in summary  # route 1
    delta = now[1].time_days - before[1].time_days
    assert f"{delta:+.1f}" in summary  # route 2 against B2
    assert "no route in this scenario" in summary  # family c
    assert "Against the baseline: 1 changed" in summary


def test_closed_leg_removed_from_graph_drawn_from_baseline(routes: list[Route], sgraph: Any) -> None:
    G2 = sgraph.copy()
    G2.remove_edge("port:p", "port:q", key="pq")
    G2.remove_edge("port:q", "port:p", key="pq")
    page = map_html(route_map(routes[1:2], G=G2, baseline=routes[:1], closed_legs=["pq"]))
    closed = layer_of(page, overlays(page)["Closed / avoided"])
    assert len(closed["features"]) == 1
    assert "pq" in closed["features"][0]["properties"]["tip"]


def test_online_tiles_optional(routes: list[Route]) -> None:
    off = map_html(route_map(routes[:1]))
    on = map_html(route_map(routes[:1], online_tiles=True))
    assert "tile.openstreetmap.org" not in off
    assert "tile.openstreetmap.org" in on
    assert not re.search(r"<script[^>]+src=", on)


def test_without_graph(routes: list[Route]) -> None:
    page = map_html(route_map(routes))
    assert page.count("L.featureGroup(") == len(routes)
    assert "Chokepoints" not in overlay_names(page)


def test_save_map_refuses_foreign_file(routes: list[Route], sgraph: Any, tmp_path: Path) -> None:
    foreign = tmp_path / "report.html"
    foreign.write_text("<html><body>my own report</body></html>")
    with pytest.raises(OutputExistsError):
        save_map(routes, foreign, G=sgraph)
    assert foreign.read_text() == "<html><body>my own report</body></html>"
    save_map(routes, foreign, G=sgraph, force=True)
    assert written_by_us(foreign)
    own = tmp_path / "map.html"
    save_map(routes, own, G=sgraph, title="first")
    save_map(routes, own, G=sgraph, title="second")  # our own file: replaced
    assert "<title>second</title>" in own.read_text()
    assert not list(tmp_path.glob(".*.tmp"))


def test_core_does_not_import_folium() -> None:
    code = "import sys, corridors, corridors.routing, corridors.model, corridors.convert, corridors.graph; print('folium' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603 - our own interpreter
    assert out.stdout.strip() == "False"


def test_bundled_compare_map(router: Any, tmp_path: Path) -> None:
    """Integration: the six-family comparison on the bundled network stays small and complete."""
    res = router.compare("Chelyabinsk", "Mumbai")
    assert len(res.routes) >= 2
    path = save_map(res.routes, tmp_path / "compare.html", G=router.G, title="Chelyabinsk → Mumbai")
    page = path.read_text()
    assert path.stat().st_size <= 1_500_000
    assert page.count("L.featureGroup(") == len(res.routes)
    names = overlay_names(page)
    for rt in res.routes:
        assert any(rt.label.split(" ")[0] in n for n in names)
    for fc in layer_data(page):
        for f in fc["features"]:
            if f["geometry"]["type"] == "LineString" and "popup" in f["properties"]:
                lons = [c[0] for c in f["geometry"]["coordinates"]]
                assert all(abs(b - a) < 180 for a, b in itertools.pairwise(lons))


def _route_layers(page: str) -> list[list[dict[str, Any]]]:
    """Per route (in order), the leg features of its layer (the ones with a popup and a line)."""
    out = []
    for fc in layer_data(page):
        legs = [
            f
            for f in fc["features"]
            if f["geometry"]["type"] == "LineString" and "popup" in f["properties"] and "route " in f["properties"]["popup"]
        ]
        if legs:
            out.append(legs)
    return out


def test_shared_only_when_the_same_move(router: Any) -> None:
    """A leg claims "shared with route N" only if route N makes that very move (issue 12: legs said
    "shared with routes 2–9" because one sea-lane edge of a long voyage was common)."""
    res = router.compare("Chelyabinsk", "Mumbai")
    page = map_html(route_map(res.routes, G=router.G))
    layers = _route_layers(page)
    assert len(layers) == len(res.routes)
    claims = 0
    for i, (rt, legs) in enumerate(zip(res.routes, layers, strict=True)):
        assert len(legs) == len(rt.moves)
        for mv, f in zip(rt.moves, legs, strict=True):
            m = re.search(r"<th>shared with</th><td>routes? ([\d, ]+)</td>", f["properties"]["popup"])
            others = [int(x) for x in m.group(1).split(",")] if m else []
            claims += len(others)
            truth = [j + 1 for j, o in enumerate(res.routes) if j != i and any(x.leg_ids == mv.leg_ids for x in o.moves)]
            assert others == truth, (rt.label, mv.from_name, mv.to_name)
    assert claims > 0  # some legs really are shared (the Chelyabinsk rail legs of the INSTC routes)


def test_one_colour_per_route_mode_by_dash(router: Any) -> None:
    from corridors.maps.style import route_color

    res = router.compare("Chelyabinsk", "Mumbai")
    page = map_html(route_map(res.routes, G=router.G))
    colours = []
    for i, legs in enumerate(_route_layers(page)):
        cs = {f["properties"]["style"]["color"] for f in legs}
        assert cs == {route_color(i)}
        colours.append(cs.pop())
        for f, mv in zip(legs, res.routes[i].moves, strict=True):
            dash = f["properties"]["style"].get("dashArray")
            assert (dash is None) == (mv.mode == "rail")
    assert len(set(colours)) == len(res.routes)
    # the badge in the layer control has the route's colour
    for i, name in enumerate(n for n in overlay_names(page) if "corr-badge" in n):
        assert f"background:{route_color(i)}" in name


def test_offline_labels(router: Any) -> None:
    from corridors.maps.labels import SEA_LABELS

    res = router.compare("Chelyabinsk", "Mumbai")
    page = map_html(route_map(res.routes, G=router.G))
    items = [json.loads(m) for m in re.findall(r"corridorsLabels\(\w+, (\[.*?\]\]), ", page)]
    assert len(items) == 2
    bg, fg = items
    names = {it[0] for it in bg}
    assert {"Kazakhstan", "India", "Iran", "Russia"} <= names
    assert {"Arabian Sea", "Caspian Sea", "Indian Ocean"} <= names
    assert all(name in {s[0] for s in SEA_LABELS} for name, *_, cls, _w in bg if cls == "corr-lbl-sea")
    cities = {it[0] for it in fg}
    assert {"Bandar Abbas", "Chabahar", "Astrakhan"} <= cities
    assert all(it[3] <= 3 for it in fg if it[0] in ("Bandar Abbas", "Chabahar"))  # on a route: from zoom 3


def test_map_figures_are_the_json_figures(router: Any) -> None:
    from corridors.maps.figures import days_text, fmt_metric

    res = router.compare("Chelyabinsk", "Mumbai")
    page = map_html(route_map(res.routes, G=router.G))
    summary = page[page.index('id="corridors-summary"') :]
    for i, rt in enumerate(res.routes):
        s = rt.to_dict()
        for key in ("time_days", "length_km", "cost_usd", "co2_kg", "exposure"):
            text = days_text(s) if key == "time_days" else fmt_metric(key, s[key])
            assert f'data-key="{key}" data-value="{s[key]}">{text}' in summary, (rt.label, key)
        legs = _route_layers(page)[i]
        for f, st in zip(legs, [x for x in s["steps"] if x["type"] == "leg"], strict=True):
            popup = f["properties"]["popup"]
            assert f"{fmt_metric('length_km', st['length_km'])} km" in popup
            assert f"{fmt_metric('cost_usd', st['cost_usd'])} USD/TEU" in popup
            assert f"{days_text(s)} days" in popup  # the whole route, as in the table


def _doc_blocks(lang: str) -> list[str]:
    text = (Path(__file__).parent.parent / "docs" / "maps.md").read_text(encoding="utf-8")
    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


def _has_chromium() -> bool:
    from corridors.maps.browser import BrowserError, find_chromium

    try:
        find_chromium()
    except BrowserError:
        return False
    return True


def test_docs_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every `corridors ...` command and the Python example in docs/maps.md run as written (maps
    written to a temporary folder; --open is dropped so no browser starts)."""
    import shlex

    from click.testing import CliRunner
    from corridors.cli.main import cli

    monkeypatch.chdir(tmp_path)
    commands = [line.split("#")[0].strip() for block in _doc_blocks("sh") for line in block.splitlines()]
    commands = [c for c in commands if c.startswith("corridors ")]
    assert len(commands) >= 4
    for cmd in commands:
        args = [a for a in shlex.split(cmd)[1:] if a != "--open"]
        if not _has_chromium():  # --pdf / --png need a browser: tested in test_maps_browser.py
            args = [a for i, a in enumerate(args) if a not in ("--pdf", "--png") and (i == 0 or args[i - 1] not in ("--pdf", "--png"))]
        res = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert res.exit_code == 0, (cmd, res.output)
        for a in args:
            if a.endswith((".html", ".pdf", ".png")):
                assert (tmp_path / a).stat().st_size > 10_000, (cmd, a)
    for code in _doc_blocks("python"):
        exec(compile(code, "docs/maps.md", "exec"), {"__name__": "docs_example"})  # noqa: S102 - our own docs


def test_notebook_display(router: Any) -> None:
    """In Jupyter a comparison and a route display as the table with the map beside it once the maps
    are loaded (IPython's HTML formatter, registered by ``corridors.maps``), and as a plain table from
    the core alone (which imports no maps)."""
    from corridors.maps.notebook import load_ipython_extension

    class Formatter:
        def __init__(self) -> None:
            self.printers: dict[type, Any] = {}

        def for_type(self, typ: type, fn: Any) -> None:
            self.printers[typ] = fn

    class Display:
        def __init__(self) -> None:
            self.formatters = {"text/html": Formatter()}

    class Shell:
        display_formatter = Display()

    shell = Shell()
    load_ipython_extension(shell)
    printers = shell.display_formatter.formatters["text/html"].printers
    res = router.compare("Chelyabinsk", "Mumbai")
    out = printers[type(res)](res)
    assert out.count('class="corr-row') == len(res.routes)
    assert "srcdoc=" in out and "leaflet" in out.lower()
    for r in res.routes:
        assert f'data-value="{r.summary()["time_days"]}"' in out
    one = printers[type(res.routes[0])](res.routes[0])
    assert one.count('class="corr-row') == 1
    # the core's own display: a table of the same routes, no map
    plain = res._repr_html_()
    assert "<table" in plain and "srcdoc=" not in plain
    assert all(r.label in plain for r in res.routes)
