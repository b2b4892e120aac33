"""The packet's suggested actions follow from the cause and the evidence (bot/packet/actions.py),
one principle per test, on synthetic evidence: pure functions, ``assess`` and ``build_packet``."""

from __future__ import annotations

from dataclasses import replace

from bot.action.kinds import ActionKind
from bot.analysis.assessment import assess
from bot.analysis.safety import SafetyFacts, forbidden
from bot.catalog import Catalog, ServiceEntry
from bot.evidence.values import (
    ClusterState,
    Deploy,
    EvidenceBundle,
    MetricSeries,
    PodState,
    WorkloadEvent,
)
from bot.packet.actions import ALLOWANCE, action_facts, cause_actions
from bot.packet.build import build_packet
from bot.packet.values import Packet
from bot.policy import DEFAULT_POLICY
from bot.runbook.evidence import load_flat, units_lost
from bot.runbook.loader import load_runbooks
from bot.scenario.terms import CauseKind
from bot.signal.values import Severity, Signal
from tests.unit.test_analysis_principles import at, series, signal

RUNBOOKS = load_runbooks()
CATALOG = Catalog((ServiceEntry("ring", "storage"),))


def packet_for(service: str, signals: list[Signal], evidence: EvidenceBundle) -> Packet:
    return build_packet(
        incident_id=1,
        title=signals[0].title,
        severity=Severity.SEV3,
        signals=signals,
        assessment=assess(service, signals, evidence, catalog=CATALOG),
        evidence=evidence,
        catalog=CATALOG,
        policy=DEFAULT_POLICY,
        runbooks=RUNBOOKS,
    )


def kinds(packet: Packet) -> set[ActionKind]:
    return {action.kind for action in packet.actions if action.kind is not None}


def cpu_pinned(*rates: float) -> tuple[MetricSeries, ...]:
    return (
        series("ring", "cpu_utilization", "percent", (0, 30), (29, 31), (31, 99), (50, 100)),
        series("ring", "read_latency_p99", "ms", (0, 18), (29, 19), (31, 2900), (50, 4200)),
        series("ring", "requests_per_second", "req/s", *((m * 20, r) for m, r in enumerate(rates))),
    )


def test_a_request_rate_is_flat_only_when_measured_and_neither_rising_nor_collapsing() -> None:
    flat = series("ring", "requests_per_second", "req/s", (0, 142000), (20, 139000), (50, 137000))
    assert load_flat("ring", [flat]) == "requests_per_second stayed at 137000 (142000 at first)"
    rising = series("ring", "requests_per_second", "req/s", (0, 100), (50, 180))
    collapsed = series("ring", "inserts_per_second", "1/s", (0, 830), (50, 0))
    assert load_flat("ring", [flat, rising]) is None
    assert load_flat("ring", [collapsed]) is None
    assert load_flat("ring", []) is None  # unmeasured load is not flat load
    assert load_flat("other", [flat]) is None


def test_working_units_at_half_their_earlier_count_or_less_were_taken_away() -> None:
    fell = series("ring", "available_replicas", None, (0, 10), (10, 10), (20, 4))
    dipped = series("ring", "available_replicas", None, (0, 10), (20, 8))
    assert units_lost("ring", [fell]) == "available_replicas fell from 10 to 4"
    assert units_lost("ring", [dipped]) is None


def test_a_cpu_pinned_at_flat_load_gets_a_restart_and_no_scale_out() -> None:
    # The same work costs more (a clock jump, a GC storm): more replicas repeat it.
    alert = signal("ring read latency p99 above 1s", "ring")
    packet = packet_for("ring", [alert], EvidenceBundle(metrics=cpu_pinned(142000, 139000, 137000)))
    assert ActionKind.RESTART in kinds(packet)
    assert ActionKind.SCALE not in kinds(packet)


def test_a_cpu_pinned_by_a_rise_in_load_may_be_scaled_and_is_not_restarted() -> None:
    alert = signal("ring read latency p99 above 1s", "ring")
    packet = packet_for("ring", [alert], EvidenceBundle(metrics=cpu_pinned(70000, 90000, 160000)))
    assert ActionKind.RESTART not in kinds(packet)


def test_working_units_taken_away_at_flat_load_are_scaled_back() -> None:
    metrics = (
        series("ring", "healthy_hosts", None, (0, 402), (30, 398), (40, 120), (45, 14)),
        series("ring", "error_rate", "percent", (0, 0.3), (30, 0.4), (45, 74)),
        series("ring", "requests_per_second", "req/s", (0, 92000), (45, 93000)),
    )
    alert = signal("ring has 14 healthy hosts (expected >= 380)", "ring")
    packet = packet_for("ring", [alert], EvidenceBundle(metrics=metrics))
    scale = [a for a in packet.actions if a.kind is ActionKind.SCALE]
    assert scale
    assert "healthy_hosts fell from 402 to 14" in scale[0].text


