"""A real ``mace-bot serve`` process for a test: local settings (authentication off, its
own SQLite store and keys, no jobs), started and stopped by the test, its output kept."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.keys import TEST_KEYS_SPEC

READY = "Ready: accepting traffic."

#: Settings a developer's shell may hold that would change what the process does.
CLEARED = (
    "APP_ID",
    "APP_PASSWORD",
    "APP_TENANTID",
    "ALLOWED_TENANTS",
    "MACE_DEMO",
    "DATABASE_URL",
    "METRICS_PORT",
    "METRICS_HOST",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    process: asyncio.subprocess.Process
    port: int
    output: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def said(self, words: str) -> list[str]:
        return [line for line in self.output if words in line]


async def start(data_dir: Path, **env: str) -> Served:
    """Start ``mace-bot serve`` on a free port and wait for its ready line (or its exit:
    then ``process.returncode`` is set and ``output`` says why)."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k not in CLEARED}
    environment.update(
        {
            "MACE_DATA_KEYS": TEST_KEYS_SPEC,
            "MACE_DATA_DIR": str(data_dir),
            "MACE_JOBS": "off",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "LOG_FORMAT": "text",
            "LOG_LEVEL": "INFO",
            **env,
        }
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sys; from bot.cli import main; sys.exit(main(['serve']))",
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    served = Served(process, port)
    assert process.stdout is not None
    async with asyncio.timeout(60):
        while True:
            line = (await process.stdout.readline()).decode()
            if not line:
                await process.wait()
                return served
            served.output.append(line)
            if READY in line:
                break
    # Keep reading, so a chatty process never blocks on a full pipe.
    asyncio.get_running_loop().create_task(_drain(served))
    return served


async def _drain(served: Served) -> None:
    assert served.process.stdout is not None
    while line := await served.process.stdout.readline():
        served.output.append(line.decode())


@asynccontextmanager
async def serving(data_dir: Path, **env: str) -> AsyncIterator[Served]:
    served = await start(data_dir, **env)
    try:
        yield served
    finally:
        if served.process.returncode is None:
            served.process.terminate()
            await served.process.wait()
