"""The fast activity writer (bot.teams.sdk.activity_writer) gives the Bot Connector the
same JSON, byte for byte, as msrest's serialiser, for what the bot sends (cards passed
through as ``CardJSON``, text, edits, mentions, Teams accounts) and for generated
activities with values of every type in every field (where msrest coerces or refuses,
the writer hands the activity to msrest)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, Mention
from botbuilder.schema.teams import TeamsChannelAccount
from botframework.connector import models
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.teams.sdk.activity_reader import read_activity
from bot.teams.sdk.activity_writer import NotPlain, write_model
from bot.teams.sdk.clients import CardJSON, _CardPassingSerializer
from tests.support.activities import shared_dir

FIXTURES = shared_dir() / "fixtures" / "playground"
SERIALIZER = _CardPassingSerializer(
    {k: v for k, v in models.__dict__.items() if isinstance(v, type)}
)


def _msrest(activity: Activity) -> bytes:
    return orjson.dumps(SERIALIZER._serialize(activity, "Activity"))


def _both(activity: Activity) -> None:
    try:
        expected = _msrest(activity)
    except Exception as refused:
        with pytest.raises(type(refused)):
            SERIALIZER.body(activity, "Activity")
        return
    assert SERIALIZER.body(activity, "Activity") == expected


def _card() -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": "My open actions", "wrap": True}],
        "actions": [{"type": "Action.Execute", "verb": "actions.mine", "data": {"n": 1}}],
    }


def _sent() -> list[Activity]:
    """What the bot sends: a card reply, a text reply, a card edit, a mention."""
    card = MessageFactory.attachment(CardFactory.adaptive_card(CardJSON(_card())))
    card.conversation = ConversationAccount(id="a:1", conversation_type="personal")
    card.from_property = ChannelAccount(id="28:bot", name="MACE")
    card.recipient = TeamsChannelAccount(id="29:1", name="Priya Shah", aad_object_id="x")
    card.timestamp = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
    text = MessageFactory.text("Your actions are below.")
    text.text_format = "markdown"
    edit = MessageFactory.attachment(CardFactory.adaptive_card(_card()))
    edit.id = "1795400000001"
    edit.conversation = ConversationAccount(id="19:abc@thread.tacv2")
    mention = MessageFactory.text("<at>Priya Shah</at> your action is due")
    mention.entities = [
        Mention(
            mentioned=ChannelAccount(id="29:1", name="Priya Shah"),
            text="<at>Priya Shah</at>",
            type="mention",
        )
    ]
    return [card, text, edit, mention]


@pytest.mark.parametrize("activity", _sent(), ids=["card", "text", "edit", "mention"])
def test_what_the_bot_sends_is_written_the_same(activity: Activity) -> None:
    assert SERIALIZER.body(activity, "Activity") == _msrest(activity)
    write_model(activity, SERIALIZER)  # and by the plan, not handed on (NotPlain)


def test_a_cardjson_card_is_passed_through_untouched() -> None:
    card = CardJSON(_card())
    activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    written = write_model(activity, SERIALIZER)
    assert written["attachments"][0]["content"] is card


def test_a_value_msrest_would_coerce_is_handed_to_msrest() -> None:
    activity = MessageFactory.text("x")
    activity.text = 12  # type: ignore[assignment]  # msrest writes "12"
    with pytest.raises(NotPlain):
        write_model(activity, SERIALIZER)
    assert json.loads(SERIALIZER.body(activity, "Activity"))["text"] == "12"


def _fixtures() -> list[dict[str, Any]]:
    found = sorted(FIXTURES.glob("*.json"))
    assert found
    return [json.loads(path.read_text(encoding="utf-8")) for path in found]


@pytest.mark.parametrize("body", _fixtures(), ids=lambda b: f"{b.get('type')}")
def test_the_playgrounds_activities_are_written_the_same(body: dict[str, Any]) -> None:
    _both(read_activity(body))


_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.datetimes(timezones=st.just(UTC)),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
_ATTRIBUTES = sorted(Activity._attribute_map)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    base=st.sampled_from(_fixtures()),
    changes=st.dictionaries(st.sampled_from(_ATTRIBUTES), _values, max_size=3),
)
def test_generated_activities_are_written_the_same(
    base: dict[str, Any], changes: dict[str, Any]
) -> None:
    activity = read_activity(base)
    for name, value in changes.items():
        setattr(activity, name, value)
    _both(activity)
