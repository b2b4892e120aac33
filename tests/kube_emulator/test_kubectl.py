"""Conformance: the real ``kubectl`` (the dev extras' wheel), unmodified, against the emulator
over TLS with a written kubeconfig, and the answers a real API server gives: server-printed
columns, describe's ReplicaSets, rollout history that reuses a ReplicaSet on undo, rollout
status over a watch, scale through the scale subresource, server-side dry runs that change
nothing, ``auth can-i`` and RBAC refusals, and ``get -w`` following a change."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

from bot.clock import FixedClock
from integrations.kube_emulator import ControlClient, EmulatorThread, KubeEmulator
from tests.kube_emulator.bot_access import BOT_TOKEN, bot_account, bot_config
from tests.kube_emulator.conftest import NOW, TOKEN, api_client, payments
from tests.kube_emulator.kubectl import Kubectl

NS = "payments"
REVISION = "deployment.kubernetes.io/revision"


@pytest.fixture
def kube(tmp_path: Path) -> Iterator[KubeEmulator]:
    config = bot_config(TOKEN, FixedClock(NOW), tmp_path / "tls")
    with EmulatorThread(KubeEmulator(config, payments())) as running:
        yield running


@pytest.fixture
def kubectl(kube: KubeEmulator, tmp_path: Path) -> Kubectl:
    """kubectl as the cluster's administrator, in the payments namespace."""
    return Kubectl(kube.write_kubeconfig(tmp_path / "admin.kubeconfig", namespace=NS), tmp_path)


@pytest.fixture
def bot_kubectl(kube: KubeEmulator, tmp_path: Path) -> Kubectl:
    """kubectl with the bot's ServiceAccount token, held to the manifests' Roles."""
    path = kube.write_kubeconfig(tmp_path / "bot.kubeconfig", token=BOT_TOKEN, namespace=NS)
    return Kubectl(path, tmp_path)


@pytest.fixture
def apps(kube: KubeEmulator) -> Iterator[client.AppsV1Api]:
    with api_client(kube) as api:
        yield client.AppsV1Api(api)


@pytest.fixture
def control(kube: KubeEmulator) -> ControlClient:
    return kube.control_client()


def rows(output: str) -> list[list[str]]:
    """A printed table, split on its column gaps (two spaces or more)."""
    return [re.split(r"\s{2,}", line.strip()) for line in output.strip().splitlines()]


def revisions(apps: client.AppsV1Api, name: str) -> dict[str, str]:
    """ReplicaSet name -> its revision annotation, for the Deployment ``name``."""
    found = apps.list_namespaced_replica_set(NS, label_selector=f"app={name}").items
    return {rs.metadata.name: rs.metadata.annotations[REVISION] for rs in found}


def history(kubectl: Kubectl, name: str) -> list[str]:
    out = kubectl.ok("rollout", "history", f"deployment/{name}")
    return [line.split()[0] for line in out.splitlines() if line[:1].isdigit()]


# -- get ---------------------------------------------------------------------------------------


def test_get_prints_the_columns_the_api_server_prints(kubectl: Kubectl) -> None:
    pods = rows(kubectl.ok("get", "pods"))
    assert pods[0] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    by_name = {row[0]: row for row in pods[1:]}
    oom = by_name["billing-webhooks-7d9f8-oom01"]
    assert oom[1:3] == ["0/1", "CrashLoopBackOff"]
    assert re.fullmatch(r"5 \(\S+ ago\)", oom[3])
    assert by_name["migrate-once"][1:4] == ["0/1", "Completed", "0"]
    assert len(by_name) == 6

    wide = rows(kubectl.ok("get", "deployments", "-o", "wide"))
    assert wide[0] == [
        "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR",
    ]  # fmt: skip
    billing = wide[1]
    assert billing[:4] == ["billing-webhooks", "2/3", "3", "2"]
    assert billing[5:] == ["billing-webhooks", "acme/billing:9f1c2ab", "app=billing-webhooks"]

    assert rows(kubectl.ok("get", "rs"))[0] == ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]
    events = rows(kubectl.ok("get", "events"))
    assert events[0] == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert ["Warning", "BackOff", "pod/billing-webhooks-7d9f8-oom01"] in [e[1:4] for e in events]
    everywhere = rows(kubectl.ok("get", "deploy", "-A"))
    assert [(row[0], row[1]) for row in everywhere[1:]] == [
        ("payments", "billing-webhooks"),
        ("payments", "ledger"),
        ("search", "indexer"),
    ]


