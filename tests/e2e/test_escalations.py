"""Escalation beyond the locality, through the real endpoint (issue 16, point 3).

Scarborough's chair escalates a challenge to the MACE Operational Group from the
challenge form; the group's members get a notice with the reference only; one of them
opens it in a personal chat and records the group's response; Scarborough's chairs are
told; the next meeting's item 8 shows it; the chair closes it and it leaves item 8. A
Harrogate chair, a Scarborough partner and a member of the Strategic group are refused
throughout, and nothing of it reaches them.

The access matrix (tests/e2e/test_access_matrix.py) has no oversight-group member among
its actors: they are covered here.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from bot.app import COMPONENTS
from bot.domain.clock import FrozenClock
from bot.domain.escalations import NO_SUCH_ESCALATION
from bot.domain.notices import NoticeKind
from bot.services.escalations import LIST_IS_FOR
from bot.store import tables as t
from cards import verbs as v
from tests.e2e.cardtools import action, choice_value, text_of, verbs, walk
from tests.e2e.harness import DEMO, BotUnderTest
from tests.e2e.scenario import (
    Meeting,
    audit_head_id,
    audit_since,
    error_beside,
    everything_shown,
    input_value,
    invoke_card,
    invoke_message,
    ok,
    press,
    say,
    snapshot,
    start_meeting,
    store_of,
)
from tests.support.activities import PERSONAL_CONVERSATION_ID, TeamsUser, invoke_action
from tests.support.card_schema import validate_card
from tests.support.records import Records

CHALLENGE = "Police plan for CR-0107 lacks a placement: Redshank-51."
WHY = "No placement in the district for CR-0107; needs the Operational group: Sanderling-62."
RESPONSE = "Placement panel on 12 Nov will consider CR-0107."
DECISION = "Interim placement funded."
CLOSE_NOTE = "Placement made; plan updated."
#: The invented members of the oversight groups in bot/demo/demo_data.json.
OVERSIGHT = {
    "operational_chair": TeamsUser(
        "user-id-120", "Jordan Avery", "00000000-0000-0000-0000-0000000000120"
    ),
    "operational_member": TeamsUser(
        "user-id-121", "Casey Holt", "00000000-0000-0000-0000-0000000000121"
    ),
    "strategic_chair": TeamsUser(
        "user-id-122", "Sidney Park", "00000000-0000-0000-0000-0000000000122"
    ),
}
#: Everyone who could be told anything, each having opened a chat with the bot.
EVERYONE = (*OVERSIGHT, "chair", "social_care", "police", "harrogate_chair")


@pytest.fixture
async def people(bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, user in OVERSIGHT.items():
        monkeypatch.setitem(DEMO, key, user)
    for who in EVERYONE:
        ok(await bot.send_personal(who, "help"))
    bot.connector.reset()


async def click(bot: BotUnderTest, who: str, verb: str, data: dict[str, Any]) -> Any:
    """A button pressed in ``who``'s own chat with the bot."""
    return ok(
        await bot.send(
            invoke_action(
                verb,
                data,
                conversation="personal",
                user=DEMO[who],
                conversation_id=f"{PERSONAL_CONVERSATION_ID}-{who}",
            )
        )
    )


def personal_cards(bot: BotUnderTest, who: str) -> list[dict[str, Any]]:
    return bot.connector.cards(f"{PERSONAL_CONVERSATION_ID}-{who}")


async def send_notices(bot: BotUnderTest) -> None:
    bot.connector.reset()
    await bot.server.app[COMPONENTS].jobs.fire("outbox")


async def raise_a_challenge(bot: BotUnderTest) -> tuple[Meeting, int]:
    """A meeting in the Scarborough channel where Health challenges the police's plan."""
    meeting = await start_meeting(bot, to_position=4)
    ok(await say(bot, "police", "here"))
    ok(await say(bot, "health", "here"))
    ok(await say(bot, "chair", "share round"))
    round_post = bot.connector.posted()[-1]
    round_card = round_post.activity["attachments"][0]["content"]
    ok(
        await press(
            bot,
            "health",
            v.ROUND_ANSWER,
            action(round_card, v.ROUND_ANSWER)["data"],
            {
                "outcome": "challenge",
                "shareText": CHALLENGE,
                "challengeTo": choice_value(round_card, "challengeTo", "Police"),
            },
            card_id=round_post.activity_id,
        )
    )
    ok(await say(bot, "chair", "close round"))
    async with store_of(bot).reading() as session:
        (challenge,) = await session.scalars(select(t.Challenge))
        return meeting, challenge.id


