"""A short MACE meeting, run the way a person runs it: in the Microsoft 365 Agents
Playground, in headless Chromium driven by Playwright, against the real bot.

`mace-bot serve --demo` runs on a fresh SQLite store in a temporary folder, and the
Playground (a Teams-like web chat that is also the Bot Connector) points at it. The
Playground's user, Alex Wilber, is the demo chair of Scarborough, whose group the demo data
links to the Playground's team channel. In that channel Alex types `@Test Bot start meeting`
(picking the bot from the mention list), records attendance, moves through the agenda,
records a minute, a decision and an action (owner, due date picked in the calendar, a child
by case reference), opens a share-and-challenge round, answers it with a challenge, closes
it, ends the meeting and reads the summary. Only typing and clicking; every step checks
what the page then shows.

A screenshot of each step (01-start.png, 02-...) and both servers' logs are kept in
build/e2e-screenshots/ (or $E2E_ARTEFACTS). Without Node.js, Chromium or the Python
package playwright, or when the Playground cannot be installed, the test skips and says
which. All names and references are invented.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from datetime import date
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

if TYPE_CHECKING:
    from playwright.async_api import Locator, Page

pytestmark = pytest.mark.browser

# Adaptive Cards render as .ac-adaptiveCard; a ShowCard's form is one nested inside.
TOP_CARDS = ".ac-adaptiveCard:not(.ac-adaptiveCard .ac-adaptiveCard)"
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WAIT_MS = 15_000  # for the page to show what a click or a post should bring

MINUTE = "Partners shared what is known about CR-0001 since the last meeting."
DECISION = "Refer CR-0001 for a return home interview."
ACTION = "Share the missing episode history with the school."
CHALLENGE = "The partnership was not told of the second missing episode."


def shown_date(day: date) -> str:
    """How the bot's cards write a date: Thu 3 Dec 2026."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1][:3]} {day.year}"


# -- fixtures ------------------------------------------------------------------------------


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
def artefacts() -> Path:
    """The artefacts folder, cleared of what an earlier run of this test left there (only
    that: $E2E_ARTEFACTS may name a folder holding other files)."""
    folder = artefacts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for pattern in ("[0-9][0-9]-*.png", "failed.png", "failed.html", "bot.log", "playground*.log"):
        for old in folder.glob(pattern):
            old.unlink()
    return folder


@pytest.fixture
async def servers(
    playground_binary: Path, artefacts: Path, tmp_path: Path
) -> AsyncIterator[tuple[Server, Server]]:
    bot = await start_bot(tmp_path, artefacts)
    try:
        playground = await start_playground(playground_binary, bot, tmp_path, artefacts)
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


# -- what a person does and sees -------------------------------------------------------------


class Steps:
    """Numbered screenshots of each step; on a failure, one more of how the page was."""

    def __init__(self, page: Page, folder: Path) -> None:
        self.page = page
        self.folder = folder
        self.taken = 0

    async def shot(self, name: str, focus: Locator) -> None:
        await focus.evaluate("e => e.scrollIntoView({block: 'center'})")
        self.taken += 1
        await self.page.screenshot(path=self.folder / f"{self.taken:02d}-{name}.png")

    async def failed(self) -> None:
        """The page as it was when a step failed: failed.png and failed.html."""
        try:
            await self.page.screenshot(path=self.folder / "failed.png", timeout=5_000)
            (self.folder / "failed.html").write_text(await self.page.content())
        except Exception as exc:  # the page may be gone; the error itself matters more
            print(f"no failure screenshot: {type(exc).__name__}")


def card(page: Page, containing: str) -> Locator:
    """The first card in the page (outermost, oldest post first in its thread) that shows
    the text."""
    return page.locator(TOP_CARDS).filter(has_text=containing).first


async def shows(where: Locator, text: str | re.Pattern[str]) -> None:
    """Waits until the element reads so (as laid out on screen, whitespace collapsed)."""
    from playwright.async_api import expect

    await expect(where).to_contain_text(text, use_inner_text=True)


