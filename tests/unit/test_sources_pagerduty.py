"""PagerDuty webhooks v3: incident events normalized, other events ignored, the signature."""

from __future__ import annotations

import copy
import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.errors import AuthenticationError, PayloadError
from bot.signal.sources import normalize
from bot.signal.values import AlertSource, Severity, Signal, SignalStatus
from handlers.webhooks.auth import pagerduty_signature, signed_headers

RECEIVED = datetime(2026, 3, 4, 14, 6, tzinfo=UTC)

# PagerDuty's own example of a v3 webhook (developer docs, "Webhook Payload").
PRIORITY_UPDATED: dict[str, Any] = {
    "event": {
        "id": "5ac64822-4adc-4fda-ade0-410becf0de4f",
        "event_type": "incident.priority_updated",
        "resource_type": "incident",
        "occurred_at": "2020-10-02T18:45:22.169Z",
        "agent": {
            "html_url": "https://acme.pagerduty.com/users/PLH1HKV",
            "id": "PLH1HKV",
            "self": "https://api.pagerduty.com/users/PLH1HKV",
            "summary": "Tenex Engineer",
            "type": "user_reference",
        },
        "client": {"name": "PagerDuty"},
        "data": {
            "id": "PGR0VU2",
            "type": "incident",
            "self": "https://api.pagerduty.com/incidents/PGR0VU2",
            "html_url": "https://acme.pagerduty.com/incidents/PGR0VU2",
            "number": 2,
            "status": "triggered",
            "incident_key": "d3640fbd41094207a1c11e58e46b1662",
            "created_at": "2020-04-09T15:16:27Z",
            "title": "A little bump in the road",
            "service": {
                "html_url": "https://acme.pagerduty.com/services/PF9KMXH",
                "id": "PF9KMXH",
                "self": "https://api.pagerduty.com/services/PF9KMXH",
                "summary": "API Service",
                "type": "service_reference",
            },
            "assignees": [
                {
                    "html_url": "https://acme.pagerduty.com/users/PTUXL6G",
                    "id": "PTUXL6G",
                    "self": "https://api.pagerduty.com/users/PTUXL6G",
                    "summary": "User 123",
                    "type": "user_reference",
                }
            ],
            "escalation_policy": {
                "html_url": "https://acme.pagerduty.com/escalation_policies/PUS0KTE",
                "id": "PUS0KTE",
                "self": "https://api.pagerduty.com/escalation_policies/PUS0KTE",
                "summary": "Default",
                "type": "escalation_policy_reference",
            },
            "teams": [
                {
                    "html_url": "https://acme.pagerduty.com/teams/PFCVPS0",
                    "id": "PFCVPS0",
                    "self": "https://api.pagerduty.com/teams/PFCVPS0",
                    "summary": "Engineering",
                    "type": "team_reference",
                }
            ],
            "priority": {
                "html_url": "https://acme.pagerduty.com/account/incident_priorities",
                "id": "PSO75BM",
                "self": "https://api.pagerduty.com/priorities/PSO75BM",
                "summary": "P1",
                "type": "priority_reference",
            },
            "urgency": "high",
            "conference_bridge": {
                "conference_number": "+1 1234123412,,987654321#",
                "conference_url": "https://example.com",
            },
            "resolve_reason": None,
        },
    }
}


def pagerduty(event_type: str, event_id: str = "", **incident: object) -> dict[str, Any]:
    body = copy.deepcopy(PRIORITY_UPDATED)
    body["event"]["event_type"] = event_type
    if event_id:
        body["event"]["id"] = event_id
    body["event"]["data"].update(incident)
    return body


def one(payload: object) -> Signal:
    (signal,) = normalize(AlertSource.PAGERDUTY, payload, received_at=RECEIVED, body_digest="d")
    return signal


def test_a_triggered_incident_maps_every_field() -> None:
    signal = one(pagerduty("incident.triggered"))
    assert signal.service == "api-service"
    assert signal.severity == Severity.SEV1
    assert signal.status == SignalStatus.FIRING
    assert signal.started_at == datetime(2020, 4, 9, 15, 16, 27, tzinfo=UTC)
    assert signal.title == "A little bump in the road"
    assert signal.fingerprint == "pagerduty:PGR0VU2"
    assert signal.delivery_id == "5ac64822-4adc-4fda-ade0-410becf0de4f"
    assert signal.owner == "engineering"
    assert [link.url for link in signal.links] == [
        "https://acme.pagerduty.com/incidents/PGR0VU2",
        "https://example.com",
    ]
    assert signal.labels["pagerduty_service"] == "API Service"
    assert signal.labels["priority"] == "P1"
    assert "Assigned to User 123" in signal.description


def test_trigger_acknowledge_and_resolve_of_one_incident_share_the_fingerprint() -> None:
    triggered = one(pagerduty("incident.triggered", "e-1"))
    acknowledged = one(pagerduty("incident.acknowledged", "e-2", status="acknowledged"))
    resolved = one(pagerduty("incident.resolved", "e-3", status="resolved"))
    assert triggered.fingerprint == acknowledged.fingerprint == resolved.fingerprint
    assert [s.delivery_id for s in (triggered, acknowledged, resolved)] == ["e-1", "e-2", "e-3"]
    assert [s.status for s in (triggered, acknowledged, resolved)] == [
        SignalStatus.FIRING,
        SignalStatus.FIRING,
        SignalStatus.RESOLVED,
    ]


