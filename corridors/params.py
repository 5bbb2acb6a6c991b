"""The cost model's parameters: speeds, dwell times, costs, emission factors, exposure weights.

They live in ``data/parameters.toml``; every figure is ``{ value = ..., source = "..." }``. A user file
given with ``--params`` (or ``load_parameters(overrides=...)``) is merged over the bundled one, table by
table, so it only needs the figures it changes.
"""

from __future__ import annotations

import copy
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .dist import quantiles
from .errors import ParameterError
from .io import MODES  # the one list of modes (re-exported here for the parameter tables)

#: dwell categories: land -> ship at a port, ship -> land (with import clearance), ship -> ship (a hub),
#: a Caspian port (either way), an inland terminal, a border, a break of gauge
DWELL_KEYS = (
    "port_export",
    "port_import",
    "port_transshipment",
    "caspian_port",
    "rail_terminal_transfer",
    "border_crossing",
    "gauge_change",
)
#: P10 and P90 as multiples of P50 where a figure gives only its P50 (e.g. a node's own override)
DEFAULT_SPREAD = (0.6, 1.8)
Triple = tuple[float, float, float]

_REQUIRED: dict[str, tuple[str, ...]] = {
    "speed_kmh": MODES,
    "dwell_h": DWELL_KEYS,
    "cost_usd_per_teu_km": MODES,
    "handling_usd_per_teu": ("port_transfer", "rail_terminal_transfer", "border_crossing", "gauge_change"),
    "co2_kg_per_teu_km": MODES,
    "co2_kg_per_teu_handled": ("transfer",),
}


