"""Answers' claims (``Store.claim_answer``), written in batches.

Every turn that answers without writing claims its answer just before it goes out, so that
a resend of the turn (Teams resends one it waited over 15 seconds for) is not answered
twice, from this instance or another. Claimed one by one, each was a pooled connection,
a statement and a commit of its own; turns answering at once now share one statement
(``GroupCommit``), and each still learns, before its answer goes out, whether its claim
was the first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store.group_commit import GroupCommit
from bot.store.tables import ProcessedActivity, UTCDateTime, table_of
from bot.store.upsert import on_conflict

#: A claim: its key (``ANSWERED`` and the turn's key) and when it was made.
Claim = tuple[str, datetime]

_PROCESSED = table_of(ProcessedActivity)

#: All of a batch's claims in one statement on PostgreSQL, compiled once: those that
#: were not there before come back.
_PG_CLAIM = text(
    "INSERT INTO processed_activities (activity_id, processed_at) "
    "SELECT * FROM unnest(:ids, :ats) ON CONFLICT (activity_id) DO NOTHING "
    "RETURNING activity_id"
).bindparams(
    bindparam("ids", type_=ARRAY(String())),
    bindparam("ats", type_=ARRAY(UTCDateTime())),
)


class AnswerClaims:
    """Claims queued by ``claim`` and written together; True for the first claim of a
    key ever made, False for every later one (in the same batch or not)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._batches: GroupCommit[Claim, bool] = GroupCommit(self._write)

    async def claim(self, key: str, now: datetime) -> bool:
        return await self._batches.submit((key, now))

    async def _write(self, batch: list[Claim]) -> list[bool]:
        async with self._engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            return await claim_keys(autocommit, batch)

    async def close(self) -> None:
        await self._batches.close()


async def claim_keys(connection: AsyncConnection, batch: list[Claim]) -> list[bool]:
    """Claim every key of ``batch`` in one statement, on ``connection`` (autocommitted, or
    inside the transaction whose writes the claims guard); True for each claim that is
    the key's first ever, False for a key already there, or earlier in the batch."""
    if connection.dialect.name == "postgresql":
        parameters = {"ids": [key for key, _ in batch], "ats": [at for _, at in batch]}
        result = await connection.execute(_PG_CLAIM, parameters)
    else:
        # SQLite has no arrays: the batch's rows as one multi-row insert.
        result = await connection.execute(_sqlite_claim(batch))
    won = set(result.scalars())
    claimed = []
    for key, _ in batch:
        claimed.append(key in won)
        won.discard(key)  # a key twice in one batch: only its first claim is first
    return claimed


def _sqlite_claim(batch: list[Claim]) -> Any:
    rows = [{"activity_id": key, "processed_at": at} for key, at in batch]
    return on_conflict("sqlite", _PROCESSED, rows, ["activity_id"]).returning(
        _PROCESSED.c.activity_id
    )
