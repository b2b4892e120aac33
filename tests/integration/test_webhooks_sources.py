"""The PagerDuty, Datadog, Grafana, Sentry and GitHub webhooks over real HTTP: each source's own
authentication, one stored row per signal, bad input refused naming the field, a repeat delivery
stored once, and the events the bot ignores answered 2xx without storing anything."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.signal.models import SignalRecord
from bot.signal.sources import SourceOptions
from bot.transactions import TransactionRunner
from handlers.webhooks import WebhookDeps, add_webhook_routes
from handlers.webhooks.auth import signed_headers

SECRET = "s3cret-for-source-tests"
LIMIT = 1024 * 1024
SOURCES = ("pagerduty", "datadog", "grafana", "sentry", "github")

PAGERDUTY: dict[str, Any] = {
    "event": {
        "id": "01DEN2TQXQ6P3KQ0W8VZZ3Z9HM",
        "event_type": "incident.triggered",
        "resource_type": "incident",
        "occurred_at": "2026-03-04T14:03:40.118Z",
        "agent": {"id": "PXPGF42", "summary": "Monitoring", "type": "service_reference"},
        "client": {"name": "Datadog"},
        "data": {
            "id": "Q2UCKK8JLVWZ2E",
            "type": "incident",
            "self": "https://api.pagerduty.com/incidents/Q2UCKK8JLVWZ2E",
            "html_url": "https://acme.pagerduty.com/incidents/Q2UCKK8JLVWZ2E",
            "number": 4821,
            "status": "triggered",
            "incident_key": "billing-webhooks-error-rate",
            "created_at": "2026-03-04T14:03:40Z",
            "title": "billing-webhooks error rate above 5%",
            "service": {
                "id": "PIJ90N7",
                "summary": "Billing Webhooks",
                "type": "service_reference",
            },
            "assignees": [{"id": "PTUXL6G", "summary": "Dana", "type": "user_reference"}],
            "escalation_policy": {
                "id": "PUS0KTE",
                "summary": "Payments",
                "type": "escalation_policy_reference",
            },
            "teams": [{"id": "PFCVPS0", "summary": "Payments Platform", "type": "team_reference"}],
            "priority": {"id": "PSO75BM", "summary": "P2", "type": "priority_reference"},
            "urgency": "high",
            "conference_bridge": None,
            "resolve_reason": None,
        },
    }
}
DATADOG: dict[str, Any] = {
    "id": "7364183320001122334",
    "alert_id": "148822011",
    "title": "[Triggered] billing-webhooks error rate above 5%",
    "body": "Error rate for service:billing-webhooks is 8.7% (threshold 5%) over the last 5m.",
    "transition": "Triggered",
    "status": "Alert",
    "priority": "P2",
    "alert_type": "error",
    "date": "1772633040000",
    "last_updated": "1772633040000",
    "tags": "service:billing-webhooks,env:prod,team:payments",
    "link": "https://app.datadoghq.com/monitors/148822011",
    "aggreg_key": "e51c1f4b2a0d6c77",
    "hostname": "",
    "org": {"id": "112233", "name": "Acme"},
}


def _grafana_alert(zone: str, fingerprint: str) -> dict[str, Any]:
    return {
        "status": "firing",
        "labels": {
            "alertname": "HighLatency",
            "service": "checkout-api",
            "severity": "warning",
            "zone": zone,
        },
        "annotations": {"summary": f"checkout-api p99 above 2s in {zone}"},
        "startsAt": "2026-03-04T14:02:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "https://grafana.example.com/alerting/grafana/abc123/view",
        "fingerprint": fingerprint,
        "silenceURL": "https://grafana.example.com/alerting/silence/new",
        "dashboardURL": "",
        "panelURL": "",
        "values": {"A": 2.4},
    }


GRAFANA: dict[str, Any] = {
    "receiver": "incident-bot",
    "status": "firing",
    "orgId": 1,
    "alerts": [
        _grafana_alert("us-1", "c6eadffa33fcdf37"),
        _grafana_alert("eu-1", "bc97ff14869b13e3"),
    ],
    "groupLabels": {"alertname": "HighLatency"},
    "commonLabels": {"alertname": "HighLatency", "service": "checkout-api"},
    "commonAnnotations": {},
    "externalURL": "https://grafana.example.com/",
    "version": "1",
    "groupKey": '{}:{alertname="HighLatency"}',
    "truncatedAlerts": 0,
    "title": "[FIRING:2] HighLatency (checkout-api)",
    "state": "alerting",
    "message": "**Firing**",
}
SENTRY: dict[str, Any] = {
    "action": "triggered",
    "actor": {"id": "sentry", "name": "Sentry", "type": "application"},
    "data": {
        "event": {
            "event_id": "e4874d664c3540c1a32eab185f12c5ab",
            "issue_id": "1117540176",
            "issue_url": "https://sentry.io/api/0/issues/1117540176/",
            "title": "KeyError: 'customer_id'",
            "culprit": "app.parser in parse_event",
            "level": "error",
            "datetime": "2026-03-04T14:03:04.000000Z",
            "timestamp": 1772632984.0,
            "project": 42,
            "tags": [["service", "billing-webhooks"], ["environment", "production"]],
            "url": "https://sentry.io/api/0/projects/acme/billing/events/e4874d664c3540c1a32eab185f12c5ab/",
            "web_url": "https://sentry.io/organizations/acme/issues/1117540176/events/e4874d664c3540c1a32eab185f12c5ab/",
        },
        "triggered_rule": "New error in billing",
    },
    "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},
}
GITHUB: dict[str, Any] = {
    "action": "created",
    "deployment_status": {
        "id": 209916254,
        "state": "failure",
        "creator": {"login": "dana"},
        "description": "Health checks failed",
        "environment": "production",
        "target_url": "https://github.com/acme/billing-webhooks/actions/runs/1",
        "created_at": "2026-03-04T13:52:00Z",
        "updated_at": "2026-03-04T13:52:00Z",
    },
    "deployment": {
        "id": 145988746,
        "sha": "9f1c2ab7e3d4c5b6a7980f1e2d3c4b5a69788776",
        "ref": "main",
        "task": "deploy",
        "payload": {},
        "environment": "production",
        "creator": {"login": "dana"},
    },
    "repository": {
        "id": 186853002,
        "name": "billing-webhooks",
        "full_name": "acme/billing-webhooks",
        "html_url": "https://github.com/acme/billing-webhooks",
    },
    "sender": {"login": "dana"},
}
VALID: dict[str, dict[str, Any]] = {
    "pagerduty": PAGERDUTY,
    "datadog": DATADOG,
    "grafana": GRAFANA,
    "sentry": SENTRY,
    "github": GITHUB,
}


class Webhooks:
    def __init__(self, server: TestServer, http: ClientSession) -> None:
        self.server = server
        self.http = http

    async def post(
        self, source: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        url = self.server.make_url(f"/webhooks/{source}")
        async with self.http.post(url, data=body, headers=headers) as response:
            return response.status, await response.json()

    async def post_signed(
        self, source: str, payload: object, **extra_headers: str
    ) -> tuple[int, dict[str, Any]]:
        body = json.dumps(payload).encode()
        headers = {**signed_headers(source, body, SECRET), **extra_headers}
        return await self.post(source, body, headers)


async def _serve(
    sessions: async_sessionmaker[AsyncSession],
    transactions: TransactionRunner,
    clock: Any,
    options: SourceOptions,
) -> TestServer:
    app = web.Application(client_max_size=LIMIT + 1)
    add_webhook_routes(
        app,
        WebhookDeps(
            sessions=sessions,
            transactions=transactions,
            clock=clock,
            secret_for={source: SECRET for source in SOURCES}.get,
            max_body_bytes=LIMIT,
            on_accepted=lambda: None,
            source_options=options,
        ),
    )
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


@pytest.fixture
async def webhooks(sessions, transactions, clock) -> AsyncIterator[Webhooks]:
    server = await _serve(sessions, transactions, clock, SourceOptions())
    async with ClientSession() as http:
        yield Webhooks(server, http)
    await server.close()


async def _stored(sessions: async_sessionmaker[AsyncSession]) -> list[SignalRecord]:
    async with sessions() as session:
        return list((await session.execute(select(SignalRecord))).scalars())


async def _count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(SignalRecord)) or 0)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("pagerduty", [("billing-webhooks", "sev2", "pagerduty:Q2UCKK8JLVWZ2E")]),
        ("datadog", [("billing-webhooks", "sev2", "datadog:148822011:e51c1f4b2a0d6c77")]),
        (
            "grafana",
            [
                ("checkout-api", "sev3", "grafana:c6eadffa33fcdf37"),
                ("checkout-api", "sev3", "grafana:bc97ff14869b13e3"),
            ],
        ),
        ("sentry", [("billing-webhooks", "sev2", "sentry:1117540176")]),
        (
            "github",
            [
                (
                    "billing-webhooks",
                    "sev2",
                    "github:acme/billing-webhooks:production:9f1c2ab7e3d4c5b6a7980f1e2d3c4b5a69788776",
                )
            ],
        ),
    ],
)
async def test_a_valid_delivery_is_accepted_and_stores_one_row_per_signal(
    webhooks, sessions, source, expected
):
    status, answer = await webhooks.post_signed(source, VALID[source])
    assert status == 202
    assert answer["accepted"] == len(expected)
    stored = await _stored(sessions)
    assert [(row.service, row.severity, row.fingerprint) for row in stored] == expected
    assert {row.source for row in stored} == {source}


async def test_a_sentry_metric_alert_and_its_resolve_are_stored_as_one_condition(
    webhooks, sessions
):
    incident = {
        "id": "4",
        "identifier": "1",
        "date_started": "2026-03-04T13:58:00.000000Z",
        "alert_rule": {"id": "7", "name": "Too many errors", "projects": ["billing-webhooks"]},
    }
    for action, title in (("critical", "Critical"), ("resolved", "Resolved")):
        body = {
            "action": action,
            "data": {
                "metric_alert": incident,
                "description_title": f"{title}: Too many errors",
                "web_url": "https://sentry.io/organizations/acme/alerts/1/",
            },
        }
        status, answer = await webhooks.post_signed("sentry", body)
        assert (status, answer["accepted"]) == (202, 1)
    stored = await _stored(sessions)
    assert [(row.service, row.status, row.fingerprint) for row in stored] == [
        ("billing-webhooks", "firing", "sentry:metric:4"),
        ("billing-webhooks", "resolved", "sentry:metric:4"),
    ]


@pytest.mark.parametrize(
    ("source", "headers", "reason"),
    [
        ("pagerduty", {}, "missing X-PagerDuty-Signature header"),
        ("pagerduty", {"X-PagerDuty-Signature": "v1=" + "0" * 64}, "no X-PagerDuty-Signature"),
        ("datadog", {}, "missing X-Incident-Bot-Secret header"),
        ("datadog", {"X-Incident-Bot-Secret": "guess"}, "wrong X-Incident-Bot-Secret"),
        ("grafana", {}, "missing Authorization header"),
        ("grafana", {"Authorization": "Bearer guess"}, "wrong bearer token"),
        ("sentry", {}, "missing Sentry-Hook-Signature header"),
        ("sentry", {"Sentry-Hook-Signature": "0" * 64}, "does not match the body"),
        ("github", {}, "missing X-Hub-Signature-256 header"),
        ("github", {"X-Hub-Signature-256": "sha256=" + "0" * 64}, "does not match the body"),
    ],
)
async def test_missing_or_wrong_credentials_get_401_and_store_nothing(
    webhooks, sessions, source, headers, reason
):
    status, answer = await webhooks.post(source, json.dumps(VALID[source]).encode(), headers)
    assert status == 401
    assert answer["error"] == "unauthorized"
    assert reason in answer["reason"]
    assert await _count(sessions) == 0


@pytest.mark.parametrize("source", ["pagerduty", "sentry", "github"])
async def test_a_signature_over_another_body_gets_401(webhooks, sessions, source):
    signed_for = json.dumps(VALID[source]).encode()
    tampered = signed_for.replace(b"billing", b"billinG")
    status, _ = await webhooks.post(source, tampered, signed_headers(source, signed_for, SECRET))
    assert status == 401
    assert await _count(sessions) == 0


async def test_two_pagerduty_signatures_where_only_the_second_matches_are_accepted(
    webhooks, sessions
):
    body = json.dumps(PAGERDUTY).encode()
    old = hmac.new(b"the-old-secret", body, hashlib.sha256).hexdigest()
    new = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-PagerDuty-Signature": f"v1={old},v1={new}"}
    status, answer = await webhooks.post("pagerduty", body, headers)
    assert (status, answer["accepted"]) == (202, 1)
    assert await _count(sessions) == 1


async def test_grafana_basic_auth_with_the_secret_as_password_is_accepted(webhooks, sessions):
    body = json.dumps(GRAFANA).encode()
    token = base64.b64encode(f"grafana:{SECRET}".encode()).decode()
    headers = {"Content-Type": "application/json", "Authorization": f"Basic {token}"}
    status, _ = await webhooks.post("grafana", body, headers)
    assert status == 202
    assert await _count(sessions) == 2


def _grafana_signed(body: bytes, at: datetime) -> dict[str, str]:
    """What a contact point with an HMAC secret and a timestamp header sends."""
    stamp = str(int(at.timestamp()))
    digest = hmac.new(SECRET.encode(), f"{stamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Grafana-Alerting-Signature": digest,
        "X-Grafana-Alerting-Timestamp": stamp,
    }


async def test_a_grafana_hmac_signature_over_a_fresh_timestamp_is_accepted(
    webhooks, sessions, clock
):
    body = json.dumps(GRAFANA).encode()
    status, _ = await webhooks.post("grafana", body, _grafana_signed(body, clock.now()))
    assert status == 202
    assert await _count(sessions) == 2


async def test_a_grafana_delivery_signed_long_ago_is_refused_as_a_replay(webhooks, sessions, clock):
    body = json.dumps(GRAFANA).encode()
    headers = _grafana_signed(body, clock.now() - timedelta(minutes=30))
    status, answer = await webhooks.post("grafana", body, headers)
    assert status == 401
    assert "X-Grafana-Alerting-Timestamp is 1800 s from the bot's clock" in answer["reason"]
    assert await _count(sessions) == 0


async def test_a_grafana_timestamp_changed_after_signing_is_refused(webhooks, sessions, clock):
    body = json.dumps(GRAFANA).encode()
    headers = _grafana_signed(body, clock.now() - timedelta(minutes=30))
    headers["X-Grafana-Alerting-Timestamp"] = str(int(clock.now().timestamp()))
    status, answer = await webhooks.post("grafana", body, headers)
    assert status == 401
    assert "does not match X-Grafana-Alerting-Timestamp and the body" in answer["reason"]
    assert await _count(sessions) == 0


@pytest.mark.parametrize("source", SOURCES)
async def test_malformed_json_gets_400_naming_the_body(webhooks, sessions, source):
    body = b'{"event": {"id": '
    status, answer = await webhooks.post(source, body, signed_headers(source, body, SECRET))
    assert status == 400
    assert answer["field"] == "body"
    assert await _count(sessions) == 0


Mutation = Callable[[dict[str, Any]], object]


@pytest.mark.parametrize(
    ("source", "mutate", "field"),
    [
        ("pagerduty", lambda b: b["event"]["data"].pop("service"), "event.data.service"),
        ("pagerduty", lambda b: b["event"].update(occurred_at="soon"), "event.occurred_at"),
        ("datadog", lambda b: b.update(transition="Exploded"), "transition"),
        ("datadog", lambda b: b.update(date="yesterday"), "date"),
        ("grafana", lambda b: b.update(version="4"), "version"),
        ("grafana", lambda b: b["alerts"][1].pop("startsAt"), "alerts.1.startsAt"),
        ("sentry", lambda b: b["data"]["event"].pop("issue_id"), "data.event.issue_id"),
        ("github", lambda b: b["deployment"].pop("sha"), "deployment.sha"),
    ],
)
async def test_a_payload_that_fails_validation_gets_400_naming_the_field(
    webhooks, sessions, source, mutate: Mutation, field
):
    body = copy.deepcopy(VALID[source])
    mutate(body)
    status, answer = await webhooks.post_signed(source, body)
    assert status == 400
    assert answer["error"] == "invalid_payload"
    assert answer["field"] == field
    assert await _count(sessions) == 0


@pytest.mark.parametrize("source", SOURCES)
async def test_a_repeated_delivery_is_stored_once_and_answered_200(webhooks, sessions, source):
    first, _ = await webhooks.post_signed(source, VALID[source])
    again, answer = await webhooks.post_signed(source, VALID[source])
    signals = 2 if source == "grafana" else 1
    assert (first, again) == (202, 200)
    assert answer == {"ok": True, "accepted": 0, "duplicates": signals, "signal_ids": []}
    assert await _count(sessions) == signals


def _pagerduty_note() -> dict[str, Any]:
    body = copy.deepcopy(PAGERDUTY)
    body["event"].update(
        event_type="incident.annotated",
        data={
            "incident": {"id": "Q2UCKK8JLVWZ2E"},
            "id": "P2LA89X",
            "content": "looking",
            "type": "incident_note",
        },
    )
    return body


def _github_success() -> dict[str, Any]:
    body = copy.deepcopy(GITHUB)
    body["deployment_status"]["state"] = "success"
    return body


@pytest.mark.parametrize(
    ("source", "payload", "headers"),
    [
        ("pagerduty", _pagerduty_note(), {}),
        ("datadog", {**DATADOG, "transition": "Null"}, {}),
        (
            "sentry",
            {"action": "created", "data": {"installation": {}}},
            {"Sentry-Hook-Resource": "installation"},
        ),
        ("github", _github_success(), {}),
        ("github", {"zen": "Keep it logically awesome.", "hook_id": 1, "hook": {}}, {}),
    ],
    ids=[
        "pagerduty note",
        "datadog non-transition",
        "sentry installation",
        "github success",
        "github ping",
    ],
)
async def test_an_event_the_bot_ignores_is_answered_200_and_stores_nothing(
    webhooks, sessions, source, payload, headers
):
    status, answer = await webhooks.post_signed(source, payload, **headers)
    assert status == 200
    assert answer == {"ok": True, "accepted": 0, "duplicates": 0, "signal_ids": [], "ignored": True}
    assert await _count(sessions) == 0


async def test_an_ignored_event_is_still_authenticated(webhooks, sessions):
    body = json.dumps({"zen": "Design for failure.", "hook_id": 1, "hook": {}}).encode()
    headers = {"X-GitHub-Event": "ping", "X-Hub-Signature-256": "sha256=" + "0" * 64}
    status, _ = await webhooks.post("github", body, headers)
    assert status == 401


async def test_the_event_header_is_read_in_any_case(webhooks, sessions):
    body = json.dumps(GITHUB).encode()
    headers = {key.lower(): value for key, value in signed_headers("github", body, SECRET).items()}
    headers["x-github-event"] = "ping"  # the header, not the body's shape, decides
    status, answer = await webhooks.post("github", body, headers)
    assert (status, answer.get("ignored")) == (200, True)


async def test_the_configured_deploy_workflows_decide_which_failed_runs_count(
    sessions, transactions, clock
):
    run = {
        "action": "completed",
        "workflow": {"name": "Release"},
        "workflow_run": {
            "name": "Release",
            "head_sha": "9f1c2ab7e3d4c5b6a7980f1e2d3c4b5a69788776",
            "head_branch": "main",
            "conclusion": "failure",
            "status": "completed",
            "html_url": "https://github.com/acme/billing-webhooks/actions/runs/2",
            "updated_at": "2026-03-04T13:55:00Z",
        },
        "repository": GITHUB["repository"],
    }
    server = await _serve(
        sessions, transactions, clock, SourceOptions(github_deploy_workflows=("release",))
    )
    try:
        async with ClientSession() as http:
            status, answer = await Webhooks(server, http).post_signed("github", run)
    finally:
        await server.close()
    assert (status, answer["accepted"]) == (202, 1)
    (stored,) = await _stored(sessions)
    assert stored.labels["workflow"] == "Release"
