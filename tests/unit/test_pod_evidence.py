"""Kubernetes pod state as resource evidence: pods the OOM killer ended make memory exhaustion a
cause, cited by pod, weighted as ``bot.analysis.weights`` says."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.analysis.assessment import assess
from bot.analysis.detectors.resource import POD_RESTARTS
from bot.analysis.values import Hypothesis
from bot.analysis.weights import RECURRING_FACTOR
from bot.catalog import Catalog, ServiceEntry
from bot.evidence.values import ClusterState, EvidenceBundle, LogRecord, PodState
from bot.scenario.terms import CauseKind
from bot.signal.values import AlertSource, Severity, Signal, SignalStatus

CATALOG = Catalog((ServiceEntry("api", "core"),))


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 3, 4, hour, minute, tzinfo=UTC)


ALERT = Signal(
    source=AlertSource.GENERIC,
    service="api",
    severity=Severity.SEV3,
    status=SignalStatus.FIRING,
    started_at=at(14, 3),
    title="api pods not ready",
    fingerprint="generic:api",
    delivery_id="api:1",
)


def pod(
    name: str,
    *,
    reason: str | None = "OOMKilled",
    restarts: int = 0,
    workload: str | None = "api",
    ended: datetime | None = None,
) -> PodState:
    return PodState("core", name, workload, "Running", False, restarts, reason, ended)


def resource(*pods: PodState, logs: tuple[LogRecord, ...] = ()) -> list[Hypothesis]:
    evidence = EvidenceBundle(logs=logs, cluster=ClusterState(pods=pods))
    hypotheses = assess("api", [ALERT], evidence, catalog=CATALOG).hypotheses
    return [h for h in hypotheses if h.category is CauseKind.RESOURCE]


def test_pods_ended_by_the_oom_killer_make_memory_exhaustion_the_top_cause() -> None:
    evidence = EvidenceBundle(
        cluster=ClusterState(pods=(pod("api-7d-a", restarts=2), pod("api-7d-b", restarts=7)))
    )
    top = assess("api", [ALERT], evidence, catalog=CATALOG).hypotheses[0]
    assert (top.category, top.subject) == (CauseKind.RESOURCE, "memory")
    [citation] = top.supports
    assert citation.ref == "pod:core/api-7d-b"
    assert citation.text == "pod api-7d-b was OOMKilled, 7 restarts (+1 more pods)"
    assert citation.weight == 0.55  # an OOM kill, repeated at least POD_RESTARTS times
    assert top.confidence == 0.55


def test_a_single_oom_kill_without_restarts_weighs_less() -> None:
    [memory] = resource(pod("api-7d-a", restarts=POD_RESTARTS - 1, ended=at(14, 2)))
    assert [(c.ref, c.weight) for c in memory.supports] == [("pod:core/api-7d-a", 0.45)]
    assert "OOMKilled at 14:02" in memory.supports[0].text


def test_an_oom_kill_before_the_incident_window_counts_as_history() -> None:
    [memory] = resource(pod("api-7d-a", ended=at(9, 0)))
    [citation] = memory.supports
    assert citation.weight == round(0.45 * RECURRING_FACTOR, 3)
    assert citation.text.endswith("before this incident")


def test_crashes_and_other_services_pods_are_not_resource_evidence() -> None:
    assert (
        resource(
            pod("api-7d-a", reason="Error", restarts=9),
            pod("billing-5c-a", workload="billing", restarts=9),
        )
        == []
    )


def test_oom_lines_and_oom_killed_pods_back_one_memory_hypothesis() -> None:
    logs = (LogRecord(at(14, 2), "api", "ERROR", "java.lang.OutOfMemoryError: heap"),)
    [memory] = resource(pod("api-7d-a", restarts=4), logs=logs)
    assert memory.subject == "memory"
    assert [c.ref.split(":")[0] for c in memory.supports][-1] == "pod"
    assert memory.confidence == 0.95  # 0.45 + 0.55, clamped
