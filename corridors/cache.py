"""On-disk cache of built objects, keyed by the content of every input file.

The key is a SHA-256 over the bytes of each input file, the corridors version and the build logic's
version tags, so any change to the data or the code gives a new key: a stale entry is never read.
Entries are written atomically (temporary file + rename). The folder is ``$CORRIDORS_CACHE_DIR``, else
``$XDG_CACHE_HOME/corridors``, else ``~/.cache/corridors``; ``CORRIDORS_CACHE_DIR=off`` disables it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import __version__

log = logging.getLogger(__name__)


def cache_dir() -> Path | None:
    env = os.environ.get("CORRIDORS_CACHE_DIR")
    if env is not None:
        return None if env.lower() in ("", "off", "0", "none") else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "corridors"


def key_for(files: Iterable[Path], extra: Iterable[str] = ()) -> str:
    h = hashlib.sha256()
    h.update(__version__.encode())
    for part in extra:
        h.update(b"\0" + part.encode())
    for f in files:
        h.update(b"\0" + str(f.name).encode() + b"\0")
        try:
            h.update(f.read_bytes())
        except OSError:
            h.update(b"<missing>")
    return h.hexdigest()


def _path(kind: str, key: str) -> Path | None:
    d = cache_dir()
    return None if d is None else d / f"{kind}-{key[:32]}.pickle"


def load(kind: str, key: str) -> Any:
    path = _path(kind, key)
    if path is None or not path.exists():
        return None
    try:
        with path.open("rb") as fh:
            obj = pickle.load(fh)  # noqa: S301 - our own file, named by the hash of its inputs
    except Exception as exc:  # noqa: BLE001 - a broken cache entry is rebuilt, never fatal
        log.warning("ignoring unreadable cache entry %s: %s", path, exc)
        return None
    return obj


def save(kind: str, key: str, obj: Any) -> None:
    path = _path(kind, key)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{kind}-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        for old in path.parent.glob(f"{kind}-*.pickle"):
            if old != path and old.stat().st_mtime < path.stat().st_mtime - 7 * 86400:
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not write cache %s: %s", path, exc)
