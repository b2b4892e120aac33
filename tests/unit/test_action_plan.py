"""The plan as a value: its hash is stable over what it was planned from, and changes when any
of kind, target, parameters or the observed state does."""

from __future__ import annotations

import pytest

from bot.action.kinds import ActionKind
from bot.action.plan import (
    ActionParameters,
    ActionTarget,
    ClusterActionKind,
    ObservedState,
    plan_hash,
)

TARGET = ActionTarget("payments", "billing-webhooks")
SCALE = ClusterActionKind.SCALE
FIVE = ActionParameters(replicas=5)
THREE_RUNNING = ObservedState(revision=42, image="acme/billing:9f1c2ab", replicas=3)


def test_the_same_request_on_the_same_state_hashes_the_same() -> None:
    first = plan_hash(SCALE, TARGET, FIVE, THREE_RUNNING)
    again = plan_hash(
        SCALE,
        ActionTarget.parse("payments/billing-webhooks"),
        ActionParameters.from_dict({"replicas": 5}),
        ObservedState(replicas=3, image="acme/billing:9f1c2ab", revision=42),
    )
    assert first == again
    assert len(first) == 64
    assert int(first, 16) >= 0


@pytest.mark.parametrize(
    "changed",
    [
        (ClusterActionKind.RESTART, TARGET, FIVE, THREE_RUNNING),
        (SCALE, ActionTarget("payments", "ledger"), FIVE, THREE_RUNNING),
        (SCALE, TARGET, ActionParameters(replicas=6), THREE_RUNNING),
        (SCALE, TARGET, FIVE, ObservedState(revision=43, image="acme/billing:f00d", replicas=3)),
        (SCALE, TARGET, FIVE, ObservedState(revision=42, image="acme/billing:9f1c2ab", replicas=4)),
    ],
    ids=["kind", "target", "parameters", "newer deploy", "replicas moved"],
)
def test_any_change_in_what_was_planned_changes_the_hash(
    changed: tuple[ClusterActionKind, ActionTarget, ActionParameters, ObservedState],
) -> None:
    assert plan_hash(*changed) != plan_hash(SCALE, TARGET, FIVE, THREE_RUNNING)


@pytest.mark.parametrize("text", ["billing", "/billing", "payments/", "a/b/c", ""])
def test_a_target_is_namespace_slash_name(text: str) -> None:
    with pytest.raises(ValueError, match="namespace/name"):
        ActionTarget.parse(text)


@pytest.mark.parametrize(
    "raw", [{"replicas": "5"}, {"replicas": True}, {"image": "x"}], ids=["text", "bool", "unknown"]
)
def test_parameters_from_storage_are_whole_numbers_with_known_names(raw: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"whole number|unknown"):
        ActionParameters.from_dict(raw)


def test_deleting_a_pod_is_a_restart_to_the_policy() -> None:
    assert ClusterActionKind.DELETE_POD.action_kind is ActionKind.RESTART
    assert ClusterActionKind.ROLLBACK.action_kind is ActionKind.ROLLBACK
    assert ClusterActionKind.DELETE_POD.resource == "pod"
