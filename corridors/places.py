"""Finding nodes by id, name, alias, UN/LOCODE, or a ``lon,lat`` position (snapped to the nearest node)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import UnknownPlaceError
from .geo import haversine_km

if TYPE_CHECKING:
    import networkx as nx


#: farthest a position may lie from the network (km, great circle); beyond it the query is refused
ACCESS_MAX_KM = 300.0
#: node kinds a position may be snapped to (cargo can be handed over there)
SNAP_KINDS = ("port", "rail_terminal", "city")

_LONLAT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def normalize(text: str) -> str:
    """Lower case, accents and punctuation removed: 'Bandar-e Abbās' -> 'bandar e abbas'."""
    if text.isascii():  # NFKD leaves ASCII as it is, and no ASCII character is a combining one
        t = text.lower()
    else:
        t = unicodedata.normalize("NFKD", text)
        t = "".join(ch for ch in t if not unicodedata.combining(ch)).lower()
    # runs of anything else become one space: the words joined by single spaces are the text stripped
    return _NOT_ALNUM.sub(" ", t).strip()


@dataclass(frozen=True)
class Place:
    """A resolved place: the node id, and how far a ``lon,lat`` query was snapped (0 otherwise)."""

    id: str
    name: str
    query: str
    snap_km: float = 0.0
    snapped: bool = False  # True when the query was a lon,lat position
    point: tuple[float, float] | None = None  # the queried (lon, lat) of a position
    note: str = ""  # how a country name was resolved (its main gateway), shown to the user


def named_nodes(G: nx.MultiDiGraph) -> list[str]:
    """All nodes but the sea-lane junctions."""
    return [n for n in G.nodes if not str(n).startswith("sea:")]


def _keys(G: nx.MultiDiGraph, n: str) -> list[str]:
    return _keys_of(n, G.nodes[n], normalize)


def _keys_of(n: str, d: dict[str, Any], norm: Callable[[str], str]) -> list[str]:
    """The normalized keys of node ``n`` (its data ``d``): id, name, aliases, UN/LOCODE."""
    keys = [n, str(d.get("name", ""))]
    keys += list(d.get("aliases") or [])
    if d.get("locode"):
        keys.append(str(d["locode"]))
    return [norm(k) for k in keys if k]


def name_index(G: nx.MultiDiGraph) -> dict[str, list[str]]:
    """Node ids by normalized id, name, alias and UN/LOCODE (every node but the sea-lane junctions),
    built once and kept in ``G.graph``."""
    idx = G.graph.get("_place_index")
    if idx is None:
        idx = {}
        seen: dict[str, str] = {}  # normalize of each text met (a name is often also an alias or an id)

        def norm(text: str) -> str:
            got = seen.get(text)
            if got is None:
                got = seen[text] = normalize(text)
            return got

        for n, d in G._node.items():  # named_nodes, in node order (a RowGraph too, without networkx)
            if str(n).startswith("sea:"):
                continue
            for k in _keys_of(n, d, norm):
                hits = idx.setdefault(k, [])
                if n not in hits:
                    hits.append(n)
        G.graph["_place_index"] = idx
    return idx  # type: ignore[no-any-return]


_KIND_RANK = {"port": 0, "rail_terminal": 1, "city": 2, "border_crossing": 3, "junction": 4}


def resolve(G: nx.MultiDiGraph, query: str, snap_max_km: float | None = None) -> Place:
    """Resolve a place query to one node.

    An exact id, name, alias or UN/LOCODE (case and accents ignored) wins; a name shared by several
    nodes (the city Mumbai and the port of Mumbai) prefers a hand-curated node, then a port, then a rail
    terminal. ``lon,lat`` snaps to the nearest port, rail terminal or city within ``snap_max_km``
    (default :data:`ACCESS_MAX_KM`); the route then starts or ends with a road leg
    to it (:func:`corridors.access.with_access`). Farther away the query is refused, naming the
    nearest places.

    Raises
    ------
    UnknownPlaceError
        With close-match suggestions, or the nearest places for a position too far from the network.
    """

    limit = ACCESS_MAX_KM if snap_max_km is None else snap_max_km
    if query in G and not str(query).startswith("sea:"):
        return Place(query, str(G.nodes[query].get("name", query)), query)
    m = _LONLAT.match(query)
    if m:
        lon, lat = float(m.group(1)), float(m.group(2))
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            msg = f"position {query!r} is out of range (write lon,lat with lon in -180..180, lat in -90..90)"
            raise UnknownPlaceError(query, (), "position") from ValueError(msg)
        cands = [n for n in named_nodes(G) if G.nodes[n].get("kind") in SNAP_KINDS]
        dist = sorted((haversine_km((lon, lat), (G.nodes[n]["x"], G.nodes[n]["y"])), n) for n in cands)
        if not dist or dist[0][0] > limit:
            near = ", ".join(f"{G.nodes[n].get('name', n)} ({n}) {d:.0f} km" for d, n in dist[:3])
            err = UnknownPlaceError(query, (), "position")
            err.message = f"position {query!r} is more than {limit:g} km from the network (nearest: {near}); give a place on the network or a position within {limit:g} km of one"
            raise err
        d, best = dist[0]
        return Place(best, str(G.nodes[best].get("name", best)), query, d, snapped=True, point=(lon, lat))
    idx = name_index(G)
    hits = idx.get(normalize(query), [])
    if hits:
        # hand-curated nodes before the dataset's ports of the same name
        best = sorted(hits, key=lambda n: (G.nodes[n].get("origin") == "dataset", _KIND_RANK.get(G.nodes[n].get("kind", ""), 9), n))[0]
        return Place(best, str(G.nodes[best].get("name", best)), query)
    country = _country(query)
    if country is not None:
        return _gateway(G, query, *country)
    raise UnknownPlaceError(query, list(idx))


def _country(query: str) -> tuple[str, str] | None:
    """(ISO-3 code, name) when ``query`` is a country's name or ISO-3 code (Natural Earth names)."""
    global _COUNTRY_NAMES
    if _COUNTRY_NAMES is None:
        import json

        from .zones import countries_path

        with countries_path().open(encoding="utf-8") as fh:
            feats = json.load(fh)["features"]
        _COUNTRY_NAMES = {}
        for f in feats:
            code, name = f["properties"].get("iso_a3"), f["properties"].get("name")
            if code and name:
                _COUNTRY_NAMES[normalize(name)] = (code, name)
                _COUNTRY_NAMES.setdefault(normalize(code), (code, name))
    return _COUNTRY_NAMES.get(normalize(query))


