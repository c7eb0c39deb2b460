"""Issue 18: no work skipped to win a figure. Every path the benchmark measures still
audits what it shows, checks who may see it, keeps what is sensitive encrypted and
answers (or records) a resent activity once, shown with the benchmark's own requests.

Each measured path is one row of ``PATHS``: who the benchmark sends it as, how its
request is built (by bench.activities and bench.pages, as bench.run builds it), what its
answer must show to be the measured page (the benchmark's own check where it has one),
what that answer keeps at rest, the audit entry it leaves, and someone the same request
must show nothing of it to. Four tests run over the rows, on SQLite and PostgreSQL, against
the benchmark's seed (bench.seed, 2,000 actions): a new scenario is a new row.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from bench.activities import (
    CHAIR,
    COORDINATOR,
    MINUTE_TAKER,
    OWNER,
    meeting_in_progress,
    minute,
    personal,
    start_meeting,
)
from bench.measure import PAGE, Build
from bench.pages import DASHBOARD_LOCALITY, stand_in_session
from bench.seed import BENCH_SUBJECT
from bot.domain.model import ActionStatus
from bot.store import audit
from bot.store import tables as t
from bot.store.crypto import is_ciphertext
from tests.bench.harness import Answer, BenchBot
from tests.e2e.harness import DEMO
from tests.e2e.scenario import audit_head_id, audit_since
from tests.e2e.test_at_rest import raw_database
from tests.support.activities import TeamsUser

#: A member of another group (Harrogate's chair): resolved as a member, so only the
#: path's own check of what a member may see stands between them and the answer.
OUTSIDER = DEMO["harrogate_chair"]

#: The descriptions the seed gives actions name a case reference of six digits.
ACTION_REF = re.compile(r"CR-\d{6}")


@dataclass(frozen=True)
class Kept:
    """Something sensitive a path showed or wrote, and the row and column keeping it:
    encrypted with the column's context, or (``hashed``) only its SHA-256."""

    table: str
    column: str
    row_id: int
    plain: str
    hashed: bool = False


Request = Callable[[BenchBot, TeamsUser], Awaitable[tuple[str, Build]]]
Shown = Callable[[BenchBot, Answer], Awaitable[list[Kept]]]
Refused = Callable[[BenchBot, Answer, Answer, TeamsUser], Awaitable[None]]
Written = Callable[[BenchBot], Awaitable[int]]


@dataclass(frozen=True)
class MeasuredPath:
    name: str
    #: Who the benchmark sends the request as.
    person: TeamsUser
    #: Where the request goes and the benchmark's builder of it, for ``who``.
    request: Request
    #: Asserts the answer is what the benchmark measures; returns what it showed or wrote
    #: that is sensitive.
    shown: Shown
    #: The entry it must add to the audit trail: (action, record type).
    audited: tuple[str, str]
    #: Asserts that an outsider's answer (second) shows nothing of the person's (first).
    refused: Refused
    #: Who must be shown nothing of it: a member of another group, and for a path that
    #: checks a role too, a member of the same group without it.
    outsiders: tuple[TeamsUser, ...] = (OUTSIDER,)
    #: An activity, answered once when resent. False: a page GET, which carries no
    #: activity id to claim and records nothing (a second GET is a second view, audited).
    resent: bool = True
    #: What it records, counted: a resend adds none.
    written: Written | None = None


# -- chat: my actions, outstanding actions, subject CR-... --------------------------------


def chat(text: str, tag: str) -> Request:
    async def request(bench: BenchBot, who: TeamsUser) -> tuple[str, Build]:
        return bench.messages_url, personal(text, who, bench.service_url, tag)

    return request


async def actions_named(bench: BenchBot, answer: Answer) -> list[t.Action]:
    """The seeded actions whose descriptions the answer shows, in full."""
    refs = sorted(set(ACTION_REF.findall(answer.shown)))
    async with bench.store.reading() as session:
        actions = list(await session.scalars(select(t.Action)))
    by_ref = {ACTION_REF.findall(a.description)[0]: a for a in actions}
    assert set(refs) <= by_ref.keys()
    found = [by_ref[ref] for ref in refs]
    assert all(a.description in answer.shown for a in found)
    return found


