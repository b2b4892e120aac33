"""The API machinery clients rely on, through the official Python client: discovery, ``Table``
answers, watches with resourceVersions, ``dryRun=All`` that never persists, the access reviews,
and RBAC's 403 ``Status``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client, watch

from bot.clock import FixedClock
from integrations.kube_emulator import ControlClient, EmulatorThread, KubeEmulator
from integrations.kube_emulator.__main__ import main
from integrations.kube_emulator.rbac import Attributes, load_rbac, service_account
from tests.kube_emulator.bot_access import BOT_TOKEN, DEPLOY, bot_account, bot_config
from tests.kube_emulator.conftest import NOW, TOKEN, api_client, payments
from tests.kube_emulator.support import refusal

NS = "payments"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def raw_get(api: client.ApiClient, path: str, accept: str = "application/json") -> Any:
    """GET ``path`` through the client's own transport; the decoded JSON body."""
    response = api.call_api(
        *api.param_serialize(
            "GET",
            path,
            header_params={"Accept": accept},
            auth_settings=["BearerToken"],
        )
    )
    response.read()
    return json.loads(response.data)


# -- discovery ---------------------------------------------------------------------------------


def test_discovery_names_the_groups_and_resources_served(api: client.ApiClient) -> None:
    assert client.CoreApi(api).get_api_versions().versions == ["v1"]
    groups = {
        g.name: g.preferred_version.group_version
        for g in client.ApisApi(api).get_api_versions().groups
    }
    assert groups == {
        "apps": "apps/v1",
        "batch": "batch/v1",
        "authorization.k8s.io": "authorization.k8s.io/v1",
    }
    apps = {r.name: r for r in client.AppsV1Api(api).get_api_resources().resources}
    assert apps["deployments"].short_names == ["deploy"]
    assert (apps["deployments/scale"].group, apps["deployments/scale"].kind) == (
        "autoscaling",
        "Scale",
    )
    assert "delete" not in apps["replicasets"].verbs  # only what is routed
    core = {r.name: r.verbs for r in client.CoreV1Api(api).get_api_resources().resources}
    assert core["pods"] == ["delete", "get", "list", "patch", "watch"]
    batch = {r.name: r.verbs for r in client.BatchV1Api(api).get_api_resources().resources}
    assert batch["jobs"] == ["create", "get", "list", "watch"]
    assert batch["cronjobs"] == ["create", "get", "list", "watch"]


