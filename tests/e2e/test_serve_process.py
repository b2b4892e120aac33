"""``incident-bot serve`` as the Procfile runs it: a real process, configured by environment,
that takes an alert, posts its packet in sandbox mode, and shuts down cleanly on SIGTERM."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.scenario.loader import load_scenario
from bot.wiring.evidence import SHIPPED_SCENARIOS
from integrations.slack_emulator import EmulatorClient
from tests.harness import eventually, free_port, post_signed, serve_env, start_serve

pytestmark = pytest.mark.slow


async def test_serve_takes_an_alert_posts_the_packet_and_stops_on_sigterm(tmp_path: Path) -> None:
    emulator_port = free_port()  # sandbox mode: the bot starts the emulator on this port
    scenario_file = SHIPPED_SCENARIOS / "billing-parser-deploy.yaml"
    env = serve_env(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/serve.sqlite3",
        webhook_secrets={"alertmanager": "serve-secret"},
        SLACK_EMULATOR_PORT=str(emulator_port),
        REPLAY_SCENARIOS=json.dumps([str(scenario_file)]),
    )
    bot = await start_serve(env, workdir=tmp_path)
    assert f"Sandbox console: http://127.0.0.1:{emulator_port}/" in bot.output()
    try:
        payload = load_scenario(scenario_file).deliveries[0].payload
        status, _ = await post_signed(bot.url, "alertmanager", payload, "serve-secret")
        assert status == 202

        async with EmulatorClient(f"http://127.0.0.1:{emulator_port}") as people:

            async def packet() -> bool:
                for channel in await people.channels():
                    if channel["name"].startswith("inc-"):
                        messages = await people.messages(channel["id"])
                        return any("Incident packet" in (m.get("text") or "") for m in messages)
                return False

            await eventually(packet, timeout=30, what="the packet")
    finally:
        returncode = await bot.stop()
    assert returncode == 0, bot.output()
    assert "shutting down" in bot.output()
