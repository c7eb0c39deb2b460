"""The live agenda card: what the chair sees, which buttons appear when, and what it
never shows."""

from __future__ import annotations

from typing import Any

from cards_testkit import (
    ACTION_SENTINEL,
    DECISION_SENTINEL,
    MINUTE_SENTINEL,
    dumps,
    execute_titled,
    executes,
    make_large_meeting,
    make_meeting,
    of_type,
    show_card_titled,
    verbs,
    with_stray_minute,
)

from bot.domain.model import MeetingStatus, MinutesStatus
from bot.domain.views import MeetingView
from cards import agenda_card, summary_card
from cards.verbs import (
    ITEM_ACTION_FORM,
    MEETING_NEXT,
    MEETING_PREVIOUS,
    MEETING_REFRESH,
    MINUTES_AGREE,
    ROUND_OPEN,
)

Card = dict[str, Any]


def texts(card: Card) -> list[str]:
    """Every visible string, TextBlocks and runs alike, in order."""
    return [e["text"] for e in of_type(card, "TextBlock") + of_type(card, "TextRun")]


def test_header_names_meeting_date_status_chair_and_marking(meeting: MeetingView) -> None:
    card = agenda_card(meeting)
    assert card["body"][0]["text"] == "MACE Scarborough locality meeting"
    facts = {f["title"]: f["value"] for f in card["body"][1]["facts"]}
    assert facts["Date"] == "Tue 3 Nov 2026"
    assert facts["Started"] == "10:00"  # 10:00 UTC is 10:00 in London in November
    assert facts["Status"] == "In progress"
    assert facts["Chair"] == "Alex Ashdown"
    assert "OFFICIAL-SENSITIVE" in card["body"][2]["text"]


def test_attendance_lists_every_agency_and_warns_of_missing_key_agencies(
    meeting: MeetingView,
) -> None:
    lines = [
        "".join(r["text"] for r in block["inlines"])
        for block in of_type(agenda_card(meeting), "RichTextBlock")
    ]
    assert "Education: Apologies – Head of year" in lines
    assert "Health (0-19 service): Not recorded" in lines
    assert "North Yorkshire Police: Apologies – Cal Dunmore" in lines
    assert "Early Help: Substitute – Eli Dunmore" in lines
    assert sum(1 for line in lines if line.endswith(": Not recorded")) == 9
    warnings = [
        t
        for t in of_type(agenda_card(meeting), "TextBlock")
        if t.get("color") == "attention" and "Key agencies" in t["text"]
    ]
    assert len(warnings) == 1
    assert "Education" in warnings[0]["text"] and "Health (0-19 service)" in warnings[0]["text"]
    none_missing = make_meeting(missing_key=False)
    assert "Key agencies not present" not in dumps(agenda_card(none_missing))


def test_items_show_position_time_used_and_markers(meeting: MeetingView) -> None:
    lines = texts(agenda_card(meeting))
    assert "**✓ 1. Welcome, attendance and confidentiality**" in lines
    assert "**▶ 2. Minutes of the last meeting**" in lines
    assert "**3. Review of previous actions**" in lines
    assert any(t.startswith("Done · 03:20 of 5 min") for t in lines)
    assert any(t.startswith("To come · 00:00 of 15 min") for t in lines)


def test_over_time_is_flagged_in_attention_colour() -> None:
    view = make_meeting(current=4)  # item 2 used 400 s of its 5 minutes
    over = [t for t in of_type(agenda_card(view), "TextBlock") if "over time" in t["text"]]
    assert over and all(t["color"] == "attention" for t in over)
    assert any("06:40 of 5 min" in t["text"] for t in over)


def test_current_item_shows_guidance_only_for_itself(meeting: MeetingView) -> None:
    text = dumps(agenda_card(meeting))
    assert meeting.items[1].guidance in text
    assert meeting.items[3].guidance not in text


def test_previous_minutes_button_only_while_draft_and_live(meeting: MeetingView) -> None:
    agree = execute_titled(agenda_card(meeting), "Agree as accurate")
    assert agree["verb"] == MINUTES_AGREE
    assert agree["data"] == {"verb": MINUTES_AGREE, "meetingId": 3, "previousMeetingId": 2}
    assert "Tue 6 Oct 2026" in dumps(agenda_card(meeting))
    agreed = make_meeting(minutes_status=MinutesStatus.AGREED)
    assert MINUTES_AGREE not in verbs(agenda_card(agreed))
    assert "No earlier meeting" in dumps(agenda_card(make_meeting(previous_minutes=False)))


