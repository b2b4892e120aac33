"""When the cluster changes under the write, refuses it, breaks or stays silent: the execution
fails with a reason a person can act on, and the write is never sent twice."""

from __future__ import annotations

from kubernetes import client

from bot.action.execution import Checkpoint, ExecutionOutcome
from bot.action.plan import ActionParameters
from integrations.kube_emulator import ControlClient, KubeEmulator
from integrations.kubernetes import KubernetesActions
from tests.kube_actions.conftest import (
    BILLING,
    DELETE_POD,
    LEDGER,
    NONE,
    OOM_POD,
    ROLLBACK,
    SCALE,
    executors,
)

LEDGER_SCALE = "/apis/apps/v1/namespaces/payments/deployments/ledger/scale"
BILLING_PATH = "/apis/apps/v1/namespaces/payments/deployments/billing-webhooks"


async def test_a_change_between_the_read_and_the_write_is_a_conflict_that_is_not_retried(
    actions: KubernetesActions, apps: client.AppsV1Api, control: ControlClient
) -> None:
    plan = await actions.plan(SCALE, LEDGER, ActionParameters(replicas=4))

    async def colleague_scales_meanwhile(_checkpoint: Checkpoint) -> None:
        scale = apps.read_namespaced_deployment_scale(LEDGER.name, LEDGER.namespace)
        scale.spec.replicas = 3
        apps.replace_namespaced_deployment_scale(LEDGER.name, LEDGER.namespace, scale)

    result = await actions.execute(plan, record_checkpoint=colleague_scales_meanwhile)
    assert result.outcome is ExecutionOutcome.FAILED
    assert result.reason == "409 Conflict: the object changed after it was read"
    assert result.write_sent
    assert control.stats()["calls"]["patch deployments/scale"] == 1
    assert apps.read_namespaced_deployment(LEDGER.name, LEDGER.namespace).spec.replicas == 3


async def test_a_pod_replaced_between_the_read_and_the_delete_is_not_deleted(
    actions: KubernetesActions, core: client.CoreV1Api, control: ControlClient
) -> None:
    plan = await actions.plan(DELETE_POD, OOM_POD, NONE)

    async def kubelet_updates_it(_checkpoint: Checkpoint) -> None:
        core.patch_namespaced_pod(
            OOM_POD.name, OOM_POD.namespace, {"metadata": {"labels": {"touched": "yes"}}}
        )

    result = await actions.execute(plan, record_checkpoint=kubelet_updates_it)
    assert result.outcome is ExecutionOutcome.FAILED
    assert result.reason is not None
    assert result.reason.startswith("409 Conflict")
    assert control.stats()["calls"]["delete pods"] == 1
    assert core.read_namespaced_pod(OOM_POD.name, OOM_POD.namespace).metadata.name == OOM_POD.name


async def test_a_refused_token_fails_the_execution_before_anything_is_written(
    kube: KubeEmulator, actions: KubernetesActions, control: ControlClient
) -> None:
    plan = await actions.plan(ROLLBACK, BILLING, NONE)
    result = await executors(kube, token="revoked").execute(plan)
    assert result.outcome is ExecutionOutcome.FAILED
    assert result.reason == (
        "nothing written: cannot read deployment payments/billing-webhooks: "
        "401 Unauthorized: the API server refused the token"
    )
    assert not result.write_sent
    assert "patch deployments" not in control.stats()["calls"]


async def test_a_server_error_on_the_write_fails_once_with_its_status(
    actions: KubernetesActions, control: ControlClient
) -> None:
    plan = await actions.plan(ROLLBACK, BILLING, NONE)
    control.set_faults({"method": "PATCH", "path": BILLING_PATH, "fault": "500"})
    result = await actions.execute(plan)
    assert result.outcome is ExecutionOutcome.FAILED
    assert result.reason == "API server error 500 Internal Server Error"
    assert result.checkpoint is not None
    assert control.stats()["fault_hits"] == {f"PATCH {BILLING_PATH}": 1}


async def test_throttling_on_the_write_is_reported_not_retried(
    actions: KubernetesActions, control: ControlClient
) -> None:
    plan = await actions.plan(SCALE, LEDGER, ActionParameters(replicas=4))
    control.set_faults({"method": "PATCH", "path": LEDGER_SCALE, "fault": "429"})
    result = await actions.execute(plan)
    assert result.reason == "429 Too Many Requests (retry after 1s)"
    assert control.stats()["fault_hits"] == {f"PATCH {LEDGER_SCALE}": 1}


async def test_a_hung_write_fails_at_the_deadline_and_says_its_effect_is_unknown(
    kube: KubeEmulator, control: ControlClient
) -> None:
    actions = executors(kube, deadline=0.3)
    plan = await actions.plan(SCALE, LEDGER, ActionParameters(replicas=4))
    control.set_faults({"method": "PATCH", "path": LEDGER_SCALE, "fault": "hang"})
    result = await actions.execute(plan)
    assert result.outcome is ExecutionOutcome.FAILED
    assert result.reason == (
        "no answer within 0.3s; the write may have been applied: look before trying again"
    )
    assert result.write_sent
    assert control.stats()["fault_hits"] == {f"PATCH {LEDGER_SCALE}": 1}
