"""Outstanding actions: one page read at a time, counted in SQL, the same rows as the export.

The card reads only the page it shows (and decrypts only its descriptions); the export reads
every row. Both go through one query, so these tests check that a page carries everything
a row shows, that the pages together are exactly the export in due-date order, and that
the filters and access rules hold for both.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, insert, select

from bot.domain.clock import FrozenClock
from bot.domain.errors import NotPermitted
from bot.domain.filters import ActionFilter, FilterError
from bot.domain.model import ActionStatus
from bot.domain.views import OutstandingActionRow
from bot.services.actions import ActionService
from bot.services.context import ActorRef
from bot.store import tables as t
from bot.store.db import Store
from tests.support.records import MeetingIds, Records, utc

TODAY = date(2026, 11, 19)  # the London date of the clock fixture (conftest.MEETING_DAY)
POLICE = "North Yorkshire Police"
HEALTH = "Health (CAMHS, Healthy Child Team, named nurses)"


@dataclass(frozen=True, slots=True)
class Seeded:
    n: int  # the order added in, as the ids are
    description: str
    locality: str
    owner: str
    agency: str
    due: date


async def actor(store: Store, name: str) -> ActorRef:
    member = await Records(store).member(name)
    return ActorRef(teams_user_id=f"teams-{member.id}", aad_object_id=member.aad_object_id)


async def add_action(
    store: Store,
    meeting: MeetingIds,
    description: str,
    owner: str,
    due: date,
    *,
    status: str = "open",
    subject_id: int | None = None,
    escalated_at: datetime | None = None,
    events: tuple[tuple[str, str, datetime], ...] = (),
) -> int:
    return await Records(store).action(
        meeting,
        description,
        owner=owner,
        due=due,
        created=utc(2026, 11, 1, 11),
        status=status,
        subject_id=subject_id,
        escalated_at=escalated_at,
        events=events,
    )


#: (locality, owners there, with their agency names)
GROUPS = (
    ("scarborough", (("Priya Shah", POLICE), ("Dana Reeves", HEALTH))),
    ("harrogate", (("Harper Lane", POLICE), ("Kit Fenwick", HEALTH))),
    ("ryedale", (("Priya Shah", POLICE),)),
)


async def seed(store: Store, count: int = 23) -> list[Seeded]:
    """``count`` open actions over three groups (due dates repeat, so order falls back on
    the id), and two closed ones that no list may show."""
    r = Records(store)
    meetings = {
        "scarborough": await r.meeting("scarborough", utc(2026, 10, 15)),
        "harrogate": await r.meeting("harrogate", utc(2026, 11, 5)),
        "ryedale": await r.meeting("ryedale", utc(2026, 11, 12)),
    }
    seeded = []
    for n in range(count):
        locality, owners = GROUPS[n % len(GROUPS)]
        owner, agency = owners[n % len(owners)]
        due = TODAY + timedelta(days=(n * 7) % 19 - 9)
        description = f"Outstanding action {n:02d} in {locality}."
        await add_action(store, meetings[locality], description, owner, due)
        seeded.append(Seeded(n, description, locality.title(), owner, agency, due))
    for locality in ("scarborough", "harrogate"):
        await add_action(
            store, meetings[locality], f"Closed in {locality}.", "Priya Shah", TODAY, status="done"
        )
    return seeded


def in_order(rows: list[Seeded]) -> list[str]:
    """Descriptions as a list shows them: by due date, then as added (the id)."""
    return [s.description for s in sorted(rows, key=lambda s: (s.due, s.n))]


def service(store: Store, clock: FrozenClock) -> ActionService:
    return ActionService(store, clock, ["police"])


async def test_a_page_carries_everything_a_row_shows(demo_store: Store, clock: FrozenClock) -> None:
    r = Records(demo_store)
    meeting = await r.meeting("scarborough", utc(2026, 10, 15))
    child = await r.subject("scarborough", "CR-0001", "JS")
    escalated = utc(2026, 11, 18, 9)
    detailed = await add_action(
        demo_store,
        meeting,
        "Return home interview for CR-0001.",
        "Priya Shah",
        date(2026, 11, 12),
        subject_id=child,
        escalated_at=escalated,
        events=(
            ("update", "Booked for 13 Nov.", utc(2026, 11, 10)),
            ("update", "Moved: the school asked for a later slot.", utc(2026, 11, 14)),
            ("update", "An earlier note, recorded later by id.", utc(2026, 11, 11)),
            ("date_requested", "2026-11-30: waiting on the school", utc(2026, 11, 15)),
        ),
    )
    plain = await add_action(
        demo_store, meeting, "Share the plan with housing.", "Dana Reeves", date(2026, 11, 26)
    )

    page = await service(demo_store, clock).outstanding(
        await actor(demo_store, "Riley Quinn"), ActionFilter()
    )

    assert (page.total, page.page, page.pages) == (2, 1, 1)
    assert page.rows == (
        OutstandingActionRow(
            id=detailed,
            locality="Scarborough",
            description="Return home interview for CR-0001.",
            owner_name="Priya Shah",
            agency_name=POLICE,
            due_date=date(2026, 11, 12),
            status=ActionStatus.OPEN,
            subject="CR-0001 (J.S.)",
            raised_on=date(2026, 10, 15),
            days_overdue=7,
            escalated=True,
            last_update="Moved: the school asked for a later slot.",
            last_update_at=utc(2026, 11, 14),
        ),
        OutstandingActionRow(
            id=plain,
            locality="Scarborough",
            description="Share the plan with housing.",
            owner_name="Dana Reeves",
            agency_name=HEALTH,
            due_date=date(2026, 11, 26),
            status=ActionStatus.OPEN,
            subject=None,
            raised_on=date(2026, 10, 15),
            days_overdue=0,
            escalated=False,
            last_update="",
            last_update_at=None,
        ),
    )
    assert page.rows[0].last_update_at is not None
    assert page.rows[0].last_update_at.tzinfo is UTC


async def test_the_pages_together_are_the_export_in_due_date_order(
    demo_store: Store, clock: FrozenClock
) -> None:
    seeded = await seed(demo_store)
    actions = service(demo_store, clock)
    coordinator = await actor(demo_store, "Riley Quinn")

    everything = await actions.outstanding_all(coordinator, ActionFilter())
    assert [row.description for row in everything] == in_order(seeded)

    pages = [await actions.outstanding(coordinator, ActionFilter(), n) for n in (1, 2, 3)]
    assert [(p.total, p.page, p.pages, len(p.rows)) for p in pages] == [
        (23, 1, 3, 10),
        (23, 2, 3, 10),
        (23, 3, 3, 3),
    ]
    assert [row for p in pages for row in p.rows] == everything
    shown = {row.description: (row.locality, row.owner_name, row.agency_name) for row in everything}
    assert shown == {s.description: (s.locality, s.owner, s.agency) for s in seeded}
    overdue = {row.description: row.days_overdue for row in everything}
    assert overdue == {s.description: max(0, (TODAY - s.due).days) for s in seeded}

    # Out of range: past the end shows the last page, before the start the first.
    beyond = await actions.outstanding(coordinator, ActionFilter(), 99)
    assert (beyond.page, beyond.pages, beyond.rows) == (3, 3, pages[2].rows)
    before = await actions.outstanding(coordinator, ActionFilter(), 0)
    assert (before.page, before.rows) == (1, pages[0].rows)
    small = await actions.outstanding(coordinator, ActionFilter(), 5, page_size=4)
    assert (small.page, small.pages, [r.id for r in small.rows]) == (
        5,
        6,
        [r.id for r in everything[16:20]],
    )


async def test_nothing_outstanding_is_one_empty_page(demo_store: Store, clock: FrozenClock) -> None:
    actions = service(demo_store, clock)
    for page in (1, 4):
        empty = await actions.outstanding(
            await actor(demo_store, "Riley Quinn"), ActionFilter(), page
        )
        assert (empty.rows, empty.total, empty.page, empty.pages) == ((), 0, 1, 1)
    assert (
        await actions.outstanding_all(await actor(demo_store, "Riley Quinn"), ActionFilter()) == []
    )


@pytest.mark.parametrize(
    ("wanted", "selects"),
    [
        (ActionFilter(locality="harrogate"), lambda s: s.locality == "Harrogate"),
        (ActionFilter(agency="police"), lambda s: s.agency == POLICE),
        (ActionFilter(owner="priya"), lambda s: s.owner == "Priya Shah"),
        (ActionFilter(overdue_only=True), lambda s: s.due < TODAY),
        (ActionFilter(due_before=date(2026, 11, 22)), lambda s: s.due < date(2026, 11, 22)),
        (
            ActionFilter(locality="scarb", agency="health", overdue_only=True),
            lambda s: s.locality == "Scarborough" and s.agency == HEALTH and s.due < TODAY,
        ),
    ],
    ids=["in", "for", "owned-by", "overdue", "due-before", "combined"],
)
async def test_filters_select_the_same_rows_for_the_card_and_the_export(
    demo_store: Store, clock: FrozenClock, wanted: ActionFilter, selects: object
) -> None:
    seeded = await seed(demo_store)
    expected = in_order([s for s in seeded if selects(s)])  # type: ignore[operator]
    assert expected, "each filter selects something"
    actions = service(demo_store, clock)
    coordinator = await actor(demo_store, "Riley Quinn")

    exported = await actions.outstanding_all(coordinator, wanted)
    first = await actions.outstanding(coordinator, wanted, page_size=5)
    assert [row.description for row in exported] == expected
    assert first.total == len(expected) and first.pages == -(-len(expected) // 5)
    assert list(first.rows) == exported[:5]
    assert first.description == wanted.describe()
    carried = ActionFilter.from_data(dict(first.filter_data))
    assert replace(carried, owner_ids=()) == wanted, "the card's buttons keep the filter"
    # A page's address carries an owner by member number, never by name: the same rows.
    by_number = replace(carried, owner=None)
    assert [r.description for r in await actions.outstanding_all(coordinator, by_number)] == (
        expected
    )


async def test_each_person_sees_what_their_role_allows(
    demo_store: Store, clock: FrozenClock
) -> None:
    seeded = await seed(demo_store)
    actions = service(demo_store, clock)

    async def shown(name: str) -> list[str]:
        who = await actor(demo_store, name)
        page = await actions.outstanding(who, ActionFilter(), page_size=100)
        exported = await actions.outstanding_all(who, ActionFilter())
        assert list(page.rows) == exported and page.total == len(exported)
        return [row.description for row in exported]

    # A partner: their own only, wherever they are.
    assert await shown("Dana Reeves") == in_order([s for s in seeded if s.owner == "Dana Reeves"])
    # A chair: their group's, and their own elsewhere (none here).
    harrogate = [s for s in seeded if s.locality == "Harrogate"]
    assert await shown("Harper Lane") == in_order(harrogate)
    # Made police lead in Scarborough too: Scarborough's police actions join the list.
    lead = await Records(demo_store).member("Harper Lane")
    async with demo_store.transaction() as session:
        scarborough = await session.scalar(
            select(t.Locality.id).where(t.Locality.code == "scarborough")
        )
        session.add(t.Membership(member_id=lead.id, locality_id=scarborough, role="agency_lead"))
    police_there = [s for s in seeded if s.locality == "Scarborough" and s.agency == POLICE]
    assert await shown("Harper Lane") == in_order(harrogate + police_there)
    # Her own actions: one in Scarborough (hers, and her agency's there), one in Ryedale
    # (none of her groups). Each is listed once, whichever ways she may see it.
    r = Records(demo_store)
    own = []
    for n, locality in enumerate(("scarborough", "ryedale")):
        description = f"Harper's own action in {locality}."
        meeting = await r.meeting(locality, utc(2026, 11, 16))
        await add_action(demo_store, meeting, description, "Harper Lane", TODAY)
        own.append(Seeded(100 + n, description, locality.title(), "Harper Lane", POLICE, TODAY))
    assert await shown("Harper Lane") == in_order(harrogate + police_there + own)
    # A coordinator of every group: everything open.
    assert await shown("Riley Quinn") == in_order(seeded + own)


async def test_a_group_outside_yours_is_refused_by_name(
    demo_store: Store, clock: FrozenClock
) -> None:
    await seed(demo_store)
    actions = service(demo_store, clock)
    with pytest.raises(FilterError, match="Yours: Scarborough"):
        await actions.outstanding(await actor(demo_store, "Dana Reeves"), ActionFilter("harrogate"))
    with pytest.raises(FilterError, match="Agencies:"):
        await actions.outstanding_all(
            await actor(demo_store, "Riley Quinn"), ActionFilter(agency="coastguard")
        )
    with pytest.raises(NotPermitted):
        await actions.outstanding(ActorRef("nobody", "no-such-aad"), ActionFilter())


# -- the plan: a page is read from the index, never by scanning the table ---------------
# (nor the open actions of groups the person has no part in: issue 18, a store of ten
# partnerships' actions)


#: Groups of two other partnerships in the same store: nobody of the demo's is in them.
OTHER_GROUPS = tuple(f"other-{n:02d}" for n in range(14))


async def bulk_actions(store: Store, count: int) -> None:
    """``count`` actions over every group, the demo's and ``OTHER_GROUPS``, a tenth of
    them open, in one insert (as the benchmark's seed does): enough rows for the planner
    to prefer an index to a scan, two thirds of them in groups the coordinator is not in."""
    r = Records(store)
    async with store.transaction() as session:
        session.add_all(t.Locality(code=code, name=code.title()) for code in OTHER_GROUPS)
    async with store.reading() as session:
        codes = list(await session.scalars(select(t.Locality.code)))
        members = (await session.execute(select(t.Member.id, t.Member.agency_id))).all()
    meetings = [await r.meeting(code, utc(2026, 10, 15)) for code in codes]
    created = utc(2026, 10, 15, 11)
    rows = []
    for n in range(count):
        meeting = meetings[n % len(meetings)]
        owner, agency = members[n % len(members)]
        rows.append(
            {
                "locality_id": meeting.locality_id,
                "meeting_id": meeting.id,
                "item_id": meeting.item_id,
                "description": f"Bulk action {n}.",
                "owner_member_id": owner,
                "agency_id": agency,
                "due_date": TODAY + timedelta(days=n % 61 - 30),
                "status": "open" if n % 10 == 0 else "done",
                "created_by_member_id": owner,
                "created_at": created,
                "updated_at": created,
                "request_reason": "",
            }
        )
    async with store.engine.begin() as conn:
        await conn.execute(insert(t.Action.__table__), rows)


async def page_plan(store: Store, clock: FrozenClock, name: str = "Riley Quinn") -> str:
    """The plan of the statement that reads a page (page 3, all groups, no filter)."""
    caught: list[tuple[str, object]] = []

    def catch(
        _conn: object, _cursor: object, statement: str, parameters: object, *_: object
    ) -> None:
        if "OVER ()" in statement:
            caught.append((statement, parameters))

    event.listen(store.engine.sync_engine, "before_cursor_execute", catch)
    try:
        page = await service(store, clock).outstanding(await actor(store, name), ActionFilter(), 3)
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", catch)
    assert page.page == 3 and len(page.rows) == 10
    [(statement, parameters)] = caught
    sqlite = store.engine.dialect.name == "sqlite"
    explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (COSTS OFF) "
    async with store.engine.connect() as conn:
        rows = (await conn.exec_driver_sql(explain + statement, parameters)).all()  # type: ignore[arg-type]
    return "\n".join(str(row[-1]) for row in rows)


async def test_a_page_is_read_from_the_index_not_by_scanning_the_table(
    demo_store: Store, clock: FrozenClock
) -> None:
    await bulk_actions(demo_store, 8_000)
    plan = await page_plan(demo_store, clock)
    if demo_store.engine.dialect.name == "sqlite":
        # Each of the coordinator's groups a range of the index; their own actions
        # elsewhere a range of the owner's.
        by_group = "SEARCH actions USING COVERING INDEX ix_actions_status_locality"
        assert f"{by_group} (status=? AND locality_id=?)" in plan, plan
        by_owner = "SEARCH actions USING COVERING INDEX ix_actions_owner_status"
        assert f"{by_owner} (owner_member_id=? AND status=?)" in plan, plan
        assert not any(line.startswith("SCAN actions") for line in plan.splitlines()), plan
        return
    # Freshly filled, with no statistics yet (as the benchmark's store is), and once
    # vacuumed and analysed (as autovacuum leaves a live store): the coordinator's groups
    # are ranges of the index, read alone (their group ids are the index condition, not
    # a filter over every group's open actions), their own actions elsewhere a range of
    # the owner's index, and no table rows are read to choose or count the page.
    for analysed in (False, True):
        if analysed:
            async with demo_store.engine.connect() as conn:
                autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.exec_driver_sql("VACUUM ANALYZE actions")
            plan = await page_plan(demo_store, clock)
        assert "Seq Scan on actions" not in plan, plan
        lines = plan.splitlines()
        scans = [n for n, line in enumerate(lines) if "Index Only Scan using" in line]
        assert [lines[n].split(" using ")[1].split()[0] for n in scans] == [
            "ix_actions_status_locality",
            "ix_actions_owner_status",
        ], plan
        by_group, by_owner = (lines[n + 1].strip() for n in scans)
        assert by_group.startswith("Index Cond: ((status = 'open'::text) AND (locality_id = ANY"), (
            plan
        )
        assert by_owner.startswith("Index Cond: ((owner_member_id = "), plan
