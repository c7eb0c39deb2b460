"""Fixtures shared by the services' tests."""

from __future__ import annotations

import pytest

from bot.store.db import Store


@pytest.fixture
def pg(demo_store: Store) -> Store:
    """The demo store, on PostgreSQL only: for tests that hold rows from another
    connection and watch where others wait (row locks, ``pg_locks``,
    ``pg_stat_activity``)."""
    if demo_store.engine.dialect.name != "postgresql":
        pytest.skip("row locks, pg_locks and pg_stat_activity are PostgreSQL's")
    return demo_store
