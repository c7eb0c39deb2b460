"""Checks an Entra ID token that signs a person in to the pages: the token a Teams tab
gets from ``authentication.getAuthToken()``, and the ID token of the code flow.

Why not trust what the browser says: the page's script hands over a token, and anyone
can post anything to ``/auth/sso``. So the token must be RS256 and signed by a key its
own tenant publishes (Entra's OpenID metadata for that tenant, fetched on the event loop
with timeouts and cached, by ``bot.teams.tokens.SigningKeys``); its issuer must be
Entra's for that tenant (v2.0 or v1.0 form); the tenant must be on the allow-list
(checked before any fetch, so a forged token cannot make the bot fetch any tenant's
metadata); the audience this app; within its times (five minutes of skew); and it must
name the person (``oid``, the Entra object id members are matched by).

A refusal says what failed in a short phrase of ours (``TokenRefused.kind``), for the
log only: the person is told one fixed sentence, so a probe learns nothing.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.teams.tokens import (
    CONNECT_TIMEOUT,
    TOTAL_TIMEOUT,
    KeysUnavailable,
    OpenIdHttp,
    SigningKeys,
    TokenRefused,
    unverified,
    verified_claims,
)

__all__ = ["EntraTokens", "KeysUnavailable", "SignedInPerson", "TokenRefused"]

#: The issuers Entra uses, whatever host the keys are fetched from (tests: a fake).
ISSUERS = ("https://login.microsoftonline.com/{tid}/v2.0", "https://sts.windows.net/{tid}/")
_TENANT = re.compile(r"[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}")
#: With no allow-list (local use only) at most this many tenants' keys are kept.
MAX_TENANTS = 20


@dataclass(frozen=True, slots=True)
class SignedInPerson:
    """Who a checked token names: their tenant and Entra object id."""

    tenant_id: str
    object_id: str


class EntraTokens:
    """Checks tokens for ``audiences`` from the tenants of ``allowed_tenants``.

    ``allowed_tenants`` empty accepts any tenant only when ``any_tenant`` (authentication
    off, local use); otherwise every token is refused."""

    def __init__(
        self,
        audiences: Iterable[str],
        allowed_tenants: Iterable[str],
        *,
        authority_base_url: str,
        any_tenant: bool = False,
        ca_file: str | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        total_timeout: float = TOTAL_TIMEOUT,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.audiences = tuple(audiences)
        self.allowed_tenants = frozenset(t.lower() for t in allowed_tenants)
        self.any_tenant = any_tenant and not self.allowed_tenants
        self.authority_base_url = authority_base_url.rstrip("/")
        self._http = OpenIdHttp(
            ca_file=ca_file, connect_timeout=connect_timeout, total_timeout=total_timeout
        )
        self._now = now
        self._keys: dict[str, SigningKeys] = {}

    def metadata_url(self, tenant_id: str) -> str:
        return f"{self.authority_base_url}/{tenant_id}/v2.0/.well-known/openid-configuration"

    def keys_for(self, tenant_id: str) -> SigningKeys:
        """The tenant's signing keys: one cache per tenant, kept for the process."""
        keys = self._keys.get(tenant_id)
        if keys is None:
            if len(self._keys) >= MAX_TENANTS:
                oldest = next(iter(self._keys))
                self._keys.pop(oldest).cancel()
            keys = SigningKeys(self.metadata_url(tenant_id), self._http.session, now=self._now)
            self._keys[tenant_id] = keys
        return keys

    async def person(
        self, token: str, *, audiences: tuple[str, ...] | None = None
    ) -> SignedInPerson:
        """Who ``token`` signs in; ``TokenRefused`` or ``KeysUnavailable`` otherwise.
        ``audiences``: instead of the checker's (the code flow's ID token is for the app
        id alone)."""
        audiences = self.audiences if audiences is None else audiences
        if not audiences:
            raise TokenRefused("sign-in with Entra ID is not set up (no APP_ID)")
        header, claimed = unverified(token)
        tenant = claimed.get("tid")
        if not isinstance(tenant, str) or not _TENANT.fullmatch(tenant):
            raise TokenRefused("no tenant id")
        if tenant not in self.allowed_tenants and not self.any_tenant:
            raise TokenRefused("tenant not allowed")
        issuer = claimed.get("iss")
        if issuer not in {form.format(tid=tenant) for form in ISSUERS}:
            raise TokenRefused("issuer not accepted")
        key = await self.keys_for(tenant).get(header["kid"])
        if key is None:
            raise TokenRefused("unknown signing key")
        claims = verified_claims(
            token,
            key,
            issuer=str(issuer),
            audience=audiences,
            require=("exp", "iss", "aud", "tid", "oid"),
        )
        object_id = claims.get("oid")
        if claims.get("tid") != tenant or not isinstance(object_id, str) or not object_id:
            raise TokenRefused("no object id")
        return SignedInPerson(tenant, object_id)

    async def close(self) -> None:
        for keys in self._keys.values():
            keys.cancel()
        await self._http.close()
