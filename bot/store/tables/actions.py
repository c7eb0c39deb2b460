"""Actions, their history, and escalations to the Operational and Strategic groups."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.crypto import EncryptedText
from bot.store.tables.base import Base, UTCDateTime


class Action(Base):
    __tablename__ = "actions"
    __table_args__ = (
        # Open actions in due-date order with what access rules and filters test
        # (outstanding actions: a page is a range of this index, counted on it too).
        Index(
            "ix_actions_status_due_date",
            "status",
            "due_date",
            "id",
            "locality_id",
            "agency_id",
            "owner_member_id",
        ),
        # The same by group: a person's list reads only their groups' ranges (a store
        # may hold many partnerships' actions; migration 0015).
        Index(
            "ix_actions_status_locality",
            "status",
            "locality_id",
            "due_date",
            "id",
            "agency_id",
            "owner_member_id",
        ),
        # An owner's open actions in due-date order ("my actions", and a person's own
        # outside their groups in their list), with what access rules test; also what
        # looks actions up by owner (migration 0015).
        Index(
            "ix_actions_owner_status",
            "owner_member_id",
            "status",
            "due_date",
            "id",
            "locality_id",
            "agency_id",
        ),
        # The report's and the dashboard's action rows (bot.services.report), read from
        # the index alone: a group's actions by when raised, with what is counted.
        Index(
            "ix_actions_locality_created",
            "locality_id",
            "created_at",
            "status",
            "updated_at",
            "escalated_at",
            "due_date",
            "id",
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"))
    description: Mapped[str] = mapped_column(EncryptedText("actions.description"))
    owner_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    due_date: Mapped[date] = mapped_column(Date)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    #: For an action brought in from a group's tracker (``mace-bot actions import``): a
    #: keyed hash of (locality, the tracker's own reference), so a re-run finds it again.
    import_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_by_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Set when chasing escalated it to the chair and coordinator; flags it for item 3.
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: A pending request for a new due date, for the chair to accept or refuse.
    requested_due_date: Mapped[date | None] = mapped_column(Date)
    request_reason: Mapped[str] = mapped_column(EncryptedText("actions.request_reason"), default="")
    requested_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ActionEvent(Base):
    """History of an action: who changed what, when. Never updated, only appended."""

    __tablename__ = "action_events"
    #: When an action was done or cancelled (the report): its events of those kinds.
    __table_args__ = (Index("ix_action_events_action_kind", "action_id", "kind", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(EncryptedText("action_events.note"), default="")
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The meeting the change was made in (a chair's step at item 3), if any.
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)


class Escalation(Base):
    """An action, challenge or subject a locality group escalates to the Operational or
    Strategic group: what and why, that group's response and decision, and its closing.
    Shown under item 8 of the locality's agendas until closed."""

    __tablename__ = "escalations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("oversight_groups.id"), index=True)
    #: ``action``, ``challenge`` or ``subject``: which of the three ids below is set.
    kind: Mapped[str] = mapped_column(String(20))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id"), index=True)
    challenge_id: Mapped[int | None] = mapped_column(ForeignKey("challenges.id"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"), index=True)
    #: The meeting it was raised in, if raised in one.
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    what: Mapped[str] = mapped_column(EncryptedText("escalations.what"))
    why: Mapped[str] = mapped_column(EncryptedText("escalations.why"))
    raised_by_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: ``open``, ``responded`` or ``closed``.
    status: Mapped[str] = mapped_column(String(20), index=True)
    response: Mapped[str | None] = mapped_column(EncryptedText("escalations.response"))
    decision: Mapped[str | None] = mapped_column(EncryptedText("escalations.decision"))
    responded_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    close_note: Mapped[str | None] = mapped_column(EncryptedText("escalations.close_note"))
