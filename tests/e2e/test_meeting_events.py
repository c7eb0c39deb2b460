"""Teams meeting start and end events, through the real endpoint: hints, never actions.

There is no captured fixture for these events (the Agents Playground has no meetings), so
``meeting_event`` builds them from the Bot Framework schema and Microsoft's documented
payload: an ``event`` activity named ``application/vnd.microsoft.meetingStart`` or
``application/vnd.microsoft.meetingEnd``, ``channelData.meeting.id``, and a ``value``
with the meeting's id, join URL, title, type and ``StartTime``/``EndTime``
(``MeetingStartEventDetails``/``MeetingEndEventDetails`` in botbuilder-schema). The
conversation, tenant and recipient parts are borrowed from the captured messages of the
same conversation, so only the event-specific parts are hand-written.

The meeting itself never depends on these events: every other e2e test runs meetings
without them.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.domain.clock import FrozenClock
from bot.domain.model import MeetingStatus
from bot.store import tables as t
from bot.store.db import Store
from cards import verbs as v
from cards.hints import MEETING_STARTED
from tests.e2e.cardtools import action, text_of, verbs
from tests.e2e.harness import DEMO, BotUnderTest, running_bot
from tests.support.activities import (
    TENANT_ID,
    TeamsUser,
    fixture,
    invoke_action,
    message,
)
from tests.support.card_schema import validate_card

EVENT_NAMES = {
    "start": "application/vnd.microsoft.meetingStart",
    "end": "application/vnd.microsoft.meetingEnd",
}
MEETING_ID = (
    "MCMxOTptZWV0aW5nX05qRmpOekU0WkRBdE1EazBZeTAwWkRFNUxXRmhOR1l0TnpreE1ESmlNekU0@thread.v2"
)


def meeting_event(
    kind: Literal["start", "end"],
    *,
    conversation: Literal["channel", "groupChat"] = "channel",
    user: TeamsUser = DEMO["chair"],
    meeting_id: str = MEETING_ID,
    at: datetime = datetime(2026, 11, 19, 10, 0, tzinfo=UTC),
    tenant_id: str | None = None,
) -> dict[str, Any]:
    """A meeting start or end event as Teams sends it to a bot with RSC consent."""
    template = fixture(f"message-{conversation}.json")
    when = at.strftime("%Y-%m-%dT%H:%M:%S.%f0Z")  # Teams sends 7 fractional digits
    channel_data = copy.deepcopy(template["channelData"])
    channel_data["meeting"] = {"id": meeting_id}
    channel_data["source"] = None
    activity: dict[str, Any] = {
        "type": "event",
        "name": EVENT_NAMES[kind],
        "id": str(uuid.uuid4()),
        "timestamp": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "channelId": "msteams",
        "serviceUrl": template["serviceUrl"],
        "from": user.account(with_name=False),
        "conversation": template["conversation"],
        "recipient": template["recipient"],
        "entities": [{"type": "clientInfo", "locale": "en-US", "country": "GB"}],
        "channelData": channel_data,
        "locale": "en-US",
        "value": {
            "Id": meeting_id,
            "MeetingType": "Scheduled" if conversation == "groupChat" else "Channel",
            "JoinUrl": "https://teams.microsoft.com/l/meetup-join/19%3ameeting_example",
            "Title": "MACE locality meeting",
            ("StartTime" if kind == "start" else "EndTime"): when,
        },
    }
    if tenant_id is not None:
        activity["conversation"]["tenantId"] = tenant_id
        activity["channelData"]["tenant"] = {"id": tenant_id}
    return activity


async def send_event(bot: BotUnderTest, event: dict[str, Any]) -> None:
    status, body = await bot.send(copy.deepcopy(event))
    assert status in (200, 201), body


async def row_counts(store: Store) -> dict[str, int]:
    """Rows in every table: "nothing written" means none of these moved."""
    counts = {}
    async with store.reading() as session:
        for table in t.Base.metadata.sorted_tables:
            counts[table.name] = await session.scalar(select(func.count()).select_from(table)) or 0
    return counts


async def meetings(store: Store) -> list[t.Meeting]:
    async with store.reading() as session:
        return list((await session.scalars(select(t.Meeting))).all())


async def test_start_event_offers_the_start_card_and_the_chair_starts(
    bot: BotUnderTest, demo_store: Store
) -> None:
    fake = bot.connector
    await send_event(bot, meeting_event("start"))

    # One card, in the linked channel, with the ordinary start button; nothing started.
    assert len(fake.posted()) == 1
    offer = fake.posted()[0]
    card = offer.activity["attachments"][0]["content"]
    validate_card(card)
    assert MEETING_STARTED in text_of(card)
    assert "Scarborough" in text_of(card)
    assert v.MEETING_START in verbs(card)
    assert await meetings(demo_store) == []

    # Someone other than the chair presses it: refused, still nothing started.
    status, body = await bot.send(
        invoke_action(
            v.MEETING_START,
            action(card, v.MEETING_START)["data"],
            conversation="channel",
            user=DEMO["police"],
            reply_to_id=offer.activity_id,
        )
    )
    assert status == 200 and body["statusCode"] == 200
    assert await meetings(demo_store) == []

    # The chair presses it: the meeting starts and the agenda card is posted.
    status, body = await bot.send(
        invoke_action(
            v.MEETING_START,
            action(card, v.MEETING_START)["data"],
            conversation="channel",
            user=DEMO["chair"],
            reply_to_id=offer.activity_id,
        )
    )
    assert status == 200 and body["statusCode"] == 200
    [meeting] = await meetings(demo_store)
    assert meeting.status == MeetingStatus.IN_PROGRESS
    agenda = fake.cards()[-1]
    assert v.MEETING_NEXT in verbs(agenda)
    assert "Review of previous actions" in text_of(agenda)


async def test_end_event_offers_the_end_form_and_ends_nothing(
    bot: BotUnderTest, demo_store: Store, clock: FrozenClock
) -> None:
    fake = bot.connector
    await bot.send(message("start meeting", conversation="channel", user=DEMO["chair"]))
    [meeting] = await meetings(demo_store)
    before = len(fake.posted())

    clock.advance(minutes=50)
    await send_event(bot, meeting_event("end", at=clock.now()))

    assert len(fake.posted()) == before + 1
    form = fake.cards()[-1]
    validate_card(form)
    assert action(form, v.MEETING_END)["data"]["meetingId"] == meeting.id
    assert "next meeting" in text_of(form).lower()
    [still] = await meetings(demo_store)
    assert still.status == MeetingStatus.IN_PROGRESS  # only the chair ends it

    status, body = await bot.send(
        invoke_action(
            v.MEETING_END,
            action(form, v.MEETING_END)["data"],
            conversation="channel",
            user=DEMO["chair"],
            reply_to_id=fake.posted()[-1].activity_id,
        )
    )
    assert status == 200 and body["statusCode"] == 200
    [ended] = await meetings(demo_store)
    assert ended.status == MeetingStatus.ENDED


async def test_events_that_call_for_nothing_post_nothing(
    bot: BotUnderTest, clock: FrozenClock
) -> None:
    fake = bot.connector
    # An end with no MACE meeting running: nothing to end.
    await send_event(bot, meeting_event("end"))
    assert fake.posted() == []
    # A start while a MACE meeting already runs (the chair started it first): nothing.
    await bot.send(message("start meeting", conversation="channel", user=DEMO["chair"]))
    before = len(fake.posted())
    await send_event(bot, meeting_event("start", at=clock.now() + timedelta(minutes=2)))
    assert len(fake.posted()) == before


async def test_events_in_an_unlinked_chat_post_and_write_nothing(
    bot: BotUnderTest, demo_store: Store
) -> None:
    before = await row_counts(demo_store)
    await send_event(bot, meeting_event("start", conversation="groupChat"))
    await send_event(bot, meeting_event("end", conversation="groupChat"))
    assert bot.connector.posted() == []
    assert bot.connector.updated() == []
    assert await row_counts(demo_store) == before


async def test_a_duplicated_event_is_offered_once(bot: BotUnderTest) -> None:
    fake = bot.connector
    event = meeting_event("start")
    await send_event(bot, event)  # delivered
    await send_event(bot, event)  # resent: the same activity id
    again = copy.deepcopy(event)
    again["id"] = str(uuid.uuid4())  # delivered twice under new ids
    await send_event(bot, again)
    camel = copy.deepcopy(again)
    camel["id"] = str(uuid.uuid4())
    camel["value"] = {
        "id": event["value"]["Id"],
        "startTime": event["value"]["StartTime"],
        "meetingType": "Channel",
    }
    await send_event(bot, camel)  # the newer documented spelling of the same event
    assert len(fake.posted()) == 1

    # A later occurrence of the same (recurring) meeting is a new event.
    later = meeting_event("start", at=datetime(2026, 12, 17, 10, 0, tzinfo=UTC))
    await send_event(bot, later)
    assert len(fake.posted()) == 2


@pytest.fixture
async def tenant_bot(demo_store: Store, clock: FrozenClock) -> AsyncIterator[BotUnderTest]:
    settings = replace(Settings(run_jobs=False), allowed_tenants=(TENANT_ID,))
    async with running_bot(demo_store, clock, settings) as running:
        yield running


async def test_events_from_an_unknown_tenant_do_nothing(
    tenant_bot: BotUnderTest, demo_store: Store
) -> None:
    before = await row_counts(demo_store)
    stranger_tenant = "99999999-9999-9999-9999-999999999999"
    for kind in ("start", "end"):
        status, _ = await tenant_bot.send(meeting_event(kind, tenant_id=stranger_tenant))
        assert status == 403
    assert tenant_bot.connector.posted() == []
    assert await row_counts(demo_store) == before
    # The same event from the allowed tenant is offered.
    await send_event(tenant_bot, meeting_event("start"))
    assert len(tenant_bot.connector.posted()) == 1
