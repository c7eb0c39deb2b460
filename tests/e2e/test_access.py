"""Who may do what: outsiders get a polite refusal that gives nothing away; partners take
part but do not run the meeting; an unlinked chat records nothing until a chair links it.

A card is rendered by the client and a crafted payload can carry any verb with any ids,
so every text command and every card verb is tried with real ids from a meeting in
progress. Sentinel strings recorded in that meeting must not appear in anything the bot
posts, edits or answers to an outsider, and the store must be exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.domain.errors import NotFound, NotLinked, NotPermitted
from bot.services.action_control import NO_SUCH_ACTION, NOT_A_CHAIR
from bot.services.context import NOT_A_MEMBER
from bot.services.register_access import NO_SUCH_SUBJECT
from bot.services.register_links import NO_SUCH_LINK
from bot.store import tables as t
from bot.store.db import Store
from cards import verbs as v
from dialogs.commands import COMMANDS, Command, help_text
from dialogs.places import COMMAND_PLACES, VERB_PLACES
from dialogs.register_edit import FORMS_IN_A_CURRENT_CLIENT
from tests.e2e.cardtools import action, choices, text_of
from tests.e2e.harness import DEMO, BotUnderTest
from tests.e2e.scenario import (
    GROUP,
    Meeting,
    agency_id,
    everything_shown,
    invoke_card,
    invoke_message,
    locality_id,
    member_id,
    ok,
    press,
    press_submit,
    say,
    snapshot,
    start_meeting,
    store_of,
)

SECRETS = (
    "Sentinel minute 7Q4",
    "Sentinel decision 4K8",
    "Sentinel action 9W2",
    "Sentinel challenge 2R6",
    "Sentinel share 5T1",
    "CR-0042",
    "Q.Z.",
    "Scarborough",
)
LINK_REFUSALS = (
    "Only an administrator or a chair of that locality group",
    "This conversation is linked to another group",
)


def is_refusal(text: str) -> bool:
    """A refusal, or the answer that this is done in another kind of conversation (a
    personal chat for actions and members), which shows nothing either."""
    return (
        text in (NOT_A_MEMBER, NotPermitted.user_message, NotFound.user_message, NO_SUCH_SUBJECT)
        or text.startswith(LINK_REFUSALS)
        or text in ELSEWHERE
        or text in REGISTER_REFUSALS
        or text in ACTION_REFUSALS
    )


#: The answers that a command or verb is done in another kind of conversation.
ELSEWHERE = frozenset(
    place.refusal for place in (*VERB_PLACES.values(), *COMMAND_PLACES.values()) if place.refusal
)


@dataclass
class Secrets:
    meeting: Meeting
    item_id: int
    round_id: int
    round_card_id: str
    challenge_id: int


async def meeting_with_secrets(bot: BotUnderTest) -> Secrets:
    """A Scarborough meeting on item 4 with a minute, a decision, an action about a child,
    and an open round holding a share and a challenge: every kind of thing to leak."""
    store = store_of(bot)
    meeting = await start_meeting(bot, to_position=4)
    item = meeting.current_item(bot)
    ok(await say(bot, "police", "here"))
    ok(await say(bot, "health", "here"))
    where = {"meetingId": meeting.id, "itemId": item}
    invoke_card(
        ok(
            await press(
                bot,
                "minute_taker",
                v.ITEM_MINUTE,
                where,
                {"minuteText": SECRETS[0]},
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
                {"decisionText": SECRETS[1]},
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
                    "description": SECRETS[2],
                    "ownerId": str(await member_id(store, "police")),
                    "dueDate": "2026-12-03",
                    "subjectKind": "child",
                    "subjectRef": "CR-0042",
                    "subjectInitials": "Q.Z.",
                },
                card_id=meeting.agenda_id,
            )
        )
    )
    ok(await press(bot, "chair", v.ROUND_OPEN, where, card_id=meeting.agenda_id))
    round_post = bot.connector.posted()[-1]
    round_card = round_post.activity["attachments"][0]["content"]
    round_id = action(round_card, v.ROUND_ANSWER)["data"]["roundId"]
    ok(
        await press(
            bot,
            "police",
            v.ROUND_ANSWER,
            {"roundId": round_id},
            {"outcome": "shared", "shareText": SECRETS[4]},
            card_id=round_post.activity_id,
        )
    )
    ok(
        await press(
            bot,
            "health",
            v.ROUND_ANSWER,
            {"roundId": round_id},
            {
                "outcome": "challenge",
                "shareText": SECRETS[3],
                "challengeTo": str(await agency_id(store, "police")),
                "challengeAbout": "CR-0042 disruption plan",
            },
            card_id=round_post.activity_id,
        )
    )
    async with store.reading() as session:
        challenge = await session.scalar(select(t.Challenge.id))
    assert challenge is not None
    shown = everything_shown(bot)
    assert all(secret in shown or secret == SECRETS[0] for secret in SECRETS), (
        "the secrets must be visible to members, or the checks below prove nothing"
    )
    return Secrets(meeting, item, round_id, round_post.activity_id, challenge)


async def chair_membership(store: Store) -> int:
    """The id of Alex Wilber's chair membership in Scarborough."""
    chair, place = await member_id(store, "chair"), await locality_id(store, "scarborough")
    async with store.reading() as session:
        found = await session.scalar(
            select(t.Membership.id).where(
                t.Membership.member_id == chair, t.Membership.locality_id == place
            )
        )
    assert found is not None
    return found


