"""The cache's entry format (see :mod:`corridors.cache`): any value corridors caches encoded as numpy
arrays and tagged JSON that cannot name code to run, and decoded back identically (graphs as columns,
geometries as WKB, corridors' own dataclasses by their fields)."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib
import itertools
import json
import operator
import os
from collections.abc import Collection, Iterable, Sequence
from json.encoder import encode_basestring_ascii
from operator import itemgetter
from typing import Any

import numpy as np

from .columns import (
    CHUNK_ROWS,
    column_values,
    directed_adjacency,
    distinct_positions,
    factorize,
    multigraph_edges,
    narrow,
    number_codes,
    row_columns,
)
from .columns import CacheFormatError as CacheFormatError
from .columns import index_array as _index_array
from .io import bundled_data_dir
from .lazyrows import Deferred, Geometries, RowTable, multidigraph, ragged, wkb_geometries
from .netview import RowGraph, as_networkx, is_graph

FORMAT = "corridors-cache"
FORMAT_VERSION = 4  # 3: columns of tuples by position; 4: one table of an entry's strings, long dicts and lists of lists as columns
META = "__meta__"
TREE = "__tree__"


class _NotAtomError(Exception):
    """A value that is not an immutable atom (None, bool, int, float, str, or a tuple of atoms)."""


def _atom_key(v: Any) -> Any:
    """A dictionary key that tells apart values that compare equal across types (``1``, ``1.0``,
    ``True``), so sharing one object per distinct value never changes a value's type."""
    t = type(v)
    if t is str:
        return v
    if t is float:
        return (t, repr(v))  # -0.0 and 0.0 stay apart
    if v is None or t is bool or t is int:
        return (t, v)
    if t is tuple:
        return (t, tuple(_atom_key(i) for i in v))
    raise _NotAtomError


_PLAIN = frozenset({str, int, type(None)})
_AS_IS = frozenset({str, int, float, type(None)})  # exactly these types (not bool, not subclasses)


_NUMBERS = frozenset({type(None), int, float})


def _plain_keys(kinds: set[type], values: Sequence[Any]) -> bool:
    """True when values of these types are equal exactly when their :func:`_atom_key` are: strings,
    ints and None (never equal across these types), and flat tuples of them; not floats (``-0.0 ==
    0.0``), bools (``True == 1``) or anything nested."""
    if kinds <= _PLAIN:
        return True
    if not kinds <= _PLAIN | {tuple}:
        return False
    tuples = values if kinds == {tuple} else [v for v in values if type(v) is tuple]
    return set(map(type, itertools.chain.from_iterable(tuples))) <= _PLAIN


_DUNDER = operator.methodcaller("startswith", "__")


def _plain_names(d: dict[Any, Any]) -> bool:
    """Whether every key is a string not starting with ``__`` (a dict written as a JSON object)."""
    if set(map(type, d)) <= {str}:
        return not any(map(_DUNDER, d))
    return all(isinstance(k, str) and not k.startswith("__") for k in d)


