"""A store holding ten partnerships' data: 1,000,000 actions (issue 18: "outstanding
actions at 1,000,000 actions (ten partnerships' worth)").

The first partnership is the benchmark's usual store (bench/seed.py: the seven locality
groups of the demo data, 100,000 actions, the coordinator Riley Quinn of all seven); the
nine others are seeded alike beside it: seven locality groups each (63 more), 2,000
members each in one or two of their groups (one of them the coordinator of all seven),
three years of monthly meetings per group with one item and one minute each, and 100,000
actions each (a tenth open, due from 30 days ago to 45 days ahead; the rest done), each
with its "created" event. Nobody of the first partnership belongs to another's groups, so
its coordinator may see exactly what they saw in the 100,000-action store, among ten
times as many actions. Rows go in through the bot's own Store (bench/bulk.py: encrypted
as the bot encrypts). Deterministic; everything is invented.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bench.bulk import insert_rows, loading
from bench.seed import MEMBERS, OPEN_SHARE, SEED_TIMEOUT, YEARS, Seeded, _maintained, seed
from bot.domain.model import ActionStatus, MeetingStatus, MinutesStatus, Role
from bot.services.reference_data import DEMO_DATA, read_data_file
from bot.store import tables as t
from bot.store.crypto import KeyRing
from bot.store.db import Store, make_engine, migrate

PARTNERSHIPS = 10


@dataclass(frozen=True, slots=True)
class Partnerships:
    first: Seeded
    partnerships: int
    localities: int
    actions: int
    open_actions: int
    seconds: float


async def seed_partnerships(
    url: str, keys: KeyRing, per_partnership: int, partnerships: int = PARTNERSHIPS
) -> Partnerships:
    """Migrate and fill the store at ``url``: the first partnership as ``bench.seed``
    seeds it, then ``partnerships - 1`` more of ``per_partnership`` actions each."""
    began = time.perf_counter()
    now = datetime.now(UTC)
    store = Store(make_engine(url, timeout=SEED_TIMEOUT), keys)
    try:
        await migrate(store.engine)
        # All ten partnerships' actions loaded before their indexes are made (bench.bulk).
        async with loading(store, [t.table_of(t.Action), t.table_of(t.ActionEvent)]):
            first = await seed(url, keys, per_partnership, now=now)
            async with store.reading() as session:
                agencies = list((await session.scalars(select(t.Agency.id))).all())
            rng = random.Random(18)
            for number in range(2, partnerships + 1):
                await _partnership(store, rng, number, per_partnership, agencies, now)
        await _maintained(store)
        async with store.reading() as session:
            localities = int(await session.scalar(select(func.count(t.Locality.id))) or 0)
            actions = int(await session.scalar(select(func.count(t.Action.id))) or 0)
            opened = int(
                await session.scalar(
                    select(func.count(t.Action.id)).where(t.Action.status == ActionStatus.OPEN)
                )
                or 0
            )
    finally:
        await store.close()
    return Partnerships(
        first, partnerships, localities, actions, opened, time.perf_counter() - began
    )


async def _partnership(
    store: Store,
    rng: random.Random,
    number: int,
    actions: int,
    agencies: list[int],
    now: datetime,
) -> None:
    """One more partnership: its groups, members, meetings and actions."""
    tag = f"p{number:02d}"
    groups = read_data_file(DEMO_DATA)["localities"]
    await insert_rows(
        store,
        t.table_of(t.Locality),
        [{"code": f"{g['code']}-{tag}", "name": f"{g['name']} {number}"} for g in groups],
    )
    await insert_rows(
        store,
        t.table_of(t.Member),
        (
            {
                "aad_object_id": f"bench-{tag}-aad-{n:05d}",
                "teams_user_id": f"bench-{tag}-user-{n:05d}",
                "name": f"Bench {tag.upper()} Member {n:05d}",
                "email": f"bench.{tag}.member.{n:05d}@contoso.example",
                "agency_id": agencies[n % len(agencies)],
            }
            for n in range(MEMBERS)
        ),
    )
    localities = await _ids(store, select(t.Locality.id).where(t.Locality.code.like(f"%-{tag}")))
    people = await _rows(
        store,
        select(t.Member.id, t.Member.agency_id)
        .where(t.Member.aad_object_id.like(f"bench-{tag}-aad-%"))
        .order_by(t.Member.id),
    )
    coordinator = people[0][0]
    by_locality: dict[int, list[tuple[int, int]]] = {loc: [] for loc in localities}
    memberships = [
        {"member_id": coordinator, "locality_id": loc, "role": Role.COORDINATOR}
        for loc in localities
    ]
    for member_id, agency_id in people[1:]:
        for loc in rng.sample(localities, rng.choice((1, 1, 2))):
            by_locality[loc].append((member_id, agency_id))
            memberships.append({"member_id": member_id, "locality_id": loc, "role": Role.PARTNER})
    await insert_rows(store, t.table_of(t.Membership), memberships)
    await insert_rows(
        store,
        t.table_of(t.Meeting),
        [
            {
                "locality_id": loc,
                "conversation_id": f"19:bench-{loc}@thread.tacv2",
                "status": MeetingStatus.ENDED,
                "chair_member_id": coordinator,
                "started_at": now - timedelta(days=30 * month),
                "ended_at": now - timedelta(days=30 * month) + timedelta(hours=2),
                "minutes_status": MinutesStatus.AGREED,
                "version": 1,
            }
            for loc in localities
            for month in range(YEARS * 12, 0, -1)
        ],
    )
    meetings = await _rows(
        store,
        select(t.Meeting.id, t.Meeting.locality_id, t.Meeting.started_at)
        .where(t.Meeting.locality_id.in_(localities))
        .order_by(t.Meeting.id),
    )
    await insert_rows(
        store,
        t.table_of(t.AgendaItem),
        [
            {
                "meeting_id": meeting_id,
                "position": 4,
                "kind": "children",
                "title": "Children at risk",
                "time_limit_minutes": 30,
                "status": "done",
                "elapsed_seconds": 1500,
            }
            for meeting_id, _loc, _at in meetings
        ],
    )
    item_of = dict(
        await _rows(
            store,
            select(t.AgendaItem.meeting_id, t.AgendaItem.id).where(
                t.AgendaItem.meeting_id.in_([m[0] for m in meetings])
            ),
        )
    )
    await insert_rows(
        store,
        t.table_of(t.MinuteEntry),
        [
            {
                "meeting_id": meeting_id,
                "item_id": item_of[meeting_id],
                "kind": "minute",
                "text": f"Discussed CR-{meeting_id:04d}; partners shared updates.",
                "author_member_id": coordinator,
                "created_at": started + timedelta(minutes=20),
            }
            for meeting_id, _loc, started in meetings
        ],
    )
    before = int(await _scalar(store, select(func.coalesce(func.max(t.Action.id), 0))))
    created: list[datetime] = []
    today = now.date()
    recent = [m for m in meetings if m[2] >= now - timedelta(days=120)]

    def action_rows() -> Iterator[dict[str, Any]]:
        for n in range(actions):
            is_open = rng.random() < OPEN_SHARE
            meeting_id, loc, started = rng.choice(recent if is_open else meetings)
            member_id, agency_id = rng.choice(by_locality[loc])
            if is_open:
                due, status = today + timedelta(days=rng.randint(-30, 45)), ActionStatus.OPEN
            else:
                due = started.date() + timedelta(days=rng.randint(7, 42))
                status = ActionStatus.DONE
            at = started + timedelta(minutes=40)
            created.append(at)
            yield {
                "locality_id": loc,
                "meeting_id": meeting_id,
                "item_id": item_of[meeting_id],
                "description": f"Share the plan for CR-{tag}-{n:06d} with partners.",
                "owner_member_id": member_id,
                "agency_id": agency_id,
                "due_date": due,
                "status": status,
                "created_by_member_id": coordinator,
                "created_at": at,
                "updated_at": at,
                "subject_id": None,
            }

    await insert_rows(store, t.table_of(t.Action), action_rows())
    [(first, last, count)] = await _rows(
        store,
        select(func.min(t.Action.id), func.max(t.Action.id), func.count(t.Action.id)).where(
            t.Action.id > before
        ),
    )
    # Ids follow the rows' order (one connection, the table's sequence): checked, not assumed.
    if count != actions or last - first + 1 != actions:
        raise RuntimeError(f"partnership {number}: {count} actions inserted, ids not contiguous")
    await insert_rows(
        store,
        t.table_of(t.ActionEvent),
        (
            {
                "action_id": first + n,
                "kind": "created",
                "note": "",
                "member_id": coordinator,
                "at": at,
            }
            for n, at in enumerate(created)
        ),
    )


async def _rows(store: Store, query: Any) -> list[Any]:
    async with store.reading() as session:
        return list((await session.execute(query)).all())


async def _ids(store: Store, query: Any) -> list[int]:
    return [row[0] for row in await _rows(store, query)]


async def _scalar(store: Store, query: Any) -> Any:
    async with store.reading() as session:
        return await session.scalar(query)
