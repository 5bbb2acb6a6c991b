"""Calibration that can be checked: a few named, bounded parameters fitted to the calibration cases.

``corridors calibrate`` (or :func:`fit`) fits :data:`PARAMETERS` — each a figure of
``data/parameters.toml`` whose published sources leave it uncertain, bounded by the range those
sources allow — to the cases of ``data/validation.toml`` whose role is ``calibration``, by bounded
least squares on log times (scipy), and writes the fitted values to ``data/calibration.toml`` with the
ids of the cases they were fitted on. The validation cases are never used in the fit. It reports the
residual of each calibration case and the leave-one-out error (each calibration case predicted by a
fit to the others).

How a fit stays fast and exact: each case's route is found once with the current parameters, then
*re-priced* (every rail leg's speed and every dwell recomputed from the candidate parameters, the
same functions the engine uses) and simulated; after the fit the routes are found again with the
fitted parameters (a route may change) and the fit repeated, until the routes stop changing.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .engine import dwell_part
from .model import Move, Route, Stop
from .params import Parameters, apply_calibration, bundled_parameters_path, parameters_from_dict
from .timing import segment
from .validation import Case, case_route, load_cases

if TYPE_CHECKING:
    import networkx as nx


DRAWS = 2000


@dataclass(frozen=True)
class Fitted:
    """One calibrated parameter: its key in parameters.toml, its bounds and why."""

    key: str
    lower: float
    upper: float
    why: str


#: the parameters the calibration may move, each bounded by what its sources allow
PARAMETERS: tuple[Fitted, ...] = (
    Fitted(
        "dwell_h_by_node.border:sarakhs.gauge_change",
        12.0,
        434.0,
        "Sarakhs 1520/1435 mm exchange incl. waiting for Iranian wagons: from a train exchanged in half a day (200 wagons a day, 2022 [T22]) "
        "to the 18 d the 2022 expectation implied (data/sources/timing.md); congested (two extra exchange tracks agreed in 2025 [P35])",
    ),
    Fitted(
        "dwell_h.gauge_change",
        8.0,
        120.0,
        "every other 1520/1435 mm exchange (Inche Burun, Astara): whole-train exchange at Dostyk 4-9 h [P23] to the CAREC Kazakhstan "
        "inbound gauge-change border means of 54-78 h (2020-22) and a day's margin [T20]",
    ),
    Fitted(
        "dwell_h_by_country.IRN.port_export",
        48.0,
        264.0,
        "rail -> ship at an Iranian port: Doing Business export border compliance 101 h (2019), port handling 4 d + customs 2 d (2014) [T9][T10][T11]; "
        "transit containers skip export customs, so down to 2 d",
    ),
    Fitted(
        "dwell_h.caspian_port",
        24.0,
        240.0,
        "Caspian port dwell: port waits of 2-3 days, crossings from 10 hours to 5 days [P25]; queues at Makhachkala and Aktau [P29]",
    ),
    Fitted(
        "rail_speed_kmh_by_country.IRN",
        13.3,
        25.8,
        "Iranian container trains: Sarakhs-Bandar Abbas 1,600 km in 62 h (25.8 km/h [P17]) to 5 days (13.3 km/h [P18])",
    ),
)


def _get(raw: Mapping[str, Any], key: str) -> float:
    tab: Any = raw
    for part in key.split("."):
        tab = tab[part]
    return float(tab["value"] if isinstance(tab, Mapping) else tab)


def _set(raw: dict[str, Any], values: Mapping[str, float]) -> Parameters:
    cal = {"fitted": {k: {"value": v, "calibrated_on": []} for k, v in values.items()}}
    return parameters_from_dict(apply_calibration(raw, cal), ("<calibration trial>",))


def reprice(route: Route, G: nx.MultiDiGraph, new: Parameters) -> Route:
    """``route`` on the same path with ``new`` parameters: rail speeds and dwell recomputed by the
    engine's own rules (legs with their own speed and scheduled services keep theirs)."""
    steps: list[Move | Stop] = []
    for s in route.steps:
        parts = []
        for p in s.parts:
            if p.key.startswith("dwell:"):
                node, cat = p.key[len("dwell:") :].rsplit(":", 1)
                q = dwell_part(node, G.nodes[node], cat, new)
                parts.append(p if q is None else p._replace(a=q.a, b=q.b, c=q.c))
            elif p.key.startswith("transship:generic@"):
                lo, mid, hi = new.sea_service["generic_transshipment_h"]
                parts.append(p._replace(a=lo, b=mid, c=hi))
            elif p.key.startswith("delay:"):
                lo, mid, hi = new.sea_service["delay_h"]
                parts.append(p._replace(a=lo, b=mid, c=hi))
            else:
                parts.append(p)
        if isinstance(s, Stop):
            steps.append(replace(s, parts=tuple(parts), dwell_h=sum(p.mean for p in parts)))
            continue
        moving = s.moving_h
        if s.mode == "rail" and len(s.leg_ids) == 1:
            d = _leg(G, s)
            if d is not None and not d.get("speed_kmh"):
                cs = tuple(d.get("countries") or ()) or tuple(
                    c for c in (G.nodes[s.from_id].get("country"), G.nodes[s.to_id].get("country")) if c
                )
                moving = s.length_km / new.rail_speed(cs)
        steps.append(replace(s, parts=tuple(parts), moving_h=moving, wait_h=sum(p.mean for p in parts)))
    # restart the clock of every step
    t = 0.0
    timed: list[Move | Stop] = []
    for s in steps:
        timed.append(replace(s, start_h=t))
        t += s.moving_h + s.wait_h if isinstance(s, Move) else s.dwell_h
    return replace(route, steps=tuple(timed), time_q_h=None)


