"""Teams tab single sign-on through the real endpoint: the token Teams gives the tab is
checked against a fake Entra's keys (loopback, TLS), on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import select

from bot.store import tables as t
from bot.store.db import Store
from bot.web.headers import CONTENT_SECURITY_POLICY
from bot.web.sso import REFUSED
from tests.e2e.harness import DEMO, BotUnderTest
from tests.support.entra_site import APP_ID, AUDIENCE, OTHER_TENANT, TENANT
from tests.support.fake_entra import FakeEntra, Person, tampered
from tests.support.fake_openid import SigningKey, mint
from tests.web.client import WebClient
from tests.web.entra.conftest import ALEX, NESTOR, client


async def sso(web: WebClient, token: str, next_page: str = "/my") -> tuple[int, str, object]:
    answer = await web.post("/auth/sso", json={"token": token, "next": next_page})
    return answer.status, answer.text, answer.headers


async def test_a_tabs_token_signs_in_and_the_page_follows(
    site: BotUnderTest, entra: FakeEntra, demo_store: Store
) -> None:
    web = client(site)
    answer = await web.post(
        "/auth/sso", json={"token": entra.token(ALEX, AUDIENCE), "next": "/my?tab=actions"}
    )
    assert answer.status == 200, answer.text
    assert answer.text == '{"next": "/my?tab=actions"}'
    cookie = next(h for h in web.set_cookie_headers if h.startswith("__Host-mace-session="))
    for attribute in ("Secure", "HttpOnly", "SameSite=None", "Partitioned", "Path=/"):
        assert attribute in cookie
    page = await web.get("/my")
    assert page.status == 200
    assert "Signed in as Alex Wilber" in page.text
    async with demo_store.reading() as session:
        stored = (await session.scalars(select(t.WebSession))).one()
        assert (stored.method, stored.tenant_id) == ("sso", TENANT)


async def test_the_app_id_as_audience_is_accepted_and_keys_are_fetched_once(
    site: BotUnderTest, entra: FakeEntra
) -> None:
    for audience in (AUDIENCE, APP_ID, AUDIENCE):
        status, _, _ = await sso(client(site), entra.token(ALEX, audience))
        assert status == 200
    assert entra.key_fetches(TENANT) == 1


async def test_a_return_page_on_another_site_is_not_followed(
    site: BotUnderTest, entra: FakeEntra
) -> None:
    status, text, _ = await sso(client(site), entra.token(ALEX, AUDIENCE), "https://evil.example")
    assert (status, text) == (200, '{"next": "/my"}')


#: Each way a token can fail, and what the log says (the person is told REFUSED only).
CASES = {
    "tampered": "bad signature",
    "expired": "token expired",
    "wrong audience": "token not for this bot (audience)",
    "another app's Application ID URI": "token not for this bot (audience)",
    "unsigned": "bad signature",
    "alg none": "signing algorithm not accepted",
    "HS256 with the app password": "signing algorithm not accepted",
    "key of nobody": "bad signature",
    "tid not allow-listed": "tenant not allowed",
    "issuer of another tenant": "issuer not accepted",
    "v1 issuer of another tenant": "issuer not accepted",
    "no oid": "a required claim is missing",
    "not a JWT": "malformed token",
}


@pytest.mark.parametrize("case", sorted(CASES))
async def test_a_token_that_does_not_hold_is_refused_with_nothing_shown(
    site: BotUnderTest, entra: FakeEntra, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    good = entra.token(ALEX, AUDIENCE)
    stranger = SigningKey.new(entra.key_for(TENANT).kid, ())
    claims = {"aud": AUDIENCE, "tid": TENANT, "oid": ALEX.object_id, "exp": 9999999999}
    claims["iss"] = f"https://login.microsoftonline.com/{TENANT}/v2.0"
    token = {
        "tampered": lambda: tampered(good, oid=DEMO["coordinator"].aad_object_id),
        "expired": lambda: entra.token(ALEX, AUDIENCE, exp=1_000_000_000, nbf=None),
        "wrong audience": lambda: entra.token(ALEX, "api://mace.example.test/another-app"),
        "another app's Application ID URI": lambda: entra.token(
            ALEX, "api://evil.example/" + APP_ID
        ),
        "unsigned": lambda: good.rsplit(".", 1)[0] + ".",
        "alg none": lambda: mint(None, claims, algorithm="none"),
        "HS256 with the app password": lambda: mint(
            "not-a-real-secret-test-only-padded-to-32", claims, kid="x", algorithm="HS256"
        ),
        "key of nobody": lambda: mint(stranger.private, claims, kid=stranger.kid),
        "tid not allow-listed": lambda: entra.token(Person(OTHER_TENANT, "x"), AUDIENCE),
        "issuer of another tenant": lambda: entra.token(
            ALEX, AUDIENCE, iss=f"https://login.microsoftonline.com/{OTHER_TENANT}/v2.0"
        ),
        "v1 issuer of another tenant": lambda: entra.token(
            ALEX, AUDIENCE, iss=f"https://sts.windows.net/{OTHER_TENANT}/"
        ),
        "no oid": lambda: entra.token(ALEX, AUDIENCE, oid=None),
        "not a JWT": lambda: "not-a-token",
    }[case]()
    web = client(site)
    with caplog.at_level(logging.INFO, logger="bot.web.sso"):
        status, text, _ = await sso(web, token)
    assert (status, text) == (401, REFUSED)
    assert f"single sign-on refused: {CASES[case]}" in caplog.messages
    assert not web.cookies
    assert "Alex" not in text
    # A tenant off the allow-list never makes the bot fetch anything about it.
    assert entra.key_fetches(OTHER_TENANT) == 0


async def test_the_v1_issuer_of_the_tokens_own_tenant_is_accepted(
    site: BotUnderTest, entra: FakeEntra
) -> None:
    token = entra.token(ALEX, AUDIENCE, iss=f"https://sts.windows.net/{TENANT}/", ver="1.0")
    assert (await sso(client(site), token))[0] == 200


async def test_someone_who_is_no_member_sees_the_refusal_and_nothing_else(
    site: BotUnderTest, entra: FakeEntra
) -> None:
    web = client(site)
    status, text, _ = await sso(web, entra.token(NESTOR, AUDIENCE))
    assert status == 403
    assert "not a member of a MACE group" in text
    assert "Signed in as" not in text
    assert not web.cookies


async def test_keys_that_cannot_be_fetched_answer_503(site: BotUnderTest, entra: FakeEntra) -> None:
    entra.fault = "500"
    status, _, headers = await sso(client(site), entra.token(ALEX, AUDIENCE))
    assert status == 503
    assert int(headers["Retry-After"]) >= 1  # type: ignore[index]


async def test_a_post_from_another_site_is_refused(site: BotUnderTest, entra: FakeEntra) -> None:
    web = client(site)
    answer = await web.post(
        "/auth/sso",
        json={"token": entra.token(ALEX, AUDIENCE)},
        headers={"Origin": "https://evil.example"},
    )
    assert (answer.status, answer.text) == (401, REFUSED)


async def test_the_tab_page_shows_nothing_but_its_script_and_a_way_out(
    site: BotUnderTest,
) -> None:
    page = await client(site).get("/tab?next=/my%3Ftab%3Dactions")
    assert page.status == 200
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    # Its script is the pages' own: in a tab, pages.js loads teams.js, which signs in
    # when it finds #tab-sign-in.
    assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/static/dist/pages.js" defer>']
    assert 'id="tab-sign-in"' in page.text
    assert 'data-next="/my?tab=actions"' in page.text
    assert 'href="/signin?next=/my%3Ftab%3Dactions"' in page.text
