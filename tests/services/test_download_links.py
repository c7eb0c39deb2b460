"""Download link records: the retention run deletes them once expired for the housekeeping
period, and keeps the audit trail's entries about them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.domain.clock import FrozenClock
from bot.domain.retention import RetentionPolicy
from bot.services.context import ActorRef
from bot.services.links import DownloadLinks, Fetch, LinkSigner
from bot.services.retention import RetentionService
from bot.store import tables as t
from bot.store.db import Store

POLICY = RetentionPolicy(meetings=2190, actions=2190, subjects=2190, housekeeping=30)
ASKER = ActorRef(teams_user_id="user-id-102", aad_object_id="aad-102")


async def link_ids(store: Store) -> set[str]:
    async with store.reading() as session:
        return set(await session.scalars(select(t.DownloadLink.id)))


async def test_expired_links_go_after_the_housekeeping_period(
    store: Store, clock: FrozenClock
) -> None:
    links = DownloadLinks(store, clock, LinkSigner(b"test-only-link-secret-0123456789"))
    old = links.signer.verify(await links.issue(ASKER, "minutes.docx", {"meetingId": 1}))
    clock.advance(days=30)
    recent = links.signer.verify(await links.issue(ASKER, "actions.csv", {}))
    assert await link_ids(store) == {old.link_id, recent.link_id}

    clock.advance(minutes=6)  # the old link expired 30 days and 6 minutes ago
    report = await RetentionService(store, clock, POLICY).run()
    assert await link_ids(store) == {recent.link_id}
    assert report.deleted["download_links"] == 1

    clock.advance(days=30)
    await RetentionService(store, clock, POLICY).run()
    assert await link_ids(store) == set()
    async with store.reading() as session:
        trail = set(
            await session.scalars(
                select(t.AuditEntry.record_id).where(
                    t.AuditEntry.record_type == "download_links", t.AuditEntry.action == "create"
                )
            )
        )
    assert trail == {old.link_id, recent.link_id}, "each link's issue stays in the trail"


@pytest.mark.parametrize(
    ("remote", "forwarded", "agent", "detail"),
    [
        ("10.0.0.4", None, "Edge", "kind=k; address=10.0.0.4; agent=Edge"),
        (None, "", None, "kind=k; address=unknown; agent=none"),
        ("::1", "203.0.113.9:51234", "a", "kind=k; address=::1; forwarded=203.0.113.9; agent=a"),
        (
            "10.0.0.4",
            "198.51.100.1, [2001:db8::1]:443",
            "a",
            "kind=k; address=10.0.0.4; forwarded=2001:db8::1; agent=a",
        ),
        (
            "10.0.0.4",
            "evil; agent=forged",
            "é\n",
            "kind=k; address=10.0.0.4; forwarded=not an address; agent=??",
        ),
    ],
)
def test_a_fetch_is_described_by_addresses_and_a_bounded_agent(
    remote: str | None, forwarded: str | None, agent: str | None, detail: str
) -> None:
    assert Fetch.of(remote, forwarded, agent).detail("k") == detail
