"""A child's checks through the real endpoint (issue 15, point 5: "What the seeds ask to
be checked for a child, as recorded fields shown on the child's card and in exports ...
Missing items are shown to the chair, not nagged in the channel"), on SQLite and
PostgreSQL.

The chair, in a personal chat, finds a child with ``subject CR-0107``, presses the card's
"Checks" button and records some checks, leaving others not recorded. The child's card
then shows what was recorded and, to the chair in a personal chat only, what is still to
record; a partner of the group sees the recorded values without that list; opened in the
channel, where everyone in the conversation reads it, the card shows no checks at all.
A bad date comes back beside its field with the other entries kept; the two free-text
answers are not readable in the raw database; and the Excel export's "Subjects" sheet has
the child's checks columns filled.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import Any

import openpyxl
from sqlalchemy import text

from bot.exports.subjects import SUBJECTS_SHEET_TITLE
from bot.services.register_exports import CHECK_COLUMNS
from cards import verbs as v
from cards.register import CHECKS_IN_PERSONAL_CHAT
from tests.e2e.cardtools import text_of, walk
from tests.e2e.harness import BotUnderTest
from tests.e2e.scenario import invoke_card, ok, press, say, store_of
from tests.e2e.test_downloads import fetch, link_in
from tests.support.activities import ConversationKind
from tests.support.card_schema import validate_card
from tests.support.records import Records

PERSONAL: ConversationKind = "personal"
STILL_TO_RECORD = "Still to record"
NRM_OUTCOME = "Reasonable grounds positive"
PLACED_BY = "Kittiwake Bay Council"

#: Recorded: a missing episode with its interview, parents not involved, an NRM referral
#: and its outcome, looked after (placed from elsewhere). Not recorded: the child's voice,
#: the transition at 16/17, the shared safety plan and the risk tool.
CHECKS: dict[str, str] = {
    "missingEpisode": "yes",
    "returnInterview": "done",
    "returnInterviewOn": "2026-11-10",
    "voiceRecorded": "not_recorded",
    "parentsInvolved": "no",
    "nrmReferredOn": "2026-10-01",
    "nrmOutcome": NRM_OUTCOME,
    "transition1617": "not_recorded",
    "lookedAfter": "yes",
    "placingAuthority": PLACED_BY,
    "safetyPlanShared": "not_recorded",
    "riskToolOn": "",
}
RECORDED = (
    "Missing episode",
    "Return home interview",
    "Tue 10 Nov 2026",
    "Parents or carers in safety planning",
    "National Referral Mechanism",
    NRM_OUTCOME,
    f"placed by {PLACED_BY}",
)
MISSING = (
    "The child's voice recorded",
    "Transition at 16/17 considered",
    "Placing authority and whether the safety plan is shared",
    "Risk assessment tool completed",
)


async def card_for(bot: BotUnderTest, who: str, typed: str) -> str:
    """Everything the bot posted in a personal chat in answer to ``typed``."""
    before = len(bot.connector.sent())
    ok(await say(bot, who, typed, PERSONAL))
    new = bot.connector.sent()[before:]
    assert new, typed
    return json.dumps(new, ensure_ascii=False)


async def raw_checks(bot: BotUnderTest, child: int) -> Any:
    async with store_of(bot).reading() as session:
        return (
            await session.execute(text("SELECT checks FROM subjects WHERE id = :id"), {"id": child})
        ).scalar_one()


async def test_checks_are_recorded_shown_to_the_chair_only_and_exported(
    site: BotUnderTest,
) -> None:
    bot = site  # with the pages' sign-in: downloads are from signed-in pages (issue 17)
    store = store_of(bot)
    child = await Records(store).subject("scarborough", "CR-0107", "JS")

    before = await card_for(bot, "chair", "subject CR-0107")
    assert "CR-0107" in before and "Nothing recorded yet." in before
    assert STILL_TO_RECORD in before and "Whether the child has been missing" in before

    form = invoke_card(
        ok(
            await press(
                bot,
                "chair",
                v.SUBJECT_EDIT,
                {"subjectId": child, "form": "checks"},
                conversation=PERSONAL,
            )
        )
    )
    validate_card(form)
    assert {"missingEpisode", "placingAuthority", "riskToolOn"} <= {
        str(n.get("id")) for n in _inputs(form)
    }

    # A bad date: the form comes back with the error beside it and every entry kept.
    bad = invoke_card(
        ok(
            await press(
                bot,
                "chair",
                v.SUBJECT_CHECKS,
                {"subjectId": child, **CHECKS, "riskToolOn": "31/11/2026"},
                conversation=PERSONAL,
            )
        )
    )
    validate_card(bad)
    nodes = list(walk(bad))
    (at,) = [i for i, n in enumerate(nodes) if n.get("id") == "riskToolOn"]
    assert nodes[at + 1].get("text") == "Give it as a date, for example 2026-11-19.", "beside it"
    kept = {str(n.get("id")): n.get("value") for n in _inputs(bad)}
    assert kept["placingAuthority"] == PLACED_BY and kept["nrmOutcome"] == NRM_OUTCOME
    assert kept["returnInterviewOn"] == "2026-11-10"
    # A date input holds only a date: the bad one is not put back, the message says why.
    assert kept["riskToolOn"] in (None, "")
    assert kept["missingEpisode"] == "yes" and kept["parentsInvolved"] == "no"
    assert not await raw_checks(bot, child), "nothing written"
    assert STILL_TO_RECORD in await card_for(bot, "chair", "subject CR-0107")

    saved = invoke_card(
        ok(
            await press(
                bot,
                "chair",
                v.SUBJECT_CHECKS,
                {"subjectId": child, **CHECKS},
                conversation=PERSONAL,
            )
        )
    )
    validate_card(saved)
    assert "Checks recorded." in text_of(saved)

    chair = await card_for(bot, "chair", "subject CR-0107")
    for expected in RECORDED + MISSING + (STILL_TO_RECORD,):
        assert expected in chair, expected
    assert "Whether the child has been missing" not in chair

    partner = await card_for(bot, "health", "subject CR-0107")
    for expected in RECORDED:
        assert expected in partner, expected
    for hidden in (*MISSING, STILL_TO_RECORD):
        assert hidden not in partner, hidden

    # Opened in the group's channel: no checks at all, only where to read them.
    posted = len(bot.connector.sent())
    status, body = await press(bot, "chair", v.SUBJECT_SHOW, {"subjectId": child})
    assert status == 200, body
    channel = json.dumps([body, *bot.connector.sent()[posted:]], ensure_ascii=False)
    assert "CR-0107" in channel and CHECKS_IN_PERSONAL_CHAT in channel
    for hidden in (*RECORDED, *MISSING, STILL_TO_RECORD, NRM_OUTCOME, PLACED_BY):
        assert hidden not in channel, hidden

    # At rest the checks are one encrypted document: no free text in the raw column.
    raw = str(await raw_checks(bot, child))
    assert raw and PLACED_BY not in raw and NRM_OUTCOME not in raw
    assert "Kittiwake" not in raw and "Reasonable" not in raw

    # The Excel export: the child's row on the Subjects sheet has its checks columns.
    answer = invoke_card(
        ok(
            await press(
                bot, "chair", v.OUTSTANDING_EXPORT, {"format": "xlsx"}, conversation=PERSONAL
            )
        )
    )
    file = await fetch(bot, "chair", link_in(answer), "/exports/actions.xlsx")
    status, content = file.status, file.body
    assert status == 200
    sheet = openpyxl.load_workbook(io.BytesIO(content))[SUBJECTS_SHEET_TITLE]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    (header,) = [r for r in rows if "Placing authority" in r]
    (row,) = [r for r in rows if any("CR-0107" in str(c) for c in r)]
    got = {name: row[header.index(name)] for name in CHECK_COLUMNS}
    assert got["Missing episode"] == "Yes"
    assert got["Return home interview"] == "Done"
    assert _day(got["Return home interview on"]) == "2026-11-10"
    assert got["Child's voice recorded"] in ("", None)
    assert got["Parents or carers involved"] == "No"
    assert _day(got["NRM referral on"]) == "2026-10-01"
    assert got["NRM outcome"] == NRM_OUTCOME
    assert got["Looked after"] == "Yes"
    assert got["Placing authority"] == PLACED_BY
    assert got["Safety plan shared"] in ("", None)
    assert got["Risk tool completed on"] in ("", None)


def _inputs(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in walk(card) if str(n.get("type", "")).startswith("Input.")]


def _day(value: object) -> str:
    return value.date().isoformat() if isinstance(value, datetime) else str(value)
