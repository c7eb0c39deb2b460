"""How often one client address may try to sign in: a token bucket per address, in memory.

Why: each sign-in attempt costs a token check, a database write or a round trip to Entra
ID, and a script guessing at the stand-in or replaying tokens should be slowed, not
served. ``rate`` attempts a minute, and as many again at once (a burst: a partnership
meeting where everyone opens the tab together from one office address). Beyond that the
answer is 429 with ``Retry-After``.

Per address as the app sees it (``request.remote``): the app does not trust
``X-Forwarded-For`` anywhere (a client can write anything there), so behind a proxy all
clients share the proxy's budget; raise ``WEB_SIGN_IN_RATE`` there. In memory, per
process: with several instances each has its own buckets, which only makes the limit
looser by that factor, never stricter.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

#: Addresses remembered at most; the longest unseen is forgotten first (a full bucket).
MAX_ADDRESSES = 10_000
TOO_MANY = "Too many sign-in attempts from this address. Wait a minute and try again."

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class SignInLimit:
    """``rate`` a minute per address, with a burst of ``burst`` (default: ``rate``)."""

    def __init__(
        self,
        rate: int,
        burst: int | None = None,
        *,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_second = rate / 60.0
        self.capacity = float(burst if burst is not None else rate)
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
            wait = self.wait(request.remote or "unknown")
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
