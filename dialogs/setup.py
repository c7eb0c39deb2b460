"""Getting started: help, linking a conversation to a locality group, the welcome when the
bot is added, and the answer to anything it does not understand.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain.model import ConversationKind
from bot.services.context import TurnRef
from cards import setup_card, welcome_card
from cards import verbs as v
from cards.text import plain
from dialogs.commands import Command, help_text, suggest
from dialogs.outcome import Card, Outcome, Post
from dialogs.ports import Services
from dialogs.replies import redraw_on_invalid, replace
from dialogs.routes import Click, Routes

routes = Routes(__name__)

PERSONAL_GREETING = (
    "Hello. I help run MACE locality meetings. In a personal chat I can explain what I do "
    "(type **help**). Meetings run in each group's own channel or chat."
)


@routes.command(Command.HELP)
async def help_command(ctx: Services, turn: TurnRef, words: str) -> Outcome:
    return Outcome(posts=[Post(text=help_text())])


@routes.command(Command.SETUP)
async def setup(ctx: Services, turn: TurnRef, words: str) -> Outcome:
    choices = await ctx.groups.setup_choices(turn)
    return Outcome(posts=[Post(card=setup_card(choices))])


@routes.verb(v.HELP_SHOW)
async def help_click(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    return Outcome(posts=[Post(text=help_text())], response_text="Help is below.")


@routes.verb(v.SETUP_LINK)
async def link(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    async def redraw(errors: Mapping[str, str]) -> Card:
        choices = await ctx.groups.setup_choices(turn)
        return setup_card(choices, values=click.data, errors=errors)

    view = await redraw_on_invalid(
        turn, click, ctx.groups.link(turn, click.data.get("localityId")), redraw
    )
    card = welcome_card(view)
    # A plain text message renders markdown too: the group's name shows as written.
    name = plain(view.locality.name) if view.locality else ""
    return replace(click, card, f"This conversation is now linked to the {name} locality group.")


async def welcome(ctx: Services, turn: TurnRef) -> Outcome:
    """Added to a group's conversation: the setup card until it is linked, then the
    welcome (what the bot does there)."""
    view = await ctx.groups.welcome(turn)
    if view.locality is None and turn.conversation.kind is not ConversationKind.PERSONAL:
        return Outcome(posts=[Post(card=setup_card(view.choices))])
    return Outcome(posts=[Post(card=welcome_card(view))])


def not_understood(turn: TurnRef, text: str | None) -> Outcome:
    """No command matched: the likeliest one, and how to see them all."""
    guess = suggest(text)
    hint = f" Did you mean **{guess}**?" if guess else ""
    return Outcome(
        posts=[
            Post(
                text=(
                    f"Sorry, I did not understand that.{hint} "
                    "Type **help** to see what I can do."
                    + (
                        ""
                        if turn.conversation.kind is ConversationKind.PERSONAL
                        else " (Mention me first in a channel or group chat.)"
                    )
                )
            )
        ]
    )
