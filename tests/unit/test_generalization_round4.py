"""Principles added in the fourth analysis round of issue 13, one rule per test: pure
functions and ``assess`` on synthetic evidence (never a scenario file), no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.action.kinds import ActionKind
from bot.analysis.assessment import assess
from bot.analysis.category import categorize
from bot.analysis.citing import hypothesis
from bot.analysis.detectors.config import HOST_REFUSED
from bot.analysis.detectors.fetch import FETCH_FAILED, touches_dependencies
from bot.analysis.detectors.own_lines import asked_for
from bot.analysis.detectors.security import FOREIGN_CODE, SECURITY
from bot.analysis.detectors.traffic import demand_held
from bot.analysis.disagreement import UNAVAILABLE_CLAIM
from bot.analysis.exposure import exposure_in
from bot.analysis.hypotheses import personal_data_in
from bot.analysis.kube_reasons import kube_reason
from bot.analysis.safety import SafetyFacts, forbidden
from bot.analysis.series import SeriesKind, headroom, series_kind, units_up
from bot.analysis.spike import detect_spike
from bot.analysis.stated_time import stated_onset
from bot.analysis.values import Citation
from bot.catalog import Catalog, ServiceEntry
from bot.evidence.values import (
    ClusterState,
    Deploy,
    EvidenceBundle,
    LogRecord,
    MetricSeries,
    PodState,
    WorkloadEvent,
)
from bot.runbook.evidence import line_conditions
from bot.runbook.facts import Condition
from bot.runbook.loader import load_runbooks
from bot.runbook.matcher import RunbookQuery, choose_runbook
from bot.scenario.terms import CauseKind, IncidentCategory, Marker
from bot.signal.values import AlertSource, Severity, Signal, SignalStatus
from tests.unit.test_analysis_principles import at, series, signal
from tests.unit.test_generalization import packet_for

RUNBOOKS = load_runbooks()


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


def test_a_package_version_is_not_an_email_address() -> None:
    assert personal_data_in("required by babel-code-frame@6.7.2 <- line-numbers@0.2.0") == ()
    assert personal_data_in("reset link sent to ann.lee@example.com") == ("email",)


def test_what_a_failing_call_asked_for_names_the_dependency_that_lost_it() -> None:
    assert asked_for("GET https://registry.npmjs.org/left-pad failed: 404") == {"left-pad"}
    assert asked_for("GET https://cdn.example.com/v2/assets/1.4.0") == frozenset()


def test_a_release_whose_build_could_not_fetch_a_package_it_did_not_ask_for_is_cleared() -> None:
    assert FETCH_FAILED.search("npm ERR! 404 Not Found - GET https://registry.npmjs.org/left-pad")
    assert FETCH_FAILED.search("ERROR: No matching distribution found for requests==9.9")
    assert not FETCH_FAILED.search("GET /api/orders 200 in 31 ms")
    assert touches_dependencies(("web/package.json", "web/src/App.jsx"))
    assert not touches_dependencies(("web/src/PromoBanner.jsx", "web/src/promo.css"))
    catalog = Catalog(
        (
            ServiceEntry("shop", "team", depends_on=("pkg-registry",)),
            ServiceEntry("pkg-registry", "vendor"),
        )
    )
    banner = Deploy(
        "shop",
        "d90c3b7e1a",
        at(13, 55),
        title="Promo banner",
        files=("src/PromoBanner.jsx",),
        succeeded=False,
    )
    removed = LogRecord(at(13, 20), "pkg-registry", "WARN", "package left-pad unpublished")
    failed = LogRecord(
        at(14, 0),
        "shop",
        "ERROR",
        "npm ci: 404 Not Found - GET https://registry.npmjs.org/left-pad",
    )
    evidence = EvidenceBundle(deploys=(banner,), logs=(removed, failed), deploys_checked=True)
    alert = signal("deploy failed: npm ERR! 404 Not Found left-pad", "shop")
    assessment = assess("shop", [alert], evidence, catalog=catalog)
    assert assessment.suspect is None
    assert assessment.cause is CauseKind.DEPENDENCY
    assert assessment.hypotheses[0].subject == "pkg-registry"
    # The same failure after a change to the lockfile is the change's to answer for.
    bump = Deploy("shop", "a1b2c3d4e5", at(13, 55), files=("package-lock.json",), succeeded=False)
    evidence = EvidenceBundle(deploys=(bump,), logs=(failed,), deploys_checked=True)
    assessment = assess("shop", [alert], evidence, catalog=catalog)
    assert assessment.suspect is not None


def test_ones_secret_sent_to_other_people_is_an_exposure_and_a_topic_is_not() -> None:
    assert exposure_in("password hash of link creator sent to all workspace members")
    assert exposure_in("api key of the owner included in events delivered to other users")
    assert exposure_in("password reset emails sent to all users") is None
    assert exposure_in("sent the new password policy to every member") is None


def _pull_failed(image: str) -> WorkloadEvent:
    message = (
        f'Failed to pull image "{image}": rpc error: code = NotFound desc = {image}: not found'
    )
    return WorkloadEvent(at(14, 1), "shop", "pod/cart-6f9d-4jwx2", "Warning", "Failed", message)


def test_a_missing_image_the_release_did_not_build_or_touch_clears_the_release() -> None:
    catalog = Catalog((ServiceEntry("cart", "team"),))
    release = Deploy("cart", "58ad1f0c7e", at(13, 50), files=("cart/pricing.go",), succeeded=False)
    alert = signal("Rollout of cart failed", "cart")
    sidecar = EvidenceBundle(
        deploys=(release,),
        cluster=ClusterState(events=(_pull_failed("docker.io/library/redis:7.2.4"),)),
        deploys_checked=True,
    )
    assessment = assess("cart", [alert], sidecar, catalog=catalog)
    assert assessment.suspect is None
    assert assessment.cause is CauseKind.CONFIG
    # The release's own image missing (its commit in the tag) is the release's fault.
    own = EvidenceBundle(
        deploys=(release,),
        cluster=ClusterState(events=(_pull_failed("acme/cart:58ad1f0"),)),
        deploys_checked=True,
    )
    assert assess("cart", [alert], own, catalog=catalog).suspect is not None
    # So is a missing sidecar image when the release changed the manifests that name images.
    chart = Deploy("cart", "58ad1f0c7e", at(13, 50), files=("helm/cart/values.yaml",))
    bumped = EvidenceBundle(
        deploys=(chart,),
        cluster=ClusterState(events=(_pull_failed("docker.io/library/redis:7.2.4"),)),
        deploys_checked=True,
    )
    assert assess("cart", [alert], bumped, catalog=catalog).suspect is not None


def test_a_failed_release_that_hurt_nobody_is_a_deployment_incident() -> None:
    failed = Signal(
        source=AlertSource.GITHUB,
        service="cart",
        severity=Severity.SEV3,
        status=SignalStatus.FIRING,
        started_at=at(14, 3),
        title="Deployment of acme/cart to production failed",
        fingerprint="github:cart",
        delivery_id="github:cart:1",
    )
    config = hypothesis(CauseKind.CONFIG, "an image was removed", [Citation("x", "y", 0.5)])
    calm = categorize(service="cart", signals=[failed], spikes=[], hypotheses=[config], markers=[])
    assert calm is IncidentCategory.DEPLOYMENT
    errors = series("cart", "error_rate", "percent", (0, 0.1), (10, 0.1), (20, 60.0))
    spike = detect_spike(errors)
    assert spike is not None
    hurt = categorize(
        service="cart", signals=[failed], spikes=[spike], hypotheses=[config], markers=[]
    )
    assert hurt is IncidentCategory.AVAILABILITY


def test_a_sign_in_that_lets_anyone_in_is_an_exposure() -> None:
    assert exposure_in("user can sign in with any password (reproduced on a test account)")
    assert exposure_in("login ok user_id=42 verifier=shared password_verified=false")
    assert exposure_in("login ok user_id=42 password_verified=true") is None
    assert exposure_in("login failed for user 42: wrong password") is None


def test_a_condition_a_runbook_is_written_for_outweighs_the_kind_of_the_cause() -> None:
    """A release opened a data exposure: the ranked cause is the deploy, but customer data at
    risk (a stated condition) still chooses the security runbook over the rollback one."""
    query = RunbookQuery(
        service="login",
        texts=("sign-in accepts any password after an auth release",),
        category=IncidentCategory.SECURITY,
        cause=CauseKind.DEPLOY,
        confidence=0.74,
        conditions={Condition.CUSTOMER_DATA: "a sign-in check let people in"},
    )
    assert choose_runbook(RUNBOOKS, query).runbook_id == "security-triage"
    # Without the condition, the deploy's own runbook.
    plain = RunbookQuery(
        service="login",
        texts=("error rate up after an auth release",),
        category=IncidentCategory.DEPLOYMENT,
        cause=CauseKind.DEPLOY,
        confidence=0.74,
    )
    assert choose_runbook(RUNBOOKS, plain).runbook_id == "deploy-rollback"


def test_code_nobody_shipped_running_in_a_service_is_a_security_event() -> None:
    assert FOREIGN_CODE.search("process /tmp/.x/kworkerds started by uid 0 (not in image manifest)")
    assert FOREIGN_CODE.search("egress flow to 45.9.148.21:3333 (stratum+tcp)")
    assert not FOREIGN_CODE.search("process worker-3 started (pid 812)")
    catalog = Catalog((ServiceEntry("encoder", "video"),))
    cpu = series(
        "encoder", "node_cpu_utilization", "percent", (0, 21), (60, 23), (70, 97), (80, 99)
    )
    line = LogRecord(at(14, 8), "encoder", "WARN", "unknown process /tmp/.x started by uid 0")
    evidence = EvidenceBundle(metrics=(cpu,), logs=(line,), deploys_checked=True)
    assessment = assess(
        "encoder", [signal("node CPU above 95%", "encoder")], evidence, catalog=catalog
    )
    assert assessment.cause is CauseKind.SECURITY
    assert assessment.category is IncidentCategory.SECURITY


def test_no_scale_up_when_the_demand_held_and_no_capacity_was_lost() -> None:
    flat = series("ring", "requests_per_second", "req/s", (0, 142000), (30, 139000), (50, 137000))
    cpu = series("ring", "cpu_utilization", "percent", (0, 31), (29, 30), (31, 99), (50, 100))
    assert demand_held("ring", [flat, cpu])
    surge = series("ring", "requests_per_second", "req/s", (0, 1000), (30, 1100), (50, 4600))
    assert not demand_held("ring", [surge, cpu])
    lost = series("ring", "healthy_servers", "count", (0, 402), (30, 398), (50, 14))
    assert not demand_held("ring", [flat, lost])
    assert not demand_held("ring", [cpu])  # no request rate measured: nothing to say
    held = SafetyFacts(customer_data=False, deploy_near=False, migration=False, demand_held=True)
    assert forbidden(ActionKind.SCALE, held) is not None
    assert forbidden(ActionKind.RESTART, held) is None
    catalog = Catalog((ServiceEntry("ring", "storage"),))
    evidence = EvidenceBundle(metrics=(flat, cpu), deploys_checked=True)
    packet = packet_for("ring", [signal("CPU above 95% on every node", "ring")], evidence, catalog)
    assert ActionKind.SCALE not in {action.kind for action in packet.actions}


def test_a_docs_only_release_is_never_the_suspect_however_close() -> None:
    catalog = Catalog((ServiceEntry("refresh", "data"),))
    docs = Deploy("refresh", "6b0e2c9d41", at(14, 0), files=("README.md", "docs/refresh.md"))
    line = LogRecord(at(14, 2), "refresh", "ERROR", "refresh failed: NullPointerException")
    evidence = EvidenceBundle(deploys=(docs,), logs=(line,), deploys_checked=True)
    assessment = assess("refresh", [signal("refresh failed", "refresh")], evidence, catalog=catalog)
    assert assessment.suspect is None
    assert assessment.cause is not CauseKind.DEPLOY


def test_the_error_an_alert_reports_dates_the_incident_from_its_first_attempt() -> None:
    catalog = Catalog((ServiceEntry("refresh", "data"),))
    first = LogRecord(
        at(12, 58), "refresh", "ERROR", "query on db-1 canceled after 900s (statement timeout)"
    )
    alert = signal("OperationalError: canceling statement due to statement timeout", "refresh")
    evidence = EvidenceBundle(logs=(first,), deploys_checked=True)
    assert assess("refresh", [alert], evidence, catalog=catalog).first_seen == at(12, 58)
    unrelated = LogRecord(at(12, 58), "refresh", "ERROR", "disk quota exceeded on /tmp")
    evidence = EvidenceBundle(logs=(unrelated,), deploys_checked=True)
    assert assess("refresh", [alert], evidence, catalog=catalog).first_seen == at(14, 3)


def test_work_on_a_schedule_that_failed_is_a_failed_run() -> None:
    assert Condition.BATCH_JOB_FAILED in line_conditions(["Nightly refresh failed (production)"])
    assert Condition.BATCH_JOB_FAILED in line_conditions(["hourly rollup did not finish"])
    assert Condition.BATCH_JOB_FAILED not in line_conditions(["nightly traffic is low"])


def test_a_registry_is_named_by_its_own_lines_about_the_host_the_pulls_go_to() -> None:
    catalog = Catalog(
        (
            ServiceEntry("worker", "team", depends_on=("queue", "vendor-registry")),
            ServiceEntry("queue", "team"),
            ServiceEntry("vendor-registry", "vendor"),
        )
    )
    image = "docker.io/acme/worker:2d7f1c9e04"
    pull = WorkloadEvent(
        at(14, 1),
        "jobs",
        "pod/worker-7d9f-2xk4p",
        "Warning",
        "Failed",
        f'Failed to pull image "{image}": toomanyrequests: You have reached your pull rate limit',
    )
    own = LogRecord(at(14, 0), "vendor-registry", "ERROR", f"pull {image}: toomanyrequests")
    evidence = EvidenceBundle(
        logs=(own,), cluster=ClusterState(events=(pull,)), deploys_checked=True
    )
    assessment = assess(
        "worker", [signal("worker pods pending", "worker")], evidence, catalog=catalog
    )
    assert assessment.cause is CauseKind.DEPENDENCY
    assert assessment.hypotheses[0].subject == "vendor-registry"


def test_load_that_surged_before_the_window_and_stayed_up_is_still_the_surge() -> None:
    catalog = Catalog(
        (ServiceEntry("engine", "query", depends_on=("lambdas",)), ServiceEntry("lambdas", "q"))
    )
    start = at(14, 3) - timedelta(hours=5)
    points = ((0, 820.0), (30, 860.0), (40, 3900.0), (120, 4300.0), (300, 4250.0))
    longer = MetricSeries(
        "lambdas",
        "invocations_per_second",
        "req/s",
        tuple((start + timedelta(minutes=m), v) for m, v in points),
    )
    window = MetricSeries("lambdas", "invocations_per_second", "req/s", longer.points[-2:])
    evidence = EvidenceBundle(metrics=(window,), long_metrics=(longer,), deploys_checked=True)
    alert = signal("query latency p95 above 10 s", "engine")
    assert assess("engine", [alert], evidence, catalog=catalog).cause is CauseKind.TRAFFIC
    # A plateau with no rise anywhere in the look-back is no surge.
    steady = MetricSeries("lambdas", "invocations_per_second", "req/s", window.points)
    evidence = EvidenceBundle(metrics=(window,), long_metrics=(steady,), deploys_checked=True)
    assert assess("engine", [alert], evidence, catalog=catalog).cause is not CauseKind.TRAFFIC


def test_a_new_error_between_a_series_last_normal_point_and_its_first_abnormal_one_dates_it() -> (
    None
):
    catalog = Catalog((ServiceEntry("importer", "tiles"),))
    lag = series(
        "importer", "replication_lag_seconds", "s", (0, 70), (20, 65), (40, 1260), (90, 4250)
    )
    timeout = LogRecord(at(13, 31), "importer", "ERROR", "fetch of state.txt timed out after 60s")
    evidence = EvidenceBundle(metrics=(lag,), logs=(timeout,), deploys_checked=True)
    alert = signal("replication lag above 1 h", "importer")
    assert assess("importer", [alert], evidence, catalog=catalog).first_seen == at(13, 31)
    # An error from before the last normal point says nothing about when the rise began.
    old = LogRecord(at(13, 10), "importer", "ERROR", "fetch of state.txt timed out after 60s")
    evidence = EvidenceBundle(metrics=(lag,), logs=(old,), deploys_checked=True)
    assert assess("importer", [alert], evidence, catalog=catalog).first_seen == at(13, 40)


def test_a_route_leak_is_traffic_going_astray_not_data() -> None:
    assert not SECURITY.search("route monitor: leak: customer route sent to provider")
    assert not SECURITY.search("BGP route leak of 203.0.113.0/24")
    assert SECURITY.search("leaked customer records found on a paste site")


def test_pods_unplaceable_because_most_nodes_are_gone_are_lost_nodes_not_capacity() -> None:
    gone = (
        "0/9 nodes are available: 6 node(s) had untolerated taint "
        "{node.kubernetes.io/unreachable: }, 3 Insufficient cpu."
    )
    reading = kube_reason("FailedScheduling", gone)
    assert reading is not None
    assert reading.cause is None
    assert reading.subject == "node"
    full = "0/9 nodes are available: 9 Insufficient cpu."
    reading = kube_reason("FailedScheduling", full)
    assert reading is not None
    assert reading.cause is CauseKind.RESOURCE


def test_a_line_saying_a_node_is_unreachable_does_not_blame_the_one_dependency() -> None:
    catalog = Catalog((ServiceEntry("api", "team", depends_on=("db",)), ServiceEntry("db", "data")))
    line = LogRecord(
        at(14, 1), "api", "ERROR", "upstream connect error (endpoint on node n-3 unreachable)"
    )
    evidence = EvidenceBundle(logs=(line,), deploys_checked=True)
    assessment = assess("api", [signal("api 5xx", "api")], evidence, catalog=catalog)
    assert assessment.cause is not CauseKind.DEPENDENCY
    other = LogRecord(at(14, 1), "api", "ERROR", "connection refused after 3 retries")
    evidence = EvidenceBundle(logs=(other,), deploys_checked=True)
    assert (
        assess("api", [signal("api 5xx", "api")], evidence, catalog=catalog).cause
        is CauseKind.DEPENDENCY
    )
