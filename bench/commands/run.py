"""bench/commands: slash commands and approval clicks through the emulator, timed.

The real bot in this process (``start_runtime``: the Bolt app over Socket Mode, the pipeline,
the action flows) under the shipped policy, talking to the local Slack emulator and the local
Kubernetes emulator (seeded from the ``billing-parser-deploy`` scenario) each in a process of
its own, as Slack and a cluster are: their work does not share the bot's event loop. Slack's
rate limits are off unless ``--slack-limits``: the bench times the bot. One incident is opened
first.

1. ``--commands`` slash commands are sent at once by several people in the incident channel
   (``/status``, ``/rollback`` with bad arguments, ``/rollback``), and the emulator times each
   one from the moment its Socket Mode envelope is created to the moment the bot's ack arrives
   (Slack wants it within 3 s). Target: p99 under 100 ms.
2. ``--approvals`` rollbacks are proposed and approved one after another; each is timed from the
   Approve click (wall clock, as the request leaves) to the executor's write accepted by the
   cluster (the ``ts`` of the bot's "the cluster accepted the change" reply, which the emulator
   stamps when it stores it) and to the ack of the click.

Run: ``.venv/bin/python -m bench.commands.run [--commands 50] [--approvals 10] [--json]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bot.app import Runtime, start_runtime
from bot.clock import ReplayClock
from bot.policy import SHIPPED_POLICY, load_policy
from bot.scenario.loader import load_scenario
from bot.settings import load_settings
from bot.wiring.evidence import SHIPPED_SCENARIOS, replay_evidence
from handlers.webhooks.auth import signed_headers
from integrations.slack_emulator import EmulatorClient, EmulatorConfig
from tests.harness import start_kube_emulator, start_slack_emulator

SECRET = "commands-secret"
KUBE_TOKEN = "bench-kube-token"
SCENARIO = SHIPPED_SCENARIOS / "billing-parser-deploy.yaml"
PEOPLE = ("U0ALICE", "U0BOB", "U0CAROL", "U0DANA", "U0ERIN", "U0FRANK")
COMMANDS = (("/status", ""), ("/rollback", "to banana"), ("/rollback", ""))
APPROVER = "U0DANA"
TARGET_ACK_P99_S = 0.100


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _summary(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "not_acked_within_3s": sum(1 for value in values if math.isinf(value)),
        "p50_ms": round(1000 * statistics.median(values), 1),
        "p99_ms": round(1000 * _percentile(values, 0.99), 1),
        "max_ms": round(1000 * max(values), 1),
    }


async def _start(workdir: Path, *, slack_url: str, kube_url: str) -> Runtime:
    scenario = load_scenario(SCENARIO)
    slack = EmulatorConfig()
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{workdir}/commands.sqlite3",
        host="127.0.0.1",
        port=0,
        slack_bot_token=slack.bot_token,
        slack_app_token=slack.app_token,
        slack_api_url=f"{slack_url}/api/",
        kube_api_url=kube_url,
        kube_token=KUBE_TOKEN,
        alertmanager_webhook_secret=SECRET,
        recovery_window_seconds=0,
        action_verify_seconds=10,
        log_level="WARNING",
    )
    return await start_runtime(
        settings,
        clock=ReplayClock(scenario.now),
        evidence=replay_evidence([scenario]),
        policy=load_policy(SHIPPED_POLICY),
    )


async def _open_incident(runtime: Runtime, people: EmulatorClient) -> str:
    payload = load_scenario(SCENARIO).deliveries[0].payload
    body = json.dumps(payload).encode()
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{runtime.webhook_url}/webhooks/alertmanager",
            data=body,
            headers=signed_headers("alertmanager", body, SECRET),
        ) as response,
    ):
        if response.status != 202:
            raise RuntimeError(f"alert refused: {response.status}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for channel in await people.channels():
            if str(channel["name"]).startswith("inc-"):
                messages = await people.messages(channel["id"])
                if any(m.get("files") for m in messages):  # packet, then its chart
                    return str(channel["id"])
        await asyncio.sleep(0.05)
    raise TimeoutError("no packet")


async def _commands(people: EmulatorClient, channel: str, count: int) -> list[float]:
    """Each command's ack latency; one never acked counts as infinitely late."""

    async def one(number: int) -> float:
        command, text = COMMANDS[number % len(COMMANDS)]
        seen = await people.command(PEOPLE[number % len(PEOPLE)], channel, command, text, 0)
        return float(seen.get("ack_seconds", math.inf))

    return list(await asyncio.gather(*(one(number) for number in range(count))))


