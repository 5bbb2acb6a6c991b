"""The on-disk cache: not executable, keyed by content, refuses untrusted entries, bounded, no leftovers."""

from __future__ import annotations

import json
import logging
import os
import pickle
import re
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest

from corridors import cache


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("CORRIDORS_CACHE_DIR", str(d))
    return d


def _summary(G: nx.MultiDiGraph, **kw: Any) -> dict[str, Any]:
    from corridors.routing import Constraints, Router

    return Router(G).route("Chelyabinsk", "Mumbai", constraints=Constraints(**kw)).summary()


def test_round_trip_of_generic_values(own_cache: Path) -> None:
    from shapely.geometry import LineString

    line = LineString([(0, 0), (1, 1.5)])
    obj = {
        "t": (1, "a", None),
        "nested": [{"x": 1.5, "nan": float("nan")}, {(1, 2): "tuple key"}],
        "arr": np.arange(5, dtype=np.int16),
        "scalar": np.float32(2.5),
        "set": {"a", "b"},
        "geom": line,
        "same_geom": line,
        "__dunder": 1,
    }
    cache.save("test", "k" * 64, obj)
    back = cache.load("test", "k" * 64)
    assert back["t"] == (1, "a", None)
    assert back["nested"][1] == {(1, 2): "tuple key"}
    assert np.isnan(back["nested"][0]["nan"])
    assert back["arr"].dtype == np.int16 and back["arr"].tolist() == [0, 1, 2, 3, 4]
    assert back["scalar"] == np.float32(2.5)
    assert back["set"] == {"a", "b"}
    assert back["geom"].equals_exact(line, 0)
    assert back["geom"] is back["same_geom"]  # shared geometries stay shared
    assert back["__dunder"] == 1


def test_long_lists_of_tuples_and_values_round_trip_exactly(own_cache: Path) -> None:
    # distinct same-width tuples (stored a column per position), repeated ones, mixed widths, values
    # equal across types (1, 1.0, True, -0.0, 0.0) and ints mixed with floats keep their types
    refs = [(f"a{i}", f"b{i % 7}", i) for i in range(100)]
    few = [("x", None)] * 50 + [("y", 2)] * 50
    widths = [(i,) if i % 2 else (i, str(i)) for i in range(60)]
    mixed = [1, 1.0, True, -0.0, 0.0, None] * 10
    xs = [float(i) if i % 3 else i for i in range(90)]
    obj = {"refs": refs, "few": few, "widths": widths, "mixed": mixed, "xs": xs, "empty": [()] * 40}
    cache.save("test", "t" * 64, obj)
    back = cache.load("test", "t" * 64)
    assert back == obj
    for k, v in obj.items():
        assert [type(x) for x in back[k]] == [type(x) for x in v], k
        assert all(type(a) is type(b) for x, y in zip(back[k], v, strict=True) if isinstance(x, tuple) for a, b in zip(x, y, strict=True))
    assert [str(x) for x in back["mixed"]] == [str(x) for x in mixed]  # -0.0 stays -0.0


def test_graph_fingerprint_is_its_encoding_digest_and_falls_back_for_other_values() -> None:
    from corridors import codec

    G = nx.MultiDiGraph(crs="EPSG:4326", cache_key="where it came from")
    G.add_edge("a", "b", key="ab", length_km=1.0, countries=("RUS",))
    fp = cache.graph_fingerprint(G)
    assert fp == codec.graph_digest(G, cache.FINGERPRINT_SKIP)
    G.graph["cache_key"] = "elsewhere"  # not part of the content
    assert cache.graph_fingerprint(G) == fp
    from corridors.apply import leg_index
    from corridors.places import name_index

    leg_index(G)  # the indexes derived from the graph are not part of its content either
    name_index(G)
    assert {"_leg_index", "_place_index"} <= set(G.graph)
    assert cache.graph_fingerprint(G) == fp
    G.edges["a", "b", "ab"]["countries"] = ("KAZ",)
    assert cache.graph_fingerprint(G) != fp
    # a value the cache format cannot hold: hashed as pickled values, still by content
    H = G.copy()
    H.graph["thing"] = object.__new__(Path)
    with pytest.raises(codec.CacheFormatError):
        codec.graph_digest(H)
    H.graph["thing"] = range(3)
    one = cache.graph_fingerprint(H)
    assert one == cache.graph_fingerprint(H.copy())
    H.graph["thing"] = range(4)
    assert cache.graph_fingerprint(H) != one


