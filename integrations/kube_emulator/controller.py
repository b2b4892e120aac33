"""The deployment and ReplicaSet controllers, as far as the bot can see them.

After every write to a Deployment, :meth:`Controllers.reconcile` does what kube-controller-manager
does: find the ReplicaSet whose pod template equals the Deployment's (ignoring the
``pod-template-hash`` label), or create one; give it the next revision (a reused, older ReplicaSet
is moved to the newest revision and its old number kept in ``revision-history``, which is how
``kubectl rollout undo`` works); copy that revision onto the Deployment; and roll the pods over.

A rollout completes at once, or after ``rollout_reads`` reads of the Deployment: each read
first sees the rollout where it is, then moves it on a step, so a client polling the rollout
status (as ``kubectl rollout status`` does) sees it progress and finish. Pods of a ReplicaSet are
created and deleted to match its replicas, and a deleted pod is replaced under a new name.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from bot.clock import Clock
from integrations.kube_emulator.objects import (
    HASH_LABEL,
    REVISION,
    REVISION_HISTORY,
    event_object,
    iso,
    owner_reference,
    pod_object,
    safe_hash,
    template_hash,
    template_without_hash,
)
from integrations.kube_emulator.store import DEPLOYMENTS, EVENTS, PODS, REPLICA_SETS, Store

__all__ = ["Controllers", "is_ready", "revision_of"]

Obj = dict[str, Any]
_EVENT_API_VERSIONS = {"Pod": "v1", "ConfigMap": "v1", "Job": "batch/v1", "CronJob": "batch/v1"}


def revision_of(obj: Obj) -> int:
    try:
        return int(obj["metadata"].get("annotations", {}).get(REVISION, "0"))
    except ValueError:
        return 0


def is_ready(pod: Obj) -> bool:
    return any(
        condition.get("type") == "Ready" and condition.get("status") == "True"
        for condition in pod.get("status", {}).get("conditions", [])
    )


def _owned_by(obj: Obj, owner: Obj) -> bool:
    uid = owner["metadata"]["uid"]
    return any(ref.get("uid") == uid for ref in obj["metadata"].get("ownerReferences", []))


class Controllers:
    def __init__(self, store: Store, clock: Clock, *, rollout_reads: int = 0) -> None:
        self.store = store
        self.clock = clock
        self.rollout_reads = rollout_reads
        self.rollouts: dict[tuple[str, str], list[int]] = {}  # [reads done, reads in all]

    # -- what a Deployment owns -------------------------------------------------------------

    def replica_sets(self, deployment: Obj) -> list[Obj]:
        """The Deployment's ReplicaSets, oldest revision first."""
        namespace = deployment["metadata"]["namespace"]
        owned = [rs for rs in self.store.all(REPLICA_SETS, namespace) if _owned_by(rs, deployment)]
        return sorted(owned, key=revision_of)

    def pods_of(self, replica_set: Obj) -> list[Obj]:
        namespace = replica_set["metadata"]["namespace"]
        return [pod for pod in self.store.all(PODS, namespace) if _owned_by(pod, replica_set)]

    def current_replica_set(self, deployment: Obj) -> Obj | None:
        template = template_without_hash(deployment["spec"]["template"])
        return next(
            (
                rs
                for rs in self.replica_sets(deployment)
                if template_without_hash(rs["spec"]["template"]) == template
            ),
            None,
        )

    # -- reconciling ------------------------------------------------------------------------

    def reconcile(self, deployment: Obj, *, template_changed: bool) -> None:
        """Bring ReplicaSets, pods, the revision annotation and the status in line with the
        Deployment just written."""
        key = (deployment["metadata"]["namespace"], deployment["metadata"]["name"])
        owned = self.replica_sets(deployment)
        newest = max((revision_of(rs) for rs in owned), default=0)
        current = self.current_replica_set(deployment)
        if current is None:
            current = self.create_replica_set(deployment, newest + 1, replicas=0)
        elif revision_of(current) < newest:
            self._promote(current, newest + 1)
        self._set_revision(deployment, revision_of(current))
        if template_changed or key in self.rollouts:
            self.rollouts[key] = [0, self.rollout_reads]
            self._step(deployment)
        else:
            self.scale_replica_set(current, deployment["spec"]["replicas"])
        self.refresh_status(deployment)

    def read(self, deployment: Obj) -> Obj:
        """A client reads the Deployment: answer where the rollout is, then move it on."""
        key = (deployment["metadata"]["namespace"], deployment["metadata"]["name"])
        seen = copy.deepcopy(deployment)
        if key in self.rollouts:
            self.rollouts[key][0] += 1
            self._step(deployment)
            self.refresh_status(deployment)
        return seen

    def rolling(self, deployment: Obj) -> bool:
        return (deployment["metadata"]["namespace"], deployment["metadata"]["name"]) in (
            self.rollouts
        )

    def _step(self, deployment: Obj) -> None:
        key = (deployment["metadata"]["namespace"], deployment["metadata"]["name"])
        done, total = self.rollouts[key]
        replicas = deployment["spec"]["replicas"]
        current = self.current_replica_set(deployment)
        if current is None:
            return
        new_count = replicas if done >= total else math.ceil(replicas * done / total)
        old = [rs for rs in self.replica_sets(deployment) if rs is not current]
        active_old = [rs for rs in old if rs["spec"].get("replicas", 0) > 0]
        for rs in old:
            keep = replicas - new_count if active_old and rs is active_old[-1] else 0
            self.scale_replica_set(rs, keep)
        self.scale_replica_set(current, new_count)
        if done >= total:
            del self.rollouts[key]

    def _promote(self, replica_set: Obj, revision: int) -> None:
        annotations = replica_set["metadata"].setdefault("annotations", {})
        history = [h for h in annotations.get(REVISION_HISTORY, "").split(",") if h]
        history.append(annotations.get(REVISION, "0"))
        annotations[REVISION_HISTORY] = ",".join(history)
        annotations[REVISION] = str(revision)
        self.store.put(REPLICA_SETS, replica_set, verb="update", actor="controller")

    def _set_revision(self, deployment: Obj, revision: int) -> None:
        annotations = deployment["metadata"].setdefault("annotations", {})
        if annotations.get(REVISION) != str(revision):
            annotations[REVISION] = str(revision)
            self.store.put(DEPLOYMENTS, deployment, verb="update", actor="controller")

    def create_replica_set(self, deployment: Obj, revision: int, *, replicas: int) -> Obj:
        metadata, spec = deployment["metadata"], deployment["spec"]
        collisions = 0
        while True:
            suffix = template_hash(spec["template"], collisions)
            name = f"{metadata['name']}-{suffix}"
            if self.store.find(REPLICA_SETS, metadata["namespace"], name) is None:
                break
            collisions += 1
        template = template_without_hash(spec["template"])
        template["metadata"].setdefault("labels", {})[HASH_LABEL] = suffix
        labels = dict(template["metadata"]["labels"])
        match_labels = dict(spec["selector"].get("matchLabels", {}))
        match_labels[HASH_LABEL] = suffix
        replica_set: Obj = {
            "metadata": {
                "name": name,
                "namespace": metadata["namespace"],
                "uid": self.store.new_uid(),
                "generation": 1,
                "creationTimestamp": iso(self.clock.now()),
                "labels": labels,
                "annotations": {
                    REVISION: str(revision),
                    "deployment.kubernetes.io/desired-replicas": str(spec["replicas"]),
                    "deployment.kubernetes.io/max-replicas": str(
                        spec["replicas"] + math.ceil(spec["replicas"] * 0.25)
                    ),
                },
                "ownerReferences": [owner_reference("apps/v1", "Deployment", deployment)],
            },
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": match_labels},
                "template": template,
            },
            "status": {"replicas": 0, "observedGeneration": 1},
        }
        self.store.put(REPLICA_SETS, replica_set, verb="create", actor="controller")
        return replica_set

    def scale_replica_set(self, replica_set: Obj, replicas: int) -> None:
        before = replica_set["spec"].get("replicas", 0)
        if before != replicas:
            replica_set["spec"]["replicas"] = replicas
            replica_set["metadata"]["generation"] = replica_set["metadata"].get("generation", 1) + 1
            self.store.put(REPLICA_SETS, replica_set, verb="update", actor="controller")
            owner = self._owner(replica_set)
            if owner is not None:
                way = "up" if replicas > before else "down"
                self.event(
                    owner,
                    "Deployment",
                    "Normal",
                    "ScalingReplicaSet",
                    f"Scaled {way} replica set {replica_set['metadata']['name']} "
                    f"from {before} to {replicas}",
                    component="deployment-controller",
                )
        self.sync_pods(replica_set)

    def sync_pods(self, replica_set: Obj) -> None:
        """Create or delete pods until the ReplicaSet has as many as it wants; the pods that are
        not ready go first, as the real controller prefers."""
        pods = self.pods_of(replica_set)
        wanted = replica_set["spec"].get("replicas", 0)
        for pod in sorted(pods, key=is_ready)[: max(0, len(pods) - wanted)]:
            self.store.delete(
                PODS, pod["metadata"]["namespace"], pod["metadata"]["name"], actor="controller"
            )
        for _ in range(wanted - len(pods)):
            self.new_pod(replica_set)
        self.refresh_replica_set(replica_set)

    def new_pod(
        self,
        replica_set: Obj,
        *,
        name: str | None = None,
        phase: str = "Running",
        ready: bool = True,
        restarts: int = 0,
        last_termination: str | None = None,
        actor: str = "controller",
    ) -> Obj:
        namespace = replica_set["metadata"]["namespace"]
        serial = self.store.serial()
        if name is None:
            base = replica_set["metadata"]["name"]
            name = f"{base}-{safe_hash(f'{base}/{serial}', 5)}"
        pod = pod_object(
            namespace,
            name,
            self.store.new_uid(),
            template=replica_set["spec"]["template"],
            owner=replica_set,
            phase=phase,
            ready=ready,
            restarts=restarts,
            last_termination=last_termination,
            created=self.clock.now(),
            ip=f"10.244.{serial // 250}.{serial % 250 + 2}",
        )
        self.store.put(PODS, pod, verb="create", actor="seed" if actor == "seed" else "controller")
        return pod

    # -- status -----------------------------------------------------------------------------

    def refresh_replica_set(self, replica_set: Obj) -> None:
        pods = self.pods_of(replica_set)
        ready = sum(1 for pod in pods if is_ready(pod))
        status: Obj = {
            "replicas": len(pods),
            "fullyLabeledReplicas": len(pods),
            "observedGeneration": replica_set["metadata"].get("generation", 1),
        }
        if ready:
            status["readyReplicas"] = ready
            status["availableReplicas"] = ready
        if status != replica_set.get("status"):
            replica_set["status"] = status
            self.store.put(
                REPLICA_SETS, replica_set, verb="update", actor="controller", subresource="status"
            )
        owner = self._owner(replica_set)
        if owner is not None:
            self.refresh_status(owner)

    def refresh_status(self, deployment: Obj) -> None:
        """The Deployment's status from its pods, written only when it changed."""
        desired = deployment["spec"]["replicas"]
        current = self.current_replica_set(deployment)
        pods = [pod for rs in self.replica_sets(deployment) for pod in self.pods_of(rs)]
        updated = len(self.pods_of(current)) if current is not None else 0
        ready = sum(1 for pod in pods if is_ready(pod))
        counts = {
            "replicas": len(pods),
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "unavailableReplicas": max(0, desired - ready),
        }
        status: Obj = {"observedGeneration": deployment["metadata"].get("generation", 1)}
        status.update({name: count for name, count in counts.items() if count})  # omitempty
        name = (
            current["metadata"]["name"] if current is not None else deployment["metadata"]["name"]
        )
        available = ready >= desired - math.floor(desired * 0.25)
        # As the real controller: once every replica runs the new template the rollout is
        # complete, and a pod failing later makes the Deployment unavailable, not "progressing".
        complete = not self.rolling(deployment) and updated == desired == len(pods)
        old = {c["type"]: c for c in deployment.get("status", {}).get("conditions", [])}
        status["conditions"] = [
            self._condition(
                old,
                "Available",
                available,
                "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
                "Deployment has minimum availability."
                if available
                else "Deployment does not have minimum availability.",
            ),
            self._condition(
                old,
                "Progressing",
                True,
                "NewReplicaSetAvailable" if complete else "ReplicaSetUpdated",
                f'ReplicaSet "{name}" has successfully progressed.'
                if complete
                else f'ReplicaSet "{name}" is progressing.',
            ),
        ]
        if status != deployment.get("status"):
            deployment["status"] = status
            self.store.put(
                DEPLOYMENTS, deployment, verb="update", actor="controller", subresource="status"
            )

    def _condition(
        self, old: dict[str, Obj], kind: str, ok: bool, reason: str, message: str
    ) -> Obj:
        flag = "True" if ok else "False"
        now = iso(self.clock.now())
        before = old.get(kind)
        if before is not None and (before["status"], before["reason"], before["message"]) == (
            flag,
            reason,
            message,
        ):
            return before
        transition = before["lastTransitionTime"] if before and before["status"] == flag else now
        return {
            "type": kind,
            "status": flag,
            "lastUpdateTime": now,
            "lastTransitionTime": transition,
            "reason": reason,
            "message": message,
        }

    def _owner(self, replica_set: Obj) -> Obj | None:
        namespace = replica_set["metadata"]["namespace"]
        for ref in replica_set["metadata"].get("ownerReferences", []):
            if ref.get("kind") == "Deployment":
                found = self.store.find(DEPLOYMENTS, namespace, ref.get("name", ""))
                if found is not None and found["metadata"]["uid"] == ref.get("uid"):
                    return found
        return None

    # -- events -----------------------------------------------------------------------------

    def event(
        self,
        involved: Obj,
        kind: str,
        event_type: str,
        reason: str,
        message: str,
        *,
        component: str,
        at: Any = None,
        actor: str = "controller",
    ) -> None:
        metadata = involved["metadata"]
        namespace, name = metadata["namespace"], metadata["name"]
        serial = self.store.serial()
        event_name = f"{name}.{(serial * 2654435761) % (1 << 64):016x}"
        api_version = {
            "Pod": "v1",
            "ConfigMap": "v1",
            "Job": "batch/v1",
            "CronJob": "batch/v1",
        }.get(kind, "apps/v1")
        reference = {
            "kind": kind,
            "namespace": namespace,
            "name": name,
            "apiVersion": api_version,
        }
        if "uid" in metadata:
            reference["uid"] = metadata["uid"]
        if "resourceVersion" in metadata:
            reference["resourceVersion"] = metadata["resourceVersion"]
        event = event_object(
            namespace,
            event_name,
            self.store.new_uid(),
            involved=reference,
            event_type=event_type,
            reason=reason,
            message=message,
            at=at or self.clock.now(),
            component=component,
        )
        self.store.put(
            EVENTS, event, verb="create", actor="seed" if actor == "seed" else "controller"
        )
