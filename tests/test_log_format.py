"""The two log formats: JSON lines for a collector, text for a person; both carry the
request id and ``extra`` fields, and neither writes an exception's message."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest

from bot.observability import context
from bot.observability.logs import (
    QUIET_LOGGERS,
    JsonFormatter,
    TextFormatter,
    configure_logging,
    install_record_factory,
    request_id_from,
    resolve_format,
)

TYPED = "Sentinel 4F7 typed into a minute"


@pytest.fixture
def root_saved() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    try:
        yield
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)


def record_with_failure() -> logging.LogRecord:
    install_record_factory()
    token = context.request_id.set("req-1")
    try:
        raise ValueError(f"INSERT ... VALUES ('{TYPED}')")
    except ValueError:
        record = logging.getLogger("bot.test").makeRecord(
            "bot.test",
            logging.ERROR,
            __file__,
            1,
            "could not save: %s",
            ("OperationalError",),
            sys.exc_info(),
            extra={"outbox_id": 7, "kind": "digest"},
        )
    finally:
        context.request_id.reset(token)
    return record


def test_json_lines_carry_the_fields_and_never_an_exception_message() -> None:
    line = JsonFormatter().format(record_with_failure())
    data = json.loads(line)
    assert data["level"] == "ERROR" and data["logger"] == "bot.test"
    assert data["message"] == "could not save: OperationalError"
    assert data["request_id"] == "req-1"
    assert data["outbox_id"] == 7 and data["kind"] == "digest"
    assert data["timestamp"].endswith("Z")
    assert data["error"] == "ValueError" and "record_with_failure" in data["stack"]
    assert TYPED not in line and "\n" not in line


def test_text_lines_carry_the_same_and_never_an_exception_message() -> None:
    text = TextFormatter().format(record_with_failure())
    first = text.splitlines()[0]
    assert "ERROR bot.test [req-1]: could not save: OperationalError" in first
    assert "outbox_id=7" in first and "kind=digest" in first
    assert "ValueError (message not logged)" in text
    assert TYPED not in text


def test_outside_a_request_the_id_is_none() -> None:
    install_record_factory()
    record = logging.getLogger("bot.test").makeRecord(
        "bot.test", logging.INFO, __file__, 1, "job ran", (), None
    )
    assert record.request_id is None  # type: ignore[attr-defined]
    assert json.loads(JsonFormatter().format(record))["request_id"] is None


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_format_follows_the_setting_or_the_terminal() -> None:
    assert resolve_format("", Tty()) == "text"
    assert resolve_format("", io.StringIO()) == "json"
    assert resolve_format("json", Tty()) == "json"
    assert resolve_format("text", io.StringIO()) == "text"


def test_configure_logging_writes_json_and_keeps_libraries_quiet(root_saved: None) -> None:
    stream = io.StringIO()
    assert configure_logging("DEBUG", "", stream) == "json"
    logging.getLogger("bot.somewhere").info("hello %d", 3, extra={"count": 3})
    logging.getLogger("apscheduler.scheduler").info("Running job outbox")
    logging.getLogger("aiosqlite").debug("executing INSERT")
    lines = [json.loads(x) for x in stream.getvalue().splitlines()]
    assert [(x["logger"], x["message"], x.get("count")) for x in lines] == [
        ("bot.somewhere", "hello 3", 3)
    ]


@pytest.mark.parametrize(
    ("header", "kept"),
    [
        ("abc-123", True),
        ("4bf92f3577b34da6a3ce929d0e0e4736", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("", False),
        ("-leading-dash", False),
        ("has space", False),
        ("new\nline", False),
        ('quote"d', False),
    ],
)
def test_a_request_id_header_is_kept_only_when_safe(header: str, kept: bool) -> None:
    made = request_id_from(header)
    assert (made == header) is kept
    if not kept:
        assert len(made) == 32 and made.isalnum()
