"""Recording fakes of the Entra token endpoint and of Microsoft Graph, on loopback.

Same pattern as ``fake_connector``: real HTTP servers on ``127.0.0.1`` with ephemeral
ports, so the client under test runs its real stack (msal + requests for tokens, aiohttp
for Graph). Only the far end is fake; every request is recorded.

What msal asks of a custom authority (checked against msal 1.39 with
``instance_discovery=False``): nothing at all until the first token is wanted; then

1. ``GET /<tenant>/v2.0/.well-known/openid-configuration`` (tenant discovery; msal reads
   ``authorization_endpoint`` and ``token_endpoint`` and takes the tenant from the
   latter's path), once per ``ConfidentialClientApplication``;
2. ``POST <token_endpoint>`` with ``grant_type=client_credentials``, ``client_id``,
   ``client_secret`` and ``scope`` (form-encoded), whenever its cache has no token with
   more than five minutes left.

msal only accepts an ``https`` authority, so ``FakeTokenEndpoint`` serves TLS with a
throwaway CA made by ``make_tls``; give msal ``verify=<tls.ca>``. With instance discovery
left on, msal would first ask ``https://login.microsoftonline.com/common/discovery/
instance`` about the fake host: an unknown route here, so a test sees it in ``calls``.

Time. ``FakeTime`` is one frozen clock for the token endpoint (when a token expires),
the fake Graph (whether a bearer token is still good) and, through
``freeze_msal_clock``, msal itself (msal reads ``time.time()`` in its application and
token-cache modules, nowhere else, to judge a cached token). Moving it moves all three,
so tests see expiry and renewal without waiting.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import itertools
import json
import secrets
import ssl
import time
import types
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from bot.graph.client import MsalGraphClient
from tests.support.loopback import LoopbackServer

__all__ = [
    "FakeGraph",
    "FakeTime",
    "FakeTokenEndpoint",
    "GraphCall",
    "GraphStack",
    "TlsFiles",
    "directory_members",
    "freeze_msal_clock",
    "graph_stack",
    "make_tls",
    "users_named",
]


# --- time -----------------------------------------------------------------------------------


class FakeTime:
    """A ``time.time()`` that moves only when told to."""

    def __init__(self, start: float | None = None) -> None:
        self._now = float(int(time.time() if start is None else start))

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds


def freeze_msal_clock(monkeypatch: pytest.MonkeyPatch, clock: FakeTime) -> None:
    """Point msal's ``time.time()`` (its application and token-cache modules) at
    ``clock``; everything else in ``time`` stays real. Fails loudly if msal moves."""
    import msal.application
    import msal.token_cache

    stand_in = types.SimpleNamespace(
        **{name: getattr(time, name) for name in dir(time) if not name.startswith("_")}
    )
    stand_in.time = clock.time
    for module in (msal.application, msal.token_cache):
        assert isinstance(getattr(module, "time", None), types.ModuleType), module.__name__
        monkeypatch.setattr(module, "time", stand_in)


# --- TLS for the token endpoint -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TlsFiles:
    ca: Path  # give this to msal as ``verify``
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


def make_tls(directory: Path) -> TlsFiles:
    """A throwaway CA and a server certificate for 127.0.0.1 / localhost signed by it."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mace-bot test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    files.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


def _error(status: int, code: str, message: str = "") -> web.Response:
    return web.json_response({"error": {"code": code, "message": message or code}}, status=status)


# --- the token endpoint -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TokenCall:
    method: str
    path: str
    form: Mapping[str, str]
    status: int


@dataclass(slots=True)
class IssuedToken:
    token: str
    scope: str
    expires_at: float


