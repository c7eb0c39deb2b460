"""Checks the bearer token on ``POST /api/messages`` without botbuilder's token code.

Why not the stock validation (botbuilder 4.17, ``JwtTokenExtractor``): it fetches the
OpenID metadata and signing keys with a synchronous ``requests.get`` with no timeout, on
the event loop, so one forged token stalls the whole process (``/healthz`` included)
wherever outbound traffic is silently dropped; and a malformed or forged token makes it
raise ``DecodeError``, ``IndexError``, ``KeyError``, ``InvalidSignatureError`` or a bare
``Exception``, which surfaced as a 502 that Teams retries. Here every token problem is a
``TokenRefused`` (401) naming its kind, and the keys are fetched with aiohttp, with
connect and total timeouts, cached, and refreshed by one fetch that concurrent requests
share; signing keys that truly cannot be had are a ``KeysUnavailable`` (503).

What is accepted, as botbuilder's ``ChannelValidation`` and ``EmulatorValidation`` accept
it for a Teams bot (``bot_framework_rest_connector_authentication``):

- Bot Connector tokens: issuer ``https://api.botframework.com``, keys from the Bot
  Framework's OpenID metadata, audience the bot's app id, the key endorsed for the
  activity's channel, and a ``serviceurl`` claim equal to the activity's ``serviceUrl``
  (so a forged ``serviceUrl`` is refused: the bot would send its own token there).
- Entra tokens the bot's own identity obtained (the Emulator's kind): issued by the Bot
  Framework's tenants, or with ``APP_TYPE=SingleTenant`` by the bot's own tenant; keys
  from Entra's OpenID metadata; audience the bot's app id and the calling app (``appid``
  in a v1.0 token, ``azp`` in v2.0) the bot itself, so a token another app of the tenant
  obtained for the bot is refused; a ``serviceurl`` claim, when present, must match.

Skill tokens (another bot calling this one) are refused, as the stock code refuses them
without a claims validator. Only RS256 is accepted, with five minutes of clock skew.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import aiohttp
import jwt
from jwt.algorithms import RSAAlgorithm

log = logging.getLogger(__name__)

CHANNEL_ISSUER = "https://api.botframework.com"
CHANNEL_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
ENTRA_METADATA_URL = (
    "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
)
#: The Bot Framework's own tenants, whose Entra tokens botbuilder's ``EmulatorValidation``
#: accepts (public cloud; the bot does not run in the US Government cloud).
BOT_FRAMEWORK_TENANTS = (
    "d6d49420-f39b-4df7-a1dc-d59a935871db",
    "f8cdef31-a31e-4b4a-93e4-5f571e91255a",
)
ALGORITHM = "RS256"
CLOCK_SKEW = 5 * 60
#: How long fetched keys are used before they are fetched again (Microsoft publishes new
#: keys well before it signs with them).
KEYS_TTL = 24 * 3600.0
#: A token naming a key not among those fetched makes the keys be fetched again, but at
#: most this often: forged tokens with made-up key ids cannot turn the bot into a
#: fetcher of Microsoft's metadata.
UNKNOWN_KEY_REFRESH = 5 * 60.0
#: After a failed fetch with no keys in hand, requests are answered 503 at once for this
#: long instead of each waiting on a fetch of its own.
FAILED_FETCH_PAUSE = 10.0
CONNECT_TIMEOUT = 5.0
TOTAL_TIMEOUT = 10.0
#: The largest metadata or key set accepted (Microsoft's are a few tens of kB at most).
MAX_DOCUMENT_BYTES = 512 * 1024
READ_CHUNK_BYTES = 64 * 1024


class TokenRefused(Exception):
    """The request's token is not acceptable (401). ``kind`` is a short phrase of ours,
    safe to log and to answer: never any part of the token."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class KeysUnavailable(Exception):
    """The signing keys could not be fetched and none are cached (503)."""

    def __init__(self, retry_after: float) -> None:
        super().__init__("signing keys unavailable")
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class SigningKey:
    key: Any  # an RSA public key, as PyJWT takes it
    endorsements: frozenset[str]


