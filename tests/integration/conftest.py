"""The Slack emulator and the chat over it, for the integration tests that publish."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from integrations.slack.chat import SlackChat
from integrations.slack.client import build_web_client
from integrations.slack_emulator import EmulatorConfig, SlackEmulator


@pytest.fixture
async def emulator() -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator(EmulatorConfig(port=0)) as running:
        yield running


@pytest.fixture
def chat(emulator: SlackEmulator) -> SlackChat:
    return SlackChat(build_web_client(emulator.config.bot_token, base_url=emulator.api_url))
