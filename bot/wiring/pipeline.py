"""The pipeline builder: the worker that correlates alerts and publishes incidents, with the
context it gathers, analyses and posts by."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.chat import Chat
from bot.clock import Clock
from bot.evidence.late import LateArrival, LateEvidence
from bot.incident.context import PipelineContext
from bot.incident.packet import late_evidence_arrived
from bot.narrator import Narrator
from bot.pipeline import PipelineWorker
from bot.policy import Policy
from bot.runbook.loader import RunbookLibrary
from bot.settings import Settings
from bot.telemetry.metrics import Metrics
from bot.wiring.evidence import Evidence, pipeline_sources
from integrations.charts import MatplotlibCharts

__all__ = ["pipeline_worker"]


def pipeline_worker(
    settings: Settings,
    *,
    sessions: async_sessionmaker[AsyncSession],
    chat: Chat,
    evidence: Evidence,
    policy: Policy,
    runbooks: RunbookLibrary,
    metrics: Metrics,
    narrator: Narrator | None,
    clock: Clock,
    poll_interval: float,
) -> PipelineWorker:
    """The worker (not yet started). A source that answers after the evidence deadline wakes
    it, so the packet is rebuilt with the late answer (``EVIDENCE_LATE_SECONDS``)."""

    async def arrived(arrival: LateArrival) -> None:
        if await late_evidence_arrived(arrival, sessions=sessions, clock=clock):
            worker.wake()

    late = None
    if settings.evidence_late_seconds > 0:
        late = LateEvidence(limit=settings.evidence_late_seconds, on_arrival=arrived)
    worker = PipelineWorker(
        sessions=sessions,
        chat=chat,
        context=PipelineContext(
            sources=pipeline_sources(evidence, sessions),
            catalog=evidence.catalog,
            policy=policy,
            runbooks=runbooks,
            deadline=settings.evidence_deadline_seconds,
            correlation_window=timedelta(minutes=settings.correlation_window_minutes),
            packet_update_interval=timedelta(seconds=settings.packet_update_interval_seconds),
            lease=timedelta(seconds=settings.slack_lease_seconds),
            metrics=metrics,
            charts=MatplotlibCharts(),
            late=late,
            narrator=narrator,
        ),
        clock=clock,
        poll_interval=poll_interval,
    )
    return worker
