"""The public surface (issue 9): the verbs importable from ``corridors``, one argument order with
keywords after the essentials, and a package whose modules call no other module's private names and
import one another without cycles."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import corridors

PACKAGE = Path(corridors.__file__).parent

#: private names still imported across modules, each waiting for a public name in a file owned
#: elsewhere (engine.py: the dwell hours of a node)
KNOWN_PRIVATE: set[tuple[str, str, str]] = set()


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


def _imports(path: Path) -> tuple[list[tuple[str, str]], set[str]]:
    """(module, name) of every relative import in ``path``, and the modules imported at its top
    level (outside functions and ``if TYPE_CHECKING``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[tuple[str, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            for a in node.names:
                names.append((node.module or a.name, a.name))
    top: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            top.update([node.module] if node.module else [a.name for a in node.names])
    return names, top


def test_no_module_imports_another_modules_private_names() -> None:
    found = set()
    for path in sorted(PACKAGE.glob("*.py")):
        for module, name in _imports(path)[0]:
            if name.startswith("_") and not name.startswith("__"):
                found.add((path.name, module, name))
    assert found <= KNOWN_PRIVATE, sorted(found - KNOWN_PRIVATE)


def test_no_import_cycles_at_module_level() -> None:
    graph = {p.stem: _imports(p)[1] for p in PACKAGE.glob("*.py")}
    state: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        if state.get(m) == 2:
            return
        assert state.get(m) != 1, " → ".join([*path, m])
        state[m] = 1
        for n in sorted(graph.get(m, ())):
            visit(n, [*path, m])
        state[m] = 2

    for m in sorted(graph):
        visit(m, [])
    assert {"routing", "query", "search", "assemble", "seasons", "noroute"} <= set(graph)
