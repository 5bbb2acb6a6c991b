"""Shared fixtures. Tests are offline; the bundled network is built once per session into a temporary
cache folder (never the user's cache)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest


@pytest.fixture(scope="session", autouse=True)
def _cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    d = tmp_path_factory.mktemp("corridors-cache")
    old = os.environ.get("CORRIDORS_CACHE_DIR")
    os.environ["CORRIDORS_CACHE_DIR"] = str(d)
    # whichever test builds the session's cache first would see the CLI's progress lines on stderr;
    # tests/test_first_run.py checks them with this unset
    quiet = os.environ.get("CORRIDORS_QUIET")
    os.environ["CORRIDORS_QUIET"] = "1"
    # an installed package's prebuilt entries (corridors/cache.py, "Prebuilt") are left out, so every test
    # builds what it reads as a first run would; tests/test_prebuilt.py reads them
    prebuilt = os.environ.get("CORRIDORS_PREBUILT")
    os.environ["CORRIDORS_PREBUILT"] = "0"
    yield d
    if prebuilt is None:
        os.environ.pop("CORRIDORS_PREBUILT", None)
    else:
        os.environ["CORRIDORS_PREBUILT"] = prebuilt
    if quiet is None:
        os.environ.pop("CORRIDORS_QUIET", None)
    else:
        os.environ["CORRIDORS_QUIET"] = quiet
    if old is None:
        os.environ.pop("CORRIDORS_CACHE_DIR", None)
    else:
        os.environ["CORRIDORS_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def G() -> nx.MultiDiGraph:
    from corridors.graph import load_network

    return load_network()


@pytest.fixture(scope="session")
def router(G: nx.MultiDiGraph) -> Any:
    from corridors.routing import Router

    return Router(G)
