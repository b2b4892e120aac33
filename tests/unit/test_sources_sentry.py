"""Sentry integration platform webhooks: issue alerts and issue changes, the resource header,
and the signature."""

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
from handlers.webhooks.auth import hmac_sha256_signature, signed_headers

RECEIVED = datetime(2026, 3, 4, 14, 6, tzinfo=UTC)
REQUEST_ID = "2c9b7e3a1f4d4b0e9a8c7d6e5f4a3b2c"

# Sentry's documented issue alert payload (Sentry-Hook-Resource: event_alert), stack trace and
# request details trimmed.
EVENT_ALERT: dict[str, Any] = {
    "action": "triggered",
    "actor": {"id": "sentry", "name": "Sentry", "type": "application"},
    "data": {
        "event": {
            "_ref": 1,
            "_ref_version": 2,
            "contexts": {"browser": {"name": "Chrome", "type": "browser", "version": "75.0.3770"}},
            "culprit": "?(<anonymous>)",
            "datetime": "2019-08-19T21:06:17.677000Z",
            "dist": None,
            "event_id": "e4874d664c3540c1a32eab185f12c5ab",
            "fingerprint": ["{{ default }}"],
            "hashes": ["29f7ffc4903a8a990408b80a3b4c95a2"],
            "issue_url": "https://sentry.io/api/0/issues/1117540176/",
            "issue_id": "1117540176",
            "key_id": "667532",
            "level": "error",
            "location": "<anonymous>",
            "logger": "",
            "message": "",
            "metadata": {
                "filename": "<anonymous>",
                "type": "ReferenceError",
                "value": "heck is not defined",
            },
            "platform": "javascript",
            "project": 1,
            "received": 1566248777.677,
            "release": None,
            "tags": [
                ["browser", "Chrome 75.0.3770"],
                ["handled", "no"],
                ["level", "error"],
                ["mechanism", "onerror"],
                ["url", "https://null.jsbin.com/runner"],
            ],
            "time_spent": None,
            "timestamp": 1566248777.677,
            "title": "ReferenceError: heck is not defined",
            "type": "error",
            "url": "https://sentry.io/api/0/projects/test-org/front-end/events/e4874d664c3540c1a32eab185f12c5ab/",
            "user": {"ip_address": "162.218.85.90"},
            "version": "7",
            "web_url": "https://sentry.io/organizations/test-org/issues/1117540176/events/e4874d664c3540c1a32eab185f12c5ab/",
        },
        "triggered_rule": "Very Important Alert Rule!",
        "issue_alert": {
            "title": "Very Important Alert Rule!",
            "settings": [{"name": "channel", "value": "#general"}],
        },
    },
    "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},
}

# Sentry's documented issue payload (Sentry-Hook-Resource: issue).
ISSUE_CREATED: dict[str, Any] = {
    "action": "created",
    "actor": {"id": "sentry", "name": "Sentry", "type": "application"},
    "data": {
        "issue": {
            "annotations": [],
            "assignedTo": None,
            "count": "1",
            "culprit": "?(runner)",
            "firstSeen": "2019-08-19T20:58:37.391000Z",
            "hasSeen": False,
            "id": "1170820242",
            "isBookmarked": False,
            "isPublic": False,
            "isSubscribed": False,
            "lastSeen": "2019-08-19T20:58:37.391000Z",
            "level": "error",
            "logger": None,
            "metadata": {
                "filename": "/runner",
                "type": "ReferenceError",
                "value": "blooopy is not defined",
            },
            "numComments": 0,
            "permalink": None,
            "platform": "javascript",
            "project": {"id": "1", "name": "front-end", "platform": "", "slug": "front-end"},
            "shareId": None,
            "shortId": "FRONT-END-9",
            "status": "unresolved",
            "statusDetails": {},
            "subscriptionDetails": None,
            "substatus": "escalating",
            "title": "ReferenceError: blooopy is not defined",
            "type": "error",
            "userCount": 1,
            "web_url": "https://sentry.io/organizations/test-org/issues/1170820242/",
        }
    },
    "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},
}


