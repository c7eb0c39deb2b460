"""A recording fake of the Bot Connector (Bot Framework REST API v3) on loopback.

Why a real HTTP server rather than a mocked client: the bot under test should run its
real send path (CloudAdapter -> ConnectorClient -> msrest -> requests) so that URL
building, serialisation, error mapping and the SDK's own retry behaviour are exercised.
Only the far end is fake. This is the bolt-python / opsdroid pattern: serve the platform
API locally, record every request, and let tests assert on what was posted and how often.

Put `fake.url` into an activity's `serviceUrl` (the activity builders take
`service_url=`), post the activity to the bot's endpoint, then inspect `fake.sent()`,
`fake.cards()`, `fake.updated()` or the raw `fake.calls`.

Quirks of the client side worth knowing (checked against botbuilder 4.17.1):

* msrest percent-encodes every path parameter with `quote(..., safe="")`, so a Teams
  conversation id like `19:abc@thread.skype;messageid=1` arrives as
  `19%3Aabc%40thread.skype%3Bmessageid%3D1`. The fake splits the raw path on `/` and
  decodes each segment, so ids match whether encoded or not; `Call.path` is decoded,
  `Call.raw_path` is what went over the wire.
* The SDK's HTTP stack is `requests` + urllib3 run in a worker thread, with msrest's
  retry policy. GET, PUT and DELETE are retried (3 times, back-off 0 s, 1.6 s, 3.2 s) on
  408 and on 5xx other than 501/505, and on 413/429/503 only when `Retry-After` is present
  (urllib3 then sleeps that long, in the thread). POST (send, reply, create conversation)
  is never retried, and 429 without `Retry-After` is never retried. So one injected 500 on
  an update is invisible to the bot (`calls` shows the retry), and when the retries run
  out the bot sees `msrest.exceptions.ClientRequestError` (a wrapped urllib3 RetryError),
  not `ErrorResponseException`, after about 5 s.
* With `APP_ID` empty no `Authorization` header is sent at all; every call carries
  `x-ms-conversation-id` (decoded id) and a User-Agent naming "BotBuilder Python/4.17.0".

`fake.limit()` makes the fake enforce Teams' rate limits (per conversation and per app,
see teams_limits.py): past any of them it answers 429 with `Retry-After` and Teams' error
body, and `fake.refusals()` lists what it refused. The fake's `clock` (monotonic seconds
by default, injectable) times the windows and stamps every `Call.at`.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from .activities import PLAYGROUND_USER
from .loopback import LoopbackServer
from .teams_limits import TEAMS_LIMITS, Refusal, SendLimits, Window

__all__ = [
    "ADAPTIVE_CARD_CONTENT_TYPE",
    "Call",
    "Deleted",
    "FakeConnector",
    "Posted",
    "Refusal",
    "Updated",
    "card_contents",
    "error_body",
]

ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

# The first id handed out. Teams activity ids are 13-digit millisecond counters (the captured
# invoke's replyToId is 1795301154790); ids of the same shape catch code that assumes a GUID.
_FIRST_ACTIVITY_ID = 1_795_400_000_000

# Error codes Teams / the Bot Connector put in `{"error": {"code": ...}}` for each status, so
# an injected failure looks like the real one unless the test supplies its own body.
_ERROR_CODES: dict[int, tuple[str, str]] = {
    400: ("BadArgument", "The request was malformed."),
    401: ("Unauthorized", "Authorization has been denied for this request."),
    403: ("ConversationBlockedByUser", "User blocked the conversation with the bot."),
    404: ("NotFound", "The resource was not found."),
    412: ("PreconditionFailed", "Conflict: the resource was modified concurrently."),
    413: ("MessageSizeTooBig", "The message exceeds the size limit."),
    429: ("Throttled", "Too many requests."),
    500: ("InternalServerError", "An internal error occurred."),
    502: ("BadGateway", "Bad gateway."),
    503: ("ServiceUnavailable", "The service is unavailable."),
    504: ("GatewayTimeout", "The gateway timed out."),
}


def error_body(status: int, code: str | None = None, message: str | None = None) -> dict[str, Any]:
    """A Bot Framework `ErrorResponse` body, the shape botbuilder parses into
    `ErrorResponseException.error.error.code`."""
    default_code, default_message = _ERROR_CODES.get(status, ("Error", f"HTTP {status}"))
    return {"error": {"code": code or default_code, "message": message or default_message}}


def card_contents(activity: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The Adaptive Card payloads attached to one activity (sent or updated), in order."""
    return [
        attachment["content"]
        for attachment in activity.get("attachments") or []
        if attachment.get("contentType") == ADAPTIVE_CARD_CONTENT_TYPE
    ]


