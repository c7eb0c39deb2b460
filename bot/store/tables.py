"""The relational schema, as SQLAlchemy 2 typed tables.

The schema itself is created and changed only by Alembic migrations
(``bot/store/migrations``); these classes describe it for queries. A test checks that the
migrations and these models agree, so neither drifts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from bot.store.crypto import EncryptedText

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC without a zone (SQLite has none) and always hands back aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table_of(model: type[Base]) -> Table:
    """The table behind a mapped class, for statements on the busiest paths built once
    with SQLAlchemy Core: an ORM-enabled INSERT or UPDATE runs the ORM's bulk machinery
    on every call, which profiling found to cost more than the round trip itself."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


class Locality(Base):
    __tablename__ = "localities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    #: This group's chasing rules as JSON (see bot.domain.chasing); NULL: the defaults.
    chase_rules: Mapped[str | None] = mapped_column(Text)
    #: The register's settings as JSON (bot.domain.register.register_settings): who may
    #: see persons of concern. NULL: the default (police, chair and deputy chair).
    register_settings: Mapped[str | None] = mapped_column(Text)


class Agency(Base):
    __tablename__ = "agencies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    sort_order: Mapped[int] = mapped_column(Integer, default=100)


class Member(Base):
    """A Teams user known to the partnership. Matched on Entra object id, else Teams id."""

    __tablename__ = "members"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    aad_object_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    teams_user_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(200))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("member_id", "locality_id", "role"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))


class LinkedConversation(Base):
    """A Teams channel, group chat or meeting chat that belongs to one locality group."""

    __tablename__ = "linked_conversations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(400), unique=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    service_url: Mapped[str | None] = mapped_column(String(400))
    #: A channel's team as a Microsoft 365 group id (Teams' channelData.team.aadGroupId):
    #: what Graph needs to read the team's members; a channel id cannot be mapped to it.
    team_group_id: Mapped[str | None] = mapped_column(String(64))
    linked_by_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Meeting(Base):
    __tablename__ = "meetings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), index=True)
    conversation_id: Mapped[str] = mapped_column(String(400), index=True)
    status: Mapped[str] = mapped_column(String(20))
    chair_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    current_position: Mapped[int | None] = mapped_column(Integer)
    agenda_activity_id: Mapped[str | None] = mapped_column(String(200))
    #: The summary card posted when the meeting ended (the newest posted): a correction
    #: before the minutes are agreed redraws it.
    summary_activity_id: Mapped[str | None] = mapped_column(String(200))
    next_meeting_date: Mapped[date | None] = mapped_column(Date)
    minutes_status: Mapped[str] = mapped_column(String(20))
    minutes_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    minutes_agreed_in_meeting_id: Mapped[int | None] = mapped_column(Integer)
    #: Guards against two "start meeting" turns racing: at most one row per locality
    #: has this set (the locality id) while in progress; NULL otherwise.
    in_progress_locality_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    #: Optimistic concurrency: every change to a meeting (its items, attendance, minutes,
    #: actions) bumps this, and an UPDATE naming an older value changes nothing, so of two
    #: people pressing at once one is told to try again instead of one change being lost.
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy's declaration)


