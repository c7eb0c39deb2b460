"""Share-and-challenge rounds, and the challenges they raise, as their cards show them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.model import AttendanceStatus, ChallengeStatus, RoundStatus, TurnOutcome
from bot.domain.views import ChallengeView, RoundTurnView, RoundView
from bot.services.readmodels.lookups import Lookups, load_lookups, member_names
from bot.store import tables as t


async def challenge_views(
    session: AsyncSession, challenges: Sequence[t.Challenge], lookups: Lookups
) -> list[ChallengeView]:
    names = await member_names(session, (c.raised_by_member_id for c in challenges))
    titles: dict[int, str] = {}
    if challenges:
        rows = await session.execute(
            select(t.ShareRound.id, t.AgendaItem.title)
            .join(t.AgendaItem, t.AgendaItem.id == t.ShareRound.item_id)
            .where(t.ShareRound.id.in_({c.round_id for c in challenges}))
        )
        titles = {row.id: row.title for row in rows}
    return [
        ChallengeView(
            id=c.id,
            raised_by_agency=lookups.agency_name(c.raised_by_agency_id),
            raised_by_name=names.get(c.raised_by_member_id, ""),
            to_agency=lookups.agency_name(c.to_agency_id) or None,
            about=c.about,
            text=c.text,
            status=ChallengeStatus(c.status),
            response=c.response,
            resolution=c.resolution,
            item_title=titles.get(c.round_id, ""),
        )
        for c in challenges
    ]


async def open_challenges(
    session: AsyncSession, locality_id: int, lookups: Lookups
) -> list[ChallengeView]:
    rows = (
        await session.scalars(
            select(t.Challenge)
            .where(
                t.Challenge.locality_id == locality_id, t.Challenge.status == ChallengeStatus.OPEN
            )
            .order_by(t.Challenge.id)
        )
    ).all()
    return await challenge_views(session, rows, lookups)


async def round_view(
    session: AsyncSession, share_round: t.ShareRound, *, key_codes: Sequence[str]
) -> RoundView:
    """The round lists every agency recorded at the meeting: those present or substituting
    are asked in turn; those who sent apologies show as not present."""
    lookups = await load_lookups(session, key_codes)
    meeting = await session.get_one(t.Meeting, share_round.meeting_id)
    locality = await session.get_one(t.Locality, meeting.locality_id)
    item = await session.get_one(t.AgendaItem, share_round.item_id)
    attendance = {
        a.agency_id: AttendanceStatus(a.status)
        for a in await session.scalars(
            select(t.Attendance).where(t.Attendance.meeting_id == meeting.id)
        )
    }
    turns = {
        turn.agency_id: turn
        for turn in await session.scalars(
            select(t.RoundTurn).where(t.RoundTurn.round_id == share_round.id)
        )
    }
    challenges = (
        await session.scalars(
            select(t.Challenge)
            .where(t.Challenge.round_id == share_round.id)
            .order_by(t.Challenge.id)
        )
    ).all()
    last_challenge_to = {c.raised_by_agency_id: c.to_agency_id for c in challenges}
    names = await member_names(session, (turn.member_id for turn in turns.values()))
    turn_views = []
    for agency in lookups.ordered:
        turn = turns.get(agency.id)
        status = attendance.get(agency.id)
        if turn is None and status is None:
            continue
        if turn is not None:
            outcome: TurnOutcome | None = TurnOutcome(turn.outcome)
            turn_views.append(
                RoundTurnView(
                    agency,
                    outcome,
                    turn.text,
                    names.get(turn.member_id, "") if turn.member_id else "",
                    lookups.agency_name(last_challenge_to.get(agency.id)) or None
                    if outcome is TurnOutcome.CHALLENGE
                    else None,
                )
            )
        elif status is AttendanceStatus.APOLOGIES:
            turn_views.append(RoundTurnView(agency, TurnOutcome.NOT_PRESENT))
        else:
            turn_views.append(RoundTurnView(agency, None))
    return RoundView(
        id=share_round.id,
        meeting_id=meeting.id,
        locality_name=locality.name,
        item_position=item.position,
        item_title=item.title,
        status=RoundStatus(share_round.status),
        turns=tuple(turn_views),
        agencies=lookups.ordered,
        challenges=tuple(await challenge_views(session, challenges, lookups)),
        conversation_id=meeting.conversation_id,
        activity_id=share_round.activity_id,
    )


async def open_round_in(session: AsyncSession, locality_id: int) -> t.ShareRound | None:
    """The round open in the group's meeting in progress, if there is one."""
    return await session.scalar(
        select(t.ShareRound)
        .join(t.Meeting, t.Meeting.id == t.ShareRound.meeting_id)
        .where(
            t.Meeting.in_progress_locality_id == locality_id,
            t.ShareRound.status == RoundStatus.OPEN,
        )
    )


async def locality_challenges(
    session: AsyncSession, locality_id: int, *, key_codes: Sequence[str]
) -> tuple[str, list[ChallengeView]]:
    """The group's name and its open challenges, as the challenges card lists them."""
    locality = await session.get_one(t.Locality, locality_id)
    lookups = await load_lookups(session, key_codes)
    return locality.name, await open_challenges(session, locality_id, lookups)
