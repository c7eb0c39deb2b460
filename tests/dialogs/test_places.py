"""Where each command and verb may run (dialogs.places), checked in milliseconds.

The router here runs on recording fakes (tests/dialogs/fakes.py): a request refused for
its place must be answered before any handler runs, so no service may have been called.
"""

from __future__ import annotations

import pytest

from bot.cli_package import SCOPE_COMMANDS
from bot.domain.model import ConversationKind
from bot.services.context import ActorRef, ConversationRef, TurnRef
from cards import verbs as v
from dialogs import places
from dialogs.commands import Command
from dialogs.outcome import Outcome
from dialogs.places import (
    ACTIONS_PERSONAL_ONLY,
    COMMAND_PLACES,
    GROUP,
    MEETINGS_IN_GROUP_ONLY,
    MEMBERS_PERSONAL_ONLY,
    MINUTES_PERSONAL_ONLY,
    MOVES_PERSONAL_ONLY,
    NO_RULE,
    PERSONAL,
    PERSONAL_ONLY,
    RATING_PERSONAL_ONLY,
    REGISTER_ADD_PERSONAL_ONLY,
    REGISTER_PERSONAL_ONLY,
    REPORT_PERSONAL_ONLY,
    VERB_PLACES,
    refusal,
    verb_place,
)
from dialogs.router import Click, Router
from tests.dialogs.fakes import make_bot

GROUP_KINDS = (ConversationKind.CHANNEL, ConversationKind.GROUP_CHAT, ConversationKind.MEETING)

#: Written down here, not read from the table: what may run outside a personal chat.
PERSONAL_VERBS = {
    v.ACTIONS_MINE,
    v.ACTION_UPDATE,
    v.ACTION_DONE,
    v.ACTION_REQUEST_DATE,
    v.ACTION_HAND_OVER_CHOOSE,
    v.ACTION_HAND_OVER,
    v.DATE_REQUEST_SHOW,
    v.DATE_REQUEST_ACCEPT,
    v.DATE_REQUEST_REFUSE,
    v.OUTSTANDING_PAGE,
    v.OUTSTANDING_EXPORT,
    v.MEMBERS_SHOW,
    v.MEMBERS_ADD,
    v.MEMBERS_REMOVE,
    # The register (issue 15).
    v.SUBJECTS_PAGE,
    # The register: adding outside a meeting lists every group the member may add to.
    v.SUBJECT_ADD_FORM,
    v.SUBJECT_ADD,
    v.SUBJECT_MOVE_FORM,
    v.SUBJECT_MOVE,
    v.SUBJECT_MOVE_ACCEPT,
    v.SUBJECT_MOVE_DECLINE,
    # Issue 16: an action's own card.
    v.ACTION_SHOW,
}
PERSONAL_COMMANDS = {Command.MY_ACTIONS, Command.OUTSTANDING, Command.MEMBERS}
# The register (issue 15): found and listed only in a personal chat.
PERSONAL_COMMANDS |= {Command.SUBJECT, Command.SUBJECTS}
#: Written down here too: what runs in both (a subject's card opens from a meeting's agenda).
ANYWHERE_VERBS = {v.HELP_SHOW, v.SUBJECT_SHOW}
PERSONAL_COMMANDS |= {Command.ADD_SUBJECT}
# Escalation beyond the locality (issue 16): what and why can name children.
PERSONAL_COMMANDS |= {Command.ESCALATIONS}
PERSONAL_VERBS |= {
    v.ESCALATE_FORM,
    v.ESCALATE,
    v.ESCALATION_SHOW,
    v.ESCALATION_RESPOND,
    v.ESCALATION_CLOSE,
}
#: The register's changes: in a personal chat and in the group's conversations alike.
ANYWHERE_VERBS |= {
    v.SUBJECT_EDIT,
    v.SUBJECT_RISK,
    v.SUBJECT_STATUS,
    v.SUBJECT_DETAILS,
    v.SUBJECT_CHECKS,
    v.SUBJECT_LINK,
    v.SUBJECT_UNLINK,
}
#: Issue 16: the chair's review, from item 3 of the agenda and from the action's card.
ANYWHERE_VERBS |= {v.ACTION_REVIEW_FORM, v.ACTION_REVIEW}
#: Issue 16: an action by its reference (A-36), in a personal chat only.
PERSONAL_COMMANDS |= {Command.ACTION}
# The performance report (issue 16, point 8): personal chat only.
PERSONAL_VERBS |= {v.REPORT_DOWNLOAD}
PERSONAL_COMMANDS |= {Command.REPORT}
#: Minutes in a personal chat (issue 16): decisions and actions can name children.
PERSONAL_VERBS |= {v.MINUTES_PAGE, v.MINUTES_SHOW, v.MINUTES_EXPORT}
#: Rating a meeting (issue 16): only in a personal chat, so that it stays anonymous.
PERSONAL_VERBS |= {v.MEETING_RATE}
PERSONAL_COMMANDS |= {Command.MINUTES}


def bare_router() -> Router:
    return make_bot().router


def turn(kind: ConversationKind) -> TurnRef:
    return TurnRef(
        actor=ActorRef(teams_user_id="user-id-103", aad_object_id=None, name="Priya Shah"),
        conversation=ConversationRef("conversation", kind, None, None),
        activity_id="activity-1",
    )


def told(outcome: Outcome) -> list[str]:
    return [post.text or "" for post in outcome.posts] + (
        [outcome.response_text] if outcome.response_text else []
    )


