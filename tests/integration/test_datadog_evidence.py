"""The Datadog evidence adapters: the real datadog-api-client (async, aiosonic) against a local
fake Datadog API, answering the core's evidence ports, and failing into clear reasons."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import ConfigError, SourceUnavailableError
from bot.evidence.gather import EvidenceSources, gather_evidence
from bot.evidence.ports import EvidenceQuery
from bot.settings import DEFAULT_DD_METRIC_QUERIES, MetricQuery, load_settings
from bot.wiring.evidence import datadog_evidence
from integrations.datadog import DatadogConnection, DatadogLogs, DatadogMetrics, DatadogMonitors
from integrations.replay import ReplayEvidence
from tests.fakes.datadog import HANG, FakeDatadog, Fault, log_event, monitor, rate_limited

SERVICE = "billing-webhooks"
NOW = datetime(2026, 3, 4, 14, 6, tzinfo=UTC)
WINDOW = EvidenceQuery(SERVICE, NOW - timedelta(minutes=30), NOW)
LOG_QUERY = "service:{service} status:(error OR warn)"
ERROR_RATE = DEFAULT_DD_METRIC_QUERIES[0].query.replace("{service}", SERVICE)
P99 = DEFAULT_DD_METRIC_QUERIES[1].query.replace("{service}", SERVICE)


def _ms(minutes_before_now: int) -> int:
    return int((NOW - timedelta(minutes=minutes_before_now)).timestamp() * 1000)


def _iso(minutes_before_now: int) -> str:
    return (NOW - timedelta(minutes=minutes_before_now)).isoformat().replace("+00:00", "Z")


@pytest.fixture
async def datadog() -> AsyncIterator[FakeDatadog]:
    async with FakeDatadog() as fake:
        yield fake


async def _connect(
    fake: FakeDatadog, *, api_key: str = "fake-api-key", app_key: str = "fake-app-key"
) -> DatadogConnection:
    return DatadogConnection(
        api_key=api_key, app_key=app_key, base_url=fake.base_url, request_timeout=10
    )


@pytest.fixture
async def connection(datadog: FakeDatadog) -> AsyncIterator[DatadogConnection]:
    connection = await _connect(datadog)
    yield connection
    await connection.close()


def _metrics(connection: DatadogConnection) -> DatadogMetrics:
    return DatadogMetrics(connection, DEFAULT_DD_METRIC_QUERIES)


def _logs(connection: DatadogConnection, *, limit: int = 300, page_size: int = 100) -> DatadogLogs:
    return DatadogLogs(connection, search=LOG_QUERY, limit=limit, page_size=page_size)


async def _failure_of(source: DatadogMetrics | DatadogLogs, *, deadline: float = 5) -> str:
    """The reason the packet would show for ``source``, through the core's own gathering."""
    sources = (
        EvidenceSources(metrics=[source])
        if isinstance(source, DatadogMetrics)
        else EvidenceSources(logs=[source])
    )
    bundle = await gather_evidence(WINDOW, sources, deadline=deadline)
    assert [failure.source for failure in bundle.unavailable] == [source.name]
    return bundle.unavailable[0].reason


# -- metrics ------------------------------------------------------------------------------


