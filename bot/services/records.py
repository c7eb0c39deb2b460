"""Reading the records a turn names, and reading back what a turn has saved.

Shared by the services that change things: a card's id is read at the boundary
(``bot.domain.card_fields.card_id``) and looked up here, and a change is shown only after
its transaction commits, so a failure in showing it must not be told as a failure to save.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, inspect, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.card_fields import card_id
from bot.domain.errors import NotFound, SavedNotShown
from bot.services.context import Caller
from bot.store import audit
from bot.store import tables as t

_Row = TypeVar("_Row")

#: What a store that does not answer raises (the router answers these "try again").
STORE_FAILURES = (SQLAlchemyError, OSError, TimeoutError)


#: Each model's look-up by primary key, built once (``row_named``).
_BY_ID: dict[type[Any], Select[Any]] = {}


async def row_named(session: AsyncSession, model: type[_Row], value: object) -> _Row | None:
    """The row a card names by id, or None when the value is not an id the store can hold
    (see ``bot.domain.card_fields.card_id``).

    As ``session.get`` finds it, without flushing first and returning the session's own
    object for a row it holds already, but by a statement built once per model: ``get``
    builds its criteria afresh on every call. In a profile of the busiest minute (a
    meeting is looked up twice for every minute recorded) ``get`` took 7.4% of the bot's
    CPU, of which running the statement was 4.6%. The one difference: a row the session
    holds already is read again."""
    wanted = card_id(value)
    if wanted is None:
        return None
    statement = _BY_ID.get(model)
    if statement is None:
        (key,) = inspect(model).primary_key
        statement = _BY_ID[model] = (
            select(model).where(key == bindparam("row_id")).execution_options(autoflush=False)
        )
    found: _Row | None = await session.scalar(statement, {"row_id": wanted})
    return found


@asynccontextmanager
async def shown_after_saving(
    see: str = "agenda", message: str | None = None
) -> AsyncIterator[None]:
    """Around the read that shows a change already committed.

    The store can fail between the two (a hiccup, or the fail-fast period after a timeout,
    ``bot.store.db``): the router would then answer "nothing was saved, try again", and a
    second press, with a new activity id, would save the same thing twice. Say instead
    that it is saved and which command (``see``) shows it."""
    try:
        yield
    except STORE_FAILURES as exc:
        raise SavedNotShown(see, message) from exc


#: The records a card names that belong to one group (``row_here``).
_Grouped = TypeVar("_Grouped", t.Meeting, t.Challenge)


async def row_here(
    session: AsyncSession, model: type[_Grouped], value: object, caller: Caller, attempted: str
) -> _Grouped:
    """The row a card names (``row_named``), only if it is of the caller's group here;
    else "not found", audited as refused when it is another group's
    (``refused_unseen``)."""
    row = await row_named(session, model, value)
    if row is None:
        raise NotFound()
    if row.locality_id != caller.locality_id:
        refused_unseen(
            session, caller.member.id, model.__tablename__, row.id, row.locality_id, attempted
        )
        raise NotFound()
    return row


def refused_unseen(
    session: AsyncSession,
    member_id: int,
    record_type: str,
    record_id: int,
    locality_id: int | None,
    attempted: str,
) -> None:
    """Audit a request, by id, for a record of a group this member may not reach.

    The request is answered "not found", so nothing confirms the record exists elsewhere;
    the audit trail keeps it as refused, by table and id (never by content), under the
    record's own group, so that the group's audit shows who tried. Written when the
    refused work has rolled back (``Store._record_refusal``), like every refusal."""
    audit.act_as(session, f"member:{member_id}")
    audit.note(
        session,
        audit.AuditAction.REFUSED,
        record_type,
        record_id,
        locality_id=locality_id,
        detail=attempted,
    )
