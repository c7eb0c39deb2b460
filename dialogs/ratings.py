"""Rating a meeting (issue 16, point 7): the button on the card sent, when a meeting ends,
to each person who said they were there. Once, anonymously; a second rating is refused
plainly. Where it runs is ``dialogs.places`` (a personal chat only); who may rate which
meeting is the service's (``bot.services.ratings``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace as with_fields

from bot.domain.card_fields import card_id
from bot.domain.errors import Conflict
from bot.services.context import TurnRef
from cards import verbs as v
from cards.ratings import rating_card
from dialogs.outcome import Card, Outcome
from dialogs.ports import Ratings, Services
from dialogs.replies import redraw_on_invalid, replace
from dialogs.routes import Click, Routes

routes = Routes(__name__)

RATINGS_NOT_SET_UP = "Rating meetings is not set up on this bot."


def _ratings(ctx: Services) -> Ratings:
    if ctx.ratings is None:
        raise Conflict(RATINGS_NOT_SET_UP)
    return ctx.ratings


@routes.verb(v.MEETING_RATE)
async def meeting_rate(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    """Record the rating; a form with errors comes back with the entries kept."""
    ratings = _ratings(ctx)
    meeting_id = card_id(click.data.get("meetingId"))

    async def redraw(errors: Mapping[str, str]) -> Card:
        view = await ratings.form(turn.actor, meeting_id)
        return rating_card(with_fields(view, values=dict(click.data), errors=dict(errors)))

    done = await redraw_on_invalid(
        turn, click, ratings.rate(turn.actor, turn.claim_key, meeting_id, click.data), redraw
    )
    return replace(click, rating_card(done), "Thank you: your rating is recorded.")
