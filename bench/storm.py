"""A meeting's busiest minute: 40 people press "I'm here" and 10 minutes are recorded
within one second in one meeting, against a fake connector that enforces Teams' limits.

``mace-bot serve`` (bench/servers.py) runs on a seeded store; the chair starts a meeting in
the group's channel (bench/activities.py); then 50 ``adaptiveCard/action`` invokes from the
agenda card, shaped as the Playground sends them (tests/support/activities.py), each on its
own connection, start at even steps over one second in a shuffled order: 40 ``attendance.self``
presses by 40 distinct members of the group (at most four per agency, so no attendance line
is cut short on the card and every name can be counted) and 10 ``item.minute`` by the
group's minute-taker. The fake connector (tests/support/fake_connector.py) answers 429
with ``Retry-After`` past any of Teams' windows (tests/support/teams_limits.py) and keeps
the bodies of the meeting's conversation only.

Measured:

* ``meeting_storm_recorded``: every press and minute recorded once. Read from the store:
  the meeting's version moved by 41 to 50 (each press bumps it once; minutes recorded at
  the same moment are written together, bot/services/entry_batches.py, and each batch
  bumps it once), 40 names on the attendance rows each once, 40 attendees (asked to
  rate), 10 minutes with their texts each once. Then five of the 50 activities are sent
  again with the same ids, as Teams resends a turn it waited too long for, and the store
  is read again: nothing moved.
* ``meeting_storm_final_card``: seconds from the last of the 50 answers to the arrival at
  the fake of the first edit of the agenda card showing 40 present and 10 minutes
  (negative if it arrived before that answer).
* ``meeting_storm_429``: the 429s the fake answered the bot, from the meeting's start to
  the end of the observation (``QUIET`` seconds after the final card, resends included).
* ``meeting_storm_edits_in_order``: the agenda card's edits, in the order they arrived:
  neither count ever lower than the edit before, the last showing the final state.
* ``meeting_storm_answered``: each of the 50 answered 200 with a card (a press with a card
  naming the person who pressed), and the slowest answer.

``python -m bench.storm [runs]`` seeds a store of its own for each run (as ``make bench``'s
10,000-action store) and prints the lines; ``make bench`` runs it on its 10,000-action store.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import re
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

from bench.activities import MINUTE_TAKER, meeting_in_progress, start_meeting
from bench.measure import target
from bench.servers import bot
from bot.store import tables as t
from bot.store.crypto import KeyRing
from bot.store.db import Store, make_engine
from tests.support.activities import CHANNEL_CONVERSATION_ID, TeamsUser, invoke_action
from tests.support.fake_connector import FakeConnector, card_contents
from tests.support.teams_limits import TEAMS_LIMITS

PRESSES = 40
MINUTES = 10
#: The storm is spread over this many seconds, one request every SPREAD / 50.
SPREAD = 1.0
#: At most this many presses from one agency: its attendance line then holds every name.
PER_AGENCY = 4
#: Resent with the same activity ids, as Teams resends a turn: presses, then minutes.
RESENT = (3, 2)
#: After the final card arrives, how long the fake is watched for more edits and 429s.
QUIET = 3.0
FINAL_CARD_TARGET = 3.0
#: How long the final card is waited for before it is reported as never shown.
FINAL_WAIT = 30.0

_PRESENT = re.compile(r": Present – (.+)$")
_MINUTES = re.compile(r"(\d+) minutes?, \d+ decisions?")


@dataclass
class Answer:
    kind: str  # "press" or "minute"
    user: TeamsUser
    activity: dict[str, Any]
    sent: float = 0.0
    answered: float = 0.0
    status: int = 0
    body: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Recorded:
    version: int
    names: Counter[str]
    attendees: int
    minutes: Counter[str]


@dataclass(frozen=True, slots=True)
class StormResult:
    before: Recorded
    after: Recorded
    resent: Recorded
    resent_ok: int
    expected_names: frozenset[str]
    minute_texts: frozenset[str]
    edits: list[tuple[float, int, int]]  # (arrival, present, minutes), in arrival order
    final_at: float | None
    last_answer: float
    answers: list[Answer]
    #: The windows each 429 was answered for, in order.
    refusals: list[str]
    engine: str


def _texts(element: Any) -> Iterator[str]:
    """Every line of text on a card: TextBlocks, and RichTextBlocks' runs joined."""
    if isinstance(element, dict):
        if element.get("type") == "TextBlock" and isinstance(element.get("text"), str):
            yield element["text"]
        elif element.get("type") == "RichTextBlock":
            yield "".join(i.get("text", "") for i in element.get("inlines", []))
        else:
            for value in element.values():
                yield from _texts(value)
    elif isinstance(element, list):
        for value in element:
            yield from _texts(value)


