"""Replicas benchmark (issue 18): alerts a second accepted and correlated by one and by two
``incident-bot serve`` processes on one PostgreSQL. See bench/README.md.

    python -m bench.replicas.run [--replicas 1 2] [--seconds 10] [--concurrency 64]
        [--services 10] [--json]

For each replica count it creates a fresh database on one durable PostgreSQL server (see
bench/ingest/postgres.py), starts the Slack emulator in its own process and that many real
``serve`` processes on the database (the pipeline worker, the publishers and the webhook server
each, as in production), and loads them from separate processes over loopback, one load
generator per replica with disjoint alert numbers (a load balancer's round robin, with the
concurrency split evenly). Generic alerts spread over ``--services`` services, so the storm
folds into that many incidents. Two rates come out:

- accepted: 202s a second while the load ran;
- correlated: alerts joined to an incident a second, from the first alert sent to the moment no
  accepted alert waits (``signals.processed_at`` set on every row), which is what a storm needs.

Target (issue 18): two replicas accept and correlate at least 1.6x what one does.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.ingest.alerts import SECRET
from bench.ingest.load import LoadResult, run_generator
from bench.ingest.postgres import durable_postgres, fresh_database
from bot.db import create_engine, upgrade_database
from bot.signal.models import SignalRecord
from tests.harness.emulators import SlackEmulatorProcess, start_slack_emulator
from tests.harness.serve import ServeProcess, serve_env, start_serve

__all__ = ["Measurement", "main", "measure"]

TARGET_SCALING = 1.6
DRAIN_TIMEOUT = 600.0  # seconds after the load for the last alert to be correlated


@dataclass(frozen=True, slots=True)
class Measurement:
    replicas: int
    accepted: int  # 202 answers
    load_seconds: float  # first request sent to last answer read (the slowest generator)
    correlated_seconds: float  # first request sent to no alert waiting
    stored: int  # signals in the database afterwards
    waiting: int  # signals still unprocessed when the drain gave up (0 on success)
    errors: int  # answers other than 202 and requests with no answer
    loads: list[LoadResult]

    @property
    def accepted_rate(self) -> float:
        return self.accepted / self.load_seconds

    @property
    def correlated_rate(self) -> float:
        return (self.stored - self.waiting) / self.correlated_seconds


async def _counts(url: str) -> tuple[int, int]:
    """Signals stored, and those not yet correlated (processed_at unset, not quarantined)."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            stored = await connection.scalar(select(func.count()).select_from(SignalRecord))
            waiting = await connection.scalar(
                select(func.count())
                .select_from(SignalRecord)
                .where(SignalRecord.processed_at.is_(None))
                .where(SignalRecord.quarantined_at.is_(None))
            )
    finally:
        await engine.dispose()
    return int(stored or 0), int(waiting or 0)


async def _sample_waits(url: str, into: Counter[str], stop: asyncio.Event) -> None:
    """Every 100 ms, what each of the database's other sessions is doing (state, wait event
    and the statement's start): where a run's time goes, counted."""
    engine = create_async_engine(url)
    query = text(
        "SELECT state, coalesce(wait_event_type || ':' || wait_event, 'cpu'),"
        " left(regexp_replace(query, '\\s+', ' ', 'g'), 60)"
        " FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND state <> 'idle'"
    )
    try:
        async with engine.connect() as connection:
            while not stop.is_set():
                for state, wait, statement in await connection.execute(query):
                    into[f"{state} | {wait} | {statement}"] += 1
                await connection.commit()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 0.1)
    finally:
        await engine.dispose()


async def _drained(url: str, *, since: float) -> tuple[int, int, float]:
    """Poll until no alert waits (or the drain times out): stored, waiting, seconds since
    ``since`` when the last one was correlated."""
    while True:
        stored, waiting = await _counts(url)
        now = time.perf_counter()
        if waiting == 0 or now - since > DRAIN_TIMEOUT:
            return stored, waiting, now - since
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def _replicas(
    url: str, count: int, *, emulator: SlackEmulatorProcess, workdir: Path
) -> AsyncIterator[list[ServeProcess]]:
    env = serve_env(database_url=url, emulator=emulator, webhook_secrets={"generic": SECRET})
    started: list[ServeProcess] = []
    try:
        for n in range(count):
            started.append(
                await start_serve(env, workdir=workdir, name=f"replica-{n}", timeout=60.0)
            )
        yield started
    finally:
        for replica in started:
            with contextlib.suppress(TimeoutError, ProcessLookupError):
                await replica.stop(timeout=30.0)
            await replica.kill()


