"""A first run's build imports only what it uses: of pyproj the geodesic module (its package
``__init__``, which imports the rest of pyproj, runs once anything else of it is asked for), and no
``numpy.ma``; pyproj then works as imported the plain way."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)  # noqa: S603 - our own code
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_build_imports_pyproj_geod_only() -> None:
    code = (
        "import sys\n"
        "from corridors.graph import build_network\n"
        "G, problems = build_network(as_rows=True)\n"
        "assert len(G._node) > 1000\n"
        "print(sorted(m for m in ('pyproj.geod', 'pyproj.crs', 'pyproj.transformer', 'pyproj.network', 'numpy.ma') if m in sys.modules))\n"
    )
    assert _python(code) == "['pyproj.geod']"


def test_pyproj_whole_once_asked() -> None:
    code = (
        "import sys\n"
        "from corridors.geo import wgs84_geod\n"
        "g = wgs84_geod()\n"
        "import pyproj\n"
        "assert 'pyproj.crs' not in sys.modules\n"
        "assert pyproj.CRS('EPSG:4326').to_epsg() == 4326\n"  # the first name asked for runs the rest
        "assert 'pyproj.crs' in sys.modules and '__getattr__' not in vars(pyproj)\n"
        "from pyproj import Transformer\n"
        "import pyproj.exceptions\n"
        "assert pyproj.Geod is type(g) and issubclass(pyproj.exceptions.ProjError, RuntimeError)\n"
        "assert pyproj.__version__ and sys.modules['pyproj'] is pyproj and not hasattr(pyproj, 'nope')\n"
        "x = Transformer.from_crs('EPSG:4326', 'EPSG:3857', always_xy=True).transform(10.0, 0.0)[0]\n"
        "plain = pyproj.Geod(ellps='WGS84').inv([10.0, -170.5], [0.0, 60.25], [11.5, 179.0], [1.0, 61.0])[2]\n"
        "print(round(x), g.inv([10.0, -170.5], [0.0, 60.25], [11.5, 179.0], [1.0, 61.0])[2] == plain)\n"
    )
    assert _python(code) == "1113195 True"


def test_pyproj_imported_first_is_left_alone() -> None:
    code = (
        "import pyproj\n"
        "from corridors.geo import geodesic_km, wgs84_geod\n"
        "assert type(wgs84_geod()) is pyproj.Geod and '__getattr__' not in vars(pyproj)\n"
        "print(geodesic_km([(10.0, 0.0), (11.5, 1.0)]) == pyproj.Geod(ellps='WGS84').line_length([10.0, 11.5], [0.0, 1.0]) / 1000.0)\n"
    )
    assert _python(code) == "True"


def test_geodesic_lengths_are_pyprojs() -> None:
    """In this process (pyproj perhaps entered the deferred way by an earlier test): the lengths of
    the WGS 84 geodesics pyproj gives."""
    pyproj = pytest.importorskip("pyproj")
    from corridors.geo import geodesic_km, great_circle_km

    line = [(10.0, 0.0), (11.5, 1.0), (179.9, 60.0), (-179.9, 60.5)]
    lons, lats = [c[0] for c in line], [c[1] for c in line]
    assert geodesic_km(line) == pyproj.Geod(ellps="WGS84").line_length(lons, lats) / 1000.0
    assert great_circle_km(line[0], line[1]) == pyproj.Geod(ellps="WGS84").inv(10.0, 0.0, 11.5, 1.0)[2] / 1000.0
