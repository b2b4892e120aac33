"""Slack's own Node SDKs against the emulator: ``@slack/web-api``, ``@slack/socket-mode`` and
``@slack/bolt`` (pinned in ``tests/node/package-lock.json``) run ``tests/node/sdk_checks.mjs``
against an emulator started here, so what the bot relies on is checked by clients nobody here
wrote. The SDKs are installed by ``tests/node/install.sh`` into a cache outside the repository
(``make test`` runs it as ``node-deps``; here it returns at once when the cache is current).

Skipped only when ``node`` or ``npm`` is not installed; an install that fails, or any check that
finds the emulator differing from Slack, fails this test with the Node output."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
from pathlib import Path

import pytest

from integrations.slack_emulator import EmulatorConfig, SlackEmulator

HERE = Path(__file__).resolve().parent
INSTALL = HERE / "install.sh"
CHECKS = HERE / "sdk_checks.mjs"
INSTALL_SECONDS = 600.0  # a cold install downloads about 110 packages
CHECKS_SECONDS = 180.0
CHECKS_EXPECTED = 29  # the checks in sdk_checks.mjs: fewer passing means some never ran

NODE, NPM = shutil.which("node"), shutil.which("npm")
pytestmark = pytest.mark.skipif(
    NODE is None or NPM is None,
    reason="node or npm is not on PATH: Slack's Node SDK checks need both (node >= 20)",
)

# Slack's 3 s to ack (a loaded machine must not turn a slow ack into a difference); pings often
# enough to count a few; rate limits off except where a check turns them on (control API).
CONFIG = EmulatorConfig(port=0, ack_timeout=3.0, ping_interval=0.2, rate_limits_enabled=False)


async def _run(*command: str, env: dict[str, str], timeout: float) -> tuple[int, str]:
    """Run ``command`` to its end (killing its process group past ``timeout``); its exit status
    and everything it printed."""
    process = await asyncio.create_subprocess_exec(
        *command,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = await process.communicate()
        text = output.decode(errors="replace")
        pytest.fail(f"{command[0]} did not finish within {timeout:.0f} s:\n{text}")
    return process.returncode or 0, output.decode(errors="replace")


async def _install() -> Path:
    status, output = await _run(str(INSTALL), env=dict(os.environ), timeout=INSTALL_SECONDS)
    assert status == 0, f"installing Slack's Node SDKs failed (exit {status}):\n{output}"
    return Path(output.strip().splitlines()[-1])


async def test_slacks_node_sdks_find_the_emulator_behaving_as_slack() -> None:
    assert NODE is not None
    cache = await _install()
    async with SlackEmulator(CONFIG) as emulator:
        env = {
            **os.environ,
            "NODE_SDK_CACHE": str(cache),
            "SLACK_API_URL": emulator.api_url,
            "EMULATOR_URL": emulator.base_url,
            "SLACK_BOT_TOKEN": emulator.config.bot_token,
            "SLACK_APP_TOKEN": emulator.config.app_token,
            "NO_COLOR": "1",
        }
        status, output = await _run(
            NODE, "--test-reporter=spec", str(CHECKS), env=env, timeout=CHECKS_SECONDS
        )
    assert status == 0, f"Slack's Node SDKs found differences from Slack:\n{output}"
    # node's spec reporter ends with its counts: every check ran, and passed.
    counts = dict(re.findall(r"^\S* ?(tests|pass) (\d+)$", output, re.MULTILINE))
    assert counts.get("pass") == counts.get("tests"), output
    assert int(counts["pass"]) >= CHECKS_EXPECTED, output
