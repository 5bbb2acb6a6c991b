"""``corridors places`` and ``corridors chokepoints``."""

from __future__ import annotations

import json

import click

from .context import State, pass_state


@click.command()
@click.argument("query", required=False, default="")
@click.option("--kind", type=click.Choice(["port", "rail_terminal", "border_crossing", "city", "junction"]), help="Only this kind of node.")
@click.option("--country", metavar="ISO3", help="Only nodes in this country.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_state
def places(state: State, query: str, kind: str | None, country: str | None, fmt: str) -> None:
    """Find places by name, alias, UN/LOCODE or id (all places without QUERY)."""
    from corridors.places import search, suggestions

    G = state.G
    ids = [
        n
        for n in search(G, query, limit=0)
        if (not kind or G.nodes[n].get("kind") == kind) and (not country or G.nodes[n].get("country") == country.upper())
    ]
    if not ids:
        close = suggestions(G, query) if query else []
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        click.echo(f"Error: no place matches {query!r}{hint}", err=True)
        raise SystemExit(1)
    rows = [
        {
            "id": n,
            "name": G.nodes[n].get("name"),
            "kind": G.nodes[n].get("kind"),
            "country": G.nodes[n].get("country"),
            "locode": G.nodes[n].get("locode"),
            "aliases": G.nodes[n].get("aliases") or [],
            "lon": G.nodes[n]["x"],
            "lat": G.nodes[n]["y"],
        }
        for n in ids
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        alias = f"  (also: {', '.join(r['aliases'])})" if r["aliases"] else ""
        click.echo(f"{r['id']:<28} {r['name']:<28} {r['kind']:<15} {r['country']}{alias}")


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_state
def chokepoints(state: State, fmt: str) -> None:
    """List chokepoints and seasonal zones with their ids, littoral states and months."""
    zones = state.G.graph.get("chokepoints", {})
    rows = [z.props() for z in zones.values()]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        months = f" months {','.join(map(str, r['months']))}" if r["months"] else ""
        click.echo(f"{r['id']:<22} {r['kind']:<14} {r['name']:<30} littoral: {','.join(r['littoral'])}{months}")
