"""What-if scenarios: a TOML file of closures, bans, openings and parameter changes, applied to a copy
of the network and run against the baseline.

A scenario file (the format is described in ``docs/scenarios.md`` and ``data/scenarios/README.md``)::

    [scenario]
    name = "Red Sea closure"
    depart = 2026-01-15                       # optional departure date

    [forbid]
    territory = ["AZE"]                       # no land leg, canal or non-port node in AZE
    ports = ["IRN"]                           # no port call in Iran

    [close]
    chokepoints = ["bab_el_mandeb", "suez"]
    ports = ["Bandar Abbas"]                  # names, aliases, UN/LOCODEs or ids
    nodes = ["border:astara"]
    legs = ["rail:sarakhs-mashhad"]

    [open]
    planned = "all"                           # or a list of planned / under-construction leg ids

    [nodes."border:sarakhs"]
    dwell_border_h = { multiply = 3 }         # a number sets; { multiply = x } or { add = x } change

    [legs."ferry:astrakhan-anzali"]
    frequency_per_week = 1

    [parameters.rail_speed_kmh_by_country]    # the layout of data/parameters.toml
    IRN = 15

    [chokepoint_weights]
    hormuz = 3

Reading (:func:`read_scenario`) checks the structure; :func:`apply_scenario` checks every id against a
network and returns a new :class:`~corridors.routing.Router` (a graph copy when nodes or legs change,
and the changed parameters) and the :class:`~corridors.routing.Constraints` of the scenario. The
router passed in is never modified. Every error is one :class:`~corridors.errors.ScenarioError` that
names the file, the line and the key.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

from .constraints import leg_breaks, node_breaks, season_closed
from .errors import ConstraintError, DataFileError, NoRouteError, ScenarioError, UnknownPlaceError
from .io import MODES
from .model import Route
from .params import Parameters, bundled_parameters_path
from .routing import OBJECTIVES, CompareResult, Constraints, Router, turns_back

__all__ = [
    "AppliedScenario",
    "Change",
    "FamilyDelta",
    "RouteSpec",
    "Scenario",
    "ScenarioRun",
    "Violation",
    "apply_scenario",
    "bundled_scenarios",
    "bundled_scenarios_dir",
    "check_route",
    "find_scenario",
    "load_route_file",
    "parse_scenario",
    "read_scenario",
    "route_through",
    "run_scenario",
]

#: what each top-level table of a scenario file holds
SECTIONS: dict[str, str] = {
    "scenario": "name, description and departure date",
    "forbid": "countries whose territory or ports a route must not use",
    "close": "closed chokepoints, ports, nodes and legs",
    "open": "planned or under-construction legs taken as built",
    "nodes": "changed dwell times of nodes, by node id",
    "legs": "changed frequency, speed or months of legs, by leg id",
    "parameters": "cost-model figures, in the layout of data/parameters.toml",
    "chokepoint_weights": "exposure weights of chokepoints",
}
SCENARIO_KEYS = ("name", "description", "depart")
FORBID_KEYS = ("territory", "ports", "both")
CLOSE_KEYS = ("chokepoints", "ports", "nodes", "legs")
OPEN_KEYS = ("planned",)
NODE_ATTRS: dict[str, str] = {
    "dwell_border_h": "hours of border formalities",
    "dwell_transfer_h": "hours to move a container between modes (or vessels) here",
    "dwell_gauge_h": "hours for a break of gauge (setting it allows a gauge change here)",
}
LEG_ATTRS: dict[str, str] = {
    "frequency_per_week": "departures per week of a scheduled service",
    "speed_kmh": "moving speed",
    "months": "months in which the leg can be used (replaces the months it has, seasonal zones included)",
}
#: parameter tables whose keys are free ISO-3 codes
_COUNTRY_TABLES = ("rail_speed_kmh_by_country", "rail_co2_kg_per_teu_km_by_country", "rail_cost_usd_per_teu_km_by_country")
#: parameter tables mapped to a Parameters field of the same name
_TABLE_FIELDS = (
    "speed_kmh",
    "dwell_h",
    "cost_usd_per_teu_km",
    "handling_usd_per_teu",
    "co2_kg_per_teu_km",
    "handling_usd_per_teu_by_country",
    "cost_usd_per_teu_day",
    "cost_usd_per_teu_fixed",
    "surcharge_usd_per_teu_by_chokepoint",
    *_COUNTRY_TABLES,
)
#: (table, key) of parameters that are single numbers
_SCALARS: dict[tuple[str, str], str] = {
    ("co2_kg_per_teu_handled", "transfer"): "co2_kg_per_teu_handled",
    ("risk", "default_chokepoint_weight"): "default_chokepoint_weight",
}
_CHANGE_OPS = ("value", "multiply", "add")
_CHANGE_EXTRA = ("source", "note")
_ISO3 = re.compile(r"^[A-Z]{3}$")


# ---------------------------------------------------------------------------------------------- errors
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
class _Issue:
    path: tuple[str, ...]
    message: str
    value: Any = None


def _error(file: str, text: str, issues: Sequence[_Issue]) -> ScenarioError:
    """One ScenarioError for every issue found: the first in full, the others counted."""

    def one(iss: _Issue) -> tuple[int | None, str]:
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


def _hint(word: str, known: Iterable[str], n: int = 3) -> str:
    known = list(known)
    close = difflib.get_close_matches(word, known, n=n, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(word.lower(), [k.lower() for k in known], n=n, cutoff=0.6)
        close = [k for k in known if k.lower() in close]
    return f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""


# ---------------------------------------------------------------------------------------------- model
@dataclass(frozen=True)
class Change:
    """A change of one number: ``set`` it, ``multiply`` it or ``add`` to it (``months``: a set list)."""

    op: str
    value: Any
    source: str = ""

    def apply(self, current: float | None) -> Any:
        if self.op == "set":
            return self.value
        if current is None:
            msg = f"has no value to {self.op}; set a number instead"
            raise ValueError(msg)
        new = current * self.value if self.op == "multiply" else current + self.value
        if not math.isfinite(new) or new < 0:
            msg = f"gives {new:g} ({current:g} {self.describe()}); it must be a finite number, 0 or more"
            raise ValueError(msg)
        return new

    def describe(self) -> str:
        if self.op == "set":
            v = self.value
            return "= " + (",".join(map(str, v)) if isinstance(v, tuple) else f"{v:g}")
        return f"× {self.value:g}" if self.op == "multiply" else f"{self.value:+g}"


@dataclass(frozen=True)
class Scenario:
    """A parsed scenario file. Ids are as written; :func:`apply_scenario` checks them."""

    id: str
    name: str
    description: str = ""
    file: str = "<scenario>"
    depart: dt.date | None = None
    forbid_territory: tuple[str, ...] = ()
    forbid_ports: tuple[str, ...] = ()
    close_chokepoints: tuple[str, ...] = ()
    close_ports: tuple[str, ...] = ()
    close_nodes: tuple[str, ...] = ()
    close_legs: tuple[str, ...] = ()
    open_all: bool = False
    open_legs: tuple[str, ...] = ()
    node_changes: tuple[tuple[str, str, Change], ...] = ()
    leg_changes: tuple[tuple[str, str, Change], ...] = ()
    parameter_changes: tuple[tuple[str, str, Change], ...] = ()
    chokepoint_weights: tuple[tuple[str, float], ...] = ()
    text: str = field(default="", repr=False, compare=False)

    @property
    def digest(self) -> str:
        """A short hash of the file's text (a changed file is a different scenario)."""
        return hashlib.sha256(self.text.encode()).hexdigest()[:12]

    @property
    def changes_network(self) -> bool:
        return bool(self.node_changes or self.leg_changes or self.open_all or self.open_legs)

    def describe(self) -> list[str]:
        """What the scenario does, one short sentence per rule."""
        out: list[str] = []
        both = [c for c in self.forbid_territory if c in self.forbid_ports]
        terr = [c for c in self.forbid_territory if c not in both]
        ports = [c for c in self.forbid_ports if c not in both]
        if both:
            out.append(f"forbids the territory and ports of {', '.join(both)}")
        if terr:
            out.append(f"forbids transit through the territory of {', '.join(terr)}")
        if ports:
            out.append(f"forbids port calls in {', '.join(ports)}")
        if self.close_chokepoints:
            out.append(f"closes {', '.join(self.close_chokepoints)}")
        if self.close_ports:
            out.append(f"closes the ports {', '.join(self.close_ports)}")
        if self.close_nodes:
            out.append(f"closes {', '.join(self.close_nodes)}")
        if self.close_legs:
            out.append(f"closes the legs {', '.join(self.close_legs)}")
        if self.open_all:
            out.append("opens every planned and under-construction leg")
        elif self.open_legs:
            out.append(f"opens {', '.join(self.open_legs)}")
        for n, attr, ch in self.node_changes:
            out.append(f"{n} {attr} {ch.describe()}")
        for lg, attr, ch in self.leg_changes:
            out.append(f"{lg} {attr} {ch.describe()}")
        for t, k, ch in self.parameter_changes:
            out.append(f"parameters {t}.{k} {ch.describe()}")
        if self.chokepoint_weights:
            out.append("chokepoint weights " + ", ".join(f"{k}={v:g}" for k, v in self.chokepoint_weights))
        if self.depart:
            out.append(f"departs {self.depart.isoformat()}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "file": self.file,
            "digest": self.digest,
            "depart": self.depart.isoformat() if self.depart else None,
            "forbid": {"territory": list(self.forbid_territory), "ports": list(self.forbid_ports)},
            "close": {
                "chokepoints": list(self.close_chokepoints),
                "ports": list(self.close_ports),
                "nodes": list(self.close_nodes),
                "legs": list(self.close_legs),
            },
            "open": "all" if self.open_all else list(self.open_legs),
            "rules": self.describe(),
        }