def descriptions(actions: list[t.Action]) -> list[Kept]:
    return [Kept("actions", "description", a.id, a.description) for a in actions]


async def my_actions_shown(bench: BenchBot, answer: Answer) -> list[Kept]:
    owner = await bench.member_id(OWNER)
    mine = await actions_named(bench, answer)
    assert answer.ok and mine, "the owner's card lists their actions"
    assert all(a.owner_member_id == owner and a.status == ActionStatus.OPEN for a in mine)
    return descriptions(mine)


async def my_actions_refused(
    bench: BenchBot, person: Answer, outsider: Answer, who: TeamsUser
) -> None:
    """Each sees only their own: none of the owner's, nothing the outsider does not own."""
    theirs = {a.description for a in await actions_named(bench, person)}
    assert theirs and not [d for d in theirs if d in outsider.shown]
    own = await bench.member_id(who)
    assert all(a.owner_member_id == own for a in await actions_named(bench, outsider))


async def outstanding_shown(bench: BenchBot, answer: Answer) -> list[Kept]:
    listed = await actions_named(bench, answer)
    assert answer.ok and listed, "the coordinator's card lists open actions"
    assert all(a.status == ActionStatus.OPEN for a in listed)
    return descriptions(listed)


async def outstanding_refused(
    bench: BenchBot, person: Answer, outsider: Answer, who: TeamsUser
) -> None:
    """The coordinator sees every group's; the outsider (a chair) only their group's."""
    groups = await bench.groups_of(who)
    elsewhere = [a for a in await actions_named(bench, person) if a.locality_id not in groups]
    assert elsewhere, "the coordinator's page shows other groups' actions"
    assert not [a for a in elsewhere if a.description in outsider.shown]
    assert all(a.locality_id in groups for a in await actions_named(bench, outsider))


async def subject_shown(bench: BenchBot, answer: Answer) -> list[Kept]:
    assert answer.ok and BENCH_SUBJECT in answer.shown, "the bench's own check (bench.pages)"
    async with bench.store.reading() as session:
        subjects = list(await session.scalars(select(t.Subject)))
        (child,) = [s for s in subjects if s.reference == BENCH_SUBJECT]
        events = list(
            await session.scalars(
                select(t.SubjectEvent).where(t.SubjectEvent.subject_id == child.id)
            )
        )
        links = list(
            await session.scalars(
                select(t.SubjectLink).where(
                    (t.SubjectLink.subject_a_id == child.id)
                    | (t.SubjectLink.subject_b_id == child.id)
                )
            )
        )
    why = [Kept("subject_events", "reason", e.id, e.reason) for e in events]
    linked = [Kept("subject_links", "reason", k.id, k.reason) for k in links]
    why = [k for k in why if k.plain in answer.shown]
    linked = [k for k in linked if k.plain in answer.shown]
    assert why and linked, "the card shows its history and its links, with their reasons"
    return [Kept("subjects", "reference", child.id, BENCH_SUBJECT), *why, *linked]


async def subject_refused(
    bench: BenchBot, person: Answer, outsider: Answer, who: TeamsUser
) -> None:
    assert BENCH_SUBJECT in person.shown
    assert BENCH_SUBJECT not in outsider.shown
    assert "Reviewed in month" not in outsider.shown


# -- a minute recorded from the agenda card ------------------------------------------------


async def minute_request(bench: BenchBot, who: TeamsUser) -> tuple[str, Build]:
    """As bench.run: a meeting started by the chair in the channel, then the minute."""
    try:
        meeting_id, item_id, card_id = await meeting_in_progress(bench.store_url, bench.keys)
    except AssertionError:
        await start_meeting(bench.bot.session, bench.messages_url, bench.service_url)
        await bench.bot.settled()
        meeting_id, item_id, card_id = await meeting_in_progress(bench.store_url, bench.keys)
    return bench.messages_url, minute(meeting_id, item_id, card_id, bench.service_url, who)


