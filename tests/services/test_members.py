"""Managing members and roles: the CSV import (all or nothing, idempotent), add, remove and
deactivate, and the chat entry points refusing anyone but an active administrator.

Every name, email and id here is invented (example.org addresses).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.domain.calendar import WorkingCalendar
from bot.domain.clock import FrozenClock
from bot.domain.errors import Duplicate, InvalidInput, NotFound, NotPermitted
from bot.domain.model import Role
from bot.domain.notices import NoticeKind
from bot.domain.permissions import opens_content
from bot.services.context import ActorRef, find_member
from bot.services.members import (
    SELF_GRANT_REFUSED,
    MemberAdmin,
    MemberLine,
)
from bot.services.reference_data import load_reference_data
from bot.store import tables as t
from bot.store.db import Store
from dialogs.notices import NoticeRenderer
from tests.e2e.cardtools import text_of

REFERENCE = {
    "localities": [
        {"code": "selby", "name": "Selby"},
        {"code": "craven", "name": "Craven"},
    ],
    "agencies": [
        {"code": "police", "name": "Police", "sort_order": 0},
        {"code": "health", "name": "Health", "sort_order": 10},
    ],
}

HEADER = "name,email,aad_object_id,agency,locality,role,admin\n"
GOOD = HEADER + (
    "Ada Fielding,ada.fielding@example.org,aad-0001,police,selby,chair,yes\n"
    "Ada Fielding,Ada.Fielding@example.org,,police,craven,partner,\n"
    "Ben Marlow,ben.marlow@example.org,aad-0002,health,selby,minute_taker,no\n"
    "Cleo Dunn,cleo.dunn@example.org,,health,,,\n"
)

#: Alex Wilber (admin, chair of Scarborough and Ryedale) and Riley Quinn (coordinator).
ADMIN = ActorRef("user-id-0", "00000000-0000-0000-0000-0000000000020", "Alex Wilber")
COORDINATOR = ActorRef("user-id-102", "00000000-0000-0000-0000-0000000000102", "Riley Quinn")
PRIYA_AAD = "00000000-0000-0000-0000-0000000000103"
DANA_AAD = "00000000-0000-0000-0000-0000000000105"
STRANGER = ActorRef("user-id-999", "00000000-0000-0000-0000-0000000000999", "Nestor Wilke")


async def seeded(store: Store, clock: FrozenClock) -> MemberAdmin:
    await load_reference_data(store, REFERENCE, clock.now())
    return MemberAdmin(store, clock)


async def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every member and membership, every column: equal before and after = nothing written."""
    async with store.reading() as session:
        members = await session.execute(
            select(
                t.Member.id,
                t.Member.name,
                t.Member.email,
                t.Member.aad_object_id,
                t.Member.agency_id,
                t.Member.is_admin,
                t.Member.active,
            ).order_by(t.Member.id)
        )
        memberships = await session.execute(
            select(
                t.Membership.id, t.Membership.member_id, t.Membership.locality_id, t.Membership.role
            ).order_by(t.Membership.id)
        )
        return {
            "members": [tuple(row) for row in members],
            "memberships": [tuple(row) for row in memberships],
        }


async def member_by_email(store: Store, email: str) -> t.Member:
    async with store.reading() as session:
        found = await session.scalar(
            select(t.Member).where(func.lower(t.Member.email) == email.lower())
        )
    assert found is not None
    return found


