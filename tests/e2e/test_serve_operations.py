"""``incident-bot serve`` as operators run it: ready only once Socket Mode is connected, JSON
log lines with no configured secret in any of them (at DEBUG, where libraries say the most),
metrics on /metrics, and on SIGTERM an alert already being received is still answered, then
the process exits 0."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.scenario.loader import load_scenario
from bot.wiring.evidence import SHIPPED_SCENARIOS
from handlers.webhooks.auth import signed_headers
from integrations.slack_emulator import EmulatorConfig, SlackEmulator
from tests.harness import ServeProcess, eventually, serve_env, start_serve

pytestmark = pytest.mark.slow

WEBHOOK_SECRET = "whsec-serve-0p5-secret"
BOT_TOKEN = "xoxb-serve-ops-bot-token-123"
APP_TOKEN = "xapp-serve-ops-app-token-456"


@pytest.fixture
async def emulator() -> AsyncIterator[SlackEmulator]:
    # The bot is given real-looking tokens (so they are configured secrets to be redacted) and
    # pointed at an emulator that knows them.
    config = EmulatorConfig(port=0, bot_token=BOT_TOKEN, app_token=APP_TOKEN)
    async with SlackEmulator(config) as running:
        yield running


@pytest.fixture
async def served(tmp_path: Path, emulator: SlackEmulator) -> AsyncIterator[ServeProcess]:
    env = serve_env(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/serve.sqlite3",
        emulator=emulator,
        webhook_secrets={"alertmanager": WEBHOOK_SECRET},
        REPLAY_SCENARIOS=json.dumps([str(SHIPPED_SCENARIOS / "billing-parser-deploy.yaml")]),
        SHUTDOWN_GRACE_SECONDS="5",
    )
    bot = await start_serve(env, workdir=tmp_path, log_level="DEBUG")
    try:
        yield bot
    finally:
        await bot.kill()


async def _exit_output(served: ServeProcess) -> str:
    """The process' exit, then everything it wrote."""
    await asyncio.wait_for(served.process.wait(), timeout=30)
    return served.output()


async def _status(http: aiohttp.ClientSession, url: str) -> int | None:
    try:
        async with http.get(url) as response:
            return response.status
    except aiohttp.ClientError:
        return None


async def _stop(served: ServeProcess) -> tuple[int, str]:
    served.process.send_signal(signal.SIGTERM)
    output = await _exit_output(served)
    return int(served.process.returncode or 0), output


async def test_ready_then_metrics_then_a_clean_exit_with_json_logs_free_of_secrets(
    served: ServeProcess,
) -> None:
    async with aiohttp.ClientSession() as http:

        async def ready() -> bool:
            return await _status(http, f"{served.url}/readyz") == 200

        await eventually(ready, timeout=30, what="serve to be ready")
        payload = load_scenario(SHIPPED_SCENARIOS / "billing-parser-deploy.yaml")
        body = json.dumps(payload.deliveries[0].payload).encode()
        url = f"{served.url}/webhooks/alertmanager"
        headers = signed_headers("alertmanager", body, WEBHOOK_SECRET)
        async with http.post(url, data=body, headers=headers) as response:
            assert response.status == 202
        async with http.post(url, data=body, headers={"Authorization": "Bearer no"}) as refused:
            assert refused.status == 401
        async with http.get(f"{served.url}/metrics") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            metrics = await response.text()
    assert 'outcome="accepted"' in metrics
    assert 'reason="unauthorized"' in metrics

    returncode, output = await _stop(served)
    assert returncode == 0, output
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert any(line.get("message") == "shutting down" for line in lines)
    # "stopped" is the bot's last word; a library's thread may still log its own last
    # operation (aiosqlite logs after it hands back the result), which is not the bot's.
    own = [line for line in lines if str(line.get("logger", "")).startswith("bot")]
    assert own[-1]["message"] == "stopped"
    for secret in (WEBHOOK_SECRET, BOT_TOKEN, APP_TOKEN):
        assert secret not in output


async def test_sigterm_lets_a_webhook_in_flight_answer_before_the_exit(
    served: ServeProcess,
) -> None:
    async with aiohttp.ClientSession() as http:

        async def ready() -> bool:
            return await _status(http, f"{served.url}/readyz") == 200

        await eventually(ready, timeout=30, what="serve to be ready")
        payload = load_scenario(SHIPPED_SCENARIOS / "billing-parser-deploy.yaml")
        body = json.dumps(payload.deliveries[0].payload).encode()
        headers = signed_headers("alertmanager", body, WEBHOOK_SECRET)
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", int(served.url.rsplit(":", 1)[1])
        )
        # Headers and half the body are sent: the request is in flight when SIGTERM arrives.
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        writer.write(
            (
                "POST /webhooks/alertmanager HTTP/1.1\r\nHost: bot\r\n"
                f"Content-Length: {len(body)}\r\n{head}\r\n"
            ).encode()
            + body[: len(body) // 2]
        )
        await writer.drain()
        await asyncio.sleep(0.2)  # let the server start handling it; ordering only, no timing
        served.process.send_signal(signal.SIGTERM)

        async def closed() -> bool:
            return await _status(http, f"{served.url}/healthz") is None

        await eventually(closed, timeout=10, what="the listener to close")
        writer.write(body[len(body) // 2 :])
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=10)
        writer.close()
    assert status_line.startswith(b"HTTP/1.1 202"), status_line
    output = await _exit_output(served)
    assert served.process.returncode == 0, output
