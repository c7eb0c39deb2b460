"""Signing in to the pages with the local stand-in, the session that follows, and the
guards around it, through the real endpoint on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from bot.domain.clock import FrozenClock
from bot.store import tables as t
from bot.store.db import Store
from bot.web.headers import CONTENT_SECURITY_POLICY
from tests.e2e.harness import BotUnderTest
from tests.web.client import WebClient, site_client


def client(site: BotUnderTest) -> WebClient:
    return site_client(site)


async def member_key(web: WebClient, name: str) -> str:
    page = await web.get("/signin")
    found = re.search(r'<option value="(\d+)">' + re.escape(name), page.text)
    assert found, f"{name} is not offered"
    return found.group(1)


async def sign_in(web: WebClient, name: str, next_page: str = "/my") -> None:
    key = await member_key(web, name)
    answer = await web.post("/signin/stand-in", data={"member": key, "next": next_page})
    assert answer.status == 303, answer.text
    assert answer.headers["Location"] == next_page


async def test_a_page_without_a_session_asks_to_sign_in_and_shows_nothing(
    site: BotUnderTest,
) -> None:
    web = client(site)
    answer = await web.get("/my?tab=actions")
    assert answer.status == 303
    location = urlsplit(answer.headers["Location"])
    assert location.path == "/signin"
    assert parse_qs(location.query) == {"next": ["/my?tab=actions"]}
    assert "Alex" not in answer.text


async def test_the_stand_in_signs_in_and_the_page_names_the_member(
    site: BotUnderTest, demo_store: Store
) -> None:
    web = client(site)
    await sign_in(web, "Alex Wilber")
    cookie = next(h for h in web.set_cookie_headers if h.startswith("__Host-mace-session="))
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert attribute in cookie
    page = await web.get("/my")
    assert page.status == 200
    assert "Signed in as Alex Wilber" in page.text
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    async with demo_store.reading() as session:
        stored = (await session.scalars(select(t.WebSession))).all()
        assert len(stored) == 1
        # The table holds a hash of the cookie's secret, never the secret itself.
        assert stored[0].secret_hash != web.cookies["__Host-mace-session"]
        assert stored[0].method == "stand-in"
        signins = await session.scalar(
            select(func.count()).select_from(t.AuditEntry).where(t.AuditEntry.action == "sign_in")
        )
        assert signins == 1


async def test_a_return_page_on_another_site_is_ignored(site: BotUnderTest) -> None:
    web = client(site)
    key = await member_key(web, "Alex Wilber")
    for target in ("https://evil.example/x", "//evil.example", "/\\evil.example", "javascript:x"):
        answer = await web.post("/signin/stand-in", data={"member": key, "next": target})
        assert answer.headers["Location"] == "/my", target


async def test_the_stand_in_refuses_a_post_from_another_site(
    site: BotUnderTest, demo_store: Store
) -> None:
    web = client(site)
    key = await member_key(web, "Alex Wilber")
    for origin in ("https://evil.example", "null"):
        answer = await web.post(
            "/signin/stand-in", data={"member": key, "next": "/my"}, headers={"Origin": origin}
        )
        assert answer.status == 403, origin
    assert not any(h.startswith("__Host-mace-session=") for h in web.set_cookie_headers)
    async with demo_store.reading() as session:
        assert await session.scalar(select(func.count()).select_from(t.WebSession)) == 0


async def test_sign_out_needs_the_forms_token_and_ends_the_session_for_every_copy(
    site: BotUnderTest,
) -> None:
    web = client(site)
    await sign_in(web, "Alex Wilber")
    copy = WebClient(web.session, web.base_url, dict(web.cookies))
    page = await web.get("/my")
    refused = await web.post("/signout", data={"csrf": "0" * 64})
    assert refused.status == 403
    assert (await web.get("/my")).status == 200
    other_site = await web.post(
        "/signout", data={"csrf": page.csrf}, headers={"Origin": "https://evil.example"}
    )
    assert other_site.status == 403
    done = await web.post("/signout", data={"csrf": page.csrf})
    assert done.status == 303
    assert (await copy.get("/my")).status == 303


async def test_a_session_ends_when_idle_and_at_its_absolute_limit(
    site: BotUnderTest, clock: FrozenClock
) -> None:
    web = client(site)
    await sign_in(web, "Alex Wilber")
    for _ in range(20):  # active all day: 20 x 25 minutes is over 8 hours
        clock.advance(minutes=25)
        if (await web.get("/my")).status != 200:
            break
    else:
        pytest.fail("the session outlived its absolute limit")
    await sign_in(web, "Alex Wilber")
    clock.advance(minutes=31)
    assert (await web.get("/my")).status == 303


async def test_a_removed_member_is_signed_out(site: BotUnderTest, demo_store: Store) -> None:
    web = client(site)
    await sign_in(web, "Alex Wilber")
    async with demo_store.transaction() as session:
        member = await session.scalar(select(t.Member).where(t.Member.name == "Alex Wilber"))
        assert member is not None
        member.active = False
    assert (await web.get("/my")).status == 303
