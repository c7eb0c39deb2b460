"""The one way into the outbox: ``enqueue`` writes notices in the caller's transaction.

Whatever causes a message (a chase run, a chair's decision, a role granted) writes its
``outbox`` rows in the same transaction as the change itself, so the message goes out if
and only if the change is kept. Each row's ``dedupe_key`` is unique: a notice queued again
(a job repeated after a restart, a second process) is skipped, also when another process
inserts the same key at the same moment. A producer whose key must never be seen twice
(the second decision of one request would be a race lost) asks for ``IfQueued.REFUSE``:
the duplicate then raises ``IntegrityError`` and its cause is rolled back. A key longer
than the column (``MAX_KEY_CHARS``) is refused with ``ValueError`` before anything is
written: cut short, two different notices could share a key and the second be skipped.

Many rows go in one batched statement, never a query per row: a chase run queues
thousands of digests.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.notices import MAX_KEY_CHARS, Notice
from bot.store import tables as t
from bot.store.upsert import insert_ignoring_duplicates

from .status import OutboxStatus


class IfQueued(Enum):
    """What ``enqueue`` does with a notice whose key is already in the outbox."""

    SKIP = "skip"  # leave the one there: the notice is queued once however often it is asked
    REFUSE = "refuse"  # raise IntegrityError: the cause must not happen twice


async def enqueue(
    session: AsyncSession,
    notices: Iterable[Notice],
    *,
    due: datetime,
    created_at: datetime | None = None,
    if_queued: IfQueued = IfQueued.SKIP,
) -> int:
    """Queue ``notices``, in the caller's transaction, to be sent from ``due`` on
    (``created_at`` defaults to ``due``). Returns how many rows were new. Raises
    ``ValueError``, writing nothing, if a notice's key is over ``MAX_KEY_CHARS``."""
    rows = [_row(notice, due, created_at or due) for notice in notices]
    if not rows:
        return 0
    table = t.table_of(t.OutboxMessage)
    if if_queued is IfQueued.REFUSE:
        await session.execute(insert(table), rows)
        return len(rows)
    return await insert_ignoring_duplicates(session, table, rows, ["dedupe_key"])


def _row(notice: Notice, due: datetime, created_at: datetime) -> dict[str, Any]:
    if len(notice.key) > MAX_KEY_CHARS:
        # The kind and the length only: a key may name people or records.
        raise ValueError(
            f"a {notice.kind.value} notice's key is {len(notice.key)} characters, "
            f"over the {MAX_KEY_CHARS} the outbox keeps"
        )
    return {
        "dedupe_key": notice.key,
        "kind": notice.kind.value,
        "recipient_member_id": notice.recipient_member_id,
        "payload": notice.payload_text(),
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": due,
        "last_error": "",
        "created_at": created_at,
    }
