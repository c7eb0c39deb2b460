"""Download links for exports and minutes: single use, five minutes, fetches audited.

Until downloads sit behind a sign-in, a link is a bearer secret: whoever opens it gets
the file that was made for the person who asked. So it is kept as small a secret as it
can be. Each link is recorded when it is issued (``download_links``: who for, what kind,
until when) and the URL carries that record's id, signed with a key kept outside the
database. The first fetch that finds the record unused and unexpired marks it used in
one conditional UPDATE, so the file is given once, however many clients or instances
fetch it at the same moment; it is built only after asking the services again whether
that person may still see it. Every fetch of a genuine link is audited with its outcome,
time, client address and user agent (the first few refusals per link; later ones are
counted). A forged or damaged link reaches no record and is not audited.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from bot.domain.clock import Clock
from bot.services.context import ActorRef
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store

log = logging.getLogger(__name__)

#: How long a link can be opened after it is issued (once).
LINK_LIFETIME = timedelta(minutes=5)

#: The audit trail's actor for a fetch: whoever held the link, who cannot be known.
LINK_HOLDER = "link holder"

#: Refused fetches of one link that are audited; later ones only add to its count, so a
#: client replaying a used link cannot fill the trail.
AUDITED_REFUSALS = 10

#: Bounds on what a client says about itself, as written to the trail.
AGENT_CHARS = 200
ADDRESS_CHARS = 45


class BadLink(ValueError):
    """The link is forged or damaged."""


class Outcome(StrEnum):
    """What a fetch of a genuine link got, as the audit trail records it."""

    SERVED = "served"
    USED = "already used"
    EXPIRED = "expired"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class LinkClaims:
    link_id: str
    aad_object_id: str
    teams_user_id: str
    kind: str  # "actions.csv", "actions.xlsx", "minutes.docx"
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Fetch:
    """Who fetched, as far as the request says: the connecting address (certain), the
    last address in X-Forwarded-For (added by a proxy in front, such as the Container
    Apps ingress; said by the client itself when there is none), and the user agent."""

    address: str
    forwarded_for: str
    user_agent: str

    @classmethod
    def of(cls, remote: str | None, forwarded: str | None, agent: str | None) -> Fetch:
        last = (forwarded or "").split(",")[-1].strip()
        return cls(_address(remote or ""), _address(last) if last else "", _printable(agent or ""))

    def detail(self, kind: str) -> str:
        parts = [f"kind={kind}", f"address={self.address}"]
        if self.forwarded_for:
            parts.append(f"forwarded={self.forwarded_for}")
        parts.append(f"agent={self.user_agent}")
        return "; ".join(parts)


def _address(text: str) -> str:
    """An IP address, without a port some proxies add (``203.0.113.9:51234``,
    ``[2001:db8::1]:443``), or a word saying it was not one (never the raw text)."""
    text = text.strip()
    candidates = [text]
    if text.startswith("[") and "]" in text:
        candidates.append(text[1 : text.index("]")])
    elif text.count(":") == 1:
        candidates.append(text.split(":", 1)[0])
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))[:ADDRESS_CHARS]
        except ValueError:
            continue
    return "not an address" if text else "unknown"


def _printable(text: str) -> str:
    cleaned = "".join(c if " " <= c <= "~" else "?" for c in text[:AGENT_CHARS])
    return cleaned or "none"


def load_link_key(data_dir: Path, configured: str = "") -> bytes:
    """``MACE_LINK_SECRET`` if set; otherwise a random key kept owner-only in the data
    folder, made on first use (so links survive a restart but not a new machine)."""
    if configured:
        return configured.encode()
    path = data_dir / "link.key"
    if path.exists():
        return path.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_urlsafe(48).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LinkSigner:
    """Signs and checks the URL's token: the record's id, who asked, and what for. Whether
    the link can still be used is the store's to say, not the token's."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the link key must be at least 16 bytes")
        self._key = key

    def sign(
        self,
        *,
        link_id: str,
        aad_object_id: str,
        teams_user_id: str,
        kind: str,
        params: dict[str, Any],
    ) -> str:
        body = json.dumps(
            {"i": link_id, "a": aad_object_id, "u": teams_user_id, "k": kind, "p": params},
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
        mac = hmac.new(self._key, body, hashlib.sha256).digest()
        return f"{_b64(body)}.{_b64(mac)}"

    def verify(self, token: str) -> LinkClaims:
        try:
            body_text, mac_text = token.split(".", 1)
            body, mac = _unb64(body_text), _unb64(mac_text)
        except (ValueError, TypeError) as exc:
            raise BadLink() from exc
        expected = hmac.new(self._key, body, hashlib.sha256).digest()
        if not hmac.compare_digest(mac, expected):
            raise BadLink()
        try:
            claims = json.loads(body)
            return LinkClaims(
                str(claims["i"]), claims["a"], claims["u"], claims["k"], dict(claims["p"])
            )
        except (ValueError, KeyError, TypeError) as exc:  # signed before links had ids
            raise BadLink() from exc


class DownloadLinks:
    """Issues links and settles each fetch against the store."""

    def __init__(self, store: Store, clock: Clock, signer: LinkSigner) -> None:
        self.store = store
        self.clock = clock
        self.signer = signer

    async def issue(self, actor: ActorRef, kind: str, params: dict[str, Any]) -> str:
        """Record a new link for ``actor`` and return its signed token. The record is
        committed before the token is handed out, so a link is never fetched unrecorded;
        its creation is audited as the person who asked."""
        now = self.clock.now()
        link_id = secrets.token_urlsafe(16)
        async with self.store.transaction(now=now) as session:
            audit.act_as(session, f"teams:{actor.teams_user_id}")
            session.add(
                t.DownloadLink(
                    id=link_id,
                    teams_user_id=actor.teams_user_id[:200],
                    kind=kind[:30],
                    issued_at=now,
                    expires_at=now + LINK_LIFETIME,
                    used_at=None,
                    refused_fetches=0,
                )
            )
        return self.signer.sign(
            link_id=link_id,
            aad_object_id=actor.aad_object_id or "",
            teams_user_id=actor.teams_user_id,
            kind=kind,
            params=params,
        )

    async def unusable(self, claims: LinkClaims) -> Outcome | None:
        """Why the link cannot be used now (used or expired), or None if it still can.
        Read before the file is built, so a spent link costs no work; ``claim`` decides."""
        async with self.store.reading() as session:
            row = (
                await session.execute(
                    select(t.DownloadLink.used_at, t.DownloadLink.expires_at).where(
                        t.DownloadLink.id == claims.link_id
                    )
                )
            ).first()
        if row is None or row.expires_at <= self.clock.now():
            return Outcome.EXPIRED
        return Outcome.USED if row.used_at is not None else None

    async def claim(self, claims: LinkClaims, fetch: Fetch) -> bool:
        """Mark the link used if it is unused and unexpired, in one UPDATE, and audit the
        fetch as served in the same transaction. False when another fetch (on this or any
        instance) got there first or the link has expired: nothing was marked."""
        now = self.clock.now()
        links = t.table_of(t.DownloadLink)
        async with self.store.transaction(now=now) as session:
            result = await session.execute(
                update(links)
                .where(
                    links.c.id == claims.link_id,
                    links.c.used_at.is_(None),
                    links.c.expires_at > now,
                )
                .values(used_at=now)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return False
            self._note(session, claims, Outcome.SERVED, fetch)
        return True

    async def refuse(self, claims: LinkClaims, outcome: Outcome, fetch: Fetch) -> None:
        """Count a fetch that got no file; audit it unless the link has had its share."""
        now = self.clock.now()
        links = t.table_of(t.DownloadLink)
        async with self.store.transaction(now=now) as session:
            await session.execute(
                update(links)
                .where(links.c.id == claims.link_id)
                .values(refused_fetches=links.c.refused_fetches + 1)
            )
            count = await session.scalar(
                select(links.c.refused_fetches).where(links.c.id == claims.link_id)
            )
            if count is None:
                log.info("download refused: a signed link with no record (%s)", outcome)
            elif count <= AUDITED_REFUSALS:
                self._note(session, claims, outcome, fetch)

    @staticmethod
    def _note(session: Any, claims: LinkClaims, outcome: Outcome, fetch: Fetch) -> None:
        audit.act_as(session, LINK_HOLDER)
        audit.note(
            session,
            "download",
            "download_links",
            claims.link_id,
            detail=fetch.detail(claims.kind),
            reason=outcome.value,
        )
