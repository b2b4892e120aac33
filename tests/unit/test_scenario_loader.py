"""Replay scenario files (scenarios/FORMAT.md): what loads, and how each problem is reported."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.errors import ConfigFileError
from bot.scenario.loader import load_scenario, load_scenarios, scenario_files
from bot.scenario.schemas import Scenario
from bot.signal.values import AlertSource, Severity

EXAMPLES = Path(__file__).parent / "fixtures" / "scenarios"
PROJECT_SCENARIOS = Path(__file__).parents[2] / "scenarios"
SHIPPED_RUNBOOKS = frozenset(
    {
        "deploy-rollback",
        "oom-kill",
        "high-latency",
        "dependency-outage",
        "disk-filling",
        "etl-source-timeout",
        "security-triage",
    }
)

# Lines 1-8; what a test appends starts at line 9.
BASE = """\
id: small-outage
title: The api is down
now: 2026-03-04T14:06:00Z
alert:
  source: generic
  payload: {service: api, title: api is down, started_at: "2026-03-04T14:05:00Z"}
expect:
  service: api
"""

WITHOUT_ALERT = """\
id: small-outage
title: The api is down
now: 2026-03-04T14:06:00Z
expect:
  service: api
"""

STORM = """\
alerts:
  - at: 2026-03-04T14:05:00Z
    source: generic
    payload: {service: api, title: second}
  - at: 2026-03-04T14:01:00Z
    source: alertmanager
    payload: {version: "4"}
