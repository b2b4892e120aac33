"""The two servers a run measures, each listening on 127.0.0.1 on a free port in this process:
the bot's webhook routes over a fresh SQLite (or PostgreSQL) database (migrated the normal way,
the pipeline worker not running, so only accepting is measured), and a bare aiohttp handler as
the ceiling."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.ingest.alerts import SECRET
from bot.audit import service as audit
from bot.audit.writer import use_signing_key
from bot.clock import SystemClock
from bot.db import create_engine, create_session_factory, upgrade_database
from bot.settings import Settings
from bot.signal.models import SignalRecord
from bot.signal.service import accepted_ids
from bot.transactions import TransactionRunner
from handlers.webhooks import WebhookDeps, add_webhook_routes

__all__ = ["Listening", "bare_server", "bot_server", "stored"]

HOST = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class Listening:
    port: int
    sessions: async_sessionmaker[AsyncSession] | None  # the bot's database; None for bare


@asynccontextmanager
async def _serving(app: web.Application) -> AsyncIterator[int]:
    runner = web.AppRunner(app, access_log=None)  # as the bot's composition root does
    await runner.setup()
    site = web.TCPSite(runner, HOST, 0)
    await site.start()
    try:
        yield int(runner.addresses[0][1])
    finally:
        await runner.cleanup()


@asynccontextmanager
async def bare_server() -> AsyncIterator[Listening]:
    """Reads the body and answers 200: what aiohttp alone costs per request."""

    async def ok(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/webhooks/{source}", ok)
    async with _serving(app) as port:
        yield Listening(port, None)


@asynccontextmanager
async def bot_server(database_url: str, *, sign: bool = False) -> AsyncIterator[Listening]:
    """The bot's webhook routes as its composition root builds them (the default body limit,
    every source configured), storing into a new database (a SQLite file, or an empty
    PostgreSQL database); accepting wakes nothing. With ``sign`` the audit rows are signed, as
    with ``AUDIT_SIGNING_KEY``."""
    limit: int = Settings.model_fields["webhook_max_body_bytes"].default
    engine = create_engine(database_url)
    use_signing_key(Ed25519PrivateKey.generate() if sign else None)
    try:
        await upgrade_database(engine)
        sessions = create_session_factory(engine)
        transactions = TransactionRunner(engine)
        app = web.Application(client_max_size=limit + 1)
        app.on_cleanup.append(lambda _app: transactions.close())
        add_webhook_routes(
            app,
            WebhookDeps(
                sessions=sessions,
                transactions=transactions,
                clock=SystemClock(),
                secret_for=lambda _source: SECRET,
                max_body_bytes=limit,
                on_accepted=lambda: None,
                # The flood cap (WEBHOOK_MAX_ALERTS_PER_SOURCE_MINUTE, 12,000 by default) is a
                # guard an operator sets; left on, a run of a few seconds measures the cap
                # (12,000 in 5 s = 2,400/s, the rest 429), not the accept path.
                max_alerts_per_source_minute=10**9,
            ),
        )
        async with _serving(app) as port:
            yield Listening(port, sessions)
    finally:
        use_signing_key(None)
        await engine.dispose()


async def stored(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    """How many signals the database holds, and how many distinct signals its audit chain
    (verified first) records as accepted."""
    async with sessions() as session:
        signals = await session.scalar(select(func.count()).select_from(SignalRecord))
        await audit.verify(session)
        audited = set(accepted_ids(await audit.entries(session)))
    return int(signals or 0), len(audited)
