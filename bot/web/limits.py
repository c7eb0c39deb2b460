"""How often one client address may try to sign in: a token bucket per address, in memory.

Why: each sign-in attempt costs a token check, a database write or a round trip to Entra
ID, and a script guessing at the stand-in or replaying tokens should be slowed, not
served. ``rate`` attempts a minute, and as many again at once (a burst: a partnership
meeting where everyone opens the tab together from one office address). Beyond that the
answer is 429 with ``Retry-After``.

Per client address. By default the address the app sees (``request.remote``):
``X-Forwarded-For`` is ignored, since a client can write anything there, so behind a
proxy all clients share the proxy's budget. Behind proxies that append the address they
saw to that header (Azure Container Apps' ingress, App Service's front end), the
operator says how many (``MACE_TRUST_FORWARDED_FOR``, ``forwarded_hops``): the address is
then that many entries from the right, the right-most one no trusted proxy wrote. What a
client wrote itself is further left and never read, so a forged header cannot earn a
fresh budget. In memory, per process: with several instances each has its own buckets,
which only makes the limit looser by that factor, never stricter.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import hdrs, web

#: Addresses remembered at most; the longest unseen is forgotten first (a full bucket).
MAX_ADDRESSES = 10_000
TOO_MANY = "Too many sign-in attempts from this address. Wait a minute and try again."

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


def _address(entry: str) -> str | None:
    """An ``X-Forwarded-For`` entry as an address: the port App Service adds
    (``203.0.113.5:51234``, ``[2001:db8::5]:443``) left off, and in one spelling so that
    writing it differently is not another client. None if it is no address."""
    text = entry.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_address(peer: str | None, forwarded: list[str], hops: int) -> str:
    """Whom to count an attempt against. ``hops`` 0: the peer (``forwarded``, the
    ``X-Forwarded-For`` headers, ignored). Otherwise the entry ``hops`` from the right,
    the address the outermost trusted proxy saw; the peer when the header has fewer
    entries or that one is no address (a request that did not come through the proxies:
    it shares the peer's budget, and gains nothing)."""
    fallback = peer or "unknown"
    if hops <= 0:
        return fallback
    entries = [e for header in forwarded for e in header.split(",")]
    if len(entries) < hops:
        return fallback
    return _address(entries[-hops]) or fallback


class SignInLimit:
    """``rate`` a minute per address, with a burst of ``burst`` (default: ``rate``);
    ``forwarded_hops`` trusted proxies in front (0: ``X-Forwarded-For`` ignored)."""

    def __init__(
        self,
        rate: int,
        burst: int | None = None,
        *,
        forwarded_hops: int = 0,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_second = rate / 60.0
        self.capacity = float(burst if burst is not None else rate)
        self.forwarded_hops = forwarded_hops
        self._now = now
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def wait(self, address: str) -> float:
        """0 and one attempt taken when ``address`` may try now; otherwise the seconds
        until it may (nothing taken)."""
        now = self._now()
        bucket = self._buckets.pop(address, None)
        if bucket is None:
            bucket = _Bucket(self.capacity, now)
        else:
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.at) * self.per_second)
            bucket.at = now
        self._buckets[address] = bucket
        while len(self._buckets) > MAX_ADDRESSES:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.per_second

    def guard(self, handler: Handler) -> Handler:
        """``handler``, answered 429 with ``Retry-After`` beyond the limit."""

        async def limited(request: web.Request) -> web.StreamResponse:
            forwarded = request.headers.getall(hdrs.X_FORWARDED_FOR, [])
            wait = self.wait(client_address(request.remote, forwarded, self.forwarded_hops))
            if wait > 0:
                return web.Response(
                    status=429,
                    text=TOO_MANY,
                    headers={"Retry-After": str(max(1, math.ceil(wait)))},
                )
            return await handler(request)

        return limited


LIMIT = web.AppKey("web_sign_in_limit", SignInLimit)


def limited(handler: Handler) -> Handler:
    """``handler`` behind the app's sign-in limit (``LIMIT``), looked up per request so
    the routes can be added before the limit is made."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        return await request.app[LIMIT].guard(handler)(request)

    return guarded
