"""Coverage of the network (issue 10): licences kept straight, world ports, the Caspian, Central Asia,
inland terminals, first and last mile, and the matrix."""

from __future__ import annotations

import json
import re
from typing import Any

from corridors.io import bundled_network_files


def test_osm_traced_features_live_in_odbl_files_only(G: Any) -> None:
    """Anything traced from OpenStreetMap sits in an ``*_osm.geojson`` file under the ODbL, with the
    attribution on every feature (and on the graph, for maps and reports)."""
    for path in bundled_network_files():
        data = json.loads(path.read_text(encoding="utf-8"))
        for f in data["features"]:
            p = f["properties"]
            traced = bool(
                re.search(r"traced from the OpenStreetMap|traced from the OSM|OSM-derived graph\b(?!.*check)", p.get("source", ""))
            )
            if path.name.endswith("_osm.geojson"):
                assert p.get("licence") == "ODbL-1.0", p["id"]
                assert p.get("attribution") == "© OpenStreetMap contributors", p["id"]
            elif "position: station on the line as traced" in p.get("source", "") or (traced and "checked" not in p["source"]):
                raise AssertionError(f"{p['id']} in {path.name} is traced from OSM but not in an ODbL file")
    osm_edges = [d for _, _, d in G.edges(data=True) if str(d.get("file", "")).endswith("_osm.geojson")]
    assert osm_edges
    assert all(d["attribution"] == "© OpenStreetMap contributors" for d in osm_edges)


CASPIAN = ["Astrakhan port", "Olya", "Makhachkala port", "Aktau", "Kuryk", "Turkmenbashi", "Alat", "Anzali", "Caspian Port", "Amirabad", "Nowshahr"]


def test_caspian_is_connected_by_ferry(router: Any) -> None:
    """Every pair of Caspian ports is routable by ferry legs alone (in the open season), each leg with
    a frequency and a source, the ice-bound northern ports with their months."""
    from corridors.places import resolve
    from corridors.routing import Constraints

    ids = [resolve(router.G, p).id for p in CASPIAN]
    assert len(set(ids)) == len(ids)
    for a in ids:
        for b in ids:
            if a == b:
                continue
            r = router.route(a, b, constraints=Constraints(modes=("ferry",)))
            assert {m.mode for m in r.moves} == {"ferry"}
    for _, _, d in router.G.edges(data=True):
        if d["mode"] == "ferry":
            assert d["frequency_per_week"] and d["source"], d["id"]
            if "RUASF" in d["id"] or "olya" in d["id"] or "astrakhan" in d["id"]:
                assert d["months"] and 1 not in d["months"], d["id"]