# True once nothing in the page has been added, removed or retyped for `quiet` ms.
QUIET = """(quiet) => {
    if (window.__lastChange === undefined) {
        window.__lastChange = performance.now();
        new MutationObserver(() => { window.__lastChange = performance.now(); }).observe(
            document.body, {childList: true, subtree: true, characterData: true});
    }
    return performance.now() - window.__lastChange > quiet;
}"""


async def press(page: Page, button: Locator) -> None:
    """Clicks a card button that goes to the bot (Action.Execute), and waits until the page
    has settled: the Playground draws the card twice, once from the bot's answer to the
    click and once from the bot's edit of the message, in either order, and a form opened
    between the two would be closed again by the second."""
    async with page.expect_response(lambda r: r.url.endswith("/_conversation/v1/invoke")) as sent:
        await button.click()
    answer = await sent.value
    assert answer.ok, f"the Playground's invoke answered {answer.status}"
    await settled(page)


async def settled(page: Page) -> None:
    await page.wait_for_function(QUIET, arg=300, polling=50)


async def expand(toggle: Locator) -> None:
    """Opens a ShowCard (Record, Attendance, Minute, ...) unless it is open already."""
    from playwright.async_api import expect

    if await toggle.get_attribute("aria-expanded") != "true":
        await toggle.click()
    await expect(toggle).to_have_attribute("aria-expanded", "true")


async def choose(page: Page, field: Locator, option: str) -> None:
    """Picks an entry from a card's drop-down list."""
    from playwright.async_api import expect

    await field.click()
    await page.get_by_role("option", name=option, exact=True).click()
    await expect(field).to_have_value(option)


async def pick_date(page: Page, field: Locator, day: int) -> date:
    """Opens the field's calendar, goes to next month and clicks the day; returns the date."""
    from playwright.async_api import expect

    await field.click()
    calendar = page.get_by_role("dialog", name="Calendar")
    header = calendar.get_by_role("button", name=re.compile(r"^[A-Z][a-z]+ \d{4}$"))
    month_name, year_text = (await header.inner_text()).split()
    month = MONTHS.index(month_name) + 1
    year = int(year_text)
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    await calendar.get_by_title(re.compile(r"^Next month")).click()
    await calendar.get_by_role(
        "button", name=f"{day}, {MONTHS[month - 1]}, {year}", exact=True
    ).click()
    await expect(field).to_have_value(f"{MONTHS[month - 1]} {day}, {year}")
    return date(year, month, day)


# -- the meeting -----------------------------------------------------------------------------


async def test_a_short_meeting_in_the_playground(
    page: Page, servers: tuple[Server, Server], artefacts: Path
) -> None:
    _, playground = servers
    steps = Steps(page, artefacts)
    try:
        await run_meeting(page, playground.url, steps)
    except BaseException:
        await steps.failed()
        raise
    print(f"{steps.taken} screenshots and the server logs are in {artefacts}")


