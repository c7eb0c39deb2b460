"""The pages in headless Chromium: every page passes axe-core (WCAG 2.0/2.1/2.2 A and AA
rules) with no violation, in the light and dark themes and in high contrast (forced
colours); and no page breaks its own Content-Security-Policy (no inline script or style
slipped in: Chromium reports each refusal on the console). The map and My MACE's forms
are used by keyboard alone (Tab, the arrow keys, Enter).

The bot runs in process on the demo store with its invented history, signed in through
the local stand-in. axe-core comes from the pages' npm lock (bot/web/assets, copied by
`make pages-assets`); it is injected with the policy bypassed in that context only, since
the policy rightly refuses any script the app did not serve. A screenshot of each page
goes to the artefacts folder (tests/browser/processes.py ``artefacts_dir``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.demo.history import seed_demo_history
from bot.domain.clock import FrozenClock
from bot.store.db import Store
from tests.browser.processes import artefacts_dir, chromium_path
from tests.e2e.harness import BotUnderTest, running_bot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("machine_heavy")]

AXE = Path(__file__).resolve().parents[2] / "bot" / "web" / "assets" / "axe.min.js"
#: Browser settings for each theme a page must pass in (suffix of the screenshots).
THEMES: dict[str, dict[str, str]] = {
    "": {},
    "-dark": {"color_scheme": "dark"},
    "-contrast": {"forced_colors": "active"},
}
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture
async def site(demo_store: Store, clock: FrozenClock) -> AsyncIterator[BotUnderTest]:
    await seed_demo_history(demo_store, clock.now())
    async with running_bot(demo_store, clock, Settings(web_stand_in=True)) as running:
        yield running


@pytest.fixture
async def chromium() -> AsyncIterator[Any]:
    path = chromium_path()
    if path is None:
        pytest.skip("pages browser test: Chromium not found (Debian package `chromium`)")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.skip("pages browser test: the Python package playwright is not installed")
    if not AXE.is_file():
        pytest.skip(f"pages browser test: {AXE} missing (run `make pages-assets`)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=path)
        try:
            yield browser
        finally:
            await browser.close()


async def sign_in(page: Any, base: str, name: str) -> None:
    await page.goto(f"{base}/signin")
    value = await page.evaluate(
        "name => [...document.querySelectorAll('#member option')]"
        ".find(o => o.textContent.startsWith(name + ',')).value",
        name,
    )
    await page.select_option("#member", value=value)
    await page.click("form[action='/signin/stand-in'] button")
    await page.wait_for_url(f"{base}/my")


async def check(page: Any, url: str, shot: str) -> list[str]:
    """axe-core's violations on the page at ``url``, as lines (empty: none)."""
    await page.goto(url)
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    folder = artefacts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(folder / f"p-{shot}.png"), full_page=True)
    return [
        f"{url}: {v['id']} ({v['impact']}): {v['help']} at "
        + json.dumps([n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
    ]


async def page_urls(page: Any, base: str) -> dict[str, str]:
    """Every kind of page, with ids read from the pages themselves."""
    urls = {
        "my": f"{base}/my",
        "meetings": f"{base}/meetings",
        "map": f"{base}/localities/scarborough/map",
        "dashboard-list": f"{base}/dashboard",
        "dashboard": f"{base}/localities/scarborough/dashboard",
        "exports": f"{base}/exports/actions?locality=scarborough",
        "reports": f"{base}/reports?from=2026-01-01&to=2026-11-30",
        "tab-configure": f"{base}/tab/configure",
        "tab-configure-chosen": f"{base}/tab/configure?show=scarborough%2Fdashboard",
    }
    await page.goto(urls["meetings"])
    urls["minutes"] = base + await page.get_attribute("a[href^='/meetings/']", "href")
    await page.goto(urls["map"])
    urls["subject"] = base + await page.get_attribute("a[href^='/subjects/']", "href")
    return urls


async def test_every_page_passes_axe_core_and_keeps_its_policy(
    site: BotUnderTest, chromium: Any
) -> None:
    base = str(site.server.make_url("")).rstrip("/")
    problems: list[str] = []

    # With the policy enforced: no page's own markup is refused by it.
    strict = await chromium.new_context()
    page = await strict.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda m: (
            refused.append(f"{page.url}: {m.text[:90]}")
            if "Content Security Policy" in m.text
            else None
        ),
    )
    await sign_in(page, base, "Riley Quinn")
    urls = await page_urls(page, base)
    for url in urls.values():
        await page.goto(url)
    assert refused == [], refused

    # axe-core, injected with the policy bypassed in this context only; in the light
    # theme, the dark one (prefers-color-scheme) and high contrast (forced colours).
    for theme, options in THEMES.items():
        tested = await chromium.new_context(bypass_csp=True, **options)
        page = await tested.new_page()
        problems += await check(page, f"{base}/signin", f"signin{theme}")
        await sign_in(page, base, "Riley Quinn")
        for name, url in urls.items():
            problems += await check(page, url, f"{name}{theme}")
        await tested.close()

    # A chair's own actions and the hand-over page; a partner refused the dashboard.
    chair = await chromium.new_context(bypass_csp=True)
    page = await chair.new_page()
    await sign_in(page, base, "Alex Wilber")
    problems += await check(page, f"{base}/my", "my-chair")
    hand_over = await page.get_attribute("a[href$='/hand-over']", "href")
    if hand_over:
        problems += await check(page, base + hand_over, "hand-over")
    problems += await check(page, f"{base}/localities/harrogate/dashboard", "refused")
    await chair.close()
    assert problems == [], "\n".join(problems)


# -- by keyboard alone ---------------------------------------------------------------------


async def tab_to(page: Any, selector: str, most: int = 80) -> None:
    """Press Tab from the top of the page until ``selector`` has the focus (as a keyboard
    user would reach it), or fail."""
    await page.focus("body")
    for _ in range(most):
        await page.keyboard.press("Tab")
        if await page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} is not reached by Tab on {page.url}")


