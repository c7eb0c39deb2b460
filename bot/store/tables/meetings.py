"""A locality meeting and what is recorded in it: the agenda, attendance, minutes and
decisions, share-and-challenge rounds and challenges, who attended and rated it, and
corrections made before its minutes are agreed."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
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
