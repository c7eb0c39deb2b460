"""Share-and-challenge rounds, and the challenges they raise, as their cards show them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.agenda import channel_label
from bot.domain.model import (
    AttendanceStatus,
    ChallengeStatus,
    RoundStatus,
    SubjectKind,
    TurnOutcome,
)
from bot.domain.rules import subject_display
from bot.domain.views import ChallengeView, RoundAnswerView, RoundTurnView, RoundView
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
    answers: dict[int, list[t.RoundTurn]] = {}
    for turn in await session.scalars(
        select(t.RoundTurn)
        .where(t.RoundTurn.round_id == share_round.id)
        .order_by(t.RoundTurn.at, t.RoundTurn.id)
    ):
        answers.setdefault(turn.agency_id, []).append(turn)
    challenges = (
        await session.scalars(
            select(t.Challenge)
            .where(t.Challenge.round_id == share_round.id)
            .order_by(t.Challenge.id)
        )
    ).all()
    # Each challenge answer raised one Challenge, in the same order: pair them per agency.
    challenge_to: dict[int, list[int | None]] = {}
    for c in challenges:
        challenge_to.setdefault(c.raised_by_agency_id, []).append(c.to_agency_id)
    names = await member_names(
        session, (turn.member_id for given in answers.values() for turn in given)
    )
    turn_views = []
    for agency in lookups.ordered:
        given = answers.get(agency.id, [])
        status = attendance.get(agency.id)
        if not given and status is None:
            continue
        if given:
            targets = iter(challenge_to.get(agency.id, []))
            shown = tuple(_answer(turn, names, lookups, targets) for turn in given)
            latest = shown[-1]
            turn_views.append(
                RoundTurnView(
                    agency,
                    latest.outcome,
                    latest.text,
                    latest.answered_by,
                    latest.challenge_to,
                    answers=shown,
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
        subject=await round_subject(session, share_round),
    )


def _answer(
    turn: t.RoundTurn,
    names: Mapping[int, str],
    lookups: Lookups,
    targets: Iterator[int | None],
) -> RoundAnswerView:
    outcome = TurnOutcome(turn.outcome)
    to = None
    if outcome is TurnOutcome.CHALLENGE:
        to = lookups.agency_name(next(targets, None)) or None
    return RoundAnswerView(
        outcome,
        turn.text,
        names.get(turn.member_id, "") if turn.member_id else "",
        turn.at,
        turn.service or "",
        to,
    )


async def round_subject(session: AsyncSession, share_round: t.ShareRound) -> str:
    """The subject a round is about, as the group's conversation may see it: a person of
    concern by its place among the item's persons (bot.domain.agenda.channel_label)."""
    if share_round.subject_id is None:
        return ""
    subject = await session.get_one(t.Subject, share_round.subject_id)
    kind = SubjectKind(subject.kind)
    if kind is SubjectKind.PERSON:
        kinds = (
            await session.execute(
                select(t.ItemSubject.subject_id, t.Subject.kind)
                .join(t.Subject, t.Subject.id == t.ItemSubject.subject_id)
                .where(t.ItemSubject.item_id == share_round.item_id)
                .order_by(t.ItemSubject.position)
            )
        ).all()
        persons = [r.subject_id for r in kinds if r.kind == SubjectKind.PERSON.value]
        ordinal = (
            persons.index(share_round.subject_id) + 1 if share_round.subject_id in persons else 1
        )
        return channel_label(kind, "", ordinal)
    return subject_display(kind, subject.reference, subject.initials)


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
