"""Choosing a runbook: the expected one for representative incidents, and none when none fits."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.runbook.loader import RunbookLibrary, load_runbooks, parse_runbook
from bot.runbook.matcher import (
    FIT_THRESHOLD,
    RunbookQuery,
    choose_runbook,
    score_runbook,
)
from bot.scenario.loader import load_scenarios
from bot.scenario.models import Scenario
from bot.scenario.terms import CauseKind, IncidentCategory
from bot.signal.sources import normalize

SHIPPED = load_runbooks()
PROJECT_SCENARIOS = Path(__file__).parents[2] / "scenarios"

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
        ),
        "oom-kill",
        id="oom-killed-pods",
    ),
    pytest.param(
        RunbookQuery(
            service="checkout-api",
            category=IncidentCategory.PERFORMANCE,
            texts=["checkout-api p99 latency above 2s for 10m"],
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
        ),
        "etl-source-timeout",
        id="etl-timeout",
    ),
    pytest.param(
        RunbookQuery(
            service="billing",
            category=IncidentCategory.SECURITY,
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


def test_the_choice_says_why() -> None:
    query = CASES[1].values[0]
    assert isinstance(query, RunbookQuery)
    best = choose_runbook(SHIPPED, query).best
    assert best is not None
    assert best.reasons == (
        "cause resource",
        "category resource",
        "keywords oomkilled, exit code 137",
    )
    assert best.explanation.startswith("oom-kill (score 7: cause resource; ")


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
    )
    choice = choose_runbook(billing_only(), query)
    assert choice.best is None
    (closest,) = choice.closest
    assert "not for checkout-api (only billing-*)" in closest.reasons


def test_the_catalog_listing_tips_the_choice() -> None:
    query = RunbookQuery(
        service="billing-db", category=IncidentCategory.RESOURCE, listed=("disk-filling",)
    )
    choice = choose_runbook(SHIPPED, query)
    assert choice.runbook_id == "disk-filling"
    assert choice.best is not None
    assert "the catalog lists it for billing-db" in choice.best.reasons


# --- the project's scenarios, as the packet would query ------------------------------------------


def scenario_query(scenario: Scenario) -> RunbookQuery:
    """What the packet knows: alert titles and descriptions, log lines, the catalog's listing,
    and (standing in for the analysis) the category and cause the scenario expects."""
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
    )


@pytest.mark.parametrize(
    "scenario",
    [s for s in load_scenarios([PROJECT_SCENARIOS]) if s.expect.expects_runbook],
    ids=lambda s: s.id,
)
def test_project_scenarios_get_the_runbook_they_expect(scenario: Scenario) -> None:
    library = SHIPPED.selected(scenario.runbooks)
    assert choose_runbook(library, scenario_query(scenario)).runbook_id == scenario.expect.runbook
