"""Whether the incident got better after an action: the second half of verification (the first
is the rollout itself, from the cluster).

Two kinds of evidence count, whichever comes first within the window: every alert of the
incident has resolved (the sources said so through their webhooks), or the metric that spiked
is back under the threshold the analysis used to call it a spike, in a reading taken after the
action. No reading after the action is not a recovery: the result then says what is unknown.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.analysis.spike import detect_spike
from bot.clock import Clock
from bot.errors import SourceUnavailableError
from bot.evidence.gather import EvidenceSources
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import MetricSeries
from bot.incident import conditions

__all__ = ["Recovery", "RecoveryCheck", "metric_recovery"]

SPIKE_RATIO = 3.0  # the analysis's own (bot.analysis.spike.detect_spike)
LOOKBACK = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Recovery:
    """``recovered`` is None when the evidence could not tell either way."""

    recovered: bool | None
    detail: str


def _number(value: float) -> str:
    return f"{value:.3g}"


def metric_recovery(series: Sequence[MetricSeries], *, since: datetime) -> Recovery | None:
    """The verdict of the first series that spiked before ``since`` and has a reading after
    it; None when no series says anything."""
    for one in series:
        before = MetricSeries(
            one.service, one.name, one.unit, tuple(p for p in one.points if p[0] <= since)
        )
        spike = detect_spike(before, ratio=SPIKE_RATIO)
        if spike is None:
            continue
        after = [value for at, value in one.points if at > since]
        if not after:
            continue
        threshold = spike.baseline * SPIKE_RATIO
        unit = f" {one.unit}" if one.unit else ""
        if after[-1] < threshold:
            return Recovery(
                True,
                f"{one.name} back to {_number(after[-1])}{unit} "
                f"(threshold {_number(threshold)}{unit}, baseline {_number(spike.baseline)})",
            )
        return Recovery(
            False,
            f"{one.name} still {_number(after[-1])}{unit} (threshold {_number(threshold)}{unit})",
        )
    return None


@dataclass(frozen=True, slots=True)
class RecoveryCheck:
    """Polls the incident's alerts and the service's metrics until one shows recovery or
    ``window`` seconds have passed."""

    sessions: async_sessionmaker[AsyncSession]
    sources: EvidenceSources
    clock: Clock
    window: float
    poll_interval: float = 5.0

    async def _alerts_resolved(self, incident_id: int) -> bool:
        async with self.sessions() as session:
            return (await conditions.states_of(session, incident_id)).all_resolved

    async def _metrics(self, service: str, since: datetime) -> Recovery | None:
        query = EvidenceQuery(service=service, since=since - LOOKBACK, until=self.clock.now())
        for source in self.sources.metrics:
            try:
                found = metric_recovery(await source.metrics(query), since=since)
            except SourceUnavailableError:
                continue
            if found is not None:
                return found
        return None

    async def check(self, *, incident_id: int, service: str, since: datetime) -> Recovery:
        deadline = time.monotonic() + self.window
        last: Recovery | None = None
        while True:
            if await self._alerts_resolved(incident_id):
                return Recovery(True, f"every alert of INC-{incident_id} has resolved")
            last = await self._metrics(service, since) or last
            if last is not None and last.recovered:
                return last
            if time.monotonic() >= deadline:
                break
            await asyncio.sleep(min(self.poll_interval, max(0.0, deadline - time.monotonic())))
        if last is not None:
            return last
        return Recovery(
            None,
            f"no alert resolved and no metric reading after the action within {self.window:g}s",
        )
