"""Correlation cost as an incident grows (issue 18): N alerts from a few re-notifying
conditions fold into three incidents; prints the mean time per join for each thousand, so a
cost that rises with the incident's size shows. In-process, on a fresh SQLite file database or,
with ``--postgres``, a fresh PostgreSQL database (bench/ingest/postgres.py).

    python -m bench.correlate.run [--alerts 10000] [--incidents 3] [--postgres] [--json]

Each alert is accepted as its own delivery (a distinct body), then correlated by the real
pipeline step (:func:`bot.incident.correlate.correlate_pending`) right after it is accepted, so
each join is timed alone (a batch of one; production correlates what is waiting in batches of up
to 32 per transaction). Target: the last thousand joins no slower than the first.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench.ingest.postgres import durable_postgres, fresh_database
from bot.catalog import Catalog
from bot.clock import FixedClock
from bot.db import create_engine, create_session_factory, upgrade_database
from bot.incident.correlate import correlate_pending
from bot.incident.models import IncidentRecord
from bot.signal.flows import accept_signals
from bot.signal.sources import normalize
from bot.signal.values import AlertSource

__all__ = ["main", "measure"]

CONDITIONS_PER_INCIDENT = 4  # distinct alerts per incident, each re-notifying


@contextlib.asynccontextmanager
async def _database(postgres: bool) -> AsyncIterator[str]:
    if postgres:
        with durable_postgres() as server:
            async with fresh_database(server) as url:
                yield url
        return
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"


def _body(number: int, incidents: int) -> dict[str, str]:
    incident = number % incidents
    condition = (number // incidents) % CONDITIONS_PER_INCIDENT
    return {
        "service": f"storm-{incident}",
        "title": f"storm-{incident} condition {condition}",
        "dedup_key": f"storm-{incident}-{condition}",
        "severity": "warning",
        "description": f"notification {number}",
    }


async def measure(alerts: int, incidents: int, *, postgres: bool) -> dict[str, object]:
    async with _database(postgres) as url:
        engine = create_engine(url)
        try:
            await upgrade_database(engine)
            sessions = create_session_factory(engine)
            clock = FixedClock(datetime(2026, 12, 7, 12, 0, tzinfo=UTC))
            per_thousand: list[float] = []
            spent = 0.0
            for number in range(alerts):
                body = _body(number, incidents)
                digest = hashlib.sha256(json.dumps(body).encode()).hexdigest()
                signals = normalize(
                    AlertSource.GENERIC, body, received_at=clock.now(), body_digest=digest
                )
                await accept_signals(signals, sessions=sessions, clock=clock, body_digest=digest)
                started = time.perf_counter()
                await correlate_pending(sessions=sessions, clock=clock, catalog=Catalog())
                spent += time.perf_counter() - started
                clock.advance(timedelta(milliseconds=100))
                if (number + 1) % 1000 == 0:
                    per_thousand.append(spent / 1000 * 1000)  # ms per join
                    spent = 0.0
            async with sessions() as session:
                opened = await session.scalar(select(func.count()).select_from(IncidentRecord))
        finally:
            await engine.dispose()
    first, last = per_thousand[0], per_thousand[-1]
    return {
        "database": "postgresql" if postgres else "sqlite",
        "alerts": alerts,
        "incidents_opened": opened,
        "ms_per_join_by_thousand": [round(value, 2) for value in per_thousand],
        "first_thousand_ms": round(first, 2),
        "last_thousand_ms": round(last, 2),
        "last_over_first": round(last / first, 2),
        "median_ms": round(statistics.median(per_thousand), 2),
        "flat": last <= first * 1.1,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--incidents", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = asyncio.run(measure(args.alerts, args.incidents, postgres=args.postgres))
    if args.json:
        print(json.dumps(result))
        return 0
    for key, value in result.items():
        print(f"{key:>26}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
