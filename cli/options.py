"""Options shared by the routing commands (route, compare, scenario run, sweep, explain), their parsing,
and the error a bad input file or value gives."""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

F = Callable[..., Any]

# limits on what one query may ask for (each far above any real corridor; beyond them memory and time
# grow without bound: 1,000 transfers or vias took 2.8 GB)
MAX_TRANSSHIPMENTS = 20
MAX_VIAS = 20
MAX_WEIGHT = 1e6
FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2199, 12, 31)


class BadInput(click.ClickException):
    """Bad input file or value: one line on stderr, exit code 2 (no usage text)."""

    exit_code = 2


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for v in values:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return tuple(out)


def parse_objective(value: str) -> str | dict[str, float]:
    """'time' or a blend 'time=1,cost=0.5'."""
    from corridors.routing import OBJECTIVES

    if "=" not in value:
        if value == "p90":
            return value  # reliability: the candidate with the lowest P90 (Monte Carlo)
        if value not in OBJECTIVES:
            msg = f"{value!r} is not one of {', '.join(OBJECTIVES)} (or a blend like time=1,cost=0.5)"
            raise click.BadParameter(msg, param_hint="'--optimize'")
        return value
    blend: dict[str, float] = {}
    for part in value.split(","):
        k, _, v = part.partition("=")
        k = k.strip()
        if k not in OBJECTIVES:
            msg = f"{k!r} is not one of {', '.join(OBJECTIVES)}"
            raise click.BadParameter(msg, param_hint="'--optimize'")
        if k in blend:
            msg = f"{k} is given twice"
            raise click.BadParameter(msg, param_hint="'--optimize'")
        blend[k] = _finite(v, f"weight for {k}", "'--optimize'", upper=MAX_WEIGHT)
    if not any(w > 0 for w in blend.values()):
        msg = "a blend needs at least one positive weight, e.g. time=1,cost=0.5"
        raise click.BadParameter(msg, param_hint="'--optimize'")
    return blend


def single_objective(value: str) -> str:
    """One objective for ``--optimize`` (time, distance, cost, co2 or exposure), not a blend."""
    obj = parse_objective(value)
    if not isinstance(obj, str):
        msg = "give one objective (time, distance, cost, co2 or exposure), not a blend"
        raise click.BadParameter(msg, param_hint="'--optimize'")
    return obj


def _finite(text: str, what: str, hint: str, upper: float) -> float:
    """A finite number from 0 to ``upper`` (NaN, inf and negatives are refused with one line)."""
    try:
        x = float(text)
    except ValueError:
        msg = f"{what} {text.strip()!r} is not a number"
        raise click.BadParameter(msg, param_hint=hint) from None
    if not math.isfinite(x) or x < 0 or x > upper:
        msg = f"{what} must be a number from 0 to {upper:g}, got {text.strip()!r}"
        raise click.BadParameter(msg, param_hint=hint)
    return x


def parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        d = dt.date.fromisoformat(value)
    except ValueError:
        msg = f"{value!r} is not a date like 2026-07-15"
        raise click.BadParameter(msg, param_hint="'--depart'") from None
    if not FIRST_DATE <= d <= LAST_DATE:
        msg = f"{value} is outside the dates corridors can plan for ({FIRST_DATE} to {LAST_DATE})"
        raise click.BadParameter(msg, param_hint="'--depart'")
    return d


def parse_weights(values: tuple[str, ...]) -> tuple[tuple[str, float], ...]:
    out = []
    for v in _split(values):
        k, eq, w = v.partition("=")
        if not eq or not k.strip():
            msg = f"{v!r} is not ID=WEIGHT, e.g. hormuz=3"
            raise click.BadParameter(msg, param_hint="'--chokepoint-weight'")
        out.append((k.strip(), _finite(w, f"weight of {k.strip()}", "'--chokepoint-weight'", upper=MAX_WEIGHT)))
    return tuple(out)


