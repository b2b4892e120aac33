"""A bench-only evidence source: answers from a replay scenario after a set latency.

It implements the core's evidence ports (``bot/evidence/ports.py``): each call sleeps its latency,
then asks the replay source for the scenario's own service (every bench service gets the same
recorded evidence, as if each had had the same bad deploy).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import replace

from bot.evidence.gather import EvidenceSources
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import (
    ChangeWindow,
    ClusterState,
    Deploy,
    FlagChange,
    LogRecord,
    MetricSeries,
)
from integrations.replay import ReplayEvidence

__all__ = ["LatentReplay", "latent_sources"]


class LatentReplay:
    """Deploys, metrics, logs, cluster, flags and calendar from ``replay`` for ``service``,
    each after ``latency`` seconds."""

    def __init__(
        self,
        replay: ReplayEvidence,
        *,
        service: str,
        latency: float,
        name: str,
        trace: Callable[[str], None] | None = None,
    ) -> None:
        self._replay = replay
        self._service = service
        self._latency = latency
        self.name = name
        self._trace = trace

    async def _asked(self, query: EvidenceQuery) -> EvidenceQuery:
        if self._trace is not None:
            self._trace(f"source {self.name} asked ({query.service})")
        await asyncio.sleep(self._latency)
        if self._trace is not None:
            self._trace(f"source {self.name} answers ({query.service})")
        return replace(query, service=self._service, namespace=None)

    async def deploys(self, query: EvidenceQuery) -> Sequence[Deploy]:
        return await self._replay.deploys(await self._asked(query))

    async def metrics(self, query: EvidenceQuery) -> Sequence[MetricSeries]:
        return await self._replay.metrics(await self._asked(query))

    async def logs(self, query: EvidenceQuery) -> Sequence[LogRecord]:
        return await self._replay.logs(await self._asked(query))

    async def cluster(self, query: EvidenceQuery) -> ClusterState:
        return await self._replay.cluster(await self._asked(query))

    async def flag_changes(self, query: EvidenceQuery) -> Sequence[FlagChange]:
        return await self._replay.flag_changes(await self._asked(query))

    async def change_windows(self, query: EvidenceQuery) -> Sequence[ChangeWindow]:
        return await self._replay.change_windows(await self._asked(query))


def latent_sources(
    replay: ReplayEvidence,
    *,
    service: str,
    latency: float,
    slow_latency: float,
    trace: Callable[[str], None] | None = None,
) -> EvidenceSources:
    """Every port answered after ``latency``, except logs after ``slow_latency`` (the slow
    source: the floor of the packet's time). ``trace`` is told of every question and answer."""
    fast = LatentReplay(replay, service=service, latency=latency, name="fast-replay", trace=trace)
    slow = LatentReplay(
        replay, service=service, latency=slow_latency, name="slow-replay", trace=trace
    )
    return EvidenceSources(
        deploys=[fast], metrics=[fast], logs=[slow], cluster=[fast], flags=[fast], calendar=[fast]
    )
