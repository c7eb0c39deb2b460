"""LiveCards: one editor per live card; other turns only mark it changed; the editor
redraws once more for all of them, and hands what is left to a background task."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from bot.teams.live_cards import EDIT_GAP, THROTTLED_TRIES, LiveCards
from bot.teams.pacing import ConversationPacer, Limit, Throttled
from tests.support.teams_limits import SendLimits


class Card:
    """A live card's state (its version) and what was sent to Teams."""

    def __init__(self) -> None:
        self.version = 0
        self.sent: list[int] = []
        self.gate: asyncio.Event | None = None
        self.fail_next = False

    def change(self) -> dict[str, Any]:
        self.version += 1
        return {"v": self.version}

    async def send(self, card: dict[str, Any]) -> None:
        if self.gate is not None:
            await self.gate.wait()
        if self.fail_next:
            self.fail_next = False
            raise OSError("connector down")
        self.sent.append(card["v"])

    def rechecker(self, drawn: int) -> Any:
        seen = [drawn]

        async def recheck() -> dict[str, Any] | None:
            if self.version <= seen[0]:
                return None
            seen[0] = self.version
            return {"v": self.version}

        return recheck

    async def turn(self, cards: LiveCards) -> None:
        """One person's change: committed, drawn, then handed to LiveCards."""
        drawn = self.change()
        await cards.edit("agenda", drawn, self.send, self.rechecker(drawn["v"]))


async def test_a_lone_change_is_sent_once_and_the_card_released() -> None:
    cards, card = LiveCards(), Card()
    await card.turn(cards)
    assert card.sent == [1]
    assert not cards.editing("agenda")


async def test_changes_made_while_one_is_being_sent_are_drawn_once_for_all() -> None:
    cards, card = LiveCards(), Card()
    card.gate = asyncio.Event()
    first = asyncio.create_task(card.turn(cards))
    await asyncio.sleep(0)  # the first turn is now sending, held at the gate
    assert cards.editing("agenda")
    for _ in range(5):
        await card.turn(cards)  # each returns at once: the card is being edited
    assert card.sent == []
    card.gate.set()
    await first
    assert card.sent == [1, 6], "the editor's card, then one card with all five changes"
    assert not cards.editing("agenda")


async def test_an_editor_rechecks_a_few_times_then_a_background_task_finishes() -> None:
    cards, card = LiveCards(rechecks=2), Card()
    sent_by_turn: list[int] = []

    async def keeps_changing(c: dict[str, Any]) -> None:
        await Card.send(card, c)
        if len(card.sent) < 6:
            await card.turn(cards)  # someone else records while this edit goes out

    drawn = card.change()
    await cards.edit("agenda", drawn, keeps_changing, card.rechecker(1))
    sent_by_turn = list(card.sent)
    assert len(sent_by_turn) == 3, "its own edit and two rechecks, then it answers"
    await cards.settled()
    assert card.sent[-1] == card.version, "the background task brought the card up to date"
    assert not cards.editing("agenda")


async def test_a_failed_edit_is_raised_to_its_turn_and_the_card_is_not_stuck() -> None:
    cards, card = LiveCards(), Card()
    card.fail_next = True
    with pytest.raises(OSError):
        await card.turn(cards)
    assert not cards.editing("agenda")
    await card.turn(cards)
    assert card.sent == [2]


async def test_a_change_pending_when_the_edit_failed_is_still_sent() -> None:
    cards, card = LiveCards(), Card()
    card.gate, card.fail_next = asyncio.Event(), True
    first = asyncio.create_task(card.turn(cards))
    await asyncio.sleep(0)
    await card.turn(cards)  # marks the card changed
    card.gate.set()
    with pytest.raises(OSError):
        await first
    await cards.settled()
    assert card.sent == [2]


async def test_cards_are_edited_independently() -> None:
    cards, agenda, round_card = LiveCards(), Card(), Card()
    agenda.gate = asyncio.Event()
    held = asyncio.create_task(agenda.turn(cards))
    await asyncio.sleep(0)
    drawn = round_card.change()
    await cards.edit("round", drawn, round_card.send, round_card.rechecker(1))
    assert round_card.sent == [1]
    agenda.gate.set()
    await held
    assert agenda.sent == [1]


async def test_without_a_way_to_redraw_every_turn_sends_its_own_card() -> None:
    cards, card = LiveCards(), Card()
    for _ in range(3):
        drawn = card.change()
        await cards.edit("notice", drawn, card.send, None)
    assert card.sent == [1, 2, 3]


