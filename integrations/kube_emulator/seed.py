"""Seeding the emulated cluster from a scenario's ``cluster`` section (FORMAT.md) or from a YAML
file of the same shape (``deployments``, ``pods``, ``events``).

A seeded Deployment gets a ReplicaSet at its ``revision`` running ``image`` and, with
``previous_image``, an older ReplicaSet at the revision before (scaled to 0), so ``kubectl
rollout undo`` has somewhere to go. The pods listed for a Deployment become its current
ReplicaSet's pods, with their restarts, readiness and last termination reason; healthy pods are
added up to ``replicas`` (ready while fewer than ``ready`` are). An event's ``object`` is a name
(``billing-webhooks-7d9f8-x2x4q``) or ``kind/name`` (``deployment/billing-webhooks``).
"""

from __future__ import annotations

import copy
from pathlib import Path

from bot.configfile import load_yaml_document, load_yaml_model
from bot.scenario.loader import load_scenario
from bot.scenario.schemas import (
    Cluster,
    ClusterCronJob,
    ClusterDeployment,
    ClusterEvent,
    ClusterPod,
)
from integrations.kube_emulator.cluster import KubeCluster
from integrations.kube_emulator.controller import is_ready
from integrations.kube_emulator.objects import (
    REVISION,
    default_template,
    deployment_object,
    iso,
    owner_reference,
)
from integrations.kube_emulator.objects import pod_object as build_pod
from integrations.kube_emulator.store import (
    CONFIG_MAPS,
    CRON_JOBS,
    DEPLOYMENTS,
    JOBS,
    PODS,
    REPLICA_SETS,
)

__all__ = ["SeedError", "load_cluster_file", "seed_cluster"]

_KINDS = {
    "pod": (PODS, "Pod"),
    "pods": (PODS, "Pod"),
    "deployment": (DEPLOYMENTS, "Deployment"),
    "deploy": (DEPLOYMENTS, "Deployment"),
    "deployments": (DEPLOYMENTS, "Deployment"),
    "replicaset": (REPLICA_SETS, "ReplicaSet"),
    "rs": (REPLICA_SETS, "ReplicaSet"),
    "replicasets": (REPLICA_SETS, "ReplicaSet"),
    "job": (JOBS, "Job"),
    "jobs": (JOBS, "Job"),
    "cronjob": (CRON_JOBS, "CronJob"),
    "cj": (CRON_JOBS, "CronJob"),
    "configmap": (CONFIG_MAPS, "ConfigMap"),
    "cm": (CONFIG_MAPS, "ConfigMap"),
}


class SeedError(ValueError):
    """The seed holds something a cluster cannot: the message names the object."""


_BY_NAME = ((PODS, "Pod"), (DEPLOYMENTS, "Deployment"), (REPLICA_SETS, "ReplicaSet"))


def load_cluster_file(path: Path) -> Cluster:
    """A cluster seed from ``path``: a scenario file (its ``cluster`` section) when the file has
    an ``alert`` or ``alerts`` key, else a file holding just ``deployments``, ``pods`` and
    ``events``. Errors are :class:`~bot.errors.ConfigFileError` naming the file, line and key."""
    data = load_yaml_document(path)
    if "alert" in data or "alerts" in data:
        return load_scenario(path).cluster
    return load_yaml_model(path, Cluster)


def seed_cluster(cluster: KubeCluster, seed: Cluster) -> None:
    """Create the seed's objects; they are not in the change log, which starts empty."""
    for deployment in seed.deployments:
        _seed_deployment(cluster, deployment, [p for p in seed.pods if _belongs(p, deployment)])
    names = {(d.namespace, d.name) for d in seed.deployments}
    for pod in seed.pods:
        if pod.deployment is None or (pod.namespace, pod.deployment) not in names:
            _seed_lone_pod(cluster, pod)
    for config_map in seed.config_maps:
        body = {"metadata": {"name": config_map.name}, "data": dict(config_map.data)}
        cluster.batch.create(CONFIG_MAPS, config_map.namespace, body, actor="seed")
    for cron_job in seed.cron_jobs:
        _seed_cron_job(cluster, cron_job)
    for event in seed.events:
        _seed_event(cluster, event)
    cluster.store.changes.clear()


