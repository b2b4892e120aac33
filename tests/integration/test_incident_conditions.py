"""Incremental incident state (issue 18): an incident keeps one row per alerting condition,
updated in each join's transaction, so correlation reads a handful of rows however many
signals a storm brings; only distinct firing conditions move the severity. Both databases."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from bot.audit import service as audit
from bot.catalog import Catalog
from bot.db import create_engine, create_session_factory, downgrade_database, upgrade_database
from bot.incident import conditions
from bot.incident.correlate import correlate_pending
from bot.incident.models import IncidentConditionRecord, IncidentRecord
from bot.incident.regroup import merge_incidents, split_signal
from bot.signal.flows import accept_signals
from bot.signal.models import SignalRecord
from bot.signal.sources import normalize
from bot.signal.values import AlertSource


async def _alert(sessions: Any, clock: Any, **body: Any) -> None:
    raw = json.dumps(body)
    digest = hashlib.sha256(raw.encode()).hexdigest()
    signals = normalize(AlertSource.GENERIC, body, received_at=clock.now(), body_digest=digest)
    await accept_signals(signals, sessions=sessions, clock=clock, body_digest=digest)
    await correlate_pending(sessions=sessions, clock=clock, catalog=Catalog())


async def _incidents(sessions: Any) -> list[IncidentRecord]:
    async with sessions() as session:
        query = select(IncidentRecord).order_by(IncidentRecord.id)
        return list((await session.execute(query)).scalars())


async def _rows(sessions: Any) -> list[IncidentConditionRecord]:
    async with sessions() as session:
        query = select(IncidentConditionRecord).order_by(IncidentConditionRecord.id)
        return list((await session.execute(query)).scalars())


async def test_repeats_of_one_alert_are_one_condition_and_never_raise_the_severity(
    sessions: Any, clock: Any
) -> None:
    for n in range(12):  # a re-notifying alert: same condition twelve times
        await _alert(
            sessions,
            clock,
            service="checkout",
            title="checkout 5xx",
            severity="warning",
            description=f"notification {n}",
        )
        clock.advance(timedelta(seconds=30))
    (incident,) = await _incidents(sessions)
    (row,) = await _rows(sessions)
    assert (incident.signal_count, incident.severity, incident.severity_raised) == (
        12,
        "sev3",
        False,
    )
    assert (row.incident_id, row.service, row.status, row.fired, row.signals) == (
        incident.id,
        "checkout",
        "firing",
        True,
        12,
    )


async def test_four_distinct_firing_conditions_raise_the_severity_once(
    sessions: Any, clock: Any
) -> None:
    for title in ("checkout 5xx", "checkout latency", "checkout saturation", "checkout queue"):
        await _alert(sessions, clock, service="checkout", title=title, severity="warning")
        clock.advance(timedelta(seconds=30))
    (incident,) = await _incidents(sessions)
    assert (incident.severity, incident.severity_raised) == ("sev2", True)
    assert len(await _rows(sessions)) == 4


async def test_a_resolved_notification_does_not_raise_the_severity_and_resolves_its_condition(
    sessions: Any, clock: Any
) -> None:
    for key in ("k1", "k2"):
        await _alert(
            sessions,
            clock,
            service="checkout",
            title=f"checkout {key}",
            severity="warning",
            dedup_key=key,
        )
        clock.advance(timedelta(seconds=60))
    # The resolve of k2 says "critical": a resolve never raises the incident's severity.
    await _alert(
        sessions,
        clock,
        service="checkout",
        title="checkout k2",
        severity="critical",
        status="resolved",
        dedup_key="k2",
    )
    (incident,) = await _incidents(sessions)
    assert incident.severity == "sev3"
    async with sessions() as session:
        states = await conditions.states_of(session, incident.id)
    assert (states.alerts, states.firing, states.fired) == (2, 1, 2)
    assert incident.all_resolved is False
    clock.advance(timedelta(seconds=60))
    await _alert(
        sessions,
        clock,
        service="checkout",
        title="checkout k1",
        severity="warning",
        status="resolved",
        dedup_key="k1",
    )
    (incident,) = await _incidents(sessions)
    assert incident.all_resolved is True


async def test_a_join_reads_condition_rows_not_signals(sessions: Any, clock: Any) -> None:
    """The rows correlation reads for a join stay the same however many signals joined."""
    for n in range(40):
        await _alert(
            sessions, clock, service="search", title="search 5xx", description=f"notification {n}"
        )
        clock.advance(timedelta(seconds=5))
    async with sessions() as session:
        (incident,) = (await session.execute(select(IncidentRecord))).scalars()
        held = await conditions.conditions_of(session, incident.id)
        signal_rows = await session.scalar(
            select(func.count())
            .select_from(SignalRecord)
            .where(SignalRecord.incident_id == incident.id)
        )
    assert held.fingerprints
    assert held.services == frozenset({"search"})
    assert signal_rows == 40
    assert len(await _rows(sessions)) == 1


async def test_merge_and_split_rebuild_the_conditions_of_both_incidents(
    sessions: Any, clock: Any
) -> None:
    await _alert(sessions, clock, service="checkout", title="checkout 5xx")
    await _alert(sessions, clock, service="search", title="search down")
    first, second = await _incidents(sessions)
    async with sessions() as session, session.begin():
        await merge_incidents(
            session, target_id=first.id, source_id=second.id, actor="u", clock=clock
        )
    rows = await _rows(sessions)
    assert {(row.incident_id, row.service) for row in rows} == {
        (first.id, "checkout"),
        (first.id, "search"),
    }
    async with sessions() as session:
        moved = (
            await session.execute(select(SignalRecord).where(SignalRecord.service == "search"))
        ).scalar_one()
    async with sessions() as session, session.begin():
        result = await split_signal(
            session, incident_id=first.id, signal_id=moved.id, actor="u", clock=clock
        )
    rows = await _rows(sessions)
    assert {(row.incident_id, row.service) for row in rows} == {
        (first.id, "checkout"),
        (result.other, "search"),
    }
    async with sessions() as session:
        assert await audit.verify(session) > 0


async def test_the_migration_backfills_the_conditions_of_incidents_already_correlated(
    database_url: str, clock: Any
) -> None:
    """Rows written by joins equal rows the 0011 backfill computes from the signals alone."""
    engine = create_engine(database_url)
    try:
        await upgrade_database(engine)
        sessions = create_session_factory(engine)
        for key, status in (("k1", "firing"), ("k2", "firing"), ("k1", "resolved")):
            await _alert(
                sessions,
                clock,
                service="checkout",
                title=f"checkout {key}",
                dedup_key=key,
                status=status,
            )
            clock.advance(timedelta(seconds=30))
        await _alert(sessions, clock, service="search", title="search down")

        def shape(rows: list[IncidentConditionRecord]) -> set[tuple[object, ...]]:
            return {
                (
                    r.incident_id,
                    r.fingerprint,
                    r.service,
                    r.status,
                    r.latest_signal_id,
                    r.fired,
                    r.signals,
                )
                for r in rows
            }

        joined = shape(await _rows(sessions))
        await downgrade_database(engine, "-1")  # undo 0011 only
        await upgrade_database(engine)
        assert shape(await _rows(sessions)) == joined
        assert len(joined) == 3
    finally:
        await engine.dispose()
