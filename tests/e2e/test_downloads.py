"""Downloads only through a signed-in page (issue 17): a card's download button opens a
page of the app (no token, no name in its address), the page asks whoever opens it to
sign in first, then offers the file by a form post that builds it for the person signed
in and audits the export; another locality's member gets "not found". No bearer link
remains: ``/downloads/...`` is no route, and no card or document promises one."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import docx
import openpyxl
import pytest
from sqlalchemy import func, select

from bot.store import tables as t
from cards import verbs as v
from tests.e2e.cardtools import walk
from tests.e2e.harness import DEMO, BotUnderTest
from tests.e2e.scenario import audit_head_id, audit_since, invoke_card, member_id, store_of
from tests.e2e.test_between_meetings import agree_actions, click, personal
from tests.web.client import Page, WebClient, site_client

ROOT = Path(__file__).resolve().parents[2]
CSV = "text/csv"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def link_in(card: dict[str, Any]) -> str:
    """The one page a card's download button opens: its path and query, on this app."""
    urls = [str(n["url"]) for n in walk(card) if n.get("type") == "Action.OpenUrl"]
    assert len(urls) == 1, card
    parts = urlsplit(urls[0])
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def signed_in(site: BotUnderTest, who: str, page: str) -> tuple[WebClient, Page]:
    """A fresh browser opens ``page``: sent to sign in (and back), then shown the page."""
    web = site_client(site)
    first = await web.get(page)
    assert first.status == 303
    assert unquote(first.headers["Location"]) == "/signin?next=" + page
    await web.sign_in(DEMO[who].name, next_page=page)
    return web, await web.get(page)


async def fetch(site: BotUnderTest, who: str, page: str, form: str) -> Page:
    """What ``who`` gets from the page's form posting to ``form``: the file, or a refusal
    (the page itself refused: its status and text)."""
    web, shown = await signed_in(site, who, page)
    if shown.status != 200:
        return shown
    return await web.post(form, data=shown.form(form))


async def exports(site: BotUnderTest, record_type: str) -> int:
    async with store_of(site).reading() as session:
        found = await session.scalar(
            select(func.count())
            .select_from(t.AuditEntry)
            .where(t.AuditEntry.action == "export", t.AuditEntry.record_type == record_type)
        )
    return int(found or 0)


async def test_a_coordinator_downloads_the_filtered_list(site: BotUnderTest) -> None:
    await agree_actions(
        site,
        [
            {
                "description": '=HYPERLINK("http://example.org")',
                "owner": "Priya Shah",
                "due": "2026-12-03",
            },
            {"description": "Health check.", "owner": "Dana Reeves", "due": "2026-12-04"},
        ],
    )
    sent = await personal(site, "coordinator", "outstanding actions for police")
    card = sent["attachments"][0]["content"]
    page = link_in(card)
    assert page == "/exports/actions?agency=police"
    assert not [n for n in walk(card) if n.get("verb") == v.OUTSTANDING_EXPORT]

    web, shown = await signed_in(site, "coordinator", page)
    assert shown.status == 200
    assert "for police" in shown.text and "Health check." not in shown.text
    before = await exports(site, "actions")
    file = await web.post("/exports/actions.csv", data=shown.form("/exports/actions.csv"))
    assert file.status == 200 and file.headers["Content-Type"].startswith(CSV)
    assert file.headers["Cache-Control"] == "no-store"
    assert "attachment" in file.headers["Content-Disposition"]
    text = file.body.decode("utf-8-sig")
    assert "OFFICIAL-SENSITIVE" in text and "Health check." not in text
    rows = list(csv.reader(io.StringIO(text)))
    assert any(cell.startswith("'=HYPERLINK") for row in rows for cell in row)
    assert await exports(site, "actions") == before + 1, "the export is audited"

    file = await web.post("/exports/actions.xlsx", data=shown.form("/exports/actions.xlsx"))
    assert file.status == 200
    sheet = openpyxl.load_workbook(io.BytesIO(file.body)).active
    assert sheet is not None
    values = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any("HYPERLINK" in value for value in values) and "Health check." not in values
    again = await web.post("/exports/actions.csv", data=shown.form("/exports/actions.csv"))
    assert again.status == 200, "a page's form gives the file each time, to whoever is signed in"


async def test_an_owners_name_never_travels_in_the_address(site: BotUnderTest) -> None:
    await agree_actions(
        site,
        [
            {"description": "Police check.", "owner": "Priya Shah", "due": "2026-12-03"},
            {"description": "Health check.", "owner": "Dana Reeves", "due": "2026-12-04"},
        ],
    )
    sent = await personal(site, "coordinator", "outstanding actions owned by priya shah")
    page = link_in(sent["attachments"][0]["content"])
    assert "priya" not in page.lower() and "shah" not in page.lower()
    priya = await member_id(store_of(site), "police")
    assert parse_qs(urlsplit(page).query) == {"ownerIds": [str(priya)]}
    file = await fetch(site, "coordinator", page, "/exports/actions.csv")
    text = file.body.decode("utf-8-sig")
    assert "Police check." in text and "Health check." not in text
    crafted = await fetch(
        site, "coordinator", "/exports/actions?owner=Dana", "/exports/actions.csv"
    )
    assert "Police check." in crafted.body.decode("utf-8-sig"), "a name typed in is ignored"


