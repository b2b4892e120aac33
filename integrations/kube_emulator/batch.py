"""batch/v1 CronJobs and Jobs, and core/v1 ConfigMaps, as the API server and the job controller
keep them, as far as the bot (and ``kubectl create job --from=cronjob/X``) sees them.

A Job gets the API server's defaults (``completions``, ``parallelism``, ``backoffLimit``, the
``controller-uid`` selector and labels) and one pod. It runs for ``job_reads`` reads of it: each
read first sees the Job where it is, then moves it on, so a client polling it (as the bot's
verification does) sees it active and then finished. How it finishes is the scenario's: a
CronJob's seed may name ``fails_when`` environment values (``{SOURCE_DB_HOST: db-replica-2}``),
and a run of it whose container environment, resolved against the ConfigMaps as they stand when
the Job is created (``env``, ``valueFrom.configMapKeyRef``, ``envFrom.configMapRef``), holds
one of them fails with ``BackoffLimitExceeded``; any other run completes. That is how a job that
failed on a lagging source replica succeeds once its ConfigMap points at a healthy one.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from integrations.kube_emulator.controller import Controllers
from integrations.kube_emulator.objects import iso, owner_reference, pod_object, safe_hash
from integrations.kube_emulator.status import ApiError, Resource, bad_request, conflict, invalid
from integrations.kube_emulator.store import CONFIG_MAPS, CRON_JOBS, JOBS, PODS, Actor

__all__ = ["INSTANTIATE", "Batch", "environment_of"]

Obj = dict[str, Any]
INSTANTIATE = "cronjob.kubernetes.io/instantiate"
CONTROLLER_UID = "batch.kubernetes.io/controller-uid"
JOB_NAME = "batch.kubernetes.io/job-name"


def environment_of(template: Obj, config_maps: Mapping[str, Obj]) -> dict[str, str]:
    """The environment a pod of ``template`` starts with: ``envFrom`` ConfigMaps first, then
    ``env`` (a literal or a ConfigMap key), as the kubelet resolves them."""
    found: dict[str, str] = {}
    for container in (template.get("spec") or {}).get("containers") or []:
        for source in container.get("envFrom") or []:
            ref = (source.get("configMapRef") or {}).get("name")
            data = (config_maps.get(ref) or {}).get("data") or {} if ref else {}
            found.update({str(k): str(v) for k, v in data.items()})
        for entry in container.get("env") or []:
            if "value" in entry:
                found[str(entry["name"])] = str(entry["value"])
                continue
            ref = ((entry.get("valueFrom") or {}).get("configMapKeyRef")) or {}
            data = (config_maps.get(ref.get("name", "")) or {}).get("data") or {}
            if ref.get("key") in data:
                found[str(entry["name"])] = str(data[ref["key"]])
    return found


def _new_object(body: Any, namespace: str, resource: Resource) -> Obj:
    if not isinstance(body, dict) or not isinstance(body.get("metadata"), dict):
        raise bad_request(f"the body of the request is not a {resource.kind} object")
    new = copy.deepcopy(body)
    metadata = new["metadata"]
    name = metadata.get("name")
    if not isinstance(name, str) or not name:
        raise invalid(resource, "", "metadata.name", "", "name or generateName is required")
    if metadata.get("namespace", namespace) != namespace:
        raise bad_request(
            "the namespace of the provided object does not match the namespace sent on the request"
        )
    new.pop("kind", None)
    new.pop("apiVersion", None)
    new.pop("status", None)
    metadata.pop("resourceVersion", None)
    metadata["namespace"] = namespace
    return new


class Batch:
    """The operations behind the batch/v1 and ConfigMap routes, and the job controller."""

    def __init__(self, controllers: Controllers, *, job_reads: int = 1) -> None:
        self.controllers = controllers
        self.store = controllers.store
        self.clock = controllers.clock
        self.job_reads = job_reads
        self.fails_when: dict[tuple[str, str], dict[str, str]] = {}  # by CronJob
        self.running: dict[tuple[str, str], list[Any]] = {}  # Job -> [reads left, fails]

    # -- creating -----------------------------------------------------------------------------

    def create(
        self, resource: Resource, namespace: str, body: Any, *, actor: Actor = "client"
    ) -> Obj:
        """A new ConfigMap, CronJob or Job (409 ``AlreadyExists`` for a name taken)."""
        new = _new_object(body, namespace, resource)
        name = new["metadata"]["name"]
        if self.store.find(resource, namespace, name) is not None:
            raise ApiError(
                409,
                "AlreadyExists",
                f'{resource.qualified} "{name}" already exists',
                resource.details(name),
            )
        new["metadata"].update(uid=self.store.new_uid(), creationTimestamp=iso(self.clock.now()))
        if resource is JOBS:
            return self._start_job(new, actor=actor)
        if resource is CRON_JOBS:
            self._default_cron_job(new)
        elif resource is CONFIG_MAPS:
            _check_data(name, new.get("data"))
        if resource is not CONFIG_MAPS:
            new["metadata"]["generation"] = 1
        answer = self.store.put(resource, new, verb="create", actor=actor)
        answer["kind"], answer["apiVersion"] = resource.kind, _api_version(resource)
        return answer

    def _default_cron_job(self, cron_job: Obj) -> None:
        spec = cron_job.get("spec")
        name = cron_job["metadata"]["name"]
        if not isinstance(spec, dict) or not spec.get("schedule"):
            raise invalid(CRON_JOBS, name, "spec.schedule", "", "Required value")
        spec.setdefault("concurrencyPolicy", "Allow")
        spec.setdefault("suspend", False)
        spec.setdefault("successfulJobsHistoryLimit", 3)
        spec.setdefault("failedJobsHistoryLimit", 1)
        job_template = spec.get("jobTemplate")
        template = ((job_template or {}).get("spec") or {}).get("template") or {}
        if not (template.get("spec") or {}).get("containers"):
            raise invalid(
                CRON_JOBS,
                name,
                "spec.jobTemplate.spec.template.spec.containers",
                [],
                "Required value",
            )
        cron_job["status"] = {}

    def _start_job(self, job: Obj, *, actor: Actor) -> Obj:
        metadata, name = job["metadata"], job["metadata"]["name"]
        spec = job.get("spec")
        template = spec.get("template") if isinstance(spec, dict) else None
        if not isinstance(spec, dict) or not isinstance(template, dict):
            raise invalid(JOBS, name, "spec.template", None, "Required value")
        if not (template.get("spec") or {}).get("containers"):
            raise invalid(JOBS, name, "spec.template.spec.containers", [], "Required value")
        policy = template["spec"].setdefault("restartPolicy", "Never")
        if policy not in ("Never", "OnFailure"):
            raise invalid(
                JOBS,
                name,
                "spec.template.spec.restartPolicy",
                policy,
                'supported values: "OnFailure", "Never"',
            )
        uid = metadata["uid"]
        own = {CONTROLLER_UID: uid, JOB_NAME: name, "controller-uid": uid, "job-name": name}
        template.setdefault("metadata", {}).setdefault("labels", {}).update(own)
        metadata.setdefault("labels", {}).update({CONTROLLER_UID: uid, JOB_NAME: name})
        spec.setdefault("completions", 1)
        spec.setdefault("parallelism", 1)
        spec.setdefault("backoffLimit", 6)
        spec.setdefault("completionMode", "NonIndexed")
        spec.setdefault("suspend", False)
        spec["selector"] = {"matchLabels": {CONTROLLER_UID: uid}}
        metadata["generation"] = 1
        now = iso(self.clock.now())
        job["status"] = {"startTime": now, "active": 1, "ready": 0, "terminating": 0}
        config_maps = {
            cm["metadata"]["name"]: cm for cm in self.store.all(CONFIG_MAPS, metadata["namespace"])
        }
        fails = self._fails(job, environment_of(template, config_maps))
        answer = self.store.put(JOBS, job, verb="create", actor=actor)
        self._pod(job, phase="Running")
        self.running[(metadata["namespace"], name)] = [self.job_reads, fails]
        if self.job_reads <= 0:
            self._finish(job)
        answer["kind"], answer["apiVersion"] = "Job", "batch/v1"
        return answer

    def _fails(self, job: Obj, environment: Mapping[str, str]) -> bool:
        namespace = job["metadata"]["namespace"]
        for ref in job["metadata"].get("ownerReferences") or []:
            if ref.get("kind") != "CronJob":
                continue
            rules = self.fails_when.get((namespace, ref.get("name", "")), {})
            if any(environment.get(key) == value for key, value in rules.items()):
                return True
        return False

    def _pod(self, job: Obj, *, phase: str) -> None:
        metadata = job["metadata"]
        serial = self.store.serial()
        base = metadata["name"]
        name = f"{base}-{safe_hash(f'{base}/{serial}', 5)}"
        pod = pod_object(
            metadata["namespace"],
            name,
            self.store.new_uid(),
            template=job["spec"]["template"],
            owner=None,
            phase=phase,
            ready=phase == "Running",
            restarts=0,
            last_termination=None,
            created=self.clock.now(),
            ip=f"10.244.{serial // 250}.{serial % 250 + 2}",
        )
        pod["metadata"]["generateName"] = metadata["name"] + "-"
        pod["metadata"]["ownerReferences"] = [owner_reference("batch/v1", "Job", job)]
        self.store.put(PODS, pod, verb="create", actor="controller")

    # -- the job controller -------------------------------------------------------------------

    def read(self, job: Obj) -> Obj:
        """A client reads the Job: answer where it is, then move it on a step."""
        seen = copy.deepcopy(job)
        key = (job["metadata"]["namespace"], job["metadata"]["name"])
        if key in self.running:
            self.running[key][0] -= 1
            if self.running[key][0] <= 0:
                self._finish(job)
        return seen

    def _finish(self, job: Obj) -> None:
        metadata = job["metadata"]
        key = (metadata["namespace"], metadata["name"])
        _, fails = self.running.pop(key)
        now = iso(self.clock.now())
        for pod in self.store.all(PODS, metadata["namespace"]):
            refs = pod["metadata"].get("ownerReferences") or []
            if any(ref.get("uid") == metadata["uid"] for ref in refs):
                pod["status"]["phase"] = "Failed" if fails else "Succeeded"
                for condition in pod["status"].get("conditions", []):
                    if condition["type"] in ("Ready", "ContainersReady"):
                        condition["status"] = "False"
                pod["status"].pop("containerStatuses", None)
                self.store.put(PODS, pod, verb="update", actor="controller", subresource="status")
        status: Obj = {"startTime": job["status"].get("startTime", now), "ready": 0}
        if fails:
            limit = job["spec"].get("backoffLimit", 6)
            status["failed"] = limit + 1
            reason, message = "BackoffLimitExceeded", "Job has reached the specified backoff limit"
            status["conditions"] = [
                _condition("FailureTarget", now, reason, message),
                _condition("Failed", now, reason, message),
            ]
            self.controllers.event(
                job, "Job", "Warning", reason, message, component="job-controller"
            )
        else:
            status["succeeded"] = job["spec"].get("completions", 1)
            status["completionTime"] = now
            status["conditions"] = [
                _condition(
                    "SuccessCriteriaMet",
                    now,
                    "CompletionsReached",
                    "Reached expected number of succeeded pods",
                ),
                _condition(
                    "Complete",
                    now,
                    "CompletionsReached",
                    "Reached expected number of succeeded pods",
                ),
            ]
            self.controllers.event(
                job, "Job", "Normal", "Completed", "Job completed", component="job-controller"
            )
        status["terminating"] = 0
        status["uncountedTerminatedPods"] = {}
        job["status"] = status
        self.store.put(JOBS, job, verb="update", actor="controller", subresource="status")
        self._note_on_cron_job(job, now)

    def _note_on_cron_job(self, job: Obj, now: str) -> None:
        namespace = job["metadata"]["namespace"]
        for ref in job["metadata"].get("ownerReferences") or []:
            owner = self.store.find(CRON_JOBS, namespace, ref.get("name", ""))
            if ref.get("kind") == "CronJob" and owner is not None and "succeeded" in job["status"]:
                owner.setdefault("status", {})["lastSuccessfulTime"] = now
                self.store.put(
                    CRON_JOBS, owner, verb="update", actor="controller", subresource="status"
                )

    # -- ConfigMaps ---------------------------------------------------------------------------

    def write_config_map(
        self, namespace: str, name: str, new: Obj, *, verb: str, patch_type: str | None
    ) -> Obj:
        """Store ``new`` as the ConfigMap ``name`` (a replace, or a patch's result), with the
        API server's checks: the name, a stale resourceVersion (409), string data."""
        stored = self.store.find(CONFIG_MAPS, namespace, name)
        if stored is None:
            return self.store.get(CONFIG_MAPS, namespace, name)  # raises the 404
        metadata = new.setdefault("metadata", {})
        if metadata.get("name", name) != name:
            raise bad_request(
                f"the name of the object ({metadata['name']}) does not match the name on the "
                f"URL ({name})"
            )
        version = metadata.get("resourceVersion")
        if version and version != stored["metadata"]["resourceVersion"]:
            raise conflict(CONFIG_MAPS, name)
        _check_data(name, new.get("data"))
        for field in ("uid", "creationTimestamp"):
            metadata[field] = stored["metadata"][field]
        metadata["name"], metadata["namespace"] = name, namespace
        new.pop("kind", None)
        new.pop("apiVersion", None)
        stored.clear()
        stored.update(new)
        answer = self.store.put(
            CONFIG_MAPS, stored, verb=verb, actor="client", patch_type=patch_type
        )
        answer["kind"], answer["apiVersion"] = "ConfigMap", "v1"
        return answer


def _condition(kind: str, at: str, reason: str, message: str) -> Obj:
    return {
        "type": kind,
        "status": "True",
        "lastProbeTime": at,
        "lastTransitionTime": at,
        "reason": reason,
        "message": message,
    }


def _check_data(name: str, data: Any) -> None:
    if data is None:
        return
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise invalid(CONFIG_MAPS, name, "data", data, "must be a map of strings")


def _api_version(resource: Resource) -> str:
    return f"{resource.group}/v1" if resource.group else "v1"
