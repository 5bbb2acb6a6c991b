"""The cache encoder's quick paths give exactly the tree its general rules give (the entry bytes of a
first run do not depend on which path encoded them)."""

from __future__ import annotations

import enum
import itertools
from typing import Any

import numpy as np

from corridors import codec
from corridors.columns import number_codes


class _Name(enum.StrEnum):
    A = "a"


def _general(e: codec._Encoder, x: Any) -> Any:
    """The tree of the general rules for lists and dicts (each item or value encoded on its own)."""
    if type(x) is list and len(x) < 32:
        return [e.enc(i) for i in x]
    if type(x) is dict and all(isinstance(k, str) and not k.startswith("__") for k in x):
        return {k: e.enc(v) for k, v in x.items()}
    return e.enc(x)


SAMPLES: list[Any] = [
    {},
    {"a": [1, 2], "b": [], "c": ["x", None, 2.5, -0.0]},  # short lists of atoms
    {"a": [1, (2, 3)], "b": [True]},  # a tuple, a bool: not atoms unchanged
    {"a": list(range(32)), "b": [1]},  # a long list: a column
    {"a": 1, "b": "s", "c": None, "d": 1.5},
    {"a": [1], "__b": [2]},  # a reserved name
    {_Name.A: [1], "b": [2]},  # a str subclass as a name
    {1: [1]},
    [1, "a", None, 2.0],
    [1, True],
    [[1], [2, "x"]],
    list(range(31)),
]


def test_quick_paths_give_the_general_tree() -> None:
    for x in SAMPLES:
        assert codec._Encoder().enc(x) == _general(codec._Encoder(), x), x


def test_plain_names_and_plain_keys() -> None:
    for d in ({}, {"a": 1}, {"__a": 1}, {_Name.A: 1}, {1: 2}, {"a": 1, 2: 3}):
        assert codec._plain_names(d) == all(isinstance(k, str) and not k.startswith("__") for k in d)
    cases: list[list[Any]] = [
        [("a", 1), ("b", None)],
        [("a", 1.5)],
        [("a", ("b",))],
        [("a", True)],
        ["a", ("b", 1), None],
        ["a", ("b", 1.0)],
        [(), ("x",)],
    ]
    for values in cases:
        kinds = set(map(type, values))
        plain = kinds <= codec._PLAIN | {tuple} and all(type(i) in codec._PLAIN for v in values if type(v) is tuple for i in v)
        assert codec._plain_keys(kinds, values) == plain, values


def test_graph_rows_of_several_key_lists_round_trip() -> None:
    import networkx as nx

    G = nx.MultiDiGraph()
    for i in range(40):
        G.add_edge(f"n{i}", f"n{i + 1}", key=str(i), a=i, b=float(i))
    for i, (u, v, k) in enumerate(itertools.islice(G.edges(keys=True), 0, 40, 3)):
        G.edges[u, v, k]["c"] = f"x{i}"  # a key on some rows only
        G.edges[u, v, k].pop("a")
    arrays = codec.encode(G, "k")
    back = codec.decode({k: np.asarray(v) for k, v in arrays.items()}, "k")
    assert list(back.edges(keys=True, data=True)) == list(G.edges(keys=True, data=True))
    assert [list(d) for *_, d in back.edges(keys=True, data=True)] == [list(d) for *_, d in G.edges(keys=True, data=True)]


def _atom_codes(values: list[Any]) -> tuple[list[Any], list[int]]:
    """The dictionary way: each value's _atom_key, codes in order of first use, each code's first value."""
    keys = [codec._atom_key(v) for v in values]
    uniq: dict[Any, int] = {}
    first: list[Any] = []
    for k, v in zip(keys, values, strict=True):
        if k not in uniq:
            uniq[k] = len(uniq)
            first.append(v)
    return first, [uniq[k] for k in keys]


def test_number_codes_are_the_atom_keys() -> None:
    import math
    import struct

    other_nan = struct.unpack("d", struct.pack("Q", 0x7FF8000000000001))[0]
    columns: list[list[Any]] = [
        [None, 1.5, None, 2.0, 1.5, -0.0, 0.0, 0.0, -0.0],
        [1, 1.0, 2, 2.0, 1, None, True and 3, 3.0],
        [math.nan, other_nan, -math.nan, 1.0, math.nan, math.inf, -math.inf, math.inf],
        [2**53, -(2**53), 2**53 - 1, 0.1, 0.1 + 0.2, 0.3],
        [None] * 5,
        [0.5],
    ]
    rng = np.random.default_rng(7)
    columns.append([None if x < 0.3 else float(round(x * 20)) / 4 for x in rng.random(5000)])
    columns.append([int(x) if x > 50 else float(x) for x in rng.integers(0, 100, 5000)])
    for values in columns:
        got = number_codes(values)
        assert got is not None
        first, codes = _atom_codes(values)
        assert got[1].dtype == np.int32
        assert got[1].tolist() == codes
        assert [codec._atom_key(v) for v in got[0]] == [codec._atom_key(v) for v in first]
        assert all(a is b or (a == b and type(a) is type(b)) or (a != a and b != b) for a, b in zip(got[0], first, strict=True))
    assert number_codes([1.0, 2**60]) is None  # not exact in a float64: the dictionary way
