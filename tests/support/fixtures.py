"""Shared pytest fixtures for tests that talk to a fake Bot Connector.

There is deliberately no `tests/conftest.py` yet. To use these, import the fixture
function into the test module (the import registers it with pytest under its `name`):

    from ..support.fixtures import fake_connector_fixture  # noqa: F401
    # or, from a module inside tests/support:  from .fixtures import ...

    async def test_echo(fake_connector: FakeConnector) -> None: ...

The function is named differently from the fixture so that the test's parameter does not
shadow the import (which ruff would flag as F811). Once a root `tests/conftest.py` exists,
`pytest_plugins = ["<package>.support.fixtures"]` there makes them available everywhere.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .fake_connector import FakeConnector


@pytest.fixture(name="fake_connector")
async def fake_connector_fixture() -> AsyncIterator[FakeConnector]:
    """A started FakeConnector per test, stopped afterwards, so no state leaks."""
    async with FakeConnector() as fake:
        yield fake
