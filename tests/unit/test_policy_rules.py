"""The policy's decisions, each rule on its own: approvers, self-approval, the guardrails in their
order of precedence, per-service overrides, the kill switch and the postmortem."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.action.kinds import ActionKind
from bot.action.plan import ActionTarget, ClusterActionKind
from bot.evidence.values import ChangeWindow, ChangeWindowKind
from bot.policy import DEFAULT_POLICY, SHIPPED_POLICY, GuardRequest, Policy, Refusal, parse_policy
from bot.policy.loader import load_policy

NOW = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)  # a Friday
SERVICE = "billing-webhooks"
BOB, DANA, ALICE, CAROL = "U0BOB", "U0DANA", "U0ALICE", "U0CAROL"
PAYMENTS = frozenset({"S0PAYONCALL", "payments-oncall"})
SRE = frozenset({"S0SREONCALL", "sre-oncall", "S0COMMANDERS", "incident-commanders"})
DATA = frozenset({"S0DATAONCALL", "data-oncall"})


def policy(text: str) -> Policy:
    return parse_policy(text, path=Path("policy.yaml"))


def request(
    kind: ClusterActionKind = ClusterActionKind.ROLLBACK, **changes: object
) -> GuardRequest:
    base = GuardRequest(
        kind=kind,
        service=SERVICE,
        target=ActionTarget("payments", SERVICE),
        current_replicas=None,
        desired_replicas=None,
        restarts_in_last_hour=0,
        pod_actions_in_flight=0,
        kill_switch=False,
        now=NOW,
        calendar=(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def scale(current: int | None, desired: int, **changes: object) -> GuardRequest:
    return request(
        ClusterActionKind.SCALE, current_replicas=current, desired_replicas=desired, **changes
    )


def rule(refusal: Refusal | None) -> str | None:
    return refusal.rule if refusal is not None else None


# --- what needs approval ---------------------------------------------------------------------


def test_the_built_in_policy_needs_approval_for_everything_but_paging_and_tickets() -> None:
    needing = {kind for kind in ActionKind if DEFAULT_POLICY.requires_approval(kind)}
    assert needing == set(ActionKind) - {ActionKind.PAGE_OWNER, ActionKind.OPEN_TICKET}


def test_the_shipped_policy_asks_approval_for_the_same_kinds_as_the_built_in_one() -> None:
    shipped = load_policy(SHIPPED_POLICY)
    for kind in ActionKind:
        assert shipped.requires_approval(kind) == DEFAULT_POLICY.requires_approval(kind), kind


def test_a_service_can_waive_approval_for_one_kind_without_changing_other_services() -> None:
    rules = policy(
        "services:\n  billing-webhooks:\n    actions: {scale: {requires_approval: false}}\n"
    )
    assert not rules.requires_approval(ActionKind.SCALE, SERVICE)
    assert rules.requires_approval(ActionKind.SCALE, "orders-api")
    assert rules.requires_approval(ActionKind.SCALE)


def test_no_waiver_takes_a_person_off_a_customer_facing_status_update() -> None:
    rules = policy(
        "services:\n  billing-webhooks:\n    actions: {status_update: {requires_approval: false}}\n"
    )
    assert rules.requires_approval(ActionKind.STATUS_UPDATE, SERVICE)


def test_defaults_can_require_approval_for_paging() -> None:
    rules = policy("defaults:\n  actions: {page_owner: {requires_approval: true}}\n")
    assert rules.requires_approval(ActionKind.PAGE_OWNER, SERVICE)


# --- who may approve -------------------------------------------------------------------------

APPROVERS = """\
defaults:
  approvers: ["@sre-oncall"]
services:
  billing-webhooks:
    approvers: ["@payments-oncall", "@sre-oncall"]
    actions:
      scale: {approvers: [S0PAYONCALL]}
      failover: {approvers: [U0CAROL]}
