"""``corridors sweep``: many scenarios on many origin–destination pairs into one table."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .context import State, pass_state
from .options import BadInput, single_objective


@click.command()
@click.option(
    "--scenarios",
    "scenarios",
    multiple=True,
    required=True,
    metavar="FILES|DIR",
    help="Scenario files, folders of them, or bundled names; repeat or comma-separate (e.g. data/scenarios).",
)
@click.option(
    "--pairs",
    required=True,
    metavar="FILE|A:B,C:D",
    help='CSV file with columns origin,destination (e.g. data/scenarios/pairs.csv), or pairs like "Chelyabinsk:Mumbai,Moscow:Mundra".',
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    metavar="OUT.csv|OUT.parquet",
    help="The table to write.",
)
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: every core).")
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Run on this Dask distributed scheduler (tcp://host:8786); needs `pip install 'corridors[dask]'`.",
)
@click.option(
    "--optimize",
    default="time",
    show_default=True,
    metavar="OBJECTIVE",
    help="What each family's best route minimises.",
)
@click.option(
    "--baseline/--no-baseline",
    default=True,
    show_default=True,
    help='Also run the baseline (no scenario) as scenario "baseline".',
)
@click.option(
    "--restart",
    is_flag=True,
    help="Discard the checkpoint of an earlier interrupted run instead of resuming it.",
)
@click.option(
    "--max-tasks",
    type=click.IntRange(min=0),
    metavar="N",
    help="Stop after N tasks (resume later by running the same command).",
)
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@pass_state
def sweep(
    state: State,
    scenarios: tuple[str, ...],
    pairs: str,
    output: str,
    jobs: int | None,
    scheduler: str | None,
    optimize: str,
    baseline: bool,
    restart: bool,
    max_tasks: int | None,
    force: bool,
) -> None:
    """Run many scenarios on many origin–destination pairs into one table: one row per scenario ×
    pair × corridor family, plus the best route overall (family "best").

    Finished tasks go to OUT's checkpoint (OUT.partial.jsonl) at once: after an interruption, run the
    same command again and it resumes. A progress bar goes to stderr (not with `corridors --quiet`).

    \b
    Examples:
      corridors sweep --scenarios data/scenarios --pairs data/scenarios/pairs.csv -o sweep.csv
      corridors sweep --scenarios red_sea_closure,winter --pairs "Chelyabinsk:Mumbai" -o s.parquet
      corridors sweep --scenarios data/scenarios --pairs pairs.csv -o s.csv --scheduler tcp://10.0.0.5:8786
    """
    from corridors.errors import DataFileError, ScenarioError
    from corridors.sweep import SweepConfig, read_pairs, run_sweep

    objective = single_objective(optimize)
    try:
        pair_list = read_pairs(pairs)
    except DataFileError as exc:
        raise BadInput(str(exc)) from None

    def absolute(p: str) -> str:
        return str(Path(p).resolve())

    config = SweepConfig(
        network=tuple(absolute(p) for p in state.network) or None,
        layers=tuple(absolute(p) for p in state.layers),
        params=absolute(state.params) if state.params else None,
        use_cache=state.use_cache,
        objective=objective,
    )
    bar: dict[str, Any] = {}
    err = sys.stderr

    def on_start(n: int, done: int) -> None:
        if done:
            click.echo(
                f"resuming: {done} task{'s' if done != 1 else ''} already in the checkpoint",
                err=True,
            )
        if state.quiet:
            return
        b = click.progressbar(
            length=n,
            label=f"sweep ({n} task{'s' if n != 1 else ''})",
            file=err,
            show_pos=True,
            show_eta=True,
        )
        bar["bar"] = b.__enter__()
        bar["cm"] = b

    def progress(k: int) -> None:
        if "bar" in bar:
            bar["bar"].update(k)

    try:
        # a router already built in this process (tests, embedding) is the workers' (forked from this
        # process on Linux, else sent to them); otherwise run_sweep loads the network from the on-disk cache
        preset = state.built_router
        res = run_sweep(
            scenarios,
            pair_list,
            output,
            jobs=jobs,
            scheduler=scheduler,
            config=config,
            router=preset,
            baseline=baseline,
            force=force,
            restart=restart,
            max_tasks=max_tasks,
            progress=progress,
            on_start=on_start,
        )
    except KeyboardInterrupt:
        _close(bar)
        from corridors.sweep import checkpoint_path

        click.echo(
            f"\ninterrupted; finished tasks are kept in {checkpoint_path(output)}: run the same command again to resume",
            err=True,
        )
        sys.exit(130)
    except ScenarioError as exc:
        raise BadInput(str(exc)) from None
    finally:
        _close(bar)
    per = sorted(res.task_seconds)
    med = per[len(per) // 2] if per else 0.0
    if res.complete:
        click.echo(
            f"wrote {res.output}: {len(res.rows)} rows from {res.tasks_total} tasks ({res.tasks_run} run now on {res.workers} "
            f"worker{'s' if res.workers != 1 else ''}, {res.tasks_skipped} from the checkpoint) in {res.seconds:.1f} s; "
            f"median {med:.2f} s per task",
            err=True,
        )
    else:
        done = res.tasks_skipped + res.tasks_run
        click.echo(
            f"stopped after {res.tasks_run} tasks: {done} of {res.tasks_total} done, kept in {res.checkpoint}; run the same command to go on",
            err=True,
        )


def _close(bar: dict[str, Any]) -> None:
    cm = bar.pop("cm", None)
    bar.pop("bar", None)
    if cm is not None:
        cm.__exit__(None, None, None)
