"""Choosing a runbook: the expected one for representative incidents, and none when none fits."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.runbook.evidence import alert_facts, cause_resources, line_conditions
from bot.runbook.facts import Condition, MetricFact
from bot.runbook.loader import RunbookLibrary, load_runbooks, parse_runbook
from bot.runbook.matcher import (
    FIT_THRESHOLD,
    RunbookQuery,
    choose_runbook,
    score_runbook,
)
from bot.scenario.loader import load_scenarios
from bot.scenario.schemas import Scenario
from bot.scenario.terms import CauseKind, IncidentCategory
from bot.signal.sources import normalize

SHIPPED = load_runbooks()
PROJECT_SCENARIOS = Path(__file__).parents[2] / "scenarios"
# The scenarios written with the bot (top level and examples/). The postmortem corpus
# (scenarios/postmortems/) is judged whole, runbook included, through `incident-bot eval` in
# tests/integration/test_eval_command.py: the pipeline's own path, with its evidence from the
# service's neighbours, which these narrower harnesses do not build.
WRITTEN_WITH_THE_BOT = [
    path
    for path in sorted(PROJECT_SCENARIOS.rglob("*.yaml"))
    if "postmortems" not in path.relative_to(PROJECT_SCENARIOS).parts
]

CASES = [
    pytest.param(
        RunbookQuery(
            service="billing-webhooks",
            category=IncidentCategory.AVAILABILITY,
            cause=CauseKind.DEPLOY,
            texts=[
                "billing-webhooks error rate above 5%",
                "POST /webhooks/stripe 500 in 14ms: unhandled exception in parse_event",
            ],
        ),
        "deploy-rollback",
        id="errors-after-a-deploy",
    ),
    pytest.param(
        RunbookQuery(
            service="search-api",
            category=IncidentCategory.RESOURCE,
            cause=CauseKind.RESOURCE,
            texts=[
                "KubePodCrashLooping: search-api-7d9f8c6b5-x2x4z restarting",
                "Last state: Terminated, reason OOMKilled, exit code 137",
            ],
            conditions={
                Condition.MEMORY_EXHAUSTED: "pod search-api-x2x4z last terminated OOMKilled"
            },
        ),
        "oom-kill",
        id="oom-killed-pods",
    ),
    pytest.param(
        RunbookQuery(
            service="checkout-api",
            category=IncidentCategory.PERFORMANCE,
            texts=["checkout-api p99 latency above 2s for 10m"],
            metrics=alert_facts(["checkout-api p99 latency above 2s for 10m"]),
        ),
        "high-latency",
        id="p99-latency",
    ),
    pytest.param(
        RunbookQuery(
            service="orders",
            category=IncidentCategory.AVAILABILITY,
            cause=CauseKind.DEPENDENCY,
            texts=[
                "orders 5xx above 2%",
                "upstream connect error: 503 Service Unavailable from payments-gateway",
            ],
        ),
        "dependency-outage",
        id="downstream-503",
    ),
    pytest.param(
        RunbookQuery(
            service="billing-db",
            category=IncidentCategory.RESOURCE,
            texts=[
                "Disk space on /var/lib/postgresql below 10%",
                "could not write to file pg_wal/xlogtemp.123: No space left on device",
            ],
            conditions=line_conditions(
                ["could not write to file pg_wal/xlogtemp.123: No space left on device"]
            ),
        ),
        "disk-filling",
        id="disk-full",
    ),
    pytest.param(
        RunbookQuery(
            service="revenue-etl",
            cause=CauseKind.DEPENDENCY,
            texts=[
                "ETL job 'daily_revenue_aggregation' failed (exit code 1)",
                "Error: connection timeout to source DB replica-2 after 30000ms",
            ],
            conditions=line_conditions(
                ["ETL job 'daily_revenue_aggregation' failed (exit code 1)"]
            ),
        ),
        "etl-source-timeout",
        id="etl-timeout",
    ),
    pytest.param(
        RunbookQuery(
            service="billing",
            category=IncidentCategory.SECURITY,
            cause=CauseKind.SECURITY,
            texts=["GitHub secret scanning: AWS access key leaked in acme/billing"],
        ),
        "security-triage",
        id="leaked-key",
    ),
]


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_the_expected_runbook_is_chosen(query: RunbookQuery, expected: str) -> None:
    choice = choose_runbook(SHIPPED, query)
    assert choice.runbook_id == expected
    assert choice.best is not None
    assert choice.best.score >= FIT_THRESHOLD
    assert all(c.score <= choice.best.score for c in choice.closest)
    assert expected not in [c.runbook.id for c in choice.closest]


def test_the_choice_says_which_facts_matched() -> None:
    query = CASES[1].values[0]
    assert isinstance(query, RunbookQuery)
    best = choose_runbook(SHIPPED, query).best
    assert best is not None
    assert best.reasons == (
        "cause resource",
        "category resource",
        "memory-exhausted: pod search-api-x2x4z last terminated OOMKilled",
        "keywords oomkilled, exit code 137",
    )
    assert best.explanation.startswith("oom-kill (score 14: cause resource; ")


def test_no_runbook_fits_an_unrelated_alert_and_none_is_named_closest() -> None:
    query = RunbookQuery(
        service="edge-proxy",
        category=IncidentCategory.UNKNOWN,
        texts=["TLS certificate for api.example.com expires in 7 days"],
    )
    choice = choose_runbook(SHIPPED, query)
    assert choice.best is None
    assert choice.runbook_id is None
    assert choice.closest == ()


def test_a_weak_hint_is_not_a_fit_but_is_named_among_the_closest() -> None:
    query = RunbookQuery(
        service="checkout-api",
        category=IncidentCategory.PERFORMANCE,
        texts=["checkout-api apdex dropped"],
    )
    choice = choose_runbook(SHIPPED, query)
    assert choice.best is None
    ids = [c.runbook.id for c in choice.closest]
    assert ids == ["high-latency", "dependency-outage", "deploy-rollback"]
    assert choice.closest[0].reasons == ("category performance", "keyword apdex")
    assert choice.closest[0].score < FIT_THRESHOLD


def test_a_shared_category_and_cause_alone_choose_nothing() -> None:
    query = RunbookQuery(
        service="api", category=IncidentCategory.RESOURCE, cause=CauseKind.RESOURCE
    )
    choice = choose_runbook(SHIPPED, query)
    assert choice.best is None
    assert {c.runbook.id for c in choice.closest} == {
        "disk-filling",
        "oom-kill",
        "high-latency",
    }


def test_keywords_match_whole_words_only() -> None:
    oom = SHIPPED.get("oom-kill")
    assert oom is not None
    room = score_runbook(oom, RunbookQuery(service="api", texts=["meeting room booked"]))
    assert room.score == 0
    found = score_runbook(oom, RunbookQuery(service="api", texts=["reason=OOMKilled"]))
    assert found.reasons == ("keyword oomkilled",)


def test_an_empty_library_chooses_nothing() -> None:
    choice = choose_runbook(RunbookLibrary(), RunbookQuery(service="api", texts=["deploy"]))
    assert (choice.best, choice.closest) == (None, ())


# --- selection by principle: the ranked cause and the evidence, words one input among several --

OOM_PODS = {Condition.MEMORY_EXHAUSTED: "pod dns-7c9d-2xkqv last terminated OOMKilled"}


def test_pods_oomkilled_under_a_crash_looping_alert_get_the_oom_runbook() -> None:
    # The alert's words say nothing of memory; the pods' last termination does, and a load
    # surge ranked first is a cause the OOM runbook is written for.
    query = RunbookQuery(
        service="cluster-dns",
        category=IncidentCategory.AVAILABILITY,
        cause=CauseKind.TRAFFIC,
        confidence=0.7,
        texts=["Pod is crash looping.", "reason: CrashLoopBackOff"],
        conditions=OOM_PODS,
    )
    assert choose_runbook(SHIPPED, query).runbook_id == "oom-kill"


def test_a_deploy_regression_that_shows_as_latency_gets_the_rollback_runbook() -> None:
    texts = ["prediction-web p95 latency 6.4s (SLO 800ms)", "slow response time on /predict"]
    query = RunbookQuery(
        service="prediction-web",
        category=IncidentCategory.PERFORMANCE,
        cause=CauseKind.DEPLOY,
        confidence=0.4,
        texts=texts,
        metrics=alert_facts(texts),
    )
    choice = choose_runbook(SHIPPED, query)
    assert choice.runbook_id == "deploy-rollback"
    assert "high-latency" in [c.runbook.id for c in choice.closest]


def test_latency_without_a_deploy_or_dependency_cause_gets_the_latency_runbook() -> None:
    query = RunbookQuery(
        service="checkins-db",
        category=IncidentCategory.PERFORMANCE,
        texts=["checkins-db shard0 p99 query latency 4.2s"],
        metrics={MetricFact.LATENCY: "p99_latency rose from 35 to 4200"},
    )
    assert choose_runbook(SHIPPED, query).runbook_id == "high-latency"


def test_a_dependency_cause_outweighs_latency_words_and_series() -> None:
    query = RunbookQuery(
        service="game-join",
        category=IncidentCategory.PERFORMANCE,
        cause=CauseKind.DEPENDENCY,
        confidence=0.3,
        texts=["game-join p99 latency above SLO", "slow response time, duration 4s"],
        metrics={MetricFact.LATENCY: "p99 rose", MetricFact.CPU_SATURATION: "cpu at 95 %"},
    )
    choice = choose_runbook(SHIPPED, query)
    assert choice.runbook_id == "dependency-outage"
    latency = next(c for c in choice.closest if c.runbook.id == "high-latency")
    assert "cause dependency is not its kind" in latency.reasons


def test_a_disk_alert_from_any_source_gets_the_disk_runbook() -> None:
    texts = ["[Triggered] Disk usage above 90% on host db-3:/data", "system.disk.in_use 0.93"]
    query = RunbookQuery(
        service="orders-db",
        category=IncidentCategory.RESOURCE,
        cause=CauseKind.RESOURCE,
        confidence=0.45,
        texts=texts,
        metrics=alert_facts(texts),
        resources=cause_resources(["disk"]),
    )
    assert choose_runbook(SHIPPED, query).runbook_id == "disk-filling"


def test_a_job_failing_on_its_source_gets_the_etl_runbook_and_a_service_the_outage_one() -> None:
    job_texts = ["nightly device export run failed", "could not connect to replica: timed out"]
    job = RunbookQuery(
        service="device-export",
        category=IncidentCategory.DATA,
        cause=CauseKind.DEPENDENCY,
        confidence=0.6,
        texts=job_texts,
        conditions=line_conditions(job_texts),
    )
    assert choose_runbook(SHIPPED, job).runbook_id == "etl-source-timeout"
    web_texts = ["repo-pages write p99 2.9s, background job backlog 41k and rising"]
    web = RunbookQuery(
        service="repo-pages",
        category=IncidentCategory.DATA,
        cause=CauseKind.DEPENDENCY,
        confidence=0.6,
        texts=web_texts,
        conditions=line_conditions(web_texts),
    )
    choice = choose_runbook(SHIPPED, web)
    assert choice.runbook_id == "dependency-outage"
    etl = next(c for c in choice.closest if c.runbook.id == "etl-source-timeout")
    assert etl.barred == ("needs batch-job-failed, not shown",)


def test_customer_data_outweighs_a_weak_deploy_cause() -> None:
    query = RunbookQuery(
        service="repo-web",
        category=IncidentCategory.SECURITY,
        cause=CauseKind.DEPLOY,
        confidence=0.32,
        texts=["NoMethodError exception in SessionsController"],
        conditions={Condition.CUSTOMER_DATA: "users served another user's session"},
    )
    assert choose_runbook(SHIPPED, query).runbook_id == "security-triage"


def test_customer_data_outweighs_a_confident_deploy_cause() -> None:
    # The deploy opened the leak; the leak is what people triage. A condition the runbook is
    # written for is stated, so the cause's kind does not count against it.
    query = RunbookQuery(
        service="portal-web",
        category=IncidentCategory.SECURITY,
        cause=CauseKind.DEPLOY,
        confidence=0.74,
        conditions={Condition.CUSTOMER_DATA: "people report seeing pages that are not theirs"},
    )
    choice = choose_runbook(SHIPPED, query)
    assert choice.best is not None
    assert choice.runbook_id == "security-triage"
    assert "cause deploy is not its kind, outweighed by what is shown" in choice.best.reasons


def test_pods_that_cannot_be_scheduled_bar_the_scale_out_runbook() -> None:
    query = RunbookQuery(
        service="holiday-search",
        category=IncidentCategory.PERFORMANCE,
        cause=CauseKind.RESOURCE,
        confidence=0.3,
        texts=["holiday-search p95 latency 4.2s against an SLO of 800ms"],
        metrics={MetricFact.LATENCY: "p95 rose", MetricFact.CPU_SATURATION: "cpu at 98 %"},
        conditions={Condition.UNSCHEDULABLE: "FailedScheduling on pod/holiday-search-2kd9x"},
    )
    choice = choose_runbook(SHIPPED, query)
    assert choice.best is None
    latency = next(c for c in choice.closest if c.runbook.id == "high-latency")
    assert latency.score >= FIT_THRESHOLD
    assert latency.barred[0].startswith("against it: unschedulable")


def test_a_confident_cause_of_another_kind_counts_against_a_runbook() -> None:
    oom = SHIPPED.get("oom-kill")
    assert oom is not None
    weak = score_runbook(oom, RunbookQuery(service="a", cause=CauseKind.DEPLOY, confidence=0.3))
    sure = score_runbook(oom, RunbookQuery(service="a", cause=CauseKind.DEPLOY, confidence=0.8))
    assert (weak.score, sure.score) == (-2, -3)


def test_a_confident_cause_alone_backs_the_one_runbook_of_its_kind() -> None:
    query = RunbookQuery(service="calendar-sync", cause=CauseKind.DEPENDENCY, confidence=0.9)
    assert choose_runbook(SHIPPED, query).runbook_id == "dependency-outage"
    weak = RunbookQuery(service="calendar-sync", cause=CauseKind.DEPENDENCY, confidence=0.3)
    assert choose_runbook(SHIPPED, weak).runbook_id is None


def test_a_resource_cause_that_names_no_resource_backs_no_resource_runbook() -> None:
    query = RunbookQuery(
        service="api",
        category=IncidentCategory.RESOURCE,
        cause=CauseKind.RESOURCE,
        confidence=0.8,
    )
    choice = choose_runbook(SHIPPED, query)
    assert (choice.best, choice.tied) == (None, False)
    oom = next(c for c in choice.closest if c.runbook.id == "oom-kill")
    assert "no evidence names memory" in oom.reasons
    disk = RunbookQuery(
        service="api",
        category=IncidentCategory.RESOURCE,
        cause=CauseKind.RESOURCE,
        confidence=0.8,
        resources=("disk",),
    )
    assert choose_runbook(SHIPPED, disk).runbook_id == "disk-filling"


def test_the_resource_the_cause_names_backs_a_runbook_but_is_no_symptom_of_its_own() -> None:
    # A weak resource cause naming a pool, in the resource category: the latency runbook's
    # pool is named, but nothing the incident shows (no latency, no pool series) points at it.
    query = RunbookQuery(
        service="fx-quotes",
        category=IncidentCategory.RESOURCE,
        cause=CauseKind.RESOURCE,
        confidence=0.45,
        resources=("pool",),
    )
    choice = choose_runbook(SHIPPED, query)
    assert choice.best is None
    latency = next(c for c in choice.closest if c.runbook.id == "high-latency")
    assert (latency.specific, latency.cause_backed) == (False, False)


def _queue_runbook(runbook_id: str) -> str:
    return f"""\
