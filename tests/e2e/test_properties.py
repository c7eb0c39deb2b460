"""Property-based tests through the real HTTP endpoint: whatever arrives (a mangled
activity, a crafted card payload, raw bytes), the bot never answers 5xx, never writes
half a turn, and leaves an audit chain that verifies.

Hypothesis generates the inputs; the examples are derandomised so CI sees the same ones
each run. Hypothesis drives a synchronous test function in a worker thread, and each
example runs on the bot's own event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable, Coroutine, Iterator
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.clock import FrozenClock
from bot.store import audit
from bot.teams.handler import TURN_FAILED
from cards import verbs as v
from cards.verbs import ALL_VERBS
from dialogs.router import STORE_UNAVAILABLE
from tests.e2e.harness import DEMO, BotUnderTest
from tests.e2e.scenario import member_id, snapshot, start_meeting, store_of
from tests.e2e.test_access import meeting_with_secrets, plausible_clicks
from tests.support.activities import invoke_action, message, submit

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

#: Numbers a crafted payload can hold where an id belongs: around the store's 32-bit ids
#: and SQLite's and PostgreSQL's 64-bit integers, and far beyond (a 25-digit id raised
#: OverflowError in the driver), negative, and the same as text.
EDGE_NUMBERS = st.sampled_from(
    [0, -1, 2**31 - 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, -(2**63) - 1, 10**24, 10**30]
)
HUGE_NUMBERS = (
    EDGE_NUMBERS
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.from_regex(r"\A-?[0-9]{10,30}\Z")
    | EDGE_NUMBERS.map(str)
)
#: Dates as cards send them (YYYY-MM-DD) across every year Python knows, and dates that
#: are not dates.
DATES = (
    st.dates().map(date.isoformat)
    | st.sampled_from(["9999-12-31", "0001-01-01", "2026-02-30", "2026-13-01", "20261201"])
    | st.datetimes().map(datetime.isoformat)
)
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | HUGE_NUMBERS
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
AWKWARD_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "2026-12-01",
        "31/02/2026",
        "CR-0001",
        "Jane Smith",
        '=HYPERLINK("http://x")',
        "<script>alert(1)</script>",
        "0" * 5000,
        "💥" * 300,
        "1e309",
        "-1",
        "99999999999999999999",
    ]
)
#: Every field name the bot's cards send (docs/commands.md, "Data" and "Inputs"), so
#: generated payloads reach the real checks.
ID_FIELDS = [
    "meetingId",
    "itemId",
    "position",
    "previousMeetingId",
    "ownerId",
    "agencyId",
    "challengeTo",
    "roundId",
    "actionId",
    "challengeId",
    "localityId",
    "page",
    "membershipId",
]
DATE_FIELDS = ["dueDate", "nextMeetingDate", "dueBefore"]
TEXT_FIELDS = [
    "minuteText",
    "decisionText",
    "description",
    "subjectKind",
    "subjectRef",
    "subjectInitials",
    "attendanceStatus",
    "people",
    "outcome",
    "shareText",
    "challengeAbout",
    "format",
    "locality",
    "agency",
    "owner",
    "overdue",
    "showLocality",
    "member",
    "role",
    "name",
    "aad",
    "confirmDetails-minuteText",
]
CARD_FIELDS = ID_FIELDS + DATE_FIELDS + TEXT_FIELDS
#: Fields named after the action or challenge they belong to (``update-12``).
PER_ID_FIELDS = ["update", "done", "newDate", "reason", "handTo", "response", "resolution"]
#: Verbs that write, weighted up so that whole writes are exercised as well as refusals.
RECORDING_VERBS = (v.ITEM_MINUTE, v.ITEM_DECISION, v.ITEM_ACTION, v.ATTENDANCE_SELF)
WHO = st.sampled_from(["chair", "minute_taker", "police", "stranger", "harrogate_chair"])
TOP_LEVEL = [
    "type",
    "id",
    "timestamp",
    "channelId",
    "from",
    "conversation",
    "recipient",
    "text",
    "textFormat",
    "entities",
    "channelData",
    "value",
    "name",
    "replyToId",
    "locale",
    "attachments",
    "membersAdded",
]


def runner(bot_loop: asyncio.AbstractEventLoop) -> Callable[[Coroutine[Any, Any, Any]], Any]:
    def run(coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, bot_loop).result(timeout=120)

    return run


def claim_key(activity: dict[str, Any]) -> str | None:
    """The key a write of this activity claims (``TurnRef.claim_key``), when its id and
    conversation id are plain strings still; None when a generated override replaced
    either."""
    conversation = activity.get("conversation")
    conversation_id = conversation.get("id") if isinstance(conversation, dict) else None
    activity_id = activity.get("id")
    if not (isinstance(conversation_id, str) and isinstance(activity_id, str) and activity_id):
        return None
    return hashlib.sha256(f"{conversation_id}\n{activity_id}".encode()).hexdigest()


async def check_turn(
    bot: BotUnderTest, send: Coroutine[Any, Any, tuple[int, Any]], key: str | None
) -> None:
    """Send one input; the answer is not 5xx, and the store changed wholly or not at all."""
    store = store_of(bot)
    before = await snapshot(store)
    status, _body = await send
    assert status < 500, status
    after = await snapshot(store)
    if after != before:
        # Whatever changed was one whole turn: committed with its activity id, which is
        # written in the same transaction as everything the turn recorded.
        new_ids = set(after["processed_activities"]) - set(before["processed_activities"])
        assert new_ids, "a write without its turn's claim"
        if key is not None:
            assert any(key in row[0] for row in new_ids), "a write under another turn's claim"


class ErrorRecords(logging.Handler):
    """Every record at ERROR or above from the bot's own loggers (a stack trace in the log
    is what a crafted value must never cause)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("bot", "dialogs", "cards", "botbuilder")):
            self.records.append(record)

    def take(self) -> list[str]:
        taken = [f"{r.name}: {r.getMessage()[:100]}" for r in self.records]
        self.records.clear()
        return taken


