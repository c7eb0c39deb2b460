"""The retention run deletes page sessions and code-flow sign-ins a day after they ended,
were used or expired, and keeps the current ones (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select

from bot.domain.clock import FrozenClock
from bot.domain.retention import RetentionPolicy
from bot.domain.web_sessions import SignInMethod
from bot.services.context import ActorRef
from bot.services.retention import RetentionService
from bot.services.web_sessions import WebSessions
from bot.services.web_sign_ins import PendingSignIns
from bot.store import tables as t
from bot.store.db import Store
from tests.e2e.harness import DEMO

ALEX = ActorRef(teams_user_id="", aad_object_id=DEMO["chair"].aad_object_id)


async def test_ended_and_expired_web_rows_go_a_day_on(
    demo_store: Store, clock: FrozenClock
) -> None:
    sessions = WebSessions(demo_store, clock)
    pending = PendingSignIns(demo_store, clock)
    signed_out = await sessions.open(ALEX, SignInMethod.SSO)
    left_open = await sessions.open(ALEX, SignInMethod.CODE)
    assert signed_out is not None and left_open is not None
    await sessions.end(signed_out.secret)
    await pending.put("used-state", "{}", "/my")
    assert await pending.take("used-state") is not None
    await pending.put("abandoned-state", "{}", "/my")
    clock.advance(hours=23)
    recent = await sessions.open(ALEX, SignInMethod.SSO)
    assert recent is not None
    await sessions.end(recent.secret)  # signed out an hour before the run: kept a day
    current = await sessions.open(ALEX, SignInMethod.SSO)
    await pending.put("under-way", "{}", "/my")
    clock.advance(hours=2)

    report = await RetentionService(demo_store, clock, RetentionPolicy()).run()

    assert report.deleted["web_sessions"] == 2
    assert report.deleted["web_sign_ins"] == 2
    async with demo_store.reading() as session:
        kept = set(await session.scalars(select(t.WebSession.method)))
        assert len((await session.scalars(select(t.WebSession))).all()) == 2
        assert kept == {"sso"}
        assert (await session.scalars(select(t.WebSignIn))).one().return_to == "/my"
    assert current is not None
    assert await sessions.find(current.secret) is None  # expired idle, not deleted yet
