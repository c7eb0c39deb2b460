"""The fake Bot Connector's rate limits (teams_limits.py), shown exactly: which request is
the first refused in each of Teams' windows, what the refusal looks like, and that a
window frees on time. Time comes from a clock the test sets; nothing sleeps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from botbuilder.schema import Activity, ErrorResponseException
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials

from .fake_connector import FakeConnector
from .teams_limits import TEAMS_LIMITS, Scope, SendLimits, Window

CONVERSATION = "19:meeting@thread.tacv2;messageid=1795301167862"


class Clock:
    """The fake's clock, set by the test."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(name="clock")
def clock_fixture() -> Clock:
    return Clock()


@pytest.fixture(name="fake")
async def fake_fixture(clock: Clock) -> AsyncIterator[FakeConnector]:
    async with FakeConnector(clock=clock) as fake:
        fake.limit()
        yield fake


@pytest.fixture(name="http")
async def http_fixture() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _send(
    http: aiohttp.ClientSession,
    fake: FakeConnector,
    conversation: str = CONVERSATION,
    *,
    edit: str | None = None,
) -> tuple[int, dict[str, str], Any]:
    """One POST (a new message) or PUT (an edit of ``edit``), raw: no client retries."""
    url = f"{fake.url}v3/conversations/{conversation}/activities"
    body = {"type": "message", "text": "hi"}
    async with (
        http.put(f"{url}/{edit}", json=body) if edit else http.post(url, json=body)
    ) as response:
        return response.status, dict(response.headers), await response.json()


async def _sends_at(
    http: aiohttp.ClientSession, fake: FakeConnector, clock: Clock, times: list[float]
) -> list[int]:
    statuses = []
    for at in times:
        clock.now = at
        status, _, _ = await _send(http, fake)
        statuses.append(status)
    return statuses


async def test_the_eighth_send_in_one_second_is_refused_with_teams_answer(
    fake: FakeConnector, clock: Clock, http: aiohttp.ClientSession
) -> None:
    assert await _sends_at(http, fake, clock, [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]) == [201] * 7

    clock.now = 0.9
    status, headers, body = await _send(http, fake)

    assert status == 429
    assert headers["Retry-After"] == "1"
    assert body == {"error": {"code": "Throttled", "message": "Too many requests."}}
    (refusal,) = fake.refusals()
    assert (refusal.at, refusal.method, refusal.conversation_id) == (0.9, "POST", CONVERSATION)
    assert [w.name for w in refusal.windows] == ["7/1s per conversation"]
    assert len(fake.sent(CONVERSATION)) == 7, "a refused send is not delivered"
    # At 1.0 the send at 0.0 has left the window (t - 1 < s <= t): one more fits.
    assert await _sends_at(http, fake, clock, [1.0, 1.05]) == [201, 429]


async def test_the_ninth_send_in_two_seconds_is_refused(
    fake: FakeConnector, clock: Clock, http: aiohttp.ClientSession
) -> None:
    eight = [0.0, 0.5, 1.0, 1.25, 1.5, 1.6, 1.7, 1.8]  # never 8 in any one second
    assert await _sends_at(http, fake, clock, eight) == [201] * 8

    assert await _sends_at(http, fake, clock, [1.9]) == [429]
    assert [w.name for w in fake.refusals()[0].windows] == ["8/2s per conversation"]
    assert await _sends_at(http, fake, clock, [2.0]) == [201], "the send at 0.0 has left"


async def test_edits_count_as_sends(
    fake: FakeConnector, clock: Clock, http: aiohttp.ClientSession
) -> None:
    for n in range(7):
        clock.now = n / 10
        status, _, _ = await _send(http, fake, edit="1795400000000")
        assert status == 200
    status, _, _ = await _send(http, fake)  # a new message, after seven edits
    assert status == 429
    clock.now = 0.75
    status, headers, _ = await _send(http, fake, edit="1795400000000")
    assert (status, headers["Retry-After"]) == (429, "1")
    assert [r.method for r in fake.refusals()] == ["POST", "PUT"]
    assert len(fake.updated("1795400000000")) == 7


async def test_the_sixty_first_send_in_thirty_seconds_is_refused(
    fake: FakeConnector, clock: Clock, http: aiohttp.ClientSession
) -> None:
    sixty = [n * 0.49 for n in range(60)]  # 4 in any 2 s, 60 by 28.91 s
    assert await _sends_at(http, fake, clock, sixty) == [201] * 60

    clock.now = 29.5
    status, headers, _ = await _send(http, fake)
    assert status == 429
    assert headers["Retry-After"] == "1", "the send at 0.0 leaves at 30.0"
    assert [w.name for w in fake.refusals()[0].windows] == ["60/30s per conversation"]
    assert await _sends_at(http, fake, clock, [30.0, 30.1]) == [201, 429]


async def test_retry_after_is_the_wait_until_the_window_frees_rounded_up(
    fake: FakeConnector, clock: Clock, http: aiohttp.ClientSession
) -> None:
    sixty = [n * 0.1 for n in range(7)] + [n * 0.49 + 2.0 for n in range(53)]
    assert await _sends_at(http, fake, clock, sixty) == [201] * 60
    clock.now = 27.8  # the send at 0.0 leaves the 30 s window at 30.0: 2.2 s away
    _, headers, _ = await _send(http, fake)
    assert headers["Retry-After"] == "3"


