"""How the cache format (:mod:`corridors.codec`) builds a graph from its columns in bulk: the attribute
dicts of a key list (copies of a few templates with each row's own values put in), a directed graph's
successor and predecessor dicts; and how it codes a column: its distinct values and each value's code
(:func:`factorize`, :func:`number_codes`) in the narrowest type that holds them. Plain data in, plain
dicts out: nothing here runs code named by an entry."""

from __future__ import annotations

import collections
import contextlib
import gc
import itertools
import operator
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np


class CacheFormatError(ValueError):
    """An entry that cannot be encoded or decoded (never raised to callers of :func:`corridors.cache.load`
    or :func:`~corridors.cache.save`)."""


def narrow(codes: np.ndarray, n: int) -> np.ndarray:
    """Indices into ``n`` items in the narrowest unsigned type that holds them (most columns have a few
    distinct values: a byte per row, not four, to read from an entry and check)."""
    for t in (np.uint8, np.uint16):
        if n <= np.iinfo(t).max + 1:
            return codes.astype(t)
    return codes


#: the bits of the NaN every NaN is read as (one key for them all, as ``repr`` has it)
NAN_BITS = int(np.array([np.nan]).view(np.int64)[0])
_NAN = float("nan")


def number_codes(values: Sequence[Any], kinds: set[type] | None = None) -> tuple[list[Any], np.ndarray] | None:
    """For a column of None, ints and floats: the first value of each distinct key (its type and value, as
    :mod:`corridors.codec` tells values apart) and each value's code, in order of first use, as a
    dictionary of those keys gives them, found by one lexsort of (type, float64 bits): -0.0 and 0.0 stay
    apart, every NaN is one key (as ``repr`` has it), an int and an equal float apart. None when an int
    is too large for a float64 to hold exactly. ``kinds``: the values' types, if known."""
    n = len(values)
    kinds = set(map(type, values)) if kinds is None else kinds
    ints = [v for v in values if type(v) is int] if int in kinds else []
    if ints and not -(2**53) <= min(ints) <= max(ints) <= 2**53:
        return None
    nums = np.array([_NAN if v is None else v for v in values], dtype=np.float64)  # None as a NaN (of its own kind)
    nan = np.isnan(nums)
    if int in kinds or (type(None) in kinds and operator.countOf(values, None) != int(nan.sum())):
        kind = np.fromiter(map({type(None): 0, int: 1, float: 2}.__getitem__, map(type, values)), dtype=np.int64, count=n)
    else:  # floats and None, no float a NaN (if there is a None): the NaNs are the Nones, each value's kind at once
        kind = np.where(nan, 0, 2) if type(None) in kinds else np.full(n, 2, np.int64)
    bits = nums.view(np.int64).copy()
    bits[nan] = NAN_BITS
    order = np.lexsort((bits, kind))  # stable: each run of equal keys starts at its first use
    k, b = kind[order], bits[order]
    new = np.ones(n, bool)
    new[1:] = (k[1:] != k[:-1]) | (b[1:] != b[:-1])
    group = np.cumsum(new) - 1  # each sorted value's key, in sorted order
    firsts = order[new]  # each key's first use
    rank = np.empty(len(firsts), np.int64)
    rank[np.argsort(firsts, kind="stable")] = np.arange(len(firsts))
    codes = np.empty(n, np.int32)
    codes[order] = rank[group]
    return [values[i] for i in np.sort(firsts).tolist()], codes


def factorize(values: Sequence[Any]) -> tuple[dict[Any, Any], np.ndarray]:
    """The distinct values in order of first use (as the keys of a dict, each the first object that
    had it, as ``dict.fromkeys(values)`` keeps them) and each value's position among them, from one
    pass over the values: ``setdefault`` gives each value the row of its first use, numbered densely
    after."""
    first: dict[Any, Any] = {}
    at = np.fromiter(map(first.setdefault, values, itertools.count()), dtype=np.int64, count=len(values))
    if len(first) == len(values):  # all distinct: each value is its own first use
        return first, np.arange(len(values), dtype=np.int32)
    rank = np.empty(len(values), dtype=np.int32)
    rank[np.fromiter(first.values(), dtype=np.int64, count=len(first))] = np.arange(len(first), dtype=np.int32)
    return first, rank[at]