class AgendaItem(Base):
    __tablename__ = "agenda_items"
    __table_args__ = (UniqueConstraint("meeting_id", "position"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    time_limit_minutes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    elapsed_seconds: Mapped[int] = mapped_column(Integer, default=0)


class Attendance(Base):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "agency_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    status: Mapped[str] = mapped_column(String(20))
    people: Mapped[str] = mapped_column(EncryptedText("attendance.people"), default="")
    recorded_by_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


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


class MinuteEntry(Base):
    """A minute or a decision recorded against an agenda item."""

    __tablename__ = "minute_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(EncryptedText("minute_entries.text"))
    #: The register subject this was recorded about (a sub-item of items 4-7), if any.
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"), index=True)
    author_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Set when its text was corrected before the minutes were agreed (what it said before,
    #: and why, are in ``record_corrections``).
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Set when it was withdrawn as recorded in error: kept, shown struck through to those
    #: who may correct, and left out of the minutes and every count.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


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


class ShareRound(Base):
    __tablename__ = "share_rounds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"))
    status: Mapped[str] = mapped_column(String(20))
    opened_by_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    activity_id: Mapped[str | None] = mapped_column(String(200))
    #: Set while open so that a meeting has at most one open round at a time.
    open_meeting_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    #: The register subject the round is about (its title names it), if any.
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"), index=True)


class RoundTurn(Base):
    """One answer in a share-and-challenge round. Every answer is kept (appended, with who
    and when): an agency may answer twice, and two services of one agency (CAMHS and the
    Healthy Child team) each answer under their own ``service`` name."""

    __tablename__ = "round_turns"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("share_rounds.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    outcome: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(EncryptedText("round_turns.text"), default="")
    #: The service of the agency that answered ("CAMHS"), when it named one; else NULL.
    service: Mapped[str | None] = mapped_column(EncryptedText("round_turns.service"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Challenge(Base):
    __tablename__ = "challenges"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("share_rounds.id"))
    raised_by_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    raised_by_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    to_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    about: Mapped[str] = mapped_column(EncryptedText("challenges.about"), default="")
    text: Mapped[str] = mapped_column(EncryptedText("challenges.text"))
    status: Mapped[str] = mapped_column(String(20), index=True)
    response: Mapped[str] = mapped_column(EncryptedText("challenges.response"), default="")
    resolution: Mapped[str] = mapped_column(EncryptedText("challenges.resolution"), default="")
    responded_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MemberContact(Base):
    """Where to reach a member one to one: kept whenever the bot sees them, so reminders
    can be sent proactively (and a 1:1 conversation created when none exists yet)."""

    __tablename__ = "member_contacts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), unique=True)
    teams_user_id: Mapped[str] = mapped_column(String(200))
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    service_url: Mapped[str] = mapped_column(String(400))
    bot_id: Mapped[str | None] = mapped_column(String(200))
    #: The personal (1:1) conversation with the bot, once known or created.
    conversation_id: Mapped[str | None] = mapped_column(String(400))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Set on a 403 from Teams (the person blocked or removed the bot); cleared when the
    #: person talks to the bot again.
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutboxMessage(Base):
    """A proactive message to deliver, written in the same transaction as its cause.

    The payload names records by id only; the message is drawn when it is sent, from the
    state then, so nothing sensitive waits in the outbox and closed actions drop out.
    """

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    recipient_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    activity_id: Mapped[str | None] = mapped_column(String(200))


class OutboxWorker(Base):
    """One outbox sender that is running, with when it last said so (``last_seen``).

    A running sender renews ``last_seen`` every few seconds; a row it holds whose sender's
    ``last_seen`` is older than a short threshold is claimable again at once, without
    waiting out the lease (bot.services.outbox). A sender that stops cleanly deletes its
    row after putting back what it had not sent. Names a host and a process, nothing else.
    """

    __tablename__ = "outbox_workers"
    worker_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ReminderSent(Base):
    """One row per reminder key per action (bot.domain.chasing): the unique pair is what
    makes a reminder go out once however often, or however many processes, run."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("action_id", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProcessedActivity(Base):
    """Teams resends a turn that took over 15 s; the first delivery's id is kept here,
    in the same transaction as what it wrote, so a resend writes nothing twice."""

    __tablename__ = "processed_activities"
    activity_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """One link of the append-only, hash-chained audit trail (bot.services.audit).

    Names records by type and id, never by content: the trail itself holds no case
    detail, so it can be kept and inspected longer than the records it describes.
    Database triggers refuse UPDATE and DELETE on this table.
    """

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(30))
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(40))
    locality_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(String(400), default="")
    reason: Mapped[str] = mapped_column(String(200), default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's newest link, one row: taken FOR UPDATE so that links are written one
    at a time, and kept so that rows cut off the end of the trail are noticed."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class LegalHold(Base):
    """Stops the retention job deleting a locality's, a meeting's or a subject's records
    while a review, inquiry or court case needs them."""

    __tablename__ = "legal_holds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    placed_by: Mapped[str] = mapped_column(String(200))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DownloadLink(Base):
    """One download link, as recorded when it was issued (until issue 17, which removed the
    links: downloads are from signed-in pages now, and nothing writes here any more; the
    rows are kept until retention deletes them, their fetches stay in the audit trail).

    The signed URL carries this id; the first fetch that finds the row unused and unexpired
    marks it used, in one conditional UPDATE, so a link gives its file once however many
    clients or instances fetch it at the same moment. Holds who it was for and what kind
    of file, never the file's content or the filter's values.
    """

    __tablename__ = "download_links"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    teams_user_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Fetches turned away (used, expired, refused): only the first few are audited.
    refused_fetches: Mapped[int] = mapped_column(Integer, default=0)


class SendBudgetHold(Base):
    """Tokens of the app's send budget (requests per second to Teams) that one sender
    holds for a batch (bot.services.send_budget): counted while open, and for one second
    after the batch settles. Rows are short-lived and name no person or message."""

    __tablename__ = "send_budget_holds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    tokens: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
    free_at: Mapped[datetime] = mapped_column(UTCDateTime())
    settled: Mapped[bool] = mapped_column(Boolean)


class RecordCorrection(Base):
    """A correction or withdrawal of a minute, decision or action recorded in error, made
    before the meeting's minutes were agreed (issue 16). Appended, never changed: the
    record shows that it was corrected, and this row keeps what it said before and why."""

    __tablename__ = "record_corrections"
    __table_args__ = (Index("ix_record_corrections_record", "record_type", "record_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    #: ``minute_entries`` or ``actions``.
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    #: ``corrected`` or ``withdrawn``.
    change: Mapped[str] = mapped_column(String(20))
    #: What was corrected: ``text``, ``description``, ``owner``, ``due_date``, ``subject``;
    #: empty for a withdrawal.
    field: Mapped[str] = mapped_column(String(40), default="")
    previous: Mapped[str] = mapped_column(EncryptedText("record_corrections.previous"), default="")
    reason: Mapped[str] = mapped_column(EncryptedText("record_corrections.reason"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class OversightGroup(Base):
    """The MACE Operational Group or the MACE Strategic Group: where a locality group
    escalates what it cannot resolve. Loaded from configuration like the localities; a
    Teams conversation of its own is optional (its members are told one to one)."""

    __tablename__ = "oversight_groups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    #: ``operational`` or ``strategic``.
    tier: Mapped[str] = mapped_column(String(20))
    conversation_id: Mapped[str | None] = mapped_column(String(400))
    service_url: Mapped[str | None] = mapped_column(String(400))
    tenant_id: Mapped[str | None] = mapped_column(String(64))


class OversightMembership(Base):
    __tablename__ = "oversight_memberships"
    __table_args__ = (UniqueConstraint("member_id", "group_id", "role"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("oversight_groups.id"), index=True)
    #: ``chair`` or ``member``.
    role: Mapped[str] = mapped_column(String(20))


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


class MeetingAttendee(Base):
    """A person who recorded their own attendance at a meeting ("I'm here", ``here``): who
    may rate the meeting once it ends. Agency attendance stays in ``attendance``."""

    __tablename__ = "meeting_attendees"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class MeetingRater(Base):
    """That a person has rated a meeting (so each rates once), with nothing of the rating:
    ratings are anonymous, kept apart in ``meeting_ratings`` with no link back."""

    __tablename__ = "meeting_raters"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))


class MeetingRating(Base):
    """One anonymous rating of a meeting (1-5, optional comment). The key is random and
    only the day is kept, so neither the order of rows nor a time stamp ties a rating to
    the ``meeting_raters`` row written with it."""

    __tablename__ = "meeting_ratings"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(EncryptedText("meeting_ratings.comment"))
    rated_on: Mapped[date] = mapped_column(Date)


class WebSession(Base):
    """One browser signed in to the pages (bot.web), in a Teams tab or outside Teams.

    The cookie holds a random secret and this row only its SHA-256, so a copy of the
    table signs nobody in. Idle and absolute expiry are checked on every request against
    ``last_seen_at`` and ``created_at``; ``ended_at`` is set at sign-out, at expiry, or
    when the member is removed. No child, case or page content is kept here."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    #: ``sso`` (Teams tab single sign-on), ``code`` (the authorisation-code flow) or
    #: ``stand-in`` (the local sign-in of ``make run``, impossible with APP_ID set).
    method: Mapped[str] = mapped_column(String(20))
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebSignIn(Base):
    """A sign-in by the authorisation-code flow under way: from leaving for Entra ID to
    coming back, used once, within ten minutes. The flow (PKCE verifier, nonce) is
    encrypted; only the SHA-256 of ``state`` is kept to find it."""

    __tablename__ = "web_sign_ins"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    flow: Mapped[str] = mapped_column(EncryptedText("web_sign_ins.flow"))
    #: The page to open once signed in: a path of this app only, checked when stored.
    return_to: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
