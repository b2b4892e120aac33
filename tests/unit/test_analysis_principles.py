"""The principles of issue 13, one rule per test: pure functions and ``assess``, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.action.kinds import ActionKind
from bot.analysis.assessment import assess
from bot.analysis.deploys import is_settings_only
from bot.analysis.detectors.alert import alert_resource
from bot.analysis.detectors.config_push import is_config_push
from bot.analysis.detectors.dependency import alias_pattern
from bot.analysis.detectors.deploy import inert_change, is_config_only, later_trigger
from bot.analysis.detectors.kubernetes import kube_reason
from bot.analysis.detectors.traffic import steady_growth, sustained_rise
from bot.analysis.exposure import exposure_in
from bot.analysis.safety import SafetyFacts, forbidden, must_approve, violations
from bot.analysis.series import SeriesKind, as_percent, series_kind, trend
from bot.catalog import Catalog, ServiceEntry, repository_key, with_catalog_service
from bot.evidence.values import (
    ChangeWindow,
    ChangeWindowKind,
    ClusterState,
    Deploy,
    EvidenceBundle,
    FlagChange,
    LogRecord,
    MetricSeries,
    WorkloadEvent,
)
from bot.scenario.terms import CauseKind, Marker
from bot.signal.values import AlertSource, Severity, Signal, SignalStatus


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 4, hour, minute, tzinfo=UTC)


def signal(title: str, service: str = "api", description: str = "") -> Signal:
    return Signal(
        source=AlertSource.GENERIC,
        service=service,
        severity=Severity.SEV2,
        status=SignalStatus.FIRING,
        started_at=at(14, 3),
        title=title,
        fingerprint=f"generic:{service}:{title}",
        delivery_id=f"{service}:{title}",
        description=description,
        labels={"repository": "acme/storefront"} if service == "storefront" else {},
    )


def series(service: str, name: str, unit: str | None, *values: tuple[int, float]) -> MetricSeries:
    return MetricSeries(
        service, name, unit, tuple((at(13, 0) + timedelta(minutes=m), v) for m, v in values)
    )


# --- metric names and units: USE and RED ---------------------------------------------------


def test_metric_names_read_as_red_for_services_and_use_for_resources() -> None:
    assert series_kind("http_requests_per_second") is SeriesKind.TRAFFIC
    assert series_kind("request_errors_total") is SeriesKind.ERRORS
    assert series_kind("request_duration_seconds") is SeriesKind.LATENCY
    assert series_kind("system.disk.in_use") is SeriesKind.SATURATION
    assert series_kind("db_connection_pool_utilization") is SeriesKind.SATURATION


def test_a_ratio_between_zero_and_one_reads_as_a_percentage() -> None:
    ratio = series("db", "disk_used_ratio", "ratio", (0, 0.5), (10, 0.93))
    assert as_percent(ratio) == (50.0, 93.0)
    assert as_percent(series("db", "memory_bytes", "bytes", (0, 0.5), (10, 0.9))) is None


def test_a_steady_climb_says_when_the_volume_is_full() -> None:
    climb = trend(
        series("db", "disk_used", "percent", (0, 20), (60, 30), (120, 40), (180, 50), (240, 60))
    )
    assert climb is not None
    assert climb.full_in == timedelta(hours=4)
    assert "at this rate the disk is full in about 4 h" in climb.describe()


def test_a_step_is_a_spike_not_a_trend() -> None:
    step = series("db", "disk_used", "percent", (0, 40), (10, 40), (20, 41), (30, 90))
    assert trend(step) is None


# --- the alert is evidence -----------------------------------------------------------------


def test_the_alert_words_name_the_exhausted_resource() -> None:
    assert alert_resource("Disk usage above 90% on archive-blockstore") == "disk"
    assert alert_resource("database connection pool exhausted (0 of 40 free)") == "pool"
    assert alert_resource("oldest transaction id is 0.93 of the wraparound limit") == "capacity"
    assert alert_resource("checkout error rate above 5%") is None


def test_a_disk_alert_with_no_log_line_is_a_resource_cause() -> None:
    alert = signal("[Triggered] Disk usage above 90% on api")
    assessment = assess("api", [alert], EvidenceBundle(deploys_checked=True))
    assert assessment.cause is CauseKind.RESOURCE
    assert assessment.hypotheses[0].supports[0].ref == f"signal:{alert.fingerprint}"


# --- load versus saturation ----------------------------------------------------------------


def test_saturation_that_follows_a_rise_in_load_is_a_symptom_of_the_load() -> None:
    evidence = EvidenceBundle(
        metrics=(
            series("api", "requests_per_second", "req/s", (0, 100), (10, 105), (20, 98), (30, 400)),
            series("api", "cpu_utilization", "percent", (0, 40), (10, 41), (20, 40), (40, 99)),
        ),
        deploys_checked=True,
    )
    assessment = assess("api", [signal("api p99 latency above 2s")], evidence)
    assert assessment.cause is CauseKind.TRAFFIC
    resource = next(h for h in assessment.hypotheses if h.category is CauseKind.RESOURCE)
    assert any("symptom of load" in c.text for c in resource.contradicts)


# --- decoy deploys and configuration pushes ------------------------------------------------


def test_docs_tests_and_copy_are_inert_changes() -> None:
    assert inert_change(("README.md", "docs/setup.md", "tests/test_api.py"), None)
    assert inert_change(("locales/en.json", "content/banner.md"), None)
    assert not inert_change(("app/parser.py", "README.md"), None)
    assert inert_change((), "Fix typo in settings copy")


def test_a_push_to_a_dependency_is_configuration() -> None:
    assert is_config_push(("zones/acme.com/dnssec.tf",), "Enable DNSSEC")
    assert is_config_push(("edge/cache-rules.vcl",), None)
    assert is_config_only(("nameservers/named.conf.options",))
    assert not is_config_push(("app/views.py",), "Show the cart total")


def test_a_config_push_to_a_dependency_is_named_as_the_change_and_no_own_deploy_is_blamed() -> None:
    catalog = Catalog(
        (ServiceEntry("web", "team", depends_on=("dns-zones",)), ServiceEntry("dns-zones", "net"))
    )
    push = Deploy("dns-zones", "c4e8f2d017", at(13, 50), title="Enable DNSSEC", files=("z.tf",))
    own = Deploy("web", "8b02e6a9c4", at(12, 30), files=("web/picker.tsx",))
    evidence = EvidenceBundle(deploys=(push, own), deploys_checked=True)
    assessment = assess("web", [signal("app fails to resolve", "web")], evidence, catalog=catalog)
    assert assessment.cause is CauseKind.CONFIG
    assert assessment.suspect is not None
    assert assessment.suspect.deploy.sha == "c4e8f2d017"


# --- outside-in and conflicting signals ----------------------------------------------------


def test_outside_in_failure_with_healthy_own_metrics_blames_the_edge_and_conflicts() -> None:
    catalog = Catalog((ServiceEntry("shop", "web", depends_on=("shop-cdn", "cart")),))
    evidence = EvidenceBundle(
        metrics=(
            series("shop", "error_rate", "percent", (0, 0.3), (20, 0.3), (40, 0.2), (60, 0.3)),
            series("shop", "p99_latency", "ms", (0, 240), (30, 236), (60, 228)),
        ),
        deploys=(Deploy("shop", "e5a90c2d17", at(13, 40), files=("templates/footer.html",)),),
        deploys_checked=True,
    )
    alert = signal("DOWN: shop HTTP 503 from 7/7 probe locations", "shop")
    assessment = assess("shop", [alert], evidence, catalog=catalog)
    assert (assessment.cause, assessment.hypotheses[0].subject) == (
        CauseKind.DEPENDENCY,
        "shop-cdn",
    )
    assert assessment.suspect is None
    assert Marker.CONFLICTING_SIGNALS in {m.marker for m in assessment.markers}


# --- customer data -------------------------------------------------------------------------


def test_data_served_to_the_wrong_owner_is_an_exposure() -> None:
    assert exposure_in("response for customer c_88 served to session of customer c_10")
    assert exposure_in("audit: user u_1 listed space s_9; membership=none; decision=allow")
    assert exposure_in("users report seeing another person's name after login")
    assert exposure_in("connection refused to user-db for user 12") is None
    assert exposure_in("history list for user u_5 returned 12 conversations") is None


def test_an_exposure_raises_customer_data_and_makes_the_incident_security() -> None:
    evidence = EvidenceBundle(
        logs=(
            LogRecord(at(14, 1), "api", "warn", "page rendered for user u_1 requested by user u_2"),
        ),
        deploys_checked=True,
    )
    assessment = assess("api", [signal("api 5xx above 1%")], evidence)
    assert Marker.CUSTOMER_DATA in {m.marker for m in assessment.markers}
    assert assessment.category.value == "security"


# --- Kubernetes reasons --------------------------------------------------------------------


def test_kubernetes_reasons_map_to_one_cause_each() -> None:
    oom = kube_reason("OOMKilled")
    assert oom is not None
    assert (oom.cause, oom.runbook) == (CauseKind.RESOURCE, "oom-kill")
    pressure = kube_reason("Evicted", "The node was low on resource: ephemeral-storage")
    assert pressure is not None
    assert pressure.subject == "disk"
    memory = kube_reason("Evicted", "The node was low on resource: memory")
    assert memory is not None
    assert memory.subject == "memory"
    pull = kube_reason("ImagePullBackOff", "dial tcp: i/o timeout")
    assert pull is not None
    assert pull.cause is CauseKind.DEPENDENCY
    missing = kube_reason("ErrImagePull", "manifest unknown")
    assert missing is not None
    assert missing.cause is CauseKind.DEPLOY
    crash = kube_reason("CrashLoopBackOff")
    assert crash is not None
    assert crash.cause is None


# --- safety invariants ---------------------------------------------------------------------


def test_no_restart_or_scale_while_customer_data_is_exposed_and_containment_needs_approval() -> (
    None
):
    leaking = SafetyFacts(customer_data=True, deploy_near=True, migration=False)
    assert forbidden(ActionKind.RESTART, leaking) is not None
    assert forbidden(ActionKind.SCALE, leaking) is not None
    assert forbidden(ActionKind.ROLLBACK, leaking) is None
    assert must_approve(ActionKind.ROLLBACK, leaking) is not None
    assert violations([(ActionKind.SCALE, True), (ActionKind.ROLLBACK, False)], leaking) == (
        "no scale while customer data may be exposed: it would widen the leak",
        "containment while customer data may be exposed needs a human's approval",
    )


def test_no_rollback_without_a_deploy_near_or_over_a_migration() -> None:
    nothing_near = SafetyFacts(customer_data=False, deploy_near=False, migration=False)
    migrated = SafetyFacts(customer_data=False, deploy_near=True, migration=True)
    assert forbidden(ActionKind.ROLLBACK, nothing_near) is not None
    assert forbidden(ActionKind.ROLLBACK, migrated) is not None
    assert forbidden(ActionKind.PAGE_OWNER, migrated) is None


# --- GitHub events name the repository -----------------------------------------------------


def test_a_repository_maps_to_the_catalog_service_whose_repo_it_is() -> None:
    catalog = Catalog(
        (
            ServiceEntry("basket-web", "web", repo="https://github.com/Acme/Storefront.git"),
            ServiceEntry("basket-store", "web"),
        )
    )
    assert repository_key("git@github.com:acme/storefront.git") == "acme/storefront"
    assert catalog.service_for_repository("acme/storefront") == "basket-web"
    mapped = with_catalog_service(signal("Deploy failed", "storefront"), catalog)
    assert mapped.service == "basket-web"
    known = with_catalog_service(signal("Deploy failed", "basket-store"), catalog)
    assert known.service == "basket-store"


# --- changes that did not start the trouble ------------------------------------------------


def _pull_event(minute: int, reason: str, message: str) -> WorkloadEvent:
    return WorkloadEvent(
        at(13, minute), "pricing", "pod/quoter-5d7b-h2kx9", "Warning", reason, message
    )


def test_a_pull_reported_under_a_generic_reason_is_read_from_its_message() -> None:
    timeout = 'Failed to pull image "registry.acme.internal/q:9f1c": 504 Gateway Time-out'
    assert kube_reason("Failed", timeout) == kube_reason("ImagePullBackOff")
    assert kube_reason("BackOff", 'Back-off pulling image "registry.acme.internal/q:9f1c"') == (
        kube_reason("ImagePullBackOff")
    )
    restarting = kube_reason("BackOff", "Back-off restarting failed container")
    assert restarting is not None
    assert restarting.cause is None


def test_a_rollout_that_could_not_pull_from_a_failing_registry_blames_the_registry() -> None:
    catalog = Catalog(
        (
            ServiceEntry("quoter", "pricing", depends_on=("image-registry",)),
            ServiceEntry("image-registry", "build"),
        )
    )
    deploy = Deploy("quoter", "9f1c2ab4", at(13, 0), files=("quoter/fares.py",), succeeded=False)
    events = (
        _pull_event(
            2,
            "Failed",
            'Failed to pull image "image-registry.acme.internal/q:9f1c": '
            "unexpected status from HEAD request: 504 Gateway Time-out",
        ),
        _pull_event(3, "Failed", "Error: ImagePullBackOff"),
        WorkloadEvent(
            at(13, 10),
            "pricing",
            "deployment/quoter",
            "Warning",
            "ProgressDeadlineExceeded",
            'ReplicaSet "quoter-5d7b" has timed out progressing.',
        ),
    )
    evidence = EvidenceBundle(
        deploys=(deploy,), cluster=ClusterState(events=events), deploys_checked=True
    )
    assessment = assess("quoter", [signal("deploy failed", "quoter")], evidence, catalog=catalog)
    assert assessment.cause is CauseKind.DEPENDENCY
    assert assessment.hypotheses[0].subject == "image-registry"
    assert assessment.suspect is None
    blamed = next(h for h in assessment.hypotheses if h.category is CauseKind.DEPLOY)
    assert any("could not pull" in c.text for c in blamed.contradicts)


def test_an_image_that_does_not_exist_is_not_the_registry_failing() -> None:
    events = (
        _pull_event(
            2, "Failed", 'Failed to pull image "reg.acme.internal/q:9f1c": manifest unknown'
        ),
        _pull_event(3, "BackOff", 'Back-off pulling image "reg.acme.internal/q:9f1c"'),
    )
    evidence = EvidenceBundle(cluster=ClusterState(events=events), deploys_checked=True)
    assessment = assess("quoter", [signal("pods not starting", "quoter")], evidence)
    assert all(h.category is not CauseKind.DEPENDENCY for h in assessment.hypotheses)


def test_a_deploy_that_ran_quietly_until_a_flag_flipped_is_not_the_trigger() -> None:
    assert later_trigger(at(12, 56), at(13, 30), [("flag rlp", at(13, 30))]) == (
        "flag rlp",
        at(13, 30),
    )
    assert later_trigger(at(13, 25), at(13, 30), [("flag rlp", at(13, 28))]) is None  # too close
    assert later_trigger(at(12, 56), at(13, 30), [("flag rlp", at(13, 0))]) is None  # long before
    deploy = Deploy("router", "8e4b7d12", at(12, 56), files=("router/rlp.cpp",))
    flag = FlagChange(at(13, 30), "rlp_enabled", "off -> on", service="router")
    evidence = EvidenceBundle(
        deploys=(deploy,),
        flags=(flag,),
        metrics=(
            series(
                "router",
                "orders_per_second",
                "orders/s",
                (20, 0),
                (25, 0),
                (29, 0),
                (30, 0),
                (31, 4100),
                (34, 10400),
            ),
        ),
        deploys_checked=True,
    )
    assessment = assess("router", [signal("orders surge", "router")], evidence)
    assert assessment.cause is CauseKind.FLAG
    assert assessment.suspect is None


def test_no_scale_when_a_pool_ran_out_or_the_readings_disagree() -> None:
    pool = SafetyFacts(customer_data=False, deploy_near=False, migration=False, pool_exhausted=True)
    assert forbidden(ActionKind.SCALE, pool) is not None
    assert forbidden(ActionKind.RESTART, pool) is None
    disputed = SafetyFacts(
        customer_data=False, deploy_near=False, migration=False, readings_disputed=True
    )
    assert forbidden(ActionKind.SCALE, disputed) is not None
    assert forbidden(ActionKind.RESTART, disputed) is not None
    assert forbidden(ActionKind.PAGE_OWNER, disputed) is None
    plain = SafetyFacts(customer_data=False, deploy_near=False, migration=False)
    assert forbidden(ActionKind.SCALE, plain) is None


def test_a_pool_that_ran_out_behind_a_blocked_dependency_blames_the_dependency() -> None:
    catalog = Catalog(
        (
            ServiceEntry("meta-api", "storage", depends_on=("meta-pg",)),
            ServiceEntry("meta-pg", "dba"),
        )
    )
    waits = LogRecord(
        at(14, 1),
        "meta-pg",
        "LOG",
        "process 81602 still waiting for AccessShareLock on relation 16390 after 1000 ms",
        count=5214,
    )
    evidence = EvidenceBundle(logs=(waits,), deploys_checked=True)
    alert = signal("meta-api database connection pool exhausted", "meta-api")
    assessment = assess("meta-api", [alert], evidence, catalog=catalog)
    assert assessment.cause is CauseKind.DEPENDENCY
    assert assessment.hypotheses[0].subject == "meta-pg"
    cited = " ".join(c.text for c in assessment.hypotheses[0].supports)
    assert "blocked" in cited
    assert "pool ran out" in cited


def test_items_received_per_second_are_a_request_rate() -> None:
    assert series_kind("webhooks_received_per_second") is SeriesKind.TRAFFIC
    assert series_kind("incoming_messages") is SeriesKind.TRAFFIC


def test_load_arriving_through_a_dependency_is_traffic_not_that_dependency_failing() -> None:
    catalog = Catalog(
        (
            ServiceEntry("builds", "ci", depends_on=("hooks", "queue-db")),
            ServiceEntry("hooks", "vcs"),
            ServiceEntry("queue-db", "dba"),
        )
    )
    evidence = EvidenceBundle(
        metrics=(
            series(
                "hooks",
                "webhooks_received_per_second",
                "req/s",
                (0, 40),
                (10, 35),
                (20, 310),
                (30, 340),
            ),
            series(
                "queue-db", "cpu_utilization", "percent", (0, 35), (10, 36), (25, 88), (35, 100)
            ),
        ),
        deploys_checked=True,
    )
    assessment = assess(
        "builds", [signal("builds wait to start", "builds")], evidence, catalog=catalog
    )
    assert assessment.cause is CauseKind.TRAFFIC
    hooks = [h for h in assessment.hypotheses if h.subject == "hooks"]
    assert not hooks


def test_load_that_arrived_after_one_baseline_point_and_stayed_is_a_rise() -> None:
    stayed = series("api", "requests_per_second", "req/s", (0, 9000), (30, 58000), (33, 86000))
    rise = sustained_rise(stayed, 2.0)
    assert rise is not None
    assert rise.first_anomaly_at == at(13, 30)
    fell_back = series("api", "requests_per_second", "req/s", (0, 9000), (30, 58000), (33, 9500))
    assert sustained_rise(fell_back, 2.0) is None


def test_calls_that_fail_after_the_services_own_load_surged_follow_the_load() -> None:
    catalog = Catalog(
        (ServiceEntry("gw", "broker", depends_on=("quotes",)), ServiceEntry("quotes", "md"))
    )
    evidence = EvidenceBundle(
        metrics=(
            series("gw", "requests_per_second", "req/s", (0, 9000), (30, 58000), (33, 86000)),
            series("gw", "cpu_utilization", "percent", (0, 22), (30, 61), (34, 94), (38, 99)),
        ),
        logs=(LogRecord(at(13, 35), "gw", "ERROR", "calling quotes: i/o timeout", count=6100),),
        deploys_checked=True,
    )
    alert = Signal(
        source=AlertSource.GENERIC,
        service="gw",
        severity=Severity.SEV1,
        status=SignalStatus.FIRING,
        started_at=at(13, 36),
        title="gw order submissions failing",
        fingerprint="generic:gw",
        delivery_id="gw",
    )
    assessment = assess("gw", [alert], evidence, catalog=catalog)
    assert assessment.cause is CauseKind.TRAFFIC
    quotes = next(h for h in assessment.hypotheses if h.subject == "quotes")
    assert any("follow the load" in c.text for c in quotes.contradicts)


def _web_with_db(db_series: MetricSeries) -> EvidenceBundle:
    deploy = Deploy("web", "e7f6a5b4", at(13, 26), files=("web/views.py",))
    return EvidenceBundle(
        deploys=(deploy,),
        metrics=(
            series("web", "p95_latency", "ms", (0, 340), (20, 350), (29, 2100), (35, 4800)),
            series("web", "requests_per_second", "req/s", (0, 1450), (20, 1480), (40, 1460)),
            db_series,
        ),
        deploys_checked=True,
    )


def test_a_dependency_that_slowed_after_the_deploy_with_load_flat_is_the_deploys_doing() -> None:
    catalog = Catalog((ServiceEntry("web", "app", depends_on=("db",)), ServiceEntry("db", "dba")))
    db_cpu = series("db", "cpu_utilization", "percent", (0, 31), (20, 30), (29, 78), (35, 99))
    assessment = assess(
        "web", [signal("web p95 high", "web")], _web_with_db(db_cpu), catalog=catalog
    )
    assert assessment.cause is CauseKind.DEPLOY
    db = next(h for h in assessment.hypotheses if h.subject == "db")
    assert any("after deploy" in c.text for c in db.contradicts)
    before = series("db", "cpu_utilization", "percent", (0, 31), (10, 80), (20, 90), (35, 99))
    blamed = assess("web", [signal("web p95 high", "web")], _web_with_db(before), catalog=catalog)
    db_first = next(h for h in blamed.hypotheses if h.subject == "db")
    assert not any("after deploy" in c.text for c in db_first.contradicts)


def test_load_that_climbs_steadily_by_half_again_is_growth_but_a_wobble_is_not() -> None:
    climb = series(
        "api", "requests_per_second", "req/s", (0, 61000), (30, 70000), (60, 81000), (80, 93000)
    )
    growth = steady_growth(climb)
    assert growth is not None
    assert growth.first_anomaly_at == at(13, 30)
    wobble = series(
        "api", "requests_per_second", "req/s", (0, 61000), (30, 99000), (60, 70000), (80, 93000)
    )
    assert steady_growth(wobble) is None
    mild = series(
        "api", "requests_per_second", "req/s", (0, 61000), (30, 65000), (60, 70000), (80, 75000)
    )
    assert steady_growth(mild) is None


def test_memory_that_ran_out_only_after_a_release_with_load_flat_is_the_releases_doing() -> None:
    deploy = Deploy("authz", "c37e90a1", at(13, 37), files=("authz/memo.go",))
    evidence = EvidenceBundle(
        deploys=(deploy,),
        metrics=(
            series(
                "authz",
                "container_memory_working_set_bytes",
                "bytes",
                (0, 1.1e9),
                (20, 1.1e9),
                (30, 1.2e9),
                (41, 3.9e9),
                (45, 4.0e9),
            ),
            series("authz", "requests_per_second", "req/s", (0, 5200), (20, 5300), (45, 5250)),
        ),
        deploys_checked=True,
    )
    assessment = assess("authz", [signal("authz errors", "authz")], evidence)
    memory = next(h for h in assessment.hypotheses if h.category is CauseKind.RESOURCE)
    assert any("the release brought it" in c.text for c in memory.contradicts)
    assert assessment.cause is CauseKind.DEPLOY


# --- names are not findings; a certificate is configuration --------------------------------


def test_security_words_in_a_service_or_team_name_are_not_a_security_finding() -> None:
    catalog = Catalog((ServiceEntry("credential-vault", "edge-security"),))
    alert = signal("credential-vault p95 latency above 1s", "credential-vault")
    assessment = assess("credential-vault", [alert], EvidenceBundle(), catalog=catalog)
    assert CauseKind.SECURITY not in {h.category for h in assessment.hypotheses}
    assert Marker.CUSTOMER_DATA not in {m.marker for m in assessment.markers}


def test_an_expired_certificate_is_configuration_not_a_security_incident() -> None:
    alert = signal(
        "TLS check failed: certificate expired on lb-2",
        description="Support has 9 tickets about browser security warnings",
    )
    assessment = assess("api", [alert], EvidenceBundle())
    assert assessment.cause is CauseKind.CONFIG
    assert assessment.category.value == "availability"
    assert Marker.CUSTOMER_DATA not in {m.marker for m in assessment.markers}


def test_a_scrape_job_label_does_not_make_an_incident_a_data_pipelines_one() -> None:
    alert = signal("Probe failure", description="down for over 2m. Job: blackbox_http")
    assert assess("api", [alert], EvidenceBundle()).category.value != "data"


# --- USE and RED: rates, and series of what is left ----------------------------------------


def test_a_count_per_second_is_a_rate_and_page_faults_are_memory_saturation() -> None:
    assert series_kind("connection_attempts_per_second") is SeriesKind.TRAFFIC
    assert series_kind("page_faults_per_second") is SeriesKind.SATURATION


def test_a_series_of_what_is_left_saturates_as_it_falls() -> None:
    available = series("api", "node_memory_available", "percent", (0, 61), (60, 34), (120, 2))
    assert as_percent(available) == (39.0, 66.0, 98.0)


def test_two_saturation_series_of_different_resources_do_not_disagree() -> None:
    queue = series("api", "dispatch_queue_depth", None, (0, 1200), (3, 410000), (9, 2300000))
    memory = series("api", "memory_working_set", "bytes", (0, 2.1e9), (3, 3.4e9), (9, 7.9e9))
    evidence = EvidenceBundle(metrics=(queue, memory))
    assessment = assess("api", [signal("api crash looping")], evidence)
    assert Marker.CONFLICTING_SIGNALS not in {m.marker for m in assessment.markers}


# --- load: whose load rose ------------------------------------------------------------------


def test_a_dependency_busier_while_the_services_own_load_is_flat_is_not_a_traffic_surge() -> None:
    catalog = Catalog(
        (ServiceEntry("boot", "web", depends_on=("conv-db",)), ServiceEntry("conv-db", "db"))
    )
    own = series("boot", "requests_per_second", "req/s", (0, 9100), (26, 9600))
    db = series("conv-db", "queries_per_second", "qps", (0, 180000), (15, 430000), (25, 560000))
    lines = (LogRecord(at(14, 1), "boot", "ERROR", "conv membership query timed out", 900),)
    evidence = EvidenceBundle(metrics=(own, db), logs=lines)
    assessment = assess("boot", [signal("boot errors", "boot")], evidence, catalog=catalog)
    assert CauseKind.TRAFFIC not in {h.category for h in assessment.hypotheses}
    assert assessment.cause is CauseKind.DEPENDENCY


def test_an_instance_of_a_dependency_is_named_by_its_number() -> None:
    catalog = Catalog(
        (
            ServiceEntry("export", "sync", depends_on=("sync-replica",)),
            ServiceEntry("sync-replica", "db"),
        )
    )
    line = "could not connect to server sync-replica-1: Connection refused; run failed"
    evidence = EvidenceBundle(logs=(LogRecord(at(14, 1), "export", "ERROR", line, 1),))
    assessment = assess(
        "export", [signal("export run failed", "export")], evidence, catalog=catalog
    )
    assert assessment.cause is CauseKind.DEPENDENCY
    assert assessment.hypotheses[0].subject == "sync-replica"


# --- configuration pushes: what counts as one ----------------------------------------------


def test_grants_policies_and_jsonnet_are_configuration_pushes() -> None:
    assert is_config_push(("clickhouse/grants/bot_features.sql",), "ClickHouse: grant access")
    assert is_config_push(("ksonnet/cortex/ingester.libsonnet",), None)
    assert is_config_push(("policies/egress/staging-2.txt",), None)
    assert not is_config_push(("app/parser.py",), "Fix the parser")


def test_a_missing_image_with_no_rollout_in_the_window_was_removed_not_released() -> None:
    pulled = WorkloadEvent(
        at(14, 1),
        "runners",
        "pod/pool-84f6-2mk4x",
        "Warning",
        "Failed",
        'Failed to pull image "registry.example/runners/trusty:1": manifest unknown',
    )
    evidence = EvidenceBundle(cluster=ClusterState(events=(pulled,)), deploys_checked=True)
    assessment = assess("pool", [signal("pool: 0 of 180 runners ready", "pool")], evidence)
    assert assessment.cause is CauseKind.CONFIG
    assert assessment.suspect is None


# --- a hard limit; errors that began before the alert ---------------------------------------


def test_a_table_at_its_size_limit_is_capacity_exhaustion_from_the_alert_and_the_lines() -> None:
    line = "mysqld: The table 'bookmarks' is full"
    evidence = EvidenceBundle(logs=(LogRecord(at(14, 4), "db", "ERROR", line, 30000),))
    alert = signal("db: inserts failing (ERROR 1114: The table 'bookmarks' is full)", "db")
    assessment = assess("db", [alert], evidence)
    assert assessment.cause is CauseKind.RESOURCE
    assert assessment.hypotheses[0].subject == "capacity"


def test_new_errors_a_quarter_hour_before_the_alert_are_when_the_incident_began() -> None:
    failed = LogRecord(at(13, 48), "export", "ERROR", "extract aborted: connection terminated", 1)
    old = LogRecord(at(12, 0), "export", "ERROR", "retrying slow page 1", 1)
    again = LogRecord(at(13, 50), "export", "ERROR", "retrying slow page 2", 1)
    evidence = EvidenceBundle(logs=(old, failed, again))
    assessment = assess("export", [signal("export nightly run failed", "export")], evidence)
    assert assessment.first_seen == at(13, 48)


# --- load from callers; a push under a dependency -------------------------------------------


def test_a_callers_surge_is_the_load_that_saturated_the_database_behind_it() -> None:
    catalog = Catalog(
        (ServiceEntry("pg", "db"), ServiceEntry("snippets", "web", depends_on=("pg",)))
    )
    calls = series(
        "snippets", "requests_per_second", "req/s", (0, 120), (30, 130), (40, 510), (60, 560)
    )
    cpu = series("pg", "cpu_utilization", "percent", (0, 41), (40, 55), (60, 83), (90, 96))
    evidence = EvidenceBundle(metrics=(calls, cpu))
    assessment = assess("pg", [signal("pg replica lag high", "pg")], evidence, catalog=catalog)
    assert assessment.cause is CauseKind.TRAFFIC


def test_a_config_push_under_a_failing_dependency_is_the_cause_not_the_dependency() -> None:
    catalog = Catalog(
        (
            ServiceEntry("scan", "sec", depends_on=("authn",)),
            ServiceEntry("authn", "id", depends_on=("netpol",)),
            ServiceEntry("netpol", "net"),
        )
    )
    push = Deploy("netpol", "b6d2e80f47", at(13, 52), files=("policies/egress/staging.yaml",))
    errors = series("authn", "error_rate", "percent", (0, 0.05), (40, 0.05), (45, 31), (55, 34))
    line = "authn POST /introspect 503 Service Unavailable"
    evidence = EvidenceBundle(
        deploys=(push,),
        metrics=(errors,),
        logs=(LogRecord(at(13, 55), "scan", "ERROR", line, 900),),
        deploys_checked=True,
    )
    assessment = assess(
        "scan", [signal("scan callbacks failing", "scan")], evidence, catalog=catalog
    )
    assert assessment.cause is CauseKind.CONFIG
    assert assessment.hypotheses[0].subject == "b6d2e80f47"


# --- a change days old that began what goes on --------------------------------------------


def test_a_flag_change_days_ago_whose_step_in_bad_events_stayed_up_is_the_cause() -> None:
    day = timedelta(days=1)
    overruns = MetricSeries(
        "proxy",
        "parser_buffer_overrun_events",
        "count/min",
        (
            (at(12) - 5 * day, 0.0),
            (at(12) - 4 * day, 41.0),
            (at(12) - 2 * day, 44.0),
            (at(13), 46.0),
        ),
    )
    flipped = FlagChange(at(9) - 4 * day, "streaming-parser", "rollout 0% -> 100%", "proxy")
    older = Deploy("proxy", "3f6c2a91", at(11) - 20 * day, files=("parser/html.c",))
    evidence = EvidenceBundle(
        metrics=(overruns,), earlier_flags=(flipped,), deploys=(older,), deploys_checked=True
    )
    assessment = assess("proxy", [signal("proxy responses corrupted", "proxy")], evidence)
    assert assessment.cause is CauseKind.FLAG
    assert assessment.hypotheses[0].subject == "streaming-parser"
    assert assessment.suspect is None


# --- maintenance is a change -----------------------------------------------------------------


def test_a_resource_that_began_climbing_with_a_maintenance_window_blames_the_change() -> None:
    quota = MetricSeries(
        "sched",
        "vm_quota_used",
        "ratio",
        tuple(
            (at(5) + timedelta(hours=2 * i), v)
            for i, v in enumerate((0.41, 0.53, 0.65, 0.76, 0.97))
        ),
    )
    builds = series("sched", "builds_started_per_minute", "1/min", (0, 310), (60, 320))
    rotation = ChangeWindow(
        at(5, 30), at(6), ChangeWindowKind.MAINTENANCE, ("sched",), "password rotation"
    )
    evidence = EvidenceBundle(metrics=(quota, builds), calendar=(rotation,))
    alert = signal("sched: VM quota used 0.97 of the limit", "sched")
    assessment = assess("sched", [alert], evidence)
    assert assessment.cause is CauseKind.CONFIG
    assert assessment.hypotheses[0].subject == "maintenance"


def test_a_release_a_day_old_whose_latency_doubled_at_the_same_load_is_the_cause() -> None:
    day = timedelta(days=1)
    start = at(14) - day
    p95 = MetricSeries(
        "vault",
        "p95_latency",
        "ms",
        ((start, 410.0), (start + timedelta(hours=1), 560.0), (at(12), 720.0), (at(14), 1840.0)),
    )
    load = MetricSeries(
        "vault",
        "requests_per_second",
        "req/s",
        ((start + timedelta(hours=1), 2250.0), (at(14), 2230.0)),
    )
    release = Deploy("vault", "2b8e4f61d0", start + timedelta(hours=5), files=("vault/repo.py",))
    copy = Deploy("vault", "91d0c3a7e5", start - 3 * day, files=("web/templates/health.html",))
    evidence = EvidenceBundle(metrics=(p95, load), deploys=(copy, release), deploys_checked=True)
    assessment = assess("vault", [signal("vault p95 latency above 1s", "vault")], evidence)
    assert assessment.cause is CauseKind.DEPLOY
    assert assessment.suspect is not None
    assert assessment.suspect.deploy.sha == "2b8e4f61d0"


def test_a_release_is_not_blamed_when_the_load_today_is_higher_than_before_it() -> None:
    day = timedelta(days=1)
    start = at(14) - day
    p95 = MetricSeries("vault", "p95_latency", "ms", ((start, 500.0), (at(14), 1840.0)))
    load = MetricSeries(
        "vault", "requests_per_second", "req/s", ((start, 1000.0), (at(14), 2230.0))
    )
    release = Deploy("vault", "2b8e4f61d0", start + timedelta(hours=5), files=("vault/repo.py",))
    evidence = EvidenceBundle(metrics=(p95, load), deploys=(release,), deploys_checked=True)
    assessment = assess("vault", [signal("vault p95 latency above 1s", "vault")], evidence)
    assert assessment.suspect is None


# --- what the data says against what the health says; the alert that is the deploy ----------


def test_a_store_that_looks_healthy_while_its_data_diverged_is_a_conflict_and_a_data_incident() -> (
    None
):
    catalog = Catalog(
        (ServiceEntry("pledges", "web", depends_on=("replica",)), ServiceEntry("replica", "db"))
    )
    lag = series("replica", "replication_lag_seconds", "s", (0, 0), (30, 0), (60, 0))
    chunks = series("replica", "checksum_mismatched_chunks", "count", (0, 0), (60, 37))
    alert = signal("PledgeTotalsMismatch: replica total is 412 pledges, primary has 431", "pledges")
    evidence = EvidenceBundle(metrics=(lag, chunks))
    assessment = assess("pledges", [alert], evidence, catalog=catalog)
    assert Marker.CONFLICTING_SIGNALS in {m.marker for m in assessment.markers}
    assert assessment.category.value == "data"


def test_a_deploy_the_alert_itself_reports_failing_is_a_deployment_incident() -> None:
    release = Deploy(
        "ledger", "4c8a1f2e9b", at(14, 2), files=("db/migrate/fk.rb",), succeeded=False
    )
    p99 = series("ledger", "p99_latency", "ms", (0, 140), (30, 150), (64, 30000))
    deploy_event = Signal(
        source=AlertSource.GITHUB,
        service="ledger",
        severity=Severity.SEV2,
        status=SignalStatus.FIRING,
        started_at=at(14, 3),
        title="Deployment of acme/ledger to production failed",
        fingerprint="github:ledger:deploy",
        delivery_id="github:ledger:deploy",
    )
    evidence = EvidenceBundle(deploys=(release,), metrics=(p99,), deploys_checked=True)
    assessment = assess("ledger", [deploy_event], evidence)
    assert assessment.cause is CauseKind.DEPLOY
    assert assessment.category.value == "deployment"


def test_a_dependency_is_named_by_the_host_of_a_url_not_by_a_path_segment() -> None:
    catalog = Catalog(
        (
            ServiceEntry("checkout", "pay", depends_on=("payments-gateway",)),
            ServiceEntry("payments-gateway", "psp"),
        )
    )
    host = "POST https://payments-gateway.internal/charge timed out after 3000ms"
    path = "GET /v1/payments-gateway/status timed out"
    alias = alias_pattern("payments-gateway", "checkout")
    assert alias.search(host) is not None
    assert alias.search(path) is None
    evidence = EvidenceBundle(logs=(LogRecord(at(14, 1), "checkout", "ERROR", host, 4200),))
    assessment = assess("checkout", [signal("checkout 5xx", "checkout")], evidence, catalog=catalog)
    assert assessment.cause is CauseKind.DEPENDENCY


def test_memory_that_climbed_only_after_a_deploy_with_the_load_flat_blames_the_deploy() -> None:
    release = Deploy("cart", "ca11ca11ca", at(13, 35), files=("cart/session_cache.go",))
    memory = series(
        "cart",
        "container_memory_working_set_bytes",
        "bytes",
        (0, 4e8),
        (20, 4.1e8),
        (45, 7.5e8),
        (60, 1e9),
    )
    load = series("cart", "requests_per_second", "req/s", (0, 900), (20, 910), (60, 905))
    evidence = EvidenceBundle(deploys=(release,), metrics=(memory, load), deploys_checked=True)
    assessment = assess("cart", [signal("cart pods crash looping", "cart")], evidence)
    assert assessment.cause is CauseKind.DEPLOY
    assert assessment.suspect is not None
    assert assessment.suspect.deploy.sha == "ca11ca11ca"


def test_one_saturated_series_alone_does_not_make_an_outage_a_resource_incident() -> None:
    cpu = series("forum", "cpu_utilization", "percent", (0, 22), (10, 24), (16, 71), (20, 100))
    load = series("forum", "requests_per_second", "req/s", (0, 3900), (14, 3950), (20, 3880))
    alert = signal("forum: 0/11 backends pass the load balancer health check", "forum")
    assessment = assess("forum", [alert], EvidenceBundle(metrics=(cpu, load)))
    assert assessment.cause is CauseKind.RESOURCE
    assert assessment.category.value == "availability"


def test_a_release_of_rules_the_service_runs_is_a_deploy_and_its_settings_are_configuration() -> (
    None
):
    assert is_settings_only(("config/response-cache.yaml",))
    assert is_settings_only(("nameservers/legacy/named.conf.options",))
    assert is_settings_only(("deploy/values-prod.yaml",))
    assert not is_settings_only(("rules/managed/xss/100766.yaml",))
    assert not is_settings_only(("app/parser.py", "config/app.yaml"))
