"""Between meetings, through the real endpoint: a partner updates and closes an action from
"my actions"; a coordinator filters "outstanding actions"; a chair decides a new date."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.domain.clock import FrozenClock
from bot.services.reference_data import load_reference_data
from bot.store import tables as t
from cards import verbs as v
from tests.conftest import MEETING_DAY
from tests.e2e.cardtools import action, choice_value, choices, text_of, verbs, walk
from tests.e2e.harness import DEMO, BotUnderTest
from tests.e2e.scenario import invoke_card, invoke_message, ok, press, start_meeting, store_of
from tests.support.activities import invoke_action, message

PERSONAL = "personal"


async def agree_actions(bot: BotUnderTest, actions: list[dict[str, str]]) -> list[int]:
    """A meeting in the Scarborough channel that agrees the given actions, then ends."""
    meeting = await start_meeting(bot, to_position=4)
    item = meeting.current_item(bot)
    where = {"meetingId": meeting.id, "itemId": item}
    # Record > Action opens the action form (its owner list is the group's members).
    form = invoke_card(
        ok(await press(bot, "minute_taker", v.ITEM_ACTION_FORM, where, card_id=meeting.agenda_id))
    )
    for spec in actions:
        ok(
            await press(
                bot,
                "minute_taker",
                v.ITEM_ACTION,
                where,
                {
                    "description": spec["description"],
                    "ownerId": choice_value(form, "ownerId", spec["owner"]),
                    "dueDate": spec["due"],
                    "subjectKind": "child",
                    "subjectRef": spec.get("ref", "CR-0007"),
                    "subjectInitials": "EF",
                },
                card_id=meeting.agenda_id,
            )
        )
    ok(
        await press(
            bot, "chair", v.MEETING_END, {"meetingId": meeting.id}, {}, card_id=meeting.agenda_id
        )
    )
    async with store_of(bot).reading() as session:
        return list(await session.scalars(select(t.Action.id).order_by(t.Action.id)))


async def personal(bot: BotUnderTest, who: str, text: str) -> dict[str, Any]:
    ok(await bot.send(message(text, conversation=PERSONAL, user=DEMO[who])))
    return bot.connector.sent()[-1]


async def click(
    bot: BotUnderTest,
    who: str,
    verb: str,
    data: dict[str, Any],
    inputs: dict[str, Any] | None = None,
) -> Any:
    return ok(
        await bot.send(
            invoke_action(
                verb,
                data,
                inputs=inputs,
                conversation=PERSONAL,
                user=DEMO[who],
                reply_to_id="1795301154790",
            )
        )
    )


async def test_a_partner_updates_and_closes_an_action(bot: BotUnderTest) -> None:
    first, second = await agree_actions(
        bot,
        [
            {
                "description": "Check school attendance for CR-0007.",
                "owner": "Priya Shah",
                "due": "2026-12-03",
            },
            {
                "description": "Speak to the takeaway owner.",
                "owner": "Priya Shah",
                "due": "2026-11-26",
            },
        ],
    )
    sent = await personal(bot, "police", "my actions")
    card = sent["attachments"][0]["content"]
    shown = text_of(card)
    assert shown.index("Speak to the takeaway owner.") < shown.index("Check school attendance")
    assert "CR-0007 (E.F.)" in shown

    body = await click(
        bot,
        "police",
        v.ACTION_UPDATE,
        {"actionId": first},
        {f"update-{first}": "Attendance checked: 60% this half term."},
    )
    updated = invoke_card(body)
    assert "Update saved." in text_of(updated)
    assert "Attendance checked: 60% this half term." in text_of(updated)

    empty = invoke_card(
        await click(bot, "police", v.ACTION_DONE, {"actionId": second}, {f"done-{second}": "  "})
    )
    assert "What was done is required." in text_of(empty)

    done = invoke_card(
        await click(
            bot,
            "police",
            v.ACTION_DONE,
            {"actionId": second},
            {f"done-{second}": "Visited with licensing on Tuesday."},
        )
    )
    assert "Speak to the takeaway owner." not in text_of(done)
    async with store_of(bot).reading() as session:
        closed = await session.get_one(t.Action, second)
        assert closed.status == "done"
        history = list(
            await session.execute(
                select(t.ActionEvent.kind, t.ActionEvent.note, t.ActionEvent.member_id)
                .where(t.ActionEvent.action_id.in_([first, second]))
                .order_by(t.ActionEvent.id)
            )
        )
        kinds = [(row.kind, row.note) for row in history]
        assert ("update", "Attendance checked: 60% this half term.") in kinds
        assert ("done", "Visited with licensing on Tuesday.") in kinds


async def test_only_the_owner_their_lead_or_the_chair_can_change_an_action(
    bot: BotUnderTest,
) -> None:
    (action_id,) = await agree_actions(
        bot,
        [
            {
                "description": "Share the return interview.",
                "owner": "Priya Shah",
                "due": "2026-12-03",
            }
        ],
    )
    body = await click(
        bot,
        "health",
        v.ACTION_UPDATE,
        {"actionId": action_id},
        {f"update-{action_id}": "Not mine to say."},
    )
    assert "Only the action's owner" in invoke_message(body)
    body = await click(
        bot, "stranger", v.ACTION_DONE, {"actionId": action_id}, {f"done-{action_id}": "x"}
    )
    assert "Share the return interview." not in str(body)
    chair = invoke_card(
        await click(
            bot,
            "chair",
            v.ACTION_UPDATE,
            {"actionId": action_id},
            {f"update-{action_id}": "Chair: chased by phone."},
        )
    )
    assert chair["type"] == "AdaptiveCard"
    async with store_of(bot).reading() as session:
        notes = list(
            await session.scalars(select(t.ActionEvent.note).where(t.ActionEvent.kind == "update"))
        )
    assert notes == ["Chair: chased by phone."]


async def test_a_new_date_goes_to_the_chair_who_decides(bot: BotUnderTest) -> None:
    (action_id,) = await agree_actions(
        bot,
        [
            {
                "description": "Arrange a strategy discussion.",
                "owner": "Priya Shah",
                "due": "2026-11-26",
            }
        ],
    )
    past = invoke_card(
        await click(
            bot,
            "police",
            v.ACTION_REQUEST_DATE,
            {"actionId": action_id},
            {f"newDate-{action_id}": "2026-11-01", f"reason-{action_id}": "Waiting for a report."},
        )
    )
    assert "in the past" in text_of(past)
    assert "Waiting for a report." in str(past), "the reason typed is kept"
    asked = invoke_card(
        await click(
            bot,
            "police",
            v.ACTION_REQUEST_DATE,
            {"actionId": action_id},
            {f"newDate-{action_id}": "2026-12-10", f"reason-{action_id}": "Waiting for a report."},
        )
    )
    assert "waiting for the chair" in text_of(asked)
    async with store_of(bot).reading() as session:
        queued = list(await session.scalars(select(t.OutboxMessage)))
    assert {q.kind for q in queued} == {"date_request"}
    assert all("Waiting" not in q.payload for q in queued), "the outbox holds ids only"

    refused = invoke_message(
        await click(bot, "police", v.DATE_REQUEST_ACCEPT, {"actionId": action_id})
    )
    assert "chair" in refused
    details = invoke_card(await click(bot, "chair", v.DATE_REQUEST_SHOW, {"actionId": action_id}))
    assert "Waiting for a report." in text_of(details)
    decided = invoke_card(await click(bot, "chair", v.DATE_REQUEST_ACCEPT, {"actionId": action_id}))
    assert "Accepted" in text_of(decided) and not verbs(decided)
    async with store_of(bot).reading() as session:
        moved = await session.get_one(t.Action, action_id)
        assert moved.due_date.isoformat() == "2026-12-10"
        assert moved.requested_due_date is None


async def test_the_same_date_asked_for_again_is_decided_again(
    bot: BotUnderTest, clock: FrozenClock
) -> None:
    """A refused date may be asked for once more (new facts): the second request and its
    decision are recorded and notified like the first, not lost to a duplicate key."""
    (action_id,) = await agree_actions(
        bot,
        [
            {
                "description": "Share the return interview.",
                "owner": "Priya Shah",
                "due": "2026-11-26",
            }
        ],
    )
    ask = {f"newDate-{action_id}": "2026-12-10", f"reason-{action_id}": "Awaiting a report."}
    for decider in ("chair", "chair"):
        asked = invoke_card(
            await click(bot, "police", v.ACTION_REQUEST_DATE, {"actionId": action_id}, ask)
        )
        assert "waiting for the chair" in text_of(asked)
        clock.advance(minutes=5)
        decided = invoke_card(
            await click(bot, decider, v.DATE_REQUEST_REFUSE, {"actionId": action_id})
        )
        assert "Refused" in text_of(decided)
        clock.advance(minutes=5)
    async with store_of(bot).reading() as session:
        kinds = [q.kind for q in await session.scalars(select(t.OutboxMessage))]
        events = [
            e.kind
            for e in await session.scalars(
                select(t.ActionEvent).where(t.ActionEvent.action_id == action_id)
            )
        ]
    assert kinds.count("date_decided") == 2
    assert events.count("date_refused") == 2


async def test_hand_over_is_a_form_of_its_own_listing_only_colleagues(bot: BotUnderTest) -> None:
    """ "Hand over" on "my actions" opens a form for that one action listing the owner's
    colleagues (same agency, same group); a choice outside them is refused beside the field
    with the choice kept; a colleague's name hands it over and the card goes back to the
    owner's list without it."""
    await load_reference_data(
        store_of(bot),
        {
            "members": [
                {
                    "name": "Pat Doyle",
                    "agency": "health",
                    "aad_object_id": "00000000-0000-0000-0000-0000000000301",
                    "roles": {"scarborough": ["partner"]},
                }
            ]
        },
        MEETING_DAY,
    )
    first, second = await agree_actions(
        bot,
        [
            {
                "description": "Update the missing episode log.",
                "owner": "Dana Reeves",
                "due": "2026-12-03",
            },
            {"description": "Book the health review.", "owner": "Dana Reeves", "due": "2026-12-10"},
        ],
    )
    mine = (await personal(bot, "health", "my actions"))["attachments"][0]["content"]
    assert "handTo-" not in json.dumps(mine), "no colleague lists drawn into my actions"
    press_hand_over = action(mine, v.ACTION_HAND_OVER_CHOOSE)
    assert press_hand_over["data"]["actionId"] == first

    form = invoke_card(await click(bot, "health", v.ACTION_HAND_OVER_CHOOSE, {"actionId": first}))
    offered = choices(form, f"handTo-{first}")
    assert list(offered) == ["Pat Doyle"], "only health colleagues in Scarborough, not the owner"
    assert f"Hand over A-{first}" in text_of(form)

    outsider = await member_id(bot, "Kit Fenwick")  # health, but in Harrogate
    again = invoke_card(
        await click(
            bot,
            "health",
            v.ACTION_HAND_OVER,
            {"actionId": first},
            {f"handTo-{first}": str(outsider)},
        )
    )
    assert "Choose a colleague in Health" in text_of(again)
    assert input_value(again, f"handTo-{first}") == str(outsider), "the choice is kept"
    assert await owner_of(bot, first) == await member_id(bot, "Dana Reeves")

    back = invoke_card(
        await click(
            bot,
            "health",
            v.ACTION_HAND_OVER,
            {"actionId": first},
            {f"handTo-{first}": offered["Pat Doyle"]},
        )
    )
    assert await owner_of(bot, first) == await member_id(bot, "Pat Doyle")
    assert f"A-{second}" in text_of(back) and f"A-{first}" not in text_of(back)


