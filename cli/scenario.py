"""``corridors scenario run | check | show | list`` (``corridors sweep`` and ``corridors explain`` are in
:mod:`corridors.cli.sweep` and :mod:`corridors.cli.explain`)."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

import click

from .context import State, apply_scenario_file, pass_state, read_scenario_file
from .options import BadInput, single_objective
from .output import emit, table


@click.group()
def scenario() -> None:
    """What-if scenarios: closures, bans, new links and parameter changes in a TOML file.

    \b
    Bundled scenarios (by name, or give a path):
      red_sea_closure, hormuz_closure, no_azerbaijan, no_iranian_ports,
      instc_built, winter, sarakhs_jam   (`corridors scenario list`)
    """


# ------------------------------------------------------------------------------------------ run
def _days(h: float | None) -> float | None:
    return None if h is None else h / 24.0


def _num(v: float | None, nd: int = 1, sign: bool = False) -> str:
    if v is None:
        return "–"
    s = f"{v:+,.{nd}f}" if sign else f"{v:,.{nd}f}"
    return "0" if sign and s.lstrip("+-").strip("0.,") == "" else s


def _run_table(run: Any) -> str:
    o, d = run.baseline.origin.name, run.baseline.destination.name
    s = run.scenario
    lines = [f"scenario {s.id}: {s.name} ({s.file})"]
    lines += [f"  {x}" for x in s.describe()]
    if run.applied.changes:
        lines.append("  changed: " + "; ".join(run.applied.changes))
    lines.append(f"{o} -> {d}: best route of each corridor family by {run.objective}, baseline -> scenario")
    lines.append("")
    cols = [
        ("name", "family", None),
        ("status", "status", None),
        ("b_days", "days", None),
        ("s_days", "-> days", None),
        ("d_days", "Δ days", None),
        ("b_usd", "USD/TEU", None),
        ("s_usd", "-> USD/TEU", None),
        ("d_usd", "Δ USD", None),
        ("b_exp", "exposure", None),
        ("s_exp", "-> exp.", None),
        ("d_exp", "Δ exp.", None),
        ("note", "note", None),
    ]
    rows = []
    for f in run.families:
        r = f.row()
        if f.status == "survives":
            if f.unchanged:
                note = "unchanged"
            elif f.same_path:
                note = f"same path, {f.change}"
            else:
                note = f"new path: {r['scenario_chokepoints'] or 'no chokepoint'}"
        elif f.status == "none":
            note = "no route in either"
        else:
            note = _short(f.reason)
        rows.append(
            {
                "name": f.name,
                "status": f.status,
                "b_days": _num(r["baseline_days"]),
                "s_days": _num(r["scenario_days"]),
                "d_days": _num(r["delta_days"], 1, True),
                "b_usd": _num(r["baseline_cost_usd"], 0),
                "s_usd": _num(r["scenario_cost_usd"], 0),
                "d_usd": _num(r["delta_cost_usd"], 0, True),
                "b_exp": _num(r["baseline_exposure"], 2),
                "s_exp": _num(r["scenario_exposure"], 2),
                "d_exp": _num(r["delta_exposure"], 2, True),
                "note": note,
            }
        )
    lines.append(table(rows, cols, mark_best=False))
    lines.append("")
    bcols = [
        ("objective", "best by", None),
        ("b", "baseline", None),
        ("s", "scenario", None),
        ("delta", "change", None),
        ("routes", "route: baseline -> scenario", None),
    ]
    brows = []
    for b in run.best_rows():
        obj = b["objective"]
        unit = {"time": "days", "cost": "USD/TEU", "exposure": "points"}.get(obj, b["unit"])
        conv = _days if obj == "time" else (lambda x: x)
        nd = 1 if obj == "time" else (0 if obj == "cost" else 2)
        same = b["baseline_route"] == b["scenario_route"]
        brows.append(
            {
                "objective": f"{obj} ({unit})",
                "b": _num(conv(b["baseline_value"]), nd),
                "s": _num(conv(b["scenario_value"]), nd),
                "delta": _num(conv(b["delta"]), nd, True) if b["delta"] is not None else "–",
                "routes": b["baseline_route"] if same else f"{b['baseline_route']} -> {b['scenario_route']}",
            }
        )
    lines.append(table(brows, bcols, mark_best=False))
    lines.append("")
    lines.append(
        f"survive: {', '.join(run.survivors()) or 'none'}; vanish: {', '.join(run.vanished()) or 'none'}"
        + (f"; appear: {', '.join(run.appeared())}" if run.appeared() else "")
    )
    gone = [f for f in run.families if f.status == "vanishes"]
    if gone:
        lines.append("why they vanish:")
        lines += [f"  {f.name}: {f.reason}" for f in gone]
    lines.append("cost and CO2 are per TEU estimates (data/parameters.toml); Δ = scenario − baseline.")
    return "\n".join(lines)


def _short(text: str, n: int = 60) -> str:
    text = text.split("; ")[0]
    return text if len(text) <= n else text[: n - 1] + "…"


def _run_csv(run: Any) -> str:
    rows = [f.row() for f in run.families]
    for b in run.best_rows():
        rows.append(
            {
                "family": f"best_by_{b['objective']}",
                "name": f"{b['baseline_route']} -> {b['scenario_route']}",
                "status": "",
                "baseline_days": b["baseline_days"],
                "scenario_days": b["scenario_days"],
                "delta_days": None
                if b["baseline_days"] is None or b["scenario_days"] is None
                else round(b["scenario_days"] - b["baseline_days"], 2),
                "baseline_cost_usd": b["baseline_cost_usd"],
                "scenario_cost_usd": b["scenario_cost_usd"],
                "delta_cost_usd": None
                if b["baseline_cost_usd"] is None or b["scenario_cost_usd"] is None
                else b["scenario_cost_usd"] - b["baseline_cost_usd"],
                "baseline_exposure": b["baseline_exposure"],
                "scenario_exposure": b["scenario_exposure"],
                "delta_exposure": None
                if b["baseline_exposure"] is None or b["scenario_exposure"] is None
                else round(b["scenario_exposure"] - b["baseline_exposure"], 3),
                "scenario_chokepoints": b["scenario_chokepoints"],
            }
        )
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def _save_map(run: Any, path: str, online_tiles: bool, force: bool) -> None:
    try:
        from corridors.maps import save_map
    except ImportError as exc:
        raise click.ClickException(f"maps are not available in this installation ({exc})") from None
    import inspect

    # the same rows as the table: a family the table says vanished is drawn only as a baseline
    routes, base = run.map_routes()
    s = run.scenario
    kw: dict[str, Any] = {
        "G": run.applied.router.G,
        "title": f"{run.baseline.origin.name} → {run.baseline.destination.name}: scenario {s.name} vs baseline",
        "constraints": run.applied.constraints,
        "online_tiles": online_tiles,
        "force": force,
        "closed_chokepoints": list(s.close_chokepoints),
        "closed_legs": list(s.close_legs),
        "baseline": base,
    }
    accepted = inspect.signature(save_map).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
        dropped = [k for k in kw if k not in accepted]
        kw = {k: v for k, v in kw.items() if k in accepted}
        if dropped:
            click.echo(f"note: this maps version does not draw {', '.join(dropped)}", err=True)
    save_map(routes, path, **kw)
    click.echo(f"wrote map {path}", err=True)


@scenario.command("run")
@click.argument("file", metavar="FILE")
@click.argument("origin")
@click.argument("destination")
@click.option(
    "--optimize",
    default="time",
    show_default=True,
    metavar="OBJECTIVE",
    help="What each family's best route minimises: time, distance, cost, co2 or exposure.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write the result to this file instead of stdout.",
)
@click.option(
    "--map",
    "map_path",
    type=click.Path(dir_okay=False),
    metavar="FILE.html",
    help="Also write a map of the scenario's routes over the baseline's.",
)
@click.option(
    "--online-tiles/--offline",
    "online_tiles",
    default=False,
    show_default=True,
    help="Map basemap: OpenStreetMap tiles or the bundled outlines.",
)
@click.option("--force", is_flag=True, help="Replace output files even if corridors did not write them.")
@pass_state
def run_cmd(
    state: State,
    file: str,
    origin: str,
    destination: str,
    optimize: str,
    fmt: str,
    output: str | None,
    map_path: str | None,
    online_tiles: bool,
    force: bool,
) -> None:
    """Run scenario FILE (a path or a bundled name) from ORIGIN to DESTINATION against the baseline:
    which corridor families survive, vanish or appear, the best route by time, cost and exposure
    before and after, and the deltas.

    \b
    Examples:
      corridors scenario run red_sea_closure Chelyabinsk Mumbai
      corridors scenario run my.toml Moscow Mundra --format json --map what-if.html
    """
    from corridors.errors import ScenarioError
    from corridors.whatif import run_scenario

    objective = single_objective(optimize)
    s = read_scenario_file(file)
    try:
        run = run_scenario(s, state.router, origin, destination, objective=objective)
    except ScenarioError as exc:
        raise BadInput(str(exc)) from None
    if fmt == "json":
        from corridors.convert import GENERATOR

        text = json.dumps({"generator": GENERATOR, **run.to_dict()}, indent=2, ensure_ascii=False)
    elif fmt == "csv":
        text = _run_csv(run)
    else:
        text = _run_table(run)
    emit(text, output, force)
    if map_path:
        _save_map(run, map_path, online_tiles, force)


# ------------------------------------------------------------------------------------------ check
@scenario.command("check")
@click.argument("file", metavar="FILE")
@click.option(
    "--route",
    "route_spec",
    required=True,
    metavar="ROUTE",
    help='Places in order, comma-separated ("Chelyabinsk,Sarakhs,Bandar Abbas,Mundra"), or a route file written by '
    "`corridors route --format json|geojson`.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_state
def check(state: State, file: str, route_spec: str, fmt: str) -> None:
    """Check a route against scenario FILE: list every leg that breaks one of its rules (forbidden
    territory or ports, closed chokepoints, ports, nodes or legs, seasonal closures, links not yet
    built). Places are joined by the fastest path on the scenario's network, ignoring its rules.

    Exit code 0 if the route complies, 1 if it breaks a rule, 2 for a bad file or place.

    \b
    Examples:
      corridors scenario check no_azerbaijan --route "Moscow,Astara,Rasht,Bandar Abbas,Mumbai"
      corridors route Chelyabinsk Mumbai --format json -o r.json
      corridors scenario check red_sea_closure --route r.json
    """
    from corridors.compliance import check_places, check_route, load_route_file
    from corridors.errors import ConstraintError, DataFileError, UnknownPlaceError

    s = read_scenario_file(file)
    applied = apply_scenario_file(state, s)
    results: list[tuple[str, list[str], list[Any]]] = []
    try:
        if Path(route_spec).is_file():
            for spec in load_route_file(route_spec):
                names = [_node_name(state, spec.moves[0][1])] + [_node_name(state, m[2]) for m in spec.moves]
                results.append((spec.label, names, check_route(applied, spec)))
        else:
            places = [p.strip() for p in route_spec.split(",") if p.strip()]
            if len(places) < 2:
                raise BadInput(f"--route {route_spec!r}: give at least two places separated by commas, or an existing route file")
            r, violations = check_places(applied, places)
            names = [r.moves[0].from_name] + [m.to_name for m in r.moves]
            results.append((" – ".join(places), names, violations))
    except (DataFileError, UnknownPlaceError, ConstraintError) as exc:
        raise BadInput(str(exc)) from None
    total = sum(len(v) for _, _, v in results)
    if fmt == "json":
        doc = {
            "scenario": s.to_dict(),
            "compliant": total == 0,
            "routes": [
                {
                    "route": label,
                    "path": names,
                    "compliant": not v,
                    "violations": [x.as_dict() for x in v],
                }
                for label, names, v in results
            ],
        }
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        click.echo(f"scenario {s.id}: {'; '.join(s.describe()) or 'no rules'}")
        for label, names, v in results:
            click.echo(f"route {label}: {' -> '.join(dict.fromkeys(names))}")
            if not v:
                click.echo("  complies: no rule of the scenario is broken")
                continue
            click.echo(f"  {len(v)} violation{'s' if len(v) != 1 else ''}:")
            for x in v:
                click.echo(f"  step {x.step}: leg {x.leg_id} ({x.from_name} → {x.to_name}): {x.message}")
        click.echo("NOT COMPLIANT" if total else "COMPLIANT", err=True)
    if total:
        sys.exit(1)


def _node_name(state: State, nid: str) -> str:
    G = state.G
    return str(G.nodes[nid].get("name", nid)) if nid in G else nid


# ------------------------------------------------------------------------------------------ show, list
@scenario.command("show")
@click.argument("file", metavar="FILE")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_state
def show(state: State, file: str, fmt: str) -> None:
    """Check scenario FILE against the network and show what it does (exit 2 if it is invalid)."""
    s = read_scenario_file(file)
    applied = apply_scenario_file(state, s)
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    **s.to_dict(),
                    "constraints": applied.constraints.describe(),
                    "changes": list(applied.changes),
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    click.echo(f"{s.id}: {s.name} ({s.file})")
    if s.description:
        click.echo(f"  {s.description}")
    for x in s.describe():
        click.echo(f"  - {x}")
    if applied.changes:
        click.echo("  changes: " + "; ".join(applied.changes))
    click.echo("  routes that " + ", ".join(applied.constraints.describe()))


@scenario.command("list")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, exists=True),
    help="List the scenario files of this folder instead of the bundled ones.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_cmd(folder: str | None, fmt: str) -> None:
    """List the bundled scenarios (or those of --dir) with what each does; exit 1 if one is invalid."""
    from corridors.errors import ScenarioError
    from corridors.scenario import bundled_scenarios, read_scenario

    files = sorted(Path(folder).glob("*.toml")) if folder else bundled_scenarios()
    rows: list[dict[str, Any]] = []
    bad = 0
    for f in files:
        try:
            s = read_scenario(f)
        except ScenarioError as exc:
            bad += 1
            rows.append({"id": f.stem, "file": str(f), "error": str(exc)})
            continue
        rows.append(
            {
                "id": s.id,
                "name": s.name,
                "file": str(f),
                "description": s.description,
                "rules": s.describe(),
            }
        )
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        if not rows:
            click.echo("no scenario files", err=True)
        for r in rows:
            if "error" in r:
                click.echo(f"{r['id']:<20} INVALID: {r['error']}")
                continue
            click.echo(f"{r['id']:<20} {r['name']}: {'; '.join(r['rules'])}")
    if bad:
        sys.exit(1)
