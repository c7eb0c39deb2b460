"""Sign-in attempts are limited per client address: beyond the rate, 429 with
Retry-After, whatever the route (single sign-on, the code flow, the stand-in)."""

from __future__ import annotations

from bot.domain.clock import FrozenClock
from bot.store.db import Store
from bot.web.limits import SignInLimit
from tests.e2e.harness import running_bot
from tests.support.entra_site import AUDIENCE, entra_settings
from tests.support.fake_entra import FakeEntra
from tests.support.fake_graph import TlsFiles
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
