"""The App Home's quarantine line: shown only when something is quarantined, counting alerts and
incidents and naming the command that shows and retries them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.killswitch.service import KillSwitch
from bot.overview import Overview
from bot.quarantine import QuarantineCounts
from integrations.slack.home import home_view

NOW = datetime(2026, 3, 4, 14, 6, tzinfo=UTC)


def test_the_home_tab_counts_quarantined_alerts_and_incidents() -> None:
    view = home_view(Overview((), (), KillSwitch(False), QuarantineCounts(2, 1)), now=NOW)
    text = json.dumps(view)
    assert "2 alerts and 1 incident" in text
    assert "incident-bot quarantine list" in text


def test_the_home_tab_says_nothing_of_an_empty_quarantine() -> None:
    view = home_view(Overview((), (), KillSwitch(False)), now=NOW)
    assert "uarantine" not in json.dumps(view)
