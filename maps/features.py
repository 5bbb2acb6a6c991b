"""One builder per map layer (in the manner of folium's ``features.py``): basemap, labels, avoided
countries, network, chokepoint and seasonal zones, closures, each route, endpoints; and the panes they
are drawn in."""

from __future__ import annotations

from typing import Any

import folium

from corridors.geo import edge_coords, latlon, unwrap

from .badges import Badges, endpoints
from .figures import days_text
from .geometry import (
    DIGITS,
    SIMPLIFY_DEG,
    Frame,
    basemap_features,
    countries,
    round_geometry,
    shift_coords,
    simplify_line,
    translate,
)
from .labels import background_labels, place_labels
from .layers import FeatureLayer, LabelLayer
from .panels import badge_html
from .popups import leg_popup, leg_tip, node_popup, node_tip, table_html
from .prepare import NODE_KIND_TEXT, Context, Drawn, graph_node
from .style import (
    AVOIDED_COUNTRY_STYLE,
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
)

# z-index of the map panes (Leaflet: tiles 200, overlays 400, markers 600, tooltips 650, popups 700)
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


def _layer(
    features: list[dict[str, Any]],
    name: str,
    pane: str,
    show: bool = True,
    control: bool = True,
    interactive: bool = True,
) -> FeatureLayer:
    return FeatureLayer(features, name=name, pane=pane, show=show, control=control, interactive=interactive)


def add_basemap(m: Any, frame: Frame, show: bool) -> None:
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


def add_labels(m: Any, G: Any, drawn: list[Drawn], frame: Frame) -> None:
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


def add_avoided_countries(m: Any, codes: list[str], ctx: Context) -> None:
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


def add_network(
    m: Any,
    G: Any,
    frame: Frame,
    ctx: Context,
) -> None:
    feats: list[dict[str, Any]] = []
    for u, v, k, d in G.edges(keys=True, data=True):
        if d.get("reverse") or d.get("origin") != "data" or d.get("geometry") is None:
            continue
        coords = edge_coords(d, unwrap=True)
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


def add_zones(
    m: Any,
    G: Any,
    drawn: list[Drawn],
    base: list[Drawn],
    closed: list[str],
    frame: Frame,
    ctx: Context,
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


def add_closures(
    m: Any,
    G: Any,
    legs: list[str],
    nodes: list[str],
    drawn: list[Drawn],
    frame: Frame,
    ctx: Context,
) -> bool:
    if not (legs or nodes):
        return False
    feats: list[dict[str, Any]] = []
    wanted = set(legs)
    for u, v, k, d in G.edges(keys=True, data=True) if G is not None else ():
        if k not in wanted or d.get("reverse") or d.get("geometry") is None:
            continue
        wanted.discard(k)
        coords = edge_coords(d, unwrap=True)
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


def add_route(m: Any, d: Drawn, ctx: Context, baseline: bool = False, badges: Badges | None = None) -> None:
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
                    "tip": leg_tip(mv, d, ctx),
                    "popup": leg_popup(mv, d, ctx),
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
            props: dict[str, Any] = {"style": st, "tip": node_tip(n, ctx)}
            if n.stops:
                props["popup"] = node_popup(n, d, ctx)
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


def add_endpoints(m: Any, drawn: list[Drawn], ctx: Context) -> None:
    feats = []
    for e in endpoints(drawn):
        r = e.route
        gn = graph_node(ctx.G, e.id)
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
            "popup": f"<div class='corr-pop'><b>{esc(e.name)}</b>{table_html(rows)}</div>",
        }
        point = {"type": "Point", "coordinates": [round(e.lon, DIGITS), round(e.lat, DIGITS)]}
        feats.append({"type": "Feature", "properties": props, "geometry": point})
    if feats:
        _layer(feats, "Origin and destination", PANE_NODES[0], control=False).add_to(m)
