"""Nothing an alert, a log line, a commit or a person writes can notify a channel, ping someone
or hide a link, and no planted secret leaves the bot: the real bot over Socket Mode against the
Slack emulator, fed hostile text through every path that echoes text (alert title, description,
labels and service; log lines and commit messages in the evidence; slash-command arguments; the
kill switch's reason; the ``/explain`` question), then every message, fallback text, block,
topic, channel name, reply and App Home view read back as Slack holds it."""

from __future__ import annotations

import copy
import dataclasses
import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
import structlog

from bot.app import Runtime, start_runtime
from bot.clock import ReplayClock
from bot.killswitch import service as kill_switch
from bot.scenario.loader import load_scenario
from bot.scenario.models import Scenario
from bot.telemetry.logs import configure_logging
from bot.wiring.evidence import SHIPPED_SCENARIOS, replay_evidence
from integrations.slack_emulator import EmulatorClient, EmulatorConfig
from tests.e2e.conftest import eventually, post_alert, run_cli, sandbox_settings

pytestmark = pytest.mark.slow

SEQUENCES = (
    "<!channel>",
    "<!here>",
    "<!subteam^S123>",
    "<@U123>",
    "<https://evil.example|click>",
)
HOSTILE = " ".join(SEQUENCES)
ESCAPED_CHANNEL = "&lt;!channel&gt;"

