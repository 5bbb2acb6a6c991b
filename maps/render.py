"""Interactive comparison maps of routes (folium / Leaflet), self-contained and offline by default.

:func:`route_map` composes the map; :func:`save_map` renders it to one HTML file that needs no
network: Leaflet inlined, no CDN links, an offline basemap drawn from ``data/countries.geojson``.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium

from corridors.convert import write_atomic
from corridors.geo import Coord, latlon, unwrap
from corridors.model import Move, Route, Stop, step_dict

from .figures import cli_number, days_text, fmt_metric, uncertainty
from .geometry import (
    DIGITS,
    SIMPLIFY_DEG,
    Frame,
    basemap_features,
    countries,
    country_names,
    edge_coords,
    frame_of,
    round_geometry,
    shift_coords,
    simplify_line,
    translate,
    unwrap_route,
)
from .labels import background_labels, place_labels
from .layers import FeatureLayer, LabelLayer
from .layers import js_json as _js_json
from .offline import OfflineMap, add_offline_assets, add_to_page, page_html
from .panels import (
    HATCH_SVG,
    PAGE_CSS,
    PAGE_JS,
    SUMMARY_JS,
    MapScript,
    PanelControl,
    SummaryRow,
    badge_html,
    legend_html,
    summary_html,
)
from .style import (
    AVOIDED_COUNTRY_STYLE,
    BASELINE_COLOR,
    CLOSED_LEG_STYLE,
    HIGHLIGHT_EXTRA_WEIGHT,
    LAND_STYLE,
    NETWORK_OPACITY,
    NETWORK_WEIGHT,
    NODE_STYLE,
    STATUS_DASH,
    ZONE_STYLE,
    esc,
    leg_style,
    mode_style,
    months_text,
    route_color,
)

if TYPE_CHECKING:
    import networkx as nx

    from corridors.routing import Constraints

__all__ = ["map_html", "route_map", "save_map"]

BASEMAP_NOTE = "Basemap: Natural Earth admin-0 countries (public domain), simplified. Sea lanes: Eurostat SeaRoute / searoute."
ATTRIBUTION = "corridors · basemap © Natural Earth (public domain)"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'

#: fit the routes into the part of the map the panels leave free (measured in the browser)
FIT_JS = """
(function () {
  // on a narrow window fold the legend rather than let it cover the summary table
  var sum = document.getElementById('corridors-summary'), leg = document.getElementById('corridors-legend');
  if (sum && leg && sum.getBoundingClientRect().right + 8 > leg.getBoundingClientRect().left) {
    leg.querySelector('details').open = false;
  }
  corridorsFit({map}, BOUNDS);
  // until the reader moves the map, refit it when the window changes size (a headless browser
  // may lay the page out at one size and take the screenshot at another)
  var touched = false;
  {map}.getContainer().addEventListener('pointerdown', function () { touched = true; });
  {map}.getContainer().addEventListener('wheel', function () { touched = true; });
  {map}.on('resize', function () { if (!touched) corridorsFit({map}, BOUNDS); });
})();
"""

# z-index of the map panes (Leaflet: tiles 200, overlays 400, markers 600, tooltips 650, popups 700)
PANE_BASEMAP = ("corr-basemap", 250)
PANE_AVOIDED = ("corr-avoided", 260)
PANE_NETWORK = ("corr-network", 380)
PANE_ZONES = ("corr-zones", 390)
PANE_CLOSURES = ("corr-closures", 395)
PANE_BASELINE = ("corr-baseline", 405)
PANE_NODES = ("corr-nodes", 560)
PANE_LABELS_BG = ("corr-labels-bg", 300)  # country and sea names: above the land, under everything else
PANE_LABELS_FG = ("corr-labels-fg", 570)  # city and port names: above the routes
ROUTE_PANE_Z = 520  # route i gets ROUTE_PANE_Z - i, so the best route is drawn on top

PASS_RADIUS = 3.0  # places a route passes without stopping

NODE_KIND_TEXT = {
    "port": "port",
    "rail_terminal": "rail terminal",
    "border_crossing": "border crossing",
    "city": "city",
    "junction": "junction",
}


# ------------------------------------------------------------------------------------ public API
def route_map(
    routes: Sequence[Route],
    G: nx.MultiDiGraph | None = None,
    title: str = "",
    constraints: Constraints | None = None,
    online_tiles: bool = False,
    show_network: bool = True,
    closed_chokepoints: Sequence[str] = (),
    closed_legs: Sequence[str] = (),
    baseline: Sequence[Route] = (),
    panels_open: bool = True,
) -> folium.Map:
    """An interactive map comparing ``routes``; ``routes[0]`` is drawn as the best one.

    Parameters
    ----------
    routes
        Routes to draw, each as its own layer (toggled in the layer control).
    G
        The network the routes were found on. With it the map also shows chokepoint and
        seasonal-zone polygons, closed legs and (``show_network``) every named leg as a hidden
        background layer.
    title
        Shown above the summary table and as the page title.
    constraints
        The constraints the routes honour: described under the title; avoided chokepoints, legs and
        countries are marked.
    online_tiles
        Also add an OpenStreetMap tile layer (needs internet when viewed); Leaflet stays inline.
    show_network
        Add the background network layer (hidden until switched on in the layer control).
    closed_chokepoints, closed_legs
        Closed in a scenario: drawn red and hatched.
    baseline
        Routes before a scenario, drawn as grey layers for comparison.
    panels_open
        Whether the summary table and the legend on the map start unfolded (a report, which shows
        the table under the map, folds them).

    Returns
    -------
    folium.Map
        Render with :func:`map_html` or write with :func:`save_map`.
    """
    routes = list(routes)
    baseline = list(baseline)
    closed_ch = list(dict.fromkeys([*closed_chokepoints, *(constraints.avoid_chokepoints if constraints else ())]))
    closed_lg = list(dict.fromkeys([*closed_legs, *(constraints.avoid_legs if constraints else ())]))
    ctx = _Context(G=G, names=country_names())

    drawn = [_prepare(r, ctx, i, best=(i == 0 and len(routes) > 0)) for i, r in enumerate(routes)]
    # a baseline route identical to the scenario's route of the same family is not drawn again
    pairs = _pair_baseline(routes, baseline)
    base = [_prepare(b, ctx, j, best=False, baseline=True) for j, b in enumerate(baseline) if not _same(routes, b, pairs[j])]
    frame = frame_of([c for d in drawn + base for c in d.lines])
    for d in drawn + base:
        d.bounds = frame_of(d.lines).bounds()

    m = OfflineMap(
        location=[(frame.south + frame.north) / 2, frame.center_lon],
        zoom_start=3,
        tiles=None,
        control_scale=True,
        min_zoom=1,
        max_zoom=12,
        zoom_snap=0.25,
        zoom_delta=0.5,
        world_copy_jump=False,
    )
    for name, z in (PANE_BASEMAP, PANE_AVOIDED, PANE_LABELS_BG, PANE_LABELS_FG):
        folium.map.CustomPane(name, z_index=z, pointer_events=False).add_to(m)
    for name, z in (PANE_NETWORK, PANE_ZONES, PANE_CLOSURES, PANE_BASELINE, PANE_NODES):
        folium.map.CustomPane(name, z_index=z, pointer_events=True).add_to(m)
    for i in range(len(routes)):
        folium.map.CustomPane(f"corr-route-{i + 1}", z_index=ROUTE_PANE_Z - i, pointer_events=True).add_to(m)

    if online_tiles:
        folium.TileLayer(
            "OpenStreetMap",
            name="OpenStreetMap (online)",
            attr=OSM_ATTRIBUTION,
            overlay=False,
            control=True,
        ).add_to(m)
    _add_basemap(m, frame, show=not online_tiles)
    _add_labels(m, G, drawn + base, frame)
    avoided_countries = list(constraints.avoid_countries) if constraints else []
    if avoided_countries:
        _add_avoided_countries(m, avoided_countries, ctx)
    if G is not None and show_network:
        _add_network(m, G, frame, ctx)
    zone_kinds = _add_zones(m, G, drawn, base, closed_ch, frame, ctx) if G is not None else set()
    has_closures = _add_closures(
        m,
        G,
        closed_lg,
        list(constraints.avoid_nodes) if constraints else [],
        drawn + base,
        frame,
        ctx,
    )

    for d in base:
        _add_route(m, d, ctx, baseline=True)
    badges = _Badges(frame, [(e.lon, e.lat, e.name) for e in _endpoints(drawn + base)])
    for d in drawn:
        _add_route(m, d, ctx, badges=badges)
    _add_endpoints(m, drawn + base, ctx)

    folium.LayerControl(position="topright", collapsed=False).add_to(m)

    # panels
    subtitle = _subtitle(constraints, closed_chokepoints, closed_legs, ctx)
    if baseline:
        subtitle.append(_baseline_text(routes, baseline, pairs))
    rows = [_summary_row(d, ctx, _paired(d, baseline, pairs)) for d in drawn]
    rows += [_summary_row(d, ctx) for d in base if pairs[int(d.number[1:]) - 1] is None]
    foot = (
        "Cost and CO₂ per TEU, estimated from data/parameters.toml; exposure = weighted "
        "chokepoint passages. Bold: best in column. Click a row to zoom."
    )
    PanelControl("corridors-summary", summary_html(title, subtitle, rows, foot, open_=panels_open), "bottomleft", SUMMARY_JS).add_to(m)
    modes = sorted({mv.mode for d in drawn + base for mv in d.route.moves})
    statuses = sorted({mv.status for d in drawn + base for mv in d.route.moves} | ({"operational"} if closed_lg else set()))
    roles = sorted({n.role if n.stops else "pass" for d in drawn for n in d.nodes})
    legend = legend_html(
        modes,
        statuses,
        roles,
        sorted(zone_kinds),
        bool(base),
        len(drawn) > 1,
        has_closures,
        bool(avoided_countries),
        BASEMAP_NOTE,
        colors=[d.color for d in drawn],
        open_=panels_open,
    )
    PanelControl("corridors-legend", legend, "bottomright").add_to(m)
    MapScript("{map}.attributionControl.addAttribution(" + _js_str(ATTRIBUTION) + ");").add_to(m)

    MapScript(FIT_JS.replace("BOUNDS", _js_json(frame.bounds()))).add_to(m)
    add_offline_assets(m, title=title or "corridors map", extra_css=PAGE_CSS)
    add_to_page(m, head=f"<script>{PAGE_JS}</script>", body=HATCH_SVG, name="corridors")
    return m


def map_html(m: folium.Map) -> str:
    """The map as one self-contained HTML page (no CDN script or stylesheet)."""
    return page_html(m)


def save_map(
    routes: Sequence[Route],
    path: str | Path,
    G: nx.MultiDiGraph | None = None,
    title: str = "",
    constraints: Constraints | None = None,
    online_tiles: bool = False,
    force: bool = False,
    **kw: Any,
) -> Path:
    """Render :func:`route_map` and write it atomically to ``path``.

    An existing file is replaced only if corridors wrote it (its ``<meta name="generator">``) or
    with ``force``; otherwise :class:`corridors.convert.OutputExistsError` is raised. Extra keywords
    go to :func:`route_map` (``show_network``, ``closed_chokepoints``, ``closed_legs``,
    ``baseline``).
    """
    m = route_map(routes, G=G, title=title, constraints=constraints, online_tiles=online_tiles, **kw)
    return write_atomic(path, map_html(m), force=force)


# ---------------------------------------------------------------------------------- preparation
@dataclass
class _Context:
    G: Any
    names: dict[str, str]
    leg_routes: dict[str, set[int]] = field(default_factory=dict)  # leg id -> routes using it
    move_routes: dict[tuple[str, ...], set[int]] = field(default_factory=dict)  # whole move -> routes

    def country(self, code: str | None) -> str:
        if not code:
            return "—"
        name = self.names.get(code)
        return f"{name} ({code})" if name else code

    def zone_name(self, zid: str) -> str:
        zones = self.G.graph.get("chokepoints", {}) if self.G is not None else {}
        z = zones.get(zid)
        return str(getattr(z, "name", None) or zid)


@dataclass
class _Node:
    id: str
    name: str
    kind: str
    country: str | None
    lon: float
    lat: float
    role: str
    stops: list[Stop] = field(default_factory=list)


@dataclass
class _Drawn:
    route: Route
    number: str
    best: bool
    baseline: bool
    lines: list[list[Coord]]  # unwrapped coordinates, one list per move
    nodes: list[_Node]
    bounds: list[list[float]] | None = None
    color: str = BASELINE_COLOR

    @property
    def label(self) -> str:
        r = self.route
        return r.label or r.family or r.objective or "route"


def _prepare(r: Route, ctx: _Context, i: int, best: bool, baseline: bool = False) -> _Drawn:
    moves = r.moves
    # every route starts in [-180, 180) and continues past ±180 where it crosses the antimeridian
    first = next((mv.coords[0][0] for mv in moves if mv.coords), None)
    ref = None if first is None else ((first + 180.0) % 360.0) - 180.0
    lines = unwrap_route([mv.coords for mv in moves], ref)
    stops: dict[str, list[Stop]] = {}
    for s in r.stops:
        stops.setdefault(s.node_id, []).append(s)
    nodes: dict[str, _Node] = {}
    for mv, line in zip(moves, lines, strict=True):
        if not line:
            continue
        for nid, name, (lon, lat) in (
            (mv.from_id, mv.from_name, line[0]),
            (mv.to_id, mv.to_name, line[-1]),
        ):
            if nid in nodes or str(nid).startswith("sea:"):
                continue
            kind = r.node_kinds.get(nid) or _graph_node(ctx.G, nid).get("kind") or "city"
            country = r.node_countries.get(nid, _graph_node(ctx.G, nid).get("country"))
            here = stops.get(nid, [])
            role = "gauge_change" if any("gauge" in s.kind for s in here) else str(kind)
            if role not in NODE_STYLE:
                role = "city"
            nodes[nid] = _Node(nid, str(name), str(kind), country, lon, lat, role, here)
    if not baseline:
        for leg in r.leg_ids:
            ctx.leg_routes.setdefault(leg, set()).add(i + 1)
        for mv in moves:
            ctx.move_routes.setdefault(mv.leg_ids, set()).add(i + 1)
    number = f"B{i + 1}" if baseline else str(i + 1)
    color = BASELINE_COLOR if baseline else route_color(i)
    return _Drawn(r, number, best, baseline, lines, list(nodes.values()), color=color)


def _graph_node(
    G: Any,
    nid: str,
) -> dict[str, Any]:
    if G is None or nid not in G:
        return {}
    return dict(G.nodes[nid])


# --------------------------------------------------------------------------------------- layers
def _layer(
    features: list[dict[str, Any]],
    name: str,
    pane: str,
    show: bool = True,
    control: bool = True,
    interactive: bool = True,
) -> FeatureLayer:
    return FeatureLayer(features, name=name, pane=pane, show=show, control=control, interactive=interactive)


def _add_basemap(m: Any, frame: Frame, show: bool) -> None:
    feats = basemap_features(frame)
    if not feats:
        return
    FeatureLayer(
        feats,
        name="Basemap: countries (Natural Earth)",
        pane=PANE_BASEMAP[0],
        show=show,
        interactive=False,
        default_style=LAND_STYLE,
    ).add_to(m)


def _add_labels(m: Any, G: Any, drawn: list[_Drawn], frame: Frame) -> None:
    """Offline names: seas and countries under the routes, cities and ports above them."""

    def escaped(items: list[list[Any]]) -> list[list[Any]]:
        return [[esc(it[0]), *it[1:]] for it in items]

    bg = background_labels(frame)
    if bg:
        LabelLayer(escaped(bg), "Labels: countries and seas", PANE_LABELS_BG[0]).add_to(m)
    on_routes = [n.id for d in drawn for n in d.nodes]
    ends = [x for d in drawn for x in (d.route.origin, d.route.destination)]
    fg = place_labels(G, on_routes, frame, exclude=ends)
    if fg:
        LabelLayer(escaped(fg), "Labels: cities and ports", PANE_LABELS_FG[0]).add_to(m)


def _add_avoided_countries(m: Any, codes: list[str], ctx: _Context) -> None:
    feats = []
    for c in countries():
        if c.iso in codes:
            feats.append(
                {
                    "type": "Feature",
                    "properties": {"style": AVOIDED_COUNTRY_STYLE},
                    "geometry": c.fine,
                }
            )
    if feats:
        _layer(feats, "Avoided countries", PANE_AVOIDED[0], interactive=False).add_to(m)


def _add_network(
    m: Any,
    G: Any,
    frame: Frame,
    ctx: _Context,
) -> None:
    feats: list[dict[str, Any]] = []
    for u, v, k, d in G.edges(keys=True, data=True):
        if d.get("reverse") or d.get("origin") != "data" or d.get("geometry") is None:
            continue
        coords = edge_coords(d["geometry"])
        if len(coords) < 2:
            continue
        coords = shift_coords(coords, frame.shift_for(sum(c[0] for c in coords) / len(coords)))
        mode = str(d.get("mode", ""))
        status = str(d.get("status", "operational"))
        ms = mode_style(mode)
        style = {"color": ms["color"], "weight": NETWORK_WEIGHT, "opacity": NETWORK_OPACITY}
        if STATUS_DASH.get(status):
            style["dashArray"] = STATUS_DASH[status]
        tip = (
            f"<b>{esc(G.nodes[u].get('name', u))} – {esc(G.nodes[v].get('name', v))}</b><br>"
            f"{esc(mode)} · {esc(status.replace('_', ' '))} · "
            f"{float(d.get('length_km', 0)):,.0f} km"
            f"<br><span class='corr-dim'>{esc(k)}</span>"
        )
        geom = {
            "type": "LineString",
            "coordinates": simplify_line(coords, SIMPLIFY_DEG.get(mode, 0.01), 3),
        }
        feats.append(
            {
                "type": "Feature",
                "properties": {"style": style, "hl": 2.5, "tip": tip},
                "geometry": geom,
            }
        )
    for n, d in G.nodes(data=True):
        if str(n).startswith("sea:") or d.get("kind") == "junction" or d.get("origin") == "dataset" or "x" not in d:
            continue
        role = str(d.get("kind")) if d.get("kind") in NODE_STYLE else "city"
        st = NODE_STYLE[role]
        style = {k: st[k] for k in ("color", "fillColor", "fillOpacity", "weight")}
        style.update(radius=3.0, weight=1.0, opacity=0.8, fillOpacity=0.8)
        kind = NODE_KIND_TEXT.get(str(d.get("kind")), str(d.get("kind")))
        tip = f"<b>{esc(d.get('name', n))}</b><br>{esc(kind)} · {esc(ctx.country(d.get('country')))}"
        lon = float(d["x"]) + frame.shift_for(float(d["x"]))
        feats.append(
            {
                "type": "Feature",
                "properties": {"style": style, "tip": tip},
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(lon, 3), round(float(d["y"]), 3)],
                },
            }
        )
    if feats:
        _layer(feats, "Network: every named leg", PANE_NETWORK[0], show=False).add_to(m)


def _add_zones(
    m: Any,
    G: Any,
    drawn: list[_Drawn],
    base: list[_Drawn],
    closed: list[str],
    frame: Frame,
    ctx: _Context,
) -> set[str]:
    zones = G.graph.get("chokepoints", {}) or {}
    passed: dict[str, list[str]] = {}
    for d in drawn + base:
        for c in d.route.chokepoints:
            passed.setdefault(c, []).append(d.number)
    choke_feats: list[dict[str, Any]] = []
    season_feats: list[dict[str, Any]] = []
    kinds: set[str] = set()
    for zid, z in zones.items():
        geom = getattr(z, "geometry", None)
        if geom is None or geom.is_empty:
            continue
        is_choke = bool(getattr(z, "is_chokepoint", getattr(z, "kind", "") != "seasonal_zone"))
        name = str(getattr(z, "name", None) or zid)
        kind = str(getattr(z, "kind", ""))
        months = getattr(z, "months", None)
        littoral = [ctx.country(c) for c in getattr(z, "littoral", ()) or ()]
        geom = translate(geom, frame.shift_for(geom.centroid.x))
        if geom.area > 4:  # large seasonal zones: simplify for display
            geom = geom.simplify(0.02, preserve_topology=True)
        if is_choke:
            key = "closed" if zid in closed else ("passed" if zid in passed else "other")
        else:
            key = "closed" if zid in closed else "seasonal"
        kinds.add(key)
        st = {k: v for k, v in ZONE_STYLE[key].items() if k != "label"}
        parts = [f"<b>{esc(name)}</b> <span class='corr-dim'>({esc(kind.replace('_', ' '))})</span>"]
        if littoral:
            parts.append(f"littoral: {esc(', '.join(littoral))}")
        if months:
            parts.append(f"navigable {esc(months_text(months))}")
        if zid in passed:
            parts.append(f"on route{'s' if len(passed[zid]) > 1 else ''} {esc(', '.join(passed[zid]))}")
        if zid in closed:
            parts.append("<b style='color:#d7191c'>closed / avoided</b>")
        feat = {
            "type": "Feature",
            "properties": {
                "style": st,
                "hl": 1.5,
                "tip": "<br>".join(parts),
            },
            "geometry": round_geometry(geom, DIGITS),
        }
        (choke_feats if is_choke else season_feats).append(feat)
    if season_feats:
        _layer(season_feats, "Seasonal (ice) zones", PANE_ZONES[0]).add_to(m)
    if choke_feats:
        _layer(choke_feats, "Chokepoints", PANE_ZONES[0]).add_to(m)
    return kinds


def _add_closures(
    m: Any,
    G: Any,
    legs: list[str],
    nodes: list[str],
    drawn: list[_Drawn],
    frame: Frame,
    ctx: _Context,
) -> bool:
    if not (legs or nodes):
        return False
    feats: list[dict[str, Any]] = []
    wanted = set(legs)
    for u, v, k, d in G.edges(keys=True, data=True) if G is not None else ():
        if k not in wanted or d.get("reverse") or d.get("geometry") is None:
            continue
        wanted.discard(k)
        coords = edge_coords(d["geometry"])
        coords = shift_coords(coords, frame.shift_for(sum(c[0] for c in coords) / len(coords)))
        tip = _closed_tip(G.nodes[u].get("name", u), G.nodes[v].get("name", v), k)
        geom = {
            "type": "LineString",
            "coordinates": simplify_line(coords, SIMPLIFY_DEG.get(str(d.get("mode")), 0.01)),
        }
        feats.append(
            {
                "type": "Feature",
                "properties": {"style": CLOSED_LEG_STYLE, "tip": tip},
                "geometry": geom,
            }
        )
    for q in nodes if G is not None else ():
        nid = (
            q
            if q in G
            else next(
                (n for n, dd in G.nodes(data=True) if str(dd.get("name", "")).lower() == q.lower()),
                None,
            )
        )
        if nid is None or "x" not in G.nodes[nid]:
            continue
        d = G.nodes[nid]
        lon = float(d["x"]) + frame.shift_for(float(d["x"]))
        style = {"radius": 9, "color": "#d7191c", "weight": 3, "fill": False, "dashArray": "3 3"}
        tip = f"<b style='color:#d7191c'>avoided place</b><br>{esc(d.get('name', nid))}"
        feats.append(
            {
                "type": "Feature",
                "properties": {"style": style, "tip": tip},
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(lon, DIGITS), round(float(d["y"]), DIGITS)],
                },
            }
        )
    for leg in sorted(wanted):  # not in the graph (a scenario may have removed it): draw it from a route
        mv = next((mv for d in drawn for mv in d.route.moves if mv.leg_ids == (leg,)), None)
        if mv is None or len(mv.coords) < 2:
            continue
        coords = unwrap(mv.coords)
        coords = shift_coords(coords, frame.shift_for(sum(c[0] for c in coords) / len(coords)))
        tip = _closed_tip(mv.from_name, mv.to_name, leg)
        geom = {
            "type": "LineString",
            "coordinates": simplify_line(coords, SIMPLIFY_DEG.get(mv.mode, 0.01)),
        }
        feats.append(
            {
                "type": "Feature",
                "properties": {"style": CLOSED_LEG_STYLE, "tip": tip},
                "geometry": geom,
            }
        )
    if not feats:
        return False
    _layer(feats, "Closed / avoided", PANE_CLOSURES[0]).add_to(m)
    return bool(legs)


def _closed_tip(a: object, b: object, leg: str) -> str:
    return f"<b style='color:#d7191c'>closed / avoided leg</b><br>{esc(a)} – {esc(b)}<br><span class='corr-dim'>{esc(leg)}</span>"


def _add_route(m: Any, d: _Drawn, ctx: _Context, baseline: bool = False, badges: _Badges | None = None) -> None:
    r = d.route
    label = d.label
    name_html = (
        f"{badge_html(d.number, d.color, best=d.best, baseline=baseline)} "
        f"{'baseline: ' if baseline else ''}{esc(label)} "
        f"<span class='corr-dim corr-days'>{esc(days_text(r.summary()))} d</span>"
    )
    fg = folium.FeatureGroup(name=name_html, show=True)
    pane = PANE_BASELINE[0] if baseline else f"corr-route-{d.number}"
    feats: list[dict[str, Any]] = []
    for mv, line in zip(r.moves, d.lines, strict=True):
        if len(line) < 2:
            continue
        style = leg_style(mv.mode, mv.status, best=d.best, baseline=baseline, color=d.color)
        tol = SIMPLIFY_DEG.get(mv.mode, 0.01)
        feats.append(
            {
                "type": "Feature",
                "properties": {
                    "style": style,
                    "hl": HIGHLIGHT_EXTRA_WEIGHT,
                    "tip": _leg_tip(mv, d, ctx),
                    "popup": _leg_popup(mv, d, ctx),
                },
                "geometry": {"type": "LineString", "coordinates": simplify_line(line, tol)},
            }
        )
    _layer(feats, name_html, pane, control=False).add_to(fg)
    if not baseline:
        ends = {r.origin, r.destination}
        node_feats = []
        for n in d.nodes:
            if n.id in ends:
                continue
            st = {k: v for k, v in NODE_STYLE[n.role].items() if k != "label"}
            props: dict[str, Any] = {"style": st, "tip": _node_tip(n, ctx)}
            if n.stops:
                props["popup"] = _node_popup(n, d, ctx)
            else:  # passed through: a small dot with a tooltip
                st.update(radius=PASS_RADIUS, weight=1.0)
            if not d.best:
                st["radius"] = round(float(st["radius"]) * 0.85, 2)
            node_feats.append(
                {
                    "type": "Feature",
                    "properties": props,
                    "geometry": {
                        "type": "Point",
                        "coordinates": [round(n.lon, DIGITS), round(n.lat, DIGITS)],
                    },
                }
            )
        if node_feats:
            _layer(node_feats, f"{name_html} places", PANE_NODES[0], control=False).add_to(fg)
        pos = badges.place(d, ctx) if badges is not None else None
        if pos is not None:
            folium.Marker(
                location=list(latlon(round(pos[0], DIGITS), round(pos[1], DIGITS))),
                icon=folium.DivIcon(
                    html=badge_html(d.number, d.color, best=d.best, on_map=True),
                    icon_size=(19, 19),
                    icon_anchor=(10, 10),
                    class_name="corr-badge-icon",
                ),
                keyboard=False,
                z_index_offset=1000 - int(d.number) if d.number.isdigit() else 0,
            ).add_to(fg)
    fg.add_to(m)


def _add_endpoints(m: Any, drawn: list[_Drawn], ctx: _Context) -> None:
    feats = []
    for e in _endpoints(drawn):
        r = e.route
        gn = _graph_node(ctx.G, e.id)
        kind = r.node_kinds.get(e.id) or gn.get("kind") or ""
        country = r.node_countries.get(e.id, gn.get("country"))
        rows = [
            ("role", e.role),
            ("kind", NODE_KIND_TEXT.get(str(kind), str(kind))),
            ("country", ctx.country(country)),
        ]
        for s in r.stops:
            if s.node_id == e.id and s.kind == "origin_handling":
                rows.append(("handling", f"{s.dwell_h:.1f} h, {s.cost_usd:,.0f} USD/TEU"))
        if gn.get("note"):
            rows.append(("note", str(gn["note"])))
        rows.append(("id", e.id))
        st = {k: v for k, v in NODE_STYLE["endpoint"].items() if k != "label"}
        props = {
            "style": st,
            "label": esc(e.name),
            "popup": f"<div class='corr-pop'><b>{esc(e.name)}</b>{_table(rows)}</div>",
        }
        point = {"type": "Point", "coordinates": [round(e.lon, DIGITS), round(e.lat, DIGITS)]}
        feats.append({"type": "Feature", "properties": props, "geometry": point})
    if feats:
        _layer(feats, "Origin and destination", PANE_NODES[0], control=False).add_to(m)


# -------------------------------------------------------------------------------------- content
def _table(rows: Sequence[tuple[str, str]]) -> str:
    return "<table>" + "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows if v not in ("", None)) + "</table>"


def _mode_text(mv: Move) -> str:
    text = mv.mode
    if mv.gauge_mm:
        text += f" ({mv.gauge_mm} mm gauge)"
    return text


def _others(mv: Move, d: _Drawn, ctx: _Context) -> list[int]:
    """The other routes that make this very move (the same legs from the same place to the same
    place). A voyage that only shares some sea-lane legs with another route is not "shared"."""
    if d.baseline:
        return []
    own = int(d.number) if d.number.isdigit() else -1
    return sorted(ctx.move_routes.get(mv.leg_ids, set()) - {own})


def _hours(h: float) -> str:
    return f"{cli_number(h)} h"


def _leg_tip(mv: Move, d: _Drawn, ctx: _Context) -> str:
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


def _leg_popup(mv: Move, d: _Drawn, ctx: _Context) -> str:
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
    label = ("baseline " if d.baseline else "route ") + d.number + ": " + d.label
    return (
        f"<div class='corr-pop'><div class='corr-dim'>{esc(label)}</div>"
        f"<b>{esc(mv.from_name)} → {esc(mv.to_name)}</b>{_table(rows)}"
        f"<div class='corr-src'>source: {esc(_source_text(mv.source) or '—')}</div></div>"
    )


def _stop_text(s: Stop) -> str:
    kind = s.kind.replace("_", " ").replace("+", " + ")
    modes = f" ({s.from_mode} → {s.to_mode})" if s.from_mode and s.to_mode and s.from_mode != s.to_mode else ""
    return f"{kind}{modes}: {s.dwell_h:,.1f} h, {s.cost_usd:,.0f} USD/TEU, day {s.start_h / 24:.1f}"


def _node_tip(n: _Node, ctx: _Context) -> str:
    kind = NODE_KIND_TEXT.get(n.kind, n.kind)
    dwell = sum(s.dwell_h for s in n.stops)
    extra = f" · {dwell:,.1f} h dwell" if dwell else ""
    gauge = " · <b>break of gauge</b>" if n.role == "gauge_change" else ""
    return f"<b>{esc(n.name)}</b><br>{esc(kind)} · {esc(n.country or '—')}{extra}{gauge}"


def _node_popup(n: _Node, d: _Drawn, ctx: _Context) -> str:
    rows = [("kind", NODE_KIND_TEXT.get(n.kind, n.kind)), ("country", ctx.country(n.country))]
    for s in n.stops:
        rows.append(("stop", _stop_text(s)))
    if not n.stops:
        rows.append(("stop", "passes through without a stop"))
    gn = _graph_node(ctx.G, n.id)
    if gn.get("note"):
        rows.append(("note", str(gn["note"])))
    if gn.get("source"):
        rows.append(("source", str(gn["source"])))
    rows.append(("id", n.id))
    head = f"<div class='corr-dim'>{esc('route ' + d.number + ': ' + d.label)}</div>"
    return f"<div class='corr-pop'>{head}<b>{esc(n.name)}</b>{_table(rows)}</div>"


def _source_text(source: str) -> str:
    """A merged voyage repeats its legs' sources ("a; b; b; b"): show each part once."""
    return "; ".join(dict.fromkeys(p.strip() for p in source.split(";") if p.strip()))


