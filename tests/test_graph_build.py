"""The quicker paths of the network build give exactly what the plain ones give (same floats, same
geometries, same nesting depth), so a network built by them is the same network."""

from __future__ import annotations

import json
import math
import random

import pytest
import shapely

from corridors import sea
from corridors.geo import Coord, geodesic_km, line_geometry
from corridors.graph import _geodesic_kms, _line_geometries
from corridors.io import DataFileError, depth, json_text_depth, loads_json


def random_lines(seed: int, n: int = 1500) -> list[list[Coord]]:
    rng = random.Random(seed)  # noqa: S311 - test data, not security
    lines: list[list[Coord]] = []
    for _ in range(n):
        k = rng.randint(1, 8)
        base = rng.uniform(-200.0, 200.0)  # some beyond ±180, some across the antimeridian
        line = [(base + rng.uniform(-120.0, 120.0), rng.uniform(-85.0, 85.0)) for _ in range(k)]
        if rng.random() < 0.05:
            line = [line[0]] * max(2, k)  # a line of one repeated point
        lines.append(line)
    lines.append([(179.5, 10.0), (-179.5, 10.5)])  # across the antimeridian
    lines.append([(180.0, 1.0), (170.0, 2.0)])  # a longitude to wrap
    return lines


def test_geodesic_lengths_in_one_call_are_the_same_floats() -> None:
    lines = random_lines(1)
    assert _geodesic_kms(lines) == [geodesic_km(line) for line in lines]
    assert _geodesic_kms([]) == []


def test_line_geometries_in_one_call_are_the_same_geometries() -> None:
    lines = random_lines(2)
    got = _line_geometries(lines)
    for line, g in zip(lines, got, strict=True):
        want = line_geometry(line)
        assert type(g) is type(want)
        assert shapely.to_wkb(g) == shapely.to_wkb(want)


def test_nearest_vertex_over_all_at_once_is_min_over_the_list() -> None:
    rng = random.Random(3)  # noqa: S311 - test data, not security
    verts = [(round(rng.uniform(-180, 180), 2), round(rng.uniform(-80, 80), 2)) for _ in range(3000)]
    verts += verts[:50]  # ties: the first of equals wins in both
    import numpy as np

    vx = np.array([v[0] for v in verts])
    vy = np.array([v[1] for v in verts])
    for _ in range(200):
        pt = (rng.uniform(-180, 180), rng.uniform(-80, 80))
        plain = min(range(len(verts)), key=lambda i: sea._fast_dist(verts[i], pt))
        assert int(np.argmin(sea._fast_dists(vx, vy, pt))) == plain


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        "{}",
        "1",
        '"a[{"',
        '["\\"[", {"a": [[]]}]',
        '{"k\\\\": [1, [2, [3]]], "x": "}}}"}',
        '["é[", [["ü{"]]]',
        json.dumps({"type": "FeatureCollection", "features": [{"geometry": {"coordinates": [[[1, 2], [3, 4]]]}}]}),
    ],
)
def test_json_depth_from_the_text_is_the_depth_of_the_value(text: str) -> None:
    assert json_text_depth(text) == depth(json.loads(text))


def test_too_deep_json_is_still_refused() -> None:
    deep = "[" * 70 + "]" * 70
    with pytest.raises(DataFileError, match="nested more than"):
        loads_json(deep, "deep.json")
    assert loads_json("[" * 10 + "]" * 10, "ok.json") is not None
    assert not math.isnan(json_text_depth("[" * 10 + "]" * 10))
