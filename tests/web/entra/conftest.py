"""Fixtures for signing in with Entra ID: a throwaway CA, a fake Entra on loopback over
TLS, and the bot running with authentication on and pointed at it."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.config import Settings
from bot.domain.clock import FrozenClock
from bot.store.db import Store
from tests.e2e.harness import DEMO, BotUnderTest, running_bot
from tests.support.fake_entra import FakeEntra, Person
from tests.support.fake_graph import TlsFiles, make_tls
from tests.web.client import WebClient

APP_ID = "11111111-2222-4333-8444-555555555555"
APP_PASSWORD = "not-a-real-secret-test-only"
TENANT = "7d1a2c3e-0000-4000-8000-00000000a001"
OTHER_TENANT = "7d1a2c3e-0000-4000-8000-00000000b002"
PUBLIC = "https://mace.example.test"
#: What Teams' getAuthToken gives a tab of this app (the Application ID URI).
AUDIENCE = f"api://mace.example.test/{APP_ID}"
ALEX = Person(TENANT, DEMO["chair"].aad_object_id)
NESTOR = Person(TENANT, DEMO["stranger"].aad_object_id)  # signed in, but no member


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls(tmp_path_factory.mktemp("entra-tls"))


@pytest.fixture
async def entra(tls: TlsFiles) -> AsyncIterator[FakeEntra]:
    async with FakeEntra(tls, APP_ID, APP_PASSWORD) as fake:
        yield fake


def entra_settings(entra: FakeEntra, tls: TlsFiles, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "APP_ID": APP_ID,
        "APP_PASSWORD": APP_PASSWORD,
        "APP_TENANTID": TENANT,
        "public_base_url": PUBLIC,
        "authority_base_url": entra.url,
        "openid_ca_file": str(tls.ca),
        "graph_off": True,
    }
    values.update(changes)
    return Settings(**values)


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
