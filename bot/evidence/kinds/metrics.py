"""The service's key metric series (error rate, latency...), over the packet's window and, when
asked, the long look-back."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from bot.evidence.kind import Asker, EvidenceKind, EvidenceRequest, Gathered
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import MetricSeries
from bot.scenario.schemas import Scenario

__all__ = ["KIND", "MetricsSource", "ReplayMetrics"]


class MetricsSource(Protocol):
    name: str

    async def metrics(self, query: EvidenceQuery) -> Sequence[MetricSeries]:
        """The service's key series (error rate, latency...) over the window."""
        ...


class ReplayMetrics:
    """The scenarios' ``metrics`` of the asked service, cut to the asked window."""

    name = "replay"

    def __init__(self, scenarios: Sequence[Scenario]) -> None:
        self._scenarios = tuple(scenarios)

    async def metrics(self, query: EvidenceQuery) -> Sequence[MetricSeries]:
        found = []
        for scenario in self._scenarios:
            for series in scenario.metrics:
                points = tuple(
                    (at, float(value))
                    for at, value in series.points
                    if query.since <= at <= query.until
                )
                if series.service == query.service and points:
                    found.append(MetricSeries(series.service, series.name, series.unit, points))
        return found


async def _gather(
    sources: Sequence[MetricsSource], request: EvidenceRequest, ask: Asker
) -> Gathered:
    """The same series are asked a second time over the long look-back (a source answers a long
    window at a coarser resolution, so the packet's own window keeps its fine one for change
    detection) and kept as ``long_metrics``."""
    found, longer = await asyncio.gather(
        ask("metrics", sources, lambda source: source.metrics(request.query)),
        ask(
            "metrics:long",
            sources if request.long_asked else (),
            lambda s: s.metrics(request.longer),
        ),
    )
    return Gathered(
        {"metrics": found.items, "long_metrics": longer.items}, found.failures + longer.failures
    )


KIND: EvidenceKind[MetricsSource] = EvidenceKind("metrics", 20, _gather, ReplayMetrics)
