"""The locality tab's configuration page (``/tab/configure``) through the real endpoint, on
SQLite and PostgreSQL: signed out it is the tab's sign-in page, which comes back here;
signed in it offers only the pages the person may open (a dashboard only where they hold
the report permission, a map only of their own groups), and the tab's addresses it gives
lead, through ``/tab``, to a page that person is shown."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.domain.clock import FrozenClock
from bot.domain.web_sessions import safe_return_to
from bot.store import tables as t
from bot.store.db import Store
from tests.e2e.harness import BotUnderTest, running_bot
from tests.e2e.scenario import store_of
from tests.web.client import Page, WebClient, site_client

PAGE = "/tab/configure"
PUBLIC = "https://mace.example.test"
_OPTION = re.compile(r'<option value="([^"]+)"([^>]*)>')
_DATA = re.compile(r'data-([a-z-]+)="([^"]*)"')


def offered(page: Page) -> dict[str, dict[str, str]]:
    """The choices the form offers: value to its data-* attributes."""
    return {
        value: {k: html.unescape(v) for k, v in _DATA.findall(attributes)}
        for value, attributes in _OPTION.findall(page.text)
    }


async def signed_in(site: BotUnderTest, name: str) -> WebClient:
    web = site_client(site)
    await web.sign_in(name)
    return web


async def refusals(site: BotUnderTest) -> int:
    async with store_of(site).reading() as session:
        return int(
            await session.scalar(select(func.count()).where(t.AuditEntry.action == "refused")) or 0
        )


async def test_signed_out_it_is_the_tabs_sign_in_which_comes_back_here(
    site: BotUnderTest,
) -> None:
    web = site_client(site)
    page = await web.get(PAGE)
    assert page.status == 200
    assert f'id="tab-sign-in" data-next="{PAGE}"' in page.text
    assert 'href="/signin?next=/tab/configure"' in page.text
    assert "<select" not in page.text and "Scarborough" not in page.text
    # No inline script: pages.js loads the Teams bundle in a tab (tab.js, configure.js).
    assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/static/dist/pages.js" defer>']
    # Signing in (here by the stand-in; in Teams by tab.js) returns to the page.
    found = re.search(r'<option value="(\d+)">Priya Shah', (await web.get("/signin")).text)
    assert found
    answer = await web.post("/signin/stand-in", data={"member": found.group(1), "next": PAGE})
    assert (answer.status, answer.headers["Location"]) == (303, PAGE)
    assert 'id="tab-configure"' in (await web.follow(answer)).text


async def test_a_partner_is_offered_the_maps_of_their_groups_and_no_dashboard(
    site: BotUnderTest,
) -> None:
    web = await signed_in(site, "Priya Shah")
    before = await refusals(site)
    page = await web.get(PAGE)
    assert page.status == 200
    assert set(offered(page)) == {"ryedale/map", "scarborough/map"}
    assert "Harrogate" not in page.text and ": Dashboard</option>" not in page.text
    assert await refusals(site) == before  # offered no dashboard: nothing was refused


async def test_a_coordinator_is_offered_the_dashboards_of_the_groups_they_coordinate(
    site: BotUnderTest,
) -> None:
    async with store_of(site).transaction() as session:
        priya = await session.scalar(select(t.Member).where(t.Member.name == "Priya Shah"))
        ryedale = await session.scalar(select(t.Locality.id).where(t.Locality.code == "ryedale"))
        assert priya is not None and ryedale is not None
        session.add(t.Membership(member_id=priya.id, locality_id=ryedale, role="coordinator"))
    web = await signed_in(site, "Priya Shah")
    page = await web.get(PAGE)
    assert list(offered(page)) == ["ryedale/dashboard", "ryedale/map", "scarborough/map"]
    assert "Harrogate" not in page.text
    riley = await signed_in(site, "Riley Quinn")
    every = offered(await riley.get(PAGE))
    codes = ["craven", "hambleton", "harrogate", "richmondshire", "ryedale", "scarborough"]
    assert {v for v in every if v.endswith("/dashboard")} == {
        f"{code}/dashboard" for code in [*codes, "selby"]
    }


@pytest.fixture
async def public_site(demo_store: Store, clock: FrozenClock) -> AsyncIterator[BotUnderTest]:
    """The bot at a public address (PUBLIC_BASE_URL), which the tab's addresses carry."""
    settings = Settings(web_stand_in=True, public_base_url=PUBLIC)
    async with running_bot(demo_store, clock, settings) as running:
        yield running


async def test_the_chosen_tabs_addresses_lead_to_the_page_through_sign_in(
    public_site: BotUnderTest,
) -> None:
    web = await signed_in(public_site, "Riley Quinn")
    base = PUBLIC
    page = await web.get(PAGE + "?show=scarborough%2Fdashboard")
    assert page.status == 200
    chosen = offered(page)["scarborough/dashboard"]
    assert chosen == {
        "entity-id": "locality-scarborough-dashboard",
        "content-url": f"{base}/tab?next=/localities/scarborough/dashboard",
        "website-url": f"{base}/localities/scarborough/dashboard",
        "name": "Scarborough dashboard",
    }
    assert 'value="scarborough/dashboard" data-entity-id' in page.text
    assert re.search(r'value="scarborough/dashboard"[^>]* selected>', page.text)
    # Shown as links too, for a browser without the script.
    for url in (chosen["content-url"], chosen["website-url"]):
        assert f'<a href="{url}">' in page.text
    target = parse_qs(urlsplit(chosen["content-url"]).query)["next"][0]
    assert safe_return_to(target, "refused") == target == "/localities/scarborough/dashboard"
    through = await web.get(chosen["content-url"].removeprefix(base))
    assert (through.status, through.headers["Location"]) == (303, target)
    assert (await web.follow(through)).status == 200
    mapped = offered(await web.get(PAGE))["harrogate/map"]
    assert mapped["content-url"] == f"{base}/tab?next=/localities/harrogate/map"
    assert (await web.get("/localities/harrogate/map")).status == 200


async def test_a_choice_not_offered_is_not_taken_and_says_nothing_of_it(
    site: BotUnderTest,
) -> None:
    web = await signed_in(site, "Priya Shah")
    for sent in ("harrogate/map", "scarborough/dashboard", "nowhere/map", "x" * 500):
        page = await web.get(PAGE, params={"show": sent})
        assert page.status == 400
        assert "Choose one of the pages in the list." in page.text
        assert 'aria-invalid="true"' in page.text
        assert "<a href=" not in page.text.split("<main", 1)[1].split("</form>", 1)[1]
        assert "Harrogate" not in page.text and "nowhere" not in page.text


async def test_a_member_of_no_group_is_refused_and_the_refusal_audited(
    site: BotUnderTest,
) -> None:
    web = await signed_in(site, "Jordan Avery")
    before = await refusals(site)
    page = await web.get(PAGE)
    assert page.status == 403
    assert "not a member of any MACE locality group" in page.text
    assert "<select" not in page.text
    assert await refusals(site) == before + 1
