"""Where a problem in a scenario file is: the line and the dotted key of a TOML problem, and the one
:class:`~corridors.errors.ScenarioError` that names the file, the line and the key of every problem found.

Used by :mod:`corridors.scenario` (reading) and :mod:`corridors.apply` (ids checked against a network).
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import ScenarioError

__all__ = ["Issue", "hint", "scenario_error", "toml_error"]

_HEADER = re.compile(r"^\s*\[\[?\s*(.*?)\s*\]\]?\s*(?:#.*)?$")
_KEYLINE = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'))*)\s*="""
)


def _parse_key(text: str) -> tuple[str, ...] | None:
    try:
        d: Any = tomllib.loads(f"{text} = 0")
    except tomllib.TOMLDecodeError:
        return None
    path: list[str] = []
    while isinstance(d, dict) and len(d) == 1:
        k, d = next(iter(d.items()))
        path.append(k)
    return tuple(path)


def _key_lines(text: str) -> list[tuple[int, tuple[str, ...]]]:
    """(line number, full key path) of every table header and key in ``text``."""
    out: list[tuple[int, tuple[str, ...]]] = []
    table: tuple[str, ...] = ()
    in_string: str | None = None
    for i, line in enumerate(text.splitlines(), 1):
        if in_string is not None:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        m = _HEADER.match(line) if line.lstrip().startswith("[") else None
        if m:
            p = _parse_key(m.group(1))
            if p is not None:
                table = p
                out.append((i, p))
                continue
        m = _KEYLINE.match(line)
        if m:
            p = _parse_key(m.group(1))
            if p is not None:
                out.append((i, table + p))
        for q in ('"""', "'''"):
            if line.count(q) % 2 == 1:
                in_string = q
    return out


def _line_of(text: str, path: Sequence[str], value: Any = None) -> int | None:
    """The line where ``path`` (or its longest written prefix) is set; with a string ``value``, the
    line of that item when an array spans several lines."""
    entries = _key_lines(text)
    best: tuple[int, int] | None = None  # (prefix length, position in entries)
    for pos, (_, p) in enumerate(entries):
        if len(p) <= len(path) and tuple(path[: len(p)]) == p and (best is None or len(p) > best[0]):
            best = (len(p), pos)
    if best is None:
        return None
    line = entries[best[1]][0]
    if isinstance(value, str) and value:
        lines = text.splitlines()
        stop = entries[best[1] + 1][0] if best[1] + 1 < len(entries) else len(lines) + 1
        for j in range(line, stop):
            if f'"{value}"' in lines[j - 1] or f"'{value}'" in lines[j - 1]:
                return j
    return line


def _dotted(path: Sequence[str]) -> str:
    return ".".join(p if re.fullmatch(r"[A-Za-z0-9_-]+", p) else json.dumps(p) for p in path)


@dataclass(frozen=True)
class Issue:
    """One problem found in a scenario: the key path it concerns, what is wrong, and (for an item of a
    list) the value, to find its own line."""

    path: tuple[str, ...]
    message: str
    value: Any = None


def scenario_error(file: str, text: str, issues: Sequence[Issue]) -> ScenarioError:
    """One ScenarioError for every issue found: the first in full, the others counted."""

    def one(iss: Issue) -> tuple[int | None, str]:
        line = _line_of(text, iss.path, iss.value) if text else None
        where = f"line {line}, " if line else ""
        return (
            line,
            f"{where}key {_dotted(iss.path)}: {iss.message}" if iss.path else f"{where}{iss.message}",
        )

    first_line, first = one(issues[0])
    msg = f"{file}, {first}"
    if len(issues) > 1:
        rest = [one(i)[1] for i in issues[1:4]]
        more = f"; and {len(issues) - 4} more" if len(issues) > 4 else ""
        msg += f" (also: {'; '.join(rest)}{more})"
    exc = ScenarioError(msg)
    exc.file = file  # type: ignore[attr-defined]
    exc.line = first_line  # type: ignore[attr-defined]
    exc.key = _dotted(issues[0].path)  # type: ignore[attr-defined]
    exc.problems = [one(i)[1] for i in issues]  # type: ignore[attr-defined]
    return exc


def hint(word: str, known: Iterable[str], n: int = 3) -> str:
    """ "; did you mean 'x'?" with up to ``n`` close matches of ``word`` in ``known``, or ""."""
    known = list(known)
    close = difflib.get_close_matches(word, known, n=n, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(word.lower(), [k.lower() for k in known], n=n, cutoff=0.6)
        close = [k for k in known if k.lower() in close]
    return f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def toml_error(file: str, text: str, exc: tomllib.TOMLDecodeError) -> ScenarioError:
    """tomllib's message, with the line, the key written there, and the text of the line."""
    lines = text.splitlines()
    m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
    reason = re.sub(r"\s*\(at (?:line \d+, column \d+|end of document)\)", "", str(exc))
    line = int(m.group(1)) if m else len(lines)
    col = int(m.group(2)) if m else None
    if "Unclosed" in reason or not m:
        # an unclosed array, table or string is reported where the parser gave up: point at the
        # key that opened it instead
        opener = "{" if "inline table" in reason else "["
        closer = "}" if opener == "{" else "]"
        for j in range(min(line, len(lines)), 0, -1):
            src = lines[j - 1].split("#", 1)[0]
            if _KEYLINE.match(src) and src.count(opener) > src.count(closer):
                line, col = j, None
                break
    src = lines[line - 1] if 0 < line <= len(lines) else ""
    key = ""
    k = _KEYLINE.match(src) or re.match(r"^\s*([^=\[\s][^=]*?)\s*=", src)
    h = _HEADER.match(src) if src.lstrip().startswith("[") else None
    if k:
        key = k.group(1).strip()
    elif h:
        key = f"[{h.group(1)}]"
    where = f"{file}, line {line}" + (f", key {key}" if key else "")
    at = f"column {col}: " if col else ""
    end = "" if m else ", at the end of the file"
    msg = f"{where}: not valid TOML: {reason}{end} ({at}{src.strip()[:60]!r})"
    err = ScenarioError(msg)
    err.file, err.line, err.key = file, line, key  # type: ignore[attr-defined]
    return err
