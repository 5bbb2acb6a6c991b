"""A directed multigraph's state (``graph``, ``_node``, ``_succ`` = ``_adj``, ``_pred``, as networkx keeps
it) edited and read as networkx would, without networkx: the network build works on a
:class:`corridors.netview.RowGraph` (a first run then never imports networkx, about 0.2 s CPU), or on a
``networkx.MultiDiGraph``, whose state is the same."""

from __future__ import annotations

import itertools
import sys
from typing import Any

from .lazyrows import edge_count


def put_node(G: Any, n: str, attrs: dict[str, Any]) -> None:
    """``G.add_node(n, **attrs)``, as networkx does it but without its per-call overhead (thousands of
    sea-lane junctions and ports); ``attrs`` becomes a new node's dict. The caller clears the graph's
    networkx cache (:func:`edges_added`)."""
    succ, pred, node = G._succ, G._pred, G._node
    if n in succ:
        node[n].update(attrs)
    else:
        succ[n], pred[n], node[n] = {}, {}, attrs


def put_edge(G: Any, u: str, v: str, key: str, attrs: dict[str, Any]) -> None:
    """``G.add_edge(u, v, key=key, **attrs)`` between two nodes already in ``G``, as networkx does it but
    without its per-call overhead (tens of thousands of legs); ``attrs`` becomes the edge's dict. The
    caller clears the graph's networkx cache (:func:`edges_added`)."""
    out, into = G._succ[u], G._pred[v]
    kd = out.get(v)
    if kd is None:
        out[v] = into[u] = {key: attrs}
    elif key in kd:
        kd[key].update(attrs)
    else:
        kd[key] = attrs


def edges_added(G: Any) -> None:
    """What ``add_edge`` does after each edge: drop what networkx cached about the graph."""
    cached = getattr(G, "__networkx_cache__", None)
    if isinstance(cached, dict):
        cached.clear()


def weak_components(G: Any) -> list[set[Any]]:
    """The node sets of ``networkx.weakly_connected_components(G)``, in the order it gives them (each
    started at the first node, in ``G``'s order, of no component yet), without importing networkx."""
    succ, pred = G._succ, G._pred
    seen: set[Any] = set()
    comps: list[set[Any]] = []
    for v in G._node:
        if v in seen:
            continue
        comp, todo = {v}, [v]
        while todo:
            x = todo.pop()
            for w in itertools.chain(succ[x], pred[x]):
                if w not in comp:
                    comp.add(w)
                    todo.append(w)
        seen |= comp
        comps.append(comp)
    return comps


def add_edge(G: Any, u: str, v: str, key: str, attrs: dict[str, Any]) -> None:
    """``G.add_edge(u, v, key=key, **attrs)`` as networkx does it (the ends added if missing, an
    existing edge's dict updated in place, the graph's networkx cache cleared), on the graph's state,
    so a :class:`corridors.netview.RowGraph` being built needs no networkx."""
    succ, pred, node = G._succ, G._pred, G._node  # networkx's names, read (never assigned) here
    for n in (u, v):
        if n not in succ:
            succ[n], pred[n], node[n] = {}, {}, {}
    kd = succ[u].get(v)
    if kd is None:
        kd = succ[u][v] = pred[v][u] = {}
    d = kd.get(key)
    if d is None:
        kd[key] = attrs
    else:
        d.update(attrs)
    cached = getattr(G, "__networkx_cache__", None)
    if isinstance(cached, dict):
        cached.clear()


def count_edges(G: Any) -> int:
    """``G.number_of_edges()`` without its degree view (a tenth of the time on a large graph): a cached
    network read row by row counted without making its rows, networkx's own adjacency dicts in C."""
    if G.is_multigraph():
        n = edge_count(G._adj)
        if n is not None:
            return n
        try:
            return sum(map(len, itertools.chain.from_iterable(map(dict.values, G._adj.values()))))
        except TypeError:  # adjacency dicts of another kind
            pass
    return int(G.number_of_edges())


def copy_graph(G: Any) -> Any:
    """``G.copy()`` of a ``networkx.MultiDiGraph``: the same graph, node, adjacency and attribute dicts,
    in the same order (each node's and edge's dict a shallow copy, the graph's dict too), made from the
    state directly rather than through ``add_nodes_from`` and ``add_edges_from`` (their per-edge calls
    were 0.1 s of a scenario that edits the bundled network's legs). Any other graph is copied by its own
    ``copy``."""
    nx = sys.modules.get("networkx")
    if nx is None or type(G) is not nx.MultiDiGraph:
        return G.copy()
    H = nx.MultiDiGraph()
    H.graph.update(G.graph)
    node, succ, pred = H._node, H._succ, H._pred
    for n, d in G._node.items():
        node[n], succ[n], pred[n] = d.copy(), {}, {}
    for u, nbrs in G._succ.items():
        out = succ[u]
        for v, kd in nbrs.items():
            out[v] = pred[v][u] = {k: d.copy() for k, d in kd.items()}
    return H
