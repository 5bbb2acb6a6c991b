"""The encoder's bulk steps give exactly what their one-value-at-a-time definitions give (so an entry's
bytes, and the network fingerprint hashed from them, do not depend on how they were computed): distinct
values and codes, the string table's numbering, geometries by first use, a multigraph's edge listing and
the JSON of the string table."""

from __future__ import annotations

import itertools
import json
import random
from typing import Any

import networkx as nx
import numpy as np
import pytest
import shapely

from corridors import codec, columns


def _fromkeys_codes(values: list[Any]) -> tuple[list[Any], list[int]]:
    """The definition: ``dict.fromkeys`` (first object of each distinct value, in order of first use) and
    each value's position among them."""
    uniq = {v: c for c, v in enumerate(dict.fromkeys(values))}
    return list(uniq), [uniq[v] for v in values]


def _random_values(rng: random.Random, n: int) -> list[Any]:
    pool: list[Any] = [None, "", "a", "b", 0, 1, 2, ("a",), ("a", 1), (), "x" * 40]
    kind = rng.randrange(4)
    if kind == 0:  # mostly distinct strings, new objects (equal, not identical)
        return ["s" + str(rng.randrange(2 * n + 1)) for _ in range(n)]
    if kind == 1:  # a few values
        return [rng.choice(pool) for _ in range(n)]
    if kind == 2:  # all distinct
        return [f"id{i}" for i in range(n)]
    return [rng.choice(pool) if rng.random() < 0.5 else "".join(rng.choice("ab") for _ in range(3)) for _ in range(n)]


