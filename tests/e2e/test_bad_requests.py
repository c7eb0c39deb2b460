"""Malformed requests to /api/messages: always a 4xx with a JSON reason, never a 5xx.

A 5xx makes Teams retry and the person sees nothing; a malformed request will not get
better by being retried. Card clicks the bot cannot act on (an unknown verb, no action,
data of the wrong shape) are answered 200 with a message for the person, because Teams
shows an error banner for anything else, and nothing is written.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from cards import verbs as v
from tests.e2e.harness import DEMO, BotUnderTest
from tests.e2e.scenario import (
    invoke_message,
    row_counts,
    start_meeting,
    store_of,
)
from tests.support.activities import conversation_update, invoke_action, message

Body = dict[str, Any]


def a_message(bot: BotUnderTest) -> Body:
    activity = message("agenda", conversation="channel", user=DEMO["chair"])
    activity["serviceUrl"] = bot.connector.url
    return activity


def without(key: str) -> Callable[[Body], Any]:
    def change(activity: Body) -> Body:
        activity.pop(key, None)
        return activity

    return change


def setting(key: str, value: Any) -> Callable[[Body], Any]:
    def change(activity: Body) -> Body:
        activity[key] = value
        return activity

    return change


def members_added_as_string(activity: Body) -> Body:
    update = conversation_update(conversation="channel")
    update["serviceUrl"] = activity["serviceUrl"]
    update["membersAdded"] = "the bot"
    return update


def conversation_without_id(activity: Body) -> Body:
    activity["conversation"].pop("id")
    return activity


def sender_without_id(activity: Body) -> Body:
    activity["from"].pop("id")
    return activity


MALFORMED_JSON: list[Any] = [
    pytest.param(lambda a: [a], id="a list holding an activity"),
    pytest.param(lambda a: [], id="an empty list"),
    pytest.param(lambda a: "message", id="a string"),
    pytest.param(lambda a: 42, id="a number"),
    pytest.param(lambda a: None, id="null"),
    pytest.param(lambda a: True, id="true"),
    pytest.param(without("type"), id="no type"),
    pytest.param(setting("type", ""), id="empty type"),
    pytest.param(setting("type", 7), id="type is a number"),
    pytest.param(setting("type", "carrierPigeon"), id="unknown type"),
    pytest.param(without("serviceUrl"), id="no serviceUrl"),
    pytest.param(setting("serviceUrl", "not a url"), id="serviceUrl not a url"),
    pytest.param(setting("serviceUrl", "ftp://127.0.0.1/"), id="serviceUrl not http"),
    pytest.param(without("conversation"), id="no conversation"),
    pytest.param(setting("conversation", "team-id"), id="conversation is a string"),
    pytest.param(conversation_without_id, id="conversation without id"),
    pytest.param(without("from"), id="no from"),
    pytest.param(setting("from", "user-id-0"), id="from is a string"),
    pytest.param(sender_without_id, id="from without id"),
    pytest.param(setting("text", 12345), id="text is a number"),
    pytest.param(setting("text", {"text": "agenda"}), id="text is an object"),
    pytest.param(setting("id", 99), id="id is a number"),
    pytest.param(members_added_as_string, id="membersAdded is a string"),
    pytest.param(setting("entities", {"type": "mention"}), id="entities is an object"),
    pytest.param(setting("entities", ["mention"]), id="entities holds strings"),
    pytest.param(setting("attachments", "card"), id="attachments is a string"),
    pytest.param(setting("channelData", ["tenant"]), id="channelData is a list"),
    pytest.param(setting("recipient", "bot"), id="recipient is a string"),
    pytest.param(setting("timestamp", "yesterday afternoon"), id="timestamp garbage"),
    pytest.param(setting("timestamp", 1795301154790), id="timestamp a number"),
]


async def post(
    bot: BotUnderTest,
    data: bytes | AsyncIterator[bytes],
    *,
    content_type: str | None = "application/json",
) -> tuple[int, bytes]:
    headers = {"Content-Type": content_type} if content_type is not None else {}
    skip = () if content_type is not None else ("Content-Type",)
    async with bot.session.post(
        bot.url, data=data, headers=headers, skip_auto_headers=skip
    ) as response:
        return response.status, await response.read()


async def assert_refused(
    bot: BotUnderTest,
    reply: tuple[int, bytes],
    before: dict[str, int],
    *,
    status: int | None = None,
) -> None:
    """A 4xx, a JSON object naming the problem, and no turn run (nothing sent or stored)."""
    code, raw = reply
    assert 400 <= code < 500, (code, raw[:300])
    if status is not None:
        assert code == status, (code, raw[:300])
    body = json.loads(raw)
    assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"]
    assert bot.connector.calls == [], "a refused request must not reach the bot's turn"
    assert await row_counts(store_of(bot)) == before


@pytest.mark.parametrize("change", MALFORMED_JSON)
async def test_a_malformed_activity_is_a_4xx_with_a_reason(
    bot: BotUnderTest, change: Callable[[Body], Any]
) -> None:
    before = await row_counts(store_of(bot))
    reply = await post(bot, json.dumps(change(a_message(bot))).encode())
    await assert_refused(bot, reply, before, status=400)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"", id="empty body"),
        pytest.param(b"{this is not json", id="not JSON"),
        pytest.param(b'{"type": "message",', id="truncated JSON"),
        pytest.param(b"\xff\xfe\x00\x00garbage", id="not UTF-8"),
        pytest.param(b"<activity type='message'/>", id="XML"),
    ],
)
async def test_a_body_that_is_not_json_is_a_400(bot: BotUnderTest, raw: bytes) -> None:
    before = await row_counts(store_of(bot))
    await assert_refused(bot, await post(bot, raw), before, status=400)


@pytest.mark.parametrize(
    "content_type",
    [
        pytest.param("text/plain", id="text/plain"),
        pytest.param("application/x-www-form-urlencoded", id="form"),
        pytest.param("application/octet-stream", id="octet-stream"),
        pytest.param(None, id="no Content-Type"),
    ],
)
async def test_a_wrong_content_type_is_a_415(bot: BotUnderTest, content_type: str | None) -> None:
    before = await row_counts(store_of(bot))
    reply = await post(bot, json.dumps(a_message(bot)).encode(), content_type=content_type)
    await assert_refused(bot, reply, before, status=415)


async def test_json_with_a_charset_is_accepted(bot: BotUnderTest) -> None:
    """The control for the cases above: the same activity, properly labelled, is served."""
    await start_meeting(bot)
    status, _ = await post(
        bot, json.dumps(a_message(bot)).encode(), content_type="application/json; charset=utf-8"
    )
    assert status in (200, 201)
    assert "OFFICIAL-SENSITIVE" in json.dumps(bot.connector.sent()[-1])


async def test_a_huge_body_with_a_length_is_a_413(bot: BotUnderTest) -> None:
    activity = a_message(bot)
    activity["text"] = "agenda " + "x" * (300 * 1024)
    before = await row_counts(store_of(bot))
    await assert_refused(bot, await post(bot, json.dumps(activity).encode()), before, status=413)


async def chunks(total: int, size: int = 32 * 1024) -> AsyncIterator[bytes]:
    """A body sent chunked (no Content-Length), so only reading it shows its size."""
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        yield b" " * piece
        sent += piece


async def test_a_huge_chunked_body_is_a_413(bot: BotUnderTest) -> None:
    before = await row_counts(store_of(bot))
    await assert_refused(bot, await post(bot, chunks(400 * 1024)), before, status=413)


async def test_a_chunked_body_over_a_megabyte_is_a_413_with_a_json_reason(
    bot: BotUnderTest,
) -> None:
    """Past the app's client_max_size aiohttp itself refuses the read; the answer must
    still be the endpoint's JSON, not aiohttp's plain-text 413."""
    before = await row_counts(store_of(bot))
    await assert_refused(bot, await post(bot, chunks(1100 * 1024)), before, status=413)


async def test_deeply_nested_json_is_a_400(bot: BotUnderTest) -> None:
    """Nesting past the parser's limit, well under 256 KB."""
    before = await row_counts(store_of(bot))
    await assert_refused(bot, await post(bot, b"[" * 100_000 + b"]" * 100_000), before, status=400)


