"""The figures the metrics read from the database: the outbox depth, and a packet's latency
from its first alert accepted to its packet posted, on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.action.models import ActionRecord, ActionState
from bot.audit import service as audit
from bot.catalog import Catalog
from bot.clock import FixedClock
from bot.incident import service as incidents
from bot.incident.correlate import correlate_pending
from bot.signal.flows import accept_signals
from bot.signal.values import AlertSource, Severity, Signal, SignalStatus
from bot.telemetry.metrics import OutboxDepth
from bot.telemetry.outbox import actions_by_state, outbox_depth
from integrations.prometheus import PrometheusMetrics


def _signal(clock: FixedClock, n: int) -> Signal:
    return Signal(
        source=AlertSource.GENERIC,
        delivery_id=f"delivery-{n}",
        service=f"svc-{n}",
        severity=Severity.SEV2,
        status=SignalStatus.FIRING,
        started_at=clock.now(),
        title=f"svc-{n} is failing",
        fingerprint=f"fp-{n}",
    )


async def test_outbox_depth_counts_unprocessed_signals_then_incidents_awaiting_slack(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    await accept_signals([_signal(clock, 1), _signal(clock, 2)], sessions=sessions, clock=clock)
    async with sessions() as session:
        assert await outbox_depth(session) == OutboxDepth(unprocessed_signals=2, awaiting_slack=0)

    await correlate_pending(sessions=sessions, clock=clock, catalog=Catalog(()))
    async with sessions() as session:
        assert await outbox_depth(session) == OutboxDepth(unprocessed_signals=0, awaiting_slack=2)


async def test_opening_an_incident_is_counted_once_committed(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    metrics = PrometheusMetrics()
    await accept_signals([_signal(clock, 1)], sessions=sessions, clock=clock)
    await correlate_pending(sessions=sessions, clock=clock, catalog=Catalog(()), metrics=metrics)
    opened = metrics.registry.get_sample_value(
        "incident_bot_incidents_opened_total", {"severity": "sev2"}
    )
    assert opened == 1


async def test_packet_latency_runs_from_the_first_alert_accepted_to_the_packet_posted(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    await accept_signals([_signal(clock, 1)], sessions=sessions, clock=clock)
    await correlate_pending(sessions=sessions, clock=clock, catalog=Catalog(()))
    async with sessions() as session:
        (incident,) = await incidents.list_open(session)
        assert await incidents.packet_latency(session, incident.id) is None

    clock.advance(timedelta(seconds=42.5))
    async with sessions() as session, session.begin():
        await audit.append(
            session, clock=clock, actor="bot", event="packet.posted", incident_id=incident.id
        )
    async with sessions() as session:
        assert await incidents.packet_latency(session, incident.id) == timedelta(seconds=42.5)


async def test_actions_are_counted_by_state_every_state_named(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    async with sessions() as session:
        assert set((await actions_by_state(session)).values()) == {0}
    await accept_signals([_signal(clock, 1)], sessions=sessions, clock=clock)
    await correlate_pending(sessions=sessions, clock=clock, catalog=Catalog(()))
    async with sessions() as session:
        incident = (await incidents.list_open(session))[0]
    async with sessions() as session, session.begin():
        for number, state in enumerate(
            [ActionState.PROPOSED, ActionState.PROPOSED, ActionState.EXECUTING]
        ):
            session.add(
                ActionRecord(
                    incident_id=incident.id,
                    kind="rollback",
                    target=f"deploy/{number}",
                    plan_hash=f"{number:064d}",
                    state=state,
                    proposed_by="bot",
                    proposed_at=clock.now(),
                )
            )
    async with sessions() as session:
        counted = await actions_by_state(session)
    assert set(counted) == {state.value for state in ActionState}
    assert (counted["proposed"], counted["executing"], counted["approved"]) == (2, 1, 0)

    metrics = PrometheusMetrics()
    metrics.actions(counted)
    assert metrics.registry.get_sample_value("incident_bot_actions", {"state": "proposed"}) == 2