"""


def write(folder: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load_text(tmp_path: Path, text: str, **kwargs: Any) -> Scenario:
    return load_scenario(write(tmp_path, text), **kwargs)


def problem(tmp_path: Path, text: str, **kwargs: Any) -> ConfigFileError:
    with pytest.raises(ConfigFileError) as caught:
        load_text(tmp_path, text, **kwargs)
    return caught.value


# --- files that load ---------------------------------------------------------------------------


def test_billing_parser_deploy_example_loads() -> None:
    scenario = load_scenario(
        EXAMPLES / "billing-parser-deploy.yaml", known_runbooks=SHIPPED_RUNBOOKS
    )
    assert scenario.id == "billing-parser-deploy"
    assert scenario.now == datetime(2026, 3, 4, 14, 6, tzinfo=UTC)
    assert scenario.deliveries[0].source is AlertSource.DATADOG
    assert scenario.expect.suspect_deploy == "9f1c2ab"
    assert scenario.deploys[0].pr == 4821


def test_etl_replica_lag_example_loads() -> None:
    scenario = load_scenario(EXAMPLES / "etl-replica-lag.yaml", known_runbooks=SHIPPED_RUNBOOKS)
    assert scenario.id == "etl-replica-lag"
    assert scenario.expect.expects_suspect_deploy
    assert scenario.expect.suspect_deploy is None
    assert scenario.metrics[0].points[-1][1] == 8280


def test_project_scenarios_all_load_with_distinct_ids() -> None:
    scenarios = load_scenarios([PROJECT_SCENARIOS], known_runbooks=SHIPPED_RUNBOOKS)
    ids = [scenario.id for scenario in scenarios]
    assert len(ids) == len(set(ids)) >= 100
    corpus = load_scenarios([PROJECT_SCENARIOS / "postmortems"], known_runbooks=SHIPPED_RUNBOOKS)
    # Every file of the postmortem corpus loads (it grows batch by batch: 76 passing and 24
    # moved in from bench/evaluation/open, then batch e).
    files = sorted((PROJECT_SCENARIOS / "postmortems").rglob("*.yaml"))
    assert len(corpus) == len(files) >= 110
    written = [scenario.id for scenario in scenarios if scenario not in corpus]
    # Files in path order (folders recursively), so examples/ comes between c... and e...
    assert written == [
        "accounts-pii-in-errors",
        "admin-token-security-alert",
        "api-dashboards-disagree",
        "billing-db-disk-filling",
        "billing-parser-deploy-am",
        "billing-rollback-unsafe-migration",
        "cart-flag-rollout",
        "checkout-payment-provider-down",
        "billing-parser-deploy",
        "etl-replica-lag",
        "gateway-misleading-log-spike",
        "sessions-redis-refused-again",  # history/
        "sessions-redis-refused-unlike-history",
        "ledger-db-alert-storm",
        "notifications-sentry-deploy",
        "orders-several-deploys",
        "partner-cert-expiry-no-runbook",
        "payments-change-freeze",
        "profile-latency-deploy-regression",
        "recommender-oom-kill",
        "search-no-deploy-near",
        "search-traffic-surge",
        "sessions-redis-refused",
        "shipping-failed-deploy",
        "two-unrelated-alerts",
        "warehouse-export-source-timeout",
    ]


def test_default_demo_scenario_alert_comes_from_alertmanager() -> None:
    scenario = load_scenario(PROJECT_SCENARIOS / "billing-parser-deploy.yaml")
    (delivery,) = scenario.deliveries
    assert delivery.source is AlertSource.ALERTMANAGER
    assert delivery.payload["version"] == "4"
    assert delivery.payload["commonLabels"]["severity"] == "high"
    assert delivery.payload["alerts"][0]["startsAt"] == "2026-03-04T14:03:00Z"
    assert scenario.expect.severity is Severity.SEV2


def test_payload_stays_the_raw_body_with_timestamps_as_strings(tmp_path: Path) -> None:
    scenario = load_text(tmp_path, BASE)
    assert scenario.deliveries[0].payload == {
        "service": "api",
        "title": "api is down",
        "started_at": "2026-03-04T14:05:00Z",
    }


def test_single_alert_is_delivered_at_now(tmp_path: Path) -> None:
    (delivery,) = load_text(tmp_path, BASE).deliveries
    assert delivery.at == datetime(2026, 3, 4, 14, 6, tzinfo=UTC)


def test_alerts_are_delivered_in_at_order(tmp_path: Path) -> None:
    scenario = load_text(tmp_path, WITHOUT_ALERT + STORM)
    assert [delivery.source for delivery in scenario.deliveries] == [
        AlertSource.ALERTMANAGER,
        AlertSource.GENERIC,
    ]


def test_alerts_at_the_same_instant_keep_their_file_order() -> None:
    alerts = [
        {"at": f"2026-03-04T14:0{minute}:00Z", "source": "generic", "payload": {"n": index}}
        for index, minute in enumerate([3, 1, 3, 1, 2])
    ]
    scenario = Scenario.model_validate(
        {
            "id": "storm",
            "title": "Storm",
            "now": "2026-03-04T14:06:00Z",
            "alerts": alerts,
            "expect": {},
        }
    )
    assert [delivery.payload["n"] for delivery in scenario.deliveries] == [1, 3, 4, 0, 2]


def test_metric_points_are_sorted_by_time(tmp_path: Path) -> None:
    scenario = load_text(
        tmp_path,
        BASE + "metrics:\n  - service: api\n    name: errors\n"
        "    points: [[2026-03-04T14:05:00Z, 9], [2026-03-04T14:00:00Z, 1]]\n",
    )
    assert [value for _, value in scenario.metrics[0].points] == [1.0, 9.0]


def test_naive_timestamp_is_taken_as_utc(tmp_path: Path) -> None:
    scenario = load_text(tmp_path, BASE.replace("14:06:00Z", "14:06:00"))
    assert scenario.now == datetime(2026, 3, 4, 14, 6, tzinfo=UTC)


def test_a_sha_that_yaml_reads_as_a_number_keeps_its_digits(tmp_path: Path) -> None:
    scenario = load_text(
        tmp_path,
        BASE
        + "  suspect_deploy: 0123456\n"
        + "deploys:\n  - {service: api, sha: 0123456, at: 2026-03-04T14:00:00Z}\n",
    )
    assert scenario.deploys[0].sha == "0123456"
    assert scenario.expect.suspect_deploy == "0123456"


def test_deploy_status_defaults_to_succeeded(tmp_path: Path) -> None:
    scenario = load_text(
        tmp_path, BASE + "deploys:\n  - {service: api, sha: 9f1c2ab, at: 2026-03-04T14:00:00Z}\n"
    )
    assert scenario.deploys[0].succeeded
    assert scenario.deploys[0].has_migration is False


def test_scenario_catalog_converts_to_a_catalog_with_dependencies(tmp_path: Path) -> None:
    catalog = load_scenario(EXAMPLES / "billing-parser-deploy.yaml").to_catalog()
    assert catalog.owner_of("billing-webhooks") == "payments-platform"
    assert catalog.dependencies("billing-webhooks") == ("billing-db", "stripe-api")
    assert catalog.dependents("billing-db") == ("billing-webhooks",)


# --- expect ------------------------------------------------------------------------------------


def test_expect_tells_an_absent_suspect_deploy_from_an_explicit_null(tmp_path: Path) -> None:
    absent = load_text(tmp_path, BASE).expect
    null = load_text(tmp_path, BASE + "  suspect_deploy: null\n").expect
    assert not absent.expects_suspect_deploy
    assert null.expects_suspect_deploy
    assert absent.suspect_deploy is None
    assert null.suspect_deploy is None


def test_expect_tells_an_absent_runbook_from_an_explicit_null(tmp_path: Path) -> None:
    assert not load_text(tmp_path, BASE).expect.expects_runbook
    assert load_text(tmp_path, BASE + "  runbook: null\n").expect.expects_runbook


def test_expect_checks_only_the_keys_written(tmp_path: Path) -> None:
    expect = load_text(tmp_path, BASE + "  suspect_deploy: ~\n  raises: [change_freeze]\n").expect
    assert expect.checked == frozenset({"service", "suspect_deploy", "raises"})


def test_null_for_a_key_that_needs_a_value_is_an_error(tmp_path: Path) -> None:
    error = problem(tmp_path, BASE + "  severity: null\n")
    assert (error.line, error.key) == (9, "expect.severity")


def test_unknown_action_kind_in_expect_is_an_error(tmp_path: Path) -> None:
    error = problem(tmp_path, BASE + "  suggested_actions: [rollback, reboot]\n")
    assert (error.line, error.key) == (9, "expect.suggested_actions.1")
    assert "'reboot'" in error.reason


# --- problems: file, line and key --------------------------------------------------------------


def test_unknown_top_level_key_names_the_key(tmp_path: Path) -> None:
    error = problem(tmp_path, BASE + "deploy:\n  - {service: api}\n")
    assert (error.path, error.line, error.key) == (tmp_path / "scenario.yaml", 9, "deploy")
    assert "unknown key deploy (did you mean deploys?)" in error.reason


def test_unknown_nested_key_names_the_key(tmp_path: Path) -> None:
    error = problem(tmp_path, BASE + "  suspect_deplyo: 9f1c2ab\n")
    assert (error.line, error.key) == (9, "expect.suspect_deplyo")


def test_wrong_type_deep_inside_names_line_and_key(tmp_path: Path) -> None:
    error = problem(
        tmp_path,
        BASE + "cluster:\n  pods:\n    - {namespace: a, name: b, phase: Running, restarts: many}\n",
    )
    assert (error.line, error.key) == (11, "cluster.pods.0.restarts")


def test_alert_and_alerts_together_are_an_error(tmp_path: Path) -> None:
    error = problem(tmp_path, BASE + STORM)
    assert (error.line, error.key) == (9, "alerts")
    assert "not both" in error.reason


def test_neither_alert_nor_alerts_is_an_error(tmp_path: Path) -> None:
    error = problem(tmp_path, WITHOUT_ALERT)
    assert error.key == "alert"
    assert error.line == 1
    assert "needs alert (one) or alerts (a list)" in error.reason


def test_empty_alerts_list_is_an_error(tmp_path: Path) -> None:
    error = problem(tmp_path, WITHOUT_ALERT + "alerts: []\n")
    assert (error.line, error.key) == (6, "alerts")


def test_unknown_alert_source_is_an_error(tmp_path: Path) -> None:
    error = problem(tmp_path, BASE.replace("source: generic", "source: nagios"))
    assert (error.line, error.key) == (5, "alert.source")


def test_id_that_is_not_kebab_case_is_an_error(tmp_path: Path) -> None:
    error = problem(tmp_path, BASE.replace("small-outage", "Small_Outage"))
    assert (error.line, error.key) == (1, "id")
    assert "kebab-case" in error.reason


def test_invalid_timestamp_is_an_error(tmp_path: Path) -> None:
    error = problem(tmp_path, BASE.replace("2026-03-04T14:06:00Z", "2026-03-04 teatime"))
    assert (error.line, error.key) == (3, "now")


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    error = problem(tmp_path, BASE + "title: The api is down again\n")
    assert (error.line, error.key) == (9, "title")
    assert "duplicate key" in error.reason


def test_calendar_entry_ending_before_it_starts_is_an_error(tmp_path: Path) -> None:
    error = problem(
        tmp_path,
        BASE + "calendar:\n  - kind: freeze\n    start: 2026-03-04T00:00:00Z\n"
        "    end: 2026-03-03T00:00:00Z\n",
    )
    assert (error.line, error.key) == (12, "calendar.0.end")


def test_service_listed_twice_in_the_catalog_is_an_error(tmp_path: Path) -> None:
    error = problem(
        tmp_path, BASE + "catalog:\n  - {service: api, owner: a}\n  - {service: api, owner: b}\n"
    )
    assert (error.line, error.key) == (11, "catalog.1.service")


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    error = problem(tmp_path, BASE + "logs: [\n")
    assert error.line == 10
    assert "invalid YAML" in error.reason


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    error = problem(tmp_path, "")
    assert (error.path, error.reason) == (tmp_path / "scenario.yaml", "the file is empty")


def test_unknown_runbook_id_in_runbooks_is_an_error(tmp_path: Path) -> None:
    error = problem(
        tmp_path,
        BASE + "runbooks: [deploy-rollback, restart-it]\n",
        known_runbooks=SHIPPED_RUNBOOKS,
    )
    assert (error.line, error.key) == (9, "runbooks.1")
    assert "unknown runbook restart-it" in error.reason


def test_unknown_runbook_id_in_expect_is_an_error(tmp_path: Path) -> None:
    error = problem(tmp_path, BASE + "  runbook: restart-it\n", known_runbooks=SHIPPED_RUNBOOKS)
    assert (error.line, error.key) == (9, "expect.runbook")


def test_runbook_ids_are_not_checked_without_known_runbooks(tmp_path: Path) -> None:
    scenario = load_text(tmp_path, BASE + "runbooks: [restart-it]\n")
    assert scenario.runbooks == ("restart-it",)
    assert not scenario.uses_default_runbooks


def test_runbooks_word_other_than_default_is_an_error(tmp_path: Path) -> None:
    error = problem(tmp_path, BASE + "runbooks: none\n")
    assert (error.line, error.key) == (9, "runbooks")


# --- several files -----------------------------------------------------------------------------


def test_duplicate_scenario_id_across_files_names_both_files(tmp_path: Path) -> None:
    first = write(tmp_path, BASE, "a.yaml")
    second = write(tmp_path, BASE, "b.yaml")
    with pytest.raises(ConfigFileError) as caught:
        load_scenarios([first, second])
    assert (caught.value.path, caught.value.line, caught.value.key) == (second, 1, "id")
    assert str(first) in caught.value.reason


def test_a_folder_yields_its_yaml_and_yml_files_recursively_in_sorted_order(
    tmp_path: Path,
) -> None:
    write(tmp_path, BASE.replace("small-outage", "b-one"), "b.yml")
    write(tmp_path, BASE.replace("small-outage", "a-one"), "nested/a.yaml")
    write(tmp_path, BASE.replace("small-outage", "c-one"), "c.yaml")
    write(tmp_path, "not a scenario", "notes.md")
    write(tmp_path, "neither: this", ".hidden/x.yaml")
    assert [scenario.id for scenario in load_scenarios([tmp_path])] == ["b-one", "c-one", "a-one"]


def test_a_file_named_twice_is_read_once(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    assert scenario_files([tmp_path, path]) == [path]


def test_a_path_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match="no such file or folder"):
        load_scenarios([tmp_path / "missing"])


def test_a_folder_without_scenarios_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match="holds no"):
        load_scenarios([tmp_path])


def test_suspect_deploy_too_short_to_compare_is_an_error(tmp_path: Path) -> None:
    error = problem(tmp_path, BASE + "  suspect_deploy: 9f1c\n")
    assert (error.line, error.key) == (9, "expect.suspect_deploy")
    assert "at least 7 characters" in error.reason
