"""Missing or wrong settings stop ``mace-bot serve`` with one line naming the setting,
before anything is built or any port is bound; so does a store that cannot be reached."""

from __future__ import annotations

import gc
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import bot.cli
from bot.cli import main
from bot.config import Settings
from tests.support.keys import TEST_KEYS_SPEC

REPO = Path(__file__).resolve().parents[1]
APP_ID = "11111111-2222-3333-4444-555555555555"
TENANT = "99999999-8888-7777-6666-555555555555"
#: A production-shaped environment with nothing wrong in it.
GOOD = {
    "APP_ID": APP_ID,
    "APP_PASSWORD": "not-a-real-secret",
    "APP_TENANTID": TENANT,
    "APP_TYPE": "SingleTenant",
    "MACE_DATA_KEYS": TEST_KEYS_SPEC,
    "HOST": "127.0.0.1",
}
SETTINGS_READ = (
    *GOOD,
    "DATABASE_URL",
    "PORT",
    "METRICS_PORT",
    "METRICS_HOST",
    "PUBLIC_BASE_URL",
    "ALLOWED_TENANTS",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "MACE_DATA_KEY_FILE_OK",
    "MACE_DEMO",
    "MACE_RETENTION",
    "OUTBOX_RATE",
    "DATABASE_TIMEOUT",
    "HTTP_IDLE_TIMEOUT",
    "HTTP_BODY_TIMEOUT",
    "HTTP_MAX_CONNECTIONS",
    "WEB_SIGN_IN_RATE",
    "MACE_TRUST_FORWARDED_FOR",
    "AUTHORITY_BASE_URL",
)


class Served:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Served]:
    """A clean, good environment, with the server itself replaced by a recorder; the
    collector's thresholds, which ``serve`` tunes before it listens, are put back after."""
    for name in SETTINGS_READ:
        monkeypatch.delenv(name, raising=False)
    for name, value in GOOD.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MACE_DATA_DIR", str(tmp_path / "data"))
    record = Served()

    def run_app(app: object, **kwargs: Any) -> None:
        record.calls.append(kwargs)

    monkeypatch.setattr(bot.cli.serving, "run_app", run_app)
    thresholds = gc.get_threshold()
    yield record
    gc.set_threshold(*thresholds)


BAD = [
    ({"APP_PASSWORD": ""}, "APP_PASSWORD", "without a secret"),
    ({"APP_ID": "my-bot"}, "APP_ID", "GUID"),
    ({"APP_TYPE": "SingleTennant"}, "APP_TYPE", "SingleTenant, MultiTenant, UserAssignedMSI"),
    ({"APP_TENANTID": ""}, "APP_TENANTID", "SingleTenant"),
    ({"APP_TENANTID": "contoso.onmicrosoft.com"}, "APP_TENANTID", "GUID"),
    ({"ALLOWED_TENANTS": f"{TENANT},contoso"}, "ALLOWED_TENANTS", "contoso"),
    ({"DATABASE_URL": "not a url"}, "DATABASE_URL", "postgresql+asyncpg://"),
    ({"DATABASE_URL": "postgresql://mace@db/mace"}, "DATABASE_URL", "postgresql+asyncpg"),
    ({"DATABASE_URL": "sqlite:///x.db"}, "DATABASE_URL", "sqlite+aiosqlite"),
    ({"DATABASE_URL": "mysql+aiomysql://u@h/d"}, "DATABASE_URL", "not supported"),
    ({"PORT": "http"}, "PORT", "not a port number"),
    ({"PORT": "70000"}, "PORT", "1-65535"),
    ({"METRICS_PORT": "-1"}, "METRICS_PORT", "0-65535"),
    ({"METRICS_PORT": "nine"}, "METRICS_PORT", "not a port number"),
    ({"PORT": "4000", "METRICS_PORT": "4000"}, "METRICS_PORT", "same as PORT"),
    ({"OUTBOX_RATE": "80"}, "OUTBOX_RATE", "between 1 and 50"),
    ({"OUTBOX_RATE": "fast"}, "OUTBOX_RATE", "not a whole number"),
    ({"DATABASE_TIMEOUT": "0.5"}, "DATABASE_TIMEOUT", "between 1 and 60"),
    ({"DATABASE_TIMEOUT": "soon"}, "DATABASE_TIMEOUT", "not a number of seconds"),
    ({"HTTP_IDLE_TIMEOUT": "0"}, "HTTP_IDLE_TIMEOUT", "between 0 and 3600"),
    ({"HTTP_IDLE_TIMEOUT": "soon"}, "HTTP_IDLE_TIMEOUT", "not a number of seconds"),
    ({"HTTP_BODY_TIMEOUT": "nan"}, "HTTP_BODY_TIMEOUT", "not a number of seconds"),
    ({"HTTP_BODY_TIMEOUT": "-5"}, "HTTP_BODY_TIMEOUT", "between 0 and 3600"),
    ({"HTTP_MAX_CONNECTIONS": "0"}, "HTTP_MAX_CONNECTIONS", "between 1 and 100000"),
    ({"PUBLIC_BASE_URL": "bot.example.org"}, "PUBLIC_BASE_URL", "http"),
    ({"PUBLIC_BASE_URL": "ftp://bot.example.org"}, "PUBLIC_BASE_URL", "http"),
    ({"MACE_DATA_KEYS": ""}, "MACE_DATA_KEYS", "MACE_DATA_KEY_FILE_OK=1"),
    ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL", "INFO"),
    ({"LOG_FORMAT": "xml"}, "LOG_FORMAT", "json or text"),
    ({"WEB_SIGN_IN_RATE": "0"}, "WEB_SIGN_IN_RATE", "between 1 and 1000"),
    ({"WEB_SIGN_IN_RATE": "lots"}, "WEB_SIGN_IN_RATE", "not a whole number"),
    ({"MACE_TRUST_FORWARDED_FOR": "9"}, "MACE_TRUST_FORWARDED_FOR", "between 0 and 5"),
    ({"MACE_TRUST_FORWARDED_FOR": "yes"}, "MACE_TRUST_FORWARDED_FOR", "not a whole number"),
    ({"AUTHORITY_BASE_URL": "http://login.example"}, "AUTHORITY_BASE_URL", "https://"),
]