class FakeTokenEndpoint(LoopbackServer):
    """An Entra tenant's OAuth2 v2.0 endpoints, client-credentials grant only.

    ``expires_in`` is what each new token is given (change it between calls); ``issued``
    lists the tokens in order. ``revoke`` makes a token unusable at the fake Graph
    before its time, as when Entra revokes it.
    """

    def __init__(
        self,
        tls: TlsFiles,
        clock: FakeTime,
        *,
        tenant: str = "00000000-0000-0000-0000-00000000a1a1",
        client_id: str = "00000000-0000-0000-0000-00000000b0b0",
        client_secret: str | None = None,
        expires_in: int = 3600,
    ) -> None:
        super().__init__(tls=tls)
        self.clock = clock
        self.tenant = tenant
        self.client_id = client_id
        self.client_secret = client_secret or f"secret-{secrets.token_hex(12)}"
        self.expires_in = expires_in
        self.issued: list[IssuedToken] = []
        self.revoked: set[str] = set()
        self.calls: list[TokenCall] = []
        self._numbers = itertools.count(1)

    @property
    def authority_base_url(self) -> str:
        return self.url

    def is_valid(self, token: str) -> bool:
        for issued in self.issued:
            if issued.token == token:
                return token not in self.revoked and self.clock.time() < issued.expires_at
        return False

    def revoke(self, token: str) -> None:
        self.revoked.add(token)

    def token_posts(self) -> list[TokenCall]:
        return [c for c in self.calls if c.method == "POST"]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        form: dict[str, str] = {}
        if request.method == "POST":
            parsed = parse_qs(await request.text(), keep_blank_values=True)
            form = {name: values[-1] for name, values in parsed.items()}
        response = self._route(request.method, request.path, form)
        self.calls.append(TokenCall(request.method, request.path, form, response.status))
        return response

    def _route(self, method: str, path: str, form: Mapping[str, str]) -> web.Response:
        base = f"{self.url}/{self.tenant}"
        if method == "GET" and path == f"/{self.tenant}/v2.0/.well-known/openid-configuration":
            return web.json_response(
                {
                    "issuer": f"{base}/v2.0",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                    "jwks_uri": f"{base}/discovery/v2.0/keys",
                    "response_types_supported": ["code", "id_token", "token"],
                    "token_endpoint_auth_methods_supported": [
                        "client_secret_post",
                        "client_secret_basic",
                    ],
                    "tenant_region_scope": "EU",
                }
            )
        if method == "POST" and path == f"/{self.tenant}/oauth2/v2.0/token":
            return self._token(form)
        return web.json_response(
            {"error": "not_found", "error_description": "no such route in the fake"}, status=404
        )

    def _token(self, form: Mapping[str, str]) -> web.Response:
        if form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return web.json_response(
                {"error": "invalid_client", "error_description": "AADSTS7000215: bad secret"},
                status=401,
            )
        scope = form.get("scope", "")
        if not scope.endswith("/.default"):
            return web.json_response({"error": "invalid_scope"}, status=400)
        token = f"at-{next(self._numbers)}-{secrets.token_hex(16)}"
        self.issued.append(IssuedToken(token, scope, self.clock.time() + self.expires_in))
        return web.json_response(
            {
                "token_type": "Bearer",
                "expires_in": self.expires_in,
                "ext_expires_in": self.expires_in,
                "access_token": token,
            }
        )


# --- Graph -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GraphCall:
    """One request the fake Graph received: ``path`` decoded, ``query`` decoded,
    ``token`` the bearer token presented (empty if none), ``status`` the answer."""

    method: str
    path: str
    query: Mapping[str, str]
    token: str
    json: Any
    status: int


@dataclass(slots=True)
class _Throttle:
    status: int
    remaining: int
    retry_after: str | None
    path_contains: str | None


def directory_members(count: int, *, prefix: str = "person") -> list[dict[str, Any]]:
    """``count`` aadUserConversationMember items with distinct, ordered user ids."""
    return [
        {
            "@odata.type": "#microsoft.graph.aadUserConversationMember",
            "id": f"member-{n}",
            "roles": [],
            "displayName": f"{prefix.title()} {n:05d}",
            "userId": f"{n:08d}-0000-4000-8000-{secrets.token_hex(6)}",
            "email": f"{prefix}.{n:05d}@example.org",
            "tenantId": "00000000-0000-0000-0000-00000000a1a1",
        }
        for n in range(1, count + 1)
    ]


