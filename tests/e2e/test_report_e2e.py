"""The performance report through the real endpoint, adapter and store: a coordinator
types ``report`` in a personal chat and gets the card of headline figures, then downloads
the workbook (with its charts) and the Word summary through single-use links; a partner
and a chair are refused; in a channel the bot says personal chat only."""

from __future__ import annotations

import io
import json
from typing import Any

import docx
import openpyxl

from bot.services.report import REPORT_REFUSED
from cards import verbs as v
from dialogs.places import REPORT_PERSONAL_ONLY
from tests.e2e.cardtools import walk
from tests.e2e.harness import BotUnderTest
from tests.e2e.scenario import audit_head_id, audit_since, say, store_of
from tests.e2e.test_between_meetings import agree_actions, click, personal
from tests.e2e.test_downloads import fetch, link_in


def facts(card: dict[str, Any]) -> dict[str, str]:
    return {
        fact["title"]: fact["value"]
        for node in walk(card)
        if node.get("type") == "FactSet"
        for fact in node["facts"]
    }


async def test_a_coordinator_gets_the_report_card_and_downloads_both_files(
    site: BotUnderTest,
) -> None:
    bot = site  # with the pages' sign-in: downloads are from signed-in pages (issue 17)
    await agree_actions(
        bot,
        [
            {
                "description": "Check school attendance for CR-0007.",
                "owner": "Priya Shah",
                "due": "2026-12-03",
            },
            {"description": "Health check.", "owner": "Dana Reeves", "due": "2026-12-04"},
        ],
    )
    before = await audit_head_id(store_of(bot))
    sent = await personal(bot, "coordinator", "report for Scarborough")
    card = sent["attachments"][0]["content"]
    shown = facts(card)
    assert shown["Meetings held"] == "1" and shown["Actions opened"] == "2"
    assert shown["Actions closed"] == "0" and shown["Closed on time"] == "—"
    text = json.dumps(card)
    assert "OFFICIAL-SENSITIVE" in text and "Scarborough" in text
    assert "CR-0007" not in text and "Priya" not in text  # counts only
    exports = [e for e in await audit_since(store_of(bot), before) if e.record_type == "report"]
    assert [(e.action, e.detail) for e in exports] == [
        ("export", "report 2026-04-01 to 2026-11-19")
    ]

    page = link_in(card)
    assert page == "/reports?from=2026-04-01&to=2026-11-19&locality=scarborough"
    file = await fetch(bot, "coordinator", page, "/reports/report.xlsx")
    status, headers, body = file.status, file.headers, file.body
    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert "MACE-report-2026-04-01-to-2026-11-19-scarborough.xlsx" in headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(body))
    summary = {row[0]: row for row in book["Summary"].iter_rows(values_only=True)}
    assert summary["Scarborough"][1:4] == (1, 0, 2)  # meetings, decisions, actions opened
    assert book["Actions"]._charts and book["Summary"]._charts
    assert book["Summary"]["A1"].value.startswith("OFFICIAL-SENSITIVE")

    file = await fetch(bot, "coordinator", page, "/reports/report.docx")
    status, body = file.status, file.body
    assert status == 200
    document = docx.Document(io.BytesIO(body))
    words = "\n".join(
        [p.text for p in document.paragraphs]
        + [" | ".join(c.text for c in row.cells) for t in document.tables for row in t.rows]
    )
    assert "Meetings held | 1" in words and "Actions opened | 2" in words
    assert "OFFICIAL-SENSITIVE" in document.sections[0].header.paragraphs[0].text


async def test_a_partner_and_a_chair_are_refused_and_a_channel_is_told_personal_chat_only(
    bot: BotUnderTest,
) -> None:
    for who in ("police", "chair"):
        sent = await personal(bot, who, "report last quarter")
        assert sent.get("text") == REPORT_REFUSED, who
        assert not sent.get("attachments")
    status, _ = await say(bot, "coordinator", "report")
    assert status in (200, 201)
    assert bot.connector.sent()[-1].get("text") == REPORT_PERSONAL_ONLY
    # An older card's download button is refused too, before the page is offered.
    data = {"from": "2026-04-01", "to": "2026-11-19", "format": "xlsx"}
    answer = await click(bot, "police", v.REPORT_DOWNLOAD, data)
    assert REPORT_REFUSED in json.dumps(answer)
    assert "/downloads/" not in json.dumps(answer)