@pytest.mark.parametrize(("env", "setting", "said"), BAD, ids=[b[1] + ":" + b[2] for b in BAD])
def test_a_bad_setting_stops_serve_with_one_line_naming_it(
    env: dict[str, str],
    setting: str,
    said: str,
    served: Served,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["serve"]) == 2
    out = capsys.readouterr()
    err = out.err.strip()
    assert "\n" not in err, err
    assert err.startswith(f"Cannot start: {setting}: "), err
    assert said in err, err
    assert served.calls == [], "nothing may listen"
    assert out.out == "", "nothing announced either"
    assert "not-a-real-secret" not in err


def test_the_good_environment_serves(served: Served) -> None:
    assert main(["serve"]) == 0
    assert len(served.calls) == 1 and served.calls[0]["port"] == 3978


@pytest.mark.parametrize(
    "env",
    [
        {"MACE_DATA_KEYS": "", "MACE_DATA_KEY_FILE_OK": "1"},  # a key file, on purpose
        {"APP_TYPE": "UserAssignedMSI", "APP_PASSWORD": ""},  # a managed identity: no secret
        {"APP_TYPE": "multitenant", "APP_TENANTID": ""},
        {"APP_ID": "", "APP_PASSWORD": "", "APP_TENANTID": "", "MACE_DATA_KEYS": ""},  # local
        {"DATABASE_URL": "postgresql+asyncpg://mace@db.internal:5432/mace"},
        {"METRICS_PORT": "0", "PUBLIC_BASE_URL": "https://mace.example.org"},
        # Retired (it signed the download links issue 17 removed): ignored, still starts.
        {"MACE_LINK_SECRET": "not-a-real-secret-left-from-an-old-deployment"},
    ],
)
def test_these_are_fine(
    env: dict[str, str], served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert Settings.from_env().problems() == []
    assert main(["serve"]) == 0


def test_other_commands_check_the_store_setting_but_not_the_bots(
    served: Served, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://mace@db/mace")
    assert main(["migrate"]) == 2
    assert capsys.readouterr().err.startswith("Cannot start: DATABASE_URL: ")
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("APP_PASSWORD", "")  # serve only
    assert main(["migrate"]) == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_database_stops_serve_with_one_line_before_any_traffic(
    tmp_path: Path,
) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_READ}
    env.update(
        DATABASE_URL="postgresql+asyncpg://mace@127.0.0.1:1/mace",
        PORT=str(port),
        METRICS_PORT="0",
        MACE_DATA_DIR=str(tmp_path / "data"),
        MACE_DATA_KEYS=TEST_KEYS_SPEC,
        LOG_FORMAT="json",
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert time.monotonic() - started < 60
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    # Log records are JSON lines; what is said to the operator is one plain line.
    said = [line for line in done.stderr.splitlines() if not line.startswith("{")]
    assert len(said) == 1, done.stderr
    assert said[0].startswith("Cannot start: DATABASE_URL: the database cannot be reached")
    assert "Ready" not in done.stdout
    with socket.socket() as s:  # the port was never taken (and is free again)
        s.bind(("127.0.0.1", port))
