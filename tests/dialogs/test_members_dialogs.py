"""Members and roles in chat (dialogs.members), through the router on fakes."""

from __future__ import annotations

from bot.domain.errors import InvalidInput
from cards import verbs as v
from cards.members import members_card
from cards.text import plain
from dialogs.commands import Command
from dialogs.members import MEMBERS_NOT_SET_UP
from tests.dialogs.fakes import ACTOR, click, make_bot, personal
from tests.dialogs.tested import covers

HERE = personal()
GRANTED = "Sam [Lee] is now a partner in Scarborough."


@covers(Command.MEMBERS)
async def test_members_posts_the_panel() -> None:
    bot = make_bot()
    (post,) = (await bot.router.on_text(HERE, "members")).posts
    assert bot.calls.only("members.panel").args == (ACTOR, None)
    assert post.card == members_card(bot.views.members)


async def test_a_bot_without_member_administration_says_so() -> None:
    bot = make_bot(members=False)
    (post,) = (await bot.router.on_text(HERE, "members")).posts
    assert post.text == MEMBERS_NOT_SET_UP
    outcome = await bot.router.on_click(HERE, click(v.MEMBERS_SHOW))
    assert outcome.response_text == MEMBERS_NOT_SET_UP


@covers(v.MEMBERS_SHOW)
async def test_show_keeps_the_form_but_not_the_groups() -> None:
    bot = make_bot()
    data = {"showLocality": "ryedale", "locality": "scarborough", "member": "sam@example.org"}
    outcome = await bot.router.on_click(HERE, click(v.MEMBERS_SHOW, data))
    assert bot.calls.only("members.panel").args == (ACTOR, "ryedale")
    kept = {"verb": v.MEMBERS_SHOW, "member": "sam@example.org"}
    assert outcome.response_card == members_card(bot.views.members, values=kept)


@covers(v.MEMBERS_ADD)
async def test_a_role_is_granted_or_the_form_comes_back() -> None:
    bot = make_bot()
    pressed = click(v.MEMBERS_ADD, {"member": "sam@example.org", "role": "partner"}, invoke=False)
    outcome = await bot.router.on_click(HERE, pressed)
    assert bot.calls.only("members.grant").args == (ACTOR, HERE.claim_key, pressed.data)
    assert [(post.text, post.card) for post in outcome.posts] == [
        (plain(GRANTED), None),
        (None, members_card(bot.views.members, note=GRANTED)),
    ]
    errors = {"role": "Choose a role."}
    bot.fails("members.grant", InvalidInput(errors))
    outcome = await bot.router.on_click(HERE, click(v.MEMBERS_ADD, pressed.data))
    expected = members_card(bot.views.members, values=pressed.data, errors=errors)
    assert outcome.response_card == expected


@covers(v.MEMBERS_REMOVE)
async def test_a_role_is_removed_by_its_membership() -> None:
    bot = make_bot()
    outcome = await bot.router.on_click(HERE, click(v.MEMBERS_REMOVE, {"membershipId": 11}))
    assert bot.calls.only("members.revoke").args == (ACTOR, HERE.claim_key, 11)
    note = "Sam [Lee] is no longer a partner in Scarborough."
    assert outcome.response_card == members_card(bot.views.members, note=note)
