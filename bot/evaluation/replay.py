"""Replaying one scenario through the pipeline that serves live alerts, on a throwaway SQLite
database and with no chat at all.

Each alert is normalized by its source's webhook normalizer and accepted at its ``at`` (the
replay clock stands there), correlation folds it in as it would live, and at the scenario's
``now`` the incident that drew the most alerts is triaged: evidence from the scenario only,
the assessment, and the packet. Nothing is posted anywhere.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog import Catalog, with_catalog_service
from bot.clock import FixedClock
from bot.db import open_database
from bot.errors import ConfigFileError, PayloadError
from bot.evaluation.conclusions import Conclusions, conclusions_of
from bot.evaluation.judge import Mismatch, judge
from bot.evidence.gather import EvidenceSources
from bot.evidence.neighbours import with_neighbours
from bot.incident.context import PipelineContext
from bot.incident.correlate import correlate_pending
from bot.incident.models import IncidentRecord
from bot.incident.packet import IncidentTriage, triage_incident
from bot.narrator import NarratorSetup
from bot.narrator.facts import known_services
from bot.narrator.likely_cause import likely_cause
from bot.narrator.values import Narration
from bot.policy import DEFAULT_POLICY, Policy
from bot.runbook.loader import RunbookLibrary
from bot.scenario.loader import load_scenarios, scenario_files
from bot.scenario.models import Scenario, TimedAlert
from bot.signal.flows import accept_signals
from bot.signal.sources import normalize
from bot.signal.values import Severity

__all__ = [
    "EVIDENCE_DEADLINE",
    "EvidenceFor",
    "ScenarioRun",
    "replay_files",
    "replay_scenario",
]

EVIDENCE_DEADLINE = 3.0  # seconds, as live (EVIDENCE_DEADLINE_SECONDS' default)

EvidenceFor = Callable[[Scenario], tuple[EvidenceSources, Catalog]]
"""Builds the evidence sources and catalog that answer from one scenario (the replay source;
the composition root provides it, as the core never imports an adapter)."""


@dataclass(frozen=True, slots=True)
class ScenarioRun:
    """One scenario's replay: what the bot concluded, what does not hold, and how long each
    stage took (milliseconds)."""

    scenario: Scenario
    path: Path
    conclusions: Conclusions
    mismatches: tuple[Mismatch, ...]
    timings: dict[str, float] = field(default_factory=dict)
    # The "likely cause" narration of the packet, when the evaluation ran with a narrator.
    narration: Narration | None = None

    @property
    def passed(self) -> bool:
        return not self.mismatches


def _payload_key(scenario: Scenario, delivery: TimedAlert) -> str:
    if scenario.alert is not None:
        return "alert.payload"
    index = next(i for i, alert in enumerate(scenario.alerts or ()) if alert is delivery)
    return f"alerts.{index}.payload"


def _main_incident(records: list[IncidentRecord]) -> IncidentRecord:
    """The incident the scenario is about: the one most alerts folded into, then the most
    severe, then the first opened."""
    return min(
        records,
        key=lambda record: (-record.signal_count, Severity(record.severity).rank, record.id),
    )


class _Stopwatch:
    """Milliseconds per stage of one replay, for the report."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._mark = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[f"{stage}_ms"] = round((now - self._mark) * 1000, 1)
        self._mark = now


async def _accept_deliveries(
    scenario: Scenario,
    path: Path,
    *,
    sessions: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    context: PipelineContext,
) -> None:
    """Each delivery normalized by its source's webhook and accepted at its ``at``, then
    correlated, as live."""
    for delivery in scenario.deliveries:
        if delivery.at > clock.now():
            clock.advance(delivery.at - clock.now())
        body = json.dumps(delivery.payload).encode()
        digest = hashlib.sha256(body).hexdigest()
        try:
            signals = normalize(
                delivery.source, delivery.payload, received_at=clock.now(), body_digest=digest
            )
        except PayloadError as exc:
            raise ConfigFileError(
                path,
                f"the {delivery.source.value} webhook refuses this payload: {exc}",
                key=_payload_key(scenario, delivery),
            ) from exc
        signals = [with_catalog_service(signal, context.catalog) for signal in signals]
        await accept_signals(signals, sessions=sessions, clock=clock, body_digest=digest)
        await correlate_pending(
            sessions=sessions,
            clock=clock,
            catalog=context.catalog,
            window=context.correlation_window,
        )


