"""Tests of the test support itself: the fake Bot Connector and the activity builders.

The fake is only worth having if botbuilder's real client stack accepts it, so these tests
drive it with the real `CloudAdapter` (auth off, as in local testing) and the real
`ConnectorClient`, and pin down the client behaviour that surprised us (URL encoding,
silent retries) so a botbuilder upgrade that changes it fails here first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from botbuilder.core import (
    ActivityHandler,
    CardFactory,
    InvokeResponse,
    MessageFactory,
    TurnContext,
)
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ErrorResponseException,
)
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials

from . import activities as A
from .fake_connector import ADAPTIVE_CARD_CONTENT_TYPE, FakeConnector, card_contents, error_body
from .fixtures import fake_connector_fixture  # noqa: F401  (registers the fixture)

# --- a minimal bot and a loopback endpoint for it ------------------------------------------


class _AuthOff:
    """Configuration with an empty APP_ID: botbuilder skips JWT checks and sends no token."""

    APP_ID = ""
    APP_PASSWORD = ""


def _card(title: str) -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": title}],
    }


class EchoBot(ActivityHandler):
    """The stock echo sample plus the few turns the tests need (card, roster, update)."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.value is not None:  # Action.Submit fallback: refresh the card in place
            self.values.append(activity.value)
            updated = MessageFactory.attachment(CardFactory.adaptive_card(_card("Recorded")))
            updated.id = activity.reply_to_id
            await turn_context.update_activity(updated)
            return
        text = TurnContext.remove_recipient_mention(activity).strip()
        if text == "card":
            sent = await turn_context.send_activity(
                MessageFactory.attachment(CardFactory.adaptive_card(_card("Pending")))
            )
            assert sent is not None
            replacement = MessageFactory.attachment(CardFactory.adaptive_card(_card("Done")))
            replacement.id = sent.id
            await turn_context.update_activity(replacement)
        elif text == "roster":
            page = await TeamsInfo.get_paged_members(turn_context, page_size=1)
            member = await TeamsInfo.get_member(turn_context, activity.from_property.id)
            await turn_context.send_activity(
                f"{len(page.members)} {page.continuation_token} {member.name}"
            )
        else:
            await turn_context.send_activity(MessageFactory.text(f"Echo: {text}"))

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        # Answer without a body: 4.17.1 fails to serialise invoke bodies (see platform.md),
        # and that bug is the bot's concern, not the fake's.
        activity = turn_context.activity
        self.values.append(activity.value)
        updated = MessageFactory.attachment(CardFactory.adaptive_card(_card("Executed")))
        updated.id = activity.reply_to_id
        await turn_context.update_activity(updated)
        return InvokeResponse(status=200)


@dataclass
class BotEndpoint:
    """The bot behind a real aiohttp `/api/messages` on loopback, as Teams would call it."""

    client: TestClient[web.Request, web.Application]
    adapter: CloudAdapter
    bot: EchoBot
    turn_errors: list[Exception] = field(default_factory=list)

    async def post(self, activity: dict[str, Any]) -> int:
        response = await self.client.post("/api/messages", json=activity)
        await response.read()
        return response.status


@asynccontextmanager
async def serve_bot() -> AsyncIterator[BotEndpoint]:
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(_AuthOff()))
    bot = EchoBot()
    app = web.Application()

    async def messages(request: web.Request) -> web.Response:
        response = await adapter.process(request, bot)
        return response or web.Response(status=201)

    app.router.add_post("/api/messages", messages)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        endpoint = BotEndpoint(client=client, adapter=adapter, bot=bot)

        async def on_error(_context: TurnContext, error: Exception) -> None:
            endpoint.turn_errors.append(error)

        adapter.on_turn_error = on_error
        yield endpoint


@pytest.fixture(name="endpoint")
async def endpoint_fixture() -> AsyncIterator[BotEndpoint]:
    async with serve_bot() as endpoint:
        yield endpoint