"""


def approval(rules: Policy, approver: str, groups: frozenset[str], **changes: object) -> str | None:
    arguments: dict[str, object] = {
        "kind": ActionKind.ROLLBACK,
        "service": SERVICE,
        "approver": approver,
        "approver_groups": groups,
        "requester": DANA,
    }
    arguments.update(changes)
    return rule(rules.approval_refusal(**arguments))  # type: ignore[arg-type]


def test_a_member_of_the_services_on_call_group_may_approve() -> None:
    assert approval(policy(APPROVERS), BOB, PAYMENTS) is None


def test_a_group_handle_matches_with_or_without_its_at_and_in_any_case() -> None:
    rules = policy(APPROVERS)
    assert approval(rules, BOB, frozenset({"@Payments-OnCall"})) is None
    assert approval(rules, ALICE, frozenset({"sre-oncall"})) is None


def test_someone_outside_the_approvers_is_refused_by_the_approvers_rule() -> None:
    refusal = policy(APPROVERS).approval_refusal(
        kind=ActionKind.ROLLBACK,
        service=SERVICE,
        approver=CAROL,
        approver_groups=DATA,
        requester=DANA,
    )
    assert refusal is not None
    assert refusal.rule == "approvers"
    assert "@payments-oncall" in refusal.reason
    assert "Rollback on billing-webhooks" in refusal.reason


def test_a_kind_of_its_own_names_approvers_by_group_id() -> None:
    rules = policy(APPROVERS)
    assert approval(rules, BOB, PAYMENTS, kind=ActionKind.SCALE) is None
    assert approval(rules, ALICE, SRE, kind=ActionKind.SCALE) == "approvers"


def test_a_kind_of_its_own_names_approvers_by_user_id() -> None:
    rules = policy(APPROVERS)
    assert approval(rules, CAROL, frozenset(), kind=ActionKind.FAILOVER) is None
    assert approval(rules, BOB, PAYMENTS, kind=ActionKind.FAILOVER) == "approvers"


def test_a_service_without_its_own_approvers_uses_the_defaults() -> None:
    rules = policy(APPROVERS)
    assert approval(rules, ALICE, SRE, service="orders-api") is None
    assert approval(rules, BOB, PAYMENTS, service="orders-api") == "approvers"


def test_with_no_approvers_anywhere_no_one_may_approve() -> None:
    assert approval(DEFAULT_POLICY, ALICE, SRE) == "approvers"


def test_the_requester_cannot_approve_their_own_action() -> None:
    refusal = policy(APPROVERS).approval_refusal(
        kind=ActionKind.ROLLBACK,
        service=SERVICE,
        approver=BOB,
        approver_groups=PAYMENTS,
        requester=BOB,
    )
    assert refusal is not None
    assert refusal.rule == "self_approval"


def test_the_policy_can_allow_self_approval_for_one_service() -> None:
    rules = policy(
        APPROVERS.replace(
            '    approvers: ["@payments',
            '    allow_self_approval: true\n    approvers: ["@payments',
        )
    )
    assert approval(rules, BOB, PAYMENTS, requester=BOB) is None
    assert approval(rules, ALICE, SRE, requester=ALICE, service="orders-api") == "self_approval"


def test_the_shipped_policy_lets_payments_and_sre_approve_a_billing_rollback() -> None:
    shipped = load_policy(SHIPPED_POLICY)
    assert approval(shipped, BOB, PAYMENTS) is None
    assert approval(shipped, ALICE, SRE) is None
    assert approval(shipped, CAROL, DATA) == "approvers"
    assert approval(shipped, DANA, PAYMENTS) == "self_approval"


# --- the guardrails, in order ----------------------------------------------------------------


def test_nothing_refuses_an_ordinary_rollback() -> None:
    assert DEFAULT_POLICY.guard(request()) is None


def test_the_kill_switch_refuses_every_action() -> None:
    for kind in ClusterActionKind:
        refusal = DEFAULT_POLICY.guard(request(kind, kill_switch=True))
        assert refusal is not None
        assert refusal.rule == "kill_switch"
        assert "kill switch" in refusal.reason


def test_the_kill_switch_comes_before_a_freeze_and_the_limits() -> None:
    frozen = policy(
        "change_freeze:\n  windows: [{start: 2026-03-01T00:00:00Z, end: 2026-04-01T00:00:00Z}]\n"
    )
    assert rule(frozen.guard(scale(2, 20, kill_switch=True))) == "kill_switch"
    assert rule(frozen.guard(scale(2, 20))) == "change_freeze"


def test_a_freeze_window_of_the_policy_refuses_with_its_end_and_note() -> None:
    rules = policy(
        "change_freeze:\n  windows:\n"
        "    - {start: 2026-03-06T00:00:00Z, end: 2026-03-09T00:00:00Z, note: Quarter close}\n"
    )
    refusal = rules.guard(request())
    assert refusal is not None
    assert refusal.rule == "change_freeze"
    assert refusal.reason == (
        "A change freeze covers billing-webhooks until 2026-03-09 00:00 UTC: Quarter close"
    )


def test_a_freeze_window_ends_before_its_end_instant() -> None:
    rules = policy(
        "change_freeze:\n  windows: [{start: 2026-03-06T00:00:00Z, end: 2026-03-06T14:00:00Z}]\n"
    )
    assert rules.guard(request()) is None
    assert rule(rules.guard(request(now=NOW - timedelta(seconds=1)))) == "change_freeze"


def test_a_freeze_window_for_other_services_lets_this_one_act() -> None:
    rules = policy(
        "change_freeze:\n  windows:\n"
        "    - {start: 2026-03-01T00:00:00Z, end: 2026-04-01T00:00:00Z, services: [orders-api]}\n"
    )
    assert rules.guard(request()) is None
    assert rule(rules.guard(request(service="orders-api"))) == "change_freeze"


def test_a_freeze_window_for_some_kinds_lets_a_rollback_through() -> None:
    rules = policy(
        "change_freeze:\n  windows:\n"
        "    - {start: 2026-03-01T00:00:00Z, end: 2026-04-01T00:00:00Z,\n"
        "       actions: [scale, restart]}\n"
    )
    assert rules.guard(request(ClusterActionKind.ROLLBACK)) is None
    assert rule(rules.guard(request(ClusterActionKind.DELETE_POD))) == "change_freeze"
    assert rule(rules.guard(scale(2, 3))) == "change_freeze"


WEEKLY = """\
change_freeze:
  windows:
    - weekly: {days: [fri], from: 16:00, to: "24:00"}
      note: Friday evening
    - weekly: {days: [sat], from: "22:00", to: "02:00"}
