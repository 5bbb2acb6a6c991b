"""A cached network read row by row: the attribute dicts of an entry's rows (:class:`RowTable`) and a
directed multigraph whose node, successor and predecessor dicts make each row the first time it is read
(:class:`Rows`, :func:`multidigraph`).

Why: a warm ``compare`` reads a few hundred of the network's 11,203 nodes and 35,192 legs (route checks,
assembly, labels, place resolution), yet decoding them all in bulk was a fifth of its process. The graph
is a plain ``networkx.MultiDiGraph`` whose ``_node``, ``_succ`` (``_adj``) and ``_pred`` are :class:`Rows`:
a row is made on first read from the entry's columns, the same dict, with its keys in the same order,
as the bulk decode (:meth:`RowTable.every`) makes; a successor and a predecessor row share each pair's key
dict, as networkx has it. A row of several neighbours is itself a :class:`Rows` of their key dicts, and a
key dict a :class:`Rows` of its edges' dicts: a route check that asks which of a node's neighbours has a
leg, then reads that leg, makes that one edge's dict, not every edge leaving the node. Whatever reads every row (``items()``, ``values()``, a copy, a pickle) has the
rest made in bulk first, keeping the rows already handed out. Everything an entry could get wrong is
checked when it is read (:class:`~corridors.columns.CacheFormatError`), not when a row is made.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .columns import CacheFormatError, attribute_dicts, index_array, pair_layout, paused_gc, runs_of_dicts

_MISSING = object()
#: rows made at once without pausing the collector (:meth:`Rows.fill`)
_FEW = 64


class Rows(dict):  # type: ignore[type-arg]
    """A dict whose values are made on first read. Until then a key's value is its row's position (an
    int: a row is a dict, never an int). Reading one key makes its row (``make``); reading them all
    (``items``, ``values``, a copy, a comparison, a pickle), or a sixteenth of them one by one, makes the
    rest at once (``every``: all rows by position, or anything indexable by it) and keeps the rows already made. ``__iter__`` is overridden so that ``dict(rows)`` and
    ``{**rows}`` read through ``keys()`` and ``__getitem__``, not the raw table."""

    __slots__ = ("_every", "_left", "_make", "_sizes", "_whole")

    def __init__(
        self,
        keys: Sequence[Any],
        make: Callable[[int], Any],
        every: Callable[[], Any],
        sizes: Any = None,
        index: dict[Any, int] | None = None,
    ) -> None:
        if index is None:
            super().__init__(zip(keys, range(len(keys)), strict=True))
        else:  # ``dict(zip(keys, range(len(keys))))`` already made: copied whole (its table, not key by key)
            super().__init__()
            dict.update(self, index)
        self._make = make
        self._every = every
        self._sizes = sizes  # each row's size where known (a successor row's edges), for edge_count
        self._whole = not keys
        self._left = max(64, len(keys) // 16)  # rows made one by one before the rest are made in bulk

    def __getitem__(self, k: Any) -> Any:
        v = dict.__getitem__(self, k)
        return self._made(k, v) if type(v) is int else v

    def get(self, k: Any, default: Any = None) -> Any:
        v = dict.get(self, k, _MISSING)
        if v is _MISSING:
            return default
        return self._made(k, v) if type(v) is int else v

    def _made(self, k: Any, i: int) -> Any:
        """Row ``i`` (key ``k``) made and kept; once a sixteenth of the rows were asked for one by one (a
        walk over them all, not a query), the rest are made in bulk."""
        self._left -= 1
        if self._left < 0:
            self.fill()
            return dict.__getitem__(self, k)
        v = self._make(i)
        dict.__setitem__(self, k, v)
        return v

    def __iter__(self) -> Iterator[Any]:
        return dict.__iter__(self)

    def made(self) -> bool:
        """Whether every row is made (then this is a plain dict in all but name)."""
        return self._whole

    def fill(self) -> None:
        """Make every row not made yet (in bulk), keeping those already made."""
        if self._whole:
            return
        todo = [(k, v) for k, v in dict.items(self) if type(v) is int]
        if len(todo) > _FEW:
            with paused_gc():  # tens of thousands of dicts that all stay alive, as when a graph is read in bulk
                rows = self._every()
                for k, v in todo:
                    dict.__setitem__(self, k, rows[v])
        elif todo:  # a node's few neighbours or a pair's few edges (the collector paused for nothing)
            rows = self._every()
            for k, v in todo:
                dict.__setitem__(self, k, rows[v])
        self._whole = True

    def positions(self) -> Iterator[tuple[Any, Any]]:
        """Each key with its row if made, else its row's position (an int), without making any."""
        return iter(dict.items(self))

    def items(self) -> Any:
        self.fill()
        return dict.items(self)

    def values(self) -> Any:
        self.fill()
        return dict.values(self)

    def copy(self) -> dict[Any, Any]:
        self.fill()
        return dict(dict.items(self))

    def pop(self, k: Any, *default: Any) -> Any:
        if k in self:
            v = self[k]
            dict.__delitem__(self, k)
            return v
        return dict.pop(self, k, *default)

    def popitem(self) -> tuple[Any, Any]:
        self.fill()
        return dict.popitem(self)

    def setdefault(self, k: Any, default: Any = None) -> Any:
        if k in self:
            return self[k]
        dict.__setitem__(self, k, default)
        return default

    def __eq__(self, other: object) -> bool:
        self.fill()
        if isinstance(other, Rows):
            other.fill()
        return dict.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None

    def __repr__(self) -> str:
        self.fill()
        return dict.__repr__(self)

    def __or__(self, other: Any) -> Any:
        self.fill()
        return dict.__or__(self, other)

    def __ror__(self, other: Any) -> Any:
        self.fill()
        return dict.__ror__(self, other)

    def __reduce_ex__(self, protocol: Any) -> Any:
        """Pickled (and copied) as a plain dict of every row."""
        self.fill()
        return (dict, (list(dict.items(self)),))


