"""``corridors explain``: why the best route goes the way it does, or what cuts every way."""

from __future__ import annotations

import json
from typing import Any

import click

from .context import State, apply_scenario_file, pass_state, read_scenario_file
from .options import build_constraints, constraint_options, single_objective


@click.command()
@click.argument("origin")
@click.argument("destination")
@click.option(
    "--optimize",
    default="time",
    show_default=True,
    metavar="OBJECTIVE",
    help="What the best route minimises: time, distance, cost, co2 or exposure.",
)
@click.option(
    "--scenario",
    "scenario_file",
    metavar="FILE",
    help="Explain under this scenario (a file or a bundled name), on top of the options.",
)
@click.option(
    "--max-dropped",
    type=click.IntRange(min=1, max=5),
    default=3,
    show_default=True,
    help="When there is no route: try dropping up to this many rules together.",
)
@constraint_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_state
def explain(
    state: State,
    /,
    origin: str,
    destination: str,
    optimize: str,
    scenario_file: str | None,
    max_dropped: int,
    fmt: str,
    **kw: Any,
) -> None:
    """Explain the best route from ORIGIN to DESTINATION: the jurisdictions whose territory it
    crosses, the ports it calls at, the chokepoints and their littoral states, and why it beat the
    runner-up corridor. When there is no route: which rules cut the way, and the least change that
    opens one.

    \b
    Examples:
      corridors explain Chelyabinsk Mumbai
      corridors explain Moscow Mumbai --avoid-country IRN --avoid-chokepoint suez --depart 2026-01-15
      corridors explain Chelyabinsk Mumbai --scenario no_iranian_ports --optimize cost
    """
    from corridors.explain import explain as explain_route

    c = build_constraints(kw)
    objective = single_objective(optimize)
    router = state.router
    if scenario_file:
        applied = apply_scenario_file(state, read_scenario_file(scenario_file), c)
        router, c = applied.router, applied.constraints
    e = explain_route(router, origin, destination, constraints=c, objective=objective, max_dropped=max_dropped)
    if fmt == "json":
        click.echo(json.dumps(e.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(e.text())
