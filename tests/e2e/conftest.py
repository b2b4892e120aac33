"""End to end: the real Bolt app over Socket Mode, the real webhook server and the pipeline, all
in this process, against the shipped Slack emulator. Nothing is mocked; tests act as the alert
source (signed HTTP) and as people (the emulator's control API)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.app import Runtime, start_runtime
from bot.clock import ReplayClock
from bot.scenario.loader import load_scenario
from bot.scenario.models import Scenario
from bot.settings import Settings, load_settings
from bot.wiring.evidence import SHIPPED_SCENARIOS, replay_evidence
from integrations.slack_emulator import EmulatorClient, EmulatorConfig
from tests.harness import eventually, post_signed

__all__ = [
    "SECRET",
    "CliResult",
    "eventually",
    "post_alert",
    "run_cli",
    "sandbox_settings",
]

SECRET = "e2e-webhook-secret"


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str


async def run_cli(env: dict[str, str], *args: str) -> CliResult:
    """Run ``incident-bot ARGS`` as a separate process without blocking the bot under test."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    return CliResult(int(process.returncode or 0), stdout.decode(), stderr.decode())


@pytest.fixture
def scenario() -> Scenario:
    return load_scenario(SHIPPED_SCENARIOS / "billing-parser-deploy.yaml")


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(port=0)


def sandbox_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for a bot under test: SQLite in ``tmp_path``, any free ports, sandbox mode (the
    Slack emulator, no tokens), the tests' webhook secret; ``overrides`` change or add any."""
    defaults: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path}/e2e.sqlite3",
        "host": "127.0.0.1",
        "port": 0,
        "slack_emulator_port": 0,
        "slack_bot_token": None,
        "slack_app_token": None,
        "alertmanager_webhook_secret": SECRET,
        "generic_webhook_secret": SECRET,
    }
    return load_settings(**{**defaults, **overrides})


@pytest.fixture
async def runtime(
    tmp_path: Path, scenario: Scenario, emulator_config: EmulatorConfig
) -> AsyncIterator[Runtime]:
    settings = sandbox_settings(tmp_path, packet_update_interval_seconds=0.2)
    runtime = await start_runtime(
        settings,
        clock=ReplayClock(scenario.now),
        evidence=replay_evidence([scenario]),
        emulator_config=emulator_config,
        poll_interval=0.1,
    )
    yield runtime
    await runtime.stop()


@pytest.fixture
async def people(runtime: Runtime) -> AsyncIterator[EmulatorClient]:
    assert runtime.emulator is not None
    async with EmulatorClient(runtime.emulator.base_url) as client:
        yield client


async def post_alert(runtime: Runtime, source: str, payload: Any) -> tuple[int, dict[str, Any]]:
    return await post_signed(runtime.webhook_url, source, payload, SECRET)
