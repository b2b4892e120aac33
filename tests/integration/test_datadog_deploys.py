"""Deploys from Datadog's event stream: the real datadog-api-client against a local fake Datadog
answering ``GET /api/v1/events``, read into the core's ``Deploy`` values."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import ConfigError
from bot.evidence.gather import EvidenceSources, gather_evidence
from bot.evidence.ports import EvidenceQuery
from bot.settings import load_settings
from bot.wiring.evidence import datadog_evidence
from integrations.datadog import DatadogConnection, DatadogDeploys
from integrations.datadog.client import web_url
from integrations.replay import ReplayEvidence
from tests.fakes.datadog import FakeDatadog, event

SERVICE = "billing-webhooks"
MARKER = "deploy"
NOW = datetime(2026, 3, 4, 14, 6, tzinfo=UTC)
WINDOW = EvidenceQuery(SERVICE, NOW - timedelta(hours=6), NOW)


def _at(minutes_before_now: int) -> int:
    return int((NOW - timedelta(minutes=minutes_before_now)).timestamp())


def _deploy_event(
    event_id: int, minutes_before_now: int, *tags: str, alert_type: str = "success"
) -> dict[str, object]:
    return event(
        event_id,
        happened=_at(minutes_before_now),
        title=f"Deployed {SERVICE}",
        tags=[f"service:{SERVICE}", MARKER, "env:prod", *tags],
        alert_type=alert_type,
    )


@pytest.fixture
async def datadog() -> AsyncIterator[FakeDatadog]:
    async with FakeDatadog() as fake:
        yield fake


@pytest.fixture
async def connection(datadog: FakeDatadog) -> AsyncIterator[DatadogConnection]:
    connection = DatadogConnection(
        api_key="fake-api-key",
        app_key="fake-app-key",
        site="datadoghq.eu",
        base_url=datadog.base_url,
        request_timeout=10,
    )
    yield connection
    await connection.close()


def _deploys(connection: DatadogConnection) -> DatadogDeploys:
    return DatadogDeploys(connection, marker=MARKER)


async def test_a_deploy_event_becomes_a_deploy_with_its_commit_author_and_pull_request(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    datadog.events = [
        _deploy_event(501, 14, "git.commit.sha:9f3c2ab", "author:dana", "pr:4821"),
    ]

    (deploy,) = await _deploys(connection).deploys(WINDOW)

    assert deploy.service == SERVICE
    assert deploy.sha == "9f3c2ab"
    assert deploy.at == NOW - timedelta(minutes=14)
    assert (deploy.author, deploy.pr) == ("dana", 4821)
    assert deploy.title == f"Deployed {SERVICE}"
    assert deploy.succeeded is True
    assert deploy.url == "https://app.datadoghq.eu/event/event?id=501"


async def test_the_event_query_names_the_service_the_marker_and_the_window_in_seconds(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    await _deploys(connection).deploys(WINDOW)

    (asked,) = datadog.requests_to(FakeDatadog.EVENTS)
    assert asked.query["tags"] == f"service:{SERVICE},{MARKER}"
    assert asked.query["start"] == str(int(WINDOW.since.timestamp()))
    assert asked.query["end"] == str(int(WINDOW.until.timestamp()))
    assert asked.query["unaggregated"] == "true"


async def test_several_deploys_come_back_oldest_first(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    datadog.events = [
        _deploy_event(1, 12, "version:v2.4.1"),
        _deploy_event(2, 200, "version:v2.4.0"),
        _deploy_event(3, 45, "sha:abc1234"),
    ]

    deploys = await _deploys(connection).deploys(WINDOW)

    assert [deploy.sha for deploy in deploys] == ["v2.4.0", "abc1234", "v2.4.1"]


async def test_the_commit_tag_wins_over_the_version_tag(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    datadog.events = [_deploy_event(1, 10, "version:v2.4.1", "git.commit.sha:9f3c2ab")]

    (deploy,) = await _deploys(connection).deploys(WINDOW)

    assert deploy.sha == "9f3c2ab"


async def test_an_error_event_is_a_failed_deploy(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    datadog.events = [_deploy_event(1, 10, "sha:9f3c2ab", alert_type="error")]

    (deploy,) = await _deploys(connection).deploys(WINDOW)

    assert deploy.succeeded is False


async def test_events_of_another_service_or_without_the_marker_are_not_deploys(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    datadog.events = [
        event(1, happened=_at(10), title="Deployed ledger", tags=["service:ledger", MARKER]),
        event(
            2,
            happened=_at(10),
            title="Config reloaded",
            tags=[f"service:{SERVICE}", "sha:9f3c2ab"],
        ),
        _deploy_event(3, 10, "sha:1111111"),
    ]

    deploys = await _deploys(connection).deploys(WINDOW)

    assert [deploy.sha for deploy in deploys] == ["1111111"]


async def test_a_deploy_event_that_names_no_commit_is_left_out(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    datadog.events = [_deploy_event(1, 10, "team:payments")]

    assert await _deploys(connection).deploys(WINDOW) == []


def test_a_marker_with_a_comma_is_refused(connection: DatadogConnection) -> None:
    with pytest.raises(ConfigError, match="DD_DEPLOY_EVENT_TAG must be one tag"):
        DatadogDeploys(connection, marker="deploy,env:prod")


@pytest.mark.parametrize(
    ("site", "web"),
    [
        ("datadoghq.com", "https://app.datadoghq.com"),
        ("datadoghq.eu", "https://app.datadoghq.eu"),
        ("ddog-gov.com", "https://app.ddog-gov.com"),
        ("us3.datadoghq.com", "https://us3.datadoghq.com"),
        ("ap1.datadoghq.com", "https://ap1.datadoghq.com"),
    ],
)
def test_event_links_point_at_the_sites_web_app(site: str, web: str) -> None:
    assert web_url(site) == web


async def test_with_a_deploy_event_tag_deploys_come_from_datadog_too(
    datadog: FakeDatadog,
) -> None:
    settings = load_settings(
        dd_api_key="fake-api-key",
        dd_app_key="fake-app-key",
        dd_api_url=datadog.base_url,
        dd_deploy_event_tag=MARKER,
    )
    replay = ReplayEvidence(())
    datadog.events = [_deploy_event(1, 10, "sha:9f3c2ab")]

    sources, connection = datadog_evidence(
        settings, EvidenceSources(deploys=[replay], metrics=[replay], logs=[replay])
    )
    try:
        bundle = await gather_evidence(WINDOW, sources, deadline=5)
    finally:
        await connection.close()

    assert [source.name for source in sources.deploys] == ["Datadog deploy events"]
    assert [deploy.sha for deploy in bundle.deploys] == ["9f3c2ab"]
    assert bundle.deploys_checked is True


async def test_with_a_github_token_deploys_stay_with_github(datadog: FakeDatadog) -> None:
    settings = load_settings(
        dd_api_key="fake-api-key",
        dd_app_key="fake-app-key",
        dd_api_url=datadog.base_url,
        dd_deploy_event_tag=MARKER,
        github_token="ghp_fake",
    )
    replay = ReplayEvidence(())  # stands in for the GitHub source the composition root built

    sources, connection = datadog_evidence(
        settings, EvidenceSources(deploys=[replay], metrics=[replay], logs=[replay])
    )
    await connection.close()

    assert list(sources.deploys) == [replay]
