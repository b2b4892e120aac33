"""The packet with Datadog behind it, end to end: the bot started from settings with Datadog keys
(so the composition root wires the real SDK), a local fake Datadog, the Slack emulator. What
Datadog answers is in the packet; what it refuses or never answers is named there with the
reason, and the packet goes out regardless."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.app import Runtime, start_runtime
from bot.clock import ReplayClock
from bot.scenario.models import Scenario
from bot.settings import DEFAULT_DD_METRIC_QUERIES
from bot.wiring.evidence import SHIPPED_SCENARIOS
from integrations.slack_emulator import EmulatorClient, EmulatorConfig
from tests.e2e.conftest import eventually, post_alert, sandbox_settings
from tests.e2e.test_offline_slice import packets_in
from tests.fakes.datadog import HANG, FakeDatadog

pytestmark = pytest.mark.slow

SERVICE = "billing-webhooks"
ERROR_RATE = DEFAULT_DD_METRIC_QUERIES[0].query.replace("{service}", SERVICE)


def _ms(at: str) -> int:
    return int(datetime.fromisoformat(at).timestamp() * 1000)


@pytest.fixture
async def datadog() -> AsyncIterator[FakeDatadog]:
    async with FakeDatadog() as fake:
        fake.series[ERROR_RATE] = [
            {
                "metric": "trace.http.request.errors",
                "pointlist": [
                    [_ms(f"2026-03-04T{at}:00+00:00"), value]
                    for at, value in [
                        ("13:40", 0.3),
                        ("13:45", 0.3),
                        ("13:50", 0.4),
                        ("13:55", 0.3),
                        ("14:00", 0.5),
                        ("14:03", 6.1),
                        ("14:05", 8.7),
                    ]
                ],
            }
        ]
        yield fake


@pytest.fixture
async def runtime(
    tmp_path: Path, scenario: Scenario, datadog: FakeDatadog
) -> AsyncIterator[Runtime]:
    settings = sandbox_settings(
        tmp_path,
        # Deploys and the catalog still come from the scenario: no DD_DEPLOY_EVENT_TAG.
        replay_scenarios=[SHIPPED_SCENARIOS / "billing-parser-deploy.yaml"],
        dd_api_key="fake-api-key",
        dd_app_key="fake-app-key",
        dd_api_url=datadog.base_url,
        evidence_deadline_seconds=1.0,
    )
    runtime = await start_runtime(
        settings,
        clock=ReplayClock(scenario.now),
        emulator_config=EmulatorConfig(port=0),
        poll_interval=0.1,
    )
    yield runtime
    await runtime.stop()


@pytest.fixture
async def people(runtime: Runtime) -> AsyncIterator[EmulatorClient]:
    assert runtime.emulator is not None
    async with EmulatorClient(runtime.emulator.base_url) as client:
        yield client


async def _packet_text(runtime: Runtime, people: EmulatorClient, scenario: Scenario) -> str:
    alert = scenario.deliveries[0]
    assert (await post_alert(runtime, alert.source.value, alert.payload))[0] == 202
    (_, packet), *_ = await eventually(lambda: packets_in(people), what="the packet")
    return str(packet["text"])


async def test_datadogs_metrics_are_in_the_packet_and_a_hanging_log_search_is_named(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario, datadog: FakeDatadog
) -> None:
    datadog.faults[FakeDatadog.LOGS] = HANG

    text = await _packet_text(runtime, people, scenario)

    assert runtime.datadog is not None
    assert datadog.requests_to(FakeDatadog.QUERY)
    assert "Error rate rose from 0.3% to 8.7%" in text
    assert "Latest deploy landed 11 minutes before first spike" in text
    assert "Evidence unavailable:\n- Datadog logs: no answer within 1s" in text


async def test_refused_keys_leave_a_packet_that_says_which_sources_and_why(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario, datadog: FakeDatadog
) -> None:
    datadog.app_key = "another-key"  # Datadog answers 403 to a key it does not know

    text = await _packet_text(runtime, people, scenario)

    assert "Service: billing-webhooks" in text
    assert "PR 4821" in text  # replay deploys still answer
    refused = "403 Forbidden (check DD_APP_KEY's scopes, needs {}, and DD_API_KEY)"
    assert f"- Datadog metrics: {refused.format('timeseries_query')}" in text
    assert f"- Datadog logs: {refused.format('logs_read_data')}" in text
