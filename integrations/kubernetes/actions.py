"""The cluster executors (the core's ``ClusterActions``) through the official ``kubernetes``
client: plan (read, never write), execute once, verify.

Executing re-reads the target and plans again; a plan whose hash no longer matches is not run.
The write then carries the resourceVersion of that fresh read (a ``metadata.resourceVersion``
in the patch, a precondition on a delete), so a change that lands between the read and the
write is a 409 from the API server. No write is ever retried: the connection has urllib3's
retries off, and a failure comes back as the result, with its reason. Every call runs in a
worker thread within a deadline, as the evidence source's do.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import urllib3
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from bot.action.execution import (
    Checkpoint,
    CheckpointRecorder,
    ExecutionOutcome,
    ExecutionResult,
    Verification,
    VerificationOutcome,
)
from bot.action.plan import ActionParameters, ActionPlan, ActionTarget, ClusterActionKind
from bot.clock import Clock
from bot.errors import ActionPlanError
from integrations.kubernetes.batch_calls import (
    batch_names,
    batch_progress,
    read_batch,
    write_batch,
)
from integrations.kubernetes.calls import CALL_ERRORS, Budget, failure_reason
from integrations.kubernetes.connection import KubeConnection
from integrations.kubernetes.planning import (
    JSON_PATCH,
    check_parameters,
    delete_pod_plan,
    restart_plan,
    rollback_plan,
    scale_plan,
    set_env_plan,
    template_text,
)
from integrations.kubernetes.reading import selector_of
from integrations.kubernetes.rollout import replacement_progress, rollout_progress

__all__ = ["KubernetesActions"]

Kind = ClusterActionKind
BATCH_KINDS = (Kind.RERUN_JOB, Kind.CONFIG_CHANGE)


@dataclass(frozen=True, slots=True)
class _Read:
    """A plan as the cluster is now, with what the write and the checkpoint need."""

    plan: ActionPlan
    resource_version: str
    template: str | None


class KubernetesActions:
    """Implements ``ClusterActions``. ``deadline`` bounds each step (the plan's reads, the
    fresh read before a write, the write); ``poll_interval`` paces verification."""

    name = "Kubernetes"

    def __init__(
        self,
        connection: KubeConnection,
        *,
        clock: Clock,
        deadline: float,
        poll_interval: float = 1.0,
    ) -> None:
        """Raise :class:`~bot.errors.ConfigError` when the connection cannot be used."""
        if deadline <= 0 or poll_interval <= 0:
            raise ValueError("the deadline and the poll interval must be positive")
        self._configuration = connection.configuration()
        self._clock = clock
        self._deadline = deadline
        self._poll_interval = poll_interval

    # -- plan ---------------------------------------------------------------------------------

    async def locate(
        self, kind: ClusterActionKind, name: str, namespace: str | None
    ) -> ActionTarget:
        budget = Budget(self._deadline)
        try:
            found = await asyncio.to_thread(self._namespaces_with, kind, name, namespace, budget)
        except CALL_ERRORS as exc:
            reason = failure_reason(exc, budget)
            raise ActionPlanError(f"cannot look for {kind.resource} {name}: {reason}") from exc
        where = f"namespace {namespace}" if namespace is not None else "any namespace"
        if not found:
            raise ActionPlanError(f"no {kind.resource} called {name} in {where}")
        if len(found) > 1:
            raise ActionPlanError(
                f"{kind.resource} {name} is in several namespaces ({', '.join(sorted(found))}); "
                "the catalog must name the service's namespace"
            )
        return ActionTarget(found[0], name)

    def _namespaces_with(
        self, kind: ClusterActionKind, name: str, namespace: str | None, budget: Budget
    ) -> list[str]:
        """The namespaces holding ``name``: a list in ``namespace`` when one is given (what the
        Role in each target namespace grants), else across the cluster (which needs the
        optional ClusterRole in deploy/kubernetes/)."""
        selector = f"metadata.name={name}"
        timeout = budget.timeout()
        with client.ApiClient(self._configuration) as api:
            if kind in BATCH_KINDS:
                return batch_names(api, kind, name, namespace, budget)
            core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
            items: Any
            if kind is Kind.DELETE_POD and namespace is not None:
                items = core.list_namespaced_pod(
                    namespace, field_selector=selector, _request_timeout=timeout
                )
            elif kind is Kind.DELETE_POD:
                items = core.list_pod_for_all_namespaces(
                    field_selector=selector, _request_timeout=timeout
                )
            elif namespace is not None:
                items = apps.list_namespaced_deployment(
                    namespace, field_selector=selector, _request_timeout=timeout
                )
            else:
                items = apps.list_deployment_for_all_namespaces(
                    field_selector=selector, _request_timeout=timeout
                )
            return [str(item.metadata.namespace) for item in items.items]

    async def plan(
        self, kind: ClusterActionKind, target: ActionTarget, parameters: ActionParameters
    ) -> ActionPlan:
        check_parameters(kind, parameters)
        budget = Budget(self._deadline)
        try:
            read = await asyncio.to_thread(self._read, kind, target, parameters, budget)
        except CALL_ERRORS as exc:
            raise ActionPlanError(self._unreadable(kind, target, exc, budget)) from exc
        return read.plan

    def _unreadable(
        self, kind: ClusterActionKind, target: ActionTarget, exc: BaseException, budget: Budget
    ) -> str:
        if isinstance(exc, ApiException) and exc.status == 404:
            return f"{kind.resource} {target} not found"
        return f"cannot read {kind.resource} {target}: {failure_reason(exc, budget)}"

    def _read(
        self,
        kind: ClusterActionKind,
        target: ActionTarget,
        parameters: ActionParameters,
        budget: Budget,
    ) -> _Read:
        with client.ApiClient(self._configuration) as api:
            if kind in BATCH_KINDS:
                plan, version = read_batch(api, kind, target, parameters, budget)
                return _Read(plan, version, None)
            apps, serialize = client.AppsV1Api(api), api.sanitize_for_serialization
            ns, name = target.namespace, target.name
            if kind is Kind.DELETE_POD:
                pod: Any = client.CoreV1Api(api).read_namespaced_pod(
                    name, ns, _request_timeout=budget.timeout()
                )
                plan = delete_pod_plan(target, parameters, pod)
                return _Read(plan, pod.metadata.resource_version, None)
            deployment: Any = apps.read_namespaced_deployment(
                name, ns, _request_timeout=budget.timeout()
            )
            template = template_text(deployment, serialize)
            version = deployment.metadata.resource_version
            if kind is Kind.SCALE:
                replicas = deployment.spec.replicas if deployment.spec.replicas is not None else 1
                return _Read(scale_plan(target, parameters, replicas), version, template)
            if kind is Kind.RESTART:
                plan = restart_plan(target, parameters, deployment, self._clock.now())
                return _Read(plan, version, template)
            if kind is Kind.SET_ENV:
                return _Read(set_env_plan(target, parameters, deployment), version, template)
            replica_sets = apps.list_namespaced_replica_set(
                ns, label_selector=selector_of(deployment), _request_timeout=budget.timeout()
            ).items
            plan = rollback_plan(target, parameters, deployment, replica_sets, serialize)
            return _Read(plan, version, template)

    # -- execute ------------------------------------------------------------------------------

    async def execute(
        self, plan: ActionPlan, *, record_checkpoint: CheckpointRecorder | None = None
    ) -> ExecutionResult:
        approved = plan.plan_hash
        kind = plan.kind
        if not plan.executable or not isinstance(kind, ClusterActionKind):
            reason = plan.refusal or f"{kind.value} is not a cluster action"
            return ExecutionResult(ExecutionOutcome.NOT_EXECUTABLE, approved, reason)
        budget = Budget(self._deadline)
        try:
            fresh = await asyncio.to_thread(self._read, kind, plan.target, plan.parameters, budget)
        except CALL_ERRORS as exc:
            reason = self._unreadable(kind, plan.target, exc, budget)
            return ExecutionResult(ExecutionOutcome.FAILED, approved, f"nothing written: {reason}")
        if fresh.plan.plan_hash != approved:
            return ExecutionResult(
                ExecutionOutcome.PLAN_CHANGED,
                approved,
                f"plan changed: {fresh.plan.summary}; nothing written",
                fresh_plan=fresh.plan,
            )
        checkpoint = Checkpoint(
            plan.kind,
            plan.target,
            fresh.plan.current,
            fresh.resource_version,
            self._clock.now(),
            fresh.template,
            plan.reversal,
        )
        if record_checkpoint is not None:
            await record_checkpoint(checkpoint)
        budget = Budget(self._deadline)
        try:
            await asyncio.to_thread(self._write, plan, fresh.resource_version, budget)
        except CALL_ERRORS as exc:
            reason = failure_reason(exc, budget)
            sent = not isinstance(exc, urllib3.exceptions.NewConnectionError)
            if sent and not isinstance(exc, ApiException):
                reason += "; the write may have been applied: look before trying again"
            return ExecutionResult(
                ExecutionOutcome.FAILED, approved, reason, checkpoint, write_sent=sent
            )
        return ExecutionResult(
            ExecutionOutcome.SUCCEEDED, approved, None, checkpoint, write_sent=True
        )

    def _write(self, plan: ActionPlan, resource_version: str, budget: Budget) -> None:
        """Send the plan's request once, conditional on ``resource_version``."""
        request = plan.request
        assert request is not None  # plan.executable was checked
        body = request.json()
        ns, name = plan.target.namespace, plan.target.name
        with client.ApiClient(self._configuration) as api:
            if plan.kind in BATCH_KINDS:
                write_batch(api, plan, resource_version, budget)
                return
            if plan.kind is Kind.DELETE_POD:
                body["preconditions"]["resourceVersion"] = resource_version
                client.CoreV1Api(api).delete_namespaced_pod(
                    name, ns, body=body, _request_timeout=budget.timeout()
                )
                return
            if request.content_type == JSON_PATCH:
                body.append(
                    {
                        "op": "replace",
                        "path": "/metadata/resourceVersion",
                        "value": resource_version,
                    }
                )
            else:
                body.setdefault("metadata", {})["resourceVersion"] = resource_version
            apps = client.AppsV1Api(api)
            call = (
                apps.patch_namespaced_deployment_scale
                if plan.kind is Kind.SCALE
                else apps.patch_namespaced_deployment
            )
            call(
                name,
                ns,
                body,
                _content_type=request.content_type,
                _request_timeout=budget.timeout(),
            )

    # -- verify -------------------------------------------------------------------------------

    async def verify(self, plan: ActionPlan, *, deadline: float) -> Verification:
        budget = Budget(deadline)
        checks, detail = 0, "not checked"
        while True:
            checks += 1
            try:
                done, detail = await asyncio.to_thread(self._progress, plan, budget)
            except CALL_ERRORS as exc:
                done = False
                if budget.left() > 0 or checks == 1:  # else: the last thing seen says more
                    detail = f"cannot read {plan.target}: {failure_reason(exc, budget)}"
            if done:
                return Verification(VerificationOutcome.VERIFIED, detail, checks)
            if done is None:  # finished, and not as the action meant (a re-run that failed)
                return Verification(VerificationOutcome.NOT_VERIFIED, detail, checks)
            if budget.left() <= 0:
                return Verification(
                    VerificationOutcome.NOT_VERIFIED,
                    f"not done within {deadline:g}s: {detail}",
                    checks,
                )
            await asyncio.sleep(min(self._poll_interval, budget.left()))

    def _progress(self, plan: ActionPlan, budget: Budget) -> tuple[bool | None, str]:
        with client.ApiClient(self._configuration) as api:
            if plan.kind in BATCH_KINDS:
                return batch_progress(api, plan, budget)
            ns, name = plan.target.namespace, plan.target.name
            if plan.kind is Kind.DELETE_POD:
                owner = plan.current.owner or ""
                replica_set = client.AppsV1Api(api).read_namespaced_replica_set(
                    owner, ns, _request_timeout=budget.timeout()
                )
                pods = (
                    client.CoreV1Api(api)
                    .list_namespaced_pod(
                        ns,
                        label_selector=selector_of(replica_set),
                        _request_timeout=budget.timeout(),
                    )
                    .items
                )
                return replacement_progress(plan, replica_set, pods)
            deployment = client.AppsV1Api(api).read_namespaced_deployment(
                name, ns, _request_timeout=budget.timeout()
            )
            return rollout_progress(plan, deployment)
