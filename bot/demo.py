"""``incident-bot demo``: two stories played end to end with no account anywhere (or the one
scenario named).

It starts the local Slack emulator, the local Kubernetes emulator (seeded from the scenario's
``cluster`` section), the bot and the webhook server in this process, posts the scenario's alert
to the webhook as its source would (signed), waits for the packet as a person would (through
the emulator's control API) and runs ``/status``. Then the action story: a person runs
``/rollback`` and sees the dry-run plan, someone outside the policy clicks Approve and is
refused, an allowed approver approves, the rollback runs once on the emulated cluster, the alert
resolves (the demo sends the source's "resolved" as the source would once the error rate
falls) and the verification is posted. Then the approver takes command, confirms the packet's
leading hypothesis as the cause (for the postmortem) and resolves the incident with a note on
what fixed it (what history shows the next similar incident), so ``incident-bot postmortem
INC-1`` reads a closed incident. It prints the channel as read in Slack and the audit trail,
and verifies the chain. Exit 0 only when all of that worked.

The second story is the data pipeline's (``scenarios/examples/etl-replica-lag.yaml``), on the
same offline components and the same database: a nightly ETL fails on a lagging read replica,
the packet names the ``etl-source-timeout`` runbook, and the shipped policy lets revenue-etl's
declared source switch and job re-run run on their own. The bot switches the job's ConfigMap to
the healthy replica (approved by the policy rule, verified by reading it back), re-runs the job
from its CronJob and watches the Job complete. Exit 0 only when both stories verified and the
audit chain holds.

It prints the sandbox console's URL first (the workspace in a browser, live); with ``keep`` the
sandbox stays up after the stories, until SIGINT or SIGTERM, for a person to look around and run
commands themselves.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import signal
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

from bot.action.models import ActionRecord, ActionState
from bot.app import Runtime, start_runtime
from bot.audit import service as audit
from bot.clock import ReplayClock
from bot.errors import AuditChainError
from bot.incident.models import ChartState, IncidentRecord
from bot.interaction.buttons import APPROVE_ACTION_ID
from bot.messages import audit_line
from bot.policy import SHIPPED_POLICY, load_policy
from bot.scenario.loader import load_scenario
from bot.scenario.models import Scenario
from bot.settings import load_settings
from bot.wiring.evidence import SHIPPED_SCENARIOS, replay_evidence
from handlers.webhooks.auth import signed_headers
from integrations.slack_emulator import EmulatorClient, load_workspace, render_blocks

__all__ = ["DEFAULT_SCENARIO", "run_demo"]

DEFAULT_SCENARIO = SHIPPED_SCENARIOS / "billing-parser-deploy.yaml"
PIPELINE_SCENARIO = SHIPPED_SCENARIOS / "examples" / "etl-replica-lag.yaml"
PACKET_TIMEOUT = 30.0
CHART_TIMEOUT = 10.0
ACTION_TIMEOUT = 60.0
RULE = "─" * 72
RESOLUTION_NOTE = "Rolled back the parser deploy; the error rate is back to baseline"


def _say(text: str = "") -> None:
    print(text, flush=True)


async def _post_alerts(
    runtime: Runtime, scenario: Scenario, secret: str, *, resolved: bool = False
) -> None:
    async with aiohttp.ClientSession() as http:
        for delivery in scenario.deliveries:
            payload = _resolved(delivery.payload) if resolved else delivery.payload
            body = json.dumps(payload).encode()
            url = f"{runtime.webhook_url}/webhooks/{delivery.source.value}"
            headers = signed_headers(delivery.source.value, body, secret)
            async with http.post(url, data=body, headers=headers) as response:
                answer = await response.text()
                _say(f"POST /webhooks/{delivery.source.value} -> {response.status} {answer}")
                if response.status >= 300:
                    raise RuntimeError(f"the webhook refused the scenario's alert: {answer}")


def _resolved(payload: Any) -> Any:
    """The delivery as its source sends it once the condition cleared (Alertmanager's
    ``resolved``); other sources' payloads go as they are."""
    if not isinstance(payload, dict) or "alerts" not in payload:
        return payload
    resolved = json.loads(json.dumps(payload))
    resolved["status"] = "resolved"
    for alert in resolved["alerts"]:
        alert["status"] = "resolved"
    return resolved


