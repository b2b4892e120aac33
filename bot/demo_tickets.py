"""The tickets of the demo's data-pipeline story, on a local GitHub Issues stand-in.

Once the packet is posted the bot opens the incident's ticket on its own (the shipped policy's
``auto`` for ``open_ticket``); after the source switch and the job re-run verified, a person
resolves the incident, and the bot comments on the ticket and closes it, and opens a follow-up
ticket for the lagging replica the job was switched away from. Every one of them is an action
(planned, approved by the policy rule, run once, verified by reading GitHub back, audited).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

from pydantic import SecretStr
from sqlalchemy import select

from bot.action.executors import VendorExecutors
from bot.action.models import ActionRecord, ActionState
from bot.app import Runtime
from bot.clock import Clock
from bot.incident.models import IncidentRecord
from integrations.github.client import GitHubConnection
from integrations.github.issues import GitHubIssueActions
from integrations.github_emulator import GitHubIssuesEmulator
from integrations.slack_emulator import EmulatorClient

__all__ = ["TICKETS_REPO", "start_ticket_stand_in", "tickets_story"]

TICKETS_REPO = "acme/incidents"
TIMEOUT = 60.0
FINAL = {ActionState.VERIFIED, ActionState.NOT_VERIFIED, ActionState.FAILED}


def _say(text: str = "") -> None:
    print(text, flush=True)  # the demo's output is the story, on stdout


async def start_ticket_stand_in(clock: Clock) -> tuple[GitHubIssuesEmulator, VendorExecutors]:
    """The local GitHub Issues (a token of its own) and the executor that opens tickets in it,
    through PyGithub, as the settings would configure it."""
    token = secrets.token_hex(16)
    github = GitHubIssuesEmulator(token=token)
    await github.start()
    executor = GitHubIssueActions(
        GitHubConnection(token=SecretStr(token), api_url=github.base_url, timeout=5.0),
        repo=TICKETS_REPO,
        clock=clock,
        poll_interval=0.1,
    )
    return github, VendorExecutors.of(executor)


async def _step(runtime: Runtime, step: str) -> ActionRecord:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        async with runtime.sessions() as session:
            record = await session.scalar(select(ActionRecord).where(ActionRecord.step == step))
        if record is not None and ActionState(record.state) in FINAL:
            return record
        await asyncio.sleep(0.2)
    raise TimeoutError(f"the bot's step {step} did not settle within {TIMEOUT:g}s")


async def _follow_ups(runtime: Runtime, incident_id: int) -> list[ActionRecord]:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        async with runtime.sessions() as session:
            found = list(
                await session.scalars(
                    select(ActionRecord).where(ActionRecord.step.like(f"{incident_id}:follow-up:%"))
                )
            )
        if found and all(ActionState(record.state) in FINAL for record in found):
            return found
        await asyncio.sleep(0.2)
    raise TimeoutError(f"no follow-up ticket settled within {TIMEOUT:g}s")


def _said(record: ActionRecord) -> None:
    _say(f"    action #{record.id} {record.kind} in {record.target}: {record.state}")


def _show_tickets(github: GitHubIssuesEmulator) -> None:
    for issue in github.tracker.of(TICKETS_REPO):
        _say(f"    {TICKETS_REPO}#{issue['number']} [{issue['state']}] {issue['title']}")
        for comment in github.tracker.comments.get((TICKETS_REPO, issue["number"]), []):
            _say(f"        comment: {comment['body']}")


async def tickets_story(
    runtime: Runtime,
    client: EmulatorClient,
    channel_id: str,
    person: str,
    github: GitHubIssuesEmulator,
) -> ActionState:
    """The ticket opened, a person resolves, the ticket updated and closed, the follow-up
    opened; VERIFIED only when every one of them verified."""
    async with runtime.sessions() as session:
        incident = await session.scalar(
            select(IncidentRecord).where(IncidentRecord.channel_id == channel_id)
        )
    assert incident is not None
    opened = await _step(runtime, f"{incident.id}:ticket")
    _say("The bot opened the incident's ticket on its own (open_ticket is auto by policy):")
    _said(opened)
    if opened.state != ActionState.VERIFIED:
        return ActionState(opened.state)
    note = "switched the ETL to the healthy replica and re-ran it; the load completed"
    _say(f"{person} runs /incident resolve {note}")
    answer: Any = await client.command(person, channel_id, "/incident", f"resolve {note}")
    for response in answer.get("responses", []):
        _say(f"    {response.get('text', '')}")
    updated = await _step(runtime, f"{incident.id}:ticket:resolved")
    _say("The bot commented on the ticket and closed it:")
    _said(updated)
    follow_ups = await _follow_ups(runtime, incident.id)
    _say("and opened a follow-up ticket for the replica it switched away from:")
    for record in follow_ups:
        _said(record)
    _say(f"GitHub Issues ({TICKETS_REPO}) as GitHub has them:")
    _show_tickets(github)
    for record in (updated, *follow_ups):
        if record.state != ActionState.VERIFIED:
            return ActionState(record.state)
    return ActionState.VERIFIED
