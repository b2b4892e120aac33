"""Past incidents for bench/packet: ``count`` resolved incidents with their history rows,
written straight into the bot's database before the first alert, so each packet's history
query runs against a table of that size.

They spread over the bench's own services (so each new incident finds past ones of its service,
some with its very alert, whose lines the packet renders) and as many other services again, and
over the year before the replay clock; a tenth failed on a dependency.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.history.models import HistoryRecord
from bot.incident.models import IncidentRecord

__all__ = ["seed_history"]

BATCH = 1000


def _rows(
    number: int, services: list[str], now: datetime
) -> tuple[dict[str, object], dict[str, object]]:
    service = services[number % len(services)]
    opened = now - timedelta(days=365) + timedelta(minutes=50 * number)
    resolved = opened + timedelta(minutes=5 + number % 90)
    own_alert = (number // len(services)) % 3 == 0
    title = f"{service} 5xx error rate high" if own_alert else f"{service} past trouble {number}"
    fingerprint = f"generic:{service}:{title}"
    incident = {
        "id": number + 1,
        "fingerprint": fingerprint,
        "open_fingerprint": None,
        "service": service,
        "title": title,
        "severity": "sev3",
        "status": "resolved",
        "opened_at": opened,
        "first_seen_at": opened,
        "resolved_at": resolved,
        "channel_state": "ready",
        "packet_state": "posted",
        "chart_state": "none",
        "narrative_state": "none",
        "slack_attempts": 0,
        "signal_count": 1,
        "severity_raised": False,
        "packet_revision": 0,
        "posted_revision": 0,
        "all_resolved": True,
        "resolve_prompted": True,
        "failures": 0,
        "channel_id": f"CPAST{number:06d}",
        "channel_name": f"inc-past-{number}",
    }
    dependency = "billing-db" if number % 10 == 0 else None
    history = {
        "incident_id": number + 1,
        "service": service,
        "fingerprint": fingerprint,
        "title": title,
        "severity": "sev3",
        "first_seen_at": opened,
        "triaged_at": opened + timedelta(seconds=2),
        "cause": "dependency" if dependency else ("deploy" if number % 2 else "resource"),
        "cause_subject": dependency,
        "dependency": dependency,
        "templates": f"log:{number % 97:010x} log:{number % 13:010x}",
        "resolved_at": resolved,
        "resolution": "restarted the consumer" if number % 4 else None,
        "noise": number % 17 == 0,
        "remedy_kind": "restart" if number % 5 == 0 else None,
        "remedy_target": service if number % 5 == 0 else None,
        "channel_id": incident["channel_id"],
        "channel_name": incident["channel_name"],
        "resolved_by": "slack:U0ERIN",
    }
    return incident, history


async def seed_history(
    sessions: async_sessionmaker[AsyncSession], *, count: int, services: list[str], now: datetime
) -> None:
    """Store ``count`` resolved incidents, each with its history row, for ``services`` and as
    many others, in batches of :data:`BATCH`."""
    everyone = services + [f"past-{index:03d}" for index in range(len(services) or 1)]
    for start in range(0, count, BATCH):
        pairs = [_rows(n, everyone, now) for n in range(start, min(count, start + BATCH))]
        async with sessions() as session, session.begin():
            await session.execute(insert(IncidentRecord), [p[0] for p in pairs])
            await session.execute(insert(HistoryRecord), [p[1] for p in pairs])
