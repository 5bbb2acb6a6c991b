"""The vectorised first-run paths give exactly what the plain ones give: the family masks judged
over arrays against the family rules judged leg by leg."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from corridors.query import Compiled, family_mask, family_mask_plain, gate_direction_mask, gate_direction_mask_plain


@pytest.fixture(scope="module")
def fresh(router: Any) -> Compiled:
    """The router's compiled engine indexed anew, without any mask computed yet."""
    q = router.compiled
    return Compiled.of(q.G, q.params, q.eng)


def test_family_masks_match_the_rules_leg_by_leg(router: Any, fresh: Compiled) -> None:
    gated = 0
    for fam in router.families.values():
        fast = family_mask(fresh, fam)
        plain = family_mask_plain(fresh, fam)
        assert fast.dtype == bool and fast.shape == plain.shape
        assert np.array_equal(fast, plain), fam.id
        assert not fast.all(), fam.id  # every family rules something out
        if fam.gate_country:
            gated += 1
            for forward in (True, False):
                g_fast = gate_direction_mask(fresh, fam, forward)
                g_plain = gate_direction_mask_plain(fresh, fam, forward)
                assert np.array_equal(g_fast, g_plain), (fam.id, forward)
                assert not g_fast.all(), (fam.id, forward)
    assert gated  # the bundled families include gated ones (INSTC)


def test_masks_are_kept_per_family(router: Any, fresh: Compiled) -> None:
    fam = next(iter(router.families.values()))
    assert family_mask(fresh, fam) is family_mask(fresh, fam)
