"""Evidence about a service includes its declared dependencies' deploys, metrics and logs.

An on-call engineer who sees a service fail looks at what it depends on: did the database's CPU
pin, did someone push the DNS zone or the CDN rules, is the edge returning 5xx? Each source
answers for one service; :func:`with_neighbours` wraps the deploy, metric and log sources so a
query for a service also asks for each dependency the catalog declares (same window), and
returns both, every record still labelled with its own service. The analysis tells them apart.
Deploys are asked two levels down (a configuration pushed under a dependency), metrics of the
callers too (their request rate is the load that reaches a database or a shared service).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from bot.catalog import Catalog
from bot.evidence.gather import EvidenceSources
from bot.evidence.kinds import deploys, logs, metrics
from bot.evidence.kinds.deploys import DeploySource
from bot.evidence.kinds.logs import LogSource
from bot.evidence.kinds.metrics import MetricsSource
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import Deploy, LogRecord, MetricSeries

__all__ = ["with_neighbours"]


def _queries(query: EvidenceQuery, neighbours: Sequence[str]) -> list[EvidenceQuery]:
    others = [s for s in dict.fromkeys(neighbours) if s != query.service]
    return [query, *(EvidenceQuery(s, since=query.since, until=query.until) for s in others)]


def _dependencies(service: str, catalog: Catalog) -> list[str]:
    return list(catalog.dependencies(service))


def _two_levels(service: str, catalog: Catalog) -> list[str]:
    """Its dependencies and theirs: a change pushed under a dependency breaks it and, through
    it, the service."""
    direct = list(catalog.dependencies(service))
    return [*direct, *(beyond for d in direct for beyond in catalog.dependencies(d))]


def _load_neighbours(service: str, catalog: Catalog) -> list[str]:
    """Its dependencies, and its callers: their request rate is the load that reaches it."""
    return [*catalog.dependencies(service), *catalog.dependents(service)]


@dataclass(slots=True)
class _NeighbourDeploys:
    source: DeploySource
    catalog: Catalog
    name: str = ""

    def __post_init__(self) -> None:
        self.name = self.source.name

    async def deploys(self, query: EvidenceQuery) -> Sequence[Deploy]:
        own, *others = _queries(query, _two_levels(query.service, self.catalog))
        found = list(await self.source.deploys(own))
        answers = await asyncio.gather(
            *(self.source.deploys(q) for q in others), return_exceptions=True
        )
        for answer in answers:  # a dependency a source cannot answer for costs only its part
            if not isinstance(answer, BaseException):
                found.extend(answer)
        return found


@dataclass(slots=True)
class _NeighbourMetrics:
    source: MetricsSource
    catalog: Catalog
    name: str = ""

    def __post_init__(self) -> None:
        self.name = self.source.name

    async def metrics(self, query: EvidenceQuery) -> Sequence[MetricSeries]:
        own, *others = _queries(query, _load_neighbours(query.service, self.catalog))
        found = list(await self.source.metrics(own))
        answers = await asyncio.gather(
            *(self.source.metrics(q) for q in others), return_exceptions=True
        )
        for answer in answers:
            if not isinstance(answer, BaseException):
                found.extend(answer)
        return found


@dataclass(slots=True)
class _NeighbourLogs:
    source: LogSource
    catalog: Catalog
    name: str = ""

    def __post_init__(self) -> None:
        self.name = self.source.name

    async def logs(self, query: EvidenceQuery) -> Sequence[LogRecord]:
        own, *others = _queries(query, _dependencies(query.service, self.catalog))
        found = list(await self.source.logs(own))
        answers = await asyncio.gather(
            *(self.source.logs(q) for q in others), return_exceptions=True
        )
        for answer in answers:
            if not isinstance(answer, BaseException):
                found.extend(answer)
        return found


def with_neighbours(sources: EvidenceSources, catalog: Catalog) -> EvidenceSources:
    """``sources`` whose answers for a service also hold its neighbours': deploys of its
    declared dependencies and of theirs, metrics of its dependencies and of its callers (the
    load that reaches it), logs of its dependencies."""
    return sources.replace(
        deploys=[_NeighbourDeploys(s, catalog) for s in sources.of(deploys.KIND)],
        metrics=[_NeighbourMetrics(s, catalog) for s in sources.of(metrics.KIND)],
        logs=[_NeighbourLogs(s, catalog) for s in sources.of(logs.KIND)],
    )
