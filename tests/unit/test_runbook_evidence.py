"""Reading the facts a runbook is matched on: Kubernetes reasons as one table, what lines and
alerts state, and what the service's series did (USE/RED)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.analysis.kube_reasons import KUBE_REASONS, kube_reason
from bot.evidence.values import ClusterState, MetricSeries, PodState, WorkloadEvent
from bot.runbook.evidence import (
    alert_facts,
    cause_resources,
    cluster_conditions,
    eviction_condition,
    line_conditions,
    metric_facts,
)
from bot.runbook.facts import Condition, MetricFact

T0 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


def pod(
    name: str, *, phase: str = "Running", ready: bool = True, reason: str | None = None
) -> PodState:
    return PodState("ns", name, None, phase, ready, 0, reason)


def event(obj: str, reason: str, message: str = "") -> WorkloadEvent:
    return WorkloadEvent(T0, "ns", obj, "Warning", reason, message)


def series(
    name: str, values: list[float], unit: str | None = None, service: str = "api"
) -> MetricSeries:
    points = tuple((T0 + timedelta(minutes=10 * i), value) for i, value in enumerate(values))
    return MetricSeries(service, name, unit, points)


# --- Kubernetes reasons ---------------------------------------------------------------------------


def test_a_pod_termination_reason_and_an_event_reason_are_one_table() -> None:
    assert KUBE_REASONS["oomkilled"] is KUBE_REASONS["oomkilling"]
    assert KUBE_REASONS["oomkilled"].condition is Condition.MEMORY_EXHAUSTED
    assert KUBE_REASONS["diskpressure"].condition is Condition.DISK_EXHAUSTED
    assert KUBE_REASONS["imagepullbackoff"].condition is Condition.IMAGE_PULL_FAILING


def test_the_analysis_and_the_runbooks_read_each_reason_alike() -> None:
    # One table: the cause the analysis reads and the condition a runbook matches come from the
    # same entry, so they cannot disagree (an Evicted without a message is neither).
    for reason in ("OOMKilled", "DiskPressure", "FailedScheduling", "ImagePullBackOff"):
        entry = kube_reason(reason)
        assert entry is not None
        assert entry.condition is not None
        assert entry.cause is not None
    evicted = kube_reason("Evicted")
    assert evicted is not None
    assert (evicted.condition, evicted.cause) == (None, None)
    for reason in ("CrashLoopBackOff", "Unhealthy", "NodeNotReady"):
        entry = kube_reason(reason)
        assert entry is not None
        assert entry.condition is not None
        assert entry.cause is None


def test_a_pod_evicted_for_memory_is_memory_exhausted_through_its_event() -> None:
    evicted = pod("tools-6b8d-2rq4k", phase="Failed", ready=False, reason="Evicted")
    said = event("pod/tools-6b8d-2rq4k", "Evicted", "The node was low on resource: memory.")
    found = cluster_conditions("tools", ClusterState(pods=(evicted,), events=(said,)))
    assert set(found) == {Condition.MEMORY_EXHAUSTED}


def test_pods_last_terminated_oomkilled_are_memory_exhausted() -> None:
    cluster = ClusterState(pods=(pod("dns-7c9d-2xkqv", ready=False, reason="OOMKilled"),))
    found = cluster_conditions("dns", cluster)
    assert found == {Condition.MEMORY_EXHAUSTED: "pod dns-7c9d-2xkqv last terminated OOMKilled"}


def test_an_eviction_means_what_the_kubelet_says_ran_out() -> None:
    assert eviction_condition("The node was low on resource: ephemeral-storage.") is (
        Condition.DISK_EXHAUSTED
    )
    assert eviction_condition("The node was low on resource: memory.") is (
        Condition.MEMORY_EXHAUSTED
    )
    assert eviction_condition("Pod was evicted") is None


def test_a_nodes_events_count_only_when_the_services_pods_suffer() -> None:
    node_event = event("node/ip-10-4-12-77", "SystemOOM", "System OOM encountered")
    healthy = ClusterState(pods=(pod("tools-6b8d-x9p2s"),), events=(node_event,))
    assert cluster_conditions("tools", healthy) == {}
    evicted = ClusterState(
        pods=(pod("tools-6b8d-2rq4k", phase="Failed", ready=False, reason="Evicted"),),
        events=(node_event,),
    )
    assert Condition.MEMORY_EXHAUSTED in cluster_conditions("tools", evicted)


def test_events_about_other_services_are_not_the_services() -> None:
    cluster = ClusterState(
        pods=(pod("search-7b8c-4rj2k", phase="Failed", ready=False),),
        events=(event("job/report-export-2866", "BackoffLimitExceeded"),),
    )
    assert cluster_conditions("search", cluster) == {}


def test_pods_cannot_be_scheduled_only_while_one_is_pending() -> None:
    scheduling = event("pod/search-6f7d-2kd9x", "FailedScheduling", "0/9 nodes are available")
    running = ClusterState(pods=(pod("search-6f7d-f1g2h"),), events=(scheduling,))
    assert cluster_conditions("search", running) == {}
    pending = ClusterState(
        pods=(pod("search-6f7d-2kd9x", phase="Pending", ready=False),), events=(scheduling,)
    )
    assert Condition.UNSCHEDULABLE in cluster_conditions("search", pending)


def test_a_failed_image_pull_is_read_from_a_failed_events_message() -> None:
    failed = event("pod/fare-5d7b-h2kx9", "Failed", 'Failed to pull image "registry/fare:9f1c"')
    found = cluster_conditions("fare", ClusterState(events=(failed,)))
    assert list(found) == [Condition.IMAGE_PULL_FAILING]


# --- lines and alerts -----------------------------------------------------------------------------


def test_lines_that_state_exhaustion_are_conditions() -> None:
    found = line_conditions(
        ["write failed: No space left on device", "java.lang.OutOfMemoryError: Java heap space"]
    )
    assert set(found) == {Condition.DISK_EXHAUSTED, Condition.MEMORY_EXHAUSTED}


def test_a_scheduled_jobs_failed_run_is_a_batch_job_failure() -> None:
    for line in (
        "device-sync-export nightly run failed",
        "ETL job 'daily_revenue' exited with code 1",
        "Recurring export hourly run failed (3rd consecutive)",
    ):
        assert Condition.BATCH_JOB_FAILED in line_conditions([line]), line


def test_a_job_backlog_or_a_name_with_job_in_it_is_not_a_failed_run() -> None:
    for line in (
        "repo-pages: write p99 2.9s, background job backlog 41k and rising",
        "Deploy of acme/job-dispatcher@0e7c41b to production: failure",
    ):
        assert Condition.BATCH_JOB_FAILED not in line_conditions([line]), line


def test_an_alert_says_what_it_measures_and_what_is_exhausted() -> None:
    latency = alert_facts(["search-api p99 latency above 800ms"])
    assert list(latency) == [MetricFact.LATENCY]
    disk = alert_facts(["Disk usage above 90% on /var/lib/data"])
    assert MetricFact.DISK_SATURATION in disk


def test_the_resource_the_ranked_cause_names_is_read_from_its_subject_or_series() -> None:
    assert cause_resources(["memory"]) == {"memory"}
    assert cause_resources(["saturation", "node_filesystem_used"]) == {"disk"}
    assert cause_resources(["capacity"]) == frozenset()


# --- series ---------------------------------------------------------------------------------------


def test_series_that_moved_give_their_use_and_red_kinds() -> None:
    found = metric_facts(
        "api",
        [
            series("p99_latency", [300, 310, 305, 1400]),
            series("container_memory_working_set_bytes", [60, 62, 64, 100]),
            series("requests_per_second", [1000, 1010, 990, 1005]),
        ],
    )
    assert set(found) == {
        MetricFact.LATENCY,
        MetricFact.SATURATION,
        MetricFact.MEMORY_SATURATION,
    }


def test_a_saturation_that_sat_at_its_level_all_along_did_not_move() -> None:
    flat = series("node_cpu_utilization", [96, 100, 100], unit="percent")
    assert metric_facts("api", [flat]) == {}
    rose = series("node_cpu_utilization", [40, 60, 97], unit="percent")
    assert set(metric_facts("api", [rose])) == {MetricFact.SATURATION, MetricFact.CPU_SATURATION}


def test_a_spike_the_analysis_found_counts_and_other_services_series_do_not() -> None:
    spiked = series("error_rate", [1.0, 1.1, 1.5])
    assert list(metric_facts("api", [spiked], spiked=["error_rate"])) == [MetricFact.ERRORS]
    theirs = series("p99_latency", [300, 310, 1400], service="db")
    assert metric_facts("api", [theirs]) == {}


def test_a_saturation_that_climbed_over_days_is_a_metric_fact_though_flat_in_the_window() -> None:
    # In the packet's window the disk sits at 90-91 %; over four days it climbed from 71 %.
    window = series("node_filesystem_used_percent", [90, 91], unit="percent")
    days = MetricSeries(
        "api",
        "node_filesystem_used_percent",
        "percent",
        tuple((T0 + timedelta(days=i), v) for i, v in enumerate([71.0, 76, 81, 86, 91])),
    )
    assert MetricFact.DISK_SATURATION not in metric_facts("api", [window])
    facts = metric_facts("api", [window], longer=[days])
    assert "climbed steadily from 71 %" in facts[MetricFact.DISK_SATURATION]