def _seed_cron_job(cluster: KubeCluster, seed: ClusterCronJob) -> None:
    """The CronJob, and its latest scheduled run as the cronjob controller names it
    (``<name>-<minutes since the epoch>``), finished as the seed says."""
    container: dict[str, object] = {"name": seed.name, "image": seed.image}
    if seed.config_map is not None:
        container["envFrom"] = [{"configMapRef": {"name": seed.config_map}}]
    if seed.env:
        container["env"] = [{"name": key, "value": value} for key, value in seed.env.items()]
    template = {
        "metadata": {"labels": {"app": seed.name}},
        "spec": {"restartPolicy": "Never", "containers": [container]},
    }
    body = {
        "metadata": {"name": seed.name, "labels": {"app": seed.name}},
        "spec": {
            "schedule": seed.schedule,
            "jobTemplate": {"metadata": {}, "spec": {"backoffLimit": 2, "template": template}},
        },
    }
    created = cluster.batch.create(CRON_JOBS, seed.namespace, body, actor="seed")
    cluster.batch.fails_when[(seed.namespace, seed.name)] = dict(seed.fails_when)
    if seed.last_run is None:
        return
    at = seed.last_run_at or cluster.clock.now()
    stored = cluster.store.find(CRON_JOBS, seed.namespace, seed.name)
    assert stored is not None
    job = {
        "metadata": {
            "name": f"{seed.name}-{int(at.timestamp()) // 60}",
            "labels": {"app": seed.name},
            "ownerReferences": [owner_reference("batch/v1", "CronJob", created)],
        },
        "spec": copy.deepcopy(body["spec"]["jobTemplate"]["spec"]),  # type: ignore[index]
    }
    created_job = cluster.batch.create(JOBS, seed.namespace, job, actor="seed")
    stored_job = cluster.store.find(JOBS, seed.namespace, created_job["metadata"]["name"])
    assert stored_job is not None
    # The seeded run ends as the seed says, whatever its environment would give now.
    key = (seed.namespace, stored_job["metadata"]["name"])
    cluster.batch.running[key] = [0, seed.last_run == "failed"]
    cluster.batch.read(stored_job)
    stored["status"] = {"lastScheduleTime": iso(at)}
    if seed.last_run == "succeeded":
        stored["status"]["lastSuccessfulTime"] = iso(at)
    cluster.store.put(CRON_JOBS, stored, verb="update", actor="seed")


def _belongs(pod: ClusterPod, deployment: ClusterDeployment) -> bool:
    return pod.namespace == deployment.namespace and pod.deployment == deployment.name


def _seed_deployment(cluster: KubeCluster, seed: ClusterDeployment, pods: list[ClusterPod]) -> None:
    store, controllers = cluster.store, cluster.controllers
    if store.find(DEPLOYMENTS, seed.namespace, seed.name) is not None:
        raise SeedError(f"deployment {seed.namespace}/{seed.name} is listed twice")
    if seed.previous_image is not None and seed.revision < 2:
        raise SeedError(
            f"deployment {seed.namespace}/{seed.name} has a previous_image, so its revision "
            "must be 2 or more",
        )
    deployment = deployment_object(
        seed.namespace,
        seed.name,
        store.new_uid(),
        image=seed.image,
        replicas=seed.replicas,
        created=cluster.clock.now(),
    )
    deployment["metadata"]["annotations"][REVISION] = str(seed.revision)
    store.put(DEPLOYMENTS, deployment, verb="create", actor="seed")
    if seed.previous_image is not None:
        before = copy.deepcopy(deployment)
        before["spec"]["template"]["spec"]["containers"][0]["image"] = seed.previous_image
        before["spec"]["template"] = default_template(before["spec"]["template"])
        old = controllers.create_replica_set(before, seed.revision - 1, replicas=0)
        controllers.refresh_replica_set(old)
    current = controllers.create_replica_set(deployment, seed.revision, replicas=seed.replicas)
    for pod in pods:
        controllers.new_pod(
            current,
            name=pod.name,
            phase=pod.phase,
            ready=pod.ready if pod.ready is not None else pod.phase == "Running",
            restarts=pod.restarts,
            last_termination=pod.last_termination_reason,
            actor="seed",
        )
    ready = sum(1 for pod in controllers.pods_of(current) if is_ready(pod))
    for _ in range(seed.replicas - len(pods)):
        controllers.new_pod(current, ready=ready < seed.ready, actor="seed")
        ready += 1
    controllers.refresh_replica_set(current)
    controllers.refresh_status(deployment)
    store.changes.clear()


def _seed_lone_pod(cluster: KubeCluster, seed: ClusterPod) -> None:
    app = seed.deployment or seed.name
    template = default_template(
        {
            "metadata": {"labels": {"app": app}},
            "spec": {"containers": [{"name": app, "image": app}]},
        }
    )
    store = cluster.store
    serial = store.serial()
    pod = build_pod(
        seed.namespace,
        seed.name,
        store.new_uid(),
        template=template,
        owner=None,
        phase=seed.phase,
        ready=seed.ready if seed.ready is not None else seed.phase == "Running",
        restarts=seed.restarts,
        last_termination=seed.last_termination_reason,
        created=cluster.clock.now(),
        ip=f"10.244.{serial // 250}.{serial % 250 + 2}",
    )
    store.put(PODS, pod, verb="create", actor="seed")


def _seed_event(cluster: KubeCluster, seed: ClusterEvent) -> None:
    store = cluster.store
    kind_text, _, name = seed.object.rpartition("/")
    if kind_text and kind_text.lower() in _KINDS:
        resource, kind = _KINDS[kind_text.lower()]
        found = store.find(resource, seed.namespace, name)
    else:
        name = seed.object
        candidates = [
            (store.find(resource, seed.namespace, name), kind) for resource, kind in _BY_NAME
        ]
        found, kind = next(
            ((obj, kind) for obj, kind in candidates if obj is not None), (None, "Pod")
        )
    involved = found or {"metadata": {"namespace": seed.namespace, "name": name}}
    component = "kubelet" if kind == "Pod" else f"{kind.lower()}-controller"
    cluster.controllers.event(
        involved,
        kind,
        seed.type,
        seed.reason,
        seed.message,
        component=component,
        at=seed.at,
        actor="seed",
    )
