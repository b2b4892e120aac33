"""A source that misses the deadline, end to end: the packet goes out naming it as missing, and
when it answers later the same Slack message is edited (chat.update, same ts) with its evidence.
A source that never answers stays named as missing, and its calls are all cancelled."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.app import Runtime, start_runtime
from bot.audit import service as audit
from bot.clock import ReplayClock
from bot.evidence.ports import DeploySource, EvidenceQuery
from bot.evidence.values import Deploy
from bot.scenario.models import Scenario
from bot.settings import load_settings
from bot.wiring.evidence import replay_evidence
from integrations.slack_emulator import EmulatorClient, EmulatorConfig
from tests.e2e.conftest import SECRET, eventually, post_alert
from tests.e2e.test_offline_slice import packets_in

pytestmark = pytest.mark.slow

DEADLINE = 0.3
MISSING = f"github: no answer within {DEADLINE:g}s"
SUSPECT_PR = "4821"  # the scenario's suspect deploy, known only to the held-back source


class HeldBackDeploys:
    """A deploy source that answers (from the scenario) only once released, and counts the
    calls it was asked and the calls that were cancelled."""

    name = "github"

    def __init__(self, inner: DeploySource) -> None:
        self._inner = inner
        self.released = asyncio.Event()
        self.asked = 0
        self.cancelled = 0

    async def deploys(self, query: EvidenceQuery) -> Sequence[Deploy]:
        self.asked += 1
        try:
            await self.released.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        return await self._inner.deploys(query)


async def _start(
    tmp_path: Path, scenario: Scenario, late_seconds: float
) -> tuple[Runtime, HeldBackDeploys]:
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/late.sqlite3",
        host="127.0.0.1",
        port=0,
        slack_emulator_port=0,
        slack_bot_token=None,
        slack_app_token=None,
        alertmanager_webhook_secret=SECRET,
        generic_webhook_secret=SECRET,
        packet_update_interval_seconds=0.2,
        evidence_deadline_seconds=DEADLINE,
        evidence_late_seconds=late_seconds,
    )
    sources, catalog = replay_evidence([scenario])
    held = HeldBackDeploys(sources.deploys[0])
    runtime = await start_runtime(
        settings,
        clock=ReplayClock(scenario.now),
        evidence=(dataclasses.replace(sources, deploys=[held]), catalog),
        emulator_config=EmulatorConfig(port=0),
        poll_interval=0.1,
    )
    return runtime, held


@pytest.fixture
async def late_runtime(
    tmp_path: Path, scenario: Scenario
) -> AsyncIterator[tuple[Runtime, HeldBackDeploys]]:
    runtime, held = await _start(tmp_path, scenario, late_seconds=30)
    yield runtime, held
    await runtime.stop()


@pytest.fixture
async def giving_up_runtime(
    tmp_path: Path, scenario: Scenario
) -> AsyncIterator[tuple[Runtime, HeldBackDeploys]]:
    runtime, held = await _start(tmp_path, scenario, late_seconds=0.5)
    yield runtime, held
    await runtime.stop()


def _people(runtime: Runtime) -> EmulatorClient:
    assert runtime.emulator is not None
    return EmulatorClient(runtime.emulator.base_url)


async def _first_packet(runtime: Runtime, people: EmulatorClient, scenario: Scenario) -> dict:
    alert = scenario.deliveries[0]
    assert (await post_alert(runtime, alert.source.value, alert.payload))[0] == 202

    async def posted() -> list:
        return await packets_in(people)

    [(_, message)] = await eventually(posted, what="the first packet")
    return message


async def test_a_late_source_updates_the_same_packet_with_its_evidence(
    late_runtime: tuple[Runtime, HeldBackDeploys], scenario: Scenario
) -> None:
    runtime, held = late_runtime
    async with _people(runtime) as people:
        first = await _first_packet(runtime, people, scenario)
        assert MISSING in first["text"]
        assert SUSPECT_PR not in first["text"]
        updates_before = (await people.stats())["calls"].get("chat.update", 0)

        held.released.set()

        async def updated() -> dict | None:
            found = await packets_in(people)
            if len(found) == 1 and "Evidence unavailable" not in found[0][1]["text"]:
                return found[0][1]
            return None

        packet = await eventually(updated, what="the packet edited with the late deploys")
        assert packet["ts"] == first["ts"]
        assert SUSPECT_PR in packet["text"]
        assert (await people.stats())["calls"].get("chat.update", 0) > updates_before
    assert runtime.late_evidence is not None
    assert runtime.late_evidence.waiting == 0

    async def recorded() -> list | None:
        async with runtime.sessions() as session:
            trail = await audit.entries(session, incident_id=1)
            due, posted = (
                await session.execute(
                    text("SELECT packet_revision, posted_revision FROM incidents")
                )
            ).one()
        return trail if due == posted else None

    trail = await eventually(recorded, what="the update to be recorded")
    assert [e.details["source"] for e in trail if e.event == "evidence.arrived_late"] == ["github"]


async def test_a_source_that_never_answers_stays_missing_and_is_cancelled(
    giving_up_runtime: tuple[Runtime, HeldBackDeploys], scenario: Scenario
) -> None:
    runtime, held = giving_up_runtime
    assert runtime.late_evidence is not None
    late = runtime.late_evidence
    async with _people(runtime) as people:
        first = await _first_packet(runtime, people, scenario)
        assert MISSING in first["text"]

        async def given_up() -> bool:
            return late.waiting == 0 and held.asked > 0 and held.cancelled == held.asked

        await eventually(given_up, what="every call to the silent source to be cancelled")
        [(_, packet)] = await packets_in(people)
        assert packet["ts"] == first["ts"]
        assert MISSING in packet["text"]
    async with runtime.sessions() as session:
        trail = await audit.entries(session, incident_id=1)
    assert "evidence.arrived_late" not in [e.event for e in trail]


async def test_stopping_cancels_sources_still_awaited_late(
    late_runtime: tuple[Runtime, HeldBackDeploys], scenario: Scenario
) -> None:
    runtime, held = late_runtime
    async with _people(runtime) as people:
        await _first_packet(runtime, people, scenario)
    assert runtime.late_evidence is not None
    assert runtime.late_evidence.waiting == 1
    await runtime.stop()
    assert runtime.late_evidence.waiting == 0
    assert held.cancelled == held.asked
