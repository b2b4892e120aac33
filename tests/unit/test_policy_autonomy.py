"""Autonomy levels: per kind and per service, in two spellings, and the ceiling the kill switch,
a change freeze and the incident's markers set."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.action.kinds import ActionKind
from bot.errors import ConfigFileError
from bot.evidence.values import ChangeWindow, ChangeWindowKind
from bot.policy import DEFAULT_POLICY, Autonomy, Policy, autonomy_now, load_policy, parse_policy

NOW = datetime(2026, 5, 12, 1, 50, tzinfo=UTC)
ETL = "revenue-etl"
CONFIG, RERUN = ActionKind.CONFIG_CHANGE, ActionKind.RERUN_JOB

LEVELS = """\
defaults:
  approvers: ["@sre-oncall"]
  actions:
    failover: {autonomy: suggest}
services:
  revenue-etl:
    actions:
      config_change: {autonomy: auto}
      rerun_job: {requires_approval: false}
  search-api:
    autonomy: auto
"""


def policy(text: str = LEVELS) -> Policy:
    return parse_policy(text, path=Path("policy.yaml"))


def now_for(kind: ActionKind, service: str = ETL, **facts: object) -> Autonomy:
    decision = autonomy_now(
        policy(),
        kind=kind,
        service=service,
        now=facts.pop("now", NOW),  # type: ignore[arg-type]
        kill_switch=bool(facts.pop("kill_switch", False)),
        markers=facts.pop("markers", ()),  # type: ignore[arg-type]
        calendar=facts.pop("calendar", ()),  # type: ignore[arg-type]
    )
    return decision.level


def test_the_built_in_levels_are_approve_but_for_paging_and_tickets() -> None:
    assert DEFAULT_POLICY.autonomy(ActionKind.ROLLBACK, ETL) == (Autonomy.APPROVE, "built-in")
    assert DEFAULT_POLICY.autonomy(ActionKind.PAGE_OWNER, ETL) == (Autonomy.AUTO, "built-in")


def test_a_kind_of_one_service_runs_on_its_own_and_names_its_rule() -> None:
    assert policy().autonomy(CONFIG, ETL) == (
        Autonomy.AUTO,
        "services.revenue-etl.actions.config_change.autonomy",
    )
    assert policy().autonomy(CONFIG, "billing-webhooks")[0] is Autonomy.APPROVE


def test_requires_approval_false_is_the_older_spelling_of_auto() -> None:
    assert policy().autonomy(RERUN, ETL) == (
        Autonomy.AUTO,
        "services.revenue-etl.actions.rerun_job.requires_approval",
    )


def test_a_service_level_covers_every_kind_of_that_service() -> None:
    assert policy().autonomy(ActionKind.SCALE, "search-api") == (
        Autonomy.AUTO,
        "services.search-api.autonomy",
    )


def test_suggest_is_neither_run_nor_approvable_and_still_needs_a_human() -> None:
    assert policy().autonomy(ActionKind.FAILOVER, ETL)[0] is Autonomy.SUGGEST
    assert policy().requires_approval(ActionKind.FAILOVER, ETL)
    assert not policy().requires_approval(CONFIG, ETL)


def test_nothing_lowers_an_auto_level_on_an_ordinary_incident() -> None:
    assert now_for(CONFIG) is Autonomy.AUTO


def test_the_kill_switch_lowers_every_level_to_suggest() -> None:
    assert now_for(CONFIG, kill_switch=True) is Autonomy.SUGGEST
    assert now_for(ActionKind.ROLLBACK, kill_switch=True) is Autonomy.SUGGEST


@pytest.mark.parametrize("marker", ["customer_data", "unsafe_rollback"])
def test_an_incident_raising_a_dangerous_marker_never_runs_anything_on_its_own(
    marker: str,
) -> None:
    decision = autonomy_now(
        policy(), kind=CONFIG, service=ETL, now=NOW, kill_switch=False, markers=[marker]
    )
    assert decision.level is Autonomy.APPROVE
    assert decision.lowered_by == marker
    assert decision.rule == "services.revenue-etl.actions.config_change.autonomy"


def test_other_markers_leave_auto_alone() -> None:
    assert now_for(CONFIG, markers=["low_confidence", "missing_runbook"]) is Autonomy.AUTO


def test_a_freeze_of_the_policy_lowers_auto_to_approve_even_for_other_kinds() -> None:
    frozen = policy(
        LEVELS
        + "change_freeze:\n  windows:\n"
        + "    - {start: 2026-05-12T00:00:00Z, end: 2026-05-13T00:00:00Z, actions: [rollback]}\n"
    )
    decision = autonomy_now(frozen, kind=CONFIG, service=ETL, now=NOW, kill_switch=False)
    assert decision.level is Autonomy.APPROVE
    assert decision.lowered_by == "change_freeze"
    after = datetime(2026, 5, 13, 0, 0, tzinfo=UTC)
    assert autonomy_now(frozen, kind=CONFIG, service=ETL, now=after, kill_switch=False).level is (
        Autonomy.AUTO
    )


def test_a_calendar_freeze_lowers_auto_to_approve() -> None:
    window = ChangeWindow(
        start=datetime(2026, 5, 12, tzinfo=UTC),
        end=datetime(2026, 5, 13, tzinfo=UTC),
        kind=ChangeWindowKind.FREEZE,
        services=(ETL,),
        note="Quarter close",
    )
    assert now_for(CONFIG, calendar=[window]) is Autonomy.APPROVE


def test_a_freeze_never_raises_a_level() -> None:
    window = ChangeWindow(
        start=datetime(2026, 5, 12, tzinfo=UTC),
        end=datetime(2026, 5, 13, tzinfo=UTC),
        kind=ChangeWindowKind.FREEZE,
        services=(ETL,),
    )
    assert now_for(ActionKind.FAILOVER, calendar=[window]) is Autonomy.SUGGEST


def test_both_spellings_in_one_section_stop_the_start_naming_line_and_key(tmp_path: Path) -> None:
    text = "services:\n  revenue-etl:\n    actions:\n      rerun_job:\n" + (
        "        autonomy: auto\n        requires_approval: true\n"
    )
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    with pytest.raises(ConfigFileError) as caught:
        load_policy(path)
    message = str(caught.value)
    assert "policy.yaml:6" in message
    assert "services.revenue-etl.actions.rerun_job.requires_approval" in message


def test_an_unknown_level_stops_the_start_naming_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("defaults:\n  actions:\n    scale: {autonomy: yolo}\n")
    with pytest.raises(ConfigFileError) as caught:
        load_policy(path)
    message = str(caught.value)
    assert "policy.yaml:3" in message
    assert "defaults.actions.scale.autonomy" in message
    assert "'suggest', 'approve' or 'auto'" in message
