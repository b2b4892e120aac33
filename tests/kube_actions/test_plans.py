"""Planning is a dry run: it reads the cluster, writes nothing, and says exactly what it would
send, what it would change and what would undo it."""

from __future__ import annotations

import pytest
from kubernetes import client

from bot.action.plan import ActionParameters, ActionTarget, ClusterActionKind
from bot.errors import ActionPlanError
from integrations.kube_emulator import ControlClient, KubeEmulator
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
    executors,
)
from tests.kube_emulator.conftest import NOW

NEW_IMAGE = {
    "spec": {
        "template": {
            "spec": {"containers": [{"name": "billing-webhooks", "image": "acme/billing:f00d"}]}
        }
    }
}


async def test_a_rollback_plan_patches_the_template_back_to_the_previous_revision(
    actions: KubernetesActions, control: ControlClient
) -> None:
    plan = await actions.plan(ROLLBACK, BILLING, NONE)
    assert plan.executable
    assert (plan.current.revision, plan.current.image) == (42, "acme/billing:9f1c2ab")
    assert (plan.desired.revision, plan.desired.image) == (41, "acme/billing:51d0e7c")
    assert plan.request is not None
    assert plan.request.method == "PATCH"
    assert plan.request.path == "/apis/apps/v1/namespaces/payments/deployments/billing-webhooks"
    assert plan.request.content_type == "application/json-patch+json"
    [operation] = plan.request.json()
    assert (operation["op"], operation["path"]) == ("replace", "/spec/template")
    template = operation["value"]
    assert template["spec"]["containers"][0]["image"] == "acme/billing:51d0e7c"
    assert "pod-template-hash" not in template["metadata"]["labels"]
    assert plan.reversal is not None
    assert plan.reversal.parameters == ActionParameters(to_revision=42)
    assert "from revision 42 (acme/billing:9f1c2ab) to revision 41" in plan.summary
    assert client_writes(control) == []


async def test_a_rollback_without_a_previous_revision_is_refused_at_plan_time(
    actions: KubernetesActions,
) -> None:
    plan = await actions.plan(ROLLBACK, LEDGER, NONE)
    assert not plan.executable
    assert plan.request is None
    assert plan.refusal == "cannot roll back payments/ledger: no previous revision is kept (only 7)"


async def test_a_rollback_to_a_revision_that_is_not_kept_names_the_kept_ones(
    actions: KubernetesActions,
) -> None:
    plan = await actions.plan(ROLLBACK, BILLING, ActionParameters(to_revision=12))
    assert plan.refusal == (
        "cannot roll back payments/billing-webhooks: revision 12 is not kept (kept: 41, 42)"
    )


async def test_a_scale_plan_patches_the_scale_subresource_and_reverses_to_the_old_count(
    actions: KubernetesActions,
) -> None:
    plan = await actions.plan(SCALE, BILLING, ActionParameters(replicas=5))
    assert (plan.current.replicas, plan.desired.replicas) == (3, 5)
    assert plan.request is not None
    assert plan.request.path.endswith("/deployments/billing-webhooks/scale")
    assert plan.request.content_type == "application/merge-patch+json"
    assert plan.request.json() == {"spec": {"replicas": 5}}
    assert plan.reversal is not None
    assert plan.reversal.parameters == ActionParameters(replicas=3)


async def test_a_scale_to_the_current_count_changes_nothing_and_is_refused(
    actions: KubernetesActions,
) -> None:
    plan = await actions.plan(SCALE, BILLING, ActionParameters(replicas=3))
    assert plan.refusal == "payments/billing-webhooks already has 3 replicas"


async def test_a_restart_plan_sets_restarted_at_to_now_and_has_no_reversal(
    actions: KubernetesActions,
) -> None:
    plan = await actions.plan(RESTART, BILLING, NONE)
    assert plan.request is not None
    assert plan.request.content_type == "application/strategic-merge-patch+json"
    annotations = plan.request.json()["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {"kubectl.kubernetes.io/restartedAt": NOW.strftime("%Y-%m-%dT%H:%M:%SZ")}
    assert plan.reversal is None


async def test_a_delete_pod_plan_names_the_replica_set_that_replaces_it(
    actions: KubernetesActions, core: client.CoreV1Api
) -> None:
    pod = core.read_namespaced_pod(OOM_POD.name, OOM_POD.namespace)
    plan = await actions.plan(DELETE_POD, OOM_POD, NONE)
    assert plan.current.pod_uid == pod.metadata.uid
    assert plan.current.owner == pod.metadata.owner_references[0].name
    assert plan.request is not None
    assert (plan.request.method, plan.request.json()) == (
        "DELETE",
        {"preconditions": {"uid": pod.metadata.uid}},
    )


async def test_a_pod_no_replica_set_owns_is_not_deleted(actions: KubernetesActions) -> None:
    plan = await actions.plan(DELETE_POD, ActionTarget("payments", "migrate-once"), NONE)
    assert (
        plan.refusal == "payments/migrate-once belongs to no ReplicaSet: nothing would replace it"
    )


async def test_a_missing_target_cannot_be_planned(actions: KubernetesActions) -> None:
    with pytest.raises(ActionPlanError, match="deployment payments/nope not found"):
        await actions.plan(RESTART, ActionTarget("payments", "nope"), NONE)


@pytest.mark.parametrize(
    ("kind", "parameters", "message"),
    [
        (SCALE, NONE, "needs a number of replicas"),
        (SCALE, ActionParameters(replicas=-1), "cannot be negative"),
        (RESTART, ActionParameters(replicas=2), "takes no number of replicas"),
        (SCALE, ActionParameters(replicas=2, to_revision=3), "takes no revision"),
    ],
)
async def test_parameters_that_do_not_fit_the_kind_are_refused_before_any_read(
    kind: ClusterActionKind, parameters: ActionParameters, message: str, kube: KubeEmulator
) -> None:
    with pytest.raises(ActionPlanError, match=message):
        await executors(kube, token="wrong").plan(kind, BILLING, parameters)


async def test_a_refused_token_makes_planning_fail_with_the_reason(kube: KubeEmulator) -> None:
    with pytest.raises(ActionPlanError, match="401 Unauthorized"):
        await executors(kube, token="wrong").plan(ROLLBACK, BILLING, NONE)


async def test_the_plan_hash_changes_when_a_newer_rollout_lands(
    actions: KubernetesActions, apps: client.AppsV1Api
) -> None:
    before = await actions.plan(ROLLBACK, BILLING, NONE)
    assert (await actions.plan(ROLLBACK, BILLING, NONE)).plan_hash == before.plan_hash
    apps.patch_namespaced_deployment(BILLING.name, BILLING.namespace, NEW_IMAGE)
    after = await actions.plan(ROLLBACK, BILLING, NONE)
    assert after.plan_hash != before.plan_hash
    assert (after.current.revision, after.desired.revision) == (43, 42)


async def test_the_plan_hash_changes_when_the_replicas_move(
    actions: KubernetesActions, apps: client.AppsV1Api
) -> None:
    before = await actions.plan(SCALE, BILLING, ActionParameters(replicas=6))
    apps.patch_namespaced_deployment_scale(
        BILLING.name, BILLING.namespace, {"spec": {"replicas": 4}}
    )
    after = await actions.plan(SCALE, BILLING, ActionParameters(replicas=6))
    assert after.plan_hash != before.plan_hash
    assert after.current.replicas == 4
