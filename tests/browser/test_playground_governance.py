"""Governance in a meeting (issue 16), the way a chair does it: in the Microsoft 365 Agents
Playground, in headless Chromium driven by Playwright, against the real bot
(`mace-bot serve --demo` on a fresh SQLite store, as in test_playground_meeting.py).

In the Playground's team channel (linked to Scarborough by the demo data) Alex Wilber, the
demo chair, types `@Test Bot start meeting`, records attendance (his own agency, NYSCP, and
the police) and moves with Next to item 3, "Review of previous actions", which lists the
open actions of Scarborough's earlier meetings in the demo history (bot/demo/history.py),
some overdue. There he presses "Review an action" (the list of open actions takes the
agenda's place, for him only):
- he reviews the overdue "Share CR-0101's CAMHS assessment with the social worker." (Dana
  Reeves) and carries it forward: a new due date picked in next month's calendar and why.
  The agenda comes back and shows the action due on the new date, no longer overdue;
- he reviews "Online safety session for CR-0102's year group." (Chris Lowe) and
  reassigns it to Priya Shah of North Yorkshire Police: the agenda shows her as its owner.
He records a minute at item 3 (Record > Minute), then corrects it: "Correct records" on
item 3's buttons lists what was recorded under the item (for him only), "Correct" opens
the minute's form, he types the text as it should read and why, and saves: the list shows
the minute's new text marked "(corrected)". "Back to agenda" brings the agenda back.

He opens a share-and-challenge round on item 3 and answers it for NYSCP with a challenge
to North Yorkshire Police, and closes the round. Then he posts `@Test Bot challenges`: the
open challenges card lists it; under "Record response" he writes the response, chooses
"Escalated to the Operational or Strategic group", the MACE Operational Group, and why.
The card says the response is recorded and the challenge escalated to the MACE
Operational Group, and lists it no more; the agenda counts no open challenge.

He ends the meeting with the next meeting's date and starts the next meeting in the same
channel: its agenda's item 8, "Escalations and immediate action", shows the escalation
(E-n, the challenge C-n, the MACE Operational Group, awaiting a response). Only typing
and clicking; every step checks what the page then shows.

Screenshots g01-..., the servers' logs (gbot.log, gplayground.log) are kept in
build/e2e-screenshots/ (or $E2E_ARTEFACTS). All names and references are invented.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.processes import Server
from tests.browser.steps import (
    TOP_CARDS,
    Steps,
    card,
    choose,
    end_meeting,
    expand,
    mention_bot,
    nothing_went_wrong,
    pick_date,
    press,
    record_attendance,
    settled,
    shown_date,
    shows,
    start_meeting,
)

if TYPE_CHECKING:
    from playwright.async_api import Locator, Page

# One worker runs these and the slow-loris test one after another: Chromium beside it
# slows /healthz past its bound on a 2-core machine.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("machine_heavy")]

#: Open actions of Scarborough's earlier meetings in bot/demo/history.py.
CARRIED = "Share CR-0101's CAMHS assessment with the social worker."
REASSIGNED = "Online safety session for CR-0102's year group."
CARRY_REASON = "The assessment is being updated; the social worker asked for the new one."
MINUTE = "Partners reviewed the open actions from the last two meetings."
CORRECTED_MINUTE = "Partners reviewed the open actions from the last meeting only."
CORRECTION_REASON = "The earlier meeting's actions were reviewed last time."
CHALLENGE = "Two actions for the police have been overdue since the last meeting."
RESPONSE = "The police lead could not give a date for either action."
ESCALATION_WHY = "Overdue police actions leave CR-0101 without a safety plan."
ITEM_3 = "Review of previous actions"


@pytest.fixture
def artefact_prefix() -> str:
    return "g"


async def test_governance_in_a_meeting_and_at_the_next(
    page: Page, servers: tuple[Server, Server], artefacts: Path
) -> None:
    _, playground = servers
    steps = Steps(page, artefacts, prefix="g")
    try:
        agenda = await start_meeting(page, playground.url, steps)
        await record_attendance(page, agenda, steps)
        await next_to_item_3(page, agenda, steps)
        await carry_forward(page, agenda, steps)
        await reassign(page, agenda, steps)
        await correct_a_minute(page, agenda, steps)
        await challenge_in_a_round(page, agenda, steps)
        await escalate_the_challenge(page, agenda, steps)
        await end_meeting(page, agenda, steps, 17)
        await shows(agenda, "This meeting has ended.")
        await next_meeting(page, steps)
        await nothing_went_wrong(page)
    except BaseException:
        await steps.failed()
        raise
    print(f"{steps.taken} screenshots and the server logs are in {artefacts}")


async def next_to_item_3(page: Page, agenda: Locator, steps: Steps) -> None:
    """Next, twice: item 3 lists the earlier meetings' open actions, some overdue."""
    for position, title in ((2, "Minutes of the last meeting"), (3, ITEM_3)):
        await press(page, agenda.get_by_role("button", name="Next item"))
        await shows(agenda, f"▶ {position}. {title}")
    await shows(agenda, re.compile(r"\d+ open actions from earlier meetings, \d+ overdue:"))
    await shows(agenda, f"OVERDUE {CARRIED}")
    await shows(agenda, REASSIGNED)
    await steps.shot("item-3", agenda.get_by_text(f"▶ 3. {ITEM_3}"))