def card_counts(card: dict[str, Any]) -> tuple[int, int]:
    """(people shown present, minutes counted over the items) on an agenda card."""
    present = minutes = 0
    for line in _texts(card.get("body", [])):
        if found := _PRESENT.search(line):
            present += len([n for n in found.group(1).split(", ") if n.strip()])
        for count in _MINUTES.findall(line):
            minutes += int(count)
    return present, minutes


async def _attendees(url: str, keys: KeyRing, meeting_id: int) -> list[TeamsUser]:
    """40 members of the meeting's group, at most ``PER_AGENCY`` from one agency."""
    store = Store(make_engine(url), keys)
    try:
        async with store.reading() as session:
            meeting = await session.get_one(t.Meeting, meeting_id)
            rows = (
                await session.execute(
                    select(t.Member.teams_user_id, t.Member.name, t.Member.aad_object_id)
                    .add_columns(t.Member.agency_id)
                    .join(t.Membership, t.Membership.member_id == t.Member.id)
                    .where(
                        t.Membership.locality_id == meeting.locality_id,
                        t.Member.active.is_(True),
                        t.Member.teams_user_id.is_not(None),
                        t.Member.aad_object_id.is_not(None),
                    )
                    .order_by(t.Member.id)
                )
            ).all()
    finally:
        await store.close()
    chosen: list[TeamsUser] = []
    per_agency: Counter[int] = Counter()
    seen: set[str] = set()
    for teams_id, name, aad, agency in rows:
        if per_agency[agency] >= PER_AGENCY or aad in seen:
            continue
        seen.add(aad)
        per_agency[agency] += 1
        chosen.append(TeamsUser(teams_id, name, aad))
        if len(chosen) == PRESSES:
            return chosen
    raise RuntimeError(f"the group has too few members for {PRESSES} presses")


async def _recorded(url: str, keys: KeyRing, meeting_id: int) -> Recorded:
    store = Store(make_engine(url), keys)
    try:
        async with store.reading() as session:
            meeting = await session.get_one(t.Meeting, meeting_id)
            people = await session.scalars(
                select(t.Attendance.people).where(t.Attendance.meeting_id == meeting_id)
            )
            names = Counter(
                name.strip() for row in people for name in row.split(",") if name.strip()
            )
            attendees = await session.scalar(
                select(func.count(t.MeetingAttendee.id)).where(
                    t.MeetingAttendee.meeting_id == meeting_id
                )
            )
            texts = await session.scalars(
                select(t.MinuteEntry.text).where(
                    t.MinuteEntry.meeting_id == meeting_id, t.MinuteEntry.kind == "minute"
                )
            )
            return Recorded(meeting.version, names, int(attendees or 0), Counter(texts))
    finally:
        await store.close()


async def _post(session: aiohttp.ClientSession, url: str, answer: Answer) -> None:
    answer.sent = time.monotonic()
    async with session.post(url, json=answer.activity) as response:
        raw = await response.read()
        answer.answered = time.monotonic()
        answer.status = response.status
        answer.body = json.loads(raw) if raw else {}


def _answered_well(answer: Answer) -> bool:
    """200 with a card; a press's card names the person who pressed."""
    body = answer.body
    if answer.status != 200 or body.get("statusCode") != 200:
        return False
    card = body.get("value")
    if body.get("type") != "application/vnd.microsoft.card.adaptive" or not isinstance(card, dict):
        return False
    return answer.kind != "press" or any(answer.user.name in line for line in _texts(card))


