"""`mace-bot keys`, `audit verify`, `backup` and `restore`, run as an operator would."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.cli import main
from bot.store.crypto import KEY_FILE_NAME
from bot.store.db import Store
from tests.conftest import point_the_cli_at
from tests.store.records import write_case_records
from tests.support.keys import TEST_KEYS_SPEC


@pytest.fixture
def operator_env(demo_store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Store:
    """The CLI pointed at the same database as ``demo_store``, with the test keys."""
    point_the_cli_at(monkeypatch, demo_store, tmp_path / "data")
    monkeypatch.setenv("MACE_DATA_KEYS", TEST_KEYS_SPEC)
    for name in ("APP_ID", "APP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return demo_store


def cli(*args: str) -> int:
    # The CLI runs its own event loop, as it does from a shell: off the test's loop.
    return main(list(args))


async def run_cli(*args: str) -> int:
    return await asyncio.to_thread(cli, *args)


async def everything(store: Store) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table, the audit trail included."""
    from sqlalchemy import select

    from bot.store import tables as tb

    rows: dict[str, list[tuple[str, ...]]] = {}
    async with store.engine.connect() as conn:
        for table in tb.Base.metadata.sorted_tables:
            found = await conn.execute(select(table))
            rows[table.name] = sorted(tuple(repr(v) for v in row) for row in found)
    return rows


async def test_audit_verify_reports_intact_then_the_first_broken_link(
    operator_env: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    await write_case_records(operator_env, "verify me")
    assert await run_cli("audit", "verify") == 0
    assert "Audit trail intact" in capsys.readouterr().out
    async with operator_env.engine.begin() as conn:
        if operator_env.engine.dialect.name == "postgresql":
            await conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        else:
            await conn.execute(text("DROP TRIGGER audit_log_no_update"))
        await conn.execute(text("UPDATE audit_log SET actor = 'nobody' WHERE id = 17"))
    assert await run_cli("audit", "verify") == 1
    assert "BROKEN at entry 17: was changed" in capsys.readouterr().err


async def test_a_backup_restores_every_record_and_the_audit_chain(
    operator_env: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await write_case_records(operator_env, "kept by the backup", "CR-0001")
    before = await everything(operator_env)
    backup_file = tmp_path / "backups" / "mace.backup"
    assert await run_cli("backup", str(backup_file)) == 0
    assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600
    assert b"kept by the backup" not in backup_file.read_bytes()

    # Later work, then disaster: restore the backup over it.
    await write_case_records(operator_env, "written after the backup", "CR-0002")
    assert await everything(operator_env) != before
    await operator_env.engine.dispose()
    assert await run_cli("restore", str(backup_file)) == 1
    assert "--replace" in capsys.readouterr().err
    assert await run_cli("restore", str(backup_file), "--replace") == 0
    out = capsys.readouterr().out
    assert "audit trail intact" in out

    after = await everything(operator_env)
    # Every record and every audit link is back exactly; the restore itself is one more
    # link on the end of the chain.
    assert {k: v for k, v in after.items() if not k.startswith("audit")} == {
        k: v for k, v in before.items() if not k.startswith("audit")
    }
    assert set(before["audit_log"]) <= set(after["audit_log"])
    (added,) = set(after["audit_log"]) - set(before["audit_log"])
    assert "'restore'" in added and "'store'" in added
    assert await run_cli("audit", "verify") == 0


async def test_keys_rotate_then_retire_with_a_key_file(
    demo_store: Store,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Local use: the key file gains a new primary, everything moves to it, and the old
    key is dropped only once nothing uses it."""
    data = tmp_path / "operator-data"
    data.mkdir(mode=0o700)
    key_file = data / KEY_FILE_NAME
    # Start from the test key, as a key file.
    from tests.support.keys import keys_for_tests

    keys_for_tests().save(key_file)
    point_the_cli_at(monkeypatch, demo_store, data)
    monkeypatch.delenv("MACE_DATA_KEYS", raising=False)
    await write_case_records(demo_store, "under the first key")

    assert await run_cli("keys", "rotate") == 0
    out = capsys.readouterr().out
    assert "Re-encrypted" in out and "Old keys still held for reading: test" in out
    ring = json.loads(key_file.read_text())
    assert ring["primary"] != "test" and set(ring["keys"]) == {"test", ring["primary"]}
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    assert await run_cli("keys", "retire") == 0
    assert "Retired keys no value uses: test." in capsys.readouterr().out
    remaining = json.loads(key_file.read_text())["keys"]
    assert list(remaining) == [ring["primary"]]

    assert await run_cli("keys", "status") == 0
    status = capsys.readouterr().out
    assert "test" not in status.split("keys held:")[1].splitlines()[0]
    assert await run_cli("audit", "verify") == 0


def test_keys_new_prints_a_usable_key(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.store.crypto import KeyRing

    assert cli("keys", "new") == 0
    spec = capsys.readouterr().out.strip()
    ring = KeyRing.from_spec(spec)
    assert ring.decrypt(ring.encrypt("x", "c"), "c") == "x"