@dataclass(eq=False)
class FakeGraph(LoopbackServer):
    """Microsoft Graph v1.0, the few calls the bot makes. Bearer tokens are checked
    against ``tokens`` (unknown, revoked or expired: 401 ``InvalidAuthenticationToken``).

    Configure ``users`` (user resources), ``teams`` / ``chats`` (id -> member items, see
    ``directory_members``), ``catalog`` (teamsApp resources) and ``installed`` (user id
    -> catalog app ids). Lists are served ``page_size`` at a time with an
    ``@odata.nextLink`` whose ``$skiptoken`` is percent-encoded, as Graph's are: a client
    that re-encodes the link gets 400.
    """

    tokens: FakeTokenEndpoint
    page_size: int = 100
    users: list[dict[str, Any]] = field(default_factory=list)
    teams: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    chats: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    catalog: list[dict[str, Any]] = field(default_factory=list)
    installed: dict[str, set[str]] = field(default_factory=dict)
    #: Where ``@odata.nextLink`` points (None: this fake); a test sets another host to
    #: check that the client refuses to follow it.
    link_base: str | None = None
    calls: list[GraphCall] = field(default_factory=list)
    _throttles: list[_Throttle] = field(default_factory=list)

    def __post_init__(self) -> None:
        LoopbackServer.__init__(self)

    def throttle(
        self,
        times: int,
        retry_after: float | str | None = None,
        *,
        status: int = 429,
        path_contains: str | None = None,
    ) -> None:
        """Answer the next ``times`` (authorised) requests matching ``path_contains`` with
        ``status`` and, when given, ``Retry-After``."""
        header = None if retry_after is None else str(retry_after)
        self._throttles.append(_Throttle(status, times, header, path_contains))

    def calls_to(self, path_contains: str, method: str | None = None) -> list[GraphCall]:
        return [
            c
            for c in self.calls
            if path_contains in c.path and (method is None or c.method == method)
        ]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        text = await request.text()
        try:
            payload = json.loads(text) if text else None
        except ValueError:
            payload = text
        path = "/".join(unquote(s) for s in request.rel_url.raw_path.split("/"))
        query = {k: v for k, v in request.rel_url.query.items()}
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else ""
        response = self._answer(request.method, path, query, token, payload)
        self.calls.append(GraphCall(request.method, path, query, token, payload, response.status))
        return response

    def _answer(
        self, method: str, path: str, query: Mapping[str, str], token: str, payload: Any
    ) -> web.Response:
        if not token or not self.tokens.is_valid(token):
            return _error(
                401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid."
            )
        for rule in self._throttles:
            if rule.remaining > 0 and (rule.path_contains is None or rule.path_contains in path):
                rule.remaining -= 1
                headers = {"Retry-After": rule.retry_after} if rule.retry_after else {}
                code = _FAULT_CODES.get(rule.status, f"HTTP{rule.status}")
                response = _error(rule.status, code, "Injected by the test.")
                response.headers.update(headers)
                return response
        segments = path.split("/")[1:]
        match method, segments:
            case "GET", ["v1.0", "users"]:
                return self._find_users(query)
            case "GET", ["v1.0", "teams", team_id, "members"]:
                return self._page(self.teams.get(team_id), path, query)
            case "GET", ["v1.0", "chats", chat_id, "members"]:
                return self._page(self.chats.get(chat_id), path, query)
            case "GET", ["v1.0", "appCatalogs", "teamsApps"]:
                return self._catalog(query)
            case "POST", ["v1.0", "users", user_id, "teamwork", "installedApps"]:
                return self._install(user_id, payload)
        return _error(404, "NotFound", "no such route in the fake")

    def _find_users(self, query: Mapping[str, str]) -> web.Response:
        condition = query.get("$filter", "")
        clauses = _parse_filter(condition)
        if clauses is None:
            return _error(400, "Request_UnsupportedQuery", "Unsupported query.")
        top = int(query.get("$top", "100"))
        found = [u for u in self.users if any(_matches(u, clause) for clause in clauses)]
        select = [s for s in query.get("$select", "").split(",") if s]
        return web.json_response(
            {
                "value": [{k: v for k, v in u.items() if not select or k in select} for u in found][
                    :top
                ]
            }
        )

    def _page(
        self, items: list[dict[str, Any]] | None, path: str, query: Mapping[str, str]
    ) -> web.Response:
        if items is None:
            return _error(404, "NotFound", "No team or chat with that id.")
        token = query.get("$skiptoken")
        start = 0
        if token is not None:
            if not token.startswith("X+") or not token[2:].isdigit():
                return _error(400, "BadRequest", "Invalid skip token.")
            start = int(token[2:])
        end = start + self.page_size
        body: dict[str, Any] = {"@odata.count": len(items), "value": items[start:end]}
        if end < len(items):
            skip = quote(f"X+{end}", safe="")
            base = self.link_base or self.url
            body["@odata.nextLink"] = f"{base}{quote(path, safe='/:@')}?$skiptoken={skip}"
        return web.json_response(body)

    def _catalog(self, query: Mapping[str, str]) -> web.Response:
        clauses = _parse_filter(query.get("$filter", ""))
        if clauses is None:
            return _error(400, "BadRequest", "Unsupported query.")
        found = [app for app in self.catalog if any(_matches(app, c) for c in clauses)]
        return web.json_response({"value": found})

    def _install(self, user_id: str, payload: Any) -> web.Response:
        if not any(u.get("id") == user_id for u in self.users):
            return _error(404, "NotFound", "User not found.")
        bind = payload.get("teamsApp@odata.bind") if isinstance(payload, dict) else None
        prefix = f"{self.url}/v1.0/appCatalogs/teamsApps/"
        if not isinstance(bind, str) or not bind.startswith(prefix):
            return _error(400, "BadRequest", "teamsApp@odata.bind is required.")
        app_id = bind.removeprefix(prefix)
        if not any(app.get("id") == app_id for app in self.catalog):
            return _error(404, "NotFound", "No such app in the catalog.")
        apps = self.installed.setdefault(user_id, set())
        if app_id in apps:
            return _error(409, "Conflict", "App is already installed for the user.")
        apps.add(app_id)
        return web.Response(status=201)