def test_get_as_yaml_is_the_object_the_api_stores(kubectl: Kubectl, apps: client.AppsV1Api) -> None:
    shown: dict[str, Any] = yaml.safe_load(
        kubectl.ok("get", "deployment", "billing-webhooks", "-o", "yaml")
    )
    stored = apps.read_namespaced_deployment("billing-webhooks", NS)
    assert (shown["kind"], shown["apiVersion"]) == ("Deployment", "apps/v1")
    assert shown["metadata"]["uid"] == stored.metadata.uid
    assert shown["metadata"]["annotations"][REVISION] == "42"
    assert shown["spec"]["template"]["spec"]["containers"][0]["image"] == "acme/billing:9f1c2ab"
    assert shown["status"]["readyReplicas"] == 2
    listed = yaml.safe_load(kubectl.ok("get", "pods", "-o", "yaml"))
    assert listed["kind"] == "List"
    assert len(listed["items"]) == 6


# -- describe and rollouts ---------------------------------------------------------------------


def test_rollout_undo_reuses_the_old_replica_set_as_a_cluster_does(
    kubectl: Kubectl, apps: client.AppsV1Api
) -> None:
    before = revisions(apps, "billing-webhooks")
    [old] = [name for name, revision in before.items() if revision == "41"]
    [current] = [name for name, revision in before.items() if revision == "42"]
    assert history(kubectl, "billing-webhooks") == ["41", "42"]
    described = kubectl.ok("describe", "deployment", "billing-webhooks")
    assert f"NewReplicaSet:   {current} (3/3 replicas created)" in described

    assert kubectl.ok("rollout", "undo", "deployment/billing-webhooks") == (
        "deployment.apps/billing-webhooks rolled back\n"
    )

    after = revisions(apps, "billing-webhooks")
    assert after == {old: "43", current: "42"}  # no new ReplicaSet: the old one moved to 43
    assert history(kubectl, "billing-webhooks") == ["42", "43"]
    reused = apps.read_namespaced_replica_set(old, NS)
    assert reused.metadata.annotations["deployment.kubernetes.io/revision-history"] == "41"
    deployment = apps.read_namespaced_deployment("billing-webhooks", NS)
    assert deployment.metadata.annotations[REVISION] == "43"
    assert deployment.spec.template.spec.containers[0].image == "acme/billing:51d0e7c"
    described = kubectl.ok("describe", "deployment", "billing-webhooks")
    assert f"NewReplicaSet:   {old} (3/3 replicas created)" in described
    assert "acme/billing:51d0e7c" in described
    detail = kubectl.ok("rollout", "history", "deployment/billing-webhooks", "--revision=42")
    assert "acme/billing:9f1c2ab" in detail


def test_rollout_status_follows_the_deployment(kubectl: Kubectl) -> None:
    assert kubectl.ok("rollout", "status", "deployment/ledger") == (
        'deployment "ledger" successfully rolled out\n'
    )
    # one of billing-webhooks' three pods is not ready: the rollout is not done
    assert kubectl.ok("rollout", "status", "deployment/billing-webhooks", "--watch=false") == (
        'Waiting for deployment "billing-webhooks" rollout to finish: '
        "2 of 3 updated replicas are available...\n"
    )


