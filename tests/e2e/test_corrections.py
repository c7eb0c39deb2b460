"""Corrections before the minutes are agreed (issue 16), through the real endpoint.

The minute-taker corrects a minute and a decision from the live agenda: the agenda card is
redrawn for everyone with the decision marked "(corrected)", and ``record_corrections``
keeps what each said before and why, encrypted. A partner's crafted correction, and a
chair of another group's, are refused and change nothing. After the meeting ends its
entries are corrected and withdrawn from the summary's "Correct records": the Word
minutes show the corrected entry as corrected and leave the withdrawn one out; a
withdrawn action gets no reminder and is not outstanding. Once the minutes are agreed at
the next meeting, the chair's correction is refused with a plain message.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import docx
from sqlalchemy import select, text

from bot.app import COMPONENTS
from bot.domain.corrections import MINUTES_LOCKED
from bot.domain.errors import NotPermitted
from bot.domain.model import ActionStatus
from bot.domain.notices import NoticeKind
from bot.domain.rules import confirmation_field
from bot.services.context import NOT_A_MEMBER
from bot.store import tables as t
from cards import verbs as v
from tests.e2e.cardtools import action, text_of, walk
from tests.e2e.harness import BotUnderTest
from tests.e2e.scenario import (
    Meeting,
    audit_head_id,
    audit_since,
    error_beside,
    invoke_card,
    invoke_message,
    member_id,
    ok,
    press,
    say,
    snapshot,
    start_meeting,
    store_of,
)
from tests.e2e.test_between_meetings import agree_actions, personal
from tests.e2e.test_chasing_e2e import digests, fire
from tests.e2e.test_downloads import fetch, link_in
from tests.services.test_chase_run import at_london
from tests.support.card_schema import validate_card
from tests.support.fake_connector import card_contents

MINUTE = "CR-0107 was seen at the staton with older males."
FIXED_MINUTE = "CR-0107 was seen at the station with older males."
DECISION = "Refer CR-0107 to the NRM by Fryday."
FIXED_DECISION = "Refer CR-0107 to the NRM by Friday."
REASON = "Typing slip noticed by the chair."


def buttons(card: dict[str, Any], verb: str) -> list[dict[str, Any]]:
    return [
        n["data"] for n in walk(card) if n.get("type") == "Action.Execute" and n["verb"] == verb
    ]


def correct_button(card: dict[str, Any], kind: str, nth: int = 0) -> dict[str, Any]:
    """The data of the nth "Correct" of that kind on a correction list."""
    return [d for d in buttons(card, v.CORRECTION_FORM) if d["kind"] == kind][nth]


async def record(bot: BotUnderTest, meeting: Meeting, verb: str, field: str, words: str) -> None:
    where = {"meetingId": meeting.id, "itemId": meeting.current_item(bot)}
    ok(await press(bot, "minute_taker", verb, where, {field: words}, card_id=meeting.agenda_id))


async def corrections(bot: BotUnderTest, meeting_id: int) -> list[t.RecordCorrection]:
    async with store_of(bot).reading() as session:
        found = await session.scalars(
            select(t.RecordCorrection)
            .where(t.RecordCorrection.meeting_id == meeting_id)
            .order_by(t.RecordCorrection.id)
        )
        return list(found)


async def test_the_minute_taker_corrects_a_minute_and_a_decision_on_the_agenda(
    bot: BotUnderTest,
) -> None:
    meeting = await start_meeting(bot, to_position=4)
    await record(bot, meeting, v.ITEM_MINUTE, "minuteText", MINUTE)
    await record(bot, meeting, v.ITEM_DECISION, "decisionText", DECISION)
    store = store_of(bot)
    mark = await audit_head_id(store)

    # "Correct records" on the current item: the item's entries, for the presser only.
    shown = action(meeting.card(bot), v.CORRECTIONS_SHOW)["data"]
    posted, edited = len(bot.connector.sent()), len(bot.connector.updated())
    listing = invoke_card(ok(await press(bot, "minute_taker", v.CORRECTIONS_SHOW, shown)))
    validate_card(listing)
    assert MINUTE in text_of(listing) and DECISION in text_of(listing)
    assert (len(bot.connector.sent()), len(bot.connector.updated())) == (posted, edited), (
        "the minute's text is shown to the presser alone, never posted"
    )

    form = invoke_card(
        ok(await press(bot, "minute_taker", v.CORRECTION_FORM, correct_button(listing, "minute")))
    )
    validate_card(form)
    save = action(form, v.CORRECTION_SAVE)["data"]
    # A reason is required: the form comes back with the entry kept.
    again = invoke_card(
        ok(
            await press(
                bot, "minute_taker", v.CORRECTION_SAVE, save, {"correctedText": FIXED_MINUTE}
            )
        )
    )
    assert "reason" in error_beside(again, "reason").lower()
    assert FIXED_MINUTE in text_of(again)
    # The personal-data nudge: a phone number in the reason is pointed out, not saved.
    nudged = invoke_card(
        ok(
            await press(
                bot,
                "minute_taker",
                v.CORRECTION_SAVE,
                save,
                {"correctedText": FIXED_MINUTE, "reason": "Her mum said 07700 900123."},
            )
        )
    )
    assert "phone" in error_beside(nudged, "reason").lower()
    assert confirmation_field("reason") in {
        n.get("id") for n in walk(nudged) if n.get("type") == "Input.Toggle"
    }
    assert await corrections(bot, meeting.id) == []
    answer = invoke_card(
        ok(
            await press(
                bot,
                "minute_taker",
                v.CORRECTION_SAVE,
                save,
                {"correctedText": FIXED_MINUTE, "reason": REASON},
            )
        )
    )
    assert "Minute corrected." in text_of(answer) and "(corrected)" in text_of(answer)

    decision = correct_button(answer, "decision")
    form = invoke_card(ok(await press(bot, "minute_taker", v.CORRECTION_FORM, decision)))
    ok(
        await press(
            bot,
            "minute_taker",
            v.CORRECTION_SAVE,
            action(form, v.CORRECTION_SAVE)["data"],
            {"correctedText": FIXED_DECISION, "reason": REASON},
        )
    )
    agenda = text_of(meeting.card(bot))
    # The live agenda card, redrawn for everyone, marks the decision corrected.
    assert FIXED_DECISION in agenda and "(corrected)" in agenda
    assert DECISION not in agenda

    kept = await corrections(bot, meeting.id)
    assert [(c.record_type, c.change, c.field, c.previous, c.reason) for c in kept] == [
        ("minute_entries", "corrected", "text", MINUTE, REASON),
        ("minute_entries", "corrected", "text", DECISION, REASON),
    ]
    async with store.engine.connect() as conn:
        raw = (await conn.execute(text("SELECT previous, reason FROM record_corrections"))).all()
    assert all(MINUTE not in str(row) and REASON not in str(row) for row in raw), (
        "what it said before, and why, are encrypted at rest"
    )
    async with store.reading() as session:
        entry = await session.scalar(select(t.MinuteEntry).where(t.MinuteEntry.kind == "minute"))
    assert entry is not None and entry.text == FIXED_MINUTE and entry.corrected_at is not None
    audited = {(e.action, e.record_type) for e in await audit_since(store, mark)}
    assert {("create", "record_corrections"), ("change", "minute_entries")} <= audited
    assert ("view", "minute_entries") in audited, "opening an entry's form is a view"


async def test_a_partner_s_crafted_correction_is_refused_and_nothing_changes(
    bot: BotUnderTest,
) -> None:
    meeting = await start_meeting(bot, to_position=4)
    await record(bot, meeting, v.ITEM_MINUTE, "minuteText", MINUTE)
    async with store_of(bot).reading() as session:
        minute = await session.scalar(select(t.MinuteEntry.id))
    named = {"meetingId": meeting.id, "kind": "minute", "recordId": minute}
    crafted = {"correctedText": "Nothing happened.", "reason": "Mine now.", "withdraw": "true"}
    before = await snapshot(store_of(bot))
    for who in ("police", "harrogate_chair", "coordinator"):
        for verb, data in (
            (v.CORRECTION_SAVE, crafted),
            (v.CORRECTION_FORM, {}),
            (v.CORRECTIONS_SHOW, {}),
        ):
            body = ok(await press(bot, who, verb, named, data))
            told = invoke_message(body)
            assert told in (NotPermitted.user_message, NOT_A_MEMBER), (who, verb, told)
            assert MINUTE not in str(body)
    assert await snapshot(store_of(bot)) == before


async def test_an_ended_meeting_is_corrected_until_its_minutes_are_agreed(
    site: BotUnderTest,
) -> None:
    bot = site  # with the pages' sign-in: downloads are from signed-in pages (issue 17)
    ids = await agree_actions(
        bot,
        [
            {"description": "Visit CR-0007 at scool.", "owner": "Priya Shah", "due": "2026-12-03"},
            {"description": "Recorded in error.", "owner": "Priya Shah", "due": "2026-12-03"},
        ],
    )
    summary = bot.connector.cards()[-1]
    meeting_id = int(link_in(summary).rsplit("/", 1)[1])
    # The summary offers the corrections while the minutes are a draft.
    items = invoke_card(
        ok(
            await press(
                bot, "chair", v.CORRECTIONS_SHOW, action(summary, v.CORRECTIONS_SHOW)["data"]
            )
        )
    )
    listing = invoke_card(
        ok(await press(bot, "chair", v.CORRECTIONS_SHOW, buttons(items, v.CORRECTIONS_SHOW)[0]))
    )
    first = invoke_card(
        ok(await press(bot, "chair", v.CORRECTION_FORM, correct_button(listing, "action", 0)))
    )
    ok(
        await press(
            bot,
            "chair",
            v.CORRECTION_SAVE,
            action(first, v.CORRECTION_SAVE)["data"],
            {
                "description": "Visit CR-0007 at school.",
                "ownerId": str(await owner_of(bot, ids[0])),
                "dueDate": "2026-12-10",
                "subjectKind": "keep",
                "reason": REASON,
            },
        )
    )
    second = invoke_card(
        ok(await press(bot, "chair", v.CORRECTION_FORM, correct_button(listing, "action", 1)))
    )
    ok(
        await press(
            bot,
            "chair",
            v.CORRECTION_SAVE,
            action(second, v.CORRECTION_SAVE)["data"],
            {"withdraw": "true", "reason": "Recorded under the wrong meeting."},
        )
    )
    async with store_of(bot).reading() as session:
        corrected = await session.get_one(t.Action, ids[0])
        withdrawn = await session.get_one(t.Action, ids[1])
        events = list(
            await session.scalars(
                select(t.ActionEvent.kind).where(t.ActionEvent.action_id.in_(ids))
            )
        )
    assert (corrected.due_date, corrected.description) == (
        date(2026, 12, 10),
        "Visit CR-0007 at school.",
    )
    assert withdrawn.status == ActionStatus.WITHDRAWN
    assert {"corrected", "withdrawn"} <= set(events)
    kept = await corrections(bot, meeting_id)
    assert {(c.field, c.previous) for c in kept if c.change == "corrected"} == {
        ("description", "Visit CR-0007 at scool."),
        ("due_date", "2026-12-03"),
    }

    # The Word minutes: corrected, marked; withdrawn, left out.
    page = link_in(summary)
    file = await fetch(bot, "chair", page, f"{page}/minutes.docx")
    status, body = file.status, file.body
    assert status == 200
    document = docx.Document(io.BytesIO(body))
    cells = "\n".join(c.text for tb in document.tables for r in tb.rows for c in r.cells)
    assert "Visit CR-0007 at school. (corrected)" in cells
    assert "Recorded in error." not in cells

    # The owner's card marks the correction; the withdrawn action is on no list.
    mine = text_of(await personal(bot, "police", "my actions"))
    assert "(corrected)" in mine and f"A-{ids[1]}" not in mine
    outstanding = text_of(await personal(bot, "coordinator", "outstanding actions"))
    assert "Visit CR-0007 at school." in outstanding and "Recorded in error." not in outstanding

    # Agreed at the next meeting: locked.
    nxt = await start_meeting(bot, to_position=2)
    agree = action(nxt.card(bot), v.MINUTES_AGREE)["data"]
    assert agree["previousMeetingId"] == meeting_id
    ok(await press(bot, "chair", v.MINUTES_AGREE, agree, card_id=nxt.agenda_id))
    before = await snapshot(store_of(bot))
    locked = ok(
        await press(
            bot,
            "chair",
            v.CORRECTION_SAVE,
            action(first, v.CORRECTION_SAVE)["data"],
            {"description": "Changed after agreeing.", "reason": REASON, "subjectKind": "keep"},
        )
    )
    assert invoke_message(locked) == MINUTES_LOCKED
    listed = ok(await press(bot, "chair", v.CORRECTIONS_SHOW, {"meetingId": meeting_id}))
    assert invoke_message(listed) == MINUTES_LOCKED
    assert await snapshot(store_of(bot)) == before


async def owner_of(bot: BotUnderTest, action_id: int) -> int:
    async with store_of(bot).reading() as session:
        return (await session.get_one(t.Action, action_id)).owner_member_id


async def test_a_withdrawn_action_gets_no_reminder(bot: BotUnderTest, clock: Any) -> None:
    ids = await agree_actions(
        bot,
        [
            {"description": "Visit CR-0007 at school.", "owner": "Priya Shah", "due": "2026-12-03"},
            {"description": "Recorded in error.", "owner": "Priya Shah", "due": "2026-12-03"},
        ],
    )
    summary = bot.connector.cards()[-1]
    meeting_id = int(link_in(summary).rsplit("/", 1)[1])
    ok(
        await press(
            bot,
            "chair",
            v.CORRECTION_SAVE,
            {"meetingId": meeting_id, "kind": "action", "recordId": ids[1]},
            {"withdraw": "true", "reason": "Recorded under the wrong meeting."},
        )
    )
    await personal(bot, "police", "help")  # Priya has a chat with the bot
    bot.connector.reset()
    clock.set(at_london(date(2026, 11, 30), 9))  # 3 working days before Thu 3 Dec
    await fire(bot, "chase")
    await fire(bot, "outbox")
    (digest,) = digests(bot)
    assert f"A-{ids[0]}" in text_of(digest) and f"A-{ids[1]}" not in text_of(digest)


async def test_a_corrected_owner_and_the_previous_one_are_told(bot: BotUnderTest) -> None:
    """An owner recorded in error and corrected: the action changed hands, so both are
    told through the outbox, as a reassignment tells them (ids only while queued)."""
    ids = await agree_actions(
        bot,
        [{"description": "Visit CR-0007 at school.", "owner": "Priya Shah", "due": "2026-12-03"}],
    )
    store = store_of(bot)
    # Both owners are seen in the channel, so the bot can reach them in a 1:1 chat.
    ok(await say(bot, "police", "here"))
    ok(await say(bot, "health", "here"))
    priya, dana = await member_id(store, "police"), await member_id(store, "health")
    summary = [c for c in bot.connector.cards() if "Summary:" in text_of(c)][-1]
    meeting_id = int(link_in(summary).rsplit("/", 1)[1])
    ok(
        await press(
            bot,
            "chair",
            v.CORRECTION_SAVE,
            {"meetingId": meeting_id, "kind": "action", "recordId": ids[0]},
            {
                "description": "Visit CR-0007 at school.",
                "ownerId": str(dana),
                "dueDate": "2026-12-03",
                "subjectKind": "keep",
                "reason": "Recorded against the wrong agency.",
            },
        )
    )
    async with store.reading() as session:
        assert (await session.get_one(t.Action, ids[0])).owner_member_id == dana
        queued = list(
            await session.scalars(
                select(t.OutboxMessage).where(t.OutboxMessage.kind == NoticeKind.ACTION_REASSIGNED)
            )
        )
    assert sorted(q.recipient_member_id for q in queued) == sorted([priya, dana])
    assert all("CR-0007" not in q.payload and "wrong" not in q.payload for q in queued)

    bot.connector.reset()
    await bot.server.app[COMPONENTS].jobs.fire("outbox")
    told = [c for c in bot.connector.cards() if "owner corrected" in text_of(c)]
    assert len(told) == 2
    for notice in told:
        validate_card(notice)
        shown = text_of(notice)
        assert f"A-{ids[0]}" in shown and "Priya Shah" in shown and "Dana Reeves" in shown
        assert "review of actions" not in shown
        assert "CR-0007" not in str(notice) and "wrong agency" not in str(notice)
    assert sorted("You own it now" in text_of(c) for c in told) == [False, True]


async def test_the_summary_card_in_the_chat_is_redrawn_after_a_correction(
    bot: BotUnderTest,
) -> None:
    """The summary posted at the end lists the decisions: one corrected and one withdrawn
    afterwards, the summary everyone sees in the chat shows the new text and not the
    withdrawn decision, whether the correction was saved from the summary itself (the
    presser is answered with the same summary) or from another copy of the list."""
    meeting = await start_meeting(bot, to_position=4)
    await record(bot, meeting, v.ITEM_DECISION, "decisionText", DECISION)
    await record(bot, meeting, v.ITEM_DECISION, "decisionText", "Refer CR-0108 in error.")
    ok(
        await press(
            bot, "chair", v.MEETING_END, {"meetingId": meeting.id}, {}, card_id=meeting.agenda_id
        )
    )
    (summary_id,) = [
        p.activity_id
        for p in bot.connector.posted()
        if any("Summary:" in text_of(c) for c in card_contents(p.activity))
    ]

    def summary() -> str:
        current = bot.connector.current(summary_id)
        assert current is not None
        (card,) = card_contents(current)
        validate_card(card)
        return text_of(card)

    assert DECISION in summary() and "Refer CR-0108 in error." in summary()
    async with store_of(bot).reading() as session:
        first, second = list(
            await session.scalars(
                select(t.MinuteEntry.id)
                .where(t.MinuteEntry.meeting_id == meeting.id)
                .order_by(t.MinuteEntry.id)
            )
        )
    # Saved from the summary message (the list took its place for the chair).
    answer = invoke_card(
        ok(
            await press(
                bot,
                "chair",
                v.CORRECTION_SAVE,
                {"meetingId": meeting.id, "kind": "decision", "recordId": second},
                {"withdraw": "true", "reason": "Recorded under the wrong meeting."},
                card_id=summary_id,
            )
        )
    )
    assert "Summary:" in text_of(answer) and "Refer CR-0108" not in text_of(answer)
    assert "Refer CR-0108" not in summary() and DECISION in summary()
    # Saved elsewhere (the list opened from another copy): answered with the list.
    listed = invoke_card(
        ok(
            await press(
                bot,
                "chair",
                v.CORRECTION_SAVE,
                {"meetingId": meeting.id, "kind": "decision", "recordId": first},
                {"correctedText": FIXED_DECISION, "reason": REASON},
            )
        )
    )
    assert "Decision corrected." in text_of(listed)
    shown = summary()
    assert FIXED_DECISION in shown and DECISION not in shown and "Refer CR-0108" not in shown
    # The agenda card posted during the meeting stays an agenda, and current too.
    agenda = text_of(meeting.card(bot))
    assert "Summary:" not in agenda and "Refer CR-0108" not in agenda
