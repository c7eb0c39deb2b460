"""My MACE: a partner's own open actions, with the same operations as in chat (an
update, done, a new date asked for, a hand-over to a colleague), through the same
service calls, so the same rules, audit and notices apply. The chat card and this page
are two views of one record: a change made here shows in chat and the other way round.

Beside the actions, the rest of what a person is part of, each from the service chat
uses, with its access rule and audit: their groups' latest meetings (``MinutesReads``,
as ``minutes``), the escalations they may see (``EscalationService.open_ones``, as
``escalations``) and the open challenges raised by or to their agency in their groups
(``RoundService.my_open_challenges``, the rule of ``challenges``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from bot.domain.action_refs import reference
from bot.domain.errors import DomainError, NotPermitted
from bot.domain.escalations import EscalationListView
from bot.domain.minutes_views import PastMeetingRow
from bot.services.actions import ActionService
from bot.services.escalations import EscalationService
from bot.services.minutes_reads import MinutesReads
from bot.services.rounds import RoundService
from bot.services.web_sessions import Viewer
from bot.web.forms import Submitted, once_key, read_form, submit
from bot.web.identity import action, page
from bot.web.minutes import DRAFT
from bot.web.pages import render

ACTIONS = web.AppKey("web_actions", ActionService)
MY_MINUTES = web.AppKey("web_my_minutes", MinutesReads)
MY_ESCALATIONS = web.AppKey("web_my_escalations", EscalationService)
MY_ROUNDS = web.AppKey("web_my_rounds", RoundService)

#: How many of the groups' latest meetings My MACE shows (all are on /meetings).
LATEST_MEETINGS = 5

NO_GROUP = (
    "You are not a member of any MACE locality group yet, so there are no meetings, "
    "escalations or challenges to show. If you should be, ask the MACE coordinator to add you."
)

#: What a saved form says on the page it returns to (a key in the URL, never text).
SAVED = {
    "update": "Your update on {ref} is saved.",
    "done": "{ref} is marked done.",
    "date": "Your request for a new date for {ref} is sent to the chair.",
    "handover": "{ref} is handed over.",
    "already": "Already recorded: that form had been sent before, and counted once.",
}

#: Each operation: the service method, the form's fields, and the key of its message.
OPERATIONS = {
    "update": ("add_update", "update"),
    "done": ("mark_done", "done"),
    "date": ("request_new_date", "date"),
    "hand-over": ("hand_over", "handover"),
}


@page
async def my_mace(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    return await _draw(request, viewer)


async def _draw(
    request: web.Request,
    viewer: Viewer,
    failed: Submitted | None = None,
    failed_action: int | None = None,
    status: int = 200,
) -> web.StreamResponse:
    service = request.app[ACTIONS]
    owned = await service.my_actions(viewer.actor)
    saved = _saved_message(request.query)
    response = render(
        request,
        "my.html",
        viewer,
        "my",
        **await _part_of(request, viewer),
        actions=owned,
        reference=reference,
        once=once_key(),
        saved=saved,
        failed=failed,
        failed_action=failed_action,
    )
    response.set_status(status)
    return response


async def _part_of(request: web.Request, viewer: Viewer) -> dict[str, Any]:
    """The meetings, escalations and challenges sections: each from its service, as the
    person may see them in chat. In no group, one sentence says so instead of them."""
    try:
        listed = await request.app[MY_MINUTES].past_meetings(viewer.actor, 1)
    except NotPermitted:
        return {"no_group": NO_GROUP, "meetings": (), "escalations": None, "challenges": []}
    meetings: tuple[PastMeetingRow, ...] = listed.rows[:LATEST_MEETINGS]
    escalations: EscalationListView | None
    escalations_note = ""
    try:
        escalations = await request.app[MY_ESCALATIONS].open_ones(viewer.actor)
    except NotPermitted as exc:
        escalations, escalations_note = None, exc.user_message
    return {
        "no_group": "",
        "draft": DRAFT,
        "meetings": meetings,
        "more_meetings": listed.total > len(meetings),
        "escalations": escalations,
        "escalations_note": escalations_note,
        "challenges": await request.app[MY_ROUNDS].my_open_challenges(viewer.actor),
    }


def _saved_message(query: Mapping[str, str]) -> str:
    template = SAVED.get(query.get("saved", ""))
    if template is None:
        return ""
    try:
        number = int(query.get("a", ""))
    except ValueError:
        return ""
    return template.format(ref=reference(number))


@action
async def change_action(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    operation = OPERATIONS.get(request.match_info["operation"])
    try:
        action_id = int(request.match_info["action_id"])
    except ValueError:
        action_id = 0
    if operation is None or action_id <= 0:
        raise web.HTTPNotFound(text="There is no such page.")
    method_name, saved_key = operation
    service = request.app[ACTIONS]
    method = getattr(service, method_name)
    entries = await read_form(request)

    async def change(activity_id: str, data: Mapping[str, object]) -> object:
        return await method(viewer.actor, activity_id, action_id, data)

    result = await submit(entries, change, saved_key)
    if result.ok:
        key = "already" if result.message.startswith("Already") else saved_key
        raise web.HTTPSeeOther(f"/my?saved={key}&a={action_id}#action-{action_id}")
    if request.match_info["operation"] == "hand-over":
        return await _draw_hand_over(request, viewer, action_id, result, status=422)
    return await _draw(request, viewer, result, action_id, status=422)


@page
async def hand_over_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    try:
        action_id = int(request.match_info["action_id"])
    except ValueError:
        raise web.HTTPNotFound(text="There is no such page.") from None
    return await _draw_hand_over(request, viewer, action_id)


async def _draw_hand_over(
    request: web.Request,
    viewer: Viewer,
    action_id: int,
    failed: Submitted | None = None,
    status: int = 200,
) -> web.StreamResponse:
    service = request.app[ACTIONS]
    context: dict[str, Any] = {"reference": reference, "once": once_key(), "failed": failed}
    try:
        context["owned"] = await service.hand_over_choices(viewer.actor, action_id)
    except DomainError as exc:
        context["owned"] = None
        context["problem"] = exc.user_message
        status = 404 if status == 200 else status
    response = render(request, "hand_over.html", viewer, "my", **context)
    response.set_status(status)
    return response


def add_my_routes(app: web.Application, actions: ActionService) -> None:
    app[ACTIONS] = actions
    app.router.add_get("/my", my_mace)
    app.router.add_get("/my/actions/{action_id}/hand-over", hand_over_page)
    app.router.add_post("/my/actions/{action_id}/{operation}", change_action)


def add_my_sections(
    app: web.Application,
    minutes: MinutesReads,
    escalations: EscalationService,
    rounds: RoundService,
) -> None:
    """What My MACE shows beside the actions (the services it reads them from)."""
    app[MY_MINUTES] = minutes
    app[MY_ESCALATIONS] = escalations
    app[MY_ROUNDS] = rounds
