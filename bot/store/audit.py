"""The audit trail: every create, change, deletion, view, export and refusal, hash-chained.

Creates, changes and deletions are caught where they happen, in the unit of work
(``after_flush``), so no service can forget one; views, exports and refusals are recorded
by the code that serves or refuses them (``note``). Entries are written just before the
transaction commits, in the same transaction as what they describe: a rolled-back change
leaves no entry and a committed one cannot lack its entry.

Each entry's hash covers its own fields and the previous entry's hash. The single
``audit_head`` row is locked while links are added, so links are written one at a time
across processes, and records the newest link so that rows cut off the end are noticed.
Entries name records by type and id and changed fields by name, never by value.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    Integer,
    String,
    bindparam,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from bot.store import tables as t
from bot.store.group_commit import GroupCommit

GENESIS = "0" * 64

#: Housekeeping tables whose rows are not records about anyone.
NOT_AUDITED = frozenset(
    {
        "processed_activities",
        "outbox",
        "reminders_sent",
        "audit_log",
        "audit_head",
    }
)


class AuditAction:
    CREATE = "create"
    CHANGE = "change"
    DELETE = "delete"
    VIEW = "view"
    EXPORT = "export"
    REFUSED = "refused"
    FIRST_CONTACT = "first_contact"
    ANONYMISE = "anonymise"
    HOLD = "hold"
    RELEASE = "release"
    REKEY = "rekey"
    SIGN_IN = "sign_in"
    SIGN_OUT = "sign_out"
    RESTORE = "restore"


@dataclass(slots=True)
class Pending:
    action: str
    record_type: str
    record_id: str
    locality_id: int | None = None
    detail: str = ""
    reason: str = ""


@dataclass(slots=True)
class AuditContext:
    """Who the unit of work acts for. Starts as "system"; the turn's caller is filled in
    as soon as it is known (a stranger by Teams id, a member by member id)."""

    actor: str = "system"
    locality_id: int | None = None
    now: datetime | None = None
    pending: list[Pending] = field(default_factory=list)
    #: The chain's head this unit of work moved it to, once committed (``after_commit``).
    moved_to: tuple[int, str] | None = None


@dataclass(slots=True)
class ChainHead:
    """The chain's head (last id, last hash) as this process last saw it committed.

    Only a guess: other instances, and writes that do not report here, move the head
    too. ``ViewLog`` writes a batch in one statement that moves the head only from this
    guess, so a wrong guess writes nothing and the batch is written the long way, under
    the chain's lock; nothing is ever chained to a stale head."""

    known: tuple[int, str] | None = None


