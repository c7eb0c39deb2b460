"""Connector clients are built once per service URL and reused by every turn (and by
proactive messages), instead of twice per turn as the stock adapter does."""

from __future__ import annotations

from bot.app import COMPONENTS
from bot.teams.clients import ReusingAuthentication
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
