"""Canals and rivers open only to the vessels that fit them (issue 10): limits as data, honoured through
``avoid_chokepoints``."""

from __future__ import annotations

from typing import Any

import pytest


def test_waterway_limits_are_sourced_and_name_real_chokepoints(G: Any) -> None:
    from corridors.vessels import read_limits

    limits = {w.id: w for w in read_limits()}
    assert set(limits) >= {"suez", "panama", "kiel", "corinth", "volga_don"}
    chokes = {z for _, _, d in G.edges(data=True) for z in d.get("chokepoints", ())}
    for w in limits.values():
        assert w.source and w.in_network and w.max_beam_m and w.max_draught_m, w.id
        if w.chokepoint:
            assert w.chokepoint in chokes or w.id == "volga_don", w.id  # the Volga-Don is cut from the graph


def test_which_vessels_fit() -> None:
    from corridors.vessels import Vessel, closed_chokepoints, read_limits

    limits = {w.id: w for w in read_limits()}
    megamax = Vessel(length_m=399.9, beam_m=61.5, draught_m=16.0)  # a 24,000 TEU ship
    neopanamax = Vessel(length_m=366.0, beam_m=51.0, draught_m=15.2)
    feeder = Vessel(length_m=177.6, beam_m=30.5, draught_m=8.8)  # the largest Kiel-Canal-max feeder
    assert limits["suez"].why_not(megamax) is None  # 16.0 m < 16.8 m allowed at a 61.5 m beam
    assert "draught" in str(limits["suez"].why_not(Vessel(399.9, 61.5, 17.5)))
    assert "length" in str(limits["panama"].why_not(megamax))
    assert "beam" in str(limits["panama"].why_not(Vessel(300.0, 61.5, 14.0)))
    assert limits["panama"].why_not(neopanamax) is None
    assert limits["kiel"].why_not(feeder) is None
    assert "draught" in str(limits["kiel"].why_not(Vessel(177.6, 30.5, 9.5)))
    assert limits["corinth"].why_not(feeder) is not None
    assert limits["volga_don"].why_not(feeder) is not None
    assert closed_chokepoints(megamax) == ("panama", "volga_don")
    assert closed_chokepoints(Vessel(100.0, 15.0, 3.0)) == ()


def test_a_vessel_too_deep_for_suez_goes_round_the_cape(router: Any) -> None:
    from corridors.routing import Constraints
    from corridors.vessels import Vessel, closed_chokepoints

    vlcc = Vessel(length_m=330.0, beam_m=60.0, draught_m=21.0)
    avoid = closed_chokepoints(vlcc)
    assert "suez" in avoid
    c = Constraints(modes=("sea",), avoid_chokepoints=avoid)
    r = router.route("Novorossiysk", "Nhava Sheva", constraints=c)
    assert "suez" not in r.chokepoints and "cape_of_good_hope" in r.chokepoints


def test_bad_limits_file_is_one_clear_error(tmp_path: Any) -> None:
    from corridors.errors import DataFileError
    from corridors.vessels import read_limits

    p = tmp_path / "w.toml"
    p.write_text("[[waterway]\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="cannot read waterway limits"):
        read_limits(p)
