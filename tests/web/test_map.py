"""The map of a group's register and a subject's page, through the real endpoint on SQLite
and PostgreSQL (issue 17, point 1): a member sees the register as a list and as the
graph's JSON, with the nodes and links seeded; the strand, time and closed filters; a
person of concern left out for a partner the group's rule does not let see them; another
locality's member sees nothing of Scarborough's map or subjects, with the same answer as
for what does not exist; a reference holding ``</script>`` cannot end the graph's JSON;
crafted filters never give a 500. Every view is in the audit trail."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.register_views import RESTRICTED_PERSON
from bot.services.register_map import NO_SUCH_MAP
from bot.store import tables as t
from tests.e2e.harness import BotUnderTest
from tests.e2e.scenario import store_of
from tests.services.test_register_reads import seed_register
from tests.support.register_records import RegisterRecords
from tests.web.client import Page, WebClient, site_client

MAP = "/localities/scarborough/map"
_DATA = re.compile(r'<script type="application/json" id="map-data">(.*?)</script>', re.S)
CHILD = "CR-0107 (JD)"
LOCATION = "Takeaway on Eastborough"
PERSON = "NYP-4471 (KM)"
GROUP = "Eastfield peer group"


def graph(page: Page) -> dict[str, Any]:
    found = _DATA.search(page.text)
    assert found, "no graph on the page"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def nodes(page: Page) -> dict[str, dict[str, Any]]:
    return {n["data"]["label"]: n["data"] for n in graph(page)["elements"]["nodes"]}


def edges(page: Page) -> set[frozenset[str]]:
    """Each edge as the pair of its ends' labels."""
    labels = {n["data"]["id"]: n["data"]["label"] for n in graph(page)["elements"]["nodes"]}
    return {
        frozenset((labels[e["data"]["source"]], labels[e["data"]["target"]]))
        for e in graph(page)["elements"]["edges"]
    }


async def signed_in(site: BotUnderTest, name: str) -> WebClient:
    web = site_client(site)
    await web.sign_in(name)
    return web


async def views(site: BotUnderTest, detail: str) -> int:
    async with store_of(site).reading() as session:
        rows = await session.scalars(
            select(t.AuditEntry.id).where(
                t.AuditEntry.action == "view",
                t.AuditEntry.record_type == "subjects",
                t.AuditEntry.detail.like(f"{detail}%"),
            )
        )
        return len(rows.all())


async def test_a_member_sees_the_map_as_a_list_and_as_a_graph(site: BotUnderTest) -> None:
    r = await seed_register(store_of(site))
    web = await signed_in(site, "Alex Wilber")
    page = await web.get(MAP)
    assert page.status == 200
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    shown = nodes(page)
    assert set(shown) == {CHILD, LOCATION, PERSON, GROUP}
    assert shown[CHILD] | {"links": 3} == {
        "id": f"s{r.child}",
        "label": CHILD,
        "kind": "child",
        "kindLabel": "Child",
        "risk": "high",
        "riskLabel": "High risk",
        "links": 3,
        "href": f"/subjects/{r.child}",
    }
    assert shown[PERSON]["risk"] == "very_high"
    assert shown[GROUP]["kind"] == "group"
    assert edges(page) == {
        frozenset((CHILD, LOCATION)),
        frozenset((CHILD, PERSON)),
        frozenset((CHILD, GROUP)),
    }
    # The list view says the same in words, and needs no script.
    row = _row(page, r.child)
    for expected in (
        "Child",
        "High risk",
        "Child criminal exploitation and county lines",
        "19 November 2026",
    ):
        assert expected in row, expected
    assert f'href="/subjects/{r.location}"' in row  # its links, each to its page
    assert "Location of concern: " in row and "(medium risk)" in row
    assert "4 subjects and 3 links between them" in page.text
    assert '<script src="/static/dist/map.js" defer></script>' in page.text
    assert await views(site, "register map: 4 of 4 subjects, 3 links") == 1


