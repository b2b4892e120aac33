"""The action core for vendor executors: a vendor plan's hash covers its exact request, a
stored plan reads back to the hash it was approved under, a customer-facing status update is
never ``auto``, and a kind nothing carries out says so plainly."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.action.codec import plan_from_dict, plan_to_dict
from bot.action.executors import VendorExecutors, executor_note
from bot.action.kinds import ActionKind
from bot.action.plan import (
    ActionParameters,
    ActionPlan,
    ActionTarget,
    ObservedState,
    Reversal,
    VendorActionKind,
    VendorRequest,
    plan_kind,
)
from bot.policy import Autonomy, autonomy_now, parse_policy

NOW = datetime(2026, 5, 12, 1, 50, tzinfo=UTC)
PAGE = ActionTarget("pg-acme", "api")


def status_plan(text: str = "We are investigating errors on checkout.") -> ActionPlan:
    body = {"incident": {"name": "Checkout errors", "body": text, "status": "investigating"}}
    return ActionPlan(
        kind=VendorActionKind.STATUS_UPDATE,
        target=PAGE,
        parameters=ActionParameters(title="Checkout errors", status="major_outage"),
        current=ObservedState(status="operational"),
        desired=ObservedState(status="major_outage"),
        request=VendorRequest.of("statuspage", "POST", "/v1/pages/pg-acme/incidents", body),
        reversal=Reversal(VendorActionKind.RESOLVE_STATUS, PAGE, ActionParameters(), "resolve it"),
        summary="Post a status update",
    )


def test_a_vendor_plan_hash_covers_the_exact_text_the_vendor_receives() -> None:
    shown, edited = status_plan(), status_plan("All is fine, nothing to see.")
    assert shown.plan_hash != edited.plan_hash
    moved = replace(shown, current=ObservedState(status="degraded_performance"))
    assert moved.plan_hash != shown.plan_hash


def test_a_stored_vendor_plan_reads_back_to_its_hash_and_an_edited_one_does_not() -> None:
    plan = status_plan()
    stored = plan_to_dict(plan)
    assert stored["request"]["system"] == "statuspage"
    assert plan_from_dict(stored) == plan
    stored["request"]["body"] = stored["request"]["body"].replace("investigating", "resolved")
    with pytest.raises(ValueError, match="does not match its hash"):
        plan_from_dict(stored)


def test_vendor_kinds_parse_and_follow_ups_are_governed_as_the_kind_they_follow() -> None:
    assert plan_kind("status_update") is VendorActionKind.STATUS_UPDATE
    assert plan_kind("rerun_job").value == "rerun_job"
    assert VendorActionKind.RESOLVE_STATUS.action_kind is ActionKind.STATUS_UPDATE
    assert VendorActionKind.UPDATE_TICKET.action_kind is ActionKind.OPEN_TICKET
    with pytest.raises(ValueError, match="failover"):
        plan_kind("failover")


def test_a_status_update_is_never_auto_whatever_the_policy_says() -> None:
    policy = parse_policy(
        "defaults:\n  autonomy: auto\n  approvers: ['@sre']\n", path=Path("policy.yaml")
    )
    decision = autonomy_now(
        policy, kind=ActionKind.STATUS_UPDATE, service="api", now=NOW, kill_switch=False
    )
    assert decision.configured is Autonomy.AUTO
    assert decision.level is Autonomy.APPROVE
    assert decision.lowered_by == "customer_facing"
    ticket = autonomy_now(
        policy, kind=ActionKind.OPEN_TICKET, service="api", now=NOW, kill_switch=False
    )
    assert ticket.level is Autonomy.AUTO


def test_a_kind_nothing_carries_out_says_so_plainly() -> None:
    none = VendorExecutors()
    failover = executor_note(ActionKind.FAILOVER, none)
    assert failover is not None
    assert "stays a suggestion" in failover
    assert "no safe, standard API" in failover
    ticket = executor_note(ActionKind.OPEN_TICKET, none)
    assert ticket is not None
    assert "no executor for it is configured" in ticket
    assert executor_note(ActionKind.ROLLBACK, none) is None
