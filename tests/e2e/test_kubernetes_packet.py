"""The packet with Kubernetes behind it, end to end: the bot started from settings naming an API
server (so the composition root wires the real client), the shipped Kubernetes emulator seeded
from the scenario's cluster section, the Slack emulator. A cluster that refuses or hangs is named
in the packet with the reason, and the packet goes out regardless."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Runtime, start_runtime
from bot.clock import ReplayClock
from bot.scenario.models import Scenario
from bot.wiring.evidence import SHIPPED_SCENARIOS
from integrations.kube_emulator import KubeEmulator, KubeEmulatorConfig
from integrations.kube_emulator.faults import Fault
from integrations.slack_emulator import EmulatorClient, EmulatorConfig
from tests.e2e.conftest import eventually, post_alert, sandbox_settings
from tests.e2e.test_offline_slice import packets_in

pytestmark = pytest.mark.slow

KUBE_TOKEN = "e2e-kube-token"
PODS = "/api/v1/namespaces/payments/pods"


@pytest.fixture
async def kube(scenario: Scenario) -> AsyncIterator[KubeEmulator]:
    config = KubeEmulatorConfig(token=KUBE_TOKEN)
    async with KubeEmulator(config, scenario.cluster) as emulator:
        yield emulator


async def start(
    tmp_path: Path, scenario: Scenario, kube: KubeEmulator, token: str, *, deadline: float = 10.0
) -> Runtime:
    """The bot on the emulated cluster. The deadline is generous unless a test is about it: a
    loaded machine must not turn a readable cluster into a missing source."""
    settings = sandbox_settings(
        tmp_path,
        replay_scenarios=[SHIPPED_SCENARIOS / "billing-parser-deploy.yaml"],
        kube_api_url=kube.base_url,
        kube_token=token,
        evidence_deadline_seconds=deadline,
    )
    return await start_runtime(
        settings,
        clock=ReplayClock(scenario.now),
        emulator_config=EmulatorConfig(port=0),
        poll_interval=0.1,
    )


async def packet_text(runtime: Runtime, scenario: Scenario) -> str:
    assert runtime.emulator is not None
    async with EmulatorClient(runtime.emulator.base_url) as people:
        alert = scenario.deliveries[0]
        assert (await post_alert(runtime, alert.source.value, alert.payload))[0] == 202
        (_, packet), *_ = await eventually(lambda: packets_in(people), what="the packet")
    return str(packet["text"])


async def test_a_readable_cluster_is_read_in_the_catalogs_namespace(
    tmp_path: Path, scenario: Scenario, kube: KubeEmulator
) -> None:
    # A search across every namespace would fail: the catalog's namespace must be used.
    kube.api.faults.replace([Fault("GET", "/apis/apps/v1/deployments", "500")])
    runtime = await start(tmp_path, scenario, kube, KUBE_TOKEN)
    try:
        text = await packet_text(runtime, scenario)
    finally:
        await runtime.stop()
    assert "Kubernetes:" not in text
    assert kube.api.calls["list deployments"] >= 1
    assert kube.api.calls["list pods"] >= 1
    assert not kube.api.faults.hits


async def test_a_refused_token_is_named_and_the_packet_still_goes_out(
    tmp_path: Path, scenario: Scenario, kube: KubeEmulator
) -> None:
    runtime = await start(tmp_path, scenario, kube, "not-the-token")
    try:
        text = await packet_text(runtime, scenario)
    finally:
        await runtime.stop()
    assert "PR 4821" in text  # replay deploys still answer
    assert "- Kubernetes: 401 Unauthorized: the API server refused the token" in text


async def test_a_hanging_cluster_is_named_and_does_not_hold_the_packet(
    tmp_path: Path, scenario: Scenario, kube: KubeEmulator
) -> None:
    kube.api.faults.replace([Fault("GET", PODS, "hang")])
    runtime = await start(tmp_path, scenario, kube, KUBE_TOKEN, deadline=1.0)
    try:
        text = await packet_text(runtime, scenario)
    finally:
        await runtime.stop()
    assert "Service: billing-webhooks" in text
    assert "- Kubernetes: no answer within 1s" in text
