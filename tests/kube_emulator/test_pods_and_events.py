"""Pods and Events through the real client: container states as a crash-looping pod shows
them, deletion and replacement, and the selectors the bot filters with."""

from __future__ import annotations

from kubernetes import client

from tests.kube_emulator.support import refusal

NS, NAME = "payments", "billing-webhooks"
OOM_POD = "billing-webhooks-7d9f8-oom01"


def test_a_crash_looping_pod_shows_restarts_and_its_last_termination(
    core: client.CoreV1Api,
) -> None:
    pod = core.read_namespaced_pod(OOM_POD, NS)
    container = pod.status.container_statuses[0]
    assert (container.restart_count, container.ready) == (5, False)
    assert container.last_state.terminated.reason == "OOMKilled"
    assert container.last_state.terminated.exit_code == 137
    assert container.state.waiting.reason == "CrashLoopBackOff"
    ready = next(c for c in pod.status.conditions if c.type == "Ready")
    assert ready.status == "False"


def test_a_deployments_pods_are_found_by_its_selector(core: client.CoreV1Api) -> None:
    pods = core.list_namespaced_pod(NS, label_selector=f"app={NAME}").items
    assert len(pods) == 3
    assert OOM_POD in {p.metadata.name for p in pods}
    assert sum(1 for p in pods if p.status.container_statuses[0].ready) == 2
    assert all(p.metadata.owner_references[0].kind == "ReplicaSet" for p in pods)


def test_pods_are_listed_by_a_field_selector_and_across_namespaces(
    core: client.CoreV1Api,
) -> None:
    done = core.list_namespaced_pod(NS, field_selector="status.phase=Succeeded").items
    everywhere = core.list_pod_for_all_namespaces(label_selector="app=indexer").items
    assert [p.metadata.name for p in done] == ["migrate-once"]
    assert [p.metadata.namespace for p in everywhere] == ["search"]


def test_a_deleted_pod_of_a_deployment_is_replaced_under_a_new_name(
    core: client.CoreV1Api,
) -> None:
    deleted = core.delete_namespaced_pod(OOM_POD, NS)
    assert deleted.metadata.name == OOM_POD
    assert deleted.metadata.deletion_timestamp is not None
    pods = core.list_namespaced_pod(NS, label_selector=f"app={NAME}").items
    assert len(pods) == 3
    assert OOM_POD not in {p.metadata.name for p in pods}
    assert all(p.status.container_statuses[0].restart_count == 0 for p in pods)
    status, _body = refusal(lambda: core.read_namespaced_pod(OOM_POD, NS))
    assert status == 404


def test_a_deleted_pod_without_an_owner_stays_gone(core: client.CoreV1Api) -> None:
    core.delete_namespaced_pod("migrate-once", NS)
    assert core.list_namespaced_pod(NS, field_selector="status.phase=Succeeded").items == []


def test_deleting_a_missing_pod_is_a_404_status(core: client.CoreV1Api) -> None:
    status, body = refusal(lambda: core.delete_namespaced_pod("nope", NS))
    assert (status, body["reason"], body["message"]) == (404, "NotFound", 'pods "nope" not found')
    assert body["details"] == {"name": "nope", "kind": "pods"}


def test_a_delete_with_a_stale_precondition_is_a_conflict(core: client.CoreV1Api) -> None:
    options = client.V1DeleteOptions(preconditions=client.V1Preconditions(resource_version="1"))
    status, body = refusal(lambda: core.delete_namespaced_pod(OOM_POD, NS, body=options))
    assert (status, body["reason"]) == (409, "Conflict")
    assert "Precondition failed" in body["message"]
    assert core.read_namespaced_pod(OOM_POD, NS).metadata.name == OOM_POD


def test_a_label_patch_on_a_pod_moves_its_resource_version(core: client.CoreV1Api) -> None:
    before = core.read_namespaced_pod(OOM_POD, NS)
    patched = core.patch_namespaced_pod(OOM_POD, NS, {"metadata": {"labels": {"triage": "held"}}})
    assert patched.metadata.labels["triage"] == "held"
    assert patched.metadata.labels["app"] == NAME
    assert int(patched.metadata.resource_version) > int(before.metadata.resource_version)
    assert patched.metadata.uid == before.metadata.uid


def test_a_pod_patch_from_a_stale_read_is_a_conflict(core: client.CoreV1Api) -> None:
    stale = core.read_namespaced_pod(OOM_POD, NS).metadata.resource_version
    core.patch_namespaced_pod(OOM_POD, NS, {"metadata": {"annotations": {"seen": "yes"}}})
    patch = {"metadata": {"resourceVersion": stale, "labels": {"triage": "held"}}}
    status, body = refusal(lambda: core.patch_namespaced_pod(OOM_POD, NS, patch))
    assert (status, body["reason"]) == (409, "Conflict")


def test_a_pod_patch_may_not_change_its_spec(core: client.CoreV1Api) -> None:
    patch = {"spec": {"nodeName": "elsewhere"}}
    status, body = refusal(lambda: core.patch_namespaced_pod(OOM_POD, NS, patch))
    assert (status, body["reason"]) == (422, "Invalid")
    assert "spec: Forbidden" in body["message"]


def test_events_are_found_by_the_object_they_are_about(core: client.CoreV1Api) -> None:
    found = core.list_namespaced_event(NS, field_selector=f"involvedObject.name={OOM_POD}").items
    assert [(e.type, e.reason) for e in found] == [("Warning", "BackOff")]
    event = found[0]
    assert (event.involved_object.kind, event.involved_object.name) == ("Pod", OOM_POD)
    assert event.last_timestamp.isoformat() == "2026-03-04T14:02:00+00:00"
    assert event.metadata.name.startswith(f"{OOM_POD}.")


def test_events_are_filtered_by_type_and_kind(core: client.CoreV1Api) -> None:
    warnings = core.list_namespaced_event(NS, field_selector="type=Warning").items
    about_deployments = core.list_event_for_all_namespaces(
        field_selector="involvedObject.kind=Deployment,type!=Warning"
    ).items
    assert [e.reason for e in warnings] == ["BackOff"]
    assert [e.involved_object.name for e in about_deployments] == [NAME]


def test_an_unsupported_field_selector_is_a_bad_request(core: client.CoreV1Api) -> None:
    status, body = refusal(
        lambda: core.list_namespaced_event(NS, field_selector="message=anything")
    )
    assert (status, body["reason"]) == (400, "BadRequest")
    assert body["message"] == "field label not supported: message"
