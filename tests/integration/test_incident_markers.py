"""What the action flows read before anything runs on its own (``bot.action.service
.incident_markers``), on SQLite and PostgreSQL: the markers every packet of the incident raised
(posted, edited in place, posted again by ``/triage``), so a later packet that raises
``customer_data`` lowers ``auto`` for every step still to come, and a marker once raised stays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.action import service as actions
from bot.action.kinds import ActionKind
from bot.audit import service as audit
from bot.clock import FixedClock
from bot.incident.models import IncidentRecord, IncidentStatus
from bot.policy import SHIPPED_POLICY, parse_policy
from bot.policy.autonomy import AutonomyDecision, autonomy_now
from bot.policy.models import Autonomy

# The shipped policy with restarts of etl-nightly allowed to run on their own.
AUTO_RESTART = parse_policy(
    SHIPPED_POLICY.read_text().replace(
        "\nservices:\n", "\nservices:\n  etl-nightly: {actions: {restart: {autonomy: auto}}}\n", 1
    ),
    path=Path("policy.yaml"),
)


async def _incident(sessions: async_sessionmaker[AsyncSession], clock: FixedClock) -> int:
    async with sessions() as session, session.begin():
        record = IncidentRecord(
            fingerprint="fp-etl",
            open_fingerprint="fp-etl",
            service="etl-nightly",
            title="etl-nightly failed",
            severity="sev3",
            status=IncidentStatus.OPEN,
            opened_at=clock.now(),
            first_seen_at=clock.now(),
        )
        session.add(record)
        await session.flush()
        return record.id


async def _packet(
    sessions: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    incident_id: int,
    event: str,
    details: dict[str, Any],
) -> None:
    async with sessions() as session, session.begin():
        await audit.append(
            session,
            clock=clock,
            actor="bot",
            event=event,
            incident_id=incident_id,
            details=details,
        )


async def _markers(
    sessions: async_sessionmaker[AsyncSession], incident_id: int
) -> frozenset[str] | None:
    async with sessions() as session:
        return await actions.incident_markers(session, incident_id)


async def test_before_any_packet_what_the_incident_raises_is_unknown(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    incident_id = await _incident(sessions, clock)
    assert await _markers(sessions, incident_id) is None


async def test_a_marker_raised_by_a_later_packet_counts_and_stays_raised(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    incident_id = await _incident(sessions, clock)
    await _packet(sessions, clock, incident_id, "packet.posted", {"ts": "1.1", "markers": []})
    assert await _markers(sessions, incident_id) == frozenset()

    await _packet(
        sessions,
        clock,
        incident_id,
        "packet.updated",
        {"ts": "1.1", "revision": 2, "markers": ["customer_data"]},
    )
    assert await _markers(sessions, incident_id) == {"customer_data"}

    # A third packet that no longer shows it does not clear it; /triage's own packet adds its.
    await _packet(
        sessions,
        clock,
        incident_id,
        "packet.retriaged",
        {"ts": "2.2", "markers": ["unsafe_rollback"]},
    )
    assert await _markers(sessions, incident_id) == {"customer_data", "unsafe_rollback"}


async def test_a_later_customer_data_packet_lowers_auto_to_an_approval(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    incident_id = await _incident(sessions, clock)
    await _packet(sessions, clock, incident_id, "packet.posted", {"ts": "1.1", "markers": []})
    before = _restart(clock, await _markers(sessions, incident_id))
    await _packet(
        sessions,
        clock,
        incident_id,
        "packet.updated",
        {"ts": "1.1", "revision": 2, "markers": ["customer_data"]},
    )
    after = _restart(clock, await _markers(sessions, incident_id))
    assert (before.level, before.configured) == (Autonomy.AUTO, Autonomy.AUTO)
    assert (after.level, after.lowered_by) == (Autonomy.APPROVE, "customer_data")


def _restart(clock: FixedClock, markers: frozenset[str] | None) -> AutonomyDecision:
    return autonomy_now(
        AUTO_RESTART,
        kind=ActionKind.RESTART,
        service="etl-nightly",
        now=clock.now(),
        kill_switch=False,
        markers=markers,
    )
