"""Members and roles in chat, through the real endpoint: an administrator (Alex Wilber in
the demo data) lists a group, grants a role with the form (errors beside the fields,
entries kept) and removes it with its button; anyone else gets the standard refusal and
nothing is written; in a channel the bot points an administrator to a personal chat.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.app import COMPONENTS
from bot.domain.errors import NotPermitted
from bot.domain.notices import NoticeKind
from bot.services.members import SELF_GRANT_REFUSED
from bot.store import tables as t
from cards import verbs as v
from dialogs.places import MEMBERS_PERSONAL_ONLY
from tests.e2e.cardtools import text_of, walk
from tests.e2e.harness import DEMO, BotUnderTest
from tests.e2e.scenario import (
    audit_head_id,
    audit_since,
    error_beside,
    input_value,
    invoke_card,
    invoke_message,
    locality_id,
    member_id,
    ok,
    say,
    snapshot,
    start_meeting,
    store_of,
)
from tests.support.activities import PERSONAL_CONVERSATION_ID, invoke_action, submit
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


async def test_an_administrator_cannot_take_a_role_and_every_grant_is_told(
    bot: BotUnderTest,
) -> None:
    """Being an administrator opens no content: granting oneself chair of a group (and then
    reading its minutes) is refused, audited, and writes nothing; a grant to someone else
    reaches the group's coordinator as a notice naming who, what and by whom."""
    store = store_of(bot)
    ok(await bot.send_personal("coordinator", "help"))  # Riley has a 1:1 chat with the bot
    before = await snapshot(store)
    mark = await audit_head_id(store)
    refused = invoke_card(
        await click(
            bot,
            "chair",
            v.MEMBERS_ADD,
            {},
            {
                "showLocality": "selby",
                "member": DEMO["chair"].aad_object_id,
                "locality": "selby",
                "role": "chair",
            },
        )
    )
    validate_card(refused)
    assert error_beside(refused, "member") == SELF_GRANT_REFUSED
    assert await snapshot(store) == before
    assert await roles_of(bot, "chair", "selby") == set()
    (entry,) = [e for e in await audit_since(store, mark) if e.action == "refused"]
    alex = await member_id(store, "chair")
    assert (entry.action, entry.actor, entry.detail) == (
        "refused",
        f"member:{alex}",
        "self-grant of chair",
    )

    granted = invoke_card(
        await click(
            bot,
            "chair",
            v.MEMBERS_ADD,
            {},
            {"showLocality": "selby", "member": PRIYA, "locality": "selby", "role": "chair"},
        )
    )
    assert "Priya Shah is now Chair in Selby." in text_of(granted)
    async with store.reading() as session:
        queued = list(
            await session.scalars(
                select(t.OutboxMessage).where(t.OutboxMessage.kind == NoticeKind.ROLE_GRANTED)
            )
        )
    assert [q.recipient_member_id for q in queued] == [await member_id(store, "coordinator")]
    assert "Priya" not in queued[0].payload, "the outbox holds ids only"

    bot.connector.reset()
    await bot.server.app[COMPONENTS].jobs.fire("outbox")
    (card,) = bot.connector.cards(f"{PERSONAL_CONVERSATION_ID}-coordinator")
    validate_card(card)
    shown = text_of(card)
    assert "Priya Shah (North Yorkshire Police)" in shown and "Chair" in shown
    assert "Alex Wilber, an administrator" in shown and "Selby group" in shown
    assert len(bot.connector.cards()) == 1, "told to Selby's coordinator only"


async def test_a_name_written_as_a_link_shows_as_written_on_the_agenda(bot: BotUnderTest) -> None:
    """A member's name comes from an administrator or the directory; written as markdown,
    it reaches the agenda card through the real turn escaped, never as a live link."""
    store = store_of(bot)
    async with store.transaction() as session:
        alex = await session.get_one(t.Member, await member_id(store, "chair"))
        alex.name = "[Click me](https://evil.example)"
    meeting = await start_meeting(bot)
    card = meeting.card(bot)
    validate_card(card)
    (chair,) = [
        fact
        for node in walk(card)
        if node.get("type") == "FactSet"
        for fact in node["facts"]
        if fact["title"] == "Chair"
    ]
    assert chair["value"] == "\\[Click me\\](https\u2060://evil.example)"
    assert "[Click me](" not in json.dumps(card)


async def test_a_name_written_as_a_link_is_plain_in_the_fallback_message(
    bot: BotUnderTest,
) -> None:
    """On a client without Universal Actions the grant is answered with a text message as
    well as the card; Teams renders a message's markdown, so the member's name in it is
    escaped like any name on a card."""
    store = store_of(bot)
    async with store.transaction() as session:
        priya = await session.get_one(t.Member, await member_id(store, "police"))
        priya.name = "[Click me](https://evil.example)"
    ok(
        await bot.send(
            submit(
                {"verb": v.MEMBERS_ADD},
                inputs={"showLocality": "selby", "member": PRIYA, "locality": "selby"}
                | {"role": "agency_lead"},
                conversation="personal",
                user=DEMO["chair"],
                conversation_id=f"{PERSONAL_CONVERSATION_ID}-chair",
            )
        )
    )
    assert await roles_of(bot, "police", "selby") == {"agency_lead"}
    (note,) = [text for text in bot.connector.texts() if "Agency lead in Selby" in text]
    assert note.startswith("\\[Click me\\](https\u2060://evil.example)")
    assert "[Click me](" not in note
