"""``incident-bot serve`` as the Procfile runs it: a real process, configured by environment,
that takes an alert, posts its packet in sandbox mode, and shuts down cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.app import SHIPPED_SCENARIOS
from bot.scenario.loader import load_scenario
from handlers.webhooks.auth import signed_headers
from integrations.slack_emulator import EmulatorClient
from tests.e2e.conftest import eventually

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_serve_takes_an_alert_posts_the_packet_and_stops_on_sigterm(tmp_path: Path) -> None:
    port, emulator_port = _free_port(), _free_port()
    scenario_file = SHIPPED_SCENARIOS / "billing-parser-deploy.yaml"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/serve.sqlite3",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "SLACK_EMULATOR_PORT": str(emulator_port),
        "ALERTMANAGER_WEBHOOK_SECRET": "serve-secret",
        "REPLAY_SCENARIOS": json.dumps([str(scenario_file)]),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "serve",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with aiohttp.ClientSession() as http:

            async def healthy() -> bool:
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                        return response.status == 200
                except aiohttp.ClientError:
                    return False

            await eventually(healthy, timeout=30, what="serve to answer /healthz")
            payload = load_scenario(scenario_file).deliveries[0].payload
            body = json.dumps(payload).encode()
            async with http.post(
                f"http://127.0.0.1:{port}/webhooks/alertmanager",
                data=body,
                headers=signed_headers("alertmanager", body, "serve-secret"),
            ) as response:
                assert response.status == 202

        async with EmulatorClient(f"http://127.0.0.1:{emulator_port}") as people:

            async def packet() -> bool:
                for channel in await people.channels():
                    if channel["name"].startswith("inc-"):
                        messages = await people.messages(channel["id"])
                        return any("Incident packet" in (m.get("text") or "") for m in messages)
                return False

            await eventually(packet, timeout=30, what="the packet")
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, output.decode()
    assert b"shutting down" in output
