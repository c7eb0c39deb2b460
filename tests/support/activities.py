"""Builders for inbound activities shaped exactly like Teams (and the Agents Playground) send.

Every builder starts from a JSON file captured from the Microsoft 365 Agents Playground
(`shared/fixtures/playground/*.json`), deep-copies it and changes only what the test names.
Starting from captured bytes rather than hand-written dicts keeps the tests honest about
the parts nobody thinks of (`channelData.tenant`, `conversation.conversationType`, the
mention entity, the 13-digit `replyToId`), which is where real Teams traffic differs from
what a test author would guess.

Each call gets a fresh `id`, because a bot must deduplicate on `activity.id` (Teams resends
slow turns) and two builder calls must never look like a resend of the same activity.

The captures (and the card schema and Teams host config) are copies of the team's
`shared/` folder kept in the repository, under `tests/fixtures/shared/`, so that a bare
clone's tests need nothing beside it; `tests/support/test_shared_copies.py` checks that
they still match `shared/` wherever it sits beside the checkout. The environment variable
`MACE_SHARED_DIR` points them elsewhere.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "BOT_ID",
    "BOT_NAME",
    "CHANNEL_CONVERSATION_ID",
    "FIXTURE_INVOKE_REPLY_TO_ID",
    "GROUP_CHAT_CONVERSATION_ID",
    "PERSONAL_CONVERSATION_ID",
    "PLAYGROUND_SERVICE_URL",
    "PLAYGROUND_USER",
    "SHARED_BESIDE",
    "SHARED_COPY",
    "TEAM_ID",
    "TENANT_ID",
    "ConversationKind",
    "TeamsUser",
    "bot_account",
    "conversation_update",
    "fixture",
    "installation_update",
    "invoke_action",
    "make_user",
    "message",
    "shared_dir",
    "submit",
]

ConversationKind = Literal["personal", "groupChat", "channel"]
"""The three Teams conversation types, spelled as `conversation.conversationType` spells them."""

InstallationAction = Literal["add", "remove", "add-upgrade", "remove-upgrade"]

# Identities as captured in the fixtures. Kept as constants so tests can assert on them
# without reloading JSON; `test_fake_connector.py` checks that they still match the files.
TENANT_ID = "00000000-0000-0000-0000-0000000000001"
BOT_ID = "00000000-0000-0000-0000-00000000000011"
BOT_NAME = "Test Bot"
TEAM_ID = "team-id"
PERSONAL_CONVERSATION_ID = "2cded786-7671-467a-a838-d9ba7acea0ba"
GROUP_CHAT_CONVERSATION_ID = "5a9fda3f-a4b6-4624-b07b-dbf40c003a64"
CHANNEL_CONVERSATION_ID = "team-id;messageid=1795301167862"
PLAYGROUND_SERVICE_URL = "http://localhost:56171/_connector"
FIXTURE_INVOKE_REPLY_TO_ID = "1795301154790"
"""The `replyToId` of the captured invoke: the id the connector gave the card's message."""


#: The repository's copy of what the tests use from the team's shared folder.
SHARED_COPY = Path(__file__).resolve().parents[1] / "fixtures" / "shared"

#: The team's shared folder itself, where it sits beside the checkout (`/work/shared` for
#: `/work/main`): the stock echo bot the benchmark measures against is read from there.
SHARED_BESIDE = Path(__file__).resolve().parents[2].parent / "shared"


def shared_dir() -> Path:
    """Where the shared fixtures live: the repository's copy, unless the environment
    variable names another folder of the same layout."""
    override = os.environ.get("MACE_SHARED_DIR")
    if override:
        return Path(override)
    return SHARED_COPY


@functools.cache
def _load(name: str) -> dict[str, Any]:
    path = shared_dir() / "fixtures" / "playground" / name
    with path.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    return loaded


def fixture(name: str) -> dict[str, Any]:
    """A private deep copy of one captured activity, e.g. `fixture("message-personal.json")`.

    Copied on every call because tests mutate what they get, and the cached original must
    stay as captured.
    """
    return copy.deepcopy(_load(name))


@dataclass(frozen=True, slots=True)
class TeamsUser:
    """A person as Teams identifies them: the channel id plus their Entra (AAD) object id.

    Teams sends both; a bot should key people on `aad_object_id` (stable across
    conversations and what Graph understands) and address them with `id`.
    """

    id: str
    name: str
    aad_object_id: str

    def account(self, *, with_name: bool = True) -> dict[str, Any]:
        """The `from` / `ChannelAccount` shape of this user.

        Conversation and installation updates from the Playground carry no `name`, so those
        builders pass `with_name=False` to stay faithful to the capture.
        """
        account: dict[str, Any] = {"id": self.id}
        if with_name:
            account["name"] = self.name
        account["aadObjectId"] = self.aad_object_id
        return account

    @property
    def email(self) -> str:
        """A fictional address on a reserved domain, so nothing can ever be mailed."""
        return ".".join(self.name.lower().split()) + "@contoso.example"

    def member(self, *, tenant_id: str = TENANT_ID) -> dict[str, Any]:
        """The `TeamsChannelAccount` shape the roster endpoints return for this user."""
        given, _, surname = self.name.partition(" ")
        return {
            "id": self.id,
            "name": self.name,
            "aadObjectId": self.aad_object_id,
            "givenName": given,
            "surname": surname,
            "email": self.email,
            "userPrincipalName": self.email,
            "tenantId": tenant_id,
            "userRole": "user",
        }


