"""The connector clients send on the event loop through one aiohttp session (never the
stock ``requests`` thread pool), with the bot's token fetched off the loop and reused."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import requests
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import AppCredentials
from msrest.exceptions import HttpOperationError

from bot.teams.proactive import as_delivery_error
from bot.teams.sdk import connector_http
from bot.teams.sdk.connector_http import TOKEN_REUSE_SECONDS, send_on_the_loop
from tests.support.fake_connector import FakeConnector

APP_ID = "00000000-0000-0000-0000-00000000a001"


class RecordingCredentials(AppCredentials):  # type: ignore[misc]
    """Stands in for the token endpoint (outside the machine): hands out numbered
    tokens and records each call and the thread it was made on."""

    def __init__(self, app_id: str | None = APP_ID) -> None:
        super().__init__(app_id=app_id)
        self.calls: list[tuple[bool, str]] = []

    def get_access_token(self, force_refresh: bool = False) -> str:
        self.calls.append((force_refresh, threading.current_thread().name))
        return f"token-{len(self.calls)}"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as shared:
        yield shared


def _client(
    fake: FakeConnector,
    session: aiohttp.ClientSession,
    credentials: AppCredentials,
    clock: Clock | None = None,
) -> ConnectorClient:
    client = send_on_the_loop(ConnectorClient(credentials, base_url=fake.url), session)
    if clock is not None:
        for policy in client._client.config.pipeline._impl_policies:
            if isinstance(policy, connector_http._BotToken):
                policy._clock = clock
                policy._fetched_at = clock()
    return client


async def _say(client: ConnectorClient, text: str) -> None:
    await client.conversations.send_to_conversation("conv-1", Activity(type="message", text=text))


def _authorizations(fake: FakeConnector) -> list[str | None]:
    return [call.headers.get("Authorization") for call in fake.calls]


@pytest.fixture
def no_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any use of the stock sender (``requests`` in a worker thread) fails the test."""

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("a connector call went through requests")

    monkeypatch.setattr(requests.Session, "request", refuse)


async def test_one_token_fetched_off_the_loop_serves_many_sends(
    session: aiohttp.ClientSession, no_requests: None
) -> None:
    credentials = RecordingCredentials()
    async with FakeConnector() as fake:
        client = _client(fake, session, credentials)
        for n in range(5):
            await _say(client, f"message {n}")
        assert fake.texts("conv-1") == [f"message {n}" for n in range(5)]
        assert _authorizations(fake) == ["Bearer token-1"] * 5
        [(forced, thread)] = credentials.calls
        assert not forced
        assert thread != threading.main_thread().name, "msal must not run on the event loop"


async def test_the_token_is_asked_for_again_after_a_minute(
    session: aiohttp.ClientSession,
) -> None:
    credentials, clock = RecordingCredentials(), Clock()
    async with FakeConnector() as fake:
        client = _client(fake, session, credentials, clock)
        await _say(client, "first")
        clock.now += TOKEN_REUSE_SECONDS - 1
        await _say(client, "second")
        clock.now += 2
        await _say(client, "third")
        assert _authorizations(fake) == ["Bearer token-1", "Bearer token-1", "Bearer token-2"]
        assert [forced for forced, _ in credentials.calls] == [False, False]


async def test_a_401_refreshes_the_token_and_sends_once_more(
    session: aiohttp.ClientSession,
) -> None:
    credentials = RecordingCredentials()
    async with FakeConnector() as fake:
        client = _client(fake, session, credentials)
        fake.fail_next(401, method="POST")
        await _say(client, "after a refused token")
        assert fake.texts("conv-1") == ["after a refused token"], "delivered exactly once"
        assert [call.status for call in fake.calls] == [401, 201]
        assert _authorizations(fake) == ["Bearer token-1", "Bearer token-2"]
        assert [forced for forced, _ in credentials.calls] == [False, True]


async def test_a_second_401_is_an_error_not_a_loop(session: aiohttp.ClientSession) -> None:
    credentials = RecordingCredentials()
    async with FakeConnector() as fake:
        client = _client(fake, session, credentials)
        fake.fail_next(401, times=5, method="POST")
        with pytest.raises(HttpOperationError) as raised:
            await _say(client, "never accepted")
        assert as_delivery_error(raised.value).status == 401
        assert len(fake.calls) == 2, "one retry with a fresh token, then the error"
        assert fake.texts("conv-1") == []


async def test_without_an_app_id_no_token_is_sent_or_fetched(
    session: aiohttp.ClientSession,
) -> None:
    credentials = RecordingCredentials(app_id=None)
    async with FakeConnector() as fake:
        client = _client(fake, session, credentials)
        await _say(client, "local use")
        assert _authorizations(fake) == [None]
        assert credentials.calls == []


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connector_http, "BACKOFF_SECONDS", 0.0)


async def test_a_card_update_is_retried_through_passing_server_errors(
    session: aiohttp.ClientSession, no_backoff: None
) -> None:
    """As the stock client did: PUT (how a card is redrawn) is tried again on a 5xx."""
    async with FakeConnector() as fake:
        client = _client(fake, session, RecordingCredentials(app_id=None))
        posted = await client.conversations.send_to_conversation(
            "conv-1", Activity(type="message", text="agenda v1")
        )
        fake.fail_next(502, times=2, method="PUT")
        await client.conversations.update_activity(
            "conv-1", posted.id, Activity(type="message", text="agenda v2")
        )
        assert [(c.method, c.status) for c in fake.calls] == [
            ("POST", 201),
            ("PUT", 502),
            ("PUT", 502),
            ("PUT", 200),
        ]
        assert fake.current(posted.id)["text"] == "agenda v2"


async def test_a_reply_is_never_sent_twice_on_a_server_error(
    session: aiohttp.ClientSession, no_backoff: None
) -> None:
    async with FakeConnector() as fake:
        client = _client(fake, session, RecordingCredentials(app_id=None))
        fake.fail_next(502, method="POST")
        with pytest.raises(HttpOperationError) as raised:
            await _say(client, "once only")
        assert as_delivery_error(raised.value).status == 502
        assert len(fake.calls) == 1, "the outbox, not the client, retries a POST"


async def test_an_update_gives_up_after_three_retries(
    session: aiohttp.ClientSession, no_backoff: None
) -> None:
    async with FakeConnector() as fake:
        client = _client(fake, session, RecordingCredentials(app_id=None))
        posted = await client.conversations.send_to_conversation(
            "conv-1", Activity(type="message", text="agenda v1")
        )
        fake.fail_next(503, times=10, method="PUT")
        with pytest.raises(HttpOperationError) as raised:
            await client.conversations.update_activity(
                "conv-1", posted.id, Activity(type="message", text="agenda v2")
            )
        assert as_delivery_error(raised.value).status == 503
        assert [c.method for c in fake.calls] == ["POST"] + ["PUT"] * 4


@pytest.mark.parametrize(
    ("retry", "retry_after", "seconds"),
    [
        (1, None, 0.0),
        (2, None, 1.6),
        (3, None, 3.2),
        (2, "5", 5.0),
        (2, "600", 20.0),
        (2, "soon", 1.6),
    ],
)
def test_waits_between_retries(retry: int, retry_after: str | None, seconds: float) -> None:
    assert connector_http._wait_before(retry, retry_after) == pytest.approx(seconds)
