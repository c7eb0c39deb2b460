from sqlalchemy import select

from bot.store import tables as t
from bot.store.db import Store


async def test_demo_data_loads(demo_store: Store) -> None:
    async with demo_store.reading() as s:
        names = list(await s.scalars(select(t.Locality.name).order_by(t.Locality.name)))
    assert names == sorted(
        ["Scarborough", "Ryedale", "Harrogate", "Craven", "Hambleton", "Richmondshire", "Selby"]
    )
