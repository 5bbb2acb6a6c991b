"""``corridors matrix``: time, distance and cost between every pair of places."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import click

from .context import State, pass_state
from .options import build_constraints, constraint_options


def _read_places(path: str) -> list[str]:
    """Places from a file: one per line (``#`` comments and blank lines ignored), or a CSV whose header
    has a ``place`` column."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        msg = f"file {path} not found"
        raise click.BadParameter(msg, param_hint="'--file'") from None
    except (IsADirectoryError, UnicodeDecodeError) as exc:
        msg = f"cannot read {path}: {exc}"
        raise click.BadParameter(msg, param_hint="'--file'") from None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if lines and "place" in [h.strip().lower() for h in next(csv.reader([lines[0]]))]:
        rows = list(csv.DictReader(lines))
        key = next(k for k in rows[0] if k.strip().lower() == "place") if rows else "place"
        return [r[key].strip() for r in rows if r.get(key, "").strip()]
    return [ln.strip() for ln in lines]


def _square(res: Any, metric: str, scale: float, fmt: str) -> str:
    names = res.names
    width = max(len(n) for n in names)
    cols = [n[:14] for n in names]
    cw = max(10, *(len(c) for c in cols))
    out = [" " * width + "  " + "  ".join(c.rjust(cw) for c in cols)]
    vals = res.values[metric]
    for i, n in enumerate(names):
        cells = []
        for j in range(len(names)):
            v = vals[i, j]
            cells.append(("-" if i == j else "no route") if v != v or i == j else format(v / scale, fmt))
        out.append(n.ljust(width) + "  " + "  ".join(c.rjust(cw) for c in cells))
    return "\n".join(out)


@click.command()
@click.argument("places", nargs=-1)
@click.option(
    "--file",
    "places_file",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Read places from FILE: one per line, or a CSV with a 'place' column (added after PLACES).",
)
@click.option(
    "--optimize",
    type=click.Choice(["time", "distance", "cost", "co2"]),
    default="time",
    show_default=True,
    help="Which best route each cell reports (its time, distance, cost and CO2 are all given).",
)
@constraint_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "parquet"]),
    default="table",
    show_default=True,
    help="table: time, distance and cost matrices; csv/json/parquet: one row per ordered pair (parquet needs --output).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the result to this file instead of stdout.")
@click.option("--force", is_flag=True, help="Replace the output file even if corridors did not write it.")
@pass_state
def matrix(
    state: State, /, places: tuple[str, ...], places_file: str | None, optimize: str, fmt: str, output: str | None, force: bool, **kw: Any
) -> None:
    """Time, distance and cost of the best route between every pair of PLACES (names, aliases,
    UN/LOCODEs, ids or lon,lat), honouring every constraint and the departure date.

    \b
    Examples:
      corridors matrix Moscow Chelyabinsk Mumbai Chennai
      corridors matrix --file ports.txt --optimize cost --format csv -o matrix.csv
      corridors matrix Murmansk Vladivostok --modes sea --depart 2026-01-15
    """
    from corridors.convert import write_atomic
    from corridors.matrix import od_matrix

    names = list(places) + (_read_places(places_file) if places_file else [])
    if len(names) < 2:
        msg = "give at least two places (as arguments or with --file)"
        raise click.UsageError(msg)
    if fmt == "parquet" and not output:
        msg = "--format parquet writes a binary file: give --output FILE.parquet"
        raise click.UsageError(msg)
    c = build_constraints(kw)
    res = od_matrix(state.router, names, objective=optimize, constraints=c)
    for p in res.places:
        if p.note:
            click.echo(f"{p.query} -> {p.note}", err=True)
    if fmt == "parquet":
        import io

        buf = io.BytesIO()
        res.frame().to_parquet(buf, index=False)
        write_atomic(output, buf.getvalue(), force=force)  # type: ignore[arg-type]
        click.echo(f"wrote {output}", err=True)
        return
    if fmt == "csv":
        text = res.frame().to_csv(index=False)
    elif fmt == "json":
        text = res.frame().to_json(orient="records", indent=2)
    else:
        head = f"best route by {optimize}" + (f"; {', '.join(c.describe())}" if c.describe() else "")
        parts = [
            head,
            "time (days)\n" + _square(res, "time_h", 24.0, ".1f"),
            "distance (km)\n" + _square(res, "length_km", 1.0, ",.0f"),
            "cost (USD/TEU)\n" + _square(res, "cost_usd", 1.0, ",.0f"),
        ]
        text = "\n\n".join(parts)
    if output:
        write_atomic(output, text if text.endswith("\n") else text + "\n", force=force)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text.rstrip("\n"))
