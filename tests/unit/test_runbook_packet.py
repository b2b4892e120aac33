"""The packet's runbook follows the evidence it holds: the query the packet builds from the
assessment, the cluster, the alerts and the series, end to end through ``build_packet``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.analysis.assessment import assess
from bot.catalog import Catalog, ServiceEntry
from bot.evidence.values import ClusterState, EvidenceBundle, PodState, WorkloadEvent
from bot.packet.build import build_packet
from bot.packet.values import Packet
from bot.policy import DEFAULT_POLICY
from bot.runbook.loader import load_runbooks
from bot.signal.values import AlertSource, Severity, Signal, SignalStatus

NOW = datetime(2026, 3, 9, 9, 17, tzinfo=UTC)
RUNBOOKS = load_runbooks()
CATALOG = Catalog((ServiceEntry(service="cluster-dns", owner="k8s-platform", tier=1),))


def crash_looping(description: str = "") -> Signal:
    return Signal(
        source=AlertSource.ALERTMANAGER,
        service="cluster-dns",
        severity=Severity.SEV3,
        status=SignalStatus.FIRING,
        started_at=NOW,
        title="Pod is crash looping.",
        description=description or 'Pod kube-system/cluster-dns-7c9d (coredns) reason "Error"',
        fingerprint="alertmanager:dns",
        delivery_id="dns:1",
    )


def packet_for(cluster: ClusterState) -> Packet:
    alert = crash_looping()
    evidence = EvidenceBundle(cluster=cluster, deploys_checked=True)
    return build_packet(
        incident_id=1,
        title=alert.title,
        severity=Severity.SEV3,
        signals=[alert],
        assessment=assess("cluster-dns", [alert], evidence, catalog=CATALOG),
        evidence=evidence,
        catalog=CATALOG,
        policy=DEFAULT_POLICY,
        runbooks=RUNBOOKS,
    )


def pod(name: str, reason: str | None, phase: str = "Running") -> PodState:
    return PodState("kube-system", name, "cluster-dns", phase, False, 9, reason)


def test_pods_oomkilled_under_a_crash_looping_alert_get_the_oom_runbook_and_say_why() -> None:
    packet = packet_for(ClusterState(pods=(pod("cluster-dns-7c9d-2xkqv", "OOMKilled"),)))
    assert packet.runbook is not None
    assert packet.runbook.id == "oom-kill"
    assert "memory-exhausted: pod cluster-dns-7c9d-2xkqv last terminated OOMKilled" in (
        packet.runbook.reasons
    )


def test_pods_that_crash_with_an_error_get_no_runbook_and_the_packet_says_so() -> None:
    packet = packet_for(ClusterState(pods=(pod("cluster-dns-7c9d-2xkqv", "Error"),)))
    assert packet.runbook is None
    assert any(warning.startswith("No runbook fits") for warning in packet.warnings)


def test_an_eviction_for_ephemeral_storage_gets_the_disk_runbook() -> None:
    evicted = pod("cluster-dns-7c9d-4rj2k", "Evicted", phase="Failed")
    message = "The node was low on resource: ephemeral-storage. Threshold quantity: 10%"
    event = WorkloadEvent(
        NOW - timedelta(minutes=5),
        "kube-system",
        f"pod/{evicted.name}",
        "Warning",
        "Evicted",
        message,
    )
    packet = packet_for(ClusterState(pods=(evicted,), events=(event,)))
    assert packet.runbook is not None
    assert packet.runbook.id == "disk-filling"
    assert not any(warning.startswith("No runbook fits") for warning in packet.warnings)