def typed(answer: Answer) -> str:
    text = answer.request["value"]["action"]["data"]["minuteText"]
    assert isinstance(text, str)
    return text


async def minutes_written(bench: BenchBot) -> int:
    return await bench.count(t.MinuteEntry, t.MinuteEntry.kind == "minute")


async def minute_shown(bench: BenchBot, answer: Answer) -> list[Kept]:
    body = answer.invoke_answer()
    assert answer.ok and body["type"] == "application/vnd.microsoft.card.adaptive", body
    async with bench.store.reading() as session:
        latest = await session.scalar(select(t.MinuteEntry).order_by(t.MinuteEntry.id.desc()))
    assert latest is not None and latest.text == typed(answer)
    assert latest.author_member_id == await bench.member_id(MINUTE_TAKER)
    return [Kept("minute_entries", "text", latest.id, latest.text)]


async def minute_refused(bench: BenchBot, person: Answer, outsider: Answer, who: TeamsUser) -> None:
    body = outsider.invoke_answer()
    assert body["type"] == "application/vnd.microsoft.activity.message", body
    assert "Sorry" in body["value"]
    async with bench.store.reading() as session:
        texts = list(await session.scalars(select(t.MinuteEntry.text)))
    assert typed(person) in texts and typed(outsider) not in texts


# -- the locality dashboard ----------------------------------------------------------------


async def dashboard_request(bench: BenchBot, who: TeamsUser) -> tuple[str, Build]:
    """As bench.pages: a session from the stand-in sign-in, then GETs of the page."""
    cookie = await stand_in_session(bench.bot.session, bench.pages_url, who.name)
    url = f"{bench.pages_url}/localities/{DASHBOARD_LOCALITY}/dashboard"
    return url, lambda _n: {PAGE: cookie}


DASHBOARD_TITLE = "Scarborough: dashboard"


async def dashboard_shown(bench: BenchBot, answer: Answer) -> list[Kept]:
    """The page shows figures (counts), not case text: what it reads that is sensitive is
    the session its cookie names, which the store keeps only as the cookie's SHA-256."""
    assert answer.ok and DASHBOARD_TITLE in answer.shown, "the bench's own check (bench.pages)"
    secret = answer.request[PAGE]
    coordinator = await bench.member_id(COORDINATOR)
    async with bench.store.reading() as session:
        found = await session.scalar(
            select(t.WebSession.id)
            .where(t.WebSession.member_id == coordinator, t.WebSession.ended_at.is_(None))
            .order_by(t.WebSession.id.desc())
        )
    assert found is not None, "the stand-in's session"
    return [Kept("web_sessions", "secret_hash", found, secret, hashed=True)]


async def dashboard_refused(
    bench: BenchBot, person: Answer, outsider: Answer, who: TeamsUser
) -> None:
    assert DASHBOARD_TITLE in person.shown
    assert outsider.status == 403 and DASHBOARD_TITLE not in outsider.shown
    assert "<svg" not in outsider.shown, "no chart, no figure"


PATHS = [
    MeasuredPath(
        "my actions",
        OWNER,
        chat("my actions", "mine"),
        my_actions_shown,
        ("view", "actions"),
        my_actions_refused,
    ),
    MeasuredPath(
        "record a minute",
        MINUTE_TAKER,
        minute_request,
        minute_shown,
        ("create", "minute_entries"),
        minute_refused,
        outsiders=(OUTSIDER, OWNER),  # OWNER: a partner of the group, who may not record
        written=minutes_written,
    ),
    MeasuredPath(
        "outstanding actions",
        COORDINATOR,
        chat("outstanding actions", "out"),
        outstanding_shown,
        ("view", "actions"),
        outstanding_refused,
    ),
    MeasuredPath(
        f"subject {BENCH_SUBJECT}",
        CHAIR,
        chat(f"subject {BENCH_SUBJECT}", "subject"),
        subject_shown,
        ("view", "subjects"),
        subject_refused,
    ),
    MeasuredPath(
        "locality dashboard",
        COORDINATOR,
        dashboard_request,
        dashboard_shown,
        ("view", "dashboard"),
        dashboard_refused,
        outsiders=(OUTSIDER, OWNER),  # OWNER: a partner of the group, not its coordinator
        resent=False,
    ),
]

