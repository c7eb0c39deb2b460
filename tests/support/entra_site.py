"""Signing in with Entra ID against the fake (tests/support/fake_entra.py): the app's
registration as the tests know it, a throwaway CA, the fake on loopback over TLS, and the
bot's settings pointing at it. Shared by the pages' tests through the real endpoint
(tests/web/entra) and in a real browser (tests/browser/test_pages_signin.py), so both
sign in against the same registration.

The fixtures are registered where they are imported (``tls_fixture`` gives ``tls``,
``entra_fixture`` gives ``entra``), as in tests/support/fixtures.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.config import Settings
from tests.support.fake_entra import FakeEntra
from tests.support.fake_graph import TlsFiles, make_tls

APP_ID = "11111111-2222-4333-8444-555555555555"
APP_PASSWORD = "not-a-real-secret-test-only"
TENANT = "7d1a2c3e-0000-4000-8000-00000000a001"
OTHER_TENANT = "7d1a2c3e-0000-4000-8000-00000000b002"
PUBLIC = "https://mace.example.test"
#: What Teams' getAuthToken gives a tab of this app (the Application ID URI).
AUDIENCE = f"api://mace.example.test/{APP_ID}"


@pytest.fixture(scope="session", name="tls")
def tls_fixture(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls(tmp_path_factory.mktemp("entra-tls"))


@pytest.fixture(name="entra")
async def entra_fixture(tls: TlsFiles) -> AsyncIterator[FakeEntra]:
    async with FakeEntra(tls, APP_ID, APP_PASSWORD) as fake:
        yield fake


def entra_settings(entra: FakeEntra, tls: TlsFiles, **changes: Any) -> Settings:
    """The bot with authentication on, signing in at the fake (whose CA it trusts)."""
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
