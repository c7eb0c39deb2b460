"""Changing the register in chat (dialogs.register_edit), through the router on fakes: the
form each ``subject.edit`` answers with, each save and its coded confirmation, the form
handed back with its errors, the Action.Submit fallback in a group's conversation (no
form posted for everyone), and adding a subject from a personal chat."""

from __future__ import annotations

import json

import pytest

from bot.domain.errors import InvalidInput, NotFound
from bot.domain.model import ConversationKind, SubjectKind
from cards import verbs as v
from cards.register_forms import (
    add_form_card,
    checks_form_card,
    link_form_card,
    risk_form_card,
    saved_card,
)
from dialogs.commands import Command
from dialogs.register_edit import (
    CHILDREN_ONLY,
    FORM_NOT_KNOWN,
    FORMS_IN_A_CURRENT_CLIENT,
    SAVED,
)
from tests.cards.register_testkit import make_link_saved, make_subject_edit
from tests.dialogs.fakes import click, make_bot, personal, register_fake, turn
from tests.dialogs.tested import covers

MEETING_CHAT = turn(ConversationKind.MEETING)
SAVES = {
    v.SUBJECT_RISK: "register_edits.change_risk",
    v.SUBJECT_STATUS: "register_edits.change_status",
    v.SUBJECT_DETAILS: "register_edits.change_details",
    v.SUBJECT_CHECKS: "register_edits.record_checks",
    v.SUBJECT_LINK: "register_edits.link",
}


@covers(v.SUBJECT_EDIT)
@pytest.mark.parametrize("where", [personal(), MEETING_CHAT], ids=["personal", "meeting"])
async def test_edit_answers_the_presser_with_the_form_in_place(where: object) -> None:
    bot = make_bot()
    pressed = click(v.SUBJECT_EDIT, {"subjectId": 7, "form": "risk", "meetingId": 12})
    outcome = await bot.router.on_click(where, pressed)  # type: ignore[arg-type]
    assert outcome.response_card == risk_form_card(make_subject_edit())
    assert outcome.posts == []
    assert bot.calls.only("register_edits.edit_form").args[1:] == (7, 12)


async def test_edit_refuses_an_unknown_form_and_checks_for_anything_but_a_child() -> None:
    bot = make_bot()
    outcome = await bot.router.on_click(personal(), click(v.SUBJECT_EDIT, {"form": "x"}))
    assert outcome.response_text == FORM_NOT_KNOWN
    assert bot.calls == []
    register_fake(bot).edit = make_subject_edit(SubjectKind.LOCATION)
    outcome = await bot.router.on_click(
        personal(), click(v.SUBJECT_EDIT, {"subjectId": 7, "form": "checks"})
    )
    assert outcome.response_text == CHILDREN_ONLY
    register_fake(bot).edit = make_subject_edit()
    outcome = await bot.router.on_click(
        personal(), click(v.SUBJECT_EDIT, {"subjectId": 7, "form": "checks"})
    )
    assert outcome.response_card == checks_form_card(make_subject_edit())


async def test_the_fallback_in_a_group_posts_no_form_for_everyone() -> None:
    bot = make_bot()
    pressed = click(v.SUBJECT_EDIT, {"subjectId": 7, "form": "checks"}, invoke=False)
    outcome = await bot.router.on_click(MEETING_CHAT, pressed)
    assert [post.text for post in outcome.posts] == [FORMS_IN_A_CURRENT_CLIENT]
    assert bot.calls == []
    # In a personal chat the fallback posts the form itself.
    outcome = await bot.router.on_click(personal(), pressed)
    assert outcome.posts[-1].card == checks_form_card(make_subject_edit())


@covers(*SAVES)
@pytest.mark.parametrize("verb", sorted(SAVES))
async def test_each_save_answers_with_the_coded_confirmation(verb: str) -> None:
    bot = make_bot()
    data = {"subjectId": 7, "meetingId": 12, "riskLevel": "high", "riskReason": "Seen again."}
    outcome = await bot.router.on_click(MEETING_CHAT, click(verb, data))
    call = bot.calls.only(SAVES[verb])
    assert call.args[0] == MEETING_CHAT
    assert call.args[1:3] == (7, 12)
    assert outcome.response_card == saved_card(register_fake(bot).saved, in_group=True)
    assert "Seen again." not in json.dumps(outcome.response_card)


