"""Subjects discussed under item 4, and a round about one of them, through the real
endpoint (issue 15, points 3 and 4), on SQLite and PostgreSQL.

The chair adds two children and a location to item 4 from the agenda card, walks through
them with Next, a minute and an action are recorded about the child being discussed, a
share-and-challenge round is opened about that child, two agencies answer (Health twice,
once for each of two services), and the round is closed. The store holds every answer
with who and when; each subject is recorded as discussed on the meeting's date.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from bot.domain.clock import FrozenClock
from bot.store import tables as t
from cards import verbs as v
from tests.e2e.cardtools import action, choice_value, size, text_of
from tests.e2e.harness import BotUnderTest
from tests.e2e.scenario import (
    Meeting,
    invoke_card,
    member_id,
    ok,
    press,
    say,
    start_meeting,
    store_of,
)
from tests.support.card_schema import validate_card

SUBJECTS = (
    {"subjectKind": "child", "subjectRef": "CR-0107", "subjectInitials": "K.M."},
    {"subjectKind": "child", "subjectRef": "cr-0112", "subjectInitials": "tr"},
    {"subjectKind": "location", "subjectRef": "Takeaway on Eastborough"},
)


async def next_on(bot: BotUnderTest, meeting: Meeting) -> dict[str, Any]:
    """The chair presses Next on the live agenda card, exactly as drawn."""
    data = action(meeting.card(bot), v.MEETING_NEXT)["data"]
    return invoke_card(
        ok(await press(bot, "chair", v.MEETING_NEXT, data, card_id=meeting.agenda_id))
    )


async def test_subjects_walked_through_with_a_round_about_one_child(
    bot: BotUnderTest, clock: FrozenClock
) -> None:
    store = store_of(bot)
    meeting = await start_meeting(bot, to_position=4)
    item = meeting.current_item(bot)
    ok(await say(bot, "police", "here"))
    ok(await say(bot, "health", "here"))

    # The chair opens the form from the agenda, and adds the three subjects in order.
    form_button = action(meeting.card(bot), v.ITEM_SUBJECT_FORM)["data"]
    form = invoke_card(
        ok(await press(bot, "chair", v.ITEM_SUBJECT_FORM, form_button, card_id=meeting.agenda_id))
    )
    validate_card(form)
    submit = action(form, v.ITEM_SUBJECT_ADD)["data"]
    assert submit == {"verb": v.ITEM_SUBJECT_ADD, "meetingId": meeting.id, "itemId": item}
    for subject in SUBJECTS:
        clock.advance(seconds=5)
        ok(
            await press(
                bot, "chair", v.ITEM_SUBJECT_ADD, submit, subject, card_id=meeting.agenda_id
            )
        )
    card = meeting.card(bot)
    validate_card(card)
    shown = text_of(card)
    for label in ("CR-0107 (K.M.)", "CR-0112 (T.R.)", "Takeaway on Eastborough"):
        assert label in shown
    assert action(card, v.MEETING_NEXT)["title"] == "Next subject"

    # Next: the first child, then the second, who is discussed now.
    clock.advance(minutes=3)
    await next_on(bot, meeting)
    clock.advance(minutes=3)
    card = await next_on(bot, meeting)
    assert "▶ 4.2 CR-0112 (T.R.)" in text_of(card)
    opened = action(card, v.SUBJECT_SHOW)["data"]
    assert set(opened) == {"verb", "subjectId", "meetingId"}

    # A minute and an action recorded about the child being discussed.
    minute_data = action(meeting.card(bot), v.ITEM_MINUTE)["data"]
    ok(
        await press(
            bot,
            "minute_taker",
            v.ITEM_MINUTE,
            minute_data,
            {"minuteText": "Two missing episodes since the last meeting."},
            card_id=meeting.agenda_id,
        )
    )
    action_form = invoke_card(
        ok(
            await press(
                bot,
                "minute_taker",
                v.ITEM_ACTION_FORM,
                action(meeting.card(bot), v.ITEM_ACTION_FORM)["data"],
                card_id=meeting.agenda_id,
            )
        )
    )
    assert choice_value(action_form, "subjectKind", "CR-0112 (T.R.) (being discussed)") == "current"
    owner = choice_value(action_form, "ownerId", "Priya Shah")
    ok(
        await press(
            bot,
            "minute_taker",
            v.ITEM_ACTION,
            action(action_form, v.ITEM_ACTION)["data"],
            {
                "description": "Return home interview after the latest episode.",
                "ownerId": owner,
                "dueDate": "2026-12-01",
                "subjectKind": "current",
            },
            card_id=meeting.agenda_id,
        )
    )

    # A round about the child: the police answer; Health answers for two services.
    clock.advance(minutes=1)
    ok(
        await press(
            bot,
            "chair",
            v.ROUND_OPEN,
            action(meeting.card(bot), v.ROUND_OPEN)["data"],
            card_id=meeting.agenda_id,
        )
    )
    posted = bot.connector.posted()[-1]
    round_card = posted.activity["attachments"][0]["content"]
    assert "about CR-0112 (T.R.)" in text_of(round_card)
    answer = action(round_card, v.ROUND_ANSWER)["data"]
    answers = (
        ("police", {"outcome": "shared", "shareText": "Seen at the retail park twice."}),
        ("health", {"outcome": "shared", "shareText": "Attends CAMHS.", "service": "CAMHS"}),
        ("health", {"outcome": "nothing", "service": "Healthy Child team"}),
    )
    for who, inputs in answers:
        clock.advance(seconds=30)
        ok(await press(bot, who, v.ROUND_ANSWER, answer, inputs, card_id=posted.activity_id))
    live_round = bot.connector.current(posted.activity_id)
    assert live_round is not None
    drawn = live_round["attachments"][0]["content"]
    validate_card(drawn)
    drawn_text = text_of(drawn)
    assert "CAMHS" in drawn_text and "Healthy Child team" in drawn_text
    assert "2 of 2 agencies present have answered." in drawn_text
    ok(
        await press(
            bot,
            "chair",
            v.ROUND_CLOSE,
            action(drawn, v.ROUND_CLOSE)["data"],
            card_id=posted.activity_id,
        )
    )

    # Past the location, then on to item 5.
    await next_on(bot, meeting)
    card = await next_on(bot, meeting)
    assert action(card, v.MEETING_NEXT)["data"]["position"] == 5
    assert size(card) < 28_000

    police, dana = await member_id(store, "police"), await member_id(store, "health")
    async with store.reading() as session:
        subjects = (await session.scalars(select(t.Subject).order_by(t.Subject.id))).all()
        by_ref = {s.reference: s for s in subjects}
        turns = (await session.scalars(select(t.RoundTurn).order_by(t.RoundTurn.id))).all()
        share_round = (await session.scalars(select(t.ShareRound))).one()
        minute = (await session.scalars(select(t.MinuteEntry))).one()
        recorded_action = (await session.scalars(select(t.Action))).one()
        discussed = (
            await session.scalars(
                select(t.SubjectEvent.subject_id).where(t.SubjectEvent.kind == "discussed")
            )
        ).all()
    second = by_ref["CR-0112"]
    assert sorted(by_ref) == ["CR-0107", "CR-0112", "Takeaway on Eastborough"]
    assert [(turn.member_id, turn.outcome, turn.service) for turn in turns] == [
        (police, "shared", None),
        (dana, "shared", "CAMHS"),
        (dana, "nothing", "Healthy Child team"),
    ]
    assert [turn.at for turn in turns] == sorted({turn.at for turn in turns})
    assert share_round.subject_id == second.id and share_round.status == "closed"
    assert minute.subject_id == second.id
    assert recorded_action.subject_id == second.id
    meeting_day = date(2026, 11, 19)
    assert all(s.last_discussed_on == meeting_day for s in subjects)
    assert all(s.first_discussed_on == meeting_day for s in subjects)
    assert sorted(discussed) == sorted(s.id for s in subjects)