# ---------------------------------------------------------------------------------------------- reading
def bundled_scenarios_dir() -> Path:
    return Path(str(resources.files("corridors.data").joinpath("scenarios")))


def bundled_scenarios() -> list[Path]:
    """The scenario files shipped in ``data/scenarios``, by name."""
    d = bundled_scenarios_dir()
    return sorted(d.glob("*.toml")) if d.is_dir() else []


def find_scenario(name: str | Path) -> Path:
    """A scenario file path, or the bundled scenario of that name (``red_sea_closure``)."""
    p = Path(name)
    if p.exists():
        return p
    stem = p.name[:-5] if p.name.endswith(".toml") else p.name
    for b in bundled_scenarios():
        if b.stem == stem:
            return b
    known = [b.stem for b in bundled_scenarios()]
    msg = f"{name}: scenario file not found{_hint(stem, known)} (bundled scenarios: {', '.join(known) or 'none'})"
    raise ScenarioError(msg)


def read_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario file (a path, or the name of a bundled scenario).

    Raises
    ------
    ScenarioError
        Naming the file, the line and the key of the first problem (and counting the others).
    """
    p = find_scenario(path)
    if p.is_dir():
        msg = f"{p}: is a folder, not a scenario file"
        raise ScenarioError(msg)
    from .io import read_text

    try:
        text = read_text(p, "scenario file")
    except DataFileError as exc:
        raise ScenarioError(str(exc)) from None
    return parse_scenario(text, str(p))


def parse_scenario(text: str, file: str = "<scenario>") -> Scenario:
    """Parse and check the text of a scenario file (see :func:`read_scenario`)."""
    from .io import loads_toml

    try:
        raw = loads_toml(text, file)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(file, text, exc) from exc
    except DataFileError as exc:
        raise ScenarioError(str(exc)) from None
    issues: list[_Issue] = []
    stem = Path(file).stem if file != "<scenario>" else "scenario"
    kw: dict[str, Any] = {"id": stem, "name": stem, "file": file, "text": text}
    for top, val in raw.items():
        if top not in SECTIONS:
            issues.append(
                _Issue(
                    (top,),
                    f"unknown section{_hint(top, SECTIONS)} (sections: {', '.join(SECTIONS)})",
                )
            )
            continue
        if not isinstance(val, dict):
            issues.append(_Issue((top,), f"must be a table [{top}] ({SECTIONS[top]})"))
            continue
        if top == "scenario":
            _read_meta(val, kw, issues)
        elif top == "forbid":
            _read_forbid(val, kw, issues)
        elif top == "close":
            _read_close(val, kw, issues)
        elif top == "open":
            _read_open(val, kw, issues)
        elif top in ("nodes", "legs"):
            _read_changes(top, val, kw, issues)
        elif top == "parameters":
            _read_parameters(val, kw, issues)
        else:
            _read_weights(val, kw, issues)
    if issues:
        raise _error(file, text, issues)
    return Scenario(**kw)


def _toml_error(file: str, text: str, exc: tomllib.TOMLDecodeError) -> ScenarioError:
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


def _unknown_keys(table: str, val: Mapping[str, Any], allowed: Sequence[str], issues: list[_Issue]) -> None:
    for k in val:
        if k not in allowed:
            issues.append(
                _Issue(
                    (table, k),
                    f"unknown key{_hint(k, allowed)} (allowed in [{table}]: {', '.join(allowed)})",
                )
            )


def _str_list(path: tuple[str, ...], v: Any, issues: list[_Issue], what: str) -> tuple[str, ...]:
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        issues.append(_Issue(path, f'must be a list of {what}, like ["..."]'))
        return ()
    return tuple(dict.fromkeys(x.strip() for x in v))


def _read_meta(val: Mapping[str, Any], kw: dict[str, Any], issues: list[_Issue]) -> None:
    _unknown_keys("scenario", val, SCENARIO_KEYS, issues)
    for key in ("name", "description"):
        if key in val:
            if isinstance(val[key], str):
                kw[key] = val[key]
            else:
                issues.append(_Issue(("scenario", key), "must be a string"))
    if "depart" in val:
        d = val["depart"]
        if isinstance(d, dt.datetime):
            issues.append(
                _Issue(
                    ("scenario", "depart"),
                    f"give a date without a time, like {d.date().isoformat()}",
                )
            )
        elif isinstance(d, dt.date):
            kw["depart"] = d
        elif isinstance(d, str):
            try:
                kw["depart"] = dt.date.fromisoformat(d)
            except ValueError:
                issues.append(_Issue(("scenario", "depart"), f"{d!r} is not a date like 2026-01-15"))
        else:
            issues.append(_Issue(("scenario", "depart"), "must be a date like 2026-01-15"))


def _read_forbid(val: Mapping[str, Any], kw: dict[str, Any], issues: list[_Issue]) -> None:
    _unknown_keys("forbid", val, FORBID_KEYS, issues)
    terr: list[str] = []
    ports: list[str] = []
    for key in FORBID_KEYS:
        if key not in val:
            continue
        codes = _str_list(("forbid", key), val[key], issues, "ISO 3166-1 alpha-3 codes")
        for c in codes:
            if not _ISO3.match(c):
                up = f"; write {c.upper()!r}" if _ISO3.match(c.upper()) else ""
                issues.append(
                    _Issue(
                        ("forbid", key),
                        f"{c!r} is not an ISO 3166-1 alpha-3 code like 'AZE'{up}",
                        c,
                    )
                )
                continue
            if key in ("territory", "both"):
                terr.append(c)
            if key in ("ports", "both"):
                ports.append(c)
    kw["forbid_territory"] = tuple(dict.fromkeys(terr))
    kw["forbid_ports"] = tuple(dict.fromkeys(ports))


def _read_close(val: Mapping[str, Any], kw: dict[str, Any], issues: list[_Issue]) -> None:
    _unknown_keys("close", val, CLOSE_KEYS, issues)
    what = {
        "chokepoints": "chokepoint ids",
        "ports": "port names or ids",
        "nodes": "node ids or names",
        "legs": "leg ids",
    }
    for key in CLOSE_KEYS:
        if key in val:
            kw[f"close_{key}"] = _str_list(("close", key), val[key], issues, what[key])


def _read_open(val: Mapping[str, Any], kw: dict[str, Any], issues: list[_Issue]) -> None:
    _unknown_keys("open", val, OPEN_KEYS, issues)
    if "planned" not in val:
        return
    v = val["planned"]
    if v is True or v == "all":
        kw["open_all"] = True
    elif v is False:
        pass
    elif isinstance(v, list):
        kw["open_legs"] = _str_list(("open", "planned"), v, issues, "leg ids")
    else:
        issues.append(_Issue(("open", "planned"), 'must be "all" or a list of leg ids'))


def _number(path: tuple[str, ...], v: Any, issues: list[_Issue], positive: bool = False) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        issues.append(_Issue(path, f"must be a finite number, got {v!r}"))
        return None
    if v < 0 or (positive and v == 0):
        issues.append(_Issue(path, f"must be {'more than 0' if positive else '0 or more'}, got {v!r}"))
        return None
    return float(v)


def _change(path: tuple[str, ...], v: Any, issues: list[_Issue], positive: bool = False) -> Change | None:
    """A number sets; a table { value = x } sets, { multiply = x } scales, { add = x } adds hours."""
    if isinstance(v, Mapping):
        ops = [k for k in v if k in _CHANGE_OPS]
        bad = [k for k in v if k not in _CHANGE_OPS and k not in _CHANGE_EXTRA]
        for k in bad:
            issues.append(
                _Issue(
                    (*path, k),
                    f"unknown key{_hint(k, _CHANGE_OPS)} (write {{ value = 72 }}, {{ multiply = 3 }} or {{ add = 48 }})",
                )
            )
        if len(ops) != 1:
            if not bad:
                issues.append(_Issue(path, "give exactly one of value, multiply, add (e.g. { multiply = 3 })"))
            return None
        op = ops[0]
        if op == "add":
            if isinstance(v[op], bool) or not isinstance(v[op], int | float) or not math.isfinite(v[op]):
                issues.append(_Issue((*path, op), f"must be a finite number of hours, got {v[op]!r}"))
                return None
            return Change("add", float(v[op]), str(v.get("source", "")))
        num = _number((*path, op), v[op], issues, positive=positive or op == "multiply")
        if num is None:
            return None
        return Change("set" if op == "value" else "multiply", num, str(v.get("source", "")))
    num = _number(path, v, issues, positive=positive)
    return None if num is None else Change("set", num)


def _read_changes(top: str, val: Mapping[str, Any], kw: dict[str, Any], issues: list[_Issue]) -> None:
    attrs = NODE_ATTRS if top == "nodes" else LEG_ATTRS
    out: list[tuple[str, str, Change]] = []
    for ident, changes in val.items():
        if not isinstance(changes, Mapping):
            first = next(iter(attrs))
            issues.append(
                _Issue(
                    (top, ident),
                    f'must be a table of changes, like [{top}."{ident}"] {first} = ...',
                )
            )
            continue
        if not changes:
            issues.append(_Issue((top, ident), f"changes nothing (allowed: {', '.join(attrs)})"))
        for attr, v in changes.items():
            path = (top, ident, attr)
            if attr not in attrs:
                issues.append(
                    _Issue(
                        path,
                        f"cannot be changed{_hint(attr, attrs)} (allowed for {top}: {', '.join(attrs)})",
                    )
                )
                continue
            if attr == "months":
                if not isinstance(v, list) or not v or not all(isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= 12 for m in v):
                    issues.append(
                        _Issue(
                            path,
                            "must be a non-empty list of months 1-12, like [5, 6, 7, 8, 9, 10]",
                        )
                    )
                    continue
                out.append((ident, attr, Change("set", tuple(sorted(set(v))))))
                continue
            ch = _change(path, v, issues, positive=attr in ("frequency_per_week", "speed_kmh"))
            if ch is not None:
                out.append((ident, attr, ch))
    kw[f"{top[:-1]}_changes"] = tuple(out)


@cache
def _bundled_parameter_keys() -> dict[str, tuple[str, ...]]:
    with bundled_parameters_path().open("rb") as fh:
        raw = tomllib.load(fh)
    return {t: tuple(v) for t, v in raw.items() if isinstance(v, dict) and t != "meta"}


def _read_parameters(val: Mapping[str, Any], kw: dict[str, Any], issues: list[_Issue]) -> None:
    known = _bundled_parameter_keys()
    tables = [*_TABLE_FIELDS, *{t for t, _ in _SCALARS}]
    out: list[tuple[str, str, Change]] = []
    for table, entries in val.items():
        if table not in tables:
            issues.append(
                _Issue(
                    ("parameters", table),
                    f"unknown parameter table{_hint(table, tables)} (tables: {', '.join(tables)})",
                )
            )
            continue
        if not isinstance(entries, Mapping):
            issues.append(_Issue(("parameters", table), f"must be a table, like [parameters.{table}]"))
            continue
        for key, v in entries.items():
            path = ("parameters", table, key)
            if table in _COUNTRY_TABLES:
                if not _ISO3.match(key):
                    issues.append(_Issue(path, "must be an ISO 3166-1 alpha-3 code like IRN"))
                    continue
            else:
                allowed = tuple(
                    dict.fromkeys(
                        [
                            *known.get(table, ()),
                            *(MODES if table in ("speed_kmh", "cost_usd_per_teu_km", "co2_kg_per_teu_km") else ()),
                        ]
                    )
                )
                if key not in allowed:
                    issues.append(
                        _Issue(
                            path,
                            f"unknown parameter{_hint(key, allowed)} (in [{table}]: {', '.join(allowed)})",
                        )
                    )
                    continue
            ch = _change(
                path,
                v,
                issues,
                positive=table.startswith("speed") or table.startswith("rail_speed"),
            )
            if ch is not None:
                out.append((table, key, ch))
    kw["parameter_changes"] = tuple(out)


def _read_weights(val: Mapping[str, Any], kw: dict[str, Any], issues: list[_Issue]) -> None:
    out = []
    for k, v in val.items():
        num = _number(("chokepoint_weights", k), v, issues)
        if num is not None:
            out.append((k, num))
    kw["chokepoint_weights"] = tuple(out)


# ---------------------------------------------------------------------------------------------- applying
@dataclass
class AppliedScenario:
    """A scenario bound to a network: the router to use, its constraints, and what changed."""

    scenario: Scenario
    router: Router
    constraints: Constraints
    opened_legs: tuple[tuple[str, str], ...] = ()  # (leg id, status before)
    changes: tuple[str, ...] = ()  # "border:sarakhs dwell_border_h 30 -> 90"
    closed_nodes: tuple[str, ...] = ()  # node ids of close.ports and close.nodes
    forbidden_port_nodes: tuple[str, ...] = ()  # ports of forbid.ports countries, when not in constraints


def _leg_index(G: nx.MultiDiGraph) -> dict[str, list[tuple[str, str]]]:
    idx = G.graph.get("_leg_index")
    if idx is None or idx[0] != G.number_of_edges():
        out: dict[str, list[tuple[str, str]]] = {}
        for u, v, k in G.edges(keys=True):
            out.setdefault(k, []).append((u, v))
        idx = (G.number_of_edges(), out)
        G.graph["_leg_index"] = idx
    return idx[1]  # type: ignore[no-any-return]


def _resolve_node(G: nx.MultiDiGraph, q: str) -> str | None:
    from .places import resolve

    try:
        return resolve(G, q).id
    except UnknownPlaceError:
        return None


def _node_hint(G: nx.MultiDiGraph, q: str) -> str:
    from .places import named_nodes, suggestions

    ids = named_nodes(G)
    close = difflib.get_close_matches(q, ids, n=3, cutoff=0.6)
    if not close:
        names = suggestions(G, q)
        close = [x for n in names for x in [_resolve_node(G, n)] if x]
    if not close:
        tail = q.split(":", 1)[-1]
        close = [n for n in ids if tail and tail.lower() in n.lower()][:3]
    close = list(dict.fromkeys(close))
    return f"; did you mean {', '.join(repr(c) for c in close)}?" if close else " (list places with `corridors places QUERY`)"


def _apply_parameters(s: Scenario, params: Parameters, issues: list[_Issue]) -> Parameters:
    if not s.parameter_changes:
        return params
    tables: dict[str, dict[str, Any]] = {t: dict(getattr(params, t)) for t in _TABLE_FIELDS}
    scalars = {f: getattr(params, f) for f in _SCALARS.values()}
    for table, key, ch in s.parameter_changes:
        path = ("parameters", table, key)
        try:
            if (table, key) in _SCALARS:
                f = _SCALARS[(table, key)]
                scalars[f] = float(ch.apply(scalars[f]))
            else:
                cur = tables[table].get(key)
                if cur is None and ch.op != "set" and table == "rail_speed_kmh_by_country":
                    cur = params.speed_kmh.get("rail")
                tables[table][key] = float(ch.apply(cur))
        except ValueError as exc:
            issues.append(_Issue(path, str(exc)))
            continue
        new = tables[table].get(key) if (table, key) not in _SCALARS else scalars[_SCALARS[(table, key)]]
        if new is not None and new < 0:
            issues.append(_Issue(path, f"gives a negative value ({new:g})"))
        if table in ("speed_kmh", "rail_speed_kmh_by_country") and new == 0:
            issues.append(_Issue(path, "gives a speed of 0"))
    sources = dict(params.sources)
    for table, key, ch in s.parameter_changes:
        sources[f"{table}.{key}"] = f"scenario {s.id}: {ch.describe()}" + (f" ({ch.source})" if ch.source else "")
    fields: dict[str, Any] = {
        **tables,
        **scalars,
        "sources": sources,
        "files": (*params.files, s.file),
    }
    if "dwell_h" in tables:  # a changed P50 moves its distribution with it (as a calibration does)
        dq = dict(params.dwell_q)
        for key, new in tables["dwell_h"].items():
            old = params.dwell_q.get(key)
            if old is not None and new is not None and new != old[1]:
                dq[key] = (max(0.0, old[0] + new - old[1]), float(new), max(float(new), old[2] + new - old[1]))
        fields["dwell_q"] = dq
    return replace(params, **fields)


def _current_speed(G: nx.MultiDiGraph, u: str, v: str, d: Mapping[str, Any], params: Parameters) -> float:
    if d.get("speed_kmh"):
        return float(d["speed_kmh"])
    if d.get("mode") == "rail":
        countries = tuple(d.get("countries") or ()) or tuple(c for c in (G.nodes[u].get("country"), G.nodes[v].get("country")) if c)
        return params.rail_speed(countries)
    return float(params.speed_kmh[str(d.get("mode"))])


def apply_scenario(scenario: Scenario, router: Router, constraints: Constraints | None = None) -> AppliedScenario:
    """Bind ``scenario`` to ``router``'s network: check every id, and return the router to use (the
    same one when the scenario changes neither the network nor the parameters, else a new one over a
    copy of the graph), with the scenario's constraints merged over ``constraints``.

    ``router`` and its graph are never modified.

    Raises
    ------
    ScenarioError
        For an unknown chokepoint, port, node or leg (with close matches), or a change that cannot be
        made; naming the file, the line and the key.
    """
    s = scenario
    G = router.G
    issues: list[_Issue] = []
    legs = _leg_index(G)
    zones: dict[str, Any] = G.graph.get("chokepoints", {})
    leg_ids = [k for k in legs if not str(k).startswith("sea:")]

    # -- ids
    for cp in s.close_chokepoints:
        if cp not in zones:
            issues.append(
                _Issue(
                    ("close", "chokepoints"),
                    f"unknown chokepoint {cp!r}{_hint(cp, zones)} (`corridors chokepoints` lists them)",
                    cp,
                )
            )
        elif not getattr(zones[cp], "is_chokepoint", True):
            issues.append(
                _Issue(
                    ("close", "chokepoints"),
                    f"{cp!r} is a seasonal zone, not a chokepoint: set [scenario] depart to apply its months, or close its legs",
                    cp,
                )
            )
    for cp, _ in s.chokepoint_weights:
        if cp not in zones:
            issues.append(_Issue(("chokepoint_weights", cp), f"unknown chokepoint{_hint(cp, zones)}"))
    closed_nodes: list[str] = []
    for key, queries in (("ports", s.close_ports), ("nodes", s.close_nodes)):
        for q in queries:
            nid = _resolve_node(G, q)
            if nid is None:
                issues.append(_Issue(("close", key), f"unknown {key[:-1]} {q!r}{_node_hint(G, q)}", q))
            elif key == "ports" and G.nodes[nid].get("kind") != "port":
                issues.append(
                    _Issue(
                        ("close", key),
                        f"{q!r} is {nid}, a {G.nodes[nid].get('kind')}, not a port (list it under close.nodes)",
                        q,
                    )
                )
            else:
                closed_nodes.append(nid)
    for key, ids in (("legs", s.close_legs), ("planned", s.open_legs)):
        for lg in ids:
            if lg not in legs:
                path = ("close", "legs") if key == "legs" else ("open", "planned")
                issues.append(
                    _Issue(
                        path,
                        f"unknown leg id {lg!r}{_hint(lg, leg_ids)} (`corridors network export` lists leg ids)",
                        lg,
                    )
                )
    for n, _, _ in s.node_changes:
        if n not in G or str(n).startswith("sea:"):
            issues.append(
                _Issue(
                    ("nodes", n),
                    f'unknown node id{_node_hint(G, n)} (nodes are changed by id, e.g. [nodes."border:sarakhs"])',
                )
            )
    for lg, _, _ in s.leg_changes:
        if lg not in legs:
            issues.append(
                _Issue(
                    ("legs", lg),
                    f"unknown leg id{_hint(lg, leg_ids)} (`corridors network export` lists leg ids)",
                )
            )
    if issues:
        raise _error(s.file, s.text, issues)

    # -- parameters, then the graph copy
    params = _apply_parameters(s, router.params, issues)
    if issues:
        raise _error(s.file, s.text, issues)
    out_router = router
    opened: list[tuple[str, str]] = []
    changes: list[str] = []
    if s.changes_network or params is not router.params:
        from .engine import _dwell

        H = G.copy() if s.changes_network else G
        if H is not G:
            # a changed network is not the one the cache key names: never serve its cached engine
            H.graph.pop("cache_key", None)
        if s.open_all:
            to_open = sorted({k for u, v, k, d in H.edges(keys=True, data=True) if d.get("status") != "operational"})
        else:
            to_open = list(s.open_legs)
        for lg in to_open:
            before = None
            for u, v in legs[lg]:
                d = H.edges[u, v, lg]
                before = d.get("status")
                if before != "operational":
                    d["status"] = "operational"
                    d["status_before"] = before
            if before and before != "operational":
                opened.append((lg, str(before)))
                changes.append(f"{lg}: {before} -> operational")
        for n, attr, ch in s.node_changes:
            nd = H.nodes[n]
            transfer, border, gauge = _dwell(nd, params)
            cur = {"dwell_transfer_h": transfer, "dwell_border_h": border, "dwell_gauge_h": gauge}[attr]
            try:
                new = ch.apply(cur)
            except ValueError as exc:
                issues.append(_Issue(("nodes", n, attr), f"{n} {exc}"))
                continue
            nd[attr] = float(new)
            changes.append(f"{n} {attr}: {_fmt(cur)} -> {_fmt(new)} h")
        for lg, attr, ch in s.leg_changes:
            for i, (u, v) in enumerate(legs[lg]):
                d = H.edges[u, v, lg]
                if attr == "months":
                    cur = d.get("months")
                    new = ch.value
                elif attr == "speed_kmh":
                    cur = _current_speed(H, u, v, d, params)
                    try:
                        new = ch.apply(cur)
                    except ValueError as exc:
                        issues.append(_Issue(("legs", lg, attr), f"leg {lg} {exc}"))
                        break
                    if new <= 0:
                        issues.append(_Issue(("legs", lg, attr), f"gives {new:g} km/h; it must stay above 0 (close the leg instead)"))
                        break
                else:
                    cur = d.get(attr)
                    try:
                        new = ch.apply(cur)
                    except ValueError as exc:
                        issues.append(_Issue(("legs", lg, attr), f"leg {lg} {exc}"))
                        break
                    if new <= 0:
                        issues.append(
                            _Issue(
                                ("legs", lg, attr),
                                f"gives {new:g}; it must stay above 0 (close the leg instead)",
                            )
                        )
                        break
                d[attr] = new
                if i == 0:
                    changes.append(f"{lg} {attr}: {_fmt(cur)} -> {_fmt(new)}")
        if issues:
            raise _error(s.file, s.text, issues)
        out_router = Router(H, params, families=router.families)
        for t, k, ch in s.parameter_changes:
            changes.append(f"parameters {t}.{k} {ch.describe()}")

    # -- constraints
    base = constraints or Constraints()
    pairs: dict[str, set[str]] = {}
    if base.avoid_countries:
        for c in base.avoid_countries:
            pairs.setdefault(c, set()).update({"territory", "ports"} if base.country_scope == "both" else {base.country_scope})
    for c in s.forbid_territory:
        pairs.setdefault(c, set()).add("territory")
    for c in s.forbid_ports:
        pairs.setdefault(c, set()).add("ports")
    avoid_countries, scope, port_nodes = _country_rules(pairs, out_router.G)
    weights = dict(base.chokepoint_weights)
    weights.update(dict(s.chokepoint_weights))
    cons = replace(
        base,
        avoid_countries=avoid_countries,
        country_scope=scope,
        avoid_chokepoints=tuple(dict.fromkeys((*base.avoid_chokepoints, *s.close_chokepoints))),
        avoid_nodes=tuple(dict.fromkeys((*base.avoid_nodes, *closed_nodes, *port_nodes))),
        avoid_legs=tuple(dict.fromkeys((*base.avoid_legs, *s.close_legs))),
        depart=s.depart or base.depart,
        chokepoint_weights=tuple(weights.items()),
    )
    return AppliedScenario(
        s,
        out_router,
        cons,
        tuple(opened),
        tuple(changes),
        tuple(dict.fromkeys(closed_nodes)),
        tuple(port_nodes),
    )


def _fmt(v: Any) -> str:
    if v is None:
        return "none"
    if isinstance(v, tuple | list):
        return ",".join(map(str, v))
    return f"{v:g}" if isinstance(v, float | int) else str(v)


def _country_rules(pairs: Mapping[str, set[str]], G: nx.MultiDiGraph) -> tuple[tuple[str, ...], str, list[str]]:
    """Map (country, {territory, ports}) rules onto Constraints, which has one scope for all its
    countries: a single scope goes to ``avoid_countries``; with mixed scopes the territory rules go
    there (scope "territory") and the port rules become the country's ports in ``avoid_nodes``."""
    if not pairs:
        return (), "both", []
    scopes = {frozenset(v) for v in pairs.values()}
    if len(scopes) == 1:
        only = next(iter(scopes))
        scope = "both" if len(only) == 2 else next(iter(only))
        return tuple(pairs), scope, []
    terr = tuple(c for c, v in pairs.items() if "territory" in v)
    port_countries = {c for c, v in pairs.items() if "ports" in v}
    ports = sorted(n for n, d in G.nodes(data=True) if d.get("kind") == "port" and d.get("country") in port_countries)
    return terr, "territory", ports


