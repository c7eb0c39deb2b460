"""The register during a meeting, the way a chair uses it: in the Microsoft 365 Agents
Playground, in headless Chromium driven by Playwright, against the real bot
(`mace-bot serve --demo` on a fresh SQLite store, as in test_playground_meeting.py).

In the Playground's team channel (linked to Scarborough by the demo data) Alex Wilber, the
demo chair, starts the meeting, records attendance (his own agency, NYSCP, and the police)
and moves with Next to item 4. There he presses "Add subject" and adds two children and a
location: CR-0601 (C.D.) and CR-0602 (E.F.), which the demo history does not hold (new
subjects, added to the register by the form), and "Bus station underpass", which the demo
history holds already at High risk (the form picks it from the register). He walks Next
into the first child, opens its card ("Open" posts the subject's card in the channel),
changes its risk to High with a reason ("Change risk"), and links it to the location with
a reason ("Link").

He opens a share-and-challenge round about that child (the agenda's "Share and challenge",
while the child is the current subject). Two agencies answer, one of them twice:
- NYSCP twice, by Alex, each answer under its own service (the form's Service field:
  "Exploitation hub", then "Business unit");
- North Yorkshire Police once, by Priya Shah (a police partner in the demo data). The
  answer form always answers for the presser's own agency, and a Playground has one user,
  so a second Playground runs beside the first with Priya as its user (its
  .m365agentsplayground.yml, tests.browser.processes.playground_config) against the same
  bot and the same team channel, in a second tab. Her Playground keeps its own copy of
  the channel, without Alex's posts, which is how a long channel looks to a partner whose
  round card has scrolled out of sight: she posts `@Test Bot show round`, the bot posts
  the open round's card in her thread, and she presses "Send answer" on it. Her copy is
  redrawn with her answer; the closed round and the subject's card show it.
Alex closes the round (on his card, which then shows all three answers and "Every agency
answered."), ends the meeting with the next meeting's date, opens his personal chat with
the bot and types `subject CR-0601`: the subject's card shows the risk history (High, who,
the meeting, why), the link to the location (and why), and the round's three answers
(agency, service, who).

Screenshots r01-..., the servers' logs (rbot.log, rplayground.log, rpriya-playground.log)
are kept in build/e2e-screenshots/ (or $E2E_ARTEFACTS). All names and references are
invented.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.processes import Server, playground_config, start_playground
from tests.browser.steps import (
    TOP_CARDS,
    Steps,
    card,
    choose,
    end_meeting,
    mention_bot,
    next_to_item_4,
    nothing_went_wrong,
    open_playground,
    press,
    record_attendance,
    settled,
    shows,
    start_meeting,
)

if TYPE_CHECKING:
    from playwright.async_api import Locator, Page

# One worker runs these and the slow-loris test one after another: Chromium beside it
# slows /healthz past its bound on a 2-core machine.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("machine_heavy")]

CHILD = "CR-0601"
CHILD_SHOWN = "CR-0601 (C.D.)"
#: The card's heading: the Playground drops the backslashes that cards.text.plain puts
#: before the initials' full stops, and the full stops with them ("(CD)"); Teams shows them.
CHILD_HEADING = re.compile(r"Child: CR-0601 \(C\.?D\.?\)")
OTHER_CHILD_SHOWN = "CR-0602 (E.F.)"
LOCATION = "Bus station underpass"
RISK_REASON = "Seen twice this month with older males at the bus station late at night."
LINK_REASON = "Seen there on two evenings by the transport police."
HUB_ANSWER = "The hub has a referral for CR-0601 from the school."
UNIT_ANSWER = "The business unit holds no earlier referral for CR-0601."
POLICE_ANSWER = "Two stop checks of CR-0601 near the bus station in November."
#: Priya Shah in bot/demo/demo_data.json: a police partner of Scarborough.
PRIYA = {
    "user_id": "user-id-103",
    "name": "Priya Shah",
    "aad_object_id": "00000000-0000-0000-0000-0000000000103",
}


@pytest.fixture
def artefact_prefix() -> str:
    return "r"


@pytest.fixture
def priya_artefacts(artefacts: Path) -> Path:
    """The artefacts folder, cleared of Priya's Playground's logs of an earlier run."""
    for old in artefacts.glob("rpriya-*"):
        old.unlink()
    return artefacts


async def test_the_register_in_a_meeting_and_in_personal_chat(
    page: Page,
    servers: tuple[Server, Server],
    playground_binary: Path,
    artefacts: Path,
    priya_artefacts: Path,
    tmp_path: Path,
) -> None:
    bot, playground = servers
    steps = Steps(page, artefacts, prefix="r")
    priya_playground: Server | None = None
    try:
        agenda = await meeting_with_subjects(page, playground.url, steps)
        round_card = await open_round(page, agenda, steps)
        # Priya's own Playground, as her, against the same bot and team channel.
        workdir = tmp_path / "priya"
        playground_config(workdir, **PRIYA)
        priya_playground = await start_playground(
            playground_binary, bot, workdir, artefacts, prefix="rpriya-"
        )
        priya = await page.context.new_page()
        try:
            await police_answer(priya, priya_playground.url, steps)
        except BaseException:
            await Steps(priya, artefacts, prefix="rpriya-").failed()
            raise
        await close_and_end(page, agenda, round_card, steps)
        await personal_chat(page, steps)
        await nothing_went_wrong(page)
    except BaseException:
        await steps.failed()
        raise
    finally:
        if priya_playground is not None:
            await priya_playground.stop()
    print(f"{steps.taken} screenshots and the server logs are in {artefacts}")


def subject_card(page: Page, heading: str) -> Locator:
    """The newest card about CR-0601 whose text includes ``heading``."""
    return page.locator(TOP_CARDS).filter(has_text=CHILD_HEADING).filter(has_text=heading).last


async def meeting_with_subjects(page: Page, url: str, steps: Steps) -> Locator:
    agenda = await start_meeting(page, url, steps)
    await record_attendance(page, agenda, steps)
    await next_to_item_4(page, agenda, steps)

    # Two children and a location, each through "Add subject" (the form replaces the
    # agenda card for Alex; adding brings the agenda back).
    await shows(agenda, "No subjects added yet")
    for number, (kind, reference, initials, shown) in enumerate(
        (
            ("Child", "CR-0601", "C.D.", CHILD_SHOWN),
            ("Child", "CR-0602", "E.F.", OTHER_CHILD_SHOWN),
            ("Location of concern", LOCATION, "", LOCATION),
        ),
        start=1,
    ):
        await press(page, agenda.get_by_role("button", name="Add subject", exact=True))
        form = card(page, "Add a subject to discuss")
        await shows(form, "Item 4: Children discussed")
        kind_field = form.get_by_role("combobox", name="Kind")
        if await kind_field.input_value() != kind:
            await choose(page, kind_field, kind)
        await form.get_by_role("textbox", name="Reference or short label").fill(reference)
        if initials:
            await form.get_by_role("textbox", name="Initials").fill(initials)
        submit = form.get_by_role("button", name="Add subject", exact=True)
        if reference == LOCATION:
            await steps.shot("add-location-form", submit)
        await press(page, submit)
        await shows(agenda, f"4.{number} {shown}")
    await shows(agenda, "3 subjects to discuss, 0 discussed:")
    await steps.shot("subjects-added", agenda.get_by_text("3 subjects to discuss"))

    # Next walks into the first child.
    await press(page, agenda.get_by_role("button", name="Next subject"))
    await shows(agenda, f"▶ 4.1 {CHILD_SHOWN}")
    await steps.shot("first-child", agenda.get_by_text(f"▶ 4.1 {CHILD_SHOWN}"))

    # "Open" on the child posts its card in the channel.
    await press(page, agenda.get_by_role("button", name="Open", exact=True).first)
    child = subject_card(page, "Links")
    await shows(child, "Risk not yet rated")
    await shows(child, "No links recorded.")
    await steps.shot("child-card", child)

    # "Change risk": the form takes the card's place for Alex; saved with a reason.
    await press(page, child.get_by_role("button", name="Change risk"))
    form = subject_card(page, "Change the risk")
    await shows(form, "Risk now: not rated yet")
    await form.get_by_role("radio", name="High", exact=True).check()
    await form.get_by_role("textbox", name="Why it changed").fill(RISK_REASON)
    save = form.get_by_role("button", name="Save the risk")
    await steps.shot("risk-form", save)
    await press(page, save)
    saved = subject_card(page, "Saved in the register")
    await shows(saved, "Risk now high.")
    await expect_no_text(saved, RISK_REASON)  # why never goes to the channel
    await steps.shot("risk-saved", saved)

    # "Link" on the child's card (shown again from the confirmation): to the location.
    await press(page, saved.get_by_role("button", name="Show subject"))
    child = subject_card(page, "Risk history")
    await shows(child, "High risk")
    await press(page, child.get_by_role("button", name="Link", exact=True))
    form = subject_card(page, "Link to another subject")
    await choose(page, form.get_by_role("combobox", name="Link to"), "Location")
    await form.get_by_role("textbox", name="Its reference or label").fill(LOCATION)
    await form.get_by_role("textbox", name="Why they are linked").fill(LINK_REASON)
    link = form.get_by_role("button", name="Link", exact=True)
    await steps.shot("link-form", link)
    await press(page, link)
    saved = subject_card(page, f"Location: {LOCATION}")
    await shows(saved, "Saved in the register")
    await expect_no_text(saved, LINK_REASON)
    await steps.shot("link-saved", saved)
    return agenda


async def expect_no_text(where: Locator, text: str) -> None:
    from playwright.async_api import expect

    await expect(where).not_to_contain_text(text)


async def answer(page: Page, round_card: Locator, service: str, text: str) -> None:
    """One answer on the round card: information shared, by the presser's agency."""
    await round_card.get_by_role("radio", name="Shared", exact=True).check()
    if service:
        await round_card.get_by_role("textbox", name="Service (optional)").fill(service)
    await round_card.get_by_role("textbox", name="What you share, or your challenge").fill(text)
    await press(page, round_card.get_by_role("button", name="Send answer"))


