"""Distributions of dwell times and waits, as used by the search (their means) and the Monte Carlo
(their quantile functions).

Two shapes, both bounded and cheap to sample by inverse transform:

* ``"q"``: a **quantile-interpolated** distribution given by its P10, P50 and P90. Its quantile
  function is linear through (0, lo), (0.1, P10), (0.5, P50), (0.9, P90), (1, hi), with
  ``lo = max(0, P10 - (P50 - P10) / 4)`` and ``hi = P90 + (P90 - P50)``: a right-skewed shape with a
  tail as long again beyond P90 as P90 is beyond P50 (an assumption, stated here once). The mean is
  the integral of that function, so the search (which adds means) and the Monte Carlo agree.
* ``"u"``: a **uniform** wait between ``lo`` and ``hi``: the wait for the next departure of a service
  that sails every ``hi`` hours, when the sailing's phase is not known (``lo = 0``).

A :class:`Part` is one random element of a route (a dwell at a node, a wait for a sailing, a
voyage's delay), with a key that names it: two routes through the same element draw the same
values (common random numbers), so a comparison between them is fair.
"""

from __future__ import annotations

import functools
import zlib
from typing import NamedTuple

import numpy as np

_U = np.array([0.0, 0.1, 0.5, 0.9, 1.0])


class Part(NamedTuple):
    """One random element of a route's time, in hours."""

    kind: str  # "q" (quantile-interpolated) or "u" (uniform)
    a: float  # q: P10; u: lower bound
    b: float  # q: P50; u: unused (midpoint)
    c: float  # q: P90; u: upper bound
    key: str  # identity for common random numbers, e.g. "dwell:border:sarakhs:gauge"
    label: str = ""  # what it is, for reports

    @property
    def mean(self) -> float:
        return part_mean(self.kind, self.a, self.b, self.c)

    def scaled(self, f: float) -> Part:
        return self._replace(a=self.a * f, b=self.b * f, c=self.c * f)


def knots(p10: float, p50: float, p90: float) -> np.ndarray:
    lo = max(0.0, p10 - (p50 - p10) / 4.0)
    hi = p90 + (p90 - p50)
    return np.array([lo, p10, p50, p90, hi])


@functools.lru_cache(maxsize=4096)
def part_mean(kind: str, a: float, b: float, c: float) -> float:
    """The mean of a part (kept for the last few thousand distinct parts: a pure function)."""
    if kind == "u":
        return (a + c) / 2.0
    k = knots(a, b, c)
    return float(np.sum(np.diff(_U) * (k[1:] + k[:-1]) / 2.0))


def quantiles(
    p50: float, p10: float | None = None, p90: float | None = None, ratio: tuple[float, float] = (0.6, 1.8)
) -> tuple[float, float, float]:
    """(P10, P50, P90), the missing ends filled from ``ratio`` × P50."""
    lo = p50 * ratio[0] if p10 is None else p10
    hi = p50 * ratio[1] if p90 is None else p90
    return (float(lo), float(p50), float(hi))


def ppf(part: Part, u: np.ndarray) -> np.ndarray:
    """Values of ``part`` at uniform draws ``u`` (inverse transform)."""
    if part.kind == "u":
        return np.asarray(part.a + (part.c - part.a) * u)
    return np.asarray(np.interp(u, _U, knots(part.a, part.b, part.c)))


def uniforms(key: str, n: int, seed: int) -> np.ndarray:
    """``n`` uniform draws for the element named ``key``: the same key and seed always give the same
    draws, whichever route asks (common random numbers)."""
    rng = np.random.default_rng([seed & 0xFFFFFFFF, zlib.crc32(key.encode())])
    return rng.random(n)