async def test_the_strand_time_and_closed_filters(site: BotUnderTest) -> None:
    r = await seed_register(store_of(site))
    web = await signed_in(site, "Alex Wilber")
    cce = await web.get(MAP + "?strand=cce&months=all")
    assert set(nodes(cce)) == {CHILD}
    assert edges(cce) == set()
    assert '<option value="cce" selected>' in cce.text
    recent = await web.get(MAP + "?months=3")
    assert set(nodes(recent)) == {CHILD, LOCATION, PERSON}  # the group: June, 5 months ago
    assert edges(recent) == {frozenset((CHILD, LOCATION)), frozenset((CHILD, PERSON))}
    assert '<option value="3" selected>' in recent.text
    half_year = await web.get(MAP + "?months=6")
    assert GROUP in nodes(half_year)
    async with store_of(site).transaction() as session:
        group = await session.get(t.Subject, r.group)
        assert group is not None
        group.status = "closed"
    assert GROUP not in nodes(await web.get(MAP))
    assert GROUP in nodes(await web.get(MAP + "?closed=yes"))
    nothing = await web.get(MAP + "?strand=online&months=3")
    assert nothing.status == 200
    assert "No subject of the register matches this filter." in nothing.text
    assert _DATA.search(nothing.text) is None


async def test_persons_of_concern_are_left_out_where_the_groups_rule_says(
    site: BotUnderTest,
) -> None:
    r = await seed_register(store_of(site))
    health = await signed_in(site, "Dana Reeves")
    page = await health.get(MAP)
    assert page.status == 200
    assert set(nodes(page)) == {CHILD, LOCATION, GROUP}
    assert edges(page) == {frozenset((CHILD, LOCATION)), frozenset((CHILD, GROUP))}
    assert "NYP-4471" not in page.text and "KM)" not in page.text
    assert f"/subjects/{r.person}" not in page.text
    assert "Persons of concern are not shown to you" in page.text
    hidden = await health.get(f"/subjects/{r.person}")
    assert hidden.status == 404
    assert "NYP-4471" not in hidden.text
    child = await health.get(f"/subjects/{r.child}")
    assert child.status == 200
    assert RESTRICTED_PERSON in child.text and "NYP-4471" not in child.text
    police = await signed_in(site, "Priya Shah")
    assert PERSON in nodes(await police.get(MAP))


async def test_another_localitys_member_sees_nothing_of_scarboroughs(
    site: BotUnderTest,
) -> None:
    r = await seed_register(store_of(site))
    harrogate = await signed_in(site, "Harper Lane")
    theirs = await harrogate.get(MAP)
    missing = await harrogate.get("/localities/atlantis/map")
    assert theirs.status == missing.status == 404
    assert theirs.text == missing.text
    assert NO_SUCH_MAP in theirs.text
    assert "CR-0107" not in theirs.text and "map-data" not in theirs.text
    subject = await harrogate.get(f"/subjects/{r.child}")
    absent = await harrogate.get("/subjects/999999")
    crafted = await harrogate.get("/subjects/not-a-number")
    assert subject.status == absent.status == crafted.status == 404
    assert subject.text == absent.text == crafted.text
    assert "CR-0107" not in subject.text
    first = await harrogate.get("/map")
    assert first.status == 303 and first.headers["Location"] == "/localities/harrogate/map"
    own = await harrogate.follow(first)
    assert own.status == 200 and "No subject of the register matches" in own.text
    assert await views(site, "subject page") == 0
    stranger = site_client(site)
    asked = await stranger.get(MAP)
    assert asked.status == 303 and asked.headers["Location"].startswith("/signin?next=")


async def test_a_subject_page_shows_its_history_as_the_card_does(site: BotUnderTest) -> None:
    r = await seed_register(store_of(site))
    web = await signed_in(site, "Alex Wilber")
    page = await web.get(f"/subjects/{r.child}")
    assert page.status == 200
    for expected in (
        "Child: CR-0107 (JD)",
        "High risk",
        "Seen at the takeaway late at night",  # why the risk went up
        "First rated",
        LOCATION,
        "Seen there late at night",  # why it is linked
        "Refer to the NRM",
        "Stop and search near the takeaway",
        "Later: a second sighting",
        "CAMHS",
        "Still to record",  # the chair, reading it alone, sees what is missing
        "Back to the group's map",
        PERSON,
    ):
        assert expected in page.text, expected
    assert f'href="/subjects/{r.location}"' in page.text
    assert f'href="/localities/scarborough/map#subject-{r.child}"' in page.text
    assert await views(site, "subject page") == 1


