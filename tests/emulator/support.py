"""Helpers for the emulator's tests: waiting on a condition with a deadline, reading a Slack
error code, and connecting Socket Mode clients (Bolt's handler, or slack_sdk's bare client)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from integrations.slack_emulator import SlackEmulator

RequestListener = Callable[[SocketModeClient, SocketModeRequest], Awaitable[None]]
POLL = 0.01


async def until(
    probe: Callable[[], Awaitable[bool] | bool], *, timeout: float = 5.0, what: str = "it"
) -> None:
    """Wait until ``probe()`` is true, checking every few milliseconds, for ``timeout`` at most."""
    deadline = time.monotonic() + timeout
    while True:
        outcome = probe()
        if await outcome if isinstance(outcome, Awaitable) else outcome:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(POLL)


async def slack_error(call: Awaitable[Any]) -> str:
    """The error code Slack answered a failing call with."""
    with pytest.raises(SlackApiError) as caught:
        await call
    return str(caught.value.response["error"])


def bot_client(emulator: SlackEmulator) -> AsyncWebClient:
    return AsyncWebClient(token=emulator.config.bot_token, base_url=emulator.api_url)


async def ack(client: SocketModeClient, request: SocketModeRequest) -> None:
    await client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))


@contextlib.asynccontextmanager
async def bolt_connected(emulator: SlackEmulator, app: AsyncApp) -> AsyncIterator[None]:
    """Bolt's Socket Mode handler connected to the emulator, as the bot runs it."""
    handler = AsyncSocketModeHandler(app, emulator.config.app_token)
    before = len(emulator.hub.live_connections)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    try:
        await until(lambda: len(emulator.hub.live_connections) > before, what="Bolt to connect")
        yield
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]


@contextlib.asynccontextmanager
async def socket_client(
    emulator: SlackEmulator, listener: RequestListener
) -> AsyncIterator[SocketModeClient]:
    """slack_sdk's own aiohttp Socket Mode client, with one request listener."""
    web = AsyncWebClient(base_url=emulator.api_url)
    client = SocketModeClient(app_token=emulator.config.app_token, web_client=web)
    client.socket_mode_request_listeners.append(listener)
    before = len(emulator.hub.live_connections)
    await client.connect()
    try:
        await until(lambda: len(emulator.hub.live_connections) > before, what="the client")
        yield client
    finally:
        await client.close()
