"""The minutes on the pages through the real endpoint (SQLite and PostgreSQL): a member
reads their group's meetings, DRAFT until agreed, and downloads the Word minutes from a
signed-in page; another locality's member sees nothing of them."""

from __future__ import annotations

from sqlalchemy import select

from bot.store import tables as t
from tests.e2e.harness import BotUnderTest
from tests.e2e.scenario import store_of
from tests.e2e.test_between_meetings import agree_actions
from tests.web.client import site_client

CHECK = "Check school attendance."
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def ended_meeting(site: BotUnderTest) -> tuple[int, int]:
    (action_id,) = await agree_actions(
        site,
        [{"description": "Check school attendance.", "owner": "Priya Shah", "due": "2026-12-03"}],
    )
    async with store_of(site).reading() as session:
        meeting_id = await session.scalar(select(t.Meeting.id))
    assert meeting_id is not None
    return meeting_id, action_id


async def test_a_member_reads_the_draft_minutes_and_downloads_them(site: BotUnderTest) -> None:
    meeting_id, action_id = await ended_meeting(site)
    web = site_client(site)
    await web.sign_in("Priya Shah")
    listed = await web.get("/meetings")
    assert listed.status == 200
    assert f'href="/meetings/{meeting_id}"' in listed.text
    assert "DRAFT: to be agreed at the next meeting" in listed.text
    page = await web.get(f"/meetings/{meeting_id}")
    assert page.status == 200
    assert "These minutes are a draft." in page.text
    assert f"A-{action_id}: Check school attendance." in page.text
    before = await _exports(site)
    file = await web.post(f"/meetings/{meeting_id}/minutes.docx", data={"csrf": page.csrf})
    assert file.status == 200
    assert file.headers["Content-Type"] == DOCX
    assert file.headers["Cache-Control"] == "no-store"
    assert "attachment;" in file.headers["Content-Disposition"]
    assert file.body.startswith(b"PK")  # a Word document is a zip
    assert await _exports(site) == before + 1


async def test_a_download_needs_the_pages_token(site: BotUnderTest) -> None:
    meeting_id, _ = await ended_meeting(site)
    web = site_client(site)
    await web.sign_in("Priya Shah")
    refused = await web.post(f"/meetings/{meeting_id}/minutes.docx", data={"csrf": "f" * 64})
    assert refused.status == 403
    stranger = site_client(site)
    unsigned = await stranger.post(f"/meetings/{meeting_id}/minutes.docx", data={})
    assert unsigned.status == 401


async def test_another_localitys_member_sees_nothing_of_them(site: BotUnderTest) -> None:
    meeting_id, _ = await ended_meeting(site)
    web = site_client(site)
    await web.sign_in("Harper Lane")
    listed = await web.get("/meetings")
    assert f"/meetings/{meeting_id}" not in listed.text
    page = await web.get(f"/meetings/{meeting_id}")
    assert page.status == 404
    assert "Check school attendance." not in page.text
    my = await web.get("/my")
    download = await web.post(f"/meetings/{meeting_id}/minutes.docx", data={"csrf": my.csrf})
    assert download.status == 404
    assert download.headers["Content-Type"].startswith("text/plain")


async def _exports(site: BotUnderTest) -> int:
    async with store_of(site).reading() as session:
        rows = await session.scalars(
            select(t.AuditEntry.id).where(
                t.AuditEntry.action == "export", t.AuditEntry.record_type == "meetings"
            )
        )
        return len(rows.all())