def test_every_command_and_verb_has_a_rule() -> None:
    assert set(VERB_PLACES) == set(v.ALL_VERBS)
    assert set(COMMAND_PLACES) == set(Command)
    for place in (*VERB_PLACES.values(), *COMMAND_PLACES.values()):
        assert place.kinds in (PERSONAL, GROUP, PERSONAL | GROUP)
        if place.kinds != PERSONAL | GROUP:
            assert place.refusal, place


def test_personal_views_run_only_in_a_personal_chat() -> None:
    for verb in v.ALL_VERBS:
        expected = PERSONAL if verb in PERSONAL_VERBS else None
        if verb in ANYWHERE_VERBS:
            assert VERB_PLACES[verb].kinds == PERSONAL | GROUP
        elif expected is not None:
            assert VERB_PLACES[verb].kinds == PERSONAL, verb
        else:
            assert VERB_PLACES[verb].kinds == GROUP, verb
    for command in Command:
        if command is Command.HELP:
            assert COMMAND_PLACES[command].kinds == PERSONAL | GROUP
        elif command in PERSONAL_COMMANDS:
            assert COMMAND_PLACES[command].kinds == PERSONAL, command
        else:
            assert COMMAND_PLACES[command].kinds == GROUP, command


def test_a_verb_without_a_rule_runs_nowhere() -> None:
    for kind in ConversationKind:
        assert refusal(verb_place("made.up"), kind) == NO_RULE


def test_the_router_will_not_start_with_a_verb_that_has_no_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rules = dict(VERB_PLACES)
    del rules[v.ACTIONS_MINE]
    monkeypatch.setattr(places, "VERB_PLACES", rules)
    with pytest.raises(RuntimeError, match=r"actions\.mine"):
        bare_router()


@pytest.mark.parametrize("kind", GROUP_KINDS)
@pytest.mark.parametrize("is_invoke", [True, False], ids=["invoke", "submit"])
async def test_personal_verbs_are_refused_in_a_group_before_any_handler(
    kind: ConversationKind, is_invoke: bool
) -> None:
    bot = make_bot()
    for verb in sorted(PERSONAL_VERBS):
        click = Click(verb, {"verb": verb, "actionId": 1, "page": 1}, None, is_invoke)
        answer = told(await bot.router.on_click(turn(kind), click))
        expected = MEMBERS_PERSONAL_ONLY if verb.startswith("members.") else None
        if verb.startswith("outstanding."):
            expected = PERSONAL_ONLY.format(what="outstanding actions")
        if verb.startswith("subjects."):
            expected = REGISTER_PERSONAL_ONLY
        if verb.startswith("subject."):
            expected = REGISTER_ADD_PERSONAL_ONLY
        if verb.startswith("subject.move"):
            expected = MOVES_PERSONAL_ONLY
        if verb.startswith("report."):
            expected = REPORT_PERSONAL_ONLY
        if verb.startswith("escalation."):
            expected = PERSONAL_ONLY.format(what="escalations")
        if verb.startswith("minutes."):
            expected = MINUTES_PERSONAL_ONLY
        if verb == v.MEETING_RATE:
            expected = RATING_PERSONAL_ONLY
        assert answer == [expected or ACTIONS_PERSONAL_ONLY], verb
    assert bot.calls == []


@pytest.mark.parametrize("kind", GROUP_KINDS)
async def test_personal_commands_are_refused_in_a_group_before_any_handler(
    kind: ConversationKind,
) -> None:
    bot = make_bot()
    for text in ("my actions", "outstanding actions in Scarborough", "members", "report"):
        (answer,) = told(await bot.router.on_text(turn(kind), text))
        assert "only in a personal chat" in answer
    assert bot.calls == []


async def test_meeting_verbs_and_commands_are_refused_in_a_personal_chat() -> None:
    bot = make_bot()
    personal = turn(ConversationKind.PERSONAL)
    for verb in sorted(set(v.ALL_VERBS) - PERSONAL_VERBS - ANYWHERE_VERBS - {v.SETUP_LINK}):
        for is_invoke in (True, False):
            click = Click(verb, {"meetingId": 1}, None, is_invoke)
            assert told(await bot.router.on_click(personal, click)) == [MEETINGS_IN_GROUP_ONLY]
    for command in set(Command) - PERSONAL_COMMANDS - {Command.HELP, Command.SETUP}:
        assert told(await bot.router.on_text(personal, str(command))) == [MEETINGS_IN_GROUP_ONLY]
    assert bot.calls == []


def test_the_teams_command_menus_offer_only_what_runs_there() -> None:
    """The manifest's menus (bot.cli_package) must not offer a command the bot refuses in
    that scope."""
    kinds = {"personal": ConversationKind.PERSONAL, "team": ConversationKind.CHANNEL}
    kinds["groupChat"] = ConversationKind.GROUP_CHAT
    for scope, commands in SCOPE_COMMANDS.items():
        for command in commands:
            assert COMMAND_PLACES[command].allows(kinds[scope]), (scope, command)


@pytest.mark.parametrize("kind", GROUP_KINDS)
async def test_the_place_is_refused_before_the_payload_is_read(kind: ConversationKind) -> None:
    """A crafted payload of a personal verb in a group's conversation gets the place's
    refusal (which says where to go), not "unreadable": the rule comes first."""
    bot = make_bot()
    for invoke in (True, False):
        pressed = Click(v.ACTION_DONE, {"verb": v.ACTION_DONE, "actionId": [1]}, None, invoke)
        assert told(await bot.router.on_click(turn(kind), pressed)) == [ACTIONS_PERSONAL_ONLY]
    assert bot.calls == []
