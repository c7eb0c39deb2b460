"""The register subjects of one meeting's minutes (issue 15): a section per subject
discussed under items 4-7, and what a downloader who may not see persons of concern
is left without.

Who may see a person of concern in the minutes is the meeting's group's
``PersonOfConcernAccess`` (``register_access``), applied to the downloader: the
permission to download minutes (chair, deputy chair, coordinator) is not enough on its
own, because the file leaves the bot's access control behind. By default the chair and
deputy see them and the coordinator, unless of the police or named in the group's
settings, does not: to them a person of concern is a heading, "A person of concern
(restricted)", with nothing under it, and their minutes, decisions, actions, rounds (with
their challenges) and links are left out of the whole document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.model import SUBJECT_LABELS, SubjectKind
from bot.domain.register import (
    RISK_LABELS,
    STATUS_LABELS,
    RiskLevel,
    SubjectEventKind,
    SubjectStatus,
)
from bot.domain.rules import subject_display
from bot.domain.views import (
    ActionView,
    EntryView,
    ItemView,
    MeetingView,
    RoundView,
    SubjectMinutesView,
)
from bot.store import tables as t

RESTRICTED_HEADING = "A person of concern (restricted)"

#: The history entries the minutes show, as changes made at the meeting. A child's checks
#: are for the chair's eyes only and are never printed.
_CHANGES = (
    SubjectEventKind.CREATED,
    SubjectEventKind.RISK,
    SubjectEventKind.STATUS,
    SubjectEventKind.LEAD_AGENCY,
    SubjectEventKind.STRANDS,
)


@dataclass(frozen=True, slots=True)
class SubjectSections:
    """The sections, and the document's other parts with what they may not show removed."""

    sections: tuple[SubjectMinutesView, ...]
    meeting: MeetingView
    minutes: tuple[tuple[int, tuple[EntryView, ...]], ...]
    rounds: tuple[RoundView, ...]


def _pairs(rows: Sequence[Any]) -> dict[int, int]:
    """(id, subject id) rows as a mapping; the queries already leave out NULLs."""
    return {int(a): int(b) for a, b in rows if b is not None}


def heading(kind: SubjectKind, reference: str, initials: str) -> str:
    return f"{SUBJECT_LABELS[kind]}: {subject_display(kind, reference, initials)}"


def _risk(value: str | None) -> str:
    try:
        return RISK_LABELS[RiskLevel(value)] if value else "Not rated"
    except ValueError:
        return "Not rated"


def _status(value: str) -> str:
    try:
        return STATUS_LABELS[SubjectStatus(value)]
    except ValueError:
        return value