def test_the_eighteen_hundred_and_first_send_in_an_hour_is_refused() -> None:
    clock = Clock()
    limits = SendLimits(clock=clock)
    for n in range(1800):  # one every 2 s: 15 in any 30 s
        clock.now = n * 2.0
        assert limits.admit("POST", CONVERSATION) is None
    clock.now = 3599.0
    assert limits.admit("POST", CONVERSATION) == 1
    assert [w.name for w in limits.refusals[0].windows] == ["1800/3600s per conversation"]
    clock.now = 3600.0
    assert limits.admit("POST", CONVERSATION) is None, "the send at 0 has left the hour"


async def test_conversations_are_counted_apart(
    fake: FakeConnector, clock: Clock, http: aiohttp.ClientSession
) -> None:
    for n in range(7):
        clock.now = n / 100
        await _send(http, fake, "a:one")
    status, _, _ = await _send(http, fake, "a:two")
    assert status == 201
    status, _, _ = await _send(http, fake, "a:one")
    assert status == 429


async def test_the_fifty_first_request_of_the_app_in_one_second_is_refused(
    fake: FakeConnector, clock: Clock, http: aiohttp.ClientSession
) -> None:
    for n in range(45):  # nine conversations, five each: no conversation reaches 7/1s
        clock.now = n / 50
        status, _, _ = await _send(http, fake, f"a:{n % 9}")
        assert status == 201
    for n in range(5):  # reads count too
        clock.now = 0.9 + n / 100
        async with http.get(f"{fake.url}v3/conversations/a:0/members") as response:
            assert response.status == 200

    clock.now = 0.99
    status, _, _ = await _send(http, fake, "a:fresh")
    async with http.get(f"{fake.url}v3/conversations/a:0/members") as response:
        read = response.status

    assert (status, read) == (429, 429)
    assert [w.name for w in fake.refusals()[0].windows] == ["50/1s per app"]
    assert fake.refusals()[1].conversation_id is None
    clock.now = 1.0  # the request at 0.0 has left
    status, _, _ = await _send(http, fake, "a:fresh")
    assert status == 201


async def test_a_refused_request_is_not_counted(
    fake: FakeConnector, clock: Clock, http: aiohttp.ClientSession
) -> None:
    assert await _sends_at(http, fake, clock, [n / 10 for n in range(7)]) == [201] * 7
    assert await _sends_at(http, fake, clock, [0.95, 0.96, 0.97]) == [429] * 3
    # Had the refusals counted, 1.0 would still see 9 in the window.
    assert await _sends_at(http, fake, clock, [1.0]) == [201]


async def test_botbuilder_sees_throttling_as_an_error_response(
    fake: FakeConnector, clock: Clock
) -> None:
    client = ConnectorClient(MicrosoftAppCredentials("", ""), base_url=fake.url)
    note = Activity(type="message", text="hi")
    for _ in range(7):
        await client.conversations.send_to_conversation(CONVERSATION, note)

    with pytest.raises(ErrorResponseException) as raised:
        await client.conversations.send_to_conversation(CONVERSATION, note)

    assert raised.value.error.error.code == "Throttled"
    assert raised.value.response.status_code == 429


async def test_reset_starts_the_counts_again_and_keeps_the_limits(
    fake: FakeConnector, clock: Clock, http: aiohttp.ClientSession
) -> None:
    await _sends_at(http, fake, clock, [0.0] * 8)
    assert len(fake.refusals()) == 1
    fake.reset()
    assert fake.refusals() == []
    assert await _sends_at(http, fake, clock, [0.0] * 8) == [201] * 7 + [429]


async def test_an_injected_fault_comes_before_the_limits(
    fake: FakeConnector, clock: Clock, http: aiohttp.ClientSession
) -> None:
    fake.fail_next(500, method="POST")
    assert await _sends_at(http, fake, clock, [0.0] * 8) == [500] + [201] * 7
    assert fake.refusals() == []


async def test_calls_are_stamped_and_bodies_kept_for_chosen_conversations(
    fake: FakeConnector, clock: Clock, http: aiohttp.ClientSession
) -> None:
    fake.keep_bodies = False
    fake.keep_bodies_of.add("a:kept")
    clock.now = 5.0
    await _send(http, fake, "a:kept", edit="7")
    clock.now = 6.0
    await _send(http, fake, "a:other", edit="8")
    await _send(http, fake, "a:kept")

    assert [(c.at, c.json is not None) for c in fake.calls] == [
        (5.0, True),
        (6.0, False),
        (6.0, True),
    ]
    assert fake.updated("7") == [{"type": "message", "text": "hi"}]
    assert fake.updated("8") == [{}]
    assert fake.texts("a:kept") == ["hi"]


def test_the_windows_are_teams_documented_ones() -> None:
    assert [(w.scope, w.count, w.seconds) for w in TEAMS_LIMITS] == [
        (Scope.CONVERSATION, 7, 1.0),
        (Scope.CONVERSATION, 8, 2.0),
        (Scope.CONVERSATION, 60, 30.0),
        (Scope.CONVERSATION, 1800, 3600.0),
        (Scope.APP, 50, 1.0),
    ]
    assert Window(Scope.APP, 50, 1.0).name == "50/1s per app"
