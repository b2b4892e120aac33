"""The outcome figures: pure computation over incidents' outcomes, and how they print."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.outcomes.compute import outcome_report
from bot.outcomes.render import report_lines
from bot.outcomes.values import IncidentOutcome

START = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)


def minutes(count: float) -> datetime:
    return START + timedelta(minutes=count)


AUTONOMOUS = IncidentOutcome(
    1, "billing", "sev2", START, packet_at=minutes(1), resolved_at=minutes(10), executed=1,
    verified=1,
)  # fmt: skip
HANDLED = IncidentOutcome(
    2, "billing", "sev2", START, packet_at=minutes(3), first_human_at=minutes(5),
    resolved_at=minutes(30), human_acts=2, executed=2, verified=1, escalated=True,
)  # fmt: skip
NOISE = IncidentOutcome(
    3, "search", "sev4", START, packet_at=minutes(2), first_human_at=minutes(4),
    resolved_at=minutes(6), noise=True,
)  # fmt: skip
OPEN = IncidentOutcome(4, "billing", "sev1", START, packet_at=minutes(1))


def test_each_figure_is_taken_over_what_it_measures() -> None:
    report = outcome_report([AUTONOMOUS, HANDLED, NOISE, OPEN], since=None, until=minutes(60))
    billing_sev2 = next(r for r in report.rows if (r.service, r.severity) == ("billing", "sev2"))
    assert billing_sev2.mttd_seconds == 120.0  # (1 + 3) / 2 minutes
    assert billing_sev2.mtta_seconds == 120.0  # only the one a person acknowledged
    assert billing_sev2.mttr_seconds == 1200.0  # (10 + 30) / 2 minutes
    assert billing_sev2.autonomy_rate == 0.5
    assert billing_sev2.escalation_rate == 0.5
    assert billing_sev2.remediation_success_rate == round(2 / 3, 4)
    assert billing_sev2.noise_rate == 0.0
    overall = report.overall
    assert (overall.incidents, overall.resolved) == (4, 3)
    assert overall.noise_rate == round(1 / 3, 4)
    assert overall.autonomy_rate == 0.5  # noise is not counted as work done without people
    assert overall.escalation_rate == 0.25


def test_rows_go_by_service_then_severity_and_a_period_keeps_its_incidents() -> None:
    late = IncidentOutcome(5, "billing", "sev3", minutes(50))
    report = outcome_report([late, NOISE, OPEN, AUTONOMOUS], since=minutes(40), until=minutes(60))
    assert [(r.service, r.severity) for r in report.rows] == [("billing", "sev3")]
    everything = outcome_report([late, NOISE, OPEN, AUTONOMOUS], since=None, until=minutes(60))
    assert [(r.service, r.severity) for r in everything.rows] == [
        ("billing", "sev1"),
        ("billing", "sev2"),
        ("billing", "sev3"),
        ("search", "sev4"),
    ]


def test_a_figure_with_nothing_to_measure_prints_as_a_dash() -> None:
    report = outcome_report([OPEN], since=None, until=minutes(60))
    (row,) = [line for line in report_lines(report) if line.startswith("billing")]
    assert row.split() == ["billing", "sev1", "1", "0", "1.0", "min", "-", "-", "-", "0.0", "%",
                           "-", "-"]  # fmt: skip