async def test_turns_waiting_on_the_editor_are_answered_with_a_card_showing_their_change() -> None:
    cards, card = LiveCards(), Card()
    card.gate = asyncio.Event()

    async def lazy_turn() -> dict[str, Any] | None:
        card.change()  # committed; the card is drawn by whoever edits it
        return await cards.edit("agenda", None, card.send, card.rechecker(0), answer=True)

    first = asyncio.create_task(lazy_turn())
    await asyncio.sleep(0)  # the first turn drew version 1 and is sending it
    waiting = [asyncio.create_task(lazy_turn()) for _ in range(3)]
    await asyncio.sleep(0)
    card.gate.set()
    answers = [await first, *[await w for w in waiting]]
    assert answers[0] == {"v": 1}
    assert answers[1:] == [{"v": 4}] * 3, "each answered with the card that includes theirs"
    assert card.sent == [1, 4], "drawn twice for four changes"


async def test_when_the_editor_fails_the_takeover_answers_the_waiting_turn() -> None:
    cards, card = LiveCards(rechecks=1), Card()
    card.gate = asyncio.Event()
    first = asyncio.create_task(card.turn(cards))
    await asyncio.sleep(0)  # the first turn is sending version 1
    drawn = card.change()
    waiting = asyncio.create_task(
        cards.edit("agenda", drawn, card.send, card.rechecker(drawn["v"]), answer=True)
    )
    await asyncio.sleep(0)
    card.fail_next = True  # the editor's next send (version 1) fails...
    card.gate.set()
    with pytest.raises(OSError):
        await first
    # ...and the background task that takes over sends version 2 and answers the waiter.
    assert await waiting == {"v": 2}
    await cards.settled()
    assert card.sent == [2]
    assert not cards.editing("agenda")


# -- pacing: Teams' limits for one conversation -------------------------------------------

GAP = 0.05  # seconds; the app uses EDIT_GAP (0.25)


class TimedCard(Card):
    """Records when each edit went out (loop time)."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    async def send(self, card: dict[str, Any]) -> None:
        await super().send(card)
        self.times.append(asyncio.get_running_loop().time())


def test_the_app_paces_edits_inside_teams_limits_for_one_conversation() -> None:
    assert 1 / EDIT_GAP < 7, "at most 7 messages a second into one conversation"
    assert 2 / EDIT_GAP <= 8, "at most 8 in two seconds"


async def test_edits_within_the_gap_wait_for_it_and_only_the_newest_is_sent() -> None:
    cards, card = LiveCards(min_gap=GAP), TimedCard()
    for _ in range(4):  # four changes at once, each drawn by its own turn
        drawn = card.change()
        await cards.edit("agenda", drawn, card.send, None)
    assert card.sent == [1], "the first at once; the rest wait for the gap"
    await cards.settled()
    assert card.sent == [1, 4], "versions 2 and 3 were overtaken before their turn came"
    assert card.times[1] - card.times[0] >= GAP * 0.99


async def test_an_edit_after_the_gap_goes_out_at_once() -> None:
    cards, card = LiveCards(min_gap=GAP), TimedCard()
    await card.turn(cards)
    await cards.settled()
    loop = asyncio.get_running_loop()
    later = loop.create_future()
    loop.call_at(card.times[0] + GAP, later.set_result, None)
    await later  # the loop's own timer: the gap has passed
    await card.turn(cards)
    assert card.sent == [1, 2], "sent by the turn itself, not deferred"


async def test_waiting_turns_are_answered_without_waiting_for_the_paced_edit() -> None:
    cards, card = LiveCards(min_gap=GAP), TimedCard()
    await card.turn(cards)  # an edit just went out: the next must wait for the gap

    card.change()
    answer = await cards.edit("agenda", None, card.send, card.rechecker(1), answer=True)
    assert answer == {"v": 2}, "the clicker sees their change at once"
    assert card.sent == [1], "everyone else sees it when the gap has passed"
    await cards.settled()
    assert card.sent == [1, 2]


async def test_a_paced_edit_that_fails_is_logged_by_kind_and_the_next_change_edits(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cards, card = LiveCards(min_gap=GAP), TimedCard()
    await card.turn(cards)
    card.fail_next = True
    await card.turn(cards)  # deferred; fails when the gap has passed
    await cards.settled()
    assert card.sent == [1]
    assert "live card not refreshed: OSError" in caplog.text
    assert "connector down" not in caplog.text, "the exception's message is not logged"
    await card.turn(cards)
    await cards.settled()
    assert card.sent == [1, 3]


# -- pacing among everything sent into the conversation (bot.teams.pacing) -----------------


class FakeTime:
    """The pacer's clock; its sleep moves the clock (one sleeper at a time here)."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


class PacedCard(Card):
    """Records the pacer's time of each edit; can answer 429 like Teams."""

    def __init__(self, time: FakeTime) -> None:
        super().__init__()
        self.time = time
        self.at: list[float] = []
        self.throttle: list[float | None] = []

    async def send(self, card: dict[str, Any]) -> None:
        if self.throttle:
            raise Throttled(self.throttle.pop(0))
        await super().send(card)
        self.at.append(self.time.now)

    async def turn_in(self, cards: LiveCards, key: str = "agenda") -> None:
        drawn = self.change()
        await cards.edit(key, drawn, self.send, self.rechecker(drawn["v"]), conversation=ROOM)


