"""A register subject offered to another locality group, through the real endpoint
(issue 15, point 7): a Scarborough deputy chair shares a location with Ryedale, the
Ryedale chair accepts from the notice the bot sends, and only then does a Ryedale partner
find it; a child transferred to Ryedale goes with its history; a declined offer leaves
nothing in Ryedale.

What a Ryedale member then finds is checked through ``find_subjects`` and
``register_access.reach_subject``, the reads the register's ``subject <ref>`` command is
built on, and through that command itself, typed in a personal chat.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.app import COMPONENTS
from bot.domain.errors import NotFound
from bot.domain.model import SubjectKind
from bot.domain.notices import NoticeKind
from bot.services.context import ActorRef
from bot.services.reference_data import load_reference_data
from bot.services.register_access import NO_SUCH_SUBJECT, reach_subject
from bot.services.subjects import find_subjects
from bot.store import tables as t
from bot.store.crypto import subject_index
from cards import verbs as v
from tests.conftest import MEETING_DAY
from tests.e2e.cardtools import action, text_of, verbs
from tests.e2e.harness import DEMO, BotUnderTest
from tests.e2e.scenario import (
    audit_head_id,
    audit_since,
    error_beside,
    input_value,
    invoke_card,
    invoke_message,
    locality_id,
    member_id,
    ok,
    snapshot,
    store_of,
)
from tests.support.activities import PERSONAL_CONVERSATION_ID, TeamsUser, invoke_action
from tests.support.card_schema import validate_card

LOCATION = "Takeaway on Eastborough"
REASON = "Seen by both police teams: the border runs along the street."
#: Ryedale-only people (the demo's chair chairs Scarborough and Ryedale both).
RYEDALE = {
    "ryedale_chair": ("Jordan Pike", "nyscp", "chair", 301),
    "ryedale_partner": ("Robin Ash", "health", "partner", 302),
}


def _user(n: int, name: str) -> TeamsUser:
    return TeamsUser(f"user-id-{n}", name, f"00000000-0000-0000-0000-{n:013d}")


@pytest.fixture
async def ryedale(bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ryedale's own chair and partner, each having opened a chat with the bot (so its
    notices can reach them); the deputy chair of Scarborough (Tom Hughes) too."""
    entries = []
    for key, (name, agency, role, n) in RYEDALE.items():
        user = _user(n, name)
        monkeypatch.setitem(DEMO, key, user)
        entries.append(
            {
                "name": name,
                "agency": agency,
                "aad_object_id": user.aad_object_id,
                "teams_user_id": user.id,
                "roles": {"ryedale": [role]},
            }
        )
    await load_reference_data(store_of(bot), {"members": entries}, MEETING_DAY)
    for who in ("ryedale_chair", "ryedale_partner", "social_care", "chair"):
        ok(await bot.send_personal(who, "help"))
    bot.connector.reset()


async def click(bot: BotUnderTest, who: str, verb: str, data: dict[str, Any]) -> Any:
    """A button pressed in ``who``'s own chat with the bot."""
    return ok(
        await bot.send(
            invoke_action(
                verb,
                data,
                conversation="personal",
                user=DEMO[who],
                conversation_id=f"{PERSONAL_CONVERSATION_ID}-{who}",
            )
        )
    )


def actor(who: str) -> ActorRef:
    return ActorRef(teams_user_id=DEMO[who].id, aad_object_id=DEMO[who].aad_object_id)


async def held(bot: BotUnderTest, code: str, reference: str, kind: str, initials: str = "") -> int:
    store = store_of(bot)
    where = await locality_id(store, code)
    async with store.transaction() as session:
        subject = t.Subject(
            locality_id=where,
            kind=kind,
            reference=reference,
            initials=initials,
            reference_index=subject_index(store.keys, where, kind, reference),
            created_at=MEETING_DAY,
        )
        session.add(subject)
        await session.flush()
        return int(subject.id)


async def found_in(bot: BotUnderTest, code: str, reference: str, kind: SubjectKind) -> list[int]:
    store = store_of(bot)
    where = await locality_id(store, code)
    async with store.reading() as session:
        return [s.id for s in await find_subjects(session, store.keys, where, reference, kind)]


async def reaches(bot: BotUnderTest, who: str, subject_id: int) -> bool:
    async with store_of(bot).reading() as session:
        try:
            await reach_subject(session, actor(who), subject_id)
        except NotFound:
            return False
    return True