def constraint_options(f: F) -> F:
    """Decorate a command with every constraint option."""
    opts = [
        click.option(
            "--avoid-country",
            "avoid_country",
            multiple=True,
            metavar="ISO3",
            help="Avoid a country (ISO-3 code, e.g. IRN); repeat or comma-separate.",
        ),
        click.option(
            "--country-scope",
            type=click.Choice(["both", "territory", "ports"]),
            default="both",
            show_default=True,
            help="What --avoid-country forbids: land territory and canals, port calls, or both.",
        ),
        click.option(
            "--avoid-chokepoint",
            "avoid_chokepoint",
            multiple=True,
            metavar="ID",
            help="Avoid a chokepoint (e.g. hormuz, suez, bab_el_mandeb); `corridors chokepoints` lists them.",
        ),
        click.option(
            "--avoid-port",
            "avoid_port",
            multiple=True,
            metavar="PLACE",
            help="Avoid a port or any node (name, alias, UN/LOCODE or id); repeatable.",
        ),
        click.option("--avoid-leg", "avoid_leg", multiple=True, metavar="ID", help="Avoid a leg by id; repeatable."),
        click.option("--modes", metavar="LIST", help="Allowed modes, comma-separated: rail,sea,ferry,road (default all)."),
        click.option(
            "--include-planned", is_flag=True, help="Allow planned and under-construction links (Rasht–Astara, Chabahar–Zahedan)."
        ),
        click.option(
            "--depart", metavar="DATE", help="Departure date (YYYY-MM-DD): seasonal legs (NSR, northern Caspian) must be open when reached."
        ),
        click.option(
            "--via", multiple=True, metavar="PLACE", help=f"Pass through this place (repeat for several, in order; at most {MAX_VIAS})."
        ),
        click.option(
            "--max-transshipments",
            type=click.IntRange(min=0, max=MAX_TRANSSHIPMENTS),
            help=f"At most this many transfers between modes or vessels (0-{MAX_TRANSSHIPMENTS}).",
        ),
        click.option(
            "--vessel",
            metavar="LxBxD",
            help="The ship's length x beam x draught in metres (e.g. 366x51x15.2): sea routes avoid the canals "
            "it does not fit (data/waterway_limits.toml).",
        ),
        click.option(
            "--chokepoint-weight",
            "chokepoint_weight",
            multiple=True,
            metavar="ID=W",
            help="Exposure weight of a chokepoint, e.g. hormuz=3 (default weights from the data).",
        ),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def vessel_closed(text: str) -> tuple[str, ...]:
    """The chokepoints a ship of ``LxBxD`` metres does not fit, each said on stderr with the reason."""
    from corridors.vessels import Vessel, misfits

    try:
        sizes = [float(x) for x in text.lower().replace("×", "x").split("x")]
    except ValueError:
        sizes = []
    if len(sizes) != 3 or not all(math.isfinite(v) and 0 < v < 1000 for v in sizes):
        msg = f"{text!r}: give length x beam x draught in metres, e.g. 366x51x15.2"
        raise click.BadParameter(msg, param_hint="'--vessel'")
    closed = []
    for w, why in misfits(Vessel(length_m=sizes[0], beam_m=sizes[1], draught_m=sizes[2])):
        click.echo(f"note: the vessel does not fit the {w.name} ({why}): {w.chokepoint} avoided", err=True)
        closed.append(str(w.chokepoint))
    return tuple(closed)


def build_constraints(kw: dict[str, Any]) -> Any:
    """Pop the constraint options from a command's keyword arguments into
    :class:`corridors.routing.Constraints` (imported here: scipy loads only when a route is asked for)."""
    from corridors.routing import Constraints

    modes = kw.pop("modes")
    if len(kw["via"]) > MAX_VIAS:
        msg = f"at most {MAX_VIAS} places may be given, got {len(kw['via'])}"
        raise click.BadParameter(msg, param_hint="'--via'")
    avoid_chokepoints = _split(kw.pop("avoid_chokepoint"))
    vessel = kw.pop("vessel", None)
    if vessel is not None:
        avoid_chokepoints += tuple(c for c in vessel_closed(vessel) if c not in avoid_chokepoints)
    return Constraints(
        avoid_countries=tuple(c.upper() for c in _split(kw.pop("avoid_country"))),
        country_scope=kw.pop("country_scope"),
        avoid_chokepoints=avoid_chokepoints,
        avoid_nodes=_split(kw.pop("avoid_port")),
        avoid_legs=_split(kw.pop("avoid_leg")),
        modes=_split((modes,)) if modes else None,
        include_planned=kw.pop("include_planned"),
        depart=parse_date(kw.pop("depart")),
        via=tuple(kw.pop("via")),
        max_transshipments=kw.pop("max_transshipments"),
        chokepoint_weights=parse_weights(kw.pop("chokepoint_weight")),
    )


def output_options(formats: tuple[str, ...]) -> Callable[[F], F]:
    """``--format``, ``-o/--output``, ``--map``, ``--open``, ``--online-tiles`` and ``--force``.

    ``-o FILE`` picks the format from FILE's extension (see :data:`cli.output.EXTENSIONS`) unless
    ``--format`` is given; a command that writes JSON and CSV also writes the file-only formats
    (GeoPackage, Parquet, Excel). ``--map`` must end in ``.html``.
    """
    from .output import FILE_ONLY

    allowed = tuple(formats) + (FILE_ONLY if "csv" in formats and "geojson" in formats else ())

    def deco(f: F) -> F:
        @functools.wraps(f)
        def wrapper(*args: Any, **kw: Any) -> Any:
            ctx = click.get_current_context()
            explicit = ctx.get_parameter_source("fmt") not in (ParameterSource.DEFAULT, None)
            kw["fmt"] = resolve_format(kw["fmt"], kw.get("output"), allowed, explicit)
            check_map_path(kw.get("map_path"))
            return f(*args, **kw)

        g: F = wrapper
        g = click.option(
            "--format",
            "fmt",
            type=click.Choice(list(allowed)),
            default=formats[0],
            show_default=True,
            help="Output format; with -o it is taken from the file's extension "
            "(.txt .csv .json .geojson .gpkg .parquet .xlsx) unless given.",
        )(g)
        g = click.option(
            "-o",
            "--output",
            type=click.Path(dir_okay=False),
            help="Write the result to this file instead of stdout (format from its extension).",
        )(g)
        g = click.option(
            "--map",
            "map_path",
            type=click.Path(dir_okay=False),
            metavar="FILE.html",
            help="Also write an interactive HTML map of the result.",
        )(g)
        g = click.option("--open", "open_map", is_flag=True, help="Open the map in the default web browser (with --map).")(g)
        g = click.option(
            "--online-tiles/--offline",
            "online_tiles",
            default=False,
            show_default=True,
            help="Map basemap: OpenStreetMap tiles (needs internet) or the bundled country outlines (works offline).",
        )(g)
        return click.option(
            "--force", is_flag=True, help="Replace output files that corridors did not write (its own are replaced anyway)."
        )(g)

    return deco


def resolve_format(fmt: str, output: str | None, allowed: tuple[str, ...], explicit: bool) -> str:
    """The output format: ``--format`` if given, else from ``-o``'s extension; they must agree."""
    from .output import EXTENSIONS, FILE_ONLY, check_format_available

    if output:
        ext = Path(output).suffix.lower()
        by_ext = EXTENSIONS.get(ext)
        if by_ext is None and not explicit:
            known = " ".join(e for e, f in EXTENSIONS.items() if f in allowed)
            msg = f"cannot tell the format from {output!r}: use one of the extensions {known} (or give --format)"
            raise click.BadParameter(msg, param_hint="'-o' / '--output'")
        if by_ext is not None and by_ext not in allowed:
            msg = f"this command cannot write {ext} files (formats: {', '.join(allowed)})"
            raise click.BadParameter(msg, param_hint="'-o' / '--output'")
        if by_ext is not None and explicit and by_ext != fmt:
            msg = f"--format {fmt} does not match the extension of {output!r} ({by_ext}); drop --format or rename the file"
            raise click.UsageError(msg)
        fmt = by_ext or fmt
        check_format_available(fmt)  # before any routing: a missing library fails fast
        return fmt
    if fmt in FILE_ONLY:
        msg = f"--format {fmt} is a binary file format: give -o FILE.{'xlsx' if fmt == 'xlsx' else fmt}"
        raise click.UsageError(msg)
    return fmt


def check_map_path(path: str | None) -> None:
    if path and Path(path).suffix.lower() not in (".html", ".htm"):
        msg = f"{path!r}: a map is an HTML page, give a file name ending in .html"
        raise click.BadParameter(msg, param_hint="'--map'")