class SigningKeys:
    """The keys published behind one OpenID metadata URL, fetched on the event loop.

    ``get`` answers at once from the cache for a known key id; one fetch at a time, shared
    by every request that needs it (and not cancelled when one of them goes away).
    """

    def __init__(
        self,
        metadata_url: str,
        session: Callable[[], aiohttp.ClientSession],
        *,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.metadata_url = metadata_url
        self._session = session
        self._now = now
        self._keys: dict[str, SigningKey] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._failed_at: float | None = None
        self._fetch: asyncio.Task[bool] | None = None

    async def get(self, kid: str) -> SigningKey | None:
        """The key with id ``kid``; None when the publisher does not list it.

        A known key answers at once, even while a fetch is under way or past the keys'
        day (they are then refreshed in the background, and kept if that fails). An
        unknown one waits for a fetch, at most one every ``UNKNOWN_KEY_REFRESH``. With no
        keys at all, ``KeysUnavailable`` when the fetch fails (and, for
        ``FAILED_FETCH_PAUSE`` after that, at once).
        """
        now = self._now()
        fresh = self._fetched_at is not None and now - self._fetched_at < KEYS_TTL
        since_attempt = now - self._attempted_at if self._attempted_at is not None else None
        key = self._keys.get(kid)
        if key is not None:
            if not fresh and (since_attempt is None or since_attempt >= FAILED_FETCH_PAUSE):
                self._start_fetch()
            return key
        if self._keys:
            wait = UNKNOWN_KEY_REFRESH if fresh else FAILED_FETCH_PAUSE
            if since_attempt is not None and since_attempt < wait:
                return None
            await self._fetched()
            return self._keys.get(kid)
        if self._failed_at is not None and now - self._failed_at < FAILED_FETCH_PAUSE:
            raise KeysUnavailable(FAILED_FETCH_PAUSE - (now - self._failed_at))
        await self._fetched()
        if not self._keys:
            raise KeysUnavailable(FAILED_FETCH_PAUSE)
        return self._keys.get(kid)

    async def settled(self) -> None:
        """Wait for a fetch under way, if any (one started in the background)."""
        if self._fetch is not None and not self._fetch.done():
            await asyncio.shield(self._fetch)

    def cancel(self) -> None:
        """Stop a fetch under way (at shutdown)."""
        if self._fetch is not None and not self._fetch.done():
            self._fetch.cancel()

    def _start_fetch(self) -> asyncio.Task[bool]:
        if self._fetch is None or self._fetch.done():
            self._fetch = asyncio.create_task(self._refresh(), name="signing-keys")
        return self._fetch

    async def _fetched(self) -> bool:
        # Shielded: a request whose caller hung up must not cancel the fetch others await.
        return await asyncio.shield(self._start_fetch())

    async def _refresh(self) -> bool:
        self._attempted_at = self._now()
        try:
            metadata = await self._document(self.metadata_url)
            jwks_uri = metadata.get("jwks_uri")
            if not isinstance(jwks_uri, str) or urlparse(jwks_uri).scheme != "https":
                raise ValueError("the metadata has no https jwks_uri")
            keys = _parse_keys(await self._document(jwks_uri))
            if not keys:
                raise ValueError("the key set has no usable RSA key")
        except Exception as exc:  # whatever the far end or the network did: not fetched
            self._failed_at = self._now()
            log.warning(
                "signing keys not fetched from %s: %s%s",
                urlparse(self.metadata_url).netloc,
                # Our own ValueErrors say what was wrong with the answer; others by kind.
                f"{exc}"[:120] if type(exc) is ValueError else type(exc).__name__,
                "; the cached ones stay in use" if self._keys else "",
            )
            return False
        self._keys = keys
        self._fetched_at = self._now()
        self._failed_at = None
        return True

    async def _document(self, url: str) -> dict[str, Any]:
        """The JSON object at ``url``, read to its end. Why not ``content.read(n)``: it
        answers with what has arrived so far, and Microsoft's documents come over TLS in
        several parts. At most ``MAX_DOCUMENT_BYTES``: an announced larger size is
        refused before reading, and reading stops once past the cap."""
        async with self._session().get(url, allow_redirects=False) as response:
            if response.status != 200:
                raise ValueError(f"HTTP {response.status}")
            announced = response.content_length
            if announced is not None and announced > MAX_DOCUMENT_BYTES:
                raise ValueError("the document is too large")
            body = bytearray()
            async for part in response.content.iter_chunked(READ_CHUNK_BYTES):
                body += part
                if len(body) > MAX_DOCUMENT_BYTES:
                    raise ValueError("the document is too large")
        document = json.loads(body)  # ValueError when it is not JSON
        if not isinstance(document, dict):
            raise ValueError("the document is not a JSON object")
        return document


def _parse_keys(jwks: Mapping[str, Any]) -> dict[str, SigningKey]:
    """The RSA keys of a JWK set by key id; a key that cannot be read is left out."""
    found: dict[str, SigningKey] = {}
    entries = jwks.get("keys")
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or entry.get("kty") != "RSA":
            continue
        kid = entry.get("kid")
        if not isinstance(kid, str) or not kid:
            continue
        try:
            key = RSAAlgorithm.from_jwk(entry)
        except (jwt.InvalidKeyError, ValueError, TypeError, KeyError):
            continue
        endorsements = entry.get("endorsements")
        found[kid] = SigningKey(
            key,
            frozenset(e for e in endorsements if isinstance(e, str))
            if isinstance(endorsements, list)
            else frozenset(),
        )
    return found


class OpenIdHttp:
    """The HTTP client that fetches OpenID metadata and keys: its own CA bundle (tests:
    a throwaway CA), short timeouts, a few connections. Shared by every ``SigningKeys``
    of one checker; made on first use, on the running loop (as aiohttp requires)."""

    def __init__(
        self,
        *,
        ca_file: str | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        total_timeout: float = TOTAL_TIMEOUT,
    ) -> None:
        self._ca_file = ca_file
        self._timeout = aiohttp.ClientTimeout(
            total=total_timeout, connect=connect_timeout, sock_connect=connect_timeout
        )
        self._http: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            context = ssl.create_default_context(cafile=self._ca_file)
            self._http = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(ssl=context, limit=4),
                timeout=self._timeout,
            )
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None


