"""The long look-back: metrics and logs asked over a longer window than the packet's, cut to
the packet's window for change detection, the rest kept aside for trends and first exposures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.analysis.assessment import assess
from bot.evidence.gather import EvidenceSources, gather_evidence
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import Deploy, EvidenceBundle, LogRecord, MetricSeries
from bot.scenario.loader import load_scenario
from bot.scenario.terms import CauseKind, Marker
from bot.signal.values import AlertSource, Severity, Signal, SignalStatus
from integrations.replay import ReplayEvidence

SCENARIO = """\
id: shard-ram
title: shard working set reaches RAM
now: "2026-10-04T19:06:00Z"
alert: {source: generic, payload: {service: shard, title: shard p99 high}}
metrics:
  - service: shard
    name: working_set_fraction_of_ram
    unit: ratio
    points:
      - ["2026-09-13T19:00:00Z", 0.70]
      - ["2026-09-20T19:00:00Z", 0.78]
      - ["2026-09-27T19:00:00Z", 0.86]
      - ["2026-10-04T17:00:00Z", 0.95]
      - ["2026-10-04T19:00:00Z", 0.96]
logs:
  - {at: "2026-10-04T09:00:00Z", service: shard, level: WARN, message: "slow query 900ms"}
  - {at: "2026-10-04T18:59:00Z", service: shard, level: WARN, message: "slow query 4200ms"}
expect: {service: shard}
"""
NOW = datetime(2026, 10, 4, 19, 6, tzinfo=UTC)


def query(hours: float) -> EvidenceQuery:
    return EvidenceQuery("shard", since=NOW - timedelta(hours=hours), until=NOW)


async def test_series_and_lines_before_the_packets_window_are_kept_aside(tmp_path: Path) -> None:
    path = tmp_path / "shard-ram.yaml"
    path.write_text(SCENARIO)
    source = ReplayEvidence([load_scenario(path)])
    sources = EvidenceSources(metrics=[source], logs=[source])
    bundle = await gather_evidence(
        query(3), sources, deadline=1, long_query=query(24 * 30), log_query=query(24)
    )
    assert [len(series.points) for series in bundle.metrics] == [2]
    assert [len(series.points) for series in bundle.long_metrics] == [5]
    assert [line.message for line in bundle.logs] == ["slow query 4200ms"]
    assert [line.message for line in bundle.earlier_logs] == ["slow query 900ms"]


def _signal(title: str, at: datetime) -> Signal:
    return Signal(
        source=AlertSource.GENERIC,
        service="lib",
        severity=Severity.SEV2,
        status=SignalStatus.FIRING,
        started_at=at,
        title=title,
        fingerprint=f"generic:lib:{title}",
        delivery_id=title,
    )


def test_an_exposure_hours_before_the_alert_dates_the_incident_and_finds_its_deploy() -> None:
    alert_at = datetime(2026, 10, 20, 12, 44, tzinfo=UTC)
    deploy = Deploy("lib", "9d40e1b7c5", alert_at - timedelta(hours=5), files=("authz.cs",))
    line = "user u_1 listed space s_2; membership=none; decision=allow"
    leaked = LogRecord(alert_at - timedelta(hours=4, minutes=53), "lib", "INFO", line, 8000)
    evidence = EvidenceBundle(deploys=(deploy,), earlier_logs=(leaked,), deploys_checked=True)
    assessment = assess("lib", [_signal("users open spaces not theirs", alert_at)], evidence)
    assert assessment.first_seen == leaked.at
    assert assessment.suspect is not None
    assert assessment.suspect.deploy.sha == "9d40e1b7c5"
    assert assessment.cause is CauseKind.DEPLOY
    assert Marker.CUSTOMER_DATA in {m.marker for m in assessment.markers}


def test_a_climb_over_weeks_is_read_over_its_whole_span() -> None:
    at = datetime(2026, 10, 4, 19, 0, tzinfo=UTC)
    days = (21, 14, 7, 0)
    whole = MetricSeries(
        "shard",
        "memory_used_ratio",
        "ratio",
        tuple((at - timedelta(days=d), v) for d, v in zip(days, (0.6, 0.7, 0.8, 0.9), strict=True)),
    )
    recent = MetricSeries("shard", whole.name, whole.unit, whole.points[-1:])
    evidence = EvidenceBundle(metrics=(recent,), long_metrics=(whole,))
    assessment = assess("shard", [_signal("shard p99 high", at)], evidence)
    assert assessment.cause is CauseKind.RESOURCE
    assert "from 60 % to 90 % over 21 days" in assessment.hypotheses[0].supports[0].text


class RecordingMetrics:
    """A metrics source that answers each window with one point at its start, so what was
    asked is what comes back."""

    name = "recording"

    def __init__(self) -> None:
        self.asked: list[EvidenceQuery] = []

    async def metrics(self, query: EvidenceQuery) -> tuple[MetricSeries, ...]:
        self.asked.append(query)
        return (MetricSeries("shard", "p99_latency", "ms", ((query.since, 1.0),)),)


async def test_the_packets_window_is_asked_on_its_own_so_it_keeps_its_resolution() -> None:
    # A long window comes back coarser from a real source; change detection must not read it.
    source = RecordingMetrics()
    bundle = await gather_evidence(
        query(3), EvidenceSources(metrics=[source]), deadline=1, long_query=query(24 * 30)
    )
    assert sorted(q.since for q in source.asked) == [query(24 * 30).since, query(3).since]
    assert [s.points[0][0] for s in bundle.metrics] == [query(3).since]
    assert [s.points[0][0] for s in bundle.long_metrics] == [query(24 * 30).since]