async def test_a_valid_file_adds_members_and_roles(store: Store, clock: FrozenClock) -> None:
    admin = await seeded(store, clock)
    report = await admin.import_csv(GOOD)
    assert report.ok, report.problems
    assert (report.members_added, report.members_updated, report.memberships_added) == (3, 0, 3)
    assert report.without_aad == 1  # Cleo: Teams cannot match her until an id is given
    assert "3 members added, 0 updated, 3 roles added" in report.summary()

    ada = await member_by_email(store, "ada.fielding@example.org")
    assert (ada.aad_object_id, ada.is_admin, ada.active) == ("aad-0001", True, True)
    ben = await member_by_email(store, "BEN.marlow@example.org")
    assert ben.is_admin is False
    cleo = await member_by_email(store, "cleo.dunn@example.org")
    assert cleo.aad_object_id is None

    assert await admin.list("selby") == [
        MemberLine("Ada Fielding", "police", (Role.CHAIR,)),
        MemberLine("Ben Marlow", "health", (Role.MINUTE_TAKER,)),
    ]
    assert await admin.list("CRAVEN") == [MemberLine("Ada Fielding", "police", (Role.PARTNER,))]


async def test_importing_the_same_file_twice_changes_nothing(
    store: Store, clock: FrozenClock
) -> None:
    admin = await seeded(store, clock)
    assert (await admin.import_csv(GOOD)).ok
    before = await snapshot(store)
    again = await admin.import_csv(GOOD)
    assert again.ok
    assert (again.members_added, again.members_updated, again.memberships_added) == (0, 0, 0)
    assert await snapshot(store) == before


async def test_an_edited_file_updates_members_by_entra_id_then_email(
    store: Store, clock: FrozenClock
) -> None:
    admin = await seeded(store, clock)
    assert (await admin.import_csv(GOOD)).ok
    edited = HEADER + (
        # Same Entra id, new name and email: the same person, renamed.
        "Ada Fielding-Hart,ada.hart@example.org,aad-0001,police,selby,chair,\n"
        # Matched by email (any case); gains an Entra id and a role.
        "Cleo Dunn,CLEO.DUNN@example.org,aad-0003,health,craven,agency_lead,\n"
    )
    report = await admin.import_csv(edited)
    assert report.ok, report.problems
    assert (report.members_added, report.members_updated, report.memberships_added) == (0, 2, 1)
    ada = await member_by_email(store, "ada.hart@example.org")
    assert ada.name == "Ada Fielding-Hart" and ada.is_admin is True  # empty admin: unchanged
    cleo = await member_by_email(store, "cleo.dunn@example.org")
    assert cleo.aad_object_id == "aad-0003"
    assert [line.roles for line in await admin.list("craven")] == [
        (Role.PARTNER,),
        (Role.AGENCY_LEAD,),
    ]


async def test_a_file_with_bad_rows_writes_nothing_and_says_where(
    store: Store, clock: FrozenClock
) -> None:
    admin = await seeded(store, clock)
    assert (await admin.import_csv(GOOD)).ok
    before = await snapshot(store)
    bad = HEADER + (
        "Dora Vale,dora.vale@example.org,,police,selby,partner,\n"  # 2: good, yet not written
        "Eli Stone,eli.stone@example.org,,polise,selby,partner,\n"  # 3: unknown agency
        "Fay Lund,fay.lund@example.org,,police,whitby,partner,\n"  # 4: unknown locality
        "Gus Reed,gus.reed@example.org,,police,selby,boss,\n"  # 5: unknown role
        ",nameless@example.org,,police,selby,partner,\n"  # 6: no name
        "Hal Crane,hal.crane-at-example.org,,police,selby,partner,\n"  # 7: bad email
        "Ivy Moss,,,police,selby,partner,\n"  # 8: no email
        "Dora Vale,dora.vale@example.org,,health,craven,partner,\n"  # 9: agency conflicts with 2
        "Jon Pike,jon.pike@example.org,,health,selby,,maybe\n"  # 10: locality, no role; bad admin
    )
    report = await admin.import_csv(bad)
    assert not report.ok
    assert [(p.line, p.column) for p in report.problems] == [
        (3, "agency"),
        (4, "locality"),
        (5, "role"),
        (6, "name"),
        (7, "email"),
        (8, "email"),
        (9, "agency"),
        (10, "role"),
        (10, "admin"),
    ]
    assert (report.members_added, report.memberships_added) == (0, 0)
    assert await snapshot(store) == before
    shown = "\n".join(str(p) for p in report.problems) + report.summary()
    assert "line 3, column agency: unknown agency code 'polise'" in shown
    assert "line 9, column agency: differs from line 2 for the same email" in shown
    assert report.summary().startswith("Nothing imported: 9 problems")
    # Codes may be named; names and emails never are.
    for typed in ("Eli", "Hal", "hal.crane", "Ivy", "Dora", "nameless", "maybe"):
        assert typed not in shown


