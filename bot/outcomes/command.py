"""``incident-bot report [--since DATE] [--json]``: the outcome figures per service and
severity, read from the database the settings name (the time now is the caller's clock)."""

from __future__ import annotations

import json
from datetime import datetime

from bot.clock import Clock
from bot.db import database
from bot.outcomes.render import report_json, report_lines
from bot.outcomes.service import read_report
from bot.settings import Settings

__all__ = ["run_report"]


async def run_report(
    settings: Settings, *, since: datetime | None, as_json: bool, clock: Clock
) -> int:
    """Print the report; 0. The schema is not migrated here: a report only reads."""
    async with database(settings.database_url) as db, db.sessions() as session:
        report = await read_report(session, since=since, until=clock.now())
    if as_json:
        print(json.dumps(report_json(report), indent=2))
    else:
        print("\n".join(report_lines(report)))
    return 0