def distinct_positions(
    values: Sequence[Any],
) -> tuple[list[tuple[Any, ...]], list[set[type]], list[tuple[dict[Any, Any], np.ndarray]]] | None:
    """For a long column of tuples of one width, of strings, ints and None only, more than half of them
    distinct (an engine's 35,192 edge references, all distinct): its positions as columns, each one's
    types and each one's :func:`factorize`. The tuples are told apart by their positions' codes (equal
    tuples are equal at each position), none hashed. None for any other column."""
    n = len(values)
    if n < 1024 or len(set(values[:64])) < 32 or len(widths := set(map(len, values))) != 1 or widths == {0}:
        return None  # (the first rows repeat: most likely not mostly distinct, left to the tuples' own factorize)
    cols = list(zip(*values, strict=True))
    kinds = [set(map(type, c)) for c in cols]
    if set().union(*kinds) - {str, int, type(None)}:
        return None
    facts = [factorize(c) for c in cols]
    combo, size = np.zeros(n, np.int64), 1
    for uniq, codes in facts:  # each tuple's codes as one number (mixed radix)
        if size * len(uniq) >= 1 << 62:
            return None
        combo = combo * len(uniq) + codes
        size *= len(uniq)
    combo.sort()
    return (cols, kinds, facts) if 2 * (1 + int(np.count_nonzero(combo[1:] != combo[:-1]))) > n else None


#: rows read at a time by :func:`row_columns` (their dicts, ~0.4 MB for a network's legs, stay in the CPU's
#: cache from reading their keys to reading their values)
CHUNK_ROWS = 512


def row_columns(rows: list[dict[Any, Any]]) -> tuple[list[tuple[Any, ...]], np.ndarray, dict[Any, list[Any]]]:
    """The distinct key lists of ``rows`` (each row's keys in its order; equal lists once, as the keys of
    ``dict.fromkeys`` keep them), each row's key list (``int32``: its position among them), and each
    key's values over the rows that have it, in row order. Read :data:`CHUNK_ROWS` rows at a time: a
    chunk's key lists, then its values a key list at a time (``zip(*map(dict.values, ...))``), while its
    dicts are still in the CPU's cache (a network's 35,192 legs: twice as quick as a pass over them all
    for their keys, then one for their values); the parts of a key are merged in row order."""
    first: dict[tuple[Any, ...], int] = {}  # each key list's first row, in order of first use
    at_first = np.empty(len(rows), np.int64)  # each row's key list, by its first row
    parts: dict[Any, list[tuple[np.ndarray, tuple[Any, ...]]]] = {}
    for a in range(0, len(rows), CHUNK_ROWS):
        chunk = rows[a : a + CHUNK_ROWS]
        sigs = list(map(tuple, chunk))
        here = at_first[a : a + len(chunk)] = np.fromiter(map(first.setdefault, sigs, itertools.count(a)), np.int64, count=len(chunk))
        for f in sorted(set(here.tolist())):  # the chunk's rows of each key list (np.unique's first call imports numpy.ma)
            at = np.flatnonzero(here == f)
            these = chunk if len(at) == len(chunk) else list(map(chunk.__getitem__, at.tolist()))
            at += a  # the rows', one array for all of their keys (so keys of the same parts share one order)
            for k, col in zip(sigs[int(at[0]) - a], zip(*map(dict.values, these), strict=True), strict=True):
                parts.setdefault(k, []).append((at, col))
    rank = np.empty(len(rows), np.int32)
    rank[np.fromiter(first.values(), np.int64, count=len(first))] = np.arange(len(first), dtype=np.int32)
    values: dict[Any, list[Any]] = {}
    orders: dict[tuple[int, ...], np.ndarray | None] = {}  # keys of the same parts are merged in one order
    for k, got in parts.items():
        which = tuple(id(a) for a, _ in got)
        if which not in orders:
            at = np.concatenate([a for a, _ in got])
            orders[which] = None if bool(np.all(at[1:] > at[:-1])) else np.argsort(at, kind="stable")
        order = orders[which]
        if order is None:  # the parts in row order already
            values[k] = list(itertools.chain.from_iterable(col for _, col in got))
        else:
            values[k] = np.fromiter(itertools.chain.from_iterable(col for _, col in got), dtype=object, count=len(order))[order].tolist()
    return list(first), rank[at_first], values


def multigraph_edges(adj: dict[Any, dict[Any, dict[Any, Any]]]) -> tuple[np.ndarray, list[Any], np.ndarray, list[Any], list[Any]]:
    """A multigraph's adjacency (``G._adj``) read in the order its edges are listed (node by node,
    neighbour by neighbour, key by key): each node's neighbour count (``int64``), the neighbours one
    after another, each (u, v) pair's edge count (``int64``), the edge keys and the attribute dicts.
    Read :data:`CHUNK_ROWS` dicts at a time, each read thrice while in the CPU's cache (a network's
    35,192 legs: ~35 ms, not ~55, on a first run)."""
    n_nbrs: list[int] = []
    nbrs: list[Any] = []
    kds: list[dict[Any, Any]] = []  # each (u, v) pair's key dict
    nbr_dicts = list(adj.values())
    for a in range(0, len(nbr_dicts), CHUNK_ROWS):
        part = nbr_dicts[a : a + CHUNK_ROWS]
        n_nbrs += map(len, part)
        nbrs += itertools.chain.from_iterable(part)
        kds += itertools.chain.from_iterable(map(dict.values, part))
    per_pair: list[int] = []
    keys: list[Any] = []
    rows: list[Any] = []
    for a in range(0, len(kds), CHUNK_ROWS):
        some = kds[a : a + CHUNK_ROWS]
        per_pair += map(len, some)
        keys += itertools.chain.from_iterable(some)
        rows += itertools.chain.from_iterable(map(dict.values, some))
    return np.array(n_nbrs, dtype=np.int64), nbrs, np.array(per_pair, dtype=np.int64), keys, rows


