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