class _Badges:
    """Places route-number badges so they overlap neither each other nor the endpoint labels.

    Distances are in screen pixels at the zoom the map opens with, estimated from the routes'
    extent for a typical 1400 × 900 window (the browser fits the view; this only needs to be close).
    """

    SPACING_PX = 26.0
    CHAR_PX = 7.2  # bold 12 px label text

    def __init__(self, frame: Frame, labels: Sequence[tuple[float, float, str]]) -> None:
        lat_span = _merc(frame.north) - _merc(frame.south)
        self.dpp = max((frame.east - frame.west) / 1050.0, lat_span / 560.0, 1e-4)
        self.placed: list[Coord] = []
        self.boxes = [
            (
                lon - 10 * self.dpp,
                lat - 11 * self.dpp,
                lon + (14 + self.CHAR_PX * len(name)) * self.dpp,
                lat + 11 * self.dpp,
            )
            for lon, lat, name in labels
        ]

    def _free(self, p: Coord) -> bool:
        x, y = p[0], _merc(p[1])
        pad = 10 * self.dpp
        for x0, y0, x1, y1 in self.boxes:
            if x0 - pad <= x <= x1 + pad and _merc(y0) - pad <= y <= _merc(y1) + pad:
                return False
        gap = self.SPACING_PX * self.dpp
        return all(math.hypot(x - q[0], y - _merc(q[1])) >= gap for q in self.placed)

    def place(self, d: _Drawn, ctx: _Context) -> Coord | None:
        """On the longest leg no other route uses (else the longest leg): its middle, or a point a
        third or a sixth of the way, whichever is free first."""
        own = int(d.number) if d.number.isdigit() else -1
        cands: list[tuple[float, int]] = []
        for j, mv in enumerate(d.route.moves):
            if len(d.lines[j]) < 2:
                continue
            unique = all(ctx.leg_routes.get(leg, set()) <= {own} for leg in mv.leg_ids)
            cands.append((mv.length_km * (1.0 if unique else 0.05), j))
        cands.sort(reverse=True)
        first: Coord | None = None
        for _, j in cands:
            for frac in (0.5, 0.35, 0.65, 0.2, 0.8):
                p = _along(d.lines[j], frac)
                first = first or p
                if self._free(p):
                    self.placed.append(p)
                    return p
        if first is not None:
            self.placed.append(first)
        return first


