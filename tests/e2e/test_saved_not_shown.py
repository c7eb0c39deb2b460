"""A change saved, then the store fails before it can be shown: the person is told it is
saved and which command shows it, never "nothing was saved, try again" (a second press is
a new turn and would save it a second time).

The store fails the way ``bot.store.db`` makes it fail after one timeout: every read from
the moment the turn's write commits (``Store.reading`` raises the driver's
OperationalError), through the real endpoint.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bot.domain.model import RoundStatus
from bot.services import rounds as rounds_service
from bot.store import tables as t
from bot.store.db import Store
from cards import verbs as v
from tests.e2e.cardtools import action, text_of, verbs
from tests.e2e.harness import BotUnderTest
from tests.e2e.scenario import (
    invoke_card,
    invoke_message,
    ok,
    press,
    say,
    start_meeting,
    store_of,
)
from tests.e2e.test_between_meetings import agree_actions, personal
from tests.e2e.test_between_meetings import click as personal_click
from tests.e2e.test_members_chat import PRIYA, remove_button, roles_of
from tests.e2e.test_members_chat import click as members_click


class ReadsFailAfterCommit:
    """Once a turn's write (a transaction claiming an activity id) commits, every read
    fails until ``mend``: what a store that stops answering just then looks like."""

    def __init__(self) -> None:
        self.armed = False
        self.tripped = False

    def patch(self, monkeypatch: pytest.MonkeyPatch) -> None:
        transaction, reading = Store.transaction, Store.reading
        breaker = self

        @asynccontextmanager
        async def tripping(self: Store, **kwargs: Any) -> AsyncIterator[Any]:
            async with transaction(self, **kwargs) as session:
                yield session
            if breaker.armed and kwargs.get("activity_id"):
                breaker.tripped = True

        @asynccontextmanager
        async def failing(self: Store) -> AsyncIterator[Any]:
            if breaker.tripped:
                raise OperationalError("SELECT", {}, ConnectionRefusedError("no answer"))
            async with reading(self) as session:
                yield session

        monkeypatch.setattr(Store, "transaction", tripping)
        monkeypatch.setattr(Store, "reading", failing)

    def mend(self) -> None:
        self.armed = self.tripped = False


@pytest.fixture
def breaker(monkeypatch: pytest.MonkeyPatch) -> Iterator[ReadsFailAfterCommit]:
    broken = ReadsFailAfterCommit()
    broken.patch(monkeypatch)
    yield broken
    broken.mend()


def assert_saved(text: str, see: str) -> None:
    assert text.startswith("Saved."), text
    assert f"**{see}**" in text, text
    assert "no need to enter it again" in text
    assert "Nothing you entered has been lost" not in text and "try again" not in text


async def count(bot: BotUnderTest, query: Any) -> int:
    async with store_of(bot).reading() as session:
        return int(await session.scalar(query) or 0)


#: Each change from "my actions": the field it sends, the event it saves with its note,
#: and what "my actions" shows afterwards (None: the action has left the list).
ACTION_CHANGES = [
    (v.ACTION_UPDATE, "update", "update", "Checked today.", "Checked today."),
    (v.ACTION_DONE, "done", "done", "Checked today.", None),
    (
        v.ACTION_REQUEST_DATE,
        "reason",
        "date_requested",
        "2026-12-17: Checked today.",
        "New date Thu 17 Dec 2026 asked for",
    ),
]


@pytest.mark.parametrize(("verb", "field", "kind", "note", "listed"), ACTION_CHANGES)
async def test_an_action_change_saved_but_not_shown_says_saved(
    bot: BotUnderTest,
    breaker: ReadsFailAfterCommit,
    verb: str,
    field: str,
    kind: str,
    note: str,
    listed: str | None,
) -> None:
    (action_id,) = await agree_actions(
        bot,
        [{"description": "Check school attendance.", "owner": "Priya Shah", "due": "2026-12-03"}],
    )
    inputs = {f"{field}-{action_id}": "Checked today.", f"newDate-{action_id}": "2026-12-17"}
    breaker.armed = True
    body = await personal_click(bot, "police", verb, {"actionId": action_id}, inputs)
    assert breaker.tripped, "the write committed before the read failed"
    assert_saved(invoke_message(body), "my actions")
    breaker.mend()
    async with store_of(bot).reading() as session:
        notes = list(
            await session.scalars(select(t.ActionEvent.note).where(t.ActionEvent.kind == kind))
        )
    assert notes == [note], "saved once"
    # As it says: "my actions" shows it, with no second entry needed.
    shown = text_of((await personal(bot, "police", "my actions"))["attachments"][0]["content"])
    if listed is None:
        assert "Check school attendance." not in shown
    else:
        assert listed in shown, shown


async def open_round(bot: BotUnderTest) -> tuple[int, str]:
    """A meeting on item 4 with the police present and a round open: (round id, card id)."""
    meeting = await start_meeting(bot, to_position=4)
    ok(await press(bot, "police", v.ATTENDANCE_SELF, {"meetingId": meeting.id}))
    where = {"meetingId": meeting.id, "itemId": meeting.current_item(bot)}
    ok(await press(bot, "chair", v.ROUND_OPEN, where, card_id=meeting.agenda_id))
    posted = bot.connector.posted()[-1]
    card = posted.activity["attachments"][0]["content"]
    return action(card, v.ROUND_ANSWER)["data"]["roundId"], posted.activity_id


async def answer(bot: BotUnderTest, round_id: int, card: str) -> Any:
    return ok(
        await press(
            bot,
            "police",
            v.ROUND_ANSWER,
            {"roundId": round_id},
            {"outcome": "shared", "shareText": "Two sightings with an older male."},
            card_id=card,
        )
    )


async def test_a_round_answer_is_shown_from_its_own_transaction(
    bot: BotUnderTest, breaker: ReadsFailAfterCommit
) -> None:
    """The answer's card is drawn in the transaction that saves it (one connection, no
    second checkout): a store failing from the commit on still shows the answer."""
    round_id, card = await open_round(bot)
    breaker.armed = True
    shown = invoke_card(await answer(bot, round_id, card))
    assert breaker.tripped
    assert "Two sightings with an older male." in text_of(shown)
    breaker.mend()
    assert await count(bot, select(func.count()).select_from(t.RoundTurn)) == 1


async def test_a_round_answer_not_saved_says_so_and_a_retry_saves_it_once(
    bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drawing fails inside the saving transaction: it rolls back, so "nothing was saved,
    try again" is true there, and the retry saves the answer once."""
    round_id, card = await open_round(bot)

    async def fails(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("SELECT", {}, ConnectionRefusedError("no answer"))

    monkeypatch.setattr(rounds_service, "round_view", fails)
    assert "Nothing you entered has been lost" in invoke_message(await answer(bot, round_id, card))
    assert await count(bot, select(func.count()).select_from(t.RoundTurn)) == 0
    monkeypatch.undo()
    assert "Two sightings" in text_of(invoke_card(await answer(bot, round_id, card)))
    assert await count(bot, select(func.count()).select_from(t.RoundTurn)) == 1


async def test_a_round_opened_but_not_shown_says_saved(
    bot: BotUnderTest, breaker: ReadsFailAfterCommit
) -> None:
    meeting = await start_meeting(bot, to_position=4)
    ok(await press(bot, "police", v.ATTENDANCE_SELF, {"meetingId": meeting.id}))
    where = {"meetingId": meeting.id, "itemId": meeting.current_item(bot)}
    breaker.armed = True
    body = ok(await press(bot, "chair", v.ROUND_OPEN, where, card_id=meeting.agenda_id))
    assert breaker.tripped
    assert_saved(invoke_message(body), "share round")
    breaker.mend()
    assert await count(bot, select(func.count()).select_from(t.ShareRound)) == 1
    # As it says: the command posts the round opened, not a second one.
    ok(await say(bot, "chair", "share round"))
    assert v.ROUND_ANSWER in verbs(bot.connector.cards()[-1])
    assert await count(bot, select(func.count()).select_from(t.ShareRound)) == 1


async def test_a_round_closed_but_not_shown_says_saved(
    bot: BotUnderTest, breaker: ReadsFailAfterCommit
) -> None:
    round_id, card = await open_round(bot)
    breaker.armed = True
    body = ok(await press(bot, "chair", v.ROUND_CLOSE, {"roundId": round_id}, card_id=card))
    assert breaker.tripped
    assert_saved(invoke_message(body), "agenda")
    breaker.mend()
    async with store_of(bot).reading() as session:
        statuses = list(await session.scalars(select(t.ShareRound.status)))
    assert statuses == [RoundStatus.CLOSED]


async def test_a_member_grant_and_removal_are_shown_from_their_own_transaction(
    bot: BotUnderTest, breaker: ReadsFailAfterCommit
) -> None:
    """The members card is drawn in the transaction that grants or removes the role: a
    store failing from the commit on still shows the change, and it is stored once."""
    breaker.armed = True
    granted = invoke_card(
        await members_click(
            bot,
            "chair",
            v.MEMBERS_ADD,
            {},
            {"showLocality": "selby", "member": PRIYA, "locality": "selby", "role": "agency_lead"},
        )
    )
    assert breaker.tripped
    assert "Priya Shah is now Agency lead in Selby." in text_of(granted)
    breaker.mend()
    assert await roles_of(bot, "police", "selby") == {"agency_lead"}
    button = remove_button(granted, "Remove: Agency lead", "Priya Shah")

    breaker.armed = True
    removed = invoke_card(await members_click(bot, "chair", v.MEMBERS_REMOVE, button["data"], {}))
    assert breaker.tripped
    assert "Priya Shah is no longer Agency lead in Selby." in text_of(removed)
    breaker.mend()
    assert await roles_of(bot, "police", "selby") == set()