async def _incidents(
    scenario: Scenario, path: Path, sessions: async_sessionmaker[AsyncSession]
) -> list[IncidentRecord]:
    async with sessions() as session:
        records = list((await session.execute(select(IncidentRecord))).scalars())
    if not records:
        raise ConfigFileError(
            path,
            "its alerts open no incident: every delivery is one its source's webhook ignores",
            key="alert" if scenario.alert is not None else "alerts",
        )
    return records


async def _narrate(
    narrator: NarratorSetup,
    triage: IncidentTriage,
    *,
    sessions: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    catalog: Catalog,
) -> Narration | None:
    cause = await likely_cause(
        narrator.bind(sessions=sessions, clock=clock),
        packet=triage.packet,
        assessment=triage.assessment,
        evidence=triage.evidence,
        services=known_services(catalog, triage.packet.service),
    )
    return cause.narration


async def replay_scenario(
    scenario: Scenario,
    path: Path,
    *,
    evidence_for: EvidenceFor,
    runbooks: RunbookLibrary,
    database_folder: Path,
    migrated: Path | None = None,
    policy: Policy = DEFAULT_POLICY,
    narrator: NarratorSetup | None = None,
) -> ScenarioRun:
    """Replay ``scenario`` (read from ``path``) on a fresh SQLite file in ``database_folder``
    and judge its conclusions. ``migrated`` is an empty, migrated database file to start from
    (a copy is quicker than migrating); without it the new file is migrated. A payload its
    source's webhook would refuse, or alerts that open no incident, are a
    :class:`ConfigFileError` naming the file and key. With ``narrator`` the packet's "likely
    cause" is narrated too (its audit row goes to the throwaway database)."""
    stopwatch = _Stopwatch()
    sources, catalog = evidence_for(scenario)
    context = PipelineContext(
        sources=with_neighbours(sources, catalog),
        catalog=catalog,
        policy=policy,
        deadline=EVIDENCE_DEADLINE,
        runbooks=runbooks.selected(scenario.runbooks),
    )
    clock = FixedClock(min(scenario.deliveries[0].at, scenario.now))
    database = database_folder / f"{scenario.id}.sqlite3"
    if migrated is not None:
        shutil.copyfile(migrated, database)
    opened = await open_database(f"sqlite+aiosqlite:///{database}", migrate=migrated is None)
    sessions, narration = opened.sessions, None
    try:
        stopwatch.lap("database")
        await _accept_deliveries(scenario, path, sessions=sessions, clock=clock, context=context)
        stopwatch.lap("intake")
        if scenario.now > clock.now():
            clock.advance(scenario.now - clock.now())
        records = await _incidents(scenario, path, sessions)
        triage = await triage_incident(
            _main_incident(records), sessions=sessions, context=context, clock=clock
        )
        stopwatch.lap("triage")
        if narrator is not None:
            narration = await _narrate(
                narrator, triage, sessions=sessions, clock=clock, catalog=catalog
            )
            stopwatch.lap("narrator")
    finally:
        await opened.close()
    conclusions = conclusions_of(triage.assessment, triage.packet, incidents=len(records))
    return ScenarioRun(
        scenario=scenario,
        path=path,
        conclusions=conclusions,
        mismatches=judge(scenario.expect, conclusions),
        timings=stopwatch.timings,
        narration=narration,
    )


async def replay_files(
    paths: Sequence[Path],
    *,
    evidence_for: EvidenceFor,
    runbooks: RunbookLibrary,
    policy: Policy = DEFAULT_POLICY,
    narrator: NarratorSetup | None = None,
) -> list[ScenarioRun]:
    """Load every scenario that ``paths`` name (files, or folders of them) and replay each on
    its own throwaway database, in file order. Any scenario that cannot load is an error
    before anything is replayed."""
    files = scenario_files(paths)
    scenarios = load_scenarios(files, known_runbooks=runbooks.ids)
    runs: list[ScenarioRun] = []
    with tempfile.TemporaryDirectory(prefix="incident-bot-eval-") as folder:
        migrated = await _migrated_database(Path(folder) / "migrated.sqlite3")
        for path, scenario in zip(files, scenarios, strict=True):
            run = await replay_scenario(
                scenario,
                path,
                evidence_for=evidence_for,
                runbooks=runbooks,
                database_folder=Path(folder),
                migrated=migrated,
                policy=policy,
                narrator=narrator,
            )
            runs.append(run)
    return runs


async def _migrated_database(path: Path) -> Path:
    """An empty database at ``path`` with every migration applied, for each replay to copy."""
    await (await open_database(f"sqlite+aiosqlite:///{path}", migrate=True)).close()
    return path
