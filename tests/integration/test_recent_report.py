"""``/metrics``' outcome figures (``bot.outcomes.service.RecentReport``), on SQLite and
PostgreSQL: the first read is fresh, later reads within ``max_age`` answer from the last one
(a scrape does not read every incident again), and once ``max_age`` has passed the report is
read anew."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FixedClock
from bot.incident.models import IncidentRecord, IncidentStatus
from bot.outcomes.service import RecentReport


async def _open(sessions: async_sessionmaker[AsyncSession], clock: FixedClock, name: str) -> None:
    async with sessions() as session, session.begin():
        session.add(
            IncidentRecord(
                fingerprint=f"fp-{name}",
                open_fingerprint=f"fp-{name}",
                service=name,
                title=f"{name} is down",
                severity="sev2",
                status=IncidentStatus.OPEN,
                opened_at=clock.now(),
                first_seen_at=clock.now(),
            )
        )


async def _incidents(
    report: RecentReport, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> int:
    async with sessions() as session:
        return (await report.read(session, now=clock.now())).overall.incidents


async def test_a_report_is_read_again_only_once_it_is_max_age_old(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    report = RecentReport(max_age=timedelta(seconds=30))
    await _open(sessions, clock, "billing")
    assert await _incidents(report, sessions, clock) == 1

    await _open(sessions, clock, "search")
    clock.advance(timedelta(seconds=29))
    assert await _incidents(report, sessions, clock) == 1  # the last read, 29 s old

    clock.advance(timedelta(seconds=1))
    assert await _incidents(report, sessions, clock) == 2
