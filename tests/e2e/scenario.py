"""Small shared steps for the end-to-end tests: who clicks what, and what the store holds.

Meetings here run in the Playground channel ("team-id"), which the demo data links to
Scarborough, so no setup step is needed before a chair can start one.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, Text, func, select, true

from bot.app import COMPONENTS
from bot.store import tables as t
from bot.store.crypto import EncryptedText
from bot.store.db import ANSWERED, Store
from cards import verbs as v
from tests.e2e.cardtools import action, walk
from tests.e2e.harness import DEMO, BotUnderTest
from tests.support.activities import ConversationKind, invoke_action, message, submit

CHANNEL: ConversationKind = "channel"
GROUP: ConversationKind = "groupChat"
ADAPTIVE = "application/vnd.microsoft.card.adaptive"
MESSAGE = "application/vnd.microsoft.activity.message"


def store_of(bot: BotUnderTest) -> Store:
    return bot.server.app[COMPONENTS].store


#: Bookkeeping the bot keeps on every contact (how to reach a member): not a record
#: anyone entered, so "nothing written" checks leave it out.
#: The audit trail grows on refusals and views too; tests check it on its own (audit_since).
#: A download link is recorded when one is given, to the person who asked for their own
#: view (tests/e2e/test_downloads.py checks them).
BOOKKEEPING_TABLES = frozenset({"member_contacts", "audit_log", "audit_head", "download_links"})
BOOKKEEPING_COLUMNS = frozenset({("members", "teams_user_id")})
#: Every turn that answers claims its key (``Store.claim_answer``), refused turns
#: too: an opaque hash of Teams ids and a time, so a resend is not answered twice. A write's own
#: claim (the bare key) still counts as written.
ANSWER_CLAIMS = t.ProcessedActivity.activity_id.startswith(ANSWERED)


def _recorded(table: Any) -> Any:
    """What "nothing written" compares in ``table``: all of it, but answer claims."""
    return ~ANSWER_CLAIMS if table.name == t.ProcessedActivity.__tablename__ else true()


async def row_counts(store: Store) -> dict[str, int]:
    """Rows per table, every table the schema has: equal before and after = nothing written."""
    counts: dict[str, int] = {}
    async with store.reading() as session:
        for table in t.Base.metadata.sorted_tables:
            if table.name in BOOKKEEPING_TABLES:
                continue
            counts[table.name] = int(
                await session.scalar(
                    select(func.count()).select_from(table).where(_recorded(table))
                )
                or 0
            )
    return counts


async def snapshot(store: Store) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table, every column: equal before and after = nothing changed."""
    rows: dict[str, list[tuple[str, ...]]] = {}
    async with store.reading() as session:
        for table in t.Base.metadata.sorted_tables:
            if table.name in BOOKKEEPING_TABLES:
                continue
            columns = [c for c in table.columns if (table.name, c.name) not in BOOKKEEPING_COLUMNS]
            found = await session.execute(select(*columns).where(_recorded(table)))
            rows[table.name] = sorted(tuple(repr(value) for value in row) for row in found)
    return rows


async def all_stored_text(store: Store) -> str:
    """Every string and text column of every row, joined: what a search of the store finds."""
    parts: list[str] = []
    async with store.reading() as session:
        for table in t.Base.metadata.sorted_tables:
            columns = [
                c for c in table.columns if isinstance(c.type, String | Text | EncryptedText)
            ]
            if not columns:
                continue
            for row in await session.execute(select(*columns)):
                parts += [str(value) for value in row if value is not None]
    return "\n".join(parts)


async def locality_id(store: Store, code: str) -> int:
    async with store.reading() as session:
        found = await session.scalar(select(t.Locality.id).where(t.Locality.code == code))
    assert found is not None
    return found


async def member_id(store: Store, who: str) -> int:
    async with store.reading() as session:
        found = await session.scalar(
            select(t.Member.id).where(t.Member.aad_object_id == DEMO[who].aad_object_id)
        )
    assert found is not None
    return found


async def agency_id(store: Store, code: str) -> int:
    async with store.reading() as session:
        found = await session.scalar(select(t.Agency.id).where(t.Agency.code == code))
    assert found is not None
    return found


async def say(
    bot: BotUnderTest, who: str, text: str, conversation: ConversationKind = CHANNEL
) -> tuple[int, Any]:
    return await bot.send(message(text, conversation=conversation, user=DEMO[who]))


async def press(
    bot: BotUnderTest,
    who: str,
    verb: str,
    data: dict[str, Any],
    inputs: dict[str, Any] | None = None,
    *,
    card_id: str = "1795301154790",
    conversation: ConversationKind = CHANNEL,
) -> tuple[int, Any]:
    """An Action.Execute click, answered with the invoke response body."""
    return await bot.send(
        invoke_action(
            verb,
            data,
            inputs=inputs,
            conversation=conversation,
            user=DEMO[who],
            reply_to_id=card_id,
        )
    )


