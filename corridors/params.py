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

from .errors import ParameterError
from .io import MODES  # the one list of modes (re-exported here for the parameter tables)

_REQUIRED: dict[str, tuple[str, ...]] = {
    "speed_kmh": MODES,
    "dwell_h": ("port_transfer", "rail_terminal_transfer", "border_crossing", "gauge_change"),
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

    def rail_speed(self, countries: tuple[str, ...]) -> float:
        """Speed of a rail leg: mean of the speeds of the countries it crosses (default if none)."""
        speeds = [self.rail_speed_kmh_by_country[c] for c in countries if c in self.rail_speed_kmh_by_country]
        return sum(speeds) / len(speeds) if speeds else self.speed_kmh["rail"]

    def rail_co2(self, countries: tuple[str, ...]) -> float:
        vals = [
            self.rail_co2_kg_per_teu_km_by_country[c]
            for c in countries
            if c in self.rail_co2_kg_per_teu_km_by_country
        ]
        return sum(vals) / len(vals) if vals else self.co2_kg_per_teu_km["rail"]


def bundled_parameters_path() -> Path:
    return Path(str(resources.files("corridors.data").joinpath("parameters.toml")))


def _read(path: Path) -> dict[str, Any]:
    from .errors import DataFileError
    from .io import loads_toml, read_text

    try:
        return loads_toml(read_text(path, "parameter file"), str(path))
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
    for mode in MODES:
        if speed.get(mode) == 0:
            problems.append(f"{where0}: [speed_kmh] {mode} must be > 0")
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
    )


def load_parameters(
    overrides: str | Path | Mapping[str, Any] | None = None,
    path: str | Path | None = None,
) -> Parameters:
    """Load the bundled parameters (or ``path``), with ``overrides`` (a TOML file or a dict) merged over.

    Parameters
    ----------
    overrides
        A TOML file path or a nested dict in the same layout as ``parameters.toml``; only the figures
        given change.
    path
        Use this parameter file instead of the bundled one.
    """
    base_path = Path(path) if path else bundled_parameters_path()
    raw = _read(base_path)
    files = [str(base_path)]
    if overrides is not None:
        if isinstance(overrides, Mapping):
            raw = _merge(raw, overrides)
            files.append("<overrides>")
        else:
            raw = _merge(raw, _read(Path(overrides)))
            files.append(str(overrides))
    return parameters_from_dict(raw, tuple(files))
