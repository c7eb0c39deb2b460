"""The processes a benchmark measures: ``mace-bot serve`` and the stock echo bot, each a
subprocess on a free loopback port, started when it prints its "Ready" line."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.keys import TEST_KEYS_SPEC

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: asyncio.subprocess.Process
    url: str
    drain: asyncio.Task[None]

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


@contextlib.asynccontextmanager
async def serving(
    argv: list[str], env: dict[str, str], port: int, log: Path
) -> AsyncIterator[Server]:
    """Start a server process and wait for its "Ready" line on stdout (no polling)."""
    with log.open("wb") as errors:
        process = await asyncio.create_subprocess_exec(
            *argv,
            env={**os.environ, **env},
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=errors,
        )
        assert process.stdout is not None
        try:
            async with asyncio.timeout(120):
                while True:
                    line = await process.stdout.readline()
                    if not line:
                        raise RuntimeError(f"{argv[0]} exited before it was ready; see {log}")
                    if line.startswith(b"Ready"):
                        break
            drain = asyncio.create_task(_drain(process.stdout))
            yield Server(process, f"http://127.0.0.1:{port}/api/messages", drain)
        finally:
            if process.returncode is None:
                process.terminate()
                try:
                    async with asyncio.timeout(15):
                        await process.wait()
                except TimeoutError:
                    process.kill()
                    await process.wait()


def bot(url: str, data_dir: Path, log: Path) -> contextlib.AbstractAsyncContextManager[Server]:
    port = _free_port()
    return serving(*bot_command(url, data_dir, port), port, log)


def bot_command(url: str, data_dir: Path, port: int) -> tuple[list[str], dict[str, str]]:
    """``mace-bot serve`` on that store and port, as every scenario runs it: its argv and
    environment."""
    env = {
        "DATABASE_URL": url,
        "MACE_DATA_KEYS": TEST_KEYS_SPEC,
        "MACE_DATA_DIR": str(data_dir),
        "MACE_JOBS": "off",
        "METRICS_PORT": "0",
        "LOG_LEVEL": "WARNING",
        "PORT": str(port),
        "HOST": "127.0.0.1",
        # The pages' local sign-in (no APP_ID here): the dashboard scenario signs in with it.
        "MACE_WEB_STAND_IN": "on",
    }
    exe = str(Path(sys.executable).with_name("mace-bot"))
    return [exe, "serve"], env


def echo(log: Path) -> contextlib.AbstractAsyncContextManager[Server]:
    port = _free_port()
    return serving([sys.executable, "-m", "bench.echo", str(port)], {}, port, log)
