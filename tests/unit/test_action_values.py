"""The pure parts of actions: the stored plan, the buttons' value, the /rollback parser and the
recovery verdict from metrics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.action.codec import plan_from_dict, plan_to_dict
from bot.action.plan import (
    ActionParameters,
    ActionPlan,
    ActionTarget,
    ClusterActionKind,
    ClusterRequest,
    ObservedState,
    Reversal,
)
from bot.action.recovery import metric_recovery
from bot.action.views import decision_value, parse_decision_value
from bot.errors import CommandUsageError
from bot.evidence.values import MetricSeries
from handlers.slack.rollback import RollbackCommand, parse_rollback

TARGET = ActionTarget("payments", "billing-webhooks")
PLAN = ActionPlan(
    kind=ClusterActionKind.ROLLBACK,
    target=TARGET,
    parameters=ActionParameters(),
    current=ObservedState(revision=42, image="acme/billing:9f1c2ab"),
    desired=ObservedState(revision=41, image="acme/billing:51d0e7c"),
    request=ClusterRequest.of(
        "PATCH", "/apis/apps/v1/namespaces/payments/deployments/billing-webhooks", None, [1]
    ),
    reversal=Reversal(
        ClusterActionKind.ROLLBACK, TARGET, ActionParameters(to_revision=42), "back to 42"
    ),
    summary="Roll back",
)
T0 = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)


def test_a_stored_plan_reads_back_equal_and_with_the_same_hash() -> None:
    again = plan_from_dict(plan_to_dict(PLAN))
    assert again == PLAN
    assert again.plan_hash == PLAN.plan_hash


def test_a_stored_plan_that_was_edited_does_not_read_back() -> None:
    stored = plan_to_dict(PLAN)
    stored["desired"] = {"revision": 7, "image": "evil:latest"}
    stored["current"] = {"revision": 1}
    with pytest.raises(ValueError, match="hash"):
        plan_from_dict(stored)


def test_the_buttons_value_names_the_action_and_its_plan_hash() -> None:
    value = decision_value(12, PLAN.plan_hash)
    assert parse_decision_value(value) == (12, PLAN.plan_hash)


@pytest.mark.parametrize(
    "value",
    ["", "12", "12:", "x:" + "0" * 64, "12:" + "g" * 64, "12:" + "0" * 63, "-1:" + "0" * 64],
)
def test_a_value_the_bot_did_not_make_is_not_parsed(value: str) -> None:
    assert parse_decision_value(value) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", RollbackCommand(None, None)),
        ("billing-webhooks", RollbackCommand("billing-webhooks", None)),
        ("to 41", RollbackCommand(None, 41)),
        ("billing-webhooks to 41", RollbackCommand("billing-webhooks", 41)),
        ("  billing-webhooks   TO   41 ", RollbackCommand("billing-webhooks", 41)),
    ],
)
def test_rollback_reads_a_service_and_a_revision(text: str, expected: RollbackCommand) -> None:
    assert parse_rollback(text) == expected


@pytest.mark.parametrize(
    "text", ["to", "to banana", "to 0", "billing-webhooks 41", "a b c", "Billing!", "to 41 now"]
)
def test_rollback_with_other_words_gets_the_usage(text: str) -> None:
    with pytest.raises(CommandUsageError, match="Usage"):
        parse_rollback(text)


def _series(*values: float) -> MetricSeries:
    points = tuple((T0 + timedelta(minutes=i), v) for i, v in enumerate(values))
    return MetricSeries("billing-webhooks", "error_rate", "percent", points)


def test_a_metric_back_under_the_spike_threshold_after_the_action_is_a_recovery() -> None:
    series = _series(0.3, 0.3, 0.4, 8.7, 8.9, 0.5)
    found = metric_recovery([series], since=T0 + timedelta(minutes=4, seconds=30))
    assert found is not None
    assert found.recovered is True
    assert "back to 0.5" in found.detail


def test_a_metric_still_high_after_the_action_is_not_a_recovery() -> None:
    series = _series(0.3, 0.3, 0.4, 8.7, 8.9, 7.9)
    found = metric_recovery([series], since=T0 + timedelta(minutes=4, seconds=30))
    assert found is not None
    assert found.recovered is False
    assert "still 7.9" in found.detail


def test_no_reading_after_the_action_says_nothing() -> None:
    series = _series(0.3, 0.3, 0.4, 8.7, 8.9)
    assert metric_recovery([series], since=T0 + timedelta(minutes=10)) is None
