"""The pages in headless Chromium, signed in as in production (issue 17's acceptance): the
bot at its public address over TLS with authentication on, against the fake Entra ID on
loopback over TLS (how Chromium reaches and trusts them: tests/browser/signin_site.py),
on the demo store with its invented history, on SQLite and PostgreSQL.

* Sign in with Microsoft: the authorisation-code flow with PKCE, followed by the browser
  itself: the page asked for, the sign-in page, Entra's (the fake's) page posting the
  answer back, and the page asked for again, showing that member's own content; signing
  out (the page's own form post) ends the session.
* Teams single sign-on: what the tab's script (bot/web/assets/src/tab.js) does once
  Teams has given it a token, done by the test from the /tab page itself: the same
  same-origin fetch of ``POST /auth/sso`` with the same body (``{token, next}`` with
  ``next`` from the page's ``data-next``), then the page the answer names. Not exercised:
  Teams' ``authentication.getAuthToken()`` (it runs only inside Teams): the token is
  minted by the fake as Teams would hand it over (v2.0, the app's Application ID URI as
  audience, signed by the tenant's key). A tampered, an expired and a wrong-audience
  token are each refused (401), with no cookie and nothing shown.
* A partner's update from My MACE shows in their chat (``my actions`` through the bot's
  real endpoint); a coordinator's dashboard and map show their figures and subjects; a
  Harrogate-only member (Harper Lane) gets nothing of Scarborough; a page's address
  opened in a fresh browser asks for sign-in and shows none of the page.
* A screenshot of each page (1280x800) for docs/pages.md: into the artefacts folder, or
  into docs/images/pages when ``MACE_PAGE_SCREENSHOTS=1`` (``make pages-screenshots``).

One Chromium per test (each test's bot listens on a port of its own, which the browser's
host mapping names at launch).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.domain.clock import FrozenClock
from bot.store.db import Store
from bot.web.sso import REFUSED
from tests.browser.processes import artefacts_dir
from tests.browser.signin_site import (
    SignInSite,
    asks_sign_in_for,
    chromium,
    fresh,
    person,
    session_cookies,
    sign_in_with_microsoft,
    signin_site,
)
from tests.e2e.harness import running_bot
from tests.e2e.scenario import ok
from tests.support.entra_site import AUDIENCE, PUBLIC, entra_fixture, tls_fixture  # noqa: F401
from tests.support.fake_entra import FakeEntra, tampered
from tests.support.fake_graph import TlsFiles

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("machine_heavy")]

REPO = Path(__file__).resolve().parents[2]
#: A case reference as the demo writes them (children CR-, persons of concern NYP-).
REFERENCE = re.compile(r"\b(?:CR-\d{4}|NYP-\d{4}|NYP/\d{2}/\d{4})\b")
SCARBOROUGH = "/localities/scarborough"
#: How a member of another group is refused each page, as the app answers: the map, the
#: minutes and a subject as if they did not exist (404); a dashboard with the refusal it
#: gives anyone who is not that group's coordinator (403, bot/web/dashboard.py).
REFUSED_WITH = {"map": 404, "dashboard": 403, "minutes": 404, "subject": 404}


@pytest.fixture
async def site(
    demo_store: Store, clock: FrozenClock, entra: FakeEntra, tls: TlsFiles
) -> AsyncIterator[SignInSite]:
    async with signin_site(demo_store, clock, entra, tls) as running:
        yield running


@pytest.fixture
async def browser(site: SignInSite, tmp_path: Path) -> AsyncIterator[Browser]:
    async with chromium(site, tmp_path) as launched:
        yield launched


async def main_text(page: Page) -> str:
    return await page.inner_text("main")


async def sso_from_the_tab(page: Page, token: str) -> dict[str, Any]:
    """What tab.js does with the token Teams gave it: the same fetch, from the page."""
    result: dict[str, Any] = await page.evaluate(
        """async token => {
            const root = document.getElementById("tab-sign-in");
            const answer = await fetch("/auth/sso", {
                method: "POST",
                credentials: "same-origin",
                headers: { "Content-Type": "application/json" },
                body: JSON.stringify({ token, next: root.dataset.next || "/my" }),
            });
            return { status: answer.status, text: await answer.text() };
        }""",
        token,
    )
    return result


async def scarborough_pages(page: Page) -> dict[str, str]:
    """A Scarborough meeting's minutes and a subject's page, as links on the pages of a
    member who may see them (``page`` signed in as one)."""
    await page.goto(f"{PUBLIC}/meetings")
    minutes = await page.get_attribute(
        "tr:has-text('Scarborough') a[href^='/meetings/'], "
        "li:has-text('Scarborough') a[href^='/meetings/']",
        "href",
    )
    await page.goto(f"{PUBLIC}{SCARBOROUGH}/map")
    subject = await page.get_attribute("table.map-list a[href^='/subjects/']", "href")
    assert minutes and subject
    return {
        "map": f"{SCARBOROUGH}/map",
        "dashboard": f"{SCARBOROUGH}/dashboard",
        "minutes": minutes,
        "subject": subject,
    }


async def test_sign_in_with_microsoft_by_the_code_flow_lands_on_the_page_asked_for(
    site: SignInSite, browser: Browser
) -> None:
    context = await fresh(browser)
    page = await context.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(f"{r.method} {r.url}"))
    await page.goto(f"{PUBLIC}/my")
    assert asks_sign_in_for(page.url, "/my"), page.url
    assert await session_cookies(context) == []
    site.entra.signs_in = person("police")  # Priya Shah, a partner
    await page.get_by_role("button", name="Sign in with Microsoft").click()
    await page.wait_for_url(f"{PUBLIC}/my")

    authorise = next(u for u in asked if "/oauth2/v2.0/authorize?" in u)
    assert authorise.startswith(f"GET {site.entra.url}/")
    assert "code_challenge_method=S256" in authorise and "code_challenge=" in authorise
    assert "response_mode=form_post" in authorise
    assert f"POST {PUBLIC}/auth/callback" in asked  # Entra's page posted the answer back
    assert site.entra.paths.count(f"/{person('police').tenant_id}/oauth2/v2.0/token") == 1
    text = await main_text(page)
    assert "Signed in as Priya Shah" in await page.inner_text("header")
    assert re.search(r"Your open actions \([1-9]\d*\)", text), text[:300]
    [cookie] = await session_cookies(context)
    assert (cookie["secure"], cookie["httpOnly"], cookie["sameSite"]) == (True, True, "Lax")

    # Signing out (a form post of the page, with its Origin and token) ends it.
    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(f"{PUBLIC}/signin")
    assert await session_cookies(context) == []
    await page.goto(f"{PUBLIC}/my")
    assert asks_sign_in_for(page.url, "/my"), page.url


async def test_a_tabs_token_posted_as_tab_js_does_signs_in_and_opens_the_page(
    site: SignInSite, browser: Browser
) -> None:
    context = await fresh(browser)
    page = await context.new_page()
    await page.goto(f"{PUBLIC}/tab?next=/meetings")
    assert "Signing you in" in await main_text(page)
    answer = await sso_from_the_tab(page, site.entra.token(person("chair"), AUDIENCE))
    assert answer["status"] == 200, answer
    [cookie] = await session_cookies(context)
    assert (cookie["secure"], cookie["sameSite"]) == (True, "None")
    # As tab.js: on to the page the answer names (a path of this app).
    next_page = json.loads(answer["text"])["next"]
    assert next_page == "/meetings"
    await page.evaluate("next => window.location.assign(next)", next_page)
    await page.wait_for_url(f"{PUBLIC}/meetings")
    assert "Signed in as Alex Wilber" in await page.inner_text("header")
    assert "Scarborough" in await main_text(page)


async def test_a_tampered_an_expired_and_a_wrong_audience_token_are_refused(
    site: SignInSite, browser: Browser
) -> None:
    alex = person("chair")
    good = site.entra.token(alex, AUDIENCE)
    tokens = {
        "tampered": tampered(good, oid=person("coordinator").object_id),
        "expired": site.entra.token(alex, AUDIENCE, exp=1_000_000_000, nbf=None),
        "wrong audience": site.entra.token(alex, "api://mace.example.test/another-app"),
    }
    context = await fresh(browser)
    page = await context.new_page()
    for kind, token in tokens.items():
        await page.goto(f"{PUBLIC}/tab?next=/meetings")
        answer = await sso_from_the_tab(page, token)
        assert answer == {"status": 401, "text": REFUSED}, kind
        assert await session_cookies(context) == [], kind
        await page.goto(f"{PUBLIC}/meetings")
        assert asks_sign_in_for(page.url, "/meetings"), kind
        assert "Signed in as" not in await page.content(), kind
        assert "Scarborough" not in await main_text(page), kind


async def test_a_partners_update_on_my_mace_shows_in_their_chat(
    site: SignInSite, browser: Browser
) -> None:
    page = await sign_in_with_microsoft(await fresh(browser), site.entra, person("police"))
    form = page.locator("form[action$='/update']").first
    action_path = await form.get_attribute("action")
    assert action_path is not None
    action_id = action_path.split("/")[3]
    update = "Spoke to the school nurse; attendance is improving."
    await page.locator(f"#action-{action_id} summary").click()
    await page.fill(f"#update-{action_id}", update)
    await form.get_by_role("button", name="Save the update").click()
    await page.wait_for_url(f"{PUBLIC}/my*")
    text = await main_text(page)
    assert f"Your update on A-{action_id} is saved." in text
    assert update in text

    # Chat: ``my actions`` through the real endpoint of a second instance of the bot on
    # the same store (as instances share one in production), with the channel's own
    # authentication off: signing Bot Framework tokens is tests/teams' business.
    async with running_bot(site.store, site.clock) as chat:
        ok(await chat.send_personal("police", "my actions"))
        card = str(chat.connector.sent()[-1])
    assert f"A-{action_id}" in card and update in card


async def test_a_coordinator_sees_the_dashboards_figures_and_the_maps_subjects(
    site: SignInSite, browser: Browser
) -> None:
    page = await sign_in_with_microsoft(
        await fresh(browser), site.entra, person("coordinator"), f"{SCARBOROUGH}/dashboard"
    )
    assert "Signed in as Riley Quinn" in await page.inner_text("header")
    agencies = page.locator("table:has(caption:has-text('Open and overdue actions by agency'))")
    rows = await agencies.locator("tbody tr").all_inner_texts()
    assert rows, "no agency rows"
    assert any(re.search(r"\t[1-9]\d*", row) for row in rows), rows  # some open action
    headline = await page.locator(
        "table:has(caption:has-text('headline figures')) tbody tr"
    ).all_inner_texts()
    figures = dict(row.split("\t", 1) for row in headline)
    assert int(figures["Meetings held"]) > 0 and int(figures["Actions opened"]) > 0, figures

    await page.goto(f"{PUBLIC}{SCARBOROUGH}/map")
    summary = await page.inner_text("#map-summary")
    counted = re.match(r"(\d+) subjects? and (\d+) links?", summary)
    assert counted and int(counted.group(1)) > 0, summary
    listed = await page.locator("table.map-list tbody tr").all_inner_texts()
    assert len(listed) == int(counted.group(1))
    assert any(REFERENCE.search(row) for row in listed), listed[:3]
    # The network itself drawn by map.js (the section is hidden until it has drawn).
    await page.locator("#map-network").wait_for(state="visible")
    assert await page.locator("#map-canvas canvas").count() > 0


async def test_a_harrogate_member_sees_nothing_of_scarborough(
    site: SignInSite, browser: Browser
) -> None:
    # What Scarborough's pages show its chair: the case references on them.
    chair = await sign_in_with_microsoft(await fresh(browser), site.entra, person("chair"))
    pages = await scarborough_pages(chair)
    scarborough_refs: set[str] = set()
    for path in (pages["map"], pages["minutes"], pages["subject"]):
        await chair.goto(PUBLIC + path)
        scarborough_refs |= set(REFERENCE.findall(await main_text(chair)))
    assert scarborough_refs

    harper = await sign_in_with_microsoft(
        await fresh(browser), site.entra, person("harrogate_chair")
    )
    assert "Signed in as Harper Lane" in await harper.inner_text("header")
    for name, path in pages.items():
        answer = await harper.goto(PUBLIC + path)
        assert answer is not None
        assert answer.status == REFUSED_WITH[name], (name, answer.status)
        shown = await harper.content()
        assert not scarborough_refs & set(REFERENCE.findall(shown)), name
        assert "Scarborough" not in await main_text(harper), name
    # Her own group's pages do show case references: none of them Scarborough's.
    for path in ("/my", "/meetings", "/localities/harrogate/map"):
        answer = await harper.goto(PUBLIC + path)
        assert answer is not None and answer.status == 200, path
        shown = await main_text(harper)
        assert "Harrogate" in shown, path
        assert not scarborough_refs & set(REFERENCE.findall(shown)), path
        assert "Scarborough" not in shown, path
    assert REFERENCE.search(shown), "Harrogate's map shows no case reference"


async def test_a_forwarded_page_address_asks_a_fresh_browser_to_sign_in(
    site: SignInSite, browser: Browser
) -> None:
    chair = await sign_in_with_microsoft(await fresh(browser), site.entra, person("chair"))
    minutes = (await scarborough_pages(chair))["minutes"]
    await chair.goto(PUBLIC + minutes)
    heading = await chair.inner_text("main h1")
    assert heading

    stranger = await (await fresh(browser)).new_page()
    answer = await stranger.goto(PUBLIC + minutes)
    assert answer is not None and answer.status == 200
    assert asks_sign_in_for(stranger.url, minutes), stranger.url
    shown = await main_text(stranger)
    assert "Sign in to MACE" in shown
    assert heading not in shown
    assert not REFERENCE.search(await stranger.content())


def screenshots_folder() -> Path:
    """docs/images/pages when asked for (``MACE_PAGE_SCREENSHOTS=1``), else artefacts."""
    if os.environ.get("MACE_PAGE_SCREENSHOTS", "").strip() == "1":
        return REPO / "docs" / "images" / "pages"
    return artefacts_dir() / "pages"


async def shoot(page: Page, folder: Path, name: str) -> None:
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=False)


async def test_a_screenshot_of_each_page(site: SignInSite, browser: Browser) -> None:
    """Each page as the coordinator (Riley Quinn) sees it, and the refusal a signed-in
    person who is no member gets (Nestor Wilke), for docs/pages.md."""
    folder = screenshots_folder()
    folder.mkdir(parents=True, exist_ok=True)
    context = await fresh(browser)
    page = await context.new_page()
    await page.goto(f"{PUBLIC}/my")
    await shoot(page, folder, "signin")
    site.entra.signs_in = person("coordinator")
    await page.get_by_role("button", name="Sign in with Microsoft").click()
    await page.wait_for_url(f"{PUBLIC}/my")
    urls = {
        "my": "/my",
        "meetings": "/meetings",
        **{k: v for k, v in (await scarborough_pages(page)).items() if k != "dashboard"},
        "dashboard": f"{SCARBOROUGH}/dashboard",
        "exports": "/exports/actions?locality=scarborough",
        "reports": "/reports?from=2026-01-01&to=2026-11-30",
        "tab-configure": "/tab/configure?show=scarborough/dashboard",
    }
    for name, path in urls.items():
        answer = await page.goto(PUBLIC + path)
        assert answer is not None and answer.status == 200, name
        assert await page.inner_text("main h1"), name
        if name == "map":
            await page.locator("#map-network").wait_for(state="visible")
        await shoot(page, folder, name)
        if name == "map":  # the network, below the filters and the key
            await page.locator("#map-network").screenshot(path=str(folder / "map-network.png"))
        if name == "dashboard":  # its charts, below the headline figures
            for part in ("agency", "months", "attendance", "subjects"):
                section = page.locator(f"section[aria-labelledby='h-{part}']")
                await section.screenshot(path=str(folder / f"dashboard-{part}.png"))

    nestor = await sign_in_refused(browser, site)
    await shoot(nestor, folder, "refused")
    charts = {f"dashboard-{part}" for part in ("agency", "months", "attendance", "subjects")}
    shots = {"signin", "refused", "map-network", *urls, *charts}
    assert {p.stem for p in folder.glob("*.png")} >= shots


async def sign_in_refused(browser: Browser, site: SignInSite) -> Page:
    """Nestor Wilke signs in with Microsoft: he is no member, so the refusal page."""
    page = await (await fresh(browser)).new_page()
    await page.goto(f"{PUBLIC}/my")
    site.entra.signs_in = person("stranger")
    async with page.expect_response(f"{PUBLIC}/auth/callback") as callback:
        await page.get_by_role("button", name="Sign in with Microsoft").click()
    assert (await callback.value).status == 403
    assert "not a member of a MACE group" in await main_text(page)
    assert await session_cookies(page.context) == []
    return page
