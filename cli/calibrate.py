"""``corridors calibrate`` and ``corridors validation``: fit the calibrated parameters, and hold the
model against the published cases."""

from __future__ import annotations

import tomllib
from typing import Any

import click

from .context import State, pass_state
from .output import emit


@click.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Write the fitted values as a calibration TOML file (e.g. data/calibration.toml); else print it.",
)
@click.option(
    "--cases",
    type=click.Path(dir_okay=False, exists=True),
    metavar="FILE",
    help="Published cases (default: the bundled data/validation.toml).",
)
@click.option("--no-loo", is_flag=True, help="Skip the leave-one-out errors (faster).")
@click.option("--force", is_flag=True, help="Replace FILE even if corridors did not write it.")
@pass_state
def calibrate(state: State, output: str | None, cases: str | None, no_loo: bool, force: bool) -> None:
    """Fit the calibrated parameters (each bounded by its sources) to the calibration cases.

    Bounded least squares on log P50 times over the cases whose role is "calibration"; prints each
    parameter's prior, fitted value and bounds, the residual of each case and its leave-one-out error.
    The validation cases are never used. Load your own result with `corridors --calibration FILE ...`.

    \b
    Examples:
      corridors calibrate
      corridors calibrate -o data/calibration.toml --force    # refresh the bundled figures
    """
    from corridors.calibrate import fit, report
    from corridors.validation import load_cases

    result = fit(state.G, load_cases(cases) if cases else None, loo=not no_loo)
    click.echo(report(result), err=True)
    text = result.to_toml()
    tomllib.loads(text)
    emit(text, output, force)


@click.command()
@click.option(
    "--cases",
    type=click.Path(dir_okay=False, exists=True),
    metavar="FILE",
    help="Published cases (default: the bundled data/validation.toml).",
)
@click.option("--markdown", type=click.Path(dir_okay=False), metavar="FILE", help="Write the full report (e.g. docs/validation.md).")
@click.option("--force", is_flag=True, help="Replace FILE even if corridors did not write it.")
@pass_state
def validation(state: State, cases: str | None, markdown: str | None, force: bool) -> None:
    """Hold the model against the published cases: P50 against each figure, two-sided.

    Prints the headline errors by role and the cases outside their tolerance; with --markdown writes
    the whole report (the figures docs/validation.md shows).
    """
    from corridors.params import bundled_calibration_path
    from corridors.validation import load_cases, markdown_report, run_cases, stats

    results = run_cases(state.router, load_cases(cases) if cases else None)
    for role, st in stats(results).items():
        med = st["median_abs_error_time"]
        click.echo(
            f"{role:12s} {st['cases']:3d} cases, {st['held']:3d} within tolerance"
            + (f", median |error| on time {100 * med:.1f} %" if med is not None else "")
        )
    for r in results:
        if r.holds is False:
            click.echo(
                f"  FAILS {r.id}: "
                + (f"model {r.model:,.1f} vs {r.case.published:,.1f} ±{r.case.tolerance:,.1f}" if r.model is not None else r.error)
            )
    if markdown:
        cal: dict[str, Any] = {}
        path = bundled_calibration_path()
        if path.exists():
            with path.open("rb") as fh:
                cal = tomllib.load(fh)
        emit(markdown_report(results, cal), markdown, force)