---
id: {runbook_id}
title: A queue backs up
match:
  categories: [performance]
  causes: [traffic]
  keywords: [queue]
actions:
  - kind: scale
    title: Add consumers
verify:
  - check: The queue drains
---
Add consumers.
"""


def test_two_runbooks_that_fit_equally_are_a_tie_and_neither_is_chosen() -> None:
    library = RunbookLibrary(
        parse_runbook(_queue_runbook(name), path=Path(f"{name}.md"))
        for name in ("queue-backlog", "queue-consumers")
    )
    query = RunbookQuery(
        service="api",
        category=IncidentCategory.PERFORMANCE,
        cause=CauseKind.TRAFFIC,
        texts=["queue depth above 10k"],
    )
    choice = choose_runbook(library, query)
    assert (choice.best, choice.tied) == (None, True)
    assert [c.runbook.id for c in choice.closest] == ["queue-backlog", "queue-consumers"]
    assert all(c.eligible for c in choice.closest)


def test_symptoms_count_at_most_four_points() -> None:
    latency = SHIPPED.get("high-latency")
    assert latency is not None
    texts = ["p99 latency slow response time duration apdex slo queueing saturation"]
    metrics = {MetricFact.LATENCY: "rose", MetricFact.CPU_SATURATION: "at 95 %"}
    candidate = score_runbook(latency, RunbookQuery(service="a", texts=texts, metrics=metrics))
    assert candidate.score == 4


# --- services and the catalog --------------------------------------------------------------------

BILLING_ONLY = """\
---
id: billing-replay
title: Replay failed billing webhooks
match:
  categories: [availability]
  services: ["billing-*"]
  keywords: [webhook, stripe]
