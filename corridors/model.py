"""Routes as values: a route is a sequence of legs (moves) and stops (dwell at a node).

A :class:`Route` remembers which edge (leg id and direction) it used, not only its node path, and can
become a pandas row (:meth:`Route.summary`) and a GeoDataFrame of its legs (:func:`legs_frame`).
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from typing import Any, TypeVar

from .dist import Part
from .geo import KM_PER_NM


@dataclass(frozen=True)
class Move:
    """One leg of a route, or consecutive sea-lane legs merged into one voyage."""

    leg_ids: tuple[str, ...]
    from_id: str
    to_id: str
    from_name: str
    to_name: str
    mode: str
    status: str
    gauge_mm: int | None
    length_km: float
    moving_h: float
    wait_h: float
    cost_usd: float
    co2_kg: float
    exposure: float
    countries: tuple[str, ...]
    chokepoints: tuple[str, ...]
    months: tuple[int, ...] | None
    source: str
    coords: tuple[tuple[float, float], ...]
    start_h: float = 0.0  # hours after departure when this leg starts
    parts: tuple[Part, ...] = ()  # the random parts of its time (waits, delays); their means are in wait_h
    service: str | None = None  # the scheduled service sailed (data/services.toml), if any
    #: per constituent leg of a merged voyage: (hours from the voyage's start to the leg's start, to its
    #: end, open months or None); empty for a single leg (then the move's own months apply)
    part_spans: tuple[tuple[float, float, tuple[int, ...] | None], ...] = ()

    @property
    def time_h(self) -> float:
        return self.moving_h + self.wait_h

    @property
    def kind(self) -> str:
        return "leg"


@dataclass(frozen=True)
class Stop:
    """Dwell at a node: a transfer between modes, a transshipment, a border, a break of gauge."""

    node_id: str
    name: str
    country: str | None
    kind: str  # transfer | transshipment | border | gauge_change | border+transfer ...
    from_mode: str
    to_mode: str
    dwell_h: float
    cost_usd: float
    co2_kg: float
    start_h: float = 0.0
    parts: tuple[Part, ...] = ()  # the random parts of its dwell; their means make dwell_h


@dataclass(frozen=True)
class Route:
    """A route with its legs and stops in order, and the totals derived from them."""

    origin: str
    destination: str
    origin_name: str
    destination_name: str
    objective: str
    steps: tuple[Move | Stop, ...]
    family: str | None = None
    label: str = ""
    departure: str | None = None
    node_kinds: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    node_countries: dict[str, str | None] = field(default_factory=dict, compare=False, hash=False)
    #: (P10, P50, P90) door-to-door hours from the Monte Carlo (:func:`corridors.timing.simulate`)
    time_q_h: tuple[float, float, float] | None = None
    #: (P10, P50, P90) transit hours: first departure to arrival, without the handling at either end
    #: (the span published transit times cover; :func:`corridors.timing.segment`)
    transit_q_h: tuple[float, float, float] | None = None
    #: P50 arrival date (ISO) when a departure date was given
    arrival: str | None = None
    draws: int = 0
    #: one-line caveats a reader must see with this route (e.g. no scheduled service on a lane)
    caveats: tuple[str, ...] = ()
    #: how many random parts of its time are sourced / assumed / calibrated (:func:`corridors.labels.basis`)
    basis: tuple[tuple[str, int], ...] = ()

    # -- parts
    @property
    def moves(self) -> list[Move]:
        return [s for s in self.steps if isinstance(s, Move)]

    @property
    def stops(self) -> list[Stop]:
        return [s for s in self.steps if isinstance(s, Stop)]

    # -- totals
    @property
    def length_km(self) -> float:
        return sum(m.length_km for m in self.moves)

    @property
    def sea_km(self) -> float:
        return sum(m.length_km for m in self.moves if m.mode in ("sea", "ferry"))

    @property
    def sea_nm(self) -> float:
        return self.sea_km / KM_PER_NM

    @property
    def moving_h(self) -> float:
        return sum(m.moving_h for m in self.moves)

    @property
    def wait_h(self) -> float:
        return sum(m.wait_h for m in self.moves)

    @property
    def dwell_h(self) -> float:
        return sum(s.dwell_h for s in self.stops) + self.wait_h

    @property
    def time_h(self) -> float:
        return self.moving_h + self.dwell_h

    @property
    def time_days(self) -> float:
        """Expected (mean) door-to-door days: the sum of the means of every step."""
        return self.time_h / 24.0

    @property
    def p50_days(self) -> float:
        """Median days from the Monte Carlo, else the expected days."""
        return (self.time_q_h[1] if self.time_q_h else self.time_h) / 24.0

    @property
    def parts(self) -> tuple[Part, ...]:
        return tuple(p for s in self.steps for p in s.parts)

    @property
    def services(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.service for m in self.moves if m.service))

    @property
    def cost_usd(self) -> float:
        return sum(m.cost_usd for m in self.moves) + sum(s.cost_usd for s in self.stops)

    @property
    def co2_kg(self) -> float:
        return sum(m.co2_kg for m in self.moves) + sum(s.co2_kg for s in self.stops)

    @property
    def exposure(self) -> float:
        return sum(m.exposure for m in self.moves)

    @property
    def chokepoints(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for m in self.moves for c in m.chokepoints))

    @property
    def countries(self) -> tuple[str, ...]:
        """Countries whose territory the route crosses (land legs, canals) or whose nodes it passes."""
        out: list[str] = []
        for s in self.steps:
            if isinstance(s, Move):
                out.extend(s.countries)
                for nid in (s.from_id, s.to_id):
                    c = self.node_countries.get(nid)
                    if c and self.node_kinds.get(nid) != "junction":
                        out.append(c)
        return tuple(dict.fromkeys(out))

    @property
    def ports(self) -> tuple[tuple[str, str, str | None], ...]:
        """Ports called at: (node id, name, country), in order."""
        seen: dict[str, tuple[str, str, str | None]] = {}
        for m in self.moves:
            for nid, name in ((m.from_id, m.from_name), (m.to_id, m.to_name)):
                if self.node_kinds.get(nid) == "port" and nid not in seen:
                    seen[nid] = (nid, name, self.node_countries.get(nid))
        return tuple(seen.values())

    @property
    def mode_km(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for m in self.moves:
            out[m.mode] = out.get(m.mode, 0.0) + m.length_km
        return out

    @property
    def transshipments(self) -> int:
        """Transfers between modes or vessels and changes of rail gauge (the container is lifted from
        one wagon to another): the same count ``Constraints.max_transshipments`` limits."""
        return sum(1 for s in self.stops if "transfer" in s.kind or "transshipment" in s.kind or "gauge" in s.kind)

    @property
    def border_crossings(self) -> int:
        return sum(1 for s in self.stops if "border" in s.kind)

    @property
    def gauge_changes(self) -> int:
        return sum(1 for s in self.stops if "gauge" in s.kind)

    @property
    def not_operational(self) -> tuple[tuple[str, str], ...]:
        """(leg id, status) of every leg that is planned or under construction."""
        return tuple((m.leg_ids[0], m.status) for m in self.moves if m.status != "operational")

    @property
    def seasonal(self) -> tuple[tuple[str, tuple[int, ...]], ...]:
        """(leg id, or "From -> To" for a voyage of several sea legs; open months) of each seasonal move."""
        return tuple((m.leg_ids[0] if len(m.leg_ids) == 1 else f"{m.from_name} -> {m.to_name}", m.months) for m in self.moves if m.months)

    @property
    def leg_ids(self) -> tuple[str, ...]:
        return tuple(i for m in self.moves for i in m.leg_ids)

    @property
    def via(self) -> str:
        """A short description: the named places where the mode changes or a border is crossed."""
        names = [s.name for s in self.stops]
        return " – ".join(dict.fromkeys(names))

    def summary(self) -> dict[str, Any]:
        """One flat row for a DataFrame / table / CSV."""
        return {
            "label": self.label or (self.family or self.objective),
            "family": self.family,
            "origin": self.origin_name,
            "destination": self.destination_name,
            "time_days": round(self.time_days, 2),
            "time_p10_days": round(self.time_q_h[0] / 24, 2) if self.time_q_h else None,
            "time_p50_days": round(self.time_q_h[1] / 24, 2) if self.time_q_h else None,
            "time_p90_days": round(self.time_q_h[2] / 24, 2) if self.time_q_h else None,
            "transit_p50_days": round(self.transit_q_h[1] / 24, 2) if self.transit_q_h else None,
            "moving_days": round(self.moving_h / 24, 2),
            "dwell_days": round(self.dwell_h / 24, 2),
            "length_km": round(self.length_km, 1),
            "sea_nm": round(self.sea_nm, 1),
            "cost_usd": round(self.cost_usd, 0),
            "co2_kg": round(self.co2_kg, 1),
            "exposure": round(self.exposure, 3),
            "chokepoints": ",".join(self.chokepoints),
            "countries": ",".join(self.countries),
            "ports": ",".join(f"{n} ({c})" for _, n, c in self.ports),
            "modes": ",".join(f"{k}:{v:.0f}km" for k, v in sorted(self.mode_km.items())),
            "transshipments": self.transshipments,
            "border_crossings": self.border_crossings,
            "gauge_changes": self.gauge_changes,
            "not_operational": ",".join(f"{i} ({s})" for i, s in self.not_operational),
            "seasonal": ",".join(f"{i} (months {','.join(map(str, m))})" for i, m in self.seasonal),
            "via": self.via,
            "services": ",".join(self.services),
            "departure": self.departure,
            "arrival_p50": self.arrival,
            "caveats": "; ".join(self.caveats),
            "basis": ", ".join(f"{k} {v}" for k, v in self.basis),
        }

    def _repr_html_(self) -> str:
        """Jupyter display: the summary as a table. ``import corridors.maps`` (or ``%load_ext
        corridors.maps``) in the notebook puts the map beside it (:mod:`corridors.maps.notebook`)."""
        return str(routes_frame([self]).to_html(index=False, na_rep=""))

    def to_dict(self) -> dict[str, Any]:
        """Everything, JSON-ready (the summary plus each leg and stop)."""
        out = self.summary()
        out["origin_id"] = self.origin
        out["destination_id"] = self.destination
        out["objective"] = self.objective
        out["steps"] = [step_dict(s) for s in self.steps]
        return out


_T = TypeVar("_T", Move, Stop, Route)


def with_fields(obj: _T, **changes: Any) -> _T:
    """A copy of a :class:`Move`, :class:`Stop` or :class:`Route` with ``changes``: what
    ``dataclasses.replace`` gives (these classes have no ``__post_init__`` and no field outside
    ``__init__``; every other field is the same object, as with replace), without running the
    frozen ``__init__`` again. ``changes`` must name fields."""
    out = object.__new__(type(obj))
    d = out.__dict__
    d.update(obj.__dict__)
    d.pop(_LABELS, None)  # not a field (:func:`set_labels`): replace forgets it too
    for k, v in changes.items():
        if k not in d:
            msg = f"{type(obj).__name__} has no field {k!r}"
            raise TypeError(msg)
        d[k] = v
    return out


#: a route's fields in their order, with their defaults (None for a field without one): what
#: :func:`new_route` starts from
_ROUTE_FIELDS: dict[str, Any] = {f.name: (f.default if f.default is not MISSING else None) for f in fields(Route)}

_ROUTE_NEEDS = frozenset(f.name for f in fields(Route) if f.default is MISSING)


def new_route(**values: Any) -> Route:
    """``Route(**values)`` without running the frozen ``__init__`` (a field set at a time): the same
    ``__dict__``, keys in the same order. ``values`` must name every field without a default, and the
    two fields with a default factory (``node_kinds``, ``node_countries``)."""
    out = object.__new__(Route)
    d = out.__dict__
    d.update(_ROUTE_FIELDS)
    d.update(values)
    if len(d) != len(_ROUTE_FIELDS) or not values.keys() >= _ROUTE_NEEDS:
        msg = f"new_route needs every field without a default, and only fields: got {sorted(values)}"
        raise TypeError(msg)
    return out


#: where :func:`set_labels` keeps a route's labels in its ``__dict__`` (not a field: no comparison,
#: repr, ``replace`` or ``to_dict`` sees it)
_LABELS = "_labels"


def set_labels(route: Route, got: tuple[tuple[str, ...], tuple[tuple[str, int], ...]]) -> None:
    """Keep with ``route`` its caveats and basis (:func:`corridors.labels.labels` of it), computed by
    whoever made it: :func:`labels_of` gives them back while its steps and departure are the same
    objects. A copy forgets them, by ``dataclasses.replace`` or by :func:`with_fields` (which is how
    :meth:`~corridors.routing.Router.simulate` sets them as fields)."""
    route.__dict__[_LABELS] = (route.steps, route.departure, got)


def labels_of(route: Route) -> tuple[tuple[str, ...], tuple[tuple[str, int], ...]] | None:
    """The labels :func:`set_labels` kept with ``route``, if its steps and departure are still those."""
    got = route.__dict__.get(_LABELS)
    if got is None or got[0] is not route.steps or got[1] is not route.departure:
        return None
    return got[2]  # type: ignore[no-any-return]


def step_dict(s: Move | Stop) -> dict[str, Any]:
    """One leg or stop as a JSON-ready dict (``type`` is "leg" or "stop")."""
    if isinstance(s, Stop):
        return {
            "type": "stop",
            "node": s.node_id,
            "name": s.name,
            "country": s.country,
            "kind": s.kind,
            "from_mode": s.from_mode,
            "to_mode": s.to_mode,
            "dwell_h": round(s.dwell_h, 2),
            "cost_usd": round(s.cost_usd, 2),
            "co2_kg": round(s.co2_kg, 2),
            "start_h": round(s.start_h, 2),
            "spread": [_part_dict(p) for p in s.parts],
        }
    return {
        "type": "leg",
        "legs": list(s.leg_ids),
        "from": s.from_id,
        "to": s.to_id,
        "from_name": s.from_name,
        "to_name": s.to_name,
        "mode": s.mode,
        "status": s.status,
        "gauge_mm": s.gauge_mm,
        "length_km": round(s.length_km, 2),
        "moving_h": round(s.moving_h, 2),
        "wait_h": round(s.wait_h, 2),
        "cost_usd": round(s.cost_usd, 2),
        "co2_kg": round(s.co2_kg, 2),
        "exposure": round(s.exposure, 3),
        "countries": list(s.countries),
        "chokepoints": list(s.chokepoints),
        "months": list(s.months) if s.months else None,
        "source": s.source,
        "start_h": round(s.start_h, 2),
        "service": s.service,
        "spread": [_part_dict(p) for p in s.parts],
    }


def _part_dict(p: Part) -> dict[str, Any]:
    if p.kind == "u":
        return {"what": p.label, "uniform_h": [round(p.a, 2), round(p.c, 2)], "mean_h": round(p.mean, 2)}
    return {"what": p.label, "p10_h": round(p.a, 2), "p50_h": round(p.b, 2), "p90_h": round(p.c, 2), "mean_h": round(p.mean, 2)}


def routes_frame(routes: list[Route]) -> Any:
    """A pandas DataFrame, one row per route (:meth:`Route.summary`)."""
    import pandas as pd

    return pd.DataFrame([r.summary() for r in routes])


def legs_frame(routes: list[Route]) -> Any:
    """A GeoDataFrame of every leg of every route (EPSG:4326), with the route's label."""
    import geopandas as gpd

    from .geo import line_geometry

    rows = []
    for i, r in enumerate(routes):
        for j, m in enumerate(r.moves):
            d = step_dict(m)
            d.pop("type")
            d.pop("spread", None)
            d["legs"] = ",".join(m.leg_ids)
            d["countries"] = ",".join(m.countries)
            d["chokepoints"] = ",".join(m.chokepoints)
            d["months"] = ",".join(map(str, m.months)) if m.months else None
            d.update(route=i, route_label=r.label or r.family or r.objective, seq=j, geometry=line_geometry(m.coords))
            rows.append(d)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
