"""Share and challenge per subject (issue 15, point 4), on the real store: a round opened
while a subject is discussed is about it; every answer is kept with who and when; two
services of one agency each answer; a challenge answer raises its own challenge."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.domain.clock import FrozenClock
from bot.domain.errors import InvalidInput
from bot.domain.model import TurnOutcome
from bot.services.context import ActorRef, TurnRef
from bot.services.meetings import MeetingService
from bot.services.rounds import RoundService
from bot.store import tables as t
from bot.store.db import Store
from cards import round_card
from tests.e2e.cardtools import text_of
from tests.services.test_item_subjects import CHANNEL, KEY_AGENCIES, at_item_4, child, turn

POLICE = ActorRef("user-id-103", "00000000-0000-0000-0000-0000000000103", "Priya Shah")
HEALTH = ActorRef("user-id-105", "00000000-0000-0000-0000-0000000000105", "Dana Reeves")
PERSON = {"subjectKind": "person", "subjectRef": "NYP-2026-0411", "subjectInitials": "JD"}


def said(actor: ActorRef) -> TurnRef:
    return turn(actor)


@pytest.fixture
def meetings(demo_store: Store, clock: FrozenClock) -> MeetingService:
    return MeetingService(demo_store, clock, KEY_AGENCIES)


@pytest.fixture
def rounds(demo_store: Store, clock: FrozenClock) -> RoundService:
    return RoundService(demo_store, clock, KEY_AGENCIES)


async def test_every_answer_is_kept_with_who_when_and_service(
    meetings: MeetingService, rounds: RoundService, demo_store: Store, clock: FrozenClock
) -> None:
    view = await at_item_4(meetings)
    view = await meetings.add_subject(turn(), view.id, view.items[3].id, child("CR-0101", "KB"))
    view = await meetings.move(turn(), view.id, 4, +1)
    for actor in (POLICE, HEALTH):
        await meetings.mark_present(said(actor), view.id)
    opened = await rounds.open(turn(), view.id, view.items[3].id)
    assert opened.subject == "CR-0101 (K.B.)"
    assert "about CR-0101 (K.B.)" in text_of(round_card(opened))

    await rounds.answer(said(POLICE), opened.id, {"outcome": "shared", "shareText": "Seen twice."})
    clock.advance(minutes=1)
    await rounds.answer(
        said(HEALTH),
        opened.id,
        {"outcome": "shared", "shareText": "Two appointments.", "service": "CAMHS"},
    )
    clock.advance(minutes=1)
    await rounds.answer(
        said(HEALTH), opened.id, {"outcome": "nothing", "service": " Healthy Child team "}
    )
    clock.advance(minutes=1)
    social_care = await _agency(demo_store, "childrens_social_care")
    for about in ("the plan", "the review"):
        final = await rounds.answer(
            said(POLICE),
            opened.id,
            {
                "outcome": "challenge",
                "shareText": f"Challenge on {about}.",
                "challengeTo": str(social_care),
                "challengeAbout": about,
            },
        )

    async with demo_store.reading() as session:
        rows = (await session.scalars(select(t.RoundTurn).order_by(t.RoundTurn.id))).all()
        names = {r.id: r.name for r in await session.execute(select(t.Member.id, t.Member.name))}
        challenges = (await session.scalars(select(t.Challenge).order_by(t.Challenge.id))).all()
        round_row = await session.get_one(t.ShareRound, opened.id)
    assert [(names[r.member_id], r.outcome, r.service, r.text) for r in rows] == [
        ("Priya Shah", "shared", None, "Seen twice."),
        ("Dana Reeves", "shared", "CAMHS", "Two appointments."),
        ("Dana Reeves", "nothing", "Healthy Child team", ""),
        ("Priya Shah", "challenge", None, "Challenge on the plan."),
        ("Priya Shah", "challenge", None, "Challenge on the review."),
    ]
    assert [r.at.minute for r in rows] == [0, 1, 2, 3, 3]
    assert [c.about for c in challenges] == ["the plan", "the review"]
    assert round_row.subject_id == view.items[3].sub_items[0].subject_id

    by_code = {turn.agency.code: turn for turn in final.turns}
    police, health = by_code["police"], by_code["health"]
    assert [a.outcome for a in police.answers] == [
        TurnOutcome.SHARED,
        TurnOutcome.CHALLENGE,
        TurnOutcome.CHALLENGE,
    ]
    assert police.answers[-1].challenge_to == "Children's Social Care"
    assert [(a.service, a.answered_by) for a in health.answers] == [
        ("CAMHS", "Dana Reeves"),
        ("Healthy Child team", "Dana Reeves"),
    ]
    # An agency has answered once any of its services has: nobody is left to answer.
    assert final.still_to_answer == ()
    shown = text_of(round_card(final))
    assert "CAMHS" in shown and "Healthy Child team" in shown and "Seen twice." in shown


async def test_a_service_name_is_checked_like_any_free_text(
    meetings: MeetingService, rounds: RoundService
) -> None:
    view = await at_item_4(meetings)
    await meetings.mark_present(said(HEALTH), view.id)
    opened = await rounds.open(turn(), view.id, None)
    assert opened.subject == ""
    with pytest.raises(InvalidInput) as refused:
        await rounds.answer(
            said(HEALTH), opened.id, {"outcome": "nothing", "service": "Call 07700 900123"}
        )
    assert "service" in refused.value.field_errors


async def test_a_round_about_a_person_of_concern_never_names_them(
    meetings: MeetingService, rounds: RoundService
) -> None:
    view = await at_item_4(meetings)
    view = await meetings.move(turn(), view.id, 4, +1)
    five = view.items[4].id
    view = await meetings.add_subject(turn(), view.id, five, PERSON)
    view = await meetings.move(turn(), view.id, 5, +1)
    assert [s.label for s in view.items[4].sub_items] == ["Person of concern 1"]
    await meetings.mark_present(said(POLICE), view.id)
    opened = await rounds.open(turn(), view.id, five)
    assert opened.subject == "Person of concern 1"
    from cards import agenda_card

    for card in (round_card(opened), agenda_card(await meetings.drawn(view.id))):
        assert "NYP-2026-0411" not in text_of(card) and "J.D." not in text_of(card)


async def _agency(store: Store, code: str) -> int:
    async with store.reading() as session:
        found = await session.scalar(select(t.Agency.id).where(t.Agency.code == code))
    assert found is not None
    return found


__all__ = ["CHANNEL"]
