"""SHA-256 digests of the files a cache key covers (the inputs, the package's own source), remembered
between runs in the cache folder under each file's identity.

Every `corridors` process hashes the files its cache keys cover before it can read an entry: the
network's inputs (2.6 MB) and the package's 83 source files (1 MB), 13 ms of CPU in a cold compare. A
file whose identity has not changed since it was hashed is not read again: its identity is its size,
its modification and status-change times in nanoseconds, its inode and its device, as ``git`` tells a
changed file in its index. Writing a file changes its modification time and its status-change time;
the second cannot be set back by any tool, and a file put in place by a copy, an archive or an install
is a new inode. A file changed in the last two seconds is not remembered (its times may not yet
tell two writes apart). The memo is ``digests.json`` in the cache folder, read only if the current user owns
it and no one else can write it, written whole and renamed into place; a memo that cannot be read is
an empty one.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

MEMO = "digests.json"
MAX_ENTRIES = 4096  # beyond this, the memo keeps only the files of the current process
# A file changed less than this long ago is hashed but not remembered: file times advance by clock ticks
# of up to ~10 ms, so two writes of the same size within one tick leave the same identity ("racy git").
SETTLED_NS = 2_000_000_000


class _Memo:
    """A folder's memo as read, the paths this process asked for, and whether it added any."""

    def __init__(self, entries: dict[str, list[object]]) -> None:
        self.entries = entries
        self.used: set[str] = set()
        self.dirty = False


_memos: dict[str, _Memo] = {}  # by folder


def file_digest(path: str | Path, folder: Path | None = None, limit: int | None = None) -> str:
    """SHA-256 of a file's bytes (hex), read in blocks and at most up to ``limit`` bytes (a device such
    as /dev/zero is not read forever); ``<missing>`` or ``<too large>`` when it cannot be hashed, and a
    random ``<not a regular file ...>`` for a pipe or a device (a key no other run can share). With a
    ``folder``, a digest remembered there for the file's identity is used instead of reading it."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return "<missing>"
    if not stat.S_ISREG(st.st_mode):
        # a pipe or a device: hashing would consume or never end it
        return f"<not a regular file {os.urandom(16).hex()}>"
    if limit is not None and st.st_size > limit:
        return "<too large>"
    if folder is None:
        return _read_digest(path, limit)
    memo = _memo(folder)
    name = os.path.abspath(path)
    ident = _identity(st)
    got = memo.entries.get(name)
    memo.used.add(name)
    if isinstance(got, list) and len(got) == 2 and got[0] == ident and isinstance(got[1], str):
        return got[1]
    digest = _read_digest(path, limit)
    with contextlib.suppress(OSError):
        settled = time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) > SETTLED_NS
        if len(digest) == 64 and settled and _identity(os.stat(path)) == ident:  # unchanged while it was read
            memo.entries[name] = [ident, digest]
            memo.dirty = True
    return digest


def flush(folder: Path | None) -> None:
    """Write the memo of ``folder`` if this process added to it (never raises; a memo that cannot be
    written is only not remembered)."""
    memo = _memos.get(str(folder)) if folder is not None else None
    if folder is None or memo is None or not memo.dirty:
        return
    if len(memo.entries) > MAX_ENTRIES:
        memo.entries = {k: v for k, v in memo.entries.items() if k in memo.used}
    tmp: str | None = None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # a first run that read only prebuilt entries
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".digests-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(memo.entries, fh, separators=(",", ":"))
        os.chmod(tmp, 0o600)
        os.replace(tmp, folder / MEMO)
        tmp = None
        memo.dirty = False
    except OSError:
        pass
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _identity(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def _read_digest(path: str | Path, limit: int | None) -> str:
    h = hashlib.sha256()
    n = 0
    try:
        with Path(path).open("rb") as fh:
            while block := fh.read(1 << 20):
                n += len(block)
                if limit is not None and n > limit:
                    return "<too large>"
                h.update(block)
    except OSError:
        return "<missing>"
    return h.hexdigest()


def _memo(folder: Path) -> _Memo:
    """The memo of ``folder``, read once per process (empty if missing, untrusted or unreadable)."""
    got = _memos.get(str(folder))
    if got is None:
        got = _memos[str(folder)] = _Memo(_read_memo(folder / MEMO))
    return got


def _read_memo(path: Path) -> dict[str, list[object]]:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return {}
    try:
        st = os.fstat(fd)
        mine = not hasattr(os, "geteuid") or st.st_uid == os.geteuid()
        if not stat.S_ISREG(st.st_mode) or not mine or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return {}
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            memo = json.loads(fh.read())
    except (OSError, ValueError, RecursionError):
        return {}
    finally:
        if fd >= 0:
            os.close(fd)
    return memo if isinstance(memo, dict) else {}


def parsed(text: str, folder: Path | None, parse: Callable[[str], Any]) -> Any:
    """``parse(text)``, remembered in the memo of ``folder`` under the text's SHA-256 when its value
    survives JSON unchanged (dicts with string keys, lists, strings, ints, floats, booleans: what a
    TOML parameter file holds; a date or time is parsed each time). JSON reads back in a tenth of the
    time :mod:`tomllib` parses (the bundled parameters: 7.6 ms a process). ``parse``'s errors pass
    through, and nothing is remembered for them."""
    if folder is None:
        return parse(text)
    memo = _memo(folder)
    name = "\0parsed:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    memo.used.add(name)
    got = memo.entries.get(name)
    if isinstance(got, list) and len(got) == 1:
        return copy.deepcopy(got[0])  # the caller's own: the memo's value stays as parsed
    value = parse(text)
    try:
        same = json.loads(json.dumps(value, allow_nan=True)) == value
    except (TypeError, ValueError, RecursionError):
        same = False
    if same:
        memo.entries[name] = [copy.deepcopy(value)]
        memo.dirty = True
    return value