class _Encoder:
    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self.geoms: list[Any] = []
        #: every distinct string of the entry's string columns, once, by its number (in order of first use)
        self.strings: dict[str, int] = {}
        self._geom_ids: dict[int, int] = {}
        #: long columns factorized, by length and first and last item (a network's edge keys are its legs' ids)
        self._seen: dict[tuple[int, int, int], tuple[Sequence[Any], dict[Any, Any], np.ndarray, list[np.ndarray]]] = {}

    def array(self, a: np.ndarray) -> dict[str, int]:
        if a.dtype.hasobject:
            msg = f"cannot cache an array of Python objects ({a.dtype})"
            raise CacheFormatError(msg)
        self.arrays.append(a)
        return {"__a": len(self.arrays) - 1}

    def enc(self, x: Any) -> Any:
        t = type(x)
        if t is str or t is int or t is float or t is bool or x is None:  # the common cases first
            return x
        if t is list and len(x) < 32:  # as below
            return list(x) if all(type(i) in _AS_IS for i in x) else [self.enc(i) for i in x]
        if x is None or isinstance(x, bool | str):
            return x
        if isinstance(x, int | float) and type(x) in (int, float):
            return x
        if isinstance(x, list):
            if len(x) >= 32:  # long lists (an engine's labels, edge references) as compact columns
                col = self.column(x)
                return col.get("values", {"__col": col})
            if all(type(i) in _AS_IS for i in x):  # what enc returns unchanged (an engine's state lists)
                return list(x)
            return [self.enc(i) for i in x]
        if isinstance(x, tuple) and type(x) is tuple:
            if all(type(i) in _AS_IS for i in x):  # what enc returns unchanged (an engine's edge references)
                return {"__t": list(x)}
            return {"__t": [self.enc(i) for i in x]}
        if isinstance(x, dict) and type(x) is dict:
            if len(x) >= 32 and set(map(type, x)) == {str}:  # long dicts (an index by id) as two columns
                return {"__dk": self.column(list(x)), "__dv": self.column(list(x.values()))}
            if _plain_names(x):
                vals = set(map(type, x.values()))
                if vals <= _AS_IS:  # what enc returns unchanged (an index by id)
                    return dict(x)
                if (
                    vals == {list}
                    and max(map(len, x.values())) < 32
                    and set(map(type, itertools.chain.from_iterable(x.values()))) <= _AS_IS
                ):
                    return {k: list(v) for k, v in x.items()}  # short lists of atoms (an engine's states by node)
                return {k: self.enc(v) for k, v in x.items()}
            return {"__d": [[self.enc(k), self.enc(v)] for k, v in x.items()]}
        if isinstance(x, set | frozenset):
            items = sorted((self.enc(i) for i in x), key=repr)
            return {"__fs" if isinstance(x, frozenset) else "__s": items}
        if isinstance(x, np.ndarray):
            return self.array(x)
        if isinstance(x, np.generic):
            return self.array(np.asarray(x))
        geom = self._geometry(x)
        if geom is not None:
            return geom
        if is_graph(x):
            return self._graph(as_networkx(x))
        if dataclasses.is_dataclass(x) and not isinstance(x, type):
            return self._dataclass(x)
        msg = f"cannot cache a {type(x).__module__}.{type(x).__qualname__}"
        raise CacheFormatError(msg)

    def _geometry(self, x: Any) -> dict[str, int] | None:
        mod = type(x).__module__
        if not mod.startswith("shapely."):
            return None
        from shapely.geometry.base import BaseGeometry

        if not isinstance(x, BaseGeometry):
            return None
        idx = self._geom_ids.get(id(x))
        if idx is None:
            self.geoms.append(x)
            idx = self._geom_ids[id(x)] = len(self.geoms) - 1
        return {"__g": idx}

    def _graph(self, G: Any, skip: Collection[str] = ()) -> dict[str, Any]:
        """A graph as columns: node ids, edge ends as indices, and each attribute once per distinct key
        set (attribute dicts keep their key order), so decoding builds dicts from lists, not from
        hundreds of thousands of JSON objects. Graph attributes named in ``skip`` are left out."""
        cls = type(G)
        if cls.__module__.split(".")[0] != "networkx" and cls is not RowGraph:  # a RowGraph: a MultiDiGraph's state
            msg = f"cannot cache a graph of type {cls.__qualname__}"
            raise CacheFormatError(msg)
        multi = G.is_multigraph()
        nodes = list(G._node)
        index = {n: i for i, n in enumerate(nodes)}
        # the edges in the order G.edges gives them (the adjacency's), read without the views' overhead:
        # their ends as node indices, keys and attribute dicts
        if multi:
            adj = G._adj
            n_nbrs, nbrs, per_pair, edge_keys, rows = multigraph_edges(adj)
            pair_u = np.fromiter(map(index.__getitem__, adj), dtype=np.int32, count=len(adj))
            pair_v = np.fromiter(map(index.__getitem__, nbrs), dtype=np.int32, count=len(nbrs))
            u = np.repeat(np.repeat(pair_u, n_nbrs), per_pair)
            v = np.repeat(pair_v, per_pair)
        else:
            edges = [(u, v, None, d) for u, v, d in G.edges(data=True)]
            u = np.fromiter(map(index.__getitem__, map(itemgetter(0), edges)), dtype=np.int32, count=len(edges))
            v = np.fromiter(map(index.__getitem__, map(itemgetter(1), edges)), dtype=np.int32, count=len(edges))
            rows = [e[3] for e in edges]
        doc: dict[str, Any] = {
            "__nx": "MultiDiGraph" if cls is RowGraph else cls.__name__,
            "graph": self.enc({k: v for k, v in G.graph.items() if k not in skip}),
            "nodes": self.column(nodes),
            "node_attrs": self._rows([G._node[n] for n in nodes]),
            "u": self.array(u),
            "v": self.array(v),
            "edge_attrs": self._rows(rows),
        }
        if multi:
            doc["k"] = self.column(edge_keys)
        if G.is_directed():
            # each node's predecessors in the graph's own order (so in_edges iterate exactly as before),
            # as one array of node indices and each node's count (read a chunk of nodes at a time, as above)
            order: list[int] = []
            pred_n: list[int] = []
            for a in range(0, len(nodes), CHUNK_ROWS):
                preds = list(map(G._pred.__getitem__, nodes[a : a + CHUNK_ROWS]))
                order += map(index.__getitem__, itertools.chain.from_iterable(preds))
                pred_n += map(len, preds)
            doc["pred"] = self.array(np.array(order, dtype=np.int32))
            doc["pred_n"] = self.array(np.array(pred_n, dtype=np.int32))
        return doc

    def _rows(self, rows: list[dict[Any, Any]]) -> dict[str, Any]:
        """Attribute dicts as one column per key (over the rows that have it) and, per row, which of a
        few distinct key lists it has."""
        sig_code, codes, values = row_columns(rows)  # the key lists in order of first use, each row's, each key's values
        for sig in sig_code:
            if not all(isinstance(k, str) for k in sig):
                msg = "cannot cache a graph attribute whose name is not a string"
                raise CacheFormatError(msg)
        keys: dict[str, int] = {}
        for sig in sig_code:
            for k in sig:
                keys.setdefault(k, len(keys))
        return {
            "keys": list(keys),
            "sigs": [[keys[k] for k in sig] for sig in sig_code],
            "sig": self.array(narrow(codes, len(sig_code))),
            "cols": [self.column(values[k]) for k in keys],
        }

    def column(self, values: Sequence[Any], kinds: set[type] | None = None) -> dict[str, Any]:
        """A list in its most compact exact form: a float, int or bool array when every item has that
        exact type; distinct immutable values once plus codes (so equal strings and tuples are shared);
        geometries by index; else each value encoded. ``kinds``: the values' types, if known."""
        kinds = set(map(type, values)) if kinds is None else kinds
        if kinds == {float}:
            return {"f8": self.array(np.asarray(values, dtype=np.float64))}
        if kinds == {bool}:
            return {"b1": self.array(np.asarray(values, dtype=bool))}
        if kinds == {int}:
            with contextlib.suppress(OverflowError):
                return {"i8": self.array(np.asarray(values, dtype=np.int64))}
        try:
            if kinds == {tuple} and (split := distinct_positions(values)) is not None:  # as below, no tuple hashed
                self._seen.update(((len(c), id(c[0]), id(c[-1])), (c, *f, [])) for c, f in zip(split[0], split[2], strict=True))
                return {"tup": [self.column(c, k) for c, k in zip(split[0], split[1], strict=True)]}
            if _plain_keys(kinds, values):  # the values are their own keys (most columns: a quick way)
                # each key is the first value that had it (dict.fromkeys keeps the first key object)
                memo_key = (len(values), id(values[0]), id(values[-1])) if len(values) >= 1024 else None
                last = self._seen.get(memo_key) if memo_key is not None else None
                if last is not None and type(last[0]) is type(values) and last[0] == values:
                    uniq, codes, str_ids = last[1], last[2], last[3]  # equal values: the same keys (see _plain_keys)
                else:
                    uniq, codes = factorize(values)
                    str_ids = []
                    if memo_key is not None:
                        self._seen[memo_key] = (values, uniq, codes, str_ids)
                if kinds == {tuple} and 2 * len(uniq) > len(values) and len(widths := set(map(len, uniq))) == 1 and widths != {0}:
                    # mostly distinct tuples of one width (an engine's edge references): a column per position
                    return {"tup": [self.column(c) for c in zip(*values, strict=True)]}
                if kinds == {str}:  # the strings by their number in the entry's table (each read once per entry)
                    if not str_ids:  # each distinct string's number, once for equal columns (no string is new the second time)
                        str_ids.append(self._string_ids(uniq))
                    return {"uniq_s": self.array(str_ids[0].copy()), "codes": self.array(narrow(codes, len(uniq)))}
                return {
                    "uniq": list(uniq) if kinds <= _AS_IS else [self.enc(v) for v in uniq],
                    "codes": self.array(narrow(codes, len(uniq))),
                }
            if kinds <= _NUMBERS and (got := number_codes(values, kinds)) is not None:  # x, y, speeds: over arrays
                return {"uniq": got[0], "codes": self.array(narrow(got[1], len(got[0])))}
            keys = list(map(_atom_key, values))
        except _NotAtomError:
            pass
        else:
            codes = factorize(keys)[1]
            first = [values[i] for i in np.unique(codes, return_index=True)[1].tolist()]  # each code's first value
            return {"uniq": first if kinds <= _AS_IS else [self.enc(v) for v in first], "codes": self.array(narrow(codes, len(first)))}
        if kinds == {list}:  # lists (of node ids, of state numbers): their items as one column, and each list's length
            lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
            return {"rag": self.column(list(itertools.chain.from_iterable(values))), "n": self.array(lengths)}
        if values and all(t.__module__.startswith("shapely.") for t in kinds):
            from shapely.geometry.base import BaseGeometry

            if all(issubclass(t, BaseGeometry) for t in kinds):  # each geometry by its index, stored once
                ids, n = self._geom_ids, len(self.geoms)
                rows, at = factorize(list(map(id, values)))  # each object's first row, and each row's by first use
                new = list(itertools.filterfalse(ids.__contains__, rows)) if ids else list(rows)
                ids.update(zip(new, itertools.count(n)))  # those not stored yet, in that order
                self.geoms.extend(map(values.__getitem__, map(rows.__getitem__, new)))
                if len(ids) != n + len(rows):  # some stored before: each row's index looked up
                    at = np.fromiter(map(ids.__getitem__, map(id, values)), dtype=np.int32, count=len(values))
                elif n:
                    at = at + n
                return {"geoms": self.array(narrow(at, len(self.geoms)))}
        return {"values": [self.enc(v) for v in values]}

    def _string_ids(self, uniq: Collection[str]) -> np.ndarray:
        """Each of these distinct strings' number in the entry's string table, those not in it yet added
        in their order (as ``table.setdefault(v, len(table))`` one by one would)."""
        table = self.strings
        n = len(table)
        new = list(itertools.filterfalse(table.__contains__, uniq)) if n else list(uniq)
        table.update(zip(new, itertools.count(n)))
        if len(new) == len(uniq):  # all new: numbered in their order
            return np.arange(n, n + len(new), dtype=np.int32)
        return np.fromiter(map(table.__getitem__, uniq), dtype=np.int32, count=len(uniq))

    def _dataclass(self, x: Any) -> dict[str, Any]:
        cls = type(x)
        if cls.__module__ != "corridors" and not cls.__module__.startswith("corridors."):
            msg = f"cannot cache {cls.__module__}.{cls.__qualname__}: only corridors' own classes are rebuilt"
            raise CacheFormatError(msg)
        custom = getattr(cls, "__getstate__", None)
        if custom is not None and custom is not getattr(object, "__getstate__", None):
            state = x.__getstate__()
            if not isinstance(state, dict):
                msg = f"cannot cache {cls.__qualname__}: its state is not a dict"
                raise CacheFormatError(msg)
        else:
            state = {f.name: getattr(x, f.name) for f in dataclasses.fields(x)}
        return {"__dc": f"{cls.__module__}:{cls.__qualname__}", "state": {str(k): self.enc(v) for k, v in state.items()}}