def inner_form(outer: Locator, page: Page, field: str) -> Locator:
    """The opened ShowCard (a card nested in ``outer``) that holds the named field."""
    return outer.locator(".ac-adaptiveCard").filter(has=page.get_by_role("combobox", name=field))


async def review(page: Page, agenda: Locator, description: str) -> Locator:
    """Item 3's "Review an action", then "Review A-n" beside the action: its review form,
    in place of the agenda (for Alex only)."""
    await press(page, agenda.get_by_role("button", name="Review an action"))
    listed = card(page, "from earlier meetings. Review one to mark it done")
    await shows(listed, description)
    row = (
        listed.locator(".ac-container")
        .filter(has_text=description)
        .filter(has=page.get_by_role("button", name=re.compile(r"^Review A-\d+$")))
        .last
    )
    await press(page, row.get_by_role("button", name=re.compile(r"^Review A-\d+$")))
    form = (
        page.locator(TOP_CARDS)
        .filter(has_text=re.compile(r"Review A-\d+"))
        .filter(has_text="recorded in this meeting (item 3)")
    )
    await shows(form, description)
    return form


async def carry_forward(page: Page, agenda: Locator, steps: Steps) -> None:
    form = await review(page, agenda, CARRIED)
    await shows(form, f"OVERDUE {CARRIED}")
    await steps.shot("review-form", form)
    await expand(form.get_by_role("button", name="Carry forward").first)
    carry = inner_form(form, page, "New due date")
    new_due = await pick_date(page, carry.get_by_role("combobox", name="New due date"), 10)
    await carry.get_by_role("textbox", name="Why it is carried forward").fill(CARRY_REASON)
    submit = carry.get_by_role("button", name="Carry forward", exact=True)
    await steps.shot("carry-forward-form", submit)
    await press(page, submit)
    # The agenda is back: the action is due on the new date, no longer overdue.
    await shows(
        agenda,
        re.compile(
            re.escape(CARRIED)
            + r"\s+Owner: Dana Reeves \(Health .+?\) · due "
            + re.escape(shown_date(new_due))
        ),
    )
    await expect_no_text(agenda, f"OVERDUE {CARRIED}")
    await expect_no_text(agenda, CARRY_REASON)
    await steps.shot("carried-forward", agenda.get_by_text(CARRIED))


async def reassign(page: Page, agenda: Locator, steps: Steps) -> None:
    form = await review(page, agenda, REASSIGNED)
    await shows(form, "Owner: Chris Lowe")
    await expand(form.get_by_role("button", name="Reassign").first)
    field = "New owner (any member of the group)"
    to = inner_form(form, page, field)
    await choose(
        page, to.get_by_role("combobox", name=field), "Priya Shah (North Yorkshire Police)"
    )
    submit = to.get_by_role("button", name="Reassign", exact=True)
    await steps.shot("reassign-form", submit)
    await press(page, submit)
    await shows(
        agenda,
        re.compile(re.escape(REASSIGNED) + r"\s+Owner: Priya Shah \(North Yorkshire Police\) · "),
    )
    await steps.shot("reassigned", agenda.get_by_text(REASSIGNED))


async def correct_a_minute(page: Page, agenda: Locator, steps: Steps) -> None:
    """A minute at item 3, then "Correct records" > Correct > the text as it should read."""
    await expand(agenda.get_by_role("button", name="Record", exact=True))
    await shows(agenda, f"Recording against item 3: {ITEM_3}")
    await expand(agenda.get_by_role("button", name="Minute", exact=True))
    await agenda.get_by_role("textbox", name="Minute").fill(MINUTE)
    await press(page, agenda.get_by_role("button", name="Record minute"))
    await shows(agenda, "1 minute, 0 decisions, 0 actions")
    await expect_no_text(agenda, MINUTE)

    # Item 2 has "Correct records" for the last meeting's draft minutes; item 3's is last.
    await press(page, agenda.get_by_role("button", name="Correct records").last)
    records = card(page, "Correct the record")
    await shows(records, f"Item 3: {ITEM_3}")
    await shows(records, f"Minute: {MINUTE}")
    await steps.shot("correct-records", records)
    await press(page, records.get_by_role("button", name="Correct", exact=True))
    form = card(page, "Correct a minute")
    await shows(form, "As recorded:")
    await shows(form, MINUTE)
    await form.get_by_role("textbox", name="The minute as it should read").fill(CORRECTED_MINUTE)
    await form.get_by_role("textbox", name="Reason for the correction").fill(CORRECTION_REASON)
    save = form.get_by_role("button", name="Save", exact=True)
    await steps.shot("correction-form", save)
    await press(page, save)
    records = card(page, "Correct the record")
    await shows(records, f"Minute: {CORRECTED_MINUTE} (corrected)")
    await expect_no_text(records, f"Minute: {MINUTE}")
    await steps.shot("corrected", records)

    await press(page, records.get_by_role("button", name="Back to agenda"))
    await shows(agenda, f"▶ 3. {ITEM_3}")
    await shows(agenda, "1 minute, 0 decisions, 0 actions")
    await expect_no_text(agenda, CORRECTED_MINUTE)


