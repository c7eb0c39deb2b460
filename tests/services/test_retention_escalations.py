"""Retention and escalations (issue 16): an escalation goes with the record it is about
(an action, a challenge, a subject), audited like the record, and an expired meeting it
was raised in only loses the pointer; nothing is left pointing at a deleted row (on
PostgreSQL the foreign keys would refuse the run otherwise)."""

from __future__ import annotations

from sqlalchemy import select

from bot.domain.clock import FrozenClock
from bot.services.retention import RetentionService
from bot.store import tables as t
from bot.store.db import Store
from tests.services.test_retention import LATER, POLICY, audit_rows, fire
from tests.support.records import Records, utc


async def escalate(store: Store, locality_id: int, meeting_id: int | None, **record: int) -> int:
    async with store.transaction() as session:
        group = await session.scalar(
            select(t.OversightGroup.id).where(t.OversightGroup.tier == "operational")
        )
        chair = await session.scalar(select(t.Member.id).where(t.Member.name == "Alex Wilber"))
        assert group is not None and chair is not None
        (kind,) = record
        row = t.Escalation(
            locality_id=locality_id,
            group_id=group,
            kind=kind.removesuffix("_id"),
            meeting_id=meeting_id,
            what="CR-0001 (J.S.) needs a placement.",
            why="Beyond the locality.",
            raised_by_member_id=chair,
            raised_at=utc(2026, 11, 19),
            status="closed",
            close_note="Placed.",
            closed_by_member_id=chair,
            closed_at=utc(2026, 12, 1),
            **record,
        )
        session.add(row)
        await session.flush()
        return int(row.id)


async def test_escalations_expire_with_their_record(demo_store: Store) -> None:
    r = Records(demo_store)
    old = await r.meeting("scarborough", utc(2026, 11, 19))
    round_id, _ = await r.share_round(old, [("Dana Reeves", "challenge", "Not told.")])
    challenge = await r.challenge(old, round_id, "Health were not told.")
    child = await r.subject("scarborough", "CR-0001", "JS")
    done = await r.action(old, "Return home interview.", status="done", updated=utc(2026, 12, 1))
    open_action = await r.action(old, "Disruption plan.")
    recent = await r.meeting("scarborough", utc(2032, 11, 1))
    kept_subject = await r.subject("scarborough", "CR-0009", "KT", created=utc(2032, 1, 5))
    gone = {
        await escalate(demo_store, old.locality_id, old.id, challenge_id=challenge),
        await escalate(demo_store, old.locality_id, None, subject_id=child),
        await escalate(demo_store, old.locality_id, None, action_id=done),
    }
    kept = {
        # An open action keeps its meeting and its escalation.
        await escalate(demo_store, old.locality_id, old.id, action_id=open_action),
        await escalate(demo_store, old.locality_id, recent.id, subject_id=kept_subject),
    }
    before = len(await audit_rows(demo_store))

    report = await fire(RetentionService(demo_store, FrozenClock(LATER), POLICY))

    async with demo_store.reading() as session:
        assert set(await session.scalars(select(t.Escalation.id))) == kept
    assert report.deleted["escalations"] == 3
    deletions = {
        e.record_id
        for e in (await audit_rows(demo_store))[before:]
        if e.action == "delete" and e.record_type == "escalations"
    }
    assert deletions == {str(i) for i in gone}
