"""``corridors network info | validate | export``."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import click

from .context import State, pass_state


@click.group()
def network() -> None:
    """Inspect, validate and export the corridor network."""


@network.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_state
def info(state: State, fmt: str) -> None:
    """Counts of nodes and legs by kind, mode, status and country, and connected components."""
    import networkx as nx

    G = state.G
    named = [n for n in G.nodes if not str(n).startswith("sea:")]
    legs: dict[str, dict[str, Any]] = {}
    for _, _, k, d in G.edges(keys=True, data=True):
        legs.setdefault(k, d)
    data_legs = {k: d for k, d in legs.items() if d.get("origin") != "marnet"}
    sea_km = sum(d["length_km"] for d in legs.values() if d.get("origin") == "marnet")
    out = {
        "files": G.graph.get("files", []),
        "nodes": len(named),
        "sea_lane_junctions": G.number_of_nodes() - len(named),
        "legs": len(data_legs),
        "sea_lane_legs": len(legs) - len(data_legs),
        "sea_lane_km": round(sea_km),
        "nodes_by_kind": dict(Counter(G.nodes[n].get("kind") for n in named).most_common()),
        "nodes_by_country": dict(Counter(G.nodes[n].get("country") for n in named).most_common()),
        "legs_by_mode": dict(Counter(d["mode"] for d in data_legs.values()).most_common()),
        "legs_by_status": dict(Counter(d["status"] for d in data_legs.values()).most_common()),
        "km_by_mode": {
            m: round(sum(d["length_km"] for d in data_legs.values() if d["mode"] == m))
            for m in sorted({d["mode"] for d in data_legs.values()})
        },
        "chokepoints": len([z for z in G.graph.get("chokepoints", {}).values() if z.is_chokepoint]),
        "components": nx.number_weakly_connected_components(G),
        "warnings": len(G.graph.get("warnings", [])),
    }
    if fmt == "json":
        click.echo(json.dumps(out, indent=2))
        return
    click.echo(
        f"network: {out['nodes']} nodes, {out['legs']} legs; sea lanes: {out['sea_lane_legs']} legs, {out['sea_lane_junctions']} junctions, {out['sea_lane_km']:,} km"
    )
    for key in ("nodes_by_kind", "legs_by_mode", "km_by_mode", "legs_by_status", "nodes_by_country"):
        click.echo(f"{key.replace('_', ' ')}: " + ", ".join(f"{k} {v:,}" for k, v in out[key].items()))
    click.echo(f"chokepoints: {out['chokepoints']}; connected components: {out['components']}; warnings: {out['warnings']}")


@network.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--standalone", is_flag=True, help="Validate FILES as a whole network of their own, not as layers over the bundled one.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--warnings/--no-warnings", default=True, show_default=True, help="Also list warnings.")
def validate(files: tuple[str, ...], standalone: bool, fmt: str, warnings: bool) -> None:
    """Check network FILES (GeoJSON) and list every problem with file, feature index, id and field.

    Without FILES the bundled network is checked. Exit code 1 if there is any error.
    """
    from corridors.graph import build_network

    if standalone and not files:
        raise click.UsageError("--standalone needs FILES")
    _, problems = build_network(overlays=() if standalone else files, network=list(files) if standalone else None)
    shown = [p for p in problems if warnings or p.severity == "error"]
    errors = sum(1 for p in problems if p.severity == "error")
    if fmt == "json":
        click.echo(json.dumps({"errors": errors, "problems": [p.as_dict() for p in shown]}, indent=2))
    else:
        for p in shown:
            click.echo(f"{p.severity}: {p}")
        click.echo(f"{errors} error(s), {len(problems) - errors} warning(s)", err=True)
    if errors:
        raise SystemExit(1)


@network.command()
@click.argument("output", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["geojson", "gpkg"]), help="Default: from the file extension.")
@click.option("--sea-lanes", is_flag=True, help="Include the sea-lane network (marnet) legs and junctions.")
@click.option("--force", is_flag=True, help="Replace OUTPUT even if corridors did not write it (its own files are replaced anyway).")
@pass_state
def export(state: State, output: str, fmt: str | None, sea_lanes: bool, force: bool) -> None:
    """Write the network (nodes and legs, with derived lengths, countries, chokepoints) to OUTPUT
    (.geojson or .gpkg, by its extension unless --format is given)."""
    from pathlib import Path

    from corridors.convert import export_network

    by_ext = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg"}.get(Path(output).suffix.lower())
    if fmt is None and by_ext is None:
        msg = f"cannot tell the format from {output!r}: name it .geojson or .gpkg (or give --format)"
        raise click.BadParameter(msg, param_hint="'OUTPUT'")
    if fmt is not None and by_ext is not None and fmt != by_ext:
        msg = f"--format {fmt} does not match the extension of {output!r}"
        raise click.UsageError(msg)
    export_network(state.G, output, fmt or by_ext, sea_lanes=sea_lanes, force=force)
    click.echo(f"wrote {output}", err=True)