async def test_error_rate_and_latency_come_back_as_series_named_after_their_queries(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    datadog.series[ERROR_RATE] = [
        {"metric": "trace.http.request.errors", "pointlist": [[_ms(10), 0.3], [_ms(5), 8.7]]}
    ]
    datadog.series[P99] = [
        {
            "metric": "trace.http.request",
            "pointlist": [[_ms(10), 0.18], [_ms(5), 0.19]],
            "unit": [
                {
                    "family": "time",
                    "name": "second",
                    "plural": "seconds",
                    "scale_factor": 1.0,
                    "short_name": "s",
                },
                None,
            ],
        }
    ]

    series = await _metrics(connection).metrics(WINDOW)

    assert {(s.name, s.unit) for s in series} == {("error_rate", "percent"), ("p99_latency", "s")}
    error_rate = next(s for s in series if s.name == "error_rate")
    assert error_rate.service == SERVICE
    assert error_rate.points == (
        (NOW - timedelta(minutes=10), 0.3),
        (NOW - timedelta(minutes=5), 8.7),
    )


async def test_each_metric_query_asks_the_window_in_epoch_seconds(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    await _metrics(connection).metrics(WINDOW)

    asked = datadog.requests_to(FakeDatadog.QUERY)
    assert sorted(request.query["query"] for request in asked) == sorted([ERROR_RATE, P99])
    assert {request.query["from"] for request in asked} == {str(int(WINDOW.since.timestamp()))}
    assert {request.query["to"] for request in asked} == {str(int(WINDOW.until.timestamp()))}


async def test_gaps_in_a_series_are_left_out(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    datadog.series[ERROR_RATE] = [
        {"metric": "errors", "pointlist": [[_ms(10), 0.3], [_ms(8), None], [_ms(5), 8.7]]}
    ]

    series = await _metrics(connection).metrics(WINDOW)

    assert [value for _, value in series[0].points] == [0.3, 8.7]


async def test_a_grouped_query_names_each_series_by_its_scope(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    query = MetricQuery(name="cpu", query="avg:system.cpu.user{service:{service}} by {host}")
    datadog.series[query.query.replace("{service}", SERVICE)] = [
        {"metric": "system.cpu.user", "scope": "host:a", "pointlist": [[_ms(5), 10.0]]},
        {"metric": "system.cpu.user", "scope": "host:b", "pointlist": [[_ms(5), 90.0]]},
    ]

    series = await DatadogMetrics(connection, [query]).metrics(WINDOW)

    assert sorted(s.name for s in series) == ["cpu (host:a)", "cpu (host:b)"]


async def test_a_service_name_that_would_change_the_query_is_refused_before_asking(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    with pytest.raises(SourceUnavailableError, match="cannot go in a query"):
        await _metrics(connection).metrics(EvidenceQuery("x} OR {*", WINDOW.since, WINDOW.until))
    assert datadog.requests == []


# -- logs ---------------------------------------------------------------------------------


def _seed_logs(datadog: FakeDatadog, count: int) -> None:
    datadog.logs[LOG_QUERY.replace("{service}", SERVICE)] = [
        log_event(at=_iso(20 - i), service=SERVICE, status="error", message=f"failure {i}")
        for i in range(count)
    ]


async def test_the_log_search_names_the_service_the_levels_and_the_window(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    await _logs(connection).logs(WINDOW)

    (asked,) = datadog.requests_to(FakeDatadog.LOGS)
    assert asked.body["filter"] == {
        "query": f"service:{SERVICE} status:(error OR warn)",
        "from": WINDOW.since.isoformat(),
        "to": WINDOW.until.isoformat(),
    }
    assert asked.body["sort"] == "-timestamp"


async def test_log_lines_come_back_oldest_first_with_their_levels(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    datadog.logs[LOG_QUERY.replace("{service}", SERVICE)] = [
        log_event(at=_iso(3), service=SERVICE, status="error", message="parser crashed"),
        log_event(at=_iso(9), service=SERVICE, status="warn", message="slow query"),
    ]

    lines = await _logs(connection).logs(WINDOW)

    assert [(line.level, line.message) for line in lines] == [
        ("WARN", "slow query"),
        ("ERROR", "parser crashed"),
    ]
    assert lines[0].at == NOW - timedelta(minutes=9)
    assert lines[0].service == SERVICE


async def test_the_log_search_follows_the_cursor_until_the_window_is_read(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    _seed_logs(datadog, 5)

    lines = await _logs(connection, page_size=2).logs(WINDOW)

    assert len(lines) == 5
    asked = datadog.requests_to(FakeDatadog.LOGS)
    assert len(asked) == 3
    assert "cursor" not in asked[0].body["page"]
    cursors = [request.body["page"].get("cursor") for request in asked[1:]]
    assert None not in cursors
    assert cursors[0] != cursors[1]


async def test_the_log_search_stops_at_its_cap(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    _seed_logs(datadog, 10)

    lines = await _logs(connection, limit=3, page_size=2).logs(WINDOW)

    assert len(lines) == 3
    assert [request.body["page"]["limit"] for request in datadog.requests_to(FakeDatadog.LOGS)] == [
        2,
        1,
    ]


async def test_identical_lines_fold_into_one_record_with_a_count(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    datadog.logs[LOG_QUERY.replace("{service}", SERVICE)] = [
        log_event(at=_iso(minutes), service=SERVICE, status="error", message="timeout to db")
        for minutes in (2, 4, 6)
    ]

    (line,) = await _logs(connection).logs(WINDOW)

    assert line.count == 3
    assert line.at == NOW - timedelta(minutes=6)


# -- monitors -----------------------------------------------------------------------------


async def test_a_monitor_in_alert_is_still_firing(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    datadog.monitors[4242] = monitor(
        4242, name="Billing error rate", overall_state="Alert", query="avg(last_5m):x > 5"
    )

    state = await DatadogMonitors(connection).monitor("4242")

    assert (state.name, state.state, state.firing) == ("Billing error rate", "Alert", True)
    assert "team:payments" in state.tags


async def test_a_recovered_monitor_is_not_firing(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    datadog.monitors[7] = monitor(7, name="Latency", overall_state="OK", query="q")

    state = await DatadogMonitors(connection).monitor("7")

    assert state.firing is False


async def test_an_unknown_monitor_is_a_clear_failure(connection: DatadogConnection) -> None:
    with pytest.raises(SourceUnavailableError, match="404 Not Found: Monitor not found"):
        await DatadogMonitors(connection).monitor("999")


# -- failures become reasons the packet shows ---------------------------------------------


def test_a_blank_key_is_refused_before_any_request() -> None:
    with pytest.raises(ConfigError, match="DD_API_KEY and DD_APP_KEY"):
        DatadogConnection(api_key="k", app_key=" ", request_timeout=1)


async def test_a_401_names_the_keys_and_the_site(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    # What Datadog answers a request that lacks a key (the SDK never sends one without).
    datadog.faults[FakeDatadog.QUERY] = Fault(401, errors=("Unauthorized",))

    reason = await _failure_of(_metrics(connection))

    assert reason == "401 Unauthorized (check DD_API_KEY, and that DD_SITE is the key's site)"


async def test_a_refused_app_key_is_a_403_that_names_the_scope_it_needs(
    datadog: FakeDatadog,
) -> None:
    connection = await _connect(datadog, app_key="revoked")
    try:
        reason = await _failure_of(_logs(connection))
    finally:
        await connection.close()
    assert reason == (
        "403 Forbidden (check DD_APP_KEY's scopes, needs logs_read_data, and DD_API_KEY)"
    )


async def test_a_rate_limit_says_when_to_retry_and_is_not_retried_past_the_deadline(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    datadog.faults[FakeDatadog.LOGS] = rate_limited(12)

    reason = await _failure_of(_logs(connection))

    assert reason == "rate limited, retry after 12 s"
    assert len(datadog.requests_to(FakeDatadog.LOGS)) == 1


async def test_a_server_error_is_named_and_asked_once(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    datadog.faults[FakeDatadog.QUERY] = Fault(503, errors=("Service Unavailable",))

    reason = await _failure_of(_metrics(connection))

    assert reason == "Datadog answered 503 Service Unavailable: Service Unavailable"
    assert len(datadog.requests_to(FakeDatadog.QUERY)) == 2  # one per configured query


async def test_a_hanging_datadog_costs_the_packet_only_that_source(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    datadog.faults[FakeDatadog.QUERY] = HANG
    _seed_logs(datadog, 2)

    bundle = await gather_evidence(
        WINDOW,
        EvidenceSources(metrics=[_metrics(connection)], logs=[_logs(connection)]),
        deadline=0.5,
    )

    assert [(f.source, f.reason) for f in bundle.unavailable] == [
        ("Datadog metrics", "no answer within 0.5s")
    ]
    assert len(bundle.logs) == 2


async def test_the_sdk_request_timeout_ends_a_hang_on_its_own(datadog: FakeDatadog) -> None:
    datadog.faults[FakeDatadog.LOGS] = HANG
    connection = DatadogConnection(
        api_key="fake-api-key",
        app_key="fake-app-key",
        base_url=datadog.base_url,
        request_timeout=0.3,
    )
    try:
        with pytest.raises(SourceUnavailableError, match=r"no answer within 0\.3s"):
            await _logs(connection).logs(WINDOW)
    finally:
        await connection.close()


async def test_an_unreachable_datadog_is_named(datadog: FakeDatadog) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    connection = DatadogConnection(
        api_key="k", app_key="a", base_url=f"http://127.0.0.1:{closed_port}", request_timeout=5
    )
    try:
        reason = await _failure_of(_metrics(connection))
    finally:
        await connection.close()
    assert reason.startswith("cannot reach Datadog")


async def test_the_keys_appear_in_no_reason_and_no_log_line(
    datadog: FakeDatadog, caplog: pytest.LogCaptureFixture
) -> None:
    datadog.api_key, datadog.app_key = "dd-api-SECRET-1", "dd-app-SECRET-2"
    datadog.faults[FakeDatadog.QUERY] = Fault(500, errors=("Internal Server Error",))
    connection = await _connect(datadog, api_key="dd-api-SECRET-1", app_key="dd-app-SECRET-2")
    caplog.set_level(logging.DEBUG)
    try:
        reason = await _failure_of(_metrics(connection))
    finally:
        await connection.close()
    assert reason.startswith("Datadog answered 500")
    assert "SECRET" not in reason
    assert "SECRET" not in caplog.text


# -- composition --------------------------------------------------------------------------


async def test_with_keys_set_metrics_and_logs_come_from_datadog_and_deploys_stay(
    datadog: FakeDatadog,
) -> None:
    settings = load_settings(
        dd_api_key="fake-api-key", dd_app_key="fake-app-key", dd_api_url=datadog.base_url
    )
    replay = ReplayEvidence(())
    _seed_logs(datadog, 1)

    sources, connection = datadog_evidence(
        settings, EvidenceSources(deploys=[replay], metrics=[replay], logs=[replay])
    )
    try:
        bundle = await gather_evidence(WINDOW, sources, deadline=5)
    finally:
        await connection.close()

    assert list(sources.deploys) == [replay]
    assert [source.name for source in (*sources.metrics, *sources.logs)] == [
        "Datadog metrics",
        "Datadog logs",
    ]
    assert bundle.unavailable == ()
    assert [line.message for line in bundle.logs] == ["failure 0"]
    assert len(datadog.requests_to(FakeDatadog.QUERY)) == len(settings.dd_metric_queries)