def test_units_down_for_a_reason_more_units_share_are_not_scaled_back() -> None:
    metrics = (
        series("ring", "available_replicas", None, (0, 10), (30, 10), (45, 5)),
        series("ring", "requests_per_second", "req/s", (0, 92000), (45, 93000)),
    )
    cluster = ClusterState(
        pods=(PodState("db", "ring-7c9-2kd9x", "ring", "Pending", ready=False, restarts=0),),
        events=(
            WorkloadEvent(
                at(13, 40),
                "db",
                "pod/ring-7c9-2kd9x",
                "Warning",
                "FailedScheduling",
                "0/9 nodes are available: 9 Insufficient cpu.",
            ),
        ),
    )
    alert = signal("ring: 5 of 10 replicas unavailable", "ring")
    packet = packet_for("ring", [alert], EvidenceBundle(metrics=metrics, cluster=cluster))
    assert ActionKind.SCALE not in kinds(packet)


def test_a_compromise_is_never_restarted_or_scaled() -> None:
    # The intruder's process, its memory and files are the evidence.
    facts = SafetyFacts(customer_data=False, deploy_near=False, migration=False, compromise=True)
    assert forbidden(ActionKind.RESTART, facts) is not None
    assert forbidden(ActionKind.SCALE, facts) is not None
    assert forbidden(ActionKind.CONFIG_CHANGE, facts) is None
    triage = RUNBOOKS.get("security-triage")
    assert triage is not None
    # Its isolation keeps the pods: a network policy and a cordon, not a scale to zero.
    assert ActionKind.SCALE not in {action.kind for action in triage.front.actions}


def test_an_allowance_that_ran_out_is_raised_by_a_configuration_change() -> None:
    # A daily budget spent to 100 % is a setting, not capacity: more replicas spend it faster.
    metrics = (
        series("ring", "daily_budget_used", "percent", (0, 10), (20, 40), (40, 70), (59, 100)),
        series("ring", "error_rate", "percent", (0, 0.1), (50, 0.1), (59, 97)),
    )
    alert = signal("ring 5xx above 50%", "ring")
    packet = packet_for("ring", [alert], EvidenceBundle(metrics=metrics))
    raise_it = [a for a in packet.actions if a.kind is ActionKind.CONFIG_CHANGE]
    assert raise_it
    assert "daily_budget_used" in raise_it[0].text
    assert ActionKind.SCALE not in kinds(packet)


def test_pods_that_cannot_pull_their_image_get_it_repointed() -> None:
    cluster = ClusterState(
        pods=(PodState("db", "ring-6f9-4jwx2", "ring", "Pending", ready=False, restarts=0),),
        events=(
            WorkloadEvent(
                at(13, 40),
                "db",
                "pod/ring-6f9-4jwx2",
                "Warning",
                "Failed",
                'Failed to pull image "docker.io/vendor/redis:7.2.4": not found',
            ),
        ),
    )
    # A release of the service rolled the new pods: whatever the deploy is blamed for, the
    # pods start again only on an image that can be pulled.
    release = Deploy("ring", "58ad1f0c7e", at(13, 30), title="Discount rounding fix")
    evidence = EvidenceBundle(cluster=cluster, deploys=(release,), deploys_checked=True)
    packet = packet_for("ring", [signal("ring: rollout stalled", "ring")], evidence)
    repoint = [a.text for a in packet.actions if a.kind is ActionKind.CONFIG_CHANGE]
    assert any("image the registry serves" in text for text in repoint)


def test_an_error_budget_is_not_an_allowance_to_raise() -> None:
    assert ALLOWANCE.search("daily_budget_used")
    assert ALLOWANCE.search("api_quota_remaining")
    assert not ALLOWANCE.search("error_budget_remaining")
    assert not ALLOWANCE.search("capacity_used")


def test_units_lost_to_a_configuration_that_refuses_them_are_not_scaled_back() -> None:
    # A host that refuses what the program needs refuses the new units too.
    metrics = (
        series("ring", "available_instances_ratio", None, (0, 1.0), (30, 1.0), (45, 0.02)),
        series("ring", "requests_per_second", "req/s", (0, 92000), (45, 93000)),
    )
    alert = signal("ring: all instances unavailable", "ring")
    refused = series("ring", "error_rate", "percent", (0, 0.1), (45, 90))
    evidence = EvidenceBundle(metrics=(*metrics, refused))
    assessment = assess("ring", [alert], evidence, catalog=CATALOG)
    top = replace(assessment.hypotheses[0], category=CauseKind.CONFIG, subject="platform")
    configured = replace(assessment, hypotheses=(top, *assessment.hypotheses[1:]))
    facts = action_facts("ring", Severity.SEV2, evidence, CATALOG)
    assert facts.units_lost == "available_instances_ratio fell from 1 to 0.02"
    assert ActionKind.SCALE not in {
        a.kind for a in cause_actions(configured, DEFAULT_POLICY, facts)
    }
    assert ActionKind.SCALE in {a.kind for a in cause_actions(assessment, DEFAULT_POLICY, facts)}
