"""Health, readiness and request ids, on the real server.

``/healthz`` says the process is up without touching the store; ``/readyz`` says whether
the store answers and is at the newest migration, as 200 or 503 with the check that
failed, never a 500 or a stack trace. Neither needs Bot Framework authentication nor a
listed tenant. Every response carries ``X-Request-Id``.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import text

from bot.config import Settings
from bot.domain.clock import FrozenClock
from bot.http.health import expected_revisions
from bot.store.db import Store, make_engine
from tests.e2e.harness import BotUnderTest, running_bot
from tests.e2e.scenario import store_of
from tests.support.activities import message

AUTH_ON = Settings(
    APP_ID="11111111-2222-3333-4444-555555555555",
    APP_PASSWORD="not-a-real-secret",
    APP_TENANTID="11111111-1111-1111-1111-111111111111",
)


async def get(bot: BotUnderTest, path: str, **headers: str) -> tuple[int, Any, dict[str, str]]:
    async with bot.session.get(bot.server.make_url(path), headers=headers) as response:
        body = await response.json(content_type=None) if path != "/nowhere" else None
        return response.status, body, {k.lower(): v for k, v in response.headers.items()}


async def test_healthz_and_readyz_answer_when_all_is_well(bot: BotUnderTest) -> None:
    status, body, _ = await get(bot, "/healthz")
    assert (status, body) == (200, {"status": "ok"})
    status, body, _ = await get(bot, "/readyz")
    assert status == 200
    assert body == {"status": "ready", "checks": {"store": "ok", "migrations": "ok"}}


async def test_probes_need_no_authentication_and_no_tenant(
    demo_store: Store, clock: FrozenClock
) -> None:
    """Auth on and an allow-list that excludes the test tenant: /api/messages refuses,
    the probes still answer."""
    async with running_bot(demo_store, clock, AUTH_ON) as bot:
        status, _ = await bot.send(message("help"))
        assert status == 401  # unsigned: refused before its (unlisted) tenant is looked at
        assert (await get(bot, "/healthz"))[0] == 200
        assert (await get(bot, "/readyz"))[0] == 200


async def test_readyz_names_the_store_when_it_cannot_be_reached(
    bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = store_of(bot)
    dead = make_engine("postgresql+asyncpg://postgres@127.0.0.1:1/test")
    monkeypatch.setattr(store, "engine", dead)
    try:
        status, body, _ = await get(bot, "/readyz")
        assert status == 503
        assert body["failed"] == "store" and body["status"] == "unavailable"
        assert "Traceback" not in body["reason"] and "\n" not in body["reason"]
        # Liveness does not depend on the store: the process is fine.
        assert (await get(bot, "/healthz"))[0] == 200
    finally:
        monkeypatch.undo()
        await dead.dispose()


async def test_readyz_names_the_migrations_when_the_store_is_behind(bot: BotUnderTest) -> None:
    store = store_of(bot)
    async with store.engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    status, body, _ = await get(bot, "/readyz")
    assert status == 503 and body["failed"] == "migrations"
    assert "0001" in body["reason"]
    assert all(head in body["reason"] for head in expected_revisions())


async def test_a_request_id_is_kept_when_safe_and_made_when_not(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _, _, headers = await get(bot, "/healthz", **{"X-Request-Id": "lb-7f3a.42"})
    assert headers["x-request-id"] == "lb-7f3a.42"
    for unsafe in ("x" * 65, "two words", "<script>", "ä-id"):
        _, _, headers = await get(bot, "/healthz", **{"X-Request-Id": unsafe})
        made = headers["x-request-id"]
        assert made != unsafe and made.isalnum() and len(made) == 32
    _, _, first = await get(bot, "/healthz")
    _, _, second = await get(bot, "/healthz")
    assert first["x-request-id"] != second["x-request-id"]
    lines = [r for r in caplog.records if r.name == "bot.http"]
    assert lines[0].request_id == "lb-7f3a.42"  # type: ignore[attr-defined]
    assert lines[0].route == "/healthz" and lines[0].status == 200  # type: ignore[attr-defined]


async def test_the_request_line_names_the_route_not_the_address(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for address, route in (
        ("/meetings/987654", "/meetings/{meeting_id}"),
        ("/exports/actions?agency=police&dueBefore=2026-12-01", "/exports/actions"),
    ):
        async with bot.session.get(bot.server.make_url(address), allow_redirects=False) as response:
            assert response.status == 303  # no session: sign in first
            assert response.headers["x-request-id"]
        lines = [r for r in caplog.records if r.name == "bot.http"]
        assert lines and lines[-1].route == route  # type: ignore[attr-defined]
    assert "987654" not in caplog.text and "police" not in caplog.text
    async with bot.session.get(bot.server.make_url("/nowhere")) as response:
        assert response.status == 404 and response.headers["x-request-id"]
    assert caplog.records[-1].route == "unmatched"  # type: ignore[attr-defined]