class Deferred:
    """A column of a :class:`RowTable` whose values are made when asked for: one row's (``one``, given the
    row's place in the column) or all at once (``every``, the array the bulk read makes). Each call of
    ``one`` makes a new value where the bulk read makes one per row (a list), or gives the object ``every``
    has for it (a geometry)."""

    __slots__ = ("_array", "_every", "n", "one")

    def __init__(self, n: int, one: Callable[[int], Any], every: Callable[[], np.ndarray]) -> None:
        self.n, self.one, self._every = n, one, every
        self._array: np.ndarray | None = None

    def __len__(self) -> int:
        return self.n

    def array(self) -> np.ndarray:
        if self._array is None:
            self._array = self._every()
        return self._array


def ragged(flat: Callable[[], list[Any]], n: np.ndarray, every: Callable[[], np.ndarray]) -> Deferred:
    """The lists of a ragged column (their items one after another, ``flat``, made once when first needed,
    and each list's length ``n``, checked by the caller): a row's list is a new slice of the items, as the
    bulk read (``every``) makes a new list per row."""
    ends = np.cumsum(n, dtype=np.int64)
    firsts, lasts = (ends - n).tolist(), ends.tolist()
    items: list[list[Any]] = []

    def one(i: int) -> list[Any]:
        if not items:
            items.append(flat())
        return items[0][firsts[i] : lasts[i]]

    return Deferred(len(n), one, every)


