"""``MetricsSource`` over Datadog's v1 timeseries query (``GET /api/v1/query``).

Each configured :class:`~bot.settings.MetricQuery` is asked once per service, with ``{service}``
replaced by the service's name; every series it answers becomes a :class:`MetricSeries` named
after the query (plus the series' scope when a query is grouped and answers several).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial

from datadog_api_client.v1.api.metrics_api import MetricsApi
from datadog_api_client.v1.model.metrics_query_metadata import MetricsQueryMetadata
from datadog_api_client.v1.model.metrics_query_response import MetricsQueryResponse

from bot.errors import SourceUnavailableError
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import MetricSeries
from bot.settings import MetricQuery
from integrations.datadog.client import DatadogConnection, ask_datadog, checked_service, field

__all__ = ["DatadogMetrics"]

SCOPE = "timeseries_query"


class DatadogMetrics:
    """Implements ``MetricsSource``: the service's key series from Datadog."""

    name = "Datadog metrics"

    def __init__(self, connection: DatadogConnection, queries: Sequence[MetricQuery]) -> None:
        self._connection = connection
        self._api = MetricsApi(connection.api)  # type: ignore[no-untyped-call]  # untyped in the SDK
        self._queries = tuple(queries)

    async def metrics(self, query: EvidenceQuery) -> Sequence[MetricSeries]:
        service = checked_service(self.name, query.service)
        answers = await asyncio.gather(
            *(self._ask(wanted, service, query) for wanted in self._queries),
            return_exceptions=True,
        )
        found: list[MetricSeries] = []
        for answer in answers:
            if isinstance(answer, BaseException):
                # One refused query means the source is not fully answering: say so rather
                # than show half of the picture as if it were whole.
                raise answer
            found.extend(answer)
        return found

    async def _ask(
        self, wanted: MetricQuery, service: str, query: EvidenceQuery
    ) -> list[MetricSeries]:
        response = await ask_datadog(
            partial(
                self._api.query_metrics,
                _from=int(query.since.timestamp()),
                to=int(query.until.timestamp()),
                query=wanted.query.replace("{service}", service),
            ),
            MetricsQueryResponse,
            source=self.name,
            scope=SCOPE,
            timeout=self._connection.request_timeout,
        )
        if field(response, "status") == "error":
            raise SourceUnavailableError(
                self.name,
                f"query {wanted.name} failed: {(field(response, 'error') or 'no reason')}",
            )
        series: list[MetricsQueryMetadata] = list(field(response, "series") or [])
        return [
            MetricSeries(
                service=query.service,
                name=wanted.name if len(series) == 1 else f"{wanted.name} ({field(one, 'scope')})",
                unit=wanted.unit or _unit(one),
                points=_points(one),
            )
            for one in series
            if _points(one)
        ]


def _points(series: MetricsQueryMetadata) -> tuple[tuple[datetime, float], ...]:
    """``pointlist`` is ``[[epoch_ms, value|null], ...]``; gaps (null) are left out."""
    points = []
    for point in field(series, "pointlist") or []:
        at_ms, value = point.value
        if at_ms is not None and value is not None:
            points.append((datetime.fromtimestamp(at_ms / 1000, tz=UTC), float(value)))
    return tuple(points)


def _unit(series: MetricsQueryMetadata) -> str | None:
    """Datadog's ``unit`` is ``[unit, per_unit]``, either null; the first named one."""
    for unit in field(series, "unit") or []:
        if unit is not None:
            name = field(unit, "short_name") or field(unit, "name")
            if name:
                return str(name)
    return None