_COUNTRY_NAMES: dict[str, tuple[str, str]] | None = None


def _gateway(G: nx.MultiDiGraph, query: str, code: str, name: str) -> Place:
    """A country as a place: its main gateway where the data names one (``gateway_for``), or its only
    port or terminal; otherwise refused with some of its places named."""
    gates = sorted(n for n, d in G.nodes(data=True) if d.get("gateway_for") == code)
    if not gates:
        gates = [n for n, d in G.nodes(data=True) if d.get("country") == code and d.get("kind") in ("port", "rail_terminal", "city")]
        if len(gates) != 1:
            some = sorted(gates, key=lambda n: (G.nodes[n].get("origin") == "dataset", str(G.nodes[n].get("name", n))))[:5]
            listed = ", ".join(str(G.nodes[n].get("name", n)) for n in some)
            err = UnknownPlaceError(query, (), "place")
            err.message = f"{name} ({code}) is a country with no single gateway in the data" + (
                f"; name one of its {len(gates)} places, e.g. {listed}" if gates else "; the network has no place there"
            )
            raise err
    g = gates[0]
    d = G.nodes[g]
    return Place(
        g,
        str(d.get("name", g)),
        query,
        note=f"{name} taken as {d.get('name', g)} ({g}): {d.get('gateway_source', 'its only place in the network')}",
    )


def search(G: nx.MultiDiGraph, query: str = "", limit: int = 50) -> list[str]:
    """Node ids whose id, name, alias or UN/LOCODE contains ``query`` (all named nodes if empty)."""
    q = normalize(query)
    out = []
    for n in sorted(named_nodes(G)):
        if not q or any(q in k for k in _keys(G, n)):
            out.append(n)
    return out[:limit] if limit else out


def suggestions(G: nx.MultiDiGraph, query: str) -> list[str]:
    import difflib

    return difflib.get_close_matches(normalize(query), list(name_index(G)), n=5, cutoff=0.6)
