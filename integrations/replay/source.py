"""Evidence ports over replay scenarios: deploys, metric series and log lines of the asked
service inside the asked window, exactly as the scenarios recorded them."""

from __future__ import annotations

from collections.abc import Sequence

from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import Deploy, LogRecord, MetricSeries
from bot.scenario.models import Scenario

__all__ = ["ReplayEvidence"]


class ReplayEvidence:
    """Implements ``DeploySource``, ``MetricsSource`` and ``LogSource`` from scenarios."""

    name = "replay"

    def __init__(self, scenarios: Sequence[Scenario]) -> None:
        self._scenarios = tuple(scenarios)

    async def deploys(self, query: EvidenceQuery) -> Sequence[Deploy]:
        return [
            Deploy(
                service=deploy.service,
                sha=deploy.sha,
                at=deploy.at,
                author=deploy.author,
                pr=deploy.pr,
                title=deploy.title,
                files=tuple(deploy.files),
                has_migration=deploy.has_migration,
                succeeded=deploy.status == "succeeded",
            )
            for scenario in self._scenarios
            for deploy in scenario.deploys
            if deploy.service == query.service and query.since <= deploy.at <= query.until
        ]

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

    async def logs(self, query: EvidenceQuery) -> Sequence[LogRecord]:
        return [
            LogRecord(line.at, line.service, line.level, line.message, line.count)
            for scenario in self._scenarios
            for line in scenario.logs
            if line.service == query.service and query.since <= line.at <= query.until
        ]
