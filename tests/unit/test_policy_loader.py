"""Policy files: good ones load, and every problem names the file, the 1-based line and the key."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.action.kinds import ActionKind
from bot.errors import ConfigFileError
from bot.policy import SHIPPED_POLICY, load_policy

GOOD = """\
dry_run: true
approval_ttl_minutes: 10
defaults:
  approvers: ["@sre-oncall", U0ALICE]
  actions:
    scale: {max_scale_factor: 1.5, max_replicas: 12}
    restart: {max_per_hour: 3, one_pod_at_a_time: true}
services:
  billing-webhooks:
    approvers: [S0PAYONCALL]
    allow_self_approval: true
change_freeze:
  from_calendar: false
  windows:
    - start: 2026-12-24T00:00:00Z
      end: "2026-12-27T00:00:00+00:00"
      note: Holiday freeze
    - weekly: {days: [fri, sat], from: 16:00, to: "24:00"}
      services: [billing-webhooks]
      actions: [scale]
kill_switch: {operators: ["@incident-commanders"], anyone_may_engage: false}
postmortem: {allowed: ["@sre-oncall"]}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problem(tmp_path: Path, text: str) -> ConfigFileError:
    path = write(tmp_path, text)
    with pytest.raises(ConfigFileError) as caught:
        load_policy(path)
    assert caught.value.path == path
    return caught.value


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


# --- good files ------------------------------------------------------------------------------


def test_the_shipped_policy_loads() -> None:
    policy = load_policy(SHIPPED_POLICY)
    assert policy.source == SHIPPED_POLICY
    assert not policy.dry_run
    assert policy.approvers(ActionKind.ROLLBACK, "billing-webhooks") == (
        "@payments-oncall",
        "@sre-oncall",
    )
    assert policy.approvers(ActionKind.FAILOVER, "ledger-db") == ("@dba-oncall",)
    assert policy.max_replicas("billing-webhooks") == 50


def test_a_full_file_loads_every_key(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, GOOD))
    assert policy.dry_run
    assert policy.approval_ttl == timedelta(minutes=10)
    assert policy.approvers(ActionKind.ROLLBACK, "orders-api") == ("@sre-oncall", "U0ALICE")
    assert policy.approvers(ActionKind.ROLLBACK, "billing-webhooks") == ("S0PAYONCALL",)
    assert policy.allows_self_approval(ActionKind.ROLLBACK, "billing-webhooks")
    assert not policy.allows_self_approval(ActionKind.ROLLBACK, "orders-api")
    assert policy.max_scale_factor("orders-api") == 1.5
    assert policy.max_replicas("orders-api") == 12
    assert policy.max_restarts_per_hour("orders-api") == 3
    assert not policy.change_freeze.from_calendar
    holiday, weekly = policy.change_freeze.windows
    assert holiday.start == datetime(2026, 12, 24, tzinfo=UTC)
    assert holiday.end == datetime(2026, 12, 27, tzinfo=UTC)
    assert weekly.weekly is not None
    assert weekly.weekly.start == time(16, 0), "an unquoted 16:00 is read as the time written"
    assert weekly.weekly.days == ("fri", "sat")
    assert policy.kill_switch.operators == ("@incident-commanders",)
    assert policy.postmortem.allowed == ("@sre-oncall",)


def test_an_empty_mapping_is_the_built_in_policy(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, "{}\n"))
    assert policy.approval_ttl == timedelta(minutes=15)
    assert policy.max_scale_factor("any") == 2.0
    assert policy.max_restarts_per_hour("any") == 5
    assert policy.max_replicas("any") is None
    assert policy.one_pod_at_a_time("any")


# --- bad files -------------------------------------------------------------------------------


def test_a_wrong_type_names_its_line_and_key(tmp_path: Path) -> None:
    text = GOOD.replace("max_per_hour: 3", "max_per_hour: three")
    error = problem(tmp_path, text)
    assert (error.line, error.key) == (
        line_of(text, "max_per_hour"),
        "defaults.actions.restart.max_per_hour",
    )
    assert "'three'" in str(error)


def test_a_string_is_not_a_yes_for_dry_run(tmp_path: Path) -> None:
    error = problem(tmp_path, 'dry_run: "yes"\n')
    assert (error.line, error.key) == (1, "dry_run")


def test_an_unknown_key_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    text = GOOD.replace("max_replicas: 12", "max_replica: 12")
    error = problem(tmp_path, text)
    assert (error.line, error.key) == (
        line_of(text, "max_replica:"),
        "defaults.actions.scale.max_replica",
    )
    assert "did you mean max_replicas?" in str(error)


