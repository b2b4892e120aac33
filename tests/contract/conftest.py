"""The contract tests' clock: the day the corpus was gathered, so that no payload in it is dated
after the time the bot "receives" it (a time more than a day ahead is refused)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.clock import FixedClock


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 12, 7, 12, 0, tzinfo=UTC))
