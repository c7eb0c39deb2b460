"""The bot as a browser reaches it in production, for the pages' sign-in tests in headless
Chromium: at its public address (``https://mace.example.test``), over TLS, with
authentication on against the fake Entra ID (tests/support/fake_entra.py, loopback, TLS
from the same throwaway CA), on the demo store with its invented history.

How Chromium gets there, and why it trusts the certificates:

* ``--host-rules`` maps ``mace.example.test`` to the bot's TLS port on 127.0.0.1, so the
  browser's origin, the session cookie (``__Host-``, Secure), the Origin checks and the
  code flow's redirect URI (``PUBLIC/auth/callback``) are all the real ones.
* Trusting the throwaway CA in Chromium needs it in an NSS database (``certutil``, not
  installed here, and Debian's Chromium has no per-process CA flag); so the browser is
  told instead to accept the one certificate the CA issued for the loopback servers, by
  its public key (``--ignore-certificate-errors-spki-list``, the SHA-256 of the key). It
  is the fake Entra's and the bot's certificate and no other: every other certificate
  is checked as usual (not ``ignore_https_errors``). That key's certificate names
  127.0.0.1, not mace.example.test: the flag waives that mismatch for it too.
"""

from __future__ import annotations

import base64
import hashlib
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from bot.demo.history import seed_demo_history
from bot.domain.clock import FrozenClock
from bot.store.db import Store
from tests.browser.processes import chromium_path
from tests.e2e.harness import DEMO, BotUnderTest, running_bot
from tests.support.entra_site import PUBLIC, TENANT, entra_settings
from tests.support.fake_entra import FakeEntra, Person
from tests.support.fake_graph import TlsFiles

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page

HOST = urlsplit(PUBLIC).hostname or ""
PAGES_SCRIPT = Path(__file__).resolve().parents[2] / "bot" / "web" / "static" / "dist" / "pages.js"
#: Each page's screenshots are this size (docs/images/pages).
VIEWPORT = {"width": 1280, "height": 800}
WAIT_MS = 15_000


def person(who: str) -> Person:
    """A demo member (tests/e2e/harness.py ``DEMO``) as Entra signs them in."""
    return Person(TENANT, DEMO[who].aad_object_id)


def key_hash(certificate: Path) -> str:
    """What ``--ignore-certificate-errors-spki-list`` takes: base64 of the SHA-256 of the
    certificate's SubjectPublicKeyInfo."""
    cert = x509.load_pem_x509_certificate(certificate.read_bytes())
    der = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


@dataclass
class SignInSite:
    """The bot (``bot``: its chat endpoint, the fake connector) and where Chromium finds
    its public address (``port``: the TLS site on 127.0.0.1)."""

    bot: BotUnderTest
    store: Store
    clock: FrozenClock
    entra: FakeEntra
    tls: TlsFiles
    port: int


@asynccontextmanager
async def signin_site(
    store: Store, clock: FrozenClock, entra: FakeEntra, tls: TlsFiles
) -> AsyncIterator[SignInSite]:
    """The bot with authentication on, its pages also served over TLS on a port of their
    own (a second site on the same app: the chat endpoint stays where the harness posts)."""
    await seed_demo_history(store, clock.now())
    async with running_bot(store, clock, entra_settings(entra, tls)) as bot:
        listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listening.bind(("127.0.0.1", 0))
        port = listening.getsockname()[1]
        runner = bot.server.runner
        assert runner is not None
        await web.SockSite(runner, listening, ssl_context=tls.server_context()).start()
        yield SignInSite(bot, store, clock, entra, tls, port)


@asynccontextmanager
async def chromium(site: SignInSite, home: Path) -> AsyncIterator[Browser]:
    """Headless Chromium reaching the bot at its public address (skips, saying why, when
    Chromium, playwright or the pages' built scripts are missing)."""
    path = chromium_path()
    if path is None:
        pytest.skip("pages sign-in browser test: Chromium not found (Debian package `chromium`)")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.skip("pages sign-in browser test: the Python package playwright is not installed")
    if not PAGES_SCRIPT.is_file():
        pytest.skip(f"pages sign-in browser test: {PAGES_SCRIPT} missing (`make pages-assets`)")
    # Chromium's crash and config folders go to ``home`` (a test's own folder), not ~.
    env: dict[str, str | float | bool] = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
    }
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=path,
            env=env,
            args=[
                f"--host-rules=MAP {HOST} 127.0.0.1:{site.port}",
                f"--ignore-certificate-errors-spki-list={key_hash(site.tls.cert)}",
            ],
        )
        try:
            yield browser
        finally:
            await browser.close()


async def fresh(browser: Browser) -> BrowserContext:
    """A context with no cookies: a new browser profile, as someone else's computer."""
    context = await browser.new_context(
        viewport=VIEWPORT,  # type: ignore[arg-type]
        locale="en-GB",
        timezone_id="Europe/London",  # the bot's dates are London dates
    )
    context.set_default_timeout(WAIT_MS)
    return context


async def sign_in_with_microsoft(
    context: BrowserContext, entra: FakeEntra, who: Person, path: str = "/my"
) -> Page:
    """Opens ``path``, is sent to the sign-in page, signs in at the fake Entra as ``who``
    and returns the page, back on ``path``."""
    page = await context.new_page()
    await page.goto(PUBLIC + path)
    assert asks_sign_in_for(page.url, path), page.url
    entra.signs_in = who
    await page.get_by_role("button", name="Sign in with Microsoft").click()
    await page.wait_for_url(PUBLIC + path)
    return page


def asks_sign_in_for(url: str, path: str) -> bool:
    """``url`` is the sign-in page, to come back to ``path`` (however the ``next`` is
    escaped on the way)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{PUBLIC}/signin" and parse_qs(
        parts.query
    ).get("next") == [path]


async def session_cookies(context: BrowserContext) -> list[dict[str, Any]]:
    return [dict(c) for c in await context.cookies(PUBLIC) if c["name"].endswith("session")]