def _class(path: str) -> type:
    """A dataclass of the corridors package by ``module:qualname``; anything else is refused."""
    mod_name, _, qual = path.partition(":")
    if mod_name != "corridors" and not mod_name.startswith("corridors."):
        msg = f"refusing to rebuild {path!r}: not a corridors class"
        raise CacheFormatError(msg)
    if not qual or not all(part.isidentifier() and not part.startswith("_") for part in qual.split(".")):
        msg = f"refusing to rebuild {path!r}: not a public class name"
        raise CacheFormatError(msg)
    obj: Any = importlib.import_module(mod_name)
    for part in qual.split("."):
        obj = getattr(obj, part, None)
    if not isinstance(obj, type) or not dataclasses.is_dataclass(obj):
        msg = f"refusing to rebuild {path!r}: not a dataclass"
        raise CacheFormatError(msg)
    return obj


class _Decoder:
    def __init__(
        self, arrays: list[np.ndarray], geoms: np.ndarray | Geometries, strings: np.ndarray | None = None, lazy: bool = False
    ) -> None:
        self.lazy = lazy  # a directed multigraph read row by row (corridors.lazyrows)
        self.arrays = arrays
        self.geoms = geoms
        self.strings = np.zeros(0, dtype=object) if strings is None else strings

    def hook(self, d: dict[str, Any]) -> Any:
        if not d or not next(iter(d)).startswith("__"):
            return d
        if "__t" in d:
            return tuple(d["__t"])
        if "__d" in d:
            return {_hashable(k): v for k, v in d["__d"]}
        if "__s" in d:
            return {_hashable(i) for i in d["__s"]}
        if "__fs" in d:
            return frozenset(_hashable(i) for i in d["__fs"])
        if "__a" in d:
            a = self.arrays[int(d["__a"])]
            return a[()] if a.ndim == 0 else a
        if "__g" in d:
            return self.geoms[int(d["__g"])]
        if "__dc" in d:
            cls = _class(str(d["__dc"]))
            obj: Any = object.__new__(cls)
            names = {f.name for f in dataclasses.fields(cls)}
            for k, v in dict(d["state"]).items():
                if k not in names:
                    msg = f"{cls.__qualname__} has no field {k!r}"
                    raise CacheFormatError(msg)
                object.__setattr__(obj, k, v)
            return obj
        if "__col" in d:
            return self.column(d["__col"])
        if "__dk" in d:
            keys, values = self.column(d["__dk"]), self.column(d["__dv"])
            out = dict(zip(keys, values, strict=True))
            if len(out) != len(keys) or set(map(type, keys)) - {str}:
                msg = "a dict's keys repeated or not strings"
                raise CacheFormatError(msg)
            return out
        if "__nx" in d:
            return self._graph(d)
        msg = f"unknown tag in {list(d)[:3]}"
        raise CacheFormatError(msg)

    def column(self, col: dict[str, Any]) -> list[Any]:
        """The list a :meth:`_Encoder.column` stands for."""
        made = self._listed(col)
        if made is not None:
            return made
        base, at = self._column_at(col)
        return list((base if at is None else base[at]).tolist())

    def _listed(self, col: dict[str, Any]) -> list[Any] | None:
        """A column of tuples or of lists made as a list, without an object array between (an engine
        entry's 35,192 tuples and 2 x 11,203 lists: 18 -> 4 ms); None for any other column."""
        if any(kind in col for kind in ("f8", "i8", "b1", "uniq_s", "codes", "geoms")):
            return None  # read first by _column_at
        if "tup" in col and isinstance(col["tup"], list) and col["tup"]:
            parts = [self.column(c) for c in col["tup"]]
            if len({len(p) for p in parts}) != 1:
                msg = "tuple columns of different lengths"
                raise CacheFormatError(msg)
            return list(zip(*parts, strict=True))
        if "rag" in col:  # lists, their items one after another
            flat = self.column(col["rag"])
            n = _index_array(col["n"], len(flat) + 1)
            if int(n.sum()) != len(flat):
                msg = "list lengths that do not match their items"
                raise CacheFormatError(msg)
            items = iter(flat)
            return [list(itertools.islice(items, k)) for k in n.tolist()]
        return None

    def _column_at(self, col: dict[str, Any]) -> tuple[np.ndarray, np.ndarray | None]:
        """A column as an array and, for coded columns, each item's index into it (else None)."""
        for kind, dtype in (("f8", np.float64), ("i8", np.int64), ("b1", np.bool_)):
            if kind in col:
                a = col[kind]
                if not isinstance(a, np.ndarray) or a.dtype != dtype or a.ndim != 1:
                    msg = f"a {kind} column that is not a 1-d {np.dtype(dtype).name} array"
                    raise CacheFormatError(msg)
                return a, None
        if "uniq_s" in col:  # strings of the entry's table
            uniq_s = self.strings[_index_array(col["uniq_s"], len(self.strings))]
            return uniq_s, _index_array(col["codes"], len(uniq_s))
        if "codes" in col:
            uniq = col["uniq"]
            if not isinstance(uniq, list):
                msg = "a coded column without its values"
                raise CacheFormatError(msg)
            return np.fromiter(uniq, dtype=object, count=len(uniq)), _index_array(col["codes"], len(uniq))
        if "geoms" in col:
            at = _index_array(col["geoms"], len(self.geoms))
            return (self.geoms.take(at), None) if isinstance(self.geoms, Geometries) else (self.geoms, at)
        made = self._listed(col)  # tuples or lists
        if made is not None:
            return np.fromiter(made, dtype=object, count=len(made)), None
        if "values" in col and isinstance(col["values"], list):
            return np.fromiter(col["values"], dtype=object, count=len(col["values"])), None
        msg = f"unknown column {list(col)[:3]}"
        raise CacheFormatError(msg)

    def _row_column_at(self, col: dict[str, Any]) -> tuple[np.ndarray | Deferred, np.ndarray | None]:
        """:meth:`_column_at` for a row-by-row read (checked alike): a row's geometry decoded, and its list
        (a ragged column) made, when the row is made."""
        first = ("f8", "i8", "b1", "uniq_s", "codes")  # what _column_at reads before geometries and lists
        if "geoms" in col and isinstance(self.geoms, Geometries) and not any(kind in col for kind in first):
            geoms = self.geoms
            return Deferred(len(geoms), geoms.__getitem__, geoms.every), _index_array(col["geoms"], len(geoms))
        if "rag" in col and not any(kind in col for kind in (*first, "geoms", "tup")):
            part = self._column_at(col["rag"])
            m = len(part[0] if part[1] is None else part[1])
            n = _index_array(col["n"], m + 1)
            if int(n.sum()) != m:
                msg = "list lengths that do not match their items"
                raise CacheFormatError(msg)
            return ragged(lambda: column_values(part), n, lambda: self._column_at(col)[0]), None
        return self._column_at(col)

    def _rows(self, doc: dict[str, Any], n: int) -> list[dict[str, Any]]:
        """The attribute dicts of :meth:`_Encoder._rows`, each with its keys in their own order, in bulk
        (:meth:`corridors.lazyrows.RowTable.every`)."""
        return RowTable(doc, n, self._column_at).every()

    def _graph(self, d: dict[str, Any]) -> Any:
        kind = str(d["__nx"])
        if self.lazy and kind == "MultiDiGraph":  # read row by row, as a RowGraph: no networkx import for a query
            G: Any = RowGraph()
        else:
            import networkx as nx

            cls = {"Graph": nx.Graph, "DiGraph": nx.DiGraph, "MultiGraph": nx.MultiGraph, "MultiDiGraph": nx.MultiDiGraph}.get(kind)
            if cls is None:
                msg = f"unknown graph type {d['__nx']!r}"
                raise CacheFormatError(msg)
            G = cls()
        G.graph.update(d["graph"])
        nodes = self.column(d["nodes"])
        if self.lazy and G.is_directed() and G.is_multigraph():
            u, v = _index_array(d["u"], len(nodes)), _index_array(d["v"], len(nodes))
            keys = self.column(d["k"])
            if len(v) != len(u) or len(keys) != len(u):
                msg = "edge columns of different lengths"
                raise CacheFormatError(msg)
            node_rows, edge_rows = (
                RowTable(d["node_attrs"], len(nodes), self._row_column_at),
                RowTable(d["edge_attrs"], len(u), self._row_column_at),
            )
            return multidigraph(
                G, nodes, node_rows, u, v, keys, edge_rows, _index_array(d["pred"], len(nodes)), _index_array(d["pred_n"], len(u) + 1)
            )
        node_attrs = self._rows(d["node_attrs"], len(nodes))
        u = _index_array(d["u"], len(nodes))
        v = _index_array(d["v"], len(nodes))
        attrs = self._rows(d["edge_attrs"], len(u))
        multi = G.is_multigraph()
        keys = self.column(d["k"]) if multi else [None] * len(u)
        if len(v) != len(u) or len(keys) != len(u):
            msg = "edge columns of different lengths"
            raise CacheFormatError(msg)
        G._node.update(zip(nodes, node_attrs, strict=True))
        if len(G._node) != len(nodes):
            msg = "duplicate node ids"
            raise CacheFormatError(msg)
        if G.is_directed():
            directed_adjacency(G, nodes, u, v, keys, attrs, _index_array(d["pred"], len(nodes)), _index_array(d["pred_n"], len(u) + 1))
            return G
        adj = G._adj
        for n in nodes:
            adj[n] = {}
        for i, j, k, a in zip(u.tolist(), v.tolist(), keys, attrs, strict=True):  # as networkx adds them
            x, y = nodes[i], nodes[j]
            if multi:
                kd = adj[x].get(y)
                if kd is None:
                    kd = adj[x][y] = adj[y][x] = {}
                if k in kd:
                    msg = f"duplicate edge key {k!r}"
                    raise CacheFormatError(msg)
                kd[k] = a
            else:
                adj[x][y] = adj[y][x] = a
        return G