async def plausible_clicks(bot: BotUnderTest, s: Secrets) -> dict[str, dict[str, Any]]:
    """For every verb, the data a real card would send in this meeting."""
    store = store_of(bot)
    m, c = s.meeting.id, s.challenge_id
    async with store.reading() as session:
        # Encrypted columns cannot be compared in SQL: find the planted action in Python.
        actions = (await session.scalars(select(t.Action))).all()
        a = next(x.id for x in actions if x.description == SECRETS[2])
        subject = next(x.subject_id for x in actions if x.description == SECRETS[2])
    clicks: dict[str, dict[str, Any]] = {
        v.SETUP_LINK: {"localityId": str(await locality_id(store, "scarborough"))},
        v.MEETING_START: {},
        v.MEETING_REFRESH: {"meetingId": m},
        v.MEETING_NEXT: {"meetingId": m, "position": 4},
        v.MEETING_PREVIOUS: {"meetingId": m, "position": 4},
        v.MEETING_END: {"meetingId": m, "nextMeetingDate": "2026-12-17"},
        v.ATTENDANCE_SELF: {"meetingId": m},
        v.ATTENDANCE_RECORD: {
            "meetingId": m,
            "agencyId": str(await agency_id(store, "police")),
            "attendanceStatus": "apologies",
            "people": "",
        },
        v.ITEM_MINUTE: {"meetingId": m, "itemId": s.item_id, "minuteText": "Outsider note."},
        v.ITEM_DECISION: {
            "meetingId": m,
            "itemId": s.item_id,
            "decisionText": "Outsider decision.",
        },
        v.ITEM_ACTION_FORM: {"meetingId": m, "itemId": s.item_id},
        v.ITEM_ACTION: {
            "meetingId": m,
            "itemId": s.item_id,
            "description": "Outsider task.",
            "ownerId": str(await member_id(store, "police")),
            "dueDate": "2026-12-03",
            "subjectKind": "none",
        },
        v.MINUTES_AGREE: {"meetingId": m, "previousMeetingId": m},
        v.ROUND_OPEN: {"meetingId": m, "itemId": s.item_id},
        v.ROUND_ANSWER: {
            "roundId": s.round_id,
            "outcome": "shared",
            "shareText": "Outsider share.",
        },
        v.ROUND_CLOSE: {"roundId": s.round_id},
        v.CHALLENGE_RESPOND: {
            "challengeId": c,
            f"response-{c}": "Outsider response.",
            f"resolution-{c}": "resolved",
        },
        v.HELP_SHOW: {},
        v.ACTIONS_MINE: {},
        v.ACTION_UPDATE: {"actionId": a, f"update-{a}": "Outsider update."},
        v.ACTION_DONE: {"actionId": a, f"done-{a}": "Outsider done."},
        v.ACTION_REQUEST_DATE: {
            "actionId": a,
            f"newDate-{a}": "2026-12-20",
            f"reason-{a}": "Outsider reason.",
        },
        v.ACTION_HAND_OVER_CHOOSE: {"actionId": a},
        v.ACTION_HAND_OVER: {"actionId": a, f"handTo-{a}": "1"},
        v.DATE_REQUEST_SHOW: {"actionId": a},
        v.DATE_REQUEST_ACCEPT: {"actionId": a},
        v.DATE_REQUEST_REFUSE: {"actionId": a},
        v.OUTSTANDING_PAGE: {"page": 1},
        v.OUTSTANDING_EXPORT: {"format": "csv"},
        v.MINUTES_DOWNLOAD: {"meetingId": m},
        v.MEMBERS_SHOW: {"showLocality": "scarborough"},
        # An outsider making themselves chair, or removing the chair.
        v.MEMBERS_ADD: {
            "member": DEMO["harrogate_chair"].aad_object_id,
            "locality": "scarborough",
            "role": "chair",
        },
        v.MEMBERS_REMOVE: {"membershipId": await chair_membership(store)},
        # The register, read side (issue 15).
        v.SUBJECT_SHOW: {"subjectId": 1, "meetingId": m},
        v.SUBJECTS_PAGE: {"words": "high risk", "page": 2},
        # Issue 15: the subjects discussed under items 4-7.
        v.ITEM_SUBJECT_FORM: {"meetingId": m, "itemId": s.item_id},
        v.ITEM_SUBJECT_ADD: {
            "meetingId": m,
            "itemId": s.item_id,
            "subjectKind": "child",
            "subjectRef": "CR-0999",
            "subjectInitials": "ZZ",
        },
        v.ITEM_SUBJECT_MOVE: {"meetingId": m, "itemSubjectId": 1, "direction": "up"},
        v.ITEM_SUBJECT_REMOVE: {"meetingId": m, "itemSubjectId": 1},
        # The register: the planted action's child, CR-0042, is in Scarborough's register.
        **await register_clicks(store, m),
        # The planted action's child offered to the outsider's group; an offer accepted.
        v.SUBJECT_MOVE_FORM: {"subjectId": subject},
        v.SUBJECT_MOVE: {
            "subjectId": subject,
            "toLocality": "harrogate",
            "mode": "transfer",
            "reason": "Outsider reason.",
        },
        v.SUBJECT_MOVE_ACCEPT: {"shareId": 1},
        v.SUBJECT_MOVE_DECLINE: {"shareId": 1, "declineReason": "Outsider."},
        # Issue 16: the planted action's card, and the chair's review of it from item 3.
        v.ACTION_SHOW: {"actionId": a},
        v.ITEM_REVIEW_ACTIONS: {"meetingId": m},
        v.ACTION_REVIEW_FORM: {"actionId": a, "meetingId": m},
        v.ACTION_REVIEW: {
            "actionId": a,
            "meetingId": m,
            "step": "reassign",
            "reassignTo": str(await member_id(store, "harrogate_chair")),
        },
        # The performance report (issue 16, point 8).
        v.REPORT_DOWNLOAD: {"from": "2026-04-01", "to": "2026-11-19", "format": "xlsx"},
        # Issue 16: the planted action escalated, an escalation opened, answered, closed.
        v.ESCALATE_FORM: {"kind": "action", "recordId": a},
        v.ESCALATE: {
            "kind": "action",
            "recordId": a,
            "escalateTo": "operational",
            "escalateWhat": "Outsider what.",
            "escalateWhy": "Outsider why.",
        },
        v.ESCALATION_SHOW: {"escalationId": 1},
        v.ESCALATION_RESPOND: {
            "escalationId": 1,
            "escalationResponse": "Outsider response.",
            "escalationDecision": "Outsider decision.",
        },
        v.ESCALATION_CLOSE: {"escalationId": 1, "escalationCloseNote": "Outsider note."},
        # Issue 16: corrections before the minutes are agreed, of the planted minute.
        **await correction_clicks(store, m, s.item_id),
        # Minutes in a personal chat, and rating a meeting (issue 16).
        v.MINUTES_PAGE: {"page": 1},
        v.MINUTES_SHOW: {"meetingId": m},
        v.MINUTES_EXPORT: {"meetingId": m},
        v.MEETING_RATE: {"meetingId": m, "rating": "4", "ratingComment": "Outsider."},
    }
    assert set(clicks) == set(v.ALL_VERBS), "a new verb needs plausible data here"
    return clicks