def _leg(G: nx.MultiDiGraph, m: Move) -> Mapping[str, Any] | None:
    return G.get_edge_data(m.from_id, m.to_id, key=m.leg_ids[0])  # type: ignore[no-any-return]


def _p50_days(route: Route, case: Case, seed: int) -> float:
    from .timing import simulate

    (sim,) = simulate([segment(route, case.scope)], draws=DRAWS, seed=seed)
    assert sim.time_q_h is not None  # noqa: S101 - set by simulate
    return sim.time_q_h[1] / 24.0


#: weight of the pull towards each prior (a weak prior: a parameter no case informs stays at its sourced
#: value instead of wandering to a bound); in units of a case's tolerance per log-range of the bounds
PRIOR_WEIGHT = 0.1


def _residuals(
    x: np.ndarray,
    keys: Sequence[str],
    raw: dict[str, Any],
    prior: np.ndarray,
    span: np.ndarray,
    routes: Sequence[Route],
    cases: Sequence[Case],
    G: nx.MultiDiGraph,
    seed: int,
) -> np.ndarray:
    p = _set(raw, dict(zip(keys, map(float, x), strict=True)))
    out = []
    for r, c in zip(routes, cases, strict=True):
        m = _p50_days(reprice(r, G, p), c, seed)
        out.append((math.log(m) - math.log(c.published)) / math.log1p(c.tolerance / c.published))
    out.extend(PRIOR_WEIGHT * (np.log(x) - np.log(prior)) / span)
    return np.asarray(out)


@dataclass
class Fit:
    values: dict[str, float]
    cases: list[str]
    residual_days: dict[str, float]
    loo_days: dict[str, float]
    prior: dict[str, float]
    iterations: int

    def to_toml(self) -> str:
        today = dt.date.today().isoformat()
        lines = [
            "# Written by `corridors calibrate` (corridors/calibrate.py): do not edit by hand, rerun it.",
            f'# {today}: fitted to the calibration cases of data/validation.toml (role = "calibration"),',
            "# by bounded least squares on log P50 times; the validation cases were not used.",
            "",
            "[meta]",
            f'date = "{today}"',
            f"cases = [{', '.join(repr(c) for c in self.cases)}]".replace("'", '"'),
            "",
        ]
        for f in PARAMETERS:
            if f.key not in self.values:
                continue
            loo = ", ".join(f'"{k}" = {v:.2f}' for k, v in self.loo_days.items())
            lines += [
                f'[fitted."{f.key}"]',
                f"value = {self.values[f.key]:.4g}",
                f"prior = {self.prior[f.key]:.4g}",
                f"lower = {f.lower:g}",
                f"upper = {f.upper:g}",
                f"calibrated_on = [{', '.join(chr(34) + c + chr(34) for c in self.cases)}]",
                f'why_bounded = "{f.why}"',
                f"loo_error_days = {{ {loo} }}",
                "",
            ]
        return "\n".join(lines)