def _connector(fake: FakeConnector) -> ConnectorClient:
    return ConnectorClient(MicrosoftAppCredentials("", ""), base_url=fake.url)


# --- end to end through the real CloudAdapter -----------------------------------------------


async def test_echo_reply_lands_in_the_personal_conversation(
    fake_connector: FakeConnector, endpoint: BotEndpoint
) -> None:
    inbound = A.message("hello", service_url=fake_connector.url)

    assert await endpoint.post(inbound) == 201

    assert fake_connector.texts(A.PERSONAL_CONVERSATION_ID) == ["Echo: hello"]
    (reply,) = fake_connector.sent()
    assert reply["replyToId"] == inbound["id"]
    assert reply["recipient"]["id"] == A.PLAYGROUND_USER.id
    assert reply["from"]["id"] == A.BOT_ID
    (call,) = fake_connector.calls
    # A reply is POSTed to the activity it answers, not to the conversation.
    assert call.method == "POST"
    assert call.path == f"/v3/conversations/{A.PERSONAL_CONVERSATION_ID}/activities/{inbound['id']}"
    # With APP_ID empty botbuilder sends no token at all; with auth on it would be a Bearer.
    assert "Authorization" not in call.headers
    assert call.headers["x-ms-conversation-id"] == A.PERSONAL_CONVERSATION_ID


async def test_channel_conversation_id_survives_percent_encoding(
    fake_connector: FakeConnector, endpoint: BotEndpoint
) -> None:
    inbound = A.message("hello channel", conversation="channel", service_url=fake_connector.url)

    assert await endpoint.post(inbound) == 201

    assert fake_connector.texts(A.CHANNEL_CONVERSATION_ID) == ["Echo: hello channel"]
    (call,) = fake_connector.calls
    assert "team-id%3Bmessageid%3D1795301167862" in call.raw_path  # msrest quotes ; and =
    assert A.CHANNEL_CONVERSATION_ID in call.path


async def test_card_update_round_trip(fake_connector: FakeConnector, endpoint: BotEndpoint) -> None:
    assert await endpoint.post(A.message("card", service_url=fake_connector.url)) == 201

    (posted,) = fake_connector.posted()
    assert [c["body"][0]["text"] for c in fake_connector.cards()] == ["Pending"]
    (replacement,) = fake_connector.updated(posted.activity_id)
    assert card_contents(replacement)[0]["body"][0]["text"] == "Done"
    current = fake_connector.current(posted.activity_id)
    assert current is not None
    assert current["attachments"][0]["contentType"] == ADAPTIVE_CARD_CONTENT_TYPE
    put = fake_connector.calls_matching("PUT")[0]
    assert put.path.endswith(f"/activities/{posted.activity_id}")


async def test_action_execute_and_submit_update_the_card_they_came_from(
    fake_connector: FakeConnector, endpoint: BotEndpoint
) -> None:
    url = fake_connector.url
    invoke = A.invoke_action(
        "capture.record", {"itemId": 7}, inputs={"note": "typed"}, service_url=url
    )
    fallback = A.submit({"itemId": 7}, inputs={"note": "typed"}, service_url=url, reply_to_id="42")

    assert await endpoint.post(invoke) == 200
    assert await endpoint.post(fallback) == 201

    assert endpoint.turn_errors == []
    action = endpoint.bot.values[0]["action"]  # arrives as a plain dict, see platform.md
    assert action["verb"] == "capture.record"
    assert action["data"] == {"itemId": 7, "note": "typed"}
    assert endpoint.bot.values[1] == {"itemId": 7, "note": "typed"}
    assert [u["id"] for u in fake_connector.updated()] == [A.FIXTURE_INVOKE_REPLY_TO_ID, "42"]
    assert fake_connector.sent() == []