def assert_nothing_leaked(bot: BotUnderTest, *bodies: Any) -> None:
    shown = everything_shown(bot, *bodies)
    for secret in SECRETS:
        at = shown.find(secret)
        assert at < 0, (
            f"{secret!r} was shown to an outsider: ...{shown[max(0, at - 300) : at + 80]}"
        )
    assert bot.connector.updated() == [], "an outsider's turn must not refresh any card"


OUTSIDERS = ["stranger", "harrogate_chair"]
#: Verbs about the clicker's own actions, across their own groups.
OWN_SCOPE_VERBS = frozenset({v.ACTIONS_MINE, v.OUTSTANDING_PAGE, v.OUTSTANDING_EXPORT})


@pytest.mark.parametrize("who", OUTSIDERS)
async def test_every_command_refuses_an_outsider_and_shows_nothing(
    bot: BotUnderTest, who: str
) -> None:
    await meeting_with_secrets(bot)
    before = await snapshot(store_of(bot))
    bot.connector.reset()
    for info in COMMANDS:
        posted_before = len(bot.connector.posted())
        ok(await say(bot, who, info.command.value))
        new = bot.connector.sent()[posted_before:]
        assert len(new) == 1, (info.command, new)
        reply = new[0]
        if info.command is Command.HELP:
            assert reply["text"] == help_text()
        elif info.command is Command.SETUP:
            card = reply["attachments"][0]["content"]
            offered = choices(card, "localityId") if v.SETUP_LINK in str(card) else {}
            assert "Scarborough" not in " ".join(offered)
            if who == "stranger":
                assert "cannot link it" in text_of(card)
        else:
            assert is_refusal(reply.get("text", "")), (info.command, reply)
    assert_nothing_leaked(bot)
    assert await snapshot(store_of(bot)) == before