async def run_storm(url: str, keys: KeyRing, folder: Path, engine: str) -> StormResult:
    """The scenario (see the module's docstring) on the seeded store at ``url``, which must
    have no meeting in progress in the channel's group."""
    async with (
        FakeConnector() as fake,
        aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, force_close=True),
            timeout=aiohttp.ClientTimeout(total=60),
        ) as session,
        bot(url, folder / "storm-data", folder / "bot-storm.log") as served,
    ):
        fake.limit(TEAMS_LIMITS)
        fake.keep_bodies = False  # as the benchmark runs it, but for this conversation:
        fake.keep_bodies_of.add(CHANNEL_CONVERSATION_ID)
        fake.wait_limit = FINAL_WAIT
        svc = fake.url
        await start_meeting(session, served.url, svc)
        meeting_id, item_id, card_id = await meeting_in_progress(url, keys)
        people = await _attendees(url, keys, meeting_id)
        before = await _recorded(url, keys, meeting_id)

        def click(verb: str, user: TeamsUser, **inputs: str) -> dict[str, Any]:
            data: dict[str, Any] = {"meetingId": meeting_id}
            if verb == "item.minute":
                data["itemId"] = item_id
            return invoke_action(
                verb,
                data,
                inputs=inputs,
                conversation="channel",
                user=user,
                service_url=svc,
                reply_to_id=card_id,
                activity_id=str(uuid.uuid4()),
            )

        answers = [Answer("press", p, click("attendance.self", p)) for p in people]
        texts = [
            f"Storm minute {n + 1}: partners' updates on CR-{7100 + n}." for n in range(MINUTES)
        ]
        answers += [
            Answer("minute", MINUTE_TAKER, click("item.minute", MINUTE_TAKER, minuteText=text))
            for text in texts
        ]
        order = list(answers)
        random.Random(18).shuffle(order)
        step = SPREAD / len(order)
        began = time.monotonic()

        async def fire(n: int, answer: Answer) -> None:
            await asyncio.sleep(max(0.0, began + n * step - time.monotonic()))
            await _post(session, served.url, answer)

        await asyncio.gather(*(fire(n, a) for n, a in enumerate(order)))
        last_answer = max(a.answered for a in answers)

        def edits(f: FakeConnector) -> list[tuple[float, int, int]]:
            shown = []
            for call in f.calls:
                if (
                    call.method == "PUT"
                    and call.status == 200
                    and call.path.endswith(f"/activities/{card_id}")
                    and isinstance(call.json, dict)
                ):
                    for card in card_contents(call.json):
                        shown.append((call.at, *card_counts(card)))
            return shown

        def final(f: FakeConnector) -> bool:
            return any(p >= PRESSES and m >= MINUTES for _, p, m in edits(f))

        with contextlib.suppress(AssertionError):  # never shown: reported as such
            await fake.until(final)
        after = await _recorded(url, keys, meeting_id)
        # Teams resends a turn it waited too long for, with the same activity id.
        again = [a for a in answers if a.kind == "press"][: RESENT[0]]
        again += [a for a in answers if a.kind == "minute"][: RESENT[1]]
        resends = [Answer(a.kind, a.user, a.activity) for a in again]
        await asyncio.gather(*(_post(session, served.url, r) for r in resends))
        resent = await _recorded(url, keys, meeting_id)
        await asyncio.sleep(QUIET)  # watch for late edits and 429s
        shown = edits(fake)
        final_at = next((at for at, p, m in shown if p >= PRESSES and m >= MINUTES), None)
        return StormResult(
            before=before,
            after=after,
            resent=resent,
            resent_ok=sum(1 for r in resends if r.status == 200),
            expected_names=frozenset(p.name for p in people),
            minute_texts=frozenset(texts),
            edits=shown,
            final_at=final_at,
            last_answer=last_answer,
            answers=answers,
            refusals=[",".join(w.name for w in r.windows) for r in fake.refusals()],
            engine=engine,
        )