def _hashable(x: Any) -> Any:
    if isinstance(x, list):
        return tuple(_hashable(i) for i in x)
    return x


def _dumps(tree: Any) -> str:
    return json.dumps(tree, separators=(",", ":"))


def _wkb(geoms: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """The geometries' WKB, concatenated (``uint8``), and where each starts (``n + 1`` offsets)."""
    if not geoms:
        return np.zeros(0, np.uint8), np.zeros(1, np.int64)
    import shapely

    blobs = shapely.to_wkb(np.asarray(geoms, dtype=object))
    lengths = np.fromiter(map(len, blobs), dtype=np.int64, count=len(blobs))
    return np.frombuffer(b"".join(blobs), dtype=np.uint8), np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)


def _string_literals(strings: Iterable[str]) -> list[str]:
    """Each string as the JSON literal :func:`json.dumps` writes for it (ASCII only), so that a string
    table is escaped once for the JSON texts that hold it (``"[" + sep.join(literals) + "]"`` is
    ``json.dumps(list(strings))`` with the item separator ``sep``)."""
    return list(map(encode_basestring_ascii, strings))


def _pack(
    e: _Encoder, tree_json: str, key: str, wkb: tuple[np.ndarray, np.ndarray], literals: list[str] | None = None
) -> dict[str, np.ndarray]:
    """The named arrays of an entry whose tree (as JSON) refers to ``e``'s arrays and geometries
    (``literals``: the :func:`_string_literals` of ``e``'s string table, if already made)."""
    out: dict[str, np.ndarray] = {f"a{i}": a for i, a in enumerate(e.arrays)}
    if e.geoms:
        out["g_off"] = wkb[1]
        out["g_wkb"] = wkb[0]
    head = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "key": key,
        "n_arrays": len(e.arrays),
        "n_geoms": len(e.geoms),
    }
    if literals is None:
        literals = _string_literals(e.strings)
    # json.dumps(head | {"strings": list(e.strings)}), the table's literals joined as it joins them
    meta = json.dumps(head)[:-1] + ', "strings": [' + ", ".join(literals) + "]}"
    out[META] = np.frombuffer(meta.encode(), dtype=np.uint8)
    out[TREE] = np.frombuffer(tree_json.encode(), dtype=np.uint8)
    return out


