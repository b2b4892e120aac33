"""The PagerDuty write-back end to end: the bot with PagerDuty's settings pointing at the
stand-in, a PagerDuty v3 webhook opening the incident, and people in the Slack emulator naming
a commander and resolving it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Runtime, replay_evidence, start_runtime
from bot.clock import ReplayClock
from bot.scenario.schemas import Scenario
from integrations.pagerduty_emulator import EmulatedIncident, PagerDutyEmulator
from integrations.slack_emulator import EmulatorClient, EmulatorConfig
from tests.e2e.conftest import SECRET, eventually, post_alert, sandbox_settings
from tests.e2e.test_incident_commands import incident_channel

pytestmark = pytest.mark.slow

TOKEN, EMAIL = "y_NbAkKc66ryYTWUXYEu", "incident-bot@example.com"


@pytest.fixture
async def pagerduty() -> AsyncIterator[PagerDutyEmulator]:
    async with PagerDutyEmulator() as emulator:
        emulator.state.add_user("Incident Bot", EMAIL)
        emulator.state.add_token(TOKEN)
        yield emulator


@pytest.fixture
async def runtime(
    tmp_path: Path,
    scenario: Scenario,
    emulator_config: EmulatorConfig,
    pagerduty: PagerDutyEmulator,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Runtime]:
    monkeypatch.setenv("PAGERDUTY_API_URL", pagerduty.base_url)
    monkeypatch.setenv("PAGERDUTY_API_TOKEN", TOKEN)
    monkeypatch.setenv("PAGERDUTY_FROM_EMAIL", EMAIL)
    monkeypatch.setenv("PAGERDUTY_WRITEBACK_SECONDS", "0.2")
    settings = sandbox_settings(
        tmp_path, packet_update_interval_seconds=0.2, pagerduty_webhook_secret=SECRET
    )
    runtime = await start_runtime(
        settings,
        clock=ReplayClock(scenario.now),
        evidence=replay_evidence([scenario]),
        emulator_config=emulator_config,
        poll_interval=0.1,
    )
    yield runtime
    await runtime.stop()


def _webhook(incident: EmulatedIncident, scenario: Scenario) -> dict[str, object]:
    return {
        "event": {
            "id": str(uuid.uuid4()),
            "event_type": "incident.triggered",
            "resource_type": "incident",
            "occurred_at": scenario.now.isoformat(),
            "data": {
                "id": incident.id,
                "type": "incident",
                "html_url": f"https://acme.pagerduty.com/incidents/{incident.id}",
                "number": incident.number,
                "status": "triggered",
                "created_at": scenario.now.isoformat(),
                "title": incident.title,
                "service": {"id": incident.service.id, "summary": incident.service.name},
                "urgency": "high",
            },
        }
    }


async def test_a_pagerduty_incident_is_noted_acknowledged_and_resolved_by_people_in_slack(
    runtime: Runtime,
    people: EmulatorClient,
    pagerduty: PagerDutyEmulator,
    scenario: Scenario,
) -> None:
    service = pagerduty.state.add_service("Billing Webhooks", "b" * 32)
    paged = pagerduty.state.add_incident(service, "billing-webhooks 5xx above 4%")
    status, _ = await post_alert(runtime, "pagerduty", _webhook(paged, scenario))
    assert status == 202
    channel = await incident_channel(runtime, people)

    note = await eventually(lambda: _note(paged), what="the packet as a PagerDuty note")
    assert f"https://slack.com/app_redirect?channel={channel['id']}" in note
    assert paged.status == "triggered"

    await people.command("U0ALICE", channel["id"], "/incident", "commander <@U0ERIN|erin>")
    await eventually(lambda: _status(paged, "acknowledged"), what="PagerDuty acknowledged")

    await people.command("U0ALICE", channel["id"], "/incident", "resolve rolled back v2.14.0")
    await eventually(lambda: _status(paged, "resolved"), what="PagerDuty resolved")
    assert len(paged.notes) == 1
    assert [method for method, _path, who in pagerduty.state.writes if who == EMAIL] == [
        "POST",
        "PUT",
        "PUT",
    ]


async def _note(incident: EmulatedIncident) -> str | None:
    return incident.notes[0].content if incident.notes else None


async def _status(incident: EmulatedIncident, wanted: str) -> bool:
    return incident.status == wanted
