"""GeoDataFrame round trip and export of the network (GeoJSON, GeoPackage), and atomic file writing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import OutputExistsError as OutputExistsError  # re-exported: callers import it from here
from .geo import line_coords
from .io import write_atomic as write_atomic  # re-exported
from .io import write_file
from .io import written_by_us as written_by_us

if TYPE_CHECKING:
    import networkx as nx


GENERATOR = "corridors"
_LIST_FIELDS = ("aliases", "countries", "chokepoints", "months")


def graph_to_gdfs(G: nx.MultiDiGraph, nodes: bool = True, legs: bool = True, sea_lanes: bool = True) -> Any:
    """Nodes and legs as GeoDataFrames (EPSG:4326), like OSMnx's ``graph_to_gdfs``.

    Legs are one row per leg (the forward direction), indexed by leg id, with ``from``, ``to`` and a
    ``bidirectional`` flag. ``sea_lanes=False`` leaves out the marnet legs and junctions.
    """
    import geopandas as gpd
    from shapely.geometry import Point

    out = []
    if nodes:
        rows = []
        for n, d in G.nodes(data=True):
            if not sea_lanes and str(n).startswith("sea:"):
                continue
            row = {k: v for k, v in d.items() if not k.startswith("_") and k != "file"}
            row["id"] = n
            row["geometry"] = Point(d["x"], d["y"])
            rows.append(row)
        out.append(gpd.GeoDataFrame(rows, geometry="geometry", crs=G.graph.get("crs", "EPSG:4326")).set_index("id"))
    if legs:
        rows = []
        back: dict[str, dict[str, Any]] = {}
        for u, v, k, d in G.edges(keys=True, data=True):
            if not sea_lanes and d.get("origin") == "marnet":
                continue
            if d.get("reverse"):
                back[k] = d
                continue
            row = {kk: vv for kk, vv in d.items() if kk not in ("reverse", "file")}
            row.update({"from": u, "to": v})
            rows.append(row)
        for row in rows:
            rev = back.get(row["id"])
            row["bidirectional"] = rev is not None
            row["enters_reverse"] = rev.get("enters") if rev is not None else None
        out.append(gpd.GeoDataFrame(rows, geometry="geometry", crs=G.graph.get("crs", "EPSG:4326")).set_index("id"))
    return tuple(out) if len(out) > 1 else out[0]


def graph_from_gdfs(gdf_nodes: Any, gdf_legs: Any, graph_attrs: dict[str, Any] | None = None) -> nx.MultiDiGraph:
    """Rebuild the MultiDiGraph from :func:`graph_to_gdfs` output."""
    attrs = {k: v for k, v in (graph_attrs or {"crs": "EPSG:4326"}).items() if k != "cache_key"}  # new content, no cached engine
    import networkx as nx

    G = nx.MultiDiGraph(**attrs)
    for n, row in gdf_nodes.iterrows():
        d = {k: v for k, v in row.items() if k != "geometry" and not _isna(v)}
        G.add_node(n, **d)
    for k, row in gdf_legs.iterrows():
        d = {kk: vv for kk, vv in row.items() if kk not in ("from", "to", "bidirectional", "enters_reverse") and not _isna(vv)}
        d["id"] = k
        u, v = row["from"], row["to"]
        G.add_edge(u, v, key=k, reverse=False, **d)
        if row.get("bidirectional"):
            from shapely.geometry import LineString

            from .geo import line_geometry

            back = line_geometry(line_coords(row["geometry"])[::-1]) if row["geometry"] is not None else LineString()
            G.add_edge(v, u, key=k, **{**d, "geometry": back, "reverse": True, "enters": row.get("enters_reverse") or ()})
    return G


def _isna(v: Any) -> bool:
    try:
        return bool(v != v)  # NaN
    except (TypeError, ValueError):
        return False


def network_geojson(G: nx.MultiDiGraph, sea_lanes: bool = False) -> str:
    """The network as one GeoJSON FeatureCollection (nodes and legs, one feature per leg)."""
    feats = []
    for n, d in G.nodes(data=True):
        if not sea_lanes and str(n).startswith("sea:"):
            continue
        props = {k: v for k, v in d.items() if k not in ("x", "y", "file") and not k.startswith("_")}
        props["id"] = n
        feats.append({"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [d["x"], d["y"]]}})
    for u, v, k, d in G.edges(keys=True, data=True):
        if d.get("reverse") or (not sea_lanes and d.get("origin") == "marnet"):
            continue
        props = {kk: (list(vv) if isinstance(vv, tuple) else vv) for kk, vv in d.items() if kk not in ("geometry", "reverse", "file")}
        props.update({"from": u, "to": v, "bidirectional": G.has_edge(v, u, k)})
        geom = d["geometry"]
        gj = {"type": geom.geom_type, "coordinates": json.loads(json.dumps(geom.__geo_interface__["coordinates"]))}
        feats.append({"type": "Feature", "properties": props, "geometry": gj})
    return json.dumps({"type": "FeatureCollection", "generator": GENERATOR, "features": feats}, ensure_ascii=False)


def export_network(G: nx.MultiDiGraph, path: str | Path, fmt: str | None = None, sea_lanes: bool = False, force: bool = False) -> Path:
    """Write the network as GeoJSON or GeoPackage (layers ``nodes`` and ``legs``), atomically."""
    path = Path(path)
    fmt = fmt or ("gpkg" if path.suffix.lower() == ".gpkg" else "geojson")
    if fmt == "geojson":
        return write_atomic(path, network_geojson(G, sea_lanes), force=force)
    if fmt != "gpkg":
        msg = f"unknown export format {fmt!r} (use geojson or gpkg)"
        raise ValueError(msg)
    gn, gl = graph_to_gdfs(G, sea_lanes=sea_lanes)
    for df in (gn, gl):
        for col in df.columns:
            if col != "geometry" and df[col].map(lambda v: isinstance(v, list | tuple | dict)).any():
                df[col] = df[col].map(lambda v: json.dumps(list(v) if isinstance(v, tuple) else v) if v is not None else None)

    def writer(tmp: Path) -> None:
        gn.reset_index().to_file(tmp, layer="nodes", driver="GPKG")
        gl.reset_index().to_file(tmp, layer="legs", driver="GPKG")

    return write_file(path, writer, force=force)
