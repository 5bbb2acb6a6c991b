"""The engine masks read node and side codes through flag tables (corridors.query._among): the same
flags as ``np.isin``, for any codes in range, any items (none, repeated, every one)."""

from __future__ import annotations

import numpy as np
import pytest

from corridors import query


@pytest.mark.parametrize("seed", range(6))
def test_among_is_isin(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 500))
    codes = rng.integers(0, size, int(rng.integers(0, 3000))).astype(np.int32)
    for items in (
        [],
        [0],
        [size - 1],
        rng.integers(0, size, 7).tolist(),
        list(range(size)),
        np.asarray(rng.integers(0, size, 40), np.int32),
    ):
        got = query._among(codes, items, size)
        assert got.dtype == np.bool_
        assert np.array_equal(got, np.isin(codes, np.asarray(items, np.int64)))