@dataclass(frozen=True, slots=True)
class _Issuers:
    channel: str
    entra: frozenset[str]


class TokenValidator:
    """Checks a request's ``Authorization`` header against the bot's app id; see the
    module docstring for what is accepted."""

    def __init__(
        self,
        app_id: str,
        *,
        tenant_id: str = "",
        single_tenant: bool = False,
        channel_metadata_url: str = CHANNEL_METADATA_URL,
        entra_metadata_url: str = ENTRA_METADATA_URL,
        ca_file: str | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        total_timeout: float = TOTAL_TIMEOUT,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app_id = app_id
        entra: set[str] = set()
        tenants = list(BOT_FRAMEWORK_TENANTS)
        if single_tenant and tenant_id:
            tenants.append(tenant_id.lower())
        for tenant in tenants:
            entra.add(f"https://sts.windows.net/{tenant}/")
            entra.add(f"https://login.microsoftonline.com/{tenant}/v2.0")
        self._issuers = _Issuers(CHANNEL_ISSUER, frozenset(entra))
        self._http = OpenIdHttp(
            ca_file=ca_file, connect_timeout=connect_timeout, total_timeout=total_timeout
        )
        self.channel_keys = SigningKeys(channel_metadata_url, self._http.session, now=now)
        self.entra_keys = SigningKeys(entra_metadata_url, self._http.session, now=now)

    async def close(self) -> None:
        for keys in (self.channel_keys, self.entra_keys):
            keys.cancel()
        await self._http.close()

    async def claims(self, auth_header: str, channel_id: str, service_url: str) -> dict[str, Any]:
        """The token's verified claims, or ``TokenRefused`` / ``KeysUnavailable``."""
        scheme, _, token = auth_header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise TokenRefused("no bearer token")
        header, claimed = unverified(token)
        kid = header["kid"]
        issuer = claimed.get("iss")
        if not isinstance(issuer, str) or not issuer:
            raise TokenRefused("no issuer")
        if issuer == self._issuers.channel:
            keys = self.channel_keys
        elif issuer in self._issuers.entra:
            keys = self.entra_keys
        else:
            raise TokenRefused("issuer not accepted")
        key = await keys.get(kid)
        if key is None:
            raise TokenRefused("unknown signing key")
        if channel_id and key.endorsements and channel_id not in key.endorsements:
            raise TokenRefused("signing key not endorsed for the channel")
        claims = _verified(token, key, issuer, self.app_id)
        if issuer == self._issuers.channel:
            if claims.get("serviceurl") != service_url:
                raise TokenRefused("serviceurl claim does not match the activity")
        else:
            if "serviceurl" in claims and claims["serviceurl"] != service_url:
                raise TokenRefused("serviceurl claim does not match the activity")
            version = claims.get("ver")
            caller = claims.get("azp") if version == "2.0" else claims.get("appid")
            if version not in ("1.0", "2.0") or caller != self.app_id:
                raise TokenRefused("token not obtained by this bot")
        return claims


def unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A token's header and claims, not yet checked: only to choose the key and the
    rules to check it by. ``TokenRefused`` when it is not a JWT, or not RS256 with a key
    id (so ``alg: none`` and HMAC tokens go no further)."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except (jwt.InvalidTokenError, ValueError, TypeError):
        raise TokenRefused("malformed token") from None
    if header.get("alg") != ALGORITHM:
        raise TokenRefused("signing algorithm not accepted")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise TokenRefused("no key id")
    if not isinstance(claims, dict):
        raise TokenRefused("malformed token")
    return header, claims


def verified_claims(
    token: str,
    key: SigningKey,
    *,
    issuer: str,
    audience: str | Sequence[str],
    require: Sequence[str] = ("exp", "iss", "aud"),
) -> dict[str, Any]:
    """The claims of ``token`` once its RS256 signature by ``key``, its issuer, audience
    (any of ``audience``) and times (with ``CLOCK_SKEW``) are checked; ``TokenRefused``
    saying which check failed otherwise."""
    try:
        claims = jwt.decode(
            token,
            key.key,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            leeway=CLOCK_SKEW,
            options={"require": list(require)},
        )
    except jwt.ExpiredSignatureError:
        raise TokenRefused("token expired") from None
    except jwt.ImmatureSignatureError:
        raise TokenRefused("token not yet valid") from None
    except jwt.InvalidAudienceError:
        raise TokenRefused("token not for this bot (audience)") from None
    except jwt.InvalidSignatureError:
        raise TokenRefused("bad signature") from None
    except jwt.MissingRequiredClaimError:
        raise TokenRefused("a required claim is missing") from None
    except jwt.InvalidTokenError:
        raise TokenRefused("invalid token") from None
    if not isinstance(claims, dict):
        raise TokenRefused("invalid token")
    return claims


def _verified(token: str, key: SigningKey, issuer: str, app_id: str) -> dict[str, Any]:
    claims = verified_claims(token, key, issuer=issuer, audience=app_id)
    if claims.get("aud") != app_id:
        # One audience, this bot's id, as botbuilder requires: it reads the app id for
        # the reply's credentials from this claim.
        raise TokenRefused("token not for this bot (audience)")
    return claims
