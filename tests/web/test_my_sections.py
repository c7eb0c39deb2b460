"""My MACE beside the actions, through the real endpoint (SQLite and PostgreSQL): the
groups' latest meetings, the escalations the person may see and the open challenges
raised by or to their agency, each from the service chat uses (same rule, audited);
"None." where there is nothing, and one clear sentence for someone in no group."""

from __future__ import annotations

import html

from sqlalchemy import delete, func, select

from bot.services.escalation_reads import LIST_IS_FOR
from bot.store import tables as t
from bot.web.my import NO_GROUP
from cards import verbs as v
from tests.e2e.cardtools import action
from tests.e2e.harness import BotUnderTest
from tests.e2e.scenario import member_id, ok, press, say, store_of
from tests.e2e.test_between_meetings import agree_actions
from tests.e2e.test_escalations import CHALLENGE, WHY, raise_a_challenge
from tests.web.client import site_client


def section(text: str, heading: str) -> str:
    """The page's section under ``heading``, up to the next section."""
    start = text.index(heading)
    return text[start : text.index("</section>", start)]


async def my_page(site: BotUnderTest, name: str) -> str:
    web = site_client(site)
    await web.sign_in(name)
    page = await web.get("/my")
    assert page.status == 200
    return html.unescape(page.text)


async def test_the_challenge_shows_to_both_agencies_and_to_no_other(site: BotUnderTest) -> None:
    _, challenge_id = await raise_a_challenge(site)
    for name in ("Priya Shah", "Dana Reeves"):  # challenged (police), raised by (health)
        shown = section(await my_page(site, name), "Open challenges raised by or to")
        assert f"C-{challenge_id}: Health" in shown and CHALLENGE in shown, name
        assert "Scarborough" in shown
    for name in ("Chris Lowe", "Harper Lane"):  # education in the group; another group
        shown = section(await my_page(site, name), "Open challenges raised by or to")
        assert "None." in shown and CHALLENGE not in shown, name
    async with store_of(site).reading() as session:
        viewed = await session.scalar(
            select(func.count())
            .select_from(t.AuditEntry)
            .where(t.AuditEntry.record_type == "challenges", t.AuditEntry.action == "view")
        )
    assert viewed == 4, "each page's read of the challenges is audited"


async def test_the_groups_latest_meetings_link_to_their_minutes(site: BotUnderTest) -> None:
    await agree_actions(
        site, [{"description": "Visit the park.", "owner": "Priya Shah", "due": "2026-12-03"}]
    )
    async with store_of(site).reading() as session:
        meeting_id = await session.scalar(select(t.Meeting.id))
    shown = section(await my_page(site, "Priya Shah"), "My groups' meetings")
    assert f'href="/meetings/{meeting_id}"' in shown
    assert "DRAFT: to be agreed at the next meeting" in shown and "1 action" in shown
    assert 'href="/meetings"' in shown
    other = section(await my_page(site, "Harper Lane"), "My groups' meetings")
    assert f"/meetings/{meeting_id}" not in other and "None" in other


async def test_escalations_for_the_chair_and_none_for_a_partner(site: BotUnderTest) -> None:
    _, challenge_id = await raise_a_challenge(site)
    ok(await say(site, "chair", "challenges"))
    respond = action(site.connector.cards()[-1], v.CHALLENGE_RESPOND)
    ok(
        await press(
            site,
            "chair",
            v.CHALLENGE_RESPOND,
            respond["data"],
            {
                f"response-{challenge_id}": "Beyond what the locality can do.",
                f"resolution-{challenge_id}": "escalated",
                f"escalateTo-{challenge_id}": "operational",
                f"escalateWhy-{challenge_id}": WHY,
            },
        )
    )
    async with store_of(site).reading() as session:
        escalation_id = await session.scalar(select(t.Escalation.id))
    chair = section(await my_page(site, "Alex Wilber"), '<h2 id="escalations-heading">')
    assert f"E-{escalation_id}: challenge C-{challenge_id}" in chair
    assert "Escalated by Scarborough" in chair and WHY not in chair
    partner = section(await my_page(site, "Priya Shah"), '<h2 id="escalations-heading">')
    assert "None." in partner and LIST_IS_FOR in partner
    assert f"E-{escalation_id}" not in partner
    challenges = section(await my_page(site, "Priya Shah"), "Open challenges raised by or to")
    assert "None." in challenges, "an escalated challenge is no longer open"


async def test_someone_in_no_group_is_told_so_in_one_sentence(site: BotUnderTest) -> None:
    web = site_client(site)
    await web.sign_in("Chris Lowe")
    store = store_of(site)
    chris = await member_id(store, "education")
    async with store.transaction() as session:
        await session.execute(delete(t.Membership).where(t.Membership.member_id == chris))
    page = await web.get("/my")
    assert page.status == 200
    shown = html.unescape(page.text)
    assert NO_GROUP in shown
    assert "My groups' meetings" not in shown and "escalations-heading" not in shown
    assert "Your open actions (0)" in shown
