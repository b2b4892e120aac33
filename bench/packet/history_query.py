"""bench/packet/history_query: what the packet's history costs with N past incidents stored.

The history source (``bot/history/source.py``: one query through the ``(service, resolved_at)``
index, the 200 most recent rows) and the comparison (``bot/history/similarity.py``) for one
packet, timed over many packets, against a database holding ``--incidents`` resolved incidents
(``bench/packet/history.py`` writes them). It runs beside the other evidence sources, under the
same deadline, so what it adds to a packet is at most this, and only when it is the slowest.

Run: ``.venv/bin/python -m bench.packet.history_query [--incidents 10000] [--packets 200]
[--database-url URL] [--json]`` (default: a fresh SQLite file).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import tempfile
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from bench.packet.history import seed_history
from bot.catalog import Catalog
from bot.db import create_engine, create_session_factory, upgrade_database
from bot.evidence.ports import EvidenceQuery
from bot.history.similarity import similar_incidents
from bot.history.source import StoredHistory
from bot.history.values import IncidentFacts

NOW = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)
SERVICES = [f"seq-{number:03d}" for number in range(15)]


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


async def _measure(url: str, args: argparse.Namespace) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        await upgrade_database(engine)
        sessions = create_session_factory(engine)
        mark = time.perf_counter()
        await seed_history(sessions, count=args.incidents, services=SERVICES, now=NOW)
        seeded = time.perf_counter() - mark
        source = StoredHistory(sessions, Catalog(()))
        spent: list[float] = []
        named = rows = 0
        for number in range(args.packets):
            service = SERVICES[number % len(SERVICES)]
            facts = IncidentFacts(
                service, frozenset({f"generic:{service}:{service} 5xx error rate high"})
            )
            mark = time.perf_counter()
            past = await source.past_incidents(EvidenceQuery(service, NOW, NOW))
            named = len(similar_incidents(facts, past))
            spent.append(time.perf_counter() - mark)
            rows = len(past)
        async with engine.connect() as connection:
            plan = (
                (
                    await connection.execute(
                        text(
                            "EXPLAIN QUERY PLAN SELECT * FROM incident_history WHERE service = 'x' "
                            "AND resolved_at <= '2026-03-04' ORDER BY resolved_at DESC LIMIT 200"
                        )
                    )
                ).fetchall()
                if engine.dialect.name == "sqlite"
                else []
            )
    finally:
        await engine.dispose()
    return {
        "database": engine.dialect.name,
        "past_incidents": args.incidents,
        "seeded_s": round(seeded, 1),
        "packets": args.packets,
        "rows_read_per_packet": rows,
        "similar_named": named,
        "p50_ms": round(statistics.median(spent) * 1000, 1),
        "p95_ms": round(_percentile(spent, 0.95) * 1000, 1),
        "max_ms": round(max(spent) * 1000, 1),
        "plan": [str(row[-1]) for row in plan],
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    if args.database_url:
        return await _measure(args.database_url, args)
    with tempfile.TemporaryDirectory(prefix="bench-history-") as folder:
        return await _measure(f"sqlite+aiosqlite:///{folder}/history.sqlite3", args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000, help="past incidents stored")
    parser.add_argument("--packets", type=int, default=200, help="history reads timed")
    parser.add_argument("--database-url", help="an empty database (default: SQLite, fresh)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        print(f"{key:>22}: {value}")


if __name__ == "__main__":
    main()
