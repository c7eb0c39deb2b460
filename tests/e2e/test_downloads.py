"""Exports and minutes reach whoever opens the link first, once, within five minutes; every
fetch of a genuine link is audited (time, client address, user agent, outcome)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import docx
import openpyxl
import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError

from bot.domain.clock import FrozenClock
from bot.http.downloads import GONE
from bot.services.context import NOT_A_MEMBER
from bot.services.links import AUDITED_REFUSALS, LINK_HOLDER, LINK_LIFETIME
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store, make_engine
from cards import verbs as v
from tests.e2e.cardtools import action, walk
from tests.e2e.harness import DEMO, BotUnderTest, running_bot
from tests.e2e.scenario import (
    audit_head_id,
    audit_since,
    invoke_card,
    invoke_message,
    member_id,
    ok,
    press,
    store_of,
)
from tests.e2e.test_between_meetings import agree_actions, click, personal
from tests.support.keys import keys_for_tests

ROOT = Path(__file__).resolve().parents[2]


def link_in(card: dict[str, object]) -> str:
    urls = [n["url"] for n in walk(card) if n.get("type") == "Action.OpenUrl"]
    assert len(urls) == 1, card
    return str(urlparse(str(urls[0])).path)


async def fetch(
    bot: BotUnderTest, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    async with bot.session.get(str(bot.server.make_url(path)), headers=headers) as response:
        return response.status, dict(response.headers), await response.read()


async def export_answer(bot: BotUnderTest, fmt: str = "csv") -> dict[str, Any]:
    """The coordinator's private answer to "CSV"/"Excel" under the outstanding list (all
    they can see): the download card."""
    data = {"format": fmt}
    return dict(invoke_card(await click(bot, "coordinator", v.OUTSTANDING_EXPORT, data)))


async def a_link(bot: BotUnderTest) -> str:
    return link_in(await export_answer(bot))


async def fetches(store: Store, after: int) -> list[t.AuditEntry]:
    return [e for e in await audit_since(store, after) if e.action == "download"]


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


async def test_a_link_gives_its_file_once(bot: BotUnderTest) -> None:
    path = await a_link(bot)
    first, _, body = await fetch(bot, path)
    assert first == 200 and b"OFFICIAL-SENSITIVE" in body
    again, headers, body = await fetch(bot, path)
    assert again == 410 and body.decode() == GONE
    assert headers["Cache-Control"] == "no-store"
    assert b"OFFICIAL-SENSITIVE" not in body


async def test_a_link_lasts_five_minutes(bot: BotUnderTest, clock: FrozenClock) -> None:
    assert timedelta(minutes=5) == LINK_LIFETIME
    store = store_of(bot)
    path = await a_link(bot)
    clock.advance(minutes=5)
    mark = await audit_head_id(store)
    status, _, body = await fetch(bot, path)
    assert status == 410 and body.decode() == GONE
    (expired,) = await fetches(store, mark)
    assert expired.reason == "expired"

    path = await a_link(bot)
    clock.advance(minutes=4, seconds=59)
    status, _, _ = await fetch(bot, path)
    assert status == 200, "a moment before five minutes the link still works"


async def test_simultaneous_fetches_get_the_file_once(bot: BotUnderTest) -> None:
    store = store_of(bot)
    path = await a_link(bot)
    mark = await audit_head_id(store)
    answers = await asyncio.gather(*(fetch(bot, path) for _ in range(6)))
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [200, 410, 410, 410, 410, 410]
    outcomes = sorted(e.reason for e in await fetches(store, mark))
    assert outcomes == ["already used"] * 5 + ["served"]


@asynccontextmanager
async def second_instance(store: Store, clock: FrozenClock) -> AsyncIterator[BotUnderTest]:
    """Another bot, with its own engine and pool, on the same PostgreSQL database."""
    other = Store(
        make_engine(store.engine.url.render_as_string(hide_password=False)), keys_for_tests()
    )
    try:
        async with running_bot(other, clock) as running:
            yield running
    finally:
        await other.close()


async def test_two_instances_give_the_file_once(bot: BotUnderTest, clock: FrozenClock) -> None:
    store = store_of(bot)
    if store.engine.dialect.name != "postgresql":
        pytest.skip("two instances share one PostgreSQL; SQLite is one host's store")
    path = await a_link(bot)
    async with second_instance(store, clock) as other:
        answers = await asyncio.gather(
            *(fetch(instance, path) for _ in range(4) for instance in (bot, other))
        )
    assert sorted(status for status, _, _ in answers) == [200] + [410] * 7


async def test_a_head_does_not_use_the_link(bot: BotUnderTest) -> None:
    store = store_of(bot)
    path = await a_link(bot)
    mark = await audit_head_id(store)
    for _ in range(3):
        async with bot.session.head(str(bot.server.make_url(path))) as response:
            assert response.status == 200
            assert await response.read() == b""
    assert await fetches(store, mark) == []
    status, _, body = await fetch(bot, path)
    assert status == 200 and b"OFFICIAL-SENSITIVE" in body


async def test_each_fetch_is_audited_with_time_address_and_agent(
    bot: BotUnderTest, clock: FrozenClock
) -> None:
    store = store_of(bot)
    path = await a_link(bot)
    async with store.reading() as session:
        (link,) = (await session.scalars(select(t.DownloadLink))).all()
    assert link.kind == "actions.csv" and link.teams_user_id == DEMO["coordinator"].id
    assert link.expires_at == clock.now() + LINK_LIFETIME and link.used_at is None

    clock.advance(minutes=2)
    mark = await audit_head_id(store)
    headers = {"User-Agent": "Edge/131 (test)", "X-Forwarded-For": "203.0.113.9, 198.51.100.7"}
    assert (await fetch(bot, path, headers))[0] == 200
    clock.advance(seconds=30)
    weird = {"User-Agent": "x\t" + "y" * 500, "X-Forwarded-For": "<script>"}
    assert (await fetch(bot, path, weird))[0] == 410

    served, refused = await fetches(store, mark)
    assert (served.actor, served.record_type, served.record_id) == (
        LINK_HOLDER,
        "download_links",
        link.id,
    )
    assert served.reason == "served"
    assert served.at == (clock.now() - timedelta(seconds=30)).replace(microsecond=0)
    assert served.detail == (
        "kind=actions.csv; address=127.0.0.1; forwarded=198.51.100.7; agent=Edge/131 (test)"
    )
    assert refused.reason == "already used" and refused.at == clock.now().replace(microsecond=0)
    assert refused.detail == (
        "kind=actions.csv; address=127.0.0.1; forwarded=not an address; agent=x?" + "y" * 198
    )
    async with store.reading() as session:
        used = await session.get_one(t.DownloadLink, link.id)
    assert used.used_at == clock.now() - timedelta(seconds=30)
    assert (await audit.verify_store(store.engine)).ok


async def test_replaying_a_used_link_cannot_fill_the_trail(bot: BotUnderTest) -> None:
    store = store_of(bot)
    path = await a_link(bot)
    assert (await fetch(bot, path))[0] == 200
    mark = await audit_head_id(store)
    for _ in range(AUDITED_REFUSALS + 5):
        assert (await fetch(bot, path))[0] == 410
    assert len(await fetches(store, mark)) == AUDITED_REFUSALS
    async with store.reading() as session:
        (count,) = (await session.scalars(select(t.DownloadLink.refused_fetches))).all()
    assert count == AUDITED_REFUSALS + 5


async def test_a_forged_link_gives_nothing_and_writes_nothing(bot: BotUnderTest) -> None:
    store = store_of(bot)
    path = await a_link(bot)
    token = path.rsplit("/", 1)[1]
    mark = await audit_head_id(store)
    body_text, mac = token.split(".")
    for forged in ("eyJhIjoiIn0.AAAA", f"{body_text}.{mac[:-2]}AA", "not-a-token", "a.b.c"):
        status, _, body = await fetch(bot, f"/downloads/{forged}")
        assert status == 410 and body.decode() == GONE
    assert await audit_since(store, mark) == []
    assert (await fetch(bot, path))[0] == 200, "the genuine link was not used up"


async def test_the_link_is_only_in_the_button_and_the_words_are_true(bot: BotUnderTest) -> None:
    before = len(bot.connector.sent())
    card = await export_answer(bot)
    (url,) = [n["url"] for n in walk(card) if n.get("type") == "Action.OpenUrl"]
    assert json.dumps(card).count(url) == 1, "the URL is in the button and nowhere else"
    texts = " ".join(str(n.get("text", "")) for n in walk(card))
    assert "/downloads/" not in texts
    assert all(url not in json.dumps(a) for a in bot.connector.sent()[before:])
    assert (
        "This link works once, for the next 5 minutes; whoever opens it first gets the file: "
        "do not forward it." in texts
    )
    assert "If the download fails, or a link checker opened it first, press Download again" in texts
    assert "10 minutes" not in texts and "for you alone" not in texts


@pytest.mark.parametrize(
    "doc", ["README.md", "docs/commands.md", "docs/data-protection.md", "docs/cards/README.md"]
)
def test_the_docs_say_what_a_link_does(doc: str) -> None:
    text = (ROOT / doc).read_text()
    for old in ("10 minutes", "10-minute", "ten minutes", "for you alone", "signed for them"):
        assert old not in text, f"{doc} still says {old!r}"
    assert "works once, for the next 5 minutes" in text or "works once, for 5 minutes" in text


async def test_the_chair_and_a_partner_download_the_minutes_and_an_outsider_cannot(
    bot: BotUnderTest,
) -> None:
    await agree_actions(
        bot, [{"description": "Visit the park.", "owner": "Priya Shah", "due": "2026-12-03"}]
    )
    summary = bot.connector.cards()[-1]
    button = action(summary, v.MINUTES_DOWNLOAD)
    # Harrogate's chair is no member of Scarborough, whose channel this is.
    refused = ok(await press(bot, "harrogate_chair", v.MINUTES_DOWNLOAD, button["data"]))
    assert invoke_message(refused) == NOT_A_MEMBER
    # A partner is asked to agree the minutes, so reads them (issue 16).
    partner = invoke_card(ok(await press(bot, "police", v.MINUTES_DOWNLOAD, button["data"])))
    status, _, body = await fetch(bot, link_in(partner))
    assert status == 200
    footer = docx.Document(io.BytesIO(body)).sections[0].footer.paragraphs
    assert DEMO["police"].name in "\n".join(p.text for p in footer)

    answer = invoke_card(ok(await press(bot, "chair", v.MINUTES_DOWNLOAD, button["data"])))
    status, _, body = await fetch(bot, link_in(answer))
    assert status == 200
    document = docx.Document(io.BytesIO(body))
    text = "\n".join(p.text for p in document.paragraphs)
    tables = "\n".join(c.text for tb in document.tables for r in tb.rows for c in r.cells)
    assert "DRAFT" in text and "Visit the park." in tables
    header = "\n".join(p.text for p in document.sections[0].header.paragraphs)
    assert "OFFICIAL-SENSITIVE" in header
    footer = "\n".join(p.text for p in document.sections[0].footer.paragraphs)
    assert DEMO["chair"].name in footer, "the file says who it was made for"

    # A link opened after the person lost the role gives nothing, and says so once audited.
    store = store_of(bot)
    answer = invoke_card(ok(await press(bot, "chair", v.MINUTES_DOWNLOAD, button["data"])))
    chair = await member_id(store, "chair")
    async with store.transaction() as session:
        await session.execute(delete(t.Membership).where(t.Membership.member_id == chair))
    mark = await audit_head_id(store)
    status, _, body = await fetch(bot, link_in(answer))
    assert status == 403 and b"Visit the park." not in body
    assert [e.reason for e in await fetches(store, mark)] == ["refused"]


@asynccontextmanager
async def _unreachable(self: Store, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
    raise OperationalError("SELECT 1", {}, ConnectionRefusedError("refused"))
    yield  # pragma: no cover - never reached


async def test_a_store_that_cannot_be_reached_uses_nothing_up(
    bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = await a_link(bot)
    with monkeypatch.context() as broken:
        broken.setattr(Store, "transaction", _unreachable)
        broken.setattr(Store, "reading", _unreachable)
        status, headers, body = await fetch(bot, path)
    assert status == 503 and b"cannot reach its records" in body
    assert headers["Cache-Control"] == "no-store"
    assert (await fetch(bot, path))[0] == 200, "the link still works once the store is back"
