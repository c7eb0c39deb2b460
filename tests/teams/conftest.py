"""Fixtures for the authentication tests: a throwaway CA, Bot Framework and Entra OpenID
fakes on loopback over TLS, signing keys, and the bot's own outbound token."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from botframework.connector.auth import MicrosoftAppCredentials

from tests.support.fake_graph import TlsFiles, make_tls
from tests.support.fake_openid import FakeOpenId, SigningKey
from tests.teams.auth_support import OUTBOUND_TOKEN, Keys


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls(tmp_path_factory.mktemp("openid-tls"))


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys(
        SigningKey.new("bf-key-1"),
        SigningKey.new("bf-key-skype", ("skype",)),
        SigningKey.new("entra-key-1", ()),
        SigningKey.new("bf-key-1"),
    )


@pytest.fixture
async def channel_openid(tls: TlsFiles, keys: Keys) -> AsyncIterator[FakeOpenId]:
    async with FakeOpenId(tls, [keys.channel, keys.skype_only]) as fake:
        yield fake


@pytest.fixture
async def entra_openid(tls: TlsFiles, keys: Keys) -> AsyncIterator[FakeOpenId]:
    async with FakeOpenId(tls, [keys.entra]) as fake:
        yield fake


@pytest.fixture
def outbound_token(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """The bot's own token for its replies, which Entra (outside the machine) would
    issue: each request for one is recorded."""
    asked: list[bool] = []

    def issue(self: MicrosoftAppCredentials, force_refresh: bool = False) -> str:
        asked.append(force_refresh)
        return OUTBOUND_TOKEN

    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", issue)
    return asked
