"""Changing the register through the real endpoint (issue 15, points 1, 2 and 5).

The chair, in the meeting chat linked to Scarborough, opens a child's risk form and
records a risk change with the meeting's id: the history entry names that meeting, the
chair, the time and the reason (encrypted at rest), and the confirmation shows no reason.
A partner pressing the same button is refused and nothing is written; a chair of another
group is told what a missing subject gets. In a personal chat a location is linked (added
to the register in the same step) and the link removed; and a minute-taker adds a child
with ``add subject``.
"""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import select, text

from bot.domain.errors import NotPermitted
from bot.services.register_access import NO_SUCH_SUBJECT
from bot.store import tables as t
from cards import verbs as v
from dialogs.register_edit import FORMS_IN_A_CURRENT_CLIENT
from tests.conftest import MEETING_DAY
from tests.e2e.cardtools import text_of
from tests.e2e.harness import DEMO, BotUnderTest
from tests.e2e.scenario import (
    GROUP,
    invoke_card,
    invoke_message,
    ok,
    press,
    row_counts,
    say,
    start_meeting,
    store_of,
)
from tests.support.activities import invoke_action, submit
from tests.support.card_schema import validate_card
from tests.support.records import Records

REASON = "Seen with older males at the station, Kittiwake-19."
TEAMS_MEETING = "MCMxOTptZWV0aW5nX3JlZ2lzdGVy@thread.v2"


def in_meeting_chat(activity: dict[str, Any]) -> dict[str, Any]:
    """The group chat as a Teams meeting's chat: Teams marks it in channelData."""
    activity = copy.deepcopy(activity)
    activity["channelData"]["meeting"] = {"id": TEAMS_MEETING}
    return activity


async def press_in_meeting_chat(
    bot: BotUnderTest, who: str, verb: str, data: dict[str, Any]
) -> tuple[int, Any]:
    return await bot.send(
        in_meeting_chat(invoke_action(verb, data, conversation=GROUP, user=DEMO[who]))
    )


async def linked_meeting_chat(bot: BotUnderTest) -> int:
    """The group chat linked to Scarborough by its chair, with a meeting started there."""
    store = store_of(bot)
    async with store.reading() as session:
        scarborough = await session.scalar(
            select(t.Locality.id).where(t.Locality.code == "scarborough")
        )
    invoke_card(
        ok(
            await press(
                bot, "chair", v.SETUP_LINK, {"localityId": str(scarborough)}, conversation=GROUP
            )
        )
    )
    meeting = await start_meeting(bot, conversation=GROUP, to_position=4)
    return meeting.id


async def risk_events(bot: BotUnderTest, subject_id: int) -> list[t.SubjectEvent]:
    async with store_of(bot).reading() as session:
        return list(
            await session.scalars(
                select(t.SubjectEvent).where(
                    t.SubjectEvent.subject_id == subject_id, t.SubjectEvent.kind == "risk"
                )
            )
        )


async def test_the_chair_records_a_risk_change_from_the_meeting_chat(bot: BotUnderTest) -> None:
    meeting_id = await linked_meeting_chat(bot)
    store = store_of(bot)
    child = await Records(store).subject("scarborough", "CR-0107", "JS")
    on = {"subjectId": child, "meetingId": meeting_id}

    form = invoke_card(
        ok(await press_in_meeting_chat(bot, "chair", v.SUBJECT_EDIT, {**on, "form": "risk"}))
    )
    validate_card(form)
    assert "Change the risk" in text_of(form) and "CR-0107 (J.S.)" in text_of(form)

    before = await row_counts(store)
    # A partner pressing the same button: refused, nothing written.
    status, body = await press_in_meeting_chat(
        bot, "police", v.SUBJECT_RISK, {**on, "riskLevel": "high", "riskReason": REASON}
    )
    assert status == 200 and invoke_message(body) == NotPermitted.user_message
    # A chair of another group: told what a missing subject gets.
    status, body = await press_in_meeting_chat(
        bot, "harrogate_chair", v.SUBJECT_RISK, {**on, "riskLevel": "high", "riskReason": REASON}
    )
    assert invoke_message(body) == NO_SUCH_SUBJECT
    assert await row_counts(store) == before

    saved = invoke_card(
        ok(
            await press_in_meeting_chat(
                bot, "chair", v.SUBJECT_RISK, {**on, "riskLevel": "high", "riskReason": REASON}
            )
        )
    )
    validate_card(saved)
    assert "Risk now high." in text_of(saved)
    assert REASON not in str(saved)

    (event,) = await risk_events(bot, child)
    async with store.reading() as session:
        chair = await session.scalar(
            select(t.Member.id).where(t.Member.aad_object_id == DEMO["chair"].aad_object_id)
        )
        raw = (
            await session.execute(text("SELECT reason FROM subject_events WHERE kind = 'risk'"))
        ).scalar_one()
    assert (event.value, event.previous, event.reason) == ("high", "", REASON)
    assert (event.meeting_id, event.member_id, event.at) == (meeting_id, chair, MEETING_DAY)
    assert "Kittiwake" not in str(raw), "the reason is encrypted at rest"

    # The same level again: the form comes back with the error beside the level.
    again = invoke_card(
        ok(
            await press_in_meeting_chat(
                bot, "chair", v.SUBJECT_RISK, {**on, "riskLevel": "high", "riskReason": "Again."}
            )
        )
    )
    assert "The risk is already high" in text_of(again)
    assert len(await risk_events(bot, child)) == 1


