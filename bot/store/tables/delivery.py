"""Sending: the outbox and its senders, reminders sent, the app's shared sending budget,
and the activity ids already handled (a resend writes nothing twice)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.tables.base import Base, UTCDateTime


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


class ProcessedActivity(Base):
    """Teams resends a turn that took over 15 s; the first delivery's id is kept here,
    in the same transaction as what it wrote, so a resend writes nothing twice."""

    __tablename__ = "processed_activities"
    activity_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime())
