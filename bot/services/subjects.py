"""The subjects a locality group records (children by case reference and initials,
persons and locations of concern): found again by their reference, or added.

A reference is stored encrypted; what finds it again is a keyed hash of (locality, kind,
reference) in ``subjects.reference_index`` (bot.store.crypto), one value per key held, so a
subject recorded before a key rotation is still found. The meeting's action form and the
subject access export both look subjects up here; the register (issue 15) grows here too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.model import SubjectKind
from bot.domain.register import RegisterEntry, SubjectEventKind
from bot.domain.rules import SubjectInput
from bot.services.register_access import ACCEPTED, SHARE
from bot.store import tables as t
from bot.store.crypto import KeyRing, subject_index, subject_lookup


async def find_subjects(
    session: AsyncSession,
    keys: KeyRing,
    locality_id: int,
    reference: str,
    kind: SubjectKind | None = None,
) -> list[t.Subject]:
    """The subjects of a locality recorded under ``reference`` (of ``kind``, or any kind):
    those it holds, and those another group shared with it once its chair accepted (found
    by the share's own ``reference_index``, the keyed hash for this locality; the rule is
    ``bot.services.register_access``). Until accepted, a shared subject is not found here.
    Persons of concern are found like any subject: callers showing one apply
    ``register_access`` to who may see it."""
    kinds = [kind] if kind is not None else list(SubjectKind)
    index = [i for k in kinds for i in subject_lookup(keys, locality_id, k, reference)]
    shared_here = select(t.SubjectShare.subject_id).where(
        t.SubjectShare.to_locality_id == locality_id,
        t.SubjectShare.mode == SHARE,
        t.SubjectShare.status == ACCEPTED,
        t.SubjectShare.reference_index.in_(index),
    )
    found = await session.scalars(
        select(t.Subject)
        .where(
            or_(
                and_(
                    t.Subject.locality_id == locality_id,
                    # The kind too, so the unique (locality, kind, index) index answers.
                    t.Subject.kind.in_([k.value for k in kinds]),
                    t.Subject.reference_index.in_(index),
                ),
                t.Subject.id.in_(shared_here),
            )
        )
        .order_by(t.Subject.id)
    )
    # The group's own record first: after a share suggested in place of a transfer (the
    # group held one already), ``find_or_add`` keeps to the group's own.
    return sorted(found, key=lambda s: (s.locality_id != locality_id, s.id))


def new_subject(
    keys: KeyRing, locality_id: int, wanted: SubjectInput | RegisterEntry, now: datetime
) -> t.Subject:
    """A subject first named now, indexed under the primary key for finding it again."""
    return t.Subject(
        locality_id=locality_id,
        kind=wanted.kind,
        reference=wanted.reference,
        initials=wanted.initials,
        reference_index=subject_index(keys, locality_id, wanted.kind, wanted.reference),
        created_at=now,
    )


async def find_or_add(
    session: AsyncSession,
    keys: KeyRing,
    locality_id: int,
    entry: RegisterEntry,
    now: datetime,
    *,
    member_id: int | None,
    meeting_id: int | None = None,
) -> tuple[t.Subject, bool]:
    """The register's subject for ``entry`` in this group, added (with a ``created``
    history entry naming who, when and in which meeting) when it is not there yet; and
    whether it was added. A subject already held keeps its initials: a different spelling
    typed later does not overwrite what the group recorded."""
    found = await find_subjects(session, keys, locality_id, entry.reference, entry.kind)
    if found:
        return found[0], False
    subject = new_subject(keys, locality_id, entry, now)
    subject.updated_at = now
    session.add(subject)
    await session.flush()
    session.add(
        t.SubjectEvent(
            subject_id=subject.id,
            kind=SubjectEventKind.CREATED.value,
            value=entry.kind.value,
            meeting_id=meeting_id,
            member_id=member_id,
            locality_id=locality_id,
            at=now,
        )
    )
    return subject, True
