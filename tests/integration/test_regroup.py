"""Merging incidents and splitting a signal out: the core flows on both databases."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select

from bot.audit import service as audit
from bot.catalog import Catalog
from bot.errors import CommandUsageError
from bot.incident.correlate import correlate_pending
from bot.incident.models import IncidentRecord
from bot.incident.regroup import merge_incidents, split_signal
from bot.signal.flows import accept_signals
from bot.signal.models import SignalRecord
from bot.signal.sources import normalize
from bot.signal.values import AlertSource
from handlers.slack.incident.parse import IncidentCommand, Merge, Resolve, Split
from handlers.slack.incident_command import parse_incident_command


async def _alert(sessions, clock, service: str, title: str, **extra: str) -> None:
    body = {"service": service, "title": title, **extra}
    digest = hashlib.sha256(json.dumps(body).encode()).hexdigest()
    signals = normalize(AlertSource.GENERIC, body, received_at=clock.now(), body_digest=digest)
    await accept_signals(signals, sessions=sessions, clock=clock, body_digest=digest)
    await correlate_pending(sessions=sessions, clock=clock, catalog=Catalog())


async def _incidents(sessions) -> list[IncidentRecord]:
    async with sessions() as session:
        return list(
            (await session.execute(select(IncidentRecord).order_by(IncidentRecord.id))).scalars()
        )


async def test_merging_moves_the_signals_and_resolves_the_other(sessions, clock) -> None:
    await _alert(sessions, clock, "checkout", "checkout 5xx", severity="warning")
    await _alert(sessions, clock, "search", "search down", severity="critical")
    first, second = await _incidents(sessions)

    async with sessions() as session, session.begin():
        result = await merge_incidents(
            session, target_id=first.id, source_id=second.id, actor="slack:U0ERIN", clock=clock
        )

    assert result.moved_signals == 1
    kept, merged = await _incidents(sessions)
    assert (kept.status, kept.severity, kept.signal_count) == ("open", "sev1", 2)
    assert (merged.status, merged.merged_into, merged.open_fingerprint) == (
        "resolved",
        first.id,
        None,
    )
    async with sessions() as session:
        owners = set((await session.execute(select(SignalRecord.incident_id))).scalars())
        events = [e.event for e in await audit.entries(session)]
        assert await audit.verify(session) == len(events)
    assert owners == {first.id}
    assert events[-2:] == ["incident.merged", "incident.resolved"]


async def test_an_incident_cannot_be_merged_into_itself_or_a_closed_one(sessions, clock) -> None:
    await _alert(sessions, clock, "checkout", "checkout 5xx")
    (only,) = await _incidents(sessions)
    async with sessions() as session, session.begin():
        with pytest.raises(CommandUsageError, match="into itself"):
            await merge_incidents(
                session, target_id=only.id, source_id=only.id, actor="u", clock=clock
            )
        with pytest.raises(CommandUsageError, match="no INC-99"):
            await merge_incidents(session, target_id=only.id, source_id=99, actor="u", clock=clock)


async def test_splitting_a_related_signal_opens_an_incident_of_its_own(sessions, clock) -> None:
    await _alert(sessions, clock, "checkout", "checkout 5xx")
    await _alert(sessions, clock, "checkout", "checkout latency")  # same service: joins
    (incident,) = await _incidents(sessions)
    async with sessions() as session:
        latency = (
            await session.execute(
                select(SignalRecord).where(SignalRecord.title == "checkout latency")
            )
        ).scalar_one()

    async with sessions() as session, session.begin():
        result = await split_signal(
            session,
            incident_id=incident.id,
            signal_id=latency.id,
            actor="slack:U0ALICE",
            clock=clock,
        )

    old, new = await _incidents(sessions)
    assert result.other == new.id
    assert (old.signal_count, new.signal_count, new.title) == (1, 1, "checkout latency")
    assert old.packet_revision > incident.packet_revision  # the old packet is brought up to date
    async with sessions() as session:
        moved = await session.get(SignalRecord, latency.id)
    assert moved is not None
    assert moved.incident_id == new.id


async def test_an_incidents_own_alert_cannot_be_split_out(sessions, clock) -> None:
    await _alert(sessions, clock, "checkout", "checkout 5xx")
    (incident,) = await _incidents(sessions)
    async with sessions() as session:
        own = (await session.execute(select(SignalRecord.id))).scalar_one()
    async with sessions() as session, session.begin():
        with pytest.raises(CommandUsageError, match="own alert"):
            await split_signal(
                session, incident_id=incident.id, signal_id=own, actor="u", clock=clock
            )


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("merge INC-12", Merge(12)),
        ("merge 12", Merge(12)),
        ("split #40", Split(40)),
        ("resolve", Resolve()),
        ("RESOLVE", Resolve()),
        ("resolve restarted the consumer", Resolve("restarted the consumer")),
        ("resolve noise", Resolve(None, noise=True)),
        ("resolve Noise flapping monitor", Resolve("flapping monitor", noise=True)),
    ],
)
def test_incident_commands_parse(text: str, parsed: IncidentCommand) -> None:
    assert parse_incident_command(text) == parsed


@pytest.mark.parametrize("text", ["", "merge", "merge twelve", "split 1 2", "nuke"])
def test_malformed_incident_commands_get_the_usage(text: str) -> None:
    with pytest.raises(CommandUsageError, match="Usage"):
        parse_incident_command(text)
