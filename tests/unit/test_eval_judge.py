"""Judging a scenario's ``expect`` against the bot's conclusions, by FORMAT.md's rules."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from bot.action.kinds import ActionKind
from bot.errors import ConfigFileError
from bot.evaluation.conclusions import Conclusions
from bot.evaluation.judge import judge, same_commit
from bot.scenario.expectation import Expectation
from bot.scenario.loader import load_scenario
from bot.scenario.terms import CauseKind, IncidentCategory, Marker
from bot.signal.values import Severity

SHIPPED = Path(__file__).parents[2] / "scenarios" / "billing-parser-deploy.yaml"

CONCLUDED = Conclusions(
    service="billing-webhooks",
    severity=Severity.SEV2,
    category=IncidentCategory.AVAILABILITY,
    cause=CauseKind.DEPLOY,
    suspect_deploy="9f1c2ab7e3d4c5b6a7980f1e2d3c4b5a69788776",
    owner="payments-platform",
    dependency=None,
    runbook="deploy-rollback",
    suggested_actions=(ActionKind.ROLLBACK, ActionKind.PAGE_OWNER),
    requires_approval=(ActionKind.ROLLBACK,),
    raises=(Marker.UNSAFE_ROLLBACK,),
    incidents=1,
)


def failures(expect: dict[str, Any], **concluded: Any) -> list[str]:
    conclusions = dataclasses.replace(CONCLUDED, **concluded)
    return [str(m) for m in judge(Expectation.model_validate(expect), conclusions)]


@pytest.mark.parametrize(
    ("expected", "got"),
    [
        ("9f1c2ab", "9f1c2ab7e3d4c5b6a7980f1e2d3c4b5a69788776"),
        ("9f1c2ab7e3d4c5b6a7980f1e2d3c4b5a69788776", "9f1c2ab"),
        ("9F1C2AB7", "9f1c2ab7e3"),
        ("9f1c2ab", "9f1c2ab"),
    ],
)
def test_shas_name_the_same_commit_when_the_shorter_prefixes_the_longer(
    expected: str, got: str
) -> None:
    assert same_commit(expected, got)


@pytest.mark.parametrize(
    ("expected", "got"),
    [("9f1c2ab", "9f1c2ac0000"), ("9f1c2a", "9f1c2ab7e3"), ("9f1c2ab7e3", "9f1c2ab7e4")],
)
def test_shas_differ_or_are_too_short_to_compare(expected: str, got: str) -> None:
    assert not same_commit(expected, got)


def test_a_short_prefix_of_the_full_sha_passes() -> None:
    assert failures({"suspect_deploy": "9f1c2ab"}) == []


def test_a_different_deploy_fails_showing_both_shas() -> None:
    assert failures({"suspect_deploy": "51d0e7c"}) == [
        "suspect_deploy expected 51d0e7c, got 9f1c2ab7e3d4c5b6a7980f1e2d3c4b5a69788776"
    ]


def test_suspect_deploy_null_fails_when_any_deploy_is_blamed() -> None:
    assert failures({"suspect_deploy": None}) == [
        "suspect_deploy expected null, got 9f1c2ab7e3d4c5b6a7980f1e2d3c4b5a69788776"
    ]
    assert failures({"suspect_deploy": None}, suspect_deploy=None) == []


def test_an_expected_deploy_fails_when_none_is_blamed() -> None:
    assert failures({"suspect_deploy": "9f1c2ab"}, suspect_deploy=None) == [
        "suspect_deploy expected 9f1c2ab, got null"
    ]


def test_runbook_null_means_the_bot_must_say_none_fits() -> None:
    assert failures({"runbook": None}) == ["runbook expected null, got deploy-rollback"]
    assert failures({"runbook": None}, runbook=None) == []
    assert failures({"runbook": "oom-kill"}, runbook=None) == [
        "runbook expected oom-kill, got null"
    ]


def test_keys_left_out_check_nothing() -> None:
    assert failures({}, suspect_deploy=None, runbook=None, service="other") == []


@pytest.mark.parametrize(
    ("key", "expected", "right", "wrong", "message"),
    [
        ("service", "billing-webhooks", {}, {"service": "billing-db"}, "billing-db"),
        ("severity", "sev2", {}, {"severity": Severity.SEV3}, "sev3"),
        ("category", "availability", {}, {"category": IncidentCategory.UNKNOWN}, "unknown"),
        ("cause", "deploy", {}, {"cause": CauseKind.FLAG}, "flag"),
        ("owner", "payments-platform", {}, {"owner": "payments"}, "payments"),
        ("owner", "payments-platform", {}, {"owner": None}, "null"),
        ("dependency", "billing-db", {"dependency": "billing-db"}, {}, "null"),
        ("runbook", "deploy-rollback", {}, {"runbook": "high-latency"}, "high-latency"),
        ("suggested_actions", ["rollback"], {}, {"suggested_actions": ()}, "[]"),
        ("not_suggested", ["restart"], {}, {}, "[rollback]"),
        ("requires_approval", ["rollback"], {}, {"requires_approval": ()}, "[]"),
        (
            "raises",
            ["unsafe_rollback"],
            {},
            {"raises": (Marker.MISSING_RUNBOOK,)},
            "[missing_runbook]",
        ),
        ("incidents", 1, {}, {"incidents": 3}, "3"),
    ],
)
def test_every_key_passes_when_it_holds_and_fails_naming_itself(
    key: str, expected: Any, right: dict[str, Any], wrong: dict[str, Any], message: str
) -> None:
    assert failures({key: expected}, **right) == []
    shown = "[" + ", ".join(expected) + "]" if isinstance(expected, list) else str(expected)
    if key == "not_suggested":
        wrong = {"suggested_actions": (ActionKind.RESTART,)}
        message, shown = "[restart]", f"none of {shown}"
    assert failures({key: expected}, **wrong) == [f"{key} expected {shown}, got {message}"]


def test_list_keys_hold_when_every_expected_item_is_among_the_conclusions() -> None:
    assert failures({"suggested_actions": ["page_owner"], "requires_approval": []}) == []
    assert failures({"raises": ["unsafe_rollback"], "not_suggested": ["restart"]}) == []


def test_every_failing_key_is_reported_in_the_tables_order() -> None:
    assert failures({"runbook": None, "service": "x", "incidents": 2}) == [
        "service expected x, got billing-webhooks",
        "runbook expected null, got deploy-rollback",
        "incidents expected 2, got 1",
    ]


def test_an_unknown_expect_key_is_an_error_naming_the_file_and_the_key(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8").replace("  suspect_deploy:", "  suspect_deplyo:")
    path = tmp_path / "typo.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigFileError) as error:
        load_scenario(path)
    assert error.value.path == path
    assert error.value.key == "expect.suspect_deplyo"
    assert "unknown key suspect_deplyo" in str(error.value)


def test_every_expect_key_has_a_conclusion_to_be_judged_against() -> None:
    concluded = {field.name for field in dataclasses.fields(Conclusions)}
    assert set(Expectation.model_fields) - {"not_suggested"} <= concluded
