"""corridors.netview.RowGraph: the router's network read from the cache, without networkx. Every read it
answers itself gives what a networkx.MultiDiGraph with the same state gives; anything else turns it into
one, in place; a CLI compare imports no networkx at all, and NoRouteError is still networkx's no-path
error."""

from __future__ import annotations

import os
import pickle
import random
import subprocess
import sys
import tempfile
import textwrap
from typing import Any

import networkx as nx
import pytest

from corridors import codec
from corridors.cache import FINGERPRINT_SKIP
from corridors.graph import load_network_with_fingerprint
from corridors.netview import RowGraph, as_networkx, is_graph


def _random_graph(seed: int) -> nx.MultiDiGraph:
    rng = random.Random(seed)  # noqa: S311 - test data, not security
    G = nx.MultiDiGraph(crs="EPSG:4326")
    n = rng.randint(2, 30)
    for i in range(n):
        G.add_node(f"n{i}", country=rng.choice(["RUS", "KAZ", "IRN", None]), x=rng.random())
    for e in range(rng.randint(1, 90)):
        u, v = f"n{rng.randrange(n)}", f"n{rng.randrange(n)}"  # self-loops and parallel edges too
        G.add_edge(u, v, key=f"e{e}" if rng.random() < 0.8 else e, mode=rng.choice(["rail", "sea"]), length_km=rng.random())
    return G


def _row_graph(G: nx.MultiDiGraph) -> Any:
    """``G`` through the cache's encoding, read back row by row (as the CLI's router reads it)."""
    import numpy as np

    arrays, _ = codec.encode_graph_entry(G, FINGERPRINT_SKIP, "k")
    return codec.decode({k: np.asarray(v) for k, v in arrays.items()}, "k", lazy=True)["graph"]


def _probes(G: nx.MultiDiGraph, rng: random.Random) -> list[Any]:
    nodes = list(G)
    edges = list(G.edges(keys=True))
    probes: list[Any] = [*rng.sample(nodes, min(8, len(nodes))), "absent", ["unhashable"]]
    return probes + list(rng.sample(edges, min(8, len(edges)))) + [("n0", "n1", "absent")]


def _reads(H: Any, probes: list[Any]) -> list[Any]:
    """Every read a RowGraph answers itself, on each probe (an exception's type stands for a raise)."""

    def get(f: Any) -> Any:
        try:
            got = f()
        except Exception as exc:  # noqa: BLE001 - the type of what is raised is what is compared
            return type(exc).__name__
        return dict(got) if hasattr(got, "items") and not isinstance(got, dict) else got

    out: list[Any] = [len(H), list(H), H.number_of_nodes(), H.is_directed(), H.is_multigraph(), dict(H.graph)]
    out += [len(H.nodes), list(H.nodes), len(H.succ), list(H.pred), list(H.adj)]
    for p in probes:
        if isinstance(p, tuple):
            u, v, k = p
            out += [get(lambda u=u, v=v, k=k: H.edges[u, v, k]), get(lambda u=u, v=v, k=k: H.get_edge_data(u, v, k))]
            out += [get(lambda u=u, v=v: H.get_edge_data(u, v)), get(lambda u=u, v=v: H.get_edge_data(v, u, default="none"))]
            out += [get(lambda u=u, v=v: {w: dict(kd) for w, kd in H[u].items()} if v in H[u] else None)]
            continue
        out += [
            get(lambda p=p: p in H),
            get(lambda p=p: p in H.nodes),
            get(lambda p=p: H.nodes[p]),
            get(lambda p=p: H.nodes.get(p, "dflt")),
        ]
        out += [
            get(lambda p=p: H[p]),
            get(lambda p=p: H.succ[p]),
            get(lambda p=p: H.adj[p]),
            get(lambda p=p: H.pred[p]),
            get(lambda p=p: p in H.succ),
        ]
    return out


@pytest.mark.parametrize("seed", range(10))
def test_its_own_reads_equal_networkx_and_import_nothing(seed: int) -> None:
    G = _random_graph(seed)
    H = _row_graph(G)
    assert type(H) is RowGraph and is_graph(H)
    probes = _probes(G, random.Random(seed))  # noqa: S311 - test data, not security
    assert _reads(H, probes) == _reads(G, probes)
    assert type(H) is RowGraph  # none of those reads needed networkx
    assert str(H) == str(G)


