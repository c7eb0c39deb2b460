"""Sign-ins by the authorisation-code flow under way: kept between leaving for Entra ID
and coming back (``bot.web.code_flow``).

Why in the store and not in a cookie: the flow holds the PKCE verifier, which must
never reach the browser, and a row can be used once only, on any instance. The row is
found by the SHA-256 of the ``state`` Entra sends back (a copy of the table cannot be
matched to a callback), its flow is encrypted with the data keys, and it is taken (marked
used) in the same statement that finds it, so a callback replayed, or two at once, get
one sign-in between them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from bot.domain.clock import Clock
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store

#: How long a sign-in may take between leaving for Entra ID and coming back.
PENDING_FOR = timedelta(minutes=10)
ACTOR = "web:sign-in"


def state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Pending:
    flow: str
    return_to: str


class PendingSignIns:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def put(self, state: str, flow: str, return_to: str) -> None:
        now = self.clock.now()
        async with self.store.transaction(now=now) as session:
            audit.act_as(session.sync_session, ACTOR)
            session.add(
                t.WebSignIn(
                    state_hash=state_hash(state), flow=flow, return_to=return_to, created_at=now
                )
            )

    async def take(self, state: str) -> Pending | None:
        """The sign-in ``state`` belongs to, once: None when there is none, it was taken
        before, or it is older than ``PENDING_FOR``."""
        if not state or len(state) > 200:
            return None
        now = self.clock.now()
        async with self.store.transaction(now=now) as session:
            audit.act_as(session.sync_session, ACTOR)
            taken = await session.execute(
                update(t.WebSignIn)
                .where(
                    t.WebSignIn.state_hash == state_hash(state),
                    t.WebSignIn.used_at.is_(None),
                    t.WebSignIn.created_at > now - PENDING_FOR,
                )
                .values(used_at=now)
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                return None
            row = await session.scalar(
                select(t.WebSignIn).where(t.WebSignIn.state_hash == state_hash(state))
            )
            if row is None:
                return None
            return Pending(row.flow, row.return_to)