class Geometries:
    """An entry's geometries, each decoded from its WKB when first asked for and kept (asked for again,
    or by the bulk :meth:`every`, it is the same object). Made by :func:`wkb_geometries` only when every
    WKB not yet decoded is known to decode (so no error can come later than it would in bulk)."""

    def __init__(self, raw: bytes, starts: np.ndarray, ends: np.ndarray, made: np.ndarray, done: np.ndarray) -> None:
        self.raw, self.starts, self.ends, self.made, self.done = raw, starts, ends, made, done

    def __len__(self) -> int:
        return len(self.made)

    def __getitem__(self, i: int) -> Any:
        """Geometry ``i`` (an int; negative from the end, as an array's item)."""
        i = int(i)
        g = self.made[i]
        if g is None:
            import shapely

            g = self.made[i] = shapely.from_wkb(self.raw[self.starts[i] : self.ends[i]])
            self.done[i] = True
        return g

    def take(self, at: np.ndarray) -> np.ndarray:
        """The geometries at ``at`` (an index array, checked), those not decoded yet decoded in one call."""
        made, done = self.made, self.done
        want = np.zeros(len(made), dtype=bool)
        want[at] = True
        todo = np.flatnonzero(want & ~done)  # each once (np.unique's first call imports numpy.ma: 10-15 ms)
        if len(todo):
            import shapely

            raw, starts, ends = self.raw, self.starts, self.ends
            made[todo] = shapely.from_wkb(np.fromiter((raw[starts[i] : ends[i]] for i in todo.tolist()), dtype=object, count=len(todo)))
            done[todo] = True
        got: np.ndarray = made[at]
        return got

    def every(self) -> np.ndarray:
        """Every geometry, in order (an object array)."""
        return self.take(np.arange(len(self.made)))


def wkb_geometries(off: Any, raw: bytes, n: int) -> Geometries | None:
    """The ``n`` geometries of an entry's WKB (``raw``, each from ``off[i]`` to ``off[i + 1]``) to be decoded
    when asked for, or None when the bulk read must decode them now (offsets not as written: the bulk
    read's checks and errors then apply unchanged). Only a WKB whose decoding cannot fail is deferred:
    a 2-d little-endian LineString (its header, type 2, its point count, not 1, and its size, 9 + 16 per
    point, checked in bulk); every other one (polygons, multi-part or malformed WKB) is decoded here, in
    one call (raising what the bulk read raises: the same first malformed WKB)."""
    if not (isinstance(off, np.ndarray) and off.ndim == 1 and off.dtype.kind in "iu" and len(off) == n + 1 and len(raw) >= 9):
        return None
    o = off.astype(np.int64)
    size = np.diff(o)
    if o[0] < 0 or o[-1] > len(raw) or np.any(size < 0):
        return None
    buf = np.frombuffer(raw, dtype=np.uint8)
    start = np.minimum(o[:-1], len(raw) - 9)  # where a header would lie (read only where the size holds one)
    head = buf[start[:, None] + np.arange(9)]
    kind = head[:, 1:5].copy().view("<u4").reshape(-1)
    points = head[:, 5:9].copy().view("<u4").reshape(-1).astype(np.int64)
    sure = (size >= 9) & (head[:, 0] == 1) & (kind == 2) & (points != 1) & (size == 9 + 16 * points)
    geoms = Geometries(raw, o[:-1], o[1:], np.full(n, None, dtype=object), np.zeros(n, dtype=bool))
    geoms.take(np.flatnonzero(~sure))  # decoded now: raises here, as the bulk read would, if one is malformed
    return geoms