def sentry(
    payload: object, resource: str | None = None, request_id: str | None = REQUEST_ID
) -> list[Signal]:
    headers = {}
    if resource:
        headers["Sentry-Hook-Resource"] = resource
    if request_id:
        headers["Request-ID"] = request_id
    return list(
        normalize(
            AlertSource.SENTRY, payload, received_at=RECEIVED, body_digest="digest", headers=headers
        )
    )


# Sentry's documented metric alert webhook (docs: integration platform, webhooks, metric alerts),
# as it is sent when the alert goes critical.
METRIC_ALERT: dict[str, Any] = {
    "action": "critical",
    "actor": {"id": "sentry", "name": "Sentry", "type": "application"},
    "data": {
        "description_text": "1000 events in the last 10 minutes\\nFilter: level:error",
        "description_title": "Critical: Too many errors",
        "metric_alert": {
            "alert_rule": {
                "aggregate": "count()",
                "created_by": None,
                "dataset": "events",
                "date_created": "2020-09-13T12:26:40.000000Z",
                "date_modified": "2020-09-13T12:26:40.000000Z",
                "environment": None,
                "id": "7",
                "include_all_projects": False,
                "name": "Too many errors",
                "organization_id": "5",
                "projects": ["bar"],
                "query": "level:error",
                "resolution": 1,
                "resolve_threshold": None,
                "status": 0,
                "threshold_period": 1,
                "threshold_type": 0,
                "time_window": 10,
                "triggers": [],
            },
            "date_closed": None,
            "date_created": "2020-09-13T12:26:40.000000Z",
            "date_detected": "2020-09-13T12:26:40.000000Z",
            "date_started": "2020-09-13T12:26:40.000000Z",
            "id": "4",
            "identifier": "1",
            "organization_id": "5",
            "projects": ["bar"],
            "status": 2,
            "status_method": 3,
            "title": "Sacred Marmot",
            "type": 2,
        },
        "web_url": "https://sentry.io/organizations/baz/alerts/1/",
    },
    "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},
}


def metric(action: str, **incident: object) -> dict[str, Any]:
    body = copy.deepcopy(METRIC_ALERT)
    body["action"] = action
    body["data"]["metric_alert"].update(incident)
    return body


def alert(**event: object) -> dict[str, Any]:
    body = copy.deepcopy(EVENT_ALERT)
    body["data"]["event"].update(event)
    return body


def issue(action: str, **fields: object) -> dict[str, Any]:
    body = copy.deepcopy(ISSUE_CREATED)
    body["action"] = action
    body["data"]["issue"].update(fields)
    return body


def test_an_issue_alert_maps_every_field() -> None:
    (signal,) = sentry(EVENT_ALERT, "event_alert")
    assert signal.service == "front-end"
    assert signal.severity == Severity.SEV2
    assert signal.status == SignalStatus.FIRING
    assert signal.started_at == datetime(2019, 8, 19, 21, 6, 17, 677000, tzinfo=UTC)
    assert signal.title == "ReferenceError: heck is not defined"
    assert signal.description == "?(<anonymous>)\nAlert rule: Very Important Alert Rule!"
    assert signal.fingerprint == "sentry:1117540176"
    assert signal.delivery_id == REQUEST_ID
    assert [link.title for link in signal.links] == ["Sentry event"]
    assert signal.labels["sentry_project"] == "front-end"
    assert signal.labels["handled"] == "no"


def test_the_service_tag_names_the_service_and_the_team_tag_the_owner() -> None:
    tags = [["service", "checkout-web"], ["team", "storefront"], ["level", "error"]]
    (signal,) = sentry(alert(tags=tags), "event_alert")
    assert (signal.service, signal.owner) == ("checkout-web", "storefront")


def test_tags_as_key_value_objects_are_read_too() -> None:
    (signal,) = sentry(alert(tags=[{"key": "service", "value": "checkout-web"}]), "event_alert")
    assert signal.service == "checkout-web"


def test_an_event_without_project_url_falls_back_to_the_project_id() -> None:
    (signal,) = sentry(alert(url="", tags=[]), "event_alert")
    assert signal.service == "sentry-project-1"


