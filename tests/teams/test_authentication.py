"""With APP_ID set, Bot Framework authentication is on: every request is checked against
signing keys fetched from (fake) OpenID metadata on loopback over TLS.

Every bad token is a 401 with a short reason, never a 5xx, and nothing is read, written
or sent; a valid token from the Bot Connector runs the turn through the real adapter;
keys that cannot be fetched are a 503 with Retry-After, and waiting for them never stalls
other requests.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from typing import Any

import pytest

from bot.config import Settings
from bot.domain.clock import FrozenClock
from bot.store.db import Store
from bot.teams import tokens
from tests.e2e.harness import BotUnderTest, running_bot
from tests.e2e.scenario import row_counts
from tests.support.activities import message
from tests.support.fake_graph import TlsFiles
from tests.support.fake_openid import BlackHole, FakeOpenId, channel_claims, mint
from tests.teams.auth_support import (
    APP_ID,
    APP_PASSWORD,
    APP_TENANTID,
    OUTBOUND_TOKEN,
    Keys,
    auth_settings,
    post,
)

BOT_FRAMEWORK_TENANT = "d6d49420-f39b-4df7-a1dc-d59a935871db"
OTHER_APP = "99999999-8888-7777-6666-555555555555"
RS256_HEADER = b'{"alg":"RS256","typ":"JWT","kid":"bf-key-1"}'


def bearer(token: str) -> str:
    return f"Bearer {token}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def entra_claims(issuer: str, **overrides: Any) -> dict[str, Any]:
    """A v2.0 Entra token the bot's own identity obtained for itself (the Emulator's)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": APP_ID,
        "azp": APP_ID,
        "ver": "2.0",
        "tid": BOT_FRAMEWORK_TENANT,
        "nbf": now - 60,
        "iat": now - 60,
        "exp": now + 3600,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def forged_headers(keys: Keys, service_url: str) -> dict[str, tuple[str | None, str]]:
    """Authorization headers no one should get past, by kind, with the reason given."""
    now = int(time.time())
    kid = keys.channel.kid

    def channel(
        key: Any = keys.channel.private, *, with_kid: str | None = kid, **claims: Any
    ) -> str:
        return bearer(mint(key, channel_claims(APP_ID, service_url, **claims), kid=with_kid))

    def entra(
        key: Any = keys.entra.private, *, with_kid: str = keys.entra.kid, **claims: Any
    ) -> str:
        v2 = f"https://login.microsoftonline.com/{BOT_FRAMEWORK_TENANT}/v2.0"
        return bearer(mint(key, entra_claims(claims.pop("iss", v2), **claims), kid=with_kid))

    good = channel_claims(APP_ID, service_url)
    basic = base64.b64encode(f"{APP_ID}:{APP_PASSWORD}".encode()).decode()
    other_tenant = "https://login.microsoftonline.com/11111111-1111-1111-1111-111111111111/v2.0"
    return {
        "no header": (None, "no bearer token"),
        "empty bearer": ("Bearer ", "no bearer token"),
        "garbage bearer": ("Bearer not-a-jwt", "malformed token"),
        "basic scheme": (f"Basic {basic}", "no bearer token"),
        "header not JSON": (
            bearer(f"{_b64(b'not json')}.{_b64(b'{}')}.{_b64(b'sig')}"),
            "malformed token",
        ),
        "claims not an object": (
            bearer(f"{_b64(RS256_HEADER)}.{_b64(b'[1,2]')}.{_b64(b's')}"),
            "malformed token",
        ),
        "unknown key, unknown kid": (
            channel(keys.stranger.private, with_kid="made-up-kid"),
            "unknown signing key",
        ),
        "unknown key, no kid": (channel(keys.stranger.private, with_kid=None), "no key id"),
        "unknown key claiming the known kid": (channel(keys.stranger.private), "bad signature"),
        "alg none": (
            bearer(mint(None, good, kid=kid, algorithm="none")),
            "signing algorithm not accepted",
        ),
        "HS256 keyed with the app password": (
            bearer(mint(APP_PASSWORD, good, kid=kid, algorithm="HS256")),
            "signing algorithm not accepted",
        ),
        "RS512": (
            bearer(mint(keys.channel.private, good, kid=kid, algorithm="RS512")),
            "signing algorithm not accepted",
        ),
        "expired": (channel(exp=now - 3600, nbf=now - 7200), "token expired"),
        "not yet valid": (channel(nbf=now + 3600, exp=now + 7200), "token not yet valid"),
        "no exp": (channel(exp=None), "a required claim is missing"),
        "no iss": (channel(iss=None), "no issuer"),
        "issuer not accepted": (
            channel(iss="https://api.botframework.example"),
            "issuer not accepted",
        ),
        "wrong audience": (channel(aud=OTHER_APP), "token not for this bot (audience)"),
        "audience list": (channel(aud=[APP_ID, OTHER_APP]), "token not for this bot (audience)"),
        "no audience": (channel(aud=None), "a required claim is missing"),
        "forged serviceUrl": (
            channel(serviceurl="https://attacker.example/teams/"),
            "serviceurl claim does not match the activity",
        ),
        "no serviceurl": (channel(serviceurl=None), "serviceurl claim does not match the activity"),
        "key endorsed for another channel only": (
            channel(keys.skype_only.private, with_kid=keys.skype_only.kid),
            "signing key not endorsed for the channel",
        ),
        "Entra token another app obtained": (
            entra(azp=OTHER_APP),
            "token not obtained by this bot",
        ),
        "Entra token of another tenant": (entra(iss=other_tenant), "issuer not accepted"),
        "Entra token without ver": (entra(ver=None), "token not obtained by this bot"),
        "Entra token signed by a channel key": (
            entra(keys.channel.private, with_kid=keys.channel.kid),
            "unknown signing key",
        ),
    }


