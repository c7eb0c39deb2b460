"""The pages' navigation through the real endpoint, on SQLite and PostgreSQL: the
"Dashboard" link is shown only to someone who may open a dashboard, by the dashboard's
own rule (``DashboardService.open_to``, the report permission), and follows a change of
role on the next page, not at the next sign-in."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, select

from bot.config import Settings
from bot.domain.clock import FrozenClock
from bot.services.context import ActorRef
from bot.services.dashboard import DashboardService
from bot.store import tables as t
from bot.store.db import Store
from tests.conftest import MEETING_DAY
from tests.e2e.harness import BotUnderTest, running_bot
from tests.e2e.scenario import store_of
from tests.web.client import Page, site_client

LINK = 'href="/dashboard"'


@pytest.fixture
async def site(demo_store: Store, clock: FrozenClock) -> AsyncIterator[BotUnderTest]:
    """Every demo member signs in from this one address: more than a minute's limit."""
    settings = Settings(web_stand_in=True, web_sign_in_rate=100)
    async with running_bot(demo_store, clock, settings) as running:
        yield running


def nav_of(page: Page) -> str:
    return page.text[page.text.index("<nav") : page.text.index("</nav>")]


async def test_the_dashboard_link_is_shown_to_exactly_those_the_dashboard_admits(
    site: BotUnderTest,
) -> None:
    store = store_of(site)
    dashboards = DashboardService(store, FrozenClock(MEETING_DAY), Settings().key_agencies)
    async with store.reading() as session:
        members = (await session.scalars(select(t.Member).where(t.Member.active))).all()
    shown: dict[str, bool] = {}
    for member in members:
        actor = ActorRef(member.teams_user_id or "", member.aad_object_id, member.name)
        web = site_client(site)
        await web.sign_in(member.name)
        page = await web.get("/my")
        assert page.status == 200, member.name
        shown[member.name] = LINK in nav_of(page)
        assert shown[member.name] == bool(await dashboards.open_to(actor)), member.name
    assert shown["Riley Quinn"] and not shown["Priya Shah"] and not shown["Alex Wilber"]
    assert "Map" in nav_of(page) and "Minutes" in nav_of(page)


async def test_the_link_follows_a_change_of_role_on_the_next_page(site: BotUnderTest) -> None:
    web = site_client(site)
    await web.sign_in("Priya Shah")
    assert LINK not in nav_of(await web.get("/my"))
    async with store_of(site).transaction() as session:
        priya = await session.scalar(select(t.Member.id).where(t.Member.name == "Priya Shah"))
        ryedale = await session.scalar(select(t.Locality.id).where(t.Locality.code == "ryedale"))
        assert priya is not None and ryedale is not None
        session.add(t.Membership(member_id=priya, locality_id=ryedale, role="coordinator"))
    assert LINK in nav_of(await web.get("/meetings"))
    assert (await web.get("/dashboard")).status == 200
    async with store_of(site).transaction() as session:
        await session.execute(
            delete(t.Membership).where(
                t.Membership.member_id == priya, t.Membership.role == "coordinator"
            )
        )
    assert LINK not in nav_of(await web.get("/my"))


async def test_signed_out_pages_show_no_dashboard_link(site: BotUnderTest) -> None:
    web = site_client(site)
    for path in ("/signin", "/tab?next=/my", "/tab/configure"):
        page = await web.get(path)
        assert page.status == 200, path
        assert LINK not in nav_of(page), path