def operator() -> str:
    """The audit actor for the command line: the operating-system user running it."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return f"cli:uid-{os.getuid()}"


def context_of(session: Session | AsyncSession) -> AuditContext:
    if isinstance(session, AsyncSession):
        session = session.sync_session
    ctx = session.info.get("audit")
    if ctx is None:
        ctx = session.info["audit"] = AuditContext()
    assert isinstance(ctx, AuditContext)
    return ctx


def act_as(session: Session | AsyncSession, actor: str, locality_id: int | None = None) -> None:
    ctx = context_of(session)
    ctx.actor = actor[:200]
    if locality_id is not None:
        ctx.locality_id = locality_id


def note(
    session: Session | AsyncSession,
    action: str,
    record_type: str,
    record_id: object = "",
    *,
    locality_id: int | None = None,
    detail: str = "",
    reason: str = "",
) -> None:
    """Queue an entry for a view, export or other event the unit of work cannot see."""
    ctx = context_of(session)
    ctx.pending.append(
        Pending(
            action,
            record_type,
            str(record_id)[:40],
            locality_id if locality_id is not None else ctx.locality_id,
            detail[:400],
            reason[:200],
        )
    )


def after_flush(session: Session, _flush_context: Any) -> None:
    """Turn what the flush wrote into pending entries (names only, never values)."""
    ctx = context_of(session)
    for obj in session.new:
        table = _table(obj)
        if table is None:
            continue
        action = AuditAction.FIRST_CONTACT if table == "member_contacts" else AuditAction.CREATE
        ctx.pending.append(Pending(action, table, _id(obj), _locality(obj, ctx)))
    for obj in session.dirty:
        table = _table(obj)
        if table is None or table == "member_contacts":
            continue
        changed = sorted(
            a.key for a in inspect(obj).attrs if a.history.has_changes() and a.key != "id"
        )
        if changed:
            ctx.pending.append(
                Pending(AuditAction.CHANGE, table, _id(obj), _locality(obj, ctx), ",".join(changed))
            )
    for obj in session.deleted:
        table = _table(obj)
        if table is not None:
            ctx.pending.append(Pending(AuditAction.DELETE, table, _id(obj), _locality(obj, ctx)))


def before_commit(session: Session) -> None:
    """Flush what is left, then chain the pending entries into this same transaction."""
    session.flush()
    ctx = context_of(session)
    if not ctx.pending:
        return
    entries, ctx.pending = ctx.pending, []
    ctx.moved_to = append(session.connection(), entries, ctx.actor, ctx.now or datetime.now(UTC))


def after_commit(session: Session) -> None:
    """Tell the process's ``ChainHead`` (the session's ``info["chain"]``, if any) where
    this commit left the chain, so the next batch of views can follow it directly."""
    ctx = context_of(session)
    head = session.info.get("chain")
    if ctx.moved_to is not None and isinstance(head, ChainHead):
        head.known = ctx.moved_to
    ctx.moved_to = None


def after_rollback(session: Session) -> None:
    """Drop what the rolled-back work did; keep refusals, which are written separately."""
    ctx = context_of(session)
    ctx.pending = [p for p in ctx.pending if p.action == AuditAction.REFUSED]
    ctx.moved_to = None


def chain_in(session: Session, links: list[tuple[Pending, str, datetime]]) -> None:
    """Chain ``links`` (each with its own actor and time: the work of several people
    written in one transaction) into ``session``'s transaction now, as ``before_commit``
    chains one actor's pending entries. The chain's lock is held from here to the commit,
    so call it last."""
    context_of(session).moved_to = append_links(session.connection(), links)


def append(conn: Connection, entries: list[Pending], actor: str, now: datetime) -> tuple[int, str]:
    """Add links to the chain, all by one actor at one time; returns the new head."""
    return append_links(conn, [(entry, actor, now) for entry in entries])


def append_links(conn: Connection, links: list[tuple[Pending, str, datetime]]) -> tuple[int, str]:
    """Add links (entry, actor, when) to the chain and return its new head (last id, last
    hash). The head row is updated first so that, on every engine, this transaction holds
    the chain's lock before it reads the newest hash."""
    if conn.dialect.update_returning:  # lock and read in one round trip
        last_id, last_hash = conn.execute(_LOCK_AND_READ).one()
    else:
        conn.execute(_LOCK)
        last_id, last_hash = conn.execute(_READ_HEAD).one()
    rows, head = chained(links, last_id, last_hash)
    if conn.dialect.name == "postgresql":
        # One round trip fewer while the chain's lock is held (every write in every group
        # waits on it): the entries are inserted by a CTE of the head's update, as
        # columns of arrays, so it is one statement however many entries (compiled once).
        conn.execute(_PG_APPEND, _pg_append_parameters(rows, head))
    else:
        conn.execute(_APPEND, rows)
        conn.execute(_MOVE_HEAD, {"last_id": head[0], "last_hash": head[1]})
    return head


def chained(
    links: list[tuple[Pending, str, datetime]], last_id: int, last_hash: str
) -> tuple[list[dict[str, Any]], tuple[int, str]]:
    """The rows that chain ``links`` onto the head (``last_id``, ``last_hash``), and the
    head they leave."""
    rows = []
    for entry, actor, now in links:
        last_id += 1
        row = {
            "id": last_id,
            "at": now.astimezone(UTC).replace(microsecond=0),
            "actor": actor,
            "action": entry.action,
            "record_type": entry.record_type,
            "record_id": entry.record_id,
            "locality_id": entry.locality_id,
            "detail": entry.detail,
            "reason": entry.reason,
            "prev_hash": last_hash,
        }
        row["hash"] = last_hash = link_hash(row)
        rows.append(row)
    return rows, (last_id, last_hash)


def _pg_append_parameters(rows: list[dict[str, Any]], head: tuple[int, str]) -> dict[str, Any]:
    columns: dict[str, Any] = {name: [row[name] for row in rows] for name in _LINK_COLUMNS}
    return {**columns, "last_id": head[0], "last_hash": head[1]}


