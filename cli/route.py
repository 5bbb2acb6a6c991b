"""``corridors route`` and ``corridors compare``."""

from __future__ import annotations

from typing import Any

import click

from corridors.families import family_ids_text

from .context import State, pass_state
from .options import build_constraints, constraint_options, output_options, parse_objective
from .output import emit, machine_text, route_text, table


def _report_snaps(state: State, *queries: str) -> None:
    """Say on stderr where a ``lon,lat`` place was snapped, and how far (and which gateway a country
    name stands for)."""
    for q in queries:
        p = state.router.place(q)
        if p.snapped:
            click.echo(f"{q} -> {p.name} ({p.id}), snapped {p.snap_km:.1f} km, reached by a road leg", err=True)
        elif p.note:
            click.echo(f"{q} -> {p.note}", err=True)


def _write_map(state: State, routes: list[Any], kw: dict[str, Any], title: str, constraints: Any) -> None:
    path = kw.get("map_path")
    if not path:
        if kw.get("open_map"):
            raise click.UsageError("--open needs --map FILE.html")
        return
    from corridors.maps import save_map

    save_map(routes, path, G=state.G, title=title, constraints=constraints, online_tiles=kw["online_tiles"], force=kw["force"])
    click.echo(f"wrote map {path}", err=True)
    if kw.get("open_map"):
        import webbrowser
        from pathlib import Path

        webbrowser.open(Path(path).resolve().as_uri())


@click.command()
@click.argument("origin")
@click.argument("destination")
@click.option(
    "--optimize",
    "optimize",
    default="time",
    show_default=True,
    metavar="OBJECTIVE",
    help="time (expected days), p90 (the most reliable: lowest P90 days of the candidates), distance, cost, co2 or exposure, or a blend like time=1,cost=0.5 (weights per day, 1000 km, 1000 USD, tonne CO2, exposure point).",
)
@click.option("--family", metavar="ID", help=f"Stay within one corridor family ({family_ids_text()}; defined in data/families.toml).")
@click.option(
    "--alternatives",
    "k",
    type=click.IntRange(min=1, max=10),
    default=1,
    show_default=True,
    help="Also show up to K-1 diverse alternatives.",
)
@constraint_options
@output_options(("table", "json", "csv", "geojson"))
@pass_state
def route(state: State, /, origin: str, destination: str, optimize: str, family: str | None, k: int, **kw: Any) -> None:
    """Best route from ORIGIN to DESTINATION (a name, alias, UN/LOCODE, id, or lon,lat).

    \b
    Examples:
      corridors route Chelyabinsk Mumbai
      corridors route Moscow "Nhava Sheva" --avoid-country AZE --optimize cost
      corridors route Chelyabinsk Mundra --avoid-chokepoint hormuz --include-planned
    """
    state.rows_on_demand = not kw.get("map_path")  # a map draws the network: read it in bulk
    c = build_constraints(kw)
    objective = parse_objective(optimize)
    r = state.router
    _report_snaps(state, origin, destination)
    if k > 1:
        if family:
            raise click.UsageError("--alternatives cannot be combined with --family")
        routes = r.alternatives(origin, destination, k=k, objective=objective, constraints=c)
    else:
        routes = [r.route(origin, destination, objective=objective, constraints=c, family=family)]
    fmt = kw["fmt"]
    text: str | bytes
    if fmt == "table":
        text = "\n\n".join(route_text(x) for x in routes)
        if len(routes) > 1:
            text = table([x.summary() for x in routes]) + "\n\n" + text
    else:
        text = machine_text(fmt, routes, {"constraints": c.describe()})
    emit(text, kw["output"], kw["force"])
    _write_map(state, routes, kw, f"{routes[0].origin_name} → {routes[0].destination_name}", c)