async def _action_ts(people: EmulatorClient, channel: str, marker: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for message in await people.messages(channel):
            if marker in json.dumps(message.get("blocks") or []) or marker in str(
                message.get("text", "")
            ):
                return message
        await asyncio.sleep(0.01)
    raise TimeoutError(f"no message with {marker!r}")


async def _approvals(
    runtime: Runtime, people: EmulatorClient, channel: str, count: int
) -> tuple[list[float], list[float]]:
    assert runtime.actions is not None
    first = 1 + max([0, *await _pending_ids(runtime)])
    to_write: list[float] = []
    acks: list[float] = []
    for number in range(first, first + count):
        await people.command("U0BOB", channel, "/rollback", "", 0)
        message = await _action_ts(people, channel, f"*Action #{number}*")
        clicked = time.time()
        seen = await people.click(APPROVER, channel, message["ts"], "action_approve", 0)
        acks.append(float(seen.get("ack_seconds", math.nan)))
        accepted = await _action_ts(
            people, channel, f"Action #{number}: the cluster accepted the change"
        )
        to_write.append(float(accepted["ts"]) - clicked)
        await _action_ts(people, channel, f"Action #{number} NOT verified")
    return to_write, acks


def _rollbacks(count: int) -> int:
    return sum(1 for n in range(count) if COMMANDS[n % len(COMMANDS)] == ("/rollback", ""))


async def _settled_count(runtime: Runtime, *, expected: int) -> bool:
    return len(await _pending_ids(runtime)) >= expected


async def _until(probe: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not await probe():
        if time.monotonic() > deadline:
            raise TimeoutError("the commands' work did not finish")
        await asyncio.sleep(0.05)


async def _pending_ids(runtime: Runtime) -> list[int]:
    from bot.action import service as actions

    async with runtime.sessions() as session:
        return [record.id for record in await actions.pending(session)]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-commands-") as folder:
        workdir = Path(folder)
        # One approval posts a few messages in one channel, which Slack allows about one a
        # second. Each emulator binds a free port itself and says which (tests/harness).
        slack = await start_slack_emulator(workdir, rate_limits=args.slack_limits)
        kube = await start_kube_emulator(workdir, token=KUBE_TOKEN, seed=SCENARIO)
        servers = [slack, kube]
        runtime = await _start(workdir, slack_url=slack.base_url, kube_url=kube.base_url)
        try:
            async with EmulatorClient(slack.base_url) as people:
                channel = await _open_incident(runtime, people)
                acks = await _commands(people, channel, args.commands)
                # The commands' own work goes on after their acks: let their proposals land,
                # so the approvals below number after them.
                await _until(lambda: _settled_count(runtime, expected=_rollbacks(args.commands)))
                to_write, click_acks = await _approvals(runtime, people, channel, args.approvals)
        finally:
            await runtime.stop()
            for server in servers:
                await server.stop()
    result: dict[str, Any] = {
        f"{args.commands}_concurrent_commands_ack": _summary(acks),
        "ack_target_met": _percentile(acks, 0.99) <= TARGET_ACK_P99_S,
        "approve_click_ack": _summary(click_acks),
        "approve_click_to_cluster_write": _summary(to_write),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=50, help="slash commands sent at once")
    parser.add_argument("--approvals", type=int, default=10, help="rollbacks approved in turn")
    parser.add_argument("--slack-limits", action="store_true", help="Slack's rate limits on")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
