"""Engines, sessions and migrations for SQLite (default) and PostgreSQL.

The store is chosen by ``DATABASE_URL``; without one the bot keeps an SQLite file in its
data folder so that a newcomer needs nothing installed. Migrations run at start, on the
same engine the bot then uses, so a fresh database and an old one end up the same.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, event, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import (
    DisconnectionError,
    IntegrityError,
    InvalidatePoolError,
    SQLAlchemyError,
)
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bot.domain.errors import CONCURRENT_CHANGE, Conflict, Duplicate, NotLinked, NotPermitted
from bot.store import audit
from bot.store.claims import AnswerClaims
from bot.store.crypto import KeyRing, install
from bot.store.days import LONDON_DATE_SQLITE, london_date_sqlite
from bot.store.tables import ProcessedActivity, table_of

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def sqlite_url(data_dir: Path) -> str:
    """The default store: ``<data_dir>/mace.db``, the folder made owner-only on first use."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    return f"sqlite+aiosqlite:///{(data_dir / 'mace.db').resolve()}"


#: Connections kept open to PostgreSQL, and none opened beyond them: a turn that finds
#: all twenty busy waits its turn for one (first come, first served). SQLAlchemy's
#: defaults (5 kept, 10 more in a burst) closed every connection beyond the fifth as soon
#: as it was returned, so twenty people asking at once made the bot connect (and
#: PostgreSQL start a backend) over and over: profiling a busy "my actions" run found a
#: third of the bot's time going on reconnecting. Twenty per instance, at most four
#: instances, stays far inside the deployed server's connection limit.
POOL_SIZE = 20
POOL_OVERFLOW = 0


#: How long the store may take to answer before a turn gives up (``DATABASE_TIMEOUT``,
#: seconds): to connect, to run one statement, or to wait for a pooled connection.
DATABASE_TIMEOUT = 5.0

#: The server's own limits, as a share of ``DATABASE_TIMEOUT``: a statement, or a
#: transaction left idle, is ended by PostgreSQL *before* the bot gives up waiting. So a
#: COMMIT that the network held back (the bot has already said nothing was saved) finds
#: its transaction gone when it arrives, instead of saving the work late.
SERVER_SHARE = 0.8


def make_engine(url: str, *, timeout: float = DATABASE_TIMEOUT, **kwargs: Any) -> AsyncEngine:
    """An engine whose every wait is bounded by ``timeout`` seconds (see
    ``DATABASE_TIMEOUT``): a hung database fails the turn within seconds, saying nothing
    was saved, and nothing it was given is saved later."""
    if timeout <= 0:
        raise ValueError("timeout must be positive")
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": timeout}, **kwargs)
        busy_ms = int(timeout * 1000)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.close()
            # SQLite has no time zones: the London day of a moment (bot.store.days).
            dbapi_connection.create_function(
                LONDON_DATE_SQLITE, 1, london_date_sqlite, deterministic=True
            )

        return engine
    server_ms = str(max(int(timeout * SERVER_SHARE * 1000), 1))
    connect_args: dict[str, Any] = {
        "timeout": timeout,  # to connect (TCP, TLS and the start-up exchange)
        "command_timeout": timeout,  # each statement, BEGIN and COMMIT included
        "server_settings": {
            "statement_timeout": server_ms,
            "idle_in_transaction_session_timeout": server_ms,
        },
        **kwargs.pop("connect_args", {}),
    }
    options: dict[str, Any] = {
        "pool_size": POOL_SIZE,
        "max_overflow": POOL_OVERFLOW,
        # Waiting for one of the pool's connections is bounded too.
        "pool_timeout": timeout,
        # The connection returned last is handed out first: at a meeting's pace the same
        # few stay in use (warm, their prepared statements ready, never idle long enough
        # to need the check below) and the rest sit idle until a busy moment.
        "pool_use_lifo": True,
        "connect_args": connect_args,
        **kwargs,
    }
    engine = create_async_engine(url, **options)
    stall = _Stall(timeout)
    stall.watch(engine)
    _ping_after_idling(engine, stall)
    _drop_at_once_when_invalidated(engine)
    return engine


class StoreStalled(TimeoutError):
    """The database did not answer within ``DATABASE_TIMEOUT`` a moment ago: work that
    needs it fails at once for a while, instead of each statement waiting again."""


