"""Shared fixtures: a real store on SQLite, and on PostgreSQL when TEST_POSTGRES_URL is set.

Each test gets a store of its own, copied from templates built once per session (a file
copy for SQLite, a database created from a template database on PostgreSQL, dropped
afterwards), so tests never see each other's rows and the `test` database is untouched.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.domain.clock import FrozenClock
from bot.services.reference_data import DEMO_DATA, load_reference_data, read_data_file
from bot.store.db import Store, make_engine, migrate, sqlite_url
from tests.support.keys import keys_for_tests

# The browser test's report lines (header, where its screenshots are), in the main process.
pytest_plugins = ["tests.browser.plugin"]

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")
ENGINES = ["sqlite", "postgresql"]

# A Thursday in term time, mid-morning in London.
MEETING_DAY = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)


def pytest_report_header(config: pytest.Config) -> str:
    return "PostgreSQL tests: " + (
        POSTGRES_URL if POSTGRES_URL else "SKIPPED (set TEST_POSTGRES_URL to run them)"
    )


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MEETING_DAY)


#: The stores tests run on give a statement or an idle transaction this long, not the 5 s
#: of ``DATABASE_TIMEOUT``: on a loaded test machine (three workers on two cores) an event
#: loop can stall for seconds between two statements of a test's own snapshot, and the
#: server would end that transaction. The timeouts themselves are tested with their own
#: engines (tests/store/test_timeouts.py, tests/e2e/test_database_hangs.py).
TEST_DATABASE_TIMEOUT = 30.0


def point_the_cli_at(monkeypatch: pytest.MonkeyPatch, store: Store, data_dir: Path) -> None:
    """``mace-bot`` run by a test, pointed at ``store``'s database and ``data_dir``, with
    the patience the tests' own stores have (TEST_DATABASE_TIMEOUT), not a turn's 5 s:
    under the whole suite's load a command's transaction has sat idle past 5 s between two
    statements (an import), and a statement has waited past 5 s to be bound (``keys
    retire``), and PostgreSQL ended them ("the store did not answer")."""
    monkeypatch.setenv("DATABASE_URL", store.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("MACE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("DATABASE_TIMEOUT", f"{TEST_DATABASE_TIMEOUT:g}")


class Templates:
    """Migrated stores built once per test session, copied for each test.

    Running the migrations and loading the demo data for every test cost most of the
    suite's time; a copy of a ready SQLite file, or ``CREATE DATABASE ... TEMPLATE`` on
    PostgreSQL, gives each test its own store in milliseconds. The migrations themselves
    are still what builds the templates, and tests/store checks them directly.
    """

    KINDS: tuple[str, ...] = ("empty", "demo")

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tag = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.pg_databases: list[str] = []

    def sqlite_file(self, kind: str) -> Path:
        return self.root / f"{kind}.db"

    def pg_template(self, kind: str) -> str:
        return f"mace_tpl_{kind}_{self.tag}"

    async def build(self) -> None:
        for kind in self.KINDS:
            store = Store(
                make_engine(f"sqlite+aiosqlite:///{self.sqlite_file(kind)}"), keys_for_tests()
            )
            await self._fill(store, kind)
        if POSTGRES_URL:
            admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
            try:
                for kind in self.KINDS:
                    name = self.pg_template(kind)
                    async with admin.connect() as conn:
                        await conn.execute(text(f'CREATE DATABASE "{name}"'))
                    self.pg_databases.append(name)
                    url = make_url(POSTGRES_URL).set(database=name)
                    await self._fill(
                        Store(make_engine(url.render_as_string(False)), keys_for_tests()), kind
                    )
            finally:
                await admin.dispose()

    @staticmethod
    async def _fill(store: Store, kind: str) -> None:
        try:
            await migrate(store.engine)
            if kind == "demo":
                await load_reference_data(store, read_data_file(DEMO_DATA), MEETING_DAY)
        finally:
            await store.close()

    async def drop(self) -> None:
        if not self.pg_databases:
            return
        admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        try:
            for name in self.pg_databases:
                async with admin.connect() as conn:
                    await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            await admin.dispose()

    async def open(self, engine_name: str, kind: str, tmp_path: Path) -> AsyncIterator[Store]:
        if engine_name == "sqlite":
            data = tmp_path / "data"
            data.mkdir(mode=0o700)
            shutil.copyfile(self.sqlite_file(kind), data / "mace.db")
            store = Store(
                make_engine(sqlite_url(data), timeout=TEST_DATABASE_TIMEOUT), keys_for_tests()
            )
            try:
                yield store
            finally:
                await store.close()
            return
        if not POSTGRES_URL:
            pytest.skip(
                "PostgreSQL not configured: set TEST_POSTGRES_URL, e.g. "
                "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
            )
        name = f"mace_t_{uuid.uuid4().hex[:12]}"
        admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(
                text(f'CREATE DATABASE "{name}" TEMPLATE "{self.pg_template(kind)}"')
            )
        store = Store(
            make_engine(
                make_url(POSTGRES_URL).set(database=name).render_as_string(False),
                timeout=TEST_DATABASE_TIMEOUT,
            ),
            keys_for_tests(),
        )
        try:
            yield store
        finally:
            await store.close()
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await admin.dispose()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    built = Templates(tmp_path_factory.mktemp("store-templates"))
    asyncio.run(built.build())
    yield built
    asyncio.run(built.drop())


@pytest.fixture(params=ENGINES)
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, templates: Templates
) -> AsyncIterator[Store]:
    """An empty, migrated store on each engine."""
    async for s in templates.open(request.param, "empty", tmp_path):
        yield s


@pytest.fixture(params=ENGINES)
async def demo_store(
    request: pytest.FixtureRequest, tmp_path: Path, templates: Templates
) -> AsyncIterator[Store]:
    """A store on each engine loaded with the demo localities, agencies and members."""
    async for s in templates.open(request.param, "demo", tmp_path):
        yield s