def test_views_are_read_only_like_networkx() -> None:
    G = _random_graph(1)
    H = _row_graph(G)
    u = next(iter(G))
    for view in (G, H, G.succ, H.succ, G.pred, H.pred):
        with pytest.raises(TypeError):
            view[u]["new"] = {}  # type: ignore[index]
    assert type(H) is RowGraph


def test_anything_else_turns_it_into_networkx_in_place() -> None:
    G = _random_graph(2)
    H = _row_graph(G)
    nodes, succ, edges = H.nodes, H.succ, H.edges  # views taken before
    u = next(iter(G))
    assert list(H.out_edges(u, keys=True, data=True)) == list(G.out_edges(u, keys=True, data=True))
    assert type(H) is nx.MultiDiGraph and isinstance(H, nx.MultiDiGraph)
    assert H.number_of_edges() == G.number_of_edges()
    H.add_edge(u, "new", key="k", mode="road")
    G.add_edge(u, "new", key="k", mode="road")
    assert list(nodes(data=True)) == list(G.nodes(data=True))
    assert dict(succ[u]) == dict(G.succ[u])
    assert list(edges(keys=True)) == list(G.edges(keys=True))
    assert sorted(map(sorted, nx.weakly_connected_components(H))) == sorted(map(sorted, nx.weakly_connected_components(G)))
    assert nx.utils.graphs_equal(H, G)


def test_as_networkx_and_pickles() -> None:
    G = _random_graph(3)
    H = _row_graph(G)
    back = pickle.loads(pickle.dumps(H))  # noqa: S301 - our own pickle
    assert type(back) is RowGraph and list(back) == list(G)
    assert as_networkx(H) is H and type(H) is nx.MultiDiGraph
    assert as_networkx(G) is G
    assert not is_graph({}) and is_graph(G)


def test_the_router_reads_the_network_as_a_row_graph(G: nx.MultiDiGraph) -> None:
    lazy, _ = load_network_with_fingerprint(rows_on_demand=True)
    bulk, _ = load_network_with_fingerprint()
    assert type(lazy) is RowGraph and type(bulk) is nx.MultiDiGraph
    probes = _probes(bulk, random.Random(7))  # noqa: S311 - test data, not security
    assert _reads(lazy, probes) == _reads(bulk, probes)


def _run(code: str) -> str:
    """``code`` in a fresh interpreter of this environment, importing the installed corridors (run from
    the system's temporary folder: from the checkout, ``-c`` would import its source folders instead)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    cmd = [sys.executable, "-c", textwrap.dedent(code)]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tempfile.gettempdir(), check=False)  # noqa: S603 - our own code
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout


def test_a_cli_compare_imports_no_networkx(G: nx.MultiDiGraph) -> None:
    """The point of it, with a warm cache (the session's network fixture built the network; the first
    run here, with networkx imported, the engine): the answer is the same as with networkx imported, and
    networkx is never imported."""
    code = """
        import sys
        {pre}
        from click.testing import CliRunner
        from corridors.cli.main import cli
        res = CliRunner().invoke(cli, ["compare", "Chelyabinsk", "Mumbai", "--avoid-chokepoint", "hormuz", "--format", "json"])
        assert res.exit_code == 0, res.output
        print("networkx" in sys.modules)
        print(res.stdout)
    """
    with_nx = _run(code.format(pre="import networkx")).split("\n", 1)  # first: it also warms the engine cache
    without = _run(code.format(pre="")).split("\n", 1)
    assert without[0] == "False" and with_nx[0] == "True"
    assert without[1] == with_nx[1] and '"routes"' in without[1]


def test_no_route_error_is_networkx_no_path_made_on_first_use() -> None:
    out = _run("""
        import pickle, sys
        import corridors.errors, corridors.routing
        print("networkx" in sys.modules)
        from corridors.errors import NoRouteError
        import networkx as nx
        e = NoRouteError("no route from A to B", ["drop the avoided chokepoint"])
        back = pickle.loads(pickle.dumps(e))
        print(issubclass(NoRouteError, nx.NetworkXNoPath), issubclass(NoRouteError, corridors.errors.CorridorsError))
        print(corridors.routing.NoRouteError is NoRouteError, type(back) is NoRouteError, back.relaxations, str(back))
        try:
            raise e
        except nx.NetworkXNoPath as caught:
            print("caught", caught is e)
    """).splitlines()
    assert out == ["False", "True True", "True True ['drop the avoided chokepoint'] no route from A to B", "caught True"]
