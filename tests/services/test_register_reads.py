"""The register's read side on the real store (SQLite and PostgreSQL): a subject found by
reference with its history, links, actions, decisions, meetings and round answers; who
sees what (another group: "not found"; persons of concern: police and chair only by
default); the plain-words list; and a card read in a fixed number of statements however
long its history."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.domain.clock import FrozenClock
from bot.domain.errors import NotFound
from bot.domain.model import ConversationKind
from bot.domain.register import RiskLevel, SubjectStatus
from bot.domain.register_filters import SubjectFilterError, parse_subject_filters
from bot.domain.register_views import RESTRICTED_PERSON, SubjectCardView, SubjectChoices
from bot.services.context import ActorRef, ConversationRef, TurnRef
from bot.services.register_reads import RegisterReads
from bot.store import tables as t
from bot.store.db import Store
from cards.register import subject_card
from tests.support.records import MeetingIds, Records, utc

NOW = datetime(2026, 11, 30, 10, tzinfo=UTC)
POLICE = "North Yorkshire Police"
HEALTH = "Health (CAMHS, Healthy Child Team, named nurses)"

ALEX = ActorRef("user-id-0", "00000000-0000-0000-0000-0000000000020", "Alex Wilber")
PRIYA = ActorRef("t-priya", "00000000-0000-0000-0000-0000000000103", "Priya Shah")
DANA = ActorRef("t-dana", "00000000-0000-0000-0000-0000000000105", "Dana Reeves")
HARPER = ActorRef("t-harper", "00000000-0000-0000-0000-0000000000110", "Harper Lane")


def personal(actor: ActorRef) -> TurnRef:
    return TurnRef(actor, ConversationRef(f"a:{actor.teams_user_id}", ConversationKind.PERSONAL))


def in_channel(actor: ActorRef, conversation: str) -> TurnRef:
    return TurnRef(actor, ConversationRef(conversation, ConversationKind.CHANNEL))


@dataclass
class Register:
    child: int
    location: int
    person: int
    group: int
    meetings: list[MeetingIds]


async def seed_register(store: Store) -> Register:
    """A Scarborough register: CR-0107 (child, high), linked to a location, a peer group
    and a person of concern; its risk raised in October with a reason; an open action, a
    decision and a round in which two agencies answer (police twice)."""
    r = Records(store)
    child = await r.subject("scarborough", "CR-0107", "JD")
    location = await r.subject("scarborough", "Takeaway on Eastborough", "", kind="location")
    person = await r.subject("scarborough", "NYP-4471", "KM", kind="person")
    group = await r.subject("scarborough", "Eastfield peer group", "", kind="group")
    october = await r.meeting("scarborough", utc(2026, 10, 15))
    november = await r.meeting("scarborough", utc(2026, 11, 19))
    alex = await r.member("Alex Wilber")
    priya = await r.member("Priya Shah")
    dana = await r.member("Dana Reeves")
    scarborough = october.locality_id
    async with store.transaction() as session:
        cce = await session.scalar(select(t.Strand.id).where(t.Strand.code == "cce"))
        police = await session.scalar(select(t.Agency.id).where(t.Agency.code == "police"))
        for sid, risk in (
            (child, "high"),
            (location, "medium"),
            (person, "very_high"),
            (group, "low"),
        ):
            subject = await session.get(t.Subject, sid)
            assert subject is not None
            subject.risk_level = risk
            subject.last_discussed_on = date(2026, 11, 19) if sid != group else date(2026, 6, 1)
            subject.first_discussed_on = date(2026, 10, 15)
        subject = await session.get(t.Subject, child)
        assert subject is not None
        subject.lead_agency_id = police
        subject.checks = '{"missing_episode": true, "voice_recorded": true}'
        session.add(t.SubjectStrand(subject_id=child, strand_id=cce))
        session.add_all(
            [
                t.SubjectEvent(
                    subject_id=child,
                    kind="risk",
                    value="medium",
                    previous="",
                    reason="First rated",
                    meeting_id=october.id,
                    member_id=alex.id,
                    locality_id=scarborough,
                    at=utc(2026, 10, 15, 11),
                ),
                t.SubjectEvent(
                    subject_id=child,
                    kind="risk",
                    value="high",
                    previous="medium",
                    reason="Seen at the takeaway late at night",
                    meeting_id=november.id,
                    member_id=alex.id,
                    locality_id=scarborough,
                    at=utc(2026, 11, 19, 11),
                ),
                t.SubjectEvent(
                    subject_id=child,
                    kind="lead_agency",
                    value="police",
                    previous="",
                    meeting_id=october.id,
                    member_id=alex.id,
                    locality_id=scarborough,
                    at=utc(2026, 10, 15, 12),
                ),
            ]
        )
        for other, reason in (
            (location, "Seen there late at night"),
            (person, "Known associate"),
            (group, "Member of the group"),
        ):
            a, b = sorted((child, other))
            session.add(
                t.SubjectLink(
                    subject_a_id=a,
                    subject_b_id=b,
                    reason=reason,
                    locality_id=scarborough,
                    meeting_id=november.id,
                    member_id=alex.id,
                    created_at=utc(2026, 11, 19, 11),
                )
            )
        session.add(
            t.ItemSubject(
                meeting_id=october.id,
                item_id=october.item_id,
                subject_id=child,
                position=1,
                status="done",
                added_by_member_id=alex.id,
                added_at=utc(2026, 10, 15),
            )
        )
        session.add(
            t.MinuteEntry(
                meeting_id=november.id,
                item_id=november.item_id,
                kind="decision",
                text="Refer to the NRM",
                subject_id=child,
                author_member_id=alex.id,
                created_at=utc(2026, 11, 19, 11),
            )
        )
        share = t.ShareRound(
            meeting_id=november.id,
            item_id=november.item_id,
            status="closed",
            opened_by_member_id=alex.id,
            opened_at=utc(2026, 11, 19, 11),
            closed_at=utc(2026, 11, 19, 12),
            subject_id=child,
        )
        session.add(share)
        await session.flush()
        for minute, member, outcome, text, service in (
            (1, priya, "shared", "Stop and search near the takeaway", None),
            (2, dana, "shared", "Missed two appointments", "CAMHS"),
            (3, priya, "shared", "Later: a second sighting", None),
        ):
            session.add(
                t.RoundTurn(
                    round_id=share.id,
                    agency_id=member.agency_id,
                    outcome=outcome,
                    text=text,
                    service=service,
                    member_id=member.id,
                    at=utc(2026, 11, 19, 11) + timedelta(minutes=minute),
                )
            )
    await r.action(november, "Return home interview", subject_id=child, due=date(2026, 11, 25))
    await r.action(november, "School visit", subject_id=child, due=date(2026, 12, 10))
    await r.action(november, "Done already", subject_id=child, status="done")
    return Register(child, location, person, group, [october, november])


def reads(store: Store) -> RegisterReads:
    return RegisterReads(store, FrozenClock(NOW))


async def test_a_member_finds_a_subject_with_its_history_links_and_answers(
    demo_store: Store,
) -> None:
    case = await seed_register(demo_store)
    card = await reads(demo_store).find(personal(ALEX), "cr-0107 ")
    assert isinstance(card, SubjectCardView)
    assert (card.reference, card.initials, card.group) == ("CR-0107", "JD", "Scarborough")
    assert card.risk is RiskLevel.HIGH and card.status is SubjectStatus.OPEN
    assert card.strands == ("Child criminal exploitation and county lines",)
    assert card.lead_agency == POLICE
    risks = card.risk_history.items
    assert [(c.level, c.previous, c.reason) for c in risks] == [
        (RiskLevel.HIGH, RiskLevel.MEDIUM, "Seen at the takeaway late at night"),
        (RiskLevel.MEDIUM, None, "First rated"),
    ]
    assert risks[0].who == "Alex Wilber"
    assert risks[0].meeting is not None and risks[0].meeting.on == date(2026, 11, 19)
    assert [(h.value, h.who) for h in card.history.items] == [(POLICE, "Alex Wilber")]
    links = {line.display: line for line in card.links.items}
    assert set(links) == {"Takeaway on Eastborough", "NYP-4471 (KM)", "Eastfield peer group"}
    assert links["NYP-4471 (KM)"].risk is RiskLevel.VERY_HIGH  # the chair sees persons
    assert links["Takeaway on Eastborough"].reason == "Seen there late at night"
    assert [(a.due, a.overdue) for a in card.actions.items] == [
        (date(2026, 11, 25), True),
        (date(2026, 12, 10), False),
    ]
    assert [d.text for d in card.decisions.items] == ["Refer to the NRM"]
    assert [m.on for m in card.meetings.items] == [date(2026, 11, 19), date(2026, 10, 15)]
    assert [(a.agency, a.service, a.text) for a in card.answers.items] == [
        (POLICE, "", "Stop and search near the takeaway"),
        (HEALTH, "CAMHS", "Missed two appointments"),
        (POLICE, "", "Later: a second sighting"),
    ]
    assert card.answers.items[0].outcome == "Shared"
    # The chair may edit: the missing checks are shown to them, in a personal chat.
    assert card.can_edit and card.can_move
    assert card.missing is not None and "The child's voice recorded" not in card.missing
    assert card.checks is not None and card.checks.voice_recorded is True
    del case


async def test_a_partner_sees_a_person_of_concern_only_as_restricted(demo_store: Store) -> None:
    await seed_register(demo_store)
    card = await reads(demo_store).find(personal(DANA), "CR-0107")
    assert isinstance(card, SubjectCardView)
    restricted = [line for line in card.links.items if line.restricted]
    assert len(restricted) == 1
    assert restricted[0].display == RESTRICTED_PERSON
    assert (restricted[0].reason, restricted[0].risk, restricted[0].subject_id) == ("", None, None)
    assert card.missing is None and not card.can_edit
    # The person's own card: not found for her, as for a reference that does not exist.
    with pytest.raises(NotFound) as refused:
        await reads(demo_store).find(personal(DANA), "NYP-4471")
    with pytest.raises(NotFound) as missing:
        await reads(demo_store).find(personal(DANA), "NYP-9999")
    assert refused.value.user_message == missing.value.user_message
    # The police see it.
    police = await reads(demo_store).find(personal(PRIYA), "nyp-4471")
    assert isinstance(police, SubjectCardView) and police.reference == "NYP-4471"


async def test_a_member_of_another_group_gets_the_same_not_found(demo_store: Store) -> None:
    await seed_register(demo_store)
    with pytest.raises(NotFound) as other:
        await reads(demo_store).find(personal(HARPER), "CR-0107")
    with pytest.raises(NotFound) as absent:
        await reads(demo_store).find(personal(HARPER), "CR-9999")
    assert other.value.user_message == absent.value.user_message


async def test_several_matches_are_offered_as_a_choice(demo_store: Store) -> None:
    await seed_register(demo_store)
    await Records(demo_store).subject("ryedale", "CR-0107", "ZZ")
    found = await reads(demo_store).find(personal(ALEX), "CR-0107")
    assert isinstance(found, SubjectChoices)
    assert sorted((row.group, row.display) for row in found.rows) == [
        ("Ryedale", "CR-0107 (ZZ)"),
        ("Scarborough", "CR-0107 (JD)"),
    ]


async def test_in_a_channel_no_person_and_no_missing_checks(demo_store: Store) -> None:
    case = await seed_register(demo_store)
    channel = "19:scarborough-channel@thread.tacv2"
    async with demo_store.reading() as session:
        linked = await session.scalar(
            select(t.LinkedConversation.conversation_id).where(
                t.LinkedConversation.locality_id == case.meetings[0].locality_id
            )
        )
    channel = linked or channel
    card = await reads(demo_store).show(in_channel(ALEX, channel), case.child, case.meetings[1].id)
    assert card.in_group and card.missing is None and card.meeting_id == case.meetings[1].id
    assert [line.display for line in card.links.items if line.restricted] == [RESTRICTED_PERSON]
    with pytest.raises(NotFound):
        await reads(demo_store).show(in_channel(ALEX, channel), case.person)
    with pytest.raises(NotFound):
        await reads(demo_store).show(in_channel(HARPER, channel), case.child)


async def test_the_list_filters_in_plain_words(demo_store: Store) -> None:
    case = await seed_register(demo_store)
    service = reads(demo_store)

    async def listed(actor: ActorRef, words: str) -> list[str]:
        wanted, page = parse_subject_filters(words)
        result = await service.subjects(personal(actor), wanted, page, words=words)
        return [row.display for row in result.rows]

    assert await listed(ALEX, "") == [
        "NYP-4471 (KM)",
        "CR-0107 (JD)",
        "Takeaway on Eastborough",
        "Eastfield peer group",
    ]
    assert await listed(DANA, "") == [
        "CR-0107 (JD)",
        "Takeaway on Eastborough",
        "Eastfield peer group",
    ]
    assert await listed(ALEX, "high risk") == ["NYP-4471 (KM)", "CR-0107 (JD)"]
    assert await listed(ALEX, "very high risk") == ["NYP-4471 (KM)"]
    assert await listed(ALEX, "locations of concern") == ["Takeaway on Eastborough"]
    assert await listed(ALEX, "in scarborough children") == ["CR-0107 (JD)"]
    assert await listed(ALEX, "in ryedale") == []
    assert await listed(ALEX, "not discussed for 3 months") == ["Eastfield peer group"]
    assert await listed(ALEX, "strand cce") == ["CR-0107 (JD)"]
    assert await listed(HARPER, "") == []
    async with demo_store.transaction() as session:
        subject = await session.get(t.Subject, case.group)
        assert subject is not None
        subject.status = "closed"
    assert "Eastfield peer group" not in await listed(ALEX, "")
    assert "Eastfield peer group" in await listed(ALEX, "closed")
    with pytest.raises(SubjectFilterError, match="Yours: \\*\\*Ryedale\\*\\*, \\*\\*Scarborough"):
        await listed(ALEX, "in harrogate")
    with pytest.raises(SubjectFilterError, match="cce"):
        await listed(ALEX, "strand knitting")


async def test_views_are_noted_in_the_audit_trail(demo_store: Store) -> None:
    case = await seed_register(demo_store)
    await reads(demo_store).find(personal(ALEX), "CR-0107")
    wanted, page = parse_subject_filters("")
    await reads(demo_store).subjects(personal(ALEX), wanted, page)
    async with demo_store.reading() as session:
        entries = (
            await session.execute(
                select(t.AuditEntry.record_type, t.AuditEntry.record_id, t.AuditEntry.detail).where(
                    t.AuditEntry.action == "view", t.AuditEntry.record_type == "subjects"
                )
            )
        ).all()
    assert (str(case.child),) == tuple(e.record_id for e in entries if e.record_id)
    assert any("subjects list" in e.detail for e in entries)


async def grow_history(store: Store, case: Register, *, links: int, years: int) -> None:
    """Years of risk changes and other history, many links, actions, rounds: a busy child."""
    alex = await Records(store).member("Alex Wilber")
    scarborough = case.meetings[0].locality_id
    async with store.transaction() as session:
        for n in range(links):
            other = t.Subject(
                locality_id=scarborough,
                kind="location" if n % 3 else "person",
                reference=f"Place {n}",
                initials="",
                reference_index=f"grow-{n}",
                created_at=NOW,
                risk_level="low",
            )
            session.add(other)
            await session.flush()
            a, b = sorted((case.child, other.id))
            session.add(
                t.SubjectLink(
                    subject_a_id=a,
                    subject_b_id=b,
                    reason=f"Reason {n}",
                    locality_id=scarborough,
                    member_id=alex.id,
                    created_at=NOW,
                )
            )
        start = datetime(2023, 12, 1, tzinfo=UTC)
        for week in range(52 * years):
            at = start + timedelta(weeks=week)
            session.add(
                t.SubjectEvent(
                    subject_id=case.child,
                    kind="risk" if week % 2 else "status",
                    value="high" if week % 2 else "open",
                    previous="medium",
                    reason=f"Week {week}",
                    member_id=alex.id,
                    locality_id=scarborough,
                    at=at,
                )
            )
            if week % 4 == 0:
                session.add(
                    t.MinuteEntry(
                        meeting_id=case.meetings[0].id,
                        item_id=case.meetings[0].item_id,
                        kind="decision",
                        text=f"Decision {week}",
                        subject_id=case.child,
                        author_member_id=alex.id,
                        created_at=at,
                    )
                )
                session.add(
                    t.Action(
                        locality_id=scarborough,
                        meeting_id=case.meetings[0].id,
                        item_id=case.meetings[0].item_id,
                        description=f"Action {week}",
                        owner_member_id=alex.id,
                        agency_id=alex.agency_id,
                        due_date=at.date(),
                        subject_id=case.child,
                        status="open",
                        created_by_member_id=alex.id,
                        created_at=at,
                        updated_at=at,
                    )
                )


async def test_a_card_is_read_in_a_fixed_number_of_statements(demo_store: Store) -> None:
    case = await seed_register(demo_store)
    service = reads(demo_store)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2])[:40])

    engine = demo_store.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        await service.find(personal(ALEX), "CR-0107")
        small = len(statements)
        await grow_history(demo_store, case, links=30, years=3)
        statements.clear()
        card = await service.find(personal(ALEX), "CR-0107")
        large = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert isinstance(card, SubjectCardView)
    assert card.links.more > 0 and card.risk_history.more > 0 and card.actions.more > 0
    assert large == small, (small, large)
    # Drawn, three years of history and 30 links stay well within Teams' message size.
    assert len(json.dumps(subject_card(card)).encode()) < 28_000
    assert large <= 20, statements
