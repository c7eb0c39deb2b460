"""Partners read the minutes they agree (issue 16, point 4), through the real endpoint: a
Scarborough meeting records a decision, an action about a child and one about a person of
concern, and ends; a partner types ``minutes`` in a personal chat, opens the meeting's
card and downloads the Word minutes (DRAFT), each step audited; the person of concern is
left out for her as in the Word minutes, and someone of another group finds nothing."""

from __future__ import annotations

import io
from typing import Any

import docx
from sqlalchemy import select

from bot.domain.errors import NotFound
from bot.store import tables as t
from cards import verbs as v
from cards.minutes import RESTRICTED_NOTE
from dialogs.places import MINUTES_PERSONAL_ONLY
from tests.e2e.cardtools import action, text_of
from tests.e2e.harness import DEMO, BotUnderTest
from tests.e2e.scenario import (
    invoke_card,
    invoke_message,
    ok,
    press,
    say,
    start_meeting,
    store_of,
)
from tests.e2e.test_between_meetings import click, personal
from tests.e2e.test_downloads import fetch, link_in

DECISION = "Strategy discussion for CR-0007 (E.F.) this week."
CHILD_ACTION = "Share the return-home interview for CR-0007."
PERSON_ACTION = "Check licensing history linked to the person of concern."
PERSON_REF = "NYP-2026-0411"


async def hold_a_meeting(bot: BotUnderTest) -> int:
    meeting = await start_meeting(bot, to_position=4)
    where = {"meetingId": meeting.id, "itemId": meeting.current_item(bot)}

    async def record(who: str, verb: str, data: dict[str, Any]) -> None:
        invoke_card(ok(await press(bot, who, verb, where, data, card_id=meeting.agenda_id)))

    owner = await member_id(bot, "police")
    await record("minute_taker", v.ITEM_DECISION, {"decisionText": DECISION})
    child = {"subjectKind": "child", "subjectRef": "CR-0007", "subjectInitials": "EF"}
    person = {"subjectKind": "person", "subjectRef": PERSON_REF, "subjectInitials": "JD"}
    for about, text in ((child, CHILD_ACTION), (person, PERSON_ACTION)):
        await record(
            "chair",
            v.ITEM_ACTION,
            {"description": text, "ownerId": str(owner), "dueDate": "2026-12-03", **about},
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
    return meeting.id


async def member_id(bot: BotUnderTest, who: str) -> int:
    async with store_of(bot).reading() as session:
        found = await session.scalar(
            select(t.Member.id).where(t.Member.aad_object_id == DEMO[who].aad_object_id)
        )
    assert found is not None
    return found


async def views_by(bot: BotUnderTest, who: str) -> list[tuple[str, str]]:
    actor = f"member:{await member_id(bot, who)}"
    async with store_of(bot).reading() as session:
        rows = await session.execute(
            select(t.AuditEntry.action, t.AuditEntry.detail)
            .where(t.AuditEntry.actor == actor, t.AuditEntry.record_type == "meetings")
            .order_by(t.AuditEntry.id)
        )
        return [(a, d) for a, d in rows]


def posted_card(bot: BotUnderTest) -> dict[str, Any]:
    content: dict[str, Any] = bot.connector.sent()[-1]["attachments"][0]["content"]
    return content


async def test_a_partner_reads_and_downloads_the_draft_minutes(site: BotUnderTest) -> None:
    bot = site  # with the pages' sign-in: downloads are from signed-in pages (issue 17)
    meeting_id = await hold_a_meeting(bot)

    listed = (await personal(bot, "health", "minutes"))["attachments"][0]["content"]
    shown = text_of(listed)
    assert "1 past meeting, newest first. Page 1 of 1." in shown
    assert "Scarborough, Thu 19 Nov 2026" in shown and "DRAFT" in shown
    assert "1 decision, 2 actions" in shown, "counted, not shown, in the list"
    opened = action(listed, v.MINUTES_SHOW)["data"]
    assert opened == {"verb": v.MINUTES_SHOW, "meetingId": meeting_id}

    answer = await click(bot, "health", v.MINUTES_SHOW, {"meetingId": meeting_id})
    assert invoke_message(answer) == "The minutes are below."
    card = posted_card(bot)
    shown = text_of(card)
    assert DECISION in shown and CHILD_ACTION in shown and "CR-0007 (E.F.)" in shown
    assert PERSON_ACTION not in shown and PERSON_REF not in shown, "as in the Word minutes"
    assert RESTRICTED_NOTE in shown and "DRAFT" in shown

    page = link_in(card)
    assert page == f"/meetings/{meeting_id}", "the card's button opens the meeting's page"
    file = await fetch(bot, "health", page, f"{page}/minutes.docx")
    status, headers, body = file.status, file.headers, file.body
    assert status == 200 and "DRAFT" in headers["Content-Disposition"]
    document = docx.Document(io.BytesIO(body))
    text = "\n".join(p.text for p in document.paragraphs)
    tables = "\n".join(c.text for tb in document.tables for r in tb.rows for c in r.cells)
    assert "DRAFT" in text and CHILD_ACTION in tables
    assert PERSON_REF not in text + tables and PERSON_ACTION not in tables

    assert await views_by(bot, "health") == [
        ("view", "past meetings: page 1 of 1, 1 of 1"),
        ("view", "minutes card"),
        ("view", "minutes card"),  # the meeting's page, where the download is
        ("export", "minutes"),
    ]

    # The chair sees the person of concern, as the group's rule says.
    await click(bot, "chair", v.MINUTES_SHOW, {"meetingId": meeting_id})
    chairs = text_of(posted_card(bot))
    assert PERSON_ACTION in chairs and RESTRICTED_NOTE not in chairs


async def test_someone_of_another_group_finds_nothing(bot: BotUnderTest) -> None:
    meeting_id = await hold_a_meeting(bot)
    before = len(bot.connector.sent())
    for verb in (v.MINUTES_SHOW, v.MINUTES_EXPORT):
        answer = await click(bot, "harrogate_chair", verb, {"meetingId": meeting_id})
        assert invoke_message(answer) == NotFound.user_message
    listed = (await personal(bot, "harrogate_chair", "minutes"))["attachments"][0]["content"]
    assert "No meeting of your groups has ended yet." in text_of(listed)
    assert "Scarborough" not in text_of(listed)
    assert len(bot.connector.sent()) == before + 1, "only the (empty) list was posted"
    refusals = [a for a, _ in await views_by(bot, "harrogate_chair") if a == "refused"]
    assert refusals == ["refused", "refused"]


async def test_minutes_in_the_channel_says_where_to_go(bot: BotUnderTest) -> None:
    ok(await say(bot, "health", "minutes"))
    assert bot.connector.sent()[-1]["text"] == MINUTES_PERSONAL_ONLY
