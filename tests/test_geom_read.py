"""A network read row by row (corridors.lazyrows) decodes a row's geometry and makes its lists when the row is
made, not when the entry is read: the same objects as the bulk read (shared geometries still shared), and an
entry whose WKB would not decode is refused when it is read, exactly as in bulk (never later, mid-query)."""

from __future__ import annotations

import struct
from typing import Any

import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiLineString, Point, Polygon

from corridors import codec, lazyrows
from corridors.cache import FINGERPRINT_SKIP


def _graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    shared = LineString([(0, 0), (1, 1), (2, 0)])
    G.graph["area"] = Polygon([(0, 0), (1, 0), (1, 1)])  # a geometry outside the rows
    for i in range(60):
        G.add_node(f"n{i}", aliases=[f"a{i}", f"b{i}"] if i % 3 else [], x=float(i))
    kinds = [LineString([(i, 0), (i, 1)]) for i in range(40)] + [LineString(), Polygon([(0, 0), (2, 0), (0, 2)])]
    kinds += [MultiLineString([[(0, 0), (1, 0)], [(2, 2), (3, 3)]]), Point(3, 4)]
    for i, g in enumerate(kinds):
        G.add_edge(f"n{i}", f"n{i + 1}", key=f"e{i}", geometry=g, mode="sea")
        G.add_edge(f"n{i + 1}", f"n{i}", key=f"r{i}", geometry=g, mode="sea")  # the reverse shares it
    G.add_edge("n50", "n51", key="s1", geometry=shared)
    G.add_edge("n52", "n53", key="s2", geometry=shared)
    G.add_edge("n54", "n55", key="plain")
    return G


def _entry(G: nx.MultiDiGraph) -> dict[str, np.ndarray]:
    arrays, _ = codec.encode_graph_entry(G, FINGERPRINT_SKIP, "k")
    return {k: np.asarray(v) for k, v in arrays.items()}


def test_geometries_decoded_when_their_row_is_made_and_shared_as_in_bulk() -> None:
    G = _graph()
    data = _entry(G)
    bulk = codec.decode(data, "k")["graph"]
    lazy = codec.decode(data, "k", lazy=True)["graph"]
    assert isinstance(lazy._succ, lazyrows.Rows)
    e1 = lazy["n50"]["n51"]["s1"]["geometry"]
    e2 = lazy["n52"]["n53"]["s2"]["geometry"]
    assert e1 is e2 and e1 == bulk["n50"]["n51"]["s1"]["geometry"]  # one object, as the bulk read has it
    fwd, rev = lazy["n3"]["n4"]["e3"]["geometry"], lazy["n4"]["n3"]["r3"]["geometry"]
    assert fwd is rev and shapely.to_wkb(fwd) == shapely.to_wkb(bulk["n3"]["n4"]["e3"]["geometry"])
    assert lazy.graph["area"] == bulk.graph["area"]
    for u, v, k, d in bulk.edges(keys=True, data=True):  # every row, then the rest in bulk: all equal
        assert list(lazy[u][v][k]) == list(d)
        if "geometry" in d:
            assert type(lazy[u][v][k]["geometry"]) is type(d["geometry"])
            assert shapely.to_wkb(lazy[u][v][k]["geometry"]) == shapely.to_wkb(d["geometry"])
    assert lazy["n50"]["n51"]["s1"]["geometry"] is e1  # kept when the rest were made


def test_only_the_rows_made_have_their_geometries_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    G = _graph()
    data = _entry(G)
    calls: list[int] = []
    real = shapely.from_wkb

    def counting(x: Any, *a: Any, **k: Any) -> Any:
        calls.append(1 if isinstance(x, bytes | str) else len(x))
        return real(x, *a, **k)

    monkeypatch.setattr(shapely, "from_wkb", counting)
    lazy = codec.decode(data, "k", lazy=True)["graph"]
    at_read = sum(calls)
    assert at_read <= 4  # the polygons, the multi-part line and the point (not LineStrings): decoded at once
    _ = lazy["n5"]  # n5's successor row: its pairs' key dicts and their edges' dicts made when read
    assert sum(calls) == at_read
    _ = [lazy["n5"][v][k] for v in lazy["n5"] for k in lazy["n5"][v]]  # its two legs' (n6's and n4's) geometries, one by one
    assert sum(calls) == at_read + 2
    assert lazy["n6"]["n5"]["r5"]["geometry"] is lazy["n5"]["n6"]["e5"]["geometry"]  # the reverse's: the same object
    assert sum(calls) == at_read + 2
    _ = [lazy["n6"][v][k] for v in lazy["n6"] for k in lazy["n6"][v]]
    assert sum(calls) == at_read + 3  # n6's row: only its leg to n7 new
    bulk_calls = len(calls)
    codec.decode(data, "k")
    assert sum(calls[bulk_calls:]) == len(data["g_off"]) - 1  # the bulk read decodes them all


