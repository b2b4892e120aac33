"""The bot as a vendor meets it: the real webhook routes on 127.0.0.1, the real database, and the
real pipeline publishing to the shipped Slack emulator through the real Slack client, so a
payload's outcome is followed from the HTTP answer to the incident's packet."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.incident.context import PipelineContext
from bot.incident.models import IncidentRecord
from bot.pipeline import PipelineWorker
from bot.policy import DEFAULT_POLICY
from bot.signal.models import SignalRecord
from bot.signal.sources import SourceOptions
from bot.transactions import TransactionRunner
from bot.wiring.evidence import replay_evidence
from handlers.webhooks import WebhookDeps, add_webhook_routes
from handlers.webhooks.routes import (
    DEFAULT_MAX_ALERTS_PER_DELIVERY,
    DEFAULT_MAX_ALERTS_PER_SOURCE_MINUTE,
)
from integrations.slack.chat import SlackChat
from integrations.slack.client import build_web_client
from integrations.slack_emulator import EmulatorConfig, SlackEmulator

__all__ = ["Answer", "ContractBot", "contract_bot"]


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


class ContractBot:
    def __init__(
        self,
        http: ClientSession,
        server: TestServer,
        sessions: async_sessionmaker[AsyncSession],
        worker: PipelineWorker,
    ) -> None:
        self._http = http
        self._server = server
        self.sessions = sessions
        self.worker = worker

    async def post(self, source: str, body: bytes, headers: dict[str, str]) -> Answer:
        url = self._server.make_url(f"/webhooks/{source}")
        async with self._http.post(url, data=body, headers=headers) as response:
            text = await response.text()
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = {"unparsed": text}
            return Answer(response.status, parsed, dict(response.headers))

    async def run_pipeline(self) -> None:
        """Correlate every waiting signal and publish every incident due, as one pass would
        (twice: publishing a packet may leave a follow-up, such as a severity notice, due)."""
        for _ in range(2):
            await self.worker.run_once()

    async def signals(self, ids: list[int] | None = None) -> list[SignalRecord]:
        query = select(SignalRecord).order_by(SignalRecord.id)
        if ids is not None:
            query = query.where(SignalRecord.id.in_(ids))
        async with self.sessions() as session:
            return list((await session.execute(query)).scalars())

    async def incidents(self) -> list[IncidentRecord]:
        async with self.sessions() as session:
            query = select(IncidentRecord).order_by(IncidentRecord.id)
            return list((await session.execute(query)).scalars())


@asynccontextmanager
async def contract_bot(
    *,
    sessions: async_sessionmaker[AsyncSession],
    transactions: TransactionRunner,
    clock: Clock,
    secret: str,
    max_alerts_per_delivery: int = DEFAULT_MAX_ALERTS_PER_DELIVERY,
    max_alerts_per_source_minute: int = DEFAULT_MAX_ALERTS_PER_SOURCE_MINUTE,
) -> AsyncIterator[ContractBot]:
    """A bot whose every source is configured with ``secret``; GitHub's deploy workflows are
    ``deploy`` and ``test`` (the corpus' workflow_run entry asks for it)."""
    emulator = SlackEmulator(EmulatorConfig(port=0))
    await emulator.start()
    chat = SlackChat(build_web_client(emulator.config.bot_token, base_url=emulator.api_url))
    sources, catalog = replay_evidence([])
    context = PipelineContext(sources=sources, catalog=catalog, policy=DEFAULT_POLICY, deadline=2)
    worker = PipelineWorker(sessions=sessions, chat=chat, context=context, clock=clock)
    app = web.Application()
    add_webhook_routes(
        app,
        WebhookDeps(
            sessions=sessions,
            transactions=transactions,
            clock=clock,
            secret_for=lambda _source: secret,
            max_body_bytes=8 * 1024 * 1024,
            on_accepted=worker.wake,
            source_options=SourceOptions(github_deploy_workflows=("deploy", "test")),
            max_alerts_per_delivery=max_alerts_per_delivery,
            max_alerts_per_source_minute=max_alerts_per_source_minute,
        ),
    )
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    http = ClientSession()
    try:
        yield ContractBot(http, server, sessions, worker)
    finally:
        await http.close()
        await server.close()
        await emulator.stop()
