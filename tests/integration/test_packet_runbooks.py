"""The project's scenarios through the packet's own path (replay evidence → assessment → packet):
each packet names the runbook its scenario expects, or says that none fits."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.analysis.triage import assess
from bot.evidence.gather import gather_evidence
from bot.evidence.ports import EvidenceQuery
from bot.incident.packet import DEPLOY_HISTORY, EVIDENCE_LOOKBACK
from bot.packet.build import build_packet
from bot.packet.render import render_plain
from bot.packet.values import Packet
from bot.policy import DEFAULT_POLICY
from bot.runbook.loader import load_runbooks
from bot.scenario.loader import load_scenarios
from bot.scenario.models import Scenario
from bot.signal.sources import normalize
from bot.signal.values import Signal
from bot.wiring.evidence import replay_evidence

PROJECT_SCENARIOS = Path(__file__).parents[2] / "scenarios"
# The scenarios written with the bot (top level and examples/). The postmortem corpus
# (scenarios/postmortems/) is judged whole, runbook included, through `incident-bot eval` in
# tests/integration/test_eval_command.py: the pipeline's own path, with its evidence from the
# service's neighbours, which these narrower harnesses do not build.
WRITTEN_WITH_THE_BOT = [
    path
    for path in sorted(PROJECT_SCENARIOS.rglob("*.yaml"))
    if "postmortems" not in path.relative_to(PROJECT_SCENARIOS).parts
]
SHIPPED = load_runbooks()


def _signals(scenario: Scenario) -> list[Signal]:
    return [
        signal
        for delivery in scenario.deliveries
        for signal in normalize(
            delivery.source, delivery.payload, received_at=scenario.now, body_digest="0" * 64
        )
    ]


async def _packet(scenario: Scenario, *, runbooks: str | list[str] | None = None) -> Packet:
    signals = _signals(scenario)
    service = signals[0].service
    first = min(signal.started_at for signal in signals)
    sources, catalog = replay_evidence([scenario])
    evidence = await gather_evidence(
        EvidenceQuery(service, since=first - EVIDENCE_LOOKBACK, until=scenario.now),
        sources,
        deadline=3.0,
        deploy_query=EvidenceQuery(service, since=first - DEPLOY_HISTORY, until=scenario.now),
    )
    selection = scenario.runbooks if runbooks is None else runbooks
    return build_packet(
        incident_id=1,
        title=signals[0].title,
        severity=signals[0].severity,
        signals=signals,
        assessment=assess(service, signals, evidence, catalog=catalog),
        evidence=evidence,
        catalog=catalog,
        policy=DEFAULT_POLICY,
        runbooks=SHIPPED.selected(selection),
    )


SCENARIOS = [s for s in load_scenarios(WRITTEN_WITH_THE_BOT) if s.expect.expects_runbook]

# A specific runbook whose general one covers its cause: without the specific one, the general
# one is the right fit (an ETL whose source replica times out is a dependency failing).
GENERAL_RUNBOOK = {"etl-source-timeout": "dependency-outage"}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
async def test_each_project_scenarios_packet_names_the_runbook_it_expects(
    scenario: Scenario,
) -> None:
    packet = await _packet(scenario)
    chosen = packet.runbook.id if packet.runbook is not None else None
    assert chosen == scenario.expect.runbook
    if chosen is not None:
        assert f"Runbook:\n- {chosen}: " in render_plain(packet)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
async def test_without_the_fitting_runbook_the_packet_says_none_fits_and_names_the_closest(
    scenario: Scenario,
) -> None:
    expected = scenario.expect.runbook
    others = sorted(SHIPPED.ids - {expected} if expected else SHIPPED.ids)
    packet = await _packet(scenario, runbooks=others)
    if expected in GENERAL_RUNBOOK:
        assert packet.runbook is not None
        assert packet.runbook.id == GENERAL_RUNBOOK[expected]
        return
    assert packet.runbook is None
    if not packet.closest_runbooks:  # nothing else shares a word, a cause or a category
        assert "Runbook:\n- No runbook fits, and none comes close\n" in render_plain(packet)
        return
    closest = ", ".join(
        f"{fit.id} (score {fit.score}: {'; '.join(fit.reasons)})" for fit in packet.closest_runbooks
    )
    assert f"Runbook:\n- No runbook fits; closest: {closest}\n" in render_plain(packet)