actions:
  - kind: rerun_job
    title: Replay the failed deliveries
verify:
  - check: No failed deliveries left
---
Replay them from the Stripe dashboard.
"""


def billing_only() -> RunbookLibrary:
    return RunbookLibrary([parse_runbook(BILLING_ONLY, path=Path("billing-replay.md"))])


def test_a_service_glob_admits_matching_services() -> None:
    query = RunbookQuery(
        service="billing-webhooks",
        category=IncidentCategory.AVAILABILITY,
        texts=["stripe webhook failures"],
        listed=("billing-replay",),
    )
    choice = choose_runbook(billing_only(), query)
    assert choice.runbook_id == "billing-replay"
    assert choice.best is not None
    assert "written for billing-webhooks" in choice.best.reasons


def test_a_runbook_for_other_services_never_fits_but_is_named_closest() -> None:
    query = RunbookQuery(
        service="checkout-api",
        category=IncidentCategory.AVAILABILITY,
        texts=["stripe webhook failures"],
        listed=("billing-replay",),
    )
    choice = choose_runbook(billing_only(), query)
    assert choice.best is None
    (closest,) = choice.closest
    assert closest.score >= FIT_THRESHOLD
    assert closest.barred == ("not for checkout-api (only billing-*)",)
    assert "not for checkout-api (only billing-*)" in closest.explanation


def test_the_catalog_listing_tips_the_choice() -> None:
    # A resource cause in the resource category is shared by disk-filling and oom-kill (a tie,
    # so none); the catalog's listing for the service settles it.
    query = RunbookQuery(
        service="billing-db",
        category=IncidentCategory.RESOURCE,
        cause=CauseKind.RESOURCE,
        listed=("disk-filling",),
    )
    choice = choose_runbook(SHIPPED, query)
    assert choice.runbook_id == "disk-filling"
    assert choice.best is not None
    assert "the catalog lists it for billing-db" in choice.best.reasons


# --- the project's scenarios, as the packet would query ------------------------------------------


def scenario_query(scenario: Scenario) -> RunbookQuery:
    """What the packet knows from words alone: alert titles and descriptions, log lines, the
    catalog's listing, and (standing in for the analysis) the category and cause the scenario
    expects, at no confidence (the weakest the analysis gives)."""
    texts: list[str] = []
    for delivery in scenario.deliveries:
        for signal in normalize(
            delivery.source,
            delivery.payload,
            # When the scenario's alerts arrive: an alert dated after its arrival is refused.
            received_at=scenario.now,
            body_digest="0" * 64,
        ):
            texts.extend([signal.title, signal.description])
    service = scenario.expect.service or ""
    texts.extend(line.message for line in scenario.logs if line.service == service)
    listed = next((r.runbooks for r in scenario.catalog if r.service == service), ())
    return RunbookQuery(
        service=service,
        texts=texts,
        category=scenario.expect.category,
        cause=scenario.expect.cause,
        listed=listed,
        conditions=line_conditions(texts),
        metrics=alert_facts(texts[:2]),
    )


@pytest.mark.parametrize(
    "scenario",
    [s for s in load_scenarios(WRITTEN_WITH_THE_BOT) if s.expect.expects_runbook],
    ids=lambda s: s.id,
)
def test_project_scenarios_get_the_runbook_they_expect(scenario: Scenario) -> None:
    library = SHIPPED.selected(scenario.runbooks)
    assert choose_runbook(library, scenario_query(scenario)).runbook_id == scenario.expect.runbook
