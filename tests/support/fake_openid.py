"""A recording fake of an OpenID metadata document and its JWK set, on loopback over TLS,
the tokens it can sign, and a "black hole" that accepts connections and never answers.

The Bot Framework publishes its signing keys behind
``https://login.botframework.com/v1/.well-known/openidconfiguration`` (``jwks_uri`` ->
``/v1/.well-known/keys``), each key with the channel ids that endorse it; Entra behind
``https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration``. This
fake serves the same two documents for keys made here (``SigningKey``), so a test mints
tokens as the Bot Connector would and the bot fetches and checks them for real.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.support.fake_graph import TlsFiles
from tests.support.loopback import LoopbackServer

__all__ = ["BlackHole", "FakeOpenId", "SigningKey", "mint"]

CHANNEL_ISSUER = "https://api.botframework.com"


@dataclass(frozen=True)
class SigningKey:
    """An RSA key pair with its key id and the channels that endorse it."""

    kid: str
    private: rsa.RSAPrivateKey
    endorsements: tuple[str, ...] = ("msteams",)

    @classmethod
    def new(cls, kid: str, endorsements: tuple[str, ...] = ("msteams",)) -> SigningKey:
        return cls(
            kid, rsa.generate_private_key(public_exponent=65537, key_size=2048), endorsements
        )

    def jwk(self) -> dict[str, Any]:
        public = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {
            **public,
            "kid": self.kid,
            "use": "sig",
            "x5t": self.kid,
            "endorsements": list(self.endorsements),
        }


def mint(
    key: rsa.RSAPrivateKey | str | None,
    claims: dict[str, Any],
    *,
    kid: str | None = None,
    algorithm: str = "RS256",
) -> str:
    """A JWT with ``claims``, signed by ``key`` (``None`` with ``algorithm="none"``)."""
    headers = {"kid": kid} if kid is not None else {}
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)  # type: ignore[arg-type]


def channel_claims(app_id: str, service_url: str, **overrides: Any) -> dict[str, Any]:
    """What the Bot Connector puts in the token it sends a bot (as captured from Teams)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "serviceurl": service_url,
        "nbf": now - 60,
        "exp": now + 3600,
        "iss": CHANNEL_ISSUER,
        "aud": app_id,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


@dataclass(eq=False)
class FakeOpenId(LoopbackServer):
    """``GET /v1/.well-known/openidconfiguration`` and ``GET /v1/.well-known/keys``.

    ``keys`` may be changed between requests (a key rotation); ``paths`` records every
    request's path in order. ``fault`` makes the metadata answer wrongly: ``"500"``,
    ``"not json"``, ``"http jwks"`` (a ``jwks_uri`` that is not https) or ``"no keys"``.

    ``pieces`` above 1 sends each document as Microsoft's servers may: chunked transfer
    encoding (no Content-Length), in that many writes with ``piece_delay`` seconds
    between them, so the client sees the body arrive in parts as over a real network.
    ``padding`` adds that many bytes to the key set (a JSON string field), to make it
    larger than the bot accepts.
    """

    tls: TlsFiles
    keys: list[SigningKey] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    fault: str | None = None
    pieces: int = 1
    piece_delay: float = 0.05
    padding: int = 0

    def __post_init__(self) -> None:
        LoopbackServer.__init__(self, tls=self.tls)

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/v1/.well-known/openidconfiguration"

    def fetches(self) -> int:
        """How many times the key set was fetched."""
        return self.paths.count("/v1/.well-known/keys")

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.paths.append(request.path)
        if self.fault == "500":
            return web.json_response({"error": "injected"}, status=500)
        if self.fault == "not json":
            return web.Response(text="<html>maintenance</html>", content_type="text/html")
        if self.fault == "no keys" and request.path == "/v1/.well-known/keys":
            return web.json_response({"keys": [{"kty": "RSA", "kid": "broken", "n": "AQAB"}]})
        jwks = f"{self.url}/v1/.well-known/keys"
        if self.fault == "http jwks":
            jwks = jwks.replace("https://", "http://")
        if request.path == "/v1/.well-known/openidconfiguration":
            return await self._document(
                request,
                {
                    "issuer": CHANNEL_ISSUER,
                    "authorization_endpoint": "https://invalid.botframework.com",
                    "jwks_uri": jwks,
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                },
            )
        if request.path == "/v1/.well-known/keys":
            document: dict[str, Any] = {"keys": [k.jwk() for k in self.keys]}
            if self.padding:
                document["padding"] = "x" * self.padding
            return await self._document(request, document)
        return web.json_response({"error": "no such route in the fake"}, status=404)

    async def _document(self, request: web.Request, document: dict[str, Any]) -> web.StreamResponse:
        """``document`` as JSON: in one write with a Content-Length, or with ``pieces``
        above 1 chunked, in that many delayed writes."""
        if self.pieces <= 1:
            return web.json_response(document)
        body = json.dumps(document).encode()
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        size = -(-len(body) // self.pieces)
        try:
            for start in range(0, len(body), size):
                if start:
                    await asyncio.sleep(self.piece_delay)  # the network, not a job's wait
                await response.write(body[start : start + size])
            await response.write_eof()
        except ConnectionResetError:
            pass  # the client stopped reading (a document over its size cap)
        return response


class BlackHole:
    """A TCP port on loopback that accepts connections and never sends a byte: what a
    client sees where outbound traffic is silently dropped past the first hop.
    ``accepted`` is set once a connection has come in; ``connections`` counts them."""

    def __init__(self) -> None:
        self.connections = 0
        self.accepted = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._held: list[asyncio.StreamWriter] = []
        self._port = 0

    async def __aenter__(self) -> BlackHole:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        self._server = await asyncio.start_server(self._hold, sock=sock)
        return self

    async def __aexit__(self, *_: object) -> None:
        for writer in self._held:
            writer.close()
        if self._server is not None:
            self._server.close()

    async def _hold(self, _reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._held.append(writer)
        self.accepted.set()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self._port}/v1/.well-known/openidconfiguration"