ROOM = "19:meeting@thread.tacv2"


def paced_cards(time: FakeTime) -> LiveCards:
    return LiveCards(min_gap=0, pacer=ConversationPacer(clock=time.clock, sleep=time.sleep))


async def test_two_cards_in_one_conversation_share_its_limits() -> None:
    """The agenda and a round's card, each changing ten times: together never more than
    Teams allows in that conversation, and each ends current."""
    time = FakeTime()
    cards = paced_cards(time)
    agenda, round_card = PacedCard(time), PacedCard(time)
    for _ in range(10):
        await agenda.turn_in(cards, "agenda")
        await round_card.turn_in(cards, "round")
    await cards.settled()
    teams = SendLimits(clock=time.clock)
    for at in sorted(agenda.at + round_card.at):
        time.now = at
        assert teams.admit("PUT", ROOM) is None
    assert agenda.sent[-1] == agenda.version and round_card.sent[-1] == round_card.version
    assert len(agenda.sent) + len(round_card.sent) >= 8, "the first seven went at once"


async def test_a_throttled_edit_is_sent_again_after_retry_after_newest_first() -> None:
    time = FakeTime()
    cards = paced_cards(time)
    card = PacedCard(time)
    card.throttle = [2.0]
    await card.turn_in(cards)  # answered 429: the turn is not failed, the card waits
    await card.turn_in(cards)  # a newer card replaces the waiting one
    await cards.settled()
    assert card.sent == [2], "version 1 was overtaken while held"
    assert card.at == [pytest.approx(2.0)], "not before Retry-After"


async def test_a_card_throttled_again_and_again_is_given_up_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    time = FakeTime()
    cards = paced_cards(time)
    card = PacedCard(time)
    card.throttle = [1.0] * THROTTLED_TRIES
    await card.turn_in(cards)
    await cards.settled()
    assert card.sent == []
    assert f"live card not refreshed: throttled {THROTTLED_TRIES} times" in caplog.text
    await card.turn_in(cards)
    await cards.settled()
    assert card.sent == [2], "the next change edits again"


async def test_one_edit_of_a_card_is_on_its_way_at_a_time() -> None:
    """A slow edit is answered before the next goes: two on their way at once could
    arrive in the wrong order."""
    time = FakeTime()
    cards = LiveCards(pacer=ConversationPacer(clock=time.clock, sleep=time.sleep))
    card = PacedCard(time)
    card.gate = asyncio.Event()
    slow = asyncio.create_task(cards.edit("notice", card.change(), card.send, None))
    await asyncio.sleep(0)
    await cards.edit("notice", card.change(), card.send, None, conversation=ROOM)
    await asyncio.sleep(0)
    assert card.sent == [], "the second waits while the first is on its way"
    card.gate.set()
    await slow
    await cards.settled()
    assert card.sent == [1, 2]


async def test_a_card_drawn_before_an_edit_that_went_out_is_not_sent_over_it() -> None:
    """A turn drew version 1, and before it reached LiveCards another turn's change
    (version 2) was drawn and sent. The late turn draws again first: the card everyone
    sees never goes back to version 1."""
    cards, card = LiveCards(), Card()
    late = card.change()
    await card.turn(cards)  # version 2, edited and released
    await cards.edit("agenda", late, card.send, card.rechecker(late["v"]))
    assert card.sent == [2, 2]


async def test_many_interleaved_turns_leave_the_card_current_and_never_going_back() -> None:
    """Two hundred changes whose turns, draws and edits interleave at random (each await
    yields a random number of times), paced by tiny windows: every edit shows a state no
    older than the one before, and the last shows the last change. (With this seed, an
    editor that sent its own turn's card without drawing again first sends an older one.)"""
    rng = random.Random(41)
    pacer = ConversationPacer([Limit(3, 0.004), Limit(5, 0.012)], margin=0.0)
    cards, card = LiveCards(min_gap=0.001, pacer=pacer), Card()

    async def jitter() -> None:
        for _ in range(rng.randint(0, 6)):
            await asyncio.sleep(0)

    async def send(drawn: dict[str, Any]) -> None:
        await jitter()
        card.sent.append(drawn["v"])

    async def turn() -> None:
        await jitter()
        drawn = card.change()
        recheck = card.rechecker(drawn["v"])

        async def slow_recheck() -> dict[str, Any] | None:
            await jitter()
            return await recheck()

        await jitter()
        own = drawn if rng.random() < 0.5 else None  # like a press, or like a minute
        await cards.edit("agenda", own, send, slow_recheck, answer=own is None, conversation=ROOM)

    await asyncio.gather(*(turn() for _ in range(200)))
    await cards.settled()
    assert card.sent == sorted(card.sent), "never an older state after a newer one"
    assert card.sent[-1] == card.version == 200
    assert len(card.sent) < 200, "drawn once for many"
