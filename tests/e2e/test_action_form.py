"""Record > Action through the real endpoint: the action form opens as a card of its own
(the agenda card does not carry the group's member list), for the person who pressed it,
with the group's current members as owners, and an action recorded from it lands on the
live agenda."""

from __future__ import annotations

from sqlalchemy import select

from bot.domain.errors import NotPermitted
from bot.store import tables as t
from cards import verbs as v
from tests.e2e.cardtools import action, choices, text_of
from tests.e2e.harness import BotUnderTest
from tests.e2e.scenario import (
    invoke_card,
    invoke_message,
    ok,
    press,
    press_submit,
    row_counts,
    start_meeting,
    store_of,
)


async def _group_members(bot: BotUnderTest, locality_code: str) -> set[str]:
    """Names of the active members of a group, as the store has them."""
    async with store_of(bot).reading() as session:
        rows = await session.execute(
            select(t.Member.name)
            .join(t.Membership, t.Membership.member_id == t.Member.id)
            .join(t.Locality, t.Locality.id == t.Membership.locality_id)
            .where(t.Locality.code == locality_code, t.Member.active.is_(True))
        )
        return {name for (name,) in rows}


async def test_the_action_form_opens_for_the_clicker_with_the_groups_members(
    bot: BotUnderTest,
) -> None:
    meeting = await start_meeting(bot, to_position=4)
    agenda = meeting.card(bot)
    assert "ownerId" not in str(agenda), "the agenda card carries no member list"
    opener = action(agenda, v.ITEM_ACTION_FORM)
    item = meeting.current_item(bot)
    assert opener["data"] == {"verb": v.ITEM_ACTION_FORM, "meetingId": meeting.id, "itemId": item}
    updated, before = len(bot.connector.updated()), await row_counts(store_of(bot))

    form = invoke_card(
        ok(
            await press(
                bot, "minute_taker", v.ITEM_ACTION_FORM, opener["data"], card_id=meeting.agenda_id
            )
        )
    )

    shown = text_of(form)
    assert "Record an action" in shown and "Item 4: Children discussed" in shown
    owners = {title.split(" (", 1)[0] for title in choices(form, "ownerId")}
    scarborough = await _group_members(bot, "scarborough")
    assert owners == scarborough, "every member of the group, and nobody else"
    harrogate_only = await _group_members(bot, "harrogate") - scarborough
    assert harrogate_only and owners.isdisjoint(harrogate_only)
    assert action(form, v.ITEM_ACTION)["data"] == {
        "verb": v.ITEM_ACTION,
        "meetingId": meeting.id,
        "itemId": item,
    }
    assert action(form, v.MEETING_REFRESH)["title"] == "Back to agenda"
    assert len(bot.connector.updated()) == updated, "nobody else's card changed"
    assert await row_counts(store_of(bot)) == before, "opening a form records nothing"

    priya = choices(form, "ownerId")["Priya Shah (North Yorkshire Police)"]
    answer = invoke_card(
        ok(
            await press(
                bot,
                "minute_taker",
                v.ITEM_ACTION,
                action(form, v.ITEM_ACTION)["data"],
                {
                    "description": "Ask the school for attendance records.",
                    "ownerId": priya,
                    "dueDate": "2026-12-03",
                    "subjectKind": "none",
                },
                card_id=meeting.agenda_id,
            )
        )
    )
    assert "Ask the school for attendance records." in text_of(answer), "back to the agenda"
    assert "Ask the school for attendance records." in text_of(meeting.card(bot))


async def test_a_partner_is_refused_the_form_they_could_not_send(bot: BotUnderTest) -> None:
    meeting = await start_meeting(bot, to_position=4)
    data = action(meeting.card(bot), v.ITEM_ACTION_FORM)["data"]
    status, body = await press(bot, "police", v.ITEM_ACTION_FORM, data, card_id=meeting.agenda_id)
    assert status == 200 and invoke_message(body) == NotPermitted.user_message
    assert "ownerId" not in str(body)


async def test_an_ended_meetings_form_says_so(bot: BotUnderTest) -> None:
    meeting = await start_meeting(bot, to_position=4)
    data = action(meeting.card(bot), v.ITEM_ACTION_FORM)["data"]
    ok(
        await press(
            bot, "chair", v.MEETING_END, {"meetingId": meeting.id}, card_id=meeting.agenda_id
        )
    )
    form = invoke_card(
        ok(await press(bot, "chair", v.ITEM_ACTION_FORM, data, card_id=meeting.agenda_id))
    )
    assert "This meeting has ended, so nothing more can be recorded in it." in text_of(form)
    assert "ownerId" not in str(form)


async def test_without_universal_actions_the_form_is_posted(bot: BotUnderTest) -> None:
    """An older client's Action.Submit cannot have a card answered in place: the blank form
    is posted in the conversation (it holds the group's names, as the agenda card did)."""
    meeting = await start_meeting(bot, to_position=4)
    data = action(meeting.card(bot), v.ITEM_ACTION_FORM)["data"]
    data.pop("verb")
    posted = len(bot.connector.posted())
    ok(await press_submit(bot, "chair", v.ITEM_ACTION_FORM, data, card_id=meeting.agenda_id))
    new = bot.connector.posted()[posted:]
    assert [p.activity.get("text") for p in new[:1]] == ["Fill in the action below."]
    form = new[-1].activity["attachments"][0]["content"]
    assert "Priya Shah (North Yorkshire Police)" in choices(form, "ownerId")