@pytest.mark.parametrize("how", ["invoke", "submit"])
@pytest.mark.parametrize("who", OUTSIDERS)
async def test_every_card_verb_refuses_an_outsider_and_shows_nothing(
    bot: BotUnderTest, who: str, how: str
) -> None:
    secrets = await meeting_with_secrets(bot)
    clicks = await plausible_clicks(bot, secrets)
    if who == "harrogate_chair":
        clicks["setup.link.own"] = {
            "localityId": str(await locality_id(store_of(bot), "harrogate"))
        }
    before = await snapshot(store_of(bot))
    bot.connector.reset()
    answers = []
    for verb, data in clicks.items():
        verb = verb.removesuffix(".own")
        posted_before = len(bot.connector.posted())
        if who != "stranger" and verb in OWN_SCOPE_VERBS:
            # A member of another group may list and export their own actions: allowed,
            # and shows nothing of Scarborough's (checked below with everything else).
            status, body = await (
                press(bot, who, verb, data, card_id=secrets.meeting.agenda_id)
                if how == "invoke"
                else press_submit(bot, who, verb, data, card_id=secrets.meeting.agenda_id)
            )
            assert status in (200, 201), (verb, body)
            answers.append(body)
            continue
        if how == "invoke":
            status, body = await press(bot, who, verb, data, card_id=secrets.meeting.agenda_id)
            assert status == 200, (verb, body)
            answers.append(body)
            told = invoke_message(body)
        else:
            ok(await press_submit(bot, who, verb, data, card_id=secrets.meeting.agenda_id))
            new = [a["text"] for a in bot.connector.sent()[posted_before:] if a.get("text")]
            assert len(new) == 1, (verb, bot.connector.sent()[posted_before:])
            told = new[0]
        if verb == v.HELP_SHOW:
            assert bot.connector.texts()[-1] == help_text()
        else:
            assert is_refusal(told), (verb, told)
    assert_nothing_leaked(bot, *answers)
    assert await snapshot(store_of(bot)) == before


# -- a partner takes part but does not run the meeting ----------------------------------------


async def position(bot: BotUnderTest, meeting: Meeting) -> tuple[str, int | None]:
    async with store_of(bot).reading() as session:
        row = await session.get_one(t.Meeting, meeting.id)
        return row.status, row.current_position


async def test_a_partner_cannot_start_a_meeting(bot: BotUnderTest) -> None:
    before = await snapshot(store_of(bot))
    ok(await say(bot, "police", "start meeting"))
    assert bot.connector.texts()[-1] == NotPermitted.user_message
    status, body = await press(bot, "police", v.MEETING_START, {})
    assert status == 200 and invoke_message(body) == NotPermitted.user_message
    assert await snapshot(store_of(bot)) == before
    assert not bot.connector.cards()


