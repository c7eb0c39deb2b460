"""What the bot asks of the organisation's directory (Microsoft Graph), as an interface.

The services depend on ``Directory`` alone; ``bot.graph.client.MsalGraphClient`` is the
real one (Graph through msal, application permissions) and ``NullDirectory`` stands in
when Graph is not configured (local use, the demo, tests that do not care). Nothing here
imports aiohttp or msal, so the services stay free of HTTP.

Looking people up uses ``$filter`` (a default query on ``/users``), not ``$search``:
``$search`` needs ``ConsistencyLevel: eventual`` and reads an index that lags behind
the directory, so someone added this morning might not be found. ``$filter`` matches a
display name, given name or surname by prefix, or an email exactly (``mail`` or
``userPrincipalName``), case-insensitively, and sees new accounts at once. What it cannot
do is match a word in the middle of a display name ("Shah" finds "Shah, Priya" but not
"Priya Shah", unless Shah is the surname on the account).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class DirectoryUser:
    """A person in the directory: ``id`` is their Entra object id."""

    id: str
    display_name: str
    mail: str | None = None
    user_principal_name: str | None = None

    def has_email(self, email: str) -> bool:
        wanted = email.strip().lower()
        return any(
            value is not None and value.lower() == wanted
            for value in (self.mail, self.user_principal_name)
        )


@dataclass(frozen=True, slots=True)
class DirectoryMember:
    """One member of a team or chat. ``user_id`` is the Entra object id (None for a
    member Graph does not name, such as an anonymous meeting guest)."""

    user_id: str | None
    display_name: str = ""
    email: str | None = None
    roles: tuple[str, ...] = ()
    tenant_id: str | None = None


class GraphError(Exception):
    """A Graph call that did not succeed. ``status`` is the HTTP status (0: no answer at
    all, or Graph is not configured); ``code`` is Graph's error code, never its message
    (which can quote what was asked for)."""

    def __init__(self, status: int, code: str = "", operation: str = "") -> None:
        self.status = status
        self.code = code or (f"HTTP{status}" if status else "NoResponse")
        self.operation = operation
        where = f"graph {operation}: " if operation else "graph: "
        super().__init__(f"{where}{status} {self.code}")


class GraphThrottled(GraphError):
    """Graph kept answering 429/503 (or nothing) after the retries this client allows."""


class GraphNotConfigured(GraphError):
    def __init__(self, operation: str = "") -> None:
        super().__init__(0, "NotConfigured", operation)


class Directory(Protocol):
    """The directory as the rest of the bot sees it."""

    @property
    def enabled(self) -> bool:
        """False for ``NullDirectory``: callers skip work that needs real answers."""
        ...

    async def find_users(self, query: str, *, limit: int = 10) -> list[DirectoryUser]:
        """Users whose display name, given name or surname starts with ``query``, or (when
        it holds an @) whose email or user principal name is ``query``; at most ``limit``."""
        ...

    def team_members(self, team_id: str) -> AsyncIterator[DirectoryMember]:
        """Every member of a team (``team_id``: the team's Microsoft 365 group id),
        across all pages."""
        ...

    def chat_members(self, chat_id: str) -> AsyncIterator[DirectoryMember]:
        """Every member of a group or meeting chat (its Teams conversation id)."""
        ...

    async def catalog_app_id(self, manifest_id: str) -> str:
        """The id the organisation's app catalog gives the app whose manifest id is
        ``manifest_id`` (the same id for an app from the Teams store)."""
        ...

    async def install_for_user(self, user_id: str, teams_app_id: str) -> bool:
        """Install the app (catalog id) in a user's personal scope. True when installed
        now, False when it was already installed; ``GraphError`` otherwise."""
        ...

    async def close(self) -> None: ...


class NullDirectory:
    """No directory: finds no one, lists no members, installs nothing."""

    enabled = False

    async def find_users(self, query: str, *, limit: int = 10) -> list[DirectoryUser]:
        return []

    async def team_members(self, team_id: str) -> AsyncIterator[DirectoryMember]:
        return
        yield  # an empty async generator

    async def chat_members(self, chat_id: str) -> AsyncIterator[DirectoryMember]:
        return
        yield

    async def catalog_app_id(self, manifest_id: str) -> str:
        return manifest_id

    async def install_for_user(self, user_id: str, teams_app_id: str) -> bool:
        raise GraphNotConfigured("install")

    async def close(self) -> None:
        return None
