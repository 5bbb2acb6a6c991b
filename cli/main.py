"""Entry point: ``corridors [GLOBAL OPTIONS] COMMAND ...``."""

from __future__ import annotations

import contextlib
import gc
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

# One BLAS thread unless the user chose otherwise. corridors does no linear algebra, but numpy's and
# scipy's bundled OpenBLAS start a pool of threads when imported, and their spinning added 0.15-0.2 s
# of CPU to every command (a cold `corridors compare`: 1.22 -> 1.06 s CPU, median of 7). Set before
# anything imports numpy; sweep workers inherit it, so two of them no longer start four BLAS threads.
if not any(os.environ.get(v) for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "GOTO_NUM_THREADS")):
    os.environ["OPENBLAS_NUM_THREADS"] = "1"

import click

from corridors import __version__

from .context import State


class CorridorsGroup(click.Group):
    """Turns the library's errors into one clear line and an exit code: 2 for bad input, 1 for a
    domain failure (no route, invalid data); never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from corridors.convert import OutputExistsError
        from corridors.errors import (
            ConstraintError,
            CorridorsError,
            DataFileError,
            NetworkValidationError,
            ParameterError,
            ScenarioError,
            UnknownPlaceError,
        )

        try:
            return super().invoke(ctx)
        except (UnknownPlaceError, ConstraintError) as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
        except NetworkValidationError as exc:
            click.echo(f"Error: {exc} (run `corridors network validate FILE` for the full list)", err=True)
            sys.exit(1)
        except (ParameterError, ScenarioError, DataFileError, OutputExistsError) as exc:  # and NoRouteError, a CorridorsError
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
        except CorridorsError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
        except ModuleNotFoundError as exc:
            click.echo(f"Error: {exc} (reinstall corridors with `pip install .`)", err=True)
            sys.exit(1)
        except BrokenPipeError:
            sys.exit(0)
        except OSError as exc:
            # the environment, not a bug: a full or read-only disk, a permission, a missing folder
            where = f": {exc.filename}" if exc.filename else ""
            click.echo(f"Error: {exc.strerror or exc}{where}", err=True)
            sys.exit(1)
        except RecursionError:
            click.echo("Error: an input is nested too deeply to be a corridors file", err=True)
            sys.exit(1)
        except OverflowError as exc:
            click.echo(f"Error: a date or number is out of range ({exc})", err=True)
            sys.exit(1)
        except MemoryError:
            click.echo("Error: out of memory (ask for fewer vias, alternatives or tasks)", err=True)
            sys.exit(1)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:
            # a bug, not bad input: still one line, with the traceback on -v
            if logging.getLogger().isEnabledFor(logging.INFO):
                raise
            click.echo(
                f"Error: internal error {type(exc).__name__}: {exc} (a bug: please report it with the command; -v shows the traceback)",
                err=True,
            )
            sys.exit(70)


@click.group(cls=CorridorsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="corridors")
@click.option(
    "--network",
    "network",
    multiple=True,
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Use this GeoJSON network instead of the bundled one (repeat for several files).",
)
@click.option(
    "--layer",
    "layers",
    multiple=True,
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help='Merge this GeoJSON layer over the network: add or replace features by id, or remove one with "action": "remove" (repeatable).',
)
@click.option(
    "--params",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="TOML file of cost-model parameters merged over the bundled data/parameters.toml.",
)
@click.option(
    "--calibration",
    type=click.Path(dir_okay=False, exists=True),
    metavar="FILE",
    help="Calibrated figures from `corridors calibrate -o FILE` instead of the bundled data/calibration.toml.",
)
@click.option("--no-cache", is_flag=True, help="Rebuild the network instead of reading the on-disk cache.")
@click.option(
    "--draws",
    type=click.IntRange(0, 1_000_000),
    default=10_000,
    show_default=True,
    help="Monte Carlo draws for the P10/P50/P90 times (0: expected times only).",
)
@click.option(
    "--seed", type=click.IntRange(0, 2**32 - 1), default=None, help="Seed of the Monte Carlo (fixed by default, so results repeat)."
)
@click.option("-v", "--verbose", count=True, help="Log more to stderr (-v info, -vv debug).")
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    envvar="CORRIDORS_QUIET",
    help="No progress lines on stderr (the stages of a first run's build, the sweep's progress bar); "
    "warnings and errors still show, and -v shows the lines again. Also $CORRIDORS_QUIET=1.",
)
@click.pass_context
def cli(
    ctx: click.Context,
    network: tuple[str, ...],
    layers: tuple[str, ...],
    params: str | None,
    calibration: str | None,
    no_cache: bool,
    draws: int,
    seed: int | None,
    verbose: int,
    quiet: bool,
) -> None:
    """Trade-corridor logistics calculator: routes between Russia, Central Asia, Iran and India by rail,
    sea, Caspian ferry and road, with transit time, distance, cost, CO2 and chokepoint exposure.

    \b
    Examples:
      corridors compare Chelyabinsk Mumbai --map compare.html
      corridors route Moscow "Nhava Sheva" --avoid-country AZE --optimize cost
      corridors route Chelyabinsk Mumbai --avoid-chokepoint hormuz --format json
      corridors places bandar
    """
    # a command builds or reads hundreds of thousands of objects that live until it exits (the network,
    # the engine): a larger first-generation threshold makes the collector pass over them less often
    # (cycles are still collected): about a tenth of a warm `compare` (1.19 against 1.31 s CPU)
    threshold = gc.get_threshold()
    gc.set_threshold(100_000, 20, 20)
    ctx.call_on_close(lambda: gc.set_threshold(*threshold))  # a command run in-process leaves it as it was
    setup_logging(verbose, quiet=quiet)
    ctx.obj = State(
        network=network,
        layers=layers,
        params=params,
        use_cache=not no_cache,
        draws=draws,
        seed=seed,
        calibration=calibration,
        quiet=quiet and not verbose,
    )


def run(args: Sequence[str] | None = None) -> None:
    """The ``corridors`` console script: :func:`cli`, then out of the process without tearing the
    interpreter down.

    A command leaves the network, the engine and their caches alive (hundreds of thousands of
    objects, tens of MiB of arrays); the interpreter's teardown then frees them one by one and runs a
    last collection over them, about 0.3 s of CPU after the answer was printed (a cold `corridors
    compare`: 1.16 against 0.85 s CPU, medians of 3). So once the command has ended, the exit
    handlers run (:mod:`atexit`: logging's flush, temporary folders, process pools, Dask clusters),
    stdout and stderr are flushed, and the process ends with the command's exit code; the operating
    system takes the memory back. Output files were already written (atomically) by then. When
    another thread is still running, or a bug escapes, the ordinary exit is taken instead.
    Commands run in-process (click's ``CliRunner``, the tests) call :func:`cli` and are unaffected."""
    # what importing this module made (numpy, networkx, shapely: imported with collection off, below)
    # lives as long as the process: out of the collector's passes from now on
    gc.freeze()
    try:
        cli.main(args=list(args) if args is not None else None, prog_name="corridors")
    except SystemExit as exc:
        _leave(exc.code)
    _leave(0)


def _leave(code: Any) -> None:
    """End the process with ``code`` as :func:`sys.exit` would, but without the interpreter's teardown
    (see :func:`run`)."""
    import atexit
    import threading

    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_handlers is None or threading.active_count() > 1:
        sys.exit(code)
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code & 0xFF
    else:  # sys.exit("message"): the message on stderr, status 1
        with contextlib.suppress(Exception):
            print(code, file=sys.stderr)
        status = 1
    run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe (`corridors ... | head`): nothing more to say
            stream.flush()
    os._exit(status)


def setup_logging(verbose: int, *, quiet: bool = False) -> None:
    """Logs go to stderr: warnings by default, ``-v`` what is loaded, from where and what it cost,
    ``-vv`` debug. Progress lines (the ``corridors.progress`` logger: the stages of a slow first build)
    go to stderr as ``corridors: ...``, one line per stage, on a terminal or not, unless ``quiet``
    (without ``-v``).
    Nothing of this goes to stdout, so JSON and CSV output stays parseable."""
    level = logging.WARNING - 10 * min(verbose, 2)
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s" if verbose > 1 else "%(message)s"))
    root.handlers = [h for h in root.handlers if not getattr(h, "_corridors", False)]
    handler._corridors = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("fontTools", "PIL", "matplotlib", "urllib3", "asyncio", "distributed", "pyogrio"):
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    prog = logging.getLogger("corridors.progress")
    prog.handlers = [h for h in prog.handlers if not getattr(h, "_corridors", False)]
    line = logging.StreamHandler(sys.stderr)
    line.setFormatter(logging.Formatter("corridors: %(message)s"))
    line._corridors = True  # type: ignore[attr-defined]
    prog.addHandler(line)
    prog.propagate = False  # once, not again through the root handler on -v
    prog.setLevel(logging.WARNING if quiet and not verbose else logging.INFO)


def _register() -> None:
    from . import calibrate, explain, network, places, route, sweep
    from . import scenario as scenario_cmds

    cli.add_command(network.network)
    cli.add_command(places.places)
    cli.add_command(places.chokepoints)
    cli.add_command(route.route)
    cli.add_command(route.compare)
    cli.add_command(scenario_cmds.scenario)
    cli.add_command(sweep.sweep)
    cli.add_command(explain.explain)
    cli.add_command(calibrate.calibrate)
    cli.add_command(calibrate.validation)
    cli.add_command(importlib.import_module("corridors.cli.report").report)
    cli.add_command(__import__("corridors.cli.matrix", fromlist=["matrix"]).matrix)


# The command modules bring in numpy, networkx and shapely: hundreds of thousands of objects that all
# stay alive, over which the cyclic collector's passes found nothing to free (a fifth of the imports'
# CPU, 0.58 -> 0.46 s interleaved, median of 15). Collection is back on once they are imported, with
# them counted as old: else the first young collection after would walk them all (15-20 ms).
_collecting = gc.isenabled()
gc.disable()
try:
    _register()
finally:
    if _collecting:
        from corridors.cache import age_young_objects

        age_young_objects()
        gc.enable()