async def test_the_map_is_used_by_keyboard_alone(site: BotUnderTest, chromium: Any) -> None:
    """Tab into the network, the arrow keys go from subject to subject (each announced),
    Enter opens the subject announced: what the map's help text promises."""
    base = str(site.server.make_url("")).rstrip("/")
    page = await (await chromium.new_context()).new_page()
    await sign_in(page, base, "Riley Quinn")
    await page.goto(f"{base}/localities/scarborough/map")
    await page.locator("#map-network").wait_for(state="visible")
    await tab_to(page, "#map-canvas")
    status = page.locator("#map-status")
    first = await status.inner_text()
    assert " 1 of " in first and first.endswith("Enter opens its page."), first
    await page.keyboard.press("ArrowRight")
    second = await status.inner_text()
    assert " 2 of " in second, second
    await page.keyboard.press("ArrowLeft")
    assert await status.inner_text() == first
    await page.keyboard.press("ArrowRight")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert "/subjects/" in page.url
    # The subject announced is the one opened: "Kind: LABEL, risk, ..." names it.
    label = second.split(": ", 1)[1].split(", ", 1)[0]
    assert label.split(" (")[0] in await page.inner_text("main h1")


async def test_an_action_is_updated_by_keyboard_alone(site: BotUnderTest, chromium: Any) -> None:
    """On My MACE: Tab to an action's "Update, mark done..." and open it with Enter, Tab
    to its update, type it, Tab to its button, press Enter."""
    base = str(site.server.make_url("")).rstrip("/")
    page = await (await chromium.new_context()).new_page()
    await sign_in(page, base, "Alex Wilber")
    field = await page.get_attribute("textarea[id^='update-']", "id")
    assert field is not None
    await tab_to(page, "article.action summary")
    await page.keyboard.press("Enter")  # opens the first action's forms
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == field
    await page.keyboard.type("Visited the school; plan shared with the designated lead.")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "Save the update"
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert "/my" in page.url
    assert await page.locator("p.saved[role=status]").count() == 1
