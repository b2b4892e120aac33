"""History through the real pipeline on both databases: incidents replayed one after another
(alert accepted, correlated, triaged, resolved with a note), and the next packet names the
earlier ones that resemble it, with what resolved them and how long it took."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.action.models import ActionRecord, ActionState
from bot.audit import service as audit
from bot.catalog import Catalog, ServiceEntry
from bot.clock import FixedClock
from bot.evidence.gather import EvidenceSources
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import LogRecord
from bot.history import service as history
from bot.history.flows import ResolveOutcome, resolve_with_note
from bot.history.source import StoredHistory
from bot.incident.context import PipelineContext
from bot.incident.correlate import correlate_pending
from bot.incident.models import IncidentRecord
from bot.incident.triage import triage_incident
from bot.packet.render import render_plain
from bot.packet.values import Packet
from bot.policy import DEFAULT_POLICY
from bot.signal.flows import accept_signals
from bot.signal.sources import normalize
from bot.signal.values import AlertSource

SERVICE = "ledger-consumer"
CATALOG = Catalog([ServiceEntry(SERVICE, "ledger-team", depends_on=("ledger-queue",))])
CRASH = "ConsumerCrashed: KeyError 'amount' in handle_message offset={offset}"
DISK = "OSError: [Errno 28] No space left on device writing /var/spool/{offset}"


class IncidentLogs:
    """A log source that answers, for each incident window, the lines set for it (a
    ``LogSource`` as an adapter would implement it)."""

    name = "logs"

    def __init__(self) -> None:
        self.lines: list[LogRecord] = []

    async def logs(self, query: EvidenceQuery) -> Sequence[LogRecord]:
        return [r for r in self.lines if query.since <= r.at <= query.until]


async def _incident(
    sessions: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    logs: IncidentLogs,
    *,
    dedup: str,
    title: str,
    line: str,
) -> tuple[IncidentRecord, Packet]:
    """One alert of ``SERVICE`` with its crash lines, correlated and triaged at once."""
    body = {"service": SERVICE, "title": title, "dedup_key": dedup, "severity": "high"}
    digest = hashlib.sha256(json.dumps(body).encode() + clock.now().isoformat().encode())
    signals = normalize(
        AlertSource.GENERIC, body, received_at=clock.now(), body_digest=digest.hexdigest()
    )
    await accept_signals(signals, sessions=sessions, clock=clock, body_digest=digest.hexdigest())
    await correlate_pending(sessions=sessions, clock=clock, catalog=CATALOG)
    logs.lines += [
        LogRecord(clock.now() - timedelta(minutes=1), SERVICE, "error", line.format(offset=n))
        for n in range(5)
    ]
    context = PipelineContext(
        sources=EvidenceSources(logs=[logs], history=[StoredHistory(sessions, CATALOG)]),
        catalog=CATALOG,
        policy=DEFAULT_POLICY,
        deadline=5.0,
    )
    async with sessions() as session:
        record = await session.scalar(
            select(IncidentRecord).order_by(IncidentRecord.id.desc()).limit(1)
        )
    assert record is not None
    assert record.status == "open"
    triage = await triage_incident(record, sessions=sessions, context=context, clock=clock)
    return record, triage.packet


async def _resolve(
    sessions: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    incident: IncidentRecord,
    *,
    after: timedelta,
    note: str,
) -> None:
    clock.advance(after)
    async with sessions() as session, session.begin():
        outcome = await resolve_with_note(
            session, incident.id, actor="slack:U0ERIN", clock=clock, note=note
        )
    assert outcome is ResolveOutcome.RESOLVED


async def test_the_third_packet_names_the_first_two_with_resolutions_and_durations(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    logs = IncidentLogs()
    crash = {"dedup": "consumer-crash", "title": "ledger-consumer crashed", "line": CRASH}
    first, _ = await _incident(sessions, clock, logs, **crash)
    await _resolve(sessions, clock, first, after=timedelta(minutes=6), note="restarted consumer")
    clock.advance(timedelta(days=2))
    other, _ = await _incident(
        sessions, clock, logs, dedup="disk-full", title="ledger-consumer disk full", line=DISK
    )
    await _resolve(sessions, clock, other, after=timedelta(minutes=40), note="cleaned the spool")
    clock.advance(timedelta(days=3))
    second, packet = await _incident(sessions, clock, logs, **crash)
    assert [item.past.incident_id for item in packet.history] == [first.id]
    await _resolve(sessions, clock, second, after=timedelta(minutes=9), note="restarted it again")
    clock.advance(timedelta(days=20))

    third, packet = await _incident(sessions, clock, logs, **crash)

    named = {item.past.incident_id: item for item in packet.history}
    assert list(named) == [second.id, first.id]  # equally similar: the most recent first
    assert named[first.id].past.resolution == "restarted consumer"
    assert named[second.id].past.time_to_resolve == timedelta(minutes=9)
    assert named[first.id].matched == (
        "same service and alert (fingerprint)",
        "same new log lines (1 template)",
    )
    text = render_plain(packet)
    assert f"INC-{first.id} on " in text
    assert "note: restarted consumer in 6 minutes." in text
    assert f"INC-{second.id} on " in text
    assert "note: restarted it again in 9 minutes." in text
    assert f"INC-{other.id}" not in text
    assert "cleaned the spool" not in text
    assert third.id not in named


async def test_a_verified_action_is_the_remedy_history_remembers_and_audits(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    logs = IncidentLogs()
    first, _ = await _incident(
        sessions, clock, logs, dedup="consumer-crash", title="consumer crashed", line=CRASH
    )
    async with sessions() as session, session.begin():
        session.add(
            ActionRecord(
                incident_id=first.id,
                kind="restart",
                target=SERVICE,
                parameters={},
                plan_hash="0" * 64,
                state=ActionState.VERIFIED,
                requires_approval=True,
                proposed_by="slack:U0ERIN",
                proposed_at=clock.now(),
                service=SERVICE,
            )
        )
    await _resolve(sessions, clock, first, after=timedelta(minutes=5), note="")
    clock.advance(timedelta(days=1))

    _, packet = await _incident(
        sessions, clock, logs, dedup="consumer-crash", title="consumer crashed", line=CRASH
    )

    assert packet.actions[0].kind is not None
    assert packet.actions[0].kind.value == "restart"
    assert packet.actions[0].text == (
        f"Restart {SERVICE} (resolved INC-{first.id} on 04 Mar 2026, verified)"
    )
    async with sessions() as session:
        resolved = [e for e in await audit.entries(session) if e.event == "incident.resolved"]
    assert resolved[0].details["remedy"] == {"kind": "restart", "target": SERVICE}


async def test_a_note_given_after_the_button_is_added_once_and_never_replaced(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    logs = IncidentLogs()
    first, _ = await _incident(
        sessions, clock, logs, dedup="consumer-crash", title="consumer crashed", line=CRASH
    )
    await _resolve(sessions, clock, first, after=timedelta(minutes=5), note="")

    async def note(text: str, noise: bool = False) -> ResolveOutcome:
        async with sessions() as session, session.begin():
            return await resolve_with_note(
                session, first.id, actor="slack:U0ERIN", clock=clock, note=text, noise=noise
            )

    assert await note("password=hunter2 flapping monitor", noise=True) is ResolveOutcome.NOTED
    assert await note("something else") is ResolveOutcome.UNCHANGED
    async with sessions() as session:
        row = await history.get(session, first.id)
        events = [e.event for e in await audit.entries(session)]
        assert await audit.verify(session) == len(events)
    assert row is not None
    assert row.noise
    assert row.resolution is not None
    assert "hunter2" not in row.resolution
    assert events.count("incident.resolution_noted") == 1
