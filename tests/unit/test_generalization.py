"""Principles added for the blind batches of issue 13 (second analysis round), one rule per
test: pure functions, ``assess`` and ``build_packet``, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.action.kinds import ActionKind
from bot.analysis.assessment import assess
from bot.analysis.category import categorize
from bot.analysis.citing import hypothesis
from bot.analysis.detectors.alert import alert_resource
from bot.analysis.detectors.config import CREDENTIAL
from bot.analysis.detectors.deploy import presentation_only
from bot.analysis.detectors.own_lines import hosts_in
from bot.analysis.exposure import exposure_in, stated_onset
from bot.analysis.series import SeriesKind, series_kind
from bot.analysis.values import Citation
from bot.catalog import Catalog, ServiceEntry
from bot.evidence.values import ClusterState, Deploy, EvidenceBundle, LogRecord, WorkloadEvent
from bot.packet.build import build_packet
from bot.packet.values import Packet
from bot.policy import DEFAULT_POLICY
from bot.runbook.evidence import measured_clear
from bot.runbook.loader import load_runbooks
from bot.scenario.terms import CauseKind, IncidentCategory, Marker
from bot.signal.values import Severity, Signal
from tests.unit.test_analysis_principles import at, series, signal

RUNBOOKS = load_runbooks()


def packet_for(
    service: str, signals: list[Signal], evidence: EvidenceBundle, catalog: Catalog
) -> Packet:
    return build_packet(
        incident_id=1,
        title=signals[0].title,
        severity=Severity.SEV2,
        signals=signals,
        assessment=assess(service, signals, evidence, catalog=catalog),
        evidence=evidence,
        catalog=catalog,
        policy=DEFAULT_POLICY,
        runbooks=RUNBOOKS,
    )


def test_a_config_push_that_broke_a_dependency_offers_its_revert_and_a_config_change() -> None:
    catalog = Catalog(
        (ServiceEntry("web", "team", depends_on=("dns-zones",)), ServiceEntry("dns-zones", "net"))
    )
    push = Deploy("dns-zones", "c4e8f2d017", at(13, 50), title="Enable DNSSEC", files=("z.tf",))
    evidence = EvidenceBundle(deploys=(push,), deploys_checked=True)
    alert = signal("app fails to resolve", "web")
    packet = packet_for("web", [alert], evidence, catalog)
    assert assess("web", [alert], evidence, catalog=catalog).cause is CauseKind.CONFIG
    kinds = {action.kind: action.requires_approval for action in packet.actions if action.kind}
    assert kinds[ActionKind.ROLLBACK] is True
    assert kinds[ActionKind.CONFIG_CHANGE] is True


def test_a_credential_the_service_presented_and_that_was_refused_is_configuration() -> None:
    assert CREDENTIAL.search("backend auth failed: 401 InvalidAccessKeyId (key id K-2 gone)")
    assert CREDENTIAL.search("PUT probes returned 401 Unauthorized")
    assert CREDENTIAL.search("signing key kid=7 not found in JWKS")
    assert not CREDENTIAL.search("unauthorized login attempts from 203.0.113.9")


def test_a_release_that_rotated_credentials_which_are_now_refused_is_a_config_change() -> None:
    catalog = Catalog((ServiceEntry("gateway", "storage"),))
    rotation = Deploy(
        "gateway",
        "4f7a19c2e0",
        at(13, 50),
        title="Rotate store credentials",
        files=("scripts/rotate.sh", "worker.toml"),
    )
    alert = signal("gateway writes fail", "gateway", "probes returned 401 Unauthorized")
    evidence = EvidenceBundle(deploys=(rotation,), deploys_checked=True)
    assessment = assess("gateway", [alert], evidence, catalog=catalog)
    assert assessment.cause is CauseKind.CONFIG
    assert assessment.suspect is not None
    assert assessment.suspect.deploy.sha == "4f7a19c2e0"
    assert assessment.category is IncidentCategory.AVAILABILITY
    # The same release with an unrelated failure stays a deploy.
    other = signal("gateway writes fail", "gateway", "NullPointerException in upload")
    assert assess("gateway", [other], evidence, catalog=catalog).cause is CauseKind.DEPLOY


def test_enospc_while_the_disk_reads_41_percent_is_not_the_disk_and_gets_no_disk_runbook() -> None:
    disk = series("shipper", "node_filesystem_used_ratio", "ratio", (0, 0.40), (50, 0.41))
    watches = series("shipper", "node_inotify_watches_used_ratio", "ratio", (0, 0.6), (50, 0.99))
    assert measured_clear("shipper", [disk, watches]) == {
        "disk": "node_filesystem_used_ratio reads 41 %"
    }
    # An inode series at its limit says the disk (its inodes) is what ran out.
    inodes = series("shipper", "node_filesystem_inodes_used_ratio", "ratio", (0, 0.7), (50, 1.0))
    assert measured_clear("shipper", [disk, inodes]) == {}
    catalog = Catalog((ServiceEntry("shipper", "obs"),))
    alert = signal("shipper cannot tail", "shipper", "inotify_add_watch failed: ENOSPC")
    line = LogRecord(at(13, 50), "shipper", "ERROR", "add watch failed: No space left on device")
    evidence = EvidenceBundle(metrics=(disk, watches), logs=(line,), deploys_checked=True)
    packet = packet_for("shipper", [alert], evidence, catalog)
    assert packet.runbook is None
    assert "disk-filling" in [fit.id for fit in packet.closest_runbooks]
    full = series("shipper", "node_filesystem_used_ratio", "ratio", (0, 0.80), (50, 0.99))
    evidence = EvidenceBundle(metrics=(full,), logs=(line,), deploys_checked=True)
    filled = packet_for("shipper", [alert], evidence, catalog).runbook
    assert filled is not None
    assert filled.id == "disk-filling"


def test_secrets_handed_to_untrusted_code_or_kept_in_the_clear_are_an_exposure() -> None:
    assert exposure_in("injected secure variables into job (event=pull_request, fork=true)")
    assert exposure_in("API tokens exposed to builds of forked repositories")
    assert exposure_in("auth: login failed for bob, password=hunter2 logged in plaintext")
    assert exposure_in("wrote cleartext credentials for 3,100 users to the request log")
    assert exposure_in("rotated the API key for the billing worker") is None
    assert exposure_in("public page cache hit ratio 0.93") is None


def test_an_exposure_line_may_date_its_own_start() -> None:
    assert stated_onset("secrets exposed to fork builds since 2026-09-03") == (
        datetime(2026, 9, 3, tzinfo=UTC),
        False,
    )
    assert stated_onset("exposed since 2026-09-03T11:50") == (
        datetime(2026, 9, 3, 11, 50, tzinfo=UTC),
        True,
    )
    assert stated_onset("exposed to fork builds") is None


def test_the_release_that_opened_an_exposure_found_days_later_is_the_suspect() -> None:
    catalog = Catalog((ServiceEntry("builds", "ci"),))
    opened = Deploy("builds", "0d3a7c5e91", at(11, 40) - timedelta(days=7), files=("lib/env.rb",))
    report = LogRecord(
        at(13, 55),
        "builds",
        "WARN",
        "security: secure variables exposed to fork PR builds since 2026-02-25",
    )
    alert = signal("Security report: secure env vars available to forked PR builds", "builds")
    evidence = EvidenceBundle(deploys=(opened,), logs=(report,), deploys_checked=True)
    assessment = assess("builds", [alert], evidence, catalog=catalog)
    assert assessment.first_seen == opened.at
    assert assessment.suspect is not None
    assert assessment.suspect.deploy.sha == "0d3a7c5e91"
    assert Marker.CUSTOMER_DATA in {raised.marker for raised in assessment.markers}
    packet = packet_for("builds", [alert], evidence, catalog)
    kinds = {action.kind: action.requires_approval for action in packet.actions if action.kind}
    assert kinds[ActionKind.ROLLBACK] is True
    assert ActionKind.RESTART not in kinds
    assert ActionKind.SCALE not in kinds


def test_a_subnet_out_of_addresses_is_resource_exhaustion_with_no_runbook_to_scale() -> None:
    assert alert_resource("Subnet IP utilization above 95% for ingress subnets") == "addresses"
    assert alert_resource("InsufficientFreeAddressesInSubnet on node ip-10-1-2-3") == "addresses"
    assert alert_resource("CPU utilization above 95%") is None
    catalog = Catalog((ServiceEntry("ingress", "cloud"),))
    alert = signal("Subnet IP utilization above 95% for ingress subnets", "ingress")
    evidence = EvidenceBundle(deploys_checked=True)
    assessment = assess("ingress", [alert], evidence, catalog=catalog)
    assert assessment.cause is CauseKind.RESOURCE
    assert assessment.category is IncidentCategory.RESOURCE
    packet = packet_for("ingress", [alert], evidence, catalog)
    assert packet.runbook is None
    assert ActionKind.SCALE not in {action.kind for action in packet.actions}


def test_scheduled_syncs_that_fail_are_a_data_pipeline_incident() -> None:
    catalog = Catalog((ServiceEntry("sync", "pipelines"),))
    alert = signal("Connector syncs failing", "sync", "Scheduled sync jobs fail with a timeout")
    assessment = assess("sync", [alert], EvidenceBundle(deploys_checked=True), catalog=catalog)
    assert assessment.category is IncidentCategory.DATA
    web = signal("Background jobs queue is growing", "web", "checkout p99 above 2 s")
    assessment = assess("web", [web], EvidenceBundle(deploys_checked=True), catalog=catalog)
    assert assessment.category is not IncidentCategory.DATA


def test_a_load_balancer_counting_502s_the_proxy_never_served_is_a_conflict() -> None:
    assert series_kind("alb_elb_502_count") is SeriesKind.ERRORS
    assert series_kind("p500_bucket") is not SeriesKind.ERRORS
    catalog = Catalog((ServiceEntry("edge", "cloud"),))
    lb = series("edge", "alb_elb_502_count", "count", (0, 0), (20, 31), (40, 0), (60, 44))
    proxy = series("edge", "proxy_5xx_responses", "count", (20, 0), (40, 0), (60, 0))
    alert = signal("Load balancer returned 502 for edge", "edge")
    evidence = EvidenceBundle(metrics=(lb, proxy), deploys_checked=True)
    markers = assess("edge", [alert], evidence, catalog=catalog).markers
    assert Marker.CONFLICTING_SIGNALS in {raised.marker for raised in markers}
    agreeing = series("edge", "proxy_5xx_responses", "count", (20, 30), (40, 0), (60, 40))
    evidence = EvidenceBundle(metrics=(lb, agreeing), deploys_checked=True)
    markers = assess("edge", [alert], evidence, catalog=catalog).markers
    assert Marker.CONFLICTING_SIGNALS not in {raised.marker for raised in markers}


def test_requests_that_stopped_arriving_hours_before_the_alert_date_the_incident() -> None:
    catalog = Catalog(
        (
            ServiceEntry("roster", "crew", depends_on=("ingress",)),
            ServiceEntry("ingress", "cloud"),
        )
    )
    route = Deploy(
        "ingress", "6a1f0c2d9e", at(11, 53), title="Fix dashboard", files=("traefik/route.yaml",)
    )
    traffic = series("roster", "requests_per_second", "req/s", (-90, 41), (-70, 39), (-65, 0.4))
    alert = signal("roster: all /api calls return 404 since this evening", "roster")
    evidence = EvidenceBundle(
        deploys=(route,), metrics=(), long_metrics=(traffic,), deploys_checked=True
    )
    assessment = assess("roster", [alert], evidence, catalog=catalog)
    assert assessment.first_seen == at(11, 55)
    assert assessment.cause is CauseKind.CONFIG
    assert assessment.suspect is not None
    assert assessment.suspect.deploy.sha == "6a1f0c2d9e"
    # A rate that dipped and came back is no collapse.
    dip = series("roster", "requests_per_second", "req/s", (-90, 41), (-70, 3), (-65, 40))
    evidence = EvidenceBundle(deploys=(route,), long_metrics=(dip,), deploys_checked=True)
    assert assess("roster", [alert], evidence, catalog=catalog).suspect is None


def test_a_deploy_that_changed_no_credential_is_not_blamed_for_an_expired_idp_certificate() -> None:
    catalog = Catalog((ServiceEntry("portal", "web"),))
    near = Deploy("portal", "77c0ffee12", at(13, 55), title="Tweak the footer", files=("a.tsx",))
    expired = LogRecord(
        at(14, 0),
        "portal",
        "ERROR",
        "SAML sign-in failed: IdP signing certificate has expired (adfs.corp.example)",
        count=900,
    )
    alert = signal("portal sign-in failures", "portal")
    evidence = EvidenceBundle(deploys=(near,), logs=(expired,), deploys_checked=True)
    assessment = assess("portal", [alert], evidence, catalog=catalog)
    assert assessment.cause is CauseKind.CONFIG
    assert assessment.suspect is None
    packet = packet_for("portal", [alert], evidence, catalog)
    assert ActionKind.ROLLBACK not in {action.kind for action in packet.actions}


def test_a_deploy_that_changed_authentication_code_stays_a_suspect_for_refused_logins() -> None:
    catalog = Catalog((ServiceEntry("portal", "web"),))
    near = Deploy("portal", "77c0ffee12", at(13, 55), title="Refactor SAML login", files=("b.py",))
    refused = LogRecord(at(14, 0), "portal", "ERROR", "upstream said 401 Unauthorized", count=90)
    alert = signal("portal sign-in failures", "portal")
    evidence = EvidenceBundle(deploys=(near,), logs=(refused,), deploys_checked=True)
    assessment = assess("portal", [alert], evidence, catalog=catalog)
    assert assessment.suspect is not None
    assert assessment.suspect.deploy.sha == "77c0ffee12"


def test_a_secret_value_written_to_a_line_is_an_exposure_and_a_masked_one_is_not() -> None:
    assert exposure_in("auth: login ok user=ann password=Tr0ub4dor&3 ip=10.0.0.9")
    assert exposure_in('request body: {"user": "ann", "password": "hunter22"}')
    assert exposure_in("auth: login ok user=ann password=*** ip=10.0.0.9") is None
    assert exposure_in("connecting with password=${DB_PASSWORD}") is None
    assert exposure_in("password: too short") is None
    assert exposure_in("password authentication failed for user app") is None


def test_stale_data_is_a_data_incident_and_a_surge_of_load_is_performance() -> None:
    catalog = Catalog((ServiceEntry("warehouse", "data"),))
    stale = signal("Freshness check failed: orders table not updated since 02:00", "warehouse")
    assessment = assess("warehouse", [stale], EvidenceBundle(deploys_checked=True), catalog=catalog)
    assert assessment.category is IncidentCategory.DATA
    cdn = signal("edge serving stale cache entries", "warehouse")
    assessment = assess("warehouse", [cdn], EvidenceBundle(deploys_checked=True), catalog=catalog)
    assert assessment.category is not IncidentCategory.DATA
    surge = hypothesis(
        CauseKind.TRAFFIC, "Load surge", [Citation("metric:api/rps", "rps tripled", 0.6)]
    )
    errors = signal("api 5xx above 2 %", "api")
    category = categorize(
        service="api", signals=[errors], spikes=[], hypotheses=[surge], markers=[]
    )
    assert category is IncidentCategory.PERFORMANCE


def test_an_error_that_also_hits_a_service_that_did_not_deploy_is_not_the_deploys() -> None:
    catalog = Catalog(
        (ServiceEntry("api", "web", depends_on=("jobs",)), ServiceEntry("jobs", "web"))
    )
    near = Deploy("api", "5e5e5e5e5e", at(13, 55), title="Cart totals", files=("cart.py",))
    text = "failed calling webhook validate.policy.example: context deadline exceeded"
    mine = LogRecord(at(14, 0), "api", "ERROR", text, count=300)
    theirs = LogRecord(at(14, 0), "jobs", "ERROR", text, count=120)
    alert = signal("api rollout failing", "api")
    evidence = EvidenceBundle(deploys=(near,), logs=(mine, theirs), deploys_checked=True)
    assessment = assess("api", [alert], evidence, catalog=catalog)
    deploy = next(h for h in assessment.hypotheses if h.category is CauseKind.DEPLOY)
    assert any("jobs, which did not deploy" in c.text for c in deploy.contradicts)
    alone = EvidenceBundle(deploys=(near,), logs=(mine,), deploys_checked=True)
    deploy = next(
        h
        for h in assess("api", [alert], alone, catalog=catalog).hypotheses
        if h.category is CauseKind.DEPLOY
    )
    assert not any("did not deploy" in c.text for c in deploy.contradicts)
    shared = assess("api", [alert], evidence, catalog=catalog)
    assert shared.suspect is None


def test_a_rollout_refused_by_a_failing_admission_webhook_is_not_blamed() -> None:
    catalog = Catalog((ServiceEntry("api", "web"),))
    near = Deploy("api", "5e5e5e5e5e", at(13, 58), title="Cart totals", files=("cart.py",))
    refused = WorkloadEvent(
        at(14, 0),
        "shop",
        "replicaset/api-7f9c",
        "Warning",
        "FailedCreate",
        'Internal error occurred: failed calling webhook "policy.example.io": '
        "context deadline exceeded",
    )
    alert = signal("api rollout stuck", "api")
    evidence = EvidenceBundle(
        deploys=(near,), cluster=ClusterState(events=(refused,)), deploys_checked=True
    )
    assessment = assess("api", [alert], evidence, catalog=catalog)
    assert assessment.suspect is None
    packet = packet_for("api", [alert], evidence, catalog)
    assert ActionKind.ROLLBACK not in {action.kind for action in packet.actions}


def test_a_host_the_failing_calls_reach_that_a_dependencys_own_line_names_is_that_dependency() -> (
    None
):
    catalog = Catalog(
        (
            ServiceEntry("runner", "ops", depends_on=("image-source", "nodes")),
            ServiceEntry("image-source", "vendor"),
            ServiceEntry("nodes", "platform"),
        )
    )
    late = Deploy("runner", "9a9a9a9a9a", at(14, 2), title="Log more", files=("run.py",))
    pulls = LogRecord(
        at(13, 55),
        "nodes",
        "WARN",
        'Failed to pull image "registry.vendor.example/acme/worker:1.2": 502 Bad Gateway',
        count=300,
    )
    status = LogRecord(
        at(13, 58), "image-source", "WARN", "status: registry.vendor.example degraded", count=1
    )
    alert = signal("runner jobs cannot start", "runner")
    evidence = EvidenceBundle(deploys=(late,), logs=(pulls, status), deploys_checked=True)
    assessment = assess("runner", [alert], evidence, catalog=catalog)
    assert assessment.cause is CauseKind.DEPENDENCY
    assert assessment.hypotheses[0].subject == "image-source"
    assert any("registry.vendor.example" in c.text for c in assessment.hypotheses[0].supports)
    assert assessment.suspect is None
    deploy = next(h for h in assessment.hypotheses if h.category is CauseKind.DEPLOY)
    assert any("before it landed" in c.text for c in deploy.contradicts)
    packet = packet_for("runner", [alert], evidence, catalog)
    assert ActionKind.ROLLBACK not in {action.kind for action in packet.actions}
    # Without the dependency's own line naming the host, nothing ties the calls to it.
    quiet = EvidenceBundle(deploys=(late,), logs=(pulls,), deploys_checked=True)
    assert not any(
        h.subject == "image-source"
        for h in assess("runner", [alert], quiet, catalog=catalog).hypotheses
    )


def test_a_host_a_line_talks_about_is_not_a_host_a_call_was_made_to() -> None:
    assert hosts_in("quay.io and docker.io degraded") == {"quay.io", "docker.io"}
    assert hosts_in("quay.io and docker.io degraded", called=True) == frozenset()
    assert hosts_in('pull "quay.io/org/img:1" failed', called=True) == {"quay.io"}
    assert hosts_in("at Scheduler.java line 9") == frozenset()


def test_a_certificate_refused_that_the_dependencys_own_line_speaks_of_is_that_dependency() -> None:
    catalog = Catalog(
        (ServiceEntry("portal", "web", depends_on=("idp",)), ServiceEntry("idp", "identity"))
    )
    copy = Deploy(
        "portal",
        "3c3c3c3c3c",
        at(13, 52),
        title="Login page: clearer wording",
        files=("portal_sso/templates/login.html", "portal_sso/i18n/en.po"),
    )
    refused = LogRecord(
        at(14, 0), "portal", "ERROR", "SAML response rejected: certificate expired", count=200
    )
    own = LogRecord(
        at(14, 1), "idp", "WARN", "metadata: token-signing certificate notAfter 14:00", count=1
    )
    alert = signal("portal sign-in failures", "portal")
    evidence = EvidenceBundle(deploys=(copy,), logs=(refused, own), deploys_checked=True)
    assessment = assess("portal", [alert], evidence, catalog=catalog)
    assert assessment.cause is CauseKind.DEPENDENCY
    assert assessment.suspect is None
    deploy = next(h for h in assessment.hypotheses if h.category is CauseKind.DEPLOY)
    assert any("which it did not change" in c.text for c in deploy.contradicts)
    packet = packet_for("portal", [alert], evidence, catalog)
    assert ActionKind.ROLLBACK not in {action.kind for action in packet.actions}


def test_markup_and_copy_hold_no_credential_code_whatever_their_folder_says() -> None:
    assert presentation_only(("sso/templates/login.html", "sso/i18n/en.po"))
    assert not presentation_only(("sso/templates/login.html", "sso/saml.py"))
    assert not presentation_only(())


def test_series_written_into_a_store_are_its_load() -> None:
    assert series_kind("active_series") is SeriesKind.TRAFFIC
    assert series_kind("samples_ingested_total") is SeriesKind.TRAFFIC
    assert series_kind("container_memory_working_set_bytes") is SeriesKind.SATURATION


def test_a_webhook_configuration_applied_before_its_calls_failed_is_the_config_change() -> None:
    catalog = Catalog(
        (ServiceEntry("api", "web", depends_on=("kube",)), ServiceEntry("kube", "platform"))
    )
    near = Deploy("api", "5e5e5e5e5e", at(13, 58), title="Cart totals", files=("cart.py",))
    applied = LogRecord(
        at(12, 40),
        "kube",
        "INFO",
        "audit: create validatingwebhookconfiguration/scan by user admin (failurePolicy: Fail)",
    )
    refused = LogRecord(
        at(14, 0), "api", "ERROR", "apply rejected: failed calling webhook: context deadline"
    )
    alert = signal("api deploy failed", "api")
    evidence = EvidenceBundle(deploys=(near,), logs=(applied, refused), deploys_checked=True)
    assessment = assess("api", [alert], evidence, catalog=catalog)
    assert assessment.cause is CauseKind.CONFIG
    assert any("applied at 12:40" in c.text for c in assessment.hypotheses[0].supports)
    assert assessment.suspect is None
    without = EvidenceBundle(deploys=(near,), logs=(refused,), deploys_checked=True)
    assert assess("api", [alert], without, catalog=catalog).cause is not CauseKind.CONFIG


def test_a_suspect_release_that_migrated_the_schema_gets_a_restore_not_a_rollback() -> None:
    catalog = Catalog((ServiceEntry("api", "web"),))
    migrated = Deploy(
        "api",
        "6d6d6d6d6d",
        at(13, 58),
        title="Timeline v2",
        files=("app/models/entry.rb", "db/migrate/20260304_add_entries.rb"),
        has_migration=True,
    )
    slow = LogRecord(at(14, 0), "api", "ERROR", "schema cache 20260304 missing", count=900)
    alert = signal("api canary failing", "api")
    evidence = EvidenceBundle(deploys=(migrated,), logs=(slow,), deploys_checked=True)
    assessment = assess("api", [alert], evidence, catalog=catalog)
    assert Marker.UNSAFE_ROLLBACK in {item.marker for item in assessment.markers}
    packet = packet_for("api", [alert], evidence, catalog)
    kinds = {action.kind: action.requires_approval for action in packet.actions if action.kind}
    assert ActionKind.ROLLBACK not in kinds
    assert kinds[ActionKind.CONFIG_CHANGE] is True


def test_code_built_for_another_platform_that_fails_to_load_is_configuration() -> None:
    catalog = Catalog((ServiceEntry("gw", "edge"),))
    arch = LogRecord(
        at(13, 40),
        "gw",
        "WARN",
        "agent: failed to load libx.so (can't load AMD 64 .so on a AARCH64 platform)",
        count=30,
    )
    alert = signal("gw down", "gw")
    evidence = EvidenceBundle(logs=(arch,), deploys_checked=True)
    assessment = assess("gw", [alert], evidence, catalog=catalog)
    assert assessment.cause is CauseKind.CONFIG
    assert "another platform" in assessment.hypotheses[0].supports[0].text
    packet = packet_for("gw", [alert], evidence, catalog)
    assert ActionKind.CONFIG_CHANGE in {action.kind for action in packet.actions}
    plain = LogRecord(at(13, 40), "gw", "WARN", "agent: failed to load config", count=30)
    other = EvidenceBundle(logs=(plain,), deploys_checked=True)
    assert assess("gw", [alert], other, catalog=catalog).cause is not CauseKind.CONFIG
