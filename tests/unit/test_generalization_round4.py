"""Principles added in the fourth analysis round of issue 13, one rule per test: pure
functions and ``assess`` on synthetic evidence (never a scenario file), no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.analysis.detectors.config import HOST_REFUSED
from bot.analysis.detectors.security import SECURITY
from bot.analysis.disagreement import UNAVAILABLE_CLAIM
from bot.analysis.exposure import exposure_in
from bot.analysis.series import SeriesKind, headroom, series_kind, units_up
from bot.analysis.stated_time import stated_onset
from bot.analysis.triage import assess
from bot.catalog import Catalog, ServiceEntry
from bot.evidence.values import ClusterState, Deploy, EvidenceBundle, LogRecord, PodState
from bot.runbook.evidence import line_conditions
from bot.runbook.facts import Condition
from bot.scenario.terms import CauseKind, Marker
from tests.unit.test_analysis_principles import at, series, signal


def test_a_line_dates_what_it_reports_in_the_words_people_write() -> None:
    written = datetime(2026, 6, 22, 14, 44, tzinfo=UTC)
    assert stated_onset("served to other sessions since 09:41", written) == (
        datetime(2026, 6, 22, 9, 41, tzinfo=UTC),
        True,
    )
    # A time later in the day than the line was written is yesterday's.
    assert stated_onset("failing since 23:50", written) == (
        datetime(2026, 6, 21, 23, 50, tzinfo=UTC),
        True,
    )
    assert stated_onset("48,912 lines since May 1", written) == (
        datetime(2026, 5, 1, tzinfo=UTC),
        False,
    )
    assert stated_onset("since 3 December", written) == (datetime(2025, 12, 3, tzinfo=UTC), False)
    assert stated_onset("found in index since 2026-05-01T08:31Z", written) == (
        datetime(2026, 5, 1, 8, 31, tzinfo=UTC),
        True,
    )
    # Addresses, ranges and words that only look like months or clocks date nothing.
    assert stated_onset("connect from 10.0.0.1:8080 refused", written) is None
    assert stated_onset("from mayhem 3 onwards", written) is None
    # Without knowing when the line was written, only a full date says when.
    assert stated_onset("since 09:41") is None


def test_a_response_handed_to_a_requester_it_was_not_made_for_is_an_exposure() -> None:
    assert exposure_in(
        "cdn: /account served from cache to 1,912 sessions different from the origin's session"
    )
    assert exposure_in("profile page returned to a different user after the cache warmed")
    assert exposure_in("/status served from cache to 4,000 sessions") is None
    assert exposure_in("request sent to a different upstream after failover") is None


def test_a_secret_stored_unhashed_or_unencrypted_is_in_the_clear() -> None:
    assert exposure_in("scanner: field 'password' appears unhashed in index requests-*")
    assert exposure_in("api keys stored unencrypted in the settings table")
    assert exposure_in("password hashes rotated to argon2") is None


def test_the_change_before_the_start_a_late_report_states_is_the_suspect() -> None:
    """A scanner finds passwords in the logs two days after the release that began writing
    them; its line says since when, and that moment (not the alert) dates the incident."""
    catalog = Catalog((ServiceEntry("login", "identity"),))
    release = Deploy(
        "login",
        "d5e7a01c39",
        at(8, 30) - timedelta(days=2),
        title="Structured request logging",
        files=("auth/middleware/request_log.py",),
    )
    stamp = f"{at(8, 31) - timedelta(days=2):%Y-%m-%dT%H:%MZ}"
    report = LogRecord(
        at(13, 58), "login", "WARN", f"scanner: 'password' appears unhashed in logs since {stamp}"
    )
    evidence = EvidenceBundle(deploys=(release,), logs=(report,), deploys_checked=True)
    assessment = assess("login", [signal("secret scan", "login")], evidence, catalog=catalog)
    assert assessment.first_seen == release.at + timedelta(minutes=1)
    assert assessment.suspect is not None
    assert assessment.suspect.deploy.sha == "d5e7a01c39"
    assert assessment.cause is CauseKind.DEPLOY
    assert Marker.CUSTOMER_DATA in {m.marker for m in assessment.markers}


def test_a_config_push_to_a_dependency_at_an_exposures_stated_start_is_the_change() -> None:
    catalog = Catalog(
        (ServiceEntry("web", "team", depends_on=("edge",)), ServiceEntry("edge", "team"))
    )
    push = Deploy("edge", "e02b9f4c61", at(9, 41), title="New provider", files=("cdn/rules.vcl",))
    line = LogRecord(
        at(13, 50),
        "edge",
        "WARN",
        "/mypage served from cache to 1,912 sessions different from the origin's since 09:41",
    )
    evidence = EvidenceBundle(deploys=(push,), logs=(line,), deploys_checked=True)
    alert = signal("users see others' pages", "web")
    assessment = assess("web", [alert], evidence, catalog=catalog)
    assert assessment.first_seen == at(9, 41)
    assert assessment.suspect is not None
    assert assessment.suspect.deploy.sha == "e02b9f4c61"
    assert assessment.cause is CauseKind.CONFIG


def test_working_units_available_are_the_outage_itself_not_a_resource_headroom() -> None:
    assert units_up("available_instances_ratio")
    assert units_up("kube_deployment_status_replicas_available")
    assert units_up("healthy_hosts")
    assert series_kind("available_instances_ratio") is None
    assert not headroom("available_instances_ratio")
    # What is left of a resource still saturates as it falls.
    assert headroom("node_memory_available_bytes")
    assert series_kind("node_memory_available_bytes") is SeriesKind.SATURATION
    catalog = Catalog((ServiceEntry("app", "team"),))
    falling = series("app", "available_instances_ratio", "ratio", *_falling(1.0, 0.93, 0.41, 0.02))
    evidence = EvidenceBundle(metrics=(falling,), deploys_checked=True)
    assessment = assess("app", [signal("pods crash looping", "app")], evidence, catalog=catalog)
    assert assessment.cause is not CauseKind.RESOURCE


def _falling(*values: float) -> tuple[tuple[int, float], ...]:
    return tuple((minutes * 30, value) for minutes, value in enumerate(values))


def test_a_leak_of_memory_and_a_hardening_patchs_name_are_not_security_words() -> None:
    assert SECURITY.search("customer records leaked to a public bucket")
    assert not SECURITY.search("memory leak in the image resizer")
    assert not SECURITY.search("connection leak: pool exhausted")
    assert not SECURITY.search("check if grsecurity/PaX is enabled")
    assert SECURITY.search("security scan found a CVE")


def test_a_host_that_refuses_what_the_program_needs_to_start_is_the_platform() -> None:
    assert HOST_REFUSED.search(
        "Error occurred during initialization of VM: Failed to mark memory page as executable"
    )
    assert HOST_REFUSED.search("mprotect(PROT_EXEC) failed: Operation not permitted")
    assert HOST_REFUSED.search('audit: avc:  denied  { execmem } for pid=812 comm="java"')
    assert not HOST_REFUSED.search("permission denied opening /var/log/app.log")
    catalog = Catalog((ServiceEntry("app", "team"),))
    line = LogRecord(at(14, 20), "app", "ERROR", "Failed to mark memory page as executable")
    evidence = EvidenceBundle(logs=(line,), deploys_checked=True)
    # The line comes after the alert: what the crashing pods say still explains them.
    assessment = assess("app", [signal("pods crash looping", "app")], evidence, catalog=catalog)
    assert assessment.cause is CauseKind.CONFIG
    assert assessment.suspect is None


def test_a_queues_jobs_that_keep_failing_or_die_out_of_retries_are_failed_runs() -> None:
    for line in (
        "notification-delivery: 71% of jobs failing, 1.3M jobs queued",
        "DeliverNotificationJob failed: ConnectionTimeoutError against the primary",
        "ReportExportJob exhausted 3 retries; moved to dead set",
    ):
        assert Condition.BATCH_JOB_FAILED in line_conditions([line]), line
    for line in (
        "background job backlog 41k and rising",
        "Deploy of acme/job-dispatcher@0e7c41b to production: failure",
        "JobScheduler started 12 workers",
    ):
        assert Condition.BATCH_JOB_FAILED not in line_conditions([line]), line


def test_an_alert_that_says_pods_are_down_while_the_cluster_shows_them_ready_conflicts() -> None:
    catalog = Catalog((ServiceEntry("api", "team"),))
    alert = signal("Deployment shop/api has 0 available replicas", "api")
    ready = tuple(PodState("shop", f"api-{n}", "api", "Running", True, 0) for n in range(3))
    evidence = EvidenceBundle(cluster=ClusterState(pods=ready), deploys_checked=True)
    markers = {m.marker for m in assess("api", [alert], evidence, catalog=catalog).markers}
    assert Marker.CONFLICTING_SIGNALS in markers
    # Pods that do restart agree with the alert: no conflict.
    crashing = (PodState("shop", "api-0", "api", "Running", False, 7, "Error"),)
    evidence = EvidenceBundle(cluster=ClusterState(pods=crashing), deploys_checked=True)
    markers = {m.marker for m in assess("api", [alert], evidence, catalog=catalog).markers}
    assert Marker.CONFLICTING_SIGNALS not in markers
    assert UNAVAILABLE_CLAIM.search("KubeDeploymentReplicasUnavailable: pods are not ready")
    assert not UNAVAILABLE_CLAIM.search("p99 latency above 800 ms on 3 ready replicas")
