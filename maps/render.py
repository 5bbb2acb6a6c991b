"""Interactive comparison maps of routes (folium / Leaflet), self-contained and offline by default.

:func:`route_map` composes the map; :func:`save_map` renders it to one HTML file that needs no
network: Leaflet inlined, no CDN links, an offline basemap drawn from ``data/countries.geojson``.

The layers are built by :mod:`corridors.maps.features` (one builder per layer) from routes made
ready by :mod:`corridors.maps.prepare`; popups, badges and the summary table have their own modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium

from corridors.convert import write_atomic
from corridors.model import Route

from .badges import Badges, endpoints
from .features import (
    PANE_AVOIDED,
    PANE_BASELINE,
    PANE_BASEMAP,
    PANE_CLOSURES,
    PANE_LABELS_BG,
    PANE_LABELS_FG,
    PANE_NETWORK,
    PANE_NODES,
    PANE_ZONES,
    ROUTE_PANE_Z,
    add_avoided_countries,
    add_basemap,
    add_closures,
    add_endpoints,
    add_labels,
    add_network,
    add_route,
    add_zones,
)
from .geometry import country_names, frame_of
from .layers import js_json as _js_json
from .offline import OfflineMap, add_offline_assets, add_to_page, page_html
from .panels import HATCH_SVG, PAGE_CSS, PAGE_JS, SUMMARY_JS, MapScript, PanelControl, legend_html, summary_html
from .prepare import Context, prepare
from .summary import baseline_text, pair_baseline, paired, same_as_paired, subtitle_lines, summary_row
from .summary import short_zone_name as short_zone_name  # importable from here, as before the split

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
    ctx = Context(G=G, names=country_names())

    drawn = [prepare(r, ctx, i, best=(i == 0 and len(routes) > 0)) for i, r in enumerate(routes)]
    # a baseline route identical to the scenario's route of the same family is not drawn again
    pairs = pair_baseline(routes, baseline)
    base = [prepare(b, ctx, j, best=False, baseline=True) for j, b in enumerate(baseline) if not same_as_paired(routes, b, pairs[j])]
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
    add_basemap(m, frame, show=not online_tiles)
    add_labels(m, G, drawn + base, frame)
    avoided_countries = list(constraints.avoid_countries) if constraints else []
    if avoided_countries:
        add_avoided_countries(m, avoided_countries, ctx)
    if G is not None and show_network:
        add_network(m, G, frame, ctx)
    zone_kinds = add_zones(m, G, drawn, base, closed_ch, frame, ctx) if G is not None else set()
    has_closures = add_closures(
        m,
        G,
        closed_lg,
        list(constraints.avoid_nodes) if constraints else [],
        drawn + base,
        frame,
        ctx,
    )

    for d in base:
        add_route(m, d, ctx, baseline=True)
    badges = Badges(frame, [(e.lon, e.lat, e.name) for e in endpoints(drawn + base)])
    for d in drawn:
        add_route(m, d, ctx, badges=badges)
    add_endpoints(m, drawn + base, ctx)

    folium.LayerControl(position="topright", collapsed=False).add_to(m)

    # panels
    subtitle = subtitle_lines(constraints, closed_chokepoints, closed_legs, ctx)
    if baseline:
        subtitle.append(baseline_text(routes, baseline, pairs))
    rows = [summary_row(d, ctx, paired(d, baseline, pairs)) for d in drawn]
    rows += [summary_row(d, ctx) for d in base if pairs[int(d.number[1:]) - 1] is None]
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


def _js_str(s: str) -> str:
    return _js_json(s)
