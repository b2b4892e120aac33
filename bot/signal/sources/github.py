"""GitHub repository or organization webhooks: failed deploys as signals.

The event comes from the ``X-GitHub-Event`` header; without it (a replayed payload) from the
body's shape. Two events can be signals:

- ``deployment_status`` whose ``deployment_status.state`` is ``failure`` or ``error``
- ``workflow_run`` with ``action: completed`` and ``conclusion`` ``failure``, ``timed_out`` or
  ``startup_failure`` (the deploy did not finish either way), of a workflow whose
  name matches one of the configured deploy workflows (``GITHUB_DEPLOY_WORKFLOWS``: names or
  shell-style patterns, default ``["*deploy*", "*release*"]``, compared case-insensitively)

Everything else (other states and conclusions, other workflows, ``ping``, other events) yields no
signal, and the webhook answers 2xx.

Mapping (also in docs/alert-sources.md):

- service: ``deployment.payload.service`` when the deployment names one (``payload`` an object,
  or a JSON string of one); else the repository ``name``, lower-cased
- severity: sev2 for a deployment to ``production``/``prod`` or one GitHub marks
  ``production_environment``; else the default (sev3). A workflow run has no environment: sev3.
- status: always firing (a failed deploy has no resolve)
- started at: ``deployment_status.created_at``; a workflow run's ``updated_at`` (when it ended)
- title: what failed, where, and the short sha; description: the status description or the run's
  title, ref, who deployed
- links: the deploy log (``log_url``, else ``target_url``), the environment URL, the run's
  ``html_url``, the commit
- owner: none (the catalog names it)
- fingerprint: ``github:<owner/repo>:<environment or workflow name>:<sha>``
- delivery id: the ``X-GitHub-Delivery`` header (kept on redeliveries), else the SHA-256 of the
  body
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from fnmatch import fnmatchcase
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from bot.errors import PayloadError
from bot.signal.severity import DEFAULT_SEVERITY, ENVIRONMENT_SEVERITY
from bot.signal.sources.common import Delivery, alert_time, bounded, first_present, validate
from bot.signal.values import AlertSource, Link, Severity, Signal, SignalStatus


def is_deploy_workflow(name: str, patterns: Sequence[str]) -> bool:
    """True when the workflow ``name`` matches one of ``patterns`` (names, or shell-style
    patterns such as ``*deploy*``), ignoring case."""
    folded = name.casefold()
    return any(fnmatchcase(folded, pattern.casefold()) for pattern in patterns)


__all__ = [
    "FAILED_DEPLOY_STATES",
    "FAILED_RUN_CONCLUSIONS",
    "infer_event",
    "is_deploy_workflow",
    "normalize",
]

FAILED_DEPLOY_STATES = frozenset({"failure", "error"})
FAILED_RUN_CONCLUSIONS = frozenset({"failure", "timed_out", "startup_failure"})


class _User(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    login: str = ""


class _Repository(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    name: str = Field(min_length=1)
    full_name: str = Field(min_length=1)
    html_url: str = ""


class _DeploymentStatus(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    state: str = Field(min_length=1)
    environment: str = ""
    description: str | None = None
    target_url: str | None = None
    log_url: str | None = None
    environment_url: str | None = None
    creator: _User | None = None
    created_at: datetime

    @field_validator("created_at")
    @classmethod
    def _aware(cls, value: datetime, info: ValidationInfo) -> datetime:
        return alert_time(value, info)


class _Deployment(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    sha: str = Field(min_length=1)
    ref: str = ""
    task: str = ""
    environment: str = ""
    payload: dict[str, object] | str | None = None
    production_environment: bool | None = None
    creator: _User | None = None


class _DeploymentStatusEvent(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    action: str = "created"
    deployment_status: _DeploymentStatus
    deployment: _Deployment
    repository: _Repository


class _WorkflowRun(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    name: str | None = None
    display_title: str | None = None
    head_sha: str = Field(min_length=1)
    head_branch: str | None = None
    html_url: str = ""
    status: str | None = None
    conclusion: str | None = None
    run_number: int | None = None
    actor: _User | None = None
    triggering_actor: _User | None = None
    updated_at: datetime

    @field_validator("updated_at")
    @classmethod
    def _aware(cls, value: datetime, info: ValidationInfo) -> datetime:
        return alert_time(value, info)


class _Workflow(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    name: str = ""


class _WorkflowRunEvent(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    action: str = Field(min_length=1)
    workflow_run: _WorkflowRun
    workflow: _Workflow | None = None
    repository: _Repository


def infer_event(payload: object) -> str | None:
    """The ``X-GitHub-Event`` a body implies (``deployment_status``, ``workflow_run``, ``ping``);
    None when its shape shows none of them."""
    if not isinstance(payload, Mapping):
        return None
    if "deployment_status" in payload:
        return "deployment_status"
    if "workflow_run" in payload:
        return "workflow_run"
    if "zen" in payload and "hook_id" in payload:
        return "ping"
    return None


def _named_service(deployment: _Deployment) -> str | None:
    payload = deployment.payload
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except json.JSONDecodeError:
            return None
    service = payload.get("service") if isinstance(payload, dict) else None
    return service.strip() if isinstance(service, str) and service.strip() else None


def _deploy_severity(environment: str, deployment: _Deployment) -> Severity:
    if deployment.production_environment:
        return ENVIRONMENT_SEVERITY["production"]
    return ENVIRONMENT_SEVERITY.get(environment.lower()) or DEFAULT_SEVERITY[AlertSource.GITHUB]


def _delivery_id(delivery: Delivery) -> str:
    return bounded(delivery.header("X-GitHub-Delivery") or delivery.body_digest)


def _failed_deployment(event: _DeploymentStatusEvent, delivery: Delivery) -> Signal:
    status, deployment, repo = event.deployment_status, event.deployment, event.repository
    environment = status.environment or deployment.environment or "unknown"
    who = first_present(
        deployment.creator.login if deployment.creator else None,
        status.creator.login if status.creator else None,
    )
    description = [status.description or ""]
    if deployment.ref:
        description.append(f"Ref {deployment.ref} at {deployment.sha}")
    if who:
        description.append(f"Deployed by {who}")
    links = [
        Link(title, url)
        for title, url in (
            ("Deploy log", first_present(status.log_url, status.target_url)),
            ("Environment", status.environment_url),
            ("Commit", f"{repo.html_url}/commit/{deployment.sha}" if repo.html_url else None),
        )
        if url
    ]
    labels = {
        "repository": repo.full_name,
        "environment": environment,
        "ref": deployment.ref,
        "sha": deployment.sha,
        "deploy_state": status.state,
        "deployed_by": who or "",
    }
    return Signal(
        source=AlertSource.GITHUB,
        service=bounded(_named_service(deployment) or repo.name.lower()),
        severity=_deploy_severity(environment, deployment),
        status=SignalStatus.FIRING,
        started_at=status.created_at,
        title=f"Deploy of {repo.full_name}@{deployment.sha[:7]} to {environment}: {status.state}",
        fingerprint=bounded(f"github:{repo.full_name}:{environment}:{deployment.sha}"),
        delivery_id=_delivery_id(delivery),
        description="\n".join(line for line in description if line),
        links=tuple(links),
        labels=MappingProxyType({key: value for key, value in labels.items() if value}),
    )


_ENDED = {"failure": "failed", "timed_out": "timed out", "startup_failure": "failed to start"}


def _failed_workflow(event: _WorkflowRunEvent, name: str, delivery: Delivery) -> Signal:
    run, repo = event.workflow_run, event.repository
    who = first_present(
        run.actor.login if run.actor else None,
        run.triggering_actor.login if run.triggering_actor else None,
    )
    description = [run.display_title or ""]
    if run.head_branch:
        description.append(f"Branch {run.head_branch} at {run.head_sha}")
    if who:
        description.append(f"Run by {who}")
    links = [Link("Workflow run", run.html_url)] if run.html_url else []
    if repo.html_url:
        links.append(Link("Commit", f"{repo.html_url}/commit/{run.head_sha}"))
    labels = {
        "repository": repo.full_name,
        "workflow": name,
        "branch": run.head_branch or "",
        "sha": run.head_sha,
        "run_number": "" if run.run_number is None else str(run.run_number),
        "conclusion": (run.conclusion or "").lower(),
        "deployed_by": who or "",
    }
    return Signal(
        source=AlertSource.GITHUB,
        service=bounded(repo.name.lower()),
        severity=DEFAULT_SEVERITY[AlertSource.GITHUB],
        status=SignalStatus.FIRING,
        started_at=run.updated_at,
        title=f"Deploy workflow {name!r} {_ENDED[(run.conclusion or '').lower()]} for "
        f"{repo.full_name}@{run.head_sha[:7]}",
        fingerprint=bounded(f"github:{repo.full_name}:{name}:{run.head_sha}"),
        delivery_id=_delivery_id(delivery),
        description="\n".join(line for line in description if line),
        links=tuple(links),
        labels=MappingProxyType({key: value for key, value in labels.items() if value}),
    )


def normalize(payload: object, delivery: Delivery) -> Sequence[Signal]:
    """A failed deploy as one signal; none for anything else GitHub sends."""
    event = delivery.header("X-GitHub-Event") or infer_event(payload)
    if event is None:
        raise PayloadError(
            "no X-GitHub-Event header, and the body is neither a deployment_status nor a "
            "workflow_run event",
            field="body",
        )
    if event == "deployment_status":
        deployment = validate(_DeploymentStatusEvent, payload, received_at=delivery.received_at)
        if deployment.deployment_status.state.lower() not in FAILED_DEPLOY_STATES:
            return []
        return [_failed_deployment(deployment, delivery)]
    if event == "workflow_run":
        run = validate(_WorkflowRunEvent, payload, received_at=delivery.received_at)
        name = first_present(run.workflow_run.name, run.workflow.name if run.workflow else None)
        if (
            run.action != "completed"
            or (run.workflow_run.conclusion or "").lower() not in FAILED_RUN_CONCLUSIONS
            or name is None
            or not is_deploy_workflow(name, delivery.options.github_deploy_workflows)
        ):
            return []
        return [_failed_workflow(run, name, delivery)]
    return []
