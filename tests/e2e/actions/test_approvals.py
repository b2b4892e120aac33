"""Actions end to end: ``/rollback`` through the real Bolt app and the Slack emulator, a dry-run
plan from the Kubernetes emulator through the real ``kubernetes`` client, approvals by button,
and the audit trail. Nothing is mocked: people click, the cluster answers, the database
decides who wins."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.action.models import ActionRecord, ActionState
from bot.app import Runtime
from bot.audit import service as audit
from bot.scenario.schemas import Scenario
from integrations.slack.blocks import APPROVE_ACTION_ID, DENY_ACTION_ID
from integrations.slack_emulator import EmulatorClient
from tests.e2e.actions.conftest import (
    OUTSIDER,
    PAYMENTS_ONCALL,
    REQUESTER,
    SRE,
    action_message,
    action_record,
    all_said,
    audit_events,
    client_writes,
    incident_channel,
    proposed_rollback,
    resolved,
    settled,
    texts,
)
from tests.e2e.conftest import post_alert


async def test_rollback_is_planned_refused_for_outsiders_and_runs_once_when_approved(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    asked = await people.command(REQUESTER, channel, "/rollback", "", wait_for=2)
    assert any("Action #1 proposed" in text for text in texts(asked))
    message = await action_message(runtime, people, channel)
    shown = str(message["blocks"])
    assert "revision 42" in shown
    assert "acme/billing:51d0e7c" in shown
    assert "/apis/apps/v1/namespaces/payments/deployments/billing-webhooks" in shown

    outsider = await people.click(OUTSIDER, channel, message["ts"], APPROVE_ACTION_ID)
    assert outsider.get("confirm") is not None  # behind a confirm dialog
    assert any("`approvers`" in text for text in texts(outsider))
    own = await people.click(REQUESTER, channel, message["ts"], APPROVE_ACTION_ID)
    assert any("`self_approval`" in text for text in texts(own))
    assert await client_writes(runtime) == []

    approved = await people.click(PAYMENTS_ONCALL, channel, message["ts"], APPROVE_ACTION_ID)
    assert any("Action #1 approved" in text for text in texts(approved))
    # The error rate falls after the rollback; the source says its alert resolved.
    await post_alert(runtime, "alertmanager", resolved(scenario.deliveries[0].payload))
    record = await settled(runtime)

    assert record.state == ActionState.VERIFIED, record.result
    assert record.decided_by == f"slack:{PAYMENTS_ONCALL}"
    assert record.checkpoint is not None
    assert record.checkpoint["state"]["revision"] == 42
    writes = await client_writes(runtime)
    assert [(w["verb"], w["name"]) for w in writes] == [("patch", "billing-webhooks")]
    events = await audit_events(runtime)
    assert ("action.approval_refused", f"slack:{OUTSIDER}") in events
    assert ("action.approval_refused", f"slack:{REQUESTER}") in events
    assert [e for e, _ in events if e.startswith("action.") and "refused" not in e] == [
        "action.proposed",
        "action.approved",
        "action.executing",
        "action.checkpoint",
        "action.succeeded",
        "action.verified",
    ]
    async with runtime.sessions() as session:
        assert await audit.verify(session) == len(events)
    await all_said(people, channel)  # the result follows the state into the thread
    replies = await people.messages(channel)
    assert any("Action #1 verified" in str(m.get("text", "")) for m in replies)


async def test_two_approvers_clicking_at_once_run_the_rollback_once(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel, message = await proposed_rollback(runtime, people, scenario)
    first, second = await asyncio.gather(
        people.click(PAYMENTS_ONCALL, channel, message["ts"], APPROVE_ACTION_ID),
        people.click(SRE, channel, message["ts"], APPROVE_ACTION_ID),
    )
    await settled(runtime)
    seen = texts(first) + texts(second)
    assert sum("approved; results follow" in text for text in seen) == 1
    assert len(await client_writes(runtime)) == 1
    events = await audit_events(runtime)
    assert [e for e, _ in events].count("action.executing") == 1
    # The click that lost is told so and audited, whichever of the two it was.
    approved = [actor for event, actor in events if event == "action.approved"]
    refused = [actor for event, actor in events if event == "action.approval_refused"]
    assert len(approved) == len(refused) == 1
    assert {*approved, *refused} == {f"slack:{PAYMENTS_ONCALL}", f"slack:{SRE}"}


async def test_a_button_whose_value_was_altered_is_refused_and_audited(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel, message = await proposed_rollback(runtime, people, scenario)
    forged = "1:" + "0" * 64
    result = await people.click(
        PAYMENTS_ONCALL, channel, message["ts"], APPROVE_ACTION_ID, forged_value=forged
    )
    assert any("`button`" in text for text in texts(result))
    assert (await action_record(runtime)).state == ActionState.PROPOSED
    assert ("action.approval_refused", f"slack:{PAYMENTS_ONCALL}") in await audit_events(runtime)
    assert await client_writes(runtime) == []


async def test_a_replayed_approval_is_refused(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel, message = await proposed_rollback(runtime, people, scenario)
    value = next(
        element["value"]
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == APPROVE_ACTION_ID
    )
    await people.click(PAYMENTS_ONCALL, channel, message["ts"], APPROVE_ACTION_ID)
    await settled(runtime)
    await all_said(people, channel)
    # Action #1's buttons are gone once it ran; its approval arrives again, replayed through
    # the buttons of a later proposal.
    await people.command(REQUESTER, channel, "/rollback", "")
    second = await action_message(runtime, people, channel, 2)
    result = await people.click(SRE, channel, second["ts"], APPROVE_ACTION_ID, forged_value=value)
    assert any("Action #1 is already" in text for text in texts(result))
    assert ("action.approval_refused", f"slack:{SRE}") in await audit_events(runtime)
    assert (await action_record(runtime, 2)).state == ActionState.PROPOSED
    assert len(await client_writes(runtime)) == 1


async def test_a_denied_action_never_runs(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel, message = await proposed_rollback(runtime, people, scenario)
    denied = await people.click(SRE, channel, message["ts"], DENY_ACTION_ID)
    assert any("denied" in text for text in texts(denied))
    assert (await action_record(runtime)).state == ActionState.DENIED
    shown = await action_message(runtime, people, channel)
    assert all(block["type"] != "actions" for block in shown["blocks"])  # no buttons left
    assert "Denied" in str(shown["blocks"])
    assert await client_writes(runtime) == []


async def test_rollback_outside_an_incident_channel_shows_the_usage(
    runtime: Runtime, people: EmulatorClient
) -> None:
    result = await people.command(REQUESTER, "general", "/rollback", "billing-webhooks")
    assert any("Usage" in text for text in texts(result))
    bad = await people.command(REQUESTER, "general", "/rollback", "to banana")
    assert any("Not understood" in text for text in texts(bad))
    # Both acked in time: Slack shows no "dispatch_failed" next to the usage.
    assert result.get("acked") is True
    assert bad.get("acked") is True
    async with runtime.sessions() as session:
        assert (await session.scalars(select(ActionRecord))).all() == []


async def test_without_recovery_evidence_a_finished_rollback_is_not_verified(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel, message = await proposed_rollback(runtime, people, scenario)
    await people.click(PAYMENTS_ONCALL, channel, message["ts"], APPROVE_ACTION_ID)
    record = await settled(runtime)
    assert record.state == ActionState.NOT_VERIFIED
    assert record.result is not None
    assert "no alert resolved and no metric reading after the action" in record.result
    assert len(await client_writes(runtime)) == 1  # it ran, once; it is not run again
    await all_said(people, channel)  # the result and the page follow the state
    pages = [m for m in await people.messages(channel) if "Paging" in str(m.get("text", ""))]
    assert len(pages) == 1
    assert "<!subteam^S0PAYONCALL>" in str(pages[0]["text"])
