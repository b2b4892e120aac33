"""Quarantine with the real pipeline and database: a signal or an incident whose processing
keeps failing is set aside after a bounded number of tries, with an audit row, the metrics'
count and the App Home's line, while everything else goes on; ``incident-bot quarantine``
lists it and puts it back."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import quarantine
from bot.audit import service as audit
from bot.clock import FixedClock
from bot.incident import service as incidents
from bot.incident.models import IncidentRecord, PacketState
from bot.overview import overview
from bot.signal.models import SignalRecord
from bot.telemetry.outbox import outbox_depth
from bot.transactions import TransactionRunner
from handlers.webhooks.auth import signed_headers
from tests.contract.harness import ContractBot, contract_bot
from tests.e2e.conftest import run_cli

SECRET = "quarantine-secret"


async def post_generic(bot: ContractBot, service: str) -> int:
    body = json.dumps({"service": service, "title": f"{service} is down", "severity": "sev2"})
    answer = await bot.post(
        "generic", body.encode(), signed_headers("generic", body.encode(), SECRET)
    )
    assert answer.status == 202, answer.body
    return int(answer.body["signal_ids"][0])


async def store_row(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock, **values: object
) -> int:
    """A signal row as another version of the bot (or an older one) could have left it."""
    row = {
        "source": "generic",
        "delivery_id": f"left-behind-{values.get('service', 'x')}",
        "service": "legacy-svc",
        "severity": "sev2",
        "status": "firing",
        "started_at": clock.now(),
        "title": "left behind",
        "fingerprint": "generic:left-behind",
        "received_at": clock.now(),
        **values,
    }
    async with sessions() as session, session.begin():
        record = SignalRecord(**row)
        session.add(record)
        await session.flush()
        return record.id


async def events(bot: ContractBot, name: str) -> list[audit.AuditEntry]:
    async with bot.sessions() as session:
        return [entry for entry in await audit.entries(session) if entry.event == name]


async def test_a_signal_that_keeps_failing_is_quarantined_and_the_signals_after_it_go_on(
    sessions: async_sessionmaker[AsyncSession],
    transactions: TransactionRunner,
    clock: FixedClock,
) -> None:
    async with contract_bot(
        sessions=sessions, transactions=transactions, clock=clock, secret=SECRET
    ) as bot:
        bad = await store_row(sessions, clock, severity="sev9")  # no code reads it
        good = [await post_generic(bot, f"svc-{n}") for n in range(3)]
        await bot.worker.correlate()
        # The first pass already correlated everything after the bad row.
        assert all(s.incident_id is not None for s in await bot.signals(good))
        (row,) = await bot.signals([bad])
        assert row.failures == 1
        assert row.quarantined_at is None
        assert "sev9" in (row.last_error or "")
        for _ in range(quarantine.QUARANTINE_AFTER - 1):
            await bot.worker.correlate()
        (row,) = await bot.signals([bad])
        assert row.quarantined_at is not None
        assert row.processed_at is None
        (entry,) = await events(bot, "signal.quarantined")
        assert entry.details["signal_id"] == bad
        assert entry.details["failures"] == quarantine.QUARANTINE_AFTER
        await bot.worker.correlate()  # no more tries once quarantined
        assert (await bot.signals([bad]))[0].failures == quarantine.QUARANTINE_AFTER
        async with sessions() as session:
            depth = await outbox_depth(session)
            home = await overview(session)
        assert depth.unprocessed_signals == 0
        assert depth.quarantined_signals == 1
        assert home.quarantined.signals == 1


async def test_an_incident_whose_publishing_keeps_failing_is_quarantined_and_others_publish(
    sessions: async_sessionmaker[AsyncSession],
    transactions: TransactionRunner,
    clock: FixedClock,
) -> None:
    async with contract_bot(
        sessions=sessions, transactions=transactions, clock=clock, secret=SECRET
    ) as bot:
        await post_generic(bot, "broken-svc")
        await bot.worker.correlate()
        async with sessions() as session, session.begin():
            await session.execute(update(IncidentRecord).values(severity="bogus"))
        await post_generic(bot, "healthy-svc")
        for _ in range(quarantine.QUARANTINE_AFTER):
            await bot.run_pipeline()
            clock.advance(timedelta(minutes=10))  # past the failed incident's back-off
        by_service = {i.service: i for i in await bot.incidents()}
        assert by_service["healthy-svc"].packet_state == PacketState.POSTED
        broken = by_service["broken-svc"]
        assert broken.quarantined_at is not None
        assert broken.failures == quarantine.QUARANTINE_AFTER
        (entry,) = await events(bot, "incident.quarantined")
        assert entry.incident_id == broken.id
        async with sessions() as session:
            due = await incidents.needing_slack_work(session, now=clock.now())
            assert broken.id not in [i.id for i in due]
            assert (await quarantine.counts(session)).incidents == 1


async def test_a_year_one_signal_left_by_an_older_bot_is_read_as_received_and_published(
    sessions: async_sessionmaker[AsyncSession],
    transactions: TransactionRunner,
    clock: FixedClock,
) -> None:
    # Before times were checked, Grafana's test alert was stored with its year-1 start and
    # overflowed every evidence and correlation window; a restart did not help.
    async with contract_bot(
        sessions=sessions, transactions=transactions, clock=clock, secret=SECRET
    ) as bot:
        await store_row(sessions, clock, started_at=datetime(1, 1, 1, tzinfo=UTC))
        later = await post_generic(bot, "legacy-svc")
        await bot.run_pipeline()
        (incident,) = await bot.incidents()
        assert incident.first_seen_at == clock.now()
        assert incident.packet_state == PacketState.POSTED
        assert incident.signal_count == 2
        assert all(s.processed_at is not None for s in await bot.signals([later]))


async def test_the_cli_lists_the_quarantine_and_puts_a_signal_back(
    sessions: async_sessionmaker[AsyncSession],
    transactions: TransactionRunner,
    clock: FixedClock,
    database_url: str,
) -> None:
    bad = await store_row(sessions, clock, severity="sev9")
    error = ValueError("'sev9' is not a valid Severity")
    for _ in range(quarantine.QUARANTINE_AFTER):
        await quarantine.signal_failed(sessions, bad, error, clock=clock)
    env = {**os.environ, "DATABASE_URL": database_url}
    listed = await run_cli(env, "quarantine", "list")
    assert listed.returncode == 0, listed.stderr
    assert f"signal {bad}" in listed.stdout
    assert "'sev9' is not a valid Severity" in listed.stdout
    assert "1 quarantined" in listed.stdout
    retried = await run_cli(env, "quarantine", "retry", "signal", str(bad))
    assert retried.returncode == 0, retried.stderr
    assert f"signal {bad}" in retried.stdout
    async with sessions() as session:
        record = await session.get(SignalRecord, bad)
        assert record is not None
        assert record.quarantined_at is None
        assert record.failures == 0
        released = [
            e for e in await audit.entries(session) if e.event == "signal.quarantine_released"
        ]
    assert released[0].details["signal_id"] == bad
    assert released[0].actor.startswith("cli:")
    again = await run_cli(env, "quarantine", "retry", "signal", str(bad))
    assert again.returncode == 2
    assert "not quarantined" in again.stderr
