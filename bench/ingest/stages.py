"""Where one accepted alert's time goes: each step of the webhook's accept path timed alone,
serially, in this process (no HTTP, no concurrency), on a fresh SQLite database.

    python -m bench.ingest.stages [--source generic] [--alerts 500] [--json]

The steps are the route's own: authenticate (HMAC or secret), parse JSON, normalize (pydantic),
and the accept transaction (``accept_signals``). For the transaction it also reports how many SQL
statements and aiosqlite thread round trips one accept makes, what one round trip costs, and
the floor: the same rows written with the standard library's sqlite3 in one synchronous
transaction, which is what SQLite itself needs.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import hashlib
import json
import pstats
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
from multidict import CIMultiDict
from sqlalchemy import event

from bench.ingest.alerts import SECRET, SOURCES, delivery
from bot.audit.service import entry_hash
from bot.clock import SystemClock
from bot.db import create_engine, create_session_factory, upgrade_database
from bot.signal.flows import accept_signals
from bot.signal.sources import normalize
from bot.signal.values import AlertSource
from handlers.webhooks.routes import AUTHENTICATORS

__all__ = ["main", "measure"]


def _per_call(step: Callable[[int], object], count: int) -> float:
    """Microseconds per call of ``step(i)`` for i in range(count)."""
    start = time.perf_counter()
    for i in range(count):
        step(i)
    return (time.perf_counter() - start) / count * 1e6


async def _accept_path(source: AlertSource, alerts: int, database: Path) -> dict[str, float]:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    await upgrade_database(engine)
    sessions = create_session_factory(engine)
    clock = SystemClock()
    deliveries = [delivery(source.value, n) for n in range(alerts)]
    digests = [hashlib.sha256(body).hexdigest() for body, _ in deliveries]
    signals = [
        normalize(source, json.loads(body), received_at=clock.now(), body_digest=digest)
        for (body, _), digest in zip(deliveries, digests, strict=True)
    ]
    statements = 0
    in_statements = 0.0

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _started(conn: Any, *_args: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def _finished(conn: Any, *_args: Any) -> None:
        nonlocal statements, in_statements
        statements += 1
        in_statements += time.perf_counter() - conn.info["bench_started"]

    # Warm up SQLAlchemy's statement caches and the pool outside the measurement.
    warm = deliveries[: alerts // 10]
    for i in range(len(warm)):
        await accept_signals(signals[i], sessions=sessions, clock=clock, body_digest=digests[i])
    statements, in_statements = 0, 0.0
    measured = range(len(warm), alerts)
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.enable()
    for i in measured:
        await accept_signals(signals[i], sessions=sessions, clock=clock, body_digest=digests[i])
    profile.disable()
    elapsed = time.perf_counter() - start
    await engine.dispose()
    # Every aiosqlite call is one put on its worker thread's queue, answered through the loop.
    hops = sum(
        stat[1]
        for (_file, _line, name), stat in pstats.Stats(profile).stats.items()  # type: ignore[attr-defined]
        if "put_nowait" in name and "SimpleQueue" in name
    )
    # cProfile slows the loop's own code; time the same work again unprofiled.
    return {
        "accept_transaction_us": elapsed / len(measured) * 1e6,
        "statements_per_accept": statements / len(measured),
        "statement_time_us": in_statements / len(measured) * 1e6,
        "round_trips_per_accept": hops / len(measured),
    }


async def _accept_unprofiled(source: AlertSource, alerts: int, database: Path) -> float:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    await upgrade_database(engine)
    sessions = create_session_factory(engine)
    clock = SystemClock()
    batch = []
    for n in range(alerts):
        body, _ = delivery(source.value, n)
        digest = hashlib.sha256(body).hexdigest()
        found = normalize(source, json.loads(body), received_at=clock.now(), body_digest=digest)
        batch.append((found, digest))
    warm = alerts // 10
    for found, digest in batch[:warm]:
        await accept_signals(found, sessions=sessions, clock=clock, body_digest=digest)
    start = time.perf_counter()
    for found, digest in batch[warm:]:
        await accept_signals(found, sessions=sessions, clock=clock, body_digest=digest)
    elapsed = time.perf_counter() - start
    await engine.dispose()
    return elapsed / (alerts - warm) * 1e6


async def _round_trip(database: Path, count: int) -> float:
    """Microseconds for one aiosqlite call that does (almost) nothing."""
    async with aiosqlite.connect(database) as connection:
        await connection.execute_fetchall("SELECT 1")
        start = time.perf_counter()
        for _ in range(count):
            await connection.execute_fetchall("SELECT 1")
        return (time.perf_counter() - start) / count * 1e6


async def _migrated(database: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    await upgrade_database(engine)
    await engine.dispose()


def _floor(database: Path, count: int) -> float:
    """Microseconds per transaction writing what one accept writes (a signal, an audit row, the
    chain's head, after the two duplicate checks) with sqlite3, synchronously, same pragmas."""
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    start = time.perf_counter()
    for n in range(count):
        digest = hashlib.sha256(str(n).encode()).hexdigest()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            "SELECT EXISTS (SELECT 1 FROM signals WHERE source = ? AND body_digest = ? "
            "AND received_at >= ?)",
            ("generic", digest, now),
        )
        connection.execute(
            "SELECT EXISTS (SELECT 1 FROM signals WHERE source = ? AND delivery_id = ?)",
            ("generic", digest),
        )
        connection.execute(
            "INSERT INTO signals (source, delivery_id, body_digest, service, severity, status, "
            "started_at, title, fingerprint, description, links, labels, owner, received_at) "
            "VALUES ('generic', ?, ?, 'checkout-api', 'sev2', 'firing', ?, 'title', ?, '', "
            "'[]', '{}', 'payments', ?)",
            (digest, digest, now, f"generic:{n}", now),
        )
        seq, previous = connection.execute(
            "SELECT seq, hash FROM audit_head WHERE id = 1"
        ).fetchone()
        connection.execute(
            "INSERT INTO audit_log (seq, at, actor, event, incident_id, details, prev_hash, hash) "
            "VALUES (?, ?, 'source:generic', 'signal.accepted', NULL, '{}', ?, ?)",
            (seq + 1, now, previous, digest),
        )
        connection.execute(
            "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (seq + 1, digest)
        )
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed / count * 1e6