PLAYGROUND_USER = TeamsUser(
    id="user-id-0",
    name="Alex Wilber",
    aad_object_id="00000000-0000-0000-0000-0000000000020",
)
"""The Playground's default user; every captured fixture comes from this person."""

_FICTIONAL_NAMES = (
    "Alex Wilber",
    "Megan Bowen",
    "Adele Vance",
    "Lee Gu",
    "Diego Siciliani",
    "Isaiah Langer",
    "Johanna Lorenz",
    "Lidia Holloway",
    "Nestor Wilke",
    "Patti Fernandez",
    "Pradeep Gupta",
    "Grady Archie",
    "Lynne Robbins",
    "Miriam Graham",
    "Joni Sherman",
    "Henrietta Mueller",
)


def make_user(n: int, name: str | None = None) -> TeamsUser:
    """The n-th fictional user, numbered like the Playground numbers its users.

    `make_user(0)` is `PLAYGROUND_USER`. Ids are deterministic so a test can build the same
    person twice (e.g. once for the roster, once as a message sender) and get equal values.
    """
    if n < 0:
        raise ValueError("user numbers start at 0")
    if name is None:
        name = _FICTIONAL_NAMES[n % len(_FICTIONAL_NAMES)]
        if n >= len(_FICTIONAL_NAMES):
            name = f"{name} {n}"  # keep names unique past the list's end
    return TeamsUser(
        id=f"user-id-{n}",
        name=name,
        aad_object_id=f"00000000-0000-0000-0000-{20 + n:013d}",
    )


def bot_account() -> dict[str, Any]:
    """The bot as the fixtures name it (the activities' `recipient`)."""
    return {"id": BOT_ID, "name": BOT_NAME}


def _new_id() -> str:
    return str(uuid.uuid4())


