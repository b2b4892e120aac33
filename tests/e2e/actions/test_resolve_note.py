"""Resolving through Slack keeps what fixed it: the button resolves in one click and asks for the
note, ``/incident resolve <note>`` then adds it once, and the next similar incident's packet in
Slack names the first with that note."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.app import Runtime
from bot.history import service as history
from bot.scenario.schemas import Scenario
from integrations.slack.blocks import RESOLVE_ACTION_ID
from integrations.slack_emulator import EmulatorClient
from tests.e2e.actions.conftest import SRE, incident_channel, resolved, texts
from tests.e2e.conftest import eventually, post_alert

pytestmark = pytest.mark.slow

NOTE = "scaled the parser workers back up"


async def test_the_button_asks_what_fixed_it_and_the_next_packet_shows_the_note(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    status, _ = await post_alert(runtime, "alertmanager", resolved(scenario.deliveries[0].payload))
    assert status == 202

    async def resolve_prompt() -> dict[str, Any] | None:
        for message in await people.messages(channel):
            if RESOLVE_ACTION_ID in json.dumps(message.get("blocks") or []):
                return message
        return None

    prompt = await eventually(resolve_prompt, what="the bot to ask to resolve")
    clicked = await people.click(SRE, channel, prompt["ts"], RESOLVE_ACTION_ID)
    assert any("What fixed it?" in text for text in texts(clicked)), texts(clicked)
    noted = await people.command(SRE, channel, "/incident", f"resolve {NOTE}")
    again = await people.command(SRE, channel, "/incident", "resolve something else")

    assert any("added what resolved INC-1" in text for text in texts(noted)), texts(noted)
    assert any("already resolved" in text for text in texts(again)), texts(again)
    async with runtime.sessions() as session:
        row = await history.get(session, 1)
    assert row is not None
    assert row.resolution == NOTE

    firing = json.loads(json.dumps(scenario.deliveries[0].payload))
    firing["alerts"][0]["startsAt"] = "2026-03-04T14:40:00Z"
    status, _ = await post_alert(runtime, "alertmanager", firing)
    assert status == 202

    async def second_packet() -> str | None:
        for found in await people.channels():
            if found["id"] != channel and str(found["name"]).startswith("inc-"):
                for message in await people.messages(found["id"]):
                    if "Incident packet" in str(message.get("text", "")):
                        return json.dumps(message.get("blocks"))
        return None

    blocks = await eventually(second_packet, what="the second incident's packet")
    assert "Seen before:" in blocks
    assert "INC-1 on 04 Mar 2026" in blocks
    assert NOTE in blocks