def encode(obj: Any, key: str = "") -> dict[str, np.ndarray]:
    """``obj`` as named arrays for :func:`numpy.savez` (raises :class:`CacheFormatError` if it cannot)."""
    e = _Encoder()
    tree = e.enc(obj)
    return _pack(e, _dumps(tree), key, _wkb(e.geoms))


def _digest(doc_json: str, arrays: list[np.ndarray], wkb: tuple[np.ndarray, np.ndarray], n_geoms: int, literals: list[str]) -> str:
    """A SHA-256 of an encoded graph: its document, every array it refers to (type, shape, bytes), the
    strings it refers to (as their :func:`_string_literals`) and the WKB of its first ``n_geoms``
    geometries."""
    h = hashlib.sha256(b"corridors-graph-digest-3\0")
    # the bundled files' paths as the same text wherever the package is (a prebuilt network's engine, see
    # corridors.cache, is keyed by the fingerprint of the network it was built from in the build folder)
    data = encode_basestring_ascii(str(bundled_data_dir()) + os.sep)[1:-1]
    h.update(doc_json.replace(data, "<corridors.data>/").encode())
    h.update(b"\0strings\0" + ("[" + ",".join(literals) + "]").replace(data, "<corridors.data>/").encode())  # _dumps(strings)
    for a in arrays:
        h.update(f"\0{a.dtype.str}{a.shape}\0".encode())
        h.update(np.ascontiguousarray(a).data)  # its bytes, not copied
    raw, off = wkb
    h.update(b"\0geometries\0")
    h.update(np.ascontiguousarray(off[: n_geoms + 1]).data)
    h.update(np.ascontiguousarray(raw[: int(off[n_geoms])]).data)
    return h.hexdigest()


