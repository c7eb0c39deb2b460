"""resolve_owner and the member admin's directory lookup, against the fake Graph."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.domain.clock import FrozenClock
from bot.domain.errors import InvalidInput
from bot.graph.directory import NullDirectory
from bot.services.context import ActorRef
from bot.services.directory import resolve_owner
from bot.services.members import MemberAdmin
from bot.store import tables as t
from bot.store.db import Store
from tests.support.fake_graph import GraphStack, TlsFiles, graph_stack, make_tls, users_named

ALEX = ActorRef("user-id-0", "00000000-0000-0000-0000-0000000000020", "Alex Wilber")


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls(tmp_path_factory.mktemp("directory-tls"))


@pytest.fixture
async def stack(tls: TlsFiles) -> AsyncIterator[GraphStack]:
    async with graph_stack(tls) as built:
        built.graph.users = users_named(
            [
                ("Nadia Karim", "nadia.karim@housing.example.org"),
                ("Sam Lee", "sam.lee@police.example.org"),
                ("Sam Leech", "sam.leech@health.example.org"),
                ("Samantha Leeds", "s.leeds@yjs.example.org"),
            ]
        )
        yield built


# --- resolve_owner ------------------------------------------------------------------------


async def test_an_email_resolves_to_the_one_person_with_it(stack: GraphStack) -> None:
    found = await resolve_owner(stack.client, " Nadia.Karim@housing.example.org ")

    assert found is not None
    assert (found.display_name, found.id) == ("Nadia Karim", stack.graph.users[0]["id"])


async def test_a_full_name_beats_longer_names_that_start_the_same(stack: GraphStack) -> None:
    found = await resolve_owner(stack.client, "sam  lee")

    assert found is not None and found.display_name == "Sam Lee"


async def test_a_name_shared_by_several_people_resolves_to_no_one(stack: GraphStack) -> None:
    assert await resolve_owner(stack.client, "Sam") is None  # three Sams: ask for an email


async def test_a_unique_prefix_resolves(stack: GraphStack) -> None:
    found = await resolve_owner(stack.client, "Nad")
    assert found is not None and found.display_name == "Nadia Karim"


async def test_nobody_or_no_directory_or_a_graph_failure_is_none(stack: GraphStack) -> None:
    assert await resolve_owner(stack.client, "nobody@example.org") is None
    assert await resolve_owner(stack.client, "") is None
    assert await resolve_owner(NullDirectory(), "Nadia Karim") is None
    stack.graph.throttle(1000, status=503)
    assert await resolve_owner(stack.client, "Nadia Karim") is None


# --- adding a member by email --------------------------------------------------------------


async def member_named(store: Store, email: str) -> t.Member | None:
    async with store.reading() as session:
        return await session.scalar(select(t.Member).where(t.Member.email == email))


async def test_an_admin_adding_someone_new_by_email_gets_name_and_entra_id_from_the_directory(
    demo_store: Store, clock: FrozenClock, stack: GraphStack
) -> None:
    admin = MemberAdmin(demo_store, clock, directory=stack.client)

    view, sentence = await admin.grant(
        ALEX,
        "activity-1",
        {
            "member": "nadia.karim@housing.example.org",
            "locality": "scarborough",
            "role": "partner",
            "agency": "housing",
        },
    )

    assert sentence == "Added Nadia Karim as a new member, Partner member in Scarborough."
    nadia = await member_named(demo_store, "nadia.karim@housing.example.org")
    assert nadia is not None
    assert (nadia.name, nadia.aad_object_id) == ("Nadia Karim", stack.graph.users[0]["id"])
    assert any(m.name == "Nadia Karim" for m in view.members)


async def test_what_the_admin_typed_wins_over_the_directory(
    demo_store: Store, clock: FrozenClock, stack: GraphStack
) -> None:
    admin = MemberAdmin(demo_store, clock, directory=stack.client)

    granted = await admin.add(
        "nadia.karim@housing.example.org",
        "scarborough",
        "partner",
        name="Nadia K.",
        agency="housing",
    )

    assert granted.has_aad
    nadia = await member_named(demo_store, "nadia.karim@housing.example.org")
    assert nadia is not None
    assert (nadia.name, nadia.aad_object_id) == ("Nadia K.", stack.graph.users[0]["id"])


async def test_someone_the_directory_does_not_know_still_needs_a_name(
    demo_store: Store, clock: FrozenClock, stack: GraphStack
) -> None:
    admin = MemberAdmin(demo_store, clock, directory=stack.client)

    with pytest.raises(InvalidInput) as caught:
        await admin.add("new.person@example.org", "scarborough", "partner", agency="housing")

    assert set(caught.value.field_errors) == {"name"}


async def test_known_members_are_not_looked_up(
    demo_store: Store, clock: FrozenClock, stack: GraphStack
) -> None:
    async with demo_store.transaction() as session:
        priya = await session.scalar(select(t.Member).where(t.Member.name == "Priya Shah"))
        assert priya is not None
        priya.email = "priya.shah@police.example.org"
    admin = MemberAdmin(demo_store, clock, directory=stack.client)

    granted = await admin.add("priya.shah@police.example.org", "harrogate", "partner")

    assert granted.member_name == "Priya Shah" and not granted.member_created
    assert stack.graph.calls == []
