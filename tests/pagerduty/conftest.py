"""A PagerDuty stand-in with one service, one user and a REST key, and the bot's client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from integrations.pagerduty import PagerDutyClient
from integrations.pagerduty_emulator import PagerDutyEmulator
from integrations.pagerduty_emulator.state import Service

TOKEN = "y_NbAkKc66ryYTWUXYEu"  # REST keys are 20 characters
ROUTING_KEY = "e93facc04764012d7bfb002500d5d1a6"  # an integration key: 32 characters
BOT_EMAIL = "incident-bot@example.com"


@pytest.fixture
async def pagerduty() -> AsyncIterator[PagerDutyEmulator]:
    async with PagerDutyEmulator() as emulator:
        emulator.state.add_service("Checkout API", ROUTING_KEY)
        emulator.state.add_user("Incident Bot", BOT_EMAIL)
        emulator.state.add_token(TOKEN)
        yield emulator


@pytest.fixture
def service(pagerduty: PagerDutyEmulator) -> Service:
    return next(iter(pagerduty.state.services.values()))


@pytest.fixture
async def client(pagerduty: PagerDutyEmulator) -> AsyncIterator[PagerDutyClient]:
    client = PagerDutyClient(
        api_url=pagerduty.base_url,
        events_url=pagerduty.base_url,
        token=TOKEN,
        from_email=BOT_EMAIL,
    )
    yield client
    await client.close()
