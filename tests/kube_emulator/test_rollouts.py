"""Rollouts as the deployment controller does them: ReplicaSets per pod template, revisions,
``kubectl rollout restart`` and ``kubectl rollout undo``, progress over reads, and scaling."""

from __future__ import annotations

from typing import Any

from kubernetes import client

from integrations.kube_emulator import ControlClient
from tests.kube_emulator.support import image, refusal, revision

NS, NAME = "payments", "billing-webhooks"
SELECTOR = f"app={NAME}"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"


def replica_sets(apps: client.AppsV1Api) -> dict[str, Any]:
    """The Deployment's ReplicaSets by revision."""
    found = apps.list_namespaced_replica_set(NS, label_selector=SELECTOR).items
    return {revision(rs): rs for rs in found}


def restart(apps: client.AppsV1Api, at: str = "2026-03-04T14:10:00Z") -> Any:
    """What ``kubectl rollout restart`` sends: a strategic merge patch of the template."""
    patch = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: at}}}}}
    return apps.patch_namespaced_deployment(NAME, NS, patch)


def undo(apps: client.AppsV1Api, to_revision: str) -> Any:
    """What ``kubectl rollout undo --to-revision`` sends: a JSON patch putting back the
    ReplicaSet's template (without its pod-template-hash label) and the annotations."""
    deployment = apps.read_namespaced_deployment(NAME, NS)
    target = replica_sets(apps)[to_revision]
    template = apps.api_client.sanitize_for_serialization(target.spec.template)
    del template["metadata"]["labels"]["pod-template-hash"]
    annotations = {
        "deployment.kubernetes.io/revision": revision(deployment),
    }
    patch = [
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": "replace", "path": "/metadata/annotations", "value": annotations},
    ]
    return apps.patch_namespaced_deployment(NAME, NS, patch)


def test_replica_sets_are_owned_by_the_deployment_and_carry_their_revisions(
    apps: client.AppsV1Api,
) -> None:
    deployment = apps.read_namespaced_deployment(NAME, NS)
    by_revision = replica_sets(apps)
    assert sorted(by_revision) == ["41", "42"]
    assert image(by_revision["42"]) == "acme/billing:9f1c2ab"
    assert image(by_revision["41"]) == "acme/billing:51d0e7c"
    assert (by_revision["42"].spec.replicas, by_revision["41"].spec.replicas) == (3, 0)
    owner = by_revision["42"].metadata.owner_references[0]
    assert (owner.kind, owner.name, owner.uid) == ("Deployment", NAME, deployment.metadata.uid)
    assert owner.controller is True


def test_a_template_change_creates_a_replica_set_with_the_next_revision(
    apps: client.AppsV1Api, core: client.CoreV1Api
) -> None:
    patch = {
        "spec": {
            "template": {"spec": {"containers": [{"name": NAME, "image": "acme/billing:f00d"}]}}
        }
    }
    apps.patch_namespaced_deployment(NAME, NS, patch)
    deployment = apps.read_namespaced_deployment(NAME, NS)
    by_revision = replica_sets(apps)
    assert revision(deployment) == "43"
    assert image(by_revision["43"]) == "acme/billing:f00d"
    assert (by_revision["43"].spec.replicas, by_revision["42"].spec.replicas) == (3, 0)
    pods = core.list_namespaced_pod(NS, label_selector=SELECTOR).items
    hash_label = by_revision["43"].metadata.labels["pod-template-hash"]
    assert len(pods) == 3
    assert all(p.metadata.labels["pod-template-hash"] == hash_label for p in pods)
    assert all(p.metadata.name.startswith(by_revision["43"].metadata.name) for p in pods)


def test_a_rollout_restart_rolls_new_pods_under_a_new_revision(
    apps: client.AppsV1Api, core: client.CoreV1Api
) -> None:
    before = {p.metadata.name for p in core.list_namespaced_pod(NS, label_selector=SELECTOR).items}
    restarted = restart(apps)
    assert restarted.spec.template.metadata.annotations[RESTARTED_AT] == "2026-03-04T14:10:00Z"
    after = core.list_namespaced_pod(NS, label_selector=SELECTOR).items
    assert revision(apps.read_namespaced_deployment(NAME, NS)) == "43"
    assert not before & {p.metadata.name for p in after}
    assert all(p.metadata.annotations[RESTARTED_AT] == "2026-03-04T14:10:00Z" for p in after)
    assert all(p.status.container_statuses[0].restart_count == 0 for p in after)


