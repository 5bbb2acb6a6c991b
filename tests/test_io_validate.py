"""Reading and validating user GeoJSON: every problem reported with file, feature, id and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from corridors.errors import NetworkValidationError
from corridors.graph import build_network, load_network


def fc(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def point(fid: str, lon: float, lat: float, **props: Any) -> dict[str, Any]:
    base = {"id": fid, "name": fid, "kind": "rail_terminal", "country": "IRN", "source": "test"}
    return {"type": "Feature", "properties": {**base, **props}, "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def line(fid: str, a: str, b: str, coords: list[list[float]], **props: Any) -> dict[str, Any]:
    base = {"id": fid, "from": a, "to": b, "mode": "road", "status": "operational", "source": "test"}
    return {"type": "Feature", "properties": {**base, **props}, "geometry": {"type": "LineString", "coordinates": coords}}


def write(tmp: Path, name: str, doc: Any) -> Path:
    p = tmp / name
    p.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
    return p


def problems_of(tmp: Path, doc: Any, name: str = "layer.geojson") -> list[str]:
    p = write(tmp, name, doc)
    _, problems = build_network(overlays=[p])
    return [str(x) for x in problems if x.severity == "error" and name in x.file]


def test_bad_json_names_line(tmp_path: Path) -> None:
    msgs = problems_of(tmp_path, '{"type": "FeatureCollection", "features": [\n{]')
    assert len(msgs) == 1
    assert "line 2" in msgs[0]


def test_every_problem_collected_with_place(tmp_path: Path) -> None:
    doc = fc(
        point("city:a", 51.4, 35.7),
        point("city:a", 51.5, 35.7),  # duplicate id
        point("city:swapped", 35.7, 151.4),  # lat out of range, looks swapped
        point("city:badkind", 51.0, 35.0, kind="castle"),
        line("road:x", "city:a", "city:nowhere", [[51.4, 35.7], [52.0, 36.0]]),  # unknown node
        line("road:y", "city:a", "city:badkind", [[51.4, 35.7], [51.0, 35.0]], mode="hovercraft"),
        line("road:far", "city:a", "city:badkind", [[51.4, 35.7], [50.0, 34.0]]),  # end far from node
        line("road:short", "city:a", "city:badkind", [[51.4, 35.7], [51.0, 35.0]], length_km=10),
        {"type": "Feature", "properties": {"name": "no id"}, "geometry": None},
    )
    msgs = problems_of(tmp_path, doc)
    text = "\n".join(msgs)
    assert "feature 1, id 'city:a', field 'id': duplicate id" in text
    assert "look swapped" in text
    assert "field 'kind': unknown kind 'castle'" in text
    assert "feature 4, id 'road:x', field 'to': unknown node 'city:nowhere'" in text
    assert "field 'mode': unknown mode 'hovercraft'" in text
    assert "id 'road:far', field 'geometry': the last coordinate is" in text
    assert "id 'road:short', field 'length_km'" in text
    assert "feature 8, field 'id': missing id" in text
    assert all("layer.geojson" in m for m in msgs)


def test_disconnected_component_reported(tmp_path: Path) -> None:
    doc = fc(
        point("city:lonely1", 51.4, 35.7),
        point("city:lonely2", 51.6, 35.8),
        line("road:l", "city:lonely1", "city:lonely2", [[51.4, 35.7], [51.6, 35.8]]),
    )
    msgs = problems_of(tmp_path, doc)
    assert any("disconnected from the main network" in m and "city:lonely1" in m for m in msgs)


def test_load_raises_with_all_problems(tmp_path: Path) -> None:
    p = write(tmp_path, "bad.geojson", fc(point("x:1", 51.0, 35.0, kind="nope"), line("r", "x:1", "x:2", [[51, 35], [52, 36]])))
    with pytest.raises(NetworkValidationError) as ei:
        load_network([p], use_cache=False)
    assert len(ei.value.problems) >= 3  # bad kind, unknown node, disconnected


def test_overlay_adds_a_port_and_removes_a_leg(tmp_path: Path, G: Any) -> None:
    tehran = G.nodes["rail:tehran"]
    doc = fc(
        point("city:testville", tehran["x"] + 0.3, tehran["y"] + 0.2, kind="city"),
        line("road:testville", "city:testville", "rail:tehran", [[tehran["x"] + 0.3, tehran["y"] + 0.2], [tehran["x"], tehran["y"]]]),
    )
    p = write(tmp_path, "add.geojson", doc)
    G2 = load_network([p], use_cache=False)
    assert "city:testville" in G2
    assert G2.has_edge("city:testville", "rail:tehran", "road:testville")
    leg = G2.edges["city:testville", "rail:tehran", "road:testville"]
    assert leg["countries"] == ("IRN",)
    some_leg = next(k for _, _, k, d in G.edges(keys=True, data=True) if d.get("origin") == "data" and d["mode"] == "rail")
    rm = write(tmp_path, "rm.geojson", fc({"type": "Feature", "properties": {"id": some_leg, "action": "remove"}, "geometry": None}))
    G3 = load_network([rm], use_cache=False)
    assert all(k != some_leg for _, _, k in G3.edges(keys=True))
    assert any(k == some_leg for _, _, k in G.edges(keys=True)), "the cached bundled graph must not change"