#: The chain's head: taken (locked) by updating it to itself, read, and moved on. Built
#: once on the tables (``tables.table_of``): every write in every group runs them.
_HEAD = t.table_of(t.AuditHead)
_LOG = t.table_of(t.AuditEntry)
_LOCK = update(_HEAD).where(_HEAD.c.id == 1).values(last_id=_HEAD.c.last_id)
_LOCK_AND_READ = _LOCK.returning(_HEAD.c.last_id, _HEAD.c.hash)
_APPEND = insert(_LOG)
_READ_HEAD = select(_HEAD.c.last_id, _HEAD.c.hash).where(_HEAD.c.id == 1)
_MOVE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(last_id=bindparam("last_id"), hash=bindparam("last_hash"))
)

#: The chain's columns, in the table's order; each bound as an array of the column's own
#: type (so ``at`` is stored as the table stores it: UTC without a zone).
_LINK_COLUMNS = tuple(column.name for column in _LOG.columns)
_PG_APPEND = text(
    f"WITH added AS (INSERT INTO audit_log ({', '.join(_LINK_COLUMNS)}) "
    f"SELECT * FROM unnest({', '.join(':' + name for name in _LINK_COLUMNS)})) "
    "UPDATE audit_head SET last_id = :last_id, hash = :last_hash WHERE id = 1"
).bindparams(
    *(bindparam(c.name, type_=ARRAY(c.type)) for c in _LOG.columns),
    bindparam("last_id", type_=Integer),
    bindparam("last_hash", type_=String),
)


#: A batch of views in one autocommitted statement, chained onto the head this process
#: last saw (``ChainHead``): the head moves only if it is still there (id and hash), and
#: the entries are inserted only if it moved; the count says which. Under another
#: instance's lock the update waits, then finds the head moved and changes nothing.
_PG_APPEND_IF_HEAD = text(
    "WITH moved AS (UPDATE audit_head SET last_id = :last_id, hash = :last_hash "
    "WHERE id = 1 AND last_id = :expected_id AND hash = :expected_hash RETURNING id), "
    f"added AS (INSERT INTO audit_log ({', '.join(_LINK_COLUMNS)}) "
    f"SELECT * FROM unnest({', '.join(':' + name for name in _LINK_COLUMNS)}) "
    "WHERE EXISTS (SELECT FROM moved)) "
    "SELECT count(*) FROM moved"
).bindparams(
    *(bindparam(c.name, type_=ARRAY(c.type)) for c in _LOG.columns),
    bindparam("last_id", type_=Integer),
    bindparam("last_hash", type_=String),
    bindparam("expected_id", type_=Integer),
    bindparam("expected_hash", type_=String),
)


