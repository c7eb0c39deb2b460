"""The register (the map): subjects, their strands, history, links, the agenda items that
discuss them, and shares and moves between groups."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.crypto import EncryptedText
from bot.store.tables.base import Base, UTCDateTime


class Subject(Base):
    """One entry of a locality group's register (bot.domain.register): a child (case
    reference and initials only), a person of concern (a police or case reference and
    initials, never a name), a location (a short description, never a private address), a
    peer or organised group, or a theme."""

    __tablename__ = "subjects"
    __table_args__ = (UniqueConstraint("locality_id", "kind", "reference_index"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The group that holds it (a transfer moves it; a share adds a SubjectShare).
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(EncryptedText("subjects.reference"))
    initials: Mapped[str] = mapped_column(EncryptedText("subjects.initials"), default="")
    #: A keyed hash of (locality, kind, reference) under the primary data key, so that a
    #: subject can be found again without the reference being stored in clear.
    reference_index: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: NULL until the group first rates it; every change is a ``risk`` SubjectEvent.
    risk_level: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open")
    #: Why it was closed (or put to monitoring); NULL when none was given.
    status_reason: Mapped[str | None] = mapped_column(EncryptedText("subjects.status_reason"))
    lead_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    first_discussed_on: Mapped[date | None] = mapped_column(Date)
    last_discussed_on: Mapped[date | None] = mapped_column(Date)
    #: For a child, bot.domain.register.ChildChecks as JSON, encrypted; NULL: none yet.
    checks: Mapped[str | None] = mapped_column(EncryptedText("subjects.checks"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Strand(Base):
    """A strand of exploitation: reference data (seeded by migration 0010, extended by a
    data file), never an enum, because the partnership's list is open."""

    __tablename__ = "strands"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    sort_order: Mapped[int] = mapped_column(Integer, default=100)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SubjectStrand(Base):
    __tablename__ = "subject_strands"
    __table_args__ = (UniqueConstraint("subject_id", "strand_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    strand_id: Mapped[int] = mapped_column(ForeignKey("strands.id"))


class SubjectEvent(Base):
    """A subject's history (bot.domain.register.SubjectEventKind): who changed what, when,
    in which meeting, and why. Appended, never changed; travels with a transfer.

    ``value``/``previous`` hold the coded value (a risk level, a status, an agency code, a
    locality code): never free text. ``reason`` is free text and encrypted."""

    __tablename__ = "subject_events"
    __table_args__ = (Index("ix_subject_events_subject_id_at", "subject_id", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    kind: Mapped[str] = mapped_column(String(30))
    value: Mapped[str] = mapped_column(String(60), default="")
    previous: Mapped[str] = mapped_column(String(60), default="")
    reason: Mapped[str] = mapped_column(EncryptedText("subject_events.reason"), default="")
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    #: NULL for what the bot's operator did (an import), named in the audit trail.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class SubjectLink(Base):
    """Two subjects linked (bot.domain.register.LINKABLE), lower id first, with why and
    the meeting it was recorded in. Removing a link keeps the row (``removed_at``)."""

    __tablename__ = "subject_links"
    __table_args__ = (UniqueConstraint("subject_a_id", "subject_b_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_a_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    subject_b_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    reason: Mapped[str] = mapped_column(EncryptedText("subject_links.reason"), default="")
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))


class ItemSubject(Base):
    """A subject discussed under an agenda item (items 4-7), in the chair's order: a
    sub-item of the agenda card, walked through by "next" like the items themselves."""

    __tablename__ = "item_subjects"
    __table_args__ = (
        UniqueConstraint("item_id", "subject_id", name="uq_item_subjects_item_subject"),
        UniqueConstraint("item_id", "position", name="uq_item_subjects_item_position"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    added_by_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SubjectShare(Base):
    """A subject offered to another locality group: moved there (``transfer``, a child
    moving placement) or seen there too (``share``, a location on a border).

    Both chairs are told; the receiving chair accepts or declines. Until accepted the
    receiving group sees nothing. An accepted share gives the receiving group its own
    ``reference_index`` (its locality's keyed hash), so its members find the subject by
    reference there as at home."""

    __tablename__ = "subject_shares"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    mode: Mapped[str] = mapped_column(String(20))
    from_locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"))
    to_locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(EncryptedText("subject_shares.reason"), default="")
    reference_index: Mapped[str | None] = mapped_column(String(64), index=True)
    asked_by_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