async def subject_sections(
    session: AsyncSession,
    meeting: t.Meeting,
    view: MeetingView,
    minutes: tuple[tuple[int, tuple[EntryView, ...]], ...],
    rounds: Sequence[RoundView],
    *,
    sees_persons: bool,
    now: datetime,
) -> SubjectSections:
    """Group what the meeting recorded about each subject; strip what may not be seen."""
    entry_subject: dict[int, int] = _pairs(
        (
            await session.execute(
                select(t.MinuteEntry.id, t.MinuteEntry.subject_id).where(
                    t.MinuteEntry.meeting_id == meeting.id,
                    t.MinuteEntry.subject_id.is_not(None),
                )
            )
        ).all()
    )
    action_subject: dict[int, int] = _pairs(
        (
            await session.execute(
                select(t.Action.id, t.Action.subject_id).where(
                    t.Action.meeting_id == meeting.id, t.Action.subject_id.is_not(None)
                )
            )
        ).all()
    )
    round_subject: dict[int, int] = _pairs(
        (
            await session.execute(
                select(t.ShareRound.id, t.ShareRound.subject_id).where(
                    t.ShareRound.meeting_id == meeting.id,
                    t.ShareRound.subject_id.is_not(None),
                )
            )
        ).all()
    )
    listed = (
        await session.execute(
            select(t.ItemSubject.subject_id, t.ItemSubject.item_id)
            .where(t.ItemSubject.meeting_id == meeting.id)
            .order_by(t.ItemSubject.item_id, t.ItemSubject.position, t.ItemSubject.id)
        )
    ).all()
    # A subject's item: where it was listed, else where the first thing about it was.
    item_of: dict[int, int] = {}
    for subject_id, item_id in listed:
        item_of.setdefault(subject_id, item_id)
    for item_id, entries in minutes:
        for entry in entries:
            if entry.id in entry_subject:
                item_of.setdefault(entry_subject[entry.id], item_id)
    for item in view.items:
        for decision in item.decisions:
            if decision.id in entry_subject:
                item_of.setdefault(entry_subject[decision.id], item.id)
    position_item = {item.position: item.id for item in view.items}
    for r in rounds:
        if r.id in round_subject and r.item_position in position_item:
            item_of.setdefault(round_subject[r.id], position_item[r.item_position])
    subjects = {
        s.id: s
        for s in await session.scalars(select(t.Subject).where(t.Subject.id.in_(set(item_of))))
    }
    hidden = {
        sid
        for sid, s in subjects.items()
        if s.kind == SubjectKind.PERSON.value and not sees_persons
    }
    # An action recorded about a person of concern not listed under the item has no
    # section, but is still about them: left out too (issue 16, now that every member
    # downloads the minutes).
    unlisted = set(action_subject.values()) - set(item_of)
    if unlisted and not sees_persons:
        hidden |= set(
            await session.scalars(
                select(t.Subject.id).where(
                    t.Subject.id.in_(unlisted), t.Subject.kind == SubjectKind.PERSON.value
                )
            )
        )
    # Links recorded at this meeting (either end a subject of a section), and the ends.
    links = (
        await session.scalars(
            select(t.SubjectLink)
            .where(
                t.SubjectLink.meeting_id == meeting.id,
                or_(
                    t.SubjectLink.subject_a_id.in_(set(item_of)),
                    t.SubjectLink.subject_b_id.in_(set(item_of)),
                ),
            )
            .order_by(t.SubjectLink.id)
        )
    ).all()
    ends = {s.id: s for s in subjects.values()}
    missing = {x for link in links for x in (link.subject_a_id, link.subject_b_id)} - set(ends)
    if missing:
        ends.update(
            {
                s.id: s
                for s in await session.scalars(select(t.Subject).where(t.Subject.id.in_(missing)))
            }
        )
    events = (
        await session.scalars(
            select(t.SubjectEvent)
            .where(t.SubjectEvent.subject_id.in_(set(item_of)))
            .order_by(t.SubjectEvent.at, t.SubjectEvent.id)
        )
    ).all()
    agencies = dict((await session.execute(select(t.Agency.code, t.Agency.name))).all())
    strands = dict((await session.execute(select(t.Strand.code, t.Strand.label))).all())
    until = meeting.ended_at or now

    entries_by_id = {e.id: e for _, entries in minutes for e in entries}
    decisions_by_id = {d.id: d for item in view.items for d in item.decisions}
    actions_by_id = {a.id: a for item in view.items for a in item.actions}
    sections: list[SubjectMinutesView] = []
    for subject_id, item_id in item_of.items():
        subject = subjects.get(subject_id)
        if subject is None:
            continue
        if subject_id in hidden:
            sections.append(SubjectMinutesView(item_id, RESTRICTED_HEADING, restricted=True))
            continue
        kind = SubjectKind(subject.kind)
        own = [e for e in events if e.subject_id == subject_id]
        sections.append(
            SubjectMinutesView(
                item_id=item_id,
                heading=heading(kind, subject.reference, subject.initials or ""),
                risk=_risk(_risk_at(own, until, subject.risk_level)),
                minutes=tuple(
                    e for eid, e in entries_by_id.items() if entry_subject.get(eid) == subject_id
                ),
                decisions=tuple(
                    d for did, d in decisions_by_id.items() if entry_subject.get(did) == subject_id
                ),
                actions=tuple(
                    a for aid, a in actions_by_id.items() if action_subject.get(aid) == subject_id
                ),
                changes=tuple(
                    _change(e, agencies, strands)
                    for e in own
                    if e.meeting_id == meeting.id and e.kind in _CHANGES
                ),
                links=tuple(
                    _link_line(link, subject_id, ends, sees_persons)
                    for link in links
                    if subject_id in (link.subject_a_id, link.subject_b_id)
                ),
                rounds=tuple(r for r in rounds if round_subject.get(r.id) == subject_id),
            )
        )
    return _without_hidden(
        tuple(sections), view, minutes, rounds, hidden, entry_subject, action_subject, round_subject
    )