def _iso(moment: datetime) -> str:
    """Teams' timestamp form: UTC, milliseconds, `Z`."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def _personalise(
    activity: dict[str, Any],
    *,
    user: TeamsUser,
    with_name: bool,
    service_url: str | None,
    conversation_id: str | None,
    activity_id: str | None,
    timestamp: datetime | None,
) -> dict[str, Any]:
    activity["id"] = activity_id or _new_id()
    activity["from"] = user.account(with_name=with_name)
    if service_url is not None:
        activity["serviceUrl"] = service_url
    if conversation_id is not None:
        activity["conversation"]["id"] = conversation_id
    if timestamp is not None:
        activity["timestamp"] = _iso(timestamp)
        if "localTimestamp" in activity:
            activity["localTimestamp"] = timestamp.astimezone(UTC).isoformat(
                timespec="milliseconds"
            )
    return activity


def _is_mention(entity: Mapping[str, Any]) -> bool:
    return entity.get("type") == "mention"


def _bot_mention_entity() -> dict[str, Any]:
    return {"type": "mention", "mentioned": bot_account(), "text": f"<at>{BOT_NAME}</at>"}


def message(
    text: str,
    *,
    conversation: ConversationKind = "personal",
    service_url: str | None = None,
    user: TeamsUser = PLAYGROUND_USER,
    mention_bot: bool | None = None,
    conversation_id: str | None = None,
    activity_id: str | None = None,
    timestamp: datetime | None = None,
) -> dict[str, Any]:
    """A user's text message to the bot.

    In group chats and channels Teams delivers a message only when the bot is @mentioned,
    so `mention_bot` defaults to True there: the text becomes `<at>Test Bot</at> {text}`
    with the matching mention entity, exactly as captured. Pass `mention_bot=False` to
    build what a bot must never rely on receiving in those scopes.
    """
    activity = fixture(f"message-{conversation}.json")
    mention = conversation != "personal" if mention_bot is None else mention_bot
    entities = [e for e in activity.get("entities", []) if not _is_mention(e)]
    if mention:
        activity["text"] = f"<at>{BOT_NAME}</at> {text}"
        entities.insert(0, _bot_mention_entity())
    else:
        activity["text"] = text
    activity["entities"] = entities
    return _personalise(
        activity,
        user=user,
        with_name=True,
        service_url=service_url,
        conversation_id=conversation_id,
        activity_id=activity_id,
        timestamp=timestamp,
    )


def _card_context(activity: dict[str, Any], conversation: ConversationKind) -> None:
    """Give a card-originated activity the conversation and channelData of `conversation`.

    Only a personal invoke was captured; group and channel cards live in the same
    conversations the messages were captured in, so borrow those and keep the
    `source` marker the Playground puts on card traffic.
    """
    if conversation == "personal":
        return
    template = fixture(f"message-{conversation}.json")
    activity["conversation"] = template["conversation"]
    channel_data = template["channelData"]
    channel_data["source"] = {"name": "message"}
    activity["channelData"] = channel_data


def invoke_action(
    verb: str,
    data: Mapping[str, Any] | None = None,
    *,
    inputs: Mapping[str, Any] | None = None,
    title: str = "Record",
    conversation: ConversationKind = "personal",
    user: TeamsUser = PLAYGROUND_USER,
    service_url: str | None = None,
    reply_to_id: str = FIXTURE_INVOKE_REPLY_TO_ID,
    conversation_id: str | None = None,
    activity_id: str | None = None,
    timestamp: datetime | None = None,
) -> dict[str, Any]:
    """An `adaptiveCard/action` invoke from an `Action.Execute` button.

    Teams merges the button's `data` with the card's input values into `value.action.data`
    (inputs win on a key clash), so a handler sees one dict; `inputs` lets a test keep the
    two apart the way the card author did. `reply_to_id` is the id of the message holding
    the card, the id a handler uses to update that card in place.
    """
    activity = fixture("invoke-personal-adaptiveCard_action.json")
    _card_context(activity, conversation)
    activity["replyToId"] = reply_to_id
    activity["value"] = {
        "action": {
            "type": "Action.Execute",
            "title": title,
            "verb": verb,
            "data": {**(data or {}), **(inputs or {})},
        }
    }
    return _personalise(
        activity,
        user=user,
        with_name=True,
        service_url=service_url,
        conversation_id=conversation_id,
        activity_id=activity_id,
        timestamp=timestamp,
    )


def submit(
    data: Mapping[str, Any],
    *,
    inputs: Mapping[str, Any] | None = None,
    conversation: ConversationKind = "personal",
    user: TeamsUser = PLAYGROUND_USER,
    service_url: str | None = None,
    reply_to_id: str = FIXTURE_INVOKE_REPLY_TO_ID,
    conversation_id: str | None = None,
    activity_id: str | None = None,
    timestamp: datetime | None = None,
) -> dict[str, Any]:
    """A message carrying `value` and no text: what an `Action.Submit` button sends.

    Clients that cannot run `Action.Execute` fall back to the card's `Action.Submit`, which
    arrives as a plain message. It has no @mention even in channels, so a bot that insists
    on a mention before reading a message would drop it; tests use this to prove it does
    not.
    """
    activity = fixture(f"message-{conversation}.json")
    activity.pop("text", None)
    activity["entities"] = [e for e in activity.get("entities", []) if not _is_mention(e)]
    activity["value"] = {**data, **(inputs or {})}
    activity["replyToId"] = reply_to_id
    activity["channelData"]["source"] = {"name": "message"}
    return _personalise(
        activity,
        user=user,
        with_name=True,
        service_url=service_url,
        conversation_id=conversation_id,
        activity_id=activity_id,
        timestamp=timestamp,
    )


def _member(member: TeamsUser | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(member, TeamsUser):
        return member.account(with_name=False)
    return dict(member)


def conversation_update(
    *,
    conversation: ConversationKind = "personal",
    members_added: Sequence[TeamsUser | Mapping[str, Any]] | None = None,
    members_removed: Sequence[TeamsUser | Mapping[str, Any]] | None = None,
    user: TeamsUser = PLAYGROUND_USER,
    service_url: str | None = None,
    conversation_id: str | None = None,
    activity_id: str | None = None,
    timestamp: datetime | None = None,
) -> dict[str, Any]:
    """A `conversationUpdate`, by default the one Teams sends when the bot is added.

    With no member lists it is the captured event (bot, and in personal scope also the
    user, added). Pass `bot_account()` in a list to mean the bot itself. In channels the
    `channelData.eventType` follows: `teamMemberRemoved` when only removals are given.
    """
    activity = fixture(f"conversationUpdate-{conversation}.json")
    if members_added is not None or members_removed is not None:
        activity.pop("membersAdded", None)
        if members_added:
            activity["membersAdded"] = [_member(m) for m in members_added]
        if members_removed:
            activity["membersRemoved"] = [_member(m) for m in members_removed]
        if conversation == "channel" and members_removed and not members_added:
            activity["channelData"]["eventType"] = "teamMemberRemoved"
    return _personalise(
        activity,
        user=user,
        with_name=False,
        service_url=service_url,
        conversation_id=conversation_id,
        activity_id=activity_id,
        timestamp=timestamp,
    )


def installation_update(
    *,
    action: InstallationAction = "add",
    conversation: ConversationKind = "personal",
    user: TeamsUser = PLAYGROUND_USER,
    service_url: str | None = None,
    conversation_id: str | None = None,
    activity_id: str | None = None,
    timestamp: datetime | None = None,
) -> dict[str, Any]:
    """An `installationUpdate`: the moment to store a conversation reference (on `add`) or
    to stop messaging a conversation (on `remove`)."""
    activity = fixture(f"installationUpdate-{conversation}.json")
    activity["action"] = action
    return _personalise(
        activity,
        user=user,
        with_name=False,
        service_url=service_url,
        conversation_id=conversation_id,
        activity_id=activity_id,
        timestamp=timestamp,
    )