def graph_digest(G: Any, skip: Collection[str] = ()) -> str:
    """A SHA-256 of a networkx graph's content as this format encodes it (graph attributes but those in
    ``skip``, node and edge attributes in their order, geometries as WKB): equal for a graph and the same
    graph read back from an entry (raises :class:`CacheFormatError` for what cannot be encoded)."""
    e = _Encoder()
    doc = e._graph(G, skip)
    return _digest(_dumps(doc), e.arrays, _wkb(e.geoms), len(e.geoms), _string_literals(e.strings))


def encode_graph_entry(G: Any, skip: Collection[str], key: str = "") -> tuple[dict[str, np.ndarray], str]:
    """The entry ``{"graph": G without the attributes in skip, "graph_attrs": those, "fingerprint": ...}``
    as named arrays, and its fingerprint, :func:`graph_digest` ``(G, skip)``, from the same encoding (the
    graph is encoded once for both)."""
    e = _Encoder()
    doc = e._graph(G, skip)
    n_arrays, n_geoms, n_strings = len(e.arrays), len(e.geoms), len(e.strings)
    doc_json = _dumps(doc)
    extra = e.enc({k: v for k, v in G.graph.items() if k in skip})
    wkb = _wkb(e.geoms)
    literals = _string_literals(e.strings)  # the graph's strings first, then those of the attributes in skip
    fingerprint = _digest(doc_json, e.arrays[:n_arrays], wkb, n_geoms, literals[:n_strings])
    tree_json = f'{{"graph":{doc_json},"graph_attrs":{_dumps(extra)},"fingerprint":{_dumps(fingerprint)}}}'
    return _pack(e, tree_json, key, wkb, literals), fingerprint


