"""A first run's build imports only what it uses (no ``numpy.ma``), and its geodesic lengths are pyproj's."""

from __future__ import annotations

import subprocess
import sys
import tempfile

import pytest


def _python(code: str) -> str:
    # -P and another folder: the installed corridors, not the checkout's folder of that name (no data in it)
    argv = [sys.executable, "-P", "-c", code]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=tempfile.gettempdir(), check=False)  # noqa: S603 - our own code
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


def test_first_run_imports_no_numpy_ma(tmp_path: object) -> None:
    """A whole first run (build, the entries encoded and written, the engine compiled, the answer) does
    without ``numpy.ma`` too."""
    code = (
        "import os, sys\n"
        "from click.testing import CliRunner\n"
        "from corridors.cli.main import cli\n"
        f"folder = {str(tmp_path)!r}\n"
        "assert not os.listdir(folder)\n"
        "r = CliRunner().invoke(cli, ['compare', 'Chelyabinsk', 'Mumbai'], env={'CORRIDORS_CACHE_DIR': folder})\n"
        "assert r.exit_code == 0, r.output\n"
        "assert {f.split('-')[0] for f in os.listdir(folder) if f.endswith('.npz')} >= {'network', 'engine'}\n"
        "print('numpy.ma' in sys.modules)\n"
    )
    assert _python(code) == "False"
