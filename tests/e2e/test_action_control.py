"""The chair's control of actions and references as handles (issue 16, points 1 and 5),
through the real endpoint on SQLite and PostgreSQL.

The chair carries an action forward from item 3 of the next meeting: the form refuses the
current date with the error beside the field and the reason kept, then saves, the live
agenda is redrawn, and the history entry names the meeting, the chair and the reason
(encrypted at rest). A partner pressing a crafted "reassign" is refused and nothing
changes. A coordinator reassigns from "outstanding actions" in a personal chat, and both
owners are told by the outbox with no description in the notice. ``A-36`` typed in a
personal chat opens the action for its owner and a coordinator, and gets "could not find"
for a member of another group, as for a reference that does not exist.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text

from bot.app import COMPONENTS
from bot.domain.notices import NoticeKind
from bot.services.action_control import NO_SUCH_ACTION, NOT_A_CHAIR
from bot.store import tables as t
from cards import verbs as v
from dialogs.places import ACTION_PERSONAL_ONLY
from tests.conftest import MEETING_DAY
from tests.e2e.cardtools import action, text_of, verbs, walk
from tests.e2e.harness import BotUnderTest
from tests.e2e.scenario import (
    error_beside,
    input_value,
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
from tests.e2e.test_between_meetings import agree_actions
from tests.support.card_schema import validate_card

PERSONAL = "personal"
DESCRIPTION = "Visit CR-0007 at school with the nurse, Razorbill-23."
REASON = "The school is closed for a week, Guillemot-31."


async def one_action(bot: BotUnderTest, due: str = "2026-11-26") -> int:
    (action_id,) = await agree_actions(
        bot, [{"description": DESCRIPTION, "owner": "Priya Shah", "due": due}]
    )
    return action_id


def review_button(card: dict[str, Any], action_id: int) -> dict[str, Any]:
    (found,) = [
        node
        for node in walk(card)
        if node.get("type") == "Action.Execute"
        and node.get("verb") == v.ACTION_REVIEW_FORM
        and node["data"].get("actionId") == action_id
    ]
    return found


def step_button(card: dict[str, Any], step: str) -> dict[str, Any]:
    (found,) = [
        node
        for node in walk(card)
        if node.get("type") == "Action.Execute"
        and node.get("verb") == v.ACTION_REVIEW
        and node["data"].get("step") == step
    ]
    return found


async def events(bot: BotUnderTest, action_id: int, kind: str) -> list[t.ActionEvent]:
    async with store_of(bot).reading() as session:
        return list(
            await session.scalars(
                select(t.ActionEvent)
                .where(t.ActionEvent.action_id == action_id, t.ActionEvent.kind == kind)
                .order_by(t.ActionEvent.id)
            )
        )


async def test_the_chair_carries_an_action_forward_from_item_3(bot: BotUnderTest) -> None:
    action_id = await one_action(bot)
    async with store_of(bot).transaction() as session:
        # Chasing escalated it: carrying it forward starts its reminders again.
        (await session.get_one(t.Action, action_id)).escalated_at = MEETING_DAY
    meeting = await start_meeting(bot, to_position=3)
    agenda = meeting.card(bot)
    validate_card(agenda)
    opened = action(agenda, v.ITEM_REVIEW_ACTIONS)
    listed = invoke_card(
        ok(
            await press(
                bot, "chair", v.ITEM_REVIEW_ACTIONS, opened["data"], card_id=meeting.agenda_id
            )
        )
    )
    validate_card(listed)
    assert f"A-{action_id}" in text_of(listed)
    form = invoke_card(
        ok(
            await press(
                bot,
                "chair",
                v.ACTION_REVIEW_FORM,
                review_button(listed, action_id)["data"],
                card_id=meeting.agenda_id,
            )
        )
    )
    validate_card(form)
    carry = step_button(form, "carry")["data"]
    assert carry["meetingId"] == meeting.id

    # The current due date is not a new one: the form comes back, reason kept, error beside.
    again = invoke_card(
        ok(
            await press(
                bot,
                "chair",
                v.ACTION_REVIEW,
                carry,
                {"carryDate": "2026-11-26", "carryReason": REASON},
                card_id=meeting.agenda_id,
            )
        )
    )
    assert "current due date" in error_beside(again, "carryDate")
    assert input_value(again, "carryReason") == REASON
    assert await events(bot, action_id, "carried_forward") == []

    bot.connector.reset()
    answer = invoke_card(
        ok(
            await press(
                bot,
                "chair",
                v.ACTION_REVIEW,
                carry,
                {"carryDate": "2026-12-17", "carryReason": REASON},
                card_id=meeting.agenda_id,
            )
        )
    )
    await bot.settled()
    # The presser gets the agenda back; the live card is redrawn for everyone.
    assert v.ITEM_REVIEW_ACTIONS in verbs(answer)
    assert "Thu 17 Dec 2026" in text_of(meeting.card(bot))
    assert bot.connector.updated(meeting.agenda_id)

    store = store_of(bot)
    (event,) = await events(bot, action_id, "carried_forward")
    assert event.meeting_id == meeting.id
    assert event.member_id == await member_id(store, "chair")
    assert REASON in event.note and "2026-12-17" in event.note
    async with store.reading() as session:
        moved = await session.get_one(t.Action, action_id)
        assert moved.due_date.isoformat() == "2026-12-17"
        assert moved.escalated_at is None
        stored = await session.scalar(
            text("SELECT note FROM action_events WHERE id = :id"), {"id": event.id}
        )
    assert "Guillemot" not in str(stored), "the reason is encrypted at rest"

    # The action's card, in the chair's own chat, shows the step and the meeting it was in.
    ok(await say(bot, "chair", f"A-{action_id}", PERSONAL))
    card = bot.connector.cards()[-1]
    validate_card(card)
    shown = text_of(card)
    assert "Carried forward" in shown and "Alex Wilber" in shown
    assert "at the meeting of Thu 19 Nov 2026" in shown and REASON in shown


async def test_a_partner_pressing_a_crafted_reassign_is_refused(bot: BotUnderTest) -> None:
    action_id = await one_action(bot)
    meeting = await start_meeting(bot, to_position=3)
    store = store_of(bot)
    chris = await member_id(store, "education")
    crafted = {"actionId": action_id, "meetingId": meeting.id, "step": "reassign"}
    before = await snapshot(store)
    await bot.settled()
    bot.connector.reset()
    in_channel = invoke_message(
        ok(
            await press(
                bot,
                "education",
                v.ACTION_REVIEW,
                crafted,
                {"reassignTo": str(chris)},
                card_id=meeting.agenda_id,
            )
        )
    )
    assert in_channel == NOT_A_CHAIR
    in_chat = invoke_message(
        ok(
            await press(
                bot,
                "education",
                v.ACTION_REVIEW,
                {"actionId": action_id, "step": "reassign"},
                {"reassignTo": str(chris)},
                conversation=PERSONAL,
            )
        )
    )
    assert in_chat == NOT_A_CHAIR
    # A chair of another group is told what a missing action gets.
    elsewhere = invoke_message(
        ok(
            await press(
                bot,
                "harrogate_chair",
                v.ACTION_REVIEW,
                {"actionId": action_id, "step": "cancel"},
                {"cancelReason": "Not needed."},
                conversation=PERSONAL,
            )
        )
    )
    assert elsewhere == NO_SUCH_ACTION
    assert await snapshot(store) == before, "nothing changed"
    await bot.settled()
    assert bot.connector.sent() == [] and bot.connector.updated() == [], "nothing shown"


async def test_a_coordinator_reassigns_and_both_owners_are_told(bot: BotUnderTest) -> None:
    action_id = await one_action(bot)
    store = store_of(bot)
    # Both owners are seen in the channel, so the bot can reach them in a 1:1 chat.
    ok(await say(bot, "police", "here"))
    ok(await say(bot, "health", "here"))
    priya, dana = await member_id(store, "police"), await member_id(store, "health")

    ok(await say(bot, "coordinator", "outstanding actions", PERSONAL))
    listed = bot.connector.cards()[-1]
    validate_card(listed)
    (opener,) = [
        node
        for node in walk(listed)
        if node.get("type") == "Action.Execute"
        and node.get("verb") == v.ACTION_SHOW
        and node["data"]["actionId"] == action_id
    ]
    opened = ok(
        await press(bot, "coordinator", v.ACTION_SHOW, opener["data"], conversation=PERSONAL)
    )
    assert "card is below" in invoke_message(opened)
    card = bot.connector.cards()[-1]
    assert DESCRIPTION in text_of(card)
    form = invoke_card(
        ok(
            await press(
                bot,
                "coordinator",
                v.ACTION_REVIEW_FORM,
                review_button(card, action_id)["data"],
                conversation=PERSONAL,
            )
        )
    )
    reassign = step_button(form, "reassign")["data"]
    assert "meetingId" not in reassign
    done = invoke_card(
        ok(
            await press(
                bot,
                "coordinator",
                v.ACTION_REVIEW,
                reassign,
                {"reassignTo": str(dana)},
                conversation=PERSONAL,
            )
        )
    )
    assert "Reassigned" in text_of(done) and "Dana Reeves" in text_of(done)

    async with store.reading() as session:
        moved = await session.get_one(t.Action, action_id)
        health = await session.get_one(t.Member, dana)
        assert (moved.owner_member_id, moved.agency_id) == (dana, health.agency_id)
        queued = list(
            await session.scalars(
                select(t.OutboxMessage).where(t.OutboxMessage.kind == NoticeKind.ACTION_REASSIGNED)
            )
        )
    (event,) = await events(bot, action_id, "reassigned")
    assert event.meeting_id is None and event.member_id == await member_id(store, "coordinator")
    assert sorted(q.recipient_member_id for q in queued) == sorted([priya, dana])
    assert all("Razorbill" not in q.payload for q in queued), "the outbox holds ids only"

    bot.connector.reset()
    await bot.server.app[COMPONENTS].jobs.fire("outbox")
    told = [c for c in bot.connector.cards() if "was reassigned" in text_of(c)]
    assert len(told) == 2
    for notice in told:
        validate_card(notice)
        shown = text_of(notice)
        assert f"A-{action_id}" in shown and "Priya Shah" in shown and "Dana Reeves" in shown
        assert "Razorbill" not in str(notice) and "CR-0007" not in str(notice)
    assert sorted("You own it now" in text_of(c) for c in told) == [False, True]


async def test_a_reference_in_a_personal_chat_opens_the_action_for_who_may_see_it(
    bot: BotUnderTest,
) -> None:
    action_id = await one_action(bot)
    for typed in (f"A-{action_id}", f"a{action_id}", f"A {action_id}", f"action A-{action_id}"):
        ok(await say(bot, "police", typed, PERSONAL))
        card = bot.connector.cards()[-1]
        validate_card(card)
        assert DESCRIPTION in text_of(card), typed
        assert v.ACTION_REVIEW_FORM not in verbs(card), "the owner does not review it"

    ok(await say(bot, "coordinator", f"A-{action_id}", PERSONAL))
    card = bot.connector.cards()[-1]
    assert DESCRIPTION in text_of(card) and v.ACTION_REVIEW_FORM in verbs(card)

    for who, typed in (
        ("harrogate_chair", f"A-{action_id}"),
        ("education", f"A-{action_id}"),
        ("police", "A-2147000000"),
    ):
        sent = len(bot.connector.sent())
        ok(await say(bot, who, typed, PERSONAL))
        answers = bot.connector.sent()[sent:]
        assert [a.get("text") for a in answers] == [NO_SUCH_ACTION], (who, typed)

    sent = len(bot.connector.sent())
    ok(await say(bot, "police", f"A-{action_id}"))
    assert [a.get("text") for a in bot.connector.sent()[sent:]] == [ACTION_PERSONAL_ONLY]

    async with store_of(bot).reading() as session:
        viewed = list(
            await session.scalars(
                select(t.AuditEntry).where(
                    t.AuditEntry.record_type == "actions",
                    t.AuditEntry.record_id == str(action_id),
                    t.AuditEntry.detail == "action card",
                )
            )
        )
    assert len(viewed) == 5, "every view of the card is audited"