async def test_a_page_without_a_session_asks_to_sign_in_and_gives_nothing(
    site: BotUnderTest,
) -> None:
    await agree_actions(
        site, [{"description": "Visit the park.", "owner": "Priya Shah", "due": "2026-12-03"}]
    )
    summary = site.connector.cards()[-1]
    stranger = site_client(site)
    for page in (
        link_in(summary),
        "/exports/actions?agency=police",
        "/reports?from=2026-04-01&to=2026-11-19",
    ):
        answer = await stranger.get(page)
        assert answer.status == 303 and answer.headers["Location"].startswith("/signin?next=")
        assert "Visit the park." not in answer.text
    meeting = link_in(summary).rsplit("/", 1)[1]
    for form in (
        f"/meetings/{meeting}/minutes.docx",
        "/exports/actions.csv",
        "/reports/report.xlsx",
    ):
        refused = await stranger.post(form, data={"locality": "scarborough"})
        assert refused.status == 401 and not refused.body.startswith(b"PK")


async def test_the_minutes_from_the_summary_for_members_and_not_for_another_locality(
    site: BotUnderTest,
) -> None:
    await agree_actions(
        site, [{"description": "Visit the park.", "owner": "Priya Shah", "due": "2026-12-03"}]
    )
    summary = site.connector.cards()[-1]
    page = link_in(summary)
    assert page.startswith("/meetings/")
    form = f"{page}/minutes.docx"
    before = await exports(site, "meetings")
    file = await fetch(site, "chair", page, form)
    assert file.status == 200 and file.headers["Content-Type"] == DOCX
    document = docx.Document(io.BytesIO(file.body))
    tables = "\n".join(c.text for tb in document.tables for r in tb.rows for c in r.cells)
    assert "Visit the park." in tables
    assert "OFFICIAL-SENSITIVE" in "\n".join(p.text for p in document.sections[0].header.paragraphs)
    footer = "\n".join(p.text for p in document.sections[0].footer.paragraphs)
    assert DEMO["chair"].name in footer, "the file says who it was made for"
    assert await exports(site, "meetings") == before + 1

    # Harrogate's chair is no member of Scarborough: the page is not found, nothing shown.
    web, shown = await signed_in(site, "harrogate_chair", page)
    assert shown.status == 404 and "Visit the park." not in shown.text
    my = await web.get("/my")
    refused = await web.post(form, data={"csrf": my.csrf})
    assert refused.status == 404 and not refused.body.startswith(b"PK")
    assert await exports(site, "meetings") == before + 1


async def test_another_localitys_member_gets_not_found_for_its_actions(site: BotUnderTest) -> None:
    await agree_actions(
        site, [{"description": "Visit the park.", "owner": "Priya Shah", "due": "2026-12-03"}]
    )
    page = "/exports/actions?locality=scarborough"
    web, shown = await signed_in(site, "harrogate_chair", page)
    assert shown.status == 404 and "Visit the park." not in shown.text
    before = await exports(site, "actions")
    refused = await web.post(
        "/exports/actions.csv", data={"csrf": shown.csrf, "locality": "scarborough"}
    )
    assert refused.status == 404 and b"Visit the park." not in refused.body
    assert await exports(site, "actions") == before


async def test_the_report_page_for_a_coordinator_only(site: BotUnderTest) -> None:
    await agree_actions(
        site, [{"description": "Visit the park.", "owner": "Priya Shah", "due": "2026-12-03"}]
    )
    sent = await personal(site, "coordinator", "report for Scarborough")
    page = link_in(sent["attachments"][0]["content"])
    assert page == "/reports?from=2026-04-01&to=2026-11-19&locality=scarborough"
    web, shown = await signed_in(site, "coordinator", page)
    assert shown.status == 200 and "Meetings held" in shown.text
    mark = await audit_head_id(store_of(site))
    book = await web.post("/reports/report.xlsx", data=shown.form("/reports/report.xlsx"))
    assert book.status == 200 and "scarborough.xlsx" in book.headers["Content-Disposition"]
    assert openpyxl.load_workbook(io.BytesIO(book.body))["Summary"]["A1"].value.startswith(
        "OFFICIAL-SENSITIVE"
    )
    summary = await web.post("/reports/report.docx", data=shown.form("/reports/report.docx"))
    assert summary.status == 200 and summary.headers["Content-Type"] == DOCX
    audited = [e for e in await audit_since(store_of(site), mark) if e.record_type == "report"]
    assert len(audited) == 2 and {e.action for e in audited} == {"export"}

    refused = await fetch(site, "police", page, "/reports/report.xlsx")
    assert refused.status == 404 and "Meetings held" not in refused.text


async def test_an_older_cards_button_answers_with_the_page_and_true_words(
    site: BotUnderTest,
) -> None:
    answer = invoke_card(await click(site, "coordinator", v.OUTSTANDING_EXPORT, {"format": "csv"}))
    assert link_in(answer) == "/exports/actions"
    texts = " ".join(str(n.get("text", "")) for n in walk(answer))
    assert "Downloads open a page in your browser; sign in with your work account." in texts
    assert "5 minutes" not in texts and "works once" not in texts


async def test_no_bearer_link_remains(site: BotUnderTest) -> None:
    async with site.session.get(str(site.server.make_url("/downloads/any.thing"))) as response:
        assert response.status == 404
    async with store_of(site).reading() as session:
        assert await session.scalar(select(func.count()).select_from(t.DownloadLink)) == 0


@pytest.mark.parametrize("doc", ["README.md", "docs/commands.md", "docs/data-protection.md"])
def test_the_docs_say_what_a_download_does(doc: str) -> None:
    text = " ".join((ROOT / doc).read_text().split())
    for old in ("works once", "for the next 5 minutes", "press Download again"):
        assert old not in text, f"{doc} still says {old!r}"
    assert "sign in" in text, f"{doc} does not say a download signs in first"


def test_no_card_promises_a_link() -> None:
    for folder in ("cards", "dialogs"):
        for path in (ROOT / folder).rglob("*.py"):
            source = path.read_text()
            assert "5 minutes" not in source and "works once" not in source, path
