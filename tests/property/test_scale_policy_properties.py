"""The scale guardrail over every replica count and limit hypothesis finds: a step up is
allowed exactly when it stays within the factor and the ceiling, a refusal always names a limit
the step broke, scaling in is never held back, and the kill switch refuses every step."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.action.plan import ActionTarget, ClusterActionKind
from bot.policy import GuardRequest, Policy, parse_policy

SERVICE = "billing-webhooks"
SCALE_RULES = {
    "actions.scale.max_scale_factor",
    "actions.scale.max_replicas",
    "actions.scale.allow_scale_to_zero",
}

replicas = st.integers(min_value=0, max_value=10_000)
factors = st.decimals(min_value=1, max_value=100, places=2).map(str)
ceilings = st.none() | st.integers(min_value=1, max_value=10_000)


def policy(factor: str, ceiling: int | None) -> Policy:
    limits = f"max_scale_factor: {factor}"
    if ceiling is not None:
        limits += f", max_replicas: {ceiling}"
    return parse_policy(
        f"defaults:\n  actions:\n    scale: {{{limits}}}\n", path=Path("policy.yaml")
    )


def scale(current: int, desired: int, *, kill_switch: bool = False) -> GuardRequest:
    return GuardRequest(
        kind=ClusterActionKind.SCALE,
        service=SERVICE,
        target=ActionTarget("payments", SERVICE),
        current_replicas=current,
        desired_replicas=desired,
        restarts_in_last_hour=0,
        pod_actions_in_flight=0,
        kill_switch=kill_switch,
        now=datetime(2026, 3, 4, 14, 0, tzinfo=UTC),
    )


@given(current=replicas, desired=replicas, factor=factors, ceiling=ceilings)
def test_a_scale_up_is_allowed_exactly_when_it_stays_within_the_factor_and_the_ceiling(
    current: int, desired: int, factor: str, ceiling: int | None
) -> None:
    if desired <= current:
        return
    within = Fraction(desired, max(current, 1)) <= Fraction(factor) and (
        ceiling is None or desired <= ceiling
    )
    assert (policy(factor, ceiling).guard(scale(current, desired)) is None) is within


@given(current=replicas, desired=replicas, factor=factors, ceiling=ceilings)
def test_a_scale_refusal_always_names_a_limit_the_step_broke(
    current: int, desired: int, factor: str, ceiling: int | None
) -> None:
    refusal = policy(factor, ceiling).guard(scale(current, desired))
    if refusal is None:
        return
    assert refusal.rule in SCALE_RULES
    if refusal.rule == "actions.scale.max_scale_factor":
        assert Fraction(desired, max(current, 1)) > Fraction(factor)
    elif refusal.rule == "actions.scale.max_replicas":
        assert ceiling is not None
        assert desired > ceiling
    else:
        assert desired == 0


@given(
    current=st.integers(min_value=1, max_value=10_000),
    data=st.data(),
    factor=factors,
    ceiling=ceilings,
)
def test_scaling_in_to_at_least_one_replica_is_never_refused(
    current: int, data: st.DataObject, factor: str, ceiling: int | None
) -> None:
    desired = data.draw(st.integers(min_value=1, max_value=current))
    assert policy(factor, ceiling).guard(scale(current, desired)) is None


@given(current=replicas, desired=replicas, factor=factors, ceiling=ceilings)
def test_the_kill_switch_refuses_whatever_the_step(
    current: int, desired: int, factor: str, ceiling: int | None
) -> None:
    refusal = policy(factor, ceiling).guard(scale(current, desired, kill_switch=True))
    assert refusal is not None
    assert refusal.rule == "kill_switch"
