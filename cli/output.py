"""Rendering results as text tables, JSON, CSV and GeoJSON, to stdout or a file (atomically)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

import click

from corridors.convert import GENERATOR
from corridors.io import write_atomic
from corridors.labels import fmt_number
from corridors.model import Move, Route

COLUMNS = [
    ("label", "route", None),
    ("p50_days", "P50 days", "min"),
    ("p10_p90", "P10-P90", None),
    ("time_days", "mean", None),
    ("transit_p50_days", "transit", None),
    ("length_km", "km", "min"),
    ("sea_nm", "sea nm", None),
    ("cost_usd", "USD/TEU", "min"),
    ("co2_kg", "kg CO2/TEU", "min"),
    ("exposure", "exposure", "min"),
    ("transshipments", "transfers", "min"),
    ("border_crossings", "borders", None),
    ("gauge_changes", "gauge", None),
    ("chokepoints", "chokepoints", None),
]


def table(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str, str | None]] = COLUMNS, mark_best: bool = True) -> str:
    """A plain text table; with ``mark_best`` the best value of each marked column gets a ``*``."""
    rows = [_derived(r) for r in rows]
    best: dict[str, Any] = {}
    if mark_best and len(rows) > 1:
        for key, _, how in columns:
            if how == "min":
                best[key] = min(r[key] for r in rows)
    cells = [[h for _, h, _ in columns]]
    for r in rows:
        line = []
        for key, _, _ in columns:
            s = fmt_number(r[key])
            if key in best and r[key] == best[key]:
                s += "*"
            line.append(s)
        cells.append(line)
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    out = []
    for j, row in enumerate(cells):
        out.append(
            "  ".join(c.ljust(widths[i]) if i == 0 or i == len(columns) - 1 else c.rjust(widths[i]) for i, c in enumerate(row)).rstrip()
        )
        if j == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def _derived(r: dict[str, Any]) -> dict[str, Any]:
    """A summary row with the display columns: P50 days (the mean where no Monte Carlo ran) and the
    P10-P90 range."""
    out = dict(r)
    p50 = r.get("time_p50_days")
    out["p50_days"] = p50 if p50 is not None else r.get("time_days")
    lo, hi = r.get("time_p10_days"), r.get("time_p90_days")
    out["p10_p90"] = f"{lo:.0f}-{hi:.0f}" if lo is not None and hi is not None else ""
    return out


def route_text(r: Route) -> str:
    """One route in detail: the summary, then every leg and stop."""
    s = r.summary()
    q = ""
    if s.get("time_p50_days") is not None:
        q = f"P50 {s['time_p50_days']:.1f} days (P10 {s['time_p10_days']:.1f}, P90 {s['time_p90_days']:.1f}; {r.draws:,} draws); mean "
    lines = [
        f"{r.origin_name} -> {r.destination_name}  [{s['label']}]",
        f"  {q}time {s['time_days']:.1f} days (moving {s['moving_days']:.1f}, dwell and waits {s['dwell_days']:.1f}); "
        f"distance {s['length_km']:,.0f} km (sea {s['sea_nm']:,.0f} nm)",
        f"  cost ~{s['cost_usd']:,.0f} USD/TEU, CO2 ~{s['co2_kg']:,.0f} kg/TEU (estimates); exposure {s['exposure']:.2f}",
        f"  chokepoints: {s['chokepoints'] or 'none'}",
        f"  countries crossed: {s['countries'] or 'none'}",
        f"  ports called: {s['ports'] or 'none'}",
        f"  modes: {s['modes']}; transshipments {s['transshipments']}, border crossings {s['border_crossings']}, gauge changes {s['gauge_changes']}",
    ]
    if s["not_operational"]:
        lines.append(f"  NOT YET OPERATIONAL: {s['not_operational']}")
    if s["seasonal"]:
        lines.append(f"  seasonal legs: {s['seasonal']}")
    if s.get("services"):
        lines.append(f"  scheduled services: {s['services']}")
    if r.departure:
        lines.append(f"  departure {r.departure}" + (f", P50 arrival {r.arrival}" if r.arrival else ""))
    for cav in r.caveats:
        lines.append(f"  NOTE: {cav}")
    if s.get("basis"):
        lines.append(f"  basis of the time's spread: {s['basis']} parts")
    lines.append("  steps:")
    for st in r.steps:
        day = st.start_h / 24
        if isinstance(st, Move):
            extra = f", wait {st.wait_h:.0f} h" if st.wait_h else ""
            ch = f" via {','.join(st.chokepoints)}" if st.chokepoints else ""
            status = "" if st.status == "operational" else f" [{st.status}]"
            svc = f" [{st.service}]" if st.service else ""
            lines.append(
                f"    d{day:5.1f}  {st.mode:<5} {st.from_name} -> {st.to_name}: {st.length_km:,.0f} km, {st.moving_h:.0f} h{extra}{ch}{status}{svc}"
            )
        else:
            lines.append(f"    d{day:5.1f}  stop  {st.name} ({st.country}): {st.kind} {st.from_mode}->{st.to_mode}, {st.dwell_h:.0f} h")
    return "\n".join(lines)


def routes_csv(routes: Sequence[Route]) -> str:
    rows = [r.summary() for r in routes]
    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return buf.getvalue()


def routes_json(routes: Sequence[Route], extra: dict[str, Any] | None = None) -> str:
    doc = {"generator": GENERATOR, **(extra or {}), "routes": [r.to_dict() for r in routes]}
    return json.dumps(doc, indent=2, ensure_ascii=False)


def routes_geojson(routes: Sequence[Route]) -> str:
    from corridors.geo import line_geometry
    from corridors.model import step_dict

    feats = []
    for i, r in enumerate(routes):
        for j, m in enumerate(r.moves):
            props = {**step_dict(m), "route": i, "route_label": r.label, "seq": j, "origin": r.origin, "destination": r.destination}
            props.pop("type")
            feats.append({"type": "Feature", "properties": props, "geometry": line_geometry(m.coords).__geo_interface__})
    doc = {"type": "FeatureCollection", "generator": GENERATOR, "features": feats}
    return json.dumps(doc, ensure_ascii=False, default=list)


# the format an output file's extension selects (``-o FILE``)
EXTENSIONS = {
    ".txt": "table",
    ".table": "table",
    ".csv": "csv",
    ".json": "json",
    ".geojson": "geojson",
    ".gpkg": "gpkg",
    ".parquet": "parquet",
    ".xlsx": "xlsx",
}
FILE_ONLY = ("gpkg", "parquet", "xlsx")  # binary formats: to a file only
_NEEDS = {
    "parquet": ("pyarrow", "pip install 'corridors[parquet]' (pyarrow)"),
    "xlsx": ("openpyxl", "pip install 'corridors[xlsx]' (openpyxl)"),
}


def check_format_available(fmt: str) -> None:
    """Raise a one-line error naming the extra to install when a format's optional library is missing."""
    need = _NEEDS.get(fmt)
    if need is None:
        return
    import importlib.util

    if importlib.util.find_spec(need[0]) is None:
        msg = f"writing .{fmt} files needs {need[0]}: {need[1]}"
        raise click.UsageError(msg)