async def test_a_partner_cannot_move_end_or_record_minutes(bot: BotUnderTest) -> None:
    secrets = await meeting_with_secrets(bot)
    meeting = secrets.meeting
    clicks = await plausible_clicks(bot, secrets)
    before = await snapshot(store_of(bot))
    for command in ("next item", "previous item", "share round", "close round"):
        ok(await say(bot, "police", command))
        assert bot.connector.texts()[-1] == NotPermitted.user_message, command
    for verb in (
        v.MEETING_NEXT,
        v.MEETING_PREVIOUS,
        v.MEETING_END,
        v.ITEM_MINUTE,
        v.ITEM_DECISION,
        v.ITEM_ACTION_FORM,
        v.ITEM_ACTION,
        v.ATTENDANCE_RECORD,
        v.ROUND_OPEN,
        v.ROUND_CLOSE,
        v.MINUTES_AGREE,
        v.ITEM_SUBJECT_FORM,
        v.ITEM_SUBJECT_ADD,
        v.ITEM_SUBJECT_MOVE,
        v.ITEM_SUBJECT_REMOVE,
        v.CORRECTIONS_SHOW,
        v.CORRECTION_FORM,
        v.CORRECTION_SAVE,
    ):
        status, body = await press(bot, "police", verb, clicks[verb], card_id=meeting.agenda_id)
        assert status == 200 and invoke_message(body) == NotPermitted.user_message, verb
    assert await snapshot(store_of(bot)) == before
    assert await position(bot, meeting) == ("in_progress", 4)


async def test_a_partner_typing_end_meeting_is_refused_not_shown_the_form(
    bot: BotUnderTest,
) -> None:
    meeting = await start_meeting(bot)
    bot.connector.reset()
    ok(await say(bot, "police", "end meeting"))
    assert bot.connector.cards() == [], "no end-meeting form for someone who cannot end it"
    assert bot.connector.texts()[-1] == NotPermitted.user_message
    assert await position(bot, meeting) == ("in_progress", 1)


async def test_a_partner_can_mark_themselves_present_and_answer_a_round(bot: BotUnderTest) -> None:
    store = store_of(bot)
    meeting = await start_meeting(bot, to_position=4)
    ok(await say(bot, "police", "here"))
    invoke_card(
        ok(
            await press(
                bot,
                "health",
                v.ATTENDANCE_SELF,
                {"meetingId": meeting.id},
                card_id=meeting.agenda_id,
            )
        )
    )
    async with store.reading() as session:
        present = {
            (a.agency_id, a.status, a.people) for a in await session.scalars(select(t.Attendance))
        }
    assert present == {
        (await agency_id(store, "police"), "present", "Priya Shah"),
        (await agency_id(store, "health"), "present", "Dana Reeves"),
    }
    assert "Dana Reeves" in text_of(meeting.card(bot))

    ok(
        await press(
            bot,
            "chair",
            v.ROUND_OPEN,
            {"meetingId": meeting.id, "itemId": meeting.current_item(bot)},
            card_id=meeting.agenda_id,
        )
    )
    round_post = bot.connector.posted()[-1]
    round_id = action(round_post.activity["attachments"][0]["content"], v.ROUND_ANSWER)["data"][
        "roundId"
    ]
    card = invoke_card(
        ok(
            await press(
                bot,
                "police",
                v.ROUND_ANSWER,
                {"roundId": round_id},
                {"outcome": "shared", "shareText": "Two sightings of CR-0007 with an older male."},
                card_id=round_post.activity_id,
            )
        )
    )
    assert "Two sightings of CR-0007 with an older male." in text_of(card)
    async with store.reading() as session:
        turns = [(r.agency_id, r.outcome) for r in await session.scalars(select(t.RoundTurn))]
    assert turns == [(await agency_id(store, "police"), "shared")]


# -- an unlinked group chat ----------------------------------------------------------------


async def test_an_unlinked_chat_records_nothing_and_says_setup_is_needed(bot: BotUnderTest) -> None:
    before = await snapshot(store_of(bot))
    ok(await say(bot, "chair", "start meeting", GROUP))
    assert bot.connector.texts()[-1] == NotLinked.user_message
    assert "**setup**" in bot.connector.texts()[-1]
    status, body = await press(bot, "chair", v.MEETING_START, {}, conversation=GROUP)
    assert status == 200 and invoke_message(body) == NotLinked.user_message
    assert not bot.connector.cards()
    assert await snapshot(store_of(bot)) == before


