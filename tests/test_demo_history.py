"""The demo's invented history (bot/demo/history.py): what `make run` starts on.

A newcomer's first `my actions`, `outstanding actions overdue` and look at the register
must show something, on SQLite and PostgreSQL; the history is seeded once, only on a demo
store with no records yet, encrypted and audited like real records.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

from sqlalchemy import func, select, text

from bot.config import Settings
from bot.demo.history import ACTOR, meeting_days, seed_demo_history
from bot.domain.clock import FrozenClock, london_today
from bot.domain.filters import ActionFilter
from bot.domain.model import MeetingStatus, MinutesStatus, SubjectKind
from bot.domain.register import LINKABLE, ChildChecks, SubjectEventKind
from bot.services.actions import ActionService
from bot.services.context import ActorRef
from bot.store import tables as t
from bot.store.db import Store
from tests.e2e.cardtools import text_of
from tests.e2e.harness import DEMO, running_bot
from tests.support.activities import message

CHAIR = ActorRef("user-id-0", "00000000-0000-0000-0000-0000000000020")
COORDINATOR = ActorRef("user-id-102", "00000000-0000-0000-0000-0000000000102")


async def counts(store: Store) -> dict[str, int]:
    tables = [
        t.Meeting,
        t.AgendaItem,
        t.Attendance,
        t.MinuteEntry,
        t.Subject,
        t.SubjectEvent,
        t.SubjectLink,
        t.ItemSubject,
        t.ShareRound,
        t.RoundTurn,
        t.Challenge,
        t.Action,
        t.ActionEvent,
    ]
    async with store.reading() as session:
        return {
            m.__tablename__: int(await session.scalar(select(func.count()).select_from(m)) or 0)
            for m in tables
        }


async def locality_id(store: Store, code: str) -> int:
    async with store.reading() as session:
        found = await session.scalar(select(t.Locality.id).where(t.Locality.code == code))
    assert found is not None
    return found


async def test_the_demo_chair_finds_actions_overdue_ones_and_a_register(
    demo_store: Store, clock: FrozenClock
) -> None:
    assert await seed_demo_history(demo_store, clock.now())
    actions = ActionService(demo_store, clock, ["police"])
    today = london_today(clock)

    mine = await actions.my_actions(CHAIR)
    assert len(mine) >= 4
    assert any(v.action.due_date < today for v in mine), "some of the chair's are overdue"
    assert any(v.action.due_date >= today for v in mine), "and some still to come"

    for who in (CHAIR, COORDINATOR):
        overdue = await actions.outstanding(who, ActionFilter(overdue_only=True))
        assert overdue.total >= 3
        assert all(row.due_date < today for row in overdue.rows)
        assert any(row.subject for row in overdue.rows), "some are about a register subject"

    scarborough = await locality_id(demo_store, "scarborough")
    async with demo_store.reading() as session:
        subjects = list(
            await session.scalars(select(t.Subject).where(t.Subject.locality_id == scarborough))
        )
        assert len(subjects) >= 12
        assert {s.kind for s in subjects} == {k.value for k in SubjectKind}
        assert {s.status for s in subjects} == {"open", "monitoring", "closed"}
        assert all(s.lead_agency_id for s in subjects)
        kinds = {s.id: SubjectKind(s.kind) for s in subjects}
        links = list(
            await session.scalars(
                select(t.SubjectLink).where(t.SubjectLink.locality_id == scarborough)
            )
        )
        assert len(links) >= 10
        for link in links:
            assert link.subject_a_id < link.subject_b_id
            assert frozenset({kinds[link.subject_a_id], kinds[link.subject_b_id]}) in LINKABLE
            assert link.meeting_id is not None and link.reason

        meetings = list(
            await session.scalars(
                select(t.Meeting)
                .where(t.Meeting.locality_id == scarborough)
                .order_by(t.Meeting.started_at)
            )
        )
        assert [m.status for m in meetings] == [MeetingStatus.ENDED] * 2
        assert [m.minutes_status for m in meetings] == [MinutesStatus.AGREED, MinutesStatus.DRAFT]
        assert meetings[0].minutes_agreed_in_meeting_id == meetings[1].id
        first, second = meeting_days(today)[1:]
        assert [m.started_at.date() for m in meetings] == [first, second]
        assert all(m.ended_at and m.ended_at.date() < today for m in meetings)
        assert meetings[1].next_meeting_date and meetings[1].next_meeting_date > today

        risk_changes = list(
            await session.scalars(
                select(t.SubjectEvent).where(
                    t.SubjectEvent.locality_id == scarborough,
                    t.SubjectEvent.kind == SubjectEventKind.RISK,
                    t.SubjectEvent.meeting_id.in_([m.id for m in meetings]),
                )
            )
        )
        assert len(risk_changes) >= 5
        assert all(e.reason and e.member_id for e in risk_changes)
        raised = [e for e in risk_changes if e.previous]
        assert raised, "a change, not only first ratings"

        placed = list(
            await session.execute(
                select(t.AgendaItem.position, t.Subject.kind)
                .join(t.ItemSubject, t.ItemSubject.item_id == t.AgendaItem.id)
                .join(t.Subject, t.Subject.id == t.ItemSubject.subject_id)
                .where(t.Subject.locality_id == scarborough)
            )
        )
        assert {position for position, _ in placed} == {4, 5, 6, 7}

        children = [s for s in subjects if s.kind == SubjectKind.CHILD]
        checks = [ChildChecks.from_json(s.checks) for s in children if s.checks]
        assert checks and all(c.missing() for c in checks), "recorded in part, gaps left"
        assert any(len(c.missing()) < len(ChildChecks().missing()) for c in checks)

        turns = list(
            await session.execute(
                select(t.RoundTurn.agency_id, t.RoundTurn.service)
                .join(t.ShareRound, t.ShareRound.id == t.RoundTurn.round_id)
                .where(t.ShareRound.meeting_id == meetings[0].id)
            )
        )
        per_agency = Counter(agency for agency, _ in turns)
        assert max(per_agency.values()) >= 2, "an agency answered twice"
        assert len({service for _, service in turns if service}) >= 2, "two services"

        # Every demo group has two ended meetings.
        per_group = dict(
            (
                await session.execute(
                    select(t.Meeting.locality_id, func.count())
                    .where(t.Meeting.status == MeetingStatus.ENDED)
                    .group_by(t.Meeting.locality_id)
                )
            ).all()
        )
        localities = list(await session.scalars(select(t.Locality.id)))
        assert per_group == dict.fromkeys(localities, 2)


async def test_the_history_is_seeded_once(demo_store: Store, clock: FrozenClock) -> None:
    assert await seed_demo_history(demo_store, clock.now())
    before = await counts(demo_store)
    clock.advance(days=1)
    assert not await seed_demo_history(demo_store, clock.now())
    assert await counts(demo_store) == before


async def test_never_on_a_store_without_the_demo_members(store: Store, clock: FrozenClock) -> None:
    assert not await seed_demo_history(store, clock.now())
    async with store.reading() as session:
        assert not await session.scalar(select(func.count()).select_from(t.Meeting))


async def test_never_on_a_store_holding_records(demo_store: Store, clock: FrozenClock) -> None:
    scarborough = await locality_id(demo_store, "scarborough")
    async with demo_store.transaction() as session:
        chair = await session.scalar(select(t.Member.id).where(t.Member.name == "Alex Wilber"))
        assert chair is not None
        session.add(
            t.Meeting(
                locality_id=scarborough,
                conversation_id="real",
                status=MeetingStatus.ENDED,
                chair_member_id=chair,
                started_at=clock.now(),
                minutes_status=MinutesStatus.DRAFT,
            )
        )
    assert not await seed_demo_history(demo_store, clock.now()), "a store in use: left alone"
    assert (await counts(demo_store))["subjects"] == 0


async def test_encrypted_and_audited_as_the_demo(demo_store: Store, clock: FrozenClock) -> None:
    assert await seed_demo_history(demo_store, clock.now())
    async with demo_store.reading() as session:
        raw = (
            await session.execute(
                text("SELECT reference FROM subjects UNION ALL SELECT description FROM actions")
            )
        ).all()
        assert raw and not any("CR-0" in r[0] or "Takeaway" in r[0] for r in raw)
        actors = Counter(
            (
                await session.execute(
                    select(t.AuditEntry.actor, t.AuditEntry.record_type).where(
                        t.AuditEntry.action == "create"
                    )
                )
            ).all()
        )
    created = {record for (actor, record) in actors if actor == ACTOR}
    assert {"subjects", "subject_links", "actions", "meetings", "round_turns"} <= created


async def test_dates_follow_the_clock(demo_store: Store) -> None:
    later = FrozenClock(datetime(2027, 6, 3, 9, tzinfo=UTC))
    assert await seed_demo_history(demo_store, later.now())
    actions = ActionService(demo_store, later, ["police"])
    mine = await actions.my_actions(CHAIR)
    assert min(v.action.due_date for v in mine) > date(2027, 4, 1)
    overdue = await actions.outstanding(CHAIR, ActionFilter(overdue_only=True))
    assert overdue.total >= 3


async def test_make_run_starts_on_the_history(demo_store: Store, clock: FrozenClock) -> None:
    """The demo start path (Settings.load_demo_data, as `mace-bot serve --demo`): the
    chair's first `my actions` in personal chat through the real endpoint shows some."""
    async with running_bot(demo_store, clock, Settings(load_demo_data=True)) as bot:
        status, _ = await bot.send(
            message("my actions", conversation="personal", user=DEMO["chair"])
        )
        assert status in (200, 201)
        shown = text_of(bot.connector.sent()[-1]["attachments"][0]["content"])
        assert "placing authority" in shown and "Teesside" in shown

        await bot.send(
            message("outstanding actions overdue", conversation="personal", user=DEMO["chair"])
        )
        shown = text_of(bot.connector.sent()[-1]["attachments"][0]["content"])
        assert "CR-0104" in shown

        # A child's card: its risk history in a past meeting, its links, its actions.
        await bot.send(message("subject CR-0101", conversation="personal", user=DEMO["chair"]))
        shown = text_of(bot.connector.sent()[-1]["attachments"][0]["content"])
        for line in (
            "Risk history",
            "(was high)",
            "Eastfield peer group",
            "Takeaway on Eastborough",
        ):
            assert line in shown, line
    async with running_bot(demo_store, clock, Settings(load_demo_data=True)):
        pass
    assert (await counts(demo_store))["meetings"] == 14, "a restart seeds nothing twice"