def _risk_at(events: Sequence[t.SubjectEvent], until: datetime, current: str | None) -> str | None:
    """The risk as the meeting left it: the last change before its end; if every change
    came later, the level before the first of them; with no change recorded, today's."""
    changes = [e for e in events if e.kind == SubjectEventKind.RISK]
    before = [e for e in changes if e.at <= until]
    if before:
        return before[-1].value or None
    if changes:
        return changes[0].previous or None
    return current


def _change(event: t.SubjectEvent, agencies: dict[str, str], strands: dict[str, str]) -> str:
    kind = SubjectEventKind(event.kind)
    if kind is SubjectEventKind.CREATED:
        line = "Added to the register at this meeting"
    elif kind is SubjectEventKind.RISK:
        line = f"Risk changed from {_risk(event.previous)} to {_risk(event.value)}"
    elif kind is SubjectEventKind.STATUS:
        line = f"Status changed from {_status(event.previous)} to {_status(event.value)}"
    elif kind is SubjectEventKind.LEAD_AGENCY:
        line = f"Lead agency: {agencies.get(event.value, event.value) or 'none'}"
    else:
        codes = [c for c in event.value.split(",") if c]
        line = "Strands: " + (", ".join(strands.get(c, c) for c in codes) or "none")
    reason = (event.reason or "").strip()
    return f"{line}. Reason: {reason}" if reason else f"{line}."


def _link_line(
    link: t.SubjectLink, subject_id: int, ends: dict[int, t.Subject], sees_persons: bool
) -> str:
    other_id = link.subject_b_id if link.subject_a_id == subject_id else link.subject_a_id
    other = ends.get(other_id)
    if other is None:
        return "Linked to a subject no longer in the register."
    kind = SubjectKind(other.kind)
    if kind is SubjectKind.PERSON and not sees_persons:
        return f"Linked to {RESTRICTED_HEADING[0].lower()}{RESTRICTED_HEADING[1:]}."
    line = f"Linked to {heading(kind, other.reference, other.initials or '')}"
    if link.removed_at is not None:
        line += " (since removed)"
    reason = (link.reason or "").strip()
    return f"{line}. Reason: {reason}" if reason else f"{line}."


def _without_hidden(
    sections: tuple[SubjectMinutesView, ...],
    view: MeetingView,
    minutes: tuple[tuple[int, tuple[EntryView, ...]], ...],
    rounds: Sequence[RoundView],
    hidden: set[int],
    entry_subject: dict[int, int],
    action_subject: dict[int, int],
    round_subject: dict[int, int],
) -> SubjectSections:
    """The document's parts less everything recorded about a hidden person of concern."""
    if not hidden:
        return SubjectSections(sections, view, minutes, tuple(rounds))

    def shown_entry(entry: EntryView) -> bool:
        return entry_subject.get(entry.id) not in hidden

    def shown_action(action: ActionView) -> bool:
        return action_subject.get(action.id) not in hidden

    def item(i: ItemView) -> ItemView:
        decisions = tuple(d for d in i.decisions if shown_entry(d))
        actions = tuple(a for a in i.actions if shown_action(a))
        return replace(i, decisions=decisions, actions=actions)

    return SubjectSections(
        sections,
        replace(view, items=tuple(item(i) for i in view.items)),
        tuple((item_id, tuple(e for e in es if shown_entry(e))) for item_id, es in minutes),
        tuple(r for r in rounds if round_subject.get(r.id) not in hidden),
    )
