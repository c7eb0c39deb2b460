"""The benchmark's stores: four new PostgreSQL databases when PostgreSQL listens on
127.0.0.1:5432 (dropped at the end), else SQLite files in the run's folder. ``million``
is the ten-partnership store (bench/partnerships.py)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass
class Stores:
    engine: str
    big: str
    small: str
    chase: str
    cleanup: Callable[[], Any]
    million: str = ""


async def _postgres() -> Stores | None:
    try:
        import asyncpg
    except ImportError:
        return None
    try:
        admin = await asyncpg.connect(PG_ADMIN, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return None
    stem = f"mace_bench_{secrets.token_hex(4)}"
    names = [f"{stem}_big", f"{stem}_small", f"{stem}_chase", f"{stem}_1m"]
    try:
        for name in names:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()

    async def drop() -> None:
        conn = await asyncpg.connect(PG_ADMIN, timeout=5)
        try:
            for name in names:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    base = "postgresql+asyncpg://postgres@127.0.0.1:5432/"
    big, small, chase, million = (base + name for name in names)
    return Stores("PostgreSQL", big, small, chase, drop, million)


def _sqlite(folder: Path) -> Stores:
    async def nothing() -> None:
        return None

    return Stores(
        "SQLite",
        f"sqlite+aiosqlite:///{folder / 'big.db'}",
        f"sqlite+aiosqlite:///{folder / 'small.db'}",
        f"sqlite+aiosqlite:///{folder / 'chase.db'}",
        nothing,
        f"sqlite+aiosqlite:///{folder / 'million.db'}",
    )
