"""Connector and token clients built once and reused, not twice per turn.

Stock botbuilder 4.17 builds a new ``ConnectorClient`` (and a user token client) for
every incoming activity; building one constructs msrest's retry policy, whose status list
is computed by scanning ``range(999)`` against a 500-element list, and profiling showed
that to be the largest single cost of a turn (about 8 ms of CPU). The clients are
stateless apart from their credentials, which cache and refresh their own tokens, so one
per (bot app id, audience, service URL) is enough. They send through one aiohttp session
on the event loop (``connector_http``), not the stock thread pool.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import orjson
from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import CallerIdConstants
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    JwtTokenValidation,
    UserTokenClient,
)
from msrest.serialization import Model, Serializer

from bot.teams.sdk.activity_writer import NotPlain, write_model
from bot.teams.sdk.connector_http import send_on_the_loop
from bot.teams.tokens import TokenValidator

ClientKey = tuple[str | None, str | None, str]


class CardJSON(dict[str, Any]):
    """An Adaptive Card already in JSON form, sent as it is.

    Stock botbuilder deep-copies every outgoing activity (``TurnContext.send_activities``)
    and msrest then walks the card value by value to serialise it, although a card is
    plain JSON already; for a 20-action card the two were most of a turn's CPU. Cards are
    built fresh for each turn and never changed once handed over, so a copy may share
    this one, and the pooled clients' serialiser passes it through untouched.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> CardJSON:
        return self


class _CardPassingSerializer(Serializer):
    """msrest's serialiser, except that a ``CardJSON`` goes into the body as it is, and
    the body leaves as JSON bytes encoded by orjson.

    msrest's request then encodes the body with the standard library (``add_content``),
    about 0.4 ms for a 40 KB card, a tenth of a "my actions" turn; orjson takes 0.03 ms.
    ``add_content`` sends a body that ``json.dumps`` refuses (bytes) as it is, and these
    clients always send through bot.teams.sdk.connector_http, which sends bytes as they are.
    """

    def serialize_object(self, attr: Any, **kwargs: Any) -> Any:
        if type(attr) is CardJSON:
            return attr
        return super().serialize_object(attr, **kwargs)  # type: ignore[no-untyped-call]

    def body(self, data: Any, data_type: str, **kwargs: Any) -> Any:
        if isinstance(data, Model):
            # Stock ``body`` first rebuilds a model from its input with a Deserializer and
            # validates it, meant for dicts handed in by callers; botbuilder always hands
            # in a model it built itself (an Activity), and the rebuild and validation of
            # it were a tenth of a turn. Straight to serialising.
            # And written by a plan of the model's attributes where its values are plain
            # (bot.teams.sdk.activity_writer), else by msrest's walk.
            if data_type[:1].isupper() and not kwargs:  # a model's name, as msrest then walks it
                try:
                    return orjson.dumps(write_model(data, self))
                except NotPlain:
                    pass
            return orjson.dumps(self._serialize(data, data_type, **kwargs))  # type: ignore[no-untyped-call]
        return orjson.dumps(super().body(data, data_type, **kwargs))  # type: ignore[no-untyped-call]


def card_content(turn_context: TurnContext, card: dict[str, Any]) -> dict[str, Any]:
    """The card as this turn's connector client will send it fastest: a ``CardJSON`` when
    the client is one of ours (it passes those through), else the plain dict (stock msrest
    would turn anything but a plain dict into a string)."""
    client = turn_context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
    serializer = getattr(client, "_serialize", None)
    if isinstance(serializer, _CardPassingSerializer):
        return CardJSON(card)
    return card


def _pass_cards_through(client: ConnectorClient) -> ConnectorClient:
    serializer = _CardPassingSerializer(client._serialize.dependencies)  # type: ignore[no-untyped-call]
    client._serialize = serializer
    client.conversations._serialize = serializer
    client.attachments._serialize = serializer
    return client


def _app_id(identity: ClaimsIdentity | None) -> str | None:
    if identity is None or not identity.claims:
        return None
    app_id = JwtTokenValidation.get_app_id_from_claims(identity.claims)
    return str(app_id) if app_id else None


class _Clients:
    """The shared pool: one client per key, built under a lock so two turns arriving
    together do not both build (and one leak) a client."""

    def __init__(self) -> None:
        self.connectors: dict[ClientKey, ConnectorClient] = {}
        self.token_clients: dict[str | None, UserTokenClient] = {}
        self.lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        """The HTTP session every connector client sends through (made on first use, on
        the running loop, as aiohttp requires)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        for client in self.connectors.values():
            await client.__aexit__(None, None, None)
        self.connectors.clear()
        self.token_clients.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None


class _ReusingFactory(ConnectorFactory):  # type: ignore[misc]
    def __init__(self, inner: ConnectorFactory, clients: _Clients, app_id: str | None) -> None:
        self._inner = inner
        self._clients = clients
        self._app_id = app_id

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        key = (self._app_id, audience, service_url)
        client = self._clients.connectors.get(key)
        if client is not None:
            return client
        async with self._clients.lock:
            client = self._clients.connectors.get(key)
            if client is None:
                built = await self._inner.create(service_url, audience)
                client = _pass_cards_through(send_on_the_loop(built, self._clients.session()))
                self._clients.connectors[key] = client
            return client


class ReusingAuthentication(BotFrameworkAuthentication):  # type: ignore[misc]
    """The stock authentication, with its clients pooled, and incoming requests checked
    by ``tokens`` (bot.teams.tokens) instead of botbuilder's blocking token code.

    Without ``tokens`` (authentication off: no APP_ID) the header is not looked at and
    the stock code gives the anonymous identity, with no network call; with an app id
    set and no ``tokens`` every request is refused (``PermissionError``).
    """

    def __init__(
        self, inner: BotFrameworkAuthentication, tokens: TokenValidator | None = None
    ) -> None:
        self._inner = inner
        self._tokens = tokens
        self._clients = _Clients()

    async def authenticate_request(
        self, activity: Any, auth_header: str
    ) -> AuthenticateRequestResult:
        """Raises ``TokenRefused`` or ``KeysUnavailable`` (bot.teams.tokens) for a token
        that is not acceptable or cannot be checked now."""
        if self._tokens is None:
            result = await self._inner.authenticate_request(activity, "")
        else:
            claims = await self._tokens.claims(
                auth_header or "", activity.channel_id or "", activity.service_url or ""
            )
            # What the stock public-cloud authentication builds for a channel's request
            # (skill tokens are refused by the validator, so never a skill's audience).
            identity = ClaimsIdentity(claims, True)
            result = AuthenticateRequestResult()
            result.claims_identity = identity
            result.audience = self._inner.get_originating_audience()
            result.caller_id = CallerIdConstants.public_azure_channel
            result.connector_factory = self._inner.create_connector_factory(identity)
        if result.connector_factory is not None:
            result.connector_factory = _ReusingFactory(
                result.connector_factory, self._clients, _app_id(result.claims_identity)
            )
        return result

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _ReusingFactory(
            self._inner.create_connector_factory(claims_identity),
            self._clients,
            _app_id(claims_identity),
        )

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        key = _app_id(claims_identity)
        client = self._clients.token_clients.get(key)
        if client is None:
            client = await self._inner.create_user_token_client(claims_identity)
            self._clients.token_clients[key] = client
        return client

    def create_bot_framework_client(self) -> Any:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return str(self._inner.get_originating_audience())

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)

    async def close(self) -> None:
        await self._clients.close()
        if self._tokens is not None:
            await self._tokens.close()
