"""What the Teams edge takes from an activity for the services (bot.teams.handler.turn_ref)."""

from __future__ import annotations

from botbuilder.schema import Activity

from bot.domain.model import ConversationKind
from bot.teams.handler import turn_ref
from tests.support.activities import message

GROUP_ID = "6a7b8c9d-0000-4000-8000-00000000beef"


def test_a_channel_turn_carries_its_team_group_id() -> None:
    raw = message("start meeting", conversation="channel")
    raw["channelData"]["team"]["aadGroupId"] = GROUP_ID
    turn = turn_ref(Activity().deserialize(raw))
    assert turn.conversation.kind is ConversationKind.CHANNEL
    assert turn.conversation.team_group_id == GROUP_ID


def test_without_it_there_is_none_and_junk_is_ignored() -> None:
    raw = message("start meeting", conversation="channel")
    assert turn_ref(Activity().deserialize(raw)).conversation.team_group_id is None
    raw["channelData"]["team"] = ["not", "an", "object"]
    assert turn_ref(Activity().deserialize(raw)).conversation.team_group_id is None


def test_a_missing_or_foreign_conversation_type_is_unknown_not_personal() -> None:
    """Deny by default: neither ``isGroup`` nor the id is taken as a guess."""
    for conversation in ("personal", "groupChat"):
        raw = message("my actions", conversation=conversation)
        del raw["conversation"]["conversationType"]
        assert turn_ref(Activity().deserialize(raw)).conversation.kind is ConversationKind.UNKNOWN
        raw["conversation"]["conversationType"] = "meeting"
        assert turn_ref(Activity().deserialize(raw)).conversation.kind is ConversationKind.UNKNOWN
    raw = message("my actions", conversation="personal")
    assert turn_ref(Activity().deserialize(raw)).conversation.kind is ConversationKind.PERSONAL
