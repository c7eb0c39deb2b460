"""Log lines as JSON (one object a line) or plain text, each with the request it belongs to.

``LOG_FORMAT``: ``json`` (for a log collector: the container), ``text`` (for a person:
``make run`` sets it), or empty: text when standard error is a terminal, JSON otherwise.

Every record carries ``request_id``: the id of the HTTP request being handled when it was
written (``None`` outside one), taken from an incoming ``X-Request-Id`` header when that is
a short safe token, otherwise generated, and returned in the response's ``X-Request-Id``.

What a line may hold: the message, its arguments and ``extra`` fields, which the code
keeps to ids, kinds, counts and error types. An exception is written as its type and the
frames it passed through, never its text: a database error quotes the values it was
given, and those can be what someone typed.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TextIO

from aiohttp import web

from bot.observability import context

log = logging.getLogger("bot.http")

REQUEST_ID_HEADER = "X-Request-Id"
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}")
LOG_FORMATS = ("json", "text")
#: Libraries whose lines are noise (the scheduler says so on every 20-second outbox run)
#: or, at DEBUG, could echo what they carry (SQL and HTTP traffic): never below these.
QUIET_LOGGERS = {
    "apscheduler": logging.WARNING,
    "aiosqlite": logging.INFO,
    "asyncpg": logging.INFO,
    "msrest": logging.INFO,
    "urllib3": logging.INFO,
    "msal": logging.INFO,
}
#: Probes are polled every few seconds: their lines are DEBUG, not INFO.
QUIET_ROUTES = frozenset({"/healthz", "/readyz"})

# Everything a LogRecord has of its own; anything else on a record came in ``extra``.
_RECORD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
}

_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def request_id_from(header: str | None) -> str:
    """The caller's id when it is a short token of safe characters, else a new one."""
    if header and _SAFE_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def install_record_factory() -> None:
    """Stamp every record with the current request id (idempotent). Done on the record
    itself, not in a handler, so every handler (and pytest's caplog) sees it."""
    current = logging.getLogRecordFactory()
    if getattr(current, "_mace_request_ids", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        record.request_id = context.request_id.get()
        return record

    factory._mace_request_ids = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def extras_of(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a caller passed in ``extra``."""
    return {
        key: value
        for key, value in record.__dict__.items()
        if key not in _RECORD_ATTRS and not key.startswith("_")
    }


def exception_fields(exc_info: Any) -> dict[str, str]:
    """An exception as its type and frames, never its message."""
    if not exc_info or exc_info is True or exc_info[0] is None:
        return {}
    kind, _error, tb = exc_info
    return {
        "error": kind.__qualname__,
        "stack": "".join(traceback.format_tb(tb)).rstrip(),
    }


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: timestamp, level, logger, message, request_id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in extras_of(record).items():
            line.setdefault(key, _jsonable(value))
        line.update(exception_fields(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``time LEVEL logger [request id]: message key=value ...`` for a person reading."""

    def format(self, record: logging.LogRecord) -> str:
        head = f"{self.formatTime(record)} {record.levelname} {record.name}"
        rid = getattr(record, "request_id", None)
        if rid:
            head = f"{head} [{rid}]"
        text = f"{head}: {record.getMessage()}"
        extras = " ".join(f"{k}={v}" for k, v in extras_of(record).items())
        if extras:
            text = f"{text} {extras}"
        failure = exception_fields(record.exc_info)
        if failure:
            text = f"{text}\n{failure['error']} (message not logged)\n{failure['stack']}"
        if record.stack_info:
            text = f"{text}\n{self.formatStack(record.stack_info)}"
        return text


def resolve_format(setting: str, stream: TextIO) -> str:
    if setting in LOG_FORMATS:
        return setting
    isatty = getattr(stream, "isatty", None)
    return "text" if isatty is not None and isatty() else "json"


def configure_logging(level: str, log_format: str = "", stream: TextIO | None = None) -> str:
    """Send every logger's records to standard error in the chosen format; returns it."""
    stream = stream or sys.stderr
    chosen = resolve_format(log_format, stream)
    install_record_factory()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if chosen == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name, floor in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(max(floor, root.level))
    return chosen


def _route_of(request: web.Request) -> str:
    """The route's pattern (``/meetings/{meeting_id}``), never the path itself nor its
    query: a page's address carries ids and a filter (bot.domain.page_addresses)."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give the request an id for every line logged while it runs, return it in the
    response, and log one line for the request (route pattern, status, time taken)."""
    rid = request_id_from(request.headers.get(REQUEST_ID_HEADER))
    token = context.request_id.set(rid)
    started = time.perf_counter()
    status = 500
    try:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            status = exc.status
            exc.headers[REQUEST_ID_HEADER] = rid
            raise
        status = response.status
        if not response.prepared:
            response.headers[REQUEST_ID_HEADER] = rid
        return response
    finally:
        route = _route_of(request)
        log.log(
            logging.DEBUG if route in QUIET_ROUTES else logging.INFO,
            "%s %s %d",
            request.method,
            route,
            status,
            extra={
                "method": request.method,
                "route": route,
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        context.request_id.reset(token)