class _Stall:
    """After the database failed to answer in time, fail fast for ``hold`` seconds.

    The server ends its own statements and idle transactions before the bot's limit
    (``SERVER_SHARE``), so a statement or a connection the bot gives up on means the
    server is not answering at all (a hung host, a black-holed network path). Every turn
    keeps a contact first and then does its own work: without this each would wait the
    whole timeout again, and a press would be answered after two or three timeouts. Once
    ``hold`` has passed, the next checkout tries the database again (and trips this again
    if it still does not answer)."""

    def __init__(self, hold: float) -> None:
        self.hold = hold
        self.since: float | None = None

    def trip(self) -> None:
        self.since = _monotonic()

    def check(self) -> None:
        if self.since is not None and _monotonic() - self.since < self.hold:
            raise StoreStalled("the database did not answer a moment ago")

    def watch(self, engine: AsyncEngine) -> None:
        @event.listens_for(engine.sync_engine, "handle_error")
        def _failed(context: Any) -> None:
            # The driver's own timeout: a statement (BEGIN and COMMIT included) or a
            # connection attempt got no answer at all.
            if isinstance(context.original_exception, TimeoutError):
                self.trip()
                # That connection is mid-exchange: never reuse it. It is cut (see
                # _drop_at_once_when_invalidated), so the server rolls back what it held.
                context.is_disconnect = True
                context.invalidate_pool_on_disconnect = False

        @event.listens_for(engine.sync_engine.pool, "checkout")
        def _handed_out(_dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
            self.check()

        @event.listens_for(engine.sync_engine, "do_connect")
        def _connecting(*_args: Any) -> None:
            self.check()


def _drop_at_once_when_invalidated(engine: AsyncEngine) -> None:
    """A connection given up on (a statement timed out, the server went away) is cut at
    once, not closed politely: SQLAlchemy would first send a goodbye and wait two seconds
    for the reply, which a hung server never gives. Cutting it is also what makes the
    server roll back whatever that connection had not committed."""

    @event.listens_for(engine.sync_engine.pool, "invalidate")
    def _cut(_dbapi_connection: Any, record: Any, _exc: Any) -> None:
        driver = getattr(record, "driver_connection", None)
        terminate = getattr(driver, "terminate", None)
        if terminate is not None:
            terminate()


#: A pooled connection left unused for longer than this is checked before a turn gets it.
IDLE_PING_SECONDS = 10.0


def _monotonic() -> float:
    return time.monotonic()


def _ping_after_idling(engine: AsyncEngine, stall: _Stall | None = None) -> None:
    """Check a connection before use only when it has sat idle, not on every turn.

    A connection that sat idle between meetings may have been cut (a server restart, or a
    network path that drops quiet connections after a few minutes); checking it first
    swaps it for a new one instead of failing the turn that got it. SQLAlchemy's
    ``pool_pre_ping`` checks every time, which on asyncpg is three round trips (begin,
    an empty query, rollback) before every turn: profiling a busy meeting found more
    round trips spent checking connections than recording minutes. A connection back in
    the pool within the last ``IDLE_PING_SECONDS`` was working then; if the server goes
    away in that moment, the turn fails (saying nothing was lost, try again) and
    SQLAlchemy discards every connection of the pool, so the next turns reconnect. A check
    that finds the server gone does the same (as ``pool_pre_ping`` did): after a restart
    or a failover every pooled connection is dead, not only the one checked."""
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    @event.listens_for(pool, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["returned_at"] = _monotonic()

    @event.listens_for(pool, "checkout")
    def _handed_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get("returned_at")
        if returned is None or _monotonic() - returned < IDLE_PING_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:  # whatever the driver raises, this connection is replaced
            if isinstance(exc, TimeoutError) and stall is not None:
                stall.trip()  # no answer at all: a new connection would wait as long
                raise StoreStalled("the database did not answer its check") from exc
            if isinstance(exc, dialect.loaded_dbapi.Error) and dialect.is_disconnect(
                exc, dbapi_connection, None
            ):
                raise InvalidatePoolError("the database went away while idle") from exc
            raise DisconnectionError("a pooled connection failed its check") from exc


def _alembic_config(connection: Connection) -> Config:
    # Alembic is imported where it is used: ``mace-bot serve`` on a store already at this
    # code's head never migrates, and starts without it (``bot.store.revisions``).
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest migration. Safe to run at every start.

    On SQLite a migration that changes a table rebuilds it (copy, drop, rename), and with
    foreign keys enforced the drop of a referenced table fails once it holds rows. So, as
    SQLite's own procedure for altering tables says, enforcement is off during the
    migration and the whole database is checked for broken references before commit.
    """

    from alembic import command

    def upgrade(connection: Connection) -> None:
        command.upgrade(_alembic_config(connection), "head")
        if connection.dialect.name == "sqlite":
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migration left {len(broken)} broken references")

    async with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:  # must be set outside a transaction to take effect
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            async with _without_timeouts(conn):
                await conn.run_sync(upgrade)
                await conn.commit()
        finally:
            if sqlite:
                await conn.rollback()
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")


@asynccontextmanager
async def _without_timeouts(conn: AsyncConnection) -> AsyncIterator[None]:
    """A migration (an index built over a large table) may rightly take longer than a
    turn may wait (``DATABASE_TIMEOUT``): lift the limits for this transaction only."""
    if conn.dialect.name != "postgresql":
        yield
        return
    await conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
    await conn.exec_driver_sql("SET LOCAL idle_in_transaction_session_timeout = 0")
    driver: Any = (await conn.get_raw_connection()).driver_connection
    config = driver._config  # asyncpg reads command_timeout from here for each statement
    driver._config = config._replace(command_timeout=None)
    try:
        yield
    finally:
        driver._config = config


def _reads_bind(engine: AsyncEngine) -> AsyncEngine:
    """The engine reads run on (``Store.reading``): autocommit on PostgreSQL, where asyncpg
    switches it on the connection without a round trip; as it is on SQLite, whose driver
    opens no transaction for a SELECT anyway."""
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


class AuditedSession(Session):
    """A session whose every commit carries its audit entries (bot.store.audit)."""


event.listen(AuditedSession, "after_flush", audit.after_flush)
event.listen(AuditedSession, "before_commit", audit.before_commit)
event.listen(AuditedSession, "after_commit", audit.after_commit)
event.listen(AuditedSession, "after_rollback", audit.after_rollback)


class ReadingSession(AuditedSession):
    """A session for ``Store.reading``: it may not write. On PostgreSQL a read runs without
    a transaction of its own (see ``Store.reading``), so a write flushed here would be
    committed at once, outside every rule a transaction keeps (its audit entries, its
    activity claim); before, it was silently rolled back. Either way it is a fault, so
    it is refused where it happens."""


class WriteInRead(RuntimeError):
    """Something tried to write through a reading session."""


def _refuse_writes(session: Session, *_: object) -> None:
    raise WriteInRead("a read may not write: use Store.transaction")


event.listen(ReadingSession, "before_flush", _refuse_writes)


#: Claims a turn's key (its activity id within its conversation, ``TurnRef.claim_key``)
#: for the transaction that handles it (see ``Store.transaction``); on the table, not the
#: mapped class (``tables.table_of``). Rows written before the key took in the
#: conversation hold the bare activity id: a resend across that deploy is not matched,
#: and retention clears them.
_PROCESSED = table_of(ProcessedActivity)
_CLAIM = insert(_PROCESSED)
_CLAIMED = select(_PROCESSED.c.activity_id).where(
    _PROCESSED.c.activity_id == bindparam("activity_id")
)

#: The prefix of an answer's claim (``Store.claim_answer``): kept apart from the id a
#: writing transaction claims, so that a turn that failed and rolled its write back can
#: still be written by its resend, whatever the first delivery answered.
ANSWERED = "answered:"

#: The activity ids that the current turn's writing transactions claimed and committed;
#: None outside ``committed_claims``.
_COMMITTED: ContextVar[set[str] | None] = ContextVar("committed_claims", default=None)


@contextmanager
def committed_claims() -> Iterator[set[str]]:
    """Collect the activity ids that writing transactions claim and commit while the
    block runs (one turn). A turn that wrote has its id claimed already, in the same
    transaction as the write: its answer needs no second claim (``Store.claim_answer``).
    A mutable set, so work the turn runs in tasks of its own is seen too."""
    claims: set[str] = set()
    token = _COMMITTED.set(claims)
    try:
        yield claims
    finally:
        _COMMITTED.reset(token)


def stored_key(activity_id: str) -> str:
    """``activity_id`` as a claim stores it (the column holds 200 characters)."""
    return activity_id[:200]


def note_committed_claim(activity_id: str) -> None:
    """Count ``activity_id`` among the current turn's committed claims
    (``committed_claims``) when it was claimed and committed by another task on the turn's
    behalf: a batch of several turns' writes (bot.services.entry_batches)."""
    claims = _COMMITTED.get()
    if claims is not None:
        claims.add(activity_id)


class Store:
    """The one way to the database: a transaction per unit of work.

    Everything a turn records is written in one transaction together with the id of the
    activity that caused it and its audit entries, so a failure writes nothing and a
    resent activity writes nothing twice. Encrypted columns use ``keys``, held on the
    engine; refusals are audited in a transaction of their own, since the refused work
    is rolled back.
    """

    def __init__(self, engine: AsyncEngine, keys: KeyRing) -> None:
        self.engine = engine
        self.keys = keys
        install(engine, keys)
        #: Where this store's commits last left the audit chain (a guess: see ChainHead).
        chain = audit.ChainHead()
        self._sessions = async_sessionmaker(
            engine, expire_on_commit=False, sync_session_class=AuditedSession, info={"chain": chain}
        )
        reads = _reads_bind(engine)
        self._reads = async_sessionmaker(
            reads, expire_on_commit=False, sync_session_class=ReadingSession
        )
        # On PostgreSQL a batch of views can be one autocommitted statement (ViewLog).
        one_statement = reads if engine.dialect.name == "postgresql" else None
        self._views = audit.ViewLog(self._sessions, one_statement, chain)
        #: Every answered turn claims its answer (``claim_answer``), in batches.
        self._claims = AnswerClaims(engine)

    @asynccontextmanager
    async def transaction(
        self, *, activity_id: str | None = None, now: datetime | None = None
    ) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            audit.context_of(session.sync_session).now = now
            try:
                async with session.begin():
                    if activity_id and now is not None:
                        # A plain insert, not the unit of work: this row is never read back
                        # or audited, and every write in the bot starts here.
                        try:
                            claim = {"activity_id": stored_key(activity_id), "processed_at": now}
                            await session.execute(_CLAIM, claim)
                        except IntegrityError as exc:
                            raise Duplicate() from exc
                    yield session
                if activity_id and now is not None:
                    claims = _COMMITTED.get()
                    if claims is not None:
                        claims.add(activity_id)
            except StaleDataError as exc:
                # Someone changed the same meeting at the same moment: theirs stands.
                raise Conflict(CONCURRENT_CHANGE) from exc
            except Exception as exc:
                await self._record_refusal(session, exc)
                raise

    async def claimed(self, activity_id: str) -> bool:
        """Whether a write has already claimed and committed this turn's key: a resend of a
        turn that was written, when the resend is refused for what changed since (the
        meeting ended, say) and should be told "Already recorded." instead."""
        async with self._reads() as session:
            found = await session.scalar(_CLAIMED, {"activity_id": stored_key(activity_id)})
        return found is not None

    async def claim_answer(self, activity_id: str, now: datetime) -> bool:
        """True the first time a turn with this key (``TurnRef.claim_key``) is answered,
        on any instance sharing the store; False for a resend. Claimed just before the
        answer goes out, not before the turn runs: a delivery that died half-way (its
        writes rolled back) leaves its resend free to do the work and answer (and one
        whose answer could not be posted gives the claim back, ``release_answer``). One
        statement for all the turns claiming at that moment (``claims.AnswerClaims``)."""
        return await self._claims.claim(stored_key(ANSWERED + activity_id), now)

    async def release_answer(self, activity_id: str) -> None:
        """Undo ``claim_answer`` when the answer could not be delivered, so that Teams'
        resend of the turn is answered instead of taken for a repeat."""
        key = stored_key(ANSWERED + activity_id)
        async with self.engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(delete(_PROCESSED).where(_PROCESSED.c.activity_id == key))

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A read. What it viewed (``audit.note``) is recorded when it ends, in a batch
        with other views (``audit.ViewLog``), before the caller goes on to show it.

        On PostgreSQL its statements run without a transaction around them (autocommit):
        at the READ COMMITTED level every statement takes its own snapshot whether or not
        a transaction surrounds it, so the reads see exactly what they did before, and
        the BEGIN and the ROLLBACK that ended every read (two round trips of a "my
        actions" turn's eight) are gone. A read takes no row locks, and
        ``ReadingSession`` refuses any write."""
        async with self._reads() as session:
            try:
                yield session
            except Exception as exc:
                await session.rollback()
                await self._record_refusal(session, exc)
                raise
            ctx = audit.context_of(session)
            viewed, ctx.pending = ctx.pending, []
        if viewed:
            await self._views.write(viewed, ctx.actor, ctx.now or datetime.now(UTC))

    async def _record_refusal(self, failed: AsyncSession, exc: Exception) -> None:
        """Audit a refusal after the refused work rolled back: the exception's own (access
        refused) and any the work noted itself (e.g. a download answered "not found")."""
        ctx = audit.context_of(failed)
        refusals = [p for p in ctx.pending if p.action == audit.AuditAction.REFUSED]
        ctx.pending = []
        if isinstance(exc, NotPermitted | NotLinked):
            what = getattr(exc, "attempted", "") or type(exc).__name__
            refusals.append(
                audit.Pending(audit.AuditAction.REFUSED, "access", "", ctx.locality_id, what)
            )
        if not refusals:
            return
        try:
            async with self._sessions() as session, session.begin():
                audit.act_as(session, ctx.actor, ctx.locality_id)
                audit.context_of(session).now = ctx.now
                audit.context_of(session).pending.extend(refusals)
        except SQLAlchemyError:
            # The store failed under the refused work too; the refusal itself stands.
            log.warning("could not audit a refused request: the store is unavailable")

    async def close(self) -> None:
        await self._views.close()
        await self._claims.close()
        await self.engine.dispose()
