"""The App Home end to end: a person opens the Home tab (the emulator sends
``app_home_opened`` over Socket Mode) and the bot publishes what stands now."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.action.models import ActionRecord, ActionState
from bot.app import Runtime
from bot.incident.models import IncidentRecord
from bot.killswitch import service as kill_switch
from bot.scenario.schemas import Scenario
from integrations.slack_emulator import EmulatorClient
from integrations.slack_emulator.blocks import render_blocks
from tests.e2e.conftest import eventually, post_alert
from tests.e2e.test_offline_slice import packets_in

pytestmark = pytest.mark.slow


async def home_of(people: EmulatorClient, user: str, *, containing: str) -> str:
    async def published() -> str | None:
        view: dict[str, Any] | None = await people.home(user)
        text = render_blocks(view["blocks"]) if view else ""
        return text if containing in text else None

    return await eventually(published, what=f"a Home tab with {containing!r}")


async def test_the_home_tab_shows_incidents_approvals_and_the_kill_switch(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    alert = scenario.deliveries[0]
    await post_alert(runtime, alert.source.value, alert.payload)
    channel, _ = (await eventually(lambda: packets_in(people), what="the packet"))[0]
    await people.command("U0ALICE", channel["id"], "/incident", "commander <@U0ERIN|erin>")

    async def commander_named() -> bool:
        # The command is acked first and done after: the Home tab is drawn once it is.
        async with runtime.sessions() as session:
            incident = await session.get(IncidentRecord, 1)
        return incident is not None and incident.commander == "U0ERIN"

    await eventually(commander_named, what="the commander to be recorded")
    now = runtime.clock.now()
    async with runtime.sessions() as session, session.begin():
        session.add(
            ActionRecord(
                incident_id=1,
                kind="rollback",
                target="billing-webhooks",
                parameters={"to": "51d0e7c"},
                plan_hash="0" * 64,
                state=ActionState.PROPOSED,
                requires_approval=True,
                proposed_by="slack:U0BOB",
                proposed_at=now,
                expires_at=now + timedelta(minutes=15),
            )
        )
        await kill_switch.turn(
            session, engaged=True, actor="slack:U0ALICE", clock=runtime.clock, reason="drill"
        )

    seen = await people.event("app_home_opened", "U0DANA")

    assert seen["ok"] is True
    text = await home_of(people, "U0DANA", containing="INC-1")
    assert f"INC-1* · sev2 · billing-webhooks · <#{channel['id']}> · commander <@U0ERIN>" in text
    assert "*#1 rollback* billing-webhooks · INC-1 · asked by <@U0BOB> · expires" in text
    assert "Kill switch: *ON*" in text
    assert "by <@U0ALICE>: drill" in text


async def test_the_home_tab_of_a_quiet_workspace_says_so(
    runtime: Runtime, people: EmulatorClient
) -> None:
    await people.event("app_home_opened", "U0ALICE")

    text = await home_of(people, "U0ALICE", containing="No open incidents.")
    assert "Nothing is waiting for an approval." in text
    assert "Kill switch: *off*" in text
