"""Format 4's columns: every distinct string of an entry's string columns once in one table (read once
per entry, not once per column), long dicts with string keys as a column of keys and one of values,
and lists of lists as one column of their items with each list's length. Values read back are equal,
of the same types, in the same order, and no list is shared; corrupt columns are refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from corridors import cache, codec


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("CORRIDORS_CACHE_DIR", str(d))
    return d


def _same(a: Any, b: Any) -> None:
    assert type(a) is type(b), (a, b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, list | tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
    elif isinstance(a, float):
        assert repr(a) == repr(b)
    else:
        assert a == b


def _round_trip(obj: Any) -> Any:
    arrays = codec.encode(obj, "k")
    return codec.decode({k: np.asarray(v) for k, v in arrays.items()}, "k")


NODES = [f"node:{i}" for i in range(50)]
VALUES: dict[str, Any] = {
    "index": {n: i for i, n in enumerate(NODES)},  # a long dict of ints
    "states": {n: [2 * i, 2 * i + 1] if i % 5 else [] for i, n in enumerate(NODES)},  # of lists of ints
    "places": {f"name {i}": [NODES[i], NODES[(i * 7) % 50]][: 1 + i % 2] for i in range(40)},  # of lists of strings
    "nodes": list(NODES),  # the same strings again
    "odd": ['a"b', "c\\d", "\x00", "é ✓", "", "}{"] * 6,  # strings JSON escapes
    "mixed": {f"k{i}": [None, 1, 2.5, "s", True, (1, "x"), [1, [2]], {"a": 1}][i % 8] for i in range(64)},
    "lists": [[i, str(i), [i] * (i % 3), (i,), None, 1.5] for i in range(40)],  # lists of lists, nested
    "ints": [[10**30, -1]] * 3 + [[i] for i in range(40)],  # an int too large for an int64
    "short": {n: i for i, n in enumerate(NODES[:31])},  # a short dict: a JSON object as before
    "other keys": {(i, "t"): i for i in range(40)},  # keys that are not strings
}


def test_columns_round_trip_exactly() -> None:
    back = _round_trip(VALUES)
    _same(VALUES, back)


def test_each_string_is_stored_once_per_entry() -> None:
    arrays = codec.encode({k: v for k, v in VALUES.items() if k != "short"}, "k")
    head = json.loads(arrays[codec.META].tobytes())
    strings = head["strings"]
    assert len(strings) == len(set(strings))
    assert set(NODES) <= set(strings)
    tree = arrays[codec.TREE].tobytes().decode()
    assert '"node:7"' not in tree  # the node ids are in the table only, not in the document


def test_lists_read_back_are_not_shared() -> None:
    obj = {"a": [[1, 2]] * 40, "d": {f"k{i}": ["x"] for i in range(40)}}
    back = _round_trip(obj)
    assert len({id(x) for x in back["a"]}) == 40
    back["a"][0].append(3)
    assert back["a"][1] == [1, 2]
    assert len({id(x) for x in back["d"].values()}) == 40


def test_corrupt_columns_are_refused() -> None:
    dec = codec._Decoder(
        [np.array([0, 1], np.int32), np.array([0, 0], np.int32), np.array([1, 2], np.int64)],
        np.zeros(0, dtype=object),
        np.array(["a", "b"], dtype=object),
    )
    # keys repeated
    with pytest.raises(codec.CacheFormatError):
        dec.hook({"__dk": {"uniq_s": dec.arrays[1], "codes": dec.arrays[0]}, "__dv": {"i8": np.array([1, 2])}})
    # keys that are not strings
    with pytest.raises(codec.CacheFormatError):
        dec.hook({"__dk": {"i8": np.array([1, 2])}, "__dv": {"i8": np.array([1, 2])}})
    # a string number out of the table
    with pytest.raises(codec.CacheFormatError):
        dec.column({"uniq_s": np.array([5], np.int32), "codes": np.array([0], np.int32)})
    # list lengths that do not add up to the items
    with pytest.raises(codec.CacheFormatError):
        dec.column({"rag": {"i8": np.array([1, 2, 3])}, "n": np.array([1, 1], np.int64)})
    with pytest.raises(codec.CacheFormatError):
        dec.column({"rag": {"i8": np.array([1, 2, 3])}, "n": np.array([4, -1], np.int64)})
    assert dec.column({"rag": {"i8": np.array([1, 2, 3])}, "n": np.array([1, 0, 2], np.int64)}) == [[1], [], [2, 3]]


def test_an_entry_with_a_bad_string_table_is_rebuilt(own_cache: Path) -> None:
    cache.save("test", "s" * 64, VALUES)
    assert cache.load("test", "s" * 64) == VALUES
    path = next(own_cache.glob("test-*.npz"))
    with np.load(path) as data:
        members = {k: data[k] for k in data.files}
    head = json.loads(members[codec.META].tobytes())
    strings = head["strings"]
    not_str = [1 if s == 'a"b' else s for s in strings]  # a string of a list (not a key) as a number
    for bad in (strings[:-1], not_str, None):
        members[codec.META] = np.frombuffer(json.dumps(dict(head, strings=bad)).encode(), dtype=np.uint8)
        with path.open("wb") as fh:
            np.savez(fh, **members)
        assert cache.load("test", "s" * 64) is None


@pytest.mark.parametrize(("distinct", "dtype"), [(3, np.uint8), (256, np.uint8), (257, np.uint16), (65536, np.uint16), (65537, np.int32)])
def test_codes_are_stored_in_the_narrowest_type(distinct: int, dtype: type) -> None:
    values = [f"v{i % distinct}" for i in range(max(distinct, 600))]
    e = codec._Encoder()
    col = e.column(values)
    assert e.arrays[col["codes"]["__a"]].dtype == dtype
    assert _round_trip({"values": values})["values"] == values
