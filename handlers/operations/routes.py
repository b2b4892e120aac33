"""``GET /readyz`` and ``GET /metrics`` on the webhook server (``/healthz`` lives with the
webhook routes).

Liveness (``/healthz``) says the process serves HTTP and the database answers. Readiness says
the bot can do its whole job now: the database answers **and** the Socket Mode websocket to
Slack is open, and it is not shutting down. A 503 names every failing check, so an operator
reading ``kubectl describe`` knows which one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.telemetry.metrics import Metrics
from handlers.operations.alert_counts import alert_counts
from handlers.operations.in_flight import InFlightRequests

__all__ = ["OperationsDeps", "add_operations_routes"]

DATABASE_CHECK_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class OperationsDeps:
    sessions: async_sessionmaker[AsyncSession]
    slack_connected: Callable[[], Awaitable[bool]]
    stopping: Callable[[], bool]  # True once shutdown began
    metrics: Metrics
    # The metrics in Prometheus' text format and its content type, refreshed for this scrape.
    exposition: Callable[[], Awaitable[tuple[bytes, str]]]
    # Requests being handled, which shutdown waits for.
    in_flight: InFlightRequests = field(default_factory=InFlightRequests)


async def _database_problem(sessions: async_sessionmaker[AsyncSession]) -> str | None:
    try:
        async with asyncio.timeout(DATABASE_CHECK_SECONDS), sessions() as session:
            await session.execute(text("SELECT 1"))
    except TimeoutError:
        return f"no answer within {DATABASE_CHECK_SECONDS:g}s"
    except (SQLAlchemyError, OSError) as exc:
        # The type only: a driver's message may quote the connection string.
        return f"unreachable ({type(exc).__name__})"
    return None


def add_operations_routes(app: web.Application, deps: OperationsDeps) -> None:
    """Add the routes, track requests in flight, and count every webhook answer into
    ``deps.metrics``."""
    app.middlewares.append(deps.in_flight.middleware())
    app.middlewares.append(alert_counts(deps.metrics))

    async def readyz(_request: web.Request) -> web.Response:
        problems: dict[str, str] = {}
        if deps.stopping():
            problems["process"] = "shutting down"
        database = await _database_problem(deps.sessions)
        if database is not None:
            problems["database"] = database
        if not await deps.slack_connected():
            problems["slack"] = "Socket Mode not connected"
        if problems:
            reason = "; ".join(f"{check}: {problem}" for check, problem in problems.items())
            return web.json_response(
                {"ok": False, "reason": reason, "checks": problems}, status=503
            )
        return web.json_response({"ok": True})

    async def metrics(_request: web.Request) -> web.Response:
        body, content_type = await deps.exposition()
        return web.Response(body=body, headers={"Content-Type": content_type})

    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