def _merc(lat: float) -> float:
    """Web Mercator y in degrees-of-longitude units (so screen distances are comparable)."""
    lat = max(min(lat, 85.0), -85.0)
    return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


@dataclass
class _End:
    id: str
    name: str
    lon: float
    lat: float
    role: str
    route: Route


def _endpoints(drawn: Sequence[_Drawn]) -> list[_End]:
    """Origins and destinations of the routes (each place once), where the routes draw them."""
    seen: dict[str, _End] = {}
    for d in drawn:
        r = d.route
        lines = [line for line in d.lines if line]
        if not lines:
            continue
        for nid, name, (lon, lat), role in (
            (r.origin, r.origin_name, lines[0][0], "origin"),
            (r.destination, r.destination_name, lines[-1][-1], "destination"),
        ):
            seen.setdefault(nid, _End(nid, name, lon, lat, role, r))
    return list(seen.values())


def _along(line: Sequence[Coord], frac: float) -> Coord:
    """The point ``frac`` of the way along ``line`` (planar, in degrees)."""
    seg = [math.dist(a, b) for a, b in itertools.pairwise(line)]
    target = sum(seg) * frac
    acc = 0.0
    for (a, b), s in zip(itertools.pairwise(line), seg, strict=True):
        if acc + s >= target and s > 0:
            t = (target - acc) / s
            return (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
        acc += s
    return line[len(line) // 2]


def _pair_baseline(routes: Sequence[Route], baseline: Sequence[Route]) -> list[int | None]:
    """For each baseline route, the index of the route of the same family (or label), or None."""
    key = {(r.family or r.label): i for i, r in reversed(list(enumerate(routes)))}
    return [key.get(b.family or b.label) for b in baseline]


def _same(routes: Sequence[Route], b: Route, p: int | None) -> bool:
    """Whether baseline route ``b`` is exactly the route it pairs with (same path, time and cost)."""
    return (
        p is not None
        and routes[p].leg_ids == b.leg_ids
        and abs(routes[p].time_h - b.time_h) < 0.24
        and abs(routes[p].cost_usd - b.cost_usd) < 1.0
    )


def _paired(d: _Drawn, baseline: Sequence[Route], pairs: Sequence[int | None]) -> Route | None:
    i = int(d.number) - 1
    return next((baseline[j] for j, p in enumerate(pairs) if p == i), None)


def _baseline_text(routes: Sequence[Route], baseline: Sequence[Route], pairs: Sequence[int | None]) -> str:
    same = [j for j, p in enumerate(pairs) if _same(routes, baseline[j], p)]
    gone = [j for j, p in enumerate(pairs) if p is None]
    changed = [f"B{j + 1}" for j in range(len(baseline)) if j not in same and j not in gone]
    parts = []
    if changed:
        parts.append(f"{len(changed)} changed (grey layers {', '.join(changed)}; the small figures are the change)")
    if same:
        parts.append(f"{len(same)} unchanged")
    if gone:
        parts.append(f"{len(gone)} without a route now (grey rows)")
    return "Against the baseline: " + ", ".join(parts) + "."


def _summary_row(d: _Drawn, ctx: _Context, before: Route | None = None) -> SummaryRow:
    r = d.route
    notes = []
    tags: list[str] = []
    deltas: dict[str, float] = {}
    summary = r.summary()
    if before is not None:
        if before.leg_ids == r.leg_ids and abs(r.time_h - before.time_h) < 0.24 and abs(r.cost_usd - before.cost_usd) < 1.0:
            tags.append("unchanged")  # same path, same time and cost: a slower same path shows its change
        else:
            old = before.summary()
            for key in ("time_days", "length_km", "cost_usd", "co2_kg", "exposure"):
                deltas[key] = float(summary[key]) - float(old[key])
    if d.baseline:
        notes.append("no route in this scenario")
    if r.not_operational:
        kinds = sorted({s.replace("_", " ") for _, s in r.not_operational})
        notes.append(f"uses {' and '.join(kinds)} links")
    months = None
    for mv in r.moves:
        if mv.months:
            months = set(mv.months) if months is None else months & set(mv.months)
    if months is not None:
        notes.append(f"seasonal: open {months_text(tuple(sorted(months)))}")
    return SummaryRow(
        number=d.number,
        label=d.label,
        summary=summary,
        chokepoints=[short_zone_name(ctx.zone_name(c)) for c in r.chokepoints],
        notes=notes,
        tags=tags,
        deltas=deltas,
        bounds=d.bounds,
        best=d.best,
        baseline=d.baseline,
        color=d.color,
    )


def short_zone_name(name: str) -> str:
    """ "Strait of Hormuz" -> "Hormuz", "Suez Canal" -> "Suez": for the summary table."""
    out = re.sub(r"^(the |strait of )", "", name, flags=re.IGNORECASE)
    out = re.sub(r" (strait|canal|channel)$", "", out, flags=re.IGNORECASE)
    return out or name


def _subtitle(constraints: Any, closed_ch: Sequence[str], closed_legs: Sequence[str], ctx: _Context) -> list[str]:
    out = []
    if constraints is not None:
        rules = constraints.describe()
        if rules:
            out.append("Constraints: " + "; ".join(rules) + ".")
    if closed_ch:
        out.append("Scenario: closed " + ", ".join(ctx.zone_name(c) for c in closed_ch) + ".")
    if closed_legs:
        out.append("Scenario: closed legs " + ", ".join(closed_legs) + ".")
    return out


def _js_str(s: str) -> str:
    return _js_json(s)
