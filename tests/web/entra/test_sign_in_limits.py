"""Sign-in attempts are limited per client address: beyond the rate, 429 with
Retry-After, whatever the route (single sign-on, the code flow, the stand-in). Behind
trusted proxies (MACE_TRUST_FORWARDED_FOR) the address is the right-most X-Forwarded-For
entry they did not write; without the setting the header is ignored."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.domain.clock import FrozenClock
from bot.store.db import Store
from bot.web.limits import SignInLimit, client_address
from tests.e2e.harness import BotUnderTest, running_bot
from tests.support.entra_site import AUDIENCE, entra_settings
from tests.support.fake_entra import FakeEntra
from tests.support.fake_graph import TlsFiles
from tests.web.client import site_client
from tests.web.entra.conftest import ALEX, client


async def test_beyond_the_rate_sign_in_answers_429_with_retry_after(
    demo_store: Store, clock: FrozenClock, entra: FakeEntra, tls: TlsFiles
) -> None:
    settings = entra_settings(entra, tls, web_sign_in_rate=3)
    async with running_bot(demo_store, clock, settings) as site:
        web = client(site)
        good = {"token": entra.token(ALEX, AUDIENCE)}
        assert (await web.post("/auth/sso", json={"token": "x"})).status == 401
        assert (await web.post("/auth/callback", data={"state": "x"})).status == 401
        assert (await web.post("/auth/sso", json=good)).status == 200
        refused = await web.post("/auth/sso", json=good)
        assert refused.status == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 20
        assert (await web.post("/signin/start", data={"next": "/my"})).status == 429
        # Pages are not sign-ins: the session opened above still reads them.
        assert (await web.get("/my")).status == 200


def test_a_bucket_refills_at_the_rate_and_holds_a_burst() -> None:
    now = [0.0]
    limit = SignInLimit(6, burst=2, now=lambda: now[0])
    assert [limit.wait("a"), limit.wait("a")] == [0.0, 0.0]
    assert limit.wait("a") == 10.0  # one attempt every ten seconds at six a minute
    assert limit.wait("b") == 0.0  # another address has its own bucket
    now[0] = 10.0
    assert limit.wait("a") == 0.0
    assert limit.wait("a") > 0
    now[0] = 1000.0
    assert [limit.wait("a"), limit.wait("a"), limit.wait("a") > 0] == [0.0, 0.0, True]


async def attempts(site: BotUnderTest, forwarded: list[str | None]) -> list[int]:
    """The status of a stand-in sign-in (no such member: refused, but counted) sent with
    each X-Forwarded-For value in turn (None: no header), all from this one peer."""
    web = site_client(site)
    statuses = []
    for header in forwarded:
        headers = {} if header is None else {"X-Forwarded-For": header}
        answer = await web.post("/signin/stand-in", data={"member": "0"}, headers=headers)
        statuses.append(answer.status)
    return statuses


async def test_without_the_setting_a_forged_forwarded_for_does_not_dodge_the_limit(
    demo_store: Store, clock: FrozenClock
) -> None:
    settings = Settings(web_stand_in=True, web_sign_in_rate=2)
    async with running_bot(demo_store, clock, settings) as site:
        forged = [None, "203.0.113.1", "203.0.113.2", "198.51.100.9, 203.0.113.3"]
        statuses = await attempts(site, forged)
    assert 429 not in statuses[:2]
    assert statuses[2:] == [429, 429]


async def test_behind_a_trusted_proxy_each_client_has_its_own_budget(
    demo_store: Store, clock: FrozenClock
) -> None:
    """As Azure's front end sends it: the client's address appended, right-most. What a
    client wrote in the header before it (left of that) changes nothing."""
    settings = Settings(web_stand_in=True, web_sign_in_rate=2, trust_forwarded_for=1)
    async with running_bot(demo_store, clock, settings) as site:
        first = await attempts(site, ["203.0.113.5", "203.0.113.5:51234", "203.0.113.5"])
        forged = await attempts(site, ["10.9.9.9, 203.0.113.5", "198.51.100.1,203.0.113.5"])
        other = await attempts(site, ["198.51.100.1, 203.0.113.6", "203.0.113.6"])
    assert 429 not in first[:2] and first[2] == 429
    assert forged == [429, 429]
    assert 429 not in other


@pytest.mark.parametrize(
    ("peer", "forwarded", "hops", "counted"),
    [
        ("10.0.0.4", ["203.0.113.5"], 0, "10.0.0.4"),  # off: the header is not read
        (None, [], 0, "unknown"),
        ("10.0.0.4", ["203.0.113.5"], 1, "203.0.113.5"),
        ("10.0.0.4", ["1.2.3.4, 203.0.113.5"], 1, "203.0.113.5"),
        ("10.0.0.4", ["1.2.3.4", "203.0.113.5"], 1, "203.0.113.5"),  # two headers, in order
        ("10.0.0.4", ["203.0.113.5:51234"], 1, "203.0.113.5"),  # App Service adds a port
        ("10.0.0.4", ["[2001:db8::5]:443"], 1, "2001:db8::5"),
        ("10.0.0.4", ["2001:DB8:0::5"], 1, "2001:db8::5"),  # one spelling of an address
        ("10.0.0.4", ["1.2.3.4, 203.0.113.5, 10.1.1.1"], 2, "203.0.113.5"),
        ("10.0.0.4", ["203.0.113.5"], 2, "10.0.0.4"),  # fewer entries than proxies
        ("10.0.0.4", [], 1, "10.0.0.4"),  # not through the proxy
        ("10.0.0.4", ["1.2.3.4, not-an-address"], 1, "10.0.0.4"),
    ],
)
def test_the_address_counted(
    peer: str | None, forwarded: list[str], hops: int, counted: str
) -> None:
    assert client_address(peer, forwarded, hops) == counted