def test_rollout_restart_makes_the_next_revision(kubectl: Kubectl, apps: client.AppsV1Api) -> None:
    assert kubectl.ok("rollout", "restart", "deployment/ledger") == (
        "deployment.apps/ledger restarted\n"
    )
    deployment = apps.read_namespaced_deployment("ledger", NS)
    assert "kubectl.kubernetes.io/restartedAt" in deployment.spec.template.metadata.annotations
    assert history(kubectl, "ledger") == ["7", "8"]
    assert sorted(revisions(apps, "ledger").values()) == ["7", "8"]
    assert kubectl.ok("rollout", "status", "deployment/ledger") == (
        'deployment "ledger" successfully rolled out\n'
    )


def test_scale_goes_through_the_scale_subresource(
    kubectl: Kubectl, apps: client.AppsV1Api, control: ControlClient
) -> None:
    assert kubectl.ok("scale", "deployment/ledger", "--replicas=4") == (
        "deployment.apps/ledger scaled\n"
    )
    assert apps.read_namespaced_deployment("ledger", NS).spec.replicas == 4
    assert ("patch", "deployments", "scale") in {
        (c["verb"], c["resource"], c["subresource"]) for c in control.changes()
    }
    assert rows(kubectl.ok("get", "deployment", "ledger"))[1][:2] == ["ledger", "4/4"]


# -- server-side dry runs ----------------------------------------------------------------------

MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: ledger, namespace: payments, labels: {app: ledger}}
spec:
  replicas: 5
  selector: {matchLabels: {app: ledger}}
  template:
    metadata: {labels: {app: ledger}}
    spec:
      containers: [{name: ledger, image: "acme/ledger:1.5.0"}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: fresh, namespace: payments}
spec:
  replicas: 1
  selector: {matchLabels: {app: fresh}}
  template:
    metadata: {labels: {app: fresh}}
    spec:
      containers: [{name: fresh, image: "acme/fresh:1"}]
