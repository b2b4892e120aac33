"""Every refusal of a command or a click is answered with a reason and audited, including input
no parser should have let through: numbers past what the database stores, digits that are not
ASCII (``²``, which ``str.isdigit`` accepts and ``int`` refuses). (The click that loses a race
for the action's row: ``test_approvals.py``, two approvers clicking at once.)"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text

from bot.action.models import ActionState
from bot.app import Runtime
from bot.scenario.schemas import Scenario
from integrations.slack.blocks import APPROVE_ACTION_ID, RESOLVE_ACTION_ID
from integrations.slack_emulator import EmulatorClient
from tests.e2e.actions.conftest import (
    PAYMENTS_ONCALL,
    REQUESTER,
    action_record,
    audit_events,
    client_writes,
    incident_channel,
    proposed_rollback,
    resolved,
    texts,
)
from tests.e2e.conftest import post_alert
from tests.harness import eventually

HUGE = "99999999999999999999999999"


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("/incident", f"merge {HUGE}"),
        ("/incident", f"merge INC-{HUGE}"),
        ("/incident", "merge ²"),
        ("/incident", "split ٣"),  # an Arabic-Indic three: a digit to \d, not to us
        ("/incident", f"scale billing-webhooks {HUGE}"),
        ("/incident", "scale billing-webhooks ²"),
        ("/rollback", f"to {HUGE}"),
        ("/rollback", "to ²"),
    ],
)
async def test_a_number_no_database_could_hold_gets_the_usage_and_an_audit_row(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario, command: str, words: str
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    seen = await people.command(REQUESTER, channel, command, words)
    answers = texts(seen)
    assert seen["acked"] is True
    assert any("Usage" in answer for answer in answers), answers
    assert all("went wrong" not in answer for answer in answers), answers  # no generic error

    async def refused() -> list[str]:
        events = await audit_events(runtime)
        return [actor for event, actor in events if event == "interaction.refused"]

    # The row follows the answer (the person is answered first).
    assert await eventually(refused, what="the refusal's audit row") == [f"slack:{REQUESTER}"]
    assert await client_writes(runtime) == []


@pytest.mark.parametrize("number", ["²", HUGE, "-1", "+1", "1_0", "0"])
async def test_an_approve_button_whose_id_is_not_a_plain_number_is_refused_and_audited(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario, number: str
) -> None:
    channel, message = await proposed_rollback(runtime, people, scenario)
    plan_hash = (await action_record(runtime)).plan_hash
    result = await people.click(
        PAYMENTS_ONCALL,
        channel,
        message["ts"],
        APPROVE_ACTION_ID,
        forged_value=f"{number}:{plan_hash}",
    )
    assert any("`button`" in text for text in texts(result)), texts(result)
    assert ("action.approval_refused", f"slack:{PAYMENTS_ONCALL}") in await audit_events(runtime)
    assert (await action_record(runtime)).state == ActionState.PROPOSED
    assert await client_writes(runtime) == []


@pytest.mark.parametrize("value", ["²", HUGE, "1; DROP TABLE incidents"])
async def test_a_resolve_button_naming_no_incident_is_refused_and_audited(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario, value: str
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
    result = await people.click(
        REQUESTER, channel, prompt["ts"], RESOLVE_ACTION_ID, forged_value=value
    )
    assert any("nothing was resolved" in text for text in texts(result)), texts(result)

    async def refused() -> list[str]:
        events = await audit_events(runtime)
        return [actor for event, actor in events if event == "interaction.refused"]

    assert await eventually(refused, what="the refusal's audit row") == [f"slack:{REQUESTER}"]
    async with runtime.sessions() as session:
        status_now = await session.scalar(text("SELECT status FROM incidents WHERE id = 1"))
    assert status_now == "open"