class RowTable:
    """The attribute dicts of an entry's rows (what ``_Encoder._rows`` wrote: the rows' key lists, and each
    key's values over the rows that have it, in row order), made one at a time (:meth:`row`) or all at
    once (:meth:`every`). ``column_at`` reads one column of the entry (an array, and each row's index
    into it or None)."""

    def __init__(
        self, doc: dict[str, Any], n: int, column_at: Callable[[dict[str, Any]], tuple[np.ndarray | Deferred, np.ndarray | None]]
    ) -> None:
        keys = [str(k) for k in doc["keys"]]
        sigs = [[int(j) for j in sig] for sig in doc["sigs"]]
        codes = index_array(doc["sig"], len(sigs))
        if len(codes) != n or len(doc["cols"]) != len(keys):
            msg = "attribute columns do not match the rows"
            raise CacheFormatError(msg)
        holders: list[list[int]] = [[] for _ in keys]  # the key lists that have each key
        for s, sig in enumerate(sigs):
            if len(set(sig)) != len(sig) or not all(0 <= j < len(keys) for j in sig):
                msg = "a key list with a repeated or unknown key"
                raise CacheFormatError(msg)
            for j in sig:
                holders[j].append(s)
        counts = np.bincount(codes, minlength=len(sigs)).tolist()
        cols: list[tuple[np.ndarray | Deferred, np.ndarray | None]] = []
        for k, col, h in zip(keys, doc["cols"], holders, strict=True):
            c, at = column_at(col)
            if len(c if at is None else at) != sum(counts[s] for s in h):
                msg = f"column {k!r} does not match its rows"
                raise CacheFormatError(msg)
            cols.append((c, at))
        self.n, self.keys, self.sigs, self.codes, self.counts, self.holders, self.cols = n, keys, sigs, codes, counts, holders, cols
        self.coded = ["codes" in col for col in doc["cols"]]
        self.names = [tuple(keys[j] for j in sig) for sig in sigs]
        self._get: list[Callable[[int], Any] | None] = [None] * len(keys)  # each key's value of a row, once needed

    def row(self, i: int) -> dict[str, Any]:
        """Row ``i``'s dict: the same keys in the same order, and the same values, as :meth:`every`'s."""
        s = int(self.codes[i])
        get = self._get
        return dict(zip(self.names[s], [(get[j] or self._getter(j))(i) for j in self.sigs[s]], strict=True))

    def _getter(self, j: int) -> Callable[[int], Any]:
        """Key ``j``'s value of a row (a row that has the key), made once per key."""
        c, at = self.cols[j]
        if len(self.holders[j]) == len(self.sigs):  # every row has the key: its rows in order
            pos: Any = None
        else:
            has = np.zeros(len(self.sigs), bool)  # (``np.isin(codes, holders)`` by a table of key lists)
            has[self.holders[j]] = True
            pos = np.cumsum(has.take(self.codes)) - 1  # each row's place in the column
        f: Callable[[int], Any]
        if isinstance(c, Deferred):
            one = c.one
            if at is None:
                f = one if pos is None else (lambda i: one(pos[i]))
            else:
                where: np.ndarray = at
                f = (lambda i: one(where[i])) if pos is None else (lambda i: one(where[pos[i]]))
            self._get[j] = f
            return f
        plain = c.dtype.kind != "O"  # numbers and bools: Python's own, as ``tolist`` gives them (``c.item(i)``)
        if at is None and pos is None:
            f = c.item if plain else c.__getitem__
        elif at is None:
            f = (lambda i: c.item(pos[i])) if plain else (lambda i: c[pos[i]])
        else:
            a: np.ndarray = at
            if pos is None:
                f = (lambda i: c.item(a[i])) if plain else (lambda i: c[a[i]])
            else:
                f = (lambda i: c.item(a[pos[i]])) if plain else (lambda i: c[a[pos[i]]])
        self._get[j] = f
        return f

    def every(self) -> list[dict[str, Any]]:
        """Every row's dict, in bulk: with the rows ordered by key list, each key's values are read in that
        order at once and each key list's dicts are built together (:func:`attribute_dicts`), then put
        back in row order."""
        sigs, codes, counts = self.sigs, self.codes, self.counts
        order = np.argsort(codes, kind="stable") if len(sigs) > 1 else None  # the rows by key list
        # each key's values over the rows that have it, ordered by key list (as an array and each row's
        # index into it, or None when in order), and where each list's start; for a key of a few distinct
        # immutable values (a coded column, bools), each value's code and how many codes there are
        grouped: list[tuple[np.ndarray, np.ndarray | None]] = []
        coded: list[tuple[np.ndarray, int] | None] = []
        starts: list[dict[int, int]] = []
        for (c, at), h, is_coded in zip(self.cols, self.holders, self.coded, strict=True):
            if isinstance(c, Deferred):
                c = c.array()
            if order is not None and len(h) == len(sigs):
                at = order if at is None else at[order]
            elif order is not None and len(h) > 1:
                has = np.isin(codes, h)
                pick = (np.cumsum(has) - 1)[order[has[order]]]
                at = pick if at is None else at[pick]
            grouped.append((c, at))
            if is_coded and at is not None:
                coded.append((at, len(c)))
            elif c.dtype == np.bool_:
                coded.append((c if at is None else c[at], 2))
            else:
                coded.append(None)
            starts.append(dict(zip(h, itertools.accumulate((counts[s] for s in h), initial=0), strict=False)))  # the last sum is the total
        built: list[dict[str, Any]] = []
        for s, sig in enumerate(sigs):
            m = counts[s]
            if not sig:
                built.extend({} for _ in range(m))
                continue
            first = [starts[j][s] for j in sig]
            parts: list[tuple[np.ndarray, np.ndarray | None]] = [
                (c[a : a + m], None) if at is None else (c, at[a : a + m])
                for (c, at), a in zip(map(grouped.__getitem__, sig), first, strict=True)
            ]
            few = [None if (cj := coded[j]) is None else (cj[0][a : a + m], cj[1]) for j, a in zip(sig, first, strict=True)]
            built.extend(attribute_dicts(self.names[s], parts, few))
        if order is None:
            return built
        out = np.empty(self.n, dtype=object)
        out[order] = np.fromiter(built, dtype=object, count=self.n)
        return list(out.tolist())


