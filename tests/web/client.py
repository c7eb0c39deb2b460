"""A browser-like client for the pages over the real endpoint: keeps the session cookie
itself (aiohttp's cookie jar will not send a ``Secure`` cookie over plain http to
loopback, which browsers do) and reads the CSRF token from the page's forms."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

import aiohttp

COOKIE = "__Host-mace-session"
_CSRF = re.compile(r'name="csrf" value="([0-9a-f]{64})"')


@dataclass
class Page:
    status: int
    text: str
    headers: Any
    url: str
    body: bytes = b""

    def form(self, action: str) -> dict[str, str]:
        """The hidden fields (csrf, once) of the form posting to ``action``."""
        start = self.text.index(f'action="{action}"')
        end = self.text.index("</form>", start)
        return dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', self.text[start:end]))

    @property
    def csrf(self) -> str:
        found = _CSRF.search(self.text)
        assert found, "no CSRF token on the page"
        return found.group(1)


def site_client(site: Any) -> WebClient:
    """A client of the pages of a running bot (tests.e2e.harness.BotUnderTest)."""
    return WebClient(site.session, str(site.server.make_url("")).rstrip("/"))


@dataclass
class WebClient:
    session: aiohttp.ClientSession
    base_url: str
    cookies: dict[str, str] = field(default_factory=dict)
    set_cookie_headers: list[str] = field(default_factory=list)

    async def request(self, method: str, path: str, **kwargs: Any) -> Page:
        headers = dict(kwargs.pop("headers", {}))
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        async with self.session.request(
            method, self.base_url + path, headers=headers, allow_redirects=False, **kwargs
        ) as response:
            for raw in response.headers.getall("Set-Cookie", []):
                self.set_cookie_headers.append(raw)
                jar: SimpleCookie = SimpleCookie()
                # Python before 3.14 rejects the whole header for ``Partitioned``.
                jar.load(re.sub(r";\s*Partitioned", "", raw, flags=re.IGNORECASE))
                for name, morsel in jar.items():
                    if morsel["max-age"] == "0" or morsel.value == "":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            body = await response.read()
            return Page(
                response.status, body.decode("utf-8", "replace"), response.headers, path, body
            )

    async def get(self, path: str, **kwargs: Any) -> Page:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Page:
        return await self.request("POST", path, **kwargs)

    async def sign_in(self, name: str, next_page: str = "/my") -> None:
        """The local stand-in: choose the demo member by name."""
        page = await self.get("/signin")
        found = re.search(r'<option value="(\d+)">' + re.escape(name), page.text)
        assert found, f"{name} is not offered"
        answer = await self.post(
            "/signin/stand-in", data={"member": found.group(1), "next": next_page}
        )
        assert answer.status == 303, answer.text

    async def follow(self, page: Page) -> Page:
        assert page.status in (302, 303), page.status
        return await self.get(page.headers["Location"])
