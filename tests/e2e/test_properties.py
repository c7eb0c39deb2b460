"""Property-based tests through the real HTTP endpoint: whatever arrives (a mangled
activity, a crafted card payload, raw bytes), the bot never answers 5xx, never writes
half a turn, and leaves an audit chain that verifies.

Hypothesis generates the inputs; the examples are derandomised so CI sees the same ones
each run. Hypothesis drives a synchronous test function in a worker thread, and each
example runs on the bot's own event loop.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.store import audit
from cards import verbs as v
from cards.verbs import ALL_VERBS
from tests.e2e.harness import DEMO, BotUnderTest
from tests.e2e.scenario import member_id, snapshot, start_meeting, store_of
from tests.support.activities import invoke_action, message, submit

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
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
#: The field names the bot's cards send, so generated payloads reach the real checks.
CARD_FIELDS = [
    "meetingId",
    "itemId",
    "position",
    "minuteText",
    "decisionText",
    "description",
    "ownerId",
    "dueDate",
    "subjectKind",
    "subjectRef",
    "subjectInitials",
    "agencyId",
    "attendanceStatus",
    "people",
    "outcome",
    "shareText",
    "challengeTo",
    "challengeAbout",
    "roundId",
    "actionId",
    "note",
    "reason",
    "newDueDate",
    "nextMeetingDate",
    "localityId",
    "page",
    "filter",
    "confirmDetails",
    "toMemberId",
    "decision",
    "email",
    "role",
    "membershipId",
]
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


async def check_turn(
    bot: BotUnderTest, send: Coroutine[Any, Any, tuple[int, Any]], activity_id: str
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
        assert any(activity_id[:200] in row[0] for row in new_ids), "a write without its turn"


def id_values(ids: list[int]) -> st.SearchStrategy[Any]:
    return st.sampled_from(ids) | st.sampled_from([str(i) for i in ids]) | JSON_SCALARS


async def meeting_ids(bot: BotUnderTest) -> list[int]:
    meeting = await start_meeting(bot, to_position=4)
    return [meeting.id, meeting.current_item(bot), 1, 2, 0, -1]


async def test_crafted_card_payloads_never_fail_or_half_write(bot: BotUnderTest) -> None:
    ids = await meeting_ids(bot)
    run = runner(asyncio.get_running_loop())
    values = id_values(ids) | AWKWARD_TEXT | st.text(min_size=1, max_size=80) | JSON
    crafted = st.builds(
        lambda known, extra: {**extra, **known},
        st.fixed_dictionaries({}, optional=dict.fromkeys(CARD_FIELDS, values)),
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
    )
    def example(verb: str, data: dict[str, Any], who: str, how: str, real: bool) -> None:
        if real:  # aim at the meeting that exists, so the checks beyond the ids run too
            data = {"meetingId": ids[0], "itemId": ids[1], "position": 4, **data}
        if how == "invoke":
            activity = invoke_action(verb, data, conversation="channel", user=DEMO[who])
        else:
            activity = submit({"verb": verb, **data}, conversation="channel", user=DEMO[who])
        run(check_turn(bot, bot.send(activity), activity["id"]))

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
        activity_id = str(activity["id"])
        for key in dropped:
            activity.pop(key, None)
        activity.update(overrides)
        body = json.dumps(activity).encode()
        run(check_turn(bot, bot.post_raw(body), activity_id))

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
        run(check_turn(bot, bot.post_raw(body, content_type), "(no activity)"))

    await asyncio.to_thread(example)
    assert (await audit.verify_store(store_of(bot).engine)).ok