def decode(data: Any, key: str | None = None, lazy: bool = False) -> Any:
    """The object in an opened ``.npz`` (``numpy.load(..., allow_pickle=False)``); raises on any doubt.
    With ``lazy``, a directed multigraph in it is read row by row (:mod:`corridors.lazyrows`)."""
    meta_raw, tree_raw = data[META], data[TREE]
    if meta_raw.dtype != np.uint8 or meta_raw.ndim != 1 or tree_raw.dtype != np.uint8 or tree_raw.ndim != 1:
        msg = "not a corridors cache entry"
        raise CacheFormatError(msg)
    head = json.loads(meta_raw.tobytes())
    if not isinstance(head, dict) or head.get("format") != FORMAT or head.get("version") != FORMAT_VERSION:
        msg = "not a corridors cache entry of this version"
        raise CacheFormatError(msg)
    if key is not None and head.get("key") != key:
        msg = "the entry's key does not match its name"
        raise CacheFormatError(msg)
    arrays = [data[f"a{i}"] for i in range(int(head["n_arrays"]))]
    geoms: np.ndarray | Geometries = np.zeros(0, dtype=object)
    if int(head["n_geoms"]):
        import shapely

        off = data["g_off"]
        raw = data["g_wkb"].tobytes()
        # row by row: each geometry decoded when first asked for, where that cannot fail (else None: all now)
        deferred = wkb_geometries(off, raw, int(head["n_geoms"])) if lazy else None
        if deferred is not None:
            geoms = deferred
        else:
            blobs = np.fromiter(map(raw.__getitem__, map(slice, off[:-1].tolist(), off[1:].tolist())), dtype=object, count=len(off) - 1)
            geoms = shapely.from_wkb(blobs)
            if len(geoms) != int(head["n_geoms"]):
                msg = "geometry count mismatch"
                raise CacheFormatError(msg)
    strings = head.get("strings")
    if not isinstance(strings, list) or set(map(type, strings)) - {str}:
        msg = "a string table that is not a list of strings"
        raise CacheFormatError(msg)
    dec = _Decoder(arrays, geoms, np.fromiter(strings, dtype=object, count=len(strings)), lazy)
    return json.loads(tree_raw.tobytes(), object_hook=dec.hook)