#: a key list's rows from which :func:`attribute_dicts` copies templates (fewer: one map of ``dict(zip(...))``)
TEMPLATE_ROWS = 64


def index_array(a: Any, n: int) -> np.ndarray:
    """``a`` as an integer index array into a list of ``n`` items (raises if any is out of range)."""
    if not isinstance(a, np.ndarray) or a.ndim != 1 or a.dtype.kind not in "iu":
        msg = "an index column that is not a 1-d integer array"
        raise CacheFormatError(msg)
    if len(a) and (int(a.min()) < 0 or int(a.max()) >= n):
        msg = "an index out of range"
        raise CacheFormatError(msg)
    return a


def column_values(part: tuple[np.ndarray, np.ndarray | None], rows: np.ndarray | None = None) -> list[Any]:
    """The values of a column part (an array and each row's index into it, or None when in order), of
    all its rows or of ``rows``."""
    base, at = part
    if rows is not None:
        at = rows if at is None else at[rows]
    return list((base if at is None else base[at]).tolist())


def attribute_dicts(
    names: tuple[str, ...], parts: list[tuple[np.ndarray, np.ndarray | None]], few: list[tuple[np.ndarray, int] | None]
) -> list[dict[str, Any]]:
    """The dicts ``dict(zip(names, row))`` of the rows of ``parts`` (one column part per name, see
    :func:`column_values`), in bulk. ``few`` has, for the names whose values are a few distinct immutable
    objects, each row's code for its value (two rows with one code hold the very same object) and how
    many codes there are. Rows that agree on those names are copies of one dict (the first such row's)
    with the other names' values put in: copying a dict is a quick copy of its table, and the values of
    most names (a network's modes, sources, notes, countries) are then never read row by row, nor set
    one by one. Every dict has the names in their order and the values (the very objects)
    ``dict(zip(names, row))`` gives."""
    m = (len(parts[0][0]) if parts[0][1] is None else len(parts[0][1])) if parts else 0
    # the names of few values go into the templates, fewest values first, as long as the rows' codes
    # over them fit one int64 (a mixed-radix number of the codes)
    cand = sorted((card, p) for p, f in enumerate(few) if f is not None and (card := f[1]) <= max(2, m // 8))
    combo = np.zeros(m if m >= TEMPLATE_ROWS and cand else 0, np.int64)
    size, fixed = 1, set()
    for card, p in cand if len(combo) else ():
        if card > 1:
            if size * card >= 1 << 62:
                break
            combo *= card
            combo += few[p][0]  # type: ignore[index]
            size *= card
        fixed.add(p)
    firsts, which = np.unique(combo, return_index=True, return_inverse=True)[1:] if len(combo) else (combo, combo)
    if not len(combo) or 2 * len(firsts) > m:  # few rows, or nearly every row on its own: copying would only add work
        return list(map(dict, map(zip, itertools.repeat(names), zip(*map(column_values, parts), strict=True))))
    templates = list(map(dict, map(zip, itertools.repeat(names), zip(*(column_values(part, firsts) for part in parts), strict=True))))
    out = list(map(dict.copy, np.fromiter(templates, dtype=object, count=len(templates))[which.reshape(-1)].tolist()))
    rest = [p for p in range(len(names)) if p not in fixed]
    if rest:  # each copy's own values of the other names, in place (the names are there: their order stays)
        others = tuple(names[p] for p in rest)
        collections.deque(
            map(dict.update, out, map(zip, itertools.repeat(others), zip(*(column_values(parts[p]) for p in rest), strict=True))), maxlen=0
        )
    return out


def runs_of_dicts(keys: list[Any], values: list[Any], counts: np.ndarray) -> list[dict[Any, Any]]:
    """Dicts of consecutive runs of ``counts`` (key, value) pairs (each run read from one shared
    iterator, without a Python loop)."""
    return list(map(dict, map(itertools.islice, itertools.repeat(zip(keys, values, strict=True)), counts.tolist())))


def pair_layout(N: int, u: np.ndarray, v: np.ndarray, pred: np.ndarray, pred_n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each (u, v) pair of a directed graph's edge columns starts (its first edge), and the pair of
    each stored predecessor entry, checked: the edges come in the adjacency's order (each node's
    out-edges together, in node order, the edges of one pair together), and each predecessor entry
    (x before y) is one pair (x, y), each pair once (so ``pred[y][x] is succ[x][y]`` for every edge, as
    networkx has it): the entries sorted are the pairs sorted."""
    E = len(u)
    if len(pred_n) != N or int(pred_n.sum()) != len(pred):
        msg = "predecessor lists do not match the nodes"
        raise CacheFormatError(msg)
    code = u.astype(np.int64) * N + v  # one number per (u, v) pair
    first = np.ones(E, bool)
    first[1:] = code[1:] != code[:-1]
    starts = np.flatnonzero(first)  # each pair's first edge
    order = np.argsort(code[starts])
    pairs = code[starts][order]  # sorted
    want = pred.astype(np.int64) * N + np.repeat(np.arange(N, dtype=np.int64), pred_n)
    got = np.argsort(want)
    if E and np.any(u[1:] < u[:-1]):
        msg = "edges not in the order of the adjacency"
        raise CacheFormatError(msg)
    if len(want) != len(pairs) or np.any(pairs != want[got]) or np.any(pairs[1:] == pairs[:-1]):
        msg = "predecessor lists do not match the edges"
        raise CacheFormatError(msg)
    which = np.empty(len(pairs), np.int64)
    which[got] = order  # each predecessor entry's pair
    return starts, which


def directed_adjacency(
    G: Any, nodes: list[Any], u: np.ndarray, v: np.ndarray, keys: list[Any], attrs: list[Any], pred: np.ndarray, pred_n: np.ndarray
) -> None:
    """The successor and predecessor dicts of a directed graph from its edge columns, in bulk: the
    edges come in the adjacency's order (each node's out-edges together, in node order, the edges of
    one pair together), so each pair's key dict, each node's successors and each node's predecessors
    (in their stored order, matched to their pairs by sorting) are built by C-level maps."""
    N, E = len(nodes), len(u)
    starts, which = pair_layout(N, u, v, pred, pred_n)
    kds: list[Any] = attrs
    if G.is_multigraph():  # each pair's key dict: one edge (nearly all), then the pairs of several
        ends = np.append(starts, E)
        kds = [{k: a} for k, a in zip(map(keys.__getitem__, starts.tolist()), map(attrs.__getitem__, starts.tolist()), strict=True)]
        for r in np.flatnonzero(np.diff(ends) > 1).tolist():
            a, b = int(ends[r]), int(ends[r + 1])
            kds[r] = dict(zip(keys[a:b], attrs[a:b], strict=True))
            if len(kds[r]) != b - a:
                msg = f"duplicate edge key in {keys[a:b]!r}"
                raise CacheFormatError(msg)
    node_arr = np.fromiter(nodes, dtype=object, count=N)
    G._adj.update(zip(nodes, runs_of_dicts(node_arr[v[starts]].tolist(), kds, np.bincount(u[starts], minlength=N)), strict=True))
    kd_arr = np.fromiter(kds, dtype=object, count=len(kds))
    preds = runs_of_dicts(node_arr[pred].tolist(), kd_arr[which].tolist(), pred_n)
    G._pred.update(zip(nodes, preds, strict=True))


# ----------------------------------------------------------------------------- bulk builds and the collector
@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside: for code that makes hundreds of thousands of objects that
    stay alive (a graph built or decoded, a cache entry encoded), where the collector's passes over the
    growing heap cost a quarter of the time and free nothing. What was made inside then counts as old
    (:func:`age_young_objects`), so the first collection after is not a pass over all of it either."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            age_young_objects()
            gc.enable()


#: young objects (counted by the collector) from which :func:`age_young_objects` moves them: fewer are
#: walked by a young collection in well under a millisecond
AGE_FROM = 20_000


def age_young_objects() -> None:
    """Move every object the collector tracks into its oldest generation without a pass over them, as
    if they had survived the young collections (those that are garbage go at the next full one): after
    hundreds of thousands of objects were made with the collector off, its next young collection would
    otherwise walk them all (15-20 ms) to free nothing. Done only when there are more than
    :data:`AGE_FROM` and nothing is frozen (``gc.freeze`` and ``gc.unfreeze`` do it, and unfreezing
    would also release what a caller froze; counting the frozen objects walks them, so it comes last)."""
    if gc.get_count()[0] > AGE_FROM and not gc.get_freeze_count():
        gc.freeze()
        gc.unfreeze()
