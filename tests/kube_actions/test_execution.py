"""Executing an approved plan: once, against the state it was planned from, with the checkpoint
taken before the write, and verified by what the cluster then reports."""

from __future__ import annotations

import pytest
from kubernetes import client

from bot.action.execution import Checkpoint, ExecutionOutcome, VerificationOutcome
from bot.action.models import ActionState
from bot.action.plan import ActionParameters
from integrations.kube_emulator import ControlClient
from integrations.kubernetes import KubernetesActions
from tests.kube_actions.conftest import (
    BILLING,
    DELETE_POD,
    LEDGER,
    NONE,
    OOM_POD,
    RESTART,
    ROLLBACK,
    SCALE,
    client_writes,
)
from tests.kube_emulator.support import image, revision

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"


async def test_a_rollback_runs_once_and_is_verified_on_the_previous_image(
    actions: KubernetesActions, apps: client.AppsV1Api, control: ControlClient
) -> None:
    plan = await actions.plan(ROLLBACK, BILLING, NONE)
    result = await actions.execute(plan)
    assert result.outcome is ExecutionOutcome.SUCCEEDED
    assert result.outcome.state is ActionState.SUCCEEDED
    deployment = apps.read_namespaced_deployment(BILLING.name, BILLING.namespace)
    assert (revision(deployment), image(deployment)) == ("43", "acme/billing:51d0e7c")
    [write] = client_writes(control)
    assert (write["verb"], write["patch_type"]) == ("patch", "application/json-patch+json")
    verification = await actions.verify(plan, deadline=5)
    assert verification.outcome is VerificationOutcome.VERIFIED
    assert verification.outcome.state is ActionState.VERIFIED
    assert verification.detail.startswith("3/3 updated, 3 available")


async def test_the_checkpoint_is_handed_over_before_the_write_is_sent(
    actions: KubernetesActions, control: ControlClient
) -> None:
    plan = await actions.plan(ROLLBACK, BILLING, NONE)
    recorded: list[tuple[Checkpoint, int]] = []

    async def record(checkpoint: Checkpoint) -> None:
        recorded.append((checkpoint, len(client_writes(control))))

    result = await actions.execute(plan, record_checkpoint=record)
    [(checkpoint, writes_by_then)] = recorded
    assert writes_by_then == 0
    assert result.checkpoint == checkpoint
    assert (checkpoint.state.revision, checkpoint.state.image) == (42, "acme/billing:9f1c2ab")
    assert checkpoint.template is not None
    assert "acme/billing:9f1c2ab" in checkpoint.template
    assert checkpoint.as_dict()["reversal"] == {
        "kind": "rollback",
        "target": "payments/billing-webhooks",
        "parameters": {"to_revision": 42},
    }


async def test_a_checkpoint_that_cannot_be_recorded_stops_the_write(
    actions: KubernetesActions, control: ControlClient
) -> None:
    plan = await actions.plan(SCALE, LEDGER, ActionParameters(replicas=3))

    async def broken(_checkpoint: Checkpoint) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        await actions.execute(plan, record_checkpoint=broken)
    assert client_writes(control) == []


async def test_a_restart_rolls_every_pod_and_verification_waits_for_the_rollout(
    actions: KubernetesActions, apps: client.AppsV1Api, control: ControlClient
) -> None:
    control.set_rollout_reads(3)
    plan = await actions.plan(RESTART, BILLING, NONE)
    assert (await actions.execute(plan)).succeeded
    verification = await actions.verify(plan, deadline=5)
    assert verification.verified
    assert verification.checks > 1  # seen in progress first, then finished
    template = apps.read_namespaced_deployment(BILLING.name, BILLING.namespace).spec.template
    assert template.metadata.annotations[RESTARTED_AT] == plan.desired.restarted_at


async def test_a_rollout_that_does_not_finish_in_time_is_not_verified(
    actions: KubernetesActions, control: ControlClient
) -> None:
    control.set_rollout_reads(10_000)
    plan = await actions.plan(RESTART, BILLING, NONE)
    assert (await actions.execute(plan)).succeeded
    verification = await actions.verify(plan, deadline=0.2)
    assert verification.outcome is VerificationOutcome.NOT_VERIFIED
    assert verification.detail.startswith("not done within 0.2s: ")
    assert "updated" in verification.detail


async def test_a_scale_runs_through_the_subresource_and_its_reversal_restores_the_replicas(
    actions: KubernetesActions, apps: client.AppsV1Api, control: ControlClient
) -> None:
    plan = await actions.plan(SCALE, LEDGER, ActionParameters(replicas=4))
    assert (await actions.execute(plan)).succeeded
    assert (await actions.verify(plan, deadline=5)).verified
    assert apps.read_namespaced_deployment(LEDGER.name, LEDGER.namespace).spec.replicas == 4
    assert plan.reversal is not None
    back = await actions.plan(plan.reversal.kind, plan.reversal.target, plan.reversal.parameters)
    assert (back.current.replicas, back.desired.replicas) == (4, 2)
    assert (await actions.execute(back)).succeeded
    assert (await actions.verify(back, deadline=5)).verified
    assert apps.read_namespaced_deployment(LEDGER.name, LEDGER.namespace).spec.replicas == 2
    assert [w["subresource"] for w in client_writes(control)] == ["scale", "scale"]