async def test_roster_endpoints_answer_teams_info(
    fake_connector: FakeConnector, endpoint: BotEndpoint
) -> None:
    colleague = A.make_user(1)
    fake_connector.set_roster([A.PLAYGROUND_USER.member(), colleague.member()])

    assert await endpoint.post(A.message("roster", service_url=fake_connector.url)) == 201

    assert endpoint.turn_errors == []
    assert fake_connector.texts() == ["1 1 Alex Wilber"]
    paged, member = fake_connector.calls_matching("GET")
    assert paged.path.endswith("/pagedmembers")
    assert paged.query == {"pageSize": "1"}
    assert member.path.endswith(f"/members/{A.PLAYGROUND_USER.id}")


async def test_create_conversation_records_parameters_and_first_turn(
    fake_connector: FakeConnector, endpoint: BotEndpoint
) -> None:
    user = A.make_user(2)
    parameters = ConversationParameters(
        is_group=False,
        bot=ChannelAccount(id=A.BOT_ID, name=A.BOT_NAME),
        members=[ChannelAccount(id=user.id, name=user.name)],
        tenant_id=A.TENANT_ID,
    )

    async def chase(turn_context: TurnContext) -> None:
        await turn_context.send_activity("You have an overdue action.")

    await endpoint.adapter.create_conversation(
        "", chase, parameters, "msteams", fake_connector.url, None
    )

    (created,) = fake_connector.created()
    assert created["members"][0]["id"] == user.id
    # botbuilder spells it `tenantID` (the Connector's JSON binding is case-insensitive);
    # Teams samples also put the tenant in channelData, which a bot should do as well.
    assert created["tenantID"] == A.TENANT_ID
    assert created["isGroup"] is False
    assert fake_connector.texts("a:new-1") == ["You have an overdue action."]


async def test_turn_error_surfaces_injected_throttling_then_recovers(
    fake_connector: FakeConnector, endpoint: BotEndpoint
) -> None:
    url = fake_connector.url
    fake_connector.fail_next(429, headers={"Retry-After": "2"}, path_contains="/activities")

    await endpoint.post(A.message("first", service_url=url))
    await endpoint.post(A.message("second", service_url=url))

    (error,) = endpoint.turn_errors
    assert isinstance(error, ErrorResponseException)
    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == "2"
    assert [c.status for c in fake_connector.calls] == [429, 201]
    assert fake_connector.texts() == ["Echo: second"]


# --- fault injection through the bare ConnectorClient ---------------------------------------


async def test_blocked_user_fault_fires_once_with_bot_framework_error(
    fake_connector: FakeConnector,
) -> None:
    client = _connector(fake_connector)
    fake_connector.fail_next(403, method="POST")
    note = Activity(type="message", text="hi")

    with pytest.raises(ErrorResponseException) as raised:
        await client.conversations.send_to_conversation("a:1", note)
    result = await client.conversations.send_to_conversation("a:1", note)

    assert raised.value.error.error.code == "ConversationBlockedByUser"
    assert raised.value.response.status_code == 403
    assert result.id == fake_connector.posted()[0].activity_id
    assert fake_connector.texts("a:1") == ["hi"]


async def test_custom_error_code_and_path_filter(fake_connector: FakeConnector) -> None:
    client = _connector(fake_connector)
    fake_connector.fail_next(
        403, path_contains="a:blocked", body=error_body(403, "MessageWritesBlocked")
    )
    note = Activity(type="message", text="hi")

    await client.conversations.send_to_conversation("a:open", note)  # not matched
    with pytest.raises(ErrorResponseException) as raised:
        await client.conversations.send_to_conversation("a:blocked", note)

    assert raised.value.error.error.code == "MessageWritesBlocked"
    assert fake_connector.texts() == ["hi"]