"""


def test_server_side_dry_runs_answer_and_change_nothing(
    kubectl: Kubectl, apps: client.AppsV1Api, control: ControlClient, tmp_path: Path
) -> None:
    manifest = tmp_path / "ledger.yaml"
    manifest.write_text(MANIFEST)
    version = control.stats()["resource_version"]
    before = apps.read_namespaced_deployment("ledger", NS).to_dict()

    scaled = kubectl.ok("scale", "deployment/ledger", "--replicas=0", "--dry-run=server")
    assert scaled == "deployment.apps/ledger scaled (server dry run)\n"
    diff = kubectl("diff", "-f", str(manifest))
    assert diff.code == 1, diff.err  # 1: there are differences
    assert "-  replicas: 2\n+  replicas: 5" in diff.out
    assert "-      - image: acme/ledger:1.4.0\n+      - image: acme/ledger:1.5.0" in diff.out
    assert "+  name: fresh" in diff.out
    applied = kubectl.ok("apply", "--dry-run=server", "-f", str(manifest))
    assert "deployment.apps/ledger configured (server dry run)" in applied
    assert "deployment.apps/fresh created (server dry run)" in applied
    deleted = kubectl.ok("delete", "pod", "billing-webhooks-7d9f8-oom01", "--dry-run=server")
    assert deleted == (
        'pod "billing-webhooks-7d9f8-oom01" deleted from payments namespace (server dry run)\n'
    )

    assert control.changes() == []
    assert control.stats()["resource_version"] == version
    assert apps.read_namespaced_deployment("ledger", NS).to_dict() == before
    assert kubectl("get", "deployment", "fresh").code == 1
    assert kubectl.ok("get", "pod", "billing-webhooks-7d9f8-oom01", "-o", "name") == (
        "pod/billing-webhooks-7d9f8-oom01\n"
    )


def test_apply_for_real_changes_what_the_dry_run_showed(
    kubectl: Kubectl, apps: client.AppsV1Api, tmp_path: Path
) -> None:
    manifest = tmp_path / "ledger.yaml"
    manifest.write_text(MANIFEST)
    applied = kubectl.ok("apply", "-f", str(manifest))
    assert "deployment.apps/ledger configured" in applied
    assert "deployment.apps/fresh created" in applied
    ledger = apps.read_namespaced_deployment("ledger", NS)
    assert (ledger.spec.replicas, ledger.spec.template.spec.containers[0].image) == (
        5,
        "acme/ledger:1.5.0",
    )
    assert apps.read_namespaced_deployment("fresh", NS).metadata.annotations[REVISION] == "1"
    assert kubectl("diff", "-f", str(manifest)).code == 0  # nothing left to change


def test_server_side_apply_is_refused_with_a_clear_415(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "ledger.yaml"
    manifest.write_text(MANIFEST.split("---")[0])
    run = kubectl("apply", "--server-side", "--dry-run=server", "-f", str(manifest))
    # kubectl reads the 415 as a server without server-side apply, as an old cluster answers
    assert run.code == 1
    assert run.err.startswith(
        "error: Server-side apply not available on the server: (server-side apply is not "
        "served by this API server"
    )


# -- access ------------------------------------------------------------------------------------


def test_auth_can_i_answers_from_the_bots_role(bot_kubectl: Kubectl, kubectl: Kubectl) -> None:
    for allowed in (
        ("patch", "deployments"),
        ("patch", "deployments", "--subresource=scale"),
        ("delete", "pods"),
        ("list", "events"),
        ("list", "deployments", "--all-namespaces"),  # the optional find ClusterRole
    ):
        assert bot_kubectl("auth", "can-i", *allowed).out == "yes\n", allowed
    for refused in (
        ("delete", "deployments"),
        ("update", "deployments"),
        ("get", "secrets"),
        ("create", "pods", "--subresource=exec"),
        ("list", "events", "-n", "kube-system"),
        ("get", "pods", "-n", "kube-system"),
    ):
        run = bot_kubectl("auth", "can-i", *refused)
        assert (run.code, run.out) == (1, "no\n"), refused
    assert kubectl("auth", "can-i", "delete", "deployments").out == "yes\n"  # the admin


def test_what_the_role_does_not_grant_is_a_403_with_the_api_servers_words(
    bot_kubectl: Kubectl,
) -> None:
    user = "system:serviceaccount:{}:{}".format(*bot_account())
    run = bot_kubectl("delete", "deployment", "ledger")
    assert (run.code, run.err.strip()) == (
        1,
        f'Error from server (Forbidden): deployments.apps "ledger" is forbidden: User "{user}" '
        'cannot delete resource "deployments" in API group "apps" in the namespace "payments"',
    )
    run = bot_kubectl("get", "events", "-n", "kube-system")
    assert (run.code, run.err.strip()) == (
        1,
        f'Error from server (Forbidden): events is forbidden: User "{user}" cannot list '
        'resource "events" in API group "" in the namespace "kube-system"',
    )
    assert bot_kubectl("get", "deployment", "ledger", "-o", "name").out == (
        "deployment.apps/ledger\n"
    )


# -- watch -------------------------------------------------------------------------------------


def test_get_watch_prints_a_change_as_it_happens(kubectl: Kubectl, apps: client.AppsV1Api) -> None:
    with kubectl.streaming("get", "deployment", "ledger", "--watch") as wait:
        assert wait(lambda line: line.split()[:1] == ["NAME"])
        assert wait(lambda line: line.split()[:2] == ["ledger", "2/2"])
        apps.patch_namespaced_deployment_scale("ledger", NS, {"spec": {"replicas": 3}})
        assert wait(lambda line: line.split()[:2] == ["ledger", "3/3"])


def test_apply_refuses_an_unknown_field_as_a_cluster_does(
    kubectl: Kubectl, control: ControlClient, tmp_path: Path
) -> None:
    manifest = tmp_path / "typo.yaml"
    manifest.write_text(MANIFEST.split("---")[0].replace("replicas: 5", "replica: 5"))
    run = kubectl("apply", "--dry-run=server", "-f", str(manifest))
    assert run.code == 1
    assert 'strict decoding error: unknown field "spec.replica"' in run.err
    assert control.changes() == []
