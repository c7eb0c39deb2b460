"""ConversationPacer: every send into a conversation waits its turn inside Teams' limits,
measured from the answers of earlier sends, so no window at Teams' end can overflow
whatever each request takes on the way. Time is a clock the test moves; nothing sleeps."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Sequence

import pytest

from bot.teams.pacing import CONVERSATION_LIMITS, MARGIN, ConversationPacer, Limit, Throttled
from tests.support.teams_limits import TEAMS_LIMITS, Scope, SendLimits

ROOM = "19:meeting@thread.tacv2;messageid=1"


class FakeTime:
    """The pacer's clock; its sleep moves the clock instead of waiting (one sleeper at a
    time in these tests)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)

    def pacer(self, limits: Sequence[Limit] = CONVERSATION_LIMITS) -> ConversationPacer:
        return ConversationPacer(limits, clock=self.clock, sleep=self.sleep)


async def _send(
    pacer: ConversationPacer, time: FakeTime, took: float = 0.0, room: str = ROOM
) -> float:
    """One send that takes ``took`` seconds to be answered; returns when it started."""
    async with pacer.sending(room):
        started = time.now
        time.now += took
    return started


def test_the_limits_are_teams_documented_ones_for_one_conversation() -> None:
    assert [(w.count, w.seconds) for w in TEAMS_LIMITS if w.scope is Scope.CONVERSATION] == [
        (limit.count, limit.seconds) for limit in CONVERSATION_LIMITS
    ]


async def test_seven_go_at_once_and_the_eighth_a_second_after_the_first_answer() -> None:
    time = FakeTime()
    pacer = time.pacer()
    starts = [await _send(pacer, time, took=0.01) for _ in range(8)]
    assert starts[:7] == pytest.approx([0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06])
    assert starts[7] == pytest.approx(0.01 + 1.0 + MARGIN), "the first was answered at 0.01"


async def test_at_four_a_second_the_ninth_waits_for_the_two_second_window() -> None:
    time = FakeTime()
    pacer = time.pacer()
    for n in range(8):
        time.now = n * 0.25
        assert await _send(pacer, time, took=0.02) == pytest.approx(n * 0.25)
    time.now = 2.0
    assert await _send(pacer, time) == pytest.approx(0.02 + 2.0 + MARGIN)


async def test_no_window_overflows_at_teams_end_whatever_each_send_takes() -> None:
    """400 sends asked for back to back, each answered after a random time up to 0.4 s,
    each reaching Teams at a random moment between its start and its answer: Teams'
    own counting (the fake connector's) refuses none."""
    time = FakeTime()
    pacer = time.pacer()
    rng = random.Random(18)
    teams = SendLimits(clock=time.clock)
    arrivals = []
    for _ in range(400):
        async with pacer.sending(ROOM):
            took = rng.uniform(0.0, 0.4)
            arrivals.append(time.now + rng.uniform(0.0, took))
            time.now += took
    for at in sorted(arrivals):
        time.now = at
        assert teams.admit("PUT", ROOM) is None


async def test_a_long_burst_is_spread_rather_than_stalled() -> None:
    """Without spreading, 60 sends in the first 15 s would leave the next 15 s silent. Past
    half of the 30 s budget sends go a second apart: no gap longer than the 2 s window."""
    time = FakeTime()
    pacer = time.pacer()
    starts = [await _send(pacer, time, took=0.01) for _ in range(120)]
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert max(gaps) < 2.0 + MARGIN + 0.02
    assert sum(1 for s in starts if s < 30.0) <= 60
    assert starts[-1] < 100.0


async def test_a_send_on_its_way_is_answered_before_one_it_could_overtake_in_a_window() -> None:
    time = FakeTime()
    pacer = time.pacer()
    answered = asyncio.Event()

    async def slow() -> None:
        async with pacer.sending(ROOM):
            await answered.wait()

    first = asyncio.create_task(slow())
    await asyncio.sleep(0)
    for _ in range(6):
        await _send(pacer, time)
    eighth = asyncio.create_task(_send(pacer, time))
    await asyncio.sleep(0)
    assert not eighth.done(), "the first is still on its way: it might arrive last"
    assert not pacer.ready(ROOM)
    time.now = 0.5
    answered.set()
    await first
    assert await eighth == pytest.approx(0.5 + 1.0 + MARGIN)


async def test_a_hold_after_a_429_delays_the_next_send() -> None:
    time = FakeTime()
    pacer = time.pacer()
    await _send(pacer, time)
    pacer.hold(ROOM, 3.0)
    assert not pacer.ready(ROOM)
    assert await _send(pacer, time) == pytest.approx(3.0)
    assert Throttled(None).retry_after == 1.0
    assert Throttled(2.5).retry_after == 2.5


async def test_conversations_are_paced_apart() -> None:
    time = FakeTime()
    pacer = time.pacer()
    for _ in range(7):
        await _send(pacer, time)
    assert not pacer.ready(ROOM)
    assert pacer.ready("a:other")
    assert await _send(pacer, time, room="a:other") == 0.0


async def test_sends_answered_over_an_hour_ago_and_idle_conversations_are_forgotten() -> None:
    time = FakeTime()
    pacer = time.pacer(limits=[Limit(2, 10.0)])
    for n in range(300):
        await _send(pacer, time, room=f"a:{n}")
    assert len(pacer._conversations) == 300, "each still counts in its window"
    time.now = 11.0
    for n in range(512 - 300):
        await _send(pacer, time, room=f"a:late-{n}")
    assert len(pacer._conversations) == 512, "swept again only at twice the 256 kept"
    await _send(pacer, time, room="a:last")
    assert len(pacer._conversations) == 512 - 300 + 1, "the idle ones swept"