def test_network_and_engine_round_trip_exactly(own_cache: Path) -> None:
    from corridors.graph import load_network
    from corridors.routing import Router

    cold = load_network()
    warm = load_network()
    assert list(cold.nodes(data=True)) == list(warm.nodes(data=True))
    assert list(cold.edges(keys=True)) == list(warm.edges(keys=True))
    assert list(cold.in_edges(keys=True)) == list(warm.in_edges(keys=True))
    for (_, _, _, a), (_, _, _, b) in zip(cold.edges(keys=True, data=True), warm.edges(keys=True, data=True), strict=True):
        assert list(a) == list(b)
        for k in a:
            if k == "geometry":
                assert a[k].equals_exact(b[k], 0)
            else:
                assert a[k] == b[k] and type(a[k]) is type(b[k])
    e1 = Router(cold).engine
    e2 = Router(warm).engine  # from the cache
    for name, v in vars(e1).items():
        if name in ("G", "params", "_csr_cache", "_views"):  # the views: made from the fields, checked below
            continue
        w = getattr(e2, name)
        if isinstance(v, np.ndarray):
            assert v.dtype == w.dtype and np.array_equal(v, w), name
        elif isinstance(v, dict) and v and isinstance(next(iter(v.values())), np.ndarray):
            assert list(v) == list(w) and all(np.array_equal(v[k], w[k]) for k in v), name
        else:
            assert v == w and type(v) is type(w), name
    for view in ("node_index", "leg_id_index", "in_states", "out_states"):
        assert list(getattr(e1, view).items()) == list(getattr(e2, view).items()), view
    assert list(e1.edge_refs) == list(e2.edge_refs) and len(e2.edge_refs) == len(e2.edge_ref_codes)
    assert sorted(p.name.split("-")[0] for p in own_cache.glob("*.npz")) == ["engine", "network"]  # and digests.json
    assert not list(own_cache.glob("*.pickle"))


def _entry(d: Path, kind: str) -> Path:
    (p,) = d.glob(f"{kind}-*.npz")
    return p


def test_hostile_entries_are_refused_and_rebuilt(own_cache: Path, caplog: pytest.LogCaptureFixture) -> None:
    from corridors.graph import load_network

    G = load_network()
    want = _summary(G, avoid_countries=("IRN",))
    path = _entry(own_cache, "network")
    good = path.read_bytes()

    # 1. a pickle that would run code if unpickled
    marker = own_cache.parent / "pwned"

    class Evil:
        def __reduce__(self) -> Any:
            return (os.system, (f"touch {marker}",))

    path.write_bytes(pickle.dumps(Evil()))
    with caplog.at_level(logging.INFO, logger="corridors.cache"):
        G2 = load_network()
    assert not marker.exists()
    assert "ignoring unreadable cache entry" in caplog.text
    assert _summary(G2, avoid_countries=("IRN",)) == want

    # 2. an npz that asks for an object array (pickle inside numpy) and a wrong-type entry
    with path.open("wb") as fh:
        np.savez(fh, __meta__=np.array([Evil()], dtype=object))
    assert cache.load("network", G2.graph["cache_key"]) is None
    cache.save("network", G2.graph["cache_key"], {"not": "a graph"})
    assert load_network().number_of_edges() == G.number_of_edges()

    # 3. a well-formed entry whose content was edited (a class outside corridors; wrong labels)
    tampered = cache.encode(G, G.graph["cache_key"])
    tree = tampered["__tree__"].tobytes().replace(b'"__dc":"corridors.zones:Zone"', b'"__dc":"subprocess:Popen"', 1)
    tampered["__tree__"] = np.frombuffer(tree, dtype=np.uint8)
    with path.open("wb") as fh:
        np.savez(fh, **tampered)
    assert cache.load("network", G.graph["cache_key"]) is None
    assert _summary(load_network(), avoid_countries=("IRN",)) == want

    # 4. a correct entry that someone else could have written: writable by others, or another owner
    path.write_bytes(good)
    path.chmod(0o666)
    assert cache.load("network", G.graph["cache_key"]) is None
    path.chmod(0o600)
    assert cache.load("network", G.graph["cache_key"]) is not None
    if os.geteuid() == 0:
        os.chown(path, 12345, 12345)
        assert cache.load("network", G.graph["cache_key"]) is None
        assert _summary(load_network(), avoid_countries=("IRN",)) == want
        assert path.stat().st_uid == 0  # replaced by our own rebuilt entry
    # 5. a symlink to somewhere else
    path.unlink()
    other = own_cache / "elsewhere.npz"
    other.write_bytes(good)
    path.symlink_to(other)
    assert cache.load("network", G.graph["cache_key"]) is None


