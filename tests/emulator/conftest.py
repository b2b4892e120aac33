"""The emulator under the real Slack SDKs: an emulator per test on an ephemeral port, slack_sdk's
AsyncWebClient with the bot token, the control API client, and a Bolt app over Socket Mode."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond, AsyncSay
from slack_sdk.web.async_client import AsyncWebClient

from integrations.slack_emulator import EmulatorClient, EmulatorConfig, SlackEmulator
from tests.emulator.support import bolt_connected, bot_client


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    # Rate limits have their own tests (which turn them on); elsewhere they would only make
    # tests that post a few messages in a row depend on timing.
    return EmulatorConfig(port=0, rate_limits_enabled=False)


@pytest.fixture
async def emulator(emulator_config: EmulatorConfig) -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator(emulator_config) as running:
        yield running


@pytest.fixture
def web(emulator: SlackEmulator) -> AsyncWebClient:
    return bot_client(emulator)


@pytest.fixture
async def people(emulator: SlackEmulator) -> AsyncIterator[EmulatorClient]:
    async with EmulatorClient(emulator.base_url) as client:
        yield client


def incident_bot(emulator: SlackEmulator) -> AsyncApp:
    """A small Bolt app answering the ways a bot can answer a person."""
    app = AsyncApp(client=bot_client(emulator))

    @app.command("/hello")
    async def hello(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        await respond(text=f"hello {command['user_name']}, you said {command['text']!r}")

    @app.command("/quick")
    async def quick(ack: AsyncAck) -> None:
        await ack(text="acked with text")

    @app.command("/announce")
    async def announce(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        await respond(response_type="in_channel", text=f"announcing {command['text']}")

    @app.command("/post")
    async def post(ack: AsyncAck, command: dict[str, Any], say: AsyncSay) -> None:
        await ack()
        await say(text=f"posted for {command['user_name']}")

    @app.action("approve")
    async def approve(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        await respond(text=f"approved {body['actions'][0]['value']}", replace_original=False)

    @app.action("finish")
    async def finish(ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        await respond(text="finished", replace_original=True)

    @app.event("app_mention")
    async def mentioned(event: dict[str, Any], say: AsyncSay) -> None:
        await say(text=f"you said {event['text']}", thread_ts=event["ts"])

    return app


@pytest.fixture
async def bolt(emulator: SlackEmulator) -> AsyncIterator[AsyncApp]:
    app = incident_bot(emulator)
    async with bolt_connected(emulator, app):
        yield app