@dataclass(frozen=True)
class Parameters:
    """Plain numbers of the cost model (sources kept in ``sources``)."""

    speed_kmh: Mapping[str, float]
    rail_speed_kmh_by_country: Mapping[str, float]
    dwell_h: Mapping[str, float | None]
    cost_usd_per_teu_km: Mapping[str, float]
    handling_usd_per_teu: Mapping[str, float]
    co2_kg_per_teu_km: Mapping[str, float]
    rail_co2_kg_per_teu_km_by_country: Mapping[str, float]
    co2_kg_per_teu_handled: float
    default_chokepoint_weight: float
    sources: Mapping[str, str] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    #: (P10, P50, P90) hours of each dwell category; ``dwell_h`` holds the P50s
    dwell_q: Mapping[str, Triple] = field(default_factory=dict)
    #: per-country and per-node overrides of ``dwell_q`` (ISO-3 or node id -> category -> triple)
    dwell_q_by_country: Mapping[str, Mapping[str, Triple]] = field(default_factory=dict)
    dwell_q_by_node: Mapping[str, Mapping[str, Triple]] = field(default_factory=dict)
    #: sea services: ``generic_headway_h`` and ``generic_transshipment_h`` (a lane with no known service)
    #: and ``delay_h`` (schedule unreliability), as triples
    sea_service: Mapping[str, Triple] = field(default_factory=dict)
    rail_cost_usd_per_teu_km_by_country: Mapping[str, float] = field(default_factory=dict)
    #: port THC per lift by the port's country (``IRN_caspian`` for Iran's Caspian ports; ``default``)
    handling_usd_per_teu_by_country: Mapping[str, float] = field(default_factory=dict)
    #: time-based costs: ``wagon_rent_rail`` per TEU-day on rail (moving and waiting)
    cost_usd_per_teu_day: Mapping[str, float] = field(default_factory=dict)
    #: once per TEU: ``empty_repositioning``, ``documentation``; ``russia_port_call_premium`` once per
    #: sea voyage that starts or ends at a Russian port
    cost_usd_per_teu_fixed: Mapping[str, float] = field(default_factory=dict)
    #: once per TEU per chokepoint passed (canal tolls, war-risk surcharges)
    surcharge_usd_per_teu_by_chokepoint: Mapping[str, float] = field(default_factory=dict)
    #: parameter key ("dwell_h.gauge_change") -> ids of the published cases it was fitted to
    calibrated: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def dwell(self, category: str, country: str | None = None, node: str | None = None) -> Triple | None:
        """(P10, P50, P90) hours of a dwell category: the node's own figure, else the country's, else
        the category's."""
        if node and category in self.dwell_q_by_node.get(node, {}):
            return self.dwell_q_by_node[node][category]
        if country and category in self.dwell_q_by_country.get(country, {}):
            return self.dwell_q_by_country[country][category]
        q = self.dwell_q.get(category)
        if q is None:
            v = self.dwell_h.get(category)
            return None if v is None else (v * DEFAULT_SPREAD[0], v, v * DEFAULT_SPREAD[1])
        return q

    def value(self, key: str) -> float | None:
        """The figure (P50 for a distribution) of a sourced key such as ``dwell_h.gauge_change``,
        ``dwell_h_by_node.border:sarakhs.gauge_change`` or ``sea_service.delay_h``."""
        table, _, rest = key.partition(".")
        if table == "co2_kg_per_teu_handled":
            return self.co2_kg_per_teu_handled
        if table == "risk":
            return self.default_chokepoint_weight if rest == "default_chokepoint_weight" else None
        if table in ("dwell_h_by_country", "dwell_h_by_node"):
            where, _, cat = rest.rpartition(".")
            tab = self.dwell_q_by_country if table == "dwell_h_by_country" else self.dwell_q_by_node
            q = tab.get(where.upper() if table == "dwell_h_by_country" else where, {}).get(cat)
            return None if q is None else q[1]
        m = getattr(self, table, None)
        if not isinstance(m, Mapping):
            return None
        v = m.get(rest, m.get(rest.upper()))
        if isinstance(v, tuple):
            return float(v[1])
        return None if v is None else float(v)

    def basis(self, key: str) -> str:
        """ "calibrated", "assumed" or "sourced": how the figure ``key`` ("table.name") was set."""
        if key in self.calibrated:
            return "calibrated"
        src = self.sources.get(key, "")
        return "assumed" if not src or src.lower().startswith("assumption") or "assumption:" in src.lower()[:40] else "sourced"

    def rail_speed(self, countries: tuple[str, ...]) -> float:
        """Speed of a rail leg: mean of the speeds of the countries it crosses (default if none)."""
        speeds = [self.rail_speed_kmh_by_country[c] for c in countries if c in self.rail_speed_kmh_by_country]
        return sum(speeds) / len(speeds) if speeds else self.speed_kmh["rail"]

    def rail_cost(self, countries: tuple[str, ...]) -> float:
        """Line-haul USD/TEU-km of a rail leg: mean of its countries' tariffs (the default if none)."""
        vals = [self.rail_cost_usd_per_teu_km_by_country[c] for c in countries if c in self.rail_cost_usd_per_teu_km_by_country]
        return sum(vals) / len(vals) if vals else self.cost_usd_per_teu_km["rail"]

    def port_handling(self, country: str | None, caspian: bool = False) -> float:
        """Terminal handling (one lift) at a port of ``country``."""
        t = self.handling_usd_per_teu_by_country
        for key in ((f"{country}_caspian",) if caspian else ()) + ((country,) if country else ()) + ("default",):
            if key in t:
                return t[key]
        return self.handling_usd_per_teu.get("port_transfer", 0.0)

    def rail_co2(self, countries: tuple[str, ...]) -> float:
        vals = [self.rail_co2_kg_per_teu_km_by_country[c] for c in countries if c in self.rail_co2_kg_per_teu_km_by_country]
        return sum(vals) / len(vals) if vals else self.co2_kg_per_teu_km["rail"]


def bundled_parameters_path() -> Path:
    return Path(str(resources.files("corridors.data").joinpath("parameters.toml")))


