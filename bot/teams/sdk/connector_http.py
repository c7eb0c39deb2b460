"""The Bot Connector's HTTP calls made on the event loop, through one aiohttp session.

Stock botframework-connector 4.17 sends every reply, card update and proactive message
with ``requests`` in the default thread pool (msrest's ``AsyncRequestsHTTPSender``): at
most ``cpu + 4`` calls in flight per process, each a thread handing the GIL back and forth
with the event loop, and msal's token call made synchronously on the loop whenever the
cached token runs out. Profiling a busy "my actions" run found turns queued behind those
threads with a third of the machine idle. Here the same msrest pipeline (user agent, the
bot's token, raw deserialiser, HTTP logger) ends in an aiohttp sender instead, and the
token is fetched in a worker thread, at most once a minute, under a lock.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import AuthenticationConstants
from msrest.pipeline import Request, Response
from msrest.pipeline.async_abc import AsyncHTTPPolicy, AsyncHTTPSender, AsyncPipeline
from msrest.pipeline.universal import RawDeserializer
from msrest.universal_http.aiohttp import AioHttpClientResponse

#: How long one token is used before msal is asked again. msal hands out a cached token
#: only while it has more than five minutes to live, so one a minute old is always valid.
TOKEN_REUSE_SECONDS = 60.0

_Request = Request[Any]
_Response = Response[Any, Any]


#: What the stock client retried (msrest's ``ClientRetryPolicy`` through urllib3) and so
#: what the rest of the bot expects: a card update (PUT), a read (GET) or a delete that
#: met a timeout, a 5xx other than 501/505, or no answer at all is tried up to three more
#: times, waiting 0, 1.6 and 3.2 s (or what a 503's ``Retry-After`` asks, up to 20 s). A
#: POST is never retried here: a reply might then arrive twice, and the outbox owns the
#: retries of what it sends.
RETRIES = 3
BACKOFF_SECONDS = 0.8
MAX_RETRY_AFTER_SECONDS = 20.0
_RETRIED_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def _transient(status: int) -> bool:
    return status == 408 or (status >= 500 and status not in (501, 505))


def _wait_before(retry: int, retry_after: str | None) -> float:
    """Seconds before retry number ``retry`` (1-based), as urllib3 reckons them."""
    asked = retry_after_seconds(retry_after)
    if asked is not None:
        return min(asked, MAX_RETRY_AFTER_SECONDS)
    return 0.0 if retry <= 1 else BACKOFF_SECONDS * 2 ** (retry - 1)


def retry_after_seconds(value: object, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: a number of seconds, or an HTTP date (RFC 9110)."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds or seconds == float("inf"):  # NaN or infinite
        return None
    return max(seconds, 0.0)


class _AiohttpSender(AsyncHTTPSender[Any, Any]):
    """The end of the pipeline: the request as msrest built it, sent with the shared
    session, its body read before returning (msrest's deserialisers read it at once)."""

    def __init__(self, session: aiohttp.ClientSession, timeout: float) -> None:
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def __aenter__(self) -> _AiohttpSender:
        return self

    async def __aexit__(self, *exc_details: object) -> None:
        """The session is shared by every client: its owner closes it."""

    async def send(self, request: _Request, **config: Any) -> _Response:
        http = request.http_request
        if http.files:
            raise NotImplementedError("multipart uploads are not sent through this client")
        retries = RETRIES if http.method.upper() in _RETRIED_METHODS else 0
        for retry in range(1, retries + 2):
            try:
                raw = await self._session.request(
                    http.method,
                    http.url,
                    headers=http.headers,
                    data=http.data,
                    timeout=self._timeout,
                )
            except (aiohttp.ClientConnectionError, TimeoutError):
                if retry > retries:
                    raise
                await asyncio.sleep(_wait_before(retry, None))
                continue
            response = AioHttpClientResponse(http, raw)
            await response.load_body()
            if retry > retries or not _transient(raw.status):
                return Response(request, response)
            retry_after = raw.headers.get("Retry-After") if raw.status == 503 else None
            await asyncio.sleep(_wait_before(retry, retry_after))
        raise AssertionError("unreachable: the last try always returns or raises")


class _BotToken(AsyncHTTPPolicy[Any, Any]):
    """``Authorization: Bearer`` with the bot's token, as msrest's credentials policy
    sets it, but never blocking the loop: msal runs in a worker thread. A 401 drops the
    token and the request is sent once more with a fresh one."""

    def __init__(self, credentials: Any, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._credentials = credentials
        self._clock = clock
        self._token: str | None = None
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def _current(self, *, fresh: bool = False) -> str:
        async with self._lock:
            stale = self._clock() - self._fetched_at >= TOKEN_REUSE_SECONDS
            if fresh or self._token is None or stale:
                self._token = str(
                    await asyncio.to_thread(self._credentials.get_access_token, fresh)
                )
                self._fetched_at = self._clock()
            return self._token

    async def send(self, request: _Request, **kwargs: Any) -> _Response:
        assert self.next is not None, "a policy is always followed in its pipeline"
        used = await self._current()
        request.http_request.headers["Authorization"] = f"Bearer {used}"
        response = await self.next.send(request, **kwargs)
        if response.http_response.status_code != 401:
            return response
        async with self._lock:
            if self._token == used:
                self._token = None
        fresh = await self._current(fresh=self._token is None)
        request.http_request.headers["Authorization"] = f"Bearer {fresh}"
        return await self.next.send(request, **kwargs)


def _needs_token(credentials: Any) -> bool:
    """As the stock credentials decide: no token for an anonymous skill or with no app id
    (the Emulator, the Agents Playground and tests run that way)."""
    app_id = getattr(credentials, "microsoft_app_id", None)
    return bool(app_id) and app_id != AuthenticationConstants.ANONYMOUS_SKILL_APP_ID


def send_on_the_loop(client: ConnectorClient, session: aiohttp.ClientSession) -> ConnectorClient:
    """``client`` with its pipeline ending in ``session`` instead of the thread pool."""
    config = client.config
    policies: list[Any] = [config.user_agent_policy, RawDeserializer(), config.http_logger_policy]
    if _needs_token(config.credentials):
        policies.insert(1, _BotToken(config.credentials))
    client._client.config.pipeline = AsyncPipeline(
        policies, _AiohttpSender(session, float(config.connection.timeout))
    )
    return client
