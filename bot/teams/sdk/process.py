"""What is left of botbuilder's ``CloudAdapter.process`` once the endpoint has read,
checked and authenticated the activity itself (bot.teams.endpoint).

Stock ``process`` (botbuilder 4.17) reads and deserialises the body, authenticates it
with botbuilder's blocking token code, runs the turn and writes the invoke response, and
answers 500 to a missing Content-Type, a body that is not JSON or a turn that raises. The
endpoint does the first steps its own way (4xx with a reason, bot.teams.tokens); this
module does the rest, as stock does it.
"""

from __future__ import annotations

import orjson
from aiohttp import web
from botbuilder.core import Bot
from botbuilder.integration.aiohttp import CloudAdapter, cloud_adapter
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult


async def run_turn(
    adapter: CloudAdapter, authenticated: AuthenticateRequestResult, activity: Activity, bot: Bot
) -> web.Response:
    """What ``CloudAdapter.process`` does with a POST, from the activity already read and
    authenticated: run the turn (``process_activity``), then answer an invoke with its
    response. The body goes through botbuilder's ``serializer_helper`` as stock (so the
    4.17 invoke guard, bot.teams.sdk.invoke_guard, still applies) and out as orjson-encoded
    JSON."""
    answer = await adapter.process_activity(authenticated, activity, bot.on_turn)
    if not answer:
        return web.Response(status=201)
    body = cloud_adapter.serializer_helper(answer.body)
    return web.Response(
        body=orjson.dumps(body), status=answer.status, content_type="application/json"
    )