def _read(path: Path) -> dict[str, Any]:
    from . import digests
    from .cache import cache_dir
    from .errors import DataFileError
    from .io import loads_toml, read_text

    try:
        text = read_text(path, "parameter file")
        folder = cache_dir()
        got: dict[str, Any] = digests.parsed(text, folder, lambda t: loads_toml(t, str(path)))  # parsed once, remembered
        digests.flush(folder)
        return got
    except DataFileError as exc:
        raise ParameterError(str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        msg = f"{path}: not valid TOML: {exc} (fix the syntax)"
        raise ParameterError(msg) from exc


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, val in extra.items():
        if isinstance(val, Mapping) and isinstance(out.get(key), dict) and "value" not in val:
            out[key] = _merge(out[key], val)
        else:
            out[key] = copy.deepcopy(val)
    return out


def _value(where: str, entry: Any, allow_none: bool = False) -> float | None:
    if isinstance(entry, Mapping):
        if "value" not in entry:
            msg = f"{where}: missing 'value' (write {{ value = 1.0, source = \"...\" }})"
            raise ParameterError(msg)
        val = entry["value"]
    else:
        val = entry  # a bare number is accepted in user overrides
    if val is None and allow_none:
        return None
    if isinstance(val, bool) or not isinstance(val, int | float):
        msg = f"{where}: value must be a number, got {val!r}"
        raise ParameterError(msg)
    if not math.isfinite(val) or val < 0:
        msg = f"{where}: value must be a finite number, 0 or more, got {val!r}"
        raise ParameterError(msg)
    return float(val)


def _triple(where: str, entry: Any, problems: list[str], base: Triple | None = None) -> Triple | None:
    """(P10, P50, P90) of ``{ value = P50, p10 = ..., p90 = ... }``; a bare number or a missing end keeps
    the bundled figure's spread (``base``) or :data:`DEFAULT_SPREAD`."""
    try:
        p50 = _value(where, entry, allow_none=True)
    except ParameterError as exc:
        problems.append(str(exc))
        return None
    if p50 is None:
        return None
    p10 = p90 = None
    if isinstance(entry, Mapping):
        for name in ("p10", "p90"):
            if name in entry:
                try:
                    v = _value(f"{where} {name}", {"value": entry[name]})
                except ParameterError as exc:
                    problems.append(str(exc))
                    return None
                if name == "p10":
                    p10 = v
                else:
                    p90 = v
    if base is not None and base[1] > 0:
        p10 = p10 if p10 is not None else p50 * base[0] / base[1]
        p90 = p90 if p90 is not None else p50 * base[2] / base[1]
    t = quantiles(p50, p10, p90, DEFAULT_SPREAD)
    if not t[0] <= t[1] <= t[2]:
        problems.append(f"{where}: needs p10 <= value (P50) <= p90, got {t[0]:g}, {t[1]:g}, {t[2]:g}")
        return None
    return t


def parameters_from_dict(raw: Mapping[str, Any], files: tuple[str, ...] = ()) -> Parameters:
    """Validate a parsed parameter table and return :class:`Parameters`."""
    where0 = files[-1] if files else "parameters"
    problems: list[str] = []
    sources: dict[str, str] = {}

    def table(name: str) -> Mapping[str, Any]:
        t = raw.get(name, {})
        if not isinstance(t, Mapping):
            problems.append(f"[{name}] must be a table")
            return {}
        return t

    def numbers(name: str, allow_none: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, entry in table(name).items():
            try:
                out[key] = _value(f"{where0}: [{name}] {key}", entry, allow_none)
            except ParameterError as exc:
                problems.append(str(exc))
                continue
            if isinstance(entry, Mapping):
                sources[f"{name}.{key}"] = str(entry.get("source", ""))
        for key in _REQUIRED.get(name, ()):
            if key not in out:
                problems.append(f"{where0}: [{name}] is missing {key!r}")
        return out

    speed = numbers("speed_kmh")
    rail_by_c = numbers("rail_speed_kmh_by_country")
    dwell = numbers("dwell_h", allow_none=True)
    cost = numbers("cost_usd_per_teu_km")
    handling = numbers("handling_usd_per_teu")
    co2 = numbers("co2_kg_per_teu_km")
    rail_co2 = numbers("rail_co2_kg_per_teu_km_by_country")
    handled = numbers("co2_kg_per_teu_handled")
    risk = numbers("risk")
    rail_cost = numbers("rail_cost_usd_per_teu_km_by_country")
    handling_c = numbers("handling_usd_per_teu_by_country")
    per_day = numbers("cost_usd_per_teu_day")
    fixed = numbers("cost_usd_per_teu_fixed")
    surcharge = numbers("surcharge_usd_per_teu_by_chokepoint")
    for mode in MODES:
        if speed.get(mode) == 0:
            problems.append(f"{where0}: [speed_kmh] {mode} must be > 0")
    dwell_q: dict[str, Triple] = {}
    for key, entry in table("dwell_h").items():
        t = _triple(f"{where0}: [dwell_h] {key}", entry, problems)
        if t is not None:
            dwell_q[key] = t
    by_where: dict[str, dict[str, dict[str, Triple]]] = {"dwell_h_by_country": {}, "dwell_h_by_node": {}}
    for tname, found in by_where.items():
        for code, tab in table(tname).items():
            if not isinstance(tab, Mapping):
                problems.append(f"{where0}: [{tname}.{code}] must be a table")
                continue
            for key, entry in tab.items():
                if key not in DWELL_KEYS:
                    problems.append(f"{where0}: [{tname}.{code}] unknown category {key!r} (use {', '.join(DWELL_KEYS)})")
                    continue
                t = _triple(f"{where0}: [{tname}.{code}] {key}", entry, problems, dwell_q.get(key))
                if t is not None:
                    found.setdefault(str(code).upper() if tname == "dwell_h_by_country" else str(code), {})[key] = t
                    if isinstance(entry, Mapping):
                        sources[f"{tname}.{code}.{key}"] = str(entry.get("source", ""))
    by_country = by_where["dwell_h_by_country"]
    sea_service: dict[str, Triple] = {}
    for key, entry in table("sea_service").items():
        t = _triple(f"{where0}: [sea_service] {key}", entry, problems)
        if t is not None:
            sea_service[key] = t
            if isinstance(entry, Mapping):
                sources[f"sea_service.{key}"] = str(entry.get("source", ""))
    for key in ("generic_headway_h", "generic_transshipment_h", "generic_direct_max_km", "delay_h"):
        if key not in sea_service:
            problems.append(f"{where0}: [sea_service] is missing {key!r}")
    calibrated = {str(k): tuple(v) for k, v in (raw.get("_calibrated") or {}).items()}
    if problems:
        raise ParameterError("; ".join(problems))
    return Parameters(
        speed_kmh=speed,
        rail_speed_kmh_by_country={k.upper(): v for k, v in rail_by_c.items() if v},
        dwell_h=dwell,
        cost_usd_per_teu_km=cost,
        handling_usd_per_teu=handling,
        co2_kg_per_teu_km=co2,
        rail_co2_kg_per_teu_km_by_country={k.upper(): v for k, v in rail_co2.items()},
        co2_kg_per_teu_handled=float(handled.get("transfer", 0.0)),
        default_chokepoint_weight=float(risk.get("default_chokepoint_weight", 1.0)),
        sources=sources,
        files=files,
        rail_cost_usd_per_teu_km_by_country={k.upper(): v for k, v in rail_cost.items() if v is not None},
        handling_usd_per_teu_by_country={k: v for k, v in handling_c.items() if v is not None},
        cost_usd_per_teu_day={k: v for k, v in per_day.items() if v is not None},
        cost_usd_per_teu_fixed={k: v for k, v in fixed.items() if v is not None},
        surcharge_usd_per_teu_by_chokepoint={k: v for k, v in surcharge.items() if v is not None},
        dwell_q=dwell_q,
        dwell_q_by_country=by_country,
        dwell_q_by_node=by_where["dwell_h_by_node"],
        sea_service=sea_service,
        calibrated=calibrated,
    )


def bundled_calibration_path() -> Path:
    return Path(str(resources.files("corridors.data").joinpath("calibration.toml")))


def apply_calibration(raw: dict[str, Any], calibration: Mapping[str, Any], file: str = "calibration.toml") -> dict[str, Any]:
    """``raw`` with the fitted figures of a calibration table (``[fitted."table.key"]``) written over
    the sourced ones: P50 set to the fitted value and P10, P90 shifted with it (a longer queue moves the
    whole distribution; P10 not below 0), the source saying so."""
    out = copy.deepcopy(raw)
    marks: dict[str, tuple[str, ...]] = dict(out.get("_calibrated") or {})
    for key, fit in (calibration.get("fitted") or {}).items():
        parts = str(key).split(".")
        tab: Any = out
        for name in parts[:-1]:
            tab = tab.setdefault(name, {}) if isinstance(tab, dict) else None
        if not isinstance(tab, dict) or not isinstance(fit, Mapping) or "value" not in fit:
            msg = f'{file}: [fitted.{key!r}] does not name a parameter with a value (write [fitted."dwell_h.gauge_change"] value = ...)'
            raise ParameterError(msg)
        entry = tab.get(parts[-1])
        entry = dict(entry) if isinstance(entry, Mapping) else {"value": entry}
        old = entry.get("value")
        new = float(fit["value"])
        if isinstance(old, int | float) and not isinstance(old, bool):
            for q in ("p10", "p90"):
                if isinstance(entry.get(q), int | float):
                    entry[q] = max(0.0, float(entry[q]) + new - float(old))
        entry["value"] = new
        cases = tuple(str(c) for c in fit.get("calibrated_on", ()))
        entry["source"] = (
            f"CALIBRATED on {', '.join(cases)} by `corridors calibrate` (bounds {fit.get('lower')}-{fit.get('upper')}); prior: {entry.get('source', '')}"
        )
        tab[parts[-1]] = entry
        marks[str(key)] = cases
    out["_calibrated"] = marks
    return out


def load_parameters(
    overrides: str | Path | Mapping[str, Any] | None = None,
    path: str | Path | None = None,
    calibration: str | Path | Mapping[str, Any] | bool = True,
) -> Parameters:
    """Load the bundled parameters (or ``path``), the calibrated figures over them, then ``overrides``
    (a TOML file or a dict) over those.

    Parameters
    ----------
    overrides
        A TOML file path or a nested dict in the same layout as ``parameters.toml``; only the figures
        given change.
    path
        Use this parameter file instead of the bundled one.
    calibration
        ``True``: the bundled ``data/calibration.toml`` (written by ``corridors calibrate``); ``False``:
        the sourced priors only; or a calibration file or table of one's own.
    """
    base_path = Path(path) if path else bundled_parameters_path()
    raw = _read(base_path)
    files = [str(base_path)]
    if calibration is not False:
        if calibration is True:
            cal_path = bundled_calibration_path()
            cal = _read(cal_path) if cal_path.exists() else {}
            cal_file = str(cal_path)
        elif isinstance(calibration, Mapping):
            cal, cal_file = dict(calibration), "<calibration>"
        else:
            cal, cal_file = _read(Path(calibration)), str(calibration)
        if cal:
            raw = apply_calibration(raw, cal, cal_file)
            files.append(cal_file)
    if overrides is not None:
        if isinstance(overrides, Mapping):
            raw = _merge(raw, overrides)
            files.append("<overrides>")
        else:
            raw = _merge(raw, _read(Path(overrides)))
            files.append(str(overrides))
    return parameters_from_dict(raw, tuple(files))