async def test_with_no_colleague_in_the_group_the_form_says_so(bot: BotUnderTest) -> None:
    (only,) = await agree_actions(
        bot, [{"description": "Check the school rota.", "owner": "Chris Lowe", "due": "2026-12-03"}]
    )
    form = invoke_card(await click(bot, "education", v.ACTION_HAND_OVER_CHOOSE, {"actionId": only}))
    assert "No one else in Education" in text_of(form)
    assert verbs(form) == [v.ACTIONS_MINE], "nothing to hand over to: only the way back"


async def member_id(bot: BotUnderTest, name: str) -> int:
    async with store_of(bot).reading() as session:
        found = await session.scalar(select(t.Member.id).where(t.Member.name == name))
    assert found is not None
    return found


async def owner_of(bot: BotUnderTest, action_id: int) -> int:
    async with store_of(bot).reading() as session:
        return (await session.get_one(t.Action, action_id)).owner_member_id


def input_value(card: dict[str, Any], input_id: str) -> Any:
    [found] = [node for node in walk(card) if node.get("id") == input_id]
    return found.get("value")


async def test_a_coordinator_filters_outstanding_actions(
    bot: BotUnderTest, clock: FrozenClock
) -> None:
    await agree_actions(
        bot,
        [
            {
                "description": f"Police action {n}.",
                "owner": "Priya Shah",
                "due": f"2026-11-{20 + n}",
            }
            for n in range(4)
        ]
        + [
            {"description": "Health action.", "owner": "Dana Reeves", "due": "2026-12-15"},
        ],
    )
    clock.advance(days=7)  # 26 Nov: all four police actions are overdue

    everything = text_of(
        (await personal(bot, "coordinator", "outstanding actions"))["attachments"][0]["content"]
    )
    assert "5 open actions" in everything

    police = text_of(
        (await personal(bot, "coordinator", "outstanding actions for police overdue"))[
            "attachments"
        ][0]["content"]
    )
    assert "4 open actions" in police and "Health action." not in police
    assert "OVERDUE" in police

    by_owner = text_of(
        (await personal(bot, "coordinator", "outstanding actions owned by dana due before 1 Jan"))[
            "attachments"
        ][0]["content"]
    )
    assert "1 open action" in by_owner and "Health action." in by_owner

    unknown = await personal(bot, "coordinator", "outstanding actions in Atlantis")
    assert "Scarborough" in unknown["text"] and "Atlantis" not in unknown["text"]

    in_channel = await bot.send(
        message("outstanding actions", conversation="channel", user=DEMO["coordinator"])
    )
    ok(in_channel)
    assert "personal chat" in bot.connector.texts()[-1]

    # A partner sees only their own.
    own = text_of(
        (await personal(bot, "health", "outstanding actions"))["attachments"][0]["content"]
    )
    assert "1 open action" in own and "Police action" not in own


