"""How fast a new instance is ready: ``mace-bot serve`` started on the migrated 100,000-action
store, timed from the spawn of its process to the first ``GET /readyz`` answered 200 (issue
18: "new instances scale out in seconds", under 2 s).

The whole start is in the figure: the interpreter, importing the app, the settings' checks,
the store's engine and its first connection, the schema's head checked, the listener. Run
a few times, one after another; the slowest start is the figure (a scale-out waits for its
slowest instance). ``/readyz`` is asked every 5 ms: this measures, it waits for no job.

The project's own modules are compiled to bytecode first, as the image is built
(Dockerfile: ``compileall``). A checkout run with ``PYTHONDONTWRITEBYTECODE=1`` (this
machine's environment) keeps no ``__pycache__``, and each start would compile the 230 or
so modules of bot, dialogs and cards from source again: about 0.3 s of CPU that no
deployed instance spends. The bytecode goes where Python looks for it (``__pycache__``
beside each module, ignored by git) and is rewritten only for a changed module.
"""

from __future__ import annotations

import asyncio
import compileall
import os
import time
from pathlib import Path

import aiohttp

import bot
import cards
import dialogs

#: Starts measured, one after another.
RUNS = 3
#: A start slower than this is a failure to start, not a figure.
GIVE_UP = 60.0


async def readyz_start(
    command: tuple[list[str], dict[str, str]], port: int, log: Path, runs: int = RUNS
) -> list[float]:
    """Seconds from spawn to the first 200 from ``/readyz``, for each of ``runs`` starts."""
    argv, env = command
    url = f"http://127.0.0.1:{port}/readyz"
    compiled()
    took: list[float] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        for _ in range(runs):
            with log.open("ab") as errors:
                began = time.perf_counter()
                process = await asyncio.create_subprocess_exec(
                    *argv,
                    env={**os.environ, **env},
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=errors,
                )
                try:
                    took.append(await _first_ready(session, url, process, began))
                finally:
                    if process.returncode is None:
                        process.terminate()
                        await process.wait()
    return took


async def _first_ready(
    session: aiohttp.ClientSession,
    url: str,
    process: asyncio.subprocess.Process,
    began: float,
) -> float:
    while time.perf_counter() - began < GIVE_UP:
        if process.returncode is not None:
            raise RuntimeError("mace-bot serve exited before it was ready")
        try:
            async with session.get(url) as answer:
                if answer.status == 200:
                    return time.perf_counter() - began
        except aiohttp.ClientError:
            pass  # not listening yet
        await asyncio.sleep(0.005)
    raise RuntimeError(f"mace-bot serve was not ready within {GIVE_UP:.0f} s")


def compiled() -> None:
    """The project's packages compiled to bytecode, as the image has them; the packages
    are those this process imports, which ``mace-bot serve`` imports too."""
    for package in (bot, dialogs, cards):
        folder = Path(package.__file__ or "").parent
        if not compileall.compile_dir(folder, quiet=1):
            raise RuntimeError(f"{folder} did not compile")
