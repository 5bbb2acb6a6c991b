"""Times on a route's own clock: seasons checked leg by leg, and the Monte Carlo that turns the
distributions of dwell and waits into P10 / P50 / P90 door-to-door days.

The search ranks on expected times (the sum of means; :mod:`corridors.dist`). A found route is then
*evaluated*: :func:`simulate` draws every random part of every step (a dwell, a wait for a sailing, a
voyage's delay) ``draws`` times by inverse transform, with the same uniform draws for the same element
in every route of the call (common random numbers: two routes through the same border see the same
queues, so their difference is not noise) and a fixed seed (so results repeat). With a departure date
the steps are walked on the calendar, and a seasonal leg that is closed when the cargo reaches it
(the NSR, the ice-bound northern Caspian) is waited for until it opens, draw by draw.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from .dist import Part, ppf, uniforms
from .model import Move, Route, Stop

HANDLING = ("origin_handling", "destination_handling")

DEFAULT_DRAWS = 10_000
DEFAULT_SEED = 20251103  # the day the Chelyabinsk train's plan was published; any fixed number will do
_MAX_SEASON_WAIT_MONTHS = 13


def _month_index(depart: dt.date, hours: np.ndarray) -> np.ndarray:
    """Months since 0001-01 (numpy's month count) at ``hours`` after midnight of ``depart``."""
    base = np.datetime64(depart.isoformat(), "s")
    ts = base + np.round(hours * 3600.0).astype("timedelta64[s]")
    return ts.astype("datetime64[M]").astype(np.int64)


def _month_start_hours(depart: dt.date, month_index: np.ndarray) -> np.ndarray:
    base = np.datetime64(depart.isoformat(), "s")
    starts = month_index.astype("datetime64[M]").astype("datetime64[s]")
    return (starts - base).astype(np.float64) / 3600.0


def _open(month_index: np.ndarray, months: Sequence[int]) -> np.ndarray:
    cal = (month_index % 12) + 1
    return np.isin(cal, np.asarray(list(months)))


def _fits(depart: dt.date, t0: np.ndarray, t1: np.ndarray, months: Sequence[int]) -> np.ndarray:
    """Whether every day from ``t0`` to ``t1`` (hours after departure) falls in an open month."""
    m0 = _month_index(depart, t0)
    m1 = _month_index(depart, t1)
    ok = np.ones(len(t0), bool)
    for k in range(int((m1 - m0).max(initial=0)) + 1):
        m = m0 + k
        ok &= (m > m1) | _open(m, months)
    return ok


def season_wait(depart: dt.date, start: np.ndarray, spans: Sequence[tuple[float, float, Sequence[int] | None]]) -> np.ndarray:
    """Hours to wait at ``start`` so that each seasonal span (hours from the move's start to the leg's
    start and end, open months) is sailed in open months only; ``inf`` where none opens within a year."""
    seasonal = [(a, b, m) for a, b, m in spans if m]
    wait = np.zeros(len(start))
    if not seasonal:
        return wait

    def ok(s: np.ndarray) -> np.ndarray:
        good = np.ones(len(s), bool)
        for a, b, m in seasonal:
            good &= _fits(depart, s + a, s + b, m)
        return good

    done = ok(start)
    base = _month_index(depart, start)
    for k in range(1, _MAX_SEASON_WAIT_MONTHS + 1):
        if done.all():
            break
        cand = np.maximum(_month_start_hours(depart, base + k), start)
        good = ~done & ok(cand)
        wait[good] = cand[good] - start[good]
        done |= good
    wait[~done] = np.inf
    return wait


def _spans(m: Move) -> list[tuple[float, float, Sequence[int] | None]]:
    if m.part_spans:
        return [(a, b, mo) for a, b, mo in m.part_spans]
    return [(0.0, m.moving_h + m.wait_h, m.months)]


SEASON_WAIT = "season_wait"


def with_season_waits(route: Route, depart: dt.date) -> Route | None:
    """``route`` on the calendar from ``depart``: before each seasonal move that would be used on a day
    it is closed, a ``season_wait`` stop waits (on the expected timeline) until the move fits in its
    open months; every later step moves on. None when a move finds no opening within a year."""
    steps: list[Move | Stop] = []
    t = 0.0
    for s in route.steps:
        if isinstance(s, Stop) and s.kind == SEASON_WAIT:
            continue
        if isinstance(s, Move) and (s.months or any(mo for *_, mo in s.part_spans)):
            w = float(season_wait(depart, np.asarray([t]), _spans(s))[0])
            if not np.isfinite(w):
                return None
            if w > 0:
                steps.append(
                    Stop(
                        node_id=s.from_id,
                        name=s.from_name,
                        country=route.node_countries.get(s.from_id),
                        kind=SEASON_WAIT,
                        from_mode=s.mode,
                        to_mode=s.mode,
                        dwell_h=w,
                        cost_usd=0.0,
                        co2_kg=0.0,
                        start_h=t,
                    )
                )
                t += w
        steps.append(replace(s, start_h=t))
        t += s.moving_h + s.wait_h if isinstance(s, Move) else s.dwell_h
    return replace(route, steps=tuple(steps), departure=depart.isoformat())


def closed_on_timeline(route: Route, depart: dt.date) -> list[str]:
    """Leg ids used on a day they are closed, on the route's own expected timeline."""
    out: list[str] = []
    for m in route.moves:
        spans = _spans(m)
        for i, (a, b, mo) in enumerate(spans):
            if not mo:
                continue
            t = np.asarray([m.start_h])
            if not _fits(depart, t + a, t + b, mo)[0]:
                ids = m.leg_ids if not m.part_spans else (m.leg_ids[i],)
                out.extend(ids)
    return list(dict.fromkeys(out))


def segment(route: Route, scope: str) -> Route:
    """The part of ``route`` a figure covers: ``door_to_door`` all of it; ``port_to_port`` the sea
    voyages without the wait for the sailing; ``segment`` / ``rail_segment`` a transit time, from the
    first departure to arrival (no handling at either end, no wait before the first departure)."""
    if scope == "door_to_door":
        return route
    if scope == "port_to_port":
        steps: list[Move | Stop] = []
        for s in route.steps:
            if isinstance(s, Move) and s.mode in ("sea", "ferry"):
                parts = tuple(p for p in s.parts if not p.key.startswith("wait:"))
                steps.append(replace(s, parts=parts, wait_h=sum(p.mean for p in parts)))
        return replace(route, steps=tuple(steps))
    steps = [s for s in route.steps if not (isinstance(s, Stop) and s.kind in HANDLING)]
    first = next((i for i, s in enumerate(steps) if isinstance(s, Move)), None)
    if first is not None:  # the clock starts when the first train or ship leaves: not its wait to leave
        m = steps[first]
        assert isinstance(m, Move)  # noqa: S101 - found above
        parts = tuple(p for p in m.parts if not p.key.startswith("wait:"))
        steps[first] = replace(m, parts=parts, wait_h=sum(p.mean for p in parts))
    return replace(route, steps=tuple(steps))


def draw_totals(
    routes: Sequence[Route],
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    depart: dt.date | None = None,
    transit: bool = False,
) -> np.ndarray:
    """Door-to-door hours of each route in each draw (routes x draws), with common random numbers:
    draw ``j`` of an element is the same in every route that passes it. With ``transit`` also the
    transit hours (:func:`segment` "segment": no handling at the ends, no wait before the first
    departure), drawn in the same pass: an array (2, routes, draws)."""
    if draws < 1:
        msg = "draws must be at least 1"
        raise ValueError(msg)

    def draw(p: Part) -> np.ndarray:
        return _part_draws(p, draws, seed)

    out = np.zeros((2, len(routes), draws))
    for i, r in enumerate(routes):
        t = np.zeros(draws)
        skip = np.zeros(draws)  # what the transit time leaves out
        first = True
        for s in r.steps:
            if isinstance(s, Stop) and s.kind == SEASON_WAIT:
                continue  # the expected timeline's wait: each draw waits on its own clock below
            fixed = max((s.moving_h + s.wait_h if isinstance(s, Move) else s.dwell_h) - sum(p.mean for p in s.parts), 0.0)
            end = isinstance(s, Stop) and s.kind in HANDLING
            if isinstance(s, Move) and depart is not None and (s.months or any(mo for *_, mo in s.part_spans)):
                t = t + season_wait(depart, t, _spans(s))
            t = t + fixed
            if end:
                skip = skip + fixed
            for p in s.parts:
                x = draw(p)
                t = t + x
                if end or (first and isinstance(s, Move) and p.key.startswith("wait:")):
                    skip = skip + x
            if isinstance(s, Move):
                first = False
        out[0, i] = t
        out[1, i] = t - skip
    return out if transit else out[0]


#: the draws of a part, by (part, draws, seed): a pure function of those, kept for the next call (a
#: warm ``compare`` draws the same borders, ports and sailings again); at most this many arrays
_DRAW_CACHE_SIZE = 512
_draw_cache: dict[tuple[Any, ...], np.ndarray] = {}


def _part_draws(p: Part, draws: int, seed: int) -> np.ndarray:
    """``ppf(p, uniforms(p.key, draws, seed))``, computed once per part, number of draws and seed
    (read-only: never modify the array returned)."""
    k = (p.kind, p.a, p.b, p.c, p.key, draws, seed)
    got = _draw_cache.get(k)
    if got is None:
        if len(_draw_cache) >= _DRAW_CACHE_SIZE:
            _draw_cache.clear()
        got = ppf(p, uniforms(p.key, draws, seed))
        got.setflags(write=False)
        _draw_cache[k] = got
    return got


def simulate(
    routes: Sequence[Route],
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    depart: dt.date | None = None,
) -> list[Route]:
    """The routes with ``time_q_h`` (P10, P50, P90 door-to-door hours), ``transit_q_h`` and, with
    ``depart``, the P50 ``arrival``.

    Every random part is drawn with common random numbers keyed by the element it names, so the same
    border, port or sailing gets the same draws in every route of the call (:func:`draw_totals`). With
    ``depart`` a seasonal leg closed when reached is waited for (draw by draw); a draw that finds no
    opening within a year makes the route's quantiles infinite.
    """
    door, transit = draw_totals(routes, draws=draws, seed=seed, depart=depart, transit=True)
    qd, qt = _qs(door), _qs(transit)
    out = []
    for r, q, qq in zip(routes, qd, qt, strict=True):
        arrival = None
        if depart is not None and np.isfinite(q[1]):
            arrival = (dt.datetime.combine(depart, dt.time()) + dt.timedelta(hours=q[1])).date().isoformat()
        out.append(replace(r, time_q_h=q, transit_q_h=qq, arrival=arrival, draws=draws))
    return out


def _qs(t: np.ndarray) -> list[tuple[float, float, float]]:
    """(P10, P50, P90) of each row of ``t`` (routes x draws), inf for a row with an infinite draw; the
    finite rows in one call."""
    if not len(t):
        return []
    finite = np.isfinite(t).all(axis=1)
    out: list[tuple[float, float, float]] = [(np.inf, np.inf, np.inf)] * len(t)
    if finite.any():
        q = row_quantiles(t[finite], (0.1, 0.5, 0.9))
        for i, row in zip(np.flatnonzero(finite), q, strict=True):
            out[int(i)] = (float(row[0]), float(row[1]), float(row[2]))
    return out


def row_quantiles(t: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """``np.quantile(t, qs, axis=1).T`` of a 2-D array without NaNs, float for float: numpy's default
    ("linear") method written out, because ``np.quantile`` calls ``np.unique``, whose first plain call
    imports ``numpy.ma`` (10 ms of a cold process). The k-th smallest value of a row is the same
    whatever the partition, and the interpolation is numpy's ``_lerp`` (tests/test_timing_quantiles.py
    holds it to ``np.quantile``)."""
    n = t.shape[1]
    virtual = (n - 1) * np.asarray(qs, np.float64)
    prev = np.floor(virtual)
    nxt = prev + 1
    prev[virtual >= n - 1] = nxt[virtual >= n - 1] = -1
    prev[virtual < 0] = nxt[virtual < 0] = 0
    pi, ni = prev.astype(np.intp), nxt.astype(np.intp)
    part = np.partition(t, sorted({0, n - 1, *(pi % n).tolist(), *(ni % n).tolist()}), axis=1)
    a, b = part[:, pi], part[:, ni]
    gamma = virtual - pi
    diff = b - a
    out: np.ndarray = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=out, where=np.broadcast_to(gamma >= 0.5, out.shape))
    return out
