"""Deployments through the real client: reads, replace, the three patch formats, validation and
optimistic concurrency."""

from __future__ import annotations

from kubernetes import client

from integrations.kube_emulator import ControlClient
from tests.kube_emulator.support import image, refusal, revision

NS, NAME = "payments", "billing-webhooks"
MERGE = "application/merge-patch+json"


def test_a_namespace_lists_only_its_deployments_matching_the_label_selector(
    apps: client.AppsV1Api,
) -> None:
    everything = apps.list_namespaced_deployment(NS)
    chosen = apps.list_namespaced_deployment(NS, label_selector="app in (ledger, nothing)")
    assert [d.metadata.name for d in everything.items] == ["billing-webhooks", "ledger"]
    assert [d.metadata.name for d in chosen.items] == ["ledger"]
    assert everything.metadata.resource_version


def test_every_namespace_is_listed_without_one(apps: client.AppsV1Api) -> None:
    names = [d.metadata.name for d in apps.list_deployment_for_all_namespaces().items]
    assert names == ["billing-webhooks", "ledger", "indexer"]


def test_a_bad_label_selector_is_a_bad_request(apps: client.AppsV1Api) -> None:
    status, body = refusal(lambda: apps.list_namespaced_deployment(NS, label_selector="app in"))
    assert (status, body["reason"]) == (400, "BadRequest")


def test_a_seeded_deployment_carries_its_revision_image_and_readiness(
    apps: client.AppsV1Api,
) -> None:
    deployment = apps.read_namespaced_deployment(NAME, NS)
    assert revision(deployment) == "42"
    assert image(deployment) == "acme/billing:9f1c2ab"
    assert deployment.spec.replicas == 3
    assert deployment.status.ready_replicas == 2
    assert deployment.status.updated_replicas == 3
    assert deployment.status.observed_generation == deployment.metadata.generation
    conditions = {c.type: (c.status, c.reason) for c in deployment.status.conditions}
    # 2 of 3 ready is below the 25% maxUnavailable, which rounds down to 0 pods.
    assert conditions == {
        "Available": ("False", "MinimumReplicasUnavailable"),
        "Progressing": ("True", "NewReplicaSetAvailable"),
    }


def test_a_missing_deployment_is_a_404_status(apps: client.AppsV1Api) -> None:
    status, body = refusal(lambda: apps.read_namespaced_deployment("nope", NS))
    assert status == 404
    assert body["reason"] == "NotFound"
    assert body["message"] == 'deployments.apps "nope" not found'
    assert body["details"] == {"name": "nope", "group": "apps", "kind": "deployments"}


def test_a_replace_with_the_latest_resource_version_applies(apps: client.AppsV1Api) -> None:
    deployment = apps.read_namespaced_deployment(NAME, NS)
    deployment.metadata.labels["team"] = "payments"
    replaced = apps.replace_namespaced_deployment(NAME, NS, deployment)
    assert replaced.metadata.labels["team"] == "payments"
    assert int(replaced.metadata.resource_version) > int(deployment.metadata.resource_version)
    assert replaced.metadata.generation == deployment.metadata.generation  # no spec change


def test_a_replace_from_a_stale_read_is_a_409_conflict(apps: client.AppsV1Api) -> None:
    stale = apps.read_namespaced_deployment(NAME, NS)
    apps.patch_namespaced_deployment(NAME, NS, {"metadata": {"labels": {"touched": "yes"}}})
    stale.spec.replicas = 5
    status, body = refusal(lambda: apps.replace_namespaced_deployment(NAME, NS, stale))
    assert status == 409
    assert body["reason"] == "Conflict"
    assert body["message"] == (
        'Operation cannot be fulfilled on deployments.apps "billing-webhooks": the object has '
        "been modified; please apply your changes to the latest version and try again"
    )
    assert apps.read_namespaced_deployment(NAME, NS).spec.replicas == 3


def test_a_merge_patch_carrying_a_stale_resource_version_is_a_conflict(
    apps: client.AppsV1Api,
) -> None:
    patch = {"metadata": {"resourceVersion": "1"}, "spec": {"replicas": 4}}
    status, body = refusal(
        lambda: apps.patch_namespaced_deployment(NAME, NS, patch, _content_type=MERGE)
    )
    assert (status, body["reason"]) == (409, "Conflict")


