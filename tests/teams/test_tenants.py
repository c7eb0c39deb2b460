"""Only the partnership's own tenants may use the bot: others are refused before any
handler runs, and nothing is read, written or sent."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.domain.clock import FrozenClock
from bot.store.db import Store
from tests.e2e.harness import running_bot
from tests.e2e.scenario import row_counts
from tests.support.activities import TENANT_ID, invoke_action, message


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


def test_the_allow_list_defaults_to_the_bots_own_tenant() -> None:
    assert Settings(APP_TENANTID="t-1").tenant_allow_list == {"t-1"}
    assert Settings(APP_TENANTID="t-1", allowed_tenants=("t-2", "t-3")).tenant_allow_list == {
        "t-2",
        "t-3",
    }
    assert Settings().tenant_allow_list == frozenset()
    assert Settings.from_env({"ALLOWED_TENANTS": "a, b"}).allowed_tenants == ("a", "b")
