"""Connector clients are built once per service URL and reused by every turn (and by
proactive messages), instead of twice per turn as the stock adapter does."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from bot.app import COMPONENTS
from bot.teams.sdk import connector_http
from bot.teams.sdk.clients import ReusingAuthentication
from tests.e2e.harness import BotUnderTest
from tests.e2e.scenario import ok, say, start_meeting
from tests.e2e.test_between_meetings import personal


async def test_one_connector_client_serves_every_turn(bot: BotUnderTest) -> None:
    authentication = bot.server.app[COMPONENTS].adapter.bot_framework_authentication
    assert isinstance(authentication, ReusingAuthentication)
    await start_meeting(bot, to_position=3)  # messages and card invokes
    ok(await say(bot, "police", "here"))
    for who in ("police", "health", "coordinator"):
        await personal(bot, who, "my actions")
    pool = authentication._clients
    [(_app, _audience, service_url)] = pool.connectors
    assert service_url.rstrip("/") == bot.connector.url.rstrip("/")
    assert len(pool.token_clients) == 1
    sent_before = len(bot.connector.sent())
    first = next(iter(pool.connectors.values()))
    await personal(bot, "police", "my actions")
    assert next(iter(pool.connectors.values())) is first
    assert len(bot.connector.sent()) == sent_before + 1, "the reused client still delivers"


async def test_replies_go_out_on_the_event_loop_not_the_thread_pool(
    bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stock client sends with ``requests`` in worker threads; ours must not."""

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("a connector call went through requests")

    monkeypatch.setattr(requests.Session, "request", refuse)
    await start_meeting(bot, to_position=3)  # posts, card updates and invokes
    await personal(bot, "police", "my actions")
    pool = bot.server.app[COMPONENTS].adapter.bot_framework_authentication._clients
    [client] = pool.connectors.values()
    assert isinstance(client._client.config.pipeline._sender, connector_http._AiohttpSender)
    assert bot.connector.updated(), "card updates went out"
    assert "My open actions" in str(bot.connector.sent()[-1])