async def _wait_for_packet(client: EmulatorClient) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    deadline = time.monotonic() + PACKET_TIMEOUT
    while time.monotonic() < deadline:
        for channel in await client.channels():
            if not str(channel["name"]).startswith("inc-"):
                continue
            messages = await client.messages(channel["id"])
            if any("Incident packet" in str(m.get("text", "")) for m in messages):
                return channel, messages
        await asyncio.sleep(0.2)
    raise TimeoutError(f"no packet was posted within {PACKET_TIMEOUT:g}s")


async def _wait_for_charts(runtime: Runtime) -> None:
    """The chart follows the packet into its thread: give it a moment, so the demo shows it.
    Not waited for past ``CHART_TIMEOUT``: the packet never depends on it."""
    due = select(func.count()).where(
        IncidentRecord.chart_state.in_((ChartState.PENDING, ChartState.UPLOADING))
    )
    deadline = time.monotonic() + CHART_TIMEOUT
    while time.monotonic() < deadline:
        async with runtime.sessions() as session:
            if not await session.scalar(due):
                return
        await asyncio.sleep(0.2)


def _print_messages(messages: list[dict[str, Any]], users: dict[str, str]) -> None:
    for message in messages:
        who = users.get(str(message.get("user")), str(message.get("user")))
        seen_by = (
            f" (only visible to {users.get(message['recipient'], message['recipient'])})"
            if message.get("ephemeral")
            else ""
        )
        thread = (
            "  ↳ in thread" if message.get("thread_ts") not in (None, message.get("ts")) else ""
        )
        posted = datetime.fromtimestamp(float(message["ts"]), UTC)  # Slack's ts is a time
        _say(f"[{posted:%H:%M:%S} UTC] {who}{seen_by}{thread}")
        text = render_blocks(message.get("blocks") or [], str(message.get("text", "")))
        for line in text.splitlines():
            _say(f"    {line}")
        for file in message.get("files") or []:
            _say(f"    [file] {file.get('title')} ({file.get('name')}, {file.get('size')} bytes)")
        _say()


async def _keep_running(runtime: Runtime) -> None:
    """Until SIGINT or SIGTERM: the person looks around in the console."""
    assert runtime.emulator is not None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    _say(RULE)
    _say(f"The sandbox keeps running: {runtime.emulator.console_url}")
    _say("Act as any person there (/status, /triage, /explain, /rollback, /postmortem).")
    _say("Ctrl-C stops it.")
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def run_demo(
    scenario_path: Path | None = None, *, database_url: str | None = None, keep: bool = False
) -> int:
    """Play ``scenario_path`` (its rollback story, or its pipeline story when its cluster runs
    CronJobs), or by default both shipped stories one after the other on one database; with
    ``keep`` the last story's sandbox stays up for a person to look around."""
    paths = [scenario_path] if scenario_path is not None else [DEFAULT_SCENARIO, PIPELINE_SCENARIO]
    with tempfile.TemporaryDirectory(prefix="incident-bot-demo-") as folder:
        url = database_url or f"sqlite+aiosqlite:///{folder}/demo.sqlite3"
        verdicts: list[tuple[str, int]] = []
        for number, path in enumerate(paths, start=1):
            scenario = load_scenario(path)
            last = number == len(paths)
            verdicts.append((scenario.id, await _run_story(scenario, url, keep=keep and last)))
    _say(RULE)
    for story, code in verdicts:
        _say(f"{story}: {'verified' if code == 0 else 'NOT verified'}")
    return 0 if all(code == 0 for _, code in verdicts) else 1


async def _run_story(scenario: Scenario, database_url: str, *, keep: bool) -> int:
    secret = secrets.token_hex(24)
    sources = {delivery.source.value for delivery in scenario.deliveries}
    settings = load_settings(
        database_url=database_url,
        host="127.0.0.1",
        port=0,
        slack_emulator_port=0,
        slack_bot_token=None,
        slack_app_token=None,
        recovery_window_seconds=20,
        action_verify_seconds=20,
        action_sweep_seconds=0.5,
        **{f"{source}_webhook_secret": secret for source in sources},
    )
    runtime = await start_runtime(
        settings,
        clock=ReplayClock(scenario.now),
        evidence=replay_evidence([scenario]),
        runbook_selection=scenario.runbooks,
        poll_interval=0.2,
        policy=load_policy(SHIPPED_POLICY),
        cluster_seed=scenario.cluster,
    )
    try:
        outcome = await _play(runtime, scenario, secret)
        if keep:
            await _keep_running(runtime)
        return outcome
    finally:
        await runtime.stop()


