"""How long a signed-in page session lasts, and which pages a sign-in may return to.

Rules with no I/O, tested in milliseconds. A page session ends after ``idle`` without a
request, and after ``absolute`` whatever happens: a shared or unlocked computer in a
partner's office must not stay signed in to records about children, and a stolen cookie
is worth little for long. Eight hours covers a working day; thirty idle minutes the
reading of a long set of minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit


class SignInMethod(StrEnum):
    #: Teams tab single sign-on: an Entra ID token from the Teams JavaScript library.
    SSO = "sso"
    #: The authorisation-code flow with PKCE, in a browser outside Teams.
    CODE = "code"
    #: The local sign-in of ``make run`` (no APP_ID, loopback only): never in production.
    STAND_IN = "stand-in"


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=8)
    #: ``last_seen_at`` is written at most this often: a page's every request need not be
    #: a write, and idle expiry is not worth a minute's precision.
    touch_every: timedelta = timedelta(minutes=1)

    def is_current(self, created_at: datetime, last_seen_at: datetime, now: datetime) -> bool:
        """Within both limits. A clock that went backwards counts as current for the idle
        limit only (``now`` before ``last_seen_at``), never beyond the absolute one."""
        return now - last_seen_at < self.idle and now - created_at < self.absolute

    def needs_touch(self, last_seen_at: datetime, now: datetime) -> bool:
        return now - last_seen_at >= self.touch_every


#: The longest return path kept through a sign-in.
MAX_RETURN_TO = 400


def safe_return_to(value: str | None, default: str = "/my") -> str:
    """A page of this app to open after signing in, or ``default``.

    Only a path of this app: no scheme, no host, no ``//`` or backslash that a browser
    would take for another host, no control characters. Otherwise a link such as
    ``/signin?next=https://evil.example`` would send a partner, freshly signed in, to
    a page that looks like ours (an open redirect)."""
    if not value or len(value) > MAX_RETURN_TO:
        return default
    if any(ord(ch) < 0x20 or ch == "\\" for ch in value):
        return default
    if not value.startswith("/") or value.startswith("//"):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value
