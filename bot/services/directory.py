"""Services on the organisation's directory (``bot.graph.directory.Directory``).

- ``resolve_owner``: the one person a typed name or email means, or None.
- ``AppInstaller``: installs the bot for a member it has no way to reach yet, so that
  chasing can reach them (the outbox calls it for a recipient with no contact; Teams then
  tells the bot about the new personal chat, which ``ContactService`` keeps).

Graph failures never stop the caller: they are logged by status and code and answered
"not found" / "not installed". Logs never carry what was typed.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select

from bot.graph.directory import Directory, DirectoryUser, GraphError
from bot.store import tables as t
from bot.store.db import Store

log = logging.getLogger(__name__)


async def resolve_owner(directory: Directory, text: str) -> DirectoryUser | None:
    """The directory user ``text`` names, when exactly one does.

    An email (it has an @) must equal the user's mail or user principal name. A name
    matches a display name exactly (ignoring case and spacing) or, failing that, is the
    start of exactly one user's display, given or family name. Nobody, or more than one
    person: None (the caller asks for an email instead)."""
    query = " ".join(str(text or "").split())
    if not query or not directory.enabled:
        return None
    try:
        found = await directory.find_users(query, limit=5)
    except GraphError as exc:
        log.warning("owner lookup failed: HTTP %d %s", exc.status, exc.code)
        return None
    if "@" in query:
        candidates = [user for user in found if user.has_email(query)]
    else:
        wanted = query.casefold()
        candidates = [
            user for user in found if " ".join(user.display_name.split()).casefold() == wanted
        ] or found
    return candidates[0] if len(candidates) == 1 else None


class AppInstaller:
    """``await installer(member_id)``: True when the app is installed (now or already)
    in the member's personal scope, so a contact should follow shortly; False when that
    cannot be done (no directory or app id, no Entra id, Graph refused or was too slow).

    Each member is installed for at most once per process: a second call answers True
    at once (the outbox keeps retrying until the contact arrives or it gives up)."""

    def __init__(
        self, store: Store, directory: Directory, manifest_id: str, *, timeout: float = 20.0
    ) -> None:
        self.store = store
        self.directory = directory
        self.manifest_id = manifest_id
        self.timeout = timeout
        self._installed: set[int] = set()

    @property
    def enabled(self) -> bool:
        return self.directory.enabled and bool(self.manifest_id)

    async def __call__(self, member_id: int) -> bool:
        if not self.enabled:
            return False
        if member_id in self._installed:
            return True
        async with self.store.reading() as session:
            aad = await session.scalar(
                select(t.Member.aad_object_id).where(
                    t.Member.id == member_id, t.Member.active.is_(True)
                )
            )
        if not aad:
            log.info("install for member %d: no Entra object id", member_id)
            return False
        try:
            async with asyncio.timeout(self.timeout):
                app_id = await self.directory.catalog_app_id(self.manifest_id)
                new = await self.directory.install_for_user(aad, app_id)
        except GraphError as exc:
            log.warning("install for member %d failed: HTTP %d %s", member_id, exc.status, exc.code)
            return False
        except TimeoutError:
            log.warning("install for member %d: Graph did not answer in time", member_id)
            return False
        self._installed.add(member_id)
        log.info("app %s for member %d", "installed" if new else "was already installed", member_id)
        return True
