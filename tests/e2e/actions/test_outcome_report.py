"""The outcome figures over the demo's database, on both databases: the demo's story through the
real Bolt app and both emulators (an alert, ``/rollback``, a refused and an allowed approval, the
rollback run and verified, the alert resolved, ``/incident resolve`` with a note), then
``incident-bot report`` as a separate process prints every figure, and ``/metrics`` shows the
same numbers."""

from __future__ import annotations

import json
import os
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import Runtime
from bot.history import service as history
from bot.incident.models import IncidentRecord
from bot.outcomes.render import COLUMNS
from bot.scenario.schemas import Scenario
from integrations.prometheus.metrics import OUTCOME_FIGURES
from integrations.slack.blocks import APPROVE_ACTION_ID
from integrations.slack_emulator import EmulatorClient
from tests.e2e.actions.conftest import (
    OUTSIDER,
    PAYMENTS_ONCALL,
    SRE,
    all_said,
    proposed_rollback,
    resolved,
    settled,
)
from tests.e2e.conftest import eventually, post_alert, run_cli

pytestmark = pytest.mark.slow

NOTE = "rolled back the parser deploy"


@pytest.fixture
def overrides(database_url: str) -> dict[str, Any]:
    return {"database_url": database_url}


def _environment(database_url: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))},
        "DATABASE_URL": database_url,
    }


async def _gauges(runtime: Runtime) -> dict[tuple[str, str, str], float]:
    """``incident_bot_outcome_*`` as scraped: (figure, service, severity) → value."""
    async with aiohttp.ClientSession() as http, http.get(f"{runtime.webhook_url}/metrics") as got:
        assert got.status == 200
        body = await got.text()
    prefix = "incident_bot_outcome_"
    return {
        (sample.name[len(prefix) :], sample.labels["service"], sample.labels["severity"]): (
            sample.value
        )
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if sample.name.startswith(prefix)
    }


async def test_report_over_the_demo_database_prints_every_figure_and_metrics_agree(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario, database_url: str
) -> None:
    channel, message = await proposed_rollback(runtime, people, scenario)
    await people.click(OUTSIDER, channel, message["ts"], APPROVE_ACTION_ID)
    await people.click(PAYMENTS_ONCALL, channel, message["ts"], APPROVE_ACTION_ID)
    await post_alert(runtime, "alertmanager", resolved(scenario.deliveries[0].payload))
    await settled(runtime)
    await all_said(people, channel)
    await people.command(SRE, channel, "/incident", f"resolve {NOTE}")

    async def resolved_at() -> Any:
        async with runtime.sessions() as session:
            incident = await session.get(IncidentRecord, 1)
        return incident.resolved_at if incident is not None else None

    await eventually(resolved_at, what="the incident's resolution")
    async with runtime.sessions() as session:
        row = await history.get(session, 1)
    assert row is not None
    assert (row.resolution, row.remedy_kind) == (NOTE, "rollback")

    table = await run_cli(_environment(database_url), "report")
    as_json = await run_cli(_environment(database_url), "report", "--json")
    later = await run_cli(_environment(database_url), "report", "--since", "2026-03-05", "--json")
    gauges = await _gauges(runtime)

    assert table.returncode == 0, table.stderr
    header = next(line for line in table.stdout.splitlines() if line.startswith("service"))
    assert header.split() == list(COLUMNS)
    (billing,) = [line for line in table.stdout.splitlines() if line.startswith("billing")]
    assert " - " not in f" {billing} "  # every figure has a value over the demo's incident
    report = json.loads(as_json.stdout)
    (row,) = report["rows"]
    assert (row["service"], row["severity"], row["incidents"], row["resolved"]) == (
        "billing-webhooks",
        "sev2",
        1,
        1,
    )
    assert (row["remediation_success_rate"], row["noise_rate"]) == (1.0, 0.0)
    assert row["autonomy_rate"] == 0.0  # people proposed and approved the rollback
    assert row["mtta_seconds"] > 0
    assert row["mttr_seconds"] >= row["mttd_seconds"] > 0
    assert json.loads(later.stdout)["rows"] == []  # the demo's incident began on 4 March
    assert json.loads(later.stdout)["overall"]["incidents"] == 0
    for name, _, field in OUTCOME_FIGURES:
        for group in (row, report["overall"]):
            assert gauges[name, group["service"], group["severity"]] == group[field], name