async def press_submit(
    bot: BotUnderTest,
    who: str,
    verb: str,
    data: dict[str, Any],
    inputs: dict[str, Any] | None = None,
    *,
    card_id: str = "1795301154790",
    conversation: ConversationKind = CHANNEL,
) -> tuple[int, Any]:
    """The Action.Submit fallback of the same button: a message whose value holds the verb."""
    return await bot.send(
        submit(
            {"verb": verb, **data},
            inputs=inputs,
            conversation=conversation,
            user=DEMO[who],
            reply_to_id=card_id,
        )
    )


async def resend(bot: BotUnderTest, activity: dict[str, Any]) -> tuple[int, Any]:
    """Deliver an activity exactly as built (same id); callable twice for a resend."""
    return await bot.send(copy.deepcopy(activity))


def everything_shown(bot: BotUnderTest, *bodies: Any) -> str:
    """All the bot posted and edited at the connector, plus any invoke answers given, as
    one JSON string: what any person could have seen."""
    fake = bot.connector
    return json.dumps([fake.sent(), fake.updated(), list(bodies)])


def invoke_message(body: Any) -> str:
    """The text of a Universal Actions message answer (fails on anything else)."""
    assert isinstance(body, dict), body
    assert body.get("statusCode") == 200 and body.get("type") == MESSAGE, body
    value = body["value"]
    assert isinstance(value, str)
    return value


def invoke_card(body: Any) -> dict[str, Any]:
    assert isinstance(body, dict), body
    assert body.get("statusCode") == 200 and body.get("type") == ADAPTIVE, body
    card = body["value"]
    assert isinstance(card, dict)
    return card


def input_value(card: dict[str, Any], input_id: str) -> Any:
    for node in walk(card):
        if str(node.get("type", "")).startswith("Input.") and node.get("id") == input_id:
            return node.get("value")
    raise AssertionError(f"no input {input_id!r} in card")


def _neighbours(card: dict[str, Any]) -> Iterator[tuple[Any, Any]]:
    """Each element of a body or container paired with the element beneath it."""
    for node in walk(card):
        for key in ("body", "items"):
            elements = node.get(key)
            if isinstance(elements, list):
                yield from itertools.pairwise(elements)


def _is_error(element: Any) -> bool:
    return (
        isinstance(element, dict)
        and element.get("type") == "TextBlock"
        and element.get("color") == "attention"
    )


def error_beside(card: dict[str, Any], input_id: str) -> str:
    """The error shown directly beneath an input (red TextBlock), or fail."""
    for here, after in _neighbours(card):
        if isinstance(here, dict) and here.get("id") == input_id and _is_error(after):
            return str(after["text"])
    raise AssertionError(f"no error beside {input_id!r}")


def fields_in_error(card: dict[str, Any]) -> set[str]:
    """The ids of every input that has an error beneath it."""
    return {
        str(here["id"])
        for here, after in _neighbours(card)
        if isinstance(here, dict)
        and str(here.get("type", "")).startswith("Input.")
        and _is_error(after)
    }


@dataclass
class Meeting:
    """A meeting in progress in the channel, as the chair started it."""

    id: int
    agenda_id: str

    def card(self, bot: BotUnderTest) -> dict[str, Any]:
        current = bot.connector.current(self.agenda_id)
        assert current is not None
        content: dict[str, Any] = current["attachments"][0]["content"]
        return content

    def current_item(self, bot: BotUnderTest) -> int:
        item: int = action(self.card(bot), v.ITEM_MINUTE)["data"]["itemId"]
        return item


async def start_meeting(
    bot: BotUnderTest,
    *,
    who: str = "chair",
    conversation: ConversationKind = CHANNEL,
    to_position: int = 1,
) -> Meeting:
    status, _ = await say(bot, who, "start meeting", conversation)
    assert status in (200, 201)
    posted = bot.connector.posted()[-1]
    card = posted.activity["attachments"][0]["content"]
    meeting = Meeting(action(card, v.MEETING_NEXT)["data"]["meetingId"], posted.activity_id)
    for _ in range(to_position - 1):
        status, body = await press(
            bot,
            who,
            v.MEETING_NEXT,
            action(meeting.card(bot), v.MEETING_NEXT)["data"],
            card_id=meeting.agenda_id,
            conversation=conversation,
        )
        assert status == 200, body
    return meeting


def ok(reply: tuple[int, Any]) -> Any:
    """Assert a 200 invoke answer (or a 2xx message turn) and return its body."""
    status, body = reply
    assert status in (200, 201), (status, body)
    return body


async def audit_since(store: Store, after_id: int = 0) -> list[t.AuditEntry]:
    """Audit entries written after ``after_id`` (0: all), oldest first."""
    async with store.reading() as session:
        found = await session.scalars(
            select(t.AuditEntry).where(t.AuditEntry.id > after_id).order_by(t.AuditEntry.id)
        )
        return list(found)


async def audit_head_id(store: Store) -> int:
    async with store.reading() as session:
        return int(await session.scalar(select(t.AuditHead.last_id)) or 0)