async def test_a_deleted_pod_is_verified_once_its_replacement_is_ready(
    actions: KubernetesActions, core: client.CoreV1Api, control: ControlClient
) -> None:
    plan = await actions.plan(DELETE_POD, OOM_POD, NONE)
    assert (await actions.execute(plan)).succeeded
    verification = await actions.verify(plan, deadline=5)
    assert verification.verified
    assert verification.detail.startswith("3/3 pods of billing-webhooks-")
    names = {p.metadata.name for p in core.list_namespaced_pod("payments").items}
    assert OOM_POD.name not in names
    [write] = client_writes(control)
    assert (write["verb"], write["resource"], write["name"]) == ("delete", "pods", OOM_POD.name)


async def test_execution_refuses_a_plan_made_before_a_newer_rollout_landed(
    actions: KubernetesActions, apps: client.AppsV1Api, control: ControlClient
) -> None:
    plan = await actions.plan(ROLLBACK, BILLING, NONE)
    new_image = {
        "spec": {
            "template": {
                "spec": {"containers": [{"name": "billing-webhooks", "image": "acme/billing:f00d"}]}
            }
        }
    }
    apps.patch_namespaced_deployment(BILLING.name, BILLING.namespace, new_image)
    result = await actions.execute(plan)
    assert result.outcome is ExecutionOutcome.PLAN_CHANGED
    assert result.outcome.state is ActionState.FAILED
    assert not result.write_sent
    assert result.checkpoint is None
    assert result.reason is not None
    assert result.reason.startswith(
        "plan changed: Roll back payments/billing-webhooks from revision 43"
    )
    assert result.fresh_plan is not None
    assert result.fresh_plan.plan_hash != plan.plan_hash
    assert len(client_writes(control)) == 1  # the colleague's deploy, none of ours


async def test_execution_refuses_a_scale_planned_before_the_replicas_moved(
    actions: KubernetesActions, apps: client.AppsV1Api
) -> None:
    plan = await actions.plan(SCALE, BILLING, ActionParameters(replicas=6))
    apps.patch_namespaced_deployment_scale(
        BILLING.name, BILLING.namespace, {"spec": {"replicas": 4}}
    )
    result = await actions.execute(plan)
    assert result.outcome is ExecutionOutcome.PLAN_CHANGED
    assert apps.read_namespaced_deployment(BILLING.name, BILLING.namespace).spec.replicas == 4


async def test_the_same_plan_executed_twice_writes_once(
    actions: KubernetesActions, control: ControlClient
) -> None:
    plan = await actions.plan(RESTART, BILLING, NONE)
    first, second = await actions.execute(plan), await actions.execute(plan)
    assert (first.outcome, second.outcome) == (
        ExecutionOutcome.SUCCEEDED,
        ExecutionOutcome.PLAN_CHANGED,
    )
    assert len(client_writes(control)) == 1


async def test_a_plan_that_cannot_run_is_not_executed(
    actions: KubernetesActions, control: ControlClient
) -> None:
    plan = await actions.plan(ROLLBACK, LEDGER, NONE)
    result = await actions.execute(plan)
    assert result.outcome is ExecutionOutcome.NOT_EXECUTABLE
    assert result.reason == plan.refusal
    assert control.stats()["calls"].get("patch deployments", 0) == 0


async def test_a_rollback_overtaken_by_another_deploy_is_not_verified(
    actions: KubernetesActions, apps: client.AppsV1Api
) -> None:
    plan = await actions.plan(ROLLBACK, BILLING, NONE)
    assert (await actions.execute(plan)).succeeded
    new_image = {
        "spec": {
            "template": {
                "spec": {"containers": [{"name": "billing-webhooks", "image": "acme/billing:f00d"}]}
            }
        }
    }
    apps.patch_namespaced_deployment(BILLING.name, BILLING.namespace, new_image)
    verification = await actions.verify(plan, deadline=0.1)
    assert not verification.verified
    assert "changed after the action: it runs acme/billing:f00d, not acme/billing:51d0e7c" in (
        verification.detail
    )


async def test_the_reversal_of_a_rollback_puts_back_the_image_it_replaced(
    actions: KubernetesActions, apps: client.AppsV1Api
) -> None:
    plan = await actions.plan(ROLLBACK, BILLING, ActionParameters(to_revision=41))
    assert (await actions.execute(plan)).succeeded
    assert plan.reversal is not None
    back = await actions.plan(plan.reversal.kind, plan.reversal.target, plan.reversal.parameters)
    assert (back.current.revision, back.desired.revision) == (43, 42)
    assert (await actions.execute(back)).succeeded
    assert (await actions.verify(back, deadline=5)).verified
    deployment = apps.read_namespaced_deployment(BILLING.name, BILLING.namespace)
    assert (revision(deployment), image(deployment)) == ("44", "acme/billing:9f1c2ab")
