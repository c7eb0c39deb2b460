"""The browser tests' fixtures: the Agents Playground installed (or the test skipped,
saying why), the bot and the Playground running, and a headless Chromium page.

Each test module names its artefacts with ``artefact_prefix`` (screenshots ``01-...`` for
the meeting, ``r01-...`` for the register), so one test's run clears only its own files.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.processes import (
    Server,
    artefacts_dir,
    chromium_path,
    install_playground,
    missing,
    start_bot,
    start_playground,
)
from tests.browser.steps import WAIT_MS

if TYPE_CHECKING:
    from playwright.async_api import Page


@pytest.fixture
def artefact_prefix() -> str:
    """What this test's screenshots and logs start with; a module may override it."""
    return ""


@pytest.fixture
def playground_binary() -> Path:
    reasons = missing()
    if reasons:
        pytest.skip("browser test: " + "; ".join(reasons))
    binary, why = install_playground()
    if binary is None:
        pytest.skip(f"browser test: the Agents Playground could not be installed: {why}")
    return binary


@pytest.fixture
def artefacts(artefact_prefix: str) -> Path:
    """The artefacts folder, cleared of what an earlier run of this test left there (only
    that: $E2E_ARTEFACTS may name a folder holding other files)."""
    folder = artefacts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for pattern in ("[0-9][0-9]-*.png", "failed.png", "failed.html", "bot.log", "playground*.log"):
        for old in folder.glob(artefact_prefix + pattern):
            old.unlink()
    return folder


@pytest.fixture
async def servers(
    playground_binary: Path, artefacts: Path, artefact_prefix: str, tmp_path: Path
) -> AsyncIterator[tuple[Server, Server]]:
    bot = await start_bot(tmp_path, artefacts, prefix=artefact_prefix)
    try:
        playground = await start_playground(
            playground_binary, bot, tmp_path, artefacts, prefix=artefact_prefix
        )
        try:
            yield bot, playground
        finally:
            await playground.stop()
    finally:
        await bot.stop()


@pytest.fixture
async def page(servers: tuple[Server, Server], tmp_path: Path) -> AsyncIterator[Page]:
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=WAIT_MS)
    home = tmp_path / "browser-home"  # Chromium's crash and config folders go here, not ~
    home.mkdir()
    browser_env: dict[str, str | float | bool] = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
    }
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, env=browser_env
        )
        try:
            context = await browser.new_context(
                viewport={"width": 1440, "height": 1400},
                locale="en-US",
                timezone_id="Europe/London",  # the bot's dates are London dates
            )
            context.set_default_timeout(WAIT_MS)
            yield await context.new_page()
        finally:
            await browser.close()
