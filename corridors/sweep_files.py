"""The files of a sweep: its inputs (scenarios, pairs), its checkpoint and its output table.

Split from :mod:`corridors.sweep`, which re-exports the public names.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .errors import CorridorsError, DataFileError, ScenarioError

log = logging.getLogger("corridors.sweep")

BASELINE = "baseline"
#: the route figures a sweep row carries, as named in Route.summary()
ROUTE_FIELDS = (
    "time_days",
    "cost_usd",
    "co2_kg",
    "exposure",
    "length_km",
    "sea_nm",
    "transshipments",
    "border_crossings",
    "gauge_changes",
    "chokepoints",
    "countries",
    "ports",
    "not_operational",
    "via",
)
#: columns of the sweep table, in order
ROW_FIELDS = (
    "scenario",
    "scenario_name",
    "origin",
    "destination",
    "origin_id",
    "destination_id",
    "family",
    "family_name",
    "status",
    "rank",
    *ROUTE_FIELDS,
    "reason",
    "scenario_digest",
)


class SweepError(CorridorsError, RuntimeError):
    """A sweep cannot start or go on (an optional dependency is missing, a checkpoint does not match)."""


# ------------------------------------------------------------------------------------------ inputs
def collect_scenarios(specs: Iterable[str | Path]) -> list[Path]:
    """Scenario files from paths, folders (every ``*.toml``, by name), bundled scenario names, or
    comma-separated lists of these."""
    from .scenario import find_scenario

    out: list[Path] = []
    for spec in specs:
        parts = [p.strip() for p in str(spec).split(",") if p.strip()] if not Path(spec).exists() else [str(spec)]
        for part in parts:
            p = Path(part)
            if p.is_dir():
                found = sorted(p.glob("*.toml"))
                if not found:
                    msg = f"{p}: no scenario files (*.toml) in this folder"
                    raise ScenarioError(msg)
                out.extend(found)
            else:
                out.append(find_scenario(part))
    return list(dict.fromkeys(out))


def read_pairs(spec: str | Path) -> list[tuple[str, str]]:
    """Origin–destination pairs from a CSV file (columns ``origin,destination``; more columns are
    ignored, ``#`` lines skipped) or an inline list ``"Chelyabinsk:Mumbai,Moscow:Mundra"`` (use ``->``
    instead of ``:`` between places whose ids contain a colon: ``rail:chelyabinsk->port:INBOM``)."""
    p = Path(spec)
    if p.is_file():
        from .io import read_text

        text = read_text(p, "pairs file")
        lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        rows = list(csv.reader(lines))
        if not rows:
            msg = f"{p}: no pairs (write a CSV with columns origin,destination)"
            raise DataFileError(msg)
        head = [h.strip().lower() for h in rows[0]]
        if "origin" in head and "destination" in head:
            io_, id_ = head.index("origin"), head.index("destination")
            body = rows[1:]
        else:
            io_, id_ = 0, 1
            body = rows
        pairs = []
        for n, r in enumerate(body, 2 if body is not rows else 1):
            if len(r) <= max(io_, id_) or not r[io_].strip() or not r[id_].strip():
                msg = f"{p}, row {n}: needs an origin and a destination"
                raise DataFileError(msg)
            pairs.append((r[io_].strip(), r[id_].strip()))
    else:
        pairs = []
        for part in str(spec).split(","):
            part = part.strip()
            if not part:
                continue
            if "->" in part:
                a, _, b = part.partition("->")
            elif part.count(":") == 1:
                a, _, b = part.partition(":")
            else:
                hint = " (use -> between ids that contain a colon: rail:chelyabinsk->port:INBOM)" if part.count(":") > 1 else ""
                msg = f"{spec}: {part!r} is not a pair ORIGIN:DESTINATION, and no such pairs file exists{hint}"
                raise DataFileError(msg)
            pairs.append((a.strip(), b.strip()))
    if not pairs:
        msg = f"{spec}: no origin–destination pairs"
        raise DataFileError(msg)
    return list(dict.fromkeys(pairs))


# ------------------------------------------------------------------------------------------ checkpoint
def checkpoint_path(output: str | Path) -> Path:
    """``out.csv`` -> ``out.partial.jsonl`` (shared by any output format of the same name)."""
    p = Path(output)
    return p.with_name(p.stem + ".partial.jsonl")


def read_checkpoint(path: Path, meta: dict[str, Any]) -> dict[tuple[str, ...], dict[str, Any]]:
    done: dict[tuple[str, ...], dict[str, Any]] = {}
    if not path.exists():
        return done
    seen_meta = False
    with path.open(encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except (json.JSONDecodeError, RecursionError):
                rec = None
            if not seen_meta and not (isinstance(rec, dict) and isinstance(rec.get("meta"), dict)):
                # without its settings line nobody can tell which objective or network wrote the rows:
                # resuming could mix two sweeps in one table
                msg = (
                    f"{path}: the checkpoint's first line (the sweep's settings) is damaged or missing, so its rows "
                    "cannot be trusted; pass --restart (or delete the file) to start over"
                )
                raise SweepError(msg)
            if not isinstance(rec, dict):
                log.warning("%s: ignoring unreadable line %d (an interrupted write)", path, n)
                continue
            if "meta" in rec:
                seen_meta = True
                if rec["meta"] != meta:
                    diff = [k for k in meta if rec["meta"].get(k) != meta[k]]
                    msg = (
                        f"{path}: this checkpoint was written by a sweep with other settings ({', '.join(diff)} differ); "
                        "rerun with the same options, or pass --restart (or delete the file) to start over"
                    )
                    raise SweepError(msg)
                continue
            if isinstance(rec.get("key"), list) and isinstance(rec.get("rows"), list):
                done[tuple(rec["key"])] = rec
    return done


class Checkpoint:
    """Append-only JSON lines, flushed and synced after every record, and locked (POSIX) so that
    two sweeps never write the same checkpoint."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh = path.open("a+", encoding="utf-8")
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no lock
            return
        try:
            fcntl.flock(self.fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            self.fh.close()
            msg = f"{path}: another sweep is writing this checkpoint (same output file); wait for it or choose another output"
            raise SweepError(msg) from exc

    def start(self, meta: dict[str, Any]) -> dict[tuple[str, ...], dict[str, Any]]:
        """The records already there (checked against ``meta``); writes ``meta`` to a new file."""
        done = read_checkpoint(self.path, meta)
        size = self.path.stat().st_size
        if size == 0:
            self._write({"meta": meta})
        else:
            with self.path.open("rb") as fh:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    self.fh.write("\n")  # end a line cut short by an interruption
        return done

    def _write(self, rec: dict[str, Any]) -> None:
        self.fh.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
        self.fh.flush()
        os.fsync(self.fh.fileno())

    def add(self, rec: dict[str, Any]) -> None:
        self._write(rec)

    def close(self) -> None:
        self.fh.close()


class OutputLock:
    """An exclusive lock on a sweep's output for the whole run (POSIX ``flock`` on a hidden
    ``.NAME.lock`` beside it, kept after the run: removing it would let two runs lock different files)."""

    def __init__(self, out: Path) -> None:
        from .errors import OutputLockedError

        self.path = out.with_name(f".{out.name}.lock")
        try:
            self.fh: Any = self.path.open("a+")
        except OSError as exc:
            msg = f"cannot lock {out}: {exc.strerror or exc}"
            raise OutputLockedError(msg) from None
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no lock
            return
        try:
            fcntl.flock(self.fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.fh.close()
            msg = f"{out}: another sweep is writing this output; wait for it or choose another output"
            raise OutputLockedError(msg) from None

    def release(self) -> None:
        self.fh.close()


def output_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    except OSError:
        return None


def check_parquet() -> None:
    import importlib.util

    if importlib.util.find_spec("pyarrow") is None or importlib.util.find_spec("pandas") is None:
        msg = "Parquet output needs pyarrow: pip install 'corridors[dask]' (or pyarrow), or write a .csv"
        raise SweepError(msg)


# ------------------------------------------------------------------------------------------ output
def table_bytes(rows: Sequence[dict[str, Any]], fmt: str) -> bytes:
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(ROW_FIELDS), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        return buf.getvalue().encode("utf-8")
    try:
        import pandas as pd
        import pyarrow  # noqa: F401
    except ImportError as exc:
        msg = "Parquet output needs pyarrow: pip install 'corridors[dask]' (or pyarrow), or write a .csv"
        raise SweepError(msg) from exc
    df = pd.DataFrame(list(rows), columns=list(ROW_FIELDS))
    df["rank"] = df["rank"].astype("Int64")
    buf2 = io.BytesIO()
    df.to_parquet(buf2, index=False)
    return buf2.getvalue()


def format_of(output: Path) -> str:
    suffix = output.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    msg = f"{output}: the output must end in .csv or .parquet"
    raise SweepError(msg)


def iter_rows(path: str | Path) -> Iterator[dict[str, Any]]:
    """Rows of a sweep CSV (strings), for quick checks."""
    with Path(path).open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)