async def test_a_challenge_escalated_to_the_operational_group_is_answered_and_closed(
    bot: BotUnderTest, clock: FrozenClock, people: None
) -> None:
    store = store_of(bot)
    first, challenge_id = await raise_a_challenge(bot)
    bot.connector.reset()
    ok(await say(bot, "chair", "challenges"))
    challenges = bot.connector.cards()[-1]
    validate_card(challenges)
    respond = action(challenges, v.CHALLENGE_RESPOND)
    fields = {
        f"response-{challenge_id}": "Beyond what the locality can do.",
        f"resolution-{challenge_id}": "escalated",
        f"escalateTo-{challenge_id}": "operational",
    }

    # A partner may respond to a challenge but not escalate it; the chair must say why.
    # Each answer comes back with the error beside the field and nothing saved.
    before = await snapshot(store)
    for who, entries, field in (
        ("police", {**fields, f"escalateWhy-{challenge_id}": WHY}, f"escalateTo-{challenge_id}"),
        ("chair", fields, f"escalateWhy-{challenge_id}"),
    ):
        refused = invoke_card(
            ok(await press(bot, who, v.CHALLENGE_RESPOND, respond["data"], entries))
        )
        assert error_beside(refused, field)
    assert await snapshot(store) == before

    answer = ok(
        await press(
            bot,
            "chair",
            v.CHALLENGE_RESPOND,
            respond["data"],
            {**fields, f"escalateWhy-{challenge_id}": WHY},
        )
    )
    assert "No open challenges." in text_of(invoke_card(answer))
    async with store.reading() as session:
        (escalation,) = await session.scalars(select(t.Escalation))
        challenge = await session.get_one(t.Challenge, challenge_id)
        assert challenge.status == "escalated"
        assert (escalation.kind, escalation.challenge_id, escalation.status) == (
            "challenge",
            challenge_id,
            "open",
        )
        assert (escalation.what, escalation.why) == (CHALLENGE, WHY)
        assert escalation.meeting_id == first.id
        # Encrypted at rest: the stored columns hold neither text.
        raw = (await session.execute(text("SELECT what, why FROM escalations"))).one()
        assert "Redshank" not in raw.what and "Sanderling" not in raw.why
    reference = f"E-{escalation.id}"

    # The Operational group's chair and member are told, by reference only; nobody else.
    await send_notices(bot)
    for who in ("operational_chair", "operational_member"):
        (notice,) = personal_cards(bot, who)
        validate_card(notice)
        # The handle leads the notice, so the member can quote it back.
        assert notice["body"][0]["text"] == f"{reference}: an escalation for your group"
        shown = text_of(notice)
        assert (
            f"Scarborough has escalated a challenge to the MACE Operational Group ({reference})"
            in shown
        )
        assert "Redshank" not in shown and "Sanderling" not in shown and "CR-0107" not in shown
        assert action(notice, v.ESCALATION_SHOW)["data"]["escalationId"] == escalation.id
    for who in ("strategic_chair", "chair", "social_care", "police", "harrogate_chair"):
        assert personal_cards(bot, who) == []
    async with store.reading() as session:
        kinds = list(await session.scalars(select(t.OutboxMessage.kind)))
    assert kinds.count(NoticeKind.ESCALATED_UP) == 2

    # A member of the group opens it on Monday: what, why, the locality, the record, its
    # age. (Notices go out on working days.)
    clock.advance(days=4)
    head = await audit_head_id(store)
    opened = invoke_card(
        await click(bot, "operational_member", v.ESCALATION_SHOW, {"escalationId": escalation.id})
    )
    validate_card(opened)
    shown = text_of(opened)
    for expected in (CHALLENGE, WHY, "Scarborough", f"challenge C-{challenge_id}", "4 days"):
        assert expected in shown
    assert v.ESCALATION_RESPOND in verbs(opened) and v.ESCALATION_CLOSE not in verbs(opened)
    viewed = [e for e in await audit_since(store, head) if e.record_type == "escalations"]
    assert [(e.action, e.record_id) for e in viewed] == [("view", str(escalation.id))]

    # Nobody else sees it, or can answer it: not Harrogate's chair, not a Scarborough
    # partner, not the Strategic group.
    before = await snapshot(store)
    bot.connector.reset()
    refusals: list[Any] = []
    for who in ("harrogate_chair", "police", "strategic_chair"):
        for verb, data in (
            (v.ESCALATION_SHOW, {"escalationId": escalation.id}),
            (
                v.ESCALATION_RESPOND,
                {
                    "escalationId": escalation.id,
                    "escalationResponse": "Not ours.",
                    "escalationDecision": "None.",
                },
            ),
            (v.ESCALATION_CLOSE, {"escalationId": escalation.id, "escalationCloseNote": "x"}),
        ):
            body = await click(bot, who, verb, data)
            assert invoke_message(body) == NO_SUCH_ESCALATION, (who, verb)
            refusals.append(body)
        ok(await bot.send_personal(who, "escalations"))
    # The partner is told who the list is for; Harrogate's chair and the Strategic chair
    # get their own lists, without this one.
    assert bot.connector.texts() == [LIST_IS_FOR]
    for own_list in bot.connector.cards():
        assert reference not in text_of(own_list) and "None open." in text_of(own_list)
    leaked = everything_shown(bot, *refusals)
    assert "Redshank" not in leaked and "Sanderling" not in leaked and reference not in leaked
    # The locality's chair may read it but not answer for the group.
    chair_answer = await click(
        bot,
        "chair",
        v.ESCALATION_RESPOND,
        {"escalationId": escalation.id, "escalationResponse": "x", "escalationDecision": "y"},
    )
    assert "Only members of the MACE Operational Group" in invoke_message(chair_answer)
    assert await snapshot(store) == before

    # The member records the group's response; the form keeps entries on an error.
    refused = invoke_card(
        await click(
            bot,
            "operational_member",
            v.ESCALATION_RESPOND,
            {"escalationId": escalation.id, "escalationResponse": RESPONSE},
        )
    )
    assert error_beside(refused, "escalationDecision")
    answered = invoke_card(
        await click(
            bot,
            "operational_member",
            v.ESCALATION_RESPOND,
            {
                "escalationId": escalation.id,
                "escalationResponse": RESPONSE,
                "escalationDecision": DECISION,
            },
        )
    )
    assert RESPONSE in text_of(answered) and v.ESCALATION_RESPOND not in verbs(answered)
    async with store.reading() as session:
        row = await session.get_one(t.Escalation, escalation.id)
        casey = await session.scalar(
            select(t.Member.id).where(
                t.Member.aad_object_id == OVERSIGHT["operational_member"].aad_object_id
            )
        )
        assert (row.status, row.response, row.decision) == ("responded", RESPONSE, DECISION)
        assert row.responded_by_member_id == casey and row.responded_at is not None

    # Scarborough's chair and deputy chair are told, by reference only.
    await send_notices(bot)
    for who in ("chair", "social_care"):
        (notice,) = personal_cards(bot, who)
        assert notice["body"][0]["text"] == f"{reference}: the escalation has a response"
        shown = text_of(notice)
        assert f"recorded its response to {reference}" in shown
        assert "Placement panel" not in shown and "CR-0107" not in shown
    for who in ("police", "harrogate_chair", *OVERSIGHT):
        assert personal_cards(bot, who) == []

    # The chair lists it, with its age, then starts the next meeting: item 8 shows it.
    bot.connector.reset()
    ok(await bot.send_personal("chair", "escalations"))
    (listed,) = personal_cards(bot, "chair")
    assert f"{reference} · challenge C-{challenge_id} · Scarborough to MACE Operational Group" in (
        text_of(listed)
    )
    ok(
        await press(
            bot,
            "chair",
            v.MEETING_END,
            {"meetingId": first.id},
            {"nextMeetingDate": "2026-12-17"},
            card_id=first.agenda_id,
        )
    )
    clock.advance(days=10)
    meeting = await start_meeting(bot)
    agenda = text_of(meeting.card(bot))
    line = f"challenge C-{challenge_id} to the MACE Operational Group · 14 days · response recorded"
    assert reference in agenda and line in agenda
    assert "response recorded" in agenda and RESPONSE in agenda and DECISION in agenda
    assert "Sanderling" not in agenda  # the why stays out of the channel

    # Closing needs a note; closed, it leaves item 8.
    refused = invoke_card(
        await click(bot, "chair", v.ESCALATION_CLOSE, {"escalationId": escalation.id})
    )
    assert error_beside(refused, "escalationCloseNote")
    closed = invoke_card(
        await click(
            bot,
            "chair",
            v.ESCALATION_CLOSE,
            {"escalationId": escalation.id, "escalationCloseNote": CLOSE_NOTE},
        )
    )
    assert CLOSE_NOTE in text_of(closed) and not verbs(closed)
    async with store.reading() as session:
        row = await session.get_one(t.Escalation, escalation.id)
        assert (row.status, row.close_note) == ("closed", CLOSE_NOTE)
        assert row.closed_at is not None and row.closed_by_member_id is not None
    ok(
        await press(
            bot, "chair", v.MEETING_REFRESH, {"meetingId": meeting.id}, card_id=meeting.agenda_id
        )
    )
    agenda = text_of(meeting.card(bot))
    assert reference not in agenda and "No open escalations." in agenda
    bot.connector.reset()
    ok(await bot.send_personal("operational_chair", "escalations"))
    (listed,) = personal_cards(bot, "operational_chair")
    assert reference not in text_of(listed)