def measure(source_name: str, alerts: int) -> dict[str, float]:
    """Microseconds (and counts) per accepted alert for every step of the accept path."""
    source = AlertSource(source_name)
    deliveries = [delivery(source_name, n) for n in range(alerts)]
    bodies = [body for body, _ in deliveries]
    headers = [CIMultiDict(h) for _, h in deliveries]
    payloads = [json.loads(body) for body in bodies]
    received = datetime.now(UTC)
    authenticate = AUTHENTICATORS[source]
    result = {
        "authenticate_us": _per_call(lambda i: authenticate(headers[i], bodies[i], SECRET), alerts),
        "sha256_body_us": _per_call(lambda i: hashlib.sha256(bodies[i]).hexdigest(), alerts),
        "json_parse_us": _per_call(lambda i: json.loads(bodies[i]), alerts),
        "normalize_us": _per_call(
            lambda i: normalize(
                source, payloads[i], received_at=received, body_digest="d", headers=headers[i]
            ),
            alerts,
        ),
        "audit_hash_us": _per_call(
            lambda i: entry_hash(
                seq=i,
                at=received,
                actor="source:generic",
                event="signal.accepted",
                incident_id=None,
                details="{}",
                prev_hash="0" * 64,
            ),
            alerts,
        ),
    }
    with tempfile.TemporaryDirectory(prefix="bench-stages-") as workdir:
        folder = Path(workdir)
        result.update(asyncio.run(_accept_path(source, alerts, folder / "profiled.sqlite3")))
        result["accept_transaction_us"] = asyncio.run(
            _accept_unprofiled(source, alerts, folder / "plain.sqlite3")
        )
        result["aiosqlite_round_trip_us"] = asyncio.run(
            _round_trip(folder / "round-trip.sqlite3", alerts)
        )
        asyncio.run(_migrated(folder / "floor.sqlite3"))
        result["sqlite3_same_rows_us"] = _floor(folder / "floor.sqlite3", alerts)
    return result


LABELS = {
    "authenticate_us": "authenticate (HMAC / secret)",
    "sha256_body_us": "SHA-256 of the body",
    "json_parse_us": "json.loads",
    "normalize_us": "normalize (pydantic)",
    "audit_hash_us": "audit entry hash",
    "accept_transaction_us": "accept transaction (accept_signals)",
    "statements_per_accept": "  SQL statements per accept",
    "statement_time_us": "  time inside cursor.execute",
    "round_trips_per_accept": "  aiosqlite thread round trips",
    "aiosqlite_round_trip_us": "one aiosqlite round trip (SELECT 1)",
    "sqlite3_same_rows_us": "floor: same rows with sqlite3, one thread",
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=SOURCES, default="generic")
    parser.add_argument("--alerts", type=int, default=500)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args.source, args.alerts)
    if args.json:
        print(json.dumps({key: round(value, 2) for key, value in result.items()}, indent=2))
        return
    for key, label in LABELS.items():
        unit = "" if key.endswith("_accept") else " us"
        print(f"{label:<44} {result[key]:>9.1f}{unit}")


if __name__ == "__main__":
    main()
