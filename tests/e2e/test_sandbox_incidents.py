"""The sandbox console's incidents: the bot's read-only ``/sandbox/incidents`` endpoint in
sandbox mode, and the same answers through the emulator's console, which forwards to it."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from bot.app import Runtime
from bot.scenario.schemas import Scenario
from integrations.slack_emulator import EmulatorClient
from tests.e2e.conftest import eventually, post_alert

pytestmark = pytest.mark.slow


async def _get(url: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http, http.get(url) as answer:
        return answer.status, await answer.json()


async def _incident_channel(runtime: Runtime, people: EmulatorClient, scenario: Scenario) -> str:
    status, _ = await post_alert(runtime, "alertmanager", scenario.deliveries[0].payload)
    assert status == 202

    async def packet() -> str | None:
        for channel in await people.channels():
            if str(channel["name"]).startswith("inc-"):
                messages = await people.messages(channel["id"])
                if any("Incident packet" in str(m.get("text", "")) for m in messages):
                    return str(channel["id"])
        return None

    return await eventually(packet, what="the packet")


async def test_the_incidents_are_listed_with_severity_service_state_age_and_channel(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel = await _incident_channel(runtime, people, scenario)

    status, answer = await _get(f"{runtime.webhook_url}/sandbox/incidents")

    assert status == 200
    [incident] = answer["incidents"]
    assert incident["ref"] == "INC-1"
    assert (incident["severity"], incident["service"], incident["status"]) == (
        "sev2",
        "billing-webhooks",
        "open",
    )
    assert incident["channel_id"] == channel
    assert incident["age_seconds"] >= 0
    assert runtime.emulator is not None
    forwarded = await _get(f"{runtime.emulator.base_url}/console/api/incidents")
    assert forwarded == (200, answer)


async def test_one_incident_has_its_audit_timeline_verified_and_its_postmortem_draft(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel = await _incident_channel(runtime, people, scenario)
    url = f"{runtime.webhook_url}/sandbox/incidents/1"
    _, before = await _get(url)
    assert before["postmortem"] is None
    assert before["verification"]["ok"] is True
    assert before["verification"]["rows"] >= len(before["timeline"]) > 0
    assert before["timeline"][0]["event"] == "incident.opened"
    assert before["actions"] == []

    await people.command("U0ALICE", channel, "/postmortem", "")

    async def drafted() -> dict[str, Any] | None:
        _, answer = await _get(url)
        return answer["postmortem"]

    draft = await eventually(drafted, what="the postmortem draft")
    assert draft["filename"].endswith(".md")
    assert runtime.emulator is not None
    markdown = await people.file_content(draft["file_id"])
    assert b"INC-1" in markdown


async def test_an_unknown_incident_is_a_404(runtime: Runtime) -> None:
    status, answer = await _get(f"{runtime.webhook_url}/sandbox/incidents/99")
    assert (status, answer["error"]) == (404, "incident_not_found")
