"""A directed multigraph read from the cache that answers a query's reads without importing networkx.

Importing networkx costs about as much CPU as numpy, shapely and click together (its package imports
every algorithm and scans the installed packages' entry points for backends), and a query reads the
network only by key: a node's attributes, an edge's, a node's successors, membership. :class:`RowGraph`
holds exactly the state of a ``networkx.MultiDiGraph`` (``graph``, ``_node``, ``_adj`` = ``_succ``,
``_pred``, ``__networkx_cache__``) and answers those reads from it, the same values networkx would give.
Anything else it is asked (an edit, a copy, a view's other methods, a networkx function's needs) first
turns it into a ``networkx.MultiDiGraph`` in place (:meth:`RowGraph.networkx`: the object's class is
changed, its state kept, no copy), so from then on it *is* one: ``isinstance(G, nx.MultiDiGraph)`` holds
and every networkx behaviour applies. A caller that needs the networkx type up front calls
:func:`as_networkx`.

The reads answered here (each as networkx answers it): ``n in G``, ``len(G)``, ``iter(G)``, ``G[u]``,
``G.succ[u]``, ``G.adj[u]``, ``G.pred[u]`` (read-only), ``G.nodes[n]``, ``G.nodes.get(n[, default])``, ``n in G.nodes``, ``len``/``iter`` of ``G.nodes``, ``G.edges[u, v, k]``,
``G.number_of_nodes()``, ``G.is_directed()``, ``G.is_multigraph()``, ``G.get_edge_data(u, v[, key,
default])``, ``G.graph`` and the state attributes. What a node and a leg hold is documented in
data/README.md.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from types import MappingProxyType
from typing import Any

__all__ = ["RowGraph", "as_networkx", "is_graph"]


class RowGraph:
    """A ``networkx.MultiDiGraph``'s state with the reads of a query (see the module's docstring);
    anything else turns it into a ``networkx.MultiDiGraph`` first."""

    def __init__(self) -> None:
        self.graph: dict[str, Any] = {}
        adj: dict[Any, Any] = {}
        # networkx's own attributes, set as networkx sets them (``_adj`` is ``_succ``)
        vars(self).update({"_node": {}, "_adj": adj, "_succ": adj, "_pred": {}, "__networkx_cache__": {}})

    def networkx(self) -> Any:
        """Become a ``networkx.MultiDiGraph`` (in place; returns ``self``)."""
        import networkx as nx

        self.__class__ = nx.MultiDiGraph  # same state, see the module docstring
        return self

    def __getattr__(self, name: str) -> Any:
        # only called for what RowGraph does not define: networkx's other methods and views
        if name.startswith("__") or name in {"_node", "_adj", "_succ", "_pred", "graph"}:
            raise AttributeError(name)
        return getattr(self.networkx(), name)

    def __contains__(self, n: object) -> bool:
        try:
            return n in self._node
        except TypeError:
            return False

    def __len__(self) -> int:
        return len(self._node)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._node)

    def __getitem__(self, n: Any) -> MappingProxyType[Any, Any]:
        return MappingProxyType(self._adj[n])

    def __str__(self) -> str:
        return f"MultiDiGraph with {len(self._node)} nodes and {sum(len(kd) for nbrs in self._adj.values() for kd in nbrs.values())} edges"

    @property
    def nodes(self) -> _Nodes:
        return _Nodes(self)

    @property
    def edges(self) -> _Edges:
        return _Edges(self)

    @property
    def succ(self) -> _Adjacency:
        return _Adjacency(self, "succ")

    @property
    def adj(self) -> _Adjacency:
        return _Adjacency(self, "adj")

    @property
    def pred(self) -> _Adjacency:
        return _Adjacency(self, "pred")

    def number_of_nodes(self) -> int:
        return len(self._node)

    def is_directed(self) -> bool:
        return True

    def is_multigraph(self) -> bool:
        return True

    def get_edge_data(self, u: Any, v: Any, key: Any = None, default: Any = None) -> Any:
        try:
            if key is None:
                return self._adj[u][v]
            return self._adj[u][v][key]
        except KeyError:
            return default


class _Nodes:
    """``G.nodes`` of a :class:`RowGraph`: by key, membership, length and order as networkx's
    ``NodeView``; anything else (``G.nodes(data=True)``, ``.items()`` …) from the networkx graph the
    RowGraph becomes."""

    __slots__ = ("_G",)

    def __init__(self, G: RowGraph) -> None:
        self._G = G

    def __getitem__(self, n: Any) -> Any:
        if isinstance(n, slice):
            return self._view()[n]  # networkx's error for a slice
        return self._G._node[n]

    def __contains__(self, n: object) -> bool:
        return n in self._G._node  # an unhashable n raises, as networkx's view does (``n in G`` does not)

    def get(self, n: Any, default: Any = None) -> Any:
        try:
            return self._G._node[n]
        except KeyError:  # Mapping.get's: an unhashable n raises
            return default

    def __len__(self) -> int:
        return len(self._G._node)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._G._node)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._view()(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._view(), name)

    def _view(self) -> Any:
        return as_networkx(self._G).nodes


class _Edges:
    """``G.edges`` of a :class:`RowGraph`: ``G.edges[u, v, k]`` as networkx's ``OutMultiEdgeView``;
    anything else from the networkx graph the RowGraph becomes."""

    __slots__ = ("_G",)

    def __init__(self, G: RowGraph) -> None:
        self._G = G

    def __getitem__(self, e: Any) -> Any:
        if type(e) is tuple and len(e) == 3:
            u, v, k = e
            return self._G._adj[u][v][k]
        return self._view()[e]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._view()(*args, **kwargs)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._view())

    def __len__(self) -> int:
        return len(self._view())

    def __contains__(self, e: object) -> bool:
        return e in self._view()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._view(), name)

    def _view(self) -> Any:
        return as_networkx(self._G).edges


class _Adjacency:
    """``G.succ``, ``G.adj`` or ``G.pred`` of a :class:`RowGraph`: a node's row read-only (``[n]``),
    membership, length and order as networkx's adjacency views; anything else from the networkx graph
    the RowGraph becomes."""

    __slots__ = ("_G", "_rows", "_which")

    def __init__(self, G: RowGraph, which: str) -> None:
        self._G, self._which = G, which
        self._rows = G._pred if which == "pred" else G._succ

    def __getitem__(self, n: Any) -> MappingProxyType[Any, Any]:
        return MappingProxyType(self._rows[n])

    def __contains__(self, n: object) -> bool:
        return n in self._rows

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(getattr(as_networkx(self._G), self._which), name)


def as_networkx(G: Any) -> Any:
    """``G`` as a networkx graph: a :class:`RowGraph` turned into one (in place), anything else as is."""
    return G.networkx() if type(G) is RowGraph else G


def is_graph(x: object) -> bool:
    """Whether ``x`` is a networkx graph or a :class:`RowGraph`, without importing networkx (if it is
    not imported, nothing can be a networkx graph)."""
    if type(x) is RowGraph:
        return True
    nx = sys.modules.get("networkx")
    return nx is not None and isinstance(x, nx.Graph)
