"""Members and roles, for administrators, in a personal chat (``dialogs.places``): a
group's members, a form to grant a role, a button to remove each one.

Anyone but an administrator gets the standard refusal: the service checks on every call.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain.card_fields import card_id
from bot.domain.errors import Conflict
from bot.services.context import TurnRef
from cards import verbs as v
from cards.members import members_card
from cards.text import plain
from dialogs.commands import Command
from dialogs.outcome import Card, Outcome, Post
from dialogs.ports import Members, Services
from dialogs.replies import redraw_on_invalid, replace
from dialogs.routes import Click, Routes

routes = Routes(__name__)

MEMBERS_NOT_SET_UP = "Member administration is not set up on this bot."
KEEP_OUT_ON_SHOW = frozenset({"showLocality", "locality"})


def member_admin(ctx: Services) -> Members:
    """The service (reached in a personal chat only: ``dialogs.places``). Anyone but an
    administrator gets the standard refusal; the service checks on every call."""
    if ctx.members is None:
        raise Conflict(MEMBERS_NOT_SET_UP)
    return ctx.members


@routes.command(Command.MEMBERS)
async def members(ctx: Services, turn: TurnRef, words: str) -> Outcome:
    view = await member_admin(ctx).panel(turn.actor)
    return Outcome(posts=[Post(card=members_card(view))])


@routes.verb(v.MEMBERS_SHOW)
async def members_show(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    admin = member_admin(ctx)
    view = await admin.panel(turn.actor, click.data.get("showLocality"))
    # Keep what was typed into the form (the Show button sends it along), but not the
    # groups, so both choosers follow the group now shown.
    kept = {k: value for k, value in click.data.items() if k not in KEEP_OUT_ON_SHOW}
    return replace(click, members_card(view, values=kept), "Members are below.")


@routes.verb(v.MEMBERS_ADD)
async def members_add(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    admin = member_admin(ctx)

    async def redraw(errors: Mapping[str, str]) -> Card:
        current = await admin.panel(turn.actor, click.data.get("showLocality"))
        return members_card(current, values=click.data, errors=errors)

    granted = await redraw_on_invalid(
        turn, click, admin.grant(turn.actor, turn.claim_key, click.data), redraw
    )
    view, note = granted
    # The note names a member: plain in the text message (markdown there), as typed in
    # the card (a TextRun, which renders none).
    return replace(click, members_card(view, note=note), plain(note))


@routes.verb(v.MEMBERS_REMOVE)
async def members_remove(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    admin = member_admin(ctx)
    view, note = await admin.revoke(
        turn.actor, turn.claim_key, card_id(click.data.get("membershipId"))
    )
    # The note names a member: plain in the text message (markdown there), as typed in
    # the card (a TextRun, which renders none).
    return replace(click, members_card(view, note=note), plain(note))
