"""The locality groups and the people in them: localities, agencies, members and their
roles, the conversations linked to a group, members' contact details for proactive
messages, and the oversight groups (Operational, Strategic) and their members."""

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
