"""Agencies and names, loaded once for a card rather than joined into every query."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.views import AgencyView
from bot.store import tables as t


class AgencyRow(Protocol):
    """An agency as read: a mapped ``Agency``, or a row with its id, code and name."""

    @property
    def id(self) -> Any: ...
    @property
    def code(self) -> Any: ...
    @property
    def name(self) -> Any: ...


class Lookups:
    """Agencies and member names for one card, loaded once."""

    def __init__(self, agencies: Iterable[AgencyRow], key_codes: Sequence[str]) -> None:
        key_order = {code: i for i, code in enumerate(key_codes)}
        self.agencies: dict[int, AgencyView] = {
            a.id: AgencyView(a.id, a.code, a.name, a.code in key_order) for a in agencies
        }
        self.ordered = tuple(
            sorted(
                self.agencies.values(),
                key=lambda a: (key_order.get(a.code, len(key_order)), a.name),
            )
        )

    def agency(self, agency_id: int | None) -> AgencyView | None:
        return self.agencies.get(agency_id) if agency_id is not None else None

    def agency_name(self, agency_id: int | None) -> str:
        agency = self.agency(agency_id)
        return agency.name if agency else ""


_AGENCIES = t.table_of(t.Agency)
#: Built once: almost every card reads the agencies (columns only; nothing to map).
_AGENCY_ROWS = select(_AGENCIES.c.id, _AGENCIES.c.code, _AGENCIES.c.name).order_by(
    _AGENCIES.c.sort_order
)


async def load_lookups(session: AsyncSession, key_codes: Sequence[str]) -> Lookups:
    connection = await session.connection()
    return Lookups((await connection.execute(_AGENCY_ROWS)).all(), key_codes)


async def member_names(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(t.Member.id, t.Member.name).where(t.Member.id.in_(wanted)))
    return {row.id: row.name for row in rows}


async def locality_names(session: AsyncSession) -> dict[int, str]:
    """Every locality group's name by id (there are tens, not thousands)."""
    return {
        row.id: row.name for row in await session.execute(select(t.Locality.id, t.Locality.name))
    }
