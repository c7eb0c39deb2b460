"""A register subject offered to another locality group and the receiving chair's answer
(issue 15, point 7): ``ask``, ``accept``, ``decline``.

A *transfer* moves the subject itself: ``subjects.locality_id`` becomes the receiving
group and ``reference_index`` is computed again for it, so its members find it by
reference as if they had recorded it. A *share* leaves it where it is and, once accepted,
gives the receiving group its own ``subject_shares.reference_index``. Who then sees it is
decided in one place only, ``bot.services.register_access``; this module never reads
around it.

Every step is one transaction, written through the ORM (so audited by
``bot.store.audit``), with an entry in the subject's history (``subject_events``, whose
reason is encrypted) and notices, queued in the same transaction, to the chairs and
deputy chairs of both groups. A notice carries the offer's id only: never the subject's
reference or the reason (``dialogs.notices`` draws it when it is sent).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock, SystemClock, london_today
from bot.domain.errors import Conflict, InvalidInput, NotFound, NotPermitted
from bot.domain.model import SUBJECT_LABELS, Role, SubjectKind
from bot.domain.notices import Notice, NoticeKind
from bot.domain.permissions import Permission
from bot.domain.register import SubjectEventKind
from bot.domain.register_moves import (
    ALREADY_ASKED,
    ALREADY_DECIDED,
    ALREADY_HELD,
    ALREADY_SHARED,
    FIELD_DECLINE_REASON,
    FIELD_MODE,
    FIELD_REASON,
    FIELD_TO,
    HELD_THERE,
    MAX_MOVE_REASON_CHARS,
    NO_LONGER_HELD,
    NO_SUCH_OFFER,
    NOT_HELD_HERE,
    MoveFormView,
    MoveMode,
    MoveOfferView,
)
from bot.domain.rules import clean_text, recorded_text
from bot.services.context import ActorRef, Caller
from bot.services.outbox import enqueue
from bot.services.outbox.queue import IfQueued
from bot.services.readmodels.members import people_in
from bot.services.readmodels.notices import offer_view
from bot.services.register_access import (
    ACCEPTED,
    ASKED,
    DECLINED,
    SHARE,
    TRANSFER,
    member_groups,
    reach_subject,
)
from bot.store import audit
from bot.store import tables as t
from bot.store.crypto import subject_index, subject_lookup
from bot.store.db import Store

#: Who is told of an offer and its answer, in each of the two groups.
TOLD = (Role.CHAIR, Role.DEPUTY_CHAIR)

assert {MoveMode.TRANSFER.value, MoveMode.SHARE.value} == {TRANSFER, SHARE}


class RegisterMoves:
    """Offering a subject to another group, and that group's chair's answer."""

    def __init__(self, store: Store, clock: Clock | None = None) -> None:
        self.store = store
        self.clock = clock or SystemClock()

    # -- the asking group ---------------------------------------------------------------

    async def form(self, actor: ActorRef, subject_id: object) -> MoveFormView:
        """The ask form for a subject the actor's group holds and they chair."""
        async with self.store.reading() as session:
            subject = await self._held(session, actor, subject_id)
            audit.note(
                session,
                audit.AuditAction.VIEW,
                "subjects",
                subject.id,
                locality_id=subject.locality_id,
                detail="move form",
            )
            return await _form_view(session, subject)

    async def ask(
        self,
        actor: ActorRef,
        activity_id: str | None,
        subject_id: object,
        data: Mapping[str, object],
    ) -> MoveOfferView:
        """Offer the subject to another group: refused (``InvalidInput``, beside the field)
        for a group that holds it already, one it is shared with or offered to, and a
        transfer that would put two records of one subject in the receiving group."""
        now = self.clock.now()
        async with self.store.transaction(activity_id=activity_id, now=now) as session:
            subject = await self._held(session, actor, subject_id)
            errors: dict[str, str] = {}
            to = await _locality_named(session, clean_text(data.get(FIELD_TO)))
            if to is None:
                errors[FIELD_TO] = "Choose the group to offer it to."
            elif to.id == subject.locality_id:
                errors[FIELD_TO] = HELD_THERE.format(group=to.name)
            mode: MoveMode | None = None
            try:
                mode = MoveMode(clean_text(data.get(FIELD_MODE)))
            except ValueError:
                errors[FIELD_MODE] = "Choose transfer or share."
            try:
                reason = recorded_text(
                    data,
                    FIELD_REASON,
                    "The reason",
                    MAX_MOVE_REASON_CHARS,
                    london_today(self.clock),
                )
            except InvalidInput as exc:
                errors.update(exc.field_errors)
                reason = ""
            if to is not None and FIELD_TO not in errors:
                problem = await _already(session, subject, to, mode)
                if problem is None and mode is MoveMode.TRANSFER:
                    problem = await _collision(session, self.store, subject, to)
                if problem is not None:
                    errors[FIELD_TO] = problem
            if errors:
                raise InvalidInput(errors)
            assert to is not None and mode is not None
            member = await _member(session, actor)
            from_code = await _code(session, subject.locality_id)
            share = t.SubjectShare(
                subject_id=subject.id,
                mode=mode.value,
                from_locality_id=subject.locality_id,
                to_locality_id=to.id,
                status=ASKED,
                reason=reason,
                asked_by_member_id=member.id,
                asked_at=now,
            )
            session.add(share)
            session.add(
                t.SubjectEvent(
                    subject_id=subject.id,
                    kind=(
                        SubjectEventKind.TRANSFER_ASKED
                        if mode is MoveMode.TRANSFER
                        else SubjectEventKind.SHARE_ASKED
                    ).value,
                    value=to.code,
                    previous=from_code,
                    reason=reason,
                    member_id=member.id,
                    locality_id=subject.locality_id,
                    at=now,
                )
            )
            await session.flush()
            await _tell(session, NoticeKind.MOVE_ASKED, share, member.id, now)
            # One person may chair both groups: their answer is the offer itself.
            _, groups = await member_groups(session, actor)
            chairs_there = Caller(member, to.id, groups.get(to.id, frozenset()))
            return await offer_view(
                session, share, receiving=chairs_there.can(Permission.MOVE_SUBJECTS)
            )

    # -- the receiving group -----------------------------------------------------------

    async def accept(
        self, actor: ActorRef, activity_id: str | None, share_id: object
    ) -> MoveOfferView:
        """The receiving chair accepts: a transfer moves the subject (and re-indexes its
        reference for the new group); a share gives the group its own index. Refused if
        the receiving group came to hold a subject of the same reference meanwhile."""
        now = self.clock.now()
        async with self.store.transaction(activity_id=activity_id, now=now) as session:
            share, member = await self._deciding(session, actor, share_id)
            subject = await session.get_one(t.Subject, share.subject_id)
            if subject.locality_id != share.from_locality_id:
                raise Conflict(NO_LONGER_HELD)
            to = await session.get_one(t.Locality, share.to_locality_id)
            from_code = await _code(session, share.from_locality_id)
            index = subject_index(self.store.keys, to.id, subject.kind, subject.reference)
            if share.mode == TRANSFER:
                problem = await _collision(session, self.store, subject, to)
                if problem is not None:
                    raise Conflict(problem)
                subject.locality_id = to.id
                subject.reference_index = index
                subject.updated_at = now
                kind = SubjectEventKind.TRANSFERRED
            else:
                share.reference_index = index
                kind = SubjectEventKind.SHARED
            share.status = ACCEPTED
            share.decided_by_member_id = member.id
            share.decided_at = now
            session.add(
                t.SubjectEvent(
                    subject_id=subject.id,
                    kind=kind.value,
                    value=to.code,
                    previous=from_code,
                    reason="",
                    member_id=member.id,
                    locality_id=to.id,
                    at=now,
                )
            )
            await session.flush()
            await _tell(session, NoticeKind.MOVE_DECIDED, share, member.id, now)
            return await offer_view(session, share, receiving=True)

    async def decline(
        self,
        actor: ActorRef,
        activity_id: str | None,
        share_id: object,
        data: Mapping[str, object],
    ) -> MoveOfferView:
        """The receiving chair declines, saying why (kept encrypted in the history, told
        to nobody unasked). Nothing becomes visible to the receiving group."""
        now = self.clock.now()
        async with self.store.transaction(activity_id=activity_id, now=now) as session:
            share, member = await self._deciding(session, actor, share_id)
            reason = recorded_text(
                data,
                FIELD_DECLINE_REASON,
                "The reason",
                MAX_MOVE_REASON_CHARS,
                london_today(self.clock),
            )
            share.status = DECLINED
            share.decided_by_member_id = member.id
            share.decided_at = now
            session.add(
                t.SubjectEvent(
                    subject_id=share.subject_id,
                    kind=SubjectEventKind.MOVE_DECLINED.value,
                    value=await _code(session, share.to_locality_id),
                    previous=await _code(session, share.from_locality_id),
                    reason=reason,
                    member_id=member.id,
                    locality_id=share.to_locality_id,
                    at=now,
                )
            )
            await session.flush()
            await _tell(session, NoticeKind.MOVE_DECIDED, share, member.id, now)
            return await offer_view(session, share, receiving=True)

    async def offer(self, actor: ActorRef, share_id: object) -> MoveOfferView:
        """An offer as its receiving chair sees it (to draw the offer card again)."""
        async with self.store.reading() as session:
            share, _ = await self._deciding(session, actor, share_id, open_only=False)
            return await offer_view(session, share, receiving=True)

    # -- who may --------------------------------------------------------------------------

    async def _held(self, session: AsyncSession, actor: ActorRef, subject_id: object) -> t.Subject:
        """The subject, reached through the group that holds it by a chair or deputy chair
        there (``register_access``: invisible is "not found", visible is "not permitted")."""
        reach = await reach_subject(
            session, actor, subject_id, permission=Permission.MOVE_SUBJECTS, refusal="move subject"
        )
        if reach.shared:
            raise NotPermitted(NOT_HELD_HERE, attempted=Permission.MOVE_SUBJECTS.value)
        return reach.subject

    async def _deciding(
        self, session: AsyncSession, actor: ActorRef, share_id: object, *, open_only: bool = True
    ) -> tuple[t.SubjectShare, t.Member]:
        """The offer, for a chair or deputy chair of the receiving group. Anyone in neither
        group is told it does not exist; a member of either who may not decide is refused."""
        share = (
            await session.get(t.SubjectShare, share_id)
            if isinstance(share_id, int) and not isinstance(share_id, bool)
            else None
        )
        member, groups = await member_groups(session, actor)
        if (
            share is None
            or member is None
            or not ({share.to_locality_id, share.from_locality_id} & set(groups))
        ):
            raise NotFound(NO_SUCH_OFFER)
        caller = Caller(
            member=member,
            locality_id=share.to_locality_id,
            roles=groups.get(share.to_locality_id, frozenset()),
        )
        if not caller.can(Permission.MOVE_SUBJECTS):
            to = await session.get_one(t.Locality, share.to_locality_id)
            raise NotPermitted(
                f"Only a chair or deputy chair of {to.name} can accept or decline it.",
                attempted=Permission.MOVE_SUBJECTS.value,
            )
        audit.act_as(session.sync_session, f"member:{member.id}", share.to_locality_id)
        if open_only and share.status != ASKED:
            raise Conflict(ALREADY_DECIDED.format(status=share.status))
        return share, member


