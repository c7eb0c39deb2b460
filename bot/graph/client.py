"""``MsalGraphClient``: the ``Directory`` on Microsoft Graph, with application permissions.

Tokens. One ``msal.ConfidentialClientApplication`` (client id, secret and tenant are the
bot's own APP_ID, APP_PASSWORD and APP_TENANTID) with one token cache, for the life of
the process. ``acquire_token_for_client`` looks in that cache first and only goes to the
token endpoint when the token is missing or within five minutes of expiry, so a token is
fetched about once an hour, not once per call. msal is synchronous (``requests``), so
every msal call runs in a worker thread (``asyncio.to_thread``): the event loop never
waits on the token endpoint. msal is built on first use, in that thread, because building
it already fetches the tenant's OpenID configuration.

The authority is ``AUTHORITY_BASE_URL/<tenant>`` with msal's instance discovery off:
the authority comes from our own settings, and discovery would otherwise ask
login.microsoftonline.com about any other host (tests point it at a loopback fake; msal
insists on https, so that fake speaks TLS). msal then fetches
``<authority>/v2.0/.well-known/openid-configuration`` once and posts the client
credentials to the ``token_endpoint`` it names.

Graph calls. aiohttp, one ``ClientSession`` for the client's life (opened on first use,
closed by ``close``). A 401 gets one retry with a new token: the rejected token is removed
from msal's cache (``acquire_token_for_client`` has no force-refresh), so msal fetches
another. 429, 503, 502, 504 and no answer at all are retried, waiting ``Retry-After`` when
Graph gives it (exponential back-off otherwise), at most ``max_retries`` times and
``max_total_wait`` seconds in all; then ``GraphThrottled``. The wait goes through the
injected ``sleep``, so tests record it instead of waiting. Lists follow
``@odata.nextLink`` to the end, passing each link on exactly as Graph wrote it, and only
to Graph itself (a link elsewhere would take our bearer token with it).

Logs name the operation, HTTP statuses, Graph error codes and counts: never a token, the
secret, a query, a name, an email or an id.

Application permissions to grant (admin consent): ``User.Read.All`` (find people),
``TeamMember.Read.All`` and ``ChatMember.Read.All`` (members), ``AppCatalog.Read.All``
(the app's catalog id) and ``TeamsAppInstallation.ReadWriteSelfForUser.All`` (install the
bot for someone; the manifest must carry ``webApplicationInfo`` with APP_ID).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import aiohttp
import msal
import requests
from yarl import URL

from bot.config import Settings
from bot.graph.directory import (
    Directory,
    DirectoryMember,
    DirectoryUser,
    GraphError,
    GraphThrottled,
    NullDirectory,
)

log = logging.getLogger(__name__)

DEFAULT_GRAPH_BASE_URL = "https://graph.microsoft.com"
DEFAULT_AUTHORITY_BASE_URL = "https://login.microsoftonline.com"

#: Answered by waiting and trying again (0: no HTTP answer at all).
RETRY_STATUSES = frozenset({0, 429, 502, 503, 504})
#: The longest name or email a lookup sends to Graph.
MAX_QUERY_CHARS = 120

Sleep = Callable[[float], Awaitable[None]]


class MsalGraphClient:
    """The ``Directory`` on Graph. Use one per process; ``close`` it at shutdown."""

    enabled = True

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        tenant_id: str,
        *,
        authority_base_url: str = DEFAULT_AUTHORITY_BASE_URL,
        graph_base_url: str = DEFAULT_GRAPH_BASE_URL,
        verify: bool | str = True,
        sleep: Sleep = asyncio.sleep,
        max_retries: int = 4,
        max_total_wait: float = 120.0,
        backoff_base: float = 1.0,
        timeout: float = 30.0,
        token_cache: msal.TokenCache | None = None,
    ) -> None:
        if not (client_id and client_secret and tenant_id):
            raise ValueError("Graph needs APP_ID, APP_PASSWORD and APP_TENANTID")
        if max_retries < 0 or max_total_wait < 0:
            raise ValueError("max_retries and max_total_wait cannot be negative")
        self._client_id = client_id
        self._secret = client_secret
        self.authority = f"{authority_base_url.rstrip('/')}/{tenant_id}"
        self.graph_base_url = graph_base_url.rstrip("/")
        self._scopes = [f"{self.graph_base_url}/.default"]
        #: ``verify`` for msal's ``requests`` (a CA bundle path in tests).
        self._verify = verify
        self._sleep = sleep
        self.max_retries = max_retries
        self.max_total_wait = max_total_wait
        self.backoff_base = backoff_base
        self.timeout = timeout
        self.token_cache = token_cache or msal.TokenCache()
        self._app: msal.ConfidentialClientApplication | None = None
        self._token_lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None
        self._catalog: dict[str, str] = {}

    def __repr__(self) -> str:  # never the secret
        return f"MsalGraphClient(authority={self.authority!r}, graph={self.graph_base_url!r})"

    # -- the Directory -----------------------------------------------------------------

    async def find_users(self, query: str, *, limit: int = 10) -> list[DirectoryUser]:
        text = " ".join(query.split())[:MAX_QUERY_CHARS]
        if not text:
            return []
        literal = text.replace("'", "''")  # an OData string literal
        if "@" in text:
            condition = f"mail eq '{literal}' or userPrincipalName eq '{literal}'"
        else:
            condition = " or ".join(
                f"startswith({name},'{literal}')"
                for name in ("displayName", "givenName", "surname")
            )
        params = {
            "$filter": condition,
            "$select": "id,displayName,mail,userPrincipalName",
            "$top": str(max(1, min(limit, 999))),
        }
        body = await self._get_ok("users", f"{self.graph_base_url}/v1.0/users", params)
        users = [_user(item) for item in _values(body)]
        found = [user for user in users if user is not None]
        log.info("graph users: %d found", len(found))
        return found

    async def team_members(self, team_id: str) -> AsyncIterator[DirectoryMember]:
        path = f"/v1.0/teams/{_segment(team_id)}/members"
        async for member in self._members("team members", path):
            yield member

    async def chat_members(self, chat_id: str) -> AsyncIterator[DirectoryMember]:
        path = f"/v1.0/chats/{_segment(chat_id)}/members"
        async for member in self._members("chat members", path):
            yield member

    async def catalog_app_id(self, manifest_id: str) -> str:
        known = self._catalog.get(manifest_id)
        if known is not None:
            return known
        literal = manifest_id.replace("'", "''")
        status, body = await self._send(
            "app catalog",
            "GET",
            f"{self.graph_base_url}/v1.0/appCatalogs/teamsApps",
            params={"$filter": f"externalId eq '{literal}'", "$select": "id,externalId"},
        )
        found = manifest_id  # an app from the Teams store keeps its manifest id
        if status == 200:
            ids = [_text(item.get("id")) for item in _values(body)]
            found = next((x for x in ids if x is not None), manifest_id)
        else:
            log.warning("graph app catalog: HTTP %d %s; using the manifest id", status, _code(body))
        self._catalog[manifest_id] = found
        return found

    async def install_for_user(self, user_id: str, teams_app_id: str) -> bool:
        status, body = await self._send(
            "install",
            "POST",
            f"{self.graph_base_url}/v1.0/users/{_segment(user_id)}/teamwork/installedApps",
            json_body={
                "teamsApp@odata.bind": (
                    f"{self.graph_base_url}/v1.0/appCatalogs/teamsApps/{_segment(teams_app_id)}"
                )
            },
        )
        if status in (200, 201, 204):
            log.info("graph install: installed")
            return True
        if status == 409:
            log.info("graph install: already installed")
            return False
        raise GraphError(status, _code(body), "install")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- lists ----------------------------------------------------------------------------

    async def _members(self, operation: str, path: str) -> AsyncIterator[DirectoryMember]:
        count = 0
        async for page in self._pages(operation, f"{self.graph_base_url}{path}"):
            for item in page:
                count += 1
                yield _member(item)
        log.info("graph %s: %d", operation, count)

    async def _pages(
        self, operation: str, url: str, params: Mapping[str, str] | None = None
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Every page of a collection, following ``@odata.nextLink`` verbatim."""
        target: str | URL = url
        seen: set[str] = set()
        while True:
            body = await self._get_ok(operation, target, params)
            yield _values(body)
            link = body.get("@odata.nextLink")
            if not link:
                return
            if not isinstance(link, str) or not link.startswith(self.graph_base_url + "/"):
                raise GraphError(200, "ForeignNextLink", operation)
            if link in seen:
                raise GraphError(200, "RepeatedNextLink", operation)
            seen.add(link)
            target, params = URL(link, encoded=True), None

    async def _get_ok(
        self, operation: str, url: str | URL, params: Mapping[str, str] | None
    ) -> dict[str, Any]:
        status, body = await self._send(operation, "GET", url, params=params)
        if status != 200 or not isinstance(body, dict):
            raise GraphError(status, _code(body), operation)
        return body

    # -- one call, with its retries ----------------------------------------------------

    async def _send(
        self,
        operation: str,
        method: str,
        url: str | URL,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
    ) -> tuple[int, Any]:
        """The final status and JSON body, after a token renewal on 401 (once) and the
        retries allowed on throttling; raises ``GraphThrottled`` when those run out."""
        renewed = False
        rejected: str | None = None
        retries = 0
        waited = 0.0
        while True:
            token = await self._access_token(rejected)
            rejected = None
            status, body, retry_after = await self._once(
                operation, method, url, token, params, json_body
            )
            if status == 401 and not renewed:
                renewed = True
                rejected = token
                log.info("graph %s: 401, renewing the token and trying once more", operation)
                continue
            if status not in RETRY_STATUSES:
                return status, body
            delay = retry_after if retry_after is not None else self.backoff_base * 2**retries
            if retries >= self.max_retries or waited + delay > self.max_total_wait:
                log.warning(
                    "graph %s: HTTP %d after %d retries (%.1f s waited); giving up",
                    operation,
                    status,
                    retries,
                    waited,
                )
                raise GraphThrottled(status, _code(body), operation)
            retries += 1
            waited += delay
            log.warning("graph %s: HTTP %d, retry %d in %.1f s", operation, status, retries, delay)
            await self._sleep(delay)

    async def _once(
        self,
        operation: str,
        method: str,
        url: str | URL,
        token: str,
        params: Mapping[str, str] | None,
        json_body: Any,
    ) -> tuple[int, Any, float | None]:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        try:
            async with self._http().request(
                method, url, params=params, json=json_body, headers=headers
            ) as response:
                status = response.status
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                text = await response.text()
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("graph %s: no answer (%s)", operation, type(exc).__name__)
            return 0, None, None
        try:
            body = json.loads(text) if text else None
        except ValueError:
            body = None
        return status, body, retry_after

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout), raise_for_status=False
            )
        return self._session

    # -- tokens ---------------------------------------------------------------------------

    async def _access_token(self, rejected: str | None = None) -> str:
        """A token from msal (its cache, or the token endpoint when that has none fresh).
        ``rejected``: a token Graph refused; it is dropped from the cache first, unless
        another call has already replaced it."""
        async with self._token_lock:
            try:
                result = await asyncio.to_thread(self._acquire, rejected)
            except Exception as exc:  # msal raises ValueError, requests errors, ...
                log.error("graph token: %s", type(exc).__name__)
                raise GraphError(0, type(exc).__name__, "token") from None
        token = result.get("access_token")
        if not isinstance(token, str) or not token:
            code = _clean(str(result.get("error") or "NoToken"))
            log.error("graph token: refused (%s)", code)
            raise GraphError(401, code, "token")
        return token

    def _acquire(self, rejected: str | None) -> dict[str, Any]:
        """In a worker thread: msal's own calls, which block."""
        if rejected is not None:
            kind = msal.TokenCache.CredentialType.ACCESS_TOKEN
            for item in list(self.token_cache.search(kind)):
                if item.get("secret") == rejected:
                    self.token_cache.remove_at(item)
        if self._app is None:
            self._app = msal.ConfidentialClientApplication(
                self._client_id,
                client_credential=self._secret,
                authority=self.authority,
                token_cache=self.token_cache,
                instance_discovery=False,
                http_client=(
                    None if self._verify is True else PinnedSession(self._verify, self.timeout)
                ),
                verify=self._verify,
                timeout=self.timeout,
            )
        result = self._app.acquire_token_for_client(scopes=self._scopes)
        return result if isinstance(result, dict) else {}


