"""Agencies and names, loaded once for a card rather than joined into every query."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.views import AgencyView
from bot.store import tables as t


class Lookups:
    """Agencies and member names for one card, loaded once."""

    def __init__(self, agencies: Sequence[t.Agency], key_codes: Sequence[str]) -> None:
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


async def load_lookups(session: AsyncSession, key_codes: Sequence[str]) -> Lookups:
    agencies = (await session.scalars(select(t.Agency).order_by(t.Agency.sort_order))).all()
    return Lookups(agencies, key_codes)


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
