"""My MACE: a partner's own open actions, with the same operations as in chat (an
update, done, a new date asked for, a hand-over to a colleague), through the same
service calls, so the same rules, audit and notices apply. The chat card and this page
are two views of one record: a change made here shows in chat and the other way round.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from bot.domain.action_refs import reference
from bot.domain.errors import DomainError
from bot.services.actions import ActionService
from bot.services.web_sessions import Viewer
from bot.web.forms import Submitted, once_key, read_form, submit
from bot.web.identity import action, page
from bot.web.pages import render

ACTIONS = web.AppKey("web_actions", ActionService)

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
        actions=owned,
        reference=reference,
        once=once_key(),
        saved=saved,
        failed=failed,
        failed_action=failed_action,
    )
    response.set_status(status)
    return response


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