def test_a_strategic_merge_patch_sets_one_containers_image_by_name(
    apps: client.AppsV1Api,
) -> None:
    patch = {
        "spec": {
            "template": {"spec": {"containers": [{"name": NAME, "image": "acme/billing:new"}]}}
        }
    }
    patched = apps.patch_namespaced_deployment(NAME, NS, patch)
    assert image(patched) == "acme/billing:new"
    assert patched.spec.template.spec.containers[0].image_pull_policy == "IfNotPresent"
    assert len(patched.spec.template.spec.containers) == 1


def test_a_merge_patch_replaces_lists_whole_and_null_deletes(apps: client.AppsV1Api) -> None:
    apps.patch_namespaced_deployment(NAME, NS, {"metadata": {"labels": {"tier": "web"}}})
    patch = {"metadata": {"labels": {"tier": None}}, "spec": {"replicas": 4}}
    patched = apps.patch_namespaced_deployment(NAME, NS, patch, _content_type=MERGE)
    assert "tier" not in patched.metadata.labels
    assert patched.spec.replicas == 4


def test_a_json_patch_applies_its_operations_in_order(apps: client.AppsV1Api) -> None:
    patch = [
        {"op": "test", "path": "/spec/replicas", "value": 3},
        {"op": "replace", "path": "/spec/replicas", "value": 1},
        {"op": "add", "path": "/metadata/labels/owner", "value": "payments"},
    ]
    patched = apps.patch_namespaced_deployment(NAME, NS, patch)
    assert patched.spec.replicas == 1
    assert patched.metadata.labels["owner"] == "payments"


def test_a_json_patch_whose_test_fails_changes_nothing(apps: client.AppsV1Api) -> None:
    patch = [
        {"op": "test", "path": "/spec/replicas", "value": 99},
        {"op": "replace", "path": "/spec/replicas", "value": 1},
    ]
    status, body = refusal(lambda: apps.patch_namespaced_deployment(NAME, NS, patch))
    assert (status, body["reason"]) == (422, "Invalid")
    assert apps.read_namespaced_deployment(NAME, NS).spec.replicas == 3


def test_a_patch_in_an_unknown_format_is_unsupported_media(apps: client.AppsV1Api) -> None:
    status, body = refusal(
        lambda: apps.patch_namespaced_deployment(
            NAME, NS, {"spec": {}}, _content_type="application/apply-patch+yaml"
        )
    )
    assert (status, body["reason"]) == (415, "UnsupportedMediaType")


def test_negative_replicas_are_invalid_and_name_the_field(apps: client.AppsV1Api) -> None:
    status, body = refusal(
        lambda: apps.patch_namespaced_deployment(NAME, NS, {"spec": {"replicas": -1}})
    )
    assert (status, body["reason"]) == (422, "Invalid")
    assert body["details"]["causes"][0]["field"] == "spec.replicas"


def test_the_selector_cannot_change(apps: client.AppsV1Api) -> None:
    patch = {"spec": {"selector": {"matchLabels": {"app": "other"}}}}
    status, body = refusal(lambda: apps.patch_namespaced_deployment(NAME, NS, patch))
    assert status == 422
    assert "field is immutable" in body["message"]


def test_a_body_naming_another_deployment_is_a_bad_request(apps: client.AppsV1Api) -> None:
    other = apps.read_namespaced_deployment("ledger", NS)
    status, body = refusal(lambda: apps.replace_namespaced_deployment(NAME, NS, other))
    assert (status, body["reason"]) == (400, "BadRequest")


def test_the_generation_moves_with_the_spec_only(apps: client.AppsV1Api) -> None:
    before = apps.read_namespaced_deployment(NAME, NS).metadata.generation
    labelled = apps.patch_namespaced_deployment(NAME, NS, {"metadata": {"labels": {"a": "b"}}})
    scaled = apps.patch_namespaced_deployment(NAME, NS, {"spec": {"replicas": 5}})
    assert labelled.metadata.generation == before
    assert scaled.metadata.generation == before + 1


def test_every_write_is_in_the_change_log_with_its_patch_type(
    apps: client.AppsV1Api, control: ControlClient
) -> None:
    apps.patch_namespaced_deployment(NAME, NS, {"spec": {"replicas": 4}}, _content_type=MERGE)
    mine = [c for c in control.changes() if c["actor"] == "client"]
    assert [(c["verb"], c["resource"], c["name"], c["patch_type"]) for c in mine] == [
        ("patch", "deployments", NAME, MERGE)
    ]
    assert control.stats()["calls"]["patch deployments"] == 1
