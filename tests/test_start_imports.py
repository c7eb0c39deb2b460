"""What ``mace-bot serve`` leaves unloaded until it is needed (issue 18: a new instance
ready in under 2 s).

A new interpreter imports bot.cli, as the ``mace-bot`` command does, builds the app from
the environment, starts it on a store already migrated (as a new instance beside running
ones finds it) and asks its ``/readyz`` over HTTP. Once that answers 200, none of these is
imported: python-docx and openpyxl (loaded where a download is built), Alembic with the
Mako templates and Pygments it brings (loaded only to migrate a store that is behind), the
demo's invented history (loaded only by ``--demo``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.store.db import Store
from tests.support.keys import TEST_KEYS_SPEC

REPO = Path(__file__).resolve().parents[1]

DEFERRED = ("docx", "openpyxl", "alembic", "mako", "pygments", "bot.demo.history")

PROBE = """
import asyncio, json, sys

import bot.cli  # what the mace-bot command imports
import aiohttp
from aiohttp import web

from bot.app import create_app
from bot.config import Settings


async def main():
    app = create_app(Settings.from_env())
    runner = web.AppRunner(app)
    await runner.setup()  # the start-up: the store reached, its revision checked
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/readyz") as answer:
                status = answer.status
    finally:
        await runner.cleanup()
    loaded = sorted({name.split(".")[0] for name in sys.modules} | set(sys.modules))
    print(json.dumps({"readyz": status, "loaded": loaded}))


asyncio.run(main())
"""


def test_serve_is_ready_without_the_download_migration_and_demo_libraries(
    store: Store, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": store.engine.url.render_as_string(hide_password=False),
        "MACE_DATA_KEYS": TEST_KEYS_SPEC,
        "MACE_DATA_DIR": str(tmp_path / "serve-data"),
        "MACE_JOBS": "off",
        "METRICS_PORT": "0",
        "LOG_LEVEL": "WARNING",
        "APP_ID": "",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout.strip().splitlines()[-1])
    assert said["readyz"] == 200, done.stderr
    loaded = set(said["loaded"])
    assert "bot.app" in loaded and "sqlalchemy" in loaded, "the probe saw the real start"
    assert sorted(loaded & set(DEFERRED)) == []