async def test_a_file_without_its_header_is_refused_without_echoing_it(
    store: Store, clock: FrozenClock
) -> None:
    admin = await seeded(store, clock)
    report = await admin.import_csv("Ada Fielding,ada@example.org,aad-1,police,selby,chair\n")
    assert not report.ok
    assert all(p.line == 1 for p in report.problems)
    assert "header lacks" in str(report.problems[-1])
    assert not any("Ada" in str(p) or "ada@" in str(p) for p in report.problems)
    empty = await admin.import_csv("")
    assert [(p.line, p.column) for p in empty.problems] == [(1, "")]
    assert str(empty.problems[0]).startswith("line 1: the file is empty")
    assert await snapshot(store) == {"members": [], "memberships": []}


async def test_rows_that_name_two_different_stored_members_are_refused(
    store: Store, clock: FrozenClock
) -> None:
    admin = await seeded(store, clock)
    assert (await admin.import_csv(GOOD)).ok
    before = await snapshot(store)
    # Ada's Entra id with Ben's email: which one is meant?
    mixed = HEADER + "Ada Fielding,ben.marlow@example.org,aad-0001,police,selby,chair,\n"
    report = await admin.import_csv(mixed)
    assert [(p.line, p.column) for p in report.problems] == [(2, "aad_object_id")]
    assert await snapshot(store) == before


async def test_add_grants_roles_and_creates_new_members(
    demo_store: Store, clock: FrozenClock
) -> None:
    admin = MemberAdmin(demo_store, clock)
    granted = await admin.add(PRIYA_AAD, "harrogate", "partner")
    assert granted.sentence() == "Priya Shah is now Partner member in Harrogate."
    again = await admin.add(PRIYA_AAD, "harrogate", "Partner member")
    assert again.sentence().endswith("no change.") and not again.role_added

    new = await admin.add(
        "nia.brook@example.org",
        "selby",
        "agency_lead",
        name="Nia Brook",
        agency="health",
        aad_object_id="aad-nia-0001",
    )
    assert new.member_created and new.has_aad
    nia = await member_by_email(demo_store, "nia.brook@example.org")
    assert (nia.name, nia.aad_object_id, nia.is_admin) == ("Nia Brook", "aad-nia-0001", False)
    assert MemberLine("Nia Brook", "health", (Role.AGENCY_LEAD,)) in await admin.list("selby")
    # Found by email from now on, whatever the case.
    assert (await admin.add("NIA.BROOK@example.org", "selby", "partner")).role_added


async def test_add_says_what_is_wrong_per_field(demo_store: Store, clock: FrozenClock) -> None:
    admin = MemberAdmin(demo_store, clock)
    before = await snapshot(demo_store)
    with pytest.raises(InvalidInput) as caught:
        await admin.add("nobody@example.org", "whitby", "boss")
    assert set(caught.value.field_errors) == {"member", "locality", "role"}
    assert "give their name and agency" in caught.value.field_errors["member"]
    assert "'whitby'" in caught.value.field_errors["locality"]
    with pytest.raises(InvalidInput) as caught:
        await admin.add("nobody@example.org", "selby", "chair", name="No Body", agency="")
    assert set(caught.value.field_errors) == {"agency"}
    with pytest.raises(InvalidInput) as caught:
        await admin.add("not an email@", "selby", "chair")
    assert set(caught.value.field_errors) == {"member"}
    assert "not an email" not in caught.value.field_errors["member"]
    assert await snapshot(demo_store) == before


