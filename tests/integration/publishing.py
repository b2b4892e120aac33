"""What the publishing tests share: the demo's scenario, an incident opened from its alert as a
webhook would, and the pipeline context that answers from its replay."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.incident.context import PipelineContext
from bot.incident.correlate import correlate_pending
from bot.incident.models import IncidentRecord
from bot.policy import DEFAULT_POLICY
from bot.scenario.loader import load_scenario
from bot.scenario.schemas import Scenario
from bot.signal.flows import accept_signals
from bot.signal.sources import normalize
from bot.wiring.evidence import SHIPPED_SCENARIOS, replay_evidence

__all__ = ["SCENARIO", "open_incident", "replay_context"]

SCENARIO = load_scenario(SHIPPED_SCENARIOS / "billing-parser-deploy.yaml")


async def open_incident(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    *,
    scenario: Scenario = SCENARIO,
    payload: Any = None,
) -> int:
    """Accept the scenario's first alert (or ``payload`` in its place) and correlate it; the
    newest incident's id."""
    alert = scenario.deliveries[0]
    body = payload if payload is not None else alert.payload
    signals = normalize(
        alert.source,
        body,
        received_at=clock.now(),
        body_digest=hashlib.sha256(json.dumps(body).encode()).hexdigest(),
    )
    await accept_signals(signals, sessions=sessions, clock=clock)
    await correlate_pending(sessions=sessions, clock=clock, catalog=scenario.to_catalog())
    async with sessions() as session:
        query = select(IncidentRecord.id).order_by(IncidentRecord.id.desc()).limit(1)
        return int((await session.execute(query)).scalar_one())


def replay_context(scenario: Scenario = SCENARIO, **limits: Any) -> PipelineContext:
    """The pipeline's context answering from ``scenario``'s replay, with the default policy
    and a 3 s deadline; ``limits`` set any other field (``charts``, ``narrator``, ``lease``)."""
    sources, catalog = replay_evidence([scenario])
    return PipelineContext(
        sources=sources, catalog=catalog, policy=DEFAULT_POLICY, deadline=3.0, **limits
    )