def compared_routes(
    state: State, origin: str, destination: str, c: Any, objective: Any, families: tuple[str, ...], pareto: bool
) -> tuple[list[Any], dict[str, str]]:
    """The routes `compare` shows (one per family, or the Pareto front) and the unavailable families;
    a NoRouteError when no family has a route. `report` draws the same routes."""
    r = state.router
    if pareto:
        return list(r.pareto(origin, destination, constraints=c)), {}
    res = r.compare(origin, destination, constraints=c, objective=objective, families=list(families) or None)
    if not res.routes:
        from corridors.errors import NoRouteError

        raise NoRouteError(next(iter(res.unavailable.values()), "no family has a route"))
    return list(res.routes), dict(res.unavailable)


@click.command()
@click.argument("origin")
@click.argument("destination")
@click.option(
    "--optimize",
    default="time",
    show_default=True,
    metavar="OBJECTIVE",
    help="What each family's best route minimises (as for `route`); the table is sorted by it.",
)
@click.option(
    "--family",
    "families",
    multiple=True,
    metavar="ID",
    help=f"Only these corridor families (repeatable; default all): {family_ids_text()}.",
)
@click.option("--pareto", is_flag=True, help="Show the Pareto front over time, cost and exposure instead of one route per family.")
@constraint_options
@output_options(("table", "json", "csv", "geojson"))
@pass_state
def compare(state: State, /, origin: str, destination: str, optimize: str, families: tuple[str, ...], pareto: bool, **kw: Any) -> None:
    """Compare corridors from ORIGIN to DESTINATION: the best route of each corridor family side by
    side (INSTC via Sarakhs, via Inche Burun, western, Trans-Caspian and via Chabahar, Suez, Cape,
    NSR, Trans-Siberian + Vladivostok–Chennai), the best value of each column marked with *. A row is
    always a route that is really that corridor (data/families.toml defines each); a family that has
    none under the constraints is listed as unavailable with the reason.

    \b
    Examples:
      corridors compare Chelyabinsk Mumbai --map chelyabinsk-mumbai.html
      corridors compare Moscow Mundra --avoid-chokepoint hormuz,bab_el_mandeb --depart 2026-01-15
    """
    state.rows_on_demand = not kw.get("map_path")  # a map draws the network: read it in bulk
    c = build_constraints(kw)
    objective = parse_objective(optimize)
    _report_snaps(state, origin, destination)
    routes, unavailable = compared_routes(state, origin, destination, c, objective, families, pareto)
    fmt = kw["fmt"]
    text: str | bytes
    if fmt == "table":
        head = f"{routes[0].origin_name} -> {routes[0].destination_name}"
        rules = c.describe()
        text = head + (f" ({'; '.join(rules)})" if rules else "") + "\n" + table([x.summary() for x in routes])
        if unavailable:
            text += "\n\nno route:\n" + "\n".join(f"  {k}: {v}" for k, v in unavailable.items())
        notes = [f"  {x.label}: {x.summary()['not_operational']}" for x in routes if x.not_operational]
        notes += [f"  {x.label}: seasonal {x.summary()['seasonal']}" for x in routes if x.seasonal and not c.depart]
        notes += [f"  {x.label}: {cav}" for x in routes for cav in x.caveats]
        if notes:
            text += "\n\nnotes:\n" + "\n".join(notes)
        text += (
            "\n\ndays: door to door (origin handling to release at the destination); P50 and P10-P90 from the Monte Carlo,"
            " mean = expected (the search ranks on it)."
            "\ncost and CO2 are per TEU estimates (data/parameters.toml); * marks the best value of a column."
        )
    elif fmt == "csv" and unavailable:
        # the unavailable families are rows too, with the reason (the same rows as CompareResult.rows)
        import csv
        import io

        from corridors.routing import CompareResult

        rows = CompareResult(state.router.place(origin), state.router.place(destination), routes, unavailable, c).rows()
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
        text = buf.getvalue()
    else:
        text = machine_text(fmt, routes, {"constraints": c.describe(), "unavailable": unavailable})
    emit(text, kw["output"], kw["force"])
    _write_map(state, routes, kw, f"{routes[0].origin_name} → {routes[0].destination_name}: corridors compared", c)
