"""``GET /healthz`` and ``GET /readyz``: for a load balancer or an orchestrator's probes.

Neither needs Bot Framework authentication, and the tenant allow-list (which guards
``/api/messages`` alone) does not apply; neither says anything about the records.

- ``/healthz``: the process is up and answering. 200 ``{"status": "ok"}``; never touches
  the store, so a database outage does not get the process restarted.
- ``/readyz``: the store answers a trivial query within a few seconds, and its schema is
  at the newest migration this code ships (the Alembic revision in the database equals
  the scripts' head). 200 when both hold; otherwise 503 naming the check that failed
  (``store`` or ``migrations``) with a one-line reason: never a stack trace, never a 500.
"""

from __future__ import annotations

import asyncio
import functools

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.db import Store
from bot.store.revisions import script_heads, stored_revisions

READY_TIMEOUT = 3.0


@functools.cache
def expected_revisions() -> frozenset[str]:
    """The head revision(s) of the migration scripts shipped with this code (read without
    Alembic: ``bot.store.revisions``), once per process."""
    return script_heads()


async def store_revisions(engine: AsyncEngine, within: float) -> frozenset[str]:
    """The store's Alembic revision(s), after a trivial query; raises when the store does
    not answer within ``within`` seconds."""
    async with asyncio.timeout(within), engine.connect() as conn:
        await conn.exec_driver_sql("SELECT 1")
        return await conn.run_sync(stored_revisions)


async def readiness(engine: AsyncEngine, within: float = READY_TIMEOUT) -> tuple[str, str] | None:
    """None when ready, else (the check that failed, why) in words safe to show anyone."""
    try:
        current = await store_revisions(engine, within)
    except Exception as exc:
        return "store", f"the store did not answer ({type(exc).__name__})"
    expected = expected_revisions()
    if current != expected:
        have = ", ".join(sorted(current)) or "no revision"
        return "migrations", (
            f"the store is at {have}; this code needs {', '.join(sorted(expected))} "
            "(run mace-bot migrate, or restart the bot, which migrates at start)"
        )
    return None


def add_health_routes(app: web.Application, store: Store) -> None:
    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(request: web.Request) -> web.Response:
        try:
            failed = await readiness(store.engine)
        except Exception as exc:  # belt and braces: a probe answers 503, never 500
            failed = "store", f"the readiness check failed ({type(exc).__name__})"
        if failed is not None:
            check, reason = failed
            return web.json_response(
                {"status": "unavailable", "failed": check, "reason": reason},
                status=503,
                headers={"Cache-Control": "no-store"},
            )
        return web.json_response(
            {"status": "ready", "checks": {"store": "ok", "migrations": "ok"}},
            headers={"Cache-Control": "no-store"},
        )

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