async def test_remove_one_role_a_locality_or_deactivate(
    demo_store: Store, clock: FrozenClock
) -> None:
    admin = MemberAdmin(demo_store, clock)
    await admin.add(PRIYA_AAD, "harrogate", "partner")
    await admin.add(PRIYA_AAD, "harrogate", "agency_lead")
    one = await admin.remove(PRIYA_AAD, "harrogate", "partner")
    assert one.sentence() == "Priya Shah is no longer Partner member in Harrogate."
    with pytest.raises(NotFound):
        await admin.remove(PRIYA_AAD, "harrogate", "partner")
    whole = await admin.remove(PRIYA_AAD, "harrogate")
    assert whole.removed == 1
    assert "Priya Shah" not in [line.name for line in await admin.list("harrogate")]
    assert "Priya Shah" in [line.name for line in await admin.list("scarborough")]

    gone = await admin.remove(PRIYA_AAD)
    assert gone.deactivated and gone.removed >= 1
    async with demo_store.reading() as session:
        priya = await session.scalar(select(t.Member).where(t.Member.aad_object_id == PRIYA_AAD))
        assert priya is not None and priya.active is False  # the row stays: actions need it
        held = await session.scalar(
            select(func.count()).select_from(t.Membership).where(t.Membership.member_id == priya.id)
        )
        assert held == 0
        assert await find_member(session, ActorRef("user-id-103", PRIYA_AAD)) is None
    assert "already deactivated" in (await admin.remove(PRIYA_AAD)).sentence()

    with pytest.raises(InvalidInput):
        await admin.remove(PRIYA_AAD, None, "chair")  # a role needs its locality
    with pytest.raises(NotFound):
        await admin.remove("nobody@example.org")

    # A deactivated member left out of an import stays deactivated; a grant restores them.
    back = await admin.add(PRIYA_AAD, "scarborough", "partner")
    assert back.reactivated


async def test_an_import_leaves_a_deactivated_member_alone(
    store: Store, clock: FrozenClock
) -> None:
    admin = await seeded(store, clock)
    assert (await admin.import_csv(GOOD)).ok
    await admin.remove("ben.marlow@example.org")
    before = await snapshot(store)
    report = await admin.import_csv(GOOD)
    assert report.ok and report.inactive_skipped == 1
    assert await snapshot(store) == before


# -- chat: administrators only -------------------------------------------------------------


async def test_an_administrator_sees_grants_and_revokes_in_chat(
    demo_store: Store, clock: FrozenClock
) -> None:
    admin = MemberAdmin(demo_store, clock)
    view = await admin.panel(ADMIN)
    assert view.locality.code == "ryedale"  # Alex's first group by name
    view = await admin.panel(ADMIN, "scarborough")
    names = [m.name for m in view.members]
    assert "Priya Shah" in names and names == sorted(names, key=str.lower)
    assert [c.code for c in view.localities][:2] == ["craven", "hambleton"]

    view, note = await admin.grant(
        ADMIN, "act-1", {"member": PRIYA_AAD, "locality": "selby", "role": "partner"}
    )
    assert view.locality.code == "selby"
    assert note == "Priya Shah is now Partner member in Selby."
    priya = next(m for m in view.members if m.name == "Priya Shah")
    with pytest.raises(Duplicate):  # Teams resent the same click
        await admin.grant(
            ADMIN, "act-1", {"member": PRIYA_AAD, "locality": "selby", "role": "chair"}
        )

    with pytest.raises(InvalidInput) as caught:
        await admin.grant(ADMIN, "act-2", {"member": "", "locality": "selby", "role": ""})
    assert set(caught.value.field_errors) == {"member", "role"}

    view, note = await admin.revoke(ADMIN, "act-3", priya.roles[0].membership_id)
    assert note == "Priya Shah is no longer Partner member in Selby."
    assert "Priya Shah" not in [m.name for m in view.members]
    with pytest.raises(NotFound):
        await admin.revoke(ADMIN, "act-4", priya.roles[0].membership_id)


