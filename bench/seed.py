"""A realistic large store for the benchmarks, inserted in bulk through the bot's own Store.

Seven localities and the agencies and people of the demo data, then members up to 2,000
in locality groups (the demo's oversight-group members are in none, and come on top), three
years of monthly meetings per locality and N actions (100,000 by default), one "created"
event each. Inserted on the Store's engine by bench/bulk.py (``COPY`` on PostgreSQL, Core
``INSERT``s on SQLite), every value through its column's bind processor, so encrypted
columns are encrypted with the engine's key ring exactly as the bot's own writes are.

The benchmark member (the demo's Priya Shah, police) owns exactly 20 open actions; the
coordinator (Riley Quinn) sees every locality. For ``subject CR-...`` the Scarborough
register holds one child (``BENCH_SUBJECT``) with 30 links, three years of history (a
risk change every month, discussed under item 4 of each monthly meeting, a round about it
in each with four answers) and actions about it; 30 other subjects are what it links to.
Everything is invented.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bench.bulk import insert_rows, loading
from bot.domain.model import ActionStatus, MeetingStatus, MinutesStatus, Role, SubjectKind
from bot.domain.register import RiskLevel, SubjectEventKind, link_pair
from bot.services.reference_data import DEMO_DATA, load_reference_data, read_data_file
from bot.store import tables as t
from bot.store.crypto import KeyRing, subject_index
from bot.store.db import Store, make_engine, migrate

MEMBERS = 2_000
YEARS = 3
BENCH_OWNER = "Priya Shah"
BENCH_OWNER_OPEN = 20
COORDINATOR = "Riley Quinn"
#: Share of the generated actions still open (three years of history: most are closed).
OPEN_SHARE = 0.10
#: Seconds a statement of the seed may take: a ``COPY`` of 50,000 rows, or the closing
#: ``VACUUM (ANALYZE)`` of a million actions, is far longer than a turn's 5 s.
SEED_TIMEOUT = 600.0
#: The child ``subject CR-...`` is measured on, in the Scarborough register (the demo
#: chair, Alex Wilber, chairs it), and what it carries.
BENCH_SUBJECT = "CR-7000"
BENCH_SUBJECT_LOCALITY = "scarborough"
SUBJECT_LINKS = 30
#: Of the 100,000 actions, this many in Scarborough are about the bench subject.
SUBJECT_ACTIONS = 40


@dataclass(frozen=True, slots=True)
class Seeded:
    actions: int
    open_actions: int
    members: int
    meetings: int
    bench_owner_open: int
    #: The bench subject's links, history events and actions about it.
    subject_links: int = 0
    subject_events: int = 0
    subject_actions: int = 0


async def _batched(store: Store, table: Any, rows: list[dict[str, Any]]) -> None:
    await insert_rows(store, table, rows)


async def seed(
    url: str,
    keys: KeyRing,
    actions: int,
    *,
    now: datetime | None = None,
    owner_actions: int = BENCH_OWNER_OPEN,
) -> Seeded:
    """Migrate the store at ``url`` and fill it: ``actions`` in all, ``owner_actions`` of
    them the benchmark owner's open ones. Deterministic (fixed random seed)."""
    rng = random.Random(6)
    now = now or datetime.now(UTC)
    today = now.date()
    store = Store(make_engine(url, timeout=SEED_TIMEOUT), keys)
    try:
        await migrate(store.engine)
        await load_reference_data(store, read_data_file(DEMO_DATA), now)
        async with store.reading() as session:
            localities = list((await session.scalars(select(t.Locality.id))).all())
            agencies = list((await session.scalars(select(t.Agency.id))).all())
            demo = {m.name: m for m in (await session.scalars(select(t.Member))).all()}
            # Members of a locality group (the demo's oversight-group members are in none).
            in_groups = set(await session.scalars(select(t.Membership.member_id)))
        chair = demo["Alex Wilber"]
        owner = demo[BENCH_OWNER]

        # -- members: 2,000 in locality groups (the demo's and these partners, each in one
        # or two groups), so the chase scenario has 2,000 owners ------------------------
        extra = MEMBERS - len(in_groups)
        member_rows = [
            {
                "aad_object_id": f"bench-aad-{n:05d}",
                "teams_user_id": f"bench-user-{n:05d}",
                "name": f"Bench Member {n:05d}",
                "email": f"bench.member.{n:05d}@contoso.example",
                "agency_id": agencies[n % len(agencies)],
                "is_admin": False,
                "active": True,
            }
            for n in range(extra)
        ]
        await _batched(store, t.Member.__table__, member_rows)
        async with store.reading() as session:
            generated = list(
                (
                    await session.execute(
                        select(t.Member.id, t.Member.agency_id).where(
                            t.Member.aad_object_id.like("bench-aad-%")
                        )
                    )
                ).all()
            )
        homes: dict[int, list[int]] = {}
        membership_rows = []
        for member_id, _agency in generated:
            groups = rng.sample(localities, rng.choice((1, 1, 2)))
            homes[member_id] = groups
            for locality_id in groups:
                membership_rows.append(
                    {"member_id": member_id, "locality_id": locality_id, "role": Role.PARTNER}
                )
        await _batched(store, t.Membership.__table__, membership_rows)
        by_locality: dict[int, list[tuple[int, int]]] = {loc: [] for loc in localities}
        for member_id, agency_id in generated:
            for locality_id in homes[member_id]:
                by_locality[locality_id].append((member_id, agency_id))

        # -- meetings: monthly for three years, ended, minutes agreed, one item each -------
        meeting_rows = []
        for locality_id in localities:
            for month in range(YEARS * 12, 0, -1):
                started = now - timedelta(days=30 * month)
                meeting_rows.append(
                    {
                        "locality_id": locality_id,
                        "conversation_id": f"19:bench-{locality_id}@thread.tacv2",
                        "status": MeetingStatus.ENDED,
                        "chair_member_id": chair.id,
                        "started_at": started,
                        "ended_at": started + timedelta(hours=2),
                        "minutes_status": MinutesStatus.AGREED,
                        "version": 1,
                    }
                )
        await _batched(store, t.Meeting.__table__, meeting_rows)
        async with store.reading() as session:
            meetings = list(
                (
                    await session.execute(
                        select(t.Meeting.id, t.Meeting.locality_id, t.Meeting.started_at).where(
                            t.Meeting.conversation_id.like("19:bench-%")
                        )
                    )
                ).all()
            )
        item_rows = [
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
        ]
        await _batched(store, t.AgendaItem.__table__, item_rows)
        async with store.reading() as session:
            item_of = dict(
                (
                    await session.execute(
                        select(t.AgendaItem.meeting_id, t.AgendaItem.id).where(
                            t.AgendaItem.meeting_id.in_([m[0] for m in meetings])
                        )
                    )
                ).all()
            )
        minute_rows = [
            {
                "meeting_id": meeting_id,
                "item_id": item_of[meeting_id],
                "kind": "minute",
                "text": f"Discussed CR-{meeting_id:04d}; partners shared updates.",
                "author_member_id": chair.id,
                "created_at": started + timedelta(minutes=20),
            }
            for meeting_id, _loc, started in meetings
        ]
        await _batched(store, t.MinuteEntry.__table__, minute_rows)

        # -- the register: one child with 30 links and three years of history -------------
        scarborough = await _rows(
            store, select(t.Locality.id).where(t.Locality.code == BENCH_SUBJECT_LOCALITY)
        )
        subject_locality = scarborough[0][0]
        subject_id, subject_events = await _bench_subject(
            store,
            keys,
            subject_locality,
            sorted((m for m in meetings if m[1] == subject_locality), key=lambda m: m[2]),
            item_of,
            chair.id,
            agencies,
            now,
        )

        # -- actions: the benchmark owner's 20 open ones, then the rest --------------------
        owner_localities = [
            loc
            for (loc,) in (
                await _rows(
                    store,
                    select(t.Membership.locality_id).where(t.Membership.member_id == owner.id),
                )
            )
        ]
        action_rows: list[dict[str, Any]] = []

        def add(meeting: Any, member_id: int, agency_id: int, status: str, due: date) -> None:
            meeting_id, locality_id, started = meeting
            created = started + timedelta(minutes=40)
            action_rows.append(
                {
                    "locality_id": locality_id,
                    "meeting_id": meeting_id,
                    "item_id": item_of[meeting_id],
                    "description": f"Share the plan for CR-{len(action_rows):06d} with partners.",
                    "owner_member_id": member_id,
                    "agency_id": agency_id,
                    "due_date": due,
                    "status": status,
                    "created_by_member_id": chair.id,
                    "created_at": created,
                    "updated_at": created,
                    "subject_id": None,
                }
            )

        owner_meetings = [m for m in meetings if m[1] in owner_localities][-6:]
        for n in range(owner_actions):
            add(
                owner_meetings[n % len(owner_meetings)],
                owner.id,
                owner.agency_id,
                ActionStatus.OPEN,
                today + timedelta(days=rng.randint(-20, 40)),
            )
        recent = [m for m in meetings if m[2] >= now - timedelta(days=120)]
        for _ in range(actions - owner_actions):
            is_open = rng.random() < OPEN_SHARE
            meeting = rng.choice(recent if is_open else meetings)
            member_id, agency_id = rng.choice(by_locality[meeting[1]])
            if is_open:
                due = today + timedelta(days=rng.randint(-30, 45))
                status = ActionStatus.OPEN
            else:
                due = meeting[2].date() + timedelta(days=rng.randint(7, 42))
                status = ActionStatus.DONE
            add(meeting, member_id, agency_id, status, due)
        about = [r for r in action_rows if r["locality_id"] == subject_locality]
        for row in rng.sample(about, min(SUBJECT_ACTIONS, len(about))):
            row["subject_id"] = subject_id
        # Their indexes and foreign keys made after the rows are in (bench.bulk).
        async with loading(store, [t.table_of(t.Action), t.table_of(t.ActionEvent)]):
            await _batched(store, t.Action.__table__, action_rows)
            async with store.reading() as session:
                first = await session.scalar(select(func.min(t.Action.id))) or 0
                count = int(await session.scalar(select(func.count(t.Action.id))) or 0)
            event_rows = [
                {
                    "action_id": first + n,
                    "kind": "created",
                    "note": "",
                    "member_id": chair.id,
                    "at": row["created_at"],
                }
                for n, row in enumerate(action_rows)
            ]
            await _batched(store, t.ActionEvent.__table__, event_rows)
        await _maintained(store)
        async with store.reading() as session:
            opened = int(
                await session.scalar(
                    select(func.count(t.Action.id)).where(t.Action.status == ActionStatus.OPEN)
                )
                or 0
            )
            mine = int(
                await session.scalar(
                    select(func.count(t.Action.id)).where(
                        t.Action.status == ActionStatus.OPEN,
                        t.Action.owner_member_id == owner.id,
                    )
                )
                or 0
            )
        return Seeded(
            actions=count,
            open_actions=opened,
            members=len(demo) + extra,
            meetings=len(meetings),
            bench_owner_open=mine,
            subject_links=SUBJECT_LINKS,
            subject_events=subject_events,
            subject_actions=sum(1 for r in action_rows if r.get("subject_id") == subject_id),
        )
    finally:
        await store.close()


