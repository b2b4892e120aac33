"""Packet building and plain rendering: pure functions, no I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.action.kinds import ActionKind
from bot.analysis.assessment import assess
from bot.analysis.deploys import suspect_deploy
from bot.analysis.spike import detect_spike
from bot.catalog import Catalog, ServiceEntry
from bot.evidence.values import Deploy, EvidenceBundle, LogRecord, MetricSeries, SourceFailure
from bot.packet.build import build_packet
from bot.packet.render import render_plain
from bot.packet.values import Packet
from bot.policy import DEFAULT_POLICY
from bot.runbook.loader import load_runbooks
from bot.runbook.schemas import Runbook
from bot.signal.values import AlertSource, Link, Severity, Signal, SignalStatus


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
SHIPPED_RUNBOOKS = load_runbooks()
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
        runbooks=SHIPPED_RUNBOOKS,
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
            "Runbook:",
            "- deploy-rollback: A deploy made things worse; roll it back",
            "- Fits: cause deploy; category deployment; keyword error rate",
            "- Verify: The error rate is back to its pre-deploy baseline within 10 minutes"
            " of the rollback",
            "Suggested next action:",
            "- Review PR 4821: Parse legacy webhook payloads through the new event parser"
            " (deploy 9f1c2ab by dana)",
            "- Roll back billing-webhooks to 51d0e7c",
            "- Post a customer-facing status update for billing-webhooks",
            "- Page the author and the owning team (runbook deploy-rollback)",
            "Requires approval:",
            "- Rollback",
            "- Status update",
            "INC-7 · billing-webhooks error rate above 5%",  # the context line, as in Slack
        ]
    )


def test_the_suspect_deploys_pull_request_link_comes_first_among_the_links() -> None:
    url = "https://github.com/acme/billing/pull/4821"
    dashboard = Link("Dashboard", "https://grafana.example.com/d/billing")
    linked = replace(PARSER_DEPLOY, url=url)
    evidence = EvidenceBundle(
        deploys=(OLDER_DEPLOY, linked), metrics=(ERROR_RATE,), deploys_checked=True
    )

    packet = _packet(evidence, [signal(links=(dashboard,))])

    assert packet.links == (Link("Suspect deploy: PR 4821", url), dashboard)
    assert "by dana" in packet.actions[0].text


def test_a_suspect_deploy_without_a_link_adds_none() -> None:
    evidence = EvidenceBundle(
        deploys=(OLDER_DEPLOY, PARSER_DEPLOY), metrics=(ERROR_RATE,), deploys_checked=True
    )

    assert _packet(evidence).links == ()


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
        runbooks=SHIPPED_RUNBOOKS,
    )
    assert "Likely owner:\n- Unknown: the service is not in the catalog" in render_plain(packet)


def test_first_seen_is_the_alert_time_when_no_series_spiked() -> None:
    quiet = assess("billing-webhooks", [signal(started_at=at(9, 41))], EvidenceBundle())
    assert quiet.first_seen == at(9, 41)
    assert quiet.spikes == ()


# --- the runbook --------------------------------------------------------------------------------


def test_the_runbook_the_catalog_lists_and_the_logs_name_is_chosen_with_its_reasons() -> None:
    catalog = Catalog(
        (
            ServiceEntry(
                service="search-api", owner="search", runbooks=("oom-kill",), namespace="search"
            ),
        )
    )
    alert = signal(
        service="search-api",
        title="KubePodCrashLooping: search-api-7d9f8c6b5-x2x4z restarting",
        description="",
    )
    evidence = EvidenceBundle(
        logs=(
            LogRecord(
                at(14, 2),
                "search-api",
                "error",
                "Last state: Terminated, reason OOMKilled, exit code 137",
            ),
            LogRecord(at(14, 2), "checkout", "error", "p99 latency above 2s"),
        ),
        deploys_checked=True,
    )
    packet = build_packet(
        incident_id=3,
        title=alert.title,
        severity=Severity.SEV2,
        signals=[alert],
        assessment=assess("search-api", [alert], evidence),
        evidence=evidence,
        catalog=catalog,
        policy=DEFAULT_POLICY,
        runbooks=SHIPPED_RUNBOOKS,
    )
    assert packet.runbook is not None
    assert packet.runbook.id == "oom-kill"
    # The analysis ranks the OOM kill as a resource cause, which the runbook matches too; the
    # log line states the condition the runbook is written for.
    assert packet.runbook.reasons[0] == "cause resource"
    assert "memory-exhausted: Last state: Terminated, reason OOMKilled, exit code 137" in (
        packet.runbook.reasons
    )
    assert "the catalog lists it for search-api" in packet.runbook.reasons
    assert "keywords oomkilled, exit code 137" in packet.runbook.reasons
    assert "Runbook:\n- oom-kill: Containers are OOM-killed or running out of memory\n" in (
        render_plain(packet)
    )


def _latency_packet(runbooks: list[Runbook]) -> Packet:
    alert = signal(title="billing-webhooks p99 latency above 2s", description="")
    evidence = EvidenceBundle(deploys_checked=True)
    return build_packet(
        incident_id=4,
        title=alert.title,
        severity=Severity.SEV3,
        signals=[alert],
        assessment=assess("billing-webhooks", [alert], evidence),
        evidence=evidence,
        catalog=CATALOG,
        policy=DEFAULT_POLICY,
        runbooks=runbooks,
    )


def test_a_latency_alert_with_no_other_cause_gets_the_latency_runbook() -> None:
    # Latency with no deploy or dependency to blame: the latency runbook, for what the alert
    # measures and says, not for its words alone.
    packet = _latency_packet(list(SHIPPED_RUNBOOKS))
    assert packet.runbook is not None
    assert packet.runbook.id == "high-latency"
    assert packet.runbook.reasons == (
        "category performance",
        "latency: the alert says so: billing-webhooks p99 latency above 2s",
        "keywords latency, p99",
    )


def test_when_no_runbook_fits_the_packet_says_so_and_names_the_closest() -> None:
    # Without the latency runbook, only a shared category is left: close, not a fit.
    others = [r for r in SHIPPED_RUNBOOKS if r.id != "high-latency"]
    packet = _latency_packet(others)
    assert packet.runbook is None
    assert [fit.id for fit in packet.closest_runbooks][:1] == ["dependency-outage"]
    assert (
        "Runbook:\n- No runbook fits; closest: dependency-outage (score 1: category performance)"
        in render_plain(packet)
    )


def test_when_nothing_comes_close_the_packet_says_that_too() -> None:
    disk_only = [r for r in SHIPPED_RUNBOOKS if r.id == "disk-filling"]
    packet = _latency_packet(disk_only)
    assert (packet.runbook, packet.closest_runbooks) == (None, ())
    assert "Runbook:\n- No runbook fits, and none comes close\n" in render_plain(packet)
