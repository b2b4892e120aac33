"""Packet building and plain rendering: pure functions, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.action.kinds import ActionKind
from bot.analysis.deploys import suspect_deploy
from bot.analysis.spike import detect_spike
from bot.analysis.triage import assess
from bot.catalog import Catalog, ServiceEntry
from bot.evidence.values import Deploy, EvidenceBundle, MetricSeries, SourceFailure
from bot.packet.build import build_packet
from bot.packet.render import render_plain
from bot.policy import DEFAULT_POLICY
from bot.signal.values import AlertSource, Severity, Signal, SignalStatus


def at(hour: int, minute: int, day: int = 4) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


ERROR_RATE = MetricSeries(
    "billing-webhooks",
    "error_rate",
    "percent",
    (
        (at(13, 40), 0.3),
        (at(13, 45), 0.3),
        (at(13, 50), 0.4),
        (at(13, 55), 0.3),
        (at(14, 0), 0.5),
        (at(14, 3), 6.1),
        (at(14, 5), 8.7),
    ),
)
PARSER_DEPLOY = Deploy(
    "billing-webhooks",
    "9f1c2ab",
    at(13, 52),
    author="dana",
    pr=4821,
    title="Parse legacy webhook payloads through the new event parser",
)
OLDER_DEPLOY = Deploy("billing-webhooks", "51d0e7c", at(10, 15, day=3), pr=4809)
CATALOG = Catalog(
    (
        ServiceEntry(
            service="billing-webhooks",
            owner="payments-platform",
            slack_group="payments-oncall",
            tier=1,
            depends_on=("billing-db",),
            repo="acme/billing",
            namespace="payments",
            runbooks=(),
        ),
    )
)


def signal(**overrides: object) -> Signal:
    values: dict[str, object] = {
        "source": AlertSource.ALERTMANAGER,
        "service": "billing-webhooks",
        "severity": Severity.SEV2,
        "status": SignalStatus.FIRING,
        "started_at": at(14, 3),
        "title": "billing-webhooks error rate above 5%",
        "fingerprint": "alertmanager:abc",
        "delivery_id": "abc:1",
    }
    values.update(overrides)
    return Signal(**values)  # type: ignore[arg-type]


def test_a_spike_starts_at_the_first_point_far_above_the_baseline() -> None:
    spike = detect_spike(ERROR_RATE)
    assert spike is not None
    assert (spike.baseline, spike.latest, spike.first_anomaly_at) == (0.3, 8.7, at(14, 3))


def test_a_noisy_but_flat_series_has_no_spike() -> None:
    flat = MetricSeries(
        "api",
        "p99_latency",
        "ms",
        tuple((at(13, m), v) for m, v in enumerate([180, 210, 170, 205, 190])),
    )
    assert detect_spike(flat) is None


def test_the_deploy_just_before_the_anomaly_is_the_suspect_with_its_predecessor() -> None:
    suspect = suspect_deploy(
        [OLDER_DEPLOY, PARSER_DEPLOY], service="billing-webhooks", anomaly_at=at(14, 3)
    )
    assert suspect is not None
    assert suspect.deploy.sha == "9f1c2ab"
    assert suspect.lead == timedelta(minutes=11)
    assert suspect.previous is not None
    assert suspect.previous.sha == "51d0e7c"


def test_a_deploy_after_the_anomaly_or_long_before_it_is_not_a_suspect() -> None:
    later = Deploy("billing-webhooks", "abcdef1", at(14, 30))
    assert (
        suspect_deploy([later, OLDER_DEPLOY], service="billing-webhooks", anomaly_at=at(14, 3))
        is None
    )


def test_another_services_deploy_is_not_a_suspect() -> None:
    other = Deploy("checkout", "abcdef1", at(14, 0))
    assert suspect_deploy([other], service="billing-webhooks", anomaly_at=at(14, 3)) is None


def _packet(evidence: EvidenceBundle, signals: list[Signal] | None = None):
    signals = signals or [signal()]
    return build_packet(
        incident_id=7,
        title=signals[0].title,
        severity=Severity.SEV2,
        signals=signals,
        assessment=assess("billing-webhooks", signals, evidence),
        evidence=evidence,
        catalog=CATALOG,
        policy=DEFAULT_POLICY,
    )


def test_the_packet_reads_in_the_plain_format() -> None:
    evidence = EvidenceBundle(
        deploys=(OLDER_DEPLOY, PARSER_DEPLOY), metrics=(ERROR_RATE,), deploys_checked=True
    )
    assert render_plain(_packet(evidence)) == "\n".join(
        [
            "Incident packet",
            "Service: billing-webhooks",
            "Severity: sev2 candidate",
            "First seen: 14:03 UTC",
            "Signals:",
            "- Error rate rose from 0.3% to 8.7%",
            "- Latest deploy landed 11 minutes before first spike",
            "Likely cause:",
            "- Regression from deploy 9f1c2ab (PR 4821) by dana: Parse legacy webhook payloads"
            " through the new event parser (confidence 0.51)",
            "Likely owner:",
            "- Payments platform (on call: @payments-oncall)",
            "Suggested next action:",
            "- Review PR 4821: Parse legacy webhook payloads through the new event parser"
            " (deploy 9f1c2ab by dana)",
            "- Roll back billing-webhooks to 51d0e7c",
            "Requires approval:",
            "- Rollback",
        ]
    )


def test_without_a_deploy_nearby_the_packet_says_so_and_blames_nothing() -> None:
    packet = _packet(
        EvidenceBundle(deploys=(OLDER_DEPLOY,), metrics=(ERROR_RATE,), deploys_checked=True)
    )
    text = render_plain(packet)
    assert "No deploy of this service in the 2 hours before the first signal" in text
    assert ActionKind.ROLLBACK not in packet.requires_approval
    assert "Page Payments platform (@payments-oncall)" in text


def test_a_failed_deploy_source_is_named_and_no_absence_is_claimed() -> None:
    failure = SourceFailure("github", "no answer within 3s")
    packet = _packet(EvidenceBundle(metrics=(ERROR_RATE,), unavailable=(failure,)))
    text = render_plain(packet)
    assert "Evidence unavailable:\n- github: no answer within 3s" in text
    assert "No deploy" not in text


def test_a_service_missing_from_the_catalog_says_the_owner_is_unknown() -> None:
    lone = signal(service="mystery", owner=None)
    packet = build_packet(
        incident_id=1,
        title="?",
        severity=Severity.SEV3,
        signals=[lone],
        assessment=assess("mystery", [lone], EvidenceBundle()),
        evidence=EvidenceBundle(),
        catalog=CATALOG,
        policy=DEFAULT_POLICY,
    )
    assert "Likely owner:\n- Unknown: the service is not in the catalog" in render_plain(packet)


def test_first_seen_is_the_alert_time_when_no_series_spiked() -> None:
    quiet = assess("billing-webhooks", [signal(started_at=at(9, 41))], EvidenceBundle())
    assert quiet.first_seen == at(9, 41)
    assert quiet.spikes == ()
