"""A recording fake of Entra ID for signing people in, on loopback over TLS: per-tenant
OpenID discovery and signing keys, an authorise endpoint that signs in a chosen test
person at once, and a token endpoint that redeems its codes (checking the PKCE verifier)
for an ID token signed by the tenant's key.

Paths as Entra's, under ``AUTHORITY_BASE_URL`` (``url``):

* ``GET /<tenant>/v2.0/.well-known/openid-configuration`` (``<tenant>`` may also be
  ``organizations``, as msal asks for a multi-tenant app);
* ``GET /<tenant>/discovery/v2.0/keys``: the tenant's key (``keys_for``);
* ``GET /<tenant>/oauth2/v2.0/authorize``: answers at once for ``signs_in`` (a (tenant,
  object id) pair) with a code and the ``state`` it was given: a page whose form posts
  them to ``redirect_uri`` and submits itself on load (``response_mode=form_post``, as
  Entra's page does in a browser) or a redirect with them in the query;
* ``POST /<tenant>/oauth2/v2.0/token``: ``grant_type=authorization_code`` only.

Tokens name Entra's real issuer (``https://login.microsoftonline.com/<tid>/v2.0``), as
tokens fetched from anywhere would: only the keys and endpoints are here.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

from aiohttp import web

from tests.support.fake_graph import TlsFiles
from tests.support.fake_openid import SigningKey, mint
from tests.support.loopback import LoopbackServer

__all__ = ["FakeEntra", "Person", "tampered"]


@dataclass(frozen=True, slots=True)
class Person:
    tenant_id: str
    object_id: str


def tampered(token: str, **changes: str) -> str:
    """``token`` with claims changed and its signature kept (as someone would to sign in
    as another member)."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    changed = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{changed}.{signature}"


@dataclass(slots=True)
class _Code:
    person: Person
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str
    used: bool = False


@dataclass(eq=False)
class FakeEntra(LoopbackServer):
    tls: TlsFiles
    client_id: str
    client_secret: str
    #: Who the next visit to the authorise endpoint signs in.
    signs_in: Person | None = None
    paths: list[str] = field(default_factory=list)
    #: ``"500"``: the discovery and key documents answer 500 (Entra down).
    fault: str | None = None

    def __post_init__(self) -> None:
        LoopbackServer.__init__(self, tls=self.tls)
        self._keys: dict[str, SigningKey] = {}
        self._codes: dict[str, _Code] = {}

    def key_for(self, tenant: str) -> SigningKey:
        if tenant not in self._keys:
            self._keys[tenant] = SigningKey.new(f"key-{tenant[:8]}", ())
        return self._keys[tenant]

    def key_fetches(self, tenant: str) -> int:
        return self.paths.count(f"/{tenant}/discovery/v2.0/keys")

    def token(self, person: Person, audience: str, **overrides: Any) -> str:
        """A token for ``person``, as Teams' getAuthToken gives a tab (v2.0 form), signed
        by their tenant's key; ``overrides`` change or (None) remove claims."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "aud": audience,
            "iss": f"https://login.microsoftonline.com/{person.tenant_id}/v2.0",
            "iat": now,
            "nbf": now - 60,
            "exp": now + 3600,
            "tid": person.tenant_id,
            "oid": person.object_id,
            "ver": "2.0",
            "scp": "access_as_user",
        }
        claims.update(overrides)
        key = self.key_for(person.tenant_id)
        return mint(key.private, {k: v for k, v in claims.items() if v is not None}, kid=key.kid)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.paths.append(request.path)
        parts = request.path.strip("/").split("/")
        tenant, rest = parts[0], "/".join(parts[1:])
        if self.fault == "500" and request.method == "GET" and "authorize" not in rest:
            return web.json_response({"error": "injected"}, status=500)
        base = f"{self.url}/{tenant}"
        if rest == "v2.0/.well-known/openid-configuration":
            return web.json_response(
                {
                    "issuer": "https://login.microsoftonline.com/{tenantid}/v2.0"
                    if tenant == "organizations"
                    else f"https://login.microsoftonline.com/{tenant}/v2.0",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "jwks_uri": f"{base}/discovery/v2.0/keys",
                    "response_types_supported": ["code", "id_token"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                }
            )
        if rest == "discovery/v2.0/keys":
            return web.json_response({"keys": [self.key_for(tenant).jwk()]})
        if rest == "oauth2/v2.0/authorize":
            return self._authorize(request.query)
        if rest == "oauth2/v2.0/token" and request.method == "POST":
            form = {k: v[-1] for k, v in parse_qs(await request.text()).items()}
            return self._token(form)
        return web.json_response({"error": "no such route in the fake"}, status=404)

    def _authorize(self, query: Any) -> web.StreamResponse:
        if self.signs_in is None or query.get("client_id") != self.client_id:
            return web.Response(status=400, text="no test person chosen, or unknown client")
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return web.Response(status=400, text="PKCE required")
        code = secrets.token_urlsafe(24)
        self._codes[code] = _Code(
            self.signs_in,
            self.client_id,
            query["redirect_uri"],
            query["code_challenge"],
            query.get("nonce", ""),
        )
        fields = {"code": code, "state": query.get("state", "")}
        if query.get("response_mode") != "form_post":
            raise web.HTTPFound(f"{query['redirect_uri']}?{urlencode(fields)}")
        # As Entra: a page whose form posts the answer back at once (its script submits
        # the form on load, so a real browser follows it as it follows Entra's).
        inputs = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in fields.items()
        )
        return web.Response(
            text=f'<form method="post" action="{html.escape(query["redirect_uri"])}">{inputs}'
            "</form><script>document.forms[0].submit()</script>",
            content_type="text/html",
        )

    def _token(self, form: dict[str, str]) -> web.Response:
        def refuse(error: str) -> web.Response:
            return web.json_response({"error": error, "error_description": error}, status=400)

        if form.get("grant_type") != "authorization_code":
            return refuse("unsupported_grant_type")
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return refuse("invalid_client")
        code = self._codes.get(form.get("code", ""))
        if code is None or code.used or code.redirect_uri != form.get("redirect_uri"):
            return refuse("invalid_grant")
        verifier = form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if challenge.decode() != code.challenge:
            return refuse("invalid_grant")  # AADSTS501481: the verifier does not match
        code.used = True
        id_token = self.token(code.person, self.client_id, nonce=code.nonce, scp=None)
        return web.json_response(
            {
                "token_type": "Bearer",
                "scope": "openid profile",
                "expires_in": 3600,
                "access_token": f"at-{secrets.token_hex(8)}",
                "id_token": id_token,
            }
        )
