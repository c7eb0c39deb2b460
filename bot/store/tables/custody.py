"""The audit trail and what guards the records: the hash chain and its head, legal holds,
and the web surface's sessions, sign-ins and download links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.crypto import EncryptedText
from bot.store.tables.base import Base, UTCDateTime


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
