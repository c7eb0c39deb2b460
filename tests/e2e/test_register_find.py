"""Finding and reviewing the register through the real endpoint (issue 15, point 6), on
SQLite and PostgreSQL: a member finds a subject and sees its risk history, links and round
answers; a member of another group is told exactly what a missing reference gets; a
partner of the holding group cannot see a person of concern while the police and the
chair can; the list's plain-words filters; a subject's card opened in the channel."""

from __future__ import annotations

import json
from typing import Any

from bot.domain.register_views import RESTRICTED_PERSON
from bot.services.register_access import NO_SUCH_SUBJECT
from cards import verbs as v
from dialogs.places import REGISTER_PERSONAL_ONLY
from tests.e2e.harness import BotUnderTest
from tests.e2e.scenario import CHANNEL, ok, press, say, store_of
from tests.services.test_register_reads import Register, seed_register

PERSONAL = "personal"


async def answer(bot: BotUnderTest, who: str, text: str) -> str:
    """Everything the bot posted in answer to ``text`` typed in a personal chat."""
    before = len(bot.connector.sent())
    ok(await say(bot, who, text, PERSONAL))
    new = bot.connector.sent()[before:]
    assert new, text
    return json.dumps(new, ensure_ascii=False)


async def told(bot: BotUnderTest, who: str, text: str) -> list[Any]:
    """What was posted in answer, without the ids that differ each time: words and cards."""
    before = len(bot.connector.sent())
    ok(await say(bot, who, text, PERSONAL))
    return [a.get("text") or a.get("attachments") for a in bot.connector.sent()[before:]]


async def seeded(bot: BotUnderTest) -> Register:
    return await seed_register(store_of(bot))


async def test_a_member_finds_a_subject_and_sees_history_links_and_answers(
    bot: BotUnderTest,
) -> None:
    await seeded(bot)
    shown = await answer(bot, "chair", "subject CR-0107")
    for expected in (
        "Child: CR-0107 (JD)",
        "High risk",
        "Seen at the takeaway late at night",  # why the risk went up
        "First rated",
        "Takeaway on Eastborough",  # a link, with its risk
        "Medium risk",
        "Seen there late at night",  # why it is linked
        "Refer to the NRM",  # a decision
        "Stop and search near the takeaway",  # the police's first answer ...
        "Later: a second sighting",  # ... and its second, both kept
        "CAMHS",  # a service of an agency answering
        "Still to record",  # the chair sees what is missing, in a personal chat
    ):
        assert expected in shown, expected
    assert "NYP-4471 (KM)" in shown  # the chair sees the person of concern


async def test_another_groups_member_gets_the_same_not_found_as_a_missing_reference(
    bot: BotUnderTest,
) -> None:
    await seeded(bot)
    other = await told(bot, "harrogate_chair", "subject CR-0107")
    missing = await told(bot, "harrogate_chair", "subject CR-9999")
    assert other == missing == [NO_SUCH_SUBJECT]


async def test_a_partner_cannot_see_a_person_of_concern_but_police_and_chair_can(
    bot: BotUnderTest,
) -> None:
    await seeded(bot)
    partner = await answer(bot, "health", "subject CR-0107")
    assert RESTRICTED_PERSON in partner
    for hidden in ("NYP-4471", "KM", "Known associate", "Very high risk", "Still to record"):
        assert hidden not in partner, hidden
    assert NO_SUCH_SUBJECT in await answer(bot, "health", "subject NYP-4471")
    assert "NYP-4471" not in await answer(bot, "health", "subjects")
    for who in ("police", "chair"):
        card = await answer(bot, who, "subject nyp-4471")
        assert "Person of concern: NYP-4471 (KM)" in card and "Very high risk" in card, who


async def test_the_list_filters_in_the_words_of_the_issue(bot: BotUnderTest) -> None:
    await seeded(bot)

    async def listed(text: str) -> list[str]:
        shown = await answer(bot, "chair", text)
        names = ("NYP-4471 (KM)", "CR-0107 (JD)", "Takeaway on Eastborough", "Eastfield peer group")
        return [name for name in names if name in shown]

    assert await listed("subjects in Scarborough") == [
        "NYP-4471 (KM)",
        "CR-0107 (JD)",
        "Takeaway on Eastborough",
        "Eastfield peer group",
    ]
    assert await listed("locations of concern") == ["Takeaway on Eastborough"]
    assert await listed("high risk") == ["NYP-4471 (KM)", "CR-0107 (JD)"]
    assert await listed("not discussed for 3 months") == ["Eastfield peer group"]
    assert await listed("subjects in Ryedale") == []
    told = await answer(bot, "chair", "subjects wibble high risk")
    assert "“wibble”" in told and "**high risk**" in told
    # Only in a personal chat.
    before = len(bot.connector.sent())
    ok(await say(bot, "chair", "high risk", CHANNEL))
    assert [a.get("text") for a in bot.connector.sent()[before:]] == [REGISTER_PERSONAL_ONLY]


async def test_a_subject_opened_in_the_channel_shows_no_person_and_no_missing_checks(
    bot: BotUnderTest,
) -> None:
    case = await seeded(bot)
    before = len(bot.connector.sent())
    status, body = await press(
        bot, "chair", v.SUBJECT_SHOW, {"subjectId": case.child, "meetingId": case.meetings[1].id}
    )
    assert status == 200, body
    posted: list[Any] = bot.connector.sent()[before:]
    shown = json.dumps(posted, ensure_ascii=False)
    assert "Child: CR-0107 (JD)" in shown
    assert RESTRICTED_PERSON in shown and "NYP-4471" not in shown
    assert "Still to record" not in shown
    # The person of concern's own card is not opened in the channel, even for the chair.
    status, body = await press(bot, "chair", v.SUBJECT_SHOW, {"subjectId": case.person})
    assert status == 200 and NO_SUCH_SUBJECT in json.dumps(body)
