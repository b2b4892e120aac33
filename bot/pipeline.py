"""The pipeline worker: drains the outbox of accepted signals and gives incidents their channel
and packet. It runs from the database, not from memory: a wake-up after each accepted alert
makes it prompt, and a periodic pass makes it resume after any crash or lost wake-up."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.chat import Chat
from bot.clock import Clock
from bot.incident import service as incidents
from bot.incident.flows import PipelineContext, correlate_pending, publish_incident

__all__ = ["PipelineWorker"]

log = logging.getLogger(__name__)


class PipelineWorker:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        chat: Chat,
        context: PipelineContext,
        clock: Clock,
        poll_interval: float = 1.0,
        concurrency: int = 4,
    ) -> None:
        self._sessions = sessions
        self._chat = chat
        self._context = context
        self._clock = clock
        self._poll_interval = poll_interval
        self._slots = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.passes = 0

    def wake(self) -> None:
        """Ask for a pass now (called after an alert is committed)."""
        self._wake.set()

    async def run_once(self) -> None:
        """One pass: correlate every pending signal, then publish incidents, most severe first."""
        await correlate_pending(
            sessions=self._sessions,
            clock=self._clock,
            catalog=self._context.catalog,
            window=self._context.correlation_window,
        )
        async with self._sessions() as session:
            due = [i.id for i in await incidents.needing_slack_work(session, now=self._clock.now())]
        await asyncio.gather(*(self._publish(incident_id) for incident_id in due))
        self.passes += 1

    async def _publish(self, incident_id: int) -> None:
        async with self._slots:
            await publish_incident(
                incident_id,
                sessions=self._sessions,
                chat=self._chat,
                context=self._context,
                clock=self._clock,
            )

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The outbox keeps the work; the next pass retries it. Logged, never silent.
                log.exception("pipeline pass failed; retrying")
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_interval)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="pipeline-worker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None
