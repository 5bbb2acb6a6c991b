"""Attribute dicts decoded in bulk (:func:`corridors.columns.attribute_dicts`): rows that agree on their
columns of few values are copies of one template with their own values put in, and each is the very dict
``dict(zip(names, row))`` gives: same keys in the same order, the same value objects, and no dict
(nor any mutable value) shared between rows."""

from __future__ import annotations

import itertools
import random
from typing import Any

import networkx as nx
import numpy as np
import pytest

from corridors import columns

from .test_codec_graph import _round_trip, assert_identical


def _reference(names: tuple[str, ...], parts: list[list[Any]]) -> list[dict[str, Any]]:
    return list(map(dict, map(zip, itertools.repeat(names), zip(*parts, strict=True))))


def _parts(parts: list[list[Any]], rnd: random.Random | None = None) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """The lists as column parts: the values in order, or (with ``rnd``) some as an array of them
    shuffled and each row's index into it."""
    out: list[tuple[np.ndarray, np.ndarray | None]] = []
    for part in parts:
        arr = np.empty(len(part), dtype=object)
        arr[:] = part
        if rnd is not None and rnd.random() < 0.5:
            perm = np.array(rnd.sample(range(len(part)), len(part)), np.int64)
            base = np.empty(len(part), dtype=object)
            base[perm] = arr
            out.append((base, perm))
        else:
            out.append((arr, None))
    return out


def _coded(rnd: random.Random, m: int, card: int) -> tuple[list[Any], tuple[np.ndarray, int]]:
    """A column of ``card`` distinct immutable values (each row holds one of those very objects)."""
    uniq = [("v", i) if i % 2 else f"value {i}" for i in range(card)]
    codes = np.array([rnd.randrange(card) for _ in range(m)], np.int64)
    return [uniq[c] for c in codes.tolist()], (codes, card)


@pytest.mark.parametrize("seed", range(6))
def test_built_rows_are_the_plain_dicts(seed: int) -> None:
    rnd = random.Random(seed)  # noqa: S311 (a seeded draw, not a secret)
    m = rnd.choice([columns.TEMPLATE_ROWS, 300, 2000])
    names = tuple(rnd.sample([f"k{i}" for i in range(12)], rnd.randint(1, 12)))
    parts: list[list[Any]] = []
    few: list[tuple[np.ndarray, int] | None] = []
    for _ in names:
        kind = rnd.choice(["coded", "coded", "bool", "float", "list", "one"])
        if kind == "coded":
            col, f = _coded(rnd, m, rnd.choice([2, 3, 7, 40, m]))
            parts.append(col)
            few.append(f)
        elif kind == "one":
            col, f = _coded(rnd, m, 1)
            parts.append(col)
            few.append(f)
        elif kind == "bool":
            b = np.array([rnd.random() < 0.5 for _ in range(m)])
            parts.append(b.tolist())
            few.append((b, 2))
        elif kind == "float":
            parts.append([rnd.random() for _ in range(m)])
            few.append(None)
        else:  # a mutable value of each row's own
            parts.append([[i, rnd.random()] for i in range(m)])
            few.append(None)
    got = columns.attribute_dicts(names, _parts(parts, rnd), few)
    want = _reference(names, parts)
    assert len(got) == len(want) == m
    assert len({id(d) for d in got}) == m  # no dict shared between rows
    for g, w in zip(got, want, strict=True):
        assert type(g) is dict
        assert list(g) == list(w)
        assert all(g[k] is w[k] for k in w)  # the very objects


def test_copied_rows_are_independent() -> None:
    names = ("mode", "w")
    parts: list[list[Any]] = [["sea"] * 100, [float(i) for i in range(100)]]
    few = [(np.zeros(100, np.int64), 1), None]
    got = columns.attribute_dicts(names, _parts(parts), few)
    got[0]["mode"] = "rail"
    got[1]["extra"] = 1
    assert [d["mode"] for d in got[1:]] == ["sea"] * 99
    assert all(list(d) == ["mode", "w"] for d in got[2:])
    assert [d["w"] for d in got] == [float(i) for i in range(100)]


def _big_graph(seed: int) -> nx.MultiDiGraph:
    """Thousands of legs of a few attribute key lists, most values of a few kinds (modes, notes,
    countries as tuples, bools), some of each leg's own (lengths, ids, lists)."""
    rnd = random.Random(seed)  # noqa: S311 (a seeded draw, not a secret)
    G = nx.MultiDiGraph(crs="EPSG:4326")
    nodes = [f"n{i}" for i in range(300)]
    for i, n in enumerate(nodes):
        G.add_node(n, name=f"N{i % 7}", kind=rnd.choice(["port", "junction"]), x=rnd.random(), aliases=[f"a{i}"])
    for i in range(3000):
        u, v = rnd.choice(nodes), rnd.choice(nodes)
        attrs: dict[str, Any] = {
            "id": f"leg{i}",
            "mode": rnd.choice(["sea", "rail", "road", "ferry"]),
            "status": rnd.choice(["operational", "planned"]),
            "length_km": rnd.random() * 100,
            "countries": rnd.choice([("RUS",), ("RUS", "KAZ"), ()]),
            "reverse": rnd.random() < 0.5,
            "note": rnd.choice([None, "note a", "note b", 3, 2.5]),
            "stops": [rnd.randrange(5)],
        }
        if i % 3 == 0:  # another key list, in another order
            attrs = dict(reversed(list(attrs.items())))
        G.add_edge(u, v, key=f"leg{i}", **attrs)
    return G


@pytest.mark.parametrize("seed", range(3))
def test_large_graphs_read_back_identical(seed: int) -> None:
    G = _big_graph(seed)
    H = _round_trip(G)
    assert_identical(G, H)
    dicts = [d for _, _, d in H.edges(data=True)]
    assert len({id(d) for d in dicts}) == len(dicts)
    assert len({id(d["stops"]) for d in dicts}) == len(dicts)  # mutable values never shared
    assert len({id(d) for _, d in H.nodes(data=True)}) == H.number_of_nodes()
    assert len({id(d["aliases"]) for _, d in H.nodes(data=True)}) == H.number_of_nodes()
