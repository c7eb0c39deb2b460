"""``mace-bot``: refuses to listen beyond loopback without authentication; loads data."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import stat
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from tests.support.keys import TEST_KEYS_SPEC, keys_for_tests
from tests.support.serving import start


@pytest.fixture(autouse=True)
def local_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("APP_ID", "APP_PASSWORD", "DATABASE_URL", "HOST", "PORT", "MACE_DEMO"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MACE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MACE_DATA_KEYS", TEST_KEYS_SPEC)


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "::"])
def test_serve_without_app_id_refuses_anything_but_loopback(
    host: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--host", host]) == 2
    err = capsys.readouterr().err
    assert "APP_ID is empty" in err and host in err


def test_with_app_id_any_host_is_allowed() -> None:
    assert (
        Settings(APP_ID="11111111-2222-3333-4444-555555555555", host="0.0.0.0").listen_refusal()
        is None
    )
    assert Settings(host="127.0.0.1").listen_refusal() is None


def test_auth_config_without_app_id_turns_auth_off() -> None:
    config = Settings().bot_framework_config()
    assert config.APP_TYPE == "MultiTenant"  # type: ignore[attr-defined]
    config = Settings(APP_ID="x", APP_TENANTID="t").bot_framework_config()
    assert config.APP_TYPE == "SingleTenant"  # type: ignore[attr-defined]


def test_migrate_and_load_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate"]) == 0
    assert (tmp_path / "data" / "mace.db").exists()
    data = tmp_path / "groups.json"
    data.write_text(
        json.dumps(
            {
                "localities": [{"code": "selby", "name": "Selby"}],
                "agencies": [{"code": "police", "name": "Police"}],
                "members": [
                    {
                        "name": "Ada Fielding",
                        "agency": "police",
                        "aad_object_id": "aad-1",
                        "roles": {"selby": ["chair"]},
                    }
                ],
            }
        )
    )
    assert main(["load-data", str(data)]) == 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"members": [{"name": "X", "agency": "nope", "roles": {}}]}))
    assert main(["load-data", str(bad)]) == 1
    assert "unknown agency" in capsys.readouterr().err


def test_export_actions_applies_the_members_access(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command line export uses the named member's access, like the chat."""
    import asyncio
    from datetime import UTC, date, datetime

    from sqlalchemy import select

    from bot.services.reference_data import DEMO_DATA, load_reference_data, read_data_file
    from bot.store import tables as t
    from bot.store.db import Store, make_engine, migrate, sqlite_url

    async def seed() -> None:
        store = Store(make_engine(sqlite_url(tmp_path / "data")), keys_for_tests())
        await migrate(store.engine)
        now = datetime(2026, 11, 19, 10, tzinfo=UTC)
        await load_reference_data(store, read_data_file(DEMO_DATA), now)
        async with store.transaction() as s:
            owner = await s.scalar(select(t.Member).where(t.Member.name == "Priya Shah"))
            locality = await s.scalar(select(t.Locality).where(t.Locality.code == "scarborough"))
            assert owner and locality
            meeting = t.Meeting(
                locality_id=locality.id,
                conversation_id="c",
                status="ended",
                chair_member_id=owner.id,
                started_at=now,
                minutes_status="draft",
            )
            s.add(meeting)
            await s.flush()
            item = t.AgendaItem(
                meeting_id=meeting.id,
                position=4,
                kind="children",
                title="C",
                time_limit_minutes=30,
                status="done",
                elapsed_seconds=0,
            )
            s.add(item)
            await s.flush()
            s.add(
                t.Action(
                    locality_id=locality.id,
                    meeting_id=meeting.id,
                    item_id=item.id,
                    description="Exported action.",
                    owner_member_id=owner.id,
                    agency_id=owner.agency_id,
                    due_date=date(2026, 12, 1),
                    status="open",
                    created_by_member_id=owner.id,
                    created_at=now,
                    updated_at=now,
                )
            )
        await store.close()

    asyncio.run(seed())
    out = tmp_path / "actions.csv"
    coordinator = "00000000-0000-0000-0000-0000000000102"
    assert (
        main(
            ["export", "actions", "--as", coordinator, "--locality", "scarborough", "-o", str(out)]
        )
        == 0
    )
    assert "Exported action." in out.read_text(encoding="utf-8-sig")
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    health = "00000000-0000-0000-0000-0000000000105"
    assert main(["export", "actions", "--as", health, "-o", str(out)]) == 0
    assert "Exported action." not in out.read_text(encoding="utf-8-sig")
    assert main(["export", "actions", "--as", "nobody@example.org", "-o", str(out)]) == 1
    assert "no member" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("MACE_RETENTION", "forever=1", "MACE_RETENTION"),
        ("MACE_DATA_KEYS", "not-a-key", "MACE_DATA_KEYS"),
        ("MACE_DATA_KEYS", "k1:c2hvcnQ=", "32 bytes"),
    ],
)
def test_a_bad_setting_stops_with_one_line_naming_it(
    name: str,
    value: str,
    named: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(name, value)
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("Cannot start:") and named in err and "\n" not in err


def test_the_store_and_its_key_are_owner_only(tmp_path: Path) -> None:
    previous = os.umask(0o022)  # a typical shell umask: files would be world-readable
    try:
        assert main(["migrate"]) == 0
    finally:
        os.umask(previous)
    data = tmp_path / "data"
    for path in data.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path.name
    assert (data / "mace.db").exists()


async def test_serve_stops_on_sigterm_with_exit_0(tmp_path: Path) -> None:
    """``serve`` runs its own aiohttp loop (bot.http.serving): SIGTERM, as a container
    platform sends on every deploy, still ends it cleanly and promptly."""
    served = await start(tmp_path, METRICS_PORT="0")
    assert served.process.returncode is None, "".join(served.output)
    served.process.send_signal(signal.SIGTERM)
    async with asyncio.timeout(20):
        assert await served.process.wait() == 0
