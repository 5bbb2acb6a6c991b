"""Reading network layers (GeoJSON) into raw records, and merging layers.

A *layer* is a GeoJSON FeatureCollection of nodes (Points) and legs (LineStrings) as described in
``data/README.md``. The bundled network is the layers in ``data/network/``; users may bring extra layers
(merged over it, feature by feature, by ``id``) or a whole network of their own.

Nothing here raises on a bad feature: every problem is collected as a :class:`~corridors.errors.Problem`
so that the validator can report them all at once.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import DataFileError, OutputExistsError, OutputWriteError, Problem

NODE_KINDS = ("port", "rail_terminal", "border_crossing", "city", "junction")
MODES = ("rail", "sea", "ferry", "road")
STATUSES = ("operational", "under_construction", "planned")
GAUGES = (1435, 1520, 1676)
MARNET = "marnet"


@dataclass
class Record:
    """One feature of a layer, as read (properties untouched, coordinates as floats)."""

    id: str
    props: dict[str, Any]
    coords: list[tuple[float, float]]
    file: str
    index: int

    @property
    def is_node(self) -> bool:
        return len(self.coords) == 1


@dataclass
class Layers:
    """The merged raw network: nodes and legs by id, plus every problem met while reading."""

    nodes: dict[str, Record] = field(default_factory=dict)
    legs: dict[str, Record] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def bundled_data_dir() -> Path:
    return Path(str(resources.files("corridors.data")))


def bundled_network_files() -> list[Path]:
    return sorted((bundled_data_dir() / "network").glob("*.geojson"))


# ----------------------------------------------------------------------------- bounded reading
DEFAULT_MAX_INPUT_MB = 256.0
MAX_DEPTH = 64  # nesting of lists and tables in any input file (GeoJSON needs 5, scenarios 4)


def max_input_bytes() -> int:
    """The largest input file read (``$CORRIDORS_MAX_INPUT_MB``, default 256 MB)."""
    raw = os.environ.get("CORRIDORS_MAX_INPUT_MB")
    try:
        mb = float(raw) if raw else DEFAULT_MAX_INPUT_MB
    except ValueError:
        mb = DEFAULT_MAX_INPUT_MB
    if not math.isfinite(mb) or mb <= 0:
        mb = DEFAULT_MAX_INPUT_MB
    return int(mb * 1024 * 1024)


def read_text(path: str | Path, what: str = "file") -> str:
    """The UTF-8 text of ``path``, read at most up to the size limit (a device such as /dev/zero or a
    huge file is refused, not read to the end).

    Raises
    ------
    DataFileError
        One line naming the file and what is wrong (missing, a folder, unreadable, too large, not UTF-8).
    """
    path = Path(path)
    limit = max_input_bytes()
    try:
        with path.open("rb") as fh:
            data = fh.read(min(65536, limit + 1))
            if b"\0" not in data:  # a binary file or a device such as /dev/zero: stop at the first block
                data += fh.read(limit + 1 - len(data))
    except FileNotFoundError:
        msg = f"{path}: {what} not found (check the path)"
        raise DataFileError(msg) from None
    except IsADirectoryError:
        msg = f"{path}: is a folder, not a {what}"
        raise DataFileError(msg) from None
    except OSError as exc:
        msg = f"{path}: cannot read the {what} ({exc.strerror or exc})"
        raise DataFileError(msg) from None
    if len(data) > limit:
        msg = f"{path}: {what} is larger than {limit / 1024 / 1024:g} MB (set CORRIDORS_MAX_INPUT_MB to raise the limit)"
        raise DataFileError(msg)
    if b"\0" in data:
        msg = f"{path}: is a binary file, not a text {what}"
        raise DataFileError(msg)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        msg = f"{path}: is not UTF-8 text (save the {what} as UTF-8)"
        raise DataFileError(msg) from None


def depth(obj: Any) -> int:
    """How deeply lists and dicts nest in ``obj`` (iterative: safe on any depth)."""
    deepest = 0
    stack = [(obj, 1)]
    while stack:
        x, d = stack.pop()
        if isinstance(x, dict):
            deepest = max(deepest, d)
            stack.extend((v, d + 1) for v in x.values())
        elif isinstance(x, list | tuple):
            deepest = max(deepest, d)
            stack.extend((v, d + 1) for v in x)
    return deepest


def _check_depth(obj: Any, file: str) -> Any:
    if depth(obj) > MAX_DEPTH:
        msg = f"{file}: nested more than {MAX_DEPTH} levels deep (not a corridors input file)"
        raise DataFileError(msg)
    return obj


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


# every byte but ``[]{}"\\`` (UTF-8 never uses these byte values inside a multi-byte character)
_DROP = bytes(c for c in range(256) if c not in b'[]{}"\\')


def json_text_depth(text: str) -> int:
    """How deeply lists and objects nest in a *valid* JSON text (what :func:`depth` says of the parsed
    value): the most brackets open at once outside strings, counted with numpy (a walk over the parsed
    value costs far more on a large GeoJSON file)."""
    import numpy as np

    # only the brackets, quotes and backslashes matter: keep those, then drop the strings
    marks = text.encode("utf-8", "surrogatepass").translate(None, _DROP).decode("ascii")
    b = np.frombuffer(_JSON_STRING.sub("", marks).encode("ascii"), dtype=np.uint8)
    step = np.zeros(len(b), np.int32)
    step[(b == 0x5B) | (b == 0x7B)] = 1  # [ {
    step[(b == 0x5D) | (b == 0x7D)] = -1  # ] }
    return int(np.cumsum(step).max()) if len(b) else 0


def loads_json(text: str, file: str) -> Any:
    """Parse JSON text; too deep a nesting is a :class:`DataFileError`, not a crash."""
    try:
        obj = json.loads(text)
    except RecursionError:
        msg = f"{file}: nested too deeply to be a corridors input file"
        raise DataFileError(msg) from None
    if json_text_depth(text) > MAX_DEPTH:
        msg = f"{file}: nested more than {MAX_DEPTH} levels deep (not a corridors input file)"
        raise DataFileError(msg)
    return obj


def loads_toml(text: str, file: str) -> dict[str, Any]:
    """Parse TOML text (``tomllib.TOMLDecodeError`` passes through); too deep a nesting is a
    :class:`DataFileError`."""
    import tomllib

    try:
        return _check_depth(tomllib.loads(text), file)  # type: ignore[no-any-return]
    except RecursionError:
        msg = f"{file}: nested too deeply to be a corridors input file"
        raise DataFileError(msg) from None


def read_json(path: Path, problems: list[Problem]) -> Any:
    try:
        text = read_text(path, "GeoJSON file")
        return loads_json(text, str(path))
    except DataFileError as exc:
        problems.append(Problem(str(path), None, None, None, str(exc).removeprefix(f"{path}: ")))
    except json.JSONDecodeError as exc:
        problems.append(Problem(str(path), None, None, None, f"not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"))
    return None


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _coords(file: str, i: int, fid: str | None, geom: Any, problems: list[Problem]) -> list[tuple[float, float]] | None:
    if not isinstance(geom, dict):
        problems.append(Problem(file, i, fid, "geometry", "missing or null geometry"))
        return None
    gtype = geom.get("type")
    raw = geom.get("coordinates")
    pts: Any
    if gtype == "Point":
        pts = [raw]
    elif gtype == "LineString":
        pts = raw
    elif gtype == "MultiLineString" and isinstance(raw, list):
        # an antimeridian-split line: join its parts in order
        pts = [p for part in raw if isinstance(part, list) for p in part]
    else:
        problems.append(Problem(file, i, fid, "geometry", f"geometry type {gtype!r} is not Point, LineString or MultiLineString"))
        return None
    if not isinstance(pts, list) or not pts:
        problems.append(Problem(file, i, fid, "geometry", "empty geometry"))
        return None
    out: list[tuple[float, float]] = []
    for p in pts:
        if not (isinstance(p, list | tuple) and len(p) >= 2 and _number(p[0]) and _number(p[1])):
            problems.append(Problem(file, i, fid, "geometry", f"coordinate {p!r} is not a [lon, lat] pair of numbers"))
            return None
        lon, lat = float(p[0]), float(p[1])
        if not -90 <= lat <= 90 or not -180 <= lon <= 180:
            hint = " (lon and lat look swapped: GeoJSON wants [lon, lat])" if -90 <= lon <= 90 and -180 <= lat <= 180 else ""
            problems.append(Problem(file, i, fid, "geometry", f"coordinate [{lon}, {lat}] out of range{hint}"))
            return None
        out.append((lon, lat))
    if gtype != "Point" and len(out) < 2:
        problems.append(Problem(file, i, fid, "geometry", "a line needs at least two coordinates"))
        return None
    if gtype != "Point" and all(p == out[0] for p in out):
        problems.append(Problem(file, i, fid, "geometry", "line has zero length (all coordinates equal)"))
        return None
    return out


def read_layer(path: str | Path, problems: list[Problem]) -> list[Record]:
    """Read one GeoJSON layer into records; problems are appended, never raised."""
    path = Path(path)
    data = read_json(path, problems)
    if data is None:
        return []
    file = str(path)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        problems.append(
            Problem(file, None, None, None, 'not a GeoJSON FeatureCollection (need {"type": "FeatureCollection", "features": [...]})')
        )
        return []
    records: list[Record] = []
    for i, feat in enumerate(data["features"]):
        if not isinstance(feat, dict):
            problems.append(Problem(file, i, None, None, "feature is not a JSON object"))
            continue
        props = feat.get("properties")
        if not isinstance(props, dict):
            problems.append(Problem(file, i, None, "properties", "missing properties object"))
            continue
        fid = props.get("id", feat.get("id"))
        if not isinstance(fid, str) or not fid.strip():
            problems.append(Problem(file, i, None, "id", "missing id (every node and leg needs a unique string id)"))
            continue
        props = dict(props)
        props["id"] = fid
        if props.get("action") == "remove":
            records.append(Record(fid, props, [], file, i))
            continue
        coords = _coords(file, i, fid, feat.get("geometry"), problems)
        if coords is None:
            continue
        if feat.get("geometry", {}).get("type") == "Point" and any(k in props for k in ("from", "to")):
            problems.append(Problem(file, i, fid, "geometry", "has from/to but is a Point: a leg must be a LineString"))
            continue
        records.append(Record(fid, props, coords, file, i))
    return records


def read_layers(
    base: Sequence[str | Path] | None = None,
    overlays: Iterable[str | Path] = (),
) -> Layers:
    """Read the base network (bundled if ``base`` is None) and merge overlay layers over it.

    In the base, an id may appear once only. An overlay feature replaces the base feature with the same
    id, or adds a new one; an overlay feature with ``"action": "remove"`` (geometry may be null) removes it.
    """
    layers = Layers()
    base_files = [Path(p) for p in base] if base is not None else bundled_network_files()
    for path in base_files:
        layers.files.append(str(path))
        for rec in read_layer(path, layers.problems):
            if rec.props.get("action") == "remove":
                layers.problems.append(Problem(rec.file, rec.index, rec.id, "action", "'remove' is only allowed in an overlay layer"))
                continue
            if rec.id in layers.nodes or rec.id in layers.legs:
                prev = layers.nodes.get(rec.id) or layers.legs[rec.id]
                layers.problems.append(
                    Problem(rec.file, rec.index, rec.id, "id", f"duplicate id (first defined in {prev.file}, feature {prev.index})")
                )
                continue
            (layers.nodes if rec.is_node else layers.legs)[rec.id] = rec
    for overlay in overlays:
        layers.files.append(str(overlay))
        seen: set[str] = set()
        for rec in read_layer(overlay, layers.problems):
            if rec.id in seen:
                layers.problems.append(Problem(rec.file, rec.index, rec.id, "id", "duplicate id within this overlay"))
                continue
            seen.add(rec.id)
            if rec.props.get("action") == "remove":
                if layers.nodes.pop(rec.id, None) is None and layers.legs.pop(rec.id, None) is None:
                    layers.problems.append(Problem(rec.file, rec.index, rec.id, "id", "nothing with this id to remove"))
                else:
                    layers.removed.append(rec.id)
                continue
            layers.nodes.pop(rec.id, None)
            layers.legs.pop(rec.id, None)
            (layers.nodes if rec.is_node else layers.legs)[rec.id] = rec
    # removing a node (closing a port, say) removes the legs that touch it
    gone = set(layers.removed)
    for lid in [lid for lid, rec in layers.legs.items() if rec.props.get("from") in gone or rec.props.get("to") in gone]:
        del layers.legs[lid]
        layers.removed.append(lid)
    return layers


# ----------------------------------------------------------------------------- writing outputs
SIDECAR_SUFFIX = ".corridors"


def sidecar_path(path: str | Path) -> Path:
    """The hidden file beside an output that records corridors wrote it: ``.NAME.corridors``."""
    path = Path(path)
    return path.with_name(f".{path.name}{SIDECAR_SUFFIX}")


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def written_by_us(path: str | Path) -> bool:
    """True if corridors wrote ``path`` and nobody changed it since: its sidecar (a regular file owned by
    the current user) records the SHA-256 of exactly these bytes. What the file itself says (a
    ``"generator": "corridors"`` line, say) is never trusted."""
    path = Path(path)
    sc = sidecar_path(path)
    try:
        fd = os.open(sc, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or (hasattr(os, "geteuid") and st.st_uid != os.geteuid()) or st.st_size > 4096:
            return False
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            doc = json.loads(fh.read(4096))
        want = doc.get("sha256") if isinstance(doc, dict) else None
        return isinstance(want, str) and path.is_file() and _sha256_file(path) == want
    except (OSError, ValueError):
        return False
    finally:
        if fd >= 0:
            os.close(fd)


def _check_target(path: Path, force: bool) -> Path:
    if path.is_dir():
        msg = f"{path} is a folder; give a file name"
        raise OutputExistsError(msg)
    if (path.exists() or path.is_symlink()) and not force and not written_by_us(path):
        msg = f"{path} already exists and was not written by corridors; choose another name or pass --force to replace it"
        raise OutputExistsError(msg)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        msg = f"folder {parent} does not exist; create it first"
        raise OutputExistsError(msg)
    return parent


def _file_mode(path: Path) -> int:
    """The replaced file's mode, else what the umask gives a new file."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_file(path: str | Path, writer: Callable[[Path], object], force: bool = False) -> Path:
    """Write an output through ``writer(tmp_path)`` into a private folder beside ``path``, then rename it
    into place and record it as ours in the sidecar. An existing file is replaced only if corridors wrote
    it (its sidecar matches its bytes) or with ``force``; a failure (a full or read-only disk) leaves
    neither a half-written file nor a temporary one.

    Raises
    ------
    OutputExistsError
        The file exists and is not ours, is a folder, or its folder is missing.
    OutputWriteError
        The disk refused the write (one line naming the file and the reason).
    """
    target = Path(path)
    parent = _check_target(target, force)
    tmpdir: str | None = None
    try:
        tmpdir = tempfile.mkdtemp(dir=parent, prefix=f".{target.name}.", suffix=".tmp")
        tmp = Path(tmpdir) / target.name
        writer(tmp)
        os.chmod(tmp, _file_mode(target))
        digest = _sha256_file(tmp)
        os.replace(tmp, target)
        _write_sidecar(target, digest)
    except OSError as exc:
        msg = f"could not write {target}: {exc.strerror or exc}"
        raise OutputWriteError(msg) from None
    finally:
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)
    return target


def _write_sidecar(path: Path, digest: str) -> None:
    from ._version import __version__

    sc = sidecar_path(path)
    doc = {"generator": "corridors", "version": __version__, "file": path.name, "sha256": digest}
    fd, tmp = tempfile.mkstemp(dir=sc.parent, prefix=sc.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh)
        os.replace(tmp, sc)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: str | Path, data: str | bytes, force: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`write_file`)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return write_file(path, lambda tmp: tmp.write_bytes(raw), force=force)
