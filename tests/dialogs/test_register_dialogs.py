"""The register's read side in chat (dialogs.register), through the router on fakes: the
phrases the issue lists, paging that keeps the words, a card opened from a list or an
agenda, and refusals before anything is read."""

from __future__ import annotations

import pytest

from bot.domain.model import ConversationKind
from bot.domain.register_filters import parse_subject_filters
from bot.domain.register_views import SubjectChoices
from cards import verbs as v
from cards.register import subject_card, subject_choices_card, subjects_card
from dialogs.commands import Command
from dialogs.places import REGISTER_PERSONAL_ONLY
from dialogs.register import REGISTER_NOT_SET_UP, WHICH_SUBJECT
from tests.dialogs.fakes import (
    click,
    make_bot,
    make_subject_card,
    make_subject_row,
    make_subjects_page,
    personal,
    turn,
)
from tests.dialogs.tested import covers

HERE = personal()


@covers(Command.SUBJECT)
async def test_subject_finds_by_reference() -> None:
    bot = make_bot()
    outcome = await bot.router.on_text(HERE, "subject CR-0107")
    assert bot.calls.only("register.find").args == (HERE, "cr-0107")
    assert [post.card for post in outcome.posts] == [subject_card(make_subject_card())]


async def test_several_matches_are_a_choice() -> None:
    bot = make_bot()
    choices = SubjectChoices("CR-0107", (make_subject_row(1), make_subject_row(2, "Ryedale")))
    bot.router.services.register.choices = choices  # type: ignore[union-attr]
    outcome = await bot.router.on_text(HERE, "subject cr-0107")
    assert [post.card for post in outcome.posts] == [subject_choices_card(choices)]


async def test_subject_without_a_reference_says_how_without_reading() -> None:
    bot = make_bot()
    outcome = await bot.router.on_text(HERE, "subject")
    assert [post.text for post in outcome.posts] == [WHICH_SUBJECT]
    assert bot.calls == []


@covers(Command.SUBJECTS)
@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("subjects in Scarborough", "in scarborough"),
        ("locations of concern", "locations of concern"),
        ("high risk", "high risk"),
        ("not discussed for 3 months", "not discussed for 3 months"),
        ("subjects", ""),
        ("register children very high risk", "children very high risk"),
        ("high risk in Whitby", "high risk in whitby"),
    ],
)
async def test_the_phrases_of_the_issue_list_the_register(typed: str, words: str) -> None:
    bot = make_bot()
    outcome = await bot.router.on_text(HERE, typed)
    wanted, page = parse_subject_filters(words)
    assert bot.calls.only("register.subjects").args == (HERE, wanted, page, words)
    assert [post.card for post in outcome.posts] == [
        subjects_card(make_subjects_page(wanted, page, words))
    ]


async def test_the_page_is_not_carried_in_the_words() -> None:
    bot = make_bot()
    await bot.router.on_text(HERE, "subjects children page 2")
    (_, _, page, words) = bot.calls.only("register.subjects").args
    assert (page, words) == (2, "children")


async def test_words_not_understood_are_named_without_reading() -> None:
    bot = make_bot()
    (post,) = (await bot.router.on_text(HERE, "subjects purple elephants")).posts
    assert post.text is not None and "“purple elephants”" in post.text
    assert "**high risk**" in post.text
    assert bot.calls == []


@covers(v.SUBJECTS_PAGE)
async def test_paging_keeps_the_words() -> None:
    bot = make_bot()
    outcome = await bot.router.on_click(
        HERE, click(v.SUBJECTS_PAGE, {"words": "children high risk", "page": 3})
    )
    wanted, _ = parse_subject_filters("children high risk")
    assert bot.calls.only("register.subjects").args == (HERE, wanted, 3, "children high risk")
    assert outcome.response_card == subjects_card(
        make_subjects_page(wanted, 3, "children high risk")
    )


async def test_a_page_button_with_bad_words_is_told_not_read() -> None:
    bot = make_bot()
    outcome = await bot.router.on_click(HERE, click(v.SUBJECTS_PAGE, {"words": 12, "page": "x"}))
    assert bot.calls.only("register.subjects").args[2:] == (1, "")
    assert outcome.response_card is not None


@covers(v.SUBJECT_SHOW)
@pytest.mark.parametrize(
    "kind", [ConversationKind.PERSONAL, ConversationKind.CHANNEL, ConversationKind.MEETING]
)
async def test_a_subject_card_opens_in_personal_chat_and_from_an_agenda(
    kind: ConversationKind,
) -> None:
    bot = make_bot()
    here = turn(kind)
    outcome = await bot.router.on_click(
        here, click(v.SUBJECT_SHOW, {"subjectId": 41, "meetingId": 7})
    )
    assert bot.calls.only("register.show").args == (here, 41, 7)
    assert [post.card for post in outcome.posts] == [subject_card(make_subject_card(meeting_id=7))]
    assert outcome.response_text == "The subject's card is below."


@pytest.mark.parametrize("typed", ["subject CR-0107", "subjects", "high risk"])
@pytest.mark.parametrize("kind", [ConversationKind.CHANNEL, ConversationKind.GROUP_CHAT])
async def test_finding_and_listing_are_refused_outside_personal_chat(
    typed: str, kind: ConversationKind
) -> None:
    bot = make_bot()
    outcome = await bot.router.on_text(turn(kind), typed)
    assert [post.text for post in outcome.posts] == [REGISTER_PERSONAL_ONLY]
    assert bot.calls == []
    pressed = await bot.router.on_click(turn(kind), click(v.SUBJECTS_PAGE, {"page": 2}))
    assert pressed.response_text == REGISTER_PERSONAL_ONLY
    assert bot.calls == []


async def test_a_bot_without_the_register_says_so() -> None:
    bot = make_bot(register=False)
    outcome = await bot.router.on_text(HERE, "subjects")
    assert REGISTER_NOT_SET_UP in " ".join(p.text or "" for p in outcome.posts)
