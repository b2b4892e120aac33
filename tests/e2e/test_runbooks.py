"""Runbooks end to end: the packet posted to Slack names the runbook that fits (or says none
does, and what came closest), and a bad runbook file stops ``serve`` and ``demo`` at start-up
naming the file, the line and the key."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from bot.app import Runtime
from bot.audit import service as audit
from bot.runbook.loader import SHIPPED_RUNBOOKS
from bot.scenario.models import Scenario
from bot.wiring.evidence import SHIPPED_SCENARIOS
from integrations.slack_emulator import EmulatorClient
from tests.e2e.conftest import eventually, post_alert, run_cli

pytestmark = pytest.mark.slow


async def posted_packet(people: EmulatorClient) -> dict[str, Any] | None:
    for channel in await people.channels():
        if channel["name"].startswith("inc-"):
            for message in await people.messages(channel["id"]):
                if "Incident packet" in (message.get("text") or ""):
                    return message
    return None


def block_texts(message: dict[str, Any]) -> list[str]:
    return [
        block["text"]["text"]
        for block in message.get("blocks") or []
        if block.get("type") == "section"
    ]


async def test_the_posted_packet_names_the_runbook_that_fits_in_its_text_and_blocks(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    alert = scenario.deliveries[0]
    assert (await post_alert(runtime, alert.source.value, alert.payload))[0] == 202

    message = await eventually(lambda: posted_packet(people), what="the packet")

    assert scenario.expect.runbook == "deploy-rollback"
    assert (
        "Runbook:\n- deploy-rollback: A deploy made things worse; roll it back\n"
        in (message["text"])
    )
    runbook_blocks = [text for text in block_texts(message) if text.startswith("Runbook:")]
    assert len(runbook_blocks) == 1
    assert runbook_blocks[0].startswith("Runbook:\n- deploy-rollback: ")
    assert "\n- Fits: cause deploy; category deployment; keywords " in runbook_blocks[0]

    async def recorded() -> list[str]:
        # The packet is recorded as posted in the transaction after Slack answered.
        async with runtime.sessions() as session:
            entries = await audit.entries(session)
        return [e.details["runbook"] for e in entries if e.event == "packet.posted"]

    assert await eventually(recorded, what="the packet.posted audit row") == ["deploy-rollback"]


def _environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RUNBOOK_"))},
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/bot.sqlite3",
        "HOST": "127.0.0.1",
        "PORT": "0",
        "SLACK_EMULATOR_PORT": "0",
        **variables,
    }


async def test_the_demo_of_a_scenario_no_runbook_fits_says_so_and_names_the_closest(
    tmp_path: Path,
) -> None:
    shipped = (SHIPPED_SCENARIOS / "billing-parser-deploy.yaml").read_text(encoding="utf-8")
    narrowed = shipped.replace("runbooks: default", "runbooks: [high-latency, oom-kill]").replace(
        "  runbook: deploy-rollback", "  runbook: null"
    )
    assert narrowed.count("high-latency") == 1
    assert "runbook: null" in narrowed
    scenario_file = tmp_path / "no-fitting-runbook.yaml"
    scenario_file.write_text(narrowed, encoding="utf-8")

    result = await run_cli(_environment(tmp_path), "demo", str(scenario_file))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "    Runbook:\n    - No runbook fits; closest: high-latency (score " in result.stdout
    assert "deploy-rollback" not in result.stdout


@pytest.mark.parametrize("command", ["serve", "demo"])
async def test_a_bad_runbook_file_stops_the_command_naming_file_line_and_key(
    tmp_path: Path, command: str
) -> None:
    folder = tmp_path / "our-runbooks"
    folder.mkdir()
    good = (SHIPPED_RUNBOOKS / "disk-filling.md").read_text(encoding="utf-8")
    bad = good.replace("id: disk-filling", "id: disk-full", 1).replace(
        "categories: [", "categories: [disks, ", 1
    )
    assert bad.count("disks") == 1
    runbook = folder / "disk-full.md"
    runbook.write_text(bad, encoding="utf-8")
    line = next(n for n, text in enumerate(bad.splitlines(), 1) if "disks" in text)

    result = await run_cli(_environment(tmp_path, RUNBOOK_PATHS=json.dumps([str(folder)])), command)

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"incident-bot: {runbook}:{line}: match.categories.0: ")
    assert "disks" in result.stderr
    assert "Incident packet" not in result.stdout
    assert not (tmp_path / "bot.sqlite3").exists(), "it stopped before building anything"
