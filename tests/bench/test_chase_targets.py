"""The chase scenario's verdicts (bench/chase.py): the busiest one-second window is
counted over sliding windows, and a run that exceeds Teams' 50 a second fails its line
however fast it was."""

from __future__ import annotations

from bench.chase import ChaseResult, chase_targets, peak_window


def test_the_peak_window_slides_over_arrivals() -> None:
    # Times in 1/1024 s, exact in binary. Two bursts of 30 half a second apart: 60 in one
    # second, though no clock second (0-1, 1-2) holds more than 30.
    tick = 1 / 1024
    arrivals = [0.625 + n * tick for n in range(30)] + [1.125 + n * tick for n in range(30)]
    assert peak_window(arrivals) == 60
    # Each burst a second after the other's start: a window holds less than one second,
    # so at most the rest of the first burst and the start of the second, 30.
    assert peak_window([n * tick for n in range(30)] + [1.0 + n * tick for n in range(30)]) == 30
    assert peak_window([]) == 0


def result(peak: int) -> ChaseResult:
    return ChaseResult(
        wall=41.0,
        planning=0.5,
        digests_planned=2000,
        delivered=2000,
        owners=2000,
        duplicates=0,
        undelivered=0,
        first_send=0.6,
        peak_window=peak,
    )


def test_a_run_over_the_cap_in_any_window_fails_its_line() -> None:
    lines = {line.split()[0]: line for line in chase_targets(result(50), 40.0)}
    assert lines["chase_peak_window"].endswith("pass")
    assert lines["chase_wall_time"].endswith("pass")
    over = {line.split()[0]: line for line in chase_targets(result(51), 40.0)}
    assert over["chase_peak_window"] == "chase_peak_window 51/1s <=50/1s_sliding fail"
    assert [line.split()[0] for line in chase_targets(None, 40.0)] == [
        "chase_wall_time",
        "chase_digests_once",
        "chase_peak_window",
    ]