class ViewLog:
    """Views' entries, chained in batches: one write for all the views that arrive while
    the previous batch is being written (a group commit).

    A view writes nothing else, so its entry need not share a transaction with anything;
    written one by one, every "my actions" took the chain's lock for a transaction of its
    own, and twenty people looking at once queued on it. A view is still not answered
    until its entry is committed: ``write`` returns only then, and raises if the batch
    could not be written (so nothing is shown that was not recorded).

    On PostgreSQL a batch is one autocommitted statement when the process knows the
    chain's head (``ChainHead``: its last batch or write left it there), instead of a
    transaction's four round trips (begin, lock and read the head, append, commit): each
    of those waits its turn on a busy event loop, and every view in the batch, and every
    view arriving meanwhile, waits for all of them. If the head has moved, the batch is
    written the long way, under the lock.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        autocommit: AsyncEngine | None = None,
        head: ChainHead | None = None,
    ) -> None:
        self._sessions = sessions
        self._autocommit = autocommit
        self._head = head if head is not None else ChainHead()
        self._batches: GroupCommit[tuple[list[Pending], str, datetime], None] = GroupCommit(
            self._write
        )

    async def write(self, entries: list[Pending], actor: str, now: datetime) -> None:
        await self._batches.submit((entries, actor, now))

    async def _write(self, batch: list[tuple[list[Pending], str, datetime]]) -> list[None]:
        links = [(entry, actor, now) for entries, actor, now in batch for entry in entries]
        if not await self._follow_head(links):
            async with self._sessions() as session, session.begin():
                self._head.known = await session.run_sync(_append_in, links)
        return [None] * len(batch)

    async def _follow_head(self, links: list[tuple[Pending, str, datetime]]) -> bool:
        """Write the batch onto the known head in one statement; False if there is no
        autocommit engine (SQLite), no known head, or the head has moved (nothing
        written)."""
        known = self._head.known
        if self._autocommit is None or known is None:
            return False
        rows, head = chained(links, *known)
        parameters = _pg_append_parameters(rows, head)
        parameters |= {"expected_id": known[0], "expected_hash": known[1]}
        async with self._autocommit.connect() as connection:
            moved = (await connection.execute(_PG_APPEND_IF_HEAD, parameters)).scalar_one()
        if moved != 1:
            self._head.known = None
            return False
        self._head.known = head
        return True

    async def close(self) -> None:
        await self._batches.close()


def _append_in(session: Session, links: list[tuple[Pending, str, datetime]]) -> tuple[int, str]:
    return append_links(session.connection(), links)


def link_hash(row: dict[str, Any]) -> str:
    """SHA-256 over the entry's fields in a fixed order, including the previous hash."""
    at = row["at"]
    fields = [
        row["id"],
        at.replace(tzinfo=None).isoformat() if isinstance(at, datetime) else str(at),
        row["actor"],
        row["action"],
        row["record_type"],
        row["record_id"],
        row["locality_id"],
        row["detail"],
        row["reason"],
        row["prev_hash"],
    ]
    return hashlib.sha256(json.dumps(fields, separators=(",", ":")).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Verdict:
    entries: int
    head_hash: str
    broken_at: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


class ChainWalker:
    """Checks links one at a time, so a trail of any length is verified in constant memory."""

    def __init__(self) -> None:
        self.expected_id, self.prev, self.count = 1, GENESIS, 0
        self.broken: Verdict | None = None

    def feed(self, row: dict[str, Any]) -> bool:
        """Check one row; False once the chain is broken (``broken`` says where)."""
        if self.broken is not None:
            return False
        self.count += 1
        if row["id"] != self.expected_id:
            problem = f"entry {self.expected_id} is missing"
            self.broken = Verdict(self.count, self.prev, self.expected_id, problem)
        elif row["prev_hash"] != self.prev:
            problem = "does not follow the entry before it"
            self.broken = Verdict(self.count, self.prev, row["id"], problem)
        elif link_hash(row) != row["hash"]:
            problem = "was changed after it was written"
            self.broken = Verdict(self.count, self.prev, row["id"], problem)
        else:
            self.prev = row["hash"]
            self.expected_id += 1
        return self.broken is None

    def finish(self, head: tuple[int, str] | None) -> Verdict:
        if self.broken is not None:
            return self.broken
        if head is not None and (head[0] != self.expected_id - 1 or head[1] != self.prev):
            last = self.expected_id - 1
            return Verdict(
                self.count, self.prev, self.expected_id, f"entries after {last} were removed"
            )
        return Verdict(self.count, self.prev)


def verify_rows(rows: Iterator[dict[str, Any]], head: tuple[int, str] | None) -> Verdict:
    """Walk the chain in id order; report the first link that does not hold."""
    walker = ChainWalker()
    for row in rows:
        if not walker.feed(row):
            break
    return walker.finish(head)


def _table(obj: object) -> str | None:
    table = getattr(obj, "__tablename__", None)
    if not isinstance(table, str) or table in NOT_AUDITED:
        return None
    return table


def _id(obj: object) -> str:
    identity = inspect(obj).identity
    if identity:
        return ",".join(str(part) for part in identity)[:40]
    return str(getattr(obj, "id", ""))[:40]


def _locality(obj: object, ctx: AuditContext) -> int | None:
    value = getattr(obj, "locality_id", None)
    return value if isinstance(value, int) else ctx.locality_id


async def verify_store(engine: AsyncEngine, *, batch: int = 5000) -> Verdict:
    """Read the whole trail in id order and check every link (``mace-bot audit verify``)."""
    log_table = t.AuditEntry.__table__
    walker = ChainWalker()
    async with engine.connect() as conn:
        head_row = (
            await conn.execute(select(t.AuditHead.last_id, t.AuditHead.hash).limit(1))
        ).first()
        last = 0
        while True:
            query = select(log_table).where(log_table.c.id > last).order_by(log_table.c.id)
            chunk = (await conn.execute(query.limit(batch))).mappings().all()
            if not chunk or not all(walker.feed(dict(r)) for r in chunk):
                break
            last = int(chunk[-1]["id"])
    head = (int(head_row[0]), str(head_row[1])) if head_row is not None else None
    return walker.finish(head)
