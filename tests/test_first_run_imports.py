"""A first run's build imports only what it uses (no ``numpy.ma``), and its geodesic lengths are pyproj's."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)  # noqa: S603 - our own code
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_build_imports_no_numpy_ma() -> None:
    """``np.unique``'s first call imports ``numpy.ma`` (10 ms); the build does without it."""
    code = (
        "import sys\n"
        "from corridors.graph import build_network\n"
        "G, problems = build_network(as_rows=True)\n"
        "assert len(G._node) > 1000\n"
        "print('numpy.ma' in sys.modules)\n"
    )
    assert _python(code) == "False"


def test_geodesic_lengths_are_pyprojs() -> None:
    """The lengths of the WGS 84 geodesics pyproj gives."""
    pyproj = pytest.importorskip("pyproj")
    from corridors.geo import geodesic_km, great_circle_km

    line = [(10.0, 0.0), (11.5, 1.0), (179.9, 60.0), (-179.9, 60.5)]
    lons, lats = [c[0] for c in line], [c[1] for c in line]
    assert geodesic_km(line) == pyproj.Geod(ellps="WGS84").line_length(lons, lats) / 1000.0
    assert great_circle_km(line[0], line[1]) == pyproj.Geod(ellps="WGS84").inv(10.0, 0.0, 11.5, 1.0)[2] / 1000.0