# -- reading ---------------------------------------------------------------------------------


async def _member(session: AsyncSession, actor: ActorRef) -> t.Member:
    member, _ = await member_groups(session, actor)
    if member is None:  # reach_subject found them a moment ago in this transaction
        raise NotFound()
    return member


async def _code(session: AsyncSession, locality_id: int) -> str:
    return (await session.get_one(t.Locality, locality_id)).code


async def _locality_named(session: AsyncSession, code: str) -> t.Locality | None:
    if not code:
        return None
    return await session.scalar(select(t.Locality).where(t.Locality.code == code))


async def _already(
    session: AsyncSession, subject: t.Subject, to: t.Locality, mode: MoveMode | None
) -> str | None:
    """An open offer of this subject to ``to``, or a share asked again of a group it is
    shared with already (a transfer to it may follow a share: the child moved there)."""
    rows = await session.execute(
        select(t.SubjectShare.mode, t.SubjectShare.status).where(
            t.SubjectShare.subject_id == subject.id,
            t.SubjectShare.to_locality_id == to.id,
            t.SubjectShare.status.in_([ASKED, ACCEPTED]),
        )
    )
    for stored_mode, status in rows:
        if status == ASKED:
            return ALREADY_ASKED.format(group=to.name)
        if stored_mode == SHARE and mode is not MoveMode.TRANSFER:
            return ALREADY_SHARED.format(group=to.name)
    return None