async def _play(runtime: Runtime, scenario: Scenario, secret: str) -> int:
    assert runtime.emulator is not None, "the demo always runs against the emulator"
    _say(RULE)
    _say(f"Scenario {scenario.id}: {scenario.title}")
    _say(f"Replay clock starts at {scenario.now:%Y-%m-%d %H:%M:%S} UTC")
    _say(f"Console (the workspace in a browser, live): {runtime.emulator.console_url}")
    _say(RULE)
    await _post_alerts(runtime, scenario, secret)
    async with EmulatorClient(runtime.emulator.base_url) as client:
        channel, messages = await _wait_for_packet(client)
        users = {user.id: user.name for user in load_workspace().users}
        users[runtime.emulator.config.bot_user_id] = runtime.emulator.config.bot_name
        members = [
            m for m in channel.get("members", []) if m != runtime.emulator.config.bot_user_id
        ]
        asker = members[0] if members else "U0ALICE"
        status = await client.command(asker, channel["id"], "/status", "")
        if not status.get("responses"):
            raise RuntimeError(f"/status got no answer: {status}")
        await _wait_for_charts(runtime)
        _say(RULE)
        if scenario.cluster.cron_jobs:
            outcome = await _pipeline_story(runtime, channel["id"])
        else:
            outcome = await _action_story(runtime, client, channel["id"], scenario, secret, users)
            if outcome is ActionState.VERIFIED:
                await _closing_story(runtime, client, channel["id"], users)
        messages = await client.messages(channel["id"])
        _say(RULE)
        topic = channel.get("topic")
        topic_text = topic.get("value") if isinstance(topic, dict) else topic
        _say(f"#{channel['name']}   topic: {topic_text}")
        _say(f"members: {', '.join(users.get(m, m) for m in channel.get('members', []))}")
        _say(RULE)
        _print_messages(messages, users)
    _say(RULE)
    async with runtime.sessions() as session:
        trail = await audit.entries(session)
        _say(f"Audit trail ({len(trail)} rows)")
        for entry in trail:
            _say(audit_line(entry))
        try:
            count = await audit.verify(session)
        except AuditChainError as exc:
            _say(f"Audit chain BROKEN: {exc}")
            return 1
    _say(RULE)
    _say(f"Audit chain verified: {count} rows")
    if outcome is not ActionState.VERIFIED:
        _say(f"The story's action ended {outcome.value}, not verified")
        return 1
    return 0


async def _pipeline_story(runtime: Runtime, channel_id: str) -> ActionState:
    """The runbook's steps the policy lets the bot carry out on its own: wait for the source
    switch and the job re-run to settle; VERIFIED only when both did."""
    _say("The policy lets revenue-etl's source switch and job re-run run on their own;")
    _say("the bot carries out the runbook's steps (no one clicks)")
    final = {ActionState.VERIFIED, ActionState.NOT_VERIFIED, ActionState.FAILED}
    deadline = time.monotonic() + ACTION_TIMEOUT
    while time.monotonic() < deadline:
        async with runtime.sessions() as session:
            steps = list(
                await session.scalars(
                    select(ActionRecord)
                    .where(ActionRecord.channel_id == channel_id, ActionRecord.step.is_not(None))
                    .order_by(ActionRecord.id)
                )
            )
        states = [ActionState(step.state) for step in steps]
        if any(state in final - {ActionState.VERIFIED} for state in states):
            return next(state for state in states if state is not ActionState.VERIFIED)
        if len(states) >= 2 and all(state is ActionState.VERIFIED for state in states):
            for step in steps:
                _say(f"    action #{step.id} {step.kind} {step.target}: {step.state}")
            return ActionState.VERIFIED
        await asyncio.sleep(0.2)
    raise TimeoutError(f"the runbook's steps did not settle within {ACTION_TIMEOUT:g}s")