async def challenge_in_a_round(page: Page, agenda: Locator, steps: Steps) -> None:
    """A round on item 3: NYSCP challenges the police; the round is closed."""
    await press(page, agenda.get_by_role("button", name="Share and challenge"))
    round_card = card(page, f"Share and challenge: item 3 {ITEM_3}")
    await shows(round_card, "0 of 2 agencies present have answered.")
    await round_card.get_by_role("radio", name="Challenge raised").check()
    await round_card.get_by_role("textbox", name="What you share, or your challenge").fill(
        CHALLENGE
    )
    await choose(
        page, round_card.get_by_role("combobox", name="Challenge to"), "North Yorkshire Police"
    )
    await round_card.get_by_role("textbox", name="About").fill("overdue actions")
    await press(page, round_card.get_by_role("button", name="Send answer"))
    await shows(round_card, "1 of 2 agencies present have answered.")
    await shows(round_card, "Challenge to: North Yorkshire Police")
    await steps.shot("round-answered", round_card)
    await press(page, round_card.get_by_role("button", name="Close round"))
    await shows(round_card, "Round closed")
    await shows(round_card, "challenged North Yorkshire Police – Open")
    await steps.shot("round-closed", round_card.get_by_text("Round closed"))


async def escalate_the_challenge(page: Page, agenda: Locator, steps: Steps) -> None:
    """`@Test Bot challenges`: the response, "escalated", to the Operational group, why.
    The agenda counts the open challenges: none now."""
    await shows(agenda, "Open challenges 1")
    new_post = await mention_bot(page, "challenges")
    await new_post.get_by_role("button", name="Post", exact=True).click()
    challenges = card(page, "Open challenges: MACE Scarborough locality group")
    await shows(challenges, CHALLENGE)
    ours = (
        challenges.locator(".ac-container")
        .filter(has_text=CHALLENGE)
        .filter(has=page.get_by_role("button", name="Record response"))
        .last
    )
    await shows(ours, "challenged North Yorkshire Police – Open")
    await expand(ours.get_by_role("button", name="Record response").first)
    form = ours.locator(".ac-adaptiveCard").filter(
        has=page.get_by_role("textbox", name="Why it is escalated")
    )
    await form.get_by_role("textbox", name="Response").first.fill(RESPONSE)
    await form.get_by_role("radio", name="Escalated to the Operational or Strategic group").check()
    await form.get_by_role("radio", name="MACE Operational Group").check()
    await form.get_by_role("textbox", name="Why it is escalated").fill(ESCALATION_WHY)
    submit = form.get_by_role("button", name="Record response", exact=True)
    await steps.shot("escalate-form", submit)
    await press(page, submit)
    await shows(
        challenges,
        "Response recorded; escalated to the MACE Operational Group: its members are told.",
    )
    await expect_no_text(challenges, CHALLENGE)
    await steps.shot("escalated", challenges)
    await expect_no_text(agenda, "Open challenges")


async def next_meeting(page: Page, steps: Steps) -> None:
    """The next meeting, started in the same channel: item 8 shows the escalation."""
    summary = card(page, "Summary: MACE Scarborough locality meeting")
    await shows(summary, "Minutes are a draft until agreed at the next meeting.")
    new_post = await mention_bot(page, "start meeting")
    await new_post.get_by_role("button", name="Post", exact=True).click()
    agenda = (
        page.locator(TOP_CARDS)
        .filter(has_text="1. Welcome, attendance and confidentiality")
        .filter(has_text="In progress")
        .last
    )
    await shows(agenda, "▶ 1. Welcome, attendance and confidentiality")
    await shows(agenda, "8. Escalations and immediate action")
    await shows(agenda, "1 escalation not yet closed")
    await shows(
        agenda,
        re.compile(
            r"E-\d+ challenge C-\d+ to the MACE Operational Group · 0 days · awaiting a response"
        ),
    )
    await settled(page)
    await steps.shot("next-meeting-item-8", agenda.get_by_text("1 escalation not yet closed"))


async def expect_no_text(where: Locator, text: str) -> None:
    from playwright.async_api import expect

    await expect(where).not_to_contain_text(text, use_inner_text=True)
