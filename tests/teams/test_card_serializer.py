"""The pooled clients' serialiser writes the same JSON as stock msrest, only faster: the
card passes through as it is, the model is not rebuilt first, orjson encodes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import orjson
from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    Mention,
)
from botframework.connector import models
from msrest.serialization import Serializer

from bot.teams.sdk.clients import CardJSON, _CardPassingSerializer

CARD: dict[str, Any] = {
    "type": "AdaptiveCard",
    "version": "1.5",
    "body": [{"type": "TextBlock", "text": "Minutes: 3 · décisions", "wrap": True}],
    "actions": [{"type": "Action.Execute", "title": "Next", "verb": "meeting.next"}],
}
MODELS = {k: v for k, v in models.__dict__.items() if isinstance(v, type)}


def _reply(card: dict[str, Any]) -> Activity:
    reply = MessageFactory.attachment(CardFactory.adaptive_card(card))
    reply.conversation = ConversationAccount(id="19:meeting@thread.v2", is_group=True)
    reply.from_property = ChannelAccount(id="28:bot", name="MACE")
    reply.recipient = ChannelAccount(id="29:user", name="Sam Okafor", aad_object_id="aad-1")
    reply.reply_to_id = "1700000000000"
    reply.service_url = "https://smba.trafficmanager.net/uk/"
    reply.channel_id = "msteams"
    reply.timestamp = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
    reply.channel_data = {"tenant": {"id": "tenant-1"}}
    reply.entities = [Mention(mentioned=ChannelAccount(id="29:user"), text="<at>Sam</at>")]
    return reply


def _stock(data: Any, data_type: str) -> Any:
    return json.loads(json.dumps(Serializer(MODELS).body(data, data_type)))


def test_a_card_reply_is_written_as_stock_msrest_writes_it() -> None:
    ours = orjson.loads(_CardPassingSerializer(MODELS).body(_reply(CardJSON(CARD)), "Activity"))
    assert ours == _stock(_reply(dict(CARD)), "Activity")
    assert ours["attachments"][0]["content"] == CARD


def test_other_bodies_too() -> None:
    parameters = ConversationParameters(
        is_group=False,
        members=[ChannelAccount(id="29:user")],
        tenant_id="tenant-1",
        channel_data={"tenant": {"id": "tenant-1"}},
    )
    body = _CardPassingSerializer(MODELS).body(parameters, "ConversationParameters")
    assert orjson.loads(body) == _stock(parameters, "ConversationParameters")
    text = MessageFactory.text("Meeting started.")
    assert orjson.loads(_CardPassingSerializer(MODELS).body(text, "Activity")) == _stock(
        text, "Activity"
    )