async def _action_state(runtime: Runtime) -> ActionState | None:
    async with runtime.sessions() as session:
        record = await session.scalar(select(ActionRecord).order_by(ActionRecord.id.desc()))
    return ActionState(record.state) if record is not None else None


async def _wait_for_state(runtime: Runtime, states: set[ActionState]) -> ActionState:
    deadline = time.monotonic() + ACTION_TIMEOUT
    while time.monotonic() < deadline:
        state = await _action_state(runtime)
        if state in states:
            assert state is not None
            return state
        await asyncio.sleep(0.2)
    raise TimeoutError(f"the action did not reach {sorted(states)} within {ACTION_TIMEOUT:g}s")


async def _action_message(client: EmulatorClient, channel_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + ACTION_TIMEOUT
    while time.monotonic() < deadline:
        for message in await client.messages(channel_id):
            if "*Action #" in json.dumps(message.get("blocks") or []):
                return message
        await asyncio.sleep(0.2)
    raise TimeoutError("no action message was posted")


async def _resolve(
    runtime: Runtime, client: EmulatorClient, channel_id: str, users: dict[str, str]
) -> None:
    """The on-call resolves the incident, saying what fixed it: the note the next similar
    incident's packet shows (issue 17), and the end of its MTTR."""
    person = "U0DANA"
    _say(f"{users[person]} runs /incident resolve {RESOLUTION_NOTE}")
    for text in _replies(
        await client.command(person, channel_id, "/incident", f"resolve {RESOLUTION_NOTE}")
    ):
        _say(f"    {text}")
    deadline = time.monotonic() + ACTION_TIMEOUT
    while time.monotonic() < deadline:
        async with runtime.sessions() as session:
            incident = await session.scalar(select(IncidentRecord).order_by(IncidentRecord.id))
        if incident is not None and incident.resolved_at is not None:
            return
        await asyncio.sleep(0.2)
    raise TimeoutError("the incident was not resolved")


def _replies(result: Any) -> list[str]:
    return [str(response.get("text", "")) for response in result.get("responses", [])]


async def _action_story(
    runtime: Runtime,
    client: EmulatorClient,
    channel_id: str,
    scenario: Scenario,
    secret: str,
    users: dict[str, str],
) -> ActionState:
    """/rollback, a refused approval, an allowed one, the run and its verification."""
    requester, outsider, approver = "U0BOB", "U0CAROL", "U0DANA"
    _say(f"{users[requester]} runs /rollback")
    for text in _replies(await client.command(requester, channel_id, "/rollback", "")):
        _say(f"    (only visible to {users[requester]}) {text}")
    message = await _action_message(client, channel_id)
    _say(f"{users[outsider]} (not an approver for this service) clicks Approve")
    for text in _replies(
        await client.click(outsider, channel_id, message["ts"], APPROVE_ACTION_ID)
    ):
        _say(f"    (only visible to {users[outsider]}) {text}")
    _say(f"{users[approver]} (payments on-call) clicks Approve and confirms")
    for text in _replies(
        await client.click(approver, channel_id, message["ts"], APPROVE_ACTION_ID)
    ):
        _say(f"    (only visible to {users[approver]}) {text}")
    reached = await _wait_for_state(
        runtime, {ActionState.SUCCEEDED, ActionState.FAILED, ActionState.VERIFIED}
    )
    if reached is ActionState.SUCCEEDED:
        _say("The error rate falls; Alertmanager sends the alert resolved")
        await _post_alerts(runtime, scenario, secret, resolved=True)
    return await _wait_for_state(
        runtime, {ActionState.VERIFIED, ActionState.NOT_VERIFIED, ActionState.FAILED}
    )


async def _closing_story(
    runtime: Runtime, client: EmulatorClient, channel_id: str, users: dict[str, str]
) -> None:
    """The approver takes command, confirms the leading hypothesis and resolves the incident
    with a note on what fixed it."""
    commander = "U0DANA"
    for words, text in (
        ("takes command", f"commander <@{commander}|{users[commander]}>"),
        ("confirms the leading hypothesis as the cause", "confirm-cause 1 the rollback cleared it"),
    ):
        _say(f"{users[commander]} {words}: /incident {text}")
        for reply in _replies(await client.command(commander, channel_id, "/incident", text)):
            _say(f"    {reply}")
    await _resolve(runtime, client, channel_id, users)