def test_rollout_undo_reuses_the_old_replica_set_under_the_next_revision(
    apps: client.AppsV1Api,
) -> None:
    old_name = replica_sets(apps)["41"].metadata.name
    undo(apps, "41")
    deployment = apps.read_namespaced_deployment(NAME, NS)
    by_revision = replica_sets(apps)
    assert revision(deployment) == "43"
    assert image(deployment) == "acme/billing:51d0e7c"
    assert sorted(by_revision) == ["42", "43"]  # no new ReplicaSet: revision 41 moved to 43
    assert by_revision["43"].metadata.name == old_name
    assert (
        by_revision["43"].metadata.annotations["deployment.kubernetes.io/revision-history"] == "41"
    )
    assert (by_revision["43"].spec.replicas, by_revision["42"].spec.replicas) == (3, 0)


def test_undoing_twice_swaps_back_and_forth(apps: client.AppsV1Api) -> None:
    undo(apps, "41")
    undo(apps, "42")
    deployment = apps.read_namespaced_deployment(NAME, NS)
    assert (revision(deployment), image(deployment)) == ("44", "acme/billing:9f1c2ab")
    history = replica_sets(apps)["44"].metadata.annotations[
        "deployment.kubernetes.io/revision-history"
    ]
    assert history == "42"


def test_a_rollout_completes_after_the_configured_number_of_reads(
    apps: client.AppsV1Api, control: ControlClient
) -> None:
    control.set_rollout_reads(2)
    restart(apps)
    first = apps.read_namespaced_deployment(NAME, NS).status
    second = apps.read_namespaced_deployment(NAME, NS).status
    third = apps.read_namespaced_deployment(NAME, NS).status
    assert [s.updated_replicas for s in (first, second, third)] == [None, 2, 3]
    assert first.replicas == 3
    progressing = [
        next(c.reason for c in s.conditions if c.type == "Progressing")
        for s in (first, second, third)
    ]
    assert progressing == ["ReplicaSetUpdated", "ReplicaSetUpdated", "NewReplicaSetAvailable"]
    assert (
        third.observed_generation == apps.read_namespaced_deployment(NAME, NS).metadata.generation
    )


def test_the_scale_subresource_reads_and_writes_the_replicas(
    apps: client.AppsV1Api, core: client.CoreV1Api
) -> None:
    scale = apps.read_namespaced_deployment_scale(NAME, NS)
    assert (scale.spec.replicas, scale.status.replicas, scale.status.selector) == (3, 3, SELECTOR)
    patched = apps.patch_namespaced_deployment_scale(NAME, NS, {"spec": {"replicas": 5}})
    assert patched.spec.replicas == 5
    assert len(core.list_namespaced_pod(NS, label_selector=SELECTOR).items) == 5
    scale = apps.read_namespaced_deployment_scale(NAME, NS)
    scale.spec.replicas = 1
    replaced = apps.replace_namespaced_deployment_scale(NAME, NS, scale)
    assert (replaced.spec.replicas, replaced.status.replicas) == (1, 1)
    assert apps.read_namespaced_deployment(NAME, NS).spec.replicas == 1


def test_a_scale_from_a_stale_read_is_a_conflict(apps: client.AppsV1Api) -> None:
    stale = apps.read_namespaced_deployment_scale(NAME, NS)
    apps.patch_namespaced_deployment_scale(NAME, NS, {"spec": {"replicas": 4}})
    stale.spec.replicas = 9
    status, body = refusal(lambda: apps.replace_namespaced_deployment_scale(NAME, NS, stale))
    assert (status, body["reason"]) == (409, "Conflict")
    assert apps.read_namespaced_deployment(NAME, NS).spec.replicas == 4


def test_scaling_keeps_the_revision_and_logs_the_controllers_work(
    apps: client.AppsV1Api, control: ControlClient
) -> None:
    apps.patch_namespaced_deployment_scale(NAME, NS, {"spec": {"replicas": 4}})
    assert revision(apps.read_namespaced_deployment(NAME, NS)) == "42"
    changes = control.changes()
    assert changes[0]["actor"] == "client"
    assert changes[0]["subresource"] == "scale"
    created = [c for c in changes if c["resource"] == "pods" and c["verb"] == "create"]
    assert [c["actor"] for c in created] == ["controller"]
