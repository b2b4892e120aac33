"""GitHub webhooks: failed deployments and failed deploy workflow runs become signals; every
other event is ignored; the X-Hub-Signature-256 check."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.errors import AuthenticationError, PayloadError
from bot.signal.sources import SourceOptions, normalize
from bot.signal.sources.common import DEFAULT_DEPLOY_WORKFLOWS
from bot.signal.values import AlertSource, Severity, Signal, SignalStatus
from handlers.webhooks.auth import hmac_sha256_signature, signed_headers

RECEIVED = datetime(2026, 3, 4, 14, 6, tzinfo=UTC)
DELIVERY = "72d3162e-cc78-11e3-81ab-4c9367dc0958"

REPOSITORY: dict[str, Any] = {
    "id": 186853002,
    "node_id": "MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=",
    "name": "Hello-World",
    "full_name": "Codertocat/Hello-World",
    "private": False,
    "owner": {"login": "Codertocat", "id": 21031067, "type": "User"},
    "html_url": "https://github.com/Codertocat/Hello-World",
    "default_branch": "master",
}
CODERTOCAT = {"login": "Codertocat", "id": 21031067, "type": "User", "site_admin": False}

# GitHub's example deployment_status payload (octokit/webhooks), its state set to failure.
DEPLOYMENT_STATUS: dict[str, Any] = {
    "action": "created",
    "deployment_status": {
        "url": "https://api.github.com/repos/Codertocat/Hello-World/deployments/145988746/statuses/209916254",
        "id": 209916254,
        "node_id": "MDE2OkRlcGxveW1lbnRTdGF0dXMyMDk5MTYyNTQ=",
        "state": "failure",
        "creator": CODERTOCAT,
        "description": "Health checks failed after rollout",
        "environment": "production",
        "target_url": "https://ci.example.com/deploys/4821",
        "log_url": "https://ci.example.com/deploys/4821/log",
        "environment_url": "https://hello.example.com",
        "created_at": "2019-05-15T15:20:55Z",
        "updated_at": "2019-05-15T15:20:55Z",
        "deployment_url": "https://api.github.com/repos/Codertocat/Hello-World/deployments/145988746",
        "repository_url": "https://api.github.com/repos/Codertocat/Hello-World",
    },
    "deployment": {
        "url": "https://api.github.com/repos/Codertocat/Hello-World/deployments/145988746",
        "id": 145988746,
        "node_id": "MDEwOkRlcGxveW1lbnQxNDU5ODg3NDY=",
        "sha": "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
        "ref": "master",
        "task": "deploy",
        "payload": {},
        "original_environment": "production",
        "environment": "production",
        "description": None,
        "creator": CODERTOCAT,
        "created_at": "2019-05-15T15:20:53Z",
        "updated_at": "2019-05-15T15:20:55Z",
        "statuses_url": "https://api.github.com/repos/Codertocat/Hello-World/deployments/145988746/statuses",
        "repository_url": "https://api.github.com/repos/Codertocat/Hello-World",
        "performed_via_github_app": None,
    },
    "repository": REPOSITORY,
    "sender": CODERTOCAT,
}

# GitHub's example workflow_run payload (octokit/webhooks, "completed"), trimmed, as a failed run
# of the "deploy" workflow.
WORKFLOW_RUN: dict[str, Any] = {
    "action": "completed",
    "workflow": {
        "id": 2823525,
        "name": "deploy",
        "path": ".github/workflows/deploy.yml",
        "state": "active",
    },
    "workflow_run": {
        "id": 289782451,
        "name": "deploy",
        "display_title": "Parse legacy webhook payloads through the new event parser",
        "head_branch": "master",
        "head_sha": "3484a3fb816e0859fd6e1cea078d76385ff50625",
        "path": ".github/workflows/deploy.yml",
        "run_number": 163,
        "event": "push",
        "status": "completed",
        "conclusion": "failure",
        "workflow_id": 2823525,
        "html_url": "https://github.com/Codertocat/Hello-World/actions/runs/289782451",
        "created_at": "2020-10-05T16:33:24Z",
        "updated_at": "2020-10-05T16:33:49Z",
        "run_started_at": "2020-10-05T16:33:24Z",
        "actor": CODERTOCAT,
        "triggering_actor": CODERTOCAT,
    },
    "repository": REPOSITORY,
    "sender": CODERTOCAT,
}

PING: dict[str, Any] = {
    "zen": "Design for failure.",
    "hook_id": 109948940,
    "hook": {"type": "Repository", "id": 109948940, "events": ["deployment_status"]},
    "repository": REPOSITORY,
    "sender": CODERTOCAT,
}


def github(
    payload: object,
    event: str | None = None,
    *,
    delivery: str | None = DELIVERY,
    workflows: tuple[str, ...] = ("deploy",),
) -> list[Signal]:
    headers = {}
    if event:
        headers["X-GitHub-Event"] = event
    if delivery:
        headers["X-GitHub-Delivery"] = delivery
    return list(
        normalize(
            AlertSource.GITHUB,
            payload,
            received_at=RECEIVED,
            body_digest="digest",
            headers=headers,
            options=SourceOptions(github_deploy_workflows=workflows),
        )
    )


def deployment(state: str = "failure", environment: str = "production", **fields: object) -> Any:
    body = copy.deepcopy(DEPLOYMENT_STATUS)
    body["deployment_status"].update(state=state, environment=environment)
    body["deployment"].update(environment=environment, **fields)
    return body


def run(**fields: object) -> Any:
    body = copy.deepcopy(WORKFLOW_RUN)
    body["workflow_run"].update(fields)
    return body


def test_a_failed_deployment_maps_every_field() -> None:
    (signal,) = github(DEPLOYMENT_STATUS, "deployment_status")
    assert signal.service == "hello-world"
    assert signal.severity == Severity.SEV2
    assert signal.status == SignalStatus.FIRING
    assert signal.started_at == datetime(2019, 5, 15, 15, 20, 55, tzinfo=UTC)
    assert signal.title == "Deploy of Codertocat/Hello-World@f95f852 to production: failure"
    assert signal.fingerprint == (
        "github:Codertocat/Hello-World:production:f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
    )
    assert signal.delivery_id == DELIVERY
    assert signal.owner is None
    assert [link.title for link in signal.links] == ["Deploy log", "Environment", "Commit"]
    assert signal.labels["deployed_by"] == "Codertocat"
    assert "Health checks failed after rollout" in signal.description


@pytest.mark.parametrize("state", ["failure", "error"])
def test_failure_and_error_states_are_failed_deploys(state: str) -> None:
    assert len(github(deployment(state=state), "deployment_status")) == 1


@pytest.mark.parametrize("state", ["success", "pending", "queued", "in_progress", "inactive"])
def test_other_deployment_states_yield_no_signal(state: str) -> None:
    assert github(deployment(state=state), "deployment_status") == []


@pytest.mark.parametrize(
    ("environment", "severity"),
    [("production", Severity.SEV2), ("prod", Severity.SEV2), ("staging", Severity.SEV3)],
)
def test_the_environment_sets_the_severity(environment: str, severity: Severity) -> None:
    (signal,) = github(deployment(environment=environment), "deployment_status")
    assert signal.severity == severity


def test_an_environment_github_marks_as_production_is_sev2() -> None:
    body = deployment(environment="eu-live", production_environment=True)
    (signal,) = github(body, "deployment_status")
    assert signal.severity == Severity.SEV2


@pytest.mark.parametrize(
    "payload", [{"service": "billing-webhooks"}, json.dumps({"service": "billing-webhooks"})]
)
def test_a_deployment_payload_naming_a_service_sets_the_service(payload: object) -> None:
    (signal,) = github(deployment(payload=payload), "deployment_status")
    assert signal.service == "billing-webhooks"


def test_a_failed_deploy_workflow_run_is_a_signal() -> None:
    (signal,) = github(WORKFLOW_RUN, "workflow_run")
    assert signal.service == "hello-world"
    assert signal.severity == Severity.SEV3
    assert signal.started_at == datetime(2020, 10, 5, 16, 33, 49, tzinfo=UTC)
    assert signal.fingerprint == (
        "github:Codertocat/Hello-World:deploy:3484a3fb816e0859fd6e1cea078d76385ff50625"
    )
    assert [link.title for link in signal.links] == ["Workflow run", "Commit"]
    assert signal.labels["workflow"] == "deploy"


@pytest.mark.parametrize(
    ("conclusion", "said"),
    [("timed_out", "timed out"), ("startup_failure", "failed to start"), ("failure", "failed")],
)
def test_a_deploy_run_that_timed_out_or_never_started_is_a_failed_deploy_too(
    conclusion: str, said: str
) -> None:
    (signal,) = github(run(conclusion=conclusion), "workflow_run")
    assert signal.title.startswith(f"Deploy workflow 'deploy' {said} for Codertocat/Hello-World@")
    assert signal.labels["conclusion"] == conclusion


def test_the_workflow_name_matches_the_configured_names_in_any_case() -> None:
    (signal,) = github(run(name="Release"), "workflow_run", workflows=("deploy", "release"))
    assert signal.labels["workflow"] == "Release"


def test_a_run_with_an_empty_name_takes_the_workflow_name() -> None:
    assert len(github(run(name=""), "workflow_run")) == 1


@pytest.mark.parametrize(
    "body",
    [
        run(name="test"),
        run(conclusion="success"),
        run(conclusion="cancelled"),
        run(conclusion="skipped"),
        {**copy.deepcopy(WORKFLOW_RUN), "action": "requested"},
    ],
    ids=["other workflow", "success", "cancelled", "skipped", "requested"],
)
def test_other_workflow_runs_yield_no_signal(body: dict[str, Any]) -> None:
    assert github(body, "workflow_run") == []


@pytest.mark.parametrize(
    ("payload", "event"),
    [(PING, "ping"), ({"ref": "refs/heads/main", "repository": REPOSITORY}, "push")],
)
def test_ping_and_other_events_yield_no_signal(payload: dict[str, Any], event: str) -> None:
    assert github(payload, event) == []


def test_without_a_delivery_header_the_body_digest_is_the_delivery_id() -> None:
    (signal,) = github(DEPLOYMENT_STATUS, "deployment_status", delivery=None)
    assert signal.delivery_id == "digest"


@pytest.mark.parametrize(
    ("payload", "count"), [(DEPLOYMENT_STATUS, 1), (WORKFLOW_RUN, 1), (PING, 0)]
)
def test_without_the_event_header_the_body_shape_decides(payload: Any, count: int) -> None:
    assert len(github(payload, event=None)) == count


def test_without_the_event_header_an_unknown_body_is_a_payload_error() -> None:
    with pytest.raises(PayloadError) as raised:
        github({"ref": "refs/heads/main"}, event=None)
    assert raised.value.field == "body"


@pytest.mark.parametrize(
    ("mutate", "event", "field"),
    [
        (lambda b: b["deployment"].pop("sha"), "deployment_status", "deployment.sha"),
        (lambda b: b.pop("repository"), "deployment_status", "repository"),
        (
            lambda b: b["deployment_status"].update(created_at="soon"),
            "deployment_status",
            "deployment_status.created_at",
        ),
        (lambda b: b["workflow_run"].pop("head_sha"), "workflow_run", "workflow_run.head_sha"),
        (lambda b: b["repository"].pop("full_name"), "workflow_run", "repository.full_name"),
    ],
)
def test_an_invalid_payload_is_a_payload_error_naming_the_field(
    mutate: Any, event: str, field: str
) -> None:
    body = copy.deepcopy(DEPLOYMENT_STATUS if event == "deployment_status" else WORKFLOW_RUN)
    mutate(body)
    with pytest.raises(PayloadError) as raised:
        github(body, event)
    assert raised.value.field == field


CHECK = hmac_sha256_signature("X-Hub-Signature-256")


def test_the_hub_signature_is_the_sha256_hmac_of_the_body() -> None:
    body = json.dumps(PING).encode()
    digest = hmac.new(b"hook-secret", body, hashlib.sha256).hexdigest()
    headers = {"X-Hub-Signature-256": f"sha256={digest}"}
    assert CHECK(headers, body, "hook-secret") is None  # accepted: nothing raised
    with pytest.raises(AuthenticationError):  # the same signature does not sign another body
        CHECK(headers, body + b" ", "hook-secret")


def test_the_legacy_sha1_signature_alone_is_refused() -> None:
    with pytest.raises(AuthenticationError, match="missing X-Hub-Signature-256"):
        CHECK({"X-Hub-Signature": "sha1=0123"}, b"{}", "hook-secret")


def test_the_signed_headers_name_the_event_the_body_shows() -> None:
    body = json.dumps(WORKFLOW_RUN).encode()
    headers = signed_headers("github", body, "hook-secret")
    CHECK(headers, body, "hook-secret")
    assert headers["X-GitHub-Event"] == "workflow_run"


@pytest.mark.parametrize(
    "name", ["deploy", "Deploy to production", "deploy-prod", "Release", "k8s release (eu)"]
)
def test_by_default_workflows_named_for_a_deploy_or_release_count(name: str) -> None:
    (signal,) = github(run(name=name), "workflow_run", workflows=DEFAULT_DEPLOY_WORKFLOWS)
    assert name in signal.title


@pytest.mark.parametrize("name", ["CI", "lint", "unit tests", "docs"])
def test_by_default_other_workflows_do_not_count(name: str) -> None:
    assert github(run(name=name), "workflow_run", workflows=DEFAULT_DEPLOY_WORKFLOWS) == []


def test_a_configured_pattern_matches_ignoring_case() -> None:
    assert github(run(name="Ship-It (prod)"), "workflow_run", workflows=("ship-it*",)) != []
    assert github(run(name="ship"), "workflow_run", workflows=("ship-it*",)) == []
