"""Canals and rivers open only to the vessels that fit them (``data/waterway_limits.toml``).

A :class:`Vessel` is checked against each waterway's published limits; :func:`closed_chokepoints` gives
the chokepoints of the sea network a vessel does not fit, to pass as ``avoid_chokepoints``::

    from corridors import Constraints, Router
    from corridors.vessels import Vessel, closed_chokepoints

    big = Vessel(length_m=400, beam_m=61.5, draught_m=16.0)
    Router().route("Novorossiysk", "Nhava Sheva", constraints=Constraints(avoid_chokepoints=closed_chokepoints(big)))

The Corinth Canal and the Volga-Don are not in the sea network at all (see ``in_network``), so no vessel
routes through them; their limits are data for reference.
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import DataFileError


@dataclass(frozen=True)
class Vessel:
    """A ship's size in metres (``air_draft_m`` optional: not checked when None)."""

    length_m: float
    beam_m: float
    draught_m: float
    air_draft_m: float | None = None


@dataclass(frozen=True)
class WaterwayLimit:
    id: str
    name: str
    chokepoint: str | None
    in_network: str
    max_length_m: float | None
    max_beam_m: float | None
    max_draught_m: float | None
    max_air_draft_m: float | None
    draught_by_beam: tuple[tuple[float, float], ...]
    draught_by_length: tuple[tuple[float, float], ...]
    teu_class: str
    source: str

    def why_not(self, v: Vessel) -> str | None:
        """Why ``v`` does not fit (None when it does)."""
        for what, size, limit in (
            ("length", v.length_m, self.max_length_m),
            ("beam", v.beam_m, self.max_beam_m),
            ("draught", v.draught_m, self.max_draught_m),
            ("air draft", v.air_draft_m, self.max_air_draft_m),
        ):
            if size is not None and limit is not None and size > limit:
                return f"{what} {size:g} m > {limit:g} m"
        for what, x, table in (("beam", v.beam_m, self.draught_by_beam), ("length", v.length_m, self.draught_by_length)):
            lim = _draught_at(x, table)
            if lim is not None and v.draught_m > lim:
                return f"draught {v.draught_m:g} m > {lim:.1f} m allowed at a {what} of {x:g} m"
        return None


def _draught_at(x: float, table: tuple[tuple[float, float], ...]) -> float | None:
    """The draught limit at ``x`` (beam or length), linear between the published points."""
    if not table or x <= table[0][0]:
        return None
    for (x0, d0), (x1, d1) in itertools.pairwise(table):
        if x <= x1:
            return d0 + (d1 - d0) * (x - x0) / (x1 - x0)
    return 0.0  # beyond the last published point: does not fit


def limits_path() -> Path:
    from .io import bundled_data_dir

    return bundled_data_dir() / "waterway_limits.toml"


def read_limits(path: Path | None = None) -> list[WaterwayLimit]:
    """The waterways of ``data/waterway_limits.toml`` (or ``path``)."""
    p = path or limits_path()
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        msg = f"{p}: cannot read waterway limits ({exc})"
        raise DataFileError(msg) from exc
    out = []
    for w in data.get("waterway", []):

        def num(key: str, w: dict[str, object] = w) -> float | None:
            val = w.get(key)
            return float(val) if isinstance(val, int | float) else None

        def table(key: str, w: dict[str, object] = w) -> tuple[tuple[float, float], ...]:
            rows = w.get(key) or []
            return tuple((float(a), float(b)) for a, b in rows)  # type: ignore[attr-defined]

        out.append(
            WaterwayLimit(
                str(w["id"]),
                str(w["name"]),
                str(w["chokepoint"]) if w.get("chokepoint") else None,
                str(w.get("in_network", "")),
                num("max_length_m"),
                num("max_beam_m"),
                num("max_draught_m"),
                num("max_air_draft_m"),
                table("draught_by_beam"),
                table("draught_by_length"),
                str(w.get("teu_class", "")),
                str(w["source"]),
            )
        )
    return out


def misfits(vessel: Vessel, path: Path | None = None) -> list[tuple[WaterwayLimit, str]]:
    """The waterways of the sea network (those with a chokepoint) that ``vessel`` does not fit, each
    with the reason."""
    out = []
    for w in read_limits(path):
        why = w.why_not(vessel) if w.chokepoint else None
        if why is not None:
            out.append((w, why))
    return out


def closed_chokepoints(vessel: Vessel, path: Path | None = None) -> tuple[str, ...]:
    """The chokepoints of the sea network whose waterway ``vessel`` does not fit (for
    ``Constraints(avoid_chokepoints=...)``)."""
    return tuple(str(w.chokepoint) for w, _ in misfits(vessel, path))
