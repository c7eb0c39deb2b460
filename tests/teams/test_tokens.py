"""The signing-key cache (bot.teams.tokens.SigningKeys) against the fake OpenID metadata
on loopback over TLS, with its clock moved by the test: keys are fetched once and
cached for a day, an unknown key id makes them be fetched again at most every five
minutes, concurrent requests share one fetch, and keys that cannot be had are
``KeysUnavailable`` rather than an exception of the HTTP client's."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.teams import tokens
from bot.teams.tokens import KeysUnavailable, SigningKeys, TokenValidator
from tests.support.fake_graph import TlsFiles
from tests.support.fake_openid import BlackHole, FakeOpenId, SigningKey
from tests.teams.auth_support import APP_ID, Keys


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def now() -> Clock:
    return Clock()


@pytest.fixture
async def validator(
    tls: TlsFiles, channel_openid: FakeOpenId, now: Clock
) -> AsyncIterator[TokenValidator]:
    checker = TokenValidator(
        APP_ID,
        channel_metadata_url=channel_openid.metadata_url,
        entra_metadata_url=channel_openid.metadata_url,
        ca_file=str(tls.ca),
        total_timeout=1.0,
        now=now,
    )
    yield checker
    await checker.close()


async def test_keys_are_fetched_once_and_refreshed_for_an_unknown_kid_at_most_every_five_minutes(
    validator: TokenValidator, channel_openid: FakeOpenId, keys: Keys, now: Clock
) -> None:
    cache = validator.channel_keys
    assert await cache.get(keys.channel.kid) is not None
    assert await cache.get(keys.channel.kid) is not None
    assert channel_openid.fetches() == 1
    assert await cache.get("made-up") is None
    now.now += tokens.UNKNOWN_KEY_REFRESH - 1
    assert await cache.get("made-up") is None
    assert channel_openid.fetches() == 1, "no fetch for an unknown kid within five minutes"
    rotated = SigningKey.new("bf-key-2")
    channel_openid.keys.append(rotated)
    now.now += 2
    found = await cache.get(rotated.kid)
    assert found is not None and found.endorsements == {"msteams"}
    assert channel_openid.fetches() == 2, "a new key is picked up after five minutes"
    for _ in range(20):
        assert await cache.get("made-up-too") is None
    assert channel_openid.fetches() == 2
    now.now += tokens.KEYS_TTL
    assert await cache.get(keys.channel.kid) is not None, "answered from the cache at once"
    await cache.settled()
    assert channel_openid.fetches() == 3, "refreshed in the background after a day"
    assert await cache.get(keys.channel.kid) is not None
    assert channel_openid.fetches() == 3


async def test_concurrent_requests_share_one_fetch_and_a_leaving_one_does_not_cancel_it(
    validator: TokenValidator, channel_openid: FakeOpenId, keys: Keys
) -> None:
    cache = validator.channel_keys
    leaving = asyncio.create_task(cache.get(keys.channel.kid))
    staying = [asyncio.create_task(cache.get(keys.channel.kid)) for _ in range(10)]
    await asyncio.sleep(0)  # every request is waiting on the fetch now
    leaving.cancel()
    found = await asyncio.gather(*staying)
    assert all(key is not None for key in found)
    assert channel_openid.fetches() == 1


@pytest.mark.parametrize("fault", ["500", "not json", "http jwks", "no keys"])
async def test_metadata_that_answers_wrongly_is_keys_unavailable(
    validator: TokenValidator, channel_openid: FakeOpenId, keys: Keys, now: Clock, fault: str
) -> None:
    channel_openid.fault = fault
    with pytest.raises(KeysUnavailable) as first:
        await validator.channel_keys.get(keys.channel.kid)
    assert first.value.retry_after == tokens.FAILED_FETCH_PAUSE
    asked = len(channel_openid.paths)
    now.now += 4
    with pytest.raises(KeysUnavailable) as second:
        await validator.channel_keys.get(keys.channel.kid)
    assert second.value.retry_after == pytest.approx(tokens.FAILED_FETCH_PAUSE - 4)
    assert len(channel_openid.paths) == asked, "no new fetch during the pause"
    channel_openid.fault = None
    now.now += tokens.FAILED_FETCH_PAUSE
    assert await validator.channel_keys.get(keys.channel.kid) is not None


async def test_cached_keys_outlive_metadata_that_went_away(
    validator: TokenValidator, channel_openid: FakeOpenId, keys: Keys, now: Clock
) -> None:
    """Past their day, keys that cannot be refreshed are still used (with a warning)
    rather than refusing every real turn while the metadata is down."""
    cache = validator.channel_keys
    assert await cache.get(keys.channel.kid) is not None
    await channel_openid.stop()
    now.now += tokens.KEYS_TTL + 1
    assert await cache.get(keys.channel.kid) is not None
    await cache.settled()  # the refresh failed
    assert await cache.get(keys.channel.kid) is not None
    assert await cache.get("made-up") is None


async def test_a_known_key_answers_at_once_while_a_refresh_hangs(
    tls: TlsFiles, channel_openid: FakeOpenId, keys: Keys, now: Clock
) -> None:
    """Past their day, the keys are refreshed from metadata that now never answers: a
    known key still answers at once; an unknown one waits (bounded by the timeout)."""
    async with BlackHole() as hole:
        checker = TokenValidator(
            APP_ID,
            channel_metadata_url=channel_openid.metadata_url,
            ca_file=str(tls.ca),
            total_timeout=2.0,
            now=now,
        )
        cache = checker.channel_keys
        assert await cache.get(keys.channel.kid) is not None
        cache.metadata_url = hole.url
        now.now += tokens.KEYS_TTL + 1
        loop = asyncio.get_running_loop()
        started = loop.time()
        assert await cache.get(keys.channel.kid) is not None
        await asyncio.wait_for(hole.accepted.wait(), 5)
        assert await cache.get(keys.channel.kid) is not None
        assert loop.time() - started < 1.0
        assert await cache.get("made-up") is None, "one attempt at a time, then a pause"
        await cache.settled()
        assert hole.connections == 1
        await checker.close()


async def test_a_fetch_that_never_answers_gives_up_within_the_total_timeout(
    tls: TlsFiles, keys: Keys
) -> None:
    async with BlackHole() as hole:
        checker = TokenValidator(
            APP_ID, channel_metadata_url=hole.url, ca_file=str(tls.ca), total_timeout=0.5
        )
        cache: SigningKeys = checker.channel_keys
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(KeysUnavailable):
            await cache.get(keys.channel.kid)
        assert 0.4 < loop.time() - started < 2.0
        assert hole.connections == 1
        await checker.close()
