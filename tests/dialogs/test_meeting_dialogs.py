"""The meeting's commands and verbs (dialogs.meeting), through the router on fakes."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.errors import InvalidInput
from bot.domain.model import EntryKind, MeetingStatus
from bot.domain.permissions import Permission
from cards import (
    action_form_card,
    agenda_card,
    attendance_form_card,
    end_form_card,
    entry_form_card,
    summary_card,
)
from cards import verbs as v
from cards.forms import subject_form_card
from dialogs.commands import Command
from dialogs.meeting import NOT_A_CURRENT_CARD
from tests.cards.cards_testkit import make_action_form, make_meeting
from tests.dialogs.fakes import AGENDA_ACTIVITY, CONVERSATION, PAGES, click, make_bot, turn
from tests.dialogs.tested import covers

HERE = turn()
ON_AGENDA = {"meetingId": 3, "position": 2}


@covers(Command.START_MEETING)
async def test_start_meeting_posts_the_agenda_and_remembers_it() -> None:
    bot = make_bot()
    outcome = await bot.router.on_text(HERE, "start meeting")
    (post,) = outcome.posts
    assert post.card == agenda_card(bot.views.meeting)
    assert bot.calls.names() == ["meetings.start"]
    assert post.on_sent is not None
    await post.on_sent("activity-9")
    assert bot.calls.only("meetings.remember_agenda_card").args == (3, CONVERSATION, "activity-9")


async def test_start_meeting_while_one_runs_says_so_first() -> None:
    bot = make_bot()
    bot.views.already_running = True
    outcome = await bot.router.on_text(HERE, "start meeting")
    assert [post.text for post in outcome.posts] == [
        "A meeting is already in progress for this group; here is its agenda.",
        None,
    ]


@covers(v.MEETING_START)
async def test_the_start_button_answers_and_posts_the_agenda() -> None:
    bot = make_bot()
    outcome = await bot.router.on_click(HERE, click(v.MEETING_START))
    assert outcome.response_text == "Meeting started: the agenda is below."
    assert [post.card for post in outcome.posts] == [agenda_card(bot.views.meeting)]


@covers(Command.AGENDA)
async def test_agenda_posts_the_agenda_or_the_summary_once_ended() -> None:
    bot = make_bot()
    (post,) = (await bot.router.on_text(HERE, "agenda")).posts
    assert post.card == agenda_card(bot.views.meeting)
    ended = replace(make_meeting(status=MeetingStatus.ENDED), agenda_activity_id=None)
    bot.views.meeting = ended
    (post,) = (await bot.router.on_text(HERE, "show agenda")).posts
    assert post.card == summary_card(ended, PAGES)


@covers(Command.HERE)
async def test_here_records_the_person_and_edits_the_agenda() -> None:
    bot = make_bot()
    outcome = await bot.router.on_text(HERE, "i'm here")
    assert bot.calls.only("meetings.mark_present").args == (HERE, 3)
    assert [post.text for post in outcome.posts] == ["Noted: you are recorded as present."]
    (update,) = outcome.updates
    assert (update.activity_id, update.card) == (AGENDA_ACTIVITY, agenda_card(bot.views.meeting))


@covers(Command.NEXT_ITEM, Command.PREVIOUS_ITEM)
async def test_next_and_previous_item_move_the_meeting() -> None:
    bot = make_bot()
    outcome = await bot.router.on_text(HERE, "next item")
    await bot.router.on_text(HERE, "back")
    moves = [call.args[1:] for call in bot.calls if call.method == "meetings.move"]
    assert moves == [(3, None, +1), (3, None, -1)]
    assert outcome.posts[0].text == "Now on item 2: Minutes of the last meeting."


async def test_an_agenda_never_posted_is_posted_with_the_change() -> None:
    bot = make_bot()
    bot.views.meeting = replace(bot.views.meeting, agenda_activity_id=None)
    outcome = await bot.router.on_text(HERE, "next")
    assert outcome.updates == []
    assert [post.card for post in outcome.posts][1] == agenda_card(bot.views.meeting)


@covers(Command.END_MEETING)
async def test_end_meeting_asks_for_the_next_date_of_the_chair() -> None:
    bot = make_bot()
    (post,) = (await bot.router.on_text(HERE, "end meeting")).posts
    assert post.card == end_form_card(bot.views.meeting)
    assert bot.calls.only("meetings.current").args == (HERE, None, Permission.RUN_MEETING)


@covers(v.MEETING_REFRESH)
async def test_refresh_on_the_agenda_answers_with_the_agenda() -> None:
    bot = make_bot()
    pressed = click(v.MEETING_REFRESH, ON_AGENDA, on=AGENDA_ACTIVITY)
    outcome = await bot.router.on_click(HERE, pressed)
    assert outcome.response_card == agenda_card(bot.views.meeting)
    assert bot.calls.only("meetings.current").args[:2] == (HERE, 3)


@covers(v.MEETING_NEXT, v.MEETING_PREVIOUS)
async def test_next_and_previous_buttons_move_from_where_the_card_was_drawn() -> None:
    bot = make_bot()
    outcome = await bot.router.on_click(HERE, click(v.MEETING_NEXT, ON_AGENDA, on="elsewhere"))
    await bot.router.on_click(HERE, click(v.MEETING_PREVIOUS, ON_AGENDA, on=AGENDA_ACTIVITY))
    moves = [call.args[1:] for call in bot.calls if call.method == "meetings.move"]
    assert moves == [(3, 2, +1), (3, 2, -1)]
    assert outcome.response_text == "Done: the agenda card is up to date."


async def test_the_agenda_edit_is_rechecked_and_sends_a_newer_meeting_once() -> None:
    """Two changes can be drawn in one order and reach Teams in the other: after its edit,
    a turn asks whether the meeting moved on, sends the newer card, and asks again from
    that version (so the same newer card is not sent twice)."""
    bot = make_bot()
    outcome = await bot.router.on_click(HERE, click(v.MEETING_NEXT, ON_AGENDA))
    (update,) = outcome.updates
    assert update.recheck is not None
    drawn = bot.views.meeting.version
    assert await update.recheck() is None
    newer = replace(bot.views.meeting, version=drawn + 1)
    bot.views.newer = newer
    assert await update.recheck() == agenda_card(newer)
    assert await update.recheck() is None
    asked = [call.args[1] for call in bot.calls if call.method == "meetings.newer_view"]
    assert asked == [drawn, drawn, drawn + 1]


async def test_a_card_with_an_unreadable_position_moves_nothing() -> None:
    bot = make_bot()
    data = {"meetingId": 3, "position": "two"}
    outcome = await bot.router.on_click(HERE, click(v.MEETING_NEXT, data))
    assert outcome.response_text == NOT_A_CURRENT_CARD
    assert bot.calls == []


@covers(v.ATTENDANCE_SELF)
async def test_here_button_records_the_person() -> None:
    bot = make_bot()
    pressed = click(v.ATTENDANCE_SELF, ON_AGENDA, on=AGENDA_ACTIVITY)
    outcome = await bot.router.on_click(HERE, pressed)
    assert bot.calls.only("meetings.mark_present").args == (HERE, 3)
    assert outcome.response_card == agenda_card(bot.views.meeting)


@covers(v.ATTENDANCE_RECORD)
async def test_attendance_is_recorded_or_its_form_comes_back() -> None:
    bot = make_bot()
    data = {"meetingId": 3, "agencyId": 4, "status": "present"}
    pressed = click(v.ATTENDANCE_RECORD, data, on=AGENDA_ACTIVITY)
    outcome = await bot.router.on_click(HERE, pressed)
    assert bot.calls.only("meetings.record_attendance").args == (HERE, 3, pressed.data)
    assert outcome.response_card == agenda_card(bot.views.meeting)
    errors = {"agencyId": "Choose an agency."}
    bot.fails("meetings.record_attendance", InvalidInput(errors))
    outcome = await bot.router.on_click(HERE, pressed)
    expected = attendance_form_card(bot.views.meeting, values=pressed.data, errors=errors)
    assert outcome.response_card == expected


@covers(v.ITEM_MINUTE, v.ITEM_DECISION)
async def test_an_entry_on_the_agenda_is_answered_by_the_live_card() -> None:
    bot = make_bot()
    for verb, kind, note in (
        (v.ITEM_MINUTE, EntryKind.MINUTE, "Minute recorded."),
        (v.ITEM_DECISION, EntryKind.DECISION, "Decision recorded."),
    ):
        data = {"meetingId": 3, "itemId": 102, "minuteText": "Said"}
        pressed = click(verb, data, on=AGENDA_ACTIVITY)
        outcome = await bot.router.on_click(HERE, pressed)
        assert bot.calls[-1].args == (HERE, 3, 102, kind, pressed.data)
        assert outcome.response_text == note
        (update,) = outcome.updates
        assert (update.activity_id, update.card, update.answer) == (AGENDA_ACTIVITY, None, True)
    assert "meetings.drawn" not in bot.calls.names()


async def test_an_entry_from_its_own_form_draws_the_meeting_after_saving() -> None:
    bot = make_bot()
    outcome = await bot.router.on_click(HERE, click(v.ITEM_MINUTE, {"meetingId": 3}, on="form"))
    assert bot.calls.names() == ["meetings.record_entry", "meetings.drawn"]
    assert outcome.response_text == "Minute recorded."
    assert outcome.updates[0].card == agenda_card(bot.views.meeting)


async def test_a_refused_entry_comes_back_on_its_form_for_the_item_named() -> None:
    bot = make_bot()
    errors = {"decisionText": "Enter the decision."}
    bot.fails("meetings.record_entry", InvalidInput(errors))
    pressed = click(v.ITEM_DECISION, {"meetingId": 3, "itemId": 105, "decisionText": ""})
    outcome = await bot.router.on_click(HERE, pressed)
    view = bot.views.meeting
    expected = entry_form_card(view, 105, EntryKind.DECISION, values=pressed.data, errors=errors)
    assert outcome.response_card == expected
    # An item the meeting does not have: the current one.
    gone = click(v.ITEM_DECISION, {"meetingId": 3, "itemId": 999})
    outcome = await bot.router.on_click(HERE, gone)
    expected = entry_form_card(view, 102, EntryKind.DECISION, values=gone.data, errors=errors)
    assert outcome.response_card == expected


@covers(v.ITEM_ACTION)
async def test_an_action_is_recorded() -> None:
    bot = make_bot()
    data = {"meetingId": 3, "itemId": 102, "actionText": "Visit"}
    pressed = click(v.ITEM_ACTION, data, on="form")
    outcome = await bot.router.on_click(HERE, pressed)
    assert bot.calls.only("meetings.record_action").args == (HERE, 3, 102, pressed.data)
    assert outcome.response_text == "Action recorded."


async def test_a_refused_case_reference_is_never_shown_back() -> None:
    bot = make_bot()
    data = {"meetingId": 3, "itemId": 102, "subjectRef": "Jane Doe", "actionText": "Visit"}
    form = make_action_form(bot.views.meeting)
    bad_ref = {"subjectRef": "Use a case reference such as CR-0001."}
    bot.fails("meetings.record_action", InvalidInput(bad_ref))
    outcome = await bot.router.on_click(HERE, click(v.ITEM_ACTION, data))
    kept = {"verb": v.ITEM_ACTION, "meetingId": 3, "itemId": 102, "actionText": "Visit"}
    assert outcome.response_card == action_form_card(form, 102, values=kept, errors=bad_ref)
    other = {"actionText": "Describe the action."}
    bot.fails("meetings.record_action", InvalidInput(other))
    pressed = click(v.ITEM_ACTION, data)
    outcome = await bot.router.on_click(HERE, pressed)
    assert outcome.response_card == action_form_card(form, 102, values=pressed.data, errors=other)


@covers(v.ITEM_ACTION_FORM)
async def test_the_action_form_replaces_the_agenda_or_is_posted_blank() -> None:
    bot = make_bot()
    form = make_action_form(bot.views.meeting)
    data = {"meetingId": 3, "itemId": 104}
    outcome = await bot.router.on_click(HERE, click(v.ITEM_ACTION_FORM, data))
    assert outcome.response_card == action_form_card(form, 104)
    outcome = await bot.router.on_click(HERE, click(v.ITEM_ACTION_FORM, data, invoke=False))
    assert [(p.text, p.card) for p in outcome.posts] == [
        ("Fill in the action below.", None),
        (None, action_form_card(form, 104)),
    ]


@covers(v.MINUTES_AGREE)
async def test_agreeing_the_last_minutes() -> None:
    bot = make_bot()
    data = {"meetingId": 3, "previousMeetingId": 2}
    outcome = await bot.router.on_click(HERE, click(v.MINUTES_AGREE, data, on="elsewhere"))
    assert bot.calls.only("meetings.agree_previous_minutes").args == (HERE, 3, 2)
    assert outcome.response_text == "The last meeting's minutes are agreed as accurate."


@covers(v.MEETING_END)
async def test_ending_posts_the_summary_or_brings_the_form_back() -> None:
    bot = make_bot()
    pressed = click(v.MEETING_END, {"meetingId": 3, "nextMeetingDate": "2026-12-01"})
    outcome = await bot.router.on_click(HERE, pressed)
    assert bot.calls.only("meetings.end").args == (HERE, 3, pressed.data)
    assert outcome.response_text == "Meeting ended: the summary is below."
    assert outcome.posts[-1].card == summary_card(bot.views.meeting, PAGES)
    errors = {"nextMeetingDate": "Enter a date."}
    bot.fails("meetings.end", InvalidInput(errors))
    outcome = await bot.router.on_click(HERE, pressed)
    assert outcome.response_card == end_form_card(
        bot.views.meeting, values=pressed.data, errors=errors
    )


# -- subjects discussed under items 4-7 (issue 15) ----------------------------------------


@covers(v.ITEM_SUBJECT_FORM)
async def test_the_subject_form_replaces_the_agenda_for_those_who_run_the_meeting() -> None:
    bot = make_bot()
    data = {"meetingId": 3, "itemId": 104}
    outcome = await bot.router.on_click(HERE, click(v.ITEM_SUBJECT_FORM, data))
    assert bot.calls.only("meetings.current").args == (HERE, 3, Permission.RUN_MEETING)
    assert outcome.response_card == subject_form_card(bot.views.meeting, 104)


@covers(v.ITEM_SUBJECT_ADD)
async def test_adding_a_subject_edits_the_agenda_and_a_refused_reference_is_not_shown_back() -> (
    None
):
    bot = make_bot()
    data = {"meetingId": 3, "itemId": 104, "subjectKind": "child", "subjectRef": "CR-0001"}
    pressed = click(v.ITEM_SUBJECT_ADD, data, on=AGENDA_ACTIVITY)
    outcome = await bot.router.on_click(HERE, pressed)
    assert bot.calls.only("meetings.add_subject").args == (HERE, 3, 104, pressed.data)
    assert outcome.response_card == agenda_card(bot.views.meeting)

    bot = make_bot()
    bad = {"subjectRef": "Give the child's case reference, for example CR-0001. Never a name."}
    bot.fails("meetings.add_subject", InvalidInput(bad))
    named = {**data, "subjectRef": "Jane Doe"}
    outcome = await bot.router.on_click(HERE, click(v.ITEM_SUBJECT_ADD, named))
    kept = {k: val for k, val in named.items() if k != "subjectRef"} | {"verb": v.ITEM_SUBJECT_ADD}
    assert outcome.response_card == subject_form_card(
        bot.views.meeting, 104, values=kept, errors=bad
    )
    assert "Jane Doe" not in str(outcome.response_card)


@covers(v.ITEM_SUBJECT_REMOVE)
async def test_removing_a_subject_names_the_row() -> None:
    bot = make_bot()
    data = {"meetingId": 3, "itemSubjectId": 901}
    await bot.router.on_click(HERE, click(v.ITEM_SUBJECT_REMOVE, data))
    assert bot.calls.only("meetings.remove_subject").args == (HERE, 3, 901)


@covers(v.ITEM_SUBJECT_MOVE)
async def test_moving_a_subject_passes_the_direction() -> None:
    bot = make_bot()
    data = {"meetingId": 3, "itemSubjectId": 901, "direction": "up"}
    await bot.router.on_click(HERE, click(v.ITEM_SUBJECT_MOVE, data))
    assert bot.calls.only("meetings.move_subject").args == (HERE, 3, 901, "up")


async def test_next_passes_the_subject_the_card_was_drawn_on() -> None:
    bot = make_bot()
    await bot.router.on_click(HERE, click(v.MEETING_NEXT, {**ON_AGENDA, "subItem": 902}))
    assert bot.calls.only("meetings.move").args == (HERE, 3, 2, +1, 902)