async def test_a_subject_and_an_action_are_escalated_from_their_cards(
    bot: BotUnderTest, clock: FrozenClock, people: None
) -> None:
    """A person of concern escalated from its card to the Strategic group shows at item 8
    only as "a person of concern", with no response text; an action is escalated from
    the outstanding list. The form keeps its entries on an error."""
    store = store_of(bot)
    records = Records(store)
    earlier = await records.meeting("scarborough", clock.now() - timedelta(days=7))
    person = await records.subject("scarborough", "NYP-2026-0411", "KL", kind="person")
    action_id = await records.action(earlier, "Disruption notice for Kestrel House.")

    await click(bot, "chair", v.SUBJECT_SHOW, {"subjectId": person})
    card = personal_cards(bot, "chair")[-1]
    escalate = action(card, v.ESCALATE_FORM)
    assert escalate["data"]["recordId"] == person
    form = invoke_card(await click(bot, "chair", v.ESCALATE_FORM, escalate["data"]))
    validate_card(form)
    assert "NYP-2026-0411" in text_of(form)
    send = action(form, v.ESCALATE)["data"]
    entries = {"escalateTo": "strategic", "escalateWhat": "Exploiting CR-0107 (J.S.)."}
    refused = invoke_card(await click(bot, "chair", v.ESCALATE, {**send, **entries}))
    assert error_beside(refused, "escalateWhy")
    assert input_value(refused, "escalateWhat") == entries["escalateWhat"]
    # A phone number in the why gets the personal-data nudge; nothing is saved.
    nudged = invoke_card(
        await click(
            bot,
            "chair",
            v.ESCALATE,
            {**send, **entries, "escalateWhy": "His mobile is 07700 900123."},
        )
    )
    assert "phone number" in error_beside(nudged, "escalateWhy").lower()
    async with store.reading() as session:
        assert list(await session.scalars(select(t.Escalation))) == []
    raised = invoke_card(
        await click(
            bot, "chair", v.ESCALATE, {**send, **entries, "escalateWhy": "Across three areas."}
        )
    )
    assert "MACE Strategic Group" in text_of(raised)

    # The Strategic chair responds; the channel's item 8 shows neither the reference nor
    # the response of a person of concern.
    async with store.reading() as session:
        (subject_escalation,) = await session.scalars(select(t.Escalation))
    invoke_card(
        await click(
            bot,
            "strategic_chair",
            v.ESCALATION_RESPOND,
            {
                "escalationId": subject_escalation.id,
                "escalationResponse": "Police lead across the three areas.",
                "escalationDecision": "Joint operation.",
            },
        )
    )

    # The action, from the outstanding list (the chair chairs Scarborough).
    bot.connector.reset()
    ok(await bot.send_personal("chair", "outstanding actions"))
    (outstanding,) = personal_cards(bot, "chair")
    buttons = [
        b
        for b in walk(outstanding)
        if b.get("type") == "Action.Execute" and b.get("verb") == v.ESCALATE_FORM
    ]
    assert [b["data"]["recordId"] for b in buttons] == [action_id]
    # Priya owns it but chairs nothing: no button for her.
    ok(await bot.send_personal("police", "outstanding actions"))
    assert v.ESCALATE_FORM not in verbs(personal_cards(bot, "police")[-1])
    form = invoke_card(await click(bot, "chair", v.ESCALATE_FORM, buttons[0]["data"]))
    assert f"action A-{action_id}" in text_of(form)
    invoke_card(
        await click(
            bot,
            "chair",
            v.ESCALATE,
            {
                **action(form, v.ESCALATE)["data"],
                "escalateTo": "operational",
                "escalateWhat": "No landlord response.",
                "escalateWhy": "Needs the council.",
            },
        )
    )

    meeting = await start_meeting(bot)
    agenda = text_of(meeting.card(bot))
    assert "a person of concern to the MACE Strategic Group" in agenda
    assert f"action A-{action_id} to the MACE Operational Group" in agenda
    assert "NYP-2026-0411" not in agenda and "Police lead" not in agenda
    assert "Joint operation" not in agenda
