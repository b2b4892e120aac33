"""The emulator under the real Slack SDKs: an emulator per test on an ephemeral port."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from integrations.slack_emulator import EmulatorClient, EmulatorConfig, SlackEmulator


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(port=0)


@pytest.fixture
async def emulator(emulator_config: EmulatorConfig) -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator(emulator_config) as running:
        yield running


@pytest.fixture
def web(emulator: SlackEmulator) -> AsyncWebClient:
    return AsyncWebClient(token=emulator.config.bot_token, base_url=emulator.api_url)


@pytest.fixture
async def people(emulator: SlackEmulator) -> AsyncIterator[EmulatorClient]:
    async with EmulatorClient(emulator.base_url) as client:
        yield client
