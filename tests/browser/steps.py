"""What a person does and sees in the Agents Playground, shared by the browser tests:
find a card, wait until it reads so, press a card's button and wait for the page to settle,
open a ShowCard, pick from a list or a calendar, take numbered screenshots; and the steps
every meeting begins and ends with (start it in the channel, record attendance, end it).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.async_api import Locator, Page

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
#: For the Playground's page to load the first time a browser opens it. Its server says it
#: is listening before its page is quick to serve: a second Playground started while the
#: suite's other workers ran took over 15 s to load (CI, 2026-12-06). How long a test tool
#: takes to load is no property of the bot, so it gets its own, longer wait.
PLAYGROUND_LOAD_MS = 60_000
#: For a step's screenshot: a record of the step, not something the bot does. Under the
#: whole suite's load one took over 15 s to be taken (CI, 2026-12-06: the end-meeting
#: form's, in tests/browser/test_playground_register.py), so it too gets the longer wait.
SCREENSHOT_MS = 60_000


def shown_date(day: date) -> str:
    """How the bot's cards write a date: Thu 3 Dec 2026."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1][:3]} {day.year}"


# -- what a person does and sees -------------------------------------------------------------


class Steps:
    """Numbered screenshots of each step; on a failure, one more of how the page was."""

    def __init__(self, page: Page, folder: Path, prefix: str = "") -> None:
        self.page = page
        self.folder = folder
        self.prefix = prefix
        self.taken = 0

    async def shot(self, name: str, focus: Locator) -> None:
        await focus.evaluate("e => e.scrollIntoView({block: 'center'})")
        self.taken += 1
        await self.page.screenshot(
            path=self.folder / f"{self.prefix}{self.taken:02d}-{name}.png", timeout=SCREENSHOT_MS
        )

    async def failed(self) -> None:
        """The page as it was when a step failed: failed.png and failed.html."""
        try:
            await self.page.screenshot(path=self.folder / f"{self.prefix}failed.png", timeout=5_000)
            (self.folder / f"{self.prefix}failed.html").write_text(await self.page.content())
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


# -- how every meeting begins and ends --------------------------------------------------------


def composer(page: Page) -> Locator:
    """The channel's box for a new post, with its Post button."""
    return page.locator(".fui-Card").filter(has=page.get_by_role("button", name="Post", exact=True))


async def mention_bot(page: Page, words: str) -> Locator:
    """Types ``@Test Bot <words>`` in a new post (the bot picked from the mention list), so
    the bot gets a real @mention, as Teams sends it; returns the composer, not yet posted."""
    new_post = composer(page)
    box = new_post.get_by_role("textbox")
    await box.click()
    await box.press_sequentially("@Test")
    await page.get_by_role("menuitem", name="Test Bot").click()
    await box.press_sequentially(f" {words}")
    await shows(box, f"Test Bot {words}")
    return new_post


async def open_playground(page: Page, url: str) -> None:
    """Opens a Playground's page (``PLAYGROUND_LOAD_MS`` for it to load)."""
    await page.goto(url, timeout=PLAYGROUND_LOAD_MS)


async def start_meeting(page: Page, url: str, steps: Steps) -> Locator:
    """Opens the team channel (the demo links it to Scarborough, and the bot says so),
    posts ``@Test Bot start meeting`` and returns the agenda card it brings."""
    await open_playground(page, url)
    await page.get_by_role("treeitem", name="General").click()
    welcome = card(page, "This conversation is linked to the MACE Scarborough locality group")
    await shows(welcome, "No meeting is in progress.")
    await steps.shot("start", welcome)

    new_post = await mention_bot(page, "start meeting")
    await steps.shot("typed-start-meeting", new_post)
    await new_post.get_by_role("button", name="Post", exact=True).click()
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
    return agenda


async def record_attendance(page: Page, agenda: Locator, steps: Steps) -> None:
    """ "I'm here" for Alex's own agency (NYSCP), the form for the police (Priya Shah)."""
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


async def next_to_item_4(page: Page, agenda: Locator, steps: Steps) -> Locator:
    """Through the agenda to item 4 with the card's own buttons; returns item 4's line."""
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
    return current


async def end_meeting(page: Page, agenda: Locator, steps: Steps, day: int) -> date:
    """End meeting, with the next meeting's date picked in next month's calendar."""
    await expand(agenda.get_by_role("button", name="End meeting", exact=True).first)
    end_form = agenda.locator(".ac-adaptiveCard").filter(
        has=page.get_by_role("combobox", name="Date of the next meeting")
    )
    next_meeting = await pick_date(
        page, end_form.get_by_role("combobox", name="Date of the next meeting"), day
    )
    end = end_form.get_by_role("button", name="End meeting", exact=True)
    await steps.shot("end-form", end)
    await press(page, end)
    return next_meeting


async def nothing_went_wrong(page: Page) -> None:
    """No apology from the bot, and the Playground's log panel lists every call between it
    and the bot as answered 2xx."""
    from playwright.async_api import expect

    await expect(page.get_by_text("Sorry, something went wrong")).to_have_count(0)
    log_panel = await page.locator("body").inner_text()
    assert "invoke 200" in log_panel
    failed_calls = re.findall(r"(?:invoke|message|conversationUpdate) [45]\d\d", log_panel)
    assert not failed_calls, failed_calls
