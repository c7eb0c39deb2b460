"""Who may see a subject of the register, and through which locality group: one rule for
every read and write of the register (deny by default).

A subject is seen by members of the group that holds it (``subjects.locality_id``) and by
members of a group it has been shared with once that group's chair accepted
(``subject_shares``, mode ``share``, status ``accepted``); a transfer moves the subject
itself. A person of concern is criminal-offence data: within each of those groups only
those its ``PersonOfConcernAccess`` allows see it (by default the police, the chair and
the deputy chair). To anyone else the subject does not exist: the refusal is the same
"not found" as for a subject of a group they are not in, so nothing is disclosed by it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.errors import NotFound, NotPermitted
from bot.domain.model import Role, SubjectKind
from bot.domain.permissions import Permission
from bot.domain.register import PersonOfConcernAccess, register_settings
from bot.services.context import ActorRef, Caller, find_member_and_groups
from bot.services.records import refused_unseen
from bot.store import audit
from bot.store import tables as t

SHARE = "share"
TRANSFER = "transfer"
ACCEPTED = "accepted"
#: An offer waiting for the receiving chair, and one they refused (bot.services.register_moves).
ASKED = "asked"
DECLINED = "declined"

NO_SUCH_SUBJECT = "I could not find that subject in the register of any group you are in."


@dataclass(frozen=True, slots=True)
class SubjectReach:
    """A subject as one member may reach it: through which group, with which roles."""

    subject: t.Subject
    caller: Caller
    #: True when the group reached through holds it by an accepted share.
    shared: bool

    def require(self, permission: Permission) -> None:
        self.caller.require(permission)


async def member_groups(
    session: AsyncSession, actor: ActorRef
) -> tuple[t.Member | None, dict[int, frozenset[Role]]]:
    """The member and their roles in each group they belong to."""
    member, pairs = await find_member_and_groups(session, actor)
    groups: dict[int, set[Role]] = {}
    for locality_id, role in pairs:
        groups.setdefault(locality_id, set()).add(Role(role))
    return member, {k: frozenset(v) for k, v in groups.items()}


def sees_persons(
    rules: dict[int, PersonOfConcernAccess],
    groups: dict[int, frozenset[Role]],
    agency: str,
) -> set[int]:
    """The groups in which this member may see persons of concern."""
    return {
        locality_id
        for locality_id, roles in groups.items()
        if rules.get(locality_id, PersonOfConcernAccess()).allows(roles, agency)
    }


async def persons_in(
    session: AsyncSession, member: t.Member, groups: dict[int, frozenset[Role]]
) -> set[int]:
    """Of ``groups`` (the member's roles in each), those in which this member may see
    persons of concern: each group's rule and the member's agency, read in one statement.
    Every check of "may this member see a person of concern here" comes through this."""
    if not groups:
        return set()
    agency = select(t.Agency.code).where(t.Agency.id == member.agency_id).scalar_subquery()
    rows = (
        await session.execute(
            select(t.Locality.id, t.Locality.register_settings, agency.label("agency")).where(
                t.Locality.id.in_(set(groups))
            )
        )
    ).all()
    code = rows[0].agency or "" if rows else ""
    rules = {row.id: register_settings(row.register_settings) for row in rows}
    return sees_persons(rules, groups, code)


def visible_in(locality_ids: set[int], persons_in: set[int]) -> ColumnElement[bool]:
    """SQL: the subjects a member of ``locality_ids`` may see (held there, or shared there
    and accepted), persons of concern only where ``persons_in`` allows. For lists."""
    shared_to = (
        select(t.SubjectShare.subject_id)
        .where(
            t.SubjectShare.mode == SHARE,
            t.SubjectShare.status == ACCEPTED,
            t.SubjectShare.to_locality_id.in_(locality_ids),
        )
        .scalar_subquery()
    )
    shared_person_to = (
        select(t.SubjectShare.subject_id)
        .where(
            t.SubjectShare.mode == SHARE,
            t.SubjectShare.status == ACCEPTED,
            t.SubjectShare.to_locality_id.in_(persons_in),
        )
        .scalar_subquery()
    )
    not_person = t.Subject.kind != SubjectKind.PERSON.value
    return or_(
        and_(not_person, or_(t.Subject.locality_id.in_(locality_ids), t.Subject.id.in_(shared_to))),
        and_(
            t.Subject.kind == SubjectKind.PERSON.value,
            or_(t.Subject.locality_id.in_(persons_in), t.Subject.id.in_(shared_person_to)),
        ),
    )


async def reach_subject(
    session: AsyncSession,
    actor: ActorRef,
    subject_id: object,
    *,
    permission: Permission = Permission.VIEW_MEETING,
    prefer_locality: int | None = None,
    known: tuple[t.Member, dict[int, frozenset[Role]]] | None = None,
    refusal: str = "",
) -> SubjectReach:
    """The subject ``subject_id`` as ``actor`` may reach it, holding ``permission`` in the
    group reached through; else ``NotFound`` (not visible at all) or ``NotPermitted``
    (visible, but this member may not do that). ``prefer_locality`` (the group a meeting
    chat is linked to) is tried first when the member reaches it through several.
    ``known``: the member and their groups, when the caller has just read them for the
    same actor in this session (one statement fewer). ``refusal``: what a direct request
    by id attempted (a card's button, a page's address), to audit a member refused a
    subject that exists (``records.refused_unseen``); empty for a look that may rightly
    find nothing (a search by reference, the other end of a link)."""
    if (
        not isinstance(subject_id, int)
        or isinstance(subject_id, bool)
        or not 0 < subject_id < 2**31  # a crafted id beyond the column is no subject
    ):
        raise NotFound(NO_SUCH_SUBJECT)
    subject = await session.get(t.Subject, subject_id)
    member, groups = known if known is not None else await member_groups(session, actor)
    if subject is None or member is None:
        raise NotFound(NO_SUCH_SUBJECT)
    shared_to = set(
        await session.scalars(
            select(t.SubjectShare.to_locality_id).where(
                t.SubjectShare.subject_id == subject.id,
                t.SubjectShare.mode == SHARE,
                t.SubjectShare.status == ACCEPTED,
            )
        )
    )
    through = [lid for lid in [subject.locality_id, *sorted(shared_to)] if lid in groups]
    if subject.kind == SubjectKind.PERSON.value and through:
        allowed = await persons_in(session, member, {lid: groups[lid] for lid in through})
        through = [lid for lid in through if lid in allowed]
    if not through:
        if refusal:
            refused_unseen(session, member.id, "subjects", subject.id, subject.locality_id, refusal)
        raise NotFound(NO_SUCH_SUBJECT)
    if prefer_locality in through:
        through.remove(prefer_locality)
        through.insert(0, prefer_locality)
    refused: NotPermitted | None = None
    for locality_id in through:
        caller = Caller(member=member, locality_id=locality_id, roles=groups[locality_id])
        if caller.can(permission):
            audit.act_as(session.sync_session, f"member:{member.id}", locality_id)
            return SubjectReach(subject, caller, shared=locality_id != subject.locality_id)
        refused = NotPermitted(attempted=permission.value)
    assert refused is not None
    raise refused