each_path = pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])


async def send_as(bench: BenchBot, path: MeasuredPath, who: TeamsUser, n: int = 1) -> Answer:
    url, build = await path.request(bench, who)
    return await bench.send(url, build(n))


@each_path
async def test_the_request_is_audited(bench: BenchBot, path: MeasuredPath) -> None:
    """Its entry is in the trail once the answer is back (a view's entry is committed
    before the view is shown, bot.store.audit.ViewLog), under the person, in the chain."""
    url, build = await path.request(bench, path.person)
    mark = await audit_head_id(bench.store)
    answer = await bench.send(url, build(1))
    kept = await path.shown(bench, answer)
    entries = await audit_since(bench.store, mark)
    action, record_type = path.audited
    found = [e for e in entries if (e.action, e.record_type) == (action, record_type)]
    actor = f"member:{await bench.member_id(path.person)}"
    assert [e.actor for e in found] == [actor], [(e.action, e.record_type) for e in entries]
    one = [str(k.row_id) for k in kept if k.table == record_type]
    if len(one) == 1:  # one record shown or written (not a list): the entry names it
        assert found[0].record_id == one[0]
    assert (await audit.verify_store(bench.store.engine)).ok


@each_path
async def test_someone_who_may_not_see_it_is_shown_nothing_of_it(
    bench: BenchBot, path: MeasuredPath
) -> None:
    """The same request, built by the same builder, from a member of another group (and
    for a path that checks a role, a member of the group without that role)."""
    person = await send_as(bench, path, path.person, 1)
    await path.shown(bench, person)
    for n, who in enumerate(path.outsiders, start=2):
        outsider = await send_as(bench, path, who, n)
        await path.refused(bench, person, outsider, who)


@each_path
async def test_what_it_shows_or_writes_is_encrypted_at_rest(
    bench: BenchBot, path: MeasuredPath
) -> None:
    """Read back with plain SQL: the column holds the value's ciphertext (or hash), and
    the value is nowhere in the database as stored."""
    answer = await send_as(bench, path, path.person)
    kept = await path.shown(bench, answer)
    assert kept
    for k in kept:
        stored = await bench.raw(k.table, k.column, k.row_id)
        assert k.plain not in stored
        if k.hashed:
            assert stored == hashlib.sha256(k.plain.encode()).hexdigest()
        else:
            assert is_ciphertext(stored), stored[:20]
            assert bench.keys.decrypt(stored, f"{k.table}.{k.column}") == k.plain
    haystack = await raw_database(bench.store)
    assert not [k.plain for k in kept if k.plain in haystack]


@pytest.mark.parametrize(
    "path", [p for p in PATHS if p.resent], ids=[p.name for p in PATHS if p.resent]
)
async def test_the_same_activity_twice_is_answered_and_recorded_once(
    bench: BenchBot, path: MeasuredPath
) -> None:
    """Teams resends a slow turn with the same activity id. The first delivery claims the
    id (``processed_activities``): with its write for a minute, as its answer goes out for
    a read. The resend posts and edits nothing; a read's finds the claim and adds none, a
    minute's records nothing and is answered "Already recorded." (an invoke is answered)."""
    url, build = await path.request(bench, path.person)
    activity = build(1)
    claims = await bench.count(t.ProcessedActivity)
    written = await path.written(bench) if path.written else 0
    first = await bench.send(url, activity)
    await path.shown(bench, first)
    assert first.posted or first.body, "the first delivery is answered"
    assert await bench.count(t.ProcessedActivity) == claims + 1
    if path.written:
        assert await path.written(bench) == written + 1
    again = await bench.send(url, activity)
    assert again.ok
    if path.written:
        assert await path.written(bench) == written + 1, "recorded once"
        assert again.invoke_answer()["value"] == "Already recorded."
    else:
        assert await bench.count(t.ProcessedActivity) == claims + 1
    assert not again.posted and not again.updated, again.posted
