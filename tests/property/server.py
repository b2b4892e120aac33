"""The real webhook routes on 127.0.0.1 with a fresh migrated SQLite database, driven from
synchronous code.

Hypothesis runs ``@given`` tests synchronously and pytest-asyncio cannot drive them, so the
server, its database and the HTTP client live on one private event loop (an
:class:`asyncio.Runner`) that every call re-enters. One server serves every example of a test:
the rows are counted before and after each request, so an example needs no clean database.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.audit import service as audit
from bot.catalog import Catalog
from bot.clock import FixedClock
from bot.db import create_engine, create_session_factory, upgrade_database
from bot.incident.context import PipelineContext
from bot.incident.correlate import correlate_pending
from bot.incident.models import IncidentRecord
from bot.incident.packet import build_incident_packet
from bot.policy import DEFAULT_POLICY
from bot.quarantine import QUARANTINE_AFTER
from bot.signal.models import SignalRecord
from bot.signal.service import accepted_ids
from bot.transactions import TransactionRunner
from bot.wiring.evidence import replay_evidence
from handlers.webhooks import WebhookDeps, add_webhook_routes
from handlers.webhooks.auth import signed_headers

__all__ = ["CLOCK", "LIMIT", "SECRET", "Answer", "LiveWebhooks", "Rows", "live_webhooks"]

SECRET = "property-tests-secret"
# The body limit the tests configure: small, so that oversized bodies are cheap to send.
LIMIT = 64 * 1024
CHUNK = 16 * 1024
CLOCK = FixedClock(datetime(2026, 3, 4, 14, 6, tzinfo=UTC))  # never moved: one instant for all


@dataclass(frozen=True, slots=True)
class Rows:
    signals: int
    audits: int  # audit rows of any kind
    audited: int = 0  # signals the audit chain records as accepted

    def __sub__(self, before: Rows) -> Rows:
        return Rows(
            self.signals - before.signals,
            self.audits - before.audits,
            self.audited - before.audited,
        )


@dataclass(frozen=True, slots=True)
class Answer:
    """What the server said to one request, the rows it added, and how often it woke the
    pipeline."""

    status: int
    text: str
    added: Rows
    wakeups: int

    def json(self) -> Any:
        return json.loads(self.text)


class LiveWebhooks:
    """Synchronous access to a running webhook server; see :func:`live_webhooks`."""

    def __init__(
        self,
        runner: asyncio.Runner,
        server: TestServer,
        http: ClientSession,
        sessions: async_sessionmaker[AsyncSession],
        wakeups: list[None],
        limit: int,
    ) -> None:
        self._runner = runner
        self._server = server
        self._http = http
        self._sessions = sessions
        self._wakeups = wakeups
        self.limit = limit

    def post(
        self, source: str, body: bytes, headers: dict[str, str], *, chunked: bool = False
    ) -> Answer:
        """POST ``body`` with exactly ``headers``; ``chunked`` sends it without a
        Content-Length, so only the streaming size check can refuse it."""
        return self._runner.run(self._post(source, body, headers, chunked))

    def post_signed(self, source: str, body: bytes, *, chunked: bool = False) -> Answer:
        """POST ``body`` with the credentials a correctly configured ``source`` sends."""
        return self.post(source, body, signed_headers(source, body, SECRET), chunked=chunked)

    async def _post(
        self, source: str, body: bytes, headers: dict[str, str], chunked: bool
    ) -> Answer:
        before, woken = await self._rows(), len(self._wakeups)
        data: bytes | AsyncIterator[bytes] = _chunks(body) if chunked else body
        url = self._server.make_url(f"/webhooks/{source}")
        async with self._http.post(url, data=data, headers=headers) as response:
            status, text = response.status, await response.text()
        return Answer(status, text, await self._rows() - before, len(self._wakeups) - woken)

    def latest_signals(self, count: int) -> list[SignalRecord]:
        """The ``count`` signals stored last."""
        return self._runner.run(self._latest_signals(count))

    async def _latest_signals(self, count: int) -> list[SignalRecord]:
        query = select(SignalRecord).order_by(SignalRecord.id.desc()).limit(count)
        async with self._sessions() as session:
            return list((await session.execute(query)).scalars())

    def process(self, signal_ids: list[int]) -> list[SignalRecord]:
        """Run the pipeline's correlation as many passes as it takes to quarantine a signal that
        always fails, then build the packet of every incident these signals are in (what the
        publisher does before posting); return the signals as they stand then."""
        return self._runner.run(self._process(signal_ids))

    async def _process(self, signal_ids: list[int]) -> list[SignalRecord]:
        for _ in range(QUARANTINE_AFTER):
            await correlate_pending(sessions=self._sessions, clock=CLOCK, catalog=Catalog(()))
        query = select(SignalRecord).where(SignalRecord.id.in_(signal_ids))
        async with self._sessions() as session:
            records = list((await session.execute(query)).scalars())
            incident_ids = {r.incident_id for r in records if r.incident_id is not None}
            found = await session.execute(
                select(IncidentRecord).where(IncidentRecord.id.in_(incident_ids))
            )
            incidents = list(found.scalars())
        sources, catalog = replay_evidence([])
        context = PipelineContext(
            sources=sources, catalog=catalog, policy=DEFAULT_POLICY, deadline=1.0
        )
        for incident in incidents:
            await build_incident_packet(
                incident, sessions=self._sessions, context=context, clock=CLOCK
            )
        return records

    async def _rows(self) -> Rows:
        async with self._sessions() as session:
            signals = await session.scalar(select(func.count()).select_from(SignalRecord))
            entries = await audit.entries(session)
        return Rows(int(signals or 0), len(entries), len(accepted_ids(entries)))


async def _chunks(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), CHUNK):
        yield body[start : start + CHUNK]


@contextmanager
def live_webhooks(database: Path, *, limit: int) -> Iterator[LiveWebhooks]:
    """Every webhook route, each source configured with :data:`SECRET`, bodies limited to
    ``limit`` bytes, storing into ``database`` (a new SQLite file) until the block ends."""
    wakeups: list[None] = []
    with asyncio.Runner() as runner:
        engine, server, http = runner.run(
            _start(f"sqlite+aiosqlite:///{database}", limit, lambda: wakeups.append(None))
        )
        try:
            yield LiveWebhooks(runner, server, http, create_session_factory(engine), wakeups, limit)
        finally:
            runner.run(_stop(engine, server, http))


async def _start(
    database_url: str, limit: int, on_accepted: Callable[[], None]
) -> tuple[AsyncEngine, TestServer, ClientSession]:
    engine = create_engine(database_url)
    await upgrade_database(engine)
    transactions = TransactionRunner(engine)
    app = web.Application(client_max_size=limit + 1)
    app.on_cleanup.append(lambda _app: transactions.close())
    add_webhook_routes(
        app,
        WebhookDeps(
            sessions=create_session_factory(engine),
            transactions=transactions,
            clock=CLOCK,
            secret_for=lambda _source: SECRET,
            max_body_bytes=limit,
            on_accepted=on_accepted,
        ),
    )
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return engine, server, ClientSession()


async def _stop(engine: AsyncEngine, server: TestServer, http: ClientSession) -> None:
    await http.close()
    await server.close()
    await engine.dispose()