def test_a_reopened_incident_fires_again_under_its_fingerprint() -> None:
    resolved = one(pagerduty("incident.resolved", "e-3", status="resolved"))
    reopened = one(pagerduty("incident.reopened", "e-4", status="triggered"))
    assert reopened.fingerprint == resolved.fingerprint
    assert (reopened.status, reopened.delivery_id) == (SignalStatus.FIRING, "e-4")


@pytest.mark.parametrize(
    ("incident_status", "signal_status"),
    [("triggered", SignalStatus.FIRING), ("resolved", SignalStatus.RESOLVED)],
)
def test_a_priority_update_follows_the_incident_status(
    incident_status: str, signal_status: SignalStatus
) -> None:
    assert one(pagerduty("incident.priority_updated", status=incident_status)).status == (
        signal_status
    )


@pytest.mark.parametrize(
    ("priority", "severity"),
    [
        ("P1", Severity.SEV1),
        ("P2", Severity.SEV2),
        ("P3", Severity.SEV3),
        ("P4", Severity.SEV4),
        ("P5", Severity.SEV4),
    ],
)
def test_the_priority_sets_the_severity(priority: str, severity: Severity) -> None:
    incident = pagerduty("incident.triggered", urgency="low")
    incident["event"]["data"]["priority"]["summary"] = priority
    assert one(incident).severity == severity


@pytest.mark.parametrize(("urgency", "severity"), [("high", Severity.SEV2), ("low", Severity.SEV3)])
def test_without_a_priority_the_urgency_sets_the_severity(urgency: str, severity: Severity) -> None:
    assert one(pagerduty("incident.triggered", priority=None, urgency=urgency)).severity == severity


def test_without_priority_or_urgency_the_severity_is_the_default() -> None:
    signal = one(pagerduty("incident.triggered", priority=None, urgency=None))
    assert signal.severity == Severity.SEV3


def test_an_incident_without_teams_has_no_owner() -> None:
    assert one(pagerduty("incident.triggered", teams=[])).owner is None


@pytest.mark.parametrize(
    "event",
    [
        {
            "id": "01BRB6ZP4M6T8ZG4X6BP63ZB9O",
            "event_type": "service.updated",
            "resource_type": "service",
            "occurred_at": "2021-03-02T13:35:11.682Z",
            "agent": None,
            "client": None,
            "data": {"id": "PF9KMXH", "summary": "testing service updates", "type": "service"},
        },
        {
            "id": "01C0B9ZP4M6T8ZG4X6BP63ZB9P",
            "event_type": "incident.annotated",
            "resource_type": "incident",
            "occurred_at": "2020-10-02T18:45:22.169Z",
            "data": {
                "incident": {"id": "PGR0VU2", "type": "incident_reference"},
                "id": "P2LA89X",
                "content": "I sure am glad we are using PagerDuty!",
                "trimmed": False,
                "type": "incident_note",
            },
        },
        {
            "id": "01C0B9ZP4M6T8ZG4X6BP63ZB9Q",
            "event_type": "pagey.ping",
            "resource_type": "pagey",
            "occurred_at": "2021-12-08T22:58:22.364Z",
            "data": {"message": "Hello from your friend Pagey!", "type": "ping"},
        },
    ],
    ids=["service.updated", "incident.annotated", "pagey.ping"],
)
def test_events_other_than_incident_changes_yield_no_signal(event: dict[str, Any]) -> None:
    assert (
        normalize(AlertSource.PAGERDUTY, {"event": event}, received_at=RECEIVED, body_digest="d")
        == []
    )


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.pop("event"), "event"),
        (lambda b: b["event"].pop("id"), "event.id"),
        (lambda b: b["event"].update(occurred_at="yesterday"), "event.occurred_at"),
        (lambda b: b["event"]["data"].pop("service"), "event.data.service"),
        (lambda b: b["event"]["data"].update(title=""), "event.data.title"),
        (lambda b: b["event"]["data"].update(teams="Engineering"), "event.data.teams"),
    ],
)
def test_an_invalid_incident_event_is_a_payload_error_naming_the_field(
    mutate: Any, field: str
) -> None:
    body = pagerduty("incident.triggered")
    mutate(body)
    with pytest.raises(PayloadError) as raised:
        normalize(AlertSource.PAGERDUTY, body, received_at=RECEIVED, body_digest="d")
    assert raised.value.field == field


def _signature(body: bytes, secret: str) -> str:
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_any_one_of_several_signatures_matching_authenticates() -> None:
    body = b'{"event": {}}'
    header = f"{_signature(body, 'old-secret')}, {_signature(body, 'new-secret')}"
    for secret in ("old-secret", "new-secret"):
        assert pagerduty_signature({"X-PagerDuty-Signature": header}, body, secret) is None


def test_signatures_made_with_other_secrets_are_refused() -> None:
    body = b'{"event": {}}'
    header = f"{_signature(body, 'a')},{_signature(body, 'b')}"
    with pytest.raises(AuthenticationError, match="no X-PagerDuty-Signature signature matches"):
        pagerduty_signature({"X-PagerDuty-Signature": header}, body, "c")


def test_a_signature_of_an_unknown_version_is_refused() -> None:
    body = b"{}"
    header = _signature(body, "s").replace("v1=", "v2=")
    with pytest.raises(AuthenticationError, match="holds no v1="):
        pagerduty_signature({"X-PagerDuty-Signature": header}, body, "s")


def test_the_signed_headers_pass_the_pagerduty_check() -> None:
    body = b'{"event": {}}'
    headers = signed_headers("pagerduty", body, "s")
    assert headers["X-PagerDuty-Signature"].startswith("v1=")
    assert pagerduty_signature(headers, body, "s") is None  # accepted: nothing raised