@pytest.mark.parametrize("who", [COORDINATOR, STRANGER], ids=["coordinator", "stranger"])
async def test_anyone_but_an_administrator_is_refused_and_nothing_is_written(
    demo_store: Store, clock: FrozenClock, who: ActorRef
) -> None:
    admin = MemberAdmin(demo_store, clock)
    membership = (await admin.panel(ADMIN, "scarborough")).members[0].roles[0].membership_id
    before = await snapshot(demo_store)
    with pytest.raises(NotPermitted) as refused:
        await admin.panel(who, "scarborough")
    assert refused.value.user_message == NotPermitted.user_message
    with pytest.raises(NotPermitted):
        await admin.grant(who, "a-1", {"member": PRIYA_AAD, "locality": "selby", "role": "chair"})
    with pytest.raises(NotPermitted):
        # Refused before anything is checked: no hint whether that member exists.
        await admin.grant(who, "a-2", {"member": "nobody@example.org"})
    with pytest.raises(NotPermitted):
        await admin.revoke(who, "a-3", membership)
    assert await snapshot(demo_store) == before


async def test_a_deactivated_administrator_is_refused(
    demo_store: Store, clock: FrozenClock
) -> None:
    admin = MemberAdmin(demo_store, clock)
    await admin.remove(ADMIN.aad_object_id or "")
    with pytest.raises(NotPermitted):
        await admin.panel(ADMIN)


# -- content roles: never self-granted, always told to the group -----------------------------


async def member_named(store: Store, name: str) -> int:
    async with store.reading() as session:
        found = await session.scalar(select(t.Member.id).where(t.Member.name == name))
    assert found is not None
    return found


async def role_notices(store: Store) -> list[t.OutboxMessage]:
    async with store.reading() as session:
        return list(
            await session.scalars(
                select(t.OutboxMessage)
                .where(t.OutboxMessage.kind == NoticeKind.ROLE_GRANTED)
                .order_by(t.OutboxMessage.id)
            )
        )


async def drawn(store: Store, clock: FrozenClock, notice: t.OutboxMessage) -> str:
    card = await NoticeRenderer(store, clock, WorkingCalendar())(
        notice.kind, json.loads(notice.payload), notice.recipient_member_id
    )
    assert card is not None
    return text_of(card)


def test_every_role_opens_content() -> None:
    """Each role views meetings: none may be self-granted, every grant is told."""
    assert all(opens_content(role) for role in Role)


@pytest.mark.parametrize("role", [r.value for r in Role])
async def test_an_administrator_cannot_grant_themself_a_role(
    demo_store: Store, clock: FrozenClock, role: str
) -> None:
    admin = MemberAdmin(demo_store, clock)
    alex = await member_named(demo_store, "Alex Wilber")
    before = await snapshot(demo_store)
    async with demo_store.reading() as session:
        head = int(await session.scalar(select(func.max(t.AuditEntry.id))) or 0)
    with pytest.raises(InvalidInput) as refused:
        await admin.grant(
            ADMIN,
            f"self-{role}",
            {"member": ADMIN.aad_object_id, "locality": "selby", "role": role},
        )
    assert refused.value.field_errors == {"member": SELF_GRANT_REFUSED}
    assert await snapshot(demo_store) == before
    assert await role_notices(demo_store) == []
    async with demo_store.reading() as session:
        entries = list(await session.scalars(select(t.AuditEntry).where(t.AuditEntry.id > head)))
        selby = await session.scalar(select(t.Locality.id).where(t.Locality.code == "selby"))
    assert [
        (e.action, e.actor, e.record_type, e.record_id, e.locality_id, e.detail) for e in entries
    ] == [("refused", f"member:{alex}", "memberships", str(alex), selby, f"self-grant of {role}")]


