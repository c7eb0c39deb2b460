"""``mace-bot``: refuses to listen beyond loopback without authentication; loads data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings


@pytest.fixture(autouse=True)
def local_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("APP_ID", "APP_PASSWORD", "DATABASE_URL", "HOST", "PORT", "MACE_DEMO"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MACE_DATA_DIR", str(tmp_path / "data"))


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
