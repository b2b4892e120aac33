"""One live webhook server per test, on SQLite only: these properties are about the HTTP edge,
which is the same code on both databases, and hypothesis sends hundreds of requests per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.property.server import LIMIT, LiveWebhooks, live_webhooks


@pytest.fixture
def webhooks(tmp_path: Path) -> Iterator[LiveWebhooks]:
    with live_webhooks(tmp_path / "bot.sqlite3", limit=LIMIT) as live:
        yield live
