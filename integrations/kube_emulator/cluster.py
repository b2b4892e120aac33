"""The emulated cluster as the API sees it: the operations behind each route, with the API
server's validation, optimistic concurrency and field handling, over the :class:`Store` and the
:class:`Controllers`.

Optimistic concurrency is the API server's: a write whose object carries a ``resourceVersion``
other than the stored one is a 409 ``Conflict`` (a PUT from a stale read; a patch that sets
``metadata.resourceVersion``), and a write without one applies unconditionally.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from typing import Any

from bot.clock import Clock
from integrations.kube_emulator.batch import Batch
from integrations.kube_emulator.controller import Controllers
from integrations.kube_emulator.objects import default_template, iso
from integrations.kube_emulator.patches import PatchError, apply_patch
from integrations.kube_emulator.selectors import (
    FIELDS,
    FieldSelector,
    LabelSelector,
    selector_string,
)
from integrations.kube_emulator.status import (
    ApiError,
    Resource,
    bad_request,
    conflict,
    invalid,
)
from integrations.kube_emulator.store import DEPLOYMENTS, JOBS, PODS, REPLICA_SETS, Store

__all__ = ["KubeCluster"]

Obj = dict[str, Any]
_SERVER_FIELDS = ("uid", "creationTimestamp", "generation", "resourceVersion")


class KubeCluster:
    def __init__(self, clock: Clock, *, rollout_reads: int = 0, job_reads: int = 1) -> None:
        self.clock = clock
        self.store = Store()
        self.controllers = Controllers(self.store, clock, rollout_reads=rollout_reads)
        self.batch = Batch(self.controllers, job_reads=job_reads)

    @contextlib.contextmanager
    def dry_run(self) -> Iterator[None]:
        """Whatever happens inside is undone on leaving: a ``dryRun=All`` request is validated
        and answered as if it ran, and changes nothing (no write, no resourceVersion, no log
        entry, no watch event, no controller step)."""
        snapshot = self.store.snapshot()
        rollouts = copy.deepcopy(self.controllers.rollouts)
        running = copy.deepcopy(self.batch.running)
        try:
            yield
        finally:
            self.store.restore(snapshot)
            self.controllers.rollouts = rollouts
            self.batch.running = running

    # -- reads --------------------------------------------------------------------------------

    def list(
        self,
        resource: Resource,
        namespace: str | None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> Obj:
        labels = LabelSelector.parse(label_selector)
        fields = FieldSelector.parse(field_selector, FIELDS[resource.plural])
        chosen = [
            obj
            for obj in self.store.all(resource, namespace)
            if labels.matches(obj["metadata"].get("labels")) and fields.matches(obj)
        ]
        if resource is DEPLOYMENTS:
            items = [self.controllers.read(obj) for obj in chosen]
        elif resource is JOBS:
            items = [self.batch.read(obj) for obj in chosen]
        else:
            items = [copy.deepcopy(obj) for obj in chosen]
        return {
            "kind": f"{resource.kind}List",
            "apiVersion": f"{resource.group}/v1" if resource.group else "v1",
            "metadata": {"resourceVersion": str(self.store.resource_version)},
            "items": items,
        }

    def get(self, resource: Resource, namespace: str, name: str) -> Obj:
        obj = self.store.get(resource, namespace, name)
        if resource is DEPLOYMENTS:
            stored = self.store.find(resource, namespace, name)
            assert stored is not None
            obj = self.controllers.read(stored)
        elif resource is JOBS:
            stored = self.store.find(resource, namespace, name)
            assert stored is not None
            obj = self.batch.read(stored)
        return obj

    # -- deployments --------------------------------------------------------------------------

    def replace_deployment(self, namespace: str, name: str, body: Any) -> Obj:
        return self._write_deployment(namespace, name, body, verb="update", patch_type=None)

    def patch_deployment(self, namespace: str, name: str, content_type: str, patch: Any) -> Obj:
        current = self.store.get(DEPLOYMENTS, namespace, name)
        patched = self._patched(DEPLOYMENTS, name, content_type, current, patch)
        return self._write_deployment(
            namespace, name, patched, verb="patch", patch_type=content_type
        )

    def _patched(
        self, resource: Resource, name: str, content_type: str, current: Obj, patch: Any
    ) -> Obj:
        try:
            return apply_patch(content_type, current, patch)
        except PatchError as exc:
            raise ApiError(
                422,
                "Invalid",
                f'{resource.kind}.{resource.group} "{name}" is invalid: {exc}',
                resource.details(name),
            ) from exc

    def _write_deployment(
        self,
        namespace: str,
        name: str,
        body: Any,
        *,
        verb: str,
        patch_type: str | None,
        subresource: str | None = None,
    ) -> Obj:
        stored = self.store.find(DEPLOYMENTS, namespace, name)
        if stored is None:
            self.store.get(DEPLOYMENTS, namespace, name)  # raises the 404
            raise AssertionError("unreachable")
        new = self._checked(DEPLOYMENTS, namespace, name, body, stored)
        spec = _valid_spec(name, new.get("spec"), stored["spec"]["selector"])
        template_changed = spec["template"] != stored["spec"]["template"]
        metadata = new["metadata"]
        generation = stored["metadata"].get("generation", 1)
        metadata["generation"] = generation + 1 if spec != stored["spec"] else generation
        new["status"] = stored.get("status", {})
        stored.clear()
        stored.update(new)
        self.store.put(
            DEPLOYMENTS,
            stored,
            verb=verb,
            actor="client",
            patch_type=patch_type,
            subresource=subresource,
        )
        answer = copy.deepcopy(stored)
        self.controllers.reconcile(stored, template_changed=template_changed)
        answer["kind"], answer["apiVersion"] = "Deployment", "apps/v1"
        return answer

    def _checked(
        self, resource: Resource, namespace: str, name: str, body: Any, stored: Obj
    ) -> Obj:
        """The written object, with the server's fields kept from ``stored``; refuses a body for
        another object (400) and a stale ``resourceVersion`` (409)."""
        if not isinstance(body, dict) or not isinstance(body.get("metadata", {}), dict):
            raise bad_request(f"the body of the request is not a {resource.kind} object")
        new = copy.deepcopy(body)
        metadata = new.setdefault("metadata", {})
        if metadata.get("name", name) != name:
            raise bad_request(
                f"the name of the object ({metadata['name']}) does not match the name on the "
                f"URL ({name})"
            )
        if metadata.get("namespace", namespace) != namespace:
            raise bad_request(
                "the namespace of the provided object does not match the namespace sent on the "
                "request"
            )
        version = metadata.get("resourceVersion")
        if version and version != stored["metadata"]["resourceVersion"]:
            raise conflict(resource, name)
        if metadata.get("uid") and metadata["uid"] != stored["metadata"]["uid"]:
            raise ApiError(
                409,
                "Conflict",
                f'Operation cannot be fulfilled on {resource.qualified} "{name}": Precondition '
                f"failed: UID in precondition: {metadata['uid']}, UID in object meta: "
                f"{stored['metadata']['uid']}",
                resource.details(name),
            )
        metadata["name"], metadata["namespace"] = name, namespace
        for field in _SERVER_FIELDS:
            if field in stored["metadata"]:
                metadata[field] = stored["metadata"][field]
        new.pop("kind", None)
        new.pop("apiVersion", None)
        return new

    def create_deployment(self, namespace: str, body: Any) -> Obj:
        """A new Deployment, with the API server's defaults; its controller makes the first
        ReplicaSet (revision 1) and pods."""
        if not isinstance(body, dict) or not isinstance(body.get("metadata"), dict):
            raise bad_request("the body of the request is not a Deployment object")
        new = copy.deepcopy(body)
        metadata = new["metadata"]
        name = metadata.get("name")
        if not isinstance(name, str) or not name:
            raise invalid(DEPLOYMENTS, "", "metadata.name", "", "name or generateName is required")
        if metadata.get("namespace", namespace) != namespace:
            raise bad_request(
                "the namespace of the provided object does not match the namespace sent on the "
                "request"
            )
        if self.store.find(DEPLOYMENTS, namespace, name) is not None:
            raise ApiError(
                409,
                "AlreadyExists",
                f'deployments.apps "{name}" already exists',
                DEPLOYMENTS.details(name),
            )
        spec = new.get("spec")
        if isinstance(spec, dict):
            spec.setdefault("replicas", 1)
            spec.setdefault(
                "strategy",
                {
                    "type": "RollingUpdate",
                    "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
                },
            )
            spec.setdefault("revisionHistoryLimit", 10)
            spec.setdefault("progressDeadlineSeconds", 600)
        selector = spec.get("selector") if isinstance(spec, dict) else None
        if not isinstance(selector, dict) or not selector.get("matchLabels"):
            raise invalid(DEPLOYMENTS, name, "spec.selector", selector, "empty selector is invalid")
        new["spec"] = _valid_spec(name, spec, selector)
        new.pop("kind", None)
        new.pop("apiVersion", None)
        new.pop("status", None)
        metadata.update(
            namespace=namespace,
            uid=self.store.new_uid(),
            generation=1,
            creationTimestamp=iso(self.clock.now()),
        )
        metadata.pop("resourceVersion", None)
        new["status"] = {}
        self.store.put(DEPLOYMENTS, new, verb="create", actor="client")
        answer = copy.deepcopy(new)
        self.controllers.reconcile(new, template_changed=True)
        answer["kind"], answer["apiVersion"] = "Deployment", "apps/v1"
        return answer

    # -- scale --------------------------------------------------------------------------------

    def scale(self, namespace: str, name: str) -> Obj:
        self.store.get(DEPLOYMENTS, namespace, name)
        stored = self.store.find(DEPLOYMENTS, namespace, name)
        assert stored is not None
        deployment = self.controllers.read(stored)
        metadata = deployment["metadata"]
        return {
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "uid": metadata["uid"],
                "resourceVersion": metadata["resourceVersion"],
                "creationTimestamp": metadata["creationTimestamp"],
            },
            "spec": {"replicas": deployment["spec"]["replicas"]},
            "status": {
                "replicas": deployment.get("status", {}).get("replicas", 0),
                "selector": selector_string(deployment["spec"]["selector"].get("matchLabels", {})),
            },
        }

    def replace_scale(self, namespace: str, name: str, body: Any) -> Obj:
        return self._write_scale(namespace, name, body, verb="update", patch_type=None)

    def patch_scale(self, namespace: str, name: str, content_type: str, patch: Any) -> Obj:
        current = self.scale(namespace, name)
        patched = self._patched(DEPLOYMENTS, name, content_type, current, patch)
        return self._write_scale(namespace, name, patched, verb="patch", patch_type=content_type)

    def _write_scale(
        self, namespace: str, name: str, body: Any, *, verb: str, patch_type: str | None
    ) -> Obj:
        stored = self.store.find(DEPLOYMENTS, namespace, name)
        if stored is None:
            self.store.get(DEPLOYMENTS, namespace, name)
            raise AssertionError("unreachable")
        if not isinstance(body, dict) or not isinstance(body.get("spec"), dict):
            raise bad_request("the body of the request is not a Scale object")
        metadata = body.get("metadata") or {}
        version = metadata.get("resourceVersion")
        if version and version != stored["metadata"]["resourceVersion"]:
            raise conflict(DEPLOYMENTS, name)
        deployment = copy.deepcopy(stored)
        deployment["spec"]["replicas"] = body["spec"].get("replicas", 0)
        self._write_deployment(
            namespace, name, deployment, verb=verb, patch_type=patch_type, subresource="scale"
        )
        return self.scale(namespace, name)

    # -- pods ---------------------------------------------------------------------------------

    def patch_pod(self, namespace: str, name: str, content_type: str, patch: Any) -> Obj:
        """Change a pod's labels or annotations (as ``kubectl label`` and ``annotate`` do);
        the pod's spec and status stay the API server's and the kubelet's to change here."""
        stored = self.store.find(PODS, namespace, name)
        if stored is None:
            self.store.get(PODS, namespace, name)  # raises the 404
            raise AssertionError("unreachable")
        patched = self._patched(
            PODS, name, content_type, self.store.get(PODS, namespace, name), patch
        )
        new = self._checked(PODS, namespace, name, patched, stored)
        for part in ("spec", "status"):
            if new.get(part) != stored.get(part):
                raise ApiError(
                    422,
                    "Invalid",
                    f'Pod "{name}" is invalid: {part}: Forbidden: the emulator lets a client '
                    "change only a pod's labels and annotations",
                    PODS.details(name),
                )
        stored.clear()
        stored.update(new)
        answer = self.store.put(PODS, stored, verb="patch", actor="client", patch_type=content_type)
        answer["kind"], answer["apiVersion"] = "Pod", "v1"
        return answer

    def delete_pod(self, namespace: str, name: str, options: Any) -> Obj:
        """Delete the pod at once (as with a grace period of 0) and answer it with its
        ``deletionTimestamp``; its ReplicaSet, if any, replaces it under a new name."""
        pod = self.store.get(PODS, namespace, name)
        preconditions = options.get("preconditions") if isinstance(options, dict) else None
        if isinstance(preconditions, dict):
            for field, label in (("resourceVersion", "ResourceVersion"), ("uid", "UID")):
                wanted = preconditions.get(field)
                if wanted and wanted != pod["metadata"][field]:
                    raise ApiError(
                        409,
                        "Conflict",
                        f'Operation cannot be fulfilled on pods "{name}": Precondition failed: '
                        f"{label} in precondition: {wanted}, {label} in object meta: "
                        f"{pod['metadata'][field]}",
                        PODS.details(name),
                    )
        self.store.delete(PODS, namespace, name, actor="client")
        pod["metadata"]["deletionTimestamp"] = iso(self.clock.now())
        pod["metadata"]["deletionGracePeriodSeconds"] = 0
        for ref in pod["metadata"].get("ownerReferences", []):
            owner = self.store.find(REPLICA_SETS, namespace, ref.get("name", ""))
            if owner is not None and owner["metadata"]["uid"] == ref.get("uid"):
                self.controllers.sync_pods(owner)
        pod["kind"], pod["apiVersion"] = "Pod", "v1"
        return pod


