"""Crafted values in every field a card sends get a plain answer, no stack in the logs, and
nothing written.

A 25-digit ``agencyId``, ``ownerId``, ``challengeTo`` or ``localityId`` raised
``OverflowError`` inside the SQLite driver (PostgreSQL refused it as out of range and the
person was told the store was unavailable), and ``outstanding.export`` with a locality
outside the person's reach raised an uncaught ``FilterError``: "Sorry, something went
wrong" and an ERROR with a stack trace. Here every field of the verbs that read one is
given huge, negative and fractional numbers, numbers as text, non-ASCII digits, true,
null, lists, objects, dates out of range and text the store cannot keep, through the real
endpoint by Action.Execute and by the Action.Submit fallback.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.card_fields import UNREADABLE
from bot.store import tables as t
from bot.teams.handler import TURN_FAILED
from cards import verbs as v
from dialogs.router import STORE_UNAVAILABLE
from tests.e2e.harness import BotUnderTest
from tests.e2e.scenario import (
    GROUP,
    invoke_card,
    locality_id,
    ok,
    press,
    press_submit,
    snapshot,
    store_of,
)
from tests.e2e.test_bad_input import Stage, stage
from tests.support.activities import ConversationKind

PERSONAL: ConversationKind = "personal"
HUGE = "9" * 25

#: What a crafted payload can put in a field that should hold an id.
BAD_IDS: tuple[Any, ...] = (
    HUGE,
    10**25,
    2**31,
    2**63,
    -(2**63),
    -5,
    0,
    3.5,
    "3.5",
    "-3",
    "1e3",
    " 1 2",
    "\u0661",  # ARABIC-INDIC DIGIT ONE: str.isdigit() says yes
    True,
    None,
    [1],
    {"id": 1},
    "",
    "\x00",
)
#: ``challengeTo`` null or empty means "the plan / something else", and a missing
#: ``position`` means "wherever the meeting is" (as typed "next item"): both legitimate.
OPTIONAL_IDS = tuple(value for value in BAD_IDS if value not in (None, ""))
#: ... and in a field that should hold a date.
BAD_DATES: tuple[Any, ...] = (
    "9999-12-31",
    "0001-01-01",
    "2026-13-45",
    "2026-12-10T10:00:00",
    20261210,
    -1,
    3.5,
    True,
    ["2026-12-10"],
    {"date": "2026-12-10"},
    "\x00",
)
#: ... and in a field that should hold text.
BAD_TEXT: tuple[Any, ...] = (10**25, -1, 2.5, True, [], ["x"], {"x": 1}, "\x00")


@dataclass(frozen=True)
class Field:
    """One field of one verb: who presses, where, with what else the card sends."""

    label: str
    who: str
    verb: str
    field: str
    values: tuple[Any, ...]
    place: ConversationKind = "channel"
    on_round_card: bool = False


async def plant_date_request(bot: BotUnderTest) -> int:
    """The id of the staged police action (Priya Shah's), with a new date asked for."""
    async with store_of(bot).reading() as session:
        a = await session.scalar(select(t.Action.id))
    assert a is not None
    invoke_card(
        ok(
            await press(
                bot,
                "police",
                v.ACTION_REQUEST_DATE,
                {"actionId": a, f"newDate-{a}": "2026-12-10", f"reason-{a}": "Awaiting a visit."},
                conversation=PERSONAL,
            )
        )
    )
    return a


def data_for(f: Field, s: Stage, a: int, value: Any) -> dict[str, Any]:
    """The card's data with ``value`` in the field under test and the rest as sent."""
    m = {"meetingId": s.meeting.id}
    where = {**m, "itemId": s.item_id}
    base: dict[str, Any] = {
        v.ATTENDANCE_RECORD: {**m, "agencyId": "1", "attendanceStatus": "present", "people": "K"},
        v.ITEM_ACTION: {
            **where,
            "description": "Visit the family.",
            "ownerId": s.police_member,
            "dueDate": "2026-12-10",
            "subjectKind": "none",
        },
        v.ITEM_MINUTE: {**where, "minuteText": "A minute."},
        v.MEETING_END: {**m, "nextMeetingDate": "2026-12-17"},
        v.MEETING_NEXT: {**m, "position": 4},
        v.ROUND_ANSWER: {
            "roundId": s.round_id,
            "outcome": "challenge",
            "shareText": "Not shared in time.",
            "challengeTo": "plan",
            "challengeAbout": "the plan",
        },
        v.CHALLENGE_RESPOND: {
            "challengeId": s.challenge_id,
            f"response-{s.challenge_id}": "Shared on Monday.",
            f"resolution-{s.challenge_id}": "resolved",
        },
        v.SETUP_LINK: {"localityId": "1"},
        v.ACTION_UPDATE: {"actionId": a, f"update-{a}": "Visited."},
        v.ACTION_HAND_OVER: {"actionId": a, f"handTo-{a}": "1"},
        v.ACTION_REQUEST_DATE: {
            "actionId": a,
            f"newDate-{a}": "2026-12-11",
            f"reason-{a}": "Still waiting.",
        },
        v.DATE_REQUEST_ACCEPT: {"actionId": a},
        v.OUTSTANDING_PAGE: {"page": 1},
        v.OUTSTANDING_EXPORT: {"format": "csv"},
    }[f.verb]
    field = f.field.replace("<a>", str(a)).replace("<c>", str(s.challenge_id))
    return {**base, field: value}


FIELDS: tuple[Field, ...] = (
    Field("attendance agencyId", "chair", v.ATTENDANCE_RECORD, "agencyId", BAD_IDS),
    Field("attendance people", "chair", v.ATTENDANCE_RECORD, "people", BAD_TEXT),
    Field("attendance meetingId", "chair", v.ATTENDANCE_RECORD, "meetingId", BAD_IDS),
    Field("action ownerId", "minute_taker", v.ITEM_ACTION, "ownerId", BAD_IDS),
    Field("action dueDate", "minute_taker", v.ITEM_ACTION, "dueDate", BAD_DATES),
    Field("action itemId", "minute_taker", v.ITEM_ACTION, "itemId", BAD_IDS),
    Field("action subjectKind", "minute_taker", v.ITEM_ACTION, "subjectKind", BAD_TEXT),
    Field("minute text", "minute_taker", v.ITEM_MINUTE, "minuteText", BAD_TEXT),
    Field("end nextMeetingDate", "chair", v.MEETING_END, "nextMeetingDate", BAD_DATES),
    Field("next position", "chair", v.MEETING_NEXT, "position", OPTIONAL_IDS),
    Field("challengeTo", "police", v.ROUND_ANSWER, "challengeTo", OPTIONAL_IDS, on_round_card=True),
    Field(
        "challengeAbout", "police", v.ROUND_ANSWER, "challengeAbout", BAD_TEXT, on_round_card=True
    ),
    Field("roundId", "police", v.ROUND_ANSWER, "roundId", BAD_IDS, on_round_card=True),
    Field("challengeId", "social_care", v.CHALLENGE_RESPOND, "challengeId", BAD_IDS),
    Field("setup localityId", "chair", v.SETUP_LINK, "localityId", BAD_IDS, place=GROUP),
    Field("update actionId", "police", v.ACTION_UPDATE, "actionId", BAD_IDS, place=PERSONAL),
    Field("handTo", "police", v.ACTION_HAND_OVER, "handTo-<a>", BAD_IDS, place=PERSONAL),
    Field("newDate", "police", v.ACTION_REQUEST_DATE, "newDate-<a>", BAD_DATES, place=PERSONAL),
    Field("accept actionId", "chair", v.DATE_REQUEST_ACCEPT, "actionId", BAD_IDS, place=PERSONAL),
    Field("page", "coordinator", v.OUTSTANDING_PAGE, "page", BAD_IDS, place=PERSONAL),
    Field("page dueBefore", "coordinator", v.OUTSTANDING_PAGE, "dueBefore", BAD_DATES, PERSONAL),
    Field("export locality", "police", v.OUTSTANDING_EXPORT, "locality", BAD_TEXT, PERSONAL),
)


def answers(bot: BotUnderTest, body: Any, posted_before: int) -> list[str]:
    told = [str(s.get("text")) for s in bot.connector.sent()[posted_before:] if s.get("text")]
    if isinstance(body, dict) and isinstance(body.get("value"), str):
        told.append(body["value"])
    return told


@pytest.mark.parametrize("f", FIELDS, ids=[f.label for f in FIELDS])
async def test_every_crafted_value_gets_a_plain_answer_and_writes_nothing(
    bot: BotUnderTest, f: Field, caplog: pytest.LogCaptureFixture
) -> None:
    s = await stage(bot)
    a = await plant_date_request(bot)
    store = store_of(bot)
    before = await snapshot(store)
    updates = len(bot.connector.updated())
    caplog.set_level(logging.WARNING)
    card_id = s.round_card_id if f.on_round_card else s.meeting.agenda_id
    problems: list[str] = []
    for value in f.values:
        for how in ("invoke", "submit"):
            sent = len(bot.connector.sent())
            send = press if how == "invoke" else press_submit
            status, body = await send(
                bot, f.who, f.verb, data_for(f, s, a, value), card_id=card_id, conversation=f.place
            )
            told = answers(bot, body, sent)
            if status != 200 and not (how == "submit" and status == 201):
                problems.append(f"{value!r} by {how}: HTTP {status}")
            if any(x in (TURN_FAILED, STORE_UNAVAILABLE) for x in told):
                problems.append(f"{value!r} by {how}: told {told}")
    errors = [
        f"{r.name}: {r.getMessage()[:80]}"
        for r in caplog.records
        if r.levelno >= logging.ERROR and r.name.startswith(("bot", "dialogs", "botbuilder"))
    ]
    assert not problems and not errors, "\n".join([*problems, *errors])
    if f.verb != v.OUTSTANDING_EXPORT:
        assert await snapshot(store) == before
    assert len(bot.connector.updated()) == updates


async def test_a_list_an_object_or_a_nul_is_refused_whole(bot: BotUnderTest) -> None:
    s = await stage(bot)
    before = await snapshot(store_of(bot))
    for value in (["x"], {"x": 1}, [], {}, "\x00", "A NUL \x00 inside"):
        body = ok(
            await press(
                bot,
                "minute_taker",
                v.ITEM_MINUTE,
                {"meetingId": s.meeting.id, "itemId": s.item_id, "minuteText": "A minute."},
                {"extra": value},
                card_id=s.meeting.agenda_id,
            )
        )
        assert body["value"] == UNREADABLE, value
    assert await snapshot(store_of(bot)) == before


async def test_export_of_a_locality_out_of_reach_is_refused_plainly(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    """Priya Shah (police, Scarborough partner) asks for Harrogate's actions, and for a
    group that does not exist: the same answer, naming only her own group."""
    await stage(bot)
    caplog.set_level(logging.WARNING)
    assert await locality_id(store_of(bot), "harrogate")
    told = []
    for locality in ("Harrogate", "Atlantis"):
        for verb in (v.OUTSTANDING_EXPORT, v.OUTSTANDING_PAGE):
            body = ok(
                await press(
                    bot,
                    "police",
                    verb,
                    {"format": "csv", "page": 1, "locality": locality},
                    conversation=PERSONAL,
                )
            )
            assert body["type"] == "application/vnd.microsoft.activity.message", body
            told.append(body["value"])
    assert len(set(told)) == 1, told
    assert "Harrogate" not in told[0] and "Scarborough" in told[0]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