@pytest.mark.parametrize("who", ["police", "stranger", "harrogate_chair"])
async def test_only_a_chair_can_link_an_unlinked_chat(bot: BotUnderTest, who: str) -> None:
    store = store_of(bot)
    scarborough = {"localityId": str(await locality_id(store, "scarborough"))}
    before = await snapshot(store)

    status, body = await press(bot, who, v.SETUP_LINK, scarborough, conversation=GROUP)
    assert status == 200 and is_refusal(invoke_message(body)), body
    ok(await press_submit(bot, who, v.SETUP_LINK, scarborough, conversation=GROUP))
    assert is_refusal(bot.connector.texts()[-1])
    assert await snapshot(store) == before
    ok(await say(bot, "chair", "start meeting", GROUP))
    assert bot.connector.texts()[-1] == NotLinked.user_message, "still not linked"

    card = invoke_card(ok(await press(bot, "chair", v.SETUP_LINK, scarborough, conversation=GROUP)))
    assert "Scarborough" in text_of(card)
    async with store.reading() as session:
        links = (await session.scalars(select(t.LinkedConversation.conversation_id))).all()
    assert sorted(links) == sorted(["team-id", "5a9fda3f-a4b6-4624-b07b-dbf40c003a64"])
    await start_meeting(bot, conversation=GROUP)
    assert "OFFICIAL-SENSITIVE" in text_of(bot.connector.cards()[-1])


async def test_a_partner_asking_for_setup_is_told_who_can_link(bot: BotUnderTest) -> None:
    ok(await say(bot, "police", "setup", GROUP))
    card = bot.connector.cards()[-1]
    assert "cannot link it" in text_of(card)
    assert v.SETUP_LINK not in str(card)


# -- the register's writes (issue 15) ------------------------------------------------------

#: A subject of a group one is not in is "not found", like one that does not exist; the
#: Action.Submit fallback in a group's conversation gets no form (it would be posted for all).
REGISTER_REFUSALS = frozenset({NO_SUCH_SUBJECT, NO_SUCH_LINK, FORMS_IN_A_CURRENT_CLIENT})
#: Issue 16: an action of a group one is not in is "not found" (bot.services.action_control).
ACTION_REFUSALS = frozenset({NO_SUCH_ACTION, NOT_A_CHAIR})


async def register_clicks(store: Store, meeting_id: int) -> dict[str, dict[str, Any]]:
    """What the register's forms would send about Scarborough's planted child."""
    async with store.reading() as session:
        child = await session.scalar(select(t.Subject.id).where(t.Subject.kind == "child"))
    assert child is not None
    on = {"subjectId": child, "meetingId": meeting_id}
    return {
        v.SUBJECT_EDIT: {**on, "form": "risk"},
        v.SUBJECT_RISK: {**on, "riskLevel": "high", "riskReason": "Outsider reason."},
        v.SUBJECT_STATUS: {**on, "subjectStatus": "closed", "statusReason": "Outsider."},
        v.SUBJECT_DETAILS: {**on, "leadAgency": "police", "strands": "cse"},
        v.SUBJECT_CHECKS: {**on, "voiceRecorded": "yes"},
        v.SUBJECT_LINK: {
            **on,
            "subjectKind": "location",
            "subjectRef": "Outsider place",
            "linkReason": "Outsider.",
            "addToRegister": "true",
        },
        v.SUBJECT_UNLINK: {**on, "linkId": 1, "unlinkReason-1": "Outsider."},
        v.SUBJECT_ADD_FORM: {},
        v.SUBJECT_ADD: {
            "localityId": str(await locality_id(store, "scarborough")),
            "subjectKind": "theme",
            "subjectRef": "Outsider theme",
        },
    }


async def correction_clicks(store: Store, meeting_id: int, item_id: int) -> dict[str, Any]:
    """What the correction cards send (issue 16), for the meeting's first minute."""
    async with store.reading() as session:
        minute = await session.scalar(
            select(func.min(t.MinuteEntry.id)).where(
                t.MinuteEntry.meeting_id == meeting_id, t.MinuteEntry.kind == "minute"
            )
        )
    named = {"meetingId": meeting_id, "kind": "minute", "recordId": minute}
    return {
        v.CORRECTIONS_SHOW: {"meetingId": meeting_id, "itemId": item_id},
        v.CORRECTION_FORM: named,
        v.CORRECTION_SAVE: {**named, "correctedText": "Outsider text.", "reason": "Outsider."},
    }
