"""A directed multigraph's state (``graph``, ``_node``, ``_succ`` = ``_adj``, ``_pred``, as networkx keeps
it) edited and read as networkx would, without networkx: the network build works on a
:class:`corridors.netview.RowGraph` (a first run then never imports networkx, about 0.2 s CPU), or on a
``networkx.MultiDiGraph``, whose state is the same."""

from __future__ import annotations

import itertools
from typing import Any


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
