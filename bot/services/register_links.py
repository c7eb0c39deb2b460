"""Links between subjects of the register (issue 15, point 5): linking two subjects,
removing a link, and the links an edit form shows.

Its own module because a link is not a field of one subject: it joins two, may add the
other to the register in the same step, writes history on both and is shown only where
the other end may be seen (a person of concern is left out for those who may not see
them). The fields of one subject (risk, status, details, checks) are written in
``bot/services/register.py``, whose ``RegisterService.link`` and ``unlink`` open the
transaction and call here; the change both share is ``bot/services/register_change.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.errors import Conflict, InvalidInput, NotFound
from bot.domain.model import SubjectKind
from bot.domain.permissions import Permission
from bot.domain.register import (
    KIND_FIELD,
    REFERENCE_FIELD,
    RiskLevel,
    SubjectEventKind,
    link_pair,
    may_link,
    parse_register_entry,
)
from bot.domain.register_forms import (
    ADD_OTHER_FIELD,
    LINK_REASON_FIELD,
    LinkRow,
    SubjectSaved,
    parse_link_reason,
    unlink_reason_field,
)
from bot.domain.rules import details_confirmed, subject_display
from bot.services.context import ActorRef, TurnRef
from bot.services.records import row_named
from bot.services.register_access import SubjectReach, reach_subject
from bot.services.register_change import SubjectChange, meeting_of, reach_to_change
from bot.services.subjects import find_or_add, find_subjects
from bot.store import audit
from bot.store import tables as t
from bot.store.crypto import KeyRing

NO_SUCH_LINK = "I could not find that link in the register of any group you are in."
KIND_NAMES: dict[SubjectKind, str] = {
    SubjectKind.CHILD: "a child",
    SubjectKind.PERSON: "a person of concern",
    SubjectKind.LOCATION: "a location",
    SubjectKind.GROUP: "a group",
    SubjectKind.THEME: "a theme",
}
_NOT_IN_REGISTER = "I could not find that in this group's register."


async def link(
    change: SubjectChange,
    keys: KeyRing,
    actor: ActorRef,
    data: Mapping[str, object],
    today: date,
) -> SubjectSaved:
    """Link the subject to another of the group's register, found by its reference
    and kind (or added to it in the same step when ``addToRegister`` is ticked)."""
    session, subject = change.session, change.subject
    errors: dict[str, str] = {}
    try:
        entry = parse_register_entry(data, today)
    except InvalidInput as exc:
        errors.update(exc.field_errors)
    try:
        reason = parse_link_reason(data, LINK_REASON_FIELD, today)
    except InvalidInput as exc:
        errors.update(exc.field_errors)
    if errors:
        raise InvalidInput(errors)
    kind = SubjectKind(subject.kind)
    if not may_link(kind, entry.kind):
        allowed = ", ".join(KIND_NAMES[k] for k in SubjectKind if may_link(kind, k))
        raise InvalidInput(
            {KIND_FIELD: f"{KIND_NAMES[kind].capitalize()} can be linked only to {allowed}."}
        )
    locality_id = change.reach.caller.locality_id
    found = await find_subjects(session, keys, locality_id, entry.reference, entry.kind)
    added = False
    if found:
        other = found[0]
        try:
            await reach_subject(
                session,
                actor,
                other.id,
                permission=Permission.EDIT_REGISTER,
                prefer_locality=locality_id,
            )
        except NotFound:
            raise InvalidInput({REFERENCE_FIELD: _NOT_IN_REGISTER}) from None
        finally:
            audit.act_as(session.sync_session, f"member:{change.member_id}", locality_id)
    elif details_confirmed(data.get(ADD_OTHER_FIELD)):
        other, added = await find_or_add(
            session,
            keys,
            locality_id,
            entry,
            change.now,
            member_id=change.member_id,
            meeting_id=change.meeting_id,
        )
    else:
        raise InvalidInput(
            {
                REFERENCE_FIELD: "That is not in this group's register yet.",
                ADD_OTHER_FIELD: "To add it and link it now, tick 'Add it to the "
                "register and link it' and press again.",
            }
        )
    if other.id == subject.id:
        raise InvalidInput({REFERENCE_FIELD: "A subject cannot be linked to itself."})
    a_id, b_id = link_pair(subject.id, other.id)
    row = await session.scalar(
        select(t.SubjectLink).where(
            t.SubjectLink.subject_a_id == a_id, t.SubjectLink.subject_b_id == b_id
        )
    )
    if row is not None and row.removed_at is None:
        raise InvalidInput({REFERENCE_FIELD: "These two are already linked."})
    if row is None:
        row = t.SubjectLink(subject_a_id=a_id, subject_b_id=b_id)
        session.add(row)
    row.reason = reason
    row.locality_id = locality_id
    row.meeting_id = change.meeting_id
    row.member_id = change.member_id
    row.created_at = change.now
    row.removed_at = None
    row.removed_by_member_id = None
    change.event(SubjectEventKind.LINKED, str(other.id), reason=reason)
    change.event(SubjectEventKind.LINKED, str(subject.id), reason=reason, subject=other)
    other_kind = SubjectKind(other.kind)
    return SubjectSaved(
        subject.id,
        kind,
        subject_display(kind, subject.reference, subject.initials),
        "Linked.",
        change.meeting_id,
        other_kind,
        subject_display(other_kind, other.reference, other.initials),
        added,
    )


async def unlink(
    session: AsyncSession,
    turn: TurnRef,
    link_id: object,
    meeting_id: object,
    data: Mapping[str, object],
    now: datetime,
    today: date,
) -> SubjectSaved:
    """Remove a link, with why: the row stays (``removed_at``), history on both."""
    row = await row_named(session, t.SubjectLink, link_id)
    if row is None:
        raise NotFound(NO_SUCH_LINK)
    try:
        reach = await reach_to_change(session, turn, row.subject_a_id)
        other = await session.get_one(t.Subject, row.subject_b_id)
    except NotFound:
        reach = await reach_to_change(session, turn, row.subject_b_id)
        other = await session.get_one(t.Subject, row.subject_a_id)
    if row.removed_at is not None:
        raise Conflict("That link was already removed.")
    reason = parse_link_reason(data, unlink_reason_field(row.id), today)
    change = SubjectChange(session, reach, await meeting_of(session, reach, meeting_id), now)
    row.removed_at = now
    row.removed_by_member_id = change.member_id
    subject = change.subject
    change.event(SubjectEventKind.UNLINKED, str(other.id), reason=reason)
    change.event(SubjectEventKind.UNLINKED, str(subject.id), reason=reason, subject=other)
    kind, other_kind = SubjectKind(subject.kind), SubjectKind(other.kind)
    return SubjectSaved(
        subject.id,
        kind,
        subject_display(kind, subject.reference, subject.initials),
        "Link removed.",
        change.meeting_id,
        other_kind,
        subject_display(other_kind, other.reference, other.initials),
    )


async def links_shown(
    session: AsyncSession, actor: ActorRef, reach: SubjectReach
) -> tuple[LinkRow, ...]:
    """The subject's current links to subjects this member may see (a person of
    concern they may not see is left out, as everywhere in the register)."""
    subject = reach.subject
    rows = await session.scalars(
        select(t.SubjectLink)
        .where(
            or_(
                t.SubjectLink.subject_a_id == subject.id,
                t.SubjectLink.subject_b_id == subject.id,
            ),
            t.SubjectLink.removed_at.is_(None),
        )
        .order_by(t.SubjectLink.id)
    )
    shown: list[LinkRow] = []
    for row in rows:
        other_id = row.subject_b_id if row.subject_a_id == subject.id else row.subject_a_id
        other = await session.get_one(t.Subject, other_id)
        other_kind = SubjectKind(other.kind)
        if other_kind is SubjectKind.PERSON:
            try:
                await reach_subject(session, actor, other.id)
            except NotFound:
                continue
            finally:
                audit.act_as(
                    session.sync_session,
                    f"member:{reach.caller.member.id}",
                    reach.caller.locality_id,
                )
        shown.append(
            LinkRow(
                row.id,
                other_kind,
                subject_display(other_kind, other.reference, other.initials or ""),
                RiskLevel(other.risk_level) if other.risk_level else None,
            )
        )
    return tuple(shown)
