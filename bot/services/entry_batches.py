"""Minutes and decisions recorded in one meeting at the same moment, written together.

Every addition to a meeting bumps the meeting's version (its card changes) and chains its
audit entry, so each held the meeting's row and then the audit chain's single head row
from its bump to its commit: while one minute committed, every other minute of the
meeting (and every write anywhere, for the chain) waited. Twenty people recording at once
queued on those two rows, a round trip or three on a busy event loop at a time, and the
bot sat idle while they waited (``bench.quick minute``: the machine 39-43% idle).

Here the minutes and decisions that arrive in a meeting while the previous batch is being
written are written in one transaction (``GroupCommit``): their activity ids claimed in
one statement, each entry inserted, the meeting's version bumped once (its row taken
last, as before), every entry's audit link chained (each with its own author and time),
one commit. Nothing is weaker than writing each alone:

- Each person's entry is checked before it is queued: their role in the meeting's
  locality, the meeting in progress, the text (``MeetingService.record_entry``). A
  refused entry never reaches a batch, so it cannot fail anyone else's.
- A resend of a turn (Teams resends one it waited for) is found by its claim, in the
  batch's transaction, and is answered "Already recorded." having written nothing.
- An entry whose item is not its meeting's writes nothing and gives back its claim.
- If the meeting ended meanwhile, or the write fails, the whole batch is rolled back and
  every turn in it is told so: that the meeting has ended, or that nothing was saved and
  to try again (``dialogs.router``). No one is told "recorded" for an entry that is not.
- Each turn is answered only after the batch's commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy import bindparam, delete

from bot.domain.errors import Conflict, Duplicate, NotFound
from bot.domain.model import MeetingStatus
from bot.services.meeting_records import BUMP_RETURNING_STATUS, MEETING_ENDED, insert_entry
from bot.store import audit
from bot.store import tables as t
from bot.store.claims import claim_keys
from bot.store.db import Store, note_committed_claim, stored_key
from bot.store.group_commit import GroupCommit

_ENTRIES = t.table_of(t.MinuteEntry)
_PROCESSED = t.table_of(t.ProcessedActivity)
#: Claims given back by entries that wrote nothing (their item not the meeting's).
_GIVE_BACK = delete(_PROCESSED).where(
    _PROCESSED.c.activity_id.in_(bindparam("keys", expanding=True))
)


@dataclass(frozen=True, slots=True)
class CheckedEntry:
    """A minute or decision its author may record, checked and ready to write."""

    #: The turn's key (``TurnRef.claim_key``), None for a turn without one.
    claim_key: str | None
    #: Who the audit names (``member:<id>``) and in which locality.
    actor: str
    locality_id: int
    #: The row (``meeting_records.entry_values``), which names its meeting.
    values: Mapping[str, object]

    @property
    def meeting_id(self) -> int:
        meeting_id = self.values["meeting_id"]
        assert isinstance(meeting_id, int)
        return meeting_id

    @property
    def at(self) -> datetime:
        at = self.values["created_at"]
        assert isinstance(at, datetime)
        return at


#: Per entry of a batch: None once written, else why it was not (and nothing of it was).
Written = Duplicate | NotFound | None


class EntryBatches:
    """The meetings' queues of checked entries (see the module's docstring): one batch at
    a time per meeting in this process; other instances' batches queue on the meeting's
    row as single writes did."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._meetings: dict[int, GroupCommit[CheckedEntry, Written]] = {}

    def queued(self, meeting_id: int) -> int:
        """Entries of the meeting waiting for its next batch."""
        batches = self._meetings.get(meeting_id)
        return 0 if batches is None else batches.queued

    async def write(self, entry: CheckedEntry) -> None:
        """Write ``entry`` with whatever else its meeting is being given at this moment;
        returns once it is committed. Raises ``Duplicate`` for a resent turn, ``NotFound``
        for an item not in the meeting, ``Conflict`` if the meeting has ended, or the
        store's error; in each case nothing of the entry is saved."""
        meeting_id = entry.meeting_id
        batches = self._meetings.get(meeting_id)
        if batches is None:
            batches = GroupCommit(partial(self._write, meeting_id))
            self._meetings[meeting_id] = batches
        try:
            refused = await batches.submit(entry)
        finally:
            if batches.idle and self._meetings.get(meeting_id) is batches:
                del self._meetings[meeting_id]
        if refused is not None:
            raise refused
        if entry.claim_key is not None:
            note_committed_claim(entry.claim_key)

    async def _write(self, meeting_id: int, batch: list[CheckedEntry]) -> list[Written]:
        async with self._store.transaction() as session:
            connection = await session.connection()
            keyed = [(stored_key(e.claim_key), e.at) for e in batch if e.claim_key is not None]
            first = iter(await claim_keys(connection, keyed) if keyed else [])
            written: list[Written] = []
            links: list[tuple[audit.Pending, str, datetime]] = []
            given_back: list[str] = []
            for entry in batch:
                if entry.claim_key is not None and not next(first):
                    written.append(Duplicate())
                    continue
                entry_id = await insert_entry(connection, entry.values)
                if entry_id is None:
                    written.append(NotFound())
                    if entry.claim_key is not None:
                        given_back.append(stored_key(entry.claim_key))
                    continue
                written.append(None)
                link = audit.Pending(
                    audit.AuditAction.CREATE, _ENTRIES.name, str(entry_id), entry.locality_id
                )
                links.append((link, entry.actor, entry.at))
            if given_back:
                await connection.execute(_GIVE_BACK, {"keys": given_back})
            if links:
                # The meeting's row, then the chain's, each held only until the commit.
                status = await connection.scalar(BUMP_RETURNING_STATUS, {"meeting_id": meeting_id})
                if status != MeetingStatus.IN_PROGRESS:
                    raise Conflict(MEETING_ENDED)
                await session.run_sync(audit.chain_in, links)
        return written