# ---------------------------------------------------------------------------------------------- run
@dataclass
class FamilyDelta:
    """One corridor family in the baseline and in the scenario."""

    family: str
    name: str
    status: str  # survives | vanishes | appears | none
    baseline: Route | None
    scenario: Route | None
    reason: str = ""  # why the scenario has no route (or the baseline, for "appears"/"none")
    doubles_back: str = ""  # how the scenario's family route turns back (then it is not that corridor)

    @property
    def same_path(self) -> bool:
        return self.baseline is not None and self.scenario is not None and self.baseline.leg_ids == self.scenario.leg_ids

    @property
    def unchanged(self) -> bool:
        """The same path with the same time and cost (to 0.01 day and 1 USD): a path whose dwell or
        speed the scenario changed is the same path, but not unchanged."""
        if not self.same_path or self.status != "survives":
            return False
        dt_ = self.delta("time_days") or 0.0
        dc = self.delta("cost_usd") or 0.0
        return abs(dt_) < 0.01 and abs(dc) < 1.0

    @property
    def change(self) -> str:
        """One word for the table and the map: unchanged, slower, faster, rerouted, vanished, appeared, none."""
        if self.status == "vanishes":
            return "vanished"
        if self.status == "appears":
            return "appeared"
        if self.status == "none":
            return "none"
        if self.unchanged:
            return "unchanged"
        if not self.same_path:
            return "rerouted"
        return (
            "slower"
            if (self.delta("time_days") or 0.0) > 0
            else ("faster" if (self.delta("time_days") or 0.0) < 0 else "costlier" if (self.delta("cost_usd") or 0.0) > 0 else "cheaper")
        )

    def delta(self, attr: str) -> float | None:
        """Scenario minus baseline, for a family that survives (None otherwise)."""
        if self.status != "survives" or self.baseline is None or self.scenario is None:
            return None
        return float(getattr(self.scenario, attr)) - float(getattr(self.baseline, attr))

    def row(self) -> dict[str, Any]:
        b = self.baseline if self.status in ("survives", "vanishes") else None
        s = self.scenario if self.status in ("survives", "appears") else None

        def val(r: Route | None, attr: str, nd: int) -> float | None:
            return None if r is None else round(float(getattr(r, attr)), nd)

        def dl(attr: str, nd: int) -> float | None:
            d = self.delta(attr)
            return None if d is None else round(d, nd)

        return {
            "family": self.family,
            "name": self.name,
            "status": self.status,
            "same_path": self.same_path,
            "change": self.change,
            "baseline_days": val(b, "time_days", 2),
            "scenario_days": val(s, "time_days", 2),
            "delta_days": dl("time_days", 2),
            "baseline_cost_usd": val(b, "cost_usd", 0),
            "scenario_cost_usd": val(s, "cost_usd", 0),
            "delta_cost_usd": dl("cost_usd", 0),
            "baseline_exposure": val(b, "exposure", 3),
            "scenario_exposure": val(s, "exposure", 3),
            "delta_exposure": dl("exposure", 3),
            "baseline_co2_kg": val(b, "co2_kg", 1),
            "scenario_co2_kg": val(s, "co2_kg", 1),
            "scenario_chokepoints": ",".join(s.chokepoints) if s else "",
            "scenario_via": s.via if s else "",
            "doubles_back": self.doubles_back,
            "reason": self.reason,
        }


