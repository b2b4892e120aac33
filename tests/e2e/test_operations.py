"""Readiness and metrics on the running bot: /readyz names what is not ready, and /metrics
counts what the sources were told, the incidents, the packets and the outbox."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import Runtime
from bot.scenario.schemas import Scenario
from handlers.webhooks.auth import signed_headers
from integrations.slack_emulator import EmulatorClient
from tests.e2e.conftest import eventually, post_alert
from tests.e2e.test_offline_slice import packets_in, settled

pytestmark = pytest.mark.slow


async def get(runtime: Runtime, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(runtime.webhook_url + path) as response:
        return response.status, await response.text()


async def samples(runtime: Runtime) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    status, body = await get(runtime, "/metrics")
    assert status == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def value(
    found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


async def test_ready_when_the_database_answers_and_socket_mode_is_connected(
    runtime: Runtime,
) -> None:
    status, body = await get(runtime, "/readyz")
    assert (status, json.loads(body)) == (200, {"ok": True})


async def test_not_ready_with_the_reason_once_socket_mode_is_disconnected(
    runtime: Runtime,
) -> None:
    await runtime.socket_mode.disconnect_async()
    status, body = await get(runtime, "/readyz")
    answer = json.loads(body)
    assert status == 503
    assert answer["checks"] == {"slack": "Socket Mode not connected"}
    assert "Socket Mode not connected" in answer["reason"]


async def test_not_ready_once_shutdown_began(runtime: Runtime) -> None:
    runtime.stopping.set()
    status, body = await get(runtime, "/readyz")
    assert status == 503
    assert json.loads(body)["checks"] == {"process": "shutting down"}


async def test_an_accepted_alert_its_incident_and_its_packet_latency_are_counted(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    alert = scenario.deliveries[0]
    status, answer = await post_alert(runtime, alert.source.value, alert.payload)
    assert status == 202
    await eventually(lambda: packets_in(people), what="the packet")
    await eventually(lambda: settled(runtime), what="the packet recorded")

    async def drained() -> dict[tuple[str, frozenset[tuple[str, str]]], float] | None:
        # The packet goes first; the topic and the invites follow it, so wait for those too.
        found = await samples(runtime)
        return found if value(found, "incident_bot_outbox_incidents_awaiting_slack") == 0 else None

    found = await eventually(drained, what="the outbox to empty")
    source = alert.source.value
    assert value(
        found,
        "incident_bot_alerts_received_total",
        source=source,
        outcome="accepted",
        reason="",
    ) == len(answer["signal_ids"])
    assert (
        sum(v for (name, _), v in found.items() if name == "incident_bot_incidents_opened_total")
        == 1
    )
    assert value(found, "incident_bot_packet_latency_seconds_count") == 1
    assert value(found, "incident_bot_packet_latency_seconds_sum") >= 0
    assert value(found, "incident_bot_outbox_unprocessed_signals") == 0
    assert value(found, "incident_bot_outbox_incidents_awaiting_slack") == 0
    actions = {labels: v for (name, labels), v in found.items() if name == "incident_bot_actions"}
    assert len(actions) == 9  # every state, none proposed for this incident yet
    assert set(actions.values()) == {0}


async def test_duplicates_and_refusals_are_counted_with_their_reason(
    runtime: Runtime, scenario: Scenario
) -> None:
    alert = scenario.deliveries[0]
    source = alert.source.value
    _, first = await post_alert(runtime, source, alert.payload)
    status, _ = await post_alert(runtime, source, alert.payload)
    assert status == 200
    body = b"{not json"
    async with aiohttp.ClientSession() as http:
        url = f"{runtime.webhook_url}/webhooks/{source}"
        async with http.post(url, data=body, headers={"Authorization": "Bearer wrong"}) as bad:
            assert bad.status == 401
        headers = signed_headers(source, body, "e2e-webhook-secret")
        async with http.post(url, data=body, headers=headers) as malformed:
            assert malformed.status == 400

    found = await samples(runtime)
    counted: dict[str, Any] = {
        outcome: value(
            found,
            "incident_bot_alerts_received_total",
            source=source,
            outcome=outcome,
            reason=reason,
        )
        for outcome, reason in (("duplicate", ""), ("refused", "unauthorized"))
    }
    assert counted["duplicate"] == first["accepted"]
    assert counted["refused"] == 1
    invalid = value(
        found,
        "incident_bot_alerts_received_total",
        source=source,
        outcome="refused",
        reason="invalid_payload",
    )
    assert invalid == 1