async def test_outstanding_actions_are_paged(bot: BotUnderTest) -> None:
    await agree_actions(
        bot,
        [
            {
                "description": f"Paged action {n:02d}.",
                "owner": "Priya Shah",
                "due": f"2026-12-{n + 1:02d}",
            }
            for n in range(12)
        ],
    )
    first = (await personal(bot, "coordinator", "outstanding actions"))["attachments"][0]["content"]
    assert "Page 1 of 2" in text_of(first) and "Paged action 10." not in text_of(first)
    nxt = action(first, v.OUTSTANDING_PAGE)
    second = invoke_card(await click(bot, "coordinator", v.OUTSTANDING_PAGE, nxt["data"]))
    assert "Page 2 of 2" in text_of(second) and "Paged action 11." in text_of(second)


async def test_an_agency_lead_may_change_their_agencys_actions(bot: BotUnderTest) -> None:
    (action_id,) = await agree_actions(
        bot, [{"description": "Police follow-up.", "owner": "Priya Shah", "due": "2026-12-03"}]
    )
    async with store_of(bot).transaction() as session:
        lead = await session.scalar(select(t.Member).where(t.Member.name == "Harper Lane"))
        locality = await session.scalar(select(t.Locality).where(t.Locality.code == "scarborough"))
        assert lead is not None and locality is not None
        session.add(t.Membership(member_id=lead.id, locality_id=locality.id, role="agency_lead"))
    body = invoke_card(
        await click(
            bot,
            "harrogate_chair",
            v.ACTION_UPDATE,
            {"actionId": action_id},
            {f"update-{action_id}": "Lead: reallocated in team."},
        )
    )
    assert body["type"] == "AdaptiveCard"
    listed = text_of(
        (await personal(bot, "harrogate_chair", "outstanding actions"))["attachments"][0]["content"]
    )
    assert "Police follow-up." in listed
