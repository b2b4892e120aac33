"""Traces as dependency evidence: the service's calls to a downstream that fail or crawl back
the hypothesis that the downstream is failing, named and counted; healthy calls count against
it. Weights as ``bot.analysis.weights`` says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.analysis.assessment import assess
from bot.analysis.traces import SLOW_CALL_MS, call_failed, downstream_calls
from bot.analysis.values import Hypothesis
from bot.catalog import Catalog, ServiceEntry
from bot.evidence.values import Deploy, EvidenceBundle, LogRecord, TraceSpan
from bot.scenario.terms import CauseKind
from bot.signal.values import AlertSource, Severity, Signal, SignalStatus

CATALOG = Catalog(
    (
        ServiceEntry("ledger-api", "money", depends_on=("ledger-db", "fx-rates")),
        ServiceEntry("ledger-db", "data"),
    )
)


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 3, 4, hour, minute, second, tzinfo=UTC)


INCIDENT_START = at(14, 2)


ALERT = Signal(
    source=AlertSource.GENERIC,
    service="ledger-api",
    severity=Severity.SEV2,
    status=SignalStatus.FIRING,
    started_at=at(14, 3),
    title="ledger-api error rate high",
    fingerprint="generic:ledger-api",
    delivery_id="ledger-api:1",
)


def calls(
    downstream: str,
    count: int,
    *,
    status: str = "OK",
    duration_ms: float = 15.0,
    start: datetime = INCIDENT_START,
    service: str = "ledger-api",
) -> tuple[TraceSpan, ...]:
    return tuple(
        TraceSpan(
            at=start + timedelta(seconds=index),
            service=service,
            span="POST /entries",
            status=status,
            duration_ms=duration_ms,
            downstream=downstream,
        )
        for index in range(count)
    )


def dependency(evidence: EvidenceBundle, subject: str) -> Hypothesis | None:
    hypotheses = assess("ledger-api", [ALERT], evidence, catalog=CATALOG).hypotheses
    return next(
        (h for h in hypotheses if h.category is CauseKind.DEPENDENCY and h.subject == subject),
        None,
    )


def test_failing_calls_to_a_declared_dependency_are_counted_and_named() -> None:
    spans = calls("ledger-db", 41, status="503") + calls("ledger-db", 9, start=at(14, 5))
    found = dependency(EvidenceBundle(traces=spans), "ledger-db")
    assert found is not None
    [citation] = found.supports
    assert citation.ref == "trace:ledger-db"
    assert citation.text == "traces: 41 of 50 calls to ledger-db failed (status 503) since 14:02"
    assert citation.weight == 0.40
    assert found.confidence == 0.40


def test_traces_alone_make_the_failing_dependency_the_top_cause() -> None:
    spans = calls("ledger-db", 5, status="ECONNREFUSED") + calls("fx-rates", 5)
    top = assess("ledger-api", [ALERT], EvidenceBundle(traces=spans), catalog=CATALOG)
    assert (top.hypotheses[0].category, top.hypotheses[0].subject) == (
        CauseKind.DEPENDENCY,
        "ledger-db",
    )


def test_traces_raise_the_confidence_of_a_dependency_the_logs_already_name() -> None:
    logs = (
        LogRecord(at(14, 2), "ledger-api", "ERROR", "ledger-db query timed out after 5000ms", 80),
    )
    from_logs = dependency(EvidenceBundle(logs=logs), "ledger-db")
    with_traces = dependency(
        EvidenceBundle(logs=logs, traces=calls("ledger-db", 10, status="error")), "ledger-db"
    )
    assert from_logs is not None
    assert with_traces is not None
    assert with_traces.confidence > from_logs.confidence
    assert "trace:ledger-db" in with_traces.refs


def test_slow_calls_count_as_trouble_with_the_slowest_named() -> None:
    spans = calls("ledger-db", 3, duration_ms=4200) + calls("ledger-db", 3, start=at(14, 4))
    found = dependency(EvidenceBundle(traces=spans), "ledger-db")
    assert found is not None
    [citation] = found.supports
    assert citation.text == (
        f"traces: 3 of 6 calls to ledger-db took {SLOW_CALL_MS / 1000:g} s or more "
        "(slowest 4.2 s) since 14:02"
    )


def test_healthy_calls_to_a_dependency_count_against_it() -> None:
    logs = (LogRecord(at(14, 2), "ledger-api", "ERROR", "fx-rates connection refused", 12),)
    found = dependency(EvidenceBundle(logs=logs, traces=calls("fx-rates", 12)), "fx-rates")
    assert found is not None
    healthy = [c for c in found.contradicts if c.ref == "trace:fx-rates"]
    assert [(c.text, c.weight) for c in healthy] == [
        ("traces: all 12 calls to fx-rates succeeded", 0.30)
    ]
    without = dependency(EvidenceBundle(logs=logs), "fx-rates")
    assert without is not None
    assert found.confidence < without.confidence


def test_a_few_failures_among_many_calls_weigh_little() -> None:
    spans = calls("ledger-db", 1, status="500") + calls("ledger-db", 19, start=at(14, 4))
    found = dependency(EvidenceBundle(traces=spans), "ledger-db")
    assert found is not None
    assert [c.weight for c in found.supports] == [0.15]


def test_an_undeclared_downstream_in_trouble_is_proposed_from_traces() -> None:
    found = dependency(
        EvidenceBundle(traces=calls("kafka-ledger", 4, status="503")), "kafka-ledger"
    )
    assert found is not None
    assert "not in the catalog" in found.statement


def test_calls_before_the_incident_window_and_of_other_services_are_not_counted() -> None:
    spans = calls("ledger-db", 5, status="503", start=at(12, 0)) + calls(
        "ledger-db", 5, status="503", service="billing-api"
    )
    assert dependency(EvidenceBundle(traces=spans), "ledger-db") is None


def test_failing_traces_to_a_dependency_count_against_a_deploy() -> None:
    deploy = Deploy("ledger-api", "9f1c2ab", at(13, 50), pr=12)
    spans = calls("ledger-db", 10, status="503")
    [suspect] = [
        h
        for h in assess(
            "ledger-api",
            [ALERT],
            EvidenceBundle(deploys=(deploy,), deploys_checked=True, traces=spans),
            catalog=CATALOG,
        ).hypotheses
        if h.category is CauseKind.DEPLOY
    ]
    assert ("trace:ledger-db", "traces show calls to ledger-db failing") in [
        (c.ref, c.text) for c in suspect.contradicts
    ]


def test_what_counts_as_a_failed_call() -> None:
    failed = ["500", "503", "504", "error", "ERROR", "ECONNREFUSED", "DEADLINE_EXCEEDED"]
    fine = ["200", "204", "404", "429", "OK", "Unset", "NOT_FOUND", ""]
    assert [s for s in failed if not call_failed(s)] == []
    assert [s for s in fine if call_failed(s)] == []


def test_calls_are_counted_per_downstream() -> None:
    spans = calls("ledger-db", 2, status="503") + calls("fx-rates", 3)
    counted = downstream_calls(spans, service="ledger-api", since=at(14, 0))
    assert {name: (c.calls, c.failed) for name, c in counted.items()} == {
        "ledger-db": (2, 2),
        "fx-rates": (3, 0),
    }
    assert counted["fx-rates"].healthy
    assert counted["ledger-db"].in_trouble