async def test_text_with_a_lone_surrogate_is_a_400(bot: BotUnderTest) -> None:
    """Not text in any encoding: Python's own json would take it, and it would then fail
    wherever the text is encoded again (the store, the reply)."""
    before = await row_counts(store_of(bot))
    body = json.dumps(a_message(bot)).replace('"text": "', '"text": "\\ud800', 1)
    assert json.loads(body)["text"].startswith("\ud800"), "which Python's json takes"
    await assert_refused(bot, await post(bot, body.encode()), before, status=400)


async def test_deeply_nested_json_inside_an_activity_never_5xx(bot: BotUnderTest) -> None:
    """Nesting a little under the parser's limit (1,024), in a field nobody reads, is
    served."""
    activity = a_message(bot)
    activity["channelData"]["deep"] = "DEEP"
    # Written out as text: Python's own json cannot build or write nesting this deep.
    deep = "[" * 1000 + "]" * 1000
    status, _ = await post(bot, json.dumps(activity).replace('"DEEP"', deep).encode())
    assert status < 500


# -- card clicks the bot cannot act on ------------------------------------------------------


def an_invoke(bot: BotUnderTest, verb: str = v.ITEM_MINUTE, data: Any = None) -> Body:
    activity = invoke_action(verb, {}, conversation="channel", user=DEMO["chair"])
    activity["serviceUrl"] = bot.connector.url
    if data is not None:
        activity["value"]["action"]["data"] = data
    return activity


