"""The first run ever: progress lines on stderr (a terminal or not), one per build stage, stdout kept
clean, ``--quiet`` and ``$CORRIDORS_QUIET`` silencing them, and the built network equal to the cached one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from corridors.cli.main import cli

from corridors.io import bundled_network_files

PREFIX = "corridors: "


def progress_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.startswith(PREFIX)]


@pytest.fixture
def loud(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty cache folder of its own, and progress not silenced (the suite sets CORRIDORS_QUIET)."""
    monkeypatch.delenv("CORRIDORS_QUIET", raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setenv("CORRIDORS_CACHE_DIR", str(cache))
    return cache


def test_first_run_says_each_stage_on_stderr_and_keeps_stdout_json(loud: Path) -> None:
    first = CliRunner().invoke(cli, ["compare", "Chelyabinsk", "Mumbai", "--format", "json"])
    assert first.exit_code == 0, first.stderr
    doc = json.loads(first.stdout)  # nothing but the JSON on stdout
    assert doc["routes"]
    lines = progress_lines(first.stderr)
    assert lines == [
        "corridors: first run with these inputs, building the network cache (1/4: layers and countries) ...",
        "corridors: building the network cache (2/4: sea lanes) ...",
        "corridors: building the network cache (3/4: world ports) ...",
        "corridors: building the network cache (4/4: services and feeders) ...",
        "corridors: first run with these inputs, building the routing engine cache ...",
    ]
    assert any(p.name.startswith("network-") for p in loud.iterdir())
    # the next run reads the cache: no progress, and the same answer as the run that built it
    second = CliRunner().invoke(cli, ["compare", "Chelyabinsk", "Mumbai", "--format", "json"])
    assert second.exit_code == 0, second.stderr
    assert progress_lines(second.stderr) == []
    assert json.loads(second.stdout) == doc
    # the fingerprint the network entry keeps (which the CLI uses instead of hashing the graph again)
    # is the one the graph read back has, so the library's router finds the engine the CLI stored
    from corridors import cache
    from corridors.graph import load_network_with_fingerprint
    from corridors.params import load_parameters
    from corridors.routing import Router

    G, fingerprint = load_network_with_fingerprint()
    assert fingerprint == cache.graph_fingerprint(G)
    engines = sorted(p.name for p in loud.iterdir() if p.name.startswith("engine-"))
    assert Router(G, load_parameters(calibration=True)).engine.n_states > 0
    assert sorted(p.name for p in loud.iterdir() if p.name.startswith("engine-")) == engines


def test_a_known_fingerprint_is_only_for_that_graph_and_block() -> None:
    import networkx as nx

    from corridors import cache

    G = nx.MultiDiGraph()
    G.add_edge("a", "b", key="ab", length_km=1.0)
    true = cache.graph_fingerprint(G)
    H = G.copy()
    H.edges["a", "b", "ab"]["length_km"] = 2.0
    with cache.known_fingerprint(G, "claimed"):
        assert cache.graph_fingerprint(G) == "claimed"
        assert cache.graph_fingerprint(H) not in ("claimed", true)  # another object is hashed
    assert cache.graph_fingerprint(G) == true


def own_network() -> list[str]:
    """The bundled files given as a network of their own (no world ports, no services: two stages)."""
    return [a for f in bundled_network_files() for a in ("--network", str(f))]


def test_quiet_flag_and_environment_silence_progress(loud: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = [*own_network(), "--no-cache", "network", "info", "--format", "json"]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.stderr
    json.loads(res.stdout)
    assert progress_lines(res.stderr) == [
        "corridors: building the network (1/2: layers and countries) ...",
        "corridors: building the network (2/2: sea lanes) ...",
    ]
    res = CliRunner().invoke(cli, ["--quiet", *args])
    assert res.exit_code == 0, res.stderr
    assert progress_lines(res.stderr) == []
    json.loads(res.stdout)
    monkeypatch.setenv("CORRIDORS_QUIET", "1")
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.stderr
    assert progress_lines(res.stderr) == []


def test_bad_input_is_still_one_line_without_progress(loud: Path, tmp_path: Path) -> None:
    bad = tmp_path / "broken.geojson"
    bad.write_text("{not json")
    res = CliRunner().invoke(cli, ["--layer", str(bad), "route", "Moscow", "Mumbai"])
    assert res.exit_code == 1
    assert res.stderr.strip().splitlines() == [res.stderr.strip()]
    assert "broken.geojson" in res.stderr