async def test_a_link_saved_in_a_group_conversation_names_no_person_of_concern() -> None:
    bot = make_bot()
    register_fake(bot).saved = make_link_saved()
    pressed = click(v.SUBJECT_LINK, {"subjectId": 7, "linkReason": "Seen together."}, invoke=False)
    outcome = await bot.router.on_click(MEETING_CHAT, pressed)
    shown = json.dumps([post.text for post in outcome.posts] + [p.card for p in outcome.posts])
    assert SAVED in shown
    assert "NYP-2026-0411" not in shown and "Seen together." not in shown
    outcome = await bot.router.on_click(personal(), click(v.SUBJECT_LINK, {"subjectId": 7}))
    assert "NYP-2026-0411" in json.dumps(outcome.response_card)


async def test_a_refused_save_hands_the_form_back_with_entries_and_errors() -> None:
    bot = make_bot()
    errors = {"subjectRef": "That is not in this group's register yet."}
    bot.fails("register_edits.link", InvalidInput(errors))
    data = {"subjectId": 7, "subjectKind": "location", "subjectRef": "Skate park"}
    pressed = click(v.SUBJECT_LINK, data)
    outcome = await bot.router.on_click(personal(), pressed)
    assert outcome.response_card == link_form_card(
        make_subject_edit(), values=pressed.data, errors=errors
    )
    assert bot.calls.names() == ["register_edits.link", "register_edits.edit_form"]


@covers(v.SUBJECT_UNLINK)
async def test_unlink_saves_with_the_link_and_redraws_the_link_form_on_errors() -> None:
    bot = make_bot()
    pressed = click(v.SUBJECT_UNLINK, {"subjectId": 7, "linkId": 31, "unlinkReason-31": "Moved."})
    outcome = await bot.router.on_click(personal(), pressed)
    assert bot.calls.only("register_edits.unlink").args[1:3] == (31, None)
    assert outcome.response_card == saved_card(register_fake(bot).saved, in_group=False)
    errors = {"unlinkReason-31": "The reason is required."}
    bot = make_bot().fails("register_edits.unlink", InvalidInput(errors))
    outcome = await bot.router.on_click(personal(), pressed)
    assert outcome.response_card == link_form_card(
        make_subject_edit(), values=pressed.data, errors=errors
    )


async def test_a_member_of_another_group_is_told_what_a_missing_subject_gets() -> None:
    bot = make_bot().fails("register_edits.change_risk", NotFound("I could not find that subject."))
    outcome = await bot.router.on_click(MEETING_CHAT, click(v.SUBJECT_RISK, {"subjectId": 7}))
    assert outcome.response_text == "I could not find that subject."


@covers(Command.ADD_SUBJECT)
async def test_add_subject_posts_the_add_form_in_a_personal_chat() -> None:
    bot = make_bot()
    (post,) = (await bot.router.on_text(personal(), "add subject")).posts
    assert post.card == add_form_card(register_fake(bot).choices)
    (post,) = (await bot.router.on_text(MEETING_CHAT, "add subject")).posts
    assert post.text is not None and "personal chat" in post.text


@covers(v.SUBJECT_ADD_FORM, v.SUBJECT_ADD)
async def test_the_add_form_saves_or_comes_back_with_its_errors() -> None:
    bot = make_bot()
    outcome = await bot.router.on_click(personal(), click(v.SUBJECT_ADD_FORM))
    assert outcome.response_card == add_form_card(register_fake(bot).choices)
    data = {"localityId": "2", "subjectKind": "child", "subjectRef": "CR-0042"}
    outcome = await bot.router.on_click(personal(), click(v.SUBJECT_ADD, data))
    assert outcome.response_card == saved_card(register_fake(bot).saved, in_group=False)
    errors = {"subjectInitials": "Give the initials: one to three letters."}
    bot = make_bot().fails("register_edits.add", InvalidInput(errors))
    pressed = click(v.SUBJECT_ADD, data)
    outcome = await bot.router.on_click(personal(), pressed)
    assert outcome.response_card == add_form_card(
        register_fake(bot).choices, values=pressed.data, errors=errors
    )
