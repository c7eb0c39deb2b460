"""Logs through a whole meeting: nothing anyone typed, and every line a request wrote
carries that request's id.

A meeting is run through the real endpoint with distinctive invented strings planted in
every kind of record (minute, decision, action, share, challenge, update, case reference
and initials), with a turn that fails at the connector, chasing and the outbox. Every
log record at DEBUG, from every logger, is then searched: its message, its arguments,
its extra fields, and the line each of the two log formats writes for it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import COMPONENTS
from bot.domain.clock import FrozenClock
from bot.observability.logs import JsonFormatter, TextFormatter, extras_of
from bot.store import tables as t
from cards import verbs as v
from tests.e2e.harness import DEMO, BotUnderTest
from tests.e2e.scenario import member_id, ok, press, store_of
from tests.e2e.test_access import SECRETS, meeting_with_secrets
from tests.services.test_chase_run import at_london
from tests.support.activities import message

UPDATE = "Sentinel update 8M3: visited the Fernlea address twice"
FAILED_TURN = "Sentinel lost 6J5 typed as the connector failed"
PLANTED = (
    *[s for s in SECRETS if s != "Scarborough"],  # a group's name is not case content
    "disruption plan",
    UPDATE,
    FAILED_TURN,
    *(user.name for user in DEMO.values()),
)
#: Loggers of the bot process itself (the fake connector's server logs on its own).
BOT_LOGGERS = ("bot", "dialogs", "cards", "botbuilder", "botframework")


def written(record: logging.LogRecord) -> str:
    """Everything a handler could write for this record."""
    return "\n".join(
        [
            record.getMessage(),
            repr(record.args),
            repr(extras_of(record)),
            JsonFormatter().format(record),
            TextFormatter().format(record),
        ]
    )


class RequestLog:
    """Wraps ``bot.send`` to check the records each request wrote carry its id."""

    def __init__(self, bot: BotUnderTest, caplog: pytest.LogCaptureFixture) -> None:
        self.caplog = caplog
        self.requests = 0
        self.send: Callable[[dict[str, Any]], Awaitable[tuple[int, Any]]] = bot.send
        self.bot = bot

    async def __call__(self, activity: dict[str, Any]) -> tuple[int, Any]:
        before = len(self.caplog.records)
        reply = await self.send(activity)
        rid = self.bot.last_request_id
        assert rid, "every response carries X-Request-Id"
        during = self.caplog.records[before:]
        lines = [r for r in during if r.name == "bot.http"]
        assert [getattr(r, "request_id", None) for r in lines] == [rid]
        for record in during:
            stamped = getattr(record, "request_id", None)
            if record.name.split(".")[0] in BOT_LOGGERS:
                assert stamped == rid, (record.name, record.getMessage())
            else:  # e.g. the fake connector's server: its own requests, not this one
                assert stamped in (None, rid), (record.name, record.getMessage())
        self.requests += 1
        return reply


async def test_a_whole_meeting_logs_nothing_typed_and_every_line_has_its_request(
    bot: BotUnderTest,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    requests = RequestLog(bot, caplog)
    monkeypatch.setattr(bot, "send", requests)

    secrets = await meeting_with_secrets(bot)
    meeting = secrets.meeting
    ok(await press(bot, "chair", v.ROUND_CLOSE, {"roundId": secrets.round_id}))
    ok(
        await press(
            bot,
            "chair",
            v.MEETING_END,
            {"meetingId": meeting.id},
            {"nextMeetingDate": "2026-12-17"},
            card_id=meeting.agenda_id,
        )
    )

    # Between meetings: the owner updates the action from a personal chat.
    ok(await bot.send(message("my actions", conversation="personal", user=DEMO["police"])))
    store = store_of(bot)
    async with store.reading() as session:
        owner = await member_id(store, "police")
        action = await session.scalar(select(t.Action.id).where(t.Action.owner_member_id == owner))
    assert action is not None
    ok(
        await press(
            bot,
            "police",
            v.ACTION_UPDATE,
            {"actionId": action, f"update-{action}": UPDATE},
            conversation="personal",
        )
    )

    # A turn that fails: the connector refuses every reply, the turn-error handler runs.
    bot.connector.fail_next(500, times=20, method="POST")
    status, _ = await bot.send(
        message(f"help {FAILED_TURN}", conversation="personal", user=DEMO["police"])
    )
    assert status in (201, 502)
    bot.connector.reset()

    # Chasing and the outbox, on the due date.
    clock.set(at_london(date(2026, 12, 3), 9))
    jobs = bot.server.app[COMPONENTS].jobs
    await jobs.fire("chase")
    await jobs.fire("outbox")
    assert bot.connector.sent(), "the reminder went out (the scenario covers delivery)"

    assert requests.requests >= 15
    assert any(r.levelno >= logging.WARNING for r in caplog.records), (
        "the failed turn should have been logged"
    )
    for record in caplog.records:
        line = written(record)
        for planted in PLANTED:
            assert planted not in line, (planted, record.name, line[:500])
