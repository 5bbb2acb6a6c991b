"""A warm query's plan keys and directed masks (corridors.search): the content hash kept per
read-only array is hash(array.tobytes()), a writable array is hashed afresh, ``mask & direction`` kept
per pair is the plain one; and a warm compare on every family gives the answers of the plain path."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import corridors.astar as astar
import corridors.search as search
from corridors.errors import NoRouteError
from corridors.routing import Constraints, Router

PAIRS = [("Chelyabinsk", "Mumbai"), ("Chelyabinsk", "Nhava Sheva")]
CONSTRAINTS = (Constraints(), Constraints(avoid_chokepoints=("suez",)))


def _answer(r: Router, a: str, b: str, c: Constraints) -> Any:
    try:
        res = r.compare(a, b, constraints=c)
    except NoRouteError as exc:
        return str(exc)
    return [x.to_dict() for x in res.routes], res.unavailable


def test_the_kept_hash_and_directed_mask_are_the_plain_ones() -> None:
    rng = np.random.default_rng(5)
    mask, direction = rng.random(500) < 0.7, rng.random(500) < 0.8
    assert astar.content(mask) == hash(mask.tobytes())
    mask[0] = not mask[0]  # writable: never kept, so a change is seen
    assert astar.content(mask) == hash(mask.tobytes())
    assert search._directed(mask, direction) is not search._directed(mask, direction)
    mask.setflags(write=False)
    got = search._directed(mask, direction)
    assert not got.flags.writeable
    assert np.array_equal(got, mask & direction)
    assert search._directed(mask, direction) is got
    assert astar.content(got) == hash((mask & direction).tobytes())
    other = mask.copy()
    other.setflags(write=False)
    assert astar.content(other) == astar.content(mask)


@pytest.mark.parametrize("c", CONSTRAINTS)
def test_a_warm_compare_gives_the_plain_answers(G: Any, c: Constraints, monkeypatch: pytest.MonkeyPatch) -> None:
    warm = Router(G, draws=200)
    got = [[_answer(warm, a, b, c) for a, b in PAIRS] for _ in range(2)]
    monkeypatch.setattr(astar, "content", lambda a: hash(a.tobytes()))
    monkeypatch.setattr(search, "_directed", lambda m, d: m & d)
    plain = [_answer(Router(G, draws=200), a, b, c) for a, b in PAIRS]
    assert got[0] == plain
    assert got[1] == plain