async def test_the_fallback_in_the_meeting_chat_posts_no_form(bot: BotUnderTest) -> None:
    meeting_id = await linked_meeting_chat(bot)
    child = await Records(store_of(bot)).subject("scarborough", "CR-0107", "JS")
    posted = len(bot.connector.sent())
    ok(
        await bot.send(
            in_meeting_chat(
                submit(
                    {
                        "verb": v.SUBJECT_EDIT,
                        "subjectId": child,
                        "meetingId": meeting_id,
                        "form": "checks",
                    },
                    conversation=GROUP,
                    user=DEMO["chair"],
                )
            )
        )
    )
    (answer,) = bot.connector.sent()[posted:]
    assert answer["text"] == FORMS_IN_A_CURRENT_CLIENT
    assert "CR-0107" not in str(answer)


async def test_a_link_is_added_and_removed_in_a_personal_chat(bot: BotUnderTest) -> None:
    store = store_of(bot)
    child = await Records(store).subject("scarborough", "CR-0107", "JS")
    data = {
        "subjectId": child,
        "subjectKind": "location",
        "subjectRef": "Takeaway on Eastborough",
        "linkReason": "Works there late, Kittiwake-20.",
    }
    offered = invoke_card(
        ok(await press(bot, "chair", v.SUBJECT_LINK, data, conversation="personal"))
    )
    assert "not in this group's register yet" in text_of(offered)
    linked = invoke_card(
        ok(
            await press(
                bot,
                "chair",
                v.SUBJECT_LINK,
                {**data, "addToRegister": "true"},
                conversation="personal",
            )
        )
    )
    assert "Takeaway on Eastborough" in text_of(linked) and "added to the register" in text_of(
        linked
    )
    async with store.reading() as session:
        (link,) = (await session.scalars(select(t.SubjectLink))).all()
    form = invoke_card(
        ok(
            await press(
                bot,
                "chair",
                v.SUBJECT_EDIT,
                {"subjectId": child, "form": "link"},
                conversation="personal",
            )
        )
    )
    validate_card(form)
    assert f"unlinkReason-{link.id}" in str(form)
    ok(
        await press(
            bot,
            "chair",
            v.SUBJECT_UNLINK,
            {"subjectId": child, "linkId": link.id, f"unlinkReason-{link.id}": "Moved away."},
            conversation="personal",
        )
    )
    async with store.reading() as session:
        (link,) = (await session.scalars(select(t.SubjectLink))).all()
        kinds = list(
            await session.scalars(
                select(t.SubjectEvent.kind)
                .where(t.SubjectEvent.subject_id == child)
                .order_by(t.SubjectEvent.id)
            )
        )
    assert link.removed_at is not None
    assert kinds == ["linked", "unlinked"]


async def test_a_minute_taker_adds_a_child_with_add_subject(bot: BotUnderTest) -> None:
    ok(await say(bot, "minute_taker", "add subject", "personal"))
    (form,) = bot.connector.cards()[-1:]
    validate_card(form)
    assert "Add to a register" in text_of(form)
    store = store_of(bot)
    async with store.reading() as session:
        scarborough = await session.scalar(
            select(t.Locality.id).where(t.Locality.code == "scarborough")
        )
    saved = invoke_card(
        ok(
            await press(
                bot,
                "minute_taker",
                v.SUBJECT_ADD,
                {
                    "localityId": str(scarborough),
                    "subjectKind": "child",
                    "subjectRef": "CR-0200",
                    "subjectInitials": "PQ",
                    "strands": "cce",
                },
                conversation="personal",
            )
        )
    )
    assert "Added to the Scarborough register." in text_of(saved)
    refused = await press(bot, "police", v.SUBJECT_ADD_FORM, {}, conversation="personal")
    assert "chair, deputy chair or minute-taker" in invoke_message(ok(refused))