@pytest.fixture
def errors_logged() -> Iterator[ErrorRecords]:
    handler = ErrorRecords()
    logging.getLogger().addHandler(handler)
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)


async def check_answer(
    bot: BotUnderTest,
    send: Coroutine[Any, Any, tuple[int, Any]],
    key: str | None,
    errors: ErrorRecords,
) -> None:
    """As ``check_turn``, and the person is answered plainly: not "something went wrong",
    not "the store did not answer", and nothing at ERROR in the log."""
    sent = len(bot.connector.sent())
    body: list[Any] = []

    async def keeping() -> tuple[int, Any]:
        status, answer = await send
        body.append(answer)
        return status, answer

    await check_turn(bot, keeping(), key)
    told = json.dumps([bot.connector.sent()[sent:], body])
    assert TURN_FAILED not in told and STORE_UNAVAILABLE not in told, told[:300]
    logged = errors.take()
    assert not logged, logged


def id_values(ids: list[int]) -> st.SearchStrategy[Any]:
    return st.sampled_from(ids) | st.sampled_from([str(i) for i in ids]) | JSON_SCALARS


async def meeting_ids(bot: BotUnderTest) -> list[int]:
    meeting = await start_meeting(bot, to_position=4)
    return [meeting.id, meeting.current_item(bot), 1, 2, 0, -1]


async def test_crafted_card_payloads_never_fail_or_half_write(
    bot: BotUnderTest, errors_logged: ErrorRecords
) -> None:
    ids = await meeting_ids(bot)
    run = runner(asyncio.get_running_loop())
    values = id_values(ids) | AWKWARD_TEXT | st.text(min_size=1, max_size=80) | JSON
    crafted = st.builds(
        lambda known, extra: {**extra, **known},
        st.fixed_dictionaries(
            {},
            optional={
                **dict.fromkeys(CARD_FIELDS, values),
                **dict.fromkeys(ID_FIELDS, values | HUGE_NUMBERS),
                **dict.fromkeys(DATE_FIELDS, values | DATES),
            },
        ),
        st.dictionaries(st.text(max_size=12), values, max_size=3),
    )
    # Mostly right, with any text: what a real card sends, so that writes happen too.
    owner = str(await member_id(store_of(bot), "police"))
    free_text = st.text(min_size=1, max_size=300) | AWKWARD_TEXT
    plausible = st.fixed_dictionaries(
        {
            "minuteText": free_text,
            "decisionText": free_text,
            "description": free_text,
            "ownerId": st.just(owner) | values,
            "dueDate": st.sampled_from(["2026-12-01", "2027-01-04"]) | free_text,
            "outcome": st.sampled_from(["shared", "nothing", "challenge"]) | free_text,
            "shareText": free_text,
        },
        optional={
            "subjectKind": st.just("child"),
            "subjectRef": free_text,
            "subjectInitials": free_text,
            "confirmDetails": st.just("true"),
        },
    )
    payloads = crafted | plausible

    @EXAMPLES
    @given(
        verb=st.sampled_from(RECORDING_VERBS) | st.sampled_from(ALL_VERBS) | st.text(max_size=20),
        data=payloads,
        who=WHO,
        how=st.sampled_from(["invoke", "submit"]),
        real=st.booleans(),
        where=st.sampled_from(["channel", "channel", "groupChat", "personal"]),
    )
    def example(
        verb: str, data: dict[str, Any], who: str, how: str, real: bool, where: Any
    ) -> None:
        if real:  # aim at the meeting that exists, so the checks beyond the ids run too
            data = {"meetingId": ids[0], "itemId": ids[1], "position": 4, **data}
        if how == "invoke":
            activity = invoke_action(verb, data, conversation=where, user=DEMO[who])
        else:
            activity = submit({"verb": verb, **data}, conversation=where, user=DEMO[who])
        run(check_answer(bot, bot.send(activity), claim_key(activity), errors_logged))

    await asyncio.to_thread(example)
    assert (await audit.verify_store(store_of(bot).engine)).ok