async def open_round(page: Page, agenda: Locator, steps: Steps) -> Locator:
    """A round about the current child; NYSCP answers twice, under two services."""
    await press(page, agenda.get_by_role("button", name="Share and challenge"))
    round_card = card(page, "Share and challenge: item 4 Children discussed")
    await shows(round_card, f"about {CHILD_SHOWN}")
    await shows(round_card, "0 of 2 agencies present have answered.")
    await steps.shot("round-open", round_card)

    await answer(page, round_card, "Exploitation hub", HUB_ANSWER)
    await shows(round_card, "1 of 2 agencies present have answered.")
    await answer(page, round_card, "Business unit", UNIT_ANSWER)
    nyscp = re.compile(
        r"Safeguarding Children Partnership \(NYSCP\)\s+"
        r"Exploitation hub: Shared \(Alex Wilber, \d\d:\d\d\)\s+"
        + re.escape(HUB_ANSWER)
        + r"\s+Business unit: Shared \(Alex Wilber, \d\d:\d\d\)\s+"
        + re.escape(UNIT_ANSWER)
    )
    await shows(round_card, nyscp)
    await shows(round_card, "North Yorkshire Police: Still to answer")
    await steps.shot("round-nyscp-answered-twice", round_card)
    return round_card


async def police_answer(priya: Page, url: str, steps: Steps) -> None:
    """Priya, in her own Playground, asks for the round's card (`show round`) and answers
    on it for the police."""
    await open_playground(priya, url)
    await priya.get_by_role("treeitem", name="General").click()
    await shows(priya.locator("body"), "A meeting is in progress.")
    new_post = await mention_bot(priya, "show round")
    await new_post.get_by_role("button", name="Post", exact=True).click()
    copy = card(priya, "Share and challenge: item 4 Children discussed")
    await shows(copy, f"about {CHILD_SHOWN}")
    await shows(copy, "North Yorkshire Police: Still to answer")
    priya_steps = Steps(priya, steps.folder, prefix="r")
    priya_steps.taken = steps.taken
    await priya_steps.shot("priya-round-card", copy)
    await answer(priya, copy, "", POLICE_ANSWER)
    # Her copy is redrawn with her answer (by her agency, as her).
    await shows(
        copy,
        re.compile(
            r"North Yorkshire Police\s+Shared \(Priya Shah, \d\d:\d\d\)\s+"
            + re.escape(POLICE_ANSWER)
        ),
    )
    await shows(copy, "2 of 2 agencies present have answered.")
    await priya_steps.shot("priya-answered", copy)
    await only_the_kept_card_was_not_found(priya)
    steps.taken = priya_steps.taken


