"""Only the partnership's own tenants may use the bot: others are refused before any
handler runs, and nothing is read, written or sent. The tenant is checked after the
caller is authenticated, so an anonymous caller learns nothing about the list; tenant
ids (GUIDs) are compared without regard to case."""

from __future__ import annotations

from typing import Any

import pytest

from bot.config import Settings
from bot.domain.clock import FrozenClock
from bot.store.db import Store
from tests.e2e.harness import running_bot
from tests.e2e.scenario import row_counts
from tests.support.activities import TENANT_ID, invoke_action, message
from tests.support.fake_graph import TlsFiles
from tests.support.fake_openid import FakeOpenId, channel_claims, mint
from tests.teams.auth_support import APP_ID, Keys, auth_settings, post

LISTED = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
UNLISTED = "11111111-1111-1111-1111-111111111111"


def from_tenant(activity: dict[str, Any], tenant: str) -> dict[str, Any]:
    activity["conversation"]["tenantId"] = tenant
    activity["channelData"] = {**activity.get("channelData", {}), "tenant": {"id": tenant}}
    return activity


@pytest.mark.parametrize(
    "activity",
    [
        lambda: message("start meeting", conversation="channel"),
        lambda: invoke_action("meeting.start", {}, conversation="channel"),
    ],
    ids=["message", "invoke"],
)
async def test_a_tenant_not_on_the_list_is_refused(
    demo_store: Store, clock: FrozenClock, activity: object
) -> None:
    settings = Settings(allowed_tenants=("11111111-1111-1111-1111-111111111111",))
    async with running_bot(demo_store, clock, settings) as bot:
        before = await row_counts(demo_store)
        status, body = await bot.send(activity())  # type: ignore[operator]
        assert status == 403 and "not allowed" in body["error"]
        assert bot.connector.calls == []
        assert await row_counts(demo_store) == before


async def test_a_listed_tenant_is_served(demo_store: Store, clock: FrozenClock) -> None:
    async with running_bot(demo_store, clock, Settings(allowed_tenants=(TENANT_ID,))) as bot:
        status, _ = await bot.send(message("help"))
        assert status in (200, 201) and bot.connector.texts()


async def test_an_anonymous_caller_learns_nothing_about_the_list(
    demo_store: Store,
    clock: FrozenClock,
    tls: TlsFiles,
    keys: Keys,
    channel_openid: FakeOpenId,
    entra_openid: FakeOpenId,
    outbound_token: list[bool],
) -> None:
    """Unsigned, a listed and an unlisted tenant get the same 401; signed, the unlisted
    one gets 403 and the listed one is served."""
    settings = auth_settings(
        tls, channel_openid.metadata_url, entra_openid.metadata_url, allowed_tenants=(LISTED,)
    )
    async with running_bot(demo_store, clock, settings) as bot:
        before = await row_counts(demo_store)
        unsigned = [
            await post(bot, from_tenant(message("start meeting"), tenant), None)
            for tenant in (LISTED, UNLISTED)
        ]
        assert [(status, body) for status, body, _ in unsigned] == [
            (401, {"error": "not authenticated: no bearer token"})
        ] * 2
        token = mint(
            keys.channel.private, channel_claims(APP_ID, bot.connector.url), kid=keys.channel.kid
        )
        status, body, _ = await post(
            bot, from_tenant(message("start meeting"), UNLISTED), f"Bearer {token}"
        )
        assert status == 403 and "not allowed" in body["error"]
        assert bot.connector.calls == [] and await row_counts(demo_store) == before
        status, _, _ = await post(bot, from_tenant(message("help"), LISTED), f"Bearer {token}")
        assert status in (200, 201) and bot.connector.texts()


@pytest.mark.parametrize(
    ("listed", "sent"),
    [(LISTED.upper(), LISTED), (LISTED, LISTED.upper())],
    ids=["list upper case", "activity upper case"],
)
async def test_tenant_ids_are_compared_without_case(
    demo_store: Store, clock: FrozenClock, listed: str, sent: str
) -> None:
    async with running_bot(demo_store, clock, Settings(allowed_tenants=(listed,))) as bot:
        status, _ = await bot.send(from_tenant(message("help"), sent))
        assert status in (200, 201) and bot.connector.texts()


def test_the_allow_list_defaults_to_the_bots_own_tenant() -> None:
    assert Settings(APP_TENANTID="t-1").tenant_allow_list == {"t-1"}
    assert Settings(APP_TENANTID="t-1", allowed_tenants=("t-2", "t-3")).tenant_allow_list == {
        "t-2",
        "t-3",
    }
    assert Settings().tenant_allow_list == frozenset()
    assert Settings.from_env({"ALLOWED_TENANTS": "a, b"}).allowed_tenants == ("a", "b")
    # Normalised when the settings are read: GUIDs in any case name the same tenant.
    assert Settings.from_env({"ALLOWED_TENANTS": LISTED.upper()}).allowed_tenants == (LISTED,)
    assert Settings(APP_TENANTID=LISTED.upper()).tenant_allow_list == {LISTED}
