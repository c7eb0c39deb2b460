"""`mace-bot serve` tunes the cyclic garbage collector before it listens (bot.cli)."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

from bot.cli import GC_YOUNG_THRESHOLD, tune_collector

REPO = Path(__file__).resolve().parents[1]


def test_start_up_objects_are_frozen_and_young_collections_are_rarer() -> None:
    before = gc.get_threshold()
    # From CPython's defaults, whatever ran in this worker before (another test's serve).
    gc.unfreeze()
    gc.set_threshold(700, before[1], before[2])
    try:
        tune_collector()
        assert gc.get_freeze_count() > 1000, "what start-up built is out of collection"
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, before[1], before[2])

        class Cycle:
            def __init__(self) -> None:
                self.me = self

        Cycle()
        assert gc.collect() > 0, "cycles are still collected"
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_importing_the_cli_leaves_the_collector_on_with_what_it_built_frozen() -> None:
    """bot.cli's imports run with the collector off (0.2 s of a new instance's start);
    whoever imports it gets the collector back, with the modules out of its way."""
    probe = (
        "import gc; gc.set_threshold(700, 10, 10); import bot.cli; "
        "print(gc.isenabled(), gc.get_freeze_count(), gc.get_count()[0], gc.get_threshold())"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    enabled, frozen, young, threshold = done.stdout.split(maxsplit=3)
    assert enabled == "True"
    assert int(frozen) > 100_000, "the modules and what they hold are frozen"
    assert int(young) < 700, "no backlog left for the first young collection to walk"
    assert threshold.strip() == "(700, 10, 10)", "the thresholds are serve's to change"
