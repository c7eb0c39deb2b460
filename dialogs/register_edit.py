"""Changing the register in chat: a subject's risk, status, details, a child's checks and
its links (``subject.edit`` answers with the form; each form's button saves it), and
adding a subject to a group's register from a personal chat (``add subject``).

Where: the changes run in a personal chat and in the group's own conversations (the chair
records a risk change from the meeting chat while the group discusses the child). A form
is the answer to the person who pressed: with ``Action.Execute`` Teams shows the answer
card to that person only, in place of the card they pressed, and everyone else keeps
seeing the card as it was. The ``Action.Submit`` fallback can only post a message, which a
whole channel would read, so in a group's conversation it gets no form (which can hold a
child's checks or a person of concern) but a sentence saying where to press instead. The
confirmation after a save is coded (``cards.register_forms.saved_card``): the subject's
reference, a person of concern only as "a person of concern" in a group's conversation,
what changed, never the reason.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from bot.domain.model import ConversationKind, SubjectKind
from bot.domain.register_forms import FORMS, SubjectEdit, SubjectSaved
from bot.services.context import TurnRef
from cards import verbs as v
from cards.register_forms import (
    add_form_card,
    checks_form_card,
    details_form_card,
    link_form_card,
    risk_form_card,
    saved_card,
    status_form_card,
)
from dialogs.commands import Command
from dialogs.outcome import Card, Outcome, Post
from dialogs.ports import RegisterEdits, Services
from dialogs.replies import redraw_on_invalid, replace, tell
from dialogs.routes import Click, Routes

routes = Routes(__name__)

NOT_SET_UP = "The register cannot be changed on this bot."
FORM_NOT_KNOWN = "That form is not one I know (the card may be from an older version)."
CHILDREN_ONLY = "These checks are recorded for a child only."
#: The Action.Submit fallback in a group's conversation: a form posted there would be
#: read by everyone in it.
FORMS_IN_A_CURRENT_CLIENT = (
    "The register's forms open only for the person who presses, which this Teams client "
    "cannot do here. Press the button in a current Teams client, or open a personal chat "
    "with me."
)
SAVED = "Saved in the register."

_Drawer = Callable[..., Card]
DRAWERS: dict[str, _Drawer] = {
    "risk": risk_form_card,
    "status": status_form_card,
    "details": details_form_card,
    "checks": checks_form_card,
    "link": link_form_card,
}
#: Which form each save redraws with its errors.
FORM_OF: dict[str, str] = {
    v.SUBJECT_RISK: "risk",
    v.SUBJECT_STATUS: "status",
    v.SUBJECT_DETAILS: "details",
    v.SUBJECT_CHECKS: "checks",
    v.SUBJECT_LINK: "link",
    v.SUBJECT_UNLINK: "link",
}


def _service(ctx: Services) -> RegisterEdits | None:
    return ctx.register_edits


def _in_group(turn: TurnRef) -> bool:
    return turn.conversation.kind is not ConversationKind.PERSONAL


def _shows_no_form(turn: TurnRef, click: Click) -> bool:
    """A form would be posted for everyone: the fallback in a group's conversation."""
    return not click.is_invoke and _in_group(turn)


def _saved(turn: TurnRef, click: Click, saved: SubjectSaved) -> Outcome:
    return replace(click, saved_card(saved, in_group=_in_group(turn)), SAVED)


@routes.verb(v.SUBJECT_EDIT)
async def edit(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    service = _service(ctx)
    if service is None:
        return tell(click, NOT_SET_UP)
    form = click.data.get("form")
    if not isinstance(form, str) or form not in FORMS:
        return tell(click, FORM_NOT_KNOWN)
    if _shows_no_form(turn, click):
        return tell(click, FORMS_IN_A_CURRENT_CLIENT)
    view = await service.edit_form(turn, click.data.get("subjectId"), click.data.get("meetingId"))
    if form == "checks" and view.kind is not SubjectKind.CHILD:
        return tell(click, CHILDREN_ONLY)
    return replace(click, DRAWERS[form](view), "The form is below.")


@routes.verb(v.SUBJECT_RISK, v.SUBJECT_STATUS, v.SUBJECT_DETAILS, v.SUBJECT_CHECKS, v.SUBJECT_LINK)
async def change(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    service = _service(ctx)
    if service is None:
        return tell(click, NOT_SET_UP)
    run: Callable[..., Awaitable[SubjectSaved]] = {
        v.SUBJECT_RISK: service.change_risk,
        v.SUBJECT_STATUS: service.change_status,
        v.SUBJECT_DETAILS: service.change_details,
        v.SUBJECT_CHECKS: service.record_checks,
        v.SUBJECT_LINK: service.link,
    }[click.verb]
    subject_id = click.data.get("subjectId")
    meeting_id = click.data.get("meetingId")
    saved = await redraw_on_invalid(
        turn,
        click,
        run(turn, subject_id, meeting_id, click.data),
        _redraw(service, turn, click, subject_id, meeting_id),
    )
    return _saved(turn, click, saved)


@routes.verb(v.SUBJECT_UNLINK)
async def unlink(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    service = _service(ctx)
    if service is None:
        return tell(click, NOT_SET_UP)
    meeting_id = click.data.get("meetingId")
    saved = await redraw_on_invalid(
        turn,
        click,
        service.unlink(turn, click.data.get("linkId"), meeting_id, click.data),
        _redraw(service, turn, click, click.data.get("subjectId"), meeting_id),
    )
    return _saved(turn, click, saved)


def _redraw(
    service: RegisterEdits, turn: TurnRef, click: Click, subject_id: object, meeting_id: object
) -> Callable[[Mapping[str, str]], Awaitable[Card]]:
    async def redraw(errors: Mapping[str, str]) -> Card:
        view: SubjectEdit = await service.edit_form(turn, subject_id, meeting_id)
        return DRAWERS[FORM_OF[click.verb]](view, values=click.data, errors=errors)

    return redraw


@routes.command(Command.ADD_SUBJECT)
async def add_form(ctx: Services, turn: TurnRef, words: str) -> Outcome:
    service = _service(ctx)
    if service is None:
        return Outcome(posts=[Post(text=NOT_SET_UP)])
    choices = await service.add_choices(turn)
    return Outcome(posts=[Post(card=add_form_card(choices))])


@routes.verb(v.SUBJECT_ADD_FORM)
async def add_form_click(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    service = _service(ctx)
    if service is None:
        return tell(click, NOT_SET_UP)
    choices = await service.add_choices(turn)
    return replace(click, add_form_card(choices), "The form is below.")


@routes.verb(v.SUBJECT_ADD)
async def add(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    service = _service(ctx)
    if service is None:
        return tell(click, NOT_SET_UP)

    async def redraw(errors: Mapping[str, str]) -> Card:
        choices = await service.add_choices(turn)
        return add_form_card(choices, values=click.data, errors=errors)

    saved = await redraw_on_invalid(turn, click, service.add(turn, click.data), redraw)
    return _saved(turn, click, saved)