def _valid_spec(name: str, spec: Any, selector: Any) -> Obj:
    """A Deployment's spec as the API server validates and defaults it; ``selector`` is the one
    it must keep (immutable once created)."""
    if not isinstance(spec, dict):
        raise invalid(DEPLOYMENTS, name, "spec", spec, "must be an object")
    replicas = spec.get("replicas", 1)
    if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
        raise invalid(
            DEPLOYMENTS, name, "spec.replicas", replicas, "must be greater than or equal to 0"
        )
    spec["replicas"] = replicas
    if spec.get("selector") != selector:
        raise invalid(
            DEPLOYMENTS, name, "spec.selector", spec.get("selector"), "field is immutable"
        )
    template = spec.get("template")
    if not isinstance(template, dict) or not (template.get("spec") or {}).get("containers"):
        raise invalid(DEPLOYMENTS, name, "spec.template.spec.containers", [], "Required value")
    labels = (template.get("metadata") or {}).get("labels") or {}
    if not LabelSelector.parse(selector_string(selector.get("matchLabels", {}))).matches(labels):
        raise invalid(
            DEPLOYMENTS,
            name,
            "spec.template.metadata.labels",
            labels,
            "`selector` does not match template `labels`",
        )
    spec["template"] = default_template(template)
    return spec