def _flat(rows: list[dict[str, Any]]) -> Any:
    import pandas as pd

    df = pd.DataFrame(rows)
    for col in df.columns:
        if df[col].map(lambda v: isinstance(v, list | tuple | dict)).any():
            df[col] = df[col].map(lambda v: json.dumps(list(v) if isinstance(v, tuple) else v, ensure_ascii=False, default=list))
    return df


def _legs_rows(routes: Sequence[Route]) -> tuple[list[dict[str, Any]], list[Any]]:
    from corridors.geo import line_geometry
    from corridors.model import step_dict

    rows, geoms = [], []
    for i, r in enumerate(routes):
        for j, m in enumerate(r.moves):
            props = {"route": i, "route_label": r.label, "seq": j, **step_dict(m), "origin": r.origin, "destination": r.destination}
            props.pop("type", None)
            rows.append(props)
            geoms.append(line_geometry(m.coords))
    return rows, geoms


def routes_binary(fmt: str, routes: Sequence[Route]) -> bytes:
    """The routes as a GeoPackage (layer ``legs``: one row per leg with its line, as in GeoJSON), a
    Parquet table of the route summaries (as in CSV) or an Excel workbook (sheets ``routes`` and ``legs``)."""
    import tempfile
    from pathlib import Path

    check_format_available(fmt)
    summary = _flat([r.summary() for r in routes])
    legs, geoms = _legs_rows(routes)
    with tempfile.TemporaryDirectory(prefix="corridors-export-") as d:
        tmp = Path(d) / f"out.{fmt}"
        if fmt == "parquet":
            summary.to_parquet(tmp, index=False)
        elif fmt == "xlsx":
            import pandas as pd

            with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                summary.to_excel(xw, sheet_name="routes", index=False)
                _flat(legs).to_excel(xw, sheet_name="legs", index=False)
        elif fmt == "gpkg":
            import geopandas as gpd

            gpd.GeoDataFrame(_flat(legs), geometry=geoms, crs="EPSG:4326").to_file(tmp, layer="legs", driver="GPKG")
        else:
            msg = f"unknown binary format {fmt!r}"
            raise ValueError(msg)
        return tmp.read_bytes()


def machine_text(fmt: str, routes: Sequence[Route], extra: dict[str, Any] | None = None) -> str | bytes:
    """The routes as json (with ``extra`` top-level keys), csv or geojson text, or the bytes of a
    GeoPackage, Parquet or Excel file."""
    if fmt == "json":
        return routes_json(routes, extra)
    if fmt == "csv":
        return routes_csv(routes)
    if fmt == "geojson":
        return routes_geojson(routes)
    return routes_binary(fmt, routes)


def emit(text: str | bytes, output: str | None, force: bool) -> None:
    """Write ``text`` to ``output`` atomically (a file corridors wrote is replaced, a foreign one only with
    ``force``), or print it to stdout."""
    if output:
        data = text if isinstance(text, bytes) or text.endswith("\n") else text + "\n"
        write_atomic(output, data, force=force)
        click.echo(f"wrote {output}", err=True)
    elif isinstance(text, bytes):
        msg = "a binary format goes to a file: give -o FILE"
        raise click.UsageError(msg)
    else:
        click.echo(text)