async def test_botbuilder_silently_retries_idempotent_calls(fake_connector: FakeConnector) -> None:
    """msrest's urllib3 policy retries PUT/GET/DELETE on 5xx, so one injected 500 on an
    update never reaches the bot. Only `calls` shows it. POST is not retried."""
    client = _connector(fake_connector)
    fake_connector.fail_next(500, method="PUT")
    fake_connector.fail_next(500, method="POST")
    card = Activity(type="message", text="v2")

    result = await client.conversations.update_activity("a:1", "123", card)
    with pytest.raises(ErrorResponseException):
        await client.conversations.send_to_conversation("a:1", card)

    assert result.id == "123"
    assert [(c.method, c.status) for c in fake_connector.calls] == [
        ("PUT", 500),
        ("PUT", 200),
        ("POST", 500),
    ]
    assert fake_connector.updated("123") == [fake_connector.calls[1].json]


async def test_throttling_is_retried_only_with_retry_after(fake_connector: FakeConnector) -> None:
    client = _connector(fake_connector)
    fake_connector.fail_next(429, method="PUT", headers={"Retry-After": "0"})
    fake_connector.fail_next(429, method="GET")

    await client.conversations.update_activity("a:1", "9", Activity(type="message"))
    with pytest.raises(ErrorResponseException) as raised:
        await client.conversations.get_conversation_members("a:1")

    assert raised.value.error.error.code == "Throttled"
    assert [(c.method, c.status) for c in fake_connector.calls] == [
        ("PUT", 429),
        ("PUT", 200),
        ("GET", 429),
    ]


async def test_unknown_routes_are_recorded_and_answer_404(fake_connector: FakeConnector) -> None:
    client = _connector(fake_connector)

    with pytest.raises(ErrorResponseException):
        await client.conversations.get_conversations()

    (call,) = fake_connector.calls
    assert (call.method, call.path, call.status) == ("GET", "/v3/conversations", 404)


async def test_member_lookup_by_aad_object_id_and_missing_member(
    fake_connector: FakeConnector,
) -> None:
    client = _connector(fake_connector)

    found = await client.conversations.get_conversation_member(
        "19:abc@thread.skype", A.PLAYGROUND_USER.aad_object_id
    )
    with pytest.raises(ErrorResponseException) as raised:
        await client.conversations.get_conversation_member("19:abc@thread.skype", "nobody")

    assert found.name == A.PLAYGROUND_USER.name
    assert raised.value.error.error.code == "MemberNotFoundInConversation"


async def test_base_path_like_the_playground() -> None:
    async with FakeConnector(base_path="/_connector") as fake:
        assert fake.url.endswith("/_connector/")
        await _connector(fake).conversations.send_to_conversation(
            "a:1", Activity(type="message", text="hi")
        )
        assert fake.calls[0].path == "/_connector/v3/conversations/a:1/activities"
        assert fake.texts() == ["hi"]


async def test_until_explains_what_it_saw(fake_connector: FakeConnector) -> None:
    fake_connector.wait_limit = 0.05
    with pytest.raises(AssertionError, match="calls:"):
        await fake_connector.until(lambda f: bool(f.sent()))


async def test_reset_forgets_recordings_and_faults(fake_connector: FakeConnector) -> None:
    client = _connector(fake_connector)
    fake_connector.fail_next(500, method="POST", times=5)
    with pytest.raises(ErrorResponseException):
        await client.conversations.send_to_conversation("a:1", Activity(type="message"))

    fake_connector.reset()
    await client.conversations.send_to_conversation("a:1", Activity(type="message", text="ok"))

    assert [c.status for c in fake_connector.calls] == [201]


async def test_url_requires_start() -> None:
    with pytest.raises(RuntimeError):
        _ = FakeConnector().url


# --- the activity builders ------------------------------------------------------------------


def test_constants_match_the_captured_fixtures() -> None:
    personal = A.fixture("message-personal.json")
    assert personal["conversation"]["id"] == A.PERSONAL_CONVERSATION_ID
    assert personal["conversation"]["tenantId"] == A.TENANT_ID
    assert personal["recipient"] == A.bot_account()
    assert personal["from"] == A.PLAYGROUND_USER.account()
    assert personal["serviceUrl"] == A.PLAYGROUND_SERVICE_URL
    assert A.fixture("message-groupChat.json")["conversation"]["id"] == (
        A.GROUP_CHAT_CONVERSATION_ID
    )
    assert A.fixture("message-channel.json")["conversation"]["id"] == A.CHANNEL_CONVERSATION_ID
    invoke = A.fixture("invoke-personal-adaptiveCard_action.json")
    assert invoke["replyToId"] == A.FIXTURE_INVOKE_REPLY_TO_ID
    assert A.make_user(0) == A.PLAYGROUND_USER