def test_an_event_without_datetime_starts_at_its_timestamp() -> None:
    (signal,) = sentry(alert(datetime=None), "event_alert")
    assert signal.started_at == datetime.fromtimestamp(1566248777.677, tz=UTC)


@pytest.mark.parametrize(
    ("level", "severity"),
    [
        ("fatal", Severity.SEV1),
        ("error", Severity.SEV2),
        ("warning", Severity.SEV3),
        ("info", Severity.SEV4),
        ("debug", Severity.SEV4),
        (None, Severity.SEV3),
    ],
)
def test_the_level_sets_the_severity(level: str | None, severity: Severity) -> None:
    (signal,) = sentry(alert(level=level), "event_alert")
    assert signal.severity == severity


def test_a_created_issue_is_a_firing_signal_of_its_project() -> None:
    (signal,) = sentry(ISSUE_CREATED, "issue")
    assert (signal.service, signal.status) == ("front-end", SignalStatus.FIRING)
    assert signal.started_at == datetime(2019, 8, 19, 20, 58, 37, 391000, tzinfo=UTC)
    assert signal.fingerprint == "sentry:1170820242"
    assert [link.url for link in signal.links] == [
        "https://sentry.io/organizations/test-org/issues/1170820242/"
    ]
    assert signal.labels["short_id"] == "FRONT-END-9"


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("created", SignalStatus.FIRING),
        ("unresolved", SignalStatus.FIRING),
        ("resolved", SignalStatus.RESOLVED),
        ("ignored", SignalStatus.RESOLVED),
        ("archived", SignalStatus.RESOLVED),
    ],
)
def test_the_issue_action_sets_the_status(action: str, status: SignalStatus) -> None:
    (signal,) = sentry(issue(action), "issue")
    assert signal.status == status


def test_a_regressed_issue_starts_when_it_was_last_seen() -> None:
    (signal,) = sentry(issue("unresolved", lastSeen="2026-03-04T14:01:00Z"), "issue")
    assert signal.started_at == datetime(2026, 3, 4, 14, 1, tzinfo=UTC)


def test_an_issue_assigned_to_a_team_names_the_team_as_owner() -> None:
    team = {"type": "team", "id": "4", "name": "storefront"}
    (signal,) = sentry(issue("created", assignedTo=team), "issue")
    assert signal.owner == "storefront"


def test_a_critical_metric_alert_maps_every_field() -> None:
    (signal,) = sentry(METRIC_ALERT, "metric_alert")
    assert signal.service == "bar"
    assert (signal.severity, signal.status) == (Severity.SEV1, SignalStatus.FIRING)
    assert signal.started_at == datetime(2020, 9, 13, 12, 26, 40, tzinfo=UTC)
    assert signal.title == "Critical: Too many errors"
    assert signal.description == (
        "1000 events in the last 10 minutes\nFilter: level:error\nRule: count() where level:error"
    )
    assert signal.fingerprint == "sentry:metric:4"
    assert signal.delivery_id == REQUEST_ID
    assert [(link.title, link.url) for link in signal.links] == [
        ("Sentry metric alert", "https://sentry.io/organizations/baz/alerts/1/")
    ]
    assert dict(signal.labels) == {
        "sentry_resource": "metric_alert",
        "sentry_action": "critical",
        "sentry_alert_rule": "Too many errors",
        "sentry_incident": "1",
        "sentry_project": "bar",
    }


def test_warning_critical_and_resolved_of_one_metric_incident_share_the_fingerprint() -> None:
    signals = [
        one
        for action in ("warning", "critical", "resolved")
        for one in sentry(metric(action), "metric_alert")
    ]
    assert {signal.fingerprint for signal in signals} == {"sentry:metric:4"}
    assert [(s.severity, s.status) for s in signals] == [
        (Severity.SEV3, SignalStatus.FIRING),
        (Severity.SEV1, SignalStatus.FIRING),
        (Severity.SEV3, SignalStatus.RESOLVED),
    ]


