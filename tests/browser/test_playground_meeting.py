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

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.processes import Server
from tests.browser.steps import (
    Steps,
    card,
    choose,
    end_meeting,
    expand,
    next_to_item_4,
    nothing_went_wrong,
    pick_date,
    press,
    record_attendance,
    shown_date,
    shows,
    start_meeting,
)

if TYPE_CHECKING:
    from playwright.async_api import Page

# One worker runs these and the slow-loris test one after another: Chromium beside it
# slows /healthz past its bound on a 2-core machine.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("machine_heavy")]

MINUTE = "Partners shared what is known about CR-0001 since the last meeting."
DECISION = "Refer CR-0001 for a return home interview."
ACTION = "Share the missing episode history with the school."
CHALLENGE = "The partnership was not told of the second missing episode."

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

    # 1-3. The team channel: start the meeting, record attendance.
    agenda = await start_meeting(page, url, steps)
    await record_attendance(page, agenda, steps)

    # 4. Through the agenda to item 4 with the card's own buttons.
    current = await next_to_item_4(page, agenda, steps)

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
    next_meeting = await end_meeting(page, agenda, steps, 17)

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

    # Nothing went wrong on the way.
    await nothing_went_wrong(page)