async def run_meeting(page: Page, url: str, steps: Steps) -> None:
    from playwright.async_api import expect

    # 1. The team channel: demo data links it to Scarborough, and the bot says so.
    await page.goto(url)
    await page.get_by_role("treeitem", name="General").click()
    welcome = card(page, "This conversation is linked to the MACE Scarborough locality group")
    await shows(welcome, "No meeting is in progress.")
    await steps.shot("start", welcome)

    # 2. A new post: @mention the bot (picked from the list) and ask it to start.
    composer = page.locator(".fui-Card").filter(
        has=page.get_by_role("button", name="Post", exact=True)
    )
    box = composer.get_by_role("textbox")
    await box.click()
    await box.press_sequentially("@Test")
    await page.get_by_role("menuitem", name="Test Bot").click()
    await box.press_sequentially(" start meeting")
    await shows(box, "Test Bot start meeting")
    await steps.shot("typed-start-meeting", composer)
    await composer.get_by_role("button", name="Post", exact=True).click()
    # The log panel shows what went to the bot: a real @mention, as Teams sends it.
    await shows(page.locator("body"), "<at>Test Bot</at> start meeting")

    agenda = card(page, "1. Welcome, attendance and confidentiality")
    await shows(agenda, "MACE Scarborough locality meeting")
    await shows(agenda, "Status In progress")
    await shows(agenda, "Chair Alex Wilber")
    await shows(agenda, "▶ 1. Welcome, attendance and confidentiality")
    await shows(agenda, "OFFICIAL-SENSITIVE")
    await settled(page)
    await steps.shot("agenda", agenda.get_by_text("Attendance", exact=True).first)

    # 3. Attendance: "I'm here" for Alex's own agency, the form for the police.
    attendance = agenda.get_by_role("button", name="Attendance", exact=True)
    await expand(attendance)
    await press(page, agenda.get_by_role("button", name="I'm here"))
    await shows(agenda, "Safeguarding Children Partnership (NYSCP): Present – Alex Wilber")
    await expand(attendance)
    await choose(page, agenda.get_by_role("combobox", name="Agency"), "North Yorkshire Police")
    await agenda.get_by_role("radio", name="Present").check()
    await agenda.get_by_role("textbox", name="Who").fill("Priya Shah")
    await press(page, agenda.get_by_role("button", name="Record attendance"))
    await shows(agenda, "North Yorkshire Police: Present – Priya Shah")
    await shows(agenda, "Key agencies not present: Children's Social Care, Health")
    await steps.shot("attendance", agenda.get_by_text("Attendance", exact=True).first)

    # 4. Through the agenda to item 4 with the card's own buttons.
    for position, title in (
        (2, "Minutes of the last meeting"),
        (3, "Review of previous actions"),
        (4, "Children discussed"),
    ):
        await press(page, agenda.get_by_role("button", name="Next item"))
        await shows(agenda, f"▶ {position}. {title}")
        await shows(agenda, f"✓ {position - 1}.")
    current = agenda.get_by_text("▶ 4. Children discussed")
    await steps.shot("next-item", current)

    # 5. A minute: the card counts it and keeps its text out of the channel.
    record = agenda.get_by_role("button", name="Record", exact=True)
    await expand(record)
    await shows(agenda, "Recording against item 4: Children discussed")
    await expand(agenda.get_by_role("button", name="Minute", exact=True))
    minute = agenda.get_by_role("textbox", name="Minute")
    await minute.fill(MINUTE)
    await steps.shot("minute-form", minute)
    await press(page, agenda.get_by_role("button", name="Record minute"))
    await shows(agenda, "1 minute, 0 decisions, 0 actions")
    await expect(agenda).not_to_contain_text(MINUTE)
    await steps.shot("minute-recorded", current)

    # 6. A decision, shown under the item.
    await expand(record)
    await expand(agenda.get_by_role("button", name="Decision", exact=True))
    await agenda.get_by_role("textbox", name="Decision").fill(DECISION)
    await press(page, agenda.get_by_role("button", name="Record decision"))
    await shows(agenda, "1 minute, 1 decision, 0 actions")
    await shows(agenda, DECISION)
    await steps.shot("decision-recorded", current)

    # 7. An action: Record > Action opens the action form in place of the agenda (for
    # Alex only): what, owner, due date from the calendar, about a child by reference.
    await expand(record)
    await press(page, agenda.get_by_role("button", name="Action", exact=True))
    form = card(page, "Record an action")
    await shows(form, "Item 4: Children discussed")
    await form.get_by_role("textbox", name="What needs doing").fill(ACTION)
    await choose(
        page,
        form.get_by_role("combobox", name="Owner"),
        "Priya Shah (North Yorkshire Police)",
    )
    due = await pick_date(page, form.get_by_role("combobox", name="Due date"), 3)
    await choose(page, form.get_by_role("combobox", name="About"), "Child")
    await form.get_by_role("textbox", name="Case reference or short label").fill("CR-0001")
    await form.get_by_role("textbox", name="Child's initials").fill("A.B.")
    submit = form.get_by_role("button", name="Record action")
    await steps.shot("action-form", submit)
    await press(page, submit)
    await shows(agenda, "1 minute, 1 decision, 1 action")
    await shows(agenda, ACTION)
    owner_line = (
        f"Owner: Priya Shah (North Yorkshire Police) · due {shown_date(due)} · about CR-0001 (A.B.)"
    )
    await shows(agenda, owner_line)
    await steps.shot("action-recorded", agenda.get_by_text(ACTION))

    # 8. Share and challenge: a round card for every agency present.
    await press(page, agenda.get_by_role("button", name="Share and challenge"))
    round_card = card(page, "Share and challenge: item 4 Children discussed")
    await shows(round_card, "0 of 2 agencies present have answered.")
    await shows(round_card, "North Yorkshire Police: Still to answer")
    await shows(round_card, "Safeguarding Children Partnership (NYSCP): Still to answer")
    await shows(agenda, "A share-and-challenge round is open")
    await steps.shot("round-open", round_card)

    # 9. Alex's agency answers with a challenge to the police.
    await round_card.get_by_role("radio", name="Challenge raised").check()
    await round_card.get_by_role("textbox", name="What you share, or your challenge").fill(
        CHALLENGE
    )
    await choose(
        page, round_card.get_by_role("combobox", name="Challenge to"), "North Yorkshire Police"
    )
    await round_card.get_by_role("textbox", name="About").fill("information sharing")
    await press(page, round_card.get_by_role("button", name="Send answer"))
    await shows(round_card, "1 of 2 agencies present have answered.")
    await shows(
        round_card,
        re.compile(
            r"Safeguarding Children Partnership \(NYSCP\)\s+Challenge raised "
            r"\(Alex Wilber, \d\d:\d\d\)"
        ),
    )
    await shows(round_card, "Challenge to: North Yorkshire Police")
    await steps.shot("round-answered", round_card)

    # 10. Closing the round turns its card into the round's summary.
    await press(page, round_card.get_by_role("button", name="Close round"))
    await shows(round_card, "Round closed")
    await shows(round_card, "Did not answer: North Yorkshire Police")
    await shows(round_card, "challenged North Yorkshire Police – Open")
    await expect(round_card.get_by_role("button", name="Send answer")).to_have_count(0)
    await shows(agenda, "Open challenges 1")
    await steps.shot("round-closed", round_card.get_by_text("Round closed"))

    # 11. End the meeting with the next meeting's date.
    await expand(agenda.get_by_role("button", name="End meeting", exact=True).first)
    end_form = agenda.locator(".ac-adaptiveCard").filter(
        has=page.get_by_role("combobox", name="Date of the next meeting")
    )
    next_meeting = await pick_date(
        page, end_form.get_by_role("combobox", name="Date of the next meeting"), 17
    )
    end = end_form.get_by_role("button", name="End meeting", exact=True)
    await steps.shot("end-form", end)
    await press(page, end)

    # 12. The summary, posted in the thread; the agenda card is closed, buttons gone.
    summary = card(page, "Summary: MACE Scarborough locality meeting")
    for line in (
        f"Next meeting {shown_date(next_meeting)}",
        "North Yorkshire Police: Present – Priya Shah",
        "Safeguarding Children Partnership (NYSCP): Present – Alex Wilber",
        "Decisions (1)",
        DECISION,
        "Actions (1)",
        "Item 4: Children discussed",
        ACTION,
        owner_line,
        "Open challenges (1)",
        CHALLENGE,
        "Minutes are a draft until agreed at the next meeting.",
    ):
        await shows(summary, line)
    await expect(summary).not_to_contain_text(MINUTE)
    await shows(agenda, "Ended at")
    await shows(agenda, "This meeting has ended.")
    await shows(agenda, "✓ 4. Children discussed")
    await shows(agenda, "1 minute, 1 decision, 1 action")
    await expect(agenda.get_by_role("button")).to_have_count(0)
    await steps.shot("summary", summary.get_by_text("Decisions (1)"))

    # Nothing went wrong on the way: no apology from the bot, and the Playground's log
    # panel lists every call between it and the bot as answered 2xx.
    await expect(page.get_by_text("Sorry, something went wrong")).to_have_count(0)
    log_panel = await page.locator("body").inner_text()
    assert "invoke 200" in log_panel
    failed_calls = re.findall(r"(?:invoke|message|conversationUpdate) [45]\d\d", log_panel)
    assert not failed_calls, failed_calls
