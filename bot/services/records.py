"""Reading the records a turn names, and reading back what a turn has saved.

Shared by the services that change things: a card's id is read at the boundary
(``bot.domain.card_fields.card_id``) and looked up here, and a change is shown only after
its transaction commits, so a failure in showing it must not be told as a failure to save.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.card_fields import card_id
from bot.domain.errors import SavedNotShown

_Row = TypeVar("_Row")

#: What a store that does not answer raises (the router answers these "try again").
STORE_FAILURES = (SQLAlchemyError, OSError, TimeoutError)


async def row_named(session: AsyncSession, model: type[_Row], value: object) -> _Row | None:
    """The row a card names by id, or None when the value is not an id the store can hold
    (see ``bot.domain.card_fields.card_id``)."""
    wanted = card_id(value)
    return await session.get(model, wanted) if wanted is not None else None


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
