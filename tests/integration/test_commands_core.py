"""The core behind the Slack commands, on both databases: declaring an incident, naming its
commander, and the overview the App Home draws."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.action.models import ActionRecord, ActionState
from bot.audit import service as audit
from bot.catalog import Catalog
from bot.incident.commander import set_commander
from bot.incident.correlate import correlate_pending
from bot.incident.declaration import await_declared_incident, declare_incident, declared_signal
from bot.incident.models import IncidentRecord
from bot.killswitch import service as kill_switch
from bot.overview import overview
from bot.signal.models import SignalRecord
from bot.signal.values import Severity


def _declaration(clock, trigger: str, title: str = "Checkout failing", service: str = "billing"):
    return declared_signal(
        service=service,
        severity=Severity.SEV2,
        title=title,
        declared_by="U0CAROL",
        delivery_id=f"slack:{trigger}",
        clock=clock,
    )


async def test_a_declaration_opens_an_incident_through_correlation(sessions, clock) -> None:
    signal_id = await declare_incident(
        _declaration(clock, "t1"), actor="slack:U0CAROL", sessions=sessions, clock=clock
    )
    assert signal_id is not None
    await correlate_pending(sessions=sessions, clock=clock, catalog=Catalog())

    landed = await await_declared_incident(signal_id, sessions=sessions, timeout=0)

    assert landed is not None
    assert (landed.opened, landed.channel_id) == (True, None)
    async with sessions() as session:
        incident = await session.get(IncidentRecord, landed.incident_id)
        signal = await session.get(SignalRecord, signal_id)
        events = [(e.actor, e.event) for e in await audit.entries(session)]
    assert incident is not None
    assert signal is not None
    assert (incident.service, incident.severity, incident.title) == (
        "billing",
        "sev2",
        "Checkout failing",
    )
    assert (signal.source, signal.labels) == ("slack", {"declared_by": "U0CAROL"})
    assert events == [
        ("source:slack", "signal.accepted"),
        ("slack:U0CAROL", "incident.declared"),
        ("bot", "incident.opened"),
    ]


async def test_the_same_declaration_delivered_twice_is_stored_once(sessions, clock) -> None:
    signal = _declaration(clock, "t1")
    first = await declare_incident(signal, actor="slack:U0CAROL", sessions=sessions, clock=clock)
    again = await declare_incident(signal, actor="slack:U0CAROL", sessions=sessions, clock=clock)
    assert first is not None
    assert again is None


async def test_a_declaration_for_a_burning_service_joins_its_incident(sessions, clock) -> None:
    first = await declare_incident(
        _declaration(clock, "t1"), actor="slack:U0CAROL", sessions=sessions, clock=clock
    )
    await correlate_pending(sessions=sessions, clock=clock, catalog=Catalog())
    clock.advance(timedelta(minutes=2))
    second = await declare_incident(
        _declaration(clock, "t2", title="Refunds failing too"),
        actor="slack:U0DANA",
        sessions=sessions,
        clock=clock,
    )
    await correlate_pending(sessions=sessions, clock=clock, catalog=Catalog())
    assert first is not None
    assert second is not None

    landed = await await_declared_incident(second, sessions=sessions, timeout=0)

    assert landed is not None
    assert (landed.incident_id, landed.opened) == (1, False)
    async with sessions() as session:
        count = len((await session.execute(select(IncidentRecord))).scalars().all())
    assert count == 1


async def test_a_commander_is_recorded_once_with_its_audit_row(sessions, clock) -> None:
    await declare_incident(
        _declaration(clock, "t1"), actor="slack:U0CAROL", sessions=sessions, clock=clock
    )
    await correlate_pending(sessions=sessions, clock=clock, catalog=Catalog())

    async with sessions() as session, session.begin():
        first = await set_commander(
            session, 1, commander="U0ERIN", actor="slack:U0ALICE", clock=clock
        )
    async with sessions() as session, session.begin():
        same = await set_commander(session, 1, commander="U0ERIN", actor="slack:U0BOB", clock=clock)
    async with sessions() as session, session.begin():
        other = await set_commander(
            session, 1, commander="U0FRANK", actor="slack:U0BOB", clock=clock
        )

    assert (first.changed, same.changed, other.changed) == (True, False, True)
    assert other.previous == "U0ERIN"
    async with sessions() as session:
        incident = await session.get(IncidentRecord, 1)
        rows = [
            e.details for e in await audit.entries(session) if e.event.endswith("commander_set")
        ]
    assert incident is not None
    assert incident.commander == "U0FRANK"
    assert rows == [
        {"commander": "U0ERIN", "previous": None},
        {"commander": "U0FRANK", "previous": "U0ERIN"},
    ]


async def test_the_overview_holds_open_incidents_pending_approvals_and_the_switch(
    sessions, clock
) -> None:
    await declare_incident(
        _declaration(clock, "t1"), actor="slack:U0CAROL", sessions=sessions, clock=clock
    )
    await correlate_pending(sessions=sessions, clock=clock, catalog=Catalog())
    now = clock.now()
    async with sessions() as session, session.begin():
        for state, expires in (
            (ActionState.PROPOSED, now + timedelta(minutes=30)),
            (ActionState.PROPOSED, now + timedelta(minutes=5)),
            (ActionState.PROPOSED, None),
            (ActionState.APPROVED, now + timedelta(minutes=1)),
        ):
            session.add(
                ActionRecord(
                    incident_id=1,
                    kind="rollback",
                    target="billing",
                    parameters={},
                    plan_hash="0" * 64,
                    state=state,
                    requires_approval=True,
                    proposed_by="slack:U0BOB",
                    proposed_at=now,
                    expires_at=expires,
                )
            )
        await kill_switch.turn(session, engaged=True, actor="slack:U0ALICE", clock=clock)

    async with sessions() as session:
        seen = await overview(session)

    assert [incident.id for incident in seen.incidents] == [1]
    assert [approval.id for approval in seen.approvals] == [2, 1, 3]  # soonest to expire first
    assert seen.kill_switch.engaged is True