#: What the bench subject links to, in turn: kinds a child may be linked with.
_LINKED_KINDS = (SubjectKind.GROUP, SubjectKind.LOCATION, SubjectKind.PERSON, SubjectKind.THEME)
_LEVELS = tuple(RiskLevel)


async def _bench_subject(
    store: Store,
    keys: KeyRing,
    locality_id: int,
    meetings: list[Any],
    item_of: dict[int, int],
    chair_id: int,
    agencies: list[int],
    now: datetime,
) -> tuple[int, int]:
    """The child ``subject CR-...`` is measured on, with everything its card reads:
    30 linked subjects, a risk change and a discussion in each of the locality's monthly
    meetings (three years), a round about it in each with four answers (one agency
    answering twice). Returns its id and how many history events it has."""

    def subject_row(kind: SubjectKind, reference: str, initials: str, n: int) -> dict[str, Any]:
        first = meetings[0][2].date()
        return {
            "locality_id": locality_id,
            "kind": kind.value,
            "reference": reference,
            "initials": initials,
            "reference_index": subject_index(keys, locality_id, kind.value, reference),
            "created_at": meetings[0][2],
            "risk_level": _LEVELS[n % len(_LEVELS)].value,
            "status": "open",
            "status_reason": None,
            "lead_agency_id": agencies[n % len(agencies)],
            "first_discussed_on": first,
            "last_discussed_on": meetings[-1][2].date(),
            "checks": None,
            "updated_at": now,
        }

    child = subject_row(SubjectKind.CHILD, BENCH_SUBJECT, "BS", 3)
    linked = [
        subject_row(
            kind,
            f"BENCH/{n:04d}" if kind is SubjectKind.PERSON else f"Bench {kind.value} {n:02d}",
            "XY" if kind is SubjectKind.PERSON else "",
            n,
        )
        for n in range(SUBJECT_LINKS)
        for kind in [_LINKED_KINDS[n % len(_LINKED_KINDS)]]
    ]
    await _batched(store, t.Subject.__table__, [child, *linked])
    ids = dict(
        await _rows(
            store,
            select(t.Subject.reference_index, t.Subject.id).where(
                t.Subject.locality_id == locality_id
            ),
        )
    )
    subject_id = ids[child["reference_index"]]
    other_ids = [ids[row["reference_index"]] for row in linked]
    strands = [sid for (sid,) in await _rows(store, select(t.Strand.id).order_by(t.Strand.id))]
    await _batched(
        store,
        t.SubjectStrand.__table__,
        [{"subject_id": subject_id, "strand_id": sid} for sid in strands[:3]],
    )
    links = []
    for n, other in enumerate(other_ids):
        low, high = link_pair(subject_id, other)
        meeting_id, _loc, started = meetings[n % len(meetings)]
        links.append(
            {
                "subject_a_id": low,
                "subject_b_id": high,
                "reason": f"Seen together, noted in meeting {n + 1}.",
                "locality_id": locality_id,
                "meeting_id": meeting_id,
                "member_id": chair_id,
                "created_at": started,
                "removed_at": None,
                "removed_by_member_id": None,
            }
        )
    await _batched(store, t.SubjectLink.__table__, links)
    events = []
    placed = []
    minutes = []
    rounds = []
    previous = ""
    for n, (meeting_id, _loc, started) in enumerate(meetings):
        level = _LEVELS[(n // 3) % len(_LEVELS)].value if n % 2 else _LEVELS[n % 3].value
        events.append(
            {
                "subject_id": subject_id,
                "kind": SubjectEventKind.RISK.value,
                "value": level,
                "previous": previous,
                "reason": f"Reviewed in month {n + 1}: partners' updates.",
                "meeting_id": meeting_id,
                "member_id": chair_id,
                "locality_id": locality_id,
                "at": started + timedelta(minutes=15),
            }
        )
        previous = level
        placed.append(
            {
                "meeting_id": meeting_id,
                "item_id": item_of[meeting_id],
                "subject_id": subject_id,
                "position": 1,
                "status": "done",
                "added_by_member_id": chair_id,
                "added_at": started,
            }
        )
        minutes.append(
            {
                "meeting_id": meeting_id,
                "item_id": item_of[meeting_id],
                "kind": "decision",
                "text": f"{BENCH_SUBJECT}: plan reviewed, risk agreed.",
                "subject_id": subject_id,
                "author_member_id": chair_id,
                "created_at": started + timedelta(minutes=16),
            }
        )
        rounds.append(
            {
                "meeting_id": meeting_id,
                "item_id": item_of[meeting_id],
                "status": "closed",
                "opened_by_member_id": chair_id,
                "opened_at": started + timedelta(minutes=5),
                "closed_at": started + timedelta(minutes=14),
                "activity_id": None,
                "open_meeting_id": None,
                "subject_id": subject_id,
            }
        )
    await _batched(store, t.SubjectEvent.__table__, events)
    await _batched(store, t.ItemSubject.__table__, placed)
    await _batched(store, t.MinuteEntry.__table__, minutes)
    await _batched(store, t.ShareRound.__table__, rounds)
    round_rows = await _rows(
        store,
        select(t.ShareRound.id, t.ShareRound.opened_at)
        .where(t.ShareRound.subject_id == subject_id)
        .order_by(t.ShareRound.id),
    )
    turns = [
        {
            "round_id": round_id,
            "agency_id": agencies[k % 3],
            "outcome": "shared",
            "text": f"Answer {k + 1}: what our service holds.",
            "service": "CAMHS" if k == 2 else None,
            "member_id": chair_id,
            "at": opened + timedelta(minutes=k + 1),
        }
        for round_id, opened in round_rows
        for k in range(4)  # agency 0 answers twice
    ]
    await _batched(store, t.RoundTurn.__table__, turns)
    return subject_id, len(events)


async def _rows(store: Store, query: Any) -> list[Any]:
    async with store.reading() as session:
        return list((await session.execute(query)).all())


async def _maintained(store: Store) -> None:
    """As autovacuum leaves a database in service: statistics gathered and the visibility
    map set (index-only scans need it). On these machines autovacuum is off, and a store
    measured straight after a bulk load is one no deployed database ever is."""
    if store.engine.dialect.name != "postgresql":
        return
    async with store.engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.exec_driver_sql("VACUUM (ANALYZE)")