_FAULT_CODES = {
    401: "InvalidAuthenticationToken",
    403: "Forbidden",
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}

_CLAUSE_STARTS = "startswith("


def _parse_filter(text: str) -> list[tuple[str, str, str]] | None:
    """``startswith(prop,'v')`` and ``prop eq 'v'`` clauses joined by `` or ``: the only
    forms the bot sends. Returns (operator, property, value) or None if unsupported."""
    clauses: list[tuple[str, str, str]] = []
    for part in _split_or(text):
        part = part.strip()
        if part.startswith(_CLAUSE_STARTS) and part.endswith("')"):
            name, sep, rest = part[len(_CLAUSE_STARTS) : -1].partition(",")
            value = _literal(rest.strip())
            if not sep or value is None:
                return None
            clauses.append(("startswith", name.strip(), value))
            continue
        name, sep, rest = part.partition(" eq ")
        value = _literal(rest.strip())
        if not sep or value is None:
            return None
        clauses.append(("eq", name.strip(), value))
    return clauses or None


def _split_or(text: str) -> list[str]:
    """Split on `` or `` outside string literals."""
    parts, current, quoted, i = [], [], False, 0
    while i < len(text):
        if text[i] == "'":
            quoted = not quoted
        if not quoted and text.startswith(" or ", i):
            parts.append("".join(current))
            current, i = [], i + 4
            continue
        current.append(text[i])
        i += 1
    parts.append("".join(current))
    return parts


def _literal(text: str) -> str | None:
    if len(text) < 2 or text[0] != "'" or text[-1] != "'":
        return None
    inner = text[1:-1]
    if "'" in inner.replace("''", ""):
        return None
    return inner.replace("''", "'")


def _matches(item: Mapping[str, Any], clause: tuple[str, str, str]) -> bool:
    operator, name, value = clause
    actual = item.get(name)
    if not isinstance(actual, str):
        return False
    if operator == "startswith":
        return actual.lower().startswith(value.lower())
    return actual.lower() == value.lower()


def users_named(names: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    """User resources from (display name, email) pairs, with fresh ids."""
    return [
        {
            "id": f"{n:08d}-1111-4000-8000-{secrets.token_hex(6)}",
            "displayName": name,
            "givenName": name.split()[0],
            "surname": name.split()[-1],
            "mail": email,
            "userPrincipalName": email,
        }
        for n, (name, email) in enumerate(names, start=1)
    ]


# --- all of it together ----------------------------------------------------------------------


@dataclass
class GraphStack:
    """A token endpoint, a Graph and a client wired to both. ``waits`` records every
    wait the client asked for (its ``sleep``), in seconds, instead of sleeping."""

    clock: FakeTime
    tokens: FakeTokenEndpoint
    graph: FakeGraph
    client: MsalGraphClient
    waits: list[float]


@asynccontextmanager
async def graph_stack(
    tls: TlsFiles, clock: FakeTime | None = None, **client_options: Any
) -> AsyncIterator[GraphStack]:
    clock = clock or FakeTime()
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    async with FakeTokenEndpoint(tls, clock) as tokens, FakeGraph(tokens) as graph:
        client_options.setdefault("sleep", record)
        client = MsalGraphClient(
            tokens.client_id,
            tokens.client_secret,
            tokens.tenant,
            authority_base_url=tokens.authority_base_url,
            graph_base_url=graph.url,
            verify=str(tls.ca),
            **client_options,
        )
        try:
            yield GraphStack(clock, tokens, graph, client, waits)
        finally:
            await client.close()
