"""Rounds, challenges, setup, welcome and the end-of-meeting summary."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

from cards_testkit import (
    ACTION_SENTINEL,
    DECISION_SENTINEL,
    GROUP_CHOICES,
    dumps,
    execute_titled,
    input_by_id,
    make_challenges,
    make_large_meeting,
    make_meeting,
    make_round,
    of_type,
    verbs,
    welcome_views,
)

from bot.domain.model import ChallengeStatus, MeetingStatus, RoundStatus
from bot.domain.page_addresses import PageAddresses
from bot.domain.views import MemberView
from cards import challenges_card, round_card, setup_card, summary_card, welcome_card
from cards import verbs as v
from cards.text import clip, format_elapsed
from cards.verbs import (
    CHALLENGE_RESPOND,
    HELP_SHOW,
    MEETING_REFRESH,
    MEETING_START,
    ROUND_ANSWER,
    ROUND_CLOSE,
    SETUP_LINK,
)


def test_open_round_shows_every_agency_and_the_answer_form() -> None:
    view = make_round()
    card = round_card(view)
    text = dumps(card)
    assert card["body"][0]["text"] == "Share and challenge: item 4 Children discussed"
    assert "**3 of 13 agencies present have answered.**" in text
    assert text.count("Still to answer") == 10
    assert "Nothing to share" in text and "Challenge raised" in text
    assert "Bea Birchley" in text  # who answered
    assert "Challenge to: " in text
    outcome = input_by_id(card, "outcome")
    assert outcome["style"] == "expanded"
    assert [c["value"] for c in outcome["choices"]] == ["shared", "nothing", "challenge"]
    targets = input_by_id(card, "challengeTo")["choices"]
    assert targets[-1] == {"title": "The plan / something else", "value": "plan"}
    assert len(targets) == len(view.agencies) + 1
    assert input_by_id(card, "shareText")["isMultiline"] is True
    answer = execute_titled(card, "Send answer")
    assert answer["data"] == {"verb": ROUND_ANSWER, "roundId": 77, "meetingId": 3}
    close = execute_titled(card, "Close round")
    assert close["verb"] == ROUND_CLOSE and close["associatedInputs"] == "none"


def test_closed_round_summarises_with_no_buttons() -> None:
    card = round_card(make_round(status=RoundStatus.CLOSED, answered=6, challenges=2))
    text = dumps(card)
    assert not verbs(card) and not of_type(card, "Input.ChoiceSet")
    counts = {f["title"]: f["value"] for f in of_type(card, "FactSet")[0]["facts"]}
    assert counts == {
        "Shared": "2",
        "Nothing to share": "2",
        "Challenge raised": "1",
        "Not present": "1",
    }
    assert "Did not answer: Youth Justice Service, Housing, Probation" in text
    assert "Still to answer" not in text and text.count("Did not answer") == 9
    assert "The disruption plan for CR-0001" in text and "Open" in text


def test_long_answers_are_cut() -> None:
    card = round_card(make_round(text_len=4000, answered=14))
    answers = [r["text"] for r in of_type(card, "TextRun") if r["text"].startswith("Shared by")]
    assert answers and all(len(a) <= 800 and a.endswith("…") for a in answers)


def test_challenges_card_lists_open_ones_with_a_response_form() -> None:
    challenges = make_challenges(3)
    card = challenges_card(challenges, locality_name="Scarborough")
    text = dumps(card)
    assert "Open challenges: MACE Scarborough locality group" in text
    assert "challenged " in text
    assert "the plan / something else" in text  # challenge 0 is to no agency
    assert "Raised under: Children discussed" in text
    shows = of_type(card, "Action.ShowCard")
    assert [s["title"] for s in shows] == ["Record response"] * 3
    for challenge, show in zip(challenges, shows, strict=True):
        ids = [e["id"] for e in show["card"]["body"] if "id" in e]
        # "Escalated" asks which group and why (issue 16).
        assert ids == [
            f"response-{challenge.id}",
            f"resolution-{challenge.id}",
            f"escalateTo-{challenge.id}",
            f"escalateWhy-{challenge.id}",
        ]
        resolution = show["card"]["body"][1]["choices"]
        assert [c["value"] for c in resolution] == ["resolved", "escalated"]
        submit = show["card"]["actions"][0]
        assert submit["data"] == {"verb": CHALLENGE_RESPOND, "challengeId": challenge.id}


def test_no_open_challenges() -> None:
    assert "No open challenges." in dumps(challenges_card((), locality_name="Ryedale"))
    settled = tuple(replace(c, status=ChallengeStatus.RESOLVED) for c in make_challenges(2))
    card = challenges_card(settled, locality_name="Ryedale")
    assert "No open challenges." in dumps(card) and not verbs(card)


def test_many_challenges_are_capped() -> None:
    text = dumps(challenges_card(make_challenges(40), locality_name="Scarborough"))
    assert "… and 15 more" in text


def test_setup_card_offers_groups_and_preselects_the_linked_one() -> None:
    card = setup_card(GROUP_CHOICES)
    choice = input_by_id(card, "localityId")
    assert choice["choices"] == [
        {"title": "Scarborough", "value": "1"},
        {"title": "Ryedale (linked here now)", "value": "2"},
    ]
    assert choice["value"] == "2"
    assert "must be linked to one MACE locality group" in dumps(card)
    assert execute_titled(card, "Link this conversation")["verb"] == SETUP_LINK


def test_setup_card_without_groups_says_who_to_ask_and_has_no_button() -> None:
    card = setup_card(())
    text = dumps(card)
    assert "not a chair" in text and "administrator" in text and "coordinator" in text
    assert not verbs(card) and "actions" not in card


def test_welcome_states() -> None:
    views = welcome_views()
    unlinked = welcome_card(views["unlinked"])
    assert verbs(unlinked) == {SETUP_LINK, HELP_SHOW}
    assert "localityId" in dumps(unlinked)
    assert verbs(welcome_card(views["unlinked-no-choices"])) == {HELP_SHOW}
    start = welcome_card(views["linked-can-start"])
    assert "MACE Scarborough locality group" in dumps(start)
    assert execute_titled(start, "Start meeting")["data"] == {
        "verb": MEETING_START,
        "localityId": 1,
    }
    assert verbs(welcome_card(views["linked-cannot-start"])) == {HELP_SHOW}
    running = welcome_card(views["linked-in-progress"])
    assert verbs(running) == {MEETING_REFRESH, HELP_SHOW}
    assert execute_titled(running, "Show agenda")["data"]["meetingId"] == 3


def test_summary_has_attendance_decisions_actions_challenges_and_marking() -> None:
    view = make_meeting(status=MeetingStatus.ENDED, next_meeting=date(2026, 12, 1))
    card = summary_card(view, PageAddresses("https://bot.example"))
    text = dumps(card)
    assert verbs(card) == {"corrections.show"}, "corrections, until the minutes are agreed"
    assert card["actions"][0] == {
        "type": "Action.OpenUrl",
        "title": "Download minutes (Word)",
        "url": f"https://bot.example/meetings/{view.id}",
    }, "the Word minutes: the meeting's page, which signs in first (no bearer link)"
    assert "Summary: MACE Scarborough locality meeting" in text
    facts = {f["title"]: f["value"] for f in card["body"][1]["facts"]}
    assert facts["Time"] == "10:00–11:42"
    assert facts["Next meeting"] == "Tue 1 Dec 2026"
    assert "Present" in text and "Apologies" in text and "Substitute" in text
    assert "Key agencies not present: Education, Health (0-19 service)" in text
    assert DECISION_SENTINEL in text and ACTION_SENTINEL in text
    assert "Owner: " in text and "due " in text and "CR-0" in text
    assert "Open challenges (2)" in text
    assert "Minutes are a draft until agreed at the next meeting." in text
    assert text.count("OFFICIAL-SENSITIVE") == 2 and "No onward disclosure" in text


def test_summary_next_meeting_to_be_arranged_and_caps() -> None:
    view = make_large_meeting(current=None, status=MeetingStatus.ENDED)
    card = summary_card(view)
    facts = {f["title"]: f["value"] for f in card["body"][1]["facts"]}
    assert facts["Next meeting"] == "To be arranged"
    text = dumps(card)
    assert "Decisions (90)" in text and "Actions (90)" in text
    assert "… and 50 more – all are in the minutes" in text
    assert "… and 50 more – type **outstanding actions** in personal chat" in text


def test_clip_and_elapsed() -> None:
    assert clip("short  text\nhere", 50) == "short text here"
    cut = clip("word " * 100, 40)
    assert len(cut) <= 40 and cut.endswith("…") and "wor…" not in cut
    assert clip("x" * 100, 10) == "x" * 9 + "…"
    assert format_elapsed(754, 30) == "12:34 of 30 min"
    assert format_elapsed(6000, 5) == "100:00 of 5 min"


def test_hand_over_offers_colleagues_by_name_and_sends_their_id() -> None:
    from cards_testkit import input_by_id, make_owned_actions

    from cards.actions import hand_over_card

    first = next(a for a in make_owned_actions(3) if a.colleagues)
    card = hand_over_card(first)
    choices = input_by_id(card, f"handTo-{first.action.id}")["choices"]
    assert [(c["title"], c["value"]) for c in choices] == [
        (m.name, str(m.id)) for m in first.colleagues
    ]
    assert [a["verb"] for a in card["actions"]] == [v.ACTION_HAND_OVER, v.ACTIONS_MINE]


def test_my_actions_leaves_the_colleague_lists_to_the_hand_over_form() -> None:
    """A button per action, not a list of every colleague under each one: the lists made
    the card several times larger and slower, for a choice made rarely."""
    from cards_testkit import card_size, executes, make_owned_actions

    from cards.actions import my_actions_card

    actions = make_owned_actions(15)
    card = my_actions_card(actions)
    hand_overs = [e for e in executes(card) if e["verb"] == v.ACTION_HAND_OVER_CHOOSE]
    assert [e["data"]["actionId"] for e in hand_overs] == [a.action.id for a in actions]
    assert "handTo-" not in json.dumps(card)
    many = MemberView(1, "Colleague", 1, "North Yorkshire Police")
    crowded = [replace(a, colleagues=(many,) * 80) for a in actions]
    assert card_size(my_actions_card(crowded)) == card_size(card), "size is not per colleague"


def test_a_hand_over_refused_keeps_the_choice_and_says_why_beside_it() -> None:
    from cards_testkit import element_after, input_by_id, make_owned_actions

    from cards.actions import hand_over_card

    first = next(a for a in make_owned_actions(3) if a.colleagues)
    field_id = f"handTo-{first.action.id}"
    chosen = str(first.colleagues[1].id)
    card = hand_over_card(
        first, values={field_id: chosen}, errors={field_id: "Choose a colleague in Police."}
    )
    assert input_by_id(card, field_id)["value"] == chosen
    after = element_after(card, field_id)
    assert after is not None and "Choose a colleague in Police." in json.dumps(after)