@pytest.mark.parametrize("seed", range(12))
def test_factorize_is_fromkeys_and_positions(seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 (a seeded draw, not a secret)
    for n in (0, 1, 2, 5, 300, 3000):
        values = _random_values(rng, n)
        uniq, codes = columns.factorize(values)
        want_uniq, want_codes = _fromkeys_codes(values)
        assert list(uniq) == want_uniq
        assert all(a is b for a, b in zip(uniq, want_uniq, strict=True))  # the very first objects
        assert codes.dtype == np.int32
        assert codes.tolist() == want_codes


def test_string_table_numbers_each_string_at_its_first_use() -> None:
    rng = random.Random(3)  # noqa: S311 (a seeded draw, not a secret)
    e = codec._Encoder()
    table: dict[str, int] = {}
    for _ in range(30):
        values = ["t" + str(rng.randrange(rng.choice((3, 50, 5000)))) for _ in range(rng.randrange(1, 400))]
        uniq = dict.fromkeys(values)
        got = e._string_ids(uniq)
        want = [table.setdefault(v, len(table)) for v in uniq]  # the definition
        assert got.dtype == np.int32
        assert got.tolist() == want
        assert list(e.strings.items()) == list(table.items())


def test_geometries_are_numbered_by_first_use_across_columns() -> None:
    rng = random.Random(5)  # noqa: S311 (a seeded draw, not a secret)
    pool = [shapely.Point(i, i) for i in range(20)] + [shapely.LineString([(0, i), (1, i)]) for i in range(20)]
    e = codec._Encoder()
    geoms: list[Any] = []
    ids: dict[int, int] = {}
    for _ in range(10):
        values = [rng.choice(pool) for _ in range(rng.randrange(1, 60))]
        col = e.column(values)
        for v in values:  # the definition: each object once, in order of first use
            if id(v) not in ids:
                geoms.append(v)
                ids[id(v)] = len(geoms) - 1
        assert [g is h for g, h in zip(e.geoms, geoms, strict=True)] == [True] * len(geoms)
        assert e.arrays[col["geoms"]["__a"]].tolist() == [ids[id(v)] for v in values]


def _random_multigraph(cls: type[nx.Graph], seed: int) -> nx.Graph:
    rng = random.Random(seed)  # noqa: S311 (a seeded draw, not a secret)
    G = cls()
    nodes = [f"n{i}" for i in range(rng.randrange(1, 40))]
    rng.shuffle(nodes)
    G.add_nodes_from(nodes)
    for _ in range(rng.randrange(0, 120)):
        u, v = rng.choice(nodes), rng.choice(nodes)
        G.add_edge(u, v, key=rng.choice([None, 0, 1, "k", f"e{rng.randrange(1000)}"]), w=rng.random(), m=rng.choice("ab"))
    return G


@pytest.mark.parametrize(
    ("cls", "seed", "chunk"), [(c, s, k) for c in (nx.MultiDiGraph, nx.MultiGraph) for s in range(8) for k in (3, 512)]
)
def test_multigraph_edges_are_listed_as_the_adjacency_has_them(
    cls: type[nx.Graph], seed: int, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(columns, "CHUNK_ROWS", chunk)  # the adjacency read a few dicts at a time, or at once
    monkeypatch.setattr(codec, "CHUNK_ROWS", chunk)
    G = _random_multigraph(cls, seed)
    e = codec._Encoder()
    doc = e._graph(G)
    index = {n: i for i, n in enumerate(G._node)}
    edges = [(u, v, k, d) for u, nbrs in G._adj.items() for v, kd in nbrs.items() for k, d in kd.items()]  # the definition
    u, v = e.arrays[doc["u"]["__a"]], e.arrays[doc["v"]["__a"]]
    assert u.dtype == v.dtype == np.int32
    assert u.tolist() == [index[x[0]] for x in edges]
    assert v.tolist() == [index[x[1]] for x in edges]
    dec = codec._Decoder(e.arrays, np.asarray(e.geoms, dtype=object), np.fromiter(e.strings, dtype=object, count=len(e.strings)))
    keys = dec.column(json.loads(codec._dumps(doc["k"]), object_hook=dec.hook))  # its arrays put in
    assert [(type(k), k) for k in keys] == [(type(x[2]), x[2]) for x in edges]
    rows = dec._rows(json.loads(codec._dumps(doc["edge_attrs"]), object_hook=dec.hook), len(edges))
    assert [list(r.items()) for r in rows] == [list(x[3].items()) for x in edges]
    if G.is_directed():  # each node's predecessors, in the graph's order
        assert e.arrays[doc["pred"]["__a"]].tolist() == [index[p] for n in G._node for p in G._pred[n]]
        assert e.arrays[doc["pred_n"]["__a"]].tolist() == [len(G._pred[n]) for n in G._node]
        assert e.arrays[doc["pred"]["__a"]].dtype == e.arrays[doc["pred_n"]["__a"]].dtype == np.int32


def test_string_table_json_is_json_dumps() -> None:
    rng = random.Random(11)  # noqa: S311 (a seeded draw, not a secret)
    alphabet = ['"', "\\", "/", "\n", "\t", "\x00", "\x1f", "é", "€", "\U0001f30d", "\ud800", "a", " ", ",", ":"]
    for n in (0, 1, 2, 50):
        strings = list(dict.fromkeys("".join(rng.choice(alphabet) for _ in range(rng.randrange(6))) for _ in range(n)))
        literals = codec._string_literals(strings)
        assert "[" + ",".join(literals) + "]" == codec._dumps(strings)
        e = codec._Encoder()
        e.strings = dict(zip(strings, itertools.count()))
        e.arrays = [np.zeros(2)]
        for given in (None, literals):
            meta = codec._pack(e, "{}", 'k"ey', codec._wkb([]), given)[codec.META].tobytes().decode()
            want = {"format": codec.FORMAT, "version": codec.FORMAT_VERSION, "key": 'k"ey', "n_arrays": 1, "n_geoms": 0, "strings": strings}
            assert meta == json.dumps(want)


def test_number_codes_with_the_kinds_given_are_the_same() -> None:
    rng = np.random.default_rng(2)
    samples: list[list[Any]] = [
        [None, 1.5, None, 2.0, -0.0, 0.0],
        [1, 1.0, 2, 2.0, None],
        [int(x) if x > 50 else float(x) for x in rng.integers(0, 100, 3000)],
        [1.0, 2**60],  # not exact in a float64
    ]
    for values in samples:
        got, want = columns.number_codes(values, set(map(type, values))), columns.number_codes(values)
        assert (got is None) == (want is None)
        if got is not None and want is not None:
            assert got[1].tolist() == want[1].tolist()
            assert all(a is b for a, b in zip(got[0], want[0], strict=True))


def _encoded(e: codec._Encoder, values: list[Any]) -> tuple[Any, list[tuple[str, bytes]], list[str]]:
    col = e.column(values)
    return col, [(a.dtype.str, a.tobytes()) for a in e.arrays], list(e.strings)


def test_mostly_distinct_tuples_split_by_their_positions_codes_as_when_hashed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Long columns of tuples of one width told mostly distinct from their positions' codes
    (:func:`corridors.columns.distinct_positions`) encode exactly as when the tuples are hashed."""
    rng = random.Random(3)  # noqa: S311 (a seeded draw, not a secret)
    n = 2000
    refs = [(f"n{rng.randrange(300)}", f"n{rng.randrange(300)}", f"leg{i}") for i in range(n)]  # an engine's edge references
    half = [(i % (n // 2), "a") for i in range(n)]  # exactly half distinct: the tuples' own codes
    over = [(i % (n // 2 + 1), None if i % 3 else "b") for i in range(n)]
    late = [("x", 0)] * 100 + [(f"y{i}", i) for i in range(n - 100)]  # the first rows repeat, most do not
    shared = [rng.choice(refs[:600]) for _ in range(n)]  # equal tuples, other objects
    for values in (refs, half, over, late, shared, [(True, i) for i in range(n)], [(i,) for i in range(n)]):
        got = _encoded(codec._Encoder(), values)
        with monkeypatch.context() as m:
            m.setattr(codec, "distinct_positions", lambda values: None)
            want = _encoded(codec._Encoder(), values)
        assert got == want
    assert columns.distinct_positions(refs) is not None
    assert columns.distinct_positions(half) is None  # not more than half distinct
    assert columns.distinct_positions(over) is not None
    assert columns.distinct_positions([(True, i) for i in range(n)]) is None  # a bool: not its own key


def test_number_codes_tell_none_from_a_nan_float() -> None:
    nan = float("nan")
    for values in ([None, nan, 1.0, None, nan, 1.0], [nan, None], [None, None, 2.0], [0.5, nan, nan]):
        got = columns.number_codes(values, set(map(type, values)))
        assert got is not None
        keys = [(type(v), repr(v)) for v in values]  # the definition (as _atom_key has it)
        want = {k: c for c, k in enumerate(dict.fromkeys(keys))}
        assert got[1].tolist() == [want[k] for k in keys]
        assert [(type(v), repr(v)) for v in got[0]] == list(want)


@pytest.mark.parametrize(("seed", "chunk"), [(s, c) for s in range(6) for c in (1, 7, columns.CHUNK_ROWS)])
def test_row_columns_are_each_keys_values_in_row_order(seed: int, chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columns, "CHUNK_ROWS", chunk)
    rng = random.Random(seed)  # noqa: S311 (a seeded draw, not a secret)
    orders = [rng.sample("abcdefg", rng.randrange(0, 6)) for _ in range(rng.randrange(1, 6))]
    rows = [
        {k: (k, i) if rng.random() < 0.5 else rng.choice([None, 1.5, "x"]) for k in rng.choice(orders)}
        for i in range(rng.randrange(0, 1500))
    ]
    sigs, codes, values = columns.row_columns(rows)
    want_sigs = list(dict.fromkeys(map(tuple, rows)))  # the definition
    assert sigs == want_sigs
    assert codes.dtype == np.int32
    assert codes.tolist() == [want_sigs.index(tuple(r)) for r in rows]
    assert sorted(values) == sorted({k for r in rows for k in r})
    for k, got in values.items():
        want = [r[k] for r in rows if k in r]
        assert len(got) == len(want)
        assert all(a is b for a, b in zip(got, want, strict=True))
