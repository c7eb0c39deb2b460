"""Fixtures for signing in with Entra ID: a throwaway CA, a fake Entra on loopback over
TLS (both from tests/support/entra_site.py, shared with the browser tests), and the bot
running with authentication on and pointed at it."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.domain.clock import FrozenClock
from bot.store.db import Store
from tests.e2e.harness import DEMO, BotUnderTest, running_bot
from tests.support.entra_site import (  # noqa: F401  (the imports register the fixtures)
    TENANT,
    entra_fixture,
    entra_settings,
    tls_fixture,
)
from tests.support.fake_entra import FakeEntra, Person
from tests.support.fake_graph import TlsFiles
from tests.web.client import WebClient

ALEX = Person(TENANT, DEMO["chair"].aad_object_id)
NESTOR = Person(TENANT, DEMO["stranger"].aad_object_id)  # signed in, but no member


@pytest.fixture
async def site(
    demo_store: Store, clock: FrozenClock, entra: FakeEntra, tls: TlsFiles
) -> AsyncIterator[BotUnderTest]:
    async with running_bot(demo_store, clock, entra_settings(entra, tls)) as running:
        yield running


def client(site: BotUnderTest) -> WebClient:
    return WebClient(site.session, str(site.server.make_url("")).rstrip("/"))


@pytest.fixture
async def browser(tls: TlsFiles) -> AsyncIterator[aiohttp.ClientSession]:
    """What the person's browser uses to visit Entra (the fake, over TLS)."""
    context = ssl.create_default_context(cafile=str(tls.ca))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context)) as session:
        yield session
