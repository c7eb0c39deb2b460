"""A register subject offered to another locality group (bot.services.register_moves), on
the real store (SQLite and PostgreSQL): shared, transferred, declined; who may; what the
receiving group sees before and after; the history, notices and audit rows each step
leaves."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from sqlalchemy import select, text

from bot.domain.calendar import WorkingCalendar
from bot.domain.clock import FrozenClock
from bot.domain.errors import Conflict, InvalidInput, NotFound, NotPermitted
from bot.domain.model import SubjectKind
from bot.domain.notices import NoticeKind
from bot.domain.register_moves import FIELD_DECLINE_REASON, FIELD_REASON, FIELD_TO, MoveMode
from bot.services.context import ActorRef
from bot.services.register_access import reach_subject
from bot.services.register_moves import RegisterMoves
from bot.services.subjects import find_subjects
from bot.store import tables as t
from bot.store.db import Store
from cards import verbs as v
from cards.elements import iter_elements
from dialogs.notices import NoticeRenderer
from tests.support.records import Records, utc

REASON = "Placement move to a foster carer in Malton agreed at the CIN review."
LOCATION = "Takeaway on Eastborough"


@dataclass
class People:
    """Who acts: a Scarborough deputy chair asks; a Ryedale-only chair decides; a
    Ryedale-only partner and a Scarborough-only partner look."""

    asker: ActorRef
    chair: ActorRef
    ryedale_partner: ActorRef
    scarborough_partner: ActorRef
    harrogate_chair: ActorRef
    ids: dict[str, int]


async def _actor(store: Store, name: str) -> ActorRef:
    member = await Records(store).member(name)
    return ActorRef(teams_user_id=f"teams-{member.id}", aad_object_id=member.aad_object_id)


async def add_member(store: Store, name: str, agency: str, aad: str, **roles: str) -> ActorRef:
    """A member of the given groups only (the demo's chairs chair both Scarborough and
    Ryedale, which would hide what each side sees)."""
    async with store.transaction() as session:
        agency_id = await session.scalar(select(t.Agency.id).where(t.Agency.code == agency))
        member = t.Member(name=name, aad_object_id=aad, agency_id=agency_id, active=True)
        session.add(member)
        await session.flush()
        for code, role in roles.items():
            locality_id = await session.scalar(select(t.Locality.id).where(t.Locality.code == code))
            session.add(t.Membership(member_id=member.id, locality_id=locality_id, role=role))
    return ActorRef(teams_user_id=f"teams-{aad}", aad_object_id=aad)


async def people(store: Store) -> People:
    chair = await add_member(
        store, "Jordan Pike", "nyscp", "00000000-0000-0000-0000-0000000000301", ryedale="chair"
    )
    partner = await add_member(
        store, "Robin Ash", "health", "00000000-0000-0000-0000-0000000000302", ryedale="partner"
    )
    r = Records(store)
    ids = {
        name: (await r.member(name)).id
        for name in ("Alex Wilber", "Tom Hughes", "Jordan Pike", "Robin Ash")
    }
    return People(
        asker=await _actor(store, "Tom Hughes"),
        chair=chair,
        ryedale_partner=partner,
        scarborough_partner=await _actor(store, "Dana Reeves"),
        harrogate_chair=await _actor(store, "Harper Lane"),
        ids=ids,
    )


async def found(store: Store, code: str, reference: str, kind: SubjectKind) -> list[int]:
    r = Records(store)
    locality = await r.locality(code)
    async with store.reading() as session:
        return [s.id for s in await find_subjects(session, store.keys, locality, reference, kind)]


async def reaches(store: Store, actor: ActorRef, subject_id: int) -> bool:
    async with store.reading() as session:
        try:
            await reach_subject(session, actor, subject_id)
        except NotFound:
            return False
    return True


async def queued(store: Store, kind: NoticeKind) -> dict[int, dict[str, object]]:
    async with store.reading() as session:
        rows = await session.scalars(select(t.OutboxMessage).where(t.OutboxMessage.kind == kind))
        return {row.recipient_member_id: json.loads(row.payload) for row in rows}


async def events(store: Store, subject_id: int) -> list[tuple[str, str, str, str]]:
    async with store.reading() as session:
        rows = await session.scalars(
            select(t.SubjectEvent)
            .where(t.SubjectEvent.subject_id == subject_id)
            .order_by(t.SubjectEvent.id)
        )
        return [(e.kind, e.value, e.previous, e.reason) for e in rows]


def ask(to: str, mode: MoveMode, reason: str = REASON) -> dict[str, object]:
    return {FIELD_TO: to, "mode": mode.value, FIELD_REASON: reason}


async def test_a_shared_location_is_seen_in_the_receiving_group_only_once_accepted(
    demo_store: Store, clock: FrozenClock
) -> None:
    who = await people(demo_store)
    location = await Records(demo_store).subject("scarborough", LOCATION, "", kind="location")
    moves = RegisterMoves(demo_store, clock)

    offer = await moves.ask(who.asker, "a-1", location, ask("ryedale", MoveMode.SHARE))
    assert (offer.status, offer.mode, offer.receiving) == ("asked", MoveMode.SHARE, False)
    assert (offer.from_locality, offer.to_locality) == ("Scarborough", "Ryedale")

    # Asked: nothing in Ryedale yet, by reference or by id.
    assert await found(demo_store, "ryedale", LOCATION, SubjectKind.LOCATION) == []
    assert not await reaches(demo_store, who.ryedale_partner, location)
    assert not await reaches(demo_store, who.chair, location)
    # Both groups' chairs and deputy chairs are told, but not the one who asked; only the
    # receiving side's card may decide. The payload is ids and a flag.
    asked = await queued(demo_store, NoticeKind.MOVE_ASKED)
    ids = who.ids
    assert asked == {
        ids["Alex Wilber"]: {"share_id": offer.share_id, "receiving": True},
        ids["Jordan Pike"]: {"share_id": offer.share_id, "receiving": True},
    }

    accepted = await moves.accept(who.chair, "a-2", offer.share_id)
    assert (accepted.status, accepted.decided_by) == ("accepted", "Jordan Pike")
    assert await found(demo_store, "ryedale", LOCATION, SubjectKind.LOCATION) == [location]
    assert await found(demo_store, "ryedale", LOCATION.upper(), SubjectKind.LOCATION) == [location]
    assert await found(demo_store, "ryedale", LOCATION, SubjectKind.CHILD) == []
    async with demo_store.reading() as session:
        reach = await reach_subject(session, who.ryedale_partner, location)
        assert reach.shared
    # Still Scarborough's: held there, found there.
    assert await found(demo_store, "scarborough", LOCATION, SubjectKind.LOCATION) == [location]
    assert await reaches(demo_store, who.scarborough_partner, location)
    assert set(await queued(demo_store, NoticeKind.MOVE_DECIDED)) == {
        ids["Alex Wilber"],
        ids["Tom Hughes"],
    }
    assert [e[:3] for e in await events(demo_store, location)] == [
        ("share_asked", "ryedale", "scarborough"),
        ("shared", "ryedale", "scarborough"),
    ]
    assert (await events(demo_store, location))[0][3] == REASON


async def test_a_transferred_child_moves_with_its_history(
    demo_store: Store, clock: FrozenClock
) -> None:
    who = await people(demo_store)
    r = Records(demo_store)
    child = await r.subject("scarborough", "CR-0107", "JS")
    async with demo_store.transaction() as session:
        session.add(
            t.SubjectEvent(
                subject_id=child,
                kind="risk",
                value="high",
                previous="",
                reason="Missing three times in October.",
                member_id=who.ids["Tom Hughes"],
                locality_id=await r.locality("scarborough"),
                at=utc(2026, 10, 15),
            )
        )
    moves = RegisterMoves(demo_store, clock)
    offer = await moves.ask(who.asker, "t-1", child, ask("ryedale", MoveMode.TRANSFER))
    assert await found(demo_store, "ryedale", "CR-0107", SubjectKind.CHILD) == []

    await moves.accept(who.chair, "t-2", offer.share_id)

    async with demo_store.reading() as session:
        moved = await session.get_one(t.Subject, child)
        assert moved.locality_id == await r.locality("ryedale")
    assert await found(demo_store, "ryedale", "cr-0107", SubjectKind.CHILD) == [child]
    assert await found(demo_store, "scarborough", "CR-0107", SubjectKind.CHILD) == []
    assert await reaches(demo_store, who.ryedale_partner, child)
    assert not await reaches(demo_store, who.scarborough_partner, child)
    history = await events(demo_store, child)
    assert [e[:3] for e in history] == [
        ("risk", "high", ""),
        ("transfer_asked", "ryedale", "scarborough"),
        ("transferred", "ryedale", "scarborough"),
    ]
    assert history[0][3] == "Missing three times in October."


async def test_a_declined_offer_leaves_nothing_in_the_receiving_group(
    demo_store: Store, clock: FrozenClock
) -> None:
    who = await people(demo_store)
    child = await Records(demo_store).subject("scarborough", "CR-0108", "KL")
    moves = RegisterMoves(demo_store, clock)
    offer = await moves.ask(who.asker, "d-1", child, ask("ryedale", MoveMode.TRANSFER))

    with pytest.raises(InvalidInput) as refused:
        await moves.decline(who.chair, "d-2", offer.share_id, {FIELD_DECLINE_REASON: ""})
    assert FIELD_DECLINE_REASON in refused.value.field_errors
    declined = await moves.decline(
        who.chair, "d-3", offer.share_id, {FIELD_DECLINE_REASON: "Placement not in Ryedale."}
    )
    assert declined.status == "declined"
    assert await found(demo_store, "ryedale", "CR-0108", SubjectKind.CHILD) == []
    assert not await reaches(demo_store, who.ryedale_partner, child)
    assert not await reaches(demo_store, who.chair, child)
    assert await reaches(demo_store, who.scarborough_partner, child)
    assert (await events(demo_store, child))[-1] == (
        "move_declined",
        "ryedale",
        "scarborough",
        "Placement not in Ryedale.",
    )
    with pytest.raises(Conflict):
        await moves.accept(who.chair, "d-4", offer.share_id)
    # Declined, it may be asked again.
    again = await moves.ask(who.asker, "d-5", child, ask("ryedale", MoveMode.SHARE))
    assert again.status == "asked"


async def test_the_reasons_are_encrypted_at_rest(demo_store: Store, clock: FrozenClock) -> None:
    who = await people(demo_store)
    child = await Records(demo_store).subject("scarborough", "CR-0109", "MN")
    moves = RegisterMoves(demo_store, clock)
    offer = await moves.ask(who.asker, "e-1", child, ask("ryedale", MoveMode.TRANSFER))
    await moves.decline(who.chair, "e-2", offer.share_id, {FIELD_DECLINE_REASON: "Not ours."})
    async with demo_store.reading() as session:
        raw = [
            *(await session.execute(text("SELECT reason FROM subject_shares"))).scalars(),
            *(await session.execute(text("SELECT reason FROM subject_events"))).scalars(),
            *(await session.execute(text("SELECT payload FROM outbox"))).scalars(),
        ]
    assert raw and not any("Malton" in value or "Not ours" in value for value in raw)
    assert not any("CR-0109" in value for value in raw)


async def test_a_transfer_never_merges_with_a_subject_the_group_holds(
    demo_store: Store, clock: FrozenClock
) -> None:
    who = await people(demo_store)
    r = Records(demo_store)
    child = await r.subject("scarborough", "CR-0110", "OP")
    await r.subject("ryedale", "CR-0110", "OP")
    moves = RegisterMoves(demo_store, clock)
    with pytest.raises(InvalidInput) as refused:
        await moves.ask(who.asker, "m-1", child, ask("ryedale", MoveMode.TRANSFER))
    message = refused.value.field_errors[FIELD_TO]
    assert "already holds" in message and "Share it" in message
    # A share is the way: both records stay, each group sees it.
    offer = await moves.ask(who.asker, "m-2", child, ask("ryedale", MoveMode.SHARE))
    assert offer.status == "asked"


async def test_a_transfer_refused_at_acceptance_if_the_group_came_to_hold_one(
    demo_store: Store, clock: FrozenClock
) -> None:
    who = await people(demo_store)
    r = Records(demo_store)
    child = await r.subject("scarborough", "CR-0111", "QR")
    moves = RegisterMoves(demo_store, clock)
    offer = await moves.ask(who.asker, "n-1", child, ask("ryedale", MoveMode.TRANSFER))
    await r.subject("ryedale", "CR-0111", "QR")
    with pytest.raises(Conflict, match="already holds"):
        await moves.accept(who.chair, "n-2", offer.share_id)
    async with demo_store.reading() as session:
        share = await session.get_one(t.SubjectShare, offer.share_id)
        assert share.status == "asked"
        assert (await session.get_one(t.Subject, child)).locality_id == await r.locality(
            "scarborough"
        )


async def test_one_open_offer_per_subject_and_group(demo_store: Store, clock: FrozenClock) -> None:
    who = await people(demo_store)
    location = await Records(demo_store).subject("scarborough", LOCATION, "", kind="location")
    moves = RegisterMoves(demo_store, clock)
    offer = await moves.ask(who.asker, "o-1", location, ask("ryedale", MoveMode.SHARE))
    with pytest.raises(InvalidInput) as again:
        await moves.ask(who.asker, "o-2", location, ask("ryedale", MoveMode.TRANSFER))
    assert "not answered yet" in again.value.field_errors[FIELD_TO]
    # Another group may be offered it meanwhile.
    await moves.ask(who.asker, "o-3", location, ask("harrogate", MoveMode.SHARE))
    await moves.accept(who.chair, "o-4", offer.share_id)
    with pytest.raises(InvalidInput) as shared:
        await moves.ask(who.asker, "o-5", location, ask("ryedale", MoveMode.SHARE))
    assert "already shared" in shared.value.field_errors[FIELD_TO]
    with pytest.raises(InvalidInput) as held:
        await moves.ask(who.asker, "o-6", location, ask("scarborough", MoveMode.SHARE))
    assert "already holds" in held.value.field_errors[FIELD_TO]
    # Shared with Ryedale, it may still be transferred there (the child moved there).
    moved = await moves.ask(who.asker, "o-7", location, ask("ryedale", MoveMode.TRANSFER))
    await moves.accept(who.chair, "o-8", moved.share_id)
    assert await found(demo_store, "ryedale", LOCATION, SubjectKind.LOCATION) == [location]
    assert not await reaches(demo_store, who.scarborough_partner, location)


async def test_who_may_ask_and_who_may_decide(demo_store: Store, clock: FrozenClock) -> None:
    who = await people(demo_store)
    location = await Records(demo_store).subject("scarborough", LOCATION, "", kind="location")
    moves = RegisterMoves(demo_store, clock)
    # A partner of the holding group sees it but may not offer it; a stranger to the
    # group is told it does not exist.
    with pytest.raises(NotPermitted):
        await moves.ask(who.scarborough_partner, "w-1", location, ask("ryedale", MoveMode.SHARE))
    with pytest.raises(NotFound):
        await moves.form(who.harrogate_chair, location)
    with pytest.raises(NotFound):
        await moves.form(who.asker, 10_000)
    offer = await moves.ask(who.asker, "w-2", location, ask("ryedale", MoveMode.SHARE))
    # Only the receiving group's chairs decide: not the asking side, nor its partner,
    # nor the receiving group's partners; anyone in neither group is told nothing.
    with pytest.raises(NotPermitted, match="Ryedale"):
        await moves.accept(who.asker, "w-3", offer.share_id)
    with pytest.raises(NotPermitted):
        await moves.accept(who.ryedale_partner, "w-4", offer.share_id)
    with pytest.raises(NotFound):
        await moves.accept(who.harrogate_chair, "w-5", offer.share_id)
    with pytest.raises(NotFound):
        await moves.decline(who.chair, "w-6", "1", {FIELD_DECLINE_REASON: "No."})
    await moves.accept(who.chair, "w-7", offer.share_id)
    with pytest.raises(Conflict, match="already been accepted"):
        await moves.accept(who.chair, "w-8", offer.share_id)
    # The receiving group may not offer on what it was only shared.
    with pytest.raises(NotPermitted, match="holds"):
        await moves.form(who.chair, location)


async def test_a_person_of_concern_is_seen_under_the_receiving_groups_rule(
    demo_store: Store, clock: FrozenClock
) -> None:
    who = await people(demo_store)
    person = await Records(demo_store).subject("scarborough", "NYP-2291", "XY", kind="person")
    moves = RegisterMoves(demo_store, clock)
    offer = await moves.ask(who.asker, "p-1", person, ask("ryedale", MoveMode.TRANSFER))
    await moves.accept(who.chair, "p-2", offer.share_id)
    # Ryedale's default rule: the police, the chair and deputy chair; not a health partner.
    assert await reaches(demo_store, who.chair, person)
    assert not await reaches(demo_store, who.ryedale_partner, person)
    assert await reaches(demo_store, await _actor(demo_store, "Priya Shah"), person)
    assert not await reaches(demo_store, who.asker, person), "Scarborough no longer holds it"


async def test_every_step_is_audited(demo_store: Store, clock: FrozenClock) -> None:
    who = await people(demo_store)
    child = await Records(demo_store).subject("scarborough", "CR-0112", "ST")
    async with demo_store.reading() as session:
        before = await session.scalar(select(t.AuditEntry.id).order_by(t.AuditEntry.id.desc()))
    moves = RegisterMoves(demo_store, clock)
    offer = await moves.ask(who.asker, "u-1", child, ask("ryedale", MoveMode.TRANSFER))
    await moves.accept(who.chair, "u-2", offer.share_id)
    async with demo_store.reading() as session:
        rows = list(
            await session.scalars(
                select(t.AuditEntry)
                .where(t.AuditEntry.id > (before or 0))
                .order_by(t.AuditEntry.id)
            )
        )
    trail = {(row.action, row.record_type, row.actor) for row in rows}
    asker = f"member:{who.ids['Tom Hughes']}"
    chair = f"member:{who.ids['Jordan Pike']}"
    assert ("create", "subject_shares", asker) in trail
    assert ("create", "subject_events", asker) in trail
    assert ("change", "subject_shares", chair) in trail
    assert ("change", "subjects", chair) in trail
    assert ("create", "subject_events", chair) in trail
    assert any(
        row.record_type == "subjects" and row.record_id == str(child) and row.action == "change"
        for row in rows
    )
    assert not any("CR-0112" in (row.detail + row.reason) for row in rows)


async def test_the_notices_name_the_offer_not_the_subject(
    demo_store: Store, clock: FrozenClock
) -> None:
    who = await people(demo_store)
    child = await Records(demo_store).subject("scarborough", "CR-0113", "UV")
    moves = RegisterMoves(demo_store, clock)
    offer = await moves.ask(who.asker, "c-1", child, ask("ryedale", MoveMode.TRANSFER))
    draw = NoticeRenderer(demo_store, clock, WorkingCalendar())
    card = await draw(
        NoticeKind.MOVE_ASKED,
        {"share_id": offer.share_id, "receiving": True},
        who.ids["Jordan Pike"],
    )
    assert card is not None
    shown = json.dumps(card)
    assert f"M-{offer.share_id}" in shown and "Scarborough" in shown and "Ryedale" in shown
    assert "CR-0113" not in shown and "Malton" not in shown and "UV" not in shown
    pressed = {e.get("verb") for e in iter_elements(card)}
    assert {v.SUBJECT_MOVE_ACCEPT, v.SUBJECT_MOVE_DECLINE} <= pressed
    asking = await draw(
        NoticeKind.MOVE_ASKED,
        {"share_id": offer.share_id, "receiving": False},
        who.ids["Alex Wilber"],
    )
    assert asking is not None
    assert not {v.SUBJECT_MOVE_ACCEPT} & {e.get("verb") for e in iter_elements(asking)}
    await moves.accept(who.chair, "c-2", offer.share_id)
    # Once decided, the offer's own notice is no longer sent; the decision's is.
    assert await draw(NoticeKind.MOVE_ASKED, {"share_id": offer.share_id}, 1) is None
    decided = await draw(NoticeKind.MOVE_DECIDED, {"share_id": offer.share_id}, 1)
    assert decided is not None and "Accepted" in json.dumps(decided)
    assert "CR-0113" not in json.dumps(decided)
    assert await draw(NoticeKind.MOVE_DECIDED, {"share_id": "x"}, 1) is None
