"""A meeting survives the bot restarting: nothing is held only in memory.

The first bot starts a meeting and records attendance, a minute, a decision and an
action, then is stopped (its engine disposed). A second bot, with a new engine and a new
app on the same database, carries on from the card still on screen in Teams: moves to
the next item, records a decision and ends. The summary holds both halves.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.domain.clock import FrozenClock
from bot.services.reference_data import DEMO_DATA, load_reference_data, read_data_file
from bot.store import tables as t
from bot.store.db import Store, make_engine, migrate, sqlite_url
from cards import verbs as v
from tests.conftest import POSTGRES_URL
from tests.e2e.cardtools import action, text_of
from tests.e2e.harness import running_bot
from tests.e2e.scenario import invoke_card, member_id, ok, press, say, start_meeting, store_of
from tests.support.keys import keys_for_tests

StoreFactory = Callable[[], Store]


@pytest.fixture(params=["sqlite file", "postgresql"])
async def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StoreFactory]:
    """Each call opens a NEW engine on the same database, as a restarted process would."""
    if request.param == "sqlite file":
        url = sqlite_url(tmp_path / "data")
        yield lambda: Store(make_engine(url), keys_for_tests())
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set TEST_POSTGRES_URL")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield lambda: Store(
            make_engine(POSTGRES_URL, connect_args={"server_settings": {"search_path": schema}}),
            keys_for_tests(),
        )
    finally:
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


async def test_a_meeting_carries_on_after_a_restart(
    open_store: StoreFactory, clock: FrozenClock
) -> None:
    first_store = open_store()
    await migrate(first_store.engine)
    await load_reference_data(first_store, read_data_file(DEMO_DATA), clock.now())

    async with running_bot(first_store, clock) as bot:
        meeting = await start_meeting(bot, to_position=4)
        ok(await say(bot, "police", "here"))
        where = {"meetingId": meeting.id, "itemId": meeting.current_item(bot)}
        invoke_card(
            ok(
                await press(
                    bot,
                    "minute_taker",
                    v.ITEM_MINUTE,
                    where,
                    {"minuteText": "CR-0011 missing twice this month."},
                    card_id=meeting.agenda_id,
                )
            )
        )
        invoke_card(
            ok(
                await press(
                    bot,
                    "minute_taker",
                    v.ITEM_DECISION,
                    where,
                    {"decisionText": "Refer CR-0011 for a strategy meeting."},
                    card_id=meeting.agenda_id,
                )
            )
        )
        invoke_card(
            ok(
                await press(
                    bot,
                    "minute_taker",
                    v.ITEM_ACTION,
                    where,
                    {
                        "description": "Convene the CR-0011 strategy meeting.",
                        "ownerId": str(await member_id(store_of(bot), "social_care")),
                        "dueDate": "2026-11-26",
                        "subjectKind": "child",
                        "subjectRef": "CR-0011",
                        "subjectInitials": "M.N.",
                    },
                    card_id=meeting.agenda_id,
                )
            )
        )
        card_on_screen = meeting.card(bot)

    clock.advance(minutes=7)
    second_store = open_store()
    assert second_store.engine is not first_store.engine
    async with running_bot(second_store, clock) as bot:
        # The chair presses Next on the card Teams still shows from before the restart.
        moved = invoke_card(
            ok(
                await press(
                    bot,
                    "chair",
                    v.MEETING_NEXT,
                    action(card_on_screen, v.MEETING_NEXT)["data"],
                    card_id=meeting.agenda_id,
                )
            )
        )
        assert action(moved, v.MEETING_NEXT)["data"]["position"] == 5
        assert bot.connector.updated(meeting.agenda_id), "the same card is edited in place"
        shown = text_of(moved)
        assert "Refer CR-0011 for a strategy meeting." in shown
        assert "Priya Shah" in shown

        item5 = action(moved, v.ITEM_DECISION)["data"]["itemId"]
        invoke_card(
            ok(
                await press(
                    bot,
                    "minute_taker",
                    v.ITEM_DECISION,
                    {"meetingId": meeting.id, "itemId": item5},
                    {"decisionText": "Ask licensing about the Eastfield flat."},
                    card_id=meeting.agenda_id,
                )
            )
        )
        ok(
            await press(
                bot,
                "chair",
                v.MEETING_END,
                {"meetingId": meeting.id},
                {"nextMeetingDate": "2026-12-17"},
                card_id=meeting.agenda_id,
            )
        )
        summary = text_of(bot.connector.cards()[-1])
        for expected in (
            "Summary",
            "Priya Shah",
            "Refer CR-0011 for a strategy meeting.",
            "Convene the CR-0011 strategy meeting.",
            "CR-0011 (M.N.)",
            "26 Nov 2026",
            "Ask licensing about the Eastfield flat.",
            "17 Dec 2026",
        ):
            assert expected in summary, expected

        async with second_store.reading() as session:
            row = await session.get_one(t.Meeting, meeting.id)
            assert row.status == "ended"
            entries = list(
                await session.execute(
                    select(t.MinuteEntry.kind, t.MinuteEntry.text).order_by(t.MinuteEntry.id)
                )
            )
            assert [tuple(e) for e in entries] == [
                ("minute", "CR-0011 missing twice this month."),
                ("decision", "Refer CR-0011 for a strategy meeting."),
                ("decision", "Ask licensing about the Eastfield flat."),
            ]
