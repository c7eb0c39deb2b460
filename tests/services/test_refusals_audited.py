"""A request by id for another group's record is answered "not found" and audited as
refused (bot.services.records.refused_unseen), on the real store (SQLite and PostgreSQL):
a subject's card or page, a group's map, a meeting named by a card, a change to an
action. The entry names the
record by table and id under the record's own group, never by content; an id or a code
that names nothing is not audited (it may be anything someone typed), and a search that
rightly finds nothing is not a refusal."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.domain.clock import FrozenClock
from bot.domain.errors import NotFound
from bot.domain.model import ConversationKind
from bot.domain.register_map import MapFilter
from bot.services.actions import ActionService
from bot.services.context import ActorRef, ConversationRef, TurnRef
from bot.services.corrections import CorrectionService
from bot.services.escalations import EscalationService
from bot.services.meetings import MeetingService
from bot.services.register import RegisterService
from bot.services.register_map import RegisterMap
from bot.services.register_moves import RegisterMoves
from bot.services.register_reads import RegisterReads
from bot.services.rounds import RoundService
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store
from tests.support.records import Records, utc

NOW = datetime(2026, 11, 30, 10, tzinfo=UTC)
ALEX = ActorRef("user-id-0", "00000000-0000-0000-0000-0000000000020", "Alex Wilber")
#: The chair of Harrogate, in no other group.
HARPER = ActorRef("t-harper", "00000000-0000-0000-0000-0000000000110", "Harper Lane")


def personal(actor: ActorRef) -> TurnRef:
    return TurnRef(actor, ConversationRef(f"a:{actor.teams_user_id}", ConversationKind.PERSONAL))


async def refusals(store: Store) -> list[tuple[str, str, str, int | None, str]]:
    """Every refusal in the trail: (actor, table, id, group, what was attempted)."""
    async with store.reading() as session:
        rows = await session.execute(
            select(
                t.AuditEntry.actor,
                t.AuditEntry.record_type,
                t.AuditEntry.record_id,
                t.AuditEntry.locality_id,
                t.AuditEntry.detail,
            )
            .where(t.AuditEntry.action == audit.AuditAction.REFUSED)
            .order_by(t.AuditEntry.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def harper(store: Store) -> str:
    return f"member:{(await Records(store).member('Harper Lane')).id}"


async def test_another_groups_subject_by_id_is_not_found_and_audited_whatever_is_tried(
    demo_store: Store,
) -> None:
    r = Records(demo_store)
    child = await r.subject("scarborough", "CR-0107", "JD")
    scarborough = await r.locality("scarborough")
    reads = RegisterReads(demo_store, FrozenClock(NOW))

    with pytest.raises(NotFound) as card:
        await reads.show(personal(HARPER), child)
    with pytest.raises(NotFound) as page:
        await reads.page(HARPER, child)
    with pytest.raises(NotFound) as absent:
        await reads.show(personal(HARPER), child + 1000)
    with pytest.raises(NotFound):
        await reads.find(personal(HARPER), "CR-0107")  # a search: nothing to refuse
    clock = FrozenClock(NOW)
    with pytest.raises(NotFound):
        await RegisterService(demo_store, clock).edit_form(personal(HARPER), child)
    with pytest.raises(NotFound):
        await EscalationService(demo_store, clock).form(HARPER, "subject", child)
    with pytest.raises(NotFound):
        await RegisterMoves(demo_store, clock).form(HARPER, child)

    assert card.value.user_message == absent.value.user_message == page.value.user_message
    who = await harper(demo_store)
    assert await refusals(demo_store) == [
        (who, "subjects", str(child), scarborough, "subject card"),
        (who, "subjects", str(child), scarborough, "subject page"),
        (who, "subjects", str(child), scarborough, "change subject"),
        (who, "subjects", str(child), scarborough, "escalate subject"),
        (who, "subjects", str(child), scarborough, "move subject"),
    ]


async def test_another_groups_map_is_not_found_and_audited_by_id(demo_store: Store) -> None:
    maps = RegisterMap(demo_store, FrozenClock(NOW))
    ryedale = await Records(demo_store).locality("ryedale")

    with pytest.raises(NotFound) as other:
        await maps.map(HARPER, "ryedale", MapFilter())
    with pytest.raises(NotFound) as typed:
        await maps.map(HARPER, "Jo Bloggs lives at 4 Mill Lane", MapFilter())

    assert other.value.user_message == typed.value.user_message
    assert await refusals(demo_store) == [
        (await harper(demo_store), "localities", str(ryedale), ryedale, "register map")
    ]


async def test_a_card_naming_another_groups_meeting_is_not_found_and_audited(
    demo_store: Store,
) -> None:
    """In Scarborough's channel, a card naming a Ryedale meeting (its chair is Scarborough's
    too, but the card is read by everyone there)."""
    r = Records(demo_store)
    ryedale = await r.meeting("ryedale", utc(2026, 11, 19))
    meetings = MeetingService(demo_store, FrozenClock(NOW), ["police"])
    channel = ConversationRef("team-id", ConversationKind.CHANNEL, "tenant-1", "https://smba.test")

    with pytest.raises(NotFound):
        await meetings.current(TurnRef(ALEX, channel, "activity-1"), ryedale.id)
    with pytest.raises(NotFound):
        await meetings.current(TurnRef(ALEX, channel, "activity-2"), ryedale.id + 1000)

    alex = f"member:{(await r.member('Alex Wilber')).id}"
    assert await refusals(demo_store) == [
        (alex, "meetings", str(ryedale.id), ryedale.locality_id, "meeting")
    ]


async def test_a_change_to_another_groups_action_is_not_found_and_audited(
    demo_store: Store,
) -> None:
    r = Records(demo_store)
    meeting = await r.meeting("scarborough", utc(2026, 11, 19))
    action = await r.action(meeting, "Visit the school")
    actions = ActionService(demo_store, FrozenClock(NOW), ["police"])

    with pytest.raises(NotFound):
        await actions.mark_done(HARPER, "activity-1", action, {f"done-{action}": "Done."})
    with pytest.raises(NotFound):
        await actions.mark_done(HARPER, "activity-2", action + 1000, {})

    async with demo_store.reading() as session:
        status = await session.scalar(select(t.Action.status).where(t.Action.id == action))
    assert status == "open"
    assert await refusals(demo_store) == [
        (await harper(demo_store), "actions", str(action), meeting.locality_id, "change action")
    ]


async def test_another_groups_round_challenge_correction_and_action_are_audited(
    demo_store: Store,
) -> None:
    """From Scarborough's channel, cards naming Ryedale's round, meeting (to open a round
    in, to correct) and challenge; in a personal chat, Harrogate's chair deciding a date
    on, and escalating, a Ryedale action. Each "not found", each audited once."""
    r = Records(demo_store)
    ryedale = await r.meeting("ryedale", utc(2026, 11, 19))
    round_id, _ = await r.share_round(ryedale, [])
    challenge = await r.challenge(ryedale, round_id, "Why not sooner?", status="open")
    action = await r.action(ryedale, "Visit the school")
    clock = FrozenClock(NOW)
    rounds = RoundService(demo_store, clock, ["police"])
    corrections = CorrectionService(demo_store, clock, ["police"])
    actions = ActionService(demo_store, clock, ["police"])
    escalations = EscalationService(demo_store, clock)
    channel = ConversationRef("team-id", ConversationKind.CHANNEL, "tenant-1", "https://smba.test")
    ids = iter(range(100, 200))

    def here() -> TurnRef:
        return TurnRef(ALEX, channel, f"activity-{next(ids)}")

    attempts = [
        rounds.view(here(), round_id),
        rounds.open(here(), ryedale.id, ryedale.item_id),
        rounds.respond_to_challenge(here(), challenge, {}),
        corrections.check(here(), ryedale.id),
        actions.decide_date(HARPER, "activity-9", action, True),
        escalations.form(HARPER, "action", action),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            await attempt

    alex, harper_is = f"member:{(await r.member('Alex Wilber')).id}", await harper(demo_store)
    where = ryedale.locality_id
    assert await refusals(demo_store) == [
        (alex, "share_rounds", str(round_id), where, "round"),
        (alex, "meetings", str(ryedale.id), where, "open round"),
        (alex, "challenges", str(challenge), where, "challenge"),
        (alex, "meetings", str(ryedale.id), where, "correct records"),
        (harper_is, "actions", str(action), where, "decide date"),
        (harper_is, "actions", str(action), where, "escalate action"),
    ]
