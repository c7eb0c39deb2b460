"""Exports and minutes reach only the person who asked, by a signed link that expires."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlparse

import docx
import openpyxl

from bot.domain.clock import FrozenClock
from cards import verbs as v
from tests.e2e.cardtools import action, walk
from tests.e2e.harness import DEMO, BotUnderTest
from tests.e2e.scenario import invoke_card, invoke_message, ok, press
from tests.e2e.test_between_meetings import agree_actions, click, personal


def link_in(card: dict[str, object]) -> str:
    urls = [n["url"] for n in walk(card) if n.get("type") == "Action.OpenUrl"]
    assert len(urls) == 1, card
    return str(urlparse(str(urls[0])).path)


async def fetch(bot: BotUnderTest, path: str) -> tuple[int, dict[str, str], bytes]:
    async with bot.session.get(str(bot.server.make_url(path))) as response:
        return response.status, dict(response.headers), await response.read()


async def test_a_coordinator_downloads_the_filtered_list(
    bot: BotUnderTest, clock: FrozenClock
) -> None:
    await agree_actions(
        bot,
        [
            {
                "description": '=HYPERLINK("http://example.org")',
                "owner": "Priya Shah",
                "due": "2026-12-03",
            },
            {"description": "Health check.", "owner": "Dana Reeves", "due": "2026-12-04"},
        ],
    )
    sent = await personal(bot, "coordinator", "outstanding actions for police")
    card = sent["attachments"][0]["content"]
    csv_button = next(
        n
        for n in walk(card)
        if n.get("type") == "Action.Execute"
        and n.get("verb") == v.OUTSTANDING_EXPORT
        and n["data"]["format"] == "csv"
    )
    answer = invoke_card(await click(bot, "coordinator", v.OUTSTANDING_EXPORT, csv_button["data"]))
    status, headers, body = await fetch(bot, link_in(answer))
    assert status == 200
    assert headers["Cache-Control"] == "no-store"
    assert "attachment" in headers["Content-Disposition"]
    text = body.decode("utf-8-sig")
    assert "OFFICIAL-SENSITIVE" in text and "Health check." not in text
    rows = list(csv.reader(io.StringIO(text)))
    assert any(cell.startswith("'=HYPERLINK") for row in rows for cell in row)

    xlsx_button = action(card, v.OUTSTANDING_EXPORT)
    xlsx_data = {**xlsx_button["data"], "format": "xlsx"}
    answer = invoke_card(await click(bot, "coordinator", v.OUTSTANDING_EXPORT, xlsx_data))
    status, _, body = await fetch(bot, link_in(answer))
    assert status == 200
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    values = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any("HYPERLINK" in value for value in values) and "Health check." not in values

    clock.advance(minutes=11)
    status, _, body = await fetch(bot, link_in(answer))
    assert status == 410 and b"expired" in body


async def test_a_forged_link_gives_nothing(bot: BotUnderTest) -> None:
    status, _, body = await fetch(bot, "/downloads/eyJhIjoiIn0.AAAA")
    assert status == 403 and b"not valid" in body


async def test_the_chair_downloads_the_minutes_and_a_partner_cannot(bot: BotUnderTest) -> None:
    await agree_actions(
        bot, [{"description": "Visit the park.", "owner": "Priya Shah", "due": "2026-12-03"}]
    )
    summary = bot.connector.cards()[-1]
    button = action(summary, v.MINUTES_DOWNLOAD)
    refused = ok(await press(bot, "police", v.MINUTES_DOWNLOAD, button["data"]))
    assert "not able" in invoke_message(refused)

    answer = invoke_card(ok(await press(bot, "chair", v.MINUTES_DOWNLOAD, button["data"])))
    status, _, body = await fetch(bot, link_in(answer))
    assert status == 200
    document = docx.Document(io.BytesIO(body))
    text = "\n".join(p.text for p in document.paragraphs)
    tables = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "DRAFT" in text and "Visit the park." in tables
    header = "\n".join(p.text for p in document.sections[0].header.paragraphs)
    assert "OFFICIAL-SENSITIVE" in header
    footer = "\n".join(p.text for p in document.sections[0].footer.paragraphs)
    assert DEMO["chair"].name in footer, "the file says who it was made for"
