"""Personal views stay personal, whatever the path.

"my actions" typed in a channel was refused, but the same view reached by its card verb
through the Action.Submit fallback (a message with empty text and ``value.verb``) was
posted into the channel for everyone: the owner's action cards with descriptions, updates
and a child's case reference. So were "outstanding.page", "dateRequest.show" and
"action.handOverChoose". Here each is pressed by the very person who may see it, through
both paths, in a channel and a group chat: only the pointer to a personal chat comes back,
nothing planted is shown and nothing is written. In the person's own chat the same
presses show the planted action, so the checks are not vacuous.

An activity whose ``conversationType`` is missing (or not one Teams sends) was taken for a
personal chat, so it was shown personal views; it is now a conversation of unknown kind,
where every command and verb gets one sentence and nothing else.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from bot.store import tables as t
from cards import verbs as v
from dialogs.places import (
    ACTIONS_PERSONAL_ONLY,
    MEETINGS_IN_GROUP_ONLY,
    PERSONAL_ONLY,
    UNKNOWN_CONVERSATION,
)
from tests.e2e.harness import DEMO, BotUnderTest
from tests.e2e.scenario import (
    CHANNEL,
    GROUP,
    invoke_card,
    invoke_message,
    ok,
    press,
    press_submit,
    snapshot,
    store_of,
)
from tests.e2e.test_access import SECRETS, meeting_with_secrets
from tests.support.activities import (
    ConversationKind,
    conversation_update,
    invoke_action,
    message,
    submit,
)

PERSONAL: ConversationKind = "personal"
UPDATE = "Sentinel update 3H9 from the school"
REASON = "Sentinel reason 6P2 awaiting the strategy meeting"
#: What the planted action's owner and its chair see in their own chats.
PLANTED = ("Sentinel action 9W2", "CR-0042", "Q.Z.", UPDATE, REASON)


async def plant(bot: BotUnderTest) -> int:
    """The police action about a child (CR-0042), with an update and a new date asked for."""
    await meeting_with_secrets(bot)
    async with store_of(bot).reading() as session:
        actions = (await session.scalars(select(t.Action))).all()
        a = next(x.id for x in actions if x.description == SECRETS[2])
    update = {"actionId": a, f"update-{a}": UPDATE}
    invoke_card(ok(await press(bot, "police", v.ACTION_UPDATE, update, conversation=PERSONAL)))
    invoke_card(
        ok(
            await press(
                bot,
                "police",
                v.ACTION_REQUEST_DATE,
                {"actionId": a, f"newDate-{a}": "2026-12-10", f"reason-{a}": REASON},
                conversation=PERSONAL,
            )
        )
    )
    return a


def presses(a: int) -> list[tuple[str, str, dict[str, Any], str]]:
    """(who, verb, data, the pointer expected elsewhere): each by someone who may see it."""
    outstanding = PERSONAL_ONLY.format(what="outstanding actions")
    return [
        ("police", v.ACTIONS_MINE, {}, ACTIONS_PERSONAL_ONLY),
        ("coordinator", v.OUTSTANDING_PAGE, {"page": 1}, outstanding),
        ("chair", v.DATE_REQUEST_SHOW, {"actionId": a}, ACTIONS_PERSONAL_ONLY),
        ("police", v.ACTION_HAND_OVER_CHOOSE, {"actionId": a}, ACTIONS_PERSONAL_ONLY),
    ]


@pytest.mark.parametrize("where", [CHANNEL, GROUP])
@pytest.mark.parametrize("how", ["submit", "invoke"])
async def test_personal_views_are_not_shown_in_a_channel_or_group_chat(
    bot: BotUnderTest, where: ConversationKind, how: str
) -> None:
    a = await plant(bot)
    store = store_of(bot)
    before = await snapshot(store)
    for who, verb, data, pointer in presses(a):
        bot.connector.reset()
        if how == "submit":
            ok(await press_submit(bot, who, verb, data, conversation=where))
            sent = bot.connector.sent()
            assert [s.get("text") for s in sent] == [pointer], (verb, sent)
            assert not any(s.get("attachments") for s in sent), verb
        else:
            body = ok(await press(bot, who, verb, data, conversation=where))
            assert invoke_message(body) == pointer, verb
            assert bot.connector.sent() == [], verb
        shown = json.dumps([bot.connector.sent(), bot.connector.updated()])
        assert not [s for s in PLANTED if s in shown], verb
    assert await snapshot(store) == before


@pytest.mark.parametrize("how", ["submit", "invoke"])
async def test_in_the_persons_own_chat_the_same_presses_show_the_action(
    bot: BotUnderTest, how: str
) -> None:
    a = await plant(bot)
    for who, verb, data, _ in presses(a):
        bot.connector.reset()
        if how == "submit":
            ok(await press_submit(bot, who, verb, data, conversation=PERSONAL))
            shown = json.dumps(bot.connector.sent())
        else:
            shown = json.dumps(
                invoke_card(ok(await press(bot, who, verb, data, conversation=PERSONAL)))
            )
        assert [s for s in PLANTED if s in shown], verb


@pytest.mark.parametrize("how", ["submit", "invoke"])
async def test_meeting_buttons_in_a_personal_chat_point_to_the_groups_conversation(
    bot: BotUnderTest, how: str
) -> None:
    secrets = await meeting_with_secrets(bot)
    before = await snapshot(store_of(bot))
    where = {"meetingId": secrets.meeting.id, "itemId": secrets.item_id}
    for verb, data in (
        (v.MEETING_REFRESH, where),
        (v.ITEM_MINUTE, {**where, "minuteText": "Typed in the wrong chat."}),
        (v.ROUND_CLOSE, {"roundId": secrets.round_id}),
    ):
        bot.connector.reset()
        if how == "submit":
            ok(await press_submit(bot, "chair", verb, data, conversation=PERSONAL))
            assert [s.get("text") for s in bot.connector.sent()] == [MEETINGS_IN_GROUP_ONLY]
        else:
            body = ok(await press(bot, "chair", verb, data, conversation=PERSONAL))
            assert invoke_message(body) == MEETINGS_IN_GROUP_ONLY
        assert bot.connector.updated() == []
    assert await snapshot(store_of(bot)) == before


@pytest.mark.parametrize(
    "conversation_type", [None, "meeting", "Personal"], ids=["missing", "meeting", "Personal"]
)
async def test_a_conversation_of_unknown_kind_is_refused_and_shown_nothing(
    bot: BotUnderTest, conversation_type: str | None
) -> None:
    """The person's own chat, as captured from the Playground, but without Teams'
    ``conversationType`` (or with a value Teams does not send): "my actions" and
    "outstanding" typed, ``actions.mine`` and ``dateRequest.show`` pressed through both
    paths, and even "help", each by someone who may see the planted action, get the one
    sentence and no card; nothing is written."""
    a = await plant(bot)
    store = store_of(bot)
    before = await snapshot(store)
    police, chair = DEMO["police"], DEMO["chair"]
    asks: list[tuple[str, dict[str, Any]]] = [
        ("my actions typed", message("my actions", user=police)),
        ("outstanding typed", message("outstanding", user=DEMO["coordinator"])),
        ("help typed", message("help", user=police)),
        ("actions.mine submitted", submit({"verb": v.ACTIONS_MINE}, user=police)),
        ("actions.mine invoked", invoke_action(v.ACTIONS_MINE, {}, user=police)),
        (
            "dateRequest.show submitted",
            submit({"verb": v.DATE_REQUEST_SHOW, "actionId": a}, user=chair),
        ),
        (
            "dateRequest.show invoked",
            invoke_action(v.DATE_REQUEST_SHOW, {"actionId": a}, user=chair),
        ),
    ]
    for name, activity in asks:
        assert activity["conversation"]["conversationType"] == "personal"
        if conversation_type is None:
            del activity["conversation"]["conversationType"]
        else:
            activity["conversation"]["conversationType"] = conversation_type
        bot.connector.reset()
        body = ok(await bot.send(activity))
        if activity["type"] == "invoke":
            assert invoke_message(body) == UNKNOWN_CONVERSATION, name
            assert bot.connector.sent() == [], name
        else:
            sent = bot.connector.sent()
            assert [s.get("text") for s in sent] == [UNKNOWN_CONVERSATION], (name, sent)
            assert not any(s.get("attachments") for s in sent), name
        shown = json.dumps([body, bot.connector.sent(), bot.connector.updated()])
        assert not [s for s in PLANTED if s in shown], name
    assert await snapshot(store) == before


async def test_added_to_a_conversation_of_unknown_kind_lists_no_groups(bot: BotUnderTest) -> None:
    """Added to a group chat whose ``conversationType`` is missing, the bot does not post
    its setup card (which lists the groups an administrator may link), only the sentence."""
    activity = conversation_update(conversation="groupChat", user=DEMO["chair"])
    del activity["conversation"]["conversationType"]
    ok(await bot.send(activity))
    sent = bot.connector.sent()
    assert [s.get("text") for s in sent] == [UNKNOWN_CONVERSATION]
    assert not any(s.get("attachments") for s in sent)