async def typed(bot: BotUnderTest, who: str, text: str) -> list[Any]:
    """What the bot answered ``text`` typed in ``who``'s own chat: words or cards."""
    before = len(bot.connector.sent())
    ok(await bot.send_personal(who, text))
    answers: list[Any] = []
    for activity in bot.connector.sent()[before:]:
        answers += activity.get("attachments") or [activity.get("text")]
    return answers


async def send_notices(bot: BotUnderTest) -> None:
    bot.connector.reset()
    await bot.server.app[COMPONENTS].jobs.fire("outbox")


def personal_cards(bot: BotUnderTest, who: str) -> list[dict[str, Any]]:
    return bot.connector.cards(f"{PERSONAL_CONVERSATION_ID}-{who}")


async def test_a_shared_location_is_found_in_ryedale_only_after_its_chair_accepts(
    bot: BotUnderTest, ryedale: None
) -> None:
    store = store_of(bot)
    location = await held(bot, "scarborough", LOCATION, "location")

    form = invoke_card(
        await click(bot, "social_care", v.SUBJECT_MOVE_FORM, {"subjectId": location})
    )
    validate_card(form)
    assert LOCATION in text_of(form)
    send = action(form, v.SUBJECT_MOVE)
    # Without a reason: the form comes back with the error beside it, the choices kept.
    refused = invoke_card(
        await click(
            bot,
            "social_care",
            v.SUBJECT_MOVE,
            {**send["data"], "toLocality": "ryedale", "mode": "share", "reason": ""},
        )
    )
    assert error_beside(refused, "reason")
    assert input_value(refused, "toLocality") == "ryedale"
    async with store.reading() as session:
        assert not list(await session.scalars(select(t.SubjectShare)))

    before = await audit_head_id(store)
    offered = invoke_card(
        await click(
            bot,
            "social_care",
            v.SUBJECT_MOVE,
            {**send["data"], "toLocality": "ryedale", "mode": "share", "reason": REASON},
        )
    )
    validate_card(offered)
    async with store.reading() as session:
        (share,) = list(await session.scalars(select(t.SubjectShare)))
    assert f"M-{share.id}" in text_of(offered) and not verbs(offered)

    # Asked, not accepted: Ryedale finds nothing, by reference or by id.
    assert await found_in(bot, "ryedale", LOCATION, SubjectKind.LOCATION) == []
    assert not await reaches(bot, "ryedale_partner", location)
    assert not await reaches(bot, "ryedale_chair", location)
    assert await typed(bot, "ryedale_partner", f"subject {LOCATION}") == [NO_SUCH_SUBJECT]

    # Both groups' chairs are told; Ryedale's chair gets Accept and Decline. The card
    # names the offer, never the place or the reason.
    await send_notices(bot)
    (offer_card,) = personal_cards(bot, "ryedale_chair")
    validate_card(offer_card)
    assert {v.SUBJECT_MOVE_ACCEPT, v.SUBJECT_MOVE_DECLINE} <= set(verbs(offer_card))
    (demo_chair_card,) = personal_cards(bot, "chair")
    assert not personal_cards(bot, "social_care"), "the asker has their answer"
    for card in (offer_card, demo_chair_card):
        assert LOCATION not in str(card) and "border" not in str(card)

    # A Ryedale partner may not accept it; nothing changes.
    kept = await snapshot(store)
    no = invoke_message(
        await click(bot, "ryedale_partner", v.SUBJECT_MOVE_ACCEPT, {"shareId": share.id})
    )
    assert "Only a chair or deputy chair of Ryedale" in no
    assert await snapshot(store) == kept

    accept = action(offer_card, v.SUBJECT_MOVE_ACCEPT)
    accepted = invoke_card(await click(bot, "ryedale_chair", v.SUBJECT_MOVE_ACCEPT, accept["data"]))
    assert "Accepted" in text_of(accepted) and "Jordan Pike" in text_of(accepted)

    assert await found_in(bot, "ryedale", LOCATION, SubjectKind.LOCATION) == [location]
    assert await reaches(bot, "ryedale_partner", location)
    (card,) = await typed(bot, "ryedale_partner", f"subject {LOCATION}")
    assert LOCATION in text_of(card["content"]) and "Scarborough" in text_of(card["content"])
    assert await found_in(bot, "scarborough", LOCATION, SubjectKind.LOCATION) == [location]

    await send_notices(bot)
    (told,) = personal_cards(bot, "social_care")
    assert "Accepted" in text_of(told) and LOCATION not in str(told)
    assert not personal_cards(bot, "ryedale_chair"), "the decider has their answer"

    trail = {(e.action, e.record_type) for e in await audit_since(store, before)}
    assert {
        ("create", "subject_shares"),
        ("change", "subject_shares"),
        ("create", "subject_events"),
    } <= trail
    async with store.reading() as session:
        history = list(
            await session.scalars(
                select(t.SubjectEvent.kind).where(t.SubjectEvent.subject_id == location)
            )
        )
    assert history == ["share_asked", "shared"]