def test_an_unknown_action_kind_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("    restart: {max_per_hour", "    reboot: {max_per_hour")
    error = problem(tmp_path, text)
    assert (error.line, error.key) == (line_of(text, "reboot"), "defaults.actions.reboot")
    assert "unknown key reboot" in str(error)


def test_a_limit_of_one_kind_under_another_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("restart: {max_per_hour: 3", "restart: {max_replicas: 3")
    error = problem(tmp_path, text)
    assert error.key == "defaults.actions.restart.max_replicas"


def test_a_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    text = GOOD.replace("approval_ttl_minutes: 10\n", "approval_ttl_minutes: 10\ndry_run: false\n")
    error = problem(tmp_path, text)
    assert (error.line, error.key) == (3, "dry_run")
    assert "duplicate key 'dry_run' (first written at line 1)" in str(error)


def test_a_bad_timestamp_names_its_line(tmp_path: Path) -> None:
    text = GOOD.replace("start: 2026-12-24T00:00:00Z", "start: Christmas eve")
    error = problem(tmp_path, text)
    assert (error.line, error.key) == (
        line_of(text, "Christmas eve"),
        "change_freeze.windows.0.start",
    )
    assert "ISO-8601" in str(error)


def test_a_bad_time_of_day_names_its_line(tmp_path: Path) -> None:
    text = GOOD.replace('to: "24:00"', 'to: "25:00"')
    error = problem(tmp_path, text)
    assert (error.line, error.key) == (
        line_of(text, "25:00"),
        "change_freeze.windows.1.weekly.to",
    )


def test_a_bad_weekday_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("days: [fri, sat]", "days: [fri, friday]")
    error = problem(tmp_path, text)
    assert error.key == "change_freeze.windows.1.weekly.days.1"


def test_a_window_that_ends_before_it_starts_is_refused_at_its_end(tmp_path: Path) -> None:
    text = GOOD.replace("2026-12-27T00:00:00+00:00", "2026-12-23T00:00:00+00:00")
    error = problem(tmp_path, text)
    assert (error.line, error.key) == (line_of(text, "end:"), "change_freeze.windows.0.end")
    assert "end must be after start" in str(error)


def test_a_window_without_its_end_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace('      end: "2026-12-27T00:00:00+00:00"\n', "")
    error = problem(tmp_path, text)
    assert error.key == "change_freeze.windows.0.end"
    assert error.line == line_of(text, "- start:")


def test_a_negative_limit_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("max_per_hour: 3", "max_per_hour: -1")
    error = problem(tmp_path, text)
    assert (error.line, error.key) == (
        line_of(text, "max_per_hour"),
        "defaults.actions.restart.max_per_hour",
    )
    assert "greater than or equal to 0" in str(error)


def test_a_scale_factor_below_one_is_refused(tmp_path: Path) -> None:
    error = problem(tmp_path, "defaults:\n  actions:\n    scale: {max_scale_factor: 0.5}\n")
    assert (error.line, error.key) == (3, "defaults.actions.scale.max_scale_factor")


def test_an_approver_that_is_no_slack_id_or_handle_is_refused_with_a_hint(tmp_path: Path) -> None:
    text = GOOD.replace("approvers: [S0PAYONCALL]", "approvers: [payments-oncall]")
    error = problem(tmp_path, text)
    assert (error.line, error.key) == (
        line_of(text, "payments-oncall"),
        "services.billing-webhooks.approvers.0",
    )
    assert "write @payments-oncall" in str(error)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError) as caught:
        load_policy(tmp_path / "nowhere.yaml")
    assert "no such file" in str(caught.value)


def test_the_message_reads_file_line_key_then_the_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "approval_ttl_minutes: 0\n")
    with pytest.raises(ConfigFileError) as caught:
        load_policy(path)
    assert str(caught.value).startswith(f"{path}:1: approval_ttl_minutes: ")


def test_the_readme_example_loads(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Policy\n", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    policy = load_policy(write(tmp_path, example))
    assert policy.max_replicas("billing-webhooks") == 12
    assert policy.max_replicas("orders-api") == 50
    assert len(policy.change_freeze.windows) == 2


def test_an_empty_section_is_the_same_as_an_empty_mapping(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, "postmortem:\nkill_switch:\ndefaults:\n  actions:\n"))
    assert policy.postmortem.allowed is None
    assert policy.kill_switch.operators == ()


def test_a_freeze_window_for_an_empty_list_of_services_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("services: [billing-webhooks]", "services: []")
    error = problem(tmp_path, text)
    assert (error.line, error.key) == (
        line_of(text, "services: []"),
        "change_freeze.windows.1.services",
    )
