"""Finding and reviewing the register in chat (issue 15, points 2 and 6): ``subject
CR-0107``, ``subjects`` with filters in plain words ("in Scarborough", "high risk",
"locations of concern", "not discussed for 3 months"), a subject's card opened from a list
or from a meeting's agenda, and the next page of a list.

Who sees what is the service's (``bot.services.register_reads``, through the register's
one access rule); where each may run is ``dialogs.places``: the commands and paging in a
personal chat only, a subject's card also in the group's conversation.
"""

from __future__ import annotations

from bot.domain.card_fields import card_id
from bot.domain.errors import Conflict
from bot.domain.register_filters import SubjectFilterError, parse_subject_filters
from bot.domain.register_views import SubjectChoices
from bot.services.context import TurnRef
from cards import verbs as v
from cards.register import subject_card, subject_choices_card, subjects_card
from dialogs.commands import Command
from dialogs.outcome import Outcome, Post
from dialogs.ports import Register, Services
from dialogs.replies import replace, tell
from dialogs.routes import Click, Routes

routes = Routes(__name__)

REGISTER_NOT_SET_UP = "The register is not set up on this bot."
WHICH_SUBJECT = (
    "Which subject? Type **subject** and its reference, for example **subject CR-0107**, or "
    "**subjects** to list the register."
)
#: The longest reference (or location description) looked up: longer is not one.
REFERENCE_CHARS = 120


def _register(ctx: Services) -> Register:
    if ctx.register is None:
        raise Conflict(REGISTER_NOT_SET_UP)
    return ctx.register


def _without_page(words: str) -> str:
    """The filter words a list's paging buttons carry (the page is theirs to set)."""
    kept = [w for w in words.split() if w]
    out: list[str] = []
    skip = False
    for index, word in enumerate(kept):
        if skip:
            skip = False
            continue
        if word == "page" and index + 1 < len(kept) and kept[index + 1].isdigit():
            skip = True
            continue
        out.append(word)
    return " ".join(out)


@routes.command(Command.SUBJECT)
async def subject(ctx: Services, turn: TurnRef, words: str) -> Outcome:
    """A subject's card by reference; a choice when several match; "not found" alike for
    a subject that does not exist and one the person may not see."""
    reference = words.strip()
    if not reference or len(reference) > REFERENCE_CHARS:
        return Outcome(posts=[Post(text=WHICH_SUBJECT)])
    found = await _register(ctx).find(turn, reference)
    if isinstance(found, SubjectChoices):
        return Outcome(posts=[Post(card=subject_choices_card(found))])
    return Outcome(posts=[Post(card=subject_card(found))])


@routes.command(Command.SUBJECTS)
async def subjects(ctx: Services, turn: TurnRef, words: str) -> Outcome:
    """The register of the person's groups, filtered by the words after the command."""
    try:
        wanted, page = parse_subject_filters(words)
        result = await _register(ctx).subjects(turn, wanted, page, words=_without_page(words))
    except SubjectFilterError as exc:
        return Outcome(posts=[Post(text=str(exc))])
    return Outcome(posts=[Post(card=subjects_card(result))])


@routes.verb(v.SUBJECT_SHOW)
async def subject_show(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    """A subject's card, posted as a new message (the list or agenda it was opened from
    stays); in a group's conversation everyone there sees it, and the service leaves out
    what they may not see."""
    view = await _register(ctx).show(turn, click.data.get("subjectId"), click.data.get("meetingId"))
    card = subject_card(view)
    return Outcome(
        posts=[Post(card=card)],
        response_text="The subject's card is below." if click.is_invoke else None,
    )


@routes.verb(v.SUBJECTS_PAGE)
async def subjects_page(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    raw = click.data.get("words")
    words = raw[:400] if isinstance(raw, str) else ""
    try:
        wanted, _ = parse_subject_filters(_without_page(words))
        result = await _register(ctx).subjects(
            turn, wanted, card_id(click.data.get("page")) or 1, words=_without_page(words)
        )
    except SubjectFilterError as exc:
        return tell(click, str(exc))
    return replace(click, subjects_card(result), "The list is below.")
