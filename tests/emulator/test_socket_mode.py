"""Socket Mode through the real SDKs: Bolt's AsyncSocketModeHandler and slack_sdk's aiohttp
SocketModeClient connect to the emulator, receive envelopes, ack, and reconnect."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from integrations.slack_emulator import EmulatorConfig, SlackEmulator


async def until(probe: Callable[[], Awaitable[bool] | bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = probe()
        if await result if asyncio.iscoroutine(result) else result:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


@pytest.fixture
async def bolt(emulator: SlackEmulator) -> AsyncIterator[AsyncApp]:
    client = AsyncWebClient(token=emulator.config.bot_token, base_url=emulator.api_url)
    app = AsyncApp(client=client)

    @app.command("/hello")
    async def hello(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        await respond(text=f"hello {command['user_name']}, you said {command['text']!r}")

    @app.command("/quick")
    async def quick(ack: AsyncAck) -> None:
        await ack(text="acked with text")

    @app.action("approve")
    async def approve(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        await respond(text=f"approved {body['actions'][0]['value']}", replace_original=False)

    handler = AsyncSocketModeHandler(app, emulator.config.app_token)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    await asyncio.wait_for(emulator.hub.connected.wait(), 5)
    yield app
    await handler.close_async()  # type: ignore[no-untyped-call]


async def _raw_client(emulator: SlackEmulator) -> SocketModeClient:
    web = AsyncWebClient(base_url=emulator.api_url)
    return SocketModeClient(app_token=emulator.config.app_token, web_client=web)


async def test_a_slash_command_reaches_bolt_and_the_person_sees_the_reply(bolt, people) -> None:
    seen = await people.command("U0ALICE", "C0INCIDENTS", "/hello", "hi there")
    assert seen["acked"] is True
    (reply,) = seen["responses"]
    assert reply["text"] == "hello alice, you said 'hi there'"
    assert reply["ephemeral"] is True


async def test_an_ack_with_text_is_what_the_person_sees(bolt, people) -> None:
    seen = await people.command("U0ALICE", "incidents", "/quick")
    assert [r["text"] for r in seen["responses"]] == ["acked with text"]


async def test_a_command_with_no_app_connected_is_dispatch_failed(emulator, people) -> None:
    assert await people.command("U0ALICE", "C0INCIDENTS", "/hello") == {
        "ok": False,
        "error": "dispatch_failed",
    }


async def test_a_click_goes_through_the_confirm_dialog_to_the_action_listener(
    bolt, web, people
) -> None:
    button = {
        "type": "button",
        "action_id": "approve",
        "value": "rollback-42",
        "text": {"type": "plain_text", "text": "Approve"},
        "confirm": {
            "title": {"type": "plain_text", "text": "Roll back?"},
            "text": {"type": "mrkdwn", "text": "billing-webhooks to 51d0e7c"},
            "confirm": {"type": "plain_text", "text": "Roll back"},
            "deny": {"type": "plain_text", "text": "Cancel"},
        },
    }
    posted = await web.chat_postMessage(
        channel="C0INCIDENTS",
        text="approve?",
        blocks=[{"type": "actions", "block_id": "b1", "elements": [button]}],
    )
    seen = await people.click("U0ERIN", "C0INCIDENTS", posted["ts"], "approve")
    assert seen["confirm"]["title"] == "Roll back?"
    assert [r["text"] for r in seen["responses"]] == ["approved rollback-42"]


async def test_an_unacked_envelope_is_delivered_again_with_retry_attempt_raised(
    emulator_config, people
) -> None:
    config = EmulatorConfig(port=0, ack_timeout=0.3)
    async with SlackEmulator(config) as emulator:
        client = await _raw_client(emulator)
        attempts: list[tuple[int | None, str | None]] = []

        async def listener(socket: SocketModeClient, request: SocketModeRequest) -> None:
            attempts.append((request.retry_attempt, request.retry_reason))
            if len(attempts) > 1:  # ignore the first delivery, ack the second
                await socket.send_socket_mode_response(
                    SocketModeResponse(envelope_id=request.envelope_id)
                )

        client.socket_mode_request_listeners.append(listener)
        await client.connect()
        try:
            emulator.people.event("app_mention", "U0ALICE", "C0INCIDENTS", "hi")
            await until(lambda: len(attempts) >= 2)
            await until(lambda: not emulator.hub.pending)
        finally:
            await client.close()
        assert attempts[:2] == [(0, ""), (1, "timeout")]
        assert emulator.hub.redeliveries == 1


async def test_refresh_requested_makes_the_client_reconnect_and_keep_receiving(emulator) -> None:
    client = await _raw_client(emulator)
    received: list[str] = []

    async def listener(socket: SocketModeClient, request: SocketModeRequest) -> None:
        await socket.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
        received.append(request.payload["event"]["type"])

    client.socket_mode_request_listeners.append(listener)
    await client.connect()
    try:
        await until(lambda: emulator.api.calls.get("apps.connections.open") == 1)
        await emulator.hub.disconnect_all("refresh_requested")
        await until(lambda: emulator.api.calls.get("apps.connections.open") == 2)
        await until(lambda: len([s for s in emulator.hub.connections if not s.closed]) == 1)
        emulator.people.event("app_home_opened", "U0ALICE", None, None)
        await until(lambda: received == ["app_home_opened"])
    finally:
        await client.close()


async def test_two_connections_share_the_envelopes(emulator) -> None:
    counts = {"a": 0, "b": 0}
    clients = []
    for name in counts:
        client = await _raw_client(emulator)

        async def listener(
            socket: SocketModeClient, request: SocketModeRequest, name: str = name
        ) -> None:
            await socket.send_socket_mode_response(
                SocketModeResponse(envelope_id=request.envelope_id)
            )
            counts[name] += 1

        client.socket_mode_request_listeners.append(listener)
        await client.connect()
        clients.append(client)
    try:
        await until(lambda: len(emulator.hub.connections) == 2)
        for _ in range(6):
            emulator.people.event("app_mention", "U0ALICE", "C0INCIDENTS", "hi")
        await until(lambda: sum(counts.values()) == 6)
    finally:
        for client in clients:
            await client.close()
    assert counts == {"a": 3, "b": 3}
