"""Months open, month reached: where a departure date becomes a closure. A seasonal leg (the NSR, the
northern Caspian) is removed from the search when the cargo reaches it in a closed month at the
earliest; a found route is checked on its own timeline; and waiting in port for a passage to open is
weighed against going round."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from .constraints import Constraints
from .engine import ALL_MONTHS, Engine, distances_from
from .families import Family
from .model import Route

__all__ = ["closed_legs", "or_wait_for_season", "season_mask"]


def season_mask(eng: Engine, c: Constraints, sources: Sequence[int], mask: np.ndarray, fam: Family | None = None) -> np.ndarray:
    """Edges allowed by the seasons: a seasonal leg is removed when it is closed in the month the
    cargo reaches it at the earliest (from ``sources`` over ``mask``, departing on ``c.depart``)."""
    if c.depart is None:
        return np.ones(eng.n_edges, bool)
    seasonal = np.flatnonzero(eng.months != ALL_MONTHS)
    ok = np.ones(eng.n_edges, bool)
    if len(seasonal) == 0:
        return ok
    # keyed by everything that shapes ``mask``: the constraints and the family's rules
    earliest = distances_from(
        eng, sources, eng.metrics["time_h"], mask, cache_key=("t0", replace(c, depart=None), fam.id if fam else None, tuple(sources))
    )
    start = dt.datetime.combine(c.depart, dt.time())
    for e in seasonal:
        t = earliest[eng.src[e]]
        if not np.isfinite(t):
            continue
        month = (start + dt.timedelta(hours=float(t))).month
        if not (int(eng.months[e]) >> (month - 1)) & 1:
            ok[e] = False
    return ok


def closed_legs(route: Route, depart: dt.date) -> list[str]:
    """Leg ids of the route's seasonal legs that are closed on any day they are in use, on the
    route's own timeline (every wait and dwell counted), each leg of a voyage on its own days."""
    from .timing import closed_on_timeline

    return closed_on_timeline(route, depart)


def or_wait_for_season(depart: dt.date | None, r: Route | None, without_seasons: Callable[[], Route | None]) -> Route | None:
    """With a departure date, waiting in port for a seasonal passage to open (the NSR, the northern
    Caspian) is an option, not a failure: the route found without the seasons (``without_seasons()``,
    None when there is none), put on the calendar with its waits
    (:func:`corridors.timing.with_season_waits`), is the answer when it is faster than ``r``, the
    best route that avoids every closed leg (or when there is none)."""
    from .timing import closed_on_timeline, with_season_waits

    if depart is None:
        return r
    free = without_seasons()
    if free is None or not closed_on_timeline(free, depart):
        return r
    waited = with_season_waits(free, depart)
    if waited is None:
        return r
    if r is None:
        return waited
    # a wait costs time, whatever the objective: it is taken only when it is faster than going round
    return waited if waited.time_h < r.time_h - 1e-9 else r
