"""Signed-in page sessions: opened after a sign-in, found on each request, ended at
sign-out or expiry (rules: ``bot.domain.web_sessions``).

Why server-side: a session can be ended here (sign-out, expiry, a member removed) and
is then gone for every copy of its cookie, which a signed cookie could not do. The
cookie holds 32 random bytes; the table holds their SHA-256 only. Every sign-in,
refusal and sign-out is audited, naming the member (or, for a refusal, the Entra object
id that was not a member), never a token.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, exists, select, update

from bot.domain.clock import Clock
from bot.domain.permissions import Permission, roles_granting
from bot.domain.web_sessions import SessionPolicy, SignInMethod
from bot.services.context import ActorRef, find_member
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def csrf_token(secret: str) -> str:
    """The token every form and state-changing request of this session must carry.

    Derived from the session's secret with its own prefix, so it is unguessable without
    the (HttpOnly) cookie, differs from the stored hash, and needs no storage."""
    return hashlib.sha256(b"mace-csrf:" + secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who a page request is from: a member, signed in by ``method``."""

    member_id: int
    name: str
    aad_object_id: str | None
    teams_user_id: str | None
    method: SignInMethod
    csrf: str
    #: Holds the report permission in some group, so may open a dashboard (the
    #: dashboard's rule, ``reportable_groups``): read with the session, for the pages'
    #: navigation only; the dashboard itself checks its group on every request.
    may_report: bool = False

    @property
    def actor(self) -> ActorRef:
        """The person as the services know them: the same identity a chat turn carries."""
        return ActorRef(
            teams_user_id=self.teams_user_id or "",
            aad_object_id=self.aad_object_id,
            name=self.name,
        )


@dataclass(frozen=True, slots=True)
class Opened:
    secret: str
    viewer: Viewer


class WebSessions:
    def __init__(self, store: Store, clock: Clock, policy: SessionPolicy | None = None) -> None:
        self.store = store
        self.clock = clock
        self.policy = policy or SessionPolicy()

    async def open(
        self, actor: ActorRef, method: SignInMethod, tenant_id: str | None = None
    ) -> Opened | None:
        """A new session for the member behind ``actor``; None (audited as a refusal)
        when they are no member, or no longer active."""
        now = self.clock.now()
        async with self.store.transaction(now=now) as session:
            audit.act_as(session, f"web:{actor.aad_object_id or actor.teams_user_id}")
            member = await find_member(session, actor)
            if member is None:
                audit.note(
                    session,
                    audit.AuditAction.REFUSED,
                    "web_sessions",
                    detail=f"{method}: no member",
                )
                return None
            may_report = bool(await session.scalar(select(_reports(member.id))))
            secret = secrets.token_urlsafe(32)
            row = t.WebSession(
                secret_hash=secret_hash(secret),
                member_id=member.id,
                method=method.value,
                tenant_id=tenant_id,
                created_at=now,
                last_seen_at=now,
            )
            session.add(row)
            await session.flush()
            audit.note(session, audit.AuditAction.SIGN_IN, "web_sessions", row.id, detail=method)
            return Opened(secret, _viewer(member, method, secret, may_report=may_report))

    async def stand_in_choices(self) -> list[tuple[int, str]]:
        """The active members, as (id, "name, agency"), for the local stand-in sign-in
        (``make run`` without APP_ID only: the route does not exist otherwise)."""
        async with self.store.reading() as session:
            rows = await session.execute(
                select(t.Member.id, t.Member.name, t.Agency.name)
                .join(t.Agency, t.Agency.id == t.Member.agency_id)
                .where(t.Member.active.is_(True))
                .order_by(t.Member.name)
            )
            return [(member_id, f"{name}, {agency}") for member_id, name, agency in rows]

    async def stand_in_actor(self, member_id: int) -> ActorRef | None:
        """The identity a chosen demo member signs in with, as a chat turn would carry it."""
        async with self.store.reading() as session:
            member = await session.get(t.Member, member_id)
        if member is None or not member.active:
            return None
        return ActorRef(
            teams_user_id=member.teams_user_id or "",
            aad_object_id=member.aad_object_id,
            name=member.name,
        )

    async def find(self, secret: str | None) -> Viewer | None:
        """The session's member, if the session is current and they are still an active
        member; an expired session is ended on the way (so a later request cannot revive
        it by a clock change)."""
        if not secret or len(secret) > 100:
            return None
        now = self.clock.now()
        async with self.store.reading() as session:
            found = (
                await session.execute(
                    select(t.WebSession, t.Member, _reports().label("may_report"))
                    .join(t.Member, t.Member.id == t.WebSession.member_id)
                    .where(
                        t.WebSession.secret_hash == secret_hash(secret),
                        t.WebSession.ended_at.is_(None),
                    )
                )
            ).first()
        if found is None:
            return None
        row, member, may_report = found
        current = self.policy.is_current(row.created_at, row.last_seen_at, now)
        if not current or not member.active:
            await self._end(row.id, now, "member removed" if current else "expired")
            return None
        if self.policy.needs_touch(row.last_seen_at, now):
            async with self.store.transaction(now=now) as session:
                await session.execute(
                    update(t.WebSession).where(t.WebSession.id == row.id).values(last_seen_at=now)
                )
        return _viewer(member, SignInMethod(row.method), secret, may_report=bool(may_report))

    async def end(self, secret: str) -> None:
        """Sign-out: the session is ended for every copy of its cookie."""
        now = self.clock.now()
        async with self.store.transaction(now=now) as session:
            row = await session.scalar(
                select(t.WebSession).where(
                    t.WebSession.secret_hash == secret_hash(secret),
                    t.WebSession.ended_at.is_(None),
                )
            )
            if row is None:
                return
            audit.act_as(session, f"member:{row.member_id}")
            row.ended_at = now
            audit.note(session, audit.AuditAction.SIGN_OUT, "web_sessions", row.id)

    async def _end(self, session_id: int, now: datetime, why: str) -> None:
        async with self.store.transaction() as session:
            audit.act_as(session, "system:web-sessions")
            await session.execute(
                update(t.WebSession)
                .where(t.WebSession.id == session_id, t.WebSession.ended_at.is_(None))
                .values(ended_at=now)
            )
            audit.note(session, audit.AuditAction.SIGN_OUT, "web_sessions", session_id, detail=why)


def _reports(member_id: int | None = None) -> ColumnElement[bool]:
    """Whether the member ``member_id`` (None: the member row of the query this is part
    of) holds a role granting ``Permission.REPORT`` in any group. A subquery of the
    session's own read, so the pages' navigation costs no round trip."""
    granting = sorted(role.value for role in roles_granting(Permission.REPORT))
    whose = (
        t.Membership.member_id == t.Member.id
        if member_id is None
        else t.Membership.member_id == member_id
    )
    return exists().where(whose, t.Membership.role.in_(granting))


def _viewer(
    member: t.Member, method: SignInMethod, secret: str, *, may_report: bool = False
) -> Viewer:
    return Viewer(
        member_id=member.id,
        name=member.name,
        aad_object_id=member.aad_object_id,
        teams_user_id=member.teams_user_id,
        method=method,
        csrf=csrf_token(secret),
        may_report=may_report,
    )
