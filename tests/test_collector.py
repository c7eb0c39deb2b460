"""`mace-bot serve` tunes the cyclic garbage collector before it listens (bot.cli)."""

from __future__ import annotations

import gc

from bot.cli import GC_YOUNG_THRESHOLD, tune_collector


def test_start_up_objects_are_frozen_and_young_collections_are_rarer() -> None:
    before = gc.get_threshold()
    try:
        tune_collector()
        assert gc.get_freeze_count() > 1000, "what start-up built is out of collection"
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, before[1], before[2])
        assert before[0] < GC_YOUNG_THRESHOLD

        class Cycle:
            def __init__(self) -> None:
                self.me = self

        Cycle()
        assert gc.collect() > 0, "cycles are still collected"
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