def test_openapi_v3_describes_each_kind_and_its_patch_parameters(api: client.ApiClient) -> None:
    root = raw_get(api, "/openapi/v3")
    url = root["paths"]["apis/apps/v1"]["serverRelativeURL"]
    assert url.startswith("/openapi/v3/apis/apps/v1?hash=")
    document = raw_get(api, url.split("?")[0])
    schema = document["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"]
    assert schema["x-kubernetes-group-version-kind"] == [
        {"group": "apps", "version": "v1", "kind": "Deployment"}
    ]
    patch = document["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert {"dryRun", "fieldValidation"} <= {p["name"] for p in patch["parameters"]}


# -- tables ------------------------------------------------------------------------------------


def test_a_table_is_answered_when_asked_for(api: client.ApiClient) -> None:
    table = raw_get(api, f"/apis/apps/v1/namespaces/{NS}/deployments", TABLE)
    assert (table["kind"], table["apiVersion"]) == ("Table", "meta.k8s.io/v1")
    assert [c["name"] for c in table["columnDefinitions"] if c["priority"] == 0] == [
        "Name", "Ready", "Up-to-date", "Available", "Age",
    ]  # fmt: skip
    billing = table["rows"][0]
    assert billing["cells"][:4] == ["billing-webhooks", "2/3", 3, 2]
    assert billing["object"]["kind"] == "PartialObjectMetadata"
    assert billing["object"]["metadata"]["name"] == "billing-webhooks"
    plain = raw_get(api, f"/apis/apps/v1/namespaces/{NS}/deployments")
    assert plain["kind"] == "DeploymentList"  # without the Accept, the list


# -- watches -----------------------------------------------------------------------------------


def test_a_watch_streams_each_write_after_its_resource_version(
    core: client.CoreV1Api, apps: client.AppsV1Api
) -> None:
    listed = core.list_namespaced_pod(NS, label_selector="app=ledger")
    version = listed.metadata.resource_version
    apps.patch_namespaced_deployment_scale("ledger", NS, {"spec": {"replicas": 3}})
    events = []
    for event in watch.Watch().stream(
        core.list_namespaced_pod,
        NS,
        label_selector="app=ledger",
        resource_version=version,
        timeout_seconds=1,
    ):
        events.append((event["type"], event["object"].metadata.resource_version))
        if event["type"] == "ADDED":
            break
    assert events[0][0] == "ADDED"
    assert int(events[0][1]) > int(version)


def test_a_watch_from_a_compacted_version_is_410_expired(
    kube: KubeEmulator, core: client.CoreV1Api
) -> None:
    store = kube.cluster.store
    del store.history[: len(store.history) - 1]  # as etcd's compaction would
    stream = watch.Watch().stream(
        core.list_namespaced_pod, NS, resource_version="1", timeout_seconds=1
    )
    with pytest.raises(client.ApiException) as caught:
        next(stream)
    assert caught.value.status == 410


# -- dry runs ----------------------------------------------------------------------------------


def test_dry_run_answers_the_result_and_changes_nothing(
    apps: client.AppsV1Api, core: client.CoreV1Api, control: ControlClient
) -> None:
    before = control.stats()["resource_version"]
    stored = apps.read_namespaced_deployment("ledger", NS)
    patched = apps.patch_namespaced_deployment(
        "ledger",
        NS,
        {"spec": {"template": {"spec": {"containers": [{"name": "ledger", "image": "x:2"}]}}}},
        dry_run="All",
    )
    assert patched.spec.template.spec.containers[0].image == "x:2"
    assert patched.metadata.generation == stored.metadata.generation + 1
    assert patched.metadata.resource_version == stored.metadata.resource_version
    scaled = apps.patch_namespaced_deployment_scale(
        "ledger", NS, {"spec": {"replicas": 0}}, dry_run="All"
    )
    assert scaled.spec.replicas == 0
    core.delete_namespaced_pod("billing-webhooks-7d9f8-oom01", NS, dry_run="All")
    created = apps.create_namespaced_deployment(
        NS,
        {
            "metadata": {"name": "fresh"},
            "spec": {
                "selector": {"matchLabels": {"app": "fresh"}},
                "template": {
                    "metadata": {"labels": {"app": "fresh"}},
                    "spec": {"containers": [{"name": "fresh", "image": "fresh:1"}]},
                },
            },
        },
        dry_run="All",
    )
    assert created.metadata.uid
    assert created.metadata.resource_version is None
    assert control.changes() == []
    assert control.stats()["resource_version"] == before
    assert apps.read_namespaced_deployment("ledger", NS).to_dict() == stored.to_dict()
    assert core.read_namespaced_pod("billing-webhooks-7d9f8-oom01", NS).metadata.name
    assert [d.metadata.name for d in apps.list_namespaced_deployment(NS).items] == [
        "billing-webhooks",
        "ledger",
    ]


def test_dry_run_still_validates(apps: client.AppsV1Api, control: ControlClient) -> None:
    status, body = refusal(
        lambda: apps.patch_namespaced_deployment_scale(
            "ledger", NS, {"spec": {"replicas": -1}}, dry_run="All"
        )
    )
    assert (status, body["reason"]) == (422, "Invalid")
    status, body = refusal(
        lambda: apps.patch_namespaced_deployment("ledger", NS, {"spec": {}}, dry_run="Some")
    )
    assert (status, body["reason"]) == (400, "BadRequest")
    assert control.changes() == []


# -- access ------------------------------------------------------------------------------------


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[KubeEmulator]:
    config = bot_config(TOKEN, FixedClock(NOW), tmp_path / "tls", find=False)
    with EmulatorThread(KubeEmulator(config, payments())) as running:
        yield running


def review(api: client.ApiClient, **attributes: str) -> Any:
    body = client.V1SelfSubjectAccessReview(
        spec=client.V1SelfSubjectAccessReviewSpec(
            resource_attributes=client.V1ResourceAttributes(**attributes)
        )
    )
    return client.AuthorizationV1Api(api).create_self_subject_access_review(body).status


def test_a_self_subject_access_review_answers_from_the_bindings(guarded: KubeEmulator) -> None:
    with api_client(guarded, BOT_TOKEN) as bot:
        scale = review(
            bot,
            namespace=NS,
            verb="patch",
            group="apps",
            resource="deployments",
            subresource="scale",
        )
        assert scale.allowed is True
        assert scale.reason == (
            'RBAC: allowed by RoleBinding "incident-bot/payments" of Role "incident-bot" to '
            'ServiceAccount "incident-bot/incident-bot"'
        )
        assert (
            review(bot, namespace=NS, verb="update", group="apps", resource="deployments").allowed
            is False
        )
        assert review(bot, namespace="kube-system", verb="list", resource="pods").allowed is False
    with api_client(guarded) as admin:
        assert review(admin, namespace=NS, verb="delete", resource="secrets").allowed is True


def test_what_no_role_grants_is_a_403_status(guarded: KubeEmulator) -> None:
    with api_client(guarded, BOT_TOKEN) as bot:
        apps = client.AppsV1Api(bot)
        ledger = apps.read_namespaced_deployment("ledger", NS)
        status, body = refusal(lambda: apps.replace_namespaced_deployment("ledger", NS, ledger))
    user = "system:serviceaccount:{}:{}".format(*bot_account())
    assert (status, body["reason"]) == (403, "Forbidden")
    assert body["message"] == (
        f'deployments.apps "ledger" is forbidden: User "{user}" cannot update resource '
        '"deployments" in API group "apps" in the namespace "payments"'
    )
    assert body["details"] == {"name": "ledger", "group": "apps", "kind": "deployments"}
    assert guarded.control_client().changes() == []


def test_the_command_line_refuses_a_malformed_service_account(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--port", "0", "--service-account", "just-a-token"]) == 2
    assert "give TOKEN=NAMESPACE/NAME" in capsys.readouterr().err


def test_rbac_loads_from_the_manifest_folder() -> None:
    rbac = load_rbac([DEPLOY])
    user = service_account(*bot_account())
    patch = Attributes("patch", "apps", "deployments", "scale", "payments", "ledger")
    assert rbac.allows(user, patch)
    assert not rbac.allows(user, Attributes("patch", "apps", "deployments", "scale", "other"))
    # the optional find ClusterRole is in the folder: listing anywhere is allowed, getting not
    assert rbac.allows(user, Attributes("list", "", "pods", namespace="kube-system"))
    assert not rbac.allows(user, Attributes("get", "", "pods", namespace="kube-system", name="x"))


def test_a_list_is_paged_by_limit_and_continue(core: client.CoreV1Api) -> None:
    first = core.list_namespaced_pod(NS, limit=4)
    assert len(first.items) == 4
    assert first.metadata.remaining_item_count == 2
    rest = core.list_namespaced_pod(NS, limit=4, _continue=first.metadata._continue)
    assert rest.metadata._continue is None
    names = [p.metadata.name for p in first.items + rest.items]
    assert names == [p.metadata.name for p in core.list_namespaced_pod(NS).items]
    status, body = refusal(lambda: core.list_namespaced_pod(NS, _continue="not-a-token"))
    assert (status, body["reason"]) == (400, "BadRequest")


def test_a_pod_that_stops_matching_a_watchs_selector_is_deleted_for_it(
    core: client.CoreV1Api,
) -> None:
    name = "billing-webhooks-7d9f8-oom01"
    version = core.list_namespaced_pod(NS).metadata.resource_version
    core.patch_namespaced_pod(name, NS, {"metadata": {"labels": {"app": "quarantined"}}})
    stream = watch.Watch().stream(
        core.list_namespaced_pod,
        NS,
        label_selector="app=billing-webhooks",
        resource_version=version,
        timeout_seconds=1,
    )
    event = next(stream)
    assert (event["type"], event["object"].metadata.name) == ("DELETED", name)
    assert event["object"].metadata.labels["app"] == "quarantined"