SECRETS = {
    "aws_key": "AKIAZ3MRV7Q4XK2PLW5N",
    "slack_token": "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx",
    "github_token": "ghp_Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa",
    "password_in_url": "Sup3rS3cretPw",
    "email": "jane.doe@customer-corp.com",
    "jwt": (
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkphbmUifQ."
        "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    ),
}
PLANTED = (
    f"key {SECRETS['aws_key']} token {SECRETS['slack_token']} gh {SECRETS['github_token']} "
    f"db postgres://admin:{SECRETS['password_in_url']}@db.internal:5432/billing "
    f"mail {SECRETS['email']} jwt {SECRETS['jwt']}"
)
USER = "U0ALICE"
GENERAL = "C0GENERAL"


def _changed(value: Any, **changes: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **changes)
    return value.model_copy(update=changes)


def _alert(payload: dict[str, Any], words: str, *, service: str | None = None) -> dict[str, Any]:
    """The scenario's Alertmanager delivery with ``words`` in its annotations and a label (and
    its ``service`` label replaced, when given)."""
    changed = copy.deepcopy(payload)
    for alert in changed["alerts"]:
        alert["annotations"]["summary"] += f" {words}"
        alert["annotations"]["description"] += f" {words}"
        alert["labels"]["team"] = words
        if service is not None:
            alert["labels"]["service"] = service
            alert["fingerprint"] = f"{abs(hash(service)):x}"[:16]
    changed["commonAnnotations"]["summary"] += f" {words}"
    if service is not None:
        changed["groupLabels"]["service"] = service
        changed["commonLabels"]["service"] = service
        changed["groupKey"] = f"{{}}:{{service={service!r}}}"
    return changed


def _scenario(words: str) -> Scenario:
    """The demo scenario with ``words`` in its alert, every log line and every commit."""
    base = load_scenario(SHIPPED_SCENARIOS / "billing-parser-deploy.yaml")
    assert base.alert is not None
    return _changed(
        base,
        alert=_changed(base.alert, payload=_alert(base.alert.payload, words)),
        deploys=tuple(_changed(d, title=f"{d.title} {words}") for d in base.deploys),
        logs=tuple(_changed(line, message=f"{line.message} {words}") for line in base.logs),
    )


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """Every log line of the test, ours and the libraries', at DEBUG, as the bot writes them."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging(level="DEBUG", secrets=[], stream=stream)
    yield stream
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    structlog.reset_defaults()


async def _start(tmp_path: Path, scenario: Scenario) -> Runtime:
    settings = sandbox_settings(tmp_path, packet_update_interval_seconds=0.2)
    return await start_runtime(
        settings,
        clock=ReplayClock(scenario.now),
        evidence=replay_evidence([scenario]),
        emulator_config=EmulatorConfig(port=0),
        poll_interval=0.1,
        cluster_seed=scenario.cluster,
    )


@pytest.fixture
async def hostile_bot(tmp_path: Path) -> AsyncIterator[tuple[Runtime, Scenario]]:
    scenario = _scenario(HOSTILE)
    runtime = await _start(tmp_path, scenario)
    yield runtime, scenario
    await runtime.stop()


@pytest.fixture
async def secret_bot(
    tmp_path: Path, debug_log: io.StringIO
) -> AsyncIterator[tuple[Runtime, Scenario]]:
    scenario = _scenario(PLANTED)
    runtime = await _start(tmp_path, scenario)
    yield runtime, scenario
    await runtime.stop()


async def _people(runtime: Runtime) -> EmulatorClient:
    assert runtime.emulator is not None
    return EmulatorClient(runtime.emulator.base_url)


async def _channels_settled(people: EmulatorClient, count: int) -> list[dict[str, Any]] | None:
    """The incident channels once ``count`` of them have their packet, chart (or none) and
    topic: after that the bot says nothing until asked."""
    ready = []
    for channel in await people.channels():
        if not str(channel["name"]).startswith("inc-"):
            continue
        messages = await people.messages(channel["id"])
        if channel["topic"] and any("Incident packet" in str(m.get("text")) for m in messages):
            ready.append(channel)
    return ready if len(ready) >= count else None


async def _send_everything(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario, words: str, *, services: list[str]
) -> tuple[list[Any], str]:
    """Alerts carrying ``words`` (one per extra ``service`` label too), then every command
    that echoes what it is given; returns the commands' answers and the demo incident's
    channel id."""
    seen: list[Any] = []
    delivery = scenario.deliveries[0]
    assert (await post_alert(runtime, "alertmanager", delivery.payload))[0] == 202
    for service in services:
        payload = _alert(delivery.payload, words, service=service)
        status, answer = await post_alert(runtime, "alertmanager", payload)
        assert status == 202, answer
    generic = {"service": "billing-webhooks", "title": words, "description": words}
    link = {"title": words[:100], "url": "https://x.example/l"}
    generic |= {"severity": "high", "links": [link]}
    status, answer = await post_alert(runtime, "generic", generic)
    assert status == 202, answer
    channels = await eventually(
        lambda: _channels_settled(people, 1 + len(services)),
        timeout=60,
        what="every incident channel with its packet and topic",
    )
    here = next(c["id"] for c in channels if c["name"] == "inc-20260304-billing-webhooks")
    commands = [
        ("/status", ""),
        ("/status", words),
        ("/explain", words),
        ("/explain", ""),
        ("/triage", words),
        ("/rollback", words),
        ("/rollback", ""),
        ("/incident", words),
        ("/incident", f"commander {words}"),
        ("/incident", f"merge {words}"),
        ("/incident", f"split {words}"),
        ("/incident", f"scale {words}"),
        ("/incident", f"killswitch on {words}"),
        ("/incident", "killswitch on again"),
        ("/postmortem", words),
        ("/incident", f"commander <@{USER}|alice>"),
        ("/incident", f"confirm-cause 1 {words}"),
        ("/incident", f"confirm-cause {words}"),
    ]
    for command, text in commands:
        seen.append(await people.command(USER, here, command, text, timeout=20))
        if text.startswith("killswitch on "):
            # "killswitch on again" must find the switch on: on a loaded machine the first
            # reply can outlast the command's wait, and "again" would then turn it on first.
            await eventually(lambda: _kill_switch_on(runtime), what="the kill switch on")
    # The commander's postmortem: its summary in the channel quotes the alert's title.
    seen.append(await people.command(USER, here, "/postmortem", "", wait_for=0, timeout=20))
    await eventually(
        lambda: _said(people, here, "Postmortem draft for INC-1"), what="the postmortem"
    )
    seen.append(await people.command(USER, GENERAL, "/status", "", timeout=20))
    seen.append(await people.command(USER, GENERAL, "/triage", "billing-webhooks", timeout=20))
    seen.append(
        await people.command(
            USER, GENERAL, "/incident", f"declare billing-webhooks sev2 {words}", timeout=20
        )
    )
    await people.event("app_home_opened", USER, wait_for=0)
    await eventually(lambda: people.home(USER), what="the App Home view")
    return seen, here


async def _kill_switch_on(runtime: Runtime) -> bool:
    async with runtime.sessions() as session:
        return (await kill_switch.read(session)).engaged


async def _said(people: EmulatorClient, channel: str, words: str) -> bool:
    return any(words in str(m.get("text")) for m in await people.messages(channel))


async def _everything_slack_holds(people: EmulatorClient, answers: list[Any]) -> str:
    """Every channel (name, topic, purpose), every message in it (text, blocks, thread replies,
    ephemeral ones), every command's replies, the App Home view and every file's title, as one
    JSON text."""
    channels = await people.channels()
    held: list[Any] = [channels, answers, await people.home(USER), await people.files()]
    for channel in channels:
        held.append(await people.messages(channel["id"]))
    return json.dumps(held, ensure_ascii=False)


async def test_no_mention_or_link_from_input_reaches_slack_unescaped(
    hostile_bot: tuple[Runtime, Scenario],
) -> None:
    runtime, scenario = hostile_bot
    async with await _people(runtime) as people:
        answers, here = await _send_everything(
            runtime, people, scenario, HOSTILE, services=[HOSTILE]
        )
        held = await _everything_slack_holds(people, answers)
        home = await people.home(USER)
        packet = next(
            m for m in await people.messages(here) if "Incident packet" in str(m.get("text"))
        )

    for sequence in SEQUENCES:
        at = held.find(sequence)
        assert at < 0, f"{sequence} reached Slack unescaped: …{held[max(0, at - 300) : at + 80]}…"
    # The paths were taken: the hostile words are there, escaped, in the packet's blocks
    # (alert title, log lines, commits) and in the kill switch's reason on App Home.
    assert ESCAPED_CHANNEL in json.dumps(packet["blocks"])
    assert ESCAPED_CHANNEL in packet["text"]
    assert f"by <@{USER}>: {ESCAPED_CHANNEL}" in json.dumps(home)  # the switch's reason
    # ...and the bot's own mentions still notify.
    assert f"<@{USER}>" in held


async def test_no_planted_secret_reaches_slack_a_channel_name_the_audit_export_or_a_log(
    secret_bot: tuple[Runtime, Scenario], debug_log: io.StringIO, tmp_path: Path
) -> None:
    runtime, scenario = secret_bot
    async with await _people(runtime) as people:
        answers, _ = await _send_everything(
            runtime,
            people,
            scenario,
            PLANTED,
            services=[SECRETS["aws_key"], SECRETS["email"]],
        )
        held = await _everything_slack_holds(people, answers)
        names = [str(c["name"]) for c in await people.channels()]
    async with runtime.sessions() as session:
        kept = await session.execute(
            sqlalchemy.text("SELECT title, packet_text, channel_name FROM incidents")
        )
        stored = json.dumps([list(row) for row in kept])
    exported = await run_cli(
        {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/e2e.sqlite3", "PATH": ""},
        "audit",
        "export",
    )
    logged = debug_log.getvalue()

    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.count("\n") > 10  # the trail is there, redacted
    driver_lines = [line for line in logged.splitlines() if '"logger": "aiosqlite"' in line]
    assert not [line for line in driver_lines if '"level": "debug"' in line]
    assert '"level": "debug"' in logged  # DEBUG was on
    for kind, secret in SECRETS.items():
        for where, text in (
            ("Slack", held),
            ("a channel name", " ".join(names)),
            ("the audit export", exported.stdout),
            ("the DEBUG log", logged),
            ("what is stored for display", stored),
        ):
            assert secret not in text, f"the planted {kind} reached {where}"
            assert secret.lower() not in text.lower(), f"the planted {kind} reached {where}"
    assert "[redacted:aws_key]" in held