async def click_raw(bot: BotUnderTest, activity: Body) -> tuple[int, Any]:
    status, raw = await post(bot, json.dumps(activity).encode())
    return status, json.loads(raw) if raw else None


async def test_an_unknown_verb_is_answered_with_a_message_and_writes_nothing(
    bot: BotUnderTest,
) -> None:
    meeting = await start_meeting(bot)
    bot.connector.reset()
    before = await row_counts(store_of(bot))
    status, body = await click_raw(
        bot, an_invoke(bot, "meeting.teleport", {"meetingId": meeting.id})
    )
    assert status == 200
    told = invoke_message(body)
    assert "not one I know" in told and "agenda" in told
    assert await row_counts(store_of(bot)) == before
    assert bot.connector.sent() == [] and bot.connector.updated() == []


def no_action(activity: Body) -> Body:
    activity["value"] = {}
    return activity


def action_not_object(activity: Body) -> Body:
    activity["value"] = {"action": "item.minute"}
    return activity


def value_is_list(activity: Body) -> Body:
    activity["value"] = [{"action": {"verb": v.ITEM_MINUTE}}]
    return activity


def value_missing(activity: Body) -> Body:
    activity.pop("value")
    return activity


def verb_is_number(activity: Body) -> Body:
    activity["value"]["action"]["verb"] = 12
    return activity


def data_is(data: Any) -> Callable[[Body], Body]:
    def change(activity: Body) -> Body:
        activity["value"]["action"]["data"] = data
        return activity

    return change


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(no_action, id="value.action missing"),
        pytest.param(action_not_object, id="value.action a string"),
        pytest.param(value_is_list, id="value a list"),
        pytest.param(value_missing, id="no value"),
        pytest.param(verb_is_number, id="verb a number"),
        pytest.param(data_is(["meetingId", 1]), id="data a list"),
        pytest.param(data_is("meetingId=1"), id="data a string"),
        pytest.param(data_is(None), id="data null"),
        pytest.param(
            data_is({"meetingId": "one", "itemId": {"id": 1}, "minuteText": ["CR-0001 seen"]}),
            id="fields of the wrong type",
        ),
        pytest.param(
            data_is({"meetingId": True, "itemId": False, "minuteText": "x"}), id="ids are booleans"
        ),
        pytest.param(
            data_is({"meetingId": -1, "itemId": 0, "minuteText": "x"}), id="ids out of range low"
        ),
        pytest.param(
            data_is({"meetingId": 2**40, "itemId": 2**70, "minuteText": "x"}),
            id="ids too large for the column",
        ),
    ],
)
async def test_a_click_with_data_of_the_wrong_shape_is_answered_and_writes_nothing(
    bot: BotUnderTest, change: Callable[[Body], Body]
) -> None:
    await start_meeting(bot)
    bot.connector.reset()
    before = await row_counts(store_of(bot))
    status, body = await click_raw(bot, change(an_invoke(bot)))
    assert status == 200, body
    assert invoke_message(body)
    assert await row_counts(store_of(bot)) == before
    assert bot.connector.updated() == []


async def test_an_invoke_that_is_not_a_card_action_is_answered_200(bot: BotUnderTest) -> None:
    activity = an_invoke(bot)
    activity["name"] = "composeExtension/query"
    before = await row_counts(store_of(bot))
    status, _ = await click_raw(bot, activity)
    assert status == 200
    assert await row_counts(store_of(bot)) == before


async def test_a_message_whose_value_has_no_known_verb_is_answered(bot: BotUnderTest) -> None:
    """The Action.Submit path: a message carrying a value, no text, and a verb we lack."""
    activity = a_message(bot)
    activity.pop("text")
    activity["entities"] = []
    activity["value"] = {"verb": ["item.minute"], "meetingId": 1}
    before = await row_counts(store_of(bot))
    status, _ = await post(bot, json.dumps(activity).encode())
    assert status in (200, 201)
    assert "not one I know" in bot.connector.texts()[-1]
    assert await row_counts(store_of(bot)) == before


async def test_an_id_beyond_the_integer_range_is_not_found(bot: BotUnderTest) -> None:
    meeting = await start_meeting(bot)
    before = await row_counts(store_of(bot))
    status, body = await click_raw(
        bot,
        an_invoke(
            bot,
            data={
                "meetingId": meeting.id,
                "itemId": 2**70,
                "minuteText": "CR-0001 seen at the park.",
            },
        ),
    )
    assert status == 200
    assert "could not find that" in invoke_message(body)
    assert await row_counts(store_of(bot)) == before