async def only_the_kept_card_was_not_found(priya: Page) -> None:
    """As ``nothing_went_wrong``, but for one call: with her answer the bot also edits the
    round's card kept current, which is in Alex's Playground, through hers (the answer
    came from hers), and her Playground, which never held that card, answers 404. In Teams
    both are one conversation and the edit lands; here Alex's card is brought up to date
    when he closes the round (``close_and_end`` checks it shows her answer)."""
    from playwright.async_api import expect

    await expect(priya.get_by_text("Sorry, something went wrong")).to_have_count(0)
    log_panel = await priya.locator("body").inner_text()
    assert "invoke 200" in log_panel
    failed_calls = re.findall(r"(?:invoke|message|conversationUpdate) [45]\d\d", log_panel)
    assert failed_calls == ["message 404"], failed_calls


async def close_and_end(page: Page, agenda: Locator, round_card: Locator, steps: Steps) -> None:
    await press(page, round_card.get_by_role("button", name="Close round"))
    await shows(round_card, "Round closed")
    await shows(round_card, "Every agency answered.")
    await shows(
        round_card,
        re.compile(
            r"North Yorkshire Police\s+Shared \(Priya Shah, \d\d:\d\d\)\s+"
            + re.escape(POLICE_ANSWER)
        ),
    )
    await shows(round_card, "Exploitation hub: Shared")
    await shows(round_card, "Business unit: Shared")
    await steps.shot("round-closed", round_card.get_by_text("Round closed"))

    await end_meeting(page, agenda, steps, 17)
    summary = card(page, "Summary: MACE Scarborough locality meeting")
    await shows(summary, "Minutes are a draft until agreed at the next meeting.")
    await shows(agenda, "This meeting has ended.")
    await steps.shot("summary", summary)


