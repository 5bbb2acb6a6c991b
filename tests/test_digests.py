"""Input digests remembered between runs under each file's identity (corridors.digests)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from corridors import cache, digests


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files actually read and hashed; every memo forgotten, and files remembered at once."""
    monkeypatch.setattr(digests, "_memos", {})
    monkeypatch.setattr(digests, "SETTLED_NS", -(10**18))
    got: list[str] = []
    real = digests._read_digest

    def counting(path: str | Path, limit: int | None) -> str:
        got.append(Path(path).name)
        return real(path, limit)

    monkeypatch.setattr(digests, "_read_digest", counting)
    return got


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def test_a_digest_is_read_once_and_remembered_by_the_next_process(tmp_path: Path, reads: list[str]) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    f = tmp_path / "a.geojson"
    f.write_bytes(b"one")
    assert digests.file_digest(f, folder) == _sha(b"one")
    assert digests.file_digest(f, folder) == _sha(b"one")
    assert reads == ["a.geojson"]
    digests.flush(folder)
    assert (folder / digests.MEMO).stat().st_mode & 0o777 == 0o600
    digests._memos.clear()  # a new process
    assert digests.file_digest(f, folder) == _sha(b"one")
    assert reads == ["a.geojson"]


def test_a_changed_file_is_read_again(tmp_path: Path, reads: list[str]) -> None:
    folder = tmp_path
    f = tmp_path / "a.txt"
    f.write_bytes(b"one")
    assert digests.file_digest(f, folder) == _sha(b"one")
    st = f.stat()
    f.write_bytes(b"two")  # same size, in place
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1))
    assert digests.file_digest(f, folder) == _sha(b"two")
    new = tmp_path / "b.txt"
    new.write_bytes(b"six")
    os.utime(new, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns))
    os.replace(new, f)  # another inode, same size and times
    assert digests.file_digest(f, folder) == _sha(b"six")
    assert reads == ["a.txt", "a.txt", "a.txt"]


def test_a_file_changed_just_now_is_not_remembered(tmp_path: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digests, "SETTLED_NS", 2_000_000_000)
    f = tmp_path / "fresh.txt"
    f.write_bytes(b"x")
    digests.file_digest(f, tmp_path)
    digests.file_digest(f, tmp_path)
    assert reads == ["fresh.txt", "fresh.txt"]
    digests.flush(tmp_path)
    assert not (tmp_path / digests.MEMO).exists()


@pytest.mark.parametrize("memo", ["not json", '["a list"]', None])
def test_an_unreadable_or_untrusted_memo_is_an_empty_one(tmp_path: Path, reads: list[str], memo: str | None) -> None:
    f = tmp_path / "a.txt"
    f.write_bytes(b"real")
    st = os.stat(f)
    planted = {os.path.abspath(f): [[st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev], "0" * 64]}
    (tmp_path / digests.MEMO).write_text(memo if memo is not None else json.dumps(planted))
    os.chmod(tmp_path / digests.MEMO, 0o666)  # noqa: S103 - writable by others: not trusted, whatever it holds
    assert digests.file_digest(f, tmp_path) == _sha(b"real")
    assert reads == ["a.txt"]


def test_a_trusted_memo_is_believed(tmp_path: Path, reads: list[str]) -> None:
    # what makes the test above meaningful: the same planted memo, owned and private, is used unread
    f = tmp_path / "a.txt"
    f.write_bytes(b"real")
    st = os.stat(f)
    planted = {os.path.abspath(f): [[st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev], "0" * 64]}
    (tmp_path / digests.MEMO).write_text(json.dumps(planted))
    os.chmod(tmp_path / digests.MEMO, 0o600)
    assert digests.file_digest(f, tmp_path) == "0" * 64
    assert reads == []


def test_what_cannot_be_hashed(tmp_path: Path, reads: list[str]) -> None:
    assert digests.file_digest(tmp_path / "missing", tmp_path) == "<missing>"
    assert digests.file_digest(tmp_path, tmp_path).startswith("<not a regular file ")
    assert digests.file_digest(tmp_path, tmp_path) != digests.file_digest(tmp_path, tmp_path)
    big = tmp_path / "big"
    big.write_bytes(b"x" * 100)
    assert digests.file_digest(big, tmp_path, limit=99) == "<too large>"
    assert digests.file_digest(big, tmp_path, limit=100) == _sha(b"x" * 100)


def test_cache_keys_follow_their_inputs(tmp_path: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORRIDORS_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    f = tmp_path / "layer.geojson"
    f.write_text("{}")
    k1 = cache.key_for([f])
    assert cache.key_for([f]) == k1
    f.write_text("[]")
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 5))
    assert cache.key_for([f]) != k1
    assert (tmp_path / "cache" / digests.MEMO).exists()
