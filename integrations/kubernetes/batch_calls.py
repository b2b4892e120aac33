"""The client calls behind a job re-run and a config change: read the CronJob and its Jobs or
the ConfigMap (a plan), send the Job or the patch (the write), read the Job or the key back
(verification). Blocking: the caller runs them in a worker thread within its budget."""

from __future__ import annotations

from typing import Any

from kubernetes import client

from bot.action.plan import ActionParameters, ActionPlan, ActionTarget, ClusterActionKind
from integrations.kubernetes.calls import Budget
from integrations.kubernetes.planning_batch import (
    MERGE_PATCH,
    config_change_plan,
    job_state,
    rerun_job_plan,
)

__all__ = ["batch_names", "batch_progress", "read_batch", "write_batch"]

Kind = ClusterActionKind


def batch_names(
    api: client.ApiClient, kind: ClusterActionKind, name: str, namespace: str | None, budget: Budget
) -> list[str]:
    """The namespaces holding the CronJob or ConfigMap ``name``."""
    options: dict[str, Any] = {
        "field_selector": f"metadata.name={name}",
        "_request_timeout": budget.timeout(),
    }
    items: Any
    if kind is Kind.RERUN_JOB:
        batch = client.BatchV1Api(api)
        if namespace is not None:
            items = batch.list_namespaced_cron_job(namespace, **options)
        else:
            items = batch.list_cron_job_for_all_namespaces(**options)
    else:
        core = client.CoreV1Api(api)
        if namespace is not None:
            items = core.list_namespaced_config_map(namespace, **options)
        else:
            items = core.list_config_map_for_all_namespaces(**options)
    return [str(item.metadata.namespace) for item in items.items]


def read_batch(
    api: client.ApiClient,
    kind: ClusterActionKind,
    target: ActionTarget,
    parameters: ActionParameters,
    budget: Budget,
) -> tuple[ActionPlan, str]:
    """The plan as the cluster is now, and the resourceVersion of the object read."""
    ns, name = target.namespace, target.name
    if kind is Kind.RERUN_JOB:
        batch = client.BatchV1Api(api)
        cron_job: Any = batch.read_namespaced_cron_job(name, ns, _request_timeout=budget.timeout())
        jobs = batch.list_namespaced_job(ns, _request_timeout=budget.timeout()).items
        plan = rerun_job_plan(target, parameters, cron_job, jobs, api.sanitize_for_serialization)
        return plan, str(cron_job.metadata.resource_version)
    config_map: Any = client.CoreV1Api(api).read_namespaced_config_map(
        name, ns, _request_timeout=budget.timeout()
    )
    return config_change_plan(target, parameters, config_map), str(
        config_map.metadata.resource_version
    )


def write_batch(
    api: client.ApiClient, plan: ActionPlan, resource_version: str, budget: Budget
) -> None:
    """Send the plan's request once: the Job (its name makes a second create a 409), or the
    ConfigMap patch conditional on ``resource_version``."""
    request = plan.request
    assert request is not None  # plan.executable was checked
    body = request.json()
    ns = plan.target.namespace
    if plan.kind is Kind.RERUN_JOB:
        client.BatchV1Api(api).create_namespaced_job(ns, body, _request_timeout=budget.timeout())
        return
    body.setdefault("metadata", {})["resourceVersion"] = resource_version
    client.CoreV1Api(api).patch_namespaced_config_map(
        plan.target.name,
        ns,
        body,
        _content_type=MERGE_PATCH,
        _request_timeout=budget.timeout(),
    )


def batch_progress(
    api: client.ApiClient, plan: ActionPlan, budget: Budget
) -> tuple[bool | None, str]:
    """``(True, seen)`` once the re-run completed or the key holds its new value; ``(None,
    seen)`` when the re-run failed (it will not complete); ``(False, seen)`` meanwhile."""
    ns = plan.target.namespace
    if plan.kind is Kind.RERUN_JOB:
        name = plan.desired.job or ""
        job: Any = client.BatchV1Api(api).read_namespaced_job(
            name, ns, _request_timeout=budget.timeout()
        )
        state = job_state(job)
        status = job.status
        counts = (
            f"{(status.succeeded or 0) if status else 0}/{job.spec.completions or 1} succeeded, "
            f"{(status.failed or 0) if status else 0} failed"
        )
        if state == "Complete":
            return True, f"job {name} completed ({counts})"
        if state == "Failed":
            reason = next(
                (c.reason for c in (status.conditions or []) if c.type == "Failed"), "failed"
            )
            return None, f"job {name} failed: {reason} ({counts})"
        return False, f"job {name} is running ({counts})"
    config_map: Any = client.CoreV1Api(api).read_namespaced_config_map(
        plan.target.name, ns, _request_timeout=budget.timeout()
    )
    key = plan.parameters.key or ""
    now = (config_map.data or {}).get(key)
    if now == plan.desired.value:
        return True, f"configmap {plan.target} has {key}={now}"
    return False, f"configmap {plan.target} has {key}={now}, not {plan.desired.value}"
