"""timing.row_quantiles is np.quantile (numpy's default "linear" method), float for float."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from corridors.timing import row_quantiles

QS = [(0.1, 0.5, 0.9), (0.0, 0.25, 0.5, 0.75, 1.0), (0.05, 0.95), (1 / 3, 2 / 3), (0.999,)]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 10, 101, 1000, 9999, 10000])
@pytest.mark.parametrize("qs", QS)
def test_equals_numpy_quantile_bit_for_bit(n: int, qs: tuple[float, ...]) -> None:
    rng = np.random.default_rng(n)
    for t in (
        rng.lognormal(5.0, 1.0, (6, n)),  # continuous draws (hours)
        rng.integers(0, 5, (6, n)).astype(np.float64) * 12.5,  # many ties
        np.full((2, n), 3.0),
        -rng.random((3, n)) * 1e6,
    ):
        got = row_quantiles(t, qs)
        want = np.quantile(t, qs, axis=1).T
        assert got.shape == want.shape
        assert got.dtype == want.dtype
        assert got.tobytes() == want.tobytes(), (n, qs)


def test_input_is_left_as_it_was() -> None:
    t = np.random.default_rng(1).random((4, 50))
    keep = t.copy()
    row_quantiles(t, (0.1, 0.5, 0.9))
    assert np.array_equal(t, keep)


def test_does_not_import_numpy_ma() -> None:
    code = (
        "import sys, numpy as np\n"
        "from corridors.timing import row_quantiles\n"
        "row_quantiles(np.random.default_rng(0).random((3, 100)), (0.1, 0.5, 0.9))\n"
        "print('numpy.ma' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()  # noqa: S603
    assert out == "False"
