"""``mace-bot chase run`` and ``mace-bot outbox status``: chasing and delivery from the
bot's host.

``chase run`` plans and queues today's reminders and escalations now, as the 07:30 job
does; every reminder has a key recorded once, so a second run the same day (or the job
after it) queues nothing new. What it queues is sent by the running bot's outbox sender,
which picks new rows up within seconds. ``outbox status`` counts the outbox by kind and
state, says how long the oldest waiting message has waited and which senders are alive.
Both print counts, kinds, states and ages only: never a payload, a name or any card text.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.domain.clock import Clock, SystemClock
from bot.services.factory import ServiceFactory, build_store
from bot.services.outbox import WAITING, OutboxStatus
from bot.store import tables as t
from bot.store.db import migrate

COMMANDS = frozenset({"chase", "outbox"})

#: A sender whose heartbeat is older than this is shown as stale (the sender's ``dead_after``).
ALIVE_WITHIN = timedelta(seconds=15)


def register(sub: Any) -> None:
    """Adds ``chase`` and ``outbox`` to the ``mace-bot`` subparsers."""
    chase = sub.add_parser("chase", help="chasing: reminders and escalations of due actions")
    chase_sub = chase.add_subparsers(dest="chase_command", required=True)
    chase_sub.add_parser(
        "run",
        help="queue today's reminders and escalations now and print what was queued "
        "(a second run the same day queues nothing new)",
    )
    outbox = sub.add_parser("outbox", help="proactive messages: reminders, briefs, notices")
    outbox_sub = outbox.add_subparsers(dest="outbox_command", required=True)
    outbox_sub.add_parser(
        "status", help="counts by kind and state, the oldest waiting message, running senders"
    )


def run(settings: Settings, args: argparse.Namespace, *, clock: Clock | None = None) -> int:
    clock = clock or SystemClock()
    try:
        if args.command == "chase":
            return asyncio.run(_chase(settings, clock))
        return asyncio.run(_status(settings, clock))
    except (SQLAlchemyError, OSError) as exc:
        print(f"The store cannot be reached ({type(exc).__name__}).", file=sys.stderr)
        return 1


async def _chase(settings: Settings, clock: Clock) -> int:
    store = build_store(settings)
    try:
        await migrate(store.engine)
        report = await ServiceFactory(settings, store, clock).chase.run()
    finally:
        await store.close()
    if not (report.digests or report.notices):
        print("Nothing new to queue: today's reminders and escalations are already queued.")
        return 0
    print(
        f"Queued {report.digests} digest(s) covering {report.reminders} reminder(s), and "
        f"{report.notices} escalation notice(s) for {report.escalations} action(s). "
        "A running bot sends them (see: mace-bot outbox status)."
    )
    return 0


async def _status(settings: Settings, clock: Clock) -> int:
    store = build_store(settings)
    now = clock.now()
    try:
        await migrate(store.engine)
        async with store.reading() as session:
            counts = (
                await session.execute(
                    select(t.OutboxMessage.kind, t.OutboxMessage.status, func.count())
                    .group_by(t.OutboxMessage.kind, t.OutboxMessage.status)
                    .order_by(t.OutboxMessage.kind, t.OutboxMessage.status)
                )
            ).all()
            oldest = await session.scalar(
                select(func.min(t.OutboxMessage.created_at)).where(
                    t.OutboxMessage.status.in_([*WAITING, OutboxStatus.SENDING])
                )
            )
            beats = list(await session.scalars(select(t.OutboxWorker.last_seen)))
    finally:
        await store.close()
    states = [s.value for s in OutboxStatus]
    table: dict[str, dict[str, int]] = defaultdict(dict)
    for kind, status, count in counts:
        table[kind][status] = int(count)
    if not table:
        print("The outbox is empty.")
    else:
        width = max(len("kind"), *(len(k) for k in table))
        print("kind".ljust(width), *(s.rjust(len(s)) for s in states))
        for kind in sorted(table):
            row = table[kind]
            print(kind.ljust(width), *(str(row.get(s, 0)).rjust(len(s)) for s in states))
    if oldest is None:
        print("Nothing waiting to be sent.")
    else:
        queued = _utc(oldest)
        print(
            f"Oldest message not yet sent: waiting {_age(now - queued)} "
            f"(queued {queued:%Y-%m-%d %H:%M} UTC)."
        )
    alive = sum(1 for seen in beats if now - _utc(seen) <= ALIVE_WITHIN)
    print(
        f"Senders: {alive} running (heartbeat within {ALIVE_WITHIN.seconds} s), "
        f"{len(beats) - alive} stale."
    )
    return 0


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _age(delta: timedelta) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"
