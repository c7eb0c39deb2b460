"""Signing in from a browser outside Teams: the authorisation-code flow with PKCE,
through msal, against a fake Entra on loopback over TLS, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import aiohttp
from sqlalchemy import select, text

from bot.domain.clock import FrozenClock
from bot.store import tables as t
from bot.store.db import Store
from bot.web.code_flow import FAILED
from bot.web.headers import CONTENT_SECURITY_POLICY
from tests.e2e.harness import BotUnderTest, running_bot
from tests.support.entra_site import OTHER_TENANT, PUBLIC, TENANT, entra_settings
from tests.support.fake_entra import FakeEntra, Person
from tests.support.fake_graph import TlsFiles
from tests.web.client import Page, WebClient
from tests.web.entra.conftest import ALEX, NESTOR, client


async def leave_for_entra(web: WebClient, next_page: str = "/my") -> Page:
    answer = await web.post("/signin/start", data={"next": next_page})
    assert answer.status == 303, answer.text
    return answer


@dataclass(frozen=True)
class Callback:
    """Entra's answer, as its page posts it back to the bot."""

    fields: dict[str, str]

    async def post(self, web: WebClient) -> Page:
        return await web.post("/auth/callback", data=self.fields)


async def at_entra(browser: aiohttp.ClientSession, entra: FakeEntra, page: Page) -> Callback:
    """The browser at Entra's sign-in, whose page posts the answer back."""
    location = page.headers["Location"]
    assert location.startswith(f"{entra.url}/{TENANT}/oauth2/v2.0/authorize?")
    async with browser.get(location, allow_redirects=False) as answer:
        assert answer.status == 200, await answer.text()
        form = await answer.text()
    assert f'action="{PUBLIC}/auth/callback"' in form
    return Callback(dict(re.findall(r'name="(\w+)" value="([^"]*)"', form)))


async def test_sign_in_with_microsoft_opens_a_session_and_returns_to_the_page(
    site: BotUnderTest, entra: FakeEntra, browser: aiohttp.ClientSession, demo_store: Store
) -> None:
    web = client(site)
    signin = await web.get("/signin?next=/my%3Ftab%3Dactions")
    assert "Sign in with Microsoft" in signin.text
    answer = await leave_for_entra(web, "/my?tab=actions")
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == [f"{PUBLIC}/auth/callback"]
    assert query["response_mode"] == ["form_post"]
    entra.signs_in = ALEX
    back = await (await at_entra(browser, entra, answer)).post(web)
    assert back.status == 303, back.text
    assert back.headers["Location"] == "/my?tab=actions"
    cookie = next(h for h in web.set_cookie_headers if h.startswith("__Host-mace-session="))
    assert "SameSite=Lax" in cookie and "Partitioned" not in cookie
    page = await web.get("/my")
    assert page.status == 200
    assert "Signed in as Alex Wilber" in page.text
    async with demo_store.reading() as session:
        stored = (await session.scalars(select(t.WebSession))).one()
        assert (stored.method, stored.tenant_id) == ("code", TENANT)
        pending = (await session.scalars(select(t.WebSignIn))).one()
        # Only a hash of the state is kept; the flow (verifier, nonce) is encrypted.
        assert pending.state_hash != query["state"][0]
        assert pending.used_at is not None
        raw = (await session.execute(text("SELECT flow FROM web_sign_ins"))).scalar_one()
        assert "code_verifier" not in raw


async def test_the_state_works_once(
    site: BotUnderTest, entra: FakeEntra, browser: aiohttp.ClientSession
) -> None:
    web = client(site)
    entra.signs_in = ALEX
    callback = await at_entra(browser, entra, await leave_for_entra(web))
    assert (await callback.post(web)).status == 303
    again = WebClient(web.session, web.base_url)
    replayed = await callback.post(again)
    assert replayed.status == 401
    assert FAILED in replayed.text
    assert not again.cookies


