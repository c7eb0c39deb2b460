"""Finding and reviewing the register in chat: ``subject CR-0107``, ``subjects ...`` and a
subject's card opened from a list or from a meeting's agenda (issue 15, points 2 and 6).

Every access decision is ``bot.services.register_access``'s (the one rule of the register):
a subject is seen only by members of a group that holds it or accepted its share, a person
of concern only where that group's rule allows, and a refusal is the same "not found" as a
reference that does not exist. On top of that rule, where a card is shown changes what it
shows: in a group's conversation every member of the channel sees the card, so persons of
concern are never shown there (not even as the subject of the card) and a child's missing
checks never; in a personal chat the missing checks are shown to whoever may edit the
register (domain.md: "shown to the chair, not nagged in the channel").

Reads only: every card and list shown is noted in the audit trail (``audit.note``).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.card_fields import card_id
from bot.domain.clock import Clock, london_today
from bot.domain.errors import NotFound, NotPermitted
from bot.domain.model import ConversationKind, Role, SubjectKind
from bot.domain.permissions import Permission
from bot.domain.register_filters import SubjectFilter, SubjectFilterError
from bot.domain.register_views import SubjectCardView, SubjectChoices, SubjectsPage
from bot.services.context import ActorRef, ConversationRef, TurnRef, linked_locality_id
from bot.services.readmodels.register import (
    Viewing,
    not_discussed_since,
    open_only,
    rows_of,
    subject_card,
    subject_rows,
    with_strands,
)
from bot.services.register_access import (
    NO_SUCH_SUBJECT,
    SubjectReach,
    member_groups,
    persons_in,
    reach_subject,
    visible_in,
)
from bot.services.subjects import find_subjects
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store

PAGE_SIZE = 10
#: The conversation a page reads in: a page is read by one person, like a personal chat.
PAGE_CONVERSATION = "web-page"
NOT_IN_A_GROUP = (
    "You are not a member of any MACE locality group, so there is no register to show. If "
    "you should be, ask the MACE coordinator to add you."
)


class RegisterReads:
    """The register's read side for the dialogs (``dialogs.ports.Register``)."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def find(self, turn: TurnRef, reference: str) -> SubjectCardView | SubjectChoices:
        """The subject recorded under ``reference`` in any of the member's groups: its
        card, or a choice when several match (different groups or kinds)."""
        wanted = reference.strip().upper()
        async with self.store.reading() as session:
            member, groups = await member_groups(session, turn.actor)
            if member is None or not groups or not wanted:
                raise NotFound(NO_SUCH_SUBJECT)
            found: dict[int, int] = {}  # subject id -> the group it was found in
            for locality_id in sorted(groups):
                for subject in await find_subjects(session, self.store.keys, locality_id, wanted):
                    found.setdefault(subject.id, locality_id)
            reached: list[SubjectReach] = []
            for subject_id, locality_id in found.items():
                try:
                    reached.append(
                        await reach_subject(
                            session,
                            turn.actor,
                            subject_id,
                            prefer_locality=locality_id,
                            known=(member, groups),
                        )
                    )
                except NotFound:
                    continue
            if not reached:
                raise NotFound(NO_SUCH_SUBJECT)
            if len(reached) == 1:
                return await self._card(session, turn, reached[0], None, groups)
            rows = await rows_of(session, [r.subject.id for r in reached])
            audit.note(
                session,
                audit.AuditAction.VIEW,
                "subjects",
                detail=f"subject by reference: {len(rows)} to choose from",
            )
            return SubjectChoices(reference=wanted, rows=tuple(rows))

    async def show(
        self, turn: TurnRef, subject_id: object, meeting_id: object = None
    ) -> SubjectCardView:
        """A subject's card by id (a list's or an agenda's button). In a group's
        conversation only through the group it is linked to, and never a person of
        concern: the card is seen by everyone there."""
        async with self.store.reading() as session:
            if turn.conversation.kind is ConversationKind.PERSONAL:
                reach = await reach_subject(session, turn.actor, subject_id, refusal="subject card")
            else:
                linked = await linked_locality_id(session, turn.conversation)
                if linked is None:
                    raise NotFound(NO_SUCH_SUBJECT)
                reach = await reach_subject(
                    session, turn.actor, subject_id, prefer_locality=linked, refusal="subject card"
                )
                if (
                    reach.caller.locality_id != linked
                    or reach.subject.kind == SubjectKind.PERSON.value
                ):
                    raise NotFound(NO_SUCH_SUBJECT)
            return await self._card(session, turn, reach, card_id(meeting_id), None)

    async def page(self, actor: ActorRef, subject_id: object) -> tuple[SubjectCardView, str]:
        """A subject's page (issue 17): read by one person, like the card in a personal
        chat, so the same rule and the same card (missing checks for an editor); audited
        as a page view. With the code of the group it was reached through, for the way
        back to that group's map."""
        turn = TurnRef(actor, ConversationRef(PAGE_CONVERSATION, ConversationKind.PERSONAL))
        async with self.store.reading() as session:
            reach = await reach_subject(session, actor, subject_id, refusal="subject page")
            view = await self._card(session, turn, reach, None, None, seen="subject page")
            code = await session.scalar(
                select(t.Locality.code).where(t.Locality.id == reach.caller.locality_id)
            )
            return view, code or ""

    async def subjects(
        self, turn: TurnRef, wanted: SubjectFilter, page: int = 1, *, words: str = ""
    ) -> SubjectsPage:
        """One page of the subjects the filter selects among those the member may see, in
        all their groups (or the one named), riskiest first."""
        async with self.store.reading() as session:
            member, groups = await member_groups(session, turn.actor)
            if member is None or not groups:
                raise NotPermitted(NOT_IN_A_GROUP, attempted="register")
            locality_ids = set(groups)
            if wanted.locality:
                locality_ids = {await self._group_named(session, wanted.locality, locality_ids)}
            persons_in = await self._persons_in(session, member, groups)
            where: list[ColumnElement[bool]] = [visible_in(locality_ids, persons_in & locality_ids)]
            if wanted.kinds:
                where.append(t.Subject.kind.in_(sorted(k.value for k in wanted.kinds)))
            if wanted.risks:
                where.append(t.Subject.risk_level.in_(sorted(r.value for r in wanted.risks)))
            since = wanted.not_discussed_since(london_today(self.clock))
            if since is not None:
                where.append(not_discussed_since(since))
            if wanted.strand:
                where.append(with_strands(await self._strands_named(session, wanted.strand)))
            if not wanted.closed:
                where.append(open_only())
            page = max(1, page)
            rows, total = await subject_rows(
                session, where, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
            )
            if not rows and page > 1:
                # Past the end (the list shrank since the card was drawn): its first page.
                page = 1
                rows, total = await subject_rows(session, where, limit=PAGE_SIZE, offset=0)
            pages = max(1, -(-total // PAGE_SIZE))
            audit.note(
                session,
                audit.AuditAction.VIEW,
                "subjects",
                detail=f"subjects list: page {page} of {pages}, {len(rows)} of {total}",
            )
            return SubjectsPage(
                rows=tuple(rows),
                total=total,
                page=page,
                pages=pages,
                description=wanted.describe(),
                words=words,
            )

    # -- helpers ------------------------------------------------------------------------

    async def _card(
        self,
        session: AsyncSession,
        turn: TurnRef,
        reach: SubjectReach,
        meeting_id: int | None,
        groups: dict[int, frozenset[Role]] | None,
        *,
        seen: str = "subject card",
    ) -> SubjectCardView:
        """The card as this viewer may see it here; ``groups``: the member's groups, when
        already read; ``seen``: where, for the audit trail."""
        member = reach.caller.member
        in_group = turn.conversation.kind is not ConversationKind.PERSONAL
        if in_group:
            # Everyone in the channel sees the card: only that group's subjects, and no
            # person of concern, whoever pressed.
            locality_ids = {reach.caller.locality_id}
            persons_in: set[int] = set()
        else:
            if groups is None:
                _, groups = await member_groups(session, turn.actor)
            locality_ids = set(groups)
            persons_in = await self._persons_in(session, member, groups)
        may_edit = reach.caller.can(Permission.EDIT_REGISTER)
        viewing = Viewing(
            locality_ids=frozenset(locality_ids),
            persons_in=frozenset(persons_in),
            show_missing=may_edit and not in_group,
            can_edit=may_edit,
            can_move=reach.caller.can(Permission.MOVE_SUBJECTS),
            meeting_id=meeting_id,
            in_group=in_group,
            today=london_today(self.clock),
            # Escalated from a personal chat only, by the group that holds it (issue 16).
            can_escalate=(
                reach.caller.can(Permission.ESCALATE) and not in_group and not reach.shared
            ),
        )
        view = await subject_card(
            session, reach.subject, viewing, visible_in(locality_ids, persons_in)
        )
        audit.note(
            session,
            audit.AuditAction.VIEW,
            "subjects",
            reach.subject.id,
            locality_id=reach.caller.locality_id,
            detail=seen + (" in the group's conversation" if in_group else ""),
        )
        return view

    async def _persons_in(
        self, session: AsyncSession, member: t.Member, groups: dict[int, frozenset[Role]]
    ) -> set[int]:
        return await persons_in(session, member, groups)

    async def _group_named(self, session: AsyncSession, name: str, mine: set[int]) -> int:
        """One of the member's groups by name or code; else a refusal that lists only
        theirs (no other group's name is disclosed)."""
        rows = (
            await session.execute(
                select(t.Locality.id, t.Locality.code, t.Locality.name)
                .where(t.Locality.id.in_(mine))
                .order_by(t.Locality.name)
            )
        ).all()
        wanted = name.strip().lower()
        exact = [r.id for r in rows if wanted in (r.code.lower(), r.name.lower())]
        close = [r.id for r in rows if r.name.lower().startswith(wanted)]
        chosen = exact or close
        if len(chosen) == 1:
            return int(chosen[0])
        raise SubjectFilterError(
            "I do not know that group among yours. Yours: "
            + ", ".join(f"**{r.name}**" for r in rows)
            + "."
        )

    async def _strands_named(self, session: AsyncSession, words: str) -> Sequence[int]:
        rows = (
            await session.execute(
                select(t.Strand.id, t.Strand.code, t.Strand.label)
                .where(t.Strand.active.is_(True))
                .order_by(t.Strand.sort_order, t.Strand.label)
            )
        ).all()
        wanted = words.strip().lower()
        chosen = [r.id for r in rows if r.code.lower() == wanted] or [
            r.id for r in rows if wanted in r.label.lower()
        ]
        if chosen:
            return chosen
        raise SubjectFilterError(
            "I do not know that strand. Use one of: "
            + ", ".join(f"**{r.code}** ({r.label})" for r in rows)
            + "."
        )