def test_lists_made_per_row_are_the_bulk_lists() -> None:
    G = _graph()
    data = _entry(G)
    bulk = codec.decode(data, "k")["graph"]
    lazy = codec.decode(data, "k", lazy=True)["graph"]
    a, b = lazy.nodes["n4"], lazy.nodes["n5"]
    assert a["aliases"] == ["a4", "b4"] and b["aliases"] == ["a5", "b5"] and lazy.nodes["n3"]["aliases"] == []
    a["aliases"].append("edited")  # each row's own list, as in bulk
    assert lazy.nodes["n7"]["aliases"] == ["a7", "b7"]
    assert dict(lazy.nodes(data=True)) == {
        n: (d | {"aliases": d["aliases"] + ["edited"]} if n == "n4" else d) for n, d in bulk.nodes(data=True)
    }
    assert lazy.nodes["n4"] is a


def _replace_wkb(data: dict[str, np.ndarray], i: int, blob: bytes) -> dict[str, np.ndarray]:
    """The entry with geometry ``i``'s WKB replaced by ``blob``."""
    off, raw = data["g_off"], data["g_wkb"].tobytes()
    parts = [raw[off[j] : off[j + 1]] for j in range(len(off) - 1)]
    parts[i] = blob
    lengths = np.fromiter(map(len, parts), dtype=np.int64)
    out = dict(data)
    out["g_wkb"] = np.frombuffer(b"".join(parts), dtype=np.uint8)
    out["g_off"] = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return out


@pytest.mark.parametrize(
    "blob",
    [
        struct.pack("<BII", 1, 2, 1) + struct.pack("<dd", 1.0, 2.0),  # a LineString of one point
        struct.pack("<BII", 1, 2, 3) + struct.pack("<dd", 1.0, 2.0),  # points missing
        struct.pack("<BII", 1, 99, 0),  # an unknown type
        b"\x01\x02",  # cut short
        b"",
    ],
)
def test_a_wkb_that_would_not_decode_is_refused_when_the_entry_is_read(blob: bytes) -> None:
    data = _replace_wkb(_entry(_graph()), 7, blob)
    with pytest.raises(Exception) as bulk_error:  # noqa: PT011 - whatever the bulk read raises
        codec.decode(data, "k")
    with pytest.raises(type(bulk_error.value)) as lazy_error:
        codec.decode(data, "k", lazy=True)
    assert str(lazy_error.value) == str(bulk_error.value)


def test_offsets_not_as_written_are_read_as_in_bulk() -> None:
    data = _entry(_graph())
    for off in (data["g_off"].astype(np.float64), data["g_off"][:-1], data["g_off"][::-1].copy(), data["g_off"] - 1, data["g_off"] + 10**6):
        bad = dict(data, g_off=off)
        outcome = []
        for lazy in (False, True):
            try:
                codec.decode(bad, "k", lazy=lazy)
                outcome.append("read")
            except Exception as exc:  # noqa: BLE001 - compared, whatever it is
                outcome.append(f"{type(exc).__name__}: {exc}")
        assert outcome[0] == outcome[1]
        assert outcome[0] != "read"


def test_a_big_endian_linestring_is_read_at_once_and_equal() -> None:
    G = nx.MultiDiGraph()
    G.add_edge("a", "b", key="k", geometry=LineString([(0, 0), (5, 5)]))
    data = _entry(G)
    be = shapely.to_wkb(LineString([(0, 0), (5, 5)]), byte_order=0)
    data = _replace_wkb(data, 0, be)
    lazy = codec.decode(data, "k", lazy=True)["graph"]
    assert lazy["a"]["b"]["k"]["geometry"] == LineString([(0, 0), (5, 5)])


def test_the_wkb_check_defers_only_what_cannot_fail() -> None:
    """The bulk check itself: 2-d little-endian LineStrings of 0 or 2+ points and exact size are deferred;
    everything else decoded at once."""
    blobs = [
        shapely.to_wkb(LineString([(0, 0), (1, 1)])),
        shapely.to_wkb(LineString()),
        shapely.to_wkb(Polygon([(0, 0), (1, 0), (1, 1)])),
        shapely.to_wkb(LineString([(0, 0, 1), (1, 1, 1)])),  # 3-d
        shapely.to_wkb(LineString([(0, 0), (1, 1)]), byte_order=0),
    ]
    raw = b"".join(blobs)
    off = np.concatenate([[0], np.cumsum([len(b) for b in blobs])]).astype(np.int64)
    geoms = lazyrows.wkb_geometries(off, raw, len(blobs))
    assert geoms is not None
    assert geoms.done.tolist() == [False, False, True, True, True]
    assert [shapely.to_wkb(g) for g in geoms.every()] == [shapely.to_wkb(g) for g in shapely.from_wkb(np.array(blobs, dtype=object))]
    assert lazyrows.wkb_geometries(off.astype(np.float64), raw, len(blobs)) is None
    assert lazyrows.wkb_geometries(off, raw, len(blobs) + 1) is None
