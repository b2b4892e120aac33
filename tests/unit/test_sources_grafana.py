"""Grafana Alerting webhook (version 1): every alert a signal, and bearer or basic auth."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from bot.errors import AuthenticationError, PayloadError
from bot.signal.sources import normalize
from bot.signal.values import AlertSource, Severity, Signal, SignalStatus
from handlers.webhooks.auth import bearer_or_basic, check_signed_time, grafana_auth, signed_headers

RECEIVED = datetime(2026, 3, 4, 14, 6, tzinfo=UTC)

# Grafana's documented example body ("Configure the webhook notifier for Alerting").
NOTIFICATION: dict[str, Any] = {
    "receiver": "My Super Webhook",
    "status": "firing",
    "orgId": 1,
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "High memory usage", "team": "blue", "zone": "us-1"},
            "annotations": {
                "description": "The system has high memory usage",
                "runbook_url": "https://myrunbook.com/runbook/1234",
                "summary": "This alert was triggered for zone us-1",
            },
            "startsAt": "2021-10-12T09:51:03.157076+02:00",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://play.grafana.org/alerting/1afz29v7z/edit",
            "fingerprint": "c6eadffa33fcdf37",
            "silenceURL": "https://play.grafana.org/alerting/silence/new?alertmanager=grafana",
            "dashboardURL": "",
            "panelURL": "",
            "values": {"B": 44.23943737541908, "C": 1},
        },
        {
            "status": "firing",
            "labels": {"alertname": "High CPU usage", "team": "blue", "zone": "eu-1"},
            "annotations": {
                "description": "The system has high CPU usage",
                "runbook_url": "https://myrunbook.com/runbook/1234",
                "summary": "This alert was triggered for zone eu-1",
            },
            "startsAt": "2021-10-12T09:56:03.157076+02:00",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://play.grafana.org/alerting/d1rdpdv7k/edit",
            "fingerprint": "bc97ff14869b13e3",
            "silenceURL": "https://play.grafana.org/alerting/silence/new?alertmanager=grafana",
            "dashboardURL": "",
            "panelURL": "",
            "values": {"B": 44.23943737541908, "C": 1},
        },
    ],
    "groupLabels": {},
    "commonLabels": {"team": "blue"},
    "commonAnnotations": {},
    "externalURL": "https://play.grafana.org/",
    "version": "1",
    "groupKey": "{}:{}",
    "truncatedAlerts": 0,
    "title": "[FIRING:2]  (blue)",
    "state": "alerting",
    "message": "**Firing**\n\nLabels:\n - alertname = T2\n",
}


def grafana(**alert: object) -> dict[str, Any]:
    """The documented body with only its first alert, changed by ``alert``."""
    body = copy.deepcopy(NOTIFICATION)
    body["alerts"] = body["alerts"][:1]
    body["alerts"][0].update(alert)
    return body


def one(payload: object) -> Signal:
    (signal,) = normalize(AlertSource.GRAFANA, payload, received_at=RECEIVED, body_digest="d")
    return signal


def test_every_alert_of_a_notification_is_its_own_signal() -> None:
    signals = normalize(AlertSource.GRAFANA, NOTIFICATION, received_at=RECEIVED, body_digest="d")
    assert [s.fingerprint for s in signals] == [
        "grafana:c6eadffa33fcdf37",
        "grafana:bc97ff14869b13e3",
    ]


def test_a_grafana_alert_maps_every_field() -> None:
    signal = one(
        grafana(
            labels={
                "alertname": "HighLatency",
                "service": "checkout-api",
                "severity": "critical",
                "team": "payments",
            }
        )
    )
    assert signal.service == "checkout-api"
    assert signal.severity == Severity.SEV1
    assert signal.status == SignalStatus.FIRING
    assert signal.started_at == datetime(
        2021, 10, 12, 9, 51, 3, 157076, tzinfo=timezone(timedelta(hours=2))
    )
    assert signal.started_at.tzinfo == UTC
    assert signal.title == "This alert was triggered for zone us-1"
    assert (
        signal.description == "The system has high memory usage\n\nValues: B=44.23943737541908, C=1"
    )
    assert signal.owner == "payments"
    assert signal.delivery_id == "c6eadffa33fcdf37:2021-10-12T07:51:03.157076+00:00:firing"
    assert [link.title for link in signal.links] == ["Grafana alert rule", "Runbook", "Silence"]


def test_an_alert_without_service_or_severity_labels_gets_the_defaults() -> None:
    signal = one(grafana())
    assert (signal.service, signal.severity, signal.owner) == ("unknown", Severity.SEV3, "blue")


def test_the_common_service_label_names_the_service_when_the_alert_has_none() -> None:
    body = grafana()
    body["commonLabels"]["service"] = "billing-db"
    assert one(body).service == "billing-db"


@pytest.mark.parametrize(
    ("word", "severity"),
    [
        ("critical", Severity.SEV1),
        ("high", Severity.SEV2),
        ("warning", Severity.SEV3),
        ("info", Severity.SEV4),
        ("sev2", Severity.SEV2),
    ],
)
def test_the_severity_label_goes_through_the_table(word: str, severity: Severity) -> None:
    assert one(grafana(labels={"alertname": "X", "severity": word})).severity == severity


def test_the_resolve_of_an_alert_is_a_new_delivery_with_the_same_fingerprint() -> None:
    firing = one(grafana())
    resolved = one(grafana(status="resolved", endsAt="2021-10-12T10:01:03Z"))
    assert resolved.status == SignalStatus.RESOLVED
    assert resolved.fingerprint == firing.fingerprint
    assert resolved.delivery_id != firing.delivery_id


def test_the_older_value_string_is_shown_when_present() -> None:
    signal = one(grafana(valueString="[ metric='' labels={} value=14151.33 ]", values=None))
    assert signal.description.endswith("Values: [ metric='' labels={} value=14151.33 ]")


def test_an_alert_without_a_fingerprint_gets_one_from_its_labels() -> None:
    first, second = one(grafana(fingerprint="")), one(grafana(fingerprint=""))
    assert first.fingerprint == second.fingerprint
    assert first.fingerprint.startswith("grafana:")


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.update(version="4"), "version"),
        (lambda b: b.update(alerts=[]), "alerts"),
        (lambda b: b["alerts"][0].pop("startsAt"), "alerts.0.startsAt"),
        (lambda b: b["alerts"][0].update(status="pending"), "alerts.0.status"),
        (lambda b: b["alerts"][0].update(labels=["x"]), "alerts.0.labels"),
    ],
)
def test_an_invalid_notification_is_a_payload_error_naming_the_field(
    mutate: Any, field: str
) -> None:
    body = copy.deepcopy(NOTIFICATION)
    mutate(body)
    with pytest.raises(PayloadError) as raised:
        normalize(AlertSource.GRAFANA, body, received_at=RECEIVED, body_digest="d")
    assert raised.value.field == field


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_the_signed_headers_carry_the_bearer_token() -> None:
    headers = signed_headers("grafana", b"{}", "s3cret")
    assert headers["Authorization"] == "Bearer s3cret"
    assert bearer_or_basic(headers, b"{}", "s3cret") is None  # accepted: nothing raised


def test_basic_auth_with_the_secret_as_password_is_accepted_whatever_the_user() -> None:
    for user in ("grafana", "anyone", ""):
        assert bearer_or_basic(_basic(user, "s3cret"), b"{}", "s3cret") is None


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing Authorization header"),
        ({"Authorization": "Bearer guess"}, "wrong bearer token"),
        (_basic("grafana", "guess"), "wrong basic auth password"),
        ({"Authorization": "Basic !!!"}, "not base64"),
        ({"Authorization": "Token s3cret"}, "must be 'Bearer <secret>' or 'Basic <...>'"),
    ],
)
def test_other_credentials_are_refused_with_the_reason(
    headers: dict[str, str], reason: str
) -> None:
    with pytest.raises(AuthenticationError, match=reason):
        bearer_or_basic(headers, b"{}", "s3cret")


def _hmac(message: bytes, secret: str = "s3cret") -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def test_a_grafana_hmac_signature_of_the_body_authenticates() -> None:
    headers = {"X-Grafana-Alerting-Signature": _hmac(b"{}")}
    assert grafana_auth(headers, b"{}", "s3cret") is None  # accepted: nothing raised
    with pytest.raises(AuthenticationError):
        grafana_auth(headers, b"[]", "s3cret")


def test_a_grafana_hmac_signature_with_a_timestamp_signs_both() -> None:
    headers = {
        "X-Grafana-Alerting-Signature": _hmac(b"1772633160:{}"),
        "X-Grafana-Alerting-Timestamp": "1772633160",
    }
    assert grafana_auth(headers, b"{}", "s3cret") is None  # accepted: nothing raised
    with pytest.raises(AuthenticationError):  # the time is signed too
        grafana_auth({**headers, "X-Grafana-Alerting-Timestamp": "1772633161"}, b"{}", "s3cret")


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        (
            {"X-Grafana-Alerting-Signature": _hmac(b"{}", "guess")},
            "does not match the body .*must send it as X-Grafana-Alerting-Timestamp",
        ),
        (
            {
                "X-Grafana-Alerting-Signature": _hmac(b"{}"),  # signed without the time
                "X-Grafana-Alerting-Timestamp": "1772633160",
            },
            "does not match X-Grafana-Alerting-Timestamp and the body",
        ),
    ],
)
def test_a_grafana_signature_that_does_not_match_is_refused(
    headers: dict[str, str], reason: str
) -> None:
    with pytest.raises(AuthenticationError, match=reason):
        grafana_auth(headers, b"{}", "s3cret")


def test_a_grafana_signature_is_required_once_sent_even_with_a_right_bearer_token() -> None:
    headers = {
        "X-Grafana-Alerting-Signature": _hmac(b"{}", "guess"),
        "Authorization": "Bearer s3cret",
    }
    with pytest.raises(AuthenticationError, match="does not match the body"):
        grafana_auth(headers, b"{}", "s3cret")


SIGNED_AT = datetime(2026, 3, 4, 14, 6, tzinfo=UTC)


@pytest.mark.parametrize("skew", [timedelta(0), timedelta(minutes=5), -timedelta(minutes=5)])
def test_a_signed_time_within_five_minutes_of_the_clock_passes(skew: timedelta) -> None:
    stamp = str(int(SIGNED_AT.timestamp()))
    headers = {"X-Grafana-Alerting-Timestamp": stamp}
    assert check_signed_time(AlertSource.GRAFANA, headers, SIGNED_AT + skew) is None


@pytest.mark.parametrize(
    ("stamp", "reason"),
    [
        (str(int(SIGNED_AT.timestamp()) - 301), "is 301 s from the bot's clock"),
        (str(int(SIGNED_AT.timestamp()) + 3600), "is 3600 s from the bot's clock"),
        ("yesterday", "must be Unix seconds"),
        ("9" * 30, "must be Unix seconds"),
    ],
)
def test_a_stale_future_or_malformed_signed_time_is_refused(stamp: str, reason: str) -> None:
    with pytest.raises(AuthenticationError, match=reason):
        check_signed_time(AlertSource.GRAFANA, {"X-Grafana-Alerting-Timestamp": stamp}, SIGNED_AT)


def test_sources_that_sign_no_time_are_not_asked_for_one() -> None:
    stale = {"X-Grafana-Alerting-Timestamp": "0"}
    assert check_signed_time(AlertSource.GENERIC, stale, SIGNED_AT) is None
    assert check_signed_time(AlertSource.GRAFANA, {}, SIGNED_AT) is None
