"""The public surface (issue 9): the verbs importable from ``corridors`` and one argument order with
keywords after the essentials (the layout itself is checked by tests/test_layout.py)."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import corridors


def test_public_verbs_import_from_the_package() -> None:
    from corridors import (
        CompareResult,
        Constraints,
        Router,
        build_network,
        constraints,
        load_families,
        load_network,
        load_parameters,
        od_matrix,
        routing,
    )
    from corridors.families import load_families as lf
    from corridors.graph import build_network as bn
    from corridors.graph import load_network as ln
    from corridors.matrix import od_matrix as om
    from corridors.params import load_parameters as lp

    assert (Router, Constraints, CompareResult) == (routing.Router, constraints.Constraints, routing.CompareResult)
    assert (load_network, build_network, load_parameters, load_families, od_matrix) == (ln, bn, lp, lf, om)
    assert set(corridors.__all__) >= {"Router", "Constraints", "CompareResult", "load_network", "od_matrix"}
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = corridors.nope


def test_import_stays_light() -> None:
    """``import corridors`` loads no solver, graph library or plotting: they come on first use."""
    code = "import sys, corridors; print(sorted(m for m in ('corridors.routing', 'networkx', 'folium', 'click') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()  # noqa: S603
    assert out == "[]"


def _params(fn: object) -> list[inspect.Parameter]:
    return list(inspect.signature(fn).parameters.values())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fn", "positional"),
    [
        (corridors.Router.route, ["self", "origin", "destination"]),
        (corridors.Router.compare, ["self", "origin", "destination"]),
        (corridors.Router.best, ["self", "origin", "destination"]),
        (corridors.Router.alternatives, ["self", "origin", "destination"]),
        (corridors.Router.pareto, ["self", "origin", "destination"]),
        (corridors.distance_matrix, ["router", "places"]),
        (corridors.Router.simulate, ["self", "routes"]),
        (corridors.od_matrix, ["router", "places"]),
        (corridors.build_network, []),
        (corridors.load_network, ["overlays", "network"]),
    ],
)
def test_keywords_after_the_essentials(fn: object, positional: list[str]) -> None:
    ps = _params(fn)
    assert [p.name for p in ps if p.kind is not inspect.Parameter.KEYWORD_ONLY] == positional
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in ps[len(positional) :])


def test_one_argument_order() -> None:
    """``route``, ``compare``, ``best`` and ``alternatives`` take objective then constraints; the
    network loaders take overlays then network."""
    for fn in (corridors.Router.route, corridors.Router.compare, corridors.Router.best, corridors.Router.alternatives, corridors.od_matrix):
        names = [p.name for p in _params(fn)]
        assert names.index("objective") < names.index("constraints"), fn
    for fn in (corridors.build_network, corridors.load_network):
        names = [p.name for p in _params(fn)]
        assert names.index("overlays") < names.index("network"), fn
    with pytest.raises(TypeError):
        corridors.Router.route(None, "a", "b", "time")  # type: ignore[arg-type, misc]
    with pytest.raises(TypeError):
        corridors.build_network(None, ["x.geojson"])  # type: ignore[misc]


# The layout (no private names across modules, no import cycles, file sizes): tests/test_layout.py