async def personal_chat(page: Page, steps: Steps) -> None:
    """`subject CR-0601` in Alex's personal chat with the bot."""
    await page.get_by_role("treeitem", name=re.compile("Personal Chat", re.I)).click()
    box = page.get_by_role("textbox").last
    await box.click()
    await box.press_sequentially(f"subject {CHILD}")
    await shows(box, f"subject {CHILD}")
    await steps.shot("personal-chat-typed", box)
    await page.get_by_role("button", name="Send Message").last.click()
    child = page.locator(TOP_CARDS).filter(has_text=CHILD_HEADING).last
    await shows(child, "High risk · Open")
    # The risk history: level, who, when, in which meeting, why.
    await shows(child, "Risk history")
    await shows(
        child,
        re.compile(
            r"High risk · Alex Wilber · \w{3} \d{1,2} \w{3} \d{4} · meeting of "
            r"\w{3} \d{1,2} \w{3} \d{4} \([^)]*Scarborough[^)]*\)"
        ),
    )
    await shows(child, f"Why: {RISK_REASON}")
    await settled(page)
    await steps.shot("personal-risk-history", child.get_by_text("Risk history"))
    # The link to the location, with its risk and why.
    await shows(child, re.compile(rf"Location of concern: {LOCATION} · High risk · since "))
    await shows(child, LINK_REASON)
    await steps.shot("personal-link", child.get_by_text(LINK_REASON))
    # The round's answers: two agencies, NYSCP twice under its two services.
    await shows(child, "Share and challenge about this subject")
    for line in (
        # The card clips an agency's name to 40 characters.
        r"Safeguarding Children Partnership… – Exploitation hub\s*· Shared\s*· Alex Wilber "
        r"\d\d:\d\d",
        r"Safeguarding Children Partnership… – Business unit\s*· Shared\s*· Alex Wilber "
        r"\d\d:\d\d",
        r"North Yorkshire Police\s*· Shared\s*· Priya Shah \d\d:\d\d",
    ):
        await shows(child, re.compile(line))
    for text in (HUB_ANSWER, UNIT_ANSWER, POLICE_ANSWER):
        await shows(child, text)
    await steps.shot(
        "personal-answers", child.get_by_text("Share and challenge about this subject")
    )
