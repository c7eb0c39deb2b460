"""On PostgreSQL the bot's own role, set up by infra/postgres/app-role.sql, records
everything it needs to but cannot change, delete or unguard the audit trail."""

from __future__ import annotations

import secrets
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.store import audit
from bot.store.db import Store, make_engine, migrate
from bot.store.revisions import script_heads, stored_revisions
from tests.store.records import write_case_records
from tests.support.keys import keys_for_tests

SCRIPT = Path(__file__).resolve().parents[2] / "infra" / "postgres" / "app-role.sql"


@pytest.fixture
async def app_store(demo_store: Store) -> AsyncIterator[Store]:
    if demo_store.engine.dialect.name != "postgresql":
        pytest.skip("database roles are a PostgreSQL matter; SQLite relies on its triggers")
    psql = shutil.which("psql")
    if psql is None:
        pytest.skip("psql is not installed: cannot run infra/postgres/app-role.sql")
    role = f"mace_app_{secrets.token_hex(4)}"
    owner_url = demo_store.engine.url.set(drivername="postgresql")
    done = subprocess.run(  # noqa: ASYNC221 (a one-off setup step, before any traffic)
        [
            psql,
            owner_url.render_as_string(False),
            "-v",
            "ON_ERROR_STOP=1",
            "-v",
            f"app_role={role}",
            "-f",
            str(SCRIPT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    store = Store(
        make_engine(demo_store.engine.url.set(username=role).render_as_string(False)),
        keys_for_tests(),
    )
    try:
        yield store
    finally:
        await store.close()
        async with demo_store.engine.begin() as conn:
            await conn.execute(text(f'DROP OWNED BY "{role}"'))
            await conn.execute(text(f'DROP ROLE "{role}"'))


async def test_the_app_role_records_and_is_audited(app_store: Store) -> None:
    await migrate(app_store.engine)  # up to date: a no-op the role is allowed
    # What serve's start and /readyz read (bot.store.revisions) the role may read.
    async with app_store.engine.connect() as conn:
        assert await conn.run_sync(stored_revisions) == script_heads()
    await write_case_records(app_store, "written by the app role")
    assert (await audit.verify_store(app_store.engine)).ok


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "ALTER TABLE audit_log DISABLE TRIGGER USER",
        "DROP TRIGGER audit_log_append_only ON audit_log",
        "DELETE FROM audit_head",
    ],
)
async def test_the_app_role_cannot_touch_the_trail(app_store: Store, statement: str) -> None:
    with pytest.raises(DBAPIError, match=r"permission denied|must be owner"):
        async with app_store.engine.begin() as conn:
            await conn.execute(text(statement))
    assert (await audit.verify_store(app_store.engine)).ok
