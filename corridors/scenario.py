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

Reading (:func:`read_scenario`, this module) checks the structure and gives a :class:`Scenario`;
:func:`corridors.apply.apply_scenario` checks every id against a network and returns a new
:class:`~corridors.routing.Router` (a graph copy when nodes or legs change, and the changed parameters)
and the :class:`~corridors.routing.Constraints` of the scenario; :func:`corridors.whatif.run_scenario`
runs it against the baseline; :func:`corridors.compliance.check_route` says which of its rules a route
breaks. The router passed in is never modified. Every error is one
:class:`~corridors.errors.ScenarioError` that names the file, the line and the key
(:mod:`corridors._tomlpos` finds them).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ._tomlpos import Issue, hint, scenario_error, toml_error
from .errors import DataFileError, ScenarioError
from .io import MODES
from .params import bundled_parameters_path

__all__ = [
    "Change",
    "Scenario",
    "bundled_scenarios",
    "bundled_scenarios_dir",
    "find_scenario",
    "parse_scenario",
    "read_scenario",
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
COUNTRY_TABLES = ("rail_speed_kmh_by_country", "rail_co2_kg_per_teu_km_by_country", "rail_cost_usd_per_teu_km_by_country")
#: parameter tables mapped to a Parameters field of the same name
TABLE_FIELDS = (
    "speed_kmh",
    "dwell_h",
    "cost_usd_per_teu_km",
    "handling_usd_per_teu",
    "co2_kg_per_teu_km",
    "handling_usd_per_teu_by_country",
    "cost_usd_per_teu_day",
    "cost_usd_per_teu_fixed",
    "surcharge_usd_per_teu_by_chokepoint",
    *COUNTRY_TABLES,
)
#: (table, key) of parameters that are single numbers
SCALAR_PARAMETERS: dict[tuple[str, str], str] = {
    ("co2_kg_per_teu_handled", "transfer"): "co2_kg_per_teu_handled",
    ("risk", "default_chokepoint_weight"): "default_chokepoint_weight",
}
_CHANGE_OPS = ("value", "multiply", "add")
_CHANGE_EXTRA = ("source", "note")
_ISO3 = re.compile(r"^[A-Z]{3}$")


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
    msg = f"{name}: scenario file not found{hint(stem, known)} (bundled scenarios: {', '.join(known) or 'none'})"
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
        raise toml_error(file, text, exc) from exc
    except DataFileError as exc:
        raise ScenarioError(str(exc)) from None
    issues: list[Issue] = []
    stem = Path(file).stem if file != "<scenario>" else "scenario"
    kw: dict[str, Any] = {"id": stem, "name": stem, "file": file, "text": text}
    for top, val in raw.items():
        if top not in SECTIONS:
            issues.append(
                Issue(
                    (top,),
                    f"unknown section{hint(top, SECTIONS)} (sections: {', '.join(SECTIONS)})",
                )
            )
            continue
        if not isinstance(val, dict):
            issues.append(Issue((top,), f"must be a table [{top}] ({SECTIONS[top]})"))
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
        raise scenario_error(file, text, issues)
    return Scenario(**kw)


def _unknown_keys(table: str, val: Mapping[str, Any], allowed: Sequence[str], issues: list[Issue]) -> None:
    for k in val:
        if k not in allowed:
            issues.append(
                Issue(
                    (table, k),
                    f"unknown key{hint(k, allowed)} (allowed in [{table}]: {', '.join(allowed)})",
                )
            )


def _str_list(path: tuple[str, ...], v: Any, issues: list[Issue], what: str) -> tuple[str, ...]:
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        issues.append(Issue(path, f'must be a list of {what}, like ["..."]'))
        return ()
    return tuple(dict.fromkeys(x.strip() for x in v))


def _read_meta(val: Mapping[str, Any], kw: dict[str, Any], issues: list[Issue]) -> None:
    _unknown_keys("scenario", val, SCENARIO_KEYS, issues)
    for key in ("name", "description"):
        if key in val:
            if isinstance(val[key], str):
                kw[key] = val[key]
            else:
                issues.append(Issue(("scenario", key), "must be a string"))
    if "depart" in val:
        d = val["depart"]
        if isinstance(d, dt.datetime):
            issues.append(
                Issue(
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
                issues.append(Issue(("scenario", "depart"), f"{d!r} is not a date like 2026-01-15"))
        else:
            issues.append(Issue(("scenario", "depart"), "must be a date like 2026-01-15"))


def _read_forbid(val: Mapping[str, Any], kw: dict[str, Any], issues: list[Issue]) -> None:
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
                    Issue(
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


def _read_close(val: Mapping[str, Any], kw: dict[str, Any], issues: list[Issue]) -> None:
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


def _read_open(val: Mapping[str, Any], kw: dict[str, Any], issues: list[Issue]) -> None:
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
        issues.append(Issue(("open", "planned"), 'must be "all" or a list of leg ids'))


def _number(path: tuple[str, ...], v: Any, issues: list[Issue], positive: bool = False) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        issues.append(Issue(path, f"must be a finite number, got {v!r}"))
        return None
    if v < 0 or (positive and v == 0):
        issues.append(Issue(path, f"must be {'more than 0' if positive else '0 or more'}, got {v!r}"))
        return None
    return float(v)


def _change(path: tuple[str, ...], v: Any, issues: list[Issue], positive: bool = False) -> Change | None:
    """A number sets; a table { value = x } sets, { multiply = x } scales, { add = x } adds hours."""
    if isinstance(v, Mapping):
        ops = [k for k in v if k in _CHANGE_OPS]
        bad = [k for k in v if k not in _CHANGE_OPS and k not in _CHANGE_EXTRA]
        for k in bad:
            issues.append(
                Issue(
                    (*path, k),
                    f"unknown key{hint(k, _CHANGE_OPS)} (write {{ value = 72 }}, {{ multiply = 3 }} or {{ add = 48 }})",
                )
            )
        if len(ops) != 1:
            if not bad:
                issues.append(Issue(path, "give exactly one of value, multiply, add (e.g. { multiply = 3 })"))
            return None
        op = ops[0]
        if op == "add":
            if isinstance(v[op], bool) or not isinstance(v[op], int | float) or not math.isfinite(v[op]):
                issues.append(Issue((*path, op), f"must be a finite number of hours, got {v[op]!r}"))
                return None
            return Change("add", float(v[op]), str(v.get("source", "")))
        num = _number((*path, op), v[op], issues, positive=positive or op == "multiply")
        if num is None:
            return None
        return Change("set" if op == "value" else "multiply", num, str(v.get("source", "")))
    num = _number(path, v, issues, positive=positive)
    return None if num is None else Change("set", num)


def _read_changes(top: str, val: Mapping[str, Any], kw: dict[str, Any], issues: list[Issue]) -> None:
    attrs = NODE_ATTRS if top == "nodes" else LEG_ATTRS
    out: list[tuple[str, str, Change]] = []
    for ident, changes in val.items():
        if not isinstance(changes, Mapping):
            first = next(iter(attrs))
            issues.append(
                Issue(
                    (top, ident),
                    f'must be a table of changes, like [{top}."{ident}"] {first} = ...',
                )
            )
            continue
        if not changes:
            issues.append(Issue((top, ident), f"changes nothing (allowed: {', '.join(attrs)})"))
        for attr, v in changes.items():
            path = (top, ident, attr)
            if attr not in attrs:
                issues.append(
                    Issue(
                        path,
                        f"cannot be changed{hint(attr, attrs)} (allowed for {top}: {', '.join(attrs)})",
                    )
                )
                continue
            if attr == "months":
                if not isinstance(v, list) or not v or not all(isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= 12 for m in v):
                    issues.append(
                        Issue(
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


def _read_parameters(val: Mapping[str, Any], kw: dict[str, Any], issues: list[Issue]) -> None:
    known = _bundled_parameter_keys()
    tables = [*TABLE_FIELDS, *{t for t, _ in SCALAR_PARAMETERS}]
    out: list[tuple[str, str, Change]] = []
    for table, entries in val.items():
        if table not in tables:
            issues.append(
                Issue(
                    ("parameters", table),
                    f"unknown parameter table{hint(table, tables)} (tables: {', '.join(tables)})",
                )
            )
            continue
        if not isinstance(entries, Mapping):
            issues.append(Issue(("parameters", table), f"must be a table, like [parameters.{table}]"))
            continue
        for key, v in entries.items():
            path = ("parameters", table, key)
            if table in COUNTRY_TABLES:
                if not _ISO3.match(key):
                    issues.append(Issue(path, "must be an ISO 3166-1 alpha-3 code like IRN"))
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
                        Issue(
                            path,
                            f"unknown parameter{hint(key, allowed)} (in [{table}]: {', '.join(allowed)})",
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


def _read_weights(val: Mapping[str, Any], kw: dict[str, Any], issues: list[Issue]) -> None:
    out = []
    for k, v in val.items():
        num = _number(("chokepoint_weights", k), v, issues)
        if num is not None:
            out.append((k, num))
    kw["chokepoint_weights"] = tuple(out)


# ---------------------------------------------------------------------------------------------- moved names
#: names that lived here before the module was split, and the module that holds each now
_MOVED = {
    "AppliedScenario": "apply",
    "apply_scenario": "apply",
    "RouteSpec": "compliance",
    "Violation": "compliance",
    "check_places": "compliance",
    "check_route": "compliance",
    "load_route_file": "compliance",
    "route_through": "compliance",
    "FamilyDelta": "whatif",
    "ScenarioRun": "whatif",
    "best_route": "whatif",
    "doubles_back": "whatif",
    "run_scenario": "whatif",
}


def __getattr__(name: str) -> Any:
    """Deprecated: ``from corridors.scenario import apply_scenario`` (and the other names that moved
    out) still works for one release, with a :class:`DeprecationWarning` naming the new module. Nothing
    in corridors uses it: this module, which the others import, imports none of them."""
    where = _MOVED.get(name)
    if where is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    import warnings
    from importlib import import_module

    warnings.warn(
        f"corridors.scenario.{name} moved to corridors.{where}; import it from there",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(import_module(f"{__package__}.{where}"), name)