"""


@pytest.mark.parametrize(
    ("at", "frozen"),
    [
        (datetime(2026, 3, 6, 15, 59, tzinfo=UTC), False),  # Friday, before
        (datetime(2026, 3, 6, 16, 0, tzinfo=UTC), True),  # Friday, at the start
        (datetime(2026, 3, 6, 23, 59, 59, tzinfo=UTC), True),  # Friday, last second
        (datetime(2026, 3, 7, 0, 0, tzinfo=UTC), False),  # Saturday midnight: over
        (datetime(2026, 3, 13, 18, 0, tzinfo=UTC), True),  # the next Friday
        (datetime(2026, 3, 7, 23, 0, tzinfo=UTC), True),  # Saturday night
        (datetime(2026, 3, 8, 1, 59, tzinfo=UTC), True),  # ... past midnight into Sunday
        (datetime(2026, 3, 8, 2, 0, tzinfo=UTC), False),  # ... until 02:00
        (datetime(2026, 3, 8, 23, 0, tzinfo=UTC), False),  # Sunday night is not Saturday's
    ],
)
def test_a_weekly_freeze_covers_its_hours_every_week(at: datetime, frozen: bool) -> None:
    assert (rule(policy(WEEKLY).guard(request(now=at))) == "change_freeze") is frozen


def test_a_weekly_freeze_names_the_end_of_this_weeks_occurrence() -> None:
    refusal = policy(WEEKLY).guard(request(now=datetime(2026, 3, 7, 23, 0, tzinfo=UTC)))
    assert refusal is not None
    assert "until 2026-03-08 02:00 UTC" in refusal.reason


def test_a_weekly_freeze_reads_the_clock_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    friday_evening_in_utc = datetime(2026, 3, 6, 17, 30, tzinfo=paris)  # 16:30 UTC
    assert rule(policy(WEEKLY).guard(request(now=friday_evening_in_utc))) == "change_freeze"


def calendar_freeze(
    *services: str, kind: ChangeWindowKind = ChangeWindowKind.FREEZE
) -> ChangeWindow:
    return ChangeWindow(
        start=NOW - timedelta(days=1),
        end=NOW + timedelta(days=2),
        kind=kind,
        services=services,
        note="Quarter-end close",
    )


def test_a_calendar_freeze_covering_the_service_refuses() -> None:
    refusal = DEFAULT_POLICY.guard(request(calendar=(calendar_freeze(SERVICE),)))
    assert refusal is not None
    assert refusal.rule == "change_freeze"
    assert refusal.reason.endswith("until 2026-03-08 14:00 UTC: Quarter-end close")


def test_a_calendar_freeze_for_every_service_refuses() -> None:
    assert rule(DEFAULT_POLICY.guard(request(calendar=(calendar_freeze(),)))) == "change_freeze"


def test_a_calendar_freeze_of_other_services_does_not_refuse() -> None:
    assert DEFAULT_POLICY.guard(request(calendar=(calendar_freeze("orders-api"),))) is None


def test_a_maintenance_window_is_not_a_freeze() -> None:
    window = calendar_freeze(SERVICE, kind=ChangeWindowKind.MAINTENANCE)
    assert DEFAULT_POLICY.guard(request(calendar=(window,))) is None


def test_the_policy_can_ignore_the_calendars_freezes() -> None:
    rules = policy("change_freeze: {from_calendar: false}\n")
    assert rules.guard(request(calendar=(calendar_freeze(SERVICE),))) is None


# --- scale -----------------------------------------------------------------------------------


def test_doubling_the_replicas_is_allowed_by_default() -> None:
    assert DEFAULT_POLICY.guard(scale(3, 6)) is None


def test_more_than_doubling_the_replicas_is_refused_by_the_scale_factor() -> None:
    refusal = DEFAULT_POLICY.guard(scale(3, 7))
    assert refusal == Refusal(
        "actions.scale.max_scale_factor",
        "Scaling from 3 to 7 replicas is more than the 2x the policy allows in one step.",
    )


def test_scaling_in_is_not_limited_by_the_factor() -> None:
    assert DEFAULT_POLICY.guard(scale(10, 1)) is None


def test_scaling_to_zero_is_refused_unless_the_policy_allows_it() -> None:
    assert rule(DEFAULT_POLICY.guard(scale(3, 0))) == "actions.scale.allow_scale_to_zero"
    allowing = policy("defaults:\n  actions: {scale: {allow_scale_to_zero: true}}\n")
    assert allowing.guard(scale(3, 0)) is None


def test_scaling_up_from_zero_counts_the_factor_from_one_replica() -> None:
    assert DEFAULT_POLICY.guard(scale(0, 2)) is None
    assert rule(DEFAULT_POLICY.guard(scale(0, 3))) == "actions.scale.max_scale_factor"


def test_an_unknown_current_replica_count_is_refused() -> None:
    refusal = DEFAULT_POLICY.guard(scale(None, 3))
    assert refusal is not None
    assert refusal.rule == "actions.scale.max_scale_factor"
    assert "unknown" in refusal.reason


def test_more_replicas_than_the_ceiling_are_refused_by_max_replicas() -> None:
    rules = policy("defaults:\n  actions: {scale: {max_replicas: 10}}\n")
    assert rules.guard(scale(6, 10)) is None
    refusal = rules.guard(scale(6, 11))
    assert refusal == Refusal(
        "actions.scale.max_replicas", "11 replicas is more than the 10 the policy allows."
    )


def test_a_service_override_raises_the_factor_for_that_service_only() -> None:
    rules = policy(
        "defaults:\n  actions: {scale: {max_replicas: 40}}\n"
        "services:\n  billing-webhooks:\n    actions: {scale: {max_scale_factor: 4}}\n"
    )
    assert rules.guard(scale(5, 20)) is None
    assert rule(rules.guard(scale(5, 20, service="orders-api"))) == "actions.scale.max_scale_factor"
    assert rule(rules.guard(scale(20, 41))) == "actions.scale.max_replicas", "default ceiling kept"


def test_the_scale_limits_do_not_touch_other_kinds() -> None:
    rules = policy("defaults:\n  actions: {scale: {max_replicas: 1}}\n")
    assert (
        rules.guard(request(ClusterActionKind.ROLLBACK, current_replicas=1, desired_replicas=9))
        is None
    )


# --- restarts --------------------------------------------------------------------------------


def test_a_fifth_restart_in_an_hour_is_allowed_and_a_sixth_refused() -> None:
    assert DEFAULT_POLICY.guard(request(ClusterActionKind.RESTART, restarts_in_last_hour=4)) is None
    refusal = DEFAULT_POLICY.guard(request(ClusterActionKind.RESTART, restarts_in_last_hour=5))
    assert refusal == Refusal(
        "actions.restart.max_per_hour",
        "billing-webhooks has been restarted 5 times in the last hour; the policy allows 5.",
    )


def test_deleting_a_pod_counts_as_a_restart() -> None:
    refusal = DEFAULT_POLICY.guard(request(ClusterActionKind.DELETE_POD, restarts_in_last_hour=5))
    assert rule(refusal) == "actions.restart.max_per_hour"


def test_a_service_override_lowers_the_restarts_per_hour() -> None:
    rules = policy("services:\n  billing-webhooks:\n    actions: {restart: {max_per_hour: 1}}\n")
    assert rule(rules.guard(request(ClusterActionKind.RESTART, restarts_in_last_hour=1))) == (
        "actions.restart.max_per_hour"
    )
    assert (
        rules.guard(
            request(ClusterActionKind.RESTART, service="orders-api", restarts_in_last_hour=1)
        )
        is None
    )


def test_a_second_pod_deletion_while_one_runs_is_refused() -> None:
    refusal = DEFAULT_POLICY.guard(request(ClusterActionKind.DELETE_POD, pod_actions_in_flight=1))
    assert rule(refusal) == "actions.restart.one_pod_at_a_time"
    assert DEFAULT_POLICY.guard(request(ClusterActionKind.DELETE_POD)) is None


def test_the_policy_can_allow_several_pods_at_once() -> None:
    rules = policy("defaults:\n  actions: {restart: {one_pod_at_a_time: false}}\n")
    assert rules.guard(request(ClusterActionKind.DELETE_POD, pod_actions_in_flight=2)) is None


def test_a_rollout_restart_is_not_held_back_by_a_pod_deletion_in_flight() -> None:
    assert DEFAULT_POLICY.guard(request(ClusterActionKind.RESTART, pod_actions_in_flight=1)) is None


# --- dry run, expiry -------------------------------------------------------------------------


def test_dry_run_is_an_attribute_not_a_guard_refusal() -> None:
    rules = policy("dry_run: true\n")
    assert rules.dry_run
    assert rules.guard(request()) is None
    assert rule(rules.dry_run_refusal()) == "dry_run"
    assert DEFAULT_POLICY.dry_run_refusal() is None


def test_approvals_expire_after_fifteen_minutes_unless_the_policy_says_otherwise() -> None:
    assert DEFAULT_POLICY.approval_ttl == timedelta(minutes=15)
    assert policy("approval_ttl_minutes: 5\n").approval_ttl == timedelta(minutes=5)


# --- kill switch and postmortem --------------------------------------------------------------

OPERATORS = 'kill_switch: {operators: ["@sre-oncall", U0ERIN]}\n'


def test_anyone_may_engage_the_kill_switch() -> None:
    assert (
        policy(OPERATORS).kill_switch_refusal(engage=True, user=BOB, user_groups=PAYMENTS) is None
    )


def test_only_an_operator_may_release_the_kill_switch() -> None:
    rules = policy(OPERATORS)
    refusal = rules.kill_switch_refusal(engage=False, user=BOB, user_groups=PAYMENTS)
    assert rule(refusal) == "kill_switch.operators"
    assert rules.kill_switch_refusal(engage=False, user=ALICE, user_groups=SRE) is None
    assert rules.kill_switch_refusal(engage=False, user="U0ERIN", user_groups=frozenset()) is None


def test_with_no_operators_anyone_may_release_the_kill_switch() -> None:
    assert (
        DEFAULT_POLICY.kill_switch_refusal(engage=False, user=BOB, user_groups=frozenset()) is None
    )


def test_the_policy_can_keep_engaging_to_its_operators() -> None:
    rules = policy(OPERATORS.replace("}", ", anyone_may_engage: false}"))
    assert rule(rules.kill_switch_refusal(engage=True, user=BOB, user_groups=PAYMENTS)) == (
        "kill_switch.operators"
    )


def test_the_commander_may_always_start_the_postmortem() -> None:
    rules = policy('postmortem: {allowed: ["@sre-oncall"]}\n')
    assert rules.postmortem_refusal(user=BOB, user_groups=PAYMENTS, is_commander=True) is None


def test_someone_the_policy_names_may_start_the_postmortem_and_others_may_not() -> None:
    rules = policy('postmortem: {allowed: ["@sre-oncall"]}\n')
    assert rules.postmortem_refusal(user=ALICE, user_groups=SRE, is_commander=False) is None
    refusal = rules.postmortem_refusal(user=BOB, user_groups=PAYMENTS, is_commander=False)
    assert rule(refusal) == "postmortem.allowed"


def test_with_no_list_anyone_may_start_the_postmortem() -> None:
    assert (
        DEFAULT_POLICY.postmortem_refusal(user=BOB, user_groups=frozenset(), is_commander=False)
        is None
    )


def test_a_policy_is_an_immutable_value() -> None:
    shipped = load_policy(SHIPPED_POLICY)
    assert shipped == load_policy(SHIPPED_POLICY)
    assert hash(shipped) == hash(load_policy(SHIPPED_POLICY))
    with pytest.raises(FrozenInstanceError):
        shipped.dry_run = True  # type: ignore[misc]
    with pytest.raises(TypeError):
        shipped.services["orders-api"] = shipped.defaults  # type: ignore[index]
