"""Every Datadog call the bot makes, failing every way the brief names (401, 429, 5xx, a hang),
through the real datadog-api-client against the local fake: each failure is one request, never
retried past the deadline, and ends as a reason that names the source and what to do."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import SourceUnavailableError
from bot.evidence.gather import EvidenceSources, gather_evidence
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import SourceFailure
from bot.settings import DEFAULT_DD_METRIC_QUERIES
from integrations.datadog import (
    DatadogConnection,
    DatadogDeploys,
    DatadogLogs,
    DatadogMetrics,
    DatadogMonitors,
)
from tests.fakes.datadog import HANG, FakeDatadog, Fault, monitor, rate_limited

NOW = datetime(2026, 3, 4, 14, 6, tzinfo=UTC)
WINDOW = EvidenceQuery("billing-webhooks", NOW - timedelta(minutes=30), NOW)
REQUEST_TIMEOUT = 0.3
MONITOR_ID = 4242


@dataclass(frozen=True)
class Call:
    """One Datadog call: the endpoint it reaches, the scope its app key needs, and how the bot
    makes it (returning the failure the packet would show, or None when it succeeded)."""

    endpoint: str
    scope: str
    make: Callable[[DatadogConnection], Awaitable[SourceFailure | None]]


async def _gathered(sources: EvidenceSources) -> SourceFailure | None:
    # Through the core's own gathering, as a packet asks; its deadline is not the one that
    # fires here (the connection's request timeout is), so the SDK's own handling is tested.
    bundle = await gather_evidence(WINDOW, sources, deadline=10)
    assert len(bundle.unavailable) <= 1
    return bundle.unavailable[0] if bundle.unavailable else None


async def _metrics(connection: DatadogConnection) -> SourceFailure | None:
    return await _gathered(
        EvidenceSources(metrics=[DatadogMetrics(connection, DEFAULT_DD_METRIC_QUERIES[:1])])
    )


async def _logs(connection: DatadogConnection) -> SourceFailure | None:
    search = "service:{service} status:error"
    return await _gathered(
        EvidenceSources(logs=[DatadogLogs(connection, search=search, limit=100)])
    )


async def _deploys(connection: DatadogConnection) -> SourceFailure | None:
    return await _gathered(EvidenceSources(deploys=[DatadogDeploys(connection, marker="deploy")]))


async def _monitor(connection: DatadogConnection) -> SourceFailure | None:
    source = DatadogMonitors(connection)
    try:
        await source.monitor(str(MONITOR_ID))
    except SourceUnavailableError as exc:
        return SourceFailure(exc.source, exc.reason)
    return None


CALLS = {
    "Datadog metrics": Call(FakeDatadog.QUERY, "timeseries_query", _metrics),
    "Datadog logs": Call(FakeDatadog.LOGS, "logs_read_data", _logs),
    "Datadog deploy events": Call(FakeDatadog.EVENTS, "events_read", _deploys),
    "Datadog monitors": Call(FakeDatadog.MONITOR, "monitors_read", _monitor),
}
every_call = pytest.mark.parametrize("source", list(CALLS))


@pytest.fixture
async def datadog() -> AsyncIterator[FakeDatadog]:
    async with FakeDatadog() as fake:
        fake.monitors[MONITOR_ID] = monitor(
            MONITOR_ID, name="Billing error rate", overall_state="Alert", query="q"
        )
        yield fake


@pytest.fixture
async def connection(datadog: FakeDatadog) -> AsyncIterator[DatadogConnection]:
    connection = DatadogConnection(
        api_key="fake-api-key",
        app_key="fake-app-key",
        base_url=datadog.base_url,
        request_timeout=REQUEST_TIMEOUT,
    )
    yield connection
    await connection.close()


async def _failure(source: str, datadog: FakeDatadog, connection: DatadogConnection) -> str:
    call = CALLS[source]
    failure = await call.make(connection)
    assert failure is not None, f"{source} did not fail"
    assert failure.source == source
    assert len(datadog.requests_to(call.endpoint.split("{")[0])) == 1  # asked once, no retry
    return failure.reason


@every_call
async def test_every_call_answers_when_datadog_does(
    source: str, connection: DatadogConnection
) -> None:
    assert await CALLS[source].make(connection) is None


@every_call
async def test_a_401_names_the_api_key_and_the_site(
    source: str, datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    datadog.faults[CALLS[source].endpoint] = Fault(401, errors=("Unauthorized",))

    assert await _failure(source, datadog, connection) == (
        "401 Unauthorized (check DD_API_KEY, and that DD_SITE is the key's site)"
    )


@every_call
async def test_a_403_names_the_scope_the_app_key_needs(
    source: str, datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    datadog.faults[CALLS[source].endpoint] = Fault(403, errors=("Forbidden",))

    assert await _failure(source, datadog, connection) == (
        f"403 Forbidden (check DD_APP_KEY's scopes, needs {CALLS[source].scope}, and DD_API_KEY)"
    )


@every_call
async def test_a_429_says_when_to_retry_and_is_not_retried(
    source: str, datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    datadog.faults[CALLS[source].endpoint] = rate_limited(37)

    assert await _failure(source, datadog, connection) == "rate limited, retry after 37 s"


@every_call
@pytest.mark.parametrize(
    ("status", "phrase"), [(500, "Internal Server Error"), (502, "Bad Gateway")]
)
async def test_a_5xx_is_named_with_datadogs_own_words_and_not_retried(
    source: str, status: int, phrase: str, datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    datadog.faults[CALLS[source].endpoint] = Fault(status, errors=(phrase,))

    assert await _failure(source, datadog, connection) == (
        f"Datadog answered {status} {phrase}: {phrase}"
    )


@every_call
async def test_a_hang_ends_at_the_request_timeout(
    source: str, datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    datadog.faults[CALLS[source].endpoint] = HANG

    assert await _failure(source, datadog, connection) == (f"no answer within {REQUEST_TIMEOUT:g}s")
