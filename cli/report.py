"""``corridors report``: one self-contained HTML page (map, table, legs and stops, constraints,
assumptions, sourced figures, data sources), optionally printed to PDF and the map to PNG."""

from __future__ import annotations

import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from .context import State, pass_state
from .options import build_constraints, constraint_options, parse_objective
from .route import compared_routes


def _check_ext(value: str | None, exts: tuple[str, ...], option: str) -> None:
    if value is not None and Path(value).suffix.lower() not in exts:
        msg = f"{value!r} must end in {' or '.join(exts)}"
        raise click.BadParameter(msg, param_hint=f"'{option}'")


def _check_free(path: str | None, force: bool) -> None:
    """A PDF or PNG carries no generator tag: an existing one is replaced only with --force."""
    if path is not None and Path(path).exists() and not force:
        from corridors.convert import OutputExistsError

        msg = f"{path} already exists; choose another name or pass --force to replace it"
        raise OutputExistsError(msg)


@click.command()
@click.argument("origin")
@click.argument("destination")
@click.option(
    "--optimize", default="time", show_default=True, metavar="OBJECTIVE", help="What each family's best route minimises (as for `compare`)."
)
@click.option("--family", "families", multiple=True, metavar="ID", help="Only these corridor families (repeatable; default all).")
@click.option("--pareto", is_flag=True, help="Report the Pareto front over time, cost and exposure instead of one route per family.")
@constraint_options
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    metavar="FILE.html",
    help="Write the report here (one self-contained HTML file).",
)
@click.option(
    "--pdf",
    "pdf_path",
    type=click.Path(dir_okay=False),
    metavar="FILE.pdf",
    help="Also print the report to PDF (needs a headless Chromium).",
)
@click.option(
    "--png",
    "png_path",
    type=click.Path(dir_okay=False),
    metavar="FILE.png",
    help="Also save a static picture of the map, 1600 × 900 (needs a headless Chromium).",
)
@click.option("--title", help="Report title (default: ORIGIN → DESTINATION: corridors compared).")
@click.option(
    "--online-tiles/--offline",
    "online_tiles",
    default=False,
    show_default=True,
    help="Map basemap: OpenStreetMap tiles (needs internet) or the bundled country outlines.",
)
@click.option("--force", is_flag=True, help="Replace output files even if corridors did not write them.")
@pass_state
def report(state: State, /, origin: str, destination: str, optimize: str, families: tuple[str, ...], pareto: bool, **kw: Any) -> None:
    """Write a report comparing corridors from ORIGIN to DESTINATION: the routes of `corridors
    compare` (same options, same figures as its --format json) with the map, each route's legs and
    stops, the constraints, assumptions, the model's figures with their sources, and the data sources.

    \b
    Examples:
      corridors report Chelyabinsk Mumbai -o report.html
      corridors report Moscow Mundra --avoid-chokepoint hormuz -o r.html --pdf r.pdf --png map.png
    """
    output, pdf_path, png_path, force = kw.pop("output"), kw.pop("pdf_path"), kw.pop("png_path"), kw.pop("force")
    _check_ext(output, (".html", ".htm"), "--output")
    _check_ext(pdf_path, (".pdf",), "--pdf")
    _check_ext(png_path, (".png",), "--png")
    _check_free(pdf_path, force)
    _check_free(png_path, force)
    if pdf_path or png_path:
        from corridors.maps.browser import find_chromium

        find_chromium()  # fail before the work if there is no browser
    c = build_constraints(kw)
    objective = parse_objective(optimize)
    r = state.router
    routes, unavailable = compared_routes(state, origin, destination, c, objective, families, pareto)  # exactly as `compare`
    from corridors.maps.report import save_report

    title = kw.get("title") or f"{routes[0].origin_name} → {routes[0].destination_name}: corridors compared"
    save_report(
        routes,
        output,
        force=force,
        G=state.G,
        title=title,
        constraints=c,
        params=r.params,
        unavailable=unavailable,
        online_tiles=kw["online_tiles"],
        command=shlex.join(["corridors", *sys.argv[1:]]) if sys.argv and "corridors" in Path(sys.argv[0]).name else "",
    )
    click.echo(f"wrote report {output}", err=True)
    if pdf_path:
        from corridors.maps.browser import print_pdf

        print_pdf(output, pdf_path)
        click.echo(f"wrote {pdf_path}", err=True)
    if png_path:
        from corridors.maps import save_map
        from corridors.maps.browser import screenshot

        with tempfile.TemporaryDirectory(prefix="corridors-png-") as tmp:
            page = save_map(routes, Path(tmp) / "map.html", G=state.G, title=title, constraints=c, online_tiles=kw["online_tiles"])
            screenshot(page, png_path)
        click.echo(f"wrote {png_path}", err=True)