async def test_a_sign_in_left_over_ten_minutes_is_refused(
    site: BotUnderTest, entra: FakeEntra, browser: aiohttp.ClientSession, clock: FrozenClock
) -> None:
    web = client(site)
    entra.signs_in = ALEX
    callback = await at_entra(browser, entra, await leave_for_entra(web))
    clock.advance(minutes=11)
    late = await callback.post(web)
    assert late.status == 401
    assert not web.cookies


async def test_a_state_never_issued_is_refused(
    site: BotUnderTest,
) -> None:
    web = client(site)
    assert (await web.get("/auth/callback?code=x&state=made-up")).status == 401
    assert (await web.post("/auth/callback", data={"code": "x", "state": "y"})).status == 401
    assert not web.cookies


async def test_an_error_from_entra_ends_that_sign_in(site: BotUnderTest) -> None:
    web = client(site)
    state = parse_qs(urlsplit((await leave_for_entra(web)).headers["Location"]).query)["state"]
    answer = await web.post("/auth/callback", data={"error": "access_denied", "state": state[0]})
    assert answer.status == 401
    assert FAILED in answer.text
    assert not web.cookies


async def test_someone_who_is_no_member_sees_the_refusal(
    site: BotUnderTest, entra: FakeEntra, browser: aiohttp.ClientSession
) -> None:
    web = client(site)
    entra.signs_in = NESTOR
    answer = await (await at_entra(browser, entra, await leave_for_entra(web))).post(web)
    assert answer.status == 403
    assert "not a member of a MACE group" in answer.text
    assert not web.cookies


async def test_a_person_of_a_tenant_off_the_allow_list_is_refused(
    site: BotUnderTest, entra: FakeEntra, browser: aiohttp.ClientSession
) -> None:
    web = client(site)
    entra.signs_in = Person(OTHER_TENANT, ALEX.object_id)
    answer = await (await at_entra(browser, entra, await leave_for_entra(web))).post(web)
    assert answer.status == 401
    assert not web.cookies
    assert entra.key_fetches(OTHER_TENANT) == 0


async def test_a_start_posted_from_another_site_is_refused(site: BotUnderTest) -> None:
    answer = await client(site).post(
        "/signin/start", data={"next": "/my"}, headers={"Origin": "https://evil.example"}
    )
    assert answer.status == 403


async def test_a_multi_tenant_app_signs_in_through_organizations(
    demo_store: Store,
    clock: FrozenClock,
    entra: FakeEntra,
    tls: TlsFiles,
    browser: aiohttp.ClientSession,
) -> None:
    """No APP_TENANTID: msal signs in at ``organizations`` and the allow-list decides."""
    settings = entra_settings(
        entra, tls, APP_TENANTID="", APP_TYPE="MultiTenant", allowed_tenants=(TENANT,)
    )
    async with running_bot(demo_store, clock, settings) as site:
        web = client(site)
        answer = await leave_for_entra(web)
        location = answer.headers["Location"]
        assert location.startswith(f"{entra.url}/organizations/oauth2/v2.0/authorize?")
        entra.signs_in = ALEX
        async with browser.get(location, allow_redirects=False) as at_entra_page:
            form = await at_entra_page.text()
        fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
        assert (await Callback(fields).post(web)).status == 303
        assert (await web.get("/my")).status == 200


async def test_the_sign_in_pages_forms_may_lead_to_entra_and_no_further(
    site: BotUnderTest, entra: FakeEntra
) -> None:
    """A browser checks ``form-action`` on a form's redirects too: "Sign in with
    Microsoft" posts to the app, which sends it on to Entra's origin (and only there).
    Every page's own form posts carry their Origin (``same-origin`` referrer policy:
    under ``no-referrer`` a browser sends ``Origin: null``, which the app refuses)."""
    page = await client(site).get("/signin")
    policy = page.headers["Content-Security-Policy"]
    assert f"form-action 'self' {entra.url};" in policy
    assert policy.replace(f" {entra.url}", "") == CONTENT_SECURITY_POLICY
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert '<meta name="referrer" content="same-origin">' in page.text
    tab = await client(site).get("/tab")
    assert tab.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