async def _collision(
    session: AsyncSession, store: Store, subject: t.Subject, to: t.Locality
) -> str | None:
    """The refusal when ``to`` already holds a subject of this kind and reference: a
    transfer never merges two records silently."""
    index = subject_lookup(store.keys, to.id, subject.kind, subject.reference)
    held = await session.scalar(
        select(t.Subject.id).where(
            t.Subject.locality_id == to.id,
            t.Subject.kind == subject.kind,
            t.Subject.reference_index.in_(index),
        )
    )
    if held is None:
        return None
    kind = SUBJECT_LABELS[SubjectKind(subject.kind)].lower()
    return ALREADY_HELD.format(group=to.name, kind=kind)


async def _form_view(session: AsyncSession, subject: t.Subject) -> MoveFormView:
    groups = list(
        await session.execute(
            select(t.Locality.id, t.Locality.code, t.Locality.name).order_by(t.Locality.name)
        )
    )
    here = next(row.name for row in groups if row.id == subject.locality_id)
    return MoveFormView(
        subject_id=subject.id,
        kind=SubjectKind(subject.kind),
        reference=subject.reference,
        initials=subject.initials or "",
        from_locality=here,
        groups=tuple((row.code, row.name) for row in groups if row.id != subject.locality_id),
    )


# -- telling both groups ----------------------------------------------------------------------


async def _tell(
    session: AsyncSession, kind: NoticeKind, share: t.SubjectShare, actor_id: int, now: datetime
) -> int:
    """Queue ``kind`` for every chair and deputy chair of both groups but the one who
    acted (they have their answer). The payload is the offer's id and which side the
    recipient is on: the card is drawn when it is sent. A decision is told once: a second
    one (two chairs pressing at once) is refused and rolls back."""
    receiving = set(await people_in(session, share.to_locality_id, TOLD))
    asking = set(await people_in(session, share.from_locality_id, TOLD))
    tag = "move-asked" if kind is NoticeKind.MOVE_ASKED else "move-decided"
    notices = [
        Notice(
            kind,
            who,
            {"share_id": share.id, "receiving": who in receiving},
            f"{tag}:{share.id}:{who}",
        )
        for who in sorted(receiving | asking)
        if who != actor_id
    ]
    return await enqueue(session, notices, due=now, if_queued=IfQueued.REFUSE)
