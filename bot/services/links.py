"""Short-lived signed download links for exports and minutes.

A link names who asked, what for, and until when, signed with a key kept outside the
database. The download route checks the signature and expiry and then asks the services
again whether that person may see it, so a link forwarded to someone else, replayed
after it expires, or used after the person's role was removed gives nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.domain.clock import Clock

LINK_LIFETIME = timedelta(minutes=10)


class BadLink(ValueError):
    """The link is forged, damaged or expired; the message says which, plainly."""


@dataclass(frozen=True, slots=True)
class LinkClaims:
    aad_object_id: str
    teams_user_id: str
    kind: str  # "actions.csv", "actions.xlsx", "minutes.docx"
    params: dict[str, Any]
    expires: datetime


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
    def __init__(self, key: bytes, clock: Clock) -> None:
        if len(key) < 16:
            raise ValueError("the link key must be at least 16 bytes")
        self._key = key
        self.clock = clock

    def sign(
        self, *, aad_object_id: str, teams_user_id: str, kind: str, params: dict[str, Any]
    ) -> str:
        expires = self.clock.now() + LINK_LIFETIME
        body = json.dumps(
            {
                "a": aad_object_id,
                "u": teams_user_id,
                "k": kind,
                "p": params,
                "e": int(expires.timestamp()),
            },
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
            raise BadLink("This link is not valid.") from exc
        expected = hmac.new(self._key, body, hashlib.sha256).digest()
        if not hmac.compare_digest(mac, expected):
            raise BadLink("This link is not valid.")
        claims = json.loads(body)
        expires = datetime.fromtimestamp(int(claims["e"]), tz=self.clock.now().tzinfo)
        if self.clock.now() >= expires:
            raise BadLink("This link has expired. Ask the bot for a new one.")
        return LinkClaims(claims["a"], claims["u"], claims["k"], dict(claims["p"]), expires)
