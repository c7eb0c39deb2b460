"""What the browser test needs outside Python, and the two servers it starts.

- ``missing()`` names what is absent (Node.js, Chromium, the ``playwright`` package), so
  the test and the report header can say why it skips.
- ``install_playground()`` installs the Agents Playground through scripts/playground.sh
  (into .playground/, once per version; under a lock, since several test runs may share a
  checkout) and returns its binary.
- ``start_bot()`` runs ``mace-bot serve --demo`` on a fresh SQLite store in a temporary
  folder; ``start_playground()`` runs the Playground against it. Both on free ports, both
  ready when they return (polled: ``/readyz``, the Playground's "Listening on PORT"), both
  with their output in a log file beside the screenshots.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from tests.support.keys import TEST_KEYS_SPEC

REPO = Path(__file__).resolve().parents[2]
PLAYGROUND_SCRIPT = REPO / "scripts" / "playground.sh"
DEFAULT_ARTEFACTS = REPO / "build" / "e2e-screenshots"
DEBIAN_CHROMIUM = "/usr/bin/chromium"

READY_TIMEOUT = 60.0  # seconds for each server to start on a loaded machine
INSTALL_TIMEOUT = 300  # seconds for `npm install` of the Playground

# Settings the bot must not inherit from the shell running the tests: this test always
# runs the bot locally, with authentication off, on its own SQLite store.
_BOT_SETTINGS_DROPPED = (
    "APP_ID",
    "APP_PASSWORD",
    "APP_TENANTID",
    "APP_TYPE",
    "ALLOWED_TENANTS",
    "DATABASE_URL",
    "GRAPH",
    "GRAPH_BASE_URL",
    "GRAPH_TEAM_IDS",
    "AUTHORITY_BASE_URL",
    "KEY_AGENCIES",
    "PUBLIC_BASE_URL",
    "TEAMS_APP_ID",
    "METRICS_HOST",
)


def artefacts_dir() -> Path:
    """Where screenshots and server logs are kept: $E2E_ARTEFACTS or build/e2e-screenshots."""
    configured = os.environ.get("E2E_ARTEFACTS", "").strip()
    return Path(configured).resolve() if configured else DEFAULT_ARTEFACTS


def chromium_path() -> str | None:
    """$CHROMIUM, else `chromium` on PATH, else the Debian package's binary."""
    configured = os.environ.get("CHROMIUM", "").strip()
    candidates = [configured] if configured else [shutil.which("chromium") or "", DEBIAN_CHROMIUM]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK) and Path(candidate).is_file():
            return candidate
    return None


def missing() -> list[str]:
    """What the browser test lacks on this machine, in words; empty when it can run."""
    reasons = []
    if shutil.which("node") is None or shutil.which("npm") is None:
        reasons.append("Node.js not found (node and npm on PATH run the Agents Playground)")
    if chromium_path() is None:
        reasons.append(
            f"Chromium not found (Debian package `chromium`: {DEBIAN_CHROMIUM}, "
            "or set CHROMIUM to a Chromium binary)"
        )
    if importlib.util.find_spec("playwright") is None:
        reasons.append("the Python package playwright is not installed (pip install -e '.[dev]')")
    return reasons


