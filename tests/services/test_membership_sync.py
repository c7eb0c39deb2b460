"""MembershipSync on the demo store (SQLite and PostgreSQL) against the fake Graph.

The demo links one channel (``team-id``) to Scarborough. Its team's members are served by
the fake Graph under a group id given through ``team_ids``, as GRAPH_TEAM_IDS does.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.domain.clock import FrozenClock
from bot.graph.directory import NullDirectory
from bot.services.membership_sync import ACTOR, MembershipSync
from bot.store import tables as t
from bot.store.db import Store
from tests.support.fake_graph import GraphStack, TlsFiles, directory_members, graph_stack, make_tls

TEAM_GROUP_ID = "6a7b8c9d-0000-4000-8000-00000000beef"
HARROGATE_CHAT = "19:harrogate-partners@thread.v2"


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls(tmp_path_factory.mktemp("sync-tls"))


@pytest.fixture
async def stack(tls: TlsFiles) -> AsyncIterator[GraphStack]:
    async with graph_stack(tls) as built:
        yield built


async def demo_people(store: Store) -> dict[str, str]:
    """Demo member name -> Entra object id, of the members of some locality group (the
    MACE Operational and Strategic groups' own members are in no locality's team)."""
    async with store.reading() as session:
        rows = await session.execute(
            select(t.Member.name, t.Member.aad_object_id).where(
                t.Member.id.in_(select(t.Membership.member_id))
            )
        )
        return {name: aad for name, aad in rows if aad}


def item(aad: str, name: str) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.aadUserConversationMember",
        "id": f"m-{secrets.token_hex(4)}",
        "roles": [],
        "displayName": name,
        "userId": aad,
        "email": None,
    }


async def roles(store: Store, name: str, locality: str) -> list[str]:
    async with store.reading() as session:
        return sorted(
            await session.scalars(
                select(t.Membership.role)
                .join(t.Member, t.Member.id == t.Membership.member_id)
                .join(t.Locality, t.Locality.id == t.Membership.locality_id)
                .where(t.Member.name == name, t.Locality.code == locality)
            )
        )


def sync(store: Store, stack: GraphStack, clock: FrozenClock, **options: Any) -> MembershipSync:
    options.setdefault("team_ids", {"team-id": TEAM_GROUP_ID})
    return MembershipSync(store, stack.client, clock, **options)


async def test_known_members_in_the_team_get_the_partner_role_and_absentees_are_reported(
    demo_store: Store, clock: FrozenClock, stack: GraphStack
) -> None:
    people = await demo_people(demo_store)
    here = [
        "Alex Wilber",
        "Sam Okafor",
        "Riley Quinn",
        "Priya Shah",
        "Tom Hughes",
        "Dana Reeves",
        "Chris Lowe",
        "Jo Marsh",
        "Morgan Bell",
    ]  # fmt: skip  (Ellis Ward, a Scarborough partner, has left the team)
    newcomers = ["Kit Fenwick", "Harper Lane"]  # members of the bot, in Harrogate only
    strangers = directory_members(3000)  # in the team, unknown to the bot
    roster = [item(people[name], name) for name in here + newcomers] + strangers
    roster[0]["userId"] = roster[0]["userId"].upper()  # ids are matched whatever their case
    stack.graph.teams[TEAM_GROUP_ID] = roster

    report = await sync(demo_store, stack, clock).run()

    [scarborough] = report.localities
    assert scarborough.locality_code == "scarborough"
    assert scarborough.complete
    assert (scarborough.conversations_read, scarborough.conversations) == (1, 1)
    assert scarborough.people == 3011
    assert scarborough.added == ("Harper Lane", "Kit Fenwick")
    assert scarborough.not_in_conversations == ("Ellis Ward",)
    assert (scarborough.unknown, scarborough.unmatched) == (3000, 0)
    assert await roles(demo_store, "Kit Fenwick", "scarborough") == ["partner"]
    assert await roles(demo_store, "Harper Lane", "scarborough") == ["partner"]
    assert await roles(demo_store, "Ellis Ward", "scarborough") == ["partner"]  # kept
    assert await roles(demo_store, "Alex Wilber", "scarborough") == ["chair"]  # not doubled
    assert len(stack.graph.calls_to(f"/teams/{TEAM_GROUP_ID}/members")) == 31
    assert report.lines() == [
        "Scarborough: 3011 people in 1 of 1 linked conversation(s).",
        "  added as partner: Harper Lane",
        "  added as partner: Kit Fenwick",
        "  in none of its conversations: Ellis Ward",
        "  3000 people there are not members of the bot.",
    ]
    async with demo_store.reading() as session:
        audited = await session.scalar(
            select(func.count(t.AuditEntry.id)).where(
                t.AuditEntry.actor == ACTOR,
                t.AuditEntry.record_type == "memberships",
                t.AuditEntry.action == "create",
            )
        )
    assert audited == 2


async def test_a_second_run_changes_nothing(
    demo_store: Store, clock: FrozenClock, stack: GraphStack
) -> None:
    people = await demo_people(demo_store)
    stack.graph.teams[TEAM_GROUP_ID] = [item(aad, name) for name, aad in people.items()]
    first = await sync(demo_store, stack, clock).run()
    second = await sync(demo_store, stack, clock).run()

    assert first.added == 2  # Harper Lane and Kit Fenwick
    assert (second.added, second.not_in_conversations) == (0, 0)


async def test_a_channel_without_a_team_id_is_skipped_and_nothing_judged(
    demo_store: Store, clock: FrozenClock, stack: GraphStack
) -> None:
    report = await sync(demo_store, stack, clock, team_ids={}).run()

    [scarborough] = report.localities
    assert not scarborough.complete
    assert scarborough.skipped == ("channel: its team's group id is not known (GRAPH_TEAM_IDS)",)
    assert (scarborough.added, scarborough.not_in_conversations) == ((), ())
    assert "  incomplete: who has left is not judged." in report.lines()
    assert stack.graph.calls == []


async def test_a_graph_failure_leaves_the_locality_as_it_was(
    demo_store: Store, clock: FrozenClock, stack: GraphStack
) -> None:
    people = await demo_people(demo_store)
    stack.graph.teams[TEAM_GROUP_ID] = [item(people["Kit Fenwick"], "Kit Fenwick")]
    stack.graph.throttle(1000, status=503)

    report = await sync(demo_store, stack, clock).run()

    [scarborough] = report.localities
    assert scarborough.skipped == ("channel: Graph answered 503 ServiceUnavailable",)
    assert (scarborough.added, scarborough.not_in_conversations) == ((), ())
    assert await roles(demo_store, "Kit Fenwick", "scarborough") == []


async def test_every_conversation_of_a_locality_counts_and_chats_are_read_by_their_id(
    demo_store: Store, clock: FrozenClock, stack: GraphStack
) -> None:
    people = await demo_people(demo_store)
    async with demo_store.transaction() as session:
        harrogate = await session.scalar(select(t.Locality).where(t.Locality.code == "harrogate"))
        assert harrogate is not None
        chat = t.LinkedConversation(
            conversation_id=HARROGATE_CHAT,
            locality_id=harrogate.id,
            kind="groupChat",
            tenant_id=None,
            service_url=None,
            linked_by_member_id=1,
            linked_at=clock.now(),
        )
        session.add(chat)
    stack.graph.teams[TEAM_GROUP_ID] = [item(aad, name) for name, aad in people.items()]
    stack.graph.chats[HARROGATE_CHAT] = [
        item(people[name], name) for name in ("Harper Lane", "Priya Shah", "Riley Quinn")
    ]

    report = await sync(demo_store, stack, clock).run()

    by_code = {x.locality_code: x for x in report.localities}
    assert by_code["harrogate"].added == ("Priya Shah",)
    assert by_code["harrogate"].not_in_conversations == ("Kit Fenwick",)
    assert await roles(demo_store, "Priya Shah", "harrogate") == ["partner"]
    assert stack.graph.calls_to(f"/chats/{HARROGATE_CHAT}/members")


async def test_deactivated_members_are_left_alone(
    demo_store: Store, clock: FrozenClock, stack: GraphStack
) -> None:
    people = await demo_people(demo_store)
    async with demo_store.transaction() as session:
        kit = await session.scalar(select(t.Member).where(t.Member.name == "Kit Fenwick"))
        assert kit is not None
        kit.active = False
    stack.graph.teams[TEAM_GROUP_ID] = [item(aad, name) for name, aad in people.items()]

    report = await sync(demo_store, stack, clock).run()

    assert report.localities[0].added == ("Harper Lane",)
    assert await roles(demo_store, "Kit Fenwick", "scarborough") == []


async def test_without_a_directory_nothing_is_read_and_nobody_is_reported(
    demo_store: Store, clock: FrozenClock
) -> None:
    report = await MembershipSync(demo_store, NullDirectory(), clock).run()

    assert not report.enabled
    assert report.localities == []
    assert report.lines() == ["Graph is not configured: nothing was synchronised."]


async def test_the_team_recorded_at_link_time_is_used_without_graph_team_ids(
    demo_store: Store, clock: FrozenClock, stack: GraphStack
) -> None:
    """Teams sends channelData.team.aadGroupId with a channel's turns; the link keeps it,
    so the sync needs no GRAPH_TEAM_IDS for channels linked since."""
    async with demo_store.transaction() as session:
        link = await session.scalar(
            select(t.LinkedConversation).where(t.LinkedConversation.conversation_id == "team-id")
        )
        assert link is not None
        link.team_group_id = TEAM_GROUP_ID
    people = await demo_people(demo_store)
    stack.graph.teams[TEAM_GROUP_ID] = [item(aad, name) for name, aad in people.items()]

    report = await sync(demo_store, stack, clock, team_ids={}).run()

    [scarborough] = report.localities
    assert scarborough.complete and scarborough.conversations_read == 1
    assert len(stack.graph.calls_to(f"/teams/{TEAM_GROUP_ID}/members")) >= 1
