"""On-disk cache of built objects, in a format that cannot run code, keyed by everything they depend on.

Format
    One ``.npz`` file per entry, read with ``numpy.load(allow_pickle=False)``: numeric arrays stay numpy
    arrays (those of one type written as one member, with a table of where each lies), shapely
    geometries are stored as WKB, and everything else (lists, dicts, tuples, sets, strings,
    numbers, ``networkx`` graphs and corridors' own dataclasses) as tagged JSON. Nothing in an entry can name
    a function to call: a dataclass is rebuilt only if its class lives in the ``corridors`` package, by
    setting its fields (no constructor runs). New dataclass fields of arrays or JSON-able values need no
    change here.
Key
    A SHA-256 over the bytes of each input file, the caller's extra parts (build versions, parameters), the
    corridors version and the source code of the ``corridors`` package, so a change to the data or the code
    gives a new key: a stale entry is never read. The full key is stored inside the entry and checked.
Trust
    An entry is read only if it is a regular file (not a symlink) owned by the current user and not writable
    by group or others; anything else (another owner, wrong permissions, a corrupt or wrong-type entry, a
    pickle) is ignored, logged on ``-v`` and rebuilt.
Size
    The folder is kept under ``$CORRIDORS_CACHE_MAX_MB`` (default 500) megabytes by removing the least
    recently used entries. Entries are written through a temporary file and a rename; a failed write (a full
    disk) leaves no temporary file behind and is never fatal.

The folder is ``$CORRIDORS_CACHE_DIR``, else ``$XDG_CACHE_HOME/corridors``, else ``~/.cache/corridors``;
``CORRIDORS_CACHE_DIR=off`` disables the cache.
Prebuilt
    ``pip install`` builds the entries of a first ``corridors compare --map`` on the bundled data (network,
    engine, its index and landmarks, the map's basemap) into the package's ``prebuilt`` folder (setup.py runs
    that compare once), by the same code, so the first run after an install reads them instead of building them. An entry missing from the folder above
    is looked for there, under the same name and checks (its owner may also be the package's owner); it is
    used only if its key is the one asked for, which holds only with the same data, code and library
    versions. ``$CORRIDORS_PREBUILT=0`` ignores the folder (every entry is then built on first use).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import hashlib
import io
import json
import logging
import os
import pickle  # only to hash values (graph_fingerprint); nothing is ever unpickled
import stat
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from . import digests
from ._version import __version__
from .codec import META, TREE, CacheFormatError, decode, encode, encode_graph_entry, graph_digest
from .columns import AGE_FROM as AGE_FROM
from .columns import age_young_objects as age_young_objects
from .columns import paused_gc as paused_gc
from .netview import is_graph

log = logging.getLogger(__name__)
progress = logging.getLogger("corridors.progress")

SUFFIX = ".npz"
PREBUILT = "prebuilt"  # the package's folder of entries built at install (see prebuilt_dir)
MANIFEST = "MANIFEST.json"  # in it: where and with what its entries were built (setup.py writes it)
DEFAULT_MAX_MB = 500.0


# ----------------------------------------------------------------------------- location and key
def cache_dir() -> Path | None:
    env = os.environ.get("CORRIDORS_CACHE_DIR")
    if env is not None:
        return None if env.lower() in ("", "off", "0", "none") else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "corridors"


def prebuilt_dir() -> Path | None:
    """The folder of entries built when the package was installed (see the module's docstring), or None
    (none there, an editable install, or ``$CORRIDORS_PREBUILT`` is ``0``, ``off``, ``no`` or ``false``)."""
    if os.environ.get("CORRIDORS_PREBUILT", "").strip().lower() in ("0", "off", "no", "false"):
        return None
    d = Path(__file__).resolve().parent / PREBUILT
    return d if d.is_dir() else None


def max_bytes() -> int:
    """The size bound of the cache folder (``$CORRIDORS_CACHE_MAX_MB``, default 500 MB)."""
    raw = os.environ.get("CORRIDORS_CACHE_MAX_MB")
    try:
        mb = float(raw) if raw else DEFAULT_MAX_MB
    except ValueError:
        mb = DEFAULT_MAX_MB
    if not np.isfinite(mb) or mb < 0:
        mb = DEFAULT_MAX_MB
    return int(mb * 1024 * 1024)


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the corridors package's source code (every ``.py`` file) and of the versions of the
    libraries it builds with, part of every key."""
    h = hashlib.sha256(__version__.encode())
    for dist in ("numpy", "networkx", "shapely", "scipy"):  # the libraries the built objects come from
        h.update(f"\0{dist}={_dist_version(dist)}".encode())
    root = str(Path(__file__).resolve().parent)
    folder = cache_dir()
    sources = []
    for top, _, names in os.walk(root):  # every .py file below, as Path.rglob finds them (os.walk: 5x faster)
        rel = os.path.relpath(top, root)
        sources += [(*(() if rel == "." else rel.split(os.sep)), name) for name in names if name.endswith(".py")]
    for parts in sorted(sources):  # each file by its digest, remembered between runs (corridors.digests)
        h.update(b"\0" + "/".join(parts).encode() + b"\0")
        h.update(digests.file_digest(os.path.join(root, *parts), folder).encode())
    digests.flush(folder)
    return h.hexdigest()


def _dist_version(name: str) -> str:
    """``importlib.metadata.version(name)`` ("?" when not installed). Found as importlib.metadata finds
    it, by the first ``NAME-VERSION.dist-info`` folder on :data:`sys.path` (one listing of each
    entry), without importing :mod:`importlib.metadata`: that import (its email parser among it) cost
    a cold `corridors compare` 0.05 s of CPU, a twentieth of the process. Anything else (an egg, a
    zipped path entry, no such folder) is asked of :mod:`importlib.metadata`, whose ``Version:``
    header is read without parsing the others as email (numpy's hold its whole README)."""
    want = _normalized(name)
    for entry in sys.path:
        version = _dist_infos(entry or ".").get(want)
        if version:
            return version
    import importlib.metadata

    try:
        dist = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return "?"
    for line in (dist.read_text("METADATA") or "").splitlines():
        if not line:  # the end of the headers
            break
        if line.startswith("Version:"):
            return line[len("Version:") :].strip()
    return str(dist.version)


def _normalized(name: str) -> str:
    """A distribution's name as its ``.dist-info`` folder spells it, to compare (PEP 503, with ``_``)."""
    return "_".join(filter(None, name.replace("-", "_").replace(".", "_").lower().split("_")))


@lru_cache(maxsize=64)  # the entries of sys.path
def _dist_infos(entry: str) -> dict[str, str]:
    """The versions of the ``NAME-VERSION.dist-info`` folders in a :data:`sys.path` folder by their
    normalised names, the first of a name kept (none for a zip file or a missing folder), listed once."""
    try:
        names = os.listdir(entry)
    except OSError:
        return {}
    found: dict[str, str] = {}
    for item in names:
        stem, sep, version = item.removesuffix(".dist-info").rpartition("-")
        if item.endswith(".dist-info") and sep and version:
            found.setdefault(_normalized(stem), version)
    return found


def key_for(files: Iterable[Path], extra: Iterable[str] = ()) -> str:
    h = hashlib.sha256()
    h.update(__version__.encode())
    h.update(b"\0code\0" + code_version().encode())
    for part in extra:
        h.update(b"\0" + str(part).encode())
    folder = cache_dir()
    for f in files:
        h.update(b"\0" + str(Path(f).name).encode() + b"\0")
        h.update(file_digest(f, folder).encode())
    digests.flush(folder)
    return h.hexdigest()


def file_digest(path: str | Path, folder: Path | None = None) -> str:
    """SHA-256 of a file's bytes, read in blocks and at most up to the input size limit (a device such as
    /dev/zero is not read forever); ``<missing>`` or ``<too large>`` when it cannot be hashed. With a
    cache ``folder``, remembered there between runs under the file's identity (:mod:`corridors.digests`)."""
    from .io import max_input_bytes

    return digests.file_digest(path, folder, max_input_bytes())


def _path(kind: str, key: str) -> Path | None:
    d = cache_dir()
    safe = "".join(ch for ch in kind if ch.isalnum() or ch in "-_") or "entry"
    return None if d is None else d / f"{safe}-{key[:40]}{SUFFIX}"


# ----------------------------------------------------------------------------- reading and writing
def _open_trusted(path: Path, owners: tuple[int, ...] = ()) -> Any:
    """Open an entry for reading if it is a regular file owned by us (or one of ``owners``) and not
    writable by others."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            msg = "not a regular file"
            raise PermissionError(msg)
        if hasattr(os, "geteuid") and st.st_uid != os.geteuid() and st.st_uid not in owners:
            msg = f"owned by uid {st.st_uid}, not by the current user"
            raise PermissionError(msg)
        if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            msg = "writable by group or others"
            raise PermissionError(msg)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _check_type(obj: Any) -> None:
    """Dataclass fields must have the type their default has (an array stays an array)."""
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        return
    for f in dataclasses.fields(obj):
        if f.default_factory is dataclasses.MISSING:
            continue
        want = type(f.default_factory())
        if not isinstance(getattr(obj, f.name, None), want):
            msg = f"field {f.name} is not a {want.__name__}"
            raise CacheFormatError(msg)


def load(kind: str, key: str, expect: type | tuple[type, ...] | None = None, announce: bool = True, lazy: bool = False) -> Any:
    """The cached object for ``key``, or None (missing, untrusted, corrupt or of the wrong type).
    On a miss, a progress line says that ``kind`` is being built, unless ``announce`` is False (for
    what is cheap, or is stored later by whoever makes it)."""
    path = _path(kind, key)
    if path is None:
        return None
    t0 = time.perf_counter()
    moved = None
    try:
        fh = _open_trusted(path)
    except FileNotFoundError:
        fh, path, moved = _open_prebuilt(path)
        if fh is None:
            if announce:
                _building(kind)
            return None
    except OSError as exc:
        log.info("not using cache entry %s (%s); rebuilding it", path, exc or "a symlink")
        if announce:
            _building(kind)
        return None
    with paused_gc():  # decoding makes hundreds of thousands of small objects and no cycles
        try:
            with fh, _read_or_loaded(fh) as data:
                obj = decode(_Unpacked(data, moved), key, lazy)
            if expect is not None and not isinstance(obj, expect):
                msg = f"holds a {type(obj).__name__}, not the expected type"
                raise CacheFormatError(msg)
            _check_type(obj)
        except (
            OSError,
            ValueError,
            KeyError,
            TypeError,
            AttributeError,
            IndexError,
            ImportError,
            zipfile.BadZipFile,
            EOFError,
            RecursionError,
        ) as exc:
            log.info("ignoring unreadable cache entry %s (%s: %s); rebuilding it", path, type(exc).__name__, exc)
            if announce:
                _building(kind)
            return None
    if path.parent == cache_dir():
        with contextlib.suppress(OSError):
            os.utime(path)  # least recently used goes first
    log.info("loaded %s from cache %s in %.2f s", kind, path, time.perf_counter() - t0)
    log.debug("cache key of %s: %s", kind, key)
    return obj


def _open_prebuilt(path: Path) -> tuple[Any, Path, tuple[str, str] | None]:
    """The prebuilt entry of ``path``'s name, opened (None if there is none, it is not trusted: a regular
    file owned by us or by the package's owner, not writable by others, or its folder has no readable
    manifest), its path, and how its paths move (see :func:`prebuilt_paths`)."""
    d = prebuilt_dir()
    moved = prebuilt_paths(d) if d is not None else None
    if d is None or moved is None:
        return None, path, None
    there = d / path.name
    try:
        return _open_trusted(there, (os.stat(__file__).st_uid,)), there, (moved if moved[0] != moved[1] else None)
    except FileNotFoundError:
        return None, path, None
    except OSError as exc:
        log.info("not using prebuilt entry %s (%s)", there, exc or "a symlink")
        return None, path, None


@lru_cache(maxsize=4)
def prebuilt_paths(folder: Path) -> tuple[str, str] | None:
    """(The package's data folder where its prebuilt entries were built, the installed package's), as the
    paths of the bundled files a build reads name them (:func:`corridors.io.bundled_data_dir`), from the folder's
    ``MANIFEST.json``; None if that cannot be read."""
    from .io import bundled_data_dir

    try:
        old = json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("data")
    except (OSError, ValueError, AttributeError):
        return None
    new = str(bundled_data_dir())
    return (old.rstrip(os.sep) + os.sep, new.rstrip(os.sep) + os.sep) if isinstance(old, str) and old else None


_WHAT = {
    "network": "the network",
    "engine": "the routing engine",
    "basemap": "the map's basemap",
}


def _building(kind: str) -> None:
    """Say (on the ``corridors.progress`` logger, which the CLI shows on stderr unless ``--quiet``) that
    a slow build starts because nothing is cached yet."""
    progress.info("first run with these inputs, building %s cache ...", _WHAT.get(kind, kind))


def save(kind: str, key: str, obj: Any) -> Path | None:
    """Store ``obj`` (never raises: a cache that cannot be written is only logged)."""
    path = _path(kind, key)
    if path is None:
        return None
    t0 = time.perf_counter()
    try:
        with paused_gc():  # encoding makes hundreds of thousands of small objects and no cycles
            arrays = encode(obj, key)
    except (CacheFormatError, RecursionError) as exc:
        log.info("not caching %s: %s", kind, exc)
        return None
    return _write(kind, path, arrays, t0)


def store_graph(kind: str, key: str, G: Any) -> tuple[Any, str]:
    """Store ``{"graph": G, "graph_attrs": ..., "fingerprint": ...}`` (the graph attributes of
    :data:`FINGERPRINT_SKIP` apart, see :func:`load_graph`; never raises for the cache: an entry that
    cannot be encoded or written is only logged) and return ``G`` itself with its fingerprint
    (:func:`graph_fingerprint`, computed from the same encoding, so the graph a later run reads from
    the entry has it too). ``G`` is not read back from its encoding: the copy would hold the same
    content (nodes, legs and attributes in their order, as tests/test_first_run_build.py checks) and
    decoding it cost a first run more CPU (0.2 s) than a compactly laid copy saved it later."""
    path = _path(kind, key)
    t0 = time.perf_counter()
    try:
        with paused_gc():  # encoding makes hundreds of thousands of small objects and no cycles
            arrays, fingerprint = encode_graph_entry(G, FINGERPRINT_SKIP, key)
    except (CacheFormatError, RecursionError) as exc:
        log.info("not caching %s: %s", kind, exc)
        return G, graph_fingerprint(G)
    if path is not None:
        _write(kind, path, arrays, t0)
    return G, fingerprint


def load_graph(kind: str, key: str, lazy: bool = False) -> tuple[Any, str] | None:
    """The graph and fingerprint :func:`store_graph` stored for ``key`` (the graph with all its
    attributes), or None (missing, unreadable, or not such an entry). Says nothing on a miss. With
    ``lazy``, a directed multigraph is read row by row (:mod:`corridors.lazyrows`), as a
    :class:`~corridors.netview.RowGraph`."""
    got = load(kind, key, expect=dict, announce=False, lazy=lazy)
    if got is None:
        return None
    G, attrs, fingerprint = got.get("graph"), got.get("graph_attrs"), got.get("fingerprint")
    if not (is_graph(G) and isinstance(attrs, dict) and isinstance(fingerprint, str)):
        return None
    G.graph.update(attrs)
    return G, fingerprint


def _write(kind: str, path: Path, arrays: dict[str, np.ndarray], t0: float) -> Path | None:
    """Write an encoded entry atomically (a temporary file, then a rename), then keep the folder under
    its size bound."""
    tmp: str | None = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, allow_pickle=False, **_packed(arrays))
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        log.warning("could not write cache entry %s: %s", path, exc)
        return None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    log.info("wrote %s cache %s (%.1f MB) in %.2f s", kind, path, path.stat().st_size / 1e6, time.perf_counter() - t0)
    evict(keep=path)
    return path


PACKED = "__packed__"


def _packed(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """An entry's arrays as written: those of numbers or bools in C order and native byte order
    concatenated, one array per type, and where each lies under :data:`PACKED` (as JSON); the others
    (``__meta__``, ``__tree__``, any other array) as they are. An entry of 150 arrays is read as a
    dozen: each array in a zip file costs a member to open and a header to parse (~0.1 ms), more than
    its bytes."""
    out: dict[str, np.ndarray] = {}
    parts: dict[str, list[np.ndarray]] = {}
    where: dict[str, list[Any]] = {}
    for name, a in arrays.items():
        if name.startswith("__") or a.dtype.kind not in "biuf" or not a.dtype.isnative or not a.flags.c_contiguous:
            out[name] = a
            continue
        got = parts.setdefault(a.dtype.str, [])
        where[name] = [a.dtype.str, sum(map(len, got)), list(a.shape)]
        got.append(a.reshape(-1))
    blob = {t: f"__p{i}" for i, t in enumerate(parts)}
    out.update((blob[t], np.concatenate(got)) for t, got in parts.items())
    layout = {name: [blob[t], at, shape] for name, (t, at, shape) in where.items()}
    out[PACKED] = np.frombuffer(json.dumps(layout).encode(), dtype=np.uint8)
    return out


def _read_or_loaded(fh: Any) -> Any:
    """The opened entry ``fh`` as :class:`_Whole`, or as ``numpy.load`` reads it where it cannot be
    read so (a compressed member)."""
    try:
        return _Whole(fh)
    except (OSError, ValueError, zipfile.BadZipFile):
        fh.seek(0)
        return np.load(fh, allow_pickle=False)


class _Whole:
    """An entry read whole into memory with one read, its arrays views of that buffer (writable, the
    process's own), not read and copied member by member through :mod:`zipfile`: the four entries of a
    `corridors compare` (17 MB) took 27-40 ms of CPU so, most of it copying them in pieces and checking
    their CRC-32. The zip's CRC-32 is not checked; everything else ``numpy.load`` checks is (stored
    members only, the ``.npy`` header, no object arrays, the data within its member), and the entry's
    own checks run as before (:func:`corridors.codec.decode`). Not a memory map: a file truncated while
    mapped would end the process (SIGBUS) when a page past its new end is read."""

    def __init__(self, fh: Any) -> None:
        size = os.fstat(fh.fileno()).st_size
        self.buf = bytearray(size)
        fh.seek(0)
        if fh.readinto(self.buf) != size:
            msg = "the entry changed size while read"
            raise OSError(msg)
        self.where: dict[str, tuple[int, int]] = {}
        with zipfile.ZipFile(fh) as z:  # its directory, at the end of the file
            for info in z.infolist():
                if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1 or not info.filename.endswith(".npy"):
                    msg = f"member {info.filename!r} is not a stored .npy"
                    raise ValueError(msg)
                at = info.header_offset
                head = bytes(self.buf[at : at + 30])
                if len(head) != 30 or head[:4] != b"PK\x03\x04":
                    msg = f"no local header for {info.filename!r}"
                    raise zipfile.BadZipFile(msg)
                start = at + 30 + int.from_bytes(head[26:28], "little") + int.from_bytes(head[28:30], "little")
                if start + info.file_size > size:
                    msg = f"member {info.filename!r} runs past the end of the file"
                    raise zipfile.BadZipFile(msg)
                self.where[info.filename[: -len(".npy")]] = (start, info.file_size)
        self.files = list(self.where)

    def __enter__(self) -> _Whole:
        return self

    def __exit__(self, *exc: object) -> None:
        """Nothing to close: the buffer lives as long as the arrays viewing it."""

    def __contains__(self, name: str) -> bool:
        return name in self.where

    def __getitem__(self, name: str) -> np.ndarray:
        start, size = self.where[name]
        fp = io.BytesIO(self.buf[start : start + min(size, 1 << 16)])
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
        else:
            msg = f"array {name!r}: .npy format version {version} not read here"
            raise ValueError(msg)
        if dtype.hasobject:
            msg = f"array {name!r} holds Python objects"
            raise ValueError(msg)
        count = int(np.prod(shape, dtype=np.int64))
        offset = start + fp.tell()
        if offset + count * dtype.itemsize > start + size:
            msg = f"array {name!r} runs past its member"
            raise ValueError(msg)
        if count == 0:
            return np.empty(shape, dtype=dtype, order="F" if fortran else "C")
        a = np.frombuffer(self.buf, dtype=dtype, count=count, offset=offset)
        return a.reshape(shape[::-1]).T if fortran else a.reshape(shape)


class _Unpacked:
    """An opened entry read by name as it was encoded: an array :func:`_packed` put with others of its
    type is a view of its part of theirs (checked to lie within it). Entries written without packing
    are read as they are."""

    def __init__(self, data: Any, moved: tuple[str, str] | None = None) -> None:
        self.data = data
        self.layout: dict[str, Any] = json.loads(data[PACKED].tobytes()) if PACKED in data.files else {}
        self.blobs: dict[str, np.ndarray] = {}
        self.moved = moved

    def __getitem__(self, name: str) -> np.ndarray:
        if self.moved is not None and name in (META, TREE):
            return _relocated(self.data[name], *self.moved)
        if name not in self.layout:
            return self.data[name]  # type: ignore[no-any-return]
        blob_name, at, shape = self.layout[name]
        blob = self.blobs.get(blob_name)
        if blob is None:
            blob = self.blobs[blob_name] = self.data[str(blob_name)]
        shape = tuple(int(n) for n in shape)
        size = int(np.prod(shape, dtype=np.int64))
        if blob.ndim != 1 or blob.dtype.kind not in "biuf" or min((0, *shape)) < 0 or not 0 <= int(at) <= len(blob) - size:
            msg = f"array {name!r} does not lie within its packed array"
            raise CacheFormatError(msg)
        return blob[int(at) : int(at) + size].reshape(shape)


def _relocated(raw: np.ndarray, old: str, new: str) -> np.ndarray:
    """A prebuilt entry's string table (``META``) or tree (``TREE``), both JSON, with the paths below the
    data folder the package was built with (``old``) named below the installed package's (``new``), as a
    build there would name them (a leg's or a warning's file, the network's files). One replace over the
    JSON text (~1 ms; parsing and writing the 0.9 MB table again cost a warm run 20 ms)."""
    return np.frombuffer(raw.tobytes().replace(json.dumps(old)[1:-1].encode(), json.dumps(new)[1:-1].encode()), dtype=np.uint8)


def evict(keep: Path | None = None, limit: int | None = None) -> list[Path]:
    """Remove least recently used entries until the folder is under the size bound; also remove old
    pickle entries of earlier versions and stale temporary files. Returns what was removed."""
    d = cache_dir()
    if d is None or not d.is_dir():
        return []
    limit = max_bytes() if limit is None else limit
    removed: list[Path] = []
    entries: list[tuple[float, int, Path]] = []
    uid = os.geteuid() if hasattr(os, "geteuid") else None
    now = time.time()
    try:
        listing = list(d.iterdir())
    except OSError:
        return []
    for p in listing:
        try:
            st = p.lstat()
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode) or (uid is not None and st.st_uid != uid):
            continue
        old_format = p.suffix == ".pickle"
        stale_tmp = p.name.startswith(".") and p.suffix == ".tmp" and st.st_mtime < now - 3600
        if old_format or stale_tmp:
            p.unlink(missing_ok=True)
            removed.append(p)
        elif p.suffix == SUFFIX:
            entries.append((st.st_mtime, st.st_size, p))
    total = sum(s for _, s, _ in entries)
    for _, size, p in sorted(entries):
        if total <= limit:
            break
        if keep is not None and p == keep:
            continue
        try:
            p.unlink()
        except OSError:
            continue
        total -= size
        removed.append(p)
        log.info("evicted cache entry %s (%.1f MB) to stay under %.0f MB", p, size / 1e6, limit / 1024 / 1024)
    return removed


class _GeometryIndexer(pickle.Pickler):
    """A pickler whose output depends on values only (no memo), writing each shapely geometry as its
    position in ``geoms`` (their WKB is hashed in bulk afterwards). Nothing is ever unpickled."""

    def __init__(self, buf: io.BytesIO) -> None:
        super().__init__(buf, protocol=5)
        self.fast = True  # no memo: a tuple shared by two legs is written twice, as a rebuilt graph would be
        self.geoms: list[Any] = []

    def reducer_override(self, obj: Any) -> Any:
        if type(obj).__module__.startswith("shapely.") and _is_geometry(obj):
            self.geoms.append(obj)
            return (int, (len(self.geoms) - 1,))
        return NotImplemented


def _is_geometry(x: Any) -> bool:
    from shapely.geometry.base import BaseGeometry

    return isinstance(x, BaseGeometry)


def _canonical_bytes(x: Any, geoms: list[Any] | None = None) -> bytes:
    """Bytes that depend on the value of ``x`` only, not on which objects are shared, for hashing;
    geometries are appended to ``geoms`` and written as their index."""
    buf = io.BytesIO()
    p = _GeometryIndexer(buf)
    try:
        p.dump(x)
    except (pickle.PicklingError, TypeError, AttributeError, ValueError, RecursionError):
        return repr(x).encode()
    if geoms is not None:
        geoms.extend(p.geoms)
    elif p.geoms:
        return repr(x).encode()
    return buf.getvalue()


_known: contextvars.ContextVar[tuple[Any, str] | None] = contextvars.ContextVar("corridors_known_fingerprint", default=None)


@contextlib.contextmanager
def known_fingerprint(G: Any, fingerprint: str) -> Iterator[None]:
    """Inside the block, :func:`graph_fingerprint` of this very graph object is ``fingerprint``, not
    hashed again. Only for a caller that has just read ``G`` and its fingerprint from one network cache
    entry (:func:`corridors.graph.load_network_with_fingerprint`) and runs nothing that edits ``G``
    before the block ends (building a router and its engine); the fingerprint is not trusted after it."""
    token = _known.set((G, fingerprint))
    try:
        yield
    finally:
        _known.reset(token)


#: graph attributes that are not part of a graph's content for :func:`graph_fingerprint` (where it was
#: read from, the warnings its build gave, and the indexes derived from it: the place-name index and the
#: leg index a scenario adds, so a graph used for a scenario keeps its fingerprint)
FINGERPRINT_SKIP = ("cache_key", "warnings", "_place_index", "_leg_index")


def graph_fingerprint(G: Any) -> str:
    """A SHA-256 of a graph's content (graph attributes but :data:`FINGERPRINT_SKIP`, node and edge
    attributes in their order, geometries as WKB), for keying what is compiled from it: a graph edited
    after loading gets a new fingerprint. It is the digest of the graph's encoding in the cache format
    (:func:`corridors.codec.graph_digest`), so a first run gets it from the encoding it writes
    (:func:`store_graph`) and the same graph read back has the same; a graph the format cannot hold is
    hashed as pickled values instead. A geometry object shared by two edges is encoded once, so a copy
    that no longer shares it hashes differently (a second engine entry, never a wrong one). No hashing
    at all inside :func:`known_fingerprint` for that graph."""
    known = _known.get()
    if known is not None and known[0] is G:
        return known[1]
    try:
        with paused_gc():
            return graph_digest(G, FINGERPRINT_SKIP)
    except (CacheFormatError, RecursionError):
        return _pickled_fingerprint(G)


def _pickled_fingerprint(G: Any) -> str:
    """:func:`graph_fingerprint` of a graph the cache format cannot encode: its values pickled (no memo)
    with the geometries' WKB."""
    import shapely

    h = hashlib.sha256(b"pickled\0" + type(G).__name__.encode())
    geoms: list[Any] = []
    graph_attrs = {k: v for k, v in G.graph.items() if k not in FINGERPRINT_SKIP}
    h.update(_canonical_bytes(graph_attrs, geoms))
    h.update(_canonical_bytes(G._node, geoms))
    h.update(_canonical_bytes(G._adj, geoms))
    wkb = shapely.to_wkb(np.asarray(geoms, dtype=object)) if geoms else []
    h.update(b"".join(wkb))
    return h.hexdigest()