def test_a_metric_alert_without_start_time_starts_when_detected_else_when_received() -> None:
    (detected,) = sentry(metric("critical", date_started=None), "metric_alert")
    assert detected.started_at == datetime(2020, 9, 13, 12, 26, 40, tzinfo=UTC)
    (received,) = sentry(metric("critical", date_started=None, date_detected=None), "metric_alert")
    assert received.started_at == RECEIVED


def test_a_metric_alert_action_sentry_does_not_document_yields_no_signal() -> None:
    assert sentry(metric("paused"), "metric_alert") == []


def test_an_issue_assignment_yields_no_signal() -> None:
    assert sentry(issue("assigned"), "issue") == []


@pytest.mark.parametrize("resource", ["installation", "comment", "error", "seer"])
def test_other_resources_yield_no_signal(resource: str) -> None:
    assert sentry({"action": "created", "data": {}}, resource) == []


def test_without_a_request_id_the_body_digest_is_the_delivery_id() -> None:
    (signal,) = sentry(EVENT_ALERT, "event_alert", request_id=None)
    assert signal.delivery_id == "digest"


@pytest.mark.parametrize(
    ("payload", "fingerprint"),
    [
        (EVENT_ALERT, "sentry:1117540176"),
        (ISSUE_CREATED, "sentry:1170820242"),
        (METRIC_ALERT, "sentry:metric:4"),
    ],
)
def test_without_the_resource_header_the_body_shape_decides(
    payload: dict[str, Any], fingerprint: str
) -> None:
    (signal,) = sentry(payload, resource=None)
    assert signal.fingerprint == fingerprint


def test_without_the_resource_header_an_unknown_body_is_a_payload_error() -> None:
    with pytest.raises(PayloadError) as raised:
        sentry({"action": "created", "data": {"comment": "hi"}}, resource=None)
    assert raised.value.field == "data"


@pytest.mark.parametrize(
    ("payload", "resource", "field"),
    [
        (alert(issue_id=None), "event_alert", "data.event.issue_id"),
        (alert(title=""), "event_alert", "data.event.title"),
        (alert(datetime="last tuesday"), "event_alert", "data.event.datetime"),
        (alert(tags="browser:chrome"), "event_alert", "data.event.tags"),
        ({"action": "triggered", "data": {}}, "event_alert", "data.event"),
        (issue("created", project={"id": "1"}), "issue", "data.issue.project.slug"),
        (issue("created", id=None), "issue", "data.issue.id"),
        ({"action": "critical", "data": {}}, "metric_alert", "data.metric_alert"),
        (metric("critical", alert_rule=None), "metric_alert", "data.metric_alert.alert_rule"),
        (metric("critical", id=""), "metric_alert", "data.metric_alert.id"),
        (metric("critical", date_started="soon"), "metric_alert", "data.metric_alert.date_started"),
    ],
)
def test_an_invalid_payload_is_a_payload_error_naming_the_field(
    payload: dict[str, Any], resource: str, field: str
) -> None:
    with pytest.raises(PayloadError) as raised:
        sentry(payload, resource)
    assert raised.value.field == field


CHECK = hmac_sha256_signature("Sentry-Hook-Signature", prefix="")


def test_the_signature_is_the_hex_hmac_of_the_body_with_the_client_secret() -> None:
    body = b'{"action": "triggered"}'
    signature = hmac.new(b"client-secret", body, hashlib.sha256).hexdigest()
    headers = {"Sentry-Hook-Signature": signature}
    assert CHECK(headers, body, "client-secret") is None  # accepted: nothing raised
    with pytest.raises(AuthenticationError):  # the secret is part of it
        CHECK(headers, body, "another-secret")


def test_a_signature_of_another_body_is_refused() -> None:
    signature = hmac.new(b"client-secret", b"{}", hashlib.sha256).hexdigest()
    with pytest.raises(AuthenticationError, match="does not match the body"):
        CHECK({"Sentry-Hook-Signature": signature}, b'{"x": 1}', "client-secret")


def test_the_signed_headers_name_the_resource_the_body_shows() -> None:
    body = b'{"action": "created", "data": {"issue": {}}}'
    headers = signed_headers("sentry", body, "client-secret")
    CHECK(headers, body, "client-secret")
    assert headers["Sentry-Hook-Resource"] == "issue"
