"""Members and roles in chat, through the real endpoint: an administrator (Alex Wilber in
the demo data) lists a group, grants a role with the form (errors beside the fields,
entries kept) and removes it with its button; anyone else gets the standard refusal and
nothing is written; in a channel the bot points an administrator to a personal chat.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.domain.errors import NotPermitted
from bot.store import tables as t
from cards import verbs as v
from dialogs.places import MEMBERS_PERSONAL_ONLY
from tests.e2e.cardtools import text_of, walk
from tests.e2e.harness import DEMO, BotUnderTest
from tests.e2e.scenario import (
    error_beside,
    input_value,
    invoke_card,
    invoke_message,
    locality_id,
    member_id,
    ok,
    say,
    snapshot,
    store_of,
)
from tests.support.activities import PERSONAL_CONVERSATION_ID, invoke_action
from tests.support.card_schema import validate_card

PRIYA = DEMO["police"].aad_object_id


async def click(
    bot: BotUnderTest, who: str, verb: str, data: dict[str, Any], inputs: dict[str, Any]
) -> Any:
    """A button on the members card, pressed in ``who``'s personal chat."""
    return ok(
        await bot.send(
            invoke_action(
                verb,
                data,
                inputs=inputs,
                conversation="personal",
                user=DEMO[who],
                conversation_id=f"{PERSONAL_CONVERSATION_ID}-{who}",
            )
        )
    )


def remove_button(card: dict[str, Any], title: str, member_name: str) -> dict[str, Any]:
    """The remove button with ``title`` in the entry for ``member_name``."""
    for node in walk(card):
        if node.get("type") != "Container":
            continue
        if member_name not in text_of({"items": node["items"][:1]}):
            continue
        for button in walk(node):
            if button.get("type") == "Action.Execute" and button.get("title") == title:
                return button
    raise AssertionError(f"no {title!r} button for {member_name}")


async def roles_of(bot: BotUnderTest, who: str, locality: str) -> set[str]:
    store = store_of(bot)
    member, place = await member_id(store, who), await locality_id(store, locality)
    async with store.reading() as session:
        found = await session.scalars(
            select(t.Membership.role).where(
                t.Membership.member_id == member, t.Membership.locality_id == place
            )
        )
        return set(found)


async def test_an_administrator_lists_grants_and_removes_a_role(bot: BotUnderTest) -> None:
    ok(await bot.send_personal("chair", "members"))
    card = bot.connector.cards()[-1]
    validate_card(card)
    assert "Members and roles: Ryedale" in text_of(card)  # Alex's first group by name

    shown = invoke_card(
        await click(
            bot,
            "chair",
            v.MEMBERS_SHOW,
            {},
            {"showLocality": "selby", "locality": "ryedale", "member": "half typed"},
        )
    )
    validate_card(shown)
    assert "Members and roles: Selby" in text_of(shown)
    assert "Riley Quinn" in text_of(shown) and "Priya Shah" not in text_of(shown)
    assert input_value(shown, "member") == "half typed"  # kept across Show
    assert input_value(shown, "locality") == "selby"  # follows the group shown

    before = await snapshot(store_of(bot))
    wrong = invoke_card(
        await click(
            bot,
            "chair",
            v.MEMBERS_ADD,
            {},
            {"showLocality": "selby", "member": "priya@", "locality": "selby", "role": ""},
        )
    )
    validate_card(wrong)
    assert error_beside(wrong, "member") == "That is not a valid email address."
    assert error_beside(wrong, "role").startswith("Choose a role")
    assert input_value(wrong, "member") == "priya@"
    assert input_value(wrong, "locality") == "selby"
    assert await snapshot(store_of(bot)) == before

    granted = invoke_card(
        await click(
            bot,
            "chair",
            v.MEMBERS_ADD,
            {},
            {"showLocality": "selby", "member": PRIYA, "locality": "selby", "role": "agency_lead"},
        )
    )
    validate_card(granted)
    assert "Priya Shah is now Agency lead in Selby." in text_of(granted)
    assert await roles_of(bot, "police", "selby") == {"agency_lead"}

    button = remove_button(granted, "Remove: Agency lead", "Priya Shah")
    removed = invoke_card(await click(bot, "chair", v.MEMBERS_REMOVE, button["data"], {}))
    validate_card(removed)
    assert "Priya Shah is no longer Agency lead in Selby." in text_of(removed)
    assert await roles_of(bot, "police", "selby") == set()
    assert await roles_of(bot, "police", "scarborough") == {"partner"}  # the rest untouched
    async with store_of(bot).reading() as session:
        priya = await session.get_one(t.Member, await member_id(store_of(bot), "police"))
        assert priya.active  # a role removed, the member kept

    again = await click(bot, "chair", v.MEMBERS_REMOVE, button["data"], {})
    assert "already removed" in invoke_message(again)


async def test_anyone_else_gets_the_standard_refusal_and_nothing_is_written(
    bot: BotUnderTest,
) -> None:
    ok(await bot.send_personal("chair", "members"))
    membership = remove_button(bot.connector.cards()[-1], "Remove: Chair", "Alex Wilber")["data"]
    before = await snapshot(store_of(bot))
    cards_before = len(bot.connector.cards())
    for who in ("coordinator", "police", "stranger"):
        ok(await bot.send_personal(who, "members"))
        assert bot.connector.texts()[-1] == NotPermitted.user_message, who
        for verb, data, inputs in (
            (v.MEMBERS_SHOW, {}, {"showLocality": "scarborough"}),
            (
                v.MEMBERS_ADD,
                {},
                {"member": DEMO[who].aad_object_id, "locality": "selby", "role": "chair"},
            ),
            (v.MEMBERS_REMOVE, membership, {}),
        ):
            body = await click(bot, who, verb, data, inputs)
            assert invoke_message(body) == NotPermitted.user_message, (who, verb)
    assert len(bot.connector.cards()) == cards_before
    assert await snapshot(store_of(bot)) == before


async def test_in_a_channel_the_bot_points_to_a_personal_chat(bot: BotUnderTest) -> None:
    before = await snapshot(store_of(bot))
    ok(await say(bot, "chair", "members"))
    assert bot.connector.texts()[-1] == MEMBERS_PERSONAL_ONLY
    assert bot.connector.cards() == []
    status, body = await bot.send(
        invoke_action(
            v.MEMBERS_ADD,
            {},
            inputs={"member": PRIYA, "locality": "selby", "role": "chair"},
            conversation="channel",
            user=DEMO["chair"],
        )
    )
    assert status == 200 and invoke_message(body) == MEMBERS_PERSONAL_ONLY
    # Anyone else gets the same pointer: where "members" runs is checked before anything
    # is read (dialogs.places), so a channel learns nothing about who is an administrator.
    ok(await say(bot, "coordinator", "members"))
    assert bot.connector.texts()[-1] == MEMBERS_PERSONAL_ONLY
    assert await snapshot(store_of(bot)) == before
