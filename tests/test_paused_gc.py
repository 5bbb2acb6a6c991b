"""What is made with the collector paused counts as old afterwards (no young collection walks it all
again), and nothing a caller froze is unfrozen by it."""

from __future__ import annotations

import gc

from corridors import cache


def test_paused_gc_leaves_what_it_made_in_the_oldest_generation() -> None:
    assert gc.get_freeze_count() == 0  # nothing in the test session is left frozen
    assert gc.isenabled()
    with cache.paused_gc():
        assert not gc.isenabled()
        made = [[i] for i in range(2 * cache.AGE_FROM)]
        assert gc.get_count()[0] > cache.AGE_FROM  # counted, not collected
    assert gc.isenabled()
    assert gc.get_count()[0] < 100  # the young generation is empty: no pass over the lists
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert id(made[0]) in oldest and id(made[-1]) in oldest
    assert gc.get_freeze_count() == 0


def test_paused_gc_leaves_frozen_objects_frozen() -> None:
    kept = [[i] for i in range(100)]
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        with cache.paused_gc():
            made = [[i] for i in range(2 * cache.AGE_FROM)]
        assert gc.get_freeze_count() == frozen  # what the caller froze stays frozen
        assert gc.isenabled()
        assert made and kept
    finally:
        gc.unfreeze()


def test_paused_gc_nested_and_off_stays_off() -> None:
    gc.disable()
    try:
        with cache.paused_gc(), cache.paused_gc():
            pass
        assert not gc.isenabled()  # a caller that had it off gets it back off
    finally:
        gc.enable()