def test_message_builder_mentions_the_bot_only_where_teams_requires_it() -> None:
    personal = A.message("hi")
    group = A.message("hi", conversation="groupChat")
    unmentioned = A.message("hi", conversation="channel", mention_bot=False)

    assert personal["text"] == "hi"
    assert not [e for e in personal["entities"] if e["type"] == "mention"]
    assert group["text"] == "<at>Test Bot</at> hi"
    assert group["entities"][0]["mentioned"]["id"] == A.BOT_ID
    assert unmentioned["text"] == "hi"
    assert personal["id"] != A.message("hi")["id"]
    assert personal["conversation"]["conversationType"] == "personal"


def test_builders_copy_and_override() -> None:
    user = A.make_user(3)
    first = A.message("x", user=user, conversation_id="a:other", service_url="http://s/")
    first["channelData"]["tenant"]["id"] = "mutated"

    again = A.message("x")
    assert again["channelData"]["tenant"]["id"] == A.TENANT_ID
    assert first["from"] == user.account()
    assert first["conversation"]["id"] == "a:other"
    assert first["serviceUrl"] == "http://s/"
    assert user.aad_object_id == "00000000-0000-0000-0000-0000000000023"


def test_invoke_and_submit_shapes() -> None:
    invoke = A.invoke_action("agenda.next", {"meetingId": 1}, conversation="channel")
    submit = A.submit({"verb": "agenda.next"}, conversation="channel")

    assert invoke["type"] == "invoke"
    assert invoke["name"] == "adaptiveCard/action"
    assert invoke["value"]["action"]["type"] == "Action.Execute"
    assert invoke["conversation"]["id"] == A.CHANNEL_CONVERSATION_ID
    assert invoke["channelData"]["team"]["id"] == A.TEAM_ID
    assert submit["type"] == "message"
    assert "text" not in submit
    assert submit["value"] == {"verb": "agenda.next"}
    assert not [e for e in submit["entities"] if e["type"] == "mention"]


def test_update_builders() -> None:
    removed = A.conversation_update(conversation="channel", members_removed=[A.make_user(4)])
    installed = A.installation_update(action="remove", conversation="groupChat")

    assert "membersAdded" not in removed
    assert removed["membersRemoved"] == [A.make_user(4).account(with_name=False)]
    assert removed["channelData"]["eventType"] == "teamMemberRemoved"
    assert installed["action"] == "remove"
    assert installed["conversation"]["id"] == A.GROUP_CHAT_CONVERSATION_ID
    assert A.conversation_update()["membersAdded"][1]["id"] == A.BOT_ID


def test_shared_dir_honours_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MACE_SHARED_DIR", str(tmp_path))
    assert A.shared_dir() == tmp_path
    monkeypatch.delenv("MACE_SHARED_DIR")
    assert (A.shared_dir() / "fixtures" / "playground" / "message-personal.json").is_file()


async def test_without_bodies_requests_are_answered_and_counted_but_not_kept(
    fake_connector: FakeConnector, endpoint: BotEndpoint
) -> None:
    """The load benchmark's mode: ids and statuses as usual, no parsed cards held."""
    fake_connector.keep_bodies = False
    assert await endpoint.post(A.message("card", service_url=fake_connector.url)) == 201
    (posted,) = fake_connector.posted()
    assert posted.activity == {}
    assert fake_connector.current(posted.activity_id) == {}
    assert [(c.method, c.status, c.json) for c in fake_connector.calls] == [
        ("POST", 201, None),
        ("PUT", 200, None),
    ]
