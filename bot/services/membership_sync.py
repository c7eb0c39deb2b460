"""Keeps each locality group's membership in step with its Teams team or chat, carefully.

For every locality with linked conversations (``linked_conversations``), the members of
each conversation are read from the directory (Graph): a group or meeting chat by its
conversation id, a channel through its team's Microsoft 365 group id (``team_ids``;
a channel's conversation id does not lead to its team in Graph). Then:

- **Added:** a member of the bot (active, matched by Entra object id, never by name or
  email) who is in the team or chat but holds no role in that locality is given the
  ``partner`` role there. Nothing else is ever granted, and nobody new is created.
- **Reported, never removed:** people holding a role in the locality whose Entra object
  id is in none of its conversations. Whether they have left is the coordinator's call.
  This is judged only when every conversation of the locality was read in full; one
  that could not be read (no team id, a Graph error) leaves the locality "incomplete".
- **Counted only:** people in a conversation who are not members of the bot, and role
  holders with no Entra object id (they cannot be matched either way).

Changes go through the store in one transaction per locality, audited as
``graph-sync``. With no directory configured (``NullDirectory``) the sync does nothing:
an empty directory must never read as "everyone has left". Logs carry counts only.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select

from bot.domain.clock import Clock
from bot.domain.model import ConversationKind, Role
from bot.graph.directory import Directory, DirectoryMember, GraphError
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store

log = logging.getLogger(__name__)

ACTOR = "graph-sync"
#: Ids per ``IN (...)`` when matching thousands of team members against the store.
CHUNK = 500


@dataclass(frozen=True, slots=True)
class LocalitySync:
    locality_code: str
    locality_name: str
    #: Conversations read in full / linked.
    conversations_read: int
    conversations: int
    #: Distinct people (by Entra object id) across the conversations read.
    people: int
    #: Names of members given the partner role here.
    added: tuple[str, ...] = ()
    #: Names of role holders here found in none of its conversations (empty when
    #: ``complete`` is False: nothing is judged on a partial read).
    not_in_conversations: tuple[str, ...] = ()
    #: People in the conversations who are not members of the bot.
    unknown: int = 0
    #: Role holders here without an Entra object id, who cannot be matched.
    unmatched: int = 0
    #: Why a conversation was not read, one line each (kind and reason, no ids).
    skipped: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return self.conversations_read == self.conversations and self.people > 0


@dataclass(slots=True)
class SyncReport:
    enabled: bool = True
    localities: list[LocalitySync] = field(default_factory=list)

    @property
    def added(self) -> int:
        return sum(len(x.added) for x in self.localities)

    @property
    def not_in_conversations(self) -> int:
        return sum(len(x.not_in_conversations) for x in self.localities)

    def lines(self) -> list[str]:
        """For the operator (``mace-bot members sync``): names, never emails or ids."""
        if not self.enabled:
            return ["Graph is not configured: nothing was synchronised."]
        if not self.localities:
            return ["No conversation is linked to a locality group: nothing to synchronise."]
        out: list[str] = []
        for x in self.localities:
            out.append(
                f"{x.locality_name}: {x.people} people in {x.conversations_read} of "
                f"{x.conversations} linked conversation(s)."
            )
            out += [f"  not read: {reason}" for reason in x.skipped]
            out += [f"  added as partner: {name}" for name in x.added]
            if x.complete:
                out += [
                    f"  in none of its conversations: {name}" for name in x.not_in_conversations
                ]
            else:
                out.append("  incomplete: who has left is not judged.")
            if x.unknown:
                out.append(f"  {x.unknown} people there are not members of the bot.")
            if x.unmatched:
                out.append(f"  {x.unmatched} role holder(s) have no Entra object id.")
        return out


@dataclass(frozen=True, slots=True)
class _Link:
    conversation_id: str
    kind: str
    locality_id: int
    team_group_id: str | None = None


class MembershipSync:
    def __init__(
        self,
        store: Store,
        directory: Directory,
        clock: Clock,
        *,
        team_ids: Mapping[str, str] | None = None,
    ) -> None:
        self.store = store
        self.directory = directory
        self.clock = clock
        #: Channel conversation id -> the team's group id.
        self.team_ids = dict(team_ids or {})

    async def run(self) -> SyncReport:
        if not self.directory.enabled:
            log.info("membership sync: no directory configured; nothing done")
            return SyncReport(enabled=False)
        async with self.store.reading() as session:
            links = [
                _Link(row.conversation_id, row.kind, row.locality_id, row.team_group_id)
                for row in (
                    await session.execute(
                        select(
                            t.LinkedConversation.conversation_id,
                            t.LinkedConversation.kind,
                            t.LinkedConversation.locality_id,
                            t.LinkedConversation.team_group_id,
                        ).order_by(t.LinkedConversation.id)
                    )
                ).all()
            ]
        by_locality: dict[int, list[_Link]] = defaultdict(list)
        for link in links:
            by_locality[link.locality_id].append(link)
        report = SyncReport()
        for locality_id, its_links in sorted(by_locality.items()):
            report.localities.append(await self._locality(locality_id, its_links))
        log.info(
            "membership sync: %d localities, %d partner roles added, %d people reported",
            len(report.localities),
            report.added,
            report.not_in_conversations,
        )
        return report

    # -- one locality ----------------------------------------------------------------------

    async def _locality(self, locality_id: int, links: list[_Link]) -> LocalitySync:
        people: set[str] = set()
        skipped: list[str] = []
        read = 0
        for link in links:
            members = self._members_of(link)
            if members is None:
                skipped.append(f"{link.kind}: its team's group id is not known (GRAPH_TEAM_IDS)")
                continue
            found: set[str] = set()
            try:
                async for person in members:
                    if person.user_id:
                        found.add(person.user_id.lower())
            except GraphError as exc:
                log.warning(
                    "membership sync: a %s could not be read: HTTP %d %s",
                    link.kind,
                    exc.status,
                    exc.code,
                )
                skipped.append(f"{link.kind}: Graph answered {exc.status} {exc.code}")
                continue
            people |= found
            read += 1
        complete = read == len(links) and bool(people)
        async with self.store.transaction(now=self.clock.now()) as session:
            audit.act_as(session, ACTOR, locality_id)
            locality = await session.get_one(t.Locality, locality_id)
            known: dict[str, t.Member] = {}
            ids = sorted(people)
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                for member in await session.scalars(
                    select(t.Member).where(
                        func.lower(t.Member.aad_object_id).in_(chunk), t.Member.active.is_(True)
                    )
                ):
                    assert member.aad_object_id is not None
                    known[member.aad_object_id.lower()] = member
            holders = (
                await session.execute(
                    select(t.Member.id, t.Member.name, t.Member.aad_object_id)
                    .join(t.Membership, t.Membership.member_id == t.Member.id)
                    .where(t.Membership.locality_id == locality_id, t.Member.active.is_(True))
                    .distinct()
                )
            ).all()
            holding = {row.id for row in holders}
            added = []
            for member in sorted(known.values(), key=lambda m: (m.name.lower(), m.id)):
                if member.id not in holding:
                    session.add(
                        t.Membership(
                            member_id=member.id, locality_id=locality_id, role=Role.PARTNER.value
                        )
                    )
                    added.append(member.name)
            await session.flush()
            absent = (
                sorted(
                    (
                        row.name
                        for row in holders
                        if row.aad_object_id and row.aad_object_id.lower() not in people
                    ),
                    key=str.lower,
                )
                if complete
                else []
            )
            return LocalitySync(
                locality_code=locality.code,
                locality_name=locality.name,
                conversations_read=read,
                conversations=len(links),
                people=len(people),
                added=tuple(added),
                not_in_conversations=tuple(absent),
                unknown=len(people) - len(known),
                unmatched=sum(1 for row in holders if not row.aad_object_id),
                skipped=tuple(skipped),
            )

    def _members_of(self, link: _Link) -> AsyncIterator[DirectoryMember] | None:
        if link.kind == ConversationKind.CHANNEL:
            # Recorded when the channel was linked; GRAPH_TEAM_IDS for links made before.
            team_id = link.team_group_id or self.team_ids.get(link.conversation_id)
            return self.directory.team_members(team_id) if team_id else None
        return self.directory.chat_members(link.conversation_id)
