"""The retention job on a real store: a frozen clock moved past the periods, the job fired
by name (never waited for), and exactly what went and what stayed checked table by table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.clock import FrozenClock
from bot.domain.retention import RetentionPolicy
from bot.jobs.schedule import ON_DEMAND, ScheduledJob
from bot.jobs.scheduler import Jobs
from bot.services.legal_holds import LegalHoldService
from bot.services.retention import RetentionReport, RetentionService
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store
from tests.support.records import MeetingIds, Records, utc

POLICY = RetentionPolicy(meetings=2190, actions=2190, subjects=2190, housekeeping=30)

#: 2190 days (six years, two of them leap) after 12 Dec 2026: everything closed in 2026 has expired.
LATER = utc(2032, 12, 10, 2)


@dataclass
class Seeded:
    old: MeetingIds  # Scarborough, Nov 2026: an open action still needs it
    old_minutes: list[int]
    old_attendance: list[int]
    old_round: int
    old_turns: list[int]
    old_challenge: int
    done_action: int  # about CR-0001, closed Dec 2026
    open_action: int  # about CR-0002, still open
    cancelled_action: int
    finished: MeetingIds  # Scarborough, Nov 2026: only a closed action
    finished_minute: int
    finished_action: int
    disputed: MeetingIds  # Ryedale, Nov 2026: a challenge still open
    disputed_challenge: int
    disputed_turns: list[int]
    recent: MeetingIds  # Scarborough, 2031: within the period
    recent_minute: int
    recent_action: int  # closed in 2031
    running: MeetingIds  # in progress since 2026 (never ended)
    child_done: int  # CR-0001
    child_open: int  # CR-0002
    unused_old: int  # CR-0003, never on an action
    unused_recent: int  # CR-0004, recorded 2032
    reminders: list[int]
    old_sent: int
    old_failed: int
    old_pending: int
    recent_sent: int


async def seed(store: Store) -> Seeded:
    r = Records(store)
    old = await r.meeting("scarborough", utc(2026, 11, 19))
    old_minutes = [
        await r.minute(old, "CR-0001 (J.S.) missing twice since October; found in Leeds."),
        await r.minute(old, "Strategy meeting agreed for CR-0002.", kind="decision"),
    ]
    old_attendance = [
        await r.attendance(old, "police", "PC Priya Shah"),
        await r.attendance(old, "health", "Dana Reeves (school nurse)"),
    ]
    old_round, old_turns = await r.share_round(
        old,
        [
            ("Priya Shah", "shared", "CR-0002 seen with older males at the bus station."),
            ("Dana Reeves", "challenge", "Health not told of the missing episode."),
        ],
    )
    old_challenge = await r.challenge(
        old, old_round, "Health were not told of CR-0001 going missing."
    )
    child_done = await r.subject("scarborough", "CR-0001", "JS")
    child_open = await r.subject("scarborough", "CR-0002", "AB")
    done_action = await r.action(
        old,
        "Return home interview for CR-0001.",
        status="done",
        subject_id=child_done,
        updated=utc(2026, 12, 1),
        events=(("done", "Interview held 30 Nov."),),
    )
    open_action = await r.action(old, "Disruption plan for the address.", subject_id=child_open)
    cancelled_action = await r.action(
        old, "Refer to the youth club.", status="cancelled", updated=utc(2026, 12, 2)
    )
    finished = await r.meeting("scarborough", utc(2026, 10, 15))
    finished_minute = await r.minute(finished, "No new referrals this month.")
    finished_action = await r.action(
        finished, "Circulate the location map.", status="done", updated=utc(2026, 10, 20)
    )
    disputed = await r.meeting("ryedale", utc(2026, 11, 12))
    disputed_round, disputed_turns = await r.share_round(
        disputed, [("Priya Shah", "challenge", "")]
    )
    disputed_challenge = await r.challenge(
        disputed, disputed_round, "Education should attend.", status="open", to="education"
    )
    recent = await r.meeting("scarborough", utc(2031, 3, 12))
    recent_minute = await r.minute(recent, "Quiet month.")
    recent_action = await r.action(
        recent, "Update the hotspot list.", status="done", updated=utc(2031, 3, 20)
    )
    running = await r.meeting("selby", utc(2026, 11, 19), status="in_progress")
    unused_old = await r.subject("scarborough", "CR-0003", "KT")
    unused_recent = await r.subject("scarborough", "CR-0004", "LM", created=utc(2032, 1, 5))
    old_sent = await r.outbox("Priya Shah", "sent", utc(2026, 12, 1), key="digest:1")
    old_failed = await r.outbox("Dana Reeves", "failed", utc(2026, 12, 1), key="digest:2")
    old_pending = await r.outbox("Chris Lowe", "pending", utc(2026, 12, 1), key="digest:3")
    recent_sent = await r.outbox("Priya Shah", "sent", LATER - timedelta(days=3), key="digest:4")
    reminders = [
        await r.reminder(done_action, "due:2026-12-03"),
        await r.reminder(open_action, "due:2026-12-03", old_sent),
    ]
    await r.processed("activity-old", utc(2026, 11, 19))
    await r.processed("activity-new", LATER - timedelta(days=1))
    return Seeded(**{k: v for k, v in locals().items() if k in Seeded.__annotations__})


async def ids(store: Store, model: Any) -> set[Any]:
    key = model.activity_id if model is t.ProcessedActivity else model.id
    async with store.reading() as session:
        return set(await session.scalars(select(key)))


async def audit_rows(store: Store) -> list[t.AuditEntry]:
    async with store.reading() as session:
        return list(await session.scalars(select(t.AuditEntry).order_by(t.AuditEntry.id)))


async def chain_verdict(store: Store) -> audit.Verdict:
    rows = await audit_rows(store)
    async with store.reading() as session:
        head = (await session.execute(select(t.AuditHead.last_id, t.AuditHead.hash))).one()
    columns = [c.key for c in t.AuditEntry.__table__.columns]
    return audit.verify_rows(
        iter([{c: getattr(row, c) for c in columns} for row in rows]), (head[0], head[1])
    )


async def fire(service: RetentionService) -> RetentionReport:
    report = await Jobs([ScheduledJob("retention", service.run, ON_DEMAND)]).fire("retention")
    assert isinstance(report, RetentionReport), "the job failed (see the log)"
    return report


@pytest.mark.parametrize("batch_size", [200, 2])
async def test_the_daily_job_deletes_what_has_expired_and_keeps_the_rest(
    demo_store: Store, batch_size: int
) -> None:
    s = await seed(demo_store)
    clock = FrozenClock(utc(2026, 11, 20))
    service = RetentionService(demo_store, clock, POLICY, batch_size=batch_size)
    assert (await fire(service)).total == 0, "nothing has expired the day after"

    before = len(await audit_rows(demo_store))
    gone = (s.done_action, s.cancelled_action, s.finished_action)
    async with demo_store.reading() as session:
        gone_events = list(
            await session.scalars(select(t.ActionEvent.id).where(t.ActionEvent.action_id.in_(gone)))
        )
    assert len(gone_events) == 4
    clock.set(LATER)
    report = await fire(service)

    assert await ids(demo_store, t.Meeting) == {
        s.old.id,  # row kept: its open action still refers to it
        s.disputed.id,
        s.recent.id,
        s.running.id,
    }
    assert await ids(demo_store, t.AgendaItem) == {
        s.old.item_id,
        s.disputed.item_id,
        s.recent.item_id,
        s.running.item_id,
    }
    assert await ids(demo_store, t.MinuteEntry) == {s.recent_minute}
    assert await ids(demo_store, t.Attendance) == set()
    assert await ids(demo_store, t.RoundTurn) == set(s.disputed_turns)
    assert await ids(demo_store, t.Challenge) == {s.disputed_challenge}
    assert s.old_round not in await ids(demo_store, t.ShareRound)
    assert await ids(demo_store, t.Action) == {s.open_action, s.recent_action}
    async with demo_store.reading() as session:
        events = set(await session.scalars(select(t.ActionEvent.action_id)))
    assert events == {s.open_action, s.recent_action}
    assert await ids(demo_store, t.Subject) == {s.child_open, s.unused_recent}
    assert await ids(demo_store, t.OutboxMessage) == {s.old_pending, s.recent_sent}
    assert await ids(demo_store, t.ReminderSent) == {s.reminders[1]}
    async with demo_store.reading() as session:
        kept = await session.get_one(t.ReminderSent, s.reminders[1])
        assert kept.outbox_id is None, "the key stays; the pointer to the deleted message goes"
    assert await ids(demo_store, t.ProcessedActivity) == {"activity-new"}
    assert len(await ids(demo_store, t.Member)) == 15, "reference data is never touched"

    assert dict(report.deleted) == {
        "minute_entries": 3,
        "attendance": 2,
        "share_rounds": 1,
        "round_turns": 2,
        "challenges": 1,
        "agenda_items": 1,
        "meetings": 1,
        "actions": 3,
        "action_events": 4,
        "reminders_sent": 1,
        "subjects": 2,
        "outbox": 2,
        "processed_activities": 1,
    }
    assert dict(report.held) == {}
    assert "Deleted 3 from actions" in report.lines()

    # Every record deleted is in the audit trail, by the retention job, with the rule.
    entries = (await audit_rows(demo_store))[before:]
    deletions = {(e.record_type, e.record_id) for e in entries if e.action == "delete"}
    assert deletions == {
        *(("minute_entries", str(i)) for i in (*s.old_minutes, s.finished_minute)),
        *(("attendance", str(i)) for i in s.old_attendance),
        ("share_rounds", str(s.old_round)),
        *(("round_turns", str(i)) for i in s.old_turns),
        ("challenges", str(s.old_challenge)),
        ("agenda_items", str(s.finished.item_id)),
        ("meetings", str(s.finished.id)),
        *(("actions", str(i)) for i in gone),
        *(("action_events", str(i)) for i in gone_events),
        ("subjects", str(s.child_done)),
        ("subjects", str(s.unused_old)),
    }
    assert {e.actor for e in entries} == {"system:retention"}
    assert all(e.reason.startswith("retention: ") for e in entries)
    assert all(e.at == LATER for e in entries)
    scarborough = s.old.locality_id
    assert {e.locality_id for e in entries} == {scarborough}
    assert (await chain_verdict(demo_store)).ok

    again = await fire(service)
    assert again.total == 0, "a second run finds nothing more"


async def test_legal_holds_keep_what_they_cover_until_lifted(demo_store: Store) -> None:
    s = await seed(demo_store)
    r = Records(demo_store)
    ryedale_old = await r.meeting("ryedale", utc(2026, 9, 10))
    ryedale_minute = await r.minute(ryedale_old, "CR-0101 discussed; see the plan.")
    ryedale_child = await r.subject("ryedale", "CR-0101", "PQ")
    ryedale_action = await r.action(
        ryedale_old,
        "Safety plan.",
        status="done",
        subject_id=ryedale_child,
        updated=utc(2026, 9, 30),
    )
    ryedale_unused = await r.subject("ryedale", "CR-0102", "RS")
    clock = FrozenClock(utc(2027, 1, 4, 9))
    service = RetentionService(demo_store, clock, POLICY)
    legal_holds = LegalHoldService(demo_store, clock)
    on_child = await legal_holds.place_hold(
        "subject", s.child_done, "Serious case review 2027/01", "cli:dpo"
    )
    on_meeting = await legal_holds.place_hold(
        "meeting", s.finished.id, "Court case R v Example", "cli:dpo"
    )
    on_group = await legal_holds.place_hold(
        "locality", ryedale_old.locality_id, "Ryedale inquiry", "cli:dpo"
    )
    assert [h.id for h in await legal_holds.holds()] == [on_child.id, on_meeting.id, on_group.id]

    clock.set(LATER)
    report = await fire(service)
    # The subject hold keeps CR-0001, its closed action and the whole meeting it came from.
    assert s.child_done in await ids(demo_store, t.Subject)
    assert s.done_action in await ids(demo_store, t.Action)
    assert set(s.old_minutes) <= await ids(demo_store, t.MinuteEntry)
    assert s.old_challenge in await ids(demo_store, t.Challenge)
    # The meeting hold keeps that meeting and its action.
    assert {s.finished.id, s.old.id} <= await ids(demo_store, t.Meeting)
    assert s.finished_minute in await ids(demo_store, t.MinuteEntry)
    assert s.finished_action in await ids(demo_store, t.Action)
    # The locality hold keeps everything in Ryedale.
    assert ryedale_old.id in await ids(demo_store, t.Meeting)
    assert ryedale_minute in await ids(demo_store, t.MinuteEntry)
    assert ryedale_action in await ids(demo_store, t.Action)
    assert {ryedale_child, ryedale_unused} <= await ids(demo_store, t.Subject)
    # What no hold covers still goes.
    assert s.cancelled_action not in await ids(demo_store, t.Action)
    assert s.unused_old not in await ids(demo_store, t.Subject)
    assert dict(report.held) == {"actions": 3, "meetings": 3, "subjects": 1}
    assert "Kept under legal hold: 3 expired actions" in report.lines()

    lifted = await legal_holds.lift_hold(on_child.id, "cli:dpo")
    assert lifted.lifted_at == LATER and not lifted.active
    await legal_holds.lift_hold(on_meeting.id, "cli:dpo")
    assert [h.id for h in await legal_holds.holds()] == [on_group.id]
    assert len(await legal_holds.holds(include_lifted=True)) == 3
    clock.advance(days=1)
    report = await fire(service)
    assert s.child_done not in await ids(demo_store, t.Subject)
    assert {s.done_action, s.finished_action} & await ids(demo_store, t.Action) == set()
    assert s.finished.id not in await ids(demo_store, t.Meeting)
    assert ryedale_action in await ids(demo_store, t.Action), "Ryedale is still held"
    assert dict(report.held) == {"actions": 1, "meetings": 1, "subjects": 1}

    holds_audit = [e for e in await audit_rows(demo_store) if e.record_type == "legal_holds"]
    assert [(e.action, e.record_id, e.actor) for e in holds_audit] == [
        ("create", str(on_child.id), "cli:dpo"),
        ("create", str(on_meeting.id), "cli:dpo"),
        ("create", str(on_group.id), "cli:dpo"),
        ("change", str(on_child.id), "cli:dpo"),
        ("change", str(on_meeting.id), "cli:dpo"),
    ]
    assert holds_audit[3].detail == "lifted_at"
    assert "Serious case review" not in str([vars(e) for e in holds_audit])
    assert (await chain_verdict(demo_store)).ok


async def test_an_open_action_never_expires(demo_store: Store) -> None:
    s = await seed(demo_store)
    clock = FrozenClock(utc(2046, 1, 1))  # twenty years on
    await fire(RetentionService(demo_store, clock, POLICY))
    assert await ids(demo_store, t.Action) == {s.open_action}
    assert await ids(demo_store, t.Subject) == {s.child_open}
    assert s.old.id in await ids(demo_store, t.Meeting)
    async with demo_store.reading() as session:
        action = await session.get_one(t.Action, s.open_action)
        assert action.description == "Disruption plan for the address."


async def test_corrections_and_withdrawn_actions_expire_with_what_they_are_about(
    demo_store: Store,
) -> None:
    """Issue 16: a withdrawn action is closed for retention; what a correction kept (the
    text before, and why) goes with the minute or action it is about, and the meeting
    goes too once nothing of it is left."""
    r = Records(demo_store)
    meeting = await r.meeting("scarborough", utc(2026, 10, 15))
    minute = await r.minute(meeting, "CR-0005 seen at the staton.")
    withdrawn = await r.action(
        meeting, "Recorded in error.", status="withdrawn", updated=utc(2026, 10, 16)
    )
    chair = await r.member("Sam Okafor")
    async with demo_store.transaction() as session:
        for record_type, record_id, change in (
            ("minute_entries", minute, "corrected"),
            ("actions", withdrawn, "withdrawn"),
        ):
            session.add(
                t.RecordCorrection(
                    meeting_id=meeting.id,
                    record_type=record_type,
                    record_id=record_id,
                    change=change,
                    field="text" if change == "corrected" else "",
                    previous="CR-0005 seen at the staion." if change == "corrected" else "",
                    reason="Typing slip.",
                    member_id=chair.id,
                    at=utc(2026, 10, 16),
                )
            )
    assert len(await ids(demo_store, t.RecordCorrection)) == 2
    await fire(RetentionService(demo_store, FrozenClock(LATER), POLICY))
    assert withdrawn not in await ids(demo_store, t.Action)
    assert minute not in await ids(demo_store, t.MinuteEntry)
    assert await ids(demo_store, t.RecordCorrection) == set()
    assert meeting.id not in await ids(demo_store, t.Meeting)