async def test_a_transferred_child_goes_to_ryedale_with_its_history(
    bot: BotUnderTest, ryedale: None
) -> None:
    store = store_of(bot)
    child = await held(bot, "scarborough", "CR-0107", "child", "J.S.")
    async with store.transaction() as session:
        session.add(
            t.SubjectEvent(
                subject_id=child,
                kind="risk",
                value="high",
                reason="Missing three times in October.",
                member_id=await member_id(store, "social_care"),
                locality_id=await locality_id(store, "scarborough"),
                at=MEETING_DAY,
            )
        )
    invoke_card(
        await click(
            bot,
            "social_care",
            v.SUBJECT_MOVE,
            {
                "subjectId": child,
                "toLocality": "ryedale",
                "mode": "transfer",
                "reason": "Placement move to a foster carer in Malton.",
            },
        )
    )
    async with store.reading() as session:
        share_id = await session.scalar(select(t.SubjectShare.id))
    assert await reaches(bot, "education", child), "still Scarborough's until accepted"
    invoke_card(await click(bot, "ryedale_chair", v.SUBJECT_MOVE_ACCEPT, {"shareId": share_id}))

    async with store.reading() as session:
        moved = await session.get_one(t.Subject, child)
        kinds = list(
            await session.scalars(
                select(t.SubjectEvent.kind)
                .where(t.SubjectEvent.subject_id == child)
                .order_by(t.SubjectEvent.id)
            )
        )
    assert moved.locality_id == await locality_id(store, "ryedale")
    assert kinds == ["risk", "transfer_asked", "transferred"]
    assert await found_in(bot, "ryedale", "CR-0107", SubjectKind.CHILD) == [child]
    assert await found_in(bot, "scarborough", "CR-0107", SubjectKind.CHILD) == []
    assert await reaches(bot, "ryedale_partner", child)
    assert not await reaches(bot, "education", child), "a Scarborough partner no longer sees it"


async def test_a_declined_offer_leaves_nothing_in_ryedale(bot: BotUnderTest, ryedale: None) -> None:
    store = store_of(bot)
    child = await held(bot, "scarborough", "CR-0108", "child", "K.L.")
    invoke_card(
        await click(
            bot,
            "social_care",
            v.SUBJECT_MOVE,
            {"subjectId": child, "toLocality": "ryedale", "mode": "transfer", "reason": "Moved."},
        )
    )
    async with store.reading() as session:
        share_id = await session.scalar(select(t.SubjectShare.id))
    refused = invoke_card(
        await click(bot, "ryedale_chair", v.SUBJECT_MOVE_DECLINE, {"shareId": share_id})
    )
    assert error_beside(refused, "declineReason")
    declined = invoke_card(
        await click(
            bot,
            "ryedale_chair",
            v.SUBJECT_MOVE_DECLINE,
            {"shareId": share_id, "declineReason": "The placement is in Selby, not Ryedale."},
        )
    )
    assert "Declined" in text_of(declined) and not verbs(declined)
    assert await found_in(bot, "ryedale", "CR-0108", SubjectKind.CHILD) == []
    assert not await reaches(bot, "ryedale_partner", child)
    assert not await reaches(bot, "ryedale_chair", child)
    assert await reaches(bot, "education", child)
    await send_notices(bot)
    (told,) = personal_cards(bot, "social_care")
    assert "Declined" in text_of(told) and "Selby" not in str(told)
    async with store.reading() as session:
        queued = list(
            await session.scalars(
                select(t.OutboxMessage.kind).where(t.OutboxMessage.kind == NoticeKind.MOVE_DECIDED)
            )
        )
    assert queued