#: What can arrive in any field: huge, negative and fractional numbers, numbers as text,
#: dates out of range, wrong types (null, true, lists, objects) and awkward text. The
#: numbers twice over: an id is where most fields' checks begin.
WRONG = st.one_of(
    HUGE_NUMBERS,
    HUGE_NUMBERS,
    DATES,
    st.sampled_from([None, True, False, [], [1], {}, {"id": 1}, 2.5, -0.5, 1e300]),
    AWKWARD_TEXT,
    JSON,
)
#: Who presses each verb: someone it is meant for, so that the checks run past the
#: permission check to the fields themselves.
PRESSED_BY = {
    "action.": "police",
    "actions.": "police",
    "dateRequest.": "chair",
    "outstanding.": "coordinator",
    "members.": "chair",
    "round.answer": "police",
    "challenge.": "social_care",
    "report.": "coordinator",
}
#: Where the verb's card is (a crafted payload elsewhere is the access matrix's business).
IN_A_PERSONAL_CHAT = (
    "action.",
    "actions.",
    "dateRequest.",
    "outstanding.",
    "members.",
    "report.",
)


@pytest.mark.parametrize("verb", ALL_VERBS)
async def test_every_field_of_every_verb_answers_plainly(
    bot: BotUnderTest, clock: FrozenClock, errors_logged: ErrorRecords, verb: str
) -> None:
    """Each example puts a wrong value in each field of the verb's plausible data (what its
    card sends in a meeting with every kind of record, plus a field it does not send), one
    field at a time, pressed by invoke or Action.Submit by someone the verb is meant for,
    where its card is."""
    secrets = await meeting_with_secrets(bot)
    data = dict((await plausible_clicks(bot, secrets))[verb])
    run = runner(asyncio.get_running_loop())
    who = next((by for start, by in PRESSED_BY.items() if verb.startswith(start)), "chair")
    where: Any = "personal" if verb.startswith(IN_A_PERSONAL_CHAT) else "channel"
    fields = sorted(data)
    errors_logged.take()

    @settings(EXAMPLES, max_examples=8)
    @given(
        values=st.lists(WRONG, min_size=len(fields) + 1, max_size=len(fields) + 1),
        extra=st.sampled_from(CARD_FIELDS) | st.sampled_from(PER_ID_FIELDS),
        how=st.sampled_from(["invoke", "submit"]),
    )
    def example(values: list[Any], extra: str, how: str) -> None:
        if extra in PER_ID_FIELDS:
            extra = f"{extra}-{data.get('actionId') or data.get('challengeId') or 1}"
        for field, value in zip([*fields, extra], values, strict=True):
            # Time moves on between presses, as it does between people's clicks (two
            # requests stamped at the same microsecond would share their notices' keys).
            clock.advance(seconds=1)
            crafted = {**data, field: value}
            if how == "invoke":
                activity = invoke_action(verb, crafted, conversation=where, user=DEMO[who])
            else:
                activity = submit({"verb": verb, **crafted}, conversation=where, user=DEMO[who])
            run(check_answer(bot, bot.send(activity), claim_key(activity), errors_logged))

    await asyncio.to_thread(example)
    assert (await audit.verify_store(store_of(bot).engine)).ok


async def test_mangled_activities_never_fail_or_half_write(bot: BotUnderTest) -> None:
    await meeting_ids(bot)
    run = runner(asyncio.get_running_loop())
    texts = st.sampled_from(
        [
            "start meeting",
            "next item",
            "here",
            "my actions",
            "outstanding actions",
            "members",
            "challenges",
            "end meeting",
            "setup",
            "help",
        ]
    ) | st.text(max_size=60)

    @EXAMPLES
    @given(
        text=texts,
        who=WHO,
        conversation=st.sampled_from(["channel", "personal", "groupChat"]),
        overrides=st.dictionaries(st.sampled_from(TOP_LEVEL), JSON, max_size=3),
        dropped=st.lists(st.sampled_from(TOP_LEVEL), max_size=3),
    )
    def example(
        text: str, who: str, conversation: Any, overrides: dict[str, Any], dropped: list[str]
    ) -> None:
        activity = message(text, conversation=conversation, user=DEMO[who])
        # Replies go to the recording connector. (A forged serviceUrl is the token's
        # business: with authentication on, the Bot Framework token must vouch for it.)
        activity["serviceUrl"] = bot.connector.url
        for key in dropped:
            activity.pop(key, None)
        activity.update(overrides)
        body = json.dumps(activity).encode()
        run(check_turn(bot, bot.post_raw(body), claim_key(activity)))

    await asyncio.to_thread(example)
    assert (await audit.verify_store(store_of(bot).engine)).ok


async def test_arbitrary_bodies_are_refused_cleanly(bot: BotUnderTest) -> None:
    run = runner(asyncio.get_running_loop())

    @EXAMPLES
    @given(
        body=st.binary(max_size=300) | JSON.map(lambda v: json.dumps(v).encode()),
        content_type=st.sampled_from(
            ["application/json", "text/plain", "application/json; charset=latin-1", ""]
        ),
    )
    def example(body: bytes, content_type: str) -> None:
        run(check_turn(bot, bot.post_raw(body, content_type), None))

    await asyncio.to_thread(example)
    assert (await audit.verify_store(store_of(bot).engine)).ok
