"""Cache entries are read whole, their arrays views of that buffer, with numpy.load as the fallback."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from corridors import cache


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("CORRIDORS_CACHE_DIR", str(d))
    return d


def _buffer_of(a: np.ndarray) -> object:
    base = a
    while isinstance(base, np.ndarray) and base.base is not None:
        base = base.base
    return base.obj if isinstance(base, memoryview) else base


def test_arrays_are_views_of_one_buffer_and_writing_them_leaves_the_file(own_cache: Path) -> None:
    obj = {"a": np.arange(1000, dtype=np.int64), "b": np.linspace(0, 1, 7), "empty": np.zeros((0, 3))}
    path = cache.save("test", "m" * 64, obj)
    assert path is not None
    before = path.read_bytes()
    back = cache.load("test", "m" * 64)
    assert isinstance(_buffer_of(back["a"]), bytearray) and _buffer_of(back["a"]) is _buffer_of(back["b"])
    for k in obj:
        assert back[k].dtype == obj[k].dtype and back[k].shape == obj[k].shape and np.array_equal(back[k], obj[k])
    back["a"][:] = -1  # the process's own buffer: the file does not change
    assert path.read_bytes() == before
    again = cache.load("test", "m" * 64)
    assert again["a"].tolist() == list(range(1000))


def test_a_compressed_entry_is_read_by_numpy_load(own_cache: Path) -> None:
    path = cache.save("test", "c" * 64, {"a": np.arange(50)})
    assert path is not None
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    with path.open("wb") as fh:
        np.savez_compressed(fh, **arrays)
    with path.open("rb") as fh, pytest.raises(ValueError, match="not a stored"):
        cache._Whole(fh)
    assert cache.load("test", "c" * 64)["a"].tolist() == list(range(50))


@pytest.mark.parametrize("keep", [0, 100, 0.5, 0.99])
def test_a_truncated_entry_is_rebuilt_not_read(own_cache: Path, keep: float) -> None:
    path = cache.save("test", "t" * 64, {"a": np.arange(5000), "b": np.arange(3.0)})
    assert path is not None
    raw = path.read_bytes()
    n = int(keep * len(raw)) if isinstance(keep, float) else keep
    path.write_bytes(raw[:n])
    assert cache.load("test", "t" * 64) is None


def test_members_are_read_as_numpy_reads_them(tmp_path: Path) -> None:
    f = tmp_path / "x.npz"
    arrays = {
        "fortran": np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4)),
        "scalar": np.array(3.5),
        "big": np.arange(6, dtype=">i4").reshape(2, 3),
        "text": np.array(["ab", "c"]),
        "empty": np.zeros(0, dtype=np.int16),
    }
    np.savez(f, **arrays)
    raw = f.read_bytes()
    with f.open("rb") as fh:
        m = cache._Whole(fh)
    f.write_bytes(b"")  # read whole: what the file becomes later does not matter
    with np.load(io.BytesIO(raw)) as want:
        assert sorted(m.files) == sorted(want.files)
        for k in want.files:
            got = m[k]
            assert got.dtype == want[k].dtype and got.shape == want[k].shape and np.array_equal(got, want[k])
            assert got.flags.f_contiguous == want[k].flags.f_contiguous and got.flags.writeable