async def measure(
    replicas: int,
    *,
    postgres: str,
    seconds: float,
    concurrency: int,
    services: int,
    workdir: Path,
    waits: Counter[str] | None = None,
) -> Measurement:
    """One run: a fresh database, the emulator, ``replicas`` serve processes, the load. With
    ``waits``, what the database's sessions were doing is sampled into it."""
    async with contextlib.AsyncExitStack() as stack:
        url = await stack.enter_async_context(fresh_database(postgres))
        engine = create_engine(url)
        try:
            await upgrade_database(engine)  # once, before the replicas race to migrate
        finally:
            await engine.dispose()
        emulator = await start_slack_emulator(workdir, name=f"slack-{replicas}")
        stack.push_async_callback(emulator.stop)
        bots = await stack.enter_async_context(
            _replicas(url, replicas, emulator=emulator, workdir=workdir)
        )
        share = max(1, concurrency // replicas)
        stop = asyncio.Event()
        sampler = (
            asyncio.create_task(_sample_waits(url, waits, stop)) if waits is not None else None
        )
        started = time.perf_counter()
        loads = await asyncio.gather(
            *(
                run_generator(
                    bot.port,
                    source="generic",
                    seconds=seconds,
                    concurrency=share,
                    first=n * 10_000_000,
                    services=services,
                )
                for n, bot in enumerate(bots)
            )
        )
        load_seconds = time.perf_counter() - started
        stored, waiting, correlated = await _drained(url, since=started)
        stop.set()
        if sampler is not None:
            await sampler
    accepted = sum(load.statuses.get("202", 0) for load in loads)
    errors = sum(load.requests for load in loads) - accepted
    errors += sum(sum(load.failures.values()) for load in loads)
    return Measurement(
        replicas, accepted, load_seconds, correlated, stored, waiting, errors, list(loads)
    )


def _table(measurements: list[Measurement]) -> str:
    lines = [
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, one PostgreSQL",
        "replicas  accepted  accepted/s  correlated/s  stored  waiting  errors",
    ]
    for m in measurements:
        lines.append(
            f"{m.replicas:>8}  {m.accepted:>8}  {m.accepted_rate:>10.0f}"
            f"  {m.correlated_rate:>12.0f}  {m.stored:>6}  {m.waiting:>7}  {m.errors:>6}"
        )
    lines.append(_verdict(measurements))
    return "\n".join(lines)


def _verdict(measurements: list[Measurement]) -> str:
    by_count = {m.replicas: m for m in measurements}
    one, two = by_count.get(1), by_count.get(2)
    if one is None or two is None:
        return "target (2 replicas >= 1.6x one): not measured (needs --replicas 1 2)"
    accepted = two.accepted_rate / one.accepted_rate
    correlated = two.correlated_rate / one.correlated_rate
    met = min(accepted, correlated) >= TARGET_SCALING
    return (
        f"target (2 replicas >= {TARGET_SCALING}x one): {'met' if met else 'NOT met'};"
        f" accepted {accepted:.2f}x, correlated {correlated:.2f}x"
    )


async def _run(args: argparse.Namespace) -> list[Measurement]:
    measurements: list[Measurement] = []
    waits: Counter[str] | None = Counter() if args.waits else None
    with contextlib.ExitStack() as stack:
        if args.workdir is not None:
            workdir = args.workdir
            workdir.mkdir(parents=True, exist_ok=True)
        else:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-rep-")))
        postgres = stack.enter_context(durable_postgres())
        for count in args.replicas:
            measurements.append(
                await measure(
                    count,
                    postgres=postgres,
                    seconds=args.seconds,
                    concurrency=args.concurrency,
                    services=args.services,
                    workdir=workdir,
                    waits=waits,
                )
            )
            if waits is not None:
                print(f"replicas {count}: database sessions sampled every 100 ms")
                for what, seen in waits.most_common(15):
                    print(f"{seen:>6}  {what}")
                waits.clear()
    return measurements


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seconds", type=float, default=10.0, help="load per run")
    parser.add_argument("--concurrency", type=int, default=64, help="split over the replicas")
    parser.add_argument("--services", type=int, default=10, help="incidents the storm makes")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--workdir", type=Path, help="keep the bots' and the emulator's logs here")
    parser.add_argument(
        "--waits", action="store_true", help="sample and print what the database waits on"
    )
    args = parser.parse_args(argv)
    measurements = asyncio.run(_run(args))
    if args.json:
        print(
            json.dumps(
                [
                    {
                        **asdict(m),
                        "accepted_rate": m.accepted_rate,
                        "correlated_rate": m.correlated_rate,
                    }
                    for m in measurements
                ],
                indent=2,
            )
        )
    else:
        print(_table(measurements))


if __name__ == "__main__":
    main()
