"""Engines, sessions and migrations for SQLite (default) and PostgreSQL.

The store is chosen by ``DATABASE_URL``; without one the bot keeps an SQLite file in its
data folder so that a newcomer needs nothing installed. Migrations run at start, on the
same engine the bot then uses, so a fresh database and an old one end up the same.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.domain.errors import Duplicate
from bot.store.tables import ProcessedActivity

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def sqlite_url(data_dir: Path) -> str:
    """The default store: ``<data_dir>/mace.db``, the folder made owner-only on first use."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    return f"sqlite+aiosqlite:///{(data_dir / 'mace.db').resolve()}"


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest migration. Safe to run at every start."""

    def upgrade(connection: Connection) -> None:
        command.upgrade(_alembic_config(connection), "head")

    async with engine.begin() as conn:
        await conn.run_sync(upgrade)


class Store:
    """The one way to the database: a transaction per unit of work.

    Everything a turn records is written in one transaction together with the id of the
    activity that caused it, so a failure writes nothing and a resent activity writes
    nothing twice.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(
        self, *, activity_id: str | None = None, now: datetime | None = None
    ) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session, session.begin():
            if activity_id and now is not None:
                session.add(ProcessedActivity(activity_id=activity_id[:200], processed_at=now))
                try:
                    await session.flush()
                except IntegrityError as exc:
                    raise Duplicate() from exc
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            yield session

    async def close(self) -> None:
        await self.engine.dispose()