class PinnedSession(requests.Session):
    """A ``requests`` session whose ``verify`` holds: requests lets REQUESTS_CA_BUNDLE
    (or CURL_CA_BUNDLE) override a session's own ``verify`` (psf/requests#3829), so a CA
    bundle given to this client is passed with every request instead."""

    def __init__(self, verify: bool | str, timeout: float) -> None:
        super().__init__()
        self._pinned_verify = verify
        self._timeout = timeout

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.setdefault("verify", self._pinned_verify)
        kwargs.setdefault("timeout", self._timeout)
        return super().request(method, url, *args, **kwargs)


def build_directory(settings: Settings, **options: Any) -> Directory:
    """The directory the settings call for: Graph when ``settings.graph_enabled``."""
    if not settings.graph_enabled:
        return NullDirectory()
    return MsalGraphClient(
        settings.APP_ID,
        settings.APP_PASSWORD,
        settings.APP_TENANTID,
        authority_base_url=settings.authority_base_url,
        graph_base_url=settings.graph_base_url,
        **options,
    )


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP date), None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _segment(value: str) -> str:
    """One path segment: Teams ids keep their ``:`` and ``@``; anything else is escaped."""
    return quote(value, safe=":@")


def _values(body: Any) -> list[dict[str, Any]]:
    values = body.get("value") if isinstance(body, dict) else None
    return [item for item in values if isinstance(item, dict)] if isinstance(values, list) else []


def _code(body: Any) -> str:
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return _clean(code) if isinstance(code, str) else ""


def _clean(code: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-]", "", code)[:100]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _user(item: Mapping[str, Any]) -> DirectoryUser | None:
    user_id = _text(item.get("id"))
    if user_id is None:
        return None
    return DirectoryUser(
        id=user_id,
        display_name=_text(item.get("displayName")) or "",
        mail=_text(item.get("mail")),
        user_principal_name=_text(item.get("userPrincipalName")),
    )


def _member(item: Mapping[str, Any]) -> DirectoryMember:
    roles = item.get("roles")
    return DirectoryMember(
        user_id=_text(item.get("userId")),
        display_name=_text(item.get("displayName")) or "",
        email=_text(item.get("email")),
        roles=tuple(r for r in roles if isinstance(r, str)) if isinstance(roles, list) else (),
        tenant_id=_text(item.get("tenantId")),
    )