def storm_targets(r: StormResult) -> list[str]:
    names_once = all(r.after.names[n] == 1 for n in r.expected_names)
    minutes_once = all(r.after.minutes[m] == 1 for m in r.minute_texts)
    moved = r.after.version - r.before.version
    recorded = (
        names_once
        and minutes_once
        and PRESSES < moved <= PRESSES + MINUTES
        and r.after.attendees - r.before.attendees == PRESSES
        and r.resent == r.after
        and r.resent_ok == sum(RESENT)
    )
    counts = [(p, m) for _, p, m in r.edits]
    in_order = bool(counts) and all(
        a[0] <= b[0] and a[1] <= b[1] for a, b in itertools.pairwise(counts)
    )
    last = counts[-1] if counts else (0, 0)
    in_order = in_order and last == (PRESSES, MINUTES)
    final = r.final_at - r.last_answer if r.final_at is not None else float("inf")
    good = sum(1 for a in r.answers if _answered_well(a))
    slowest = max(a.answered - a.sent for a in r.answers)
    return [
        target(
            "meeting_storm_recorded",
            f"{sum(1 for n in r.expected_names if r.after.names[n] == 1)}present/"
            f"{sum(1 for m in r.minute_texts if r.after.minutes[m] == 1)}minutes/"
            f"version+{moved}/resent{sum(RESENT)}:"
            f"{'unchanged' if r.resent == r.after else 'CHANGED'}",
            f"{PRESSES}/{MINUTES}/+{PRESSES + 1}..{PRESSES + MINUTES}/unchanged",
            recorded,
        ),
        target(
            "meeting_storm_final_card",
            f"{final:.2f}s" if r.final_at is not None else "never",
            f"<{FINAL_CARD_TARGET:g}s",
            final < FINAL_CARD_TARGET,
        ),
        target(
            "meeting_storm_429",
            f"{len(r.refusals)}"
            + (f"({';'.join(sorted(set(r.refusals)))})".replace(" ", "_") if r.refusals else ""),
            "0",
            not r.refusals,
        ),
        target(
            "meeting_storm_edits_in_order",
            f"{len(counts)}edits/last{last[0]}+{last[1]}/"
            + ("in_order" if in_order else "OUT_OF_ORDER"),
            f"non-decreasing,last{PRESSES}+{MINUTES}",
            in_order,
        ),
        target(
            "meeting_storm_answered",
            f"{good}/{len(r.answers)}(slowest{slowest:.2f}s)",
            f"{len(r.answers)}/{len(r.answers)}_with_card",
            good == len(r.answers),
        ),
    ]


def storm_text(r: StormResult) -> str:
    limits = ", ".join(w.name for w in TEAMS_LIMITS)
    return (
        f"Meeting storm (bench/storm.py): `mace-bot serve` on the {r.engine} 10,000-action "
        f"store, through its /api/messages endpoint; the chair starts a meeting in the "
        f"group's channel, then {PRESSES} members of the group (at most {PER_AGENCY} per "
        f"agency) press **I'm here** and the minute-taker records {MINUTES} minutes from the "
        f"agenda card: {PRESSES + MINUTES} Action.Execute invokes, each on its own "
        f"connection, started {SPREAD / (PRESSES + MINUTES) * 1000:.0f} ms apart over "
        f"{SPREAD:g} s in a shuffled order. The fake connector enforces Teams' limits "
        f"({limits}; sends and card edits count per conversation, every request per app) "
        "and answers 429 with Retry-After past any. Recorded is read from the store "
        "(the meeting's version, attendance names, attendees, minutes), also after "
        f"{sum(RESENT)} of the invokes are sent again with their activity ids. The final "
        "card is the first edit of the agenda card arriving at the fake with every name "
        "and every minute on it, timed from the last of the invokes' answers (negative if "
        "it arrived before that answer); "
        f"{len(r.edits)} edits arrived in this run. The fake was watched until {QUIET:g} s "
        "after the final card for later edits and 429s."
    )


async def measure_storm(
    url: str, keys: KeyRing, folder: Path, engine: str
) -> tuple[list[str], str]:
    """The storm's target lines and its paragraph for docs/benchmarks.md."""
    result = await run_storm(url, keys, folder, engine)
    return storm_targets(result), storm_text(result)


async def main(runs: int) -> int:
    """Each run on a fresh 10,000-action store of its own (PostgreSQL when it listens,
    else SQLite), as ``make bench`` seeds its small store."""
    from bench.seed import seed
    from bench.stores import _postgres, _sqlite
    from tests.support.keys import TEST_KEYS_SPEC

    keys = KeyRing.from_spec(TEST_KEYS_SPEC)
    for n in range(runs):
        folder = Path(tempfile.mkdtemp(prefix="mace-storm-"))
        stores = await _postgres() or _sqlite(folder)
        try:
            await seed(stores.small, keys, 10_000)
            lines, text = await measure_storm(stores.small, keys, folder, stores.engine)
            print(f"run {n + 1} ({stores.engine}):", *lines, sep="\n  ", flush=True)
            if n == 0:
                print(text)
        finally:
            await stores.cleanup()
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)))