async def test_a_grant_in_chat_is_told_to_the_groups_chairs_and_coordinators(
    demo_store: Store, clock: FrozenClock
) -> None:
    admin = MemberAdmin(demo_store, clock)
    alex = await member_named(demo_store, "Alex Wilber")
    riley = await member_named(demo_store, "Riley Quinn")
    tom = await member_named(demo_store, "Tom Hughes")
    dana = await member_named(demo_store, "Dana Reeves")
    async with demo_store.reading() as session:
        head = int(await session.scalar(select(func.max(t.AuditEntry.id))) or 0)
        scarborough = await session.scalar(
            select(t.Locality.id).where(t.Locality.code == "scarborough")
        )

    # Scarborough: Alex (chair, the granter: not told), Tom (deputy), Riley (coordinator).
    await admin.grant(
        ADMIN, "g-1", {"member": DANA_AAD, "locality": "scarborough", "role": "deputy_chair"}
    )
    notices = await role_notices(demo_store)
    assert sorted(n.recipient_member_id for n in notices) == sorted([tom, riley])
    assert json.loads(notices[0].payload) == {
        "locality_id": scarborough,
        "grants": [[dana, "deputy_chair"]],
        "count": 1,
        "by_member_id": alex,
    }, "ids and codes only"
    shown = await drawn(demo_store, clock, notices[0])
    assert "Dana Reeves (Health" in shown and "Deputy chair" in shown
    assert "Alex Wilber, an administrator" in shown and "Scarborough group" in shown

    async with demo_store.reading() as session:
        entries = list(await session.scalars(select(t.AuditEntry).where(t.AuditEntry.id > head)))
    assert [(e.action, e.actor, e.record_type) for e in entries] == [
        ("create", f"member:{alex}", "memberships")
    ], "the grant is in the trail under the administrator"

    # Selby's only overseer is Riley (its coordinator).
    await admin.grant(ADMIN, "g-2", {"member": PRIYA_AAD, "locality": "selby", "role": "partner"})
    latest = (await role_notices(demo_store))[2:]
    assert [n.recipient_member_id for n in latest] == [riley]
    shown = await drawn(demo_store, clock, latest[0])
    assert "Priya Shah (North Yorkshire Police)" in shown and "Partner member" in shown

    # Resent click: nothing new. Already held: nothing new.
    with pytest.raises(Duplicate):
        await admin.grant(
            ADMIN, "g-2", {"member": PRIYA_AAD, "locality": "selby", "role": "partner"}
        )
    await admin.grant(ADMIN, "g-3", {"member": PRIYA_AAD, "locality": "selby", "role": "partner"})
    assert len(await role_notices(demo_store)) == 3


async def test_the_operators_grants_are_told_too(demo_store: Store, clock: FrozenClock) -> None:
    admin = MemberAdmin(demo_store, clock, operator="cli:ops")
    riley = await member_named(demo_store, "Riley Quinn")
    await admin.add(PRIYA_AAD, "selby", "chair")
    (notice,) = await role_notices(demo_store)
    assert notice.recipient_member_id == riley
    shown = await drawn(demo_store, clock, notice)
    assert "Priya Shah" in shown and "Chair" in shown and "the bot's operator" in shown

    # An import: one notice per group and overseer, naming every role it added there.
    report = await admin.import_csv(
        HEADER
        + "Dana Reeves,dana@example.org,"
        + DANA_AAD
        + ",health,selby,coordinator,\n"
        + "Dana Reeves,dana@example.org,"
        + DANA_AAD
        + ",health,selby,agency_lead,\n"
    )
    assert report.ok, report.problems
    latest = (await role_notices(demo_store))[1:]
    # Riley and Priya (chair since the add above) oversee Selby; Dana was not yet one.
    priya = await member_named(demo_store, "Priya Shah")
    assert sorted(n.recipient_member_id for n in latest) == sorted([riley, priya])
    shown = await drawn(demo_store, clock, latest[0])
    assert "Dana Reeves" in shown and "Coordinator" in shown and "Agency lead" in shown
