"""Datadog monitor notifications (the fixed webhook template): mapping, transitions, severity,
and the shared-secret header."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.errors import AuthenticationError, PayloadError
from bot.signal.sources import normalize
from bot.signal.sources.datadog import parse_tags
from bot.signal.values import AlertSource, Severity, Signal, SignalStatus
from handlers.webhooks.auth import shared_secret_header, signed_headers

RECEIVED = datetime(2026, 3, 4, 14, 6, tzinfo=UTC)


def datadog(**overrides: object) -> dict[str, Any]:
    """The template's output for a P2 error monitor on billing-webhooks (as in FORMAT.md)."""
    body: dict[str, Any] = {
        "id": "7364183320001122334",
        "alert_id": "148822011",
        "title": "[P2] [Triggered] billing-webhooks error rate above 5%",
        "body": "Error rate for service:billing-webhooks is 8.7% (threshold 5%) over the last 5m.",
        "transition": "Triggered",
        "status": "Alert",
        "priority": "P2",
        "alert_type": "error",
        "date": "1772633040000",
        "last_updated": "1772633040000",
        "tags": "service:billing-webhooks,env:prod,team:payments",
        "link": "https://app.datadoghq.com/event/event?id=7364183320001122334",
        "aggreg_key": "e51c1f4b2a0d6c77",
        "hostname": "",
        "org": {"id": "112233", "name": "Acme"},
    }
    body.update(overrides)
    return body


def one(payload: object) -> Signal:
    (signal,) = normalize(AlertSource.DATADOG, payload, received_at=RECEIVED, body_digest="d")
    return signal


def test_a_triggered_monitor_maps_every_field() -> None:
    signal = one(datadog())
    assert signal.service == "billing-webhooks"
    assert signal.severity == Severity.SEV2
    assert signal.status == SignalStatus.FIRING
    assert signal.started_at == datetime(2026, 3, 4, 14, 4, tzinfo=UTC)
    assert signal.title == "billing-webhooks error rate above 5%"
    assert signal.description.startswith("Error rate for service:billing-webhooks")
    assert signal.fingerprint == "datadog:148822011:e51c1f4b2a0d6c77"
    assert signal.delivery_id == "7364183320001122334:Triggered"
    assert signal.owner == "payments"
    assert dict(signal.labels) == {"service": "billing-webhooks", "env": "prod", "team": "payments"}
    assert [link.url for link in signal.links] == [
        "https://app.datadoghq.com/event/event?id=7364183320001122334"
    ]


@pytest.mark.parametrize(
    ("transition", "status"),
    [
        ("Triggered", SignalStatus.FIRING),
        ("Re-Triggered", SignalStatus.FIRING),
        ("Warn", SignalStatus.FIRING),
        ("Re-Warn", SignalStatus.FIRING),
        ("No Data", SignalStatus.FIRING),
        ("Re-No Data", SignalStatus.FIRING),
        ("Renotify", SignalStatus.FIRING),
        ("Recovered", SignalStatus.RESOLVED),
    ],
)
def test_the_transition_sets_the_status(transition: str, status: SignalStatus) -> None:
    assert one(datadog(transition=transition)).status == status


def test_the_recovery_shares_the_fingerprint_and_title_but_is_a_new_delivery() -> None:
    triggered = one(datadog())
    recovered = one(
        datadog(
            id="7364183320001199999",
            transition="Recovered",
            title="[P2] [Recovered] billing-webhooks error rate above 5%",
        )
    )
    assert (recovered.fingerprint, recovered.title) == (triggered.fingerprint, triggered.title)
    assert recovered.delivery_id != triggered.delivery_id


@pytest.mark.parametrize("transition", ["", "Null"])
def test_an_event_that_is_not_a_state_change_yields_no_signal(transition: str) -> None:
    payload = datadog(transition=transition)
    assert normalize(AlertSource.DATADOG, payload, received_at=RECEIVED, body_digest="d") == []


@pytest.mark.parametrize(
    ("priority", "severity"),
    [
        ("P1", Severity.SEV1),
        ("P2", Severity.SEV2),
        ("P3", Severity.SEV3),
        ("P4", Severity.SEV4),
        ("p5", Severity.SEV4),
    ],
)
def test_the_priority_sets_the_severity(priority: str, severity: Severity) -> None:
    assert one(datadog(priority=priority, alert_type="info")).severity == severity


@pytest.mark.parametrize(
    ("priority", "alert_type", "severity"),
    [
        ("", "error", Severity.SEV2),
        ("", "warning", Severity.SEV3),
        ("", "info", Severity.SEV4),
        ("", "success", Severity.SEV4),
        ("normal", "warning", Severity.SEV3),  # Datadog's event priority, not a P1-P5
        ("", "", Severity.SEV3),
    ],
)
def test_without_a_priority_the_alert_type_sets_the_severity(
    priority: str, alert_type: str, severity: Severity
) -> None:
    assert one(datadog(priority=priority, alert_type=alert_type)).severity == severity


def test_an_added_alert_priority_key_wins_over_the_event_priority() -> None:
    signal = one(datadog(alert_priority="P1", priority="normal", alert_type="warning"))
    assert signal.severity == Severity.SEV1


def test_without_an_aggregation_key_the_monitor_alone_is_the_fingerprint() -> None:
    assert one(datadog(aggreg_key="")).fingerprint == "datadog:148822011"


def test_without_a_service_tag_the_service_is_unknown_and_no_owner() -> None:
    signal = one(datadog(tags="env:prod,role:db"))
    assert (signal.service, signal.owner) == ("unknown", None)


def test_numbers_where_the_template_has_strings_are_accepted() -> None:
    signal = one(datadog(id=7364183320001122334, alert_id=148822011, date=1772633040000))
    assert signal.fingerprint.startswith("datadog:148822011")


def test_tags_parse_into_a_mapping_and_the_first_value_wins() -> None:
    assert parse_tags("service:api, env:prod,service:other,flag,") == {
        "service": "api",
        "env": "prod",
        "flag": "",
    }


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"transition": "Exploded"}, "transition"),
        ({"date": "yesterday"}, "date"),
        ({"alert_id": ""}, "alert_id"),
        ({"title": None}, "title"),
        ({"id": ""}, "id"),
    ],
)
def test_an_invalid_notification_is_a_payload_error_naming_the_field(
    overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(PayloadError) as raised:
        normalize(AlertSource.DATADOG, datadog(**overrides), received_at=RECEIVED, body_digest="d")
    assert raised.value.field == field


def test_the_signed_headers_carry_the_shared_secret() -> None:
    check = shared_secret_header("X-Incident-Bot-Secret")
    headers = signed_headers("datadog", b"{}", "s3cret")
    assert headers["X-Incident-Bot-Secret"] == "s3cret"
    assert check(headers, b"{}", "s3cret") is None  # accepted: nothing raised


def test_a_wrong_shared_secret_is_refused() -> None:
    check = shared_secret_header("X-Incident-Bot-Secret")
    with pytest.raises(AuthenticationError, match="wrong X-Incident-Bot-Secret"):
        check({"X-Incident-Bot-Secret": "guess"}, b"{}", "s3cret")
