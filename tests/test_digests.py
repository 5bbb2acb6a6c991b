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


def test_a_parsed_file_is_remembered_by_its_text_and_handed_out_as_a_copy(tmp_path: Path, reads: list[str]) -> None:
    import tomllib

    calls: list[str] = []

    def parse(text: str) -> dict[str, object]:
        calls.append(text)
        return tomllib.loads(text)

    text = 'a = 1\nb = 1.0\nc = -0.0\nd = [true, "x"]\n[t]\ninf = inf\n'
    first = digests.parsed(text, tmp_path, parse)
    digests.flush(tmp_path)
    digests._memos.clear()  # a new process
    again = digests.parsed(text, tmp_path, parse)
    assert again == first and calls == [text]
    assert type(again["a"]) is int and type(again["b"]) is float and str(again["c"]) == "-0.0"
    again["d"].append("mutated")  # the caller's own copy
    assert digests.parsed(text, tmp_path, parse)["d"] == [True, "x"]
    edited = text.replace("a = 1", "a = 2")
    assert digests.parsed(edited, tmp_path, parse)["a"] == 2 and len(calls) == 2


def test_what_json_cannot_hold_is_parsed_each_time(tmp_path: Path, reads: list[str]) -> None:
    import tomllib

    calls: list[str] = []

    def parse(text: str) -> dict[str, object]:
        calls.append(text)
        return tomllib.loads(text)

    for text in ("when = 2026-12-03\n", "x = nan\n"):
        digests.parsed(text, tmp_path, parse)
        digests.parsed(text, tmp_path, parse)
    assert len(calls) == 4
    with pytest.raises(tomllib.TOMLDecodeError):
        digests.parsed("not toml", tmp_path, parse)


def test_parameters_read_through_the_memo_are_the_parsed_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from corridors.params import load_parameters

    monkeypatch.setattr(digests, "_memos", {})
    monkeypatch.setenv("CORRIDORS_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(digests, "SETTLED_NS", -(10**18))
    first = load_parameters()
    digests._memos.clear()
    monkeypatch.setattr("tomllib.loads", lambda *a, **k: pytest.fail("parsed again"))
    assert load_parameters() == first