@dataclass(frozen=True, slots=True)
class Call:
    """One request as the fake received it, faulted or not.

    `path` is decoded segment by segment (conversation ids read as Teams wrote them);
    `raw_path` is the encoded form the client sent; `status` is what the fake answered;
    `at` is when it arrived, on the fake's clock.
    """

    method: str
    path: str
    json: Any
    raw_path: str = ""
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=lambda: CIMultiDictProxy(CIMultiDict()))
    status: int = 0
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class Posted:
    """An activity the connector accepted: a send, a reply, or a create-conversation's first
    message. `activity_id` is the id the fake assigned, the one a bot later updates."""

    conversation_id: str
    activity_id: str
    reply_to_id: str | None
    activity: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Updated:
    """A PUT replacing an activity (how cards are refreshed in place)."""

    conversation_id: str
    activity_id: str
    activity: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Deleted:
    conversation_id: str
    activity_id: str


@dataclass(slots=True)
class _Fault:
    status: int
    remaining: int
    headers: dict[str, str]
    body: Any
    path_contains: str | None
    method: str | None

    def matches(self, method: str, path: str, raw_path: str) -> bool:
        if self.remaining <= 0:
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        return self.path_contains is None or (
            self.path_contains in path or self.path_contains in raw_path
        )


class FakeConnector(LoopbackServer):
    """A Bot Connector on `127.0.0.1` with an ephemeral port that records what a bot sends.

    Use as `async with FakeConnector() as fake:` (or `start()` / `stop()`). State lives on
    the instance so parallel tests never share it. `base_path` mimics connectors whose
    serviceUrl has a path, like the Playground's `http://localhost:56150/_connector`.
    """

    def __init__(
        self,
        *,
        base_path: str = "",
        wait_limit: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.wait_limit = wait_limit
        """How long `until` waits before failing the test; a safety net, not a sleep."""
        self.clock = clock
        """Seconds, for `Call.at` and the rate limits' windows (tests inject their own)."""
        self.keep_bodies = True
        """False: requests are still read, parsed and answered, and counted in `calls`,
        but their bodies are not kept, except for the conversations in
        `keep_bodies_of`. For load (bench/): a load generator that holds every parsed
        card it receives spends its time collecting garbage, and its stalls show up as
        the bot's latency."""
        self.keep_bodies_of: set[str] = set()
        """Conversations whose bodies are kept even with `keep_bodies` False."""
        self._limits: SendLimits | None = None
        super().__init__()
        self._base_segments = [s for s in base_path.split("/") if s]
        self.calls: list[Call] = []
        """Every request in arrival order, including faulted and unrouted ones."""
        self._posted: list[Posted] = []
        self._updated: list[Updated] = []
        self._deleted: list[Deleted] = []
        self._created: list[dict[str, Any]] = []
        self._current: dict[str, dict[str, Any]] = {}
        self._faults: list[_Fault] = []
        self._default_roster: list[dict[str, Any]] = [PLAYGROUND_USER.member()]
        self._rosters: dict[str, list[dict[str, Any]]] = {}
        self._activity_ids = itertools.count(_FIRST_ACTIVITY_ID)
        self._conversation_numbers = itertools.count(1)
        self._changed = asyncio.Event()

    @property
    def url(self) -> str:
        """The serviceUrl to put into activities, with a trailing slash as Teams gives it
        (e.g. `https://smba.trafficmanager.net/amer/`)."""
        base = "".join(f"/{segment}" for segment in self._base_segments)
        return f"{super().url}{base}/"

    # -- configuration -----------------------------------------------------------------

    def set_roster(
        self, members: Iterable[Mapping[str, Any]], conversation_id: str | None = None
    ) -> None:
        """Members the roster endpoints return: for one conversation, or (no id) for every
        conversation without its own roster. Use `TeamsUser.member()` for the shape.
        Defaults to the Playground user alone."""
        roster = [dict(member) for member in members]
        if conversation_id is None:
            self._default_roster = roster
        else:
            self._rosters[conversation_id] = roster

    def fail_next(
        self,
        status: int,
        times: int = 1,
        headers: Mapping[str, str] | None = None,
        path_contains: str | None = None,
        *,
        method: str | None = None,
        body: Any = None,
    ) -> None:
        """Answer the next `times` matching requests with `status`, then behave normally.

        Matching is on HTTP method (if given) and a substring of the decoded or raw path.
        `body` defaults to a Bot Framework error for the status (403 ->
        `ConversationBlockedByUser`, 429 -> `Throttled`, ...); pass e.g.
        `error_body(403, "MessageWritesBlocked")` for another code. Faults queue in
        order; a request consumes the first rule that matches it. Faulted requests are
        recorded in `calls` but are not `sent()` / `updated()`.
        """
        if times < 1:
            raise ValueError("times must be at least 1")
        self._faults.append(
            _Fault(
                status=status,
                remaining=times,
                headers=dict(headers or {}),
                body=error_body(status) if body is None else body,
                path_contains=path_contains,
                method=method,
            )
        )

    def limit(self, windows: Sequence[Window] = TEAMS_LIMITS) -> None:
        """Enforce Teams' rate limits from now on (teams_limits.py): a request past any
        window is answered 429 with `Retry-After` and a `Throttled` error, not routed,
        and kept in `refusals()`. An injected fault (`fail_next`) comes first."""
        self._limits = SendLimits(windows, lambda: self.clock())

    def refusals(self) -> list[Refusal]:
        """The 429s the rate limits answered (not injected faults), in order."""
        return list(self._limits.refusals) if self._limits is not None else []

    def reset(self) -> None:
        """Forget recordings and pending faults between phases of a test. Rosters and
        rate limits are configuration and stay (their counts start again); activity ids
        keep counting so they never repeat."""
        if self._limits is not None:
            self._limits.reset()
        self.calls.clear()
        self._posted.clear()
        self._updated.clear()
        self._deleted.clear()
        self._created.clear()
        self._current.clear()
        self._faults.clear()

    # -- reading what happened -----------------------------------------------------------

    def posted(self, conversation_id: str | None = None) -> list[Posted]:
        """Accepted activities with the ids the fake assigned, in order."""
        return [
            p
            for p in self._posted
            if conversation_id is None or p.conversation_id == conversation_id
        ]

    def sent(self, conversation_id: str | None = None) -> list[dict[str, Any]]:
        """Bodies of activities posted (sends and replies), in order, as the bot sent them."""
        return [p.activity for p in self.posted(conversation_id)]

    def texts(self, conversation_id: str | None = None) -> list[str]:
        """The `text` of each sent activity that has one."""
        return [a["text"] for a in self.sent(conversation_id) if a.get("text")]

    def cards(self, conversation_id: str | None = None) -> list[dict[str, Any]]:
        """Adaptive Card contents of sent activities, flattened in order."""
        return [card for a in self.sent(conversation_id) for card in card_contents(a)]

    def updated(
        self, activity_id: str | None = None, *, conversation_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Bodies PUT to replace activities, in order."""
        return [
            u.activity
            for u in self._updated
            if (activity_id is None or u.activity_id == activity_id)
            and (conversation_id is None or u.conversation_id == conversation_id)
        ]

    def deleted(self, conversation_id: str | None = None) -> list[str]:
        """Ids of activities deleted, in order."""
        return [
            d.activity_id
            for d in self._deleted
            if conversation_id is None or d.conversation_id == conversation_id
        ]

    def created(self) -> list[dict[str, Any]]:
        """`ConversationParameters` bodies of create-conversation calls (proactive 1:1s)."""
        return list(self._created)

    def current(self, activity_id: str) -> dict[str, Any] | None:
        """What a user would now see for an activity the fake assigned an id to: the last
        body posted or PUT, or None if deleted or unknown."""
        return self._current.get(activity_id)

    def calls_matching(
        self, method: str | None = None, path_contains: str | None = None
    ) -> list[Call]:
        """Requests filtered by method and path substring, for "hit N times" assertions."""
        return [
            c
            for c in self.calls
            if (method is None or c.method == method.upper())
            and (path_contains is None or path_contains in c.path or path_contains in c.raw_path)
        ]

    async def until(self, predicate: Callable[[FakeConnector], bool]) -> None:
        """Wait, without polling sleeps, until `predicate(self)` holds.

        For work the bot does after its HTTP answer (e.g. after acknowledging an invoke).
        Raises AssertionError listing the calls seen if it does not happen within
        `wait_limit` seconds; wrap in `asyncio.timeout()` for a tighter bound.
        """
        try:
            async with asyncio.timeout(self.wait_limit):
                while not predicate(self):
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            seen = "\n".join(f"  {c.method} {c.path} -> {c.status}" for c in self.calls)
            raise AssertionError(
                f"condition not met within {self.wait_limit}s; calls:\n{seen or '  (none)'}"
            ) from None

    async def wait_for_sent(
        self, count: int, conversation_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Wait until at least `count` activities were sent, and return them."""
        await self.until(lambda f: len(f.sent(conversation_id)) >= count)
        return self.sent(conversation_id)

    # -- serving -----------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        at = time.monotonic()
        raw_path = request.rel_url.raw_path
        raw_segments = raw_path.split("/")
        segments = [unquote(s) for s in raw_segments]
        path = "/".join(segments)
        payload = await self._read_body(request)
        method = request.method.upper()
        at = self.clock()
        conversation_id = self._send_target(method, segments)
        keep = self.keep_bodies or conversation_id in self.keep_bodies_of

        fault = next((f for f in self._faults if f.matches(method, path, raw_path)), None)
        retry_after = None
        if fault is None and self._limits is not None:
            retry_after = self._limits.admit(method, conversation_id)
        if fault is not None:
            fault.remaining -= 1
            response: web.Response = web.json_response(
                fault.body, status=fault.status, headers=fault.headers
            )
        elif retry_after is not None:
            response = web.json_response(
                error_body(429), status=429, headers={"Retry-After": str(retry_after)}
            )
        else:
            response = self._route(method, segments, payload, request.rel_url.query, keep)

        self.calls.append(
            Call(
                method=method,
                path=path,
                json=payload if keep else None,
                raw_path=raw_path,
                query=dict(request.rel_url.query),
                headers=CIMultiDictProxy(CIMultiDict(request.headers)),
                status=response.status,
                at=at,
            )
        )
        self._changed.set()
        return response

    @staticmethod
    async def _read_body(request: web.Request) -> Any:
        text = await request.text()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return text

    def _api(self, segments: list[str]) -> list[str] | None:
        """The path after `/v3/conversations`, or None if it is not the connector's API."""
        # segments[0] is "" (the leading slash); then the base path, then the API path.
        base = len(self._base_segments)
        if segments[1 : 1 + base] != self._base_segments:
            return None
        api = segments[1 + base :]
        if any(s == "" for s in api) or api[:2] != ["v3", "conversations"]:
            return None
        return api[2:]

    def _send_target(self, method: str, segments: list[str]) -> str | None:
        """The conversation a send or an edit goes to (what Teams' per-conversation
        limits count), else None."""
        match method, self._api(segments):
            case "POST" | "PUT", [conversation_id, "activities", *_]:
                return conversation_id
            case _:
                return None

    def _route(
        self,
        method: str,
        segments: list[str],
        payload: Any,
        query: Mapping[str, str],
        keep: bool = True,
    ) -> web.Response:
        rest = self._api(segments)
        if rest is None:
            return self._not_found()
        body = payload if isinstance(payload, dict) else {}

        match method, rest:
            case "POST", []:
                return self._create_conversation(body)
            case "POST", [conversation_id, "activities"]:
                return self._post(conversation_id, None, body, keep)
            case "POST", [conversation_id, "activities", activity_id]:
                return self._post(conversation_id, activity_id, body, keep)
            case "PUT", [conversation_id, "activities", activity_id]:
                return self._update(conversation_id, activity_id, body, keep)
            case "DELETE", [conversation_id, "activities", activity_id]:
                self._deleted.append(Deleted(conversation_id, activity_id))
                self._current.pop(activity_id, None)
                return web.Response(status=200)
            case "GET", [conversation_id, "members"]:
                return web.json_response(self._roster(conversation_id))
            case "GET", [conversation_id, "pagedmembers"]:
                return self._paged_members(conversation_id, query)
            case "GET", [conversation_id, "members", member_id]:
                return self._member(conversation_id, member_id)
            case _:
                return self._not_found()

    def _next_activity_id(self) -> str:
        return str(next(self._activity_ids))

    def _record_post(
        self,
        conversation_id: str,
        reply_to_id: str | None,
        activity: dict[str, Any],
        keep: bool = True,
    ) -> str:
        activity_id = self._next_activity_id()
        # Freshly parsed from the request: nothing else holds it.
        stored = activity if keep else {}
        self._posted.append(Posted(conversation_id, activity_id, reply_to_id, stored))
        self._current[activity_id] = stored
        return activity_id

    def _post(
        self,
        conversation_id: str,
        reply_to_id: str | None,
        activity: dict[str, Any],
        keep: bool,
    ) -> web.Response:
        activity_id = self._record_post(conversation_id, reply_to_id, activity, keep)
        return web.json_response({"id": activity_id}, status=201)

    def _update(
        self, conversation_id: str, activity_id: str, activity: dict[str, Any], keep: bool
    ) -> web.Response:
        stored = activity if keep else {}  # freshly parsed: no one else holds it
        self._updated.append(Updated(conversation_id, activity_id, stored))
        self._current[activity_id] = stored
        return web.json_response({"id": activity_id})

    def _create_conversation(self, parameters: dict[str, Any]) -> web.Response:
        self._created.append(copy.deepcopy(parameters))
        conversation_id = f"a:new-{next(self._conversation_numbers)}"
        initial = parameters.get("activity")
        if isinstance(initial, dict):
            activity_id = self._record_post(conversation_id, None, initial, self.keep_bodies)
        else:
            activity_id = self._next_activity_id()
        return web.json_response(
            {"id": conversation_id, "activityId": activity_id, "serviceUrl": self.url},
            status=201,
        )

    def _roster(self, conversation_id: str) -> list[dict[str, Any]]:
        return self._rosters.get(conversation_id, self._default_roster)

    def _paged_members(self, conversation_id: str, query: Mapping[str, str]) -> web.Response:
        roster = self._roster(conversation_id)
        try:
            size = max(1, int(query.get("pageSize", "200")))
            start = int(query.get("continuationToken", "0"))
        except ValueError:
            return web.json_response(error_body(400), status=400)
        page: dict[str, Any] = {"members": roster[start : start + size]}
        if start + size < len(roster):
            page["continuationToken"] = str(start + size)
        return web.json_response(page)

    def _member(self, conversation_id: str, member_id: str) -> web.Response:
        for member in self._roster(conversation_id):
            if member_id in (member.get("id"), member.get("aadObjectId")):
                return web.json_response(member)
        return web.json_response(
            error_body(404, "MemberNotFoundInConversation", "The member was not found."),
            status=404,
        )

    @staticmethod
    def _not_found() -> web.Response:
        return web.json_response(
            error_body(404, "NotFound", "No such route in the fake."), status=404
        )