def fit(
    G: nx.MultiDiGraph,
    cases: Sequence[Case] | None = None,
    *,
    parameters: Sequence[Fitted] = PARAMETERS,
    seed: int | None = None,
    loo: bool = True,
    max_rounds: int = 3,
) -> Fit:
    """Fit ``parameters`` to the calibration cases (``cases`` with role "calibration")."""
    from scipy.optimize import least_squares

    from .routing import Router
    from .timing import DEFAULT_SEED

    seed = DEFAULT_SEED if seed is None else seed
    cal = [c for c in (cases if cases is not None else load_cases()) if c.role == "calibration" and c.metric == "time_days"]
    if len(cal) < len(parameters):
        msg = f"{len(cal)} calibration time cases cannot fit {len(parameters)} parameters"
        raise ValueError(msg)
    with bundled_parameters_path().open("rb") as fh:
        raw = tomllib.load(fh)
    keys = [f.key for f in parameters]
    prior = {k: _get(raw, k) for k in keys}
    lo = np.asarray([f.lower for f in parameters])
    hi = np.asarray([f.upper for f in parameters])
    x0 = np.clip(np.asarray([prior[k] for k in keys]), lo, hi)
    x = x0.copy()

    def solve(x0: np.ndarray, routes: Sequence[Route], cs: Sequence[Case]) -> np.ndarray:
        res = least_squares(
            _residuals, x0, bounds=(lo, hi), args=(keys, raw, x0, np.log(hi / lo), routes, cs, G, seed), diff_step=1e-3, x_scale=hi - lo
        )
        return np.asarray(res.x)

    rounds = 0
    routes: list[Route] = []
    for rounds in range(1, max_rounds + 1):  # noqa: B007 - the count is reported
        params = _set(raw, dict(zip(keys, map(float, x), strict=True)))
        router = Router(G, params, draws=0)
        new_routes = [case_route(router, c) for c in cal]
        same = [r.leg_ids for r in new_routes] == [r.leg_ids for r in routes]
        routes = new_routes
        if same:
            break
        x = solve(x, routes, cal)
    values = dict(zip(keys, map(float, x), strict=True))
    final = _set(raw, values)
    resid = {c.id: _p50_days(reprice(r, G, final), c, seed) - c.published for r, c in zip(routes, cal, strict=True)}
    loo_err: dict[str, float] = {}
    if loo:
        for i, c in enumerate(cal):
            rest = [r for j, r in enumerate(routes) if j != i]
            rest_c = [k for j, k in enumerate(cal) if j != i]
            xi = solve(x0, rest, rest_c)  # from the priors, as a fit without case i would start
            pi = _set(raw, dict(zip(keys, map(float, xi), strict=True)))
            loo_err[c.id] = _p50_days(reprice(routes[i], G, pi), c, seed) - c.published
    return Fit(values, [c.id for c in cal], resid, loo_err, prior, rounds)


def write(fit_result: Fit, path: str | Path) -> None:
    from .convert import write_atomic

    text = fit_result.to_toml()
    tomllib.loads(text)  # never write a file the loader cannot read
    write_atomic(str(path), text, force=True)


def report(fit_result: Fit) -> str:
    lines = ["parameter                           prior     fitted    bounds"]
    for f in PARAMETERS:
        if f.key in fit_result.values:
            lines.append(f"{f.key:34s} {fit_result.prior[f.key]:8.2f}  {fit_result.values[f.key]:8.2f}   [{f.lower:g}, {f.upper:g}]")
    lines.append("")
    lines.append("calibration case                          residual (days)   leave-one-out (days)")
    for cid, r in fit_result.residual_days.items():
        lo = fit_result.loo_days.get(cid)
        lines.append(f"{cid:40s} {r:+10.2f}        {'' if lo is None else f'{lo:+10.2f}'}")
    if fit_result.loo_days:
        lines.append(f"median |leave-one-out error|: {float(np.median(np.abs(list(fit_result.loo_days.values())))):.2f} days")
    return "\n".join(lines)
