"""The map of a group's register for a page (issue 17, point 1): the subjects of one
locality group a member may see and the links between them, filtered by strand and by
when they were last discussed.

Access is the register's one rule (``bot.services.register_access``): the map is drawn
only for a member of that group, with the subjects the group holds or accepted a share
of (``visible_in``), persons of concern only where the group's rule lets this member see
them (``persons_in``). A group the member is not in and a group that does not exist get
the same refusal, so the answer discloses nothing. A link is drawn only when both its
ends are on the map, so a person of concern left out leaves no trace. Every map drawn is
noted in the audit trail as a view of the group's register.

Read in a fixed number of statements whatever the register's size: the member and their
groups, the group (and who may see persons there), the strands, the subjects, their
strands and their links. Only the shown subjects' references are decrypted; the reasons
for links are not read at all (the subject's page shows them).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock, london_today
from bot.domain.errors import NotFound, NotPermitted
from bot.domain.register_map import (
    MAP_LIMIT,
    MapFilter,
    MapLink,
    MapSubject,
    RegisterMapView,
    riskiest_first,
)
from bot.domain.register_views import SubjectRow
from bot.services.context import ActorRef
from bot.services.readmodels.register import (
    SUBJECT_ROW_COLUMNS,
    open_only,
    risk_order,
    subject_row,
    with_strands,
)
from bot.services.records import refused_unseen
from bot.services.register_access import member_groups, persons_in, visible_in
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store

NO_SUCH_MAP = (
    "There is no map of that group for you to see: you can see the map of a group you are "
    "a member of. If you should be a member, ask your MACE coordinator to add you."
)
NOT_IN_A_GROUP = (
    "You are not a member of any MACE locality group, so there is no register to map. If "
    "you should be, ask your MACE coordinator to add you."
)
UNKNOWN_STRAND = "That strand is not one of the register's: all strands are shown."


class RegisterMap:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def groups(self, actor: ActorRef) -> tuple[tuple[str, str], ...]:
        """The member's groups (code, name) by name: the maps they may open."""
        async with self.store.reading() as session:
            _, groups = await member_groups(session, actor)
            if not groups:
                raise NotPermitted(NOT_IN_A_GROUP, attempted="register map")
            rows = await session.execute(
                select(t.Locality.code, t.Locality.name)
                .where(t.Locality.id.in_(set(groups)))
                .order_by(t.Locality.name)
            )
            return tuple((row.code, row.name) for row in rows)

    async def map(self, actor: ActorRef, code: str, wanted: MapFilter) -> RegisterMapView:
        """The map of the group ``code`` as ``actor`` may see it, filtered by ``wanted``."""
        async with self.store.reading() as session:
            member, groups = await member_groups(session, actor)
            if member is None or not groups:
                raise NotPermitted(NOT_IN_A_GROUP, attempted="register map")
            mine = (
                await session.execute(
                    select(t.Locality.id, t.Locality.code, t.Locality.name)
                    .where(t.Locality.id.in_(set(groups)))
                    .order_by(t.Locality.name)
                )
            ).all()
            here = next((row for row in mine if row.code == code), None)
            if here is None:
                # Audited only when the code names a group: the code is typed, and what
                # someone typed is never kept.
                other = await session.scalar(select(t.Locality.id).where(t.Locality.code == code))
                if other is not None:
                    refused_unseen(session, member.id, "localities", other, other, "register map")
                raise NotFound(NO_SUCH_MAP)
            locality_id = int(here.id)
            persons = await persons_in(session, member, {locality_id: groups[locality_id]})
            strands = (
                await session.execute(
                    select(t.Strand.id, t.Strand.code, t.Strand.label)
                    .where(t.Strand.active.is_(True))
                    .order_by(t.Strand.sort_order, t.Strand.label)
                )
            ).all()
            problems: list[str] = []
            where: list[ColumnElement[bool]] = [visible_in({locality_id}, persons)]
            if wanted.strand:
                chosen = [row.id for row in strands if row.code == wanted.strand]
                if chosen:
                    where.append(with_strands(chosen))
                else:
                    problems.append(UNKNOWN_STRAND)
                    wanted = MapFilter("", wanted.months, wanted.closed)
            since = wanted.discussed_since(london_today(self.clock))
            if since is not None:
                where.append(t.Subject.last_discussed_on >= since)
            if not wanted.closed:
                where.append(open_only())
            subjects, total = await _subjects(session, where)
            shown = [s.subject_id for s in subjects]
            labels = await _strand_labels(session, shown)
            links = await _links(session, shown)
            audit.note(
                session,
                audit.AuditAction.VIEW,
                "subjects",
                locality_id=locality_id,
                detail=f"register map: {len(subjects)} of {total} subjects, {len(links)} links",
            )
            return RegisterMapView(
                locality_code=here.code,
                locality_name=here.name,
                wanted=wanted,
                subjects=riskiest_first(
                    [
                        MapSubject(
                            s.subject_id,
                            s.kind,
                            s.display,
                            s.risk,
                            s.status,
                            labels.get(s.subject_id, ()),
                            s.last_discussed,
                        )
                        for s in subjects
                    ]
                ),
                links=links,
                total=total,
                strands=tuple((row.code, row.label) for row in strands),
                groups=tuple((row.code, row.name) for row in mine),
                persons_hidden=locality_id not in persons,
                problems=tuple(problems),
            )


async def _subjects(
    session: AsyncSession, where: list[ColumnElement[bool]]
) -> tuple[list[SubjectRow], int]:
    """The riskiest ``MAP_LIMIT`` subjects ``where`` selects, and how many it selects."""
    s = t.Subject
    rows = (
        await session.execute(
            select(
                *SUBJECT_ROW_COLUMNS,
                literal("").label("group"),
                func.count().over().label("total"),
            )
            .where(*where)
            .order_by(risk_order(s.risk_level), s.last_discussed_on.desc().nulls_last(), s.id)
            .limit(MAP_LIMIT)
        )
    ).all()
    return [subject_row(row) for row in rows], int(rows[0].total) if rows else 0


async def _strand_labels(
    session: AsyncSession, subject_ids: list[int]
) -> dict[int, tuple[str, ...]]:
    if not subject_ids:
        return {}
    rows = await session.execute(
        select(t.SubjectStrand.subject_id, t.Strand.label)
        .join(t.Strand, t.Strand.id == t.SubjectStrand.strand_id)
        .where(t.SubjectStrand.subject_id.in_(subject_ids))
        .order_by(t.SubjectStrand.subject_id, t.Strand.sort_order, t.Strand.label)
    )
    labels: dict[int, list[str]] = {}
    for row in rows:
        labels.setdefault(row.subject_id, []).append(row.label)
    return {sid: tuple(found) for sid, found in labels.items()}


async def _links(session: AsyncSession, subject_ids: list[int]) -> tuple[MapLink, ...]:
    """The current links with both ends among ``subject_ids``."""
    if not subject_ids:
        return ()
    link = t.SubjectLink
    rows = await session.execute(
        select(link.id, link.subject_a_id, link.subject_b_id)
        .where(
            and_(
                link.subject_a_id.in_(subject_ids),
                link.subject_b_id.in_(subject_ids),
                link.removed_at.is_(None),
            )
        )
        .order_by(link.id)
    )
    return tuple(MapLink(row.id, row.subject_a_id, row.subject_b_id) for row in rows)