async def test_a_reference_holding_a_script_end_tag_cannot_break_out(
    site: BotUnderTest,
) -> None:
    records = RegisterRecords(store_of(site))
    sneaky = await records.register_subject(
        "scarborough", "Bus stop </script><script>alert(1)</script>", kind="location"
    )
    child = await records.register_subject("scarborough", "CR-0666", "</script>")
    await records.link(sneaky, child)
    web = await signed_in(site, "Alex Wilber")
    page = await web.get(MAP)
    assert page.status == 200
    start = page.text.index('id="map-data">') + len('id="map-data">')
    end = page.text.index("</script>", start)
    embedded = page.text[start:end]
    assert "<" not in embedded and ">" not in embedded  # escaped as \u003c, \u003e
    labels = set(nodes(page))
    assert "CR-0666 (</script>)" in labels
    assert any(label.startswith("Bus stop </script><script>") for label in labels)
    assert "<script>alert(1)" not in page.text  # the list escapes it too
    assert "Bus stop &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    subject = await web.get(f"/subjects/{child}")
    assert "CR-0666 (&lt;/script&gt;)" in subject.text


async def test_a_subject_shared_with_another_group_is_on_its_map_alone(
    site: BotUnderTest,
) -> None:
    r = await seed_register(store_of(site))
    records = RegisterRecords(store_of(site))
    await records.subject_share(r.location, "harrogate")
    await records.subject_share(r.group, "harrogate", status="asked")
    harrogate = await signed_in(site, "Harper Lane")
    page = await harrogate.get("/localities/harrogate/map")
    assert set(nodes(page)) == {LOCATION}  # not the child it is linked to, not an offer
    assert edges(page) == set()
    shared = await harrogate.get(f"/subjects/{r.location}")
    assert shared.status == 200
    assert 'href="/localities/harrogate/map#subject-' in shared.text


@pytest.mark.parametrize(
    "query",
    [
        "?months=7",
        "?months=abc",
        "?months=-3",
        "?months=99999999999999999999",
        "?strand=nonsense",
        "?strand=%3Cscript%3E",
        "?strand=" + "x" * 5000,
        "?closed=maybe&months=&strand=",
        "?months=3&months=6",
        "?strand=%00",
    ],
)
async def test_crafted_filters_are_never_a_server_error(site: BotUnderTest, query: str) -> None:
    await seed_register(store_of(site))
    web = await signed_in(site, "Alex Wilber")
    page = await web.get(MAP + query)
    assert page.status == 200, page.text
    assert "<script>" not in page.text


@pytest.mark.parametrize(
    "path",
    [
        "/localities/%3Cscript%3E/map",
        "/localities/" + "x" * 3000 + "/map",
        "/subjects/-1",
        "/subjects/0",
        "/subjects/99999999999999999999",
        "/subjects/1.5",
    ],
)
async def test_crafted_addresses_are_not_found(site: BotUnderTest, path: str) -> None:
    await seed_register(store_of(site))
    web = await signed_in(site, "Alex Wilber")
    page = await web.get(path)
    assert page.status == 404, page.text


async def test_a_coordinator_of_several_groups_switches_map(site: BotUnderTest) -> None:
    await seed_register(store_of(site))
    web = await signed_in(site, "Riley Quinn")
    first = await web.get("/map")
    assert first.headers["Location"] == "/localities/craven/map"  # the first by name
    page = await web.get(MAP)
    assert 'href="/localities/harrogate/map"' in page.text
    assert '<a href="/localities/scarborough/map" aria-current="page">' in page.text
    assert CHILD in nodes(page)


def _row(page: Page, subject_id: int) -> str:
    start = page.text.index(f'<tr id="subject-{subject_id}">')
    return page.text[start : page.text.index("</tr>", start)]