def test_edited_cached_graph_cannot_change_answers(own_cache: Path) -> None:
    """Relabelling countries in a cached entry (as in issue 13) is only possible for its owner, and even
    then the engine is keyed by the graph's content, so the answer follows the content it is given."""
    from corridors.graph import load_network

    G = load_network()
    route = _summary(G, avoid_countries=("IRN",))
    assert "IRN" not in route["countries"].split(",")
    key = G.graph["cache_key"]
    arrays = cache.encode(G, key)
    arrays["__meta__"] = np.frombuffer(arrays["__meta__"].tobytes().replace(key.encode(), b"0" * 64), dtype=np.uint8)
    path = _entry(own_cache, "network")
    with path.open("wb") as fh:
        np.savez(fh, **arrays)
    assert cache.load("network", key) is None  # the key inside must match the name


def test_cache_is_bounded_lru(own_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blob = np.zeros(300_000, dtype=np.uint8)  # ~0.3 MB per entry
    monkeypatch.setenv("CORRIDORS_CACHE_MAX_MB", "1")
    for i in range(3):
        cache.save("blob", str(i) * 64, blob)
    cache.load("blob", "0" * 64)  # touch the oldest: it becomes the most recent
    os.utime(cache._path("blob", "0" * 64), (2e9, 2e9))
    cache.save("blob", "3" * 64, blob)
    names = sorted(p.name[5:6] for p in own_cache.glob("blob-*.npz"))
    total = sum(p.stat().st_size for p in own_cache.iterdir())
    assert total <= 1024 * 1024
    assert names == ["0", "2", "3"]  # the least recently used (1) went first


def test_full_disk_leaves_no_tmp(own_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*a: Any, **k: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", full)
    assert cache.save("blob", "1" * 64, np.zeros(3)) is None
    assert list(own_cache.iterdir()) == []


def test_unwritable_cache_is_not_fatal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "a-file"
    f.write_text("x")
    monkeypatch.setenv("CORRIDORS_CACHE_DIR", str(f / "sub"))
    assert cache.save("blob", "1" * 64, np.zeros(3)) is None
    assert cache.load("blob", "1" * 64) is None


def test_key_covers_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    k1 = cache.key_for([], extra=("x",))
    cache.code_version.cache_clear()
    monkeypatch.setattr(cache, "code_version", lambda: "other code")
    assert cache.key_for([], extra=("x",)) != k1


# ----------------------------------------------------------------------------- stale engines (item 5)
def test_graph_edited_after_load_is_not_served_a_stale_engine(own_cache: Path) -> None:
    from corridors.graph import load_network
    from corridors.routing import Constraints, NoRouteError, Router

    base = Router(load_network()).route("Chelyabinsk", "Mumbai")
    leg_ids = [lid for m in base.moves for lid in m.leg_ids]
    assert leg_ids

    # a leg marked planned: a route without --include-planned must not use it
    G = load_network()
    target = next(lid for lid in leg_ids if not lid.startswith("sea") and not lid.startswith("marnet"))
    for _, _, d in G.edges(data=True):
        if d.get("id") == target:
            d["status"] = "planned"
    try:
        r = Router(G).route("Chelyabinsk", "Mumbai")
        assert target not in [lid for m in r.moves for lid in m.leg_ids]
    except NoRouteError:
        pass

    # a leg tagged with an avoided country: avoiding that country avoids the leg
    G = load_network()
    for _, _, d in G.edges(data=True):
        if d.get("id") == target:
            d["countries"] = (*d["countries"], "OMN")
    try:
        r = Router(G).route("Chelyabinsk", "Mumbai", constraints=Constraints(avoid_countries=("OMN",)))
        assert target not in [lid for m in r.moves for lid in m.leg_ids]
    except NoRouteError:
        pass

    # a node removed: no KeyError, and the route does not pass it
    G = load_network()
    gone = next(m.to_id for m in base.moves[:-1] if m.to_id in G and not m.to_id.startswith("sea:"))
    G.remove_node(gone)
    try:
        r = Router(G).route("Chelyabinsk", "Mumbai")
        assert gone not in {m.to_id for m in r.moves} | {m.from_id for m in r.moves}
    except NoRouteError:
        pass


def test_router_sees_nodes_removed_after_first_query(own_cache: Path) -> None:
    from corridors.graph import load_network
    from corridors.routing import NoRouteError, Router

    G = load_network()
    router = Router(G)
    base = router.route("Chelyabinsk", "Mumbai")
    gone = next(m.to_id for m in base.moves[:-1] if not m.to_id.startswith("sea:"))
    G.remove_node(gone)
    try:
        r = router.route("Chelyabinsk", "Mumbai")
        assert gone not in {m.to_id for m in r.moves}
    except NoRouteError:
        pass


def test_engine_entry_with_a_wrong_field_type_or_class_is_rebuilt(own_cache: Path) -> None:
    from corridors.graph import load_network
    from corridors.routing import Router

    G = load_network()
    want = Router(G).route("Chelyabinsk", "Mumbai").summary()
    (path,) = own_cache.glob("engine-*.npz")
    key_inside = json.loads(np.load(path)["__meta__"].tobytes())["key"]
    good = cache.encode(cache.load("engine", key_inside), key_inside)
    tree = good["__tree__"].tobytes()
    src = re.search(rb'"src":\{"__a":\d+\}', tree)
    assert src is not None
    for old, new in [
        (src.group(0), b'"src":[1,2]'),  # an array replaced by a list
        (b'"__dc":"corridors.engine:Engine"', b'"__dc":"corridors.cache:CacheFormatError"'),  # not a dataclass
        (b'"__dc":"corridors.engine:Engine"', b'"__dc":"corridors.engine:_Secret"'),  # private name
        (b'"src":{"__a":', b'"no_such_field":1,"src":{"__a":'),  # unknown field
    ]:
        assert old in tree, old
        bad = dict(good)
        bad["__tree__"] = np.frombuffer(tree.replace(old, new, 1), dtype=np.uint8)
        with path.open("wb") as fh:
            np.savez(fh, **bad)
        assert cache.load("engine", key_inside) is None, new
        assert Router(G).route("Chelyabinsk", "Mumbai").summary() == want  # rebuilt, same answer


def test_engine_index_and_family_masks_are_cached_by_content(own_cache: Path) -> None:
    """Issue 11: the masks a compare makes are stored with the engine, read by the next router of
    the same network and families, and never served to other family definitions."""
    from dataclasses import replace

    from corridors.graph import load_network
    from corridors.routing import Router

    r1 = Router(load_network(), draws=0)
    want = [r.summary() for r in r1.compare("Chelyabinsk", "Mumbai").routes]
    assert list(own_cache.glob("compiled-*.npz"))
    r2 = Router(load_network(), draws=0)
    q1, q2 = r1.compiled, r2.compiled
    assert q2.family_masks and set(q2.family_masks) == set(q1.family_masks)  # before any query
    for k, m in q1.family_masks.items():
        assert m.dtype == q2.family_masks[k].dtype and np.array_equal(m, q2.family_masks[k]), k
    for f in ("src_node", "dst_node", "leg_uid", "from_side", "to_side", "sig", "named_legs"):
        assert np.array_equal(getattr(q1, f), getattr(q2, f)) and getattr(q1, f).dtype == getattr(q2, f).dtype, f
    assert q1.sides == q2.sides and q1.sigs == q2.sigs
    assert [r.summary() for r in r2.compare("Chelyabinsk", "Mumbai").routes] == want

    fams = dict(r1.families)
    fid = next(iter(fams))
    fams[fid] = replace(fams[fid], avoid_modes=(*fams[fid].avoid_modes, "road"))
    r3 = Router(load_network(), draws=0, families=fams)
    assert not r3.compiled.family_masks  # another definition: computed afresh


def test_library_versions_in_the_key_are_the_installed_ones() -> None:
    import importlib.metadata

    for name in ("numpy", "networkx", "shapely", "scipy", "click"):
        assert cache._dist_version(name) == importlib.metadata.version(name)
    assert cache._dist_version("surely-not-an-installed-distribution") == "?"


def test_library_versions_are_read_from_the_dist_info_folder_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "Some_Lib-1.2.3rc1.dist-info").mkdir()
    (tmp_path / "other-9.dist-info").mkdir()
    monkeypatch.setattr("sys.path", [str(tmp_path / "missing"), str(tmp_path)])
    cache._dist_infos.cache_clear()
    try:
        assert cache._dist_version("some-lib") == "1.2.3rc1"
        assert cache._dist_version("Some.Lib") == "1.2.3rc1"
        assert cache._dist_version("other") == "9"
    finally:
        cache._dist_infos.cache_clear()


def test_the_key_is_made_without_importing_importlib_metadata(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = "import sys, corridors.cache as c; c.code_version(); print('importlib.metadata' in sys.modules)"
    # from the temporary folder: the installed corridors, as a user's process imports it
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)  # noqa: S603 - our own code
    assert out.stdout.strip() == "False", out.stderr


def test_arrays_are_written_packed_by_type_and_read_back_as_they_were(own_cache: Path) -> None:
    obj = {
        "ints": [np.arange(n, dtype=np.int32) for n in (0, 1, 5, 40)],
        "floats": np.linspace(0, 1, 12).reshape(3, 4),
        "fortran": np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3)),
        "flags": np.array([True, False, True]),
        "bytes": np.frombuffer(b"abc", dtype=np.uint8).copy(),
        "scalar": np.float32(2.5),
        "big_endian": np.arange(4, dtype=">i8"),
        "text": np.array(["a", "bc"]),
    }
    path = cache.save("test", "p" * 64, obj)
    assert path is not None
    with np.load(path) as data:
        members = set(data.files)
    assert cache.PACKED in members
    assert len(members) < 12  # one array per type (and the others on their own), not one per array
    back = cache.load("test", "p" * 64)
    for got, want in [*zip(back["ints"], obj["ints"], strict=True), *((back[k], obj[k]) for k in obj if k not in ("ints", "scalar"))]:
        assert got.dtype == want.dtype and got.shape == want.shape and np.array_equal(got, want)
        assert got.flags.writeable
    assert back["fortran"].flags.f_contiguous  # stored on its own, as numpy writes it
    assert back["scalar"] == np.float32(2.5) and type(back["scalar"]) is np.float32
    back["ints"][2][0] = 99  # each array its own part: writing one leaves the others
    assert back["ints"][3][:5].tolist() == [0, 1, 2, 3, 4]


def test_a_packed_entry_with_a_part_out_of_bounds_is_rebuilt(own_cache: Path) -> None:
    # (an edited layout within the bounds is an edited entry, as an edited tree is: not detected here)
    cache.save("test", "q" * 64, {"a": np.arange(10), "b": np.arange(5)})
    path = next(own_cache.glob("test-*.npz"))
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    layout = json.loads(arrays[cache.PACKED].tobytes())
    assert len(layout) == 2
    for at in (12, -15):  # past the end of the 15 numbers; before their start (numpy would count from the end)
        layout["a1"][1] = at
        arrays[cache.PACKED] = np.frombuffer(json.dumps(layout).encode(), dtype=np.uint8)
        with path.open("wb") as fh:
            np.savez(fh, **arrays)
        assert cache.load("test", "q" * 64) is None
