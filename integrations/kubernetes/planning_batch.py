"""Dry-run plans for a job re-run and a config change, from what the ``kubernetes`` client read:
pure functions saying what ``kubectl create job NAME --from=cronjob/X`` and ``kubectl patch
configmap`` would send and change. The SDK's types stop here.

A re-run's Job is named from the CronJob's uid and its latest run, so the same plan always
names the same Job: a second create of it (a double run by two replicas, a retried write) is a
409 ``AlreadyExists`` from the API server, never a second run. Once the re-run exists it is the
CronJob's latest run, and a fresh plan names another Job.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from bot.action.plan import (
    ActionParameters,
    ActionPlan,
    ActionTarget,
    ClusterActionKind,
    ClusterRequest,
    ObservedState,
    Reversal,
)
from bot.errors import ActionPlanError

__all__ = [
    "INSTANTIATE",
    "check_batch_parameters",
    "config_change_plan",
    "job_state",
    "rerun_job_plan",
]

INSTANTIATE = "cronjob.kubernetes.io/instantiate"
MERGE_PATCH = "application/merge-patch+json"
Kind = ClusterActionKind


def check_batch_parameters(kind: ClusterActionKind, parameters: ActionParameters) -> None:
    """:class:`ActionPlanError` for parameters a re-run or a config change does not take."""
    if parameters.replicas is not None or parameters.to_revision is not None:
        raise ActionPlanError(f"a {kind.value} takes no replicas and no revision")
    if kind is Kind.RERUN_JOB and (parameters.key is not None or parameters.value is not None):
        raise ActionPlanError("a job re-run takes no key and no value")
    if kind in (Kind.CONFIG_CHANGE, Kind.SET_ENV) and (
        not parameters.key or parameters.value is None
    ):
        raise ActionPlanError("a config change needs the key and its new value")


def job_state(job: Any) -> str:
    """``Complete``, ``Failed`` or ``Active``, from the Job's conditions."""
    for condition in (job.status.conditions if job.status else None) or []:
        if condition.status == "True" and condition.type in ("Complete", "Failed"):
            return str(condition.type)
    return "Active"


def _owned_runs(cron_job: Any, jobs: Iterable[Any]) -> list[Any]:
    uid = cron_job.metadata.uid
    owned = [
        job for job in jobs if any(ref.uid == uid for ref in (job.metadata.owner_references or ()))
    ]
    return sorted(owned, key=lambda job: (str(job.metadata.creation_timestamp), job.metadata.name))


def _job_name(cron_job: Any, latest: str | None) -> str:
    digest = hashlib.sha256(f"{cron_job.metadata.uid}/{latest}".encode()).hexdigest()[:8]
    return f"{cron_job.metadata.name[:40]}-rerun-{digest}"


def rerun_job_plan(
    target: ActionTarget,
    parameters: ActionParameters,
    cron_job: Any,
    jobs: Iterable[Any],
    serialize: Any,
) -> ActionPlan:
    """Like ``kubectl create job NAME --from=cronjob/X``: a Job of the CronJob's job template,
    owned by the CronJob and annotated ``cronjob.kubernetes.io/instantiate: manual``. Refused
    while a run of it is still active (two runs would write the same window twice)."""
    runs = _owned_runs(cron_job, jobs)
    latest = runs[-1] if runs else None
    state = job_state(latest) if latest is not None else None
    current = ObservedState(
        uid=cron_job.metadata.uid,
        job=latest.metadata.name if latest is not None else None,
        job_state=state,
    )
    active = [job.metadata.name for job in runs if job_state(job) == "Active"]
    if active:
        reason = f"a run of {target} is still active (job {active[-1]}): wait for it to finish"
        return ActionPlan(
            Kind.RERUN_JOB, target, parameters, current, current, None, None, reason, reason
        )
    name = _job_name(cron_job, current.job)
    template = serialize(cron_job.spec.job_template)
    metadata = dict(template.get("metadata") or {})
    annotations = {**(metadata.get("annotations") or {}), INSTANTIATE: "manual"}
    body = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "namespace": target.namespace,
            "labels": metadata.get("labels") or {},
            "annotations": annotations,
            "ownerReferences": [
                {
                    "apiVersion": "batch/v1",
                    "kind": "CronJob",
                    "name": target.name,
                    "uid": cron_job.metadata.uid,
                    "controller": True,
                }
            ],
        },
        "spec": template.get("spec") or {},
    }
    request = ClusterRequest.of(
        "POST", f"/apis/batch/v1/namespaces/{target.namespace}/jobs", None, body
    )
    desired = ObservedState(uid=cron_job.metadata.uid, job=name, job_state="Complete")
    last = f"its last run {current.job} {state.lower()}" if current.job and state else "no run yet"
    summary = f"Re-run cronjob {target} as job {name} ({last})"
    return ActionPlan(Kind.RERUN_JOB, target, parameters, current, desired, request, None, summary)


def config_change_plan(
    target: ActionTarget, parameters: ActionParameters, config_map: Any
) -> ActionPlan:
    """Like ``kubectl patch configmap NAME -p '{"data": {KEY: VALUE}}'``; undone by setting the
    old value back. A key the ConfigMap does not hold, or a value already in place, is refused."""
    key, value = parameters.key, parameters.value
    assert key is not None  # check_batch_parameters ran first
    assert value is not None
    data = config_map.data or {}
    current = ObservedState(uid=config_map.metadata.uid, value=data.get(key))
    if key not in data:
        reason = f"configmap {target} has no key {key}"
        return ActionPlan(
            Kind.CONFIG_CHANGE, target, parameters, current, current, None, None, reason, reason
        )
    old = str(data[key])
    if old == value:
        reason = f"configmap {target} already has {key}={value}"
        return ActionPlan(
            Kind.CONFIG_CHANGE, target, parameters, current, current, None, None, reason, reason
        )
    request = ClusterRequest.of(
        "PATCH",
        f"/api/v1/namespaces/{target.namespace}/configmaps/{target.name}",
        MERGE_PATCH,
        {"data": {key: value}},
    )
    back = Reversal(
        Kind.CONFIG_CHANGE,
        target,
        ActionParameters(key=key, value=old),
        f"set {key} in configmap {target} back to {old}",
    )
    desired = ObservedState(uid=config_map.metadata.uid, value=value)
    summary = f"Set {key} in configmap {target} from {old} to {value}"
    return ActionPlan(
        Kind.CONFIG_CHANGE, target, parameters, current, desired, request, back, summary
    )
