"""The activities the benchmark sends, as the Playground (a Teams-like client) sends them:
personal-chat commands, a meeting started in the channel, a minute recorded from the
agenda card. The people are the demo's (bot/demo/demo_data.json)."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import aiohttp
from sqlalchemy import select

from bench.measure import THROUGHPUT_CHATS, Build, _one
from bot.domain.model import MeetingStatus
from bot.store import tables as t
from bot.store.crypto import KeyRing
from bot.store.db import Store, make_engine
from tests.support.activities import (
    PERSONAL_CONVERSATION_ID,
    PLAYGROUND_USER,
    TeamsUser,
    invoke_action,
    message,
)

# The demo people (bot/demo/demo_data.json).
OWNER = TeamsUser("user-id-103", "Priya Shah", "00000000-0000-0000-0000-0000000000103")
MINUTE_TAKER = TeamsUser("user-id-101", "Sam Okafor", "00000000-0000-0000-0000-0000000000101")
COORDINATOR = TeamsUser("user-id-102", "Riley Quinn", "00000000-0000-0000-0000-0000000000102")
CHAIR = PLAYGROUND_USER


#: Personal chats each worker takes in turn. Teams accepts at most 7 messages a second, 8 in
#: 2 s and 60 in 30 s from a bot into one conversation (../shared/platform.md), and the bot
#: paces its sends to those limits (bot.teams.pacing). A worker posting back to back asks
#: 10-80 times a second, which no person does in one chat; so each worker's requests go
#: round its own chats, keeping every chat near one message a second or less. The chats are
#: all visited in the warm-up (``bench.measure.drive``), so the contact each first message
#: writes is not measured (bench.measure: THROUGHPUT_CHATS, 10 per worker of 20;
#: LATENCY_CHATS, 60 for the one worker of a latency scenario).


def personal(
    text: str, user: TeamsUser, service_url: str, tag: str, *, chats: int = THROUGHPUT_CHATS
) -> Build:
    """``text`` from ``user`` in a personal chat: worker ``n``'s requests go round ``chats``
    chats of its own (see ``THROUGHPUT_CHATS``)."""
    turns: dict[int, itertools.count[int]] = {}

    def build(n: int) -> dict[str, Any]:
        k = next(turns.setdefault(n, itertools.count())) % chats
        return message(
            text,
            user=user,
            service_url=service_url,
            conversation_id=f"{PERSONAL_CONVERSATION_ID}-{tag}-{n}-{k}",
        )

    return build


async def start_meeting(session: aiohttp.ClientSession, url: str, service_url: str) -> None:
    activity = message("start meeting", conversation="channel", user=CHAIR, service_url=service_url)
    ok, _ = await _one(session, url, activity)
    if not ok:
        raise RuntimeError("start meeting failed")


async def meeting_in_progress(url: str, keys: KeyRing) -> tuple[int, int, str]:
    store = Store(make_engine(url), keys)
    try:
        async with store.reading() as session:
            meeting = await session.scalar(
                select(t.Meeting).where(t.Meeting.status == MeetingStatus.IN_PROGRESS)
            )
            assert meeting is not None and meeting.agenda_activity_id
            item = await session.scalar(
                select(t.AgendaItem.id)
                .where(t.AgendaItem.meeting_id == meeting.id)
                .order_by(t.AgendaItem.position)
            )
            assert item is not None
            return meeting.id, item, meeting.agenda_activity_id
    finally:
        await store.close()


def minute(
    meeting_id: int,
    item_id: int,
    card_id: str,
    service_url: str,
    user: TeamsUser = MINUTE_TAKER,
) -> Build:
    """A minute recorded from the agenda card by ``user`` (the measured one: the meeting's
    minute-taker; tests/bench sends it as someone who may not record it, too)."""

    def build(n: int) -> dict[str, Any]:
        return invoke_action(
            "item.minute",
            {"meetingId": meeting_id, "itemId": item_id},
            inputs={"minuteText": f"Worker {n} noted partners' updates on CR-{n:04d}."},
            conversation="channel",
            user=user,
            service_url=service_url,
            reply_to_id=card_id,
            activity_id=str(uuid.uuid4()),
        )

    return build
