"""Where one accepted alert's time goes: each step of the webhook's accept path timed alone,
serially, in this process (no HTTP, no concurrency), on a fresh SQLite database.

    python -m bench.ingest.stages [--source generic] [--alerts 2000] [--batch 32] [--json]

The steps are the route's own: authenticate (HMAC or secret), parse JSON, normalize (pydantic),
and the accept transaction: ``accept_many`` through the TransactionRunner, as the webhook's group
commit runs it, for bursts of one delivery and of ``--batch``. For the transaction it also
reports how many SQL statements one burst makes and the time inside them, the time one
aiosqlite round trip costs (what the runner's writer thread saves, some thirty of them per
transaction), and the floor: the same rows written with the standard library's sqlite3 in one
synchronous transaction per burst, which is what SQLite itself needs.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from multidict import CIMultiDict
from sqlalchemy import Engine, event

from bench.ingest.alerts import SECRET, SOURCES, delivery
from bot.audit.keys import sign
from bot.audit.service import ROW_SIGNATURE, chain_genesis, row_hash
from bot.clock import SystemClock
from bot.db import create_engine, upgrade_database
from bot.signal.flows import Incoming, accept_many
from bot.signal.sources import normalize
from bot.signal.values import AlertSource
from bot.transactions import TransactionRunner
from handlers.webhooks.routes import AUTHENTICATORS

__all__ = ["main", "measure"]


def _per_call(step: Callable[[int], object], count: int) -> float:
    """Microseconds per call of ``step(i)`` for i in range(count)."""
    start = time.perf_counter()
    for i in range(count):
        step(i)
    return (time.perf_counter() - start) / count * 1e6


async def _group_commit(
    source: AlertSource, alerts: int, batch: int, database: Path
) -> dict[str, float]:
    """Per alert: ``accept_many`` in bursts of ``batch`` deliveries; per burst: statements."""
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    await upgrade_database(engine)
    transactions = TransactionRunner(engine)
    clock = SystemClock()
    incoming = []
    for n in range(alerts):
        body, _ = delivery(source.value, n)
        digest = hashlib.sha256(body).hexdigest()
        found = normalize(source, json.loads(body), received_at=clock.now(), body_digest=digest)
        incoming.append(Incoming(found, digest))
    bursts = [incoming[i : i + batch] for i in range(0, alerts, batch)]
    statements = 0
    in_statements = 0.0

    # Every engine's statements: the runner writes through a connection of its own.
    def started(conn: Any, *_args: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def finished(conn: Any, *_args: Any) -> None:
        nonlocal statements, in_statements
        statements += 1
        in_statements += time.perf_counter() - conn.info["bench_started"]

    warm = max(1, len(bursts) // 10)  # SQLAlchemy's statement caches, the writer's connection
    for burst in bursts[:warm]:
        await accept_many(burst, transactions=transactions, clock=clock)
    event.listen(Engine, "before_cursor_execute", started)
    event.listen(Engine, "after_cursor_execute", finished)
    measured = bursts[warm:]
    start = time.perf_counter()
    try:
        for burst in measured:
            await accept_many(burst, transactions=transactions, clock=clock)
    finally:
        elapsed = time.perf_counter() - start
        event.remove(Engine, "before_cursor_execute", started)
        event.remove(Engine, "after_cursor_execute", finished)
        await transactions.close()
        await engine.dispose()
    count = sum(len(burst) for burst in measured)
    return {
        "per_alert_us": elapsed / count * 1e6,
        "statements_per_burst": statements / len(measured),
        "statement_time_us": in_statements / count * 1e6,
    }


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


def _floor(database: Path, count: int, batch: int) -> float:
    """Microseconds per alert writing what a burst of ``batch`` writes (the two duplicate
    checks, the signals, one audit row, its chain's head) with sqlite3, synchronously, with the
    same pragmas (the WAL checkpointed on commit, as SQLite does by default)."""
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    digests = [hashlib.sha256(str(n).encode()).hexdigest() for n in range(count)]
    start = time.perf_counter()
    for first in range(0, count, batch):
        burst = digests[first : first + batch]
        marks = ", ".join("?" for _ in burst)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            "SELECT body_digest FROM signals WHERE source = 'generic' "
            f"AND body_digest IN ({marks}) AND received_at >= ?",
            (*burst, now),
        ).fetchall()
        connection.execute(
            "SELECT delivery_id FROM signals WHERE source = 'generic' "
            f"AND delivery_id IN ({marks})",
            burst,
        ).fetchall()
        connection.executemany(
            "INSERT INTO signals (source, delivery_id, body_digest, service, severity, status, "
            "started_at, title, fingerprint, description, links, labels, owner, received_at) "
            "VALUES ('generic', ?, ?, 'checkout-api', 'sev2', 'firing', ?, 'title', ?, '', "
            "'[]', '{}', 'payments', ?)",
            [(digest, digest, now, f"generic:{digest[:8]}", now) for digest in burst],
        )
        connection.execute(
            "INSERT OR IGNORE INTO audit_chains (chain, length, hash) VALUES ('floor', 0, ?)",
            (chain_genesis("floor"),),
        )
        length, _previous = connection.execute(
            "SELECT length, hash FROM audit_chains WHERE chain = 'floor'"
        ).fetchone()
        connection.execute(
            "INSERT INTO audit_log (chain, position, at, actor, event, incident_id, details, "
            "prev_hash, hash) VALUES ('floor', ?, ?, 'source:generic', 'signal.accepted', NULL, "
            "?, ?, ?)",
            (length + 1, now, json.dumps({"signals": burst}), burst[0], burst[-1]),
        )
        connection.execute(
            "UPDATE audit_chains SET length = ?, hash = ? WHERE chain = 'floor'",
            (length + 1, burst[-1]),
        )
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed / count * 1e6


def measure(source_name: str, alerts: int, batch: int) -> dict[str, float]:
    """Microseconds (and counts) per accepted alert for every step of the accept path."""
    source = AlertSource(source_name)
    deliveries = [delivery(source_name, n) for n in range(alerts)]
    bodies = [body for body, _ in deliveries]
    headers = [CIMultiDict(h) for _, h in deliveries]
    payloads = [json.loads(body) for body in bodies]
    received = datetime.now(UTC)
    authenticate = AUTHENTICATORS[source]
    signer = Ed25519PrivateKey.generate()
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
            lambda i: row_hash(
                chain="host/1/0123456789ab",
                position=i,
                at=received,
                actor="source:generic",
                event="signal.accepted",
                incident_id=None,
                details="{}",
                prev_hash="0" * 64,
            ),
            alerts,
        ),
        "audit_sign_us": _per_call(
            lambda i: sign(signer, ROW_SIGNATURE, f"{i:064x}".encode()), alerts
        ),
    }
    with tempfile.TemporaryDirectory(prefix="bench-stages-") as workdir:
        folder = Path(workdir)
        for size, name in ((1, "alone"), (batch, "burst")):
            found = asyncio.run(_group_commit(source, alerts, size, folder / f"{name}.sqlite3"))
            result.update({f"{name}_{key}": value for key, value in found.items()})
        result["aiosqlite_round_trip_us"] = asyncio.run(
            _round_trip(folder / "round-trip.sqlite3", alerts)
        )
        asyncio.run(_migrated(folder / "floor.sqlite3"))
        result["sqlite3_same_rows_us"] = _floor(folder / "floor.sqlite3", alerts, batch)
    return result


LABELS = {
    "authenticate_us": "authenticate (HMAC / secret)",
    "sha256_body_us": "SHA-256 of the body",
    "json_parse_us": "json.loads",
    "normalize_us": "normalize (pydantic)",
    "audit_hash_us": "audit row hash",
    "audit_sign_us": "audit row signature (with AUDIT_SIGNING_KEY)",
    "alone_per_alert_us": "accept_many, one delivery a transaction",
    "alone_statements_per_burst": "  SQL statements per transaction",
    "alone_statement_time_us": "  time inside cursor.execute, per alert",
    "burst_per_alert_us": "accept_many, a burst a transaction, per alert",
    "burst_statements_per_burst": "  SQL statements per transaction",
    "burst_statement_time_us": "  time inside cursor.execute, per alert",
    "aiosqlite_round_trip_us": "one aiosqlite round trip (SELECT 1)",
    "sqlite3_same_rows_us": "floor: a burst's rows with sqlite3, per alert",
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=SOURCES, default="generic")
    parser.add_argument("--alerts", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=32, help="deliveries per burst")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args.source, args.alerts, args.batch)
    if args.json:
        print(json.dumps({key: round(value, 2) for key, value in result.items()}, indent=2))
        return
    for key, label in LABELS.items():
        unit = "" if key.endswith("_burst") else " us"
        print(f"{label:<44} {result[key]:>9.1f}{unit}")


if __name__ == "__main__":
    main()