async def test_every_forged_token_is_a_401_and_changes_nothing(
    demo_store: Store,
    clock: FrozenClock,
    tls: TlsFiles,
    keys: Keys,
    channel_openid: FakeOpenId,
    entra_openid: FakeOpenId,
    outbound_token: list[bool],
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = auth_settings(tls, channel_openid.metadata_url, entra_openid.metadata_url)
    async with running_bot(demo_store, clock, settings) as bot:
        before = await row_counts(demo_store)
        headers = forged_headers(keys, bot.connector.url)
        assert len(headers) >= 10
        for kind, (header, expected) in headers.items():
            caplog.clear()
            with caplog.at_level(logging.WARNING):
                status, body, answer_headers = await post(
                    bot, message("start meeting", conversation="channel"), header
                )
            reason = body.get("error", "") if isinstance(body, dict) else str(body)
            assert status == 401, f"{kind}: {status} {reason}"
            assert reason == f"not authenticated: {expected}", kind
            assert answer_headers.get("WWW-Authenticate") == "Bearer", kind
            refusals = [r for r in caplog.records if "activity refused" in r.getMessage()]
            assert [r.levelno for r in refusals] == [logging.WARNING], kind
            token = (header or "").partition(" ")[2]
            if token:
                assert token not in caplog.text, f"{kind}: the token reached the log"
        assert bot.connector.calls == [], "nothing was sent"
        assert await row_counts(demo_store) == before, "nothing was written"
        assert outbound_token == [], "the bot never asked for its own token"
        # Forged key ids do not make the bot fetch the keys again and again.
        assert channel_openid.fetches() == 1
        assert entra_openid.fetches() == 1


async def test_a_token_from_the_bot_connector_runs_the_turn(
    demo_store: Store,
    clock: FrozenClock,
    tls: TlsFiles,
    keys: Keys,
    channel_openid: FakeOpenId,
    entra_openid: FakeOpenId,
    outbound_token: list[bool],
) -> None:
    settings = auth_settings(tls, channel_openid.metadata_url, entra_openid.metadata_url)
    async with running_bot(demo_store, clock, settings) as bot:
        claims = channel_claims(APP_ID, bot.connector.url)
        token = mint(keys.channel.private, claims, kid=keys.channel.kid)
        status, _, _ = await post(bot, message("help"), bearer(token))
        assert status in (200, 201)
        assert "help" in bot.connector.texts()[-1].lower()
        [reply] = bot.connector.calls
        assert reply.headers["Authorization"] == f"Bearer {OUTBOUND_TOKEN}"
        # Clock skew: five minutes past expiry is still accepted, as by botbuilder.
        now = int(time.time())
        late = mint(keys.channel.private, {**claims, "exp": now - 200}, kid=keys.channel.kid)
        status, _, _ = await post(bot, message("help"), bearer(late))
        assert status in (200, 201)
        assert channel_openid.fetches() == 1, "the keys were fetched once and cached"


async def test_keys_that_arrive_in_delayed_pieces_are_read_whole(
    demo_store: Store,
    clock: FrozenClock,
    tls: TlsFiles,
    keys: Keys,
    channel_openid: FakeOpenId,
    entra_openid: FakeOpenId,
    outbound_token: list[bool],
) -> None:
    """Microsoft's metadata and key set are large enough to arrive over TLS in several
    parts: the metadata and the key set come chunked, in five writes with pauses between
    them, and a valid token still runs the turn (the whole body is read, not the first
    part that happened to be there)."""
    channel_openid.pieces = 5
    channel_openid.padding = 20_000  # tens of kB, as a key set with its certificates
    settings = auth_settings(tls, channel_openid.metadata_url, entra_openid.metadata_url)
    async with running_bot(demo_store, clock, settings) as bot:
        token = mint(
            keys.channel.private, channel_claims(APP_ID, bot.connector.url), kid=keys.channel.kid
        )
        status, body, _ = await post(bot, message("help"), bearer(token))
        assert status in (200, 201), body
        assert "help" in bot.connector.texts()[-1].lower()
        assert channel_openid.paths == [
            "/v1/.well-known/openidconfiguration",
            "/v1/.well-known/keys",
        ]


@pytest.mark.parametrize("pieces", [1, 5], ids=["with Content-Length", "chunked"])
async def test_a_key_set_over_the_size_cap_is_a_failed_fetch(
    demo_store: Store,
    clock: FrozenClock,
    tls: TlsFiles,
    keys: Keys,
    channel_openid: FakeOpenId,
    entra_openid: FakeOpenId,
    outbound_token: list[bool],
    caplog: pytest.LogCaptureFixture,
    pieces: int,
) -> None:
    """A key set larger than ``MAX_DOCUMENT_BYTES`` is refused whether its size is
    announced (refused before reading) or not (reading stops past the cap): with no
    keys cached that is a 503 with Retry-After, never a crash, and nothing is sent."""
    channel_openid.pieces = pieces
    channel_openid.padding = tokens.MAX_DOCUMENT_BYTES
    settings = auth_settings(tls, channel_openid.metadata_url, entra_openid.metadata_url)
    async with running_bot(demo_store, clock, settings) as bot:
        before = await row_counts(demo_store)
        token = mint(
            keys.channel.private, channel_claims(APP_ID, bot.connector.url), kid=keys.channel.kid
        )
        with caplog.at_level(logging.WARNING, logger="bot.teams.tokens"):
            status, body, headers = await post(bot, message("help"), bearer(token))
        assert status == 503, body
        assert int(headers["Retry-After"]) >= 1
        assert "the document is too large" in caplog.text
        assert bot.connector.calls == [] and outbound_token == []
        assert await row_counts(demo_store) == before


@pytest.mark.parametrize(
    "issuer",
    [
        f"https://login.microsoftonline.com/{APP_TENANTID}/v2.0",
        f"https://login.microsoftonline.com/{BOT_FRAMEWORK_TENANT}/v2.0",
    ],
    ids=["own tenant (single tenant)", "Bot Framework tenant (Emulator)"],
)
async def test_an_entra_token_the_bot_obtained_itself_is_accepted(
    demo_store: Store,
    clock: FrozenClock,
    tls: TlsFiles,
    keys: Keys,
    channel_openid: FakeOpenId,
    entra_openid: FakeOpenId,
    outbound_token: list[bool],
    issuer: str,
) -> None:
    settings = auth_settings(tls, channel_openid.metadata_url, entra_openid.metadata_url)
    async with running_bot(demo_store, clock, settings) as bot:
        token = mint(keys.entra.private, entra_claims(issuer), kid=keys.entra.kid)
        status, _, _ = await post(bot, message("help"), bearer(token))
        assert status in (200, 201)
        assert bot.connector.texts()


async def test_the_own_tenants_issuer_is_refused_for_a_multi_tenant_bot(
    demo_store: Store,
    clock: FrozenClock,
    tls: TlsFiles,
    keys: Keys,
    channel_openid: FakeOpenId,
    entra_openid: FakeOpenId,
) -> None:
    settings = auth_settings(
        tls, channel_openid.metadata_url, entra_openid.metadata_url, APP_TYPE="MultiTenant"
    )
    issuer = f"https://login.microsoftonline.com/{APP_TENANTID}/v2.0"
    async with running_bot(demo_store, clock, settings) as bot:
        token = mint(keys.entra.private, entra_claims(issuer), kid=keys.entra.kid)
        status, body, _ = await post(bot, message("help"), bearer(token))
        assert (status, body["error"]) == (401, "not authenticated: issuer not accepted")
        assert bot.connector.calls == []


async def test_with_the_metadata_unreachable_a_token_is_a_503_or_a_401(
    demo_store: Store,
    clock: FrozenClock,
    tls: TlsFiles,
    keys: Keys,
    outbound_token: list[bool],
) -> None:
    """Keys that cannot be had: a well-formed token cannot be checked (503, Retry-After);
    a malformed one is still a 401, at once; nothing is stored or sent either way."""
    closed = _closed_port_url()
    async with BlackHole() as hole:
        settings = auth_settings(tls, closed, hole.url, openid_timeout=1.0)
        async with running_bot(demo_store, clock, settings) as bot:
            before = await row_counts(demo_store)
            loop = asyncio.get_running_loop()
            channel = mint(
                keys.channel.private,
                channel_claims(APP_ID, bot.connector.url),
                kid=keys.channel.kid,
            )
            entra = mint(
                keys.entra.private,
                entra_claims(f"https://login.microsoftonline.com/{APP_TENANTID}/v2.0"),
                kid=keys.entra.kid,
            )
            for token in (channel, entra):
                started = loop.time()
                status, body, headers = await post(bot, message("help"), bearer(token))
                assert status == 503, body
                assert int(headers["Retry-After"]) >= 1
                assert loop.time() - started < 3.0, "bounded by the fetch timeouts"
                # Straight after a failed fetch, no new wait: 503 at once.
                started = loop.time()
                status, _, _ = await post(bot, message("help"), bearer(token))
                assert status == 503 and loop.time() - started < 0.5
            for header in ("Bearer not-a-jwt", None, bearer(mint(None, {}, algorithm="none"))):
                status, _, _ = await post(bot, message("help"), header)
                assert status == 401
            assert bot.connector.calls == [] and outbound_token == []
            assert await row_counts(demo_store) == before
            assert hole.connections == 1, "one fetch, shared, then a pause"


async def test_waiting_on_metadata_that_never_answers_stalls_nothing_else(
    demo_store: Store,
    clock: FrozenClock,
    tls: TlsFiles,
    keys: Keys,
    channel_openid: FakeOpenId,
    outbound_token: list[bool],
) -> None:
    """The Entra metadata sits behind a server that accepts and never answers. While
    forged tokens wait on it, /healthz and a valid turn keep answering in under a
    second; the forged requests share one fetch and end in a 503 within the timeout."""
    async with BlackHole() as hole:
        settings = auth_settings(tls, channel_openid.metadata_url, hole.url, openid_timeout=3.0)
        async with running_bot(demo_store, clock, settings) as bot:
            before_valid = await _valid_turn(bot, keys)
            assert before_valid < 1.0
            forged = mint(
                keys.stranger.private,
                entra_claims(f"https://login.microsoftonline.com/{BOT_FRAMEWORK_TENANT}/v2.0"),
                kid="made-up-kid",
            )
            waiting = [
                asyncio.create_task(post(bot, message("start meeting"), bearer(forged)))
                for _ in range(5)
            ]
            await asyncio.wait_for(hole.accepted.wait(), 5)
            loop = asyncio.get_running_loop()
            started = loop.time()
            async with bot.session.get(bot.server.make_url("/healthz")) as response:
                assert response.status == 200
            assert loop.time() - started < 1.0, "/healthz answered while the fetch hangs"
            assert await _valid_turn(bot, keys) < 1.0, "a valid turn ran while the fetch hangs"
            assert not any(task.done() for task in waiting), "the forged requests still wait"
            results = await asyncio.gather(*waiting)
            assert [status for status, _, _ in results] == [503] * 5
            assert hole.connections == 1, "the waiting requests shared one fetch"
            assert len(bot.connector.sent()) == 2, "only the two valid turns were answered"


async def _valid_turn(bot: BotUnderTest, keys: Keys) -> float:
    """Seconds a signed "help" took, end to end (asserting it was answered)."""
    loop = asyncio.get_running_loop()
    token = mint(
        keys.channel.private, channel_claims(APP_ID, bot.connector.url), kid=keys.channel.kid
    )
    sent = len(bot.connector.sent())
    started = loop.time()
    status, _, _ = await post(bot, message("help"), bearer(token))
    took = loop.time() - started
    assert status in (200, 201) and len(bot.connector.sent()) == sent + 1
    return took


def _closed_port_url() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"https://127.0.0.1:{port}/v1/.well-known/openidconfiguration"


async def test_an_unsigned_activity_is_refused_when_an_app_id_is_set(
    demo_store: Store, clock: FrozenClock
) -> None:
    settings = Settings(
        APP_ID="11111111-2222-3333-4444-555555555555",
        APP_PASSWORD="not-a-real-secret",
        APP_TENANTID="00000000-0000-0000-0000-0000000000001",
    )
    async with running_bot(demo_store, clock, settings) as bot:
        before = await row_counts(demo_store)
        status, _ = await bot.send(message("start meeting", conversation="channel"))
        assert status == 401
        assert bot.connector.calls == []
        assert await row_counts(demo_store) == before


async def test_without_an_app_id_local_activities_are_accepted(
    demo_store: Store, clock: FrozenClock
) -> None:
    async with running_bot(demo_store, clock) as bot:
        status, _ = await bot.send(message("help"))
        assert status in (200, 201)
        assert "help" in bot.connector.texts()[-1].lower()


def test_the_metadata_addresses_are_settings_and_must_be_https() -> None:
    settings = Settings.from_env({"BOT_OPENID_METADATA_URL": "https://keys.example/openid"})
    assert settings.bot_openid_metadata_url == "https://keys.example/openid"
    assert Settings.from_env({}).entra_openid_metadata_url.startswith(
        "https://login.microsoftonline.com/"
    )
    problems = Settings.from_env(
        {"ENTRA_OPENID_METADATA_URL": "http://keys.example/openid"}
    ).problems()
    assert "ENTRA_OPENID_METADATA_URL: not an https:// address" in problems
