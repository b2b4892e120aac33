"""The web server builder: alert webhooks, health and metrics, and in sandbox mode the
console's read-only incidents, on one aiohttp server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog import Catalog
from bot.clock import Clock
from bot.outcomes.service import RecentReport
from bot.settings import Settings
from bot.signal.sources.common import SourceOptions
from bot.telemetry.outbox import actions_by_state, outbox_depth
from bot.transactions import TransactionRunner
from handlers.operations import InFlightRequests, OperationsDeps, add_operations_routes
from handlers.sandbox import SandboxDeps, add_sandbox_routes
from handlers.sandbox.routes import INCIDENTS_PATH
from handlers.webhooks import WebhookDeps, add_webhook_routes
from integrations.prometheus import PrometheusMetrics
from integrations.slack_emulator import SlackEmulator

__all__ = ["WebServer", "start_web"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WebServer:
    """The running server, its address, and what its graceful stop needs."""

    runner: web.AppRunner
    url: str  # http://host:port, the webhooks' base
    in_flight: InFlightRequests
    stopping: asyncio.Event  # set when the stop begins: /readyz then says not ready


def _secrets(settings: Settings) -> Callable[[str], str | None]:
    def secret_for(source: str) -> str | None:
        secret = settings.webhook_secret(source)
        return secret.get_secret_value() if secret is not None else None

    return secret_for


def _exposition(
    sessions: async_sessionmaker[AsyncSession], metrics: PrometheusMetrics, clock: Clock
) -> Callable[[], Awaitable[tuple[bytes, str]]]:
    outcomes = RecentReport()

    async def exposition() -> tuple[bytes, str]:
        try:
            async with sessions() as session:
                metrics.outbox(await outbox_depth(session))
                metrics.actions(await actions_by_state(session))
                metrics.outcomes(await outcomes.read(session, now=clock.now()))
        except (SQLAlchemyError, OSError) as exc:
            # The other metrics still matter when the database does not answer.
            log.warning("database figures not read for /metrics: %s", type(exc).__name__)
        return metrics.exposition()

    return exposition


async def start_web(
    settings: Settings,
    *,
    sessions: async_sessionmaker[AsyncSession],
    transactions: TransactionRunner,
    clock: Clock,
    catalog: Catalog,
    metrics: PrometheusMetrics,
    on_accepted: Callable[[], None],
    slack_connected: Callable[[], Awaitable[bool]],
    emulator: SlackEmulator | None,
) -> WebServer:
    """Listen on ``HOST``:``PORT``; the sandbox emulator's console learns where its incidents
    are read from."""
    app = web.Application(client_max_size=settings.webhook_max_body_bytes + 1)
    add_webhook_routes(
        app,
        WebhookDeps(
            sessions=sessions,
            transactions=transactions,
            clock=clock,
            secret_for=_secrets(settings),
            max_body_bytes=settings.webhook_max_body_bytes,
            max_alerts_per_delivery=settings.webhook_max_alerts_per_delivery,
            max_alerts_per_source_minute=settings.webhook_max_alerts_per_source_minute,
            on_accepted=on_accepted,
            source_options=SourceOptions(
                github_deploy_workflows=tuple(settings.github_deploy_workflows)
            ),
            catalog=catalog,
        ),
    )
    in_flight, stopping = InFlightRequests(), asyncio.Event()
    add_operations_routes(
        app,
        OperationsDeps(
            sessions=sessions,
            slack_connected=slack_connected,
            stopping=stopping.is_set,
            metrics=metrics,
            exposition=_exposition(sessions, metrics, clock),
            in_flight=in_flight,
        ),
    )
    if emulator is not None:  # the sandbox console's incidents, read-only
        add_sandbox_routes(app, SandboxDeps(sessions=sessions, clock=clock))
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=settings.shutdown_grace_seconds)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    host, port = runner.addresses[0][:2]
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    if emulator is not None:
        emulator.console.incidents_url = f"{url}{INCIDENTS_PATH}"
    return WebServer(runner=runner, url=url, in_flight=in_flight, stopping=stopping)