def test_previous_actions_listed_with_overdue_and_capped(large_meeting: MeetingView) -> None:
    card = agenda_card(large_meeting)
    text = dumps(card)
    assert "60 open actions from earlier meetings, **30 overdue**" in text
    assert "OVERDUE" in text
    assert "Previous action 29" in text and "Previous action 30 " not in text
    assert "… and 30 more – type **outstanding actions** in personal chat" in text
    empty = agenda_card(make_meeting(previous_actions=0))
    assert "No open actions from earlier meetings." in dumps(empty)


def test_long_texts_are_cut_with_an_ellipsis(large_meeting: MeetingView) -> None:
    runs = [r["text"] for r in of_type(agenda_card(large_meeting), "TextRun")]
    cut = [t for t in runs if t.startswith(DECISION_SENTINEL)]
    assert cut and all(len(t) <= 160 and t.endswith("…") for t in cut)


def test_decisions_and_actions_appear_under_their_item_but_minutes_never() -> None:
    view = with_stray_minute(make_meeting(current=4))
    card = agenda_card(view)
    text = dumps(card)
    assert MINUTE_SENTINEL not in text
    assert DECISION_SENTINEL in text and ACTION_SENTINEL in text
    # Under the item they were recorded against: item 1's entries in item 1's container.
    item_blocks = [c for c in card["body"] if c.get("type") == "Container"]
    assert len(item_blocks) == 9
    assert f"{DECISION_SENTINEL} item 1 no 0" in dumps(item_blocks[0])
    assert f"{ACTION_SENTINEL} item 1 no 0" in dumps(item_blocks[0])
    assert f"{DECISION_SENTINEL} item 1" not in dumps(item_blocks[1])
    assert "3 minutes, 2 decisions, 2 actions" in dumps(item_blocks[0])
    assert MINUTE_SENTINEL not in dumps(summary_card(view))


def test_large_meeting_caps_entries_per_item(large_meeting: MeetingView) -> None:
    text = dumps(agenda_card(large_meeting))
    assert f"{DECISION_SENTINEL} item 1 no 9" in text  # the latest are shown
    assert f"{DECISION_SENTINEL} item 1 no 0" not in text
    assert "… and 5 more – earlier decisions are in the summary" in text


def test_live_buttons_carry_ids_and_position(meeting: MeetingView) -> None:
    card = agenda_card(meeting)
    previous = execute_titled(card, "Previous item")
    following = execute_titled(card, "Next item")
    assert previous["verb"] == MEETING_PREVIOUS and following["verb"] == MEETING_NEXT
    for action in (previous, following):
        assert action["data"] == {"verb": action["verb"], "meetingId": 3, "position": 2}
    assert execute_titled(card, "Refresh")["verb"] == MEETING_REFRESH
    share = execute_titled(card, "Share and challenge")
    assert share["data"] == {"verb": ROUND_OPEN, "meetingId": 3, "itemId": 102}
    titles = [a["title"] for a in card["actions"]]
    assert titles == ["Record", "Attendance", "Share and challenge", "End meeting"]
    record = show_card_titled(card, "Record")["card"]
    assert [a["title"] for a in record["actions"]] == ["Minute", "Decision", "Action"]
    minute, decision, action = record["actions"]
    assert minute["type"] == decision["type"] == "Action.ShowCard"
    # The action form is a card of its own (its owner list is the whole group).
    assert action["type"] == "Action.Execute" and action["verb"] == ITEM_ACTION_FORM
    assert action["data"] == {"verb": ITEM_ACTION_FORM, "meetingId": 3, "itemId": 102}
    assert "ownerId" not in dumps(card)


def test_no_previous_on_first_item_and_no_next_on_last() -> None:
    first = {a["title"] for a in executes(agenda_card(make_meeting(current=1)))}
    last = {a["title"] for a in executes(agenda_card(make_meeting(current=9)))}
    assert "Previous item" not in first and "Next item" in first
    assert "Next item" not in last and "Previous item" in last


def test_open_round_hides_share_and_challenge() -> None:
    card = agenda_card(make_meeting(open_round_id=8))
    assert ROUND_OPEN not in verbs(card)
    assert "round is open" in dumps(card)


def test_ended_meeting_has_no_buttons(ended_meeting: MeetingView) -> None:
    card = agenda_card(ended_meeting)
    assert "actions" not in card
    assert not executes(card) and not of_type(card, "Action.ShowCard")
    assert not of_type(card, "ActionSet")
    facts = {f["title"]: f["value"] for f in card["body"][1]["facts"]}
    assert facts["Status"] == "Ended at 11:42"
    assert "This meeting has ended" in dumps(card)


def test_ended_large_meeting_lists_every_items_entries() -> None:
    view = make_large_meeting(current=None, status=MeetingStatus.ENDED)
    text = dumps(agenda_card(view))
    for position in range(1, 10):
        assert f"{DECISION_SENTINEL} item {position} no 9" in text