@dataclass
class ScenarioRun:
    """The baseline and the scenario side by side for one origin and destination."""

    applied: AppliedScenario
    baseline: CompareResult
    result: CompareResult
    best: dict[str, tuple[Route | None, Route | None]]  # objective -> (baseline, scenario)
    families: list[FamilyDelta]
    objective: str = "time"

    @property
    def scenario(self) -> Scenario:
        return self.applied.scenario

    def survivors(self) -> list[str]:
        return [f.family for f in self.families if f.status == "survives"]

    def map_routes(self) -> tuple[list[Route], list[Route]]:
        """(scenario routes, baseline routes) to draw, from :attr:`families` (the rows of the
        table): a family that vanishes has no scenario route on the map, only its baseline; each
        route's label says its change ("slower", "rerouted", "unchanged" only when nothing
        changed)."""
        now: list[Route] = []
        before: list[Route] = []
        for f in self.families:
            if f.status in ("survives", "appears") and f.scenario is not None:
                now.append(replace(f.scenario, label=f"{f.scenario.label or f.name} ({f.change})"))
            if f.status in ("survives", "vanishes") and f.baseline is not None:
                before.append(replace(f.baseline, label=f"{f.baseline.label or f.name} ({f.change})"))
        if not now:
            now = [r for _, r in self.best.values() if r is not None][:1]
        return now, before

    def vanished(self) -> list[str]:
        return [f.family for f in self.families if f.status == "vanishes"]

    def appeared(self) -> list[str]:
        return [f.family for f in self.families if f.status == "appears"]

    def best_rows(self) -> list[dict[str, Any]]:
        out = []
        for obj, (b, s) in self.best.items():
            attr = OBJECTIVES[obj]
            out.append(
                {
                    "objective": obj,
                    "baseline_route": _route_name(b, self.baseline),
                    "baseline_value": None if b is None else round(float(getattr(b, attr)), 3),
                    "scenario_route": _route_name(s, self.result),
                    "scenario_value": None if s is None else round(float(getattr(s, attr)), 3),
                    "delta": None if b is None or s is None else round(float(getattr(s, attr)) - float(getattr(b, attr)), 3),
                    "unit": _UNITS[obj],
                    "baseline_days": None if b is None else round(b.time_days, 2),
                    "scenario_days": None if s is None else round(s.time_days, 2),
                    "baseline_cost_usd": None if b is None else round(b.cost_usd),
                    "scenario_cost_usd": None if s is None else round(s.cost_usd),
                    "baseline_exposure": None if b is None else round(b.exposure, 3),
                    "scenario_exposure": None if s is None else round(s.exposure, 3),
                    "scenario_chokepoints": ",".join(s.chokepoints) if s else "",
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        o, d = self.baseline.origin, self.baseline.destination
        return {
            "scenario": self.scenario.to_dict(),
            "origin": {"id": o.id, "name": o.name},
            "destination": {"id": d.id, "name": d.name},
            "objective": self.objective,
            "constraints": {
                "baseline": self.baseline.constraints.describe(),
                "scenario": self.result.constraints.describe(),
            },
            "changes": list(self.applied.changes),
            "survive": self.survivors(),
            "vanish": self.vanished(),
            "appear": self.appeared(),
            "families": [f.row() for f in self.families],
            "best": self.best_rows(),
            "unavailable": {
                "baseline": self.baseline.unavailable,
                "scenario": self.result.unavailable,
            },
        }


_UNITS = {
    "time": "h",
    "cost": "USD/TEU",
    "exposure": "points",
    "co2": "kg CO2/TEU",
    "distance": "km",
}


def _route_name(r: Route | None, res: CompareResult) -> str:
    if r is None:
        return "no route"
    for x in res.routes:
        if x.leg_ids == r.leg_ids:
            return x.label
    via = r.via if len(r.via) <= 70 else r.via[:69] + "…"
    return f"other route (via {via})" if via else "other route"


def best_route(
    router: Router,
    origin: str,
    destination: str,
    objective: str | Mapping[str, float],
    constraints: Constraints,
) -> Route | None:
    """The best route, or None when there is none (without the cost of explaining why)."""
    try:
        return router.best(origin, destination, objective=objective, constraints=constraints)
    except ConstraintError:
        return None


def run_scenario(
    scenario: Scenario,
    router: Router,
    origin: str,
    destination: str,
    objective: str = "time",
    constraints: Constraints | None = None,
    objectives: Sequence[str] = ("time", "cost", "exposure"),
) -> ScenarioRun:
    """Compare the corridor families without and with ``scenario``: which survive, vanish or appear,
    the deltas of each, and the best route for each of ``objectives`` before and after."""
    base_c = constraints or Constraints()
    applied = apply_scenario(scenario, router, base_c)
    baseline = router.compare(origin, destination, objective=objective, constraints=base_c)
    result = applied.router.compare(origin, destination, objective=objective, constraints=applied.constraints)
    best = {
        obj: (
            best_route(router, origin, destination, obj, base_c),
            best_route(applied.router, origin, destination, obj, applied.constraints),
        )
        for obj in objectives
    }
    b_by = {r.family: r for r in baseline.routes}
    s_by = {r.family: r for r in result.routes}
    fams: list[FamilyDelta] = []
    for fid, fam in router.families.items():
        b, s = b_by.get(fid), s_by.get(fid)
        # the search never returns a route that turns back; this independent check keeps it so
        b_back, s_back = doubles_back(b), doubles_back(s)
        b_ok, s_ok = b is not None and not b_back, s is not None and not s_back
        if b_ok and s_ok:
            status, reason = "survives", ""
        elif b_ok:
            status = "vanishes"
            reason = result.unavailable.get(fid, "") or f"the family's only route turns back ({s_back})"
        elif s_ok:
            status = "appears"
            reason = baseline.unavailable.get(fid, "") or f"the baseline route turns back ({b_back})"
        else:
            status = "none"
            reason = result.unavailable.get(fid, "") or f"the family's only route turns back ({s_back})"
        fams.append(FamilyDelta(fid, fam.name, status, b, s, reason, s_back))
    return ScenarioRun(applied, baseline, result, best, fams, objective)


def doubles_back(route: Route | None) -> str:
    """How the route turns back, or "" if it does not: it arrives at a node twice, or uses a leg
    twice (out and back at sea). A family route that turns back is not that corridor
    (:func:`corridors.routing.turns_back`, an independent check of a finished route)."""
    return turns_back(route)


# ---------------------------------------------------------------------------------------------- check
@dataclass(frozen=True)
class RouteSpec:
    """A route to check: its moves as (leg ids, from node, to node, hours after departure or None)."""

    label: str
    moves: tuple[tuple[tuple[str, ...], str, str, float | None], ...]
    origin: str | None = None

    @classmethod
    def from_route(cls, r: Route, label: str | None = None) -> RouteSpec:
        return cls(
            label or r.label or r.objective,
            tuple((m.leg_ids, m.from_id, m.to_id, m.start_h) for m in r.moves),
            r.origin,
        )


@dataclass(frozen=True)
class Violation:
    """One rule of a scenario that a route breaks, on one leg."""

    route: str
    step: int  # 1-based position of the move in the route
    leg_id: str
    from_id: str
    to_id: str
    from_name: str
    to_name: str
    rule: str  # territory | ports | chokepoint | closed_port | closed_node | closed_leg | season | not_operational
    subject: str  # the country, chokepoint, node or leg concerned
    message: str

    def __str__(self) -> str:
        return f"{self.leg_id} ({self.from_name} → {self.to_name}): {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "route": self.route,
            "step": self.step,
            "leg": self.leg_id,
            "from": self.from_id,
            "to": self.to_id,
            "from_name": self.from_name,
            "to_name": self.to_name,
            "rule": self.rule,
            "subject": self.subject,
            "message": self.message,
        }


def load_route_file(path: str | Path) -> list[RouteSpec]:
    """Routes from a file written by ``corridors route|compare --format json`` (a top-level "routes"
    list whose "steps" of type "leg" hold "legs") or ``--format geojson`` (features with "legs",
    "route" and "seq")."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{p}: cannot read the route file ({exc})"
        raise DataFileError(msg) from exc
    except json.JSONDecodeError as exc:
        msg = f"{p}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        raise DataFileError(msg) from exc
    out: list[RouteSpec] = []
    if isinstance(doc, dict) and isinstance(doc.get("routes"), list):
        for i, r in enumerate(doc["routes"]):
            if not isinstance(r, dict) or not isinstance(r.get("steps"), list):
                msg = f'{p}: routes[{i}] has no "steps" list (write it with `corridors route --format json`)'
                raise DataFileError(msg)
            moves = []
            for j, st in enumerate(r["steps"]):
                if not isinstance(st, dict) or st.get("type") != "leg":
                    continue
                legs = st.get("legs")
                if not isinstance(legs, list) or not legs or not all(isinstance(x, str) for x in legs):
                    msg = f'{p}: routes[{i}].steps[{j}] has no "legs" list of leg ids'
                    raise DataFileError(msg)
                moves.append(
                    (
                        tuple(legs),
                        str(st.get("from", "")),
                        str(st.get("to", "")),
                        _float(st.get("start_h")),
                    )
                )
            label = str(r.get("label") or r.get("family") or f"route {i + 1}")
            out.append(RouteSpec(label, tuple(moves), r.get("origin_id")))
    elif isinstance(doc, dict) and doc.get("type") == "FeatureCollection" and isinstance(doc.get("features"), list):
        groups: dict[Any, list[tuple[int, dict[str, Any]]]] = {}
        for i, f in enumerate(doc["features"]):
            props = (f or {}).get("properties") or {}
            legs = props.get("legs")
            if isinstance(legs, str):
                legs = [x for x in legs.split(",") if x]
            if not isinstance(legs, list) or not legs:
                msg = f'{p}: features[{i}] has no "legs" property (write it with `corridors route --format geojson`)'
                raise DataFileError(msg)
            props = {**props, "legs": legs}
            groups.setdefault(props.get("route", 0), []).append((int(props.get("seq", i)), props))
        for key, feats in groups.items():
            feats.sort(key=lambda t: t[0])
            first = feats[0][1]
            moves = [
                (
                    tuple(pr["legs"]),
                    str(pr.get("from", "")),
                    str(pr.get("to", "")),
                    _float(pr.get("start_h")),
                )
                for _, pr in feats
            ]
            out.append(
                RouteSpec(
                    str(first.get("route_label") or f"route {key}"),
                    tuple(moves),
                    first.get("origin"),
                )
            )
    else:
        msg = f'{p}: not a route file: expected JSON with a "routes" list (`corridors route --format json`) or a GeoJSON FeatureCollection (`--format geojson`)'
        raise DataFileError(msg)
    if not out or not any(r.moves for r in out):
        msg = f"{p}: the route file holds no legs"
        raise DataFileError(msg)
    return out


def _float(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def route_through(router: Router, places: Sequence[str], label: str | None = None) -> Route:
    """The fastest route through ``places`` in order (no policy: only the network and its status)."""
    if len(places) < 2:
        msg = "a route needs at least two places, like 'Chelyabinsk,Sarakhs,Bandar Abbas,Mundra'"
        raise ConstraintError(msg)
    r = router.route(places[0], places[-1], constraints=Constraints(via=tuple(places[1:-1])))
    return replace(r, label=label or " – ".join(places))


_CALENDAR = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def check_route(applied: AppliedScenario, route: RouteSpec | Route) -> list[Violation]:
    """Every rule of the scenario that ``route`` breaks, leg by leg, in route order.

    Facts come from the scenario's network (countries crossed, chokepoints, months, status of each
    leg id), not from the route file. Rules: forbidden territory (land legs, canals, non-port nodes)
    and ports, closed chokepoints, ports, nodes and legs, seasonal legs closed when reached (with a
    departure date), and legs not operational unless the scenario opens them.
    """
    spec = route if isinstance(route, RouteSpec) else RouteSpec.from_route(route)
    s = applied.scenario
    G = applied.router.G
    legs = _leg_index(G)
    zones: dict[str, Any] = G.graph.get("chokepoints", {})
    terr = set(s.forbid_territory)
    ports = set(s.forbid_ports)
    closed_ch = set(s.close_chokepoints)
    closed_nodes = set(applied.closed_nodes)
    closed_legs = set(s.close_legs)
    closed_port_ids = {n for n in closed_nodes if G.nodes[n].get("kind") == "port"}
    # the scenario's leg rules as constraints, judged by constraints.leg_breaks
    rules = Constraints(
        avoid_countries=tuple(sorted(terr)),
        country_scope="territory",
        avoid_chokepoints=tuple(sorted(closed_ch)),
        avoid_legs=tuple(sorted(closed_legs)),
    )
    node_rules = Constraints(
        country_scopes=tuple(
            (x, "both" if x in terr and x in ports else ("territory" if x in terr else "ports")) for x in sorted(terr | ports)
        ),
    )
    out: list[Violation] = []
    unknown = [lg for mv in spec.moves for lg in mv[0] if lg not in legs]
    if unknown:
        msg = f"route {spec.label!r}: unknown leg id {unknown[0]!r}{_hint(unknown[0], [k for k in legs if not k.startswith('sea:')])} (was it written with another network?)"
        raise DataFileError(msg)

    def name(n: str) -> str:
        return str(G.nodes[n].get("name", n)) if n in G else n

    def scope(code: str) -> str:
        return "territory and ports" if code in terr and code in ports else ("territory" if code in terr else "ports")

    current = spec.origin
    seen: set[tuple[str, str, str]] = set()
    for step, (leg_ids, mf, mt, start_h) in enumerate(spec.moves, 1):
        # direction of each underlying leg, chained from the move's start
        node = mf if mf in G else current
        edges: list[tuple[str, str, str]] = []
        for lg in leg_ids:
            cands = legs[lg]
            uv = next(((u, v) for u, v in cands if u == node), cands[0])
            edges.append((lg, *uv))
            node = uv[1]
        first_u, last_v = edges[0][1], edges[-1][2]
        move_from, move_to = (mf if mf in G else first_u), (mt if mt in G else last_v)
        current = move_to

        where = (step, move_from, move_to)

        def add(lg: str, rule: str, subject: str, message: str, where: tuple[int, str, str] = where) -> None:
            key = (lg, rule, subject)
            if key in seen:
                return
            seen.add(key)
            st, a, b = where
            out.append(Violation(spec.label, st, lg, a, b, name(a), name(b), rule, subject, message))

        leg_countries: set[str] = set()
        for lg, u, v in edges:
            d = G.edges[u, v, lg]
            cs = tuple(d.get("countries") or ())
            leg_countries.update(cs)
            chs = tuple(d.get("chokepoints") or ())
            # which rules the leg breaks: the same predicate as the solver's mask (one rule, one place)
            for rule, subject in leg_breaks(rules, lg, d):
                if rule == "territory":
                    c = subject
                    canal = [ch for ch in chs if c in getattr(zones.get(ch), "territory", ())]
                    via = f" (through the {getattr(zones[canal[0]], 'name', canal[0])})" if canal else ""
                    add(lg, "territory", c, f"crosses territory of {c}{via} (forbidden: {scope(c)})")
                elif rule == "chokepoint":
                    ch = subject
                    z = zones.get(ch)
                    states: tuple[str, ...] = tuple(getattr(z, "littoral", None) or ())
                    lit = f"; littoral {', '.join(states)}" if states else ""
                    add(
                        lg,
                        "chokepoint",
                        ch,
                        f"passes {getattr(z, 'name', ch)} ({ch}{lit}) (closed: chokepoint)",
                    )
                elif rule == "closed_leg":
                    add(lg, "closed_leg", lg, "uses a closed leg (closed: leg)")
                elif rule == "not_operational":
                    status = str(d.get("status", "operational"))
                    add(
                        lg,
                        "not_operational",
                        lg,
                        f"is {status.replace('_', ' ')} and the scenario does not open it (not operational)",
                    )
            months = d.get("months")
            if s.depart and months:
                start = dt.datetime.combine(s.depart, dt.time()) + dt.timedelta(hours=start_h or 0.0)
                if season_closed(months, start) is not None:
                    span = ",".join(map(str, months))
                    add(
                        lg,
                        "season",
                        lg,
                        f"is closed in {_CALENDAR[start.month]} when the cargo reaches it (open months {span}; departure {s.depart.isoformat()})",
                    )
        # nodes: both ends of the first move, the arrival node of every move
        nodes = [move_from, move_to] if step == 1 else [move_to]
        nodes += [v for _, _, v in edges[:-1] if not str(v).startswith("sea:")]
        for n in nodes:
            if n not in G:
                continue
            nd = G.nodes[n]
            c = nd.get("country")
            lg = edges[0][0] if n == move_from else edges[-1][0]
            # the same node predicate as the solver's mask
            for rule, _ in node_breaks(node_rules, n, nd):
                if rule == "ports":
                    add(
                        lg,
                        "ports",
                        f"{n}",
                        f"calls at port {name(n)} ({n}) in {c} (forbidden: {scope(c)})",
                    )
                elif rule == "territory" and c not in leg_countries:
                    add(
                        lg,
                        "territory",
                        c,
                        f"passes {name(n)} ({n}) in the territory of {c} (forbidden: {scope(c)})",
                    )
            if n in closed_port_ids:
                add(lg, "closed_port", n, f"calls at closed port {name(n)} ({n}) (closed: port)")
            elif n in closed_nodes:
                add(lg, "closed_node", n, f"passes closed node {name(n)} ({n}) (closed: node)")
    return out


def check_places(applied: AppliedScenario, places: Sequence[str]) -> tuple[Route, list[Violation]]:
    """Join ``places`` by the fastest path on the scenario's network (ignoring the scenario's rules)
    and check that route."""
    try:
        r = route_through(applied.router, places)
    except NoRouteError as exc:
        msg = f"no route through {' – '.join(places)} even without the scenario's rules: {exc}"
        raise NoRouteError(msg) from exc
    return r, check_route(applied, r)
