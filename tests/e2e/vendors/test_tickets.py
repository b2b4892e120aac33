"""Tickets on GitHub Issues, end to end through PyGithub: once the packet is posted the bot
opens the incident's ticket on its own (the shipped policy's ``auto``) with the packet and its
source links, exactly once however many sweeps look; on resolution it comments and closes it;
follow-up tickets are tickets of their own; the kill switch and ``suggest`` keep it by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.action import service as actions
from bot.action.executors import VendorExecutors
from bot.action.models import ActionRecord, ActionState
from bot.action.plan import ActionParameters, VendorActionKind
from bot.action.sweep import sweep
from bot.action.vendor_steps import open_follow_ups
from bot.app import Runtime
from bot.incident import service as incidents
from bot.killswitch import service as kill_switch
from bot.policy import parse_policy
from bot.scenario.models import Scenario
from integrations.slack_emulator import EmulatorClient
from tests.e2e.actions.conftest import SRE, incident_channel, texts
from tests.e2e.conftest import eventually
from tests.e2e.vendors.conftest import GITHUB_TOKEN, REPO, propose_vendor
from tests.fakes.github import FakeGitHub


async def step_settled(runtime: Runtime, step: str) -> ActionRecord:
    final = {ActionState.VERIFIED, ActionState.NOT_VERIFIED, ActionState.FAILED}

    async def done() -> ActionRecord | None:
        async with runtime.sessions() as session:
            record = await actions.by_step(session, step)
        return record if record is not None and ActionState(record.state) in final else None

    return await eventually(done, what=f"step {step} to settle")


def issue_writes(github: FakeGitHub) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in github.requests if r.method != "GET"]


@pytest.mark.parametrize("overrides", [{"action_sweep_seconds": 0.2}])
async def test_the_ticket_is_opened_once_with_the_packet_then_commented_and_closed(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario, github: FakeGitHub
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    opened = await step_settled(runtime, "1:ticket")
    assert opened.state == ActionState.VERIFIED, opened.result
    assert opened.decided_by == "policy"  # auto: approved by the policy rule
    (issue,) = github.issues.of(REPO)
    async with runtime.sessions() as session:
        incident = await incidents.by_channel(session, channel)
    assert incident is not None
    assert incident.packet_text is not None
    assert incident.packet_text in issue["body"]
    assert "<!-- incident-bot:INC-1 -->" in issue["body"]
    assert [label["name"] for label in issue["labels"]] == ["incident"]
    assert all(r.authorization == f"token {GITHUB_TOKEN}" for r in github.requests)
    assert runtime.actions is not None
    await sweep(runtime.actions)  # another sweep (another replica) opens nothing more
    assert issue_writes(github) == [("POST", f"/repos/{REPO}/issues")]

    resolved = await people.command(SRE, channel, "/incident", "resolve replayed the webhooks")
    assert any("resolved" in text.lower() for text in texts(resolved)), texts(resolved)
    closed = await step_settled(runtime, "1:ticket:resolved")
    assert closed.state == ActionState.VERIFIED, closed.result
    assert issue["state"] == "closed"
    assert issue["state_reason"] == "completed"
    (comment,) = github.issues.comments[(REPO, 1)]
    assert comment["body"].startswith("INC-1 was resolved")
    assert issue_writes(github) == [
        ("POST", f"/repos/{REPO}/issues"),
        ("POST", f"/repos/{REPO}/issues/1/comments"),
        ("PATCH", f"/repos/{REPO}/issues/1"),
    ]

    # The postmortem's action items become follow-up tickets, once each.
    drafted = await people.command(SRE, channel, "/postmortem", "")
    assert drafted.get("responses") is not None
    assert runtime.actions is not None

    async def follow_ups() -> list[dict[str, Any]] | None:
        await sweep(runtime.actions)  # as any replica's sweep would; each item goes once
        async with runtime.sessions() as session:
            steps = list(
                await session.scalars(
                    select(ActionRecord).where(ActionRecord.step.like("1:follow-up:%"))
                )
            )
        settled = steps and all(row.state == ActionState.VERIFIED for row in steps)
        found = [i for i in github.issues.of(REPO) if i["title"].startswith("Follow-up of INC-1")]
        return found if settled and len(found) == len(steps) else None

    opened_follow_ups = await eventually(follow_ups, what="follow-up tickets")
    await sweep(runtime.actions)
    again = [i for i in github.issues.of(REPO) if i["title"].startswith("Follow-up of INC-1")]
    assert len(again) == len(opened_follow_ups)
    assert any("Add the check or alert" in i["title"] for i in again), [i["title"] for i in again]


async def test_follow_up_tickets_are_opened_once_each(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario, github: FakeGitHub
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    assert runtime.actions is not None
    async with runtime.sessions() as session:
        incident = await incidents.by_channel(session, channel)
    assert incident is not None
    items = ["Fix replica db-replica-2's replication lag", "Alert on replica lag"]
    assert await open_follow_ups(runtime.actions, incident, items) == 2
    assert await open_follow_ups(runtime.actions, incident, items) == 0
    titles = sorted(
        issue["title"] for issue in github.issues.of(REPO) if "Follow-up" in issue["title"]
    )
    assert titles == sorted(f"Follow-up of INC-1: {item}" for item in items)


@pytest.mark.parametrize("overrides", [{"action_sweep_seconds": 600.0}])
async def test_with_the_kill_switch_on_no_ticket_is_opened(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario, github: FakeGitHub
) -> None:
    async with runtime.sessions() as session, session.begin():
        await kill_switch.turn(session, engaged=True, actor=f"slack:{SRE}", clock=runtime.clock)
    await incident_channel(runtime, people, scenario)
    assert runtime.actions is not None
    await sweep(runtime.actions)
    assert github.issues.of(REPO) == []
    async with runtime.sessions() as session, session.begin():
        await kill_switch.turn(session, engaged=False, actor=f"slack:{SRE}", clock=runtime.clock)
    await sweep(runtime.actions)
    assert len(github.issues.of(REPO)) == 1


SUGGEST = """\
defaults:
  approvers: ["@sre-oncall"]
  actions:
    open_ticket: {autonomy: suggest}
"""


@pytest.mark.parametrize("policy", [parse_policy(SUGGEST, path=Path("policy.yaml"))])
@pytest.mark.parametrize("overrides", [{"action_sweep_seconds": 600.0}])
async def test_a_policy_that_only_suggests_tickets_keeps_them_by_hand(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario, github: FakeGitHub
) -> None:
    await incident_channel(runtime, people, scenario)
    assert runtime.actions is not None
    await sweep(runtime.actions)
    assert github.issues.of(REPO) == []
    async with runtime.sessions() as session:
        assert await actions.by_step(session, "1:ticket") is None


@pytest.mark.parametrize("vendors", [VendorExecutors()])
async def test_with_no_tracker_configured_a_ticket_stays_a_suggestion_and_says_so(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario, github: FakeGitHub
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    reply = await propose_vendor(
        runtime,
        channel,
        VendorActionKind.OPEN_TICKET,
        ActionParameters(title="t", text="x", ref="INC-1"),
        requester=f"slack:{SRE}",
    )
    assert "Open ticket stays a suggestion" in reply
    assert "no executor for it is configured" in reply
    assert github.requests == []
    async with runtime.sessions() as session:
        assert list(await actions.pending(session)) == []