def multidigraph(
    G: Any,
    nodes: list[Any],
    node_rows: RowTable,
    u: np.ndarray,
    v: np.ndarray,
    keys: list[Any],
    edge_rows: RowTable,
    pred: np.ndarray,
    pred_n: np.ndarray,
) -> Any:
    """Give the empty directed multigraph ``G`` its nodes and edges as :class:`Rows` (what
    :func:`corridors.columns.directed_adjacency` builds in bulk, checked the same way: :func:`pair_layout`): a successor row
    holds the node's pairs in edge order, a predecessor row its stored entries in order, and each pair's
    key dict is made once for both. A row of several pairs and every key dict are :class:`Rows` too (their
    values made when read: a key dict's edges' dicts, each when its key is read)."""
    N, E = len(nodes), len(u)
    starts, which = pair_layout(N, u, v, pred, pred_n)
    ends = np.append(starts, E)
    P = len(starts)
    first_l, end_l = starts, ends[1:]  # (arrays: a query reads a few hundred of them)
    several = np.flatnonzero(np.diff(ends) > 1).tolist()  # the pairs of several edges: their keys distinct
    for r in several:
        a, b = int(first_l[r]), int(end_l[r])
        if len(set(keys[a:b])) != b - a:
            msg = f"duplicate edge key in {keys[a:b]!r}"
            raise CacheFormatError(msg)
    edge_of = _ByIndex(edge_rows.row)
    kds: list[dict[Any, Any] | None] = [None] * P  # each pair's key dict, once made
    made: list[int] = []  # the pairs whose key dict was made one by one, in order
    whole = False  # every pair's key dict made

    def kd(p: int) -> dict[Any, Any]:
        got = kds[p]
        if got is None:
            a, b = int(first_l[p]), int(end_l[p])
            # the edges' dicts made when read (a route check asks only whether a key is there)
            got = kds[p] = Rows(keys[a:b], edge_rows.row, edge_of.every, index=dict(zip(keys[a:b], range(a, b), strict=True)))
            made.append(p)
        return got

    def every_kd() -> list[dict[Any, Any]]:
        """Every pair's key dict: those not made yet from the edges' dicts made in bulk."""
        nonlocal whole
        if not whole:
            attrs = edge_rows.every()
            firsts = first_l.tolist()
            fresh = [{k: a} for k, a in zip(map(keys.__getitem__, firsts), map(attrs.__getitem__, firsts), strict=True)]
            for r in several:
                a, b = int(first_l[r]), int(end_l[r])
                fresh[r] = dict(zip(keys[a:b], attrs[a:b], strict=True))
            for p in made:
                fresh[p] = kds[p]  # type: ignore[assignment]
            kds[:] = fresh
            whole = True
        return kds  # type: ignore[return-value]

    node_arr = np.fromiter(nodes, dtype=object, count=N)
    to_node = node_arr[v[starts]].tolist()
    pair_off = np.concatenate([[0], np.cumsum(np.bincount(u[starts], minlength=N))]).tolist()
    from_node = node_arr[pred].tolist()
    pred_pair = which.tolist()
    pred_off = np.concatenate([[0], np.cumsum(pred_n)]).tolist()

    kd_of = _ByIndex(kd, first_l, end_l)

    def succ_row(x: int) -> dict[Any, Any]:
        a, b = pair_off[x], pair_off[x + 1]
        if b - a < 2:  # one neighbour (most nodes) or none: a plain dict, its key dict made now
            return {to_node[p]: kd(p) for p in range(a, b)}
        return Rows(to_node[a:b], kd, kd_of.every, kd_of, index=dict(zip(to_node[a:b], range(a, b), strict=True)))

    def pred_row(y: int) -> dict[Any, Any]:
        a, b = pred_off[y], pred_off[y + 1]
        if b - a < 2:
            return {from_node[j]: kd(pred_pair[j]) for j in range(a, b)}
        return Rows(from_node[a:b], kd, kd_of.every, kd_of, index=dict(zip(from_node[a:b], pred_pair[a:b], strict=True)))

    def every_succ() -> list[dict[Any, Any]]:
        return runs_of_dicts(to_node, every_kd(), np.diff(pair_off))

    def every_pred() -> list[dict[Any, Any]]:
        all_kd = every_kd()
        return runs_of_dicts(from_node, list(map(all_kd.__getitem__, pred_pair)), pred_n)

    index = dict(zip(nodes, range(N), strict=True))  # each node's position, made once and copied whole into the three
    node = Rows(nodes, node_rows.row, node_rows.every, index=index)
    if len(node) != N:
        msg = "duplicate node ids"
        raise CacheFormatError(msg)
    succ = Rows(nodes, succ_row, every_succ, np.bincount(u, minlength=N).tolist(), index=index)
    # networkx's own attributes of a directed graph (``_adj`` is ``_succ``), set as networkx sets them
    vars(G).update({"_node": node, "_succ": succ, "_adj": succ, "_pred": Rows(nodes, pred_row, every_pred, index=index)})
    return G


