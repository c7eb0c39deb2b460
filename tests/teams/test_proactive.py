"""BotMessenger: proactive cards through the real CloudAdapter (authentication off) to the
recording fake Bot Connector, and how connector failures reach the outbox sender."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)

from bot.config import Settings
from bot.services.outbox import DeliveryError, Recipient
from bot.teams.proactive import BotMessenger, as_delivery_error, retry_after_seconds
from tests.support.activities import TENANT_ID
from tests.support.fake_connector import FakeConnector, error_body

CARD: dict[str, Any] = {
    "type": "AdaptiveCard",
    "version": "1.5",
    "body": [{"type": "TextBlock", "text": "You have 2 actions to update.", "wrap": True}],
}


@pytest.fixture
async def fake() -> AsyncIterator[FakeConnector]:
    async with FakeConnector() as connector:
        yield connector


@pytest.fixture
def adapter() -> CloudAdapter:
    settings = Settings()
    assert not settings.auth_enabled
    made = CloudAdapter(ConfigurationBotFrameworkAuthentication(settings.bot_framework_config()))
    turn_errors: list[Exception] = []

    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        # The app installs a handler that messages the user; a proactive failure must
        # never reach it (it would message the person about our own failure).
        turn_errors.append(error)
        raise AssertionError("a proactive send reached on_turn_error")

    made.on_turn_error = on_turn_error
    return made


def recipient(fake: FakeConnector, conversation_id: str | None) -> Recipient:
    return Recipient(
        member_id=4,
        teams_user_id="29:user-priya",
        tenant_id=TENANT_ID,
        service_url=fake.url,
        conversation_id=conversation_id,
        bot_id="28:bot-id",
    )


async def test_a_known_conversation_gets_the_card_posted_to_it(
    fake: FakeConnector, adapter: CloudAdapter
) -> None:
    messenger = BotMessenger(adapter, "")
    result = await messenger.send(recipient(fake, "a:personal-1"), CARD)

    posted = fake.posted("a:personal-1")
    assert len(posted) == 1
    assert result.activity_id == posted[0].activity_id
    assert result.conversation_id == "a:personal-1"
    assert fake.created() == []
    assert fake.cards("a:personal-1") == [CARD]
    assert [(c.method, c.path) for c in fake.calls] == [
        ("POST", "/v3/conversations/a:personal-1/activities")
    ]
    assert posted[0].reply_to_id is None


async def test_without_a_conversation_one_is_created_then_the_card_sent(
    fake: FakeConnector, adapter: CloudAdapter
) -> None:
    messenger = BotMessenger(adapter, "")
    result = await messenger.send(recipient(fake, None), CARD)

    [created] = fake.created()
    assert created["isGroup"] is False
    assert created["members"] == [{"id": "29:user-priya"}]
    # botbuilder 4.17 writes the key as "tenantID"; Teams reads the tenant from channelData.
    assert created["tenantID"] == TENANT_ID
    assert created["channelData"] == {"tenant": {"id": TENANT_ID}}
    assert "activity" not in created or created["activity"] is None
    assert result.conversation_id is not None and result.conversation_id.startswith("a:new-")
    posted = fake.posted(result.conversation_id)
    assert len(posted) == 1
    assert result.activity_id == posted[0].activity_id
    assert fake.cards(result.conversation_id) == [CARD]
    assert [(c.method, c.path.rstrip("/")) for c in fake.calls] == [
        ("POST", "/v3/conversations"),
        ("POST", f"/v3/conversations/{result.conversation_id}/activities"),
    ]


async def test_a_blocked_user_is_a_403_delivery_error(
    fake: FakeConnector, adapter: CloudAdapter
) -> None:
    fake.fail_next(403, body=error_body(403, "MessageWritesBlocked"), method="POST")
    with pytest.raises(DeliveryError) as raised:
        await BotMessenger(adapter, "").send(recipient(fake, "a:personal-1"), CARD)
    assert raised.value.status == 403
    assert raised.value.code == "MessageWritesBlocked"
    assert raised.value.retry_after is None
    assert fake.posted() == []
    assert len(fake.calls) == 1  # msrest never retries a POST


async def test_429_with_retry_after_is_mapped_with_its_delay(
    fake: FakeConnector, adapter: CloudAdapter
) -> None:
    fake.fail_next(429, headers={"Retry-After": "7"}, path_contains="/activities")
    with pytest.raises(DeliveryError) as raised:
        await BotMessenger(adapter, "").send(recipient(fake, "a:personal-1"), CARD)
    assert (raised.value.status, raised.value.retry_after) == (429, 7.0)
    assert raised.value.code == "Throttled"
    assert len(fake.calls) == 1


async def test_429_without_retry_after_has_no_delay(
    fake: FakeConnector, adapter: CloudAdapter
) -> None:
    fake.fail_next(429, path_contains="/activities")
    with pytest.raises(DeliveryError) as raised:
        await BotMessenger(adapter, "").send(recipient(fake, "a:personal-1"), CARD)
    assert (raised.value.status, raised.value.retry_after) == (429, None)


async def test_a_failure_after_creating_the_conversation_still_returns_its_id(
    fake: FakeConnector, adapter: CloudAdapter
) -> None:
    fake.fail_next(502, path_contains="/activities")
    with pytest.raises(DeliveryError) as raised:
        await BotMessenger(adapter, "").send(recipient(fake, None), CARD)
    assert raised.value.status == 502
    assert raised.value.conversation_id is not None
    assert raised.value.conversation_id.startswith("a:new-")
    assert len(fake.created()) == 1


async def test_creating_the_conversation_can_fail_too(
    fake: FakeConnector, adapter: CloudAdapter
) -> None:
    fake.fail_next(403, method="POST")
    with pytest.raises(DeliveryError) as raised:
        await BotMessenger(adapter, "").send(recipient(fake, None), CARD)
    assert raised.value.status == 403
    assert raised.value.conversation_id is None
    assert fake.posted() == []


async def test_a_connector_that_is_not_there_is_status_0(adapter: CloudAdapter) -> None:
    async with FakeConnector() as gone:
        to = recipient(gone, "a:personal-1")
    with pytest.raises(DeliveryError) as raised:
        await BotMessenger(adapter, "").send(to, CARD)
    assert raised.value.status == 0
    assert raised.value.retry_after is None


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds("1.5") == 1.5
    assert retry_after_seconds("-3") == 0.0
    assert retry_after_seconds("Thu, 19 Nov 2026 10:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Thu, 19 Nov 2026 09:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("nan") is None
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("") is None


def test_unknown_failures_keep_only_their_class_name() -> None:
    error = as_delivery_error(RuntimeError("Priya Shah: A-12 about CR-0001"))
    assert (error.status, error.code) == (0, "RuntimeError")
    assert "Priya" not in str(error)