def install_playground() -> tuple[Path | None, str]:
    """The Playground's binary, installed by scripts/playground.sh if need be; or None and
    the reason it could not be installed."""
    prefix = REPO / ".playground"
    prefix.mkdir(exist_ok=True)
    with open(prefix / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test run in this checkout may be installing
        try:
            done = subprocess.run(
                [str(PLAYGROUND_SCRIPT), "--install-only"],
                capture_output=True,
                text=True,
                timeout=INSTALL_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return None, f"installing it took longer than {INSTALL_TIMEOUT} s"
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    lines = done.stdout.strip().splitlines()
    binary = Path(lines[-1]) if lines else None
    if done.returncode != 0 or binary is None or not os.access(binary, os.X_OK):
        tail = " ".join((done.stdout + done.stderr).split())[-300:]
        return None, f"scripts/playground.sh --install-only failed ({done.returncode}): {tail}"
    return binary, ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A child process started by this test, with its output in ``log``."""

    name: str
    process: asyncio.subprocess.Process
    log: Path
    url: str = ""

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def exited(self) -> bool:
        return self.process.returncode is not None

    def failure(self, what: str) -> AssertionError:
        tail = "\n".join(self.output().splitlines()[-40:])
        return AssertionError(f"{self.name} {what}. Its output ({self.log}):\n{tail}")

    async def stop(self) -> None:
        """TERM the process group it leads (Node may start helpers), KILL after 10 s."""
        if self.exited():
            return
        for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            try:
                async with asyncio.timeout(wait):
                    await self.process.wait()
                return
            except TimeoutError:
                continue


async def _spawn(
    name: str, argv: Sequence[str], env: dict[str, str], cwd: Path, log: Path
) -> Server:
    out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            env=env,
            cwd=cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop() reaches its children
        )
    finally:
        os.close(out)  # the child has its own copy
    return Server(name, process, log)


async def start_bot(workdir: Path, logs: Path, *, prefix: str = "") -> Server:
    """`mace-bot serve --demo` on a free port, its SQLite store and data keys in workdir;
    its output in ``<prefix>bot.log``."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in _BOT_SETTINGS_DROPPED}
    env.update(
        MACE_DATA_DIR=str(workdir / "data"),
        MACE_DATA_KEYS=TEST_KEYS_SPEC,
        MACE_JOBS="off",
        METRICS_PORT="0",
        LOG_FORMAT="text",
        LOG_LEVEL="INFO",
    )
    env.pop("MACE_DEMO", None)  # --demo says it
    mace_bot = Path(sys.executable).with_name("mace-bot")
    argv = (
        [str(mace_bot)]
        if mace_bot.exists()
        else [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]
    )
    argv += ["serve", "--demo", "--host", "127.0.0.1", "--port", str(port)]
    bot = await _spawn(
        "the bot (mace-bot serve --demo)", argv, env, workdir, logs / f"{prefix}bot.log"
    )
    bot.url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + READY_TIMEOUT
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        while True:
            if bot.exited():
                raise bot.failure(f"exited ({bot.process.returncode}) before it was ready")
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(f"{bot.url}/readyz") as response:
                    if response.status == 200:
                        return bot
            if time.monotonic() > deadline:
                await bot.stop()
                raise bot.failure(f"was not ready within {READY_TIMEOUT:.0f} s")
            await asyncio.sleep(0.1)


LISTENING = re.compile(r"^Listening on (\d+)", re.MULTILINE)


async def start_playground(
    binary: Path, bot: Server, workdir: Path, logs: Path, *, prefix: str = ""
) -> Server:
    """The Agents Playground (channel msteams, telemetry off) pointing at the bot. It may
    take another port than the one asked for; its "Listening on PORT" line says which.
    It reads its user, team and chats from ``.m365agentsplayground.yml`` in ``workdir``
    when there is one (``playground_config``), else its own (Alex Wilber)."""
    env = {
        **os.environ,
        "TEAMSAPPTESTER_BROWSER": "none",
        # It writes its own log, and any devTools/ files, relative to its working directory.
        "M365_AGENTS_PLAYGROUND_LOGFILE": str(logs / f"{prefix}playground-internal.log"),
    }
    argv = [
        str(binary),
        "start",
        "-e",
        f"{bot.url}/api/messages",
        "-c",
        "msteams",
        "-p",
        str(free_port()),
        "--dt",
    ]
    playground = await _spawn(
        "the Agents Playground", argv, env, workdir, logs / f"{prefix}playground.log"
    )
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        found = LISTENING.search(playground.output())
        if found:
            playground.url = f"http://127.0.0.1:{found.group(1)}/"
            return playground
        if playground.exited():
            raise playground.failure(f"exited ({playground.process.returncode}) before it listened")
        if time.monotonic() > deadline:
            await playground.stop()
            raise playground.failure(f"did not listen within {READY_TIMEOUT:.0f} s")
        await asyncio.sleep(0.1)


#: The Playground's own configuration (its built-in one, version 0.1.1), with another
#: current user: a second Playground run with it is that person in the same team channel
#: (the team and channel ids are the built-in ones, which the demo data links). It asks
#: for at least five other users: Alex and four of its own.
PLAYGROUND_CONFIG = """version: "0.1.1"
tenantId: 00000000-0000-0000-0000-0000000000001
bot:
  id: 00000000-0000-0000-0000-00000000000011
  name: Test Bot
currentUser:
  id: {user_id}
  name: {name}
  userPrincipleName: {login}@example.com
  aadObjectId: {aad_object_id}
  givenName: {given}
  surname: {surname}
  email: {login}@example.com
users:
  - id: user-id-0
    name: Alex Wilber
    userPrincipleName: alexw@example.com
    aadObjectId: 00000000-0000-0000-0000-0000000000020
    givenName: Alex
    surname: Wilber
    email: alexw@example.com
  - id: user-id-1
    name: Megan Bowen
    userPrincipleName: meganb@example.com
    aadObjectId: 00000000-0000-0000-0000-0000000000021
    givenName: Megan
    surname: Bowen
    email: meganb@example.com
  - id: user-id-2
    name: Adele Vance
    userPrincipleName: adelev@example.com
    aadObjectId: 00000000-0000-0000-0000-0000000000022
    givenName: Adele
    surname: Vance
    email: adelev@example.com
  - id: user-id-3
    name: Isaiah Langer
    userPrincipleName: isaiahl@example.com
    aadObjectId: 00000000-0000-0000-0000-0000000000023
    givenName: Isaiah
    surname: Langer
    email: isaiahl@example.com
  - id: user-id-4
    name: Patti Fernandez
    userPrincipleName: pattif@example.com
    aadObjectId: 00000000-0000-0000-0000-0000000000024
    givenName: Patti
    surname: Fernandez
    email: pattif@example.com
personalChat:
  id: __PERSONAL_CHAT_ID__
groupChat:
  id: __GROUP_CHAT_ID__
  name: Group Chat
team:
  id: team-id
  name: My Team
  aadGroupId: 00000000-0000-0000-0000-000000000031
  channels:
    - id: channel-announcements-id
      name: Announcements
"""


def playground_config(workdir: Path, *, user_id: str, name: str, aad_object_id: str) -> Path:
    """Writes ``.m365agentsplayground.yml`` in workdir (made if need be): the Playground
    started there is ``name`` (a member of the demo data by ``aad_object_id``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    given, surname = name.split(" ", 1)
    config = workdir / ".m365agentsplayground.yml"
    config.write_text(
        PLAYGROUND_CONFIG.format(
            user_id=user_id,
            name=name,
            login=(given[0] + surname).lower(),
            aad_object_id=aad_object_id,
            given=given,
            surname=surname,
        )
    )
    return config