_NO_PAIRS = np.zeros(0, np.int64)


class _ByIndex:
    """Values by index, each made when read (``make``): the ``every`` of a :class:`Rows` whose values are
    indices until made (a successor or predecessor row's pairs, a pair's edges), so reading one of its
    keys, or all, makes only its own. :meth:`size` is a pair's edge count (given ``first`` and ``end``)."""

    __slots__ = ("_end", "_first", "_make")

    def __init__(self, make: Callable[[int], Any], first: np.ndarray = _NO_PAIRS, end: np.ndarray = _NO_PAIRS) -> None:
        self._make, self._first, self._end = make, first, end

    def __getitem__(self, i: int) -> Any:
        return self._make(i)

    def every(self) -> _ByIndex:
        return self

    def size(self, p: int) -> int:
        return int(self._end[p] - self._first[p])


def edge_count(adj: Any) -> int | None:
    """The number of edges of a multigraph whose successor rows are :class:`Rows` not all made, without
    making them (each made row counted as it is now), or None for any other adjacency."""
    if not isinstance(adj, Rows) or adj.made() or adj._sizes is None:
        return None
    sizes = adj._sizes
    return sum(sizes[x] if type(x) is int else _row_edges(x) for _, x in adj.positions())


def _row_edges(row: Any) -> int:
    """The edges of a successor row, its pairs not made yet counted without making them."""
    if isinstance(row, Rows) and isinstance(row._sizes, _ByIndex):
        pairs = row._sizes
        return sum(pairs.size(p) if type(p) is int else len(p) for _, p in row.positions())
    return sum(map(len, row.values()))
