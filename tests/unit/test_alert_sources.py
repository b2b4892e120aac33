"""Normalizing alert payloads into signals, and the severity table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.signal.severity import severity_from_word
from bot.signal.sources import normalize
from bot.signal.values import AlertSource, Severity, SignalStatus

RECEIVED = datetime(2026, 3, 4, 14, 6, tzinfo=UTC)


def alertmanager(*alerts: dict[str, object], status: str = "firing") -> dict[str, object]:
    return {
        "version": "4",
        "status": status,
        "receiver": "incident-bot",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": list(alerts),
    }


def am_alert(**overrides: object) -> dict[str, object]:
    alert: dict[str, object] = {
        "status": "firing",
        "labels": {
            "alertname": "HighErrorRate",
            "service": "billing-webhooks",
            "severity": "critical",
        },
        "annotations": {"summary": "Error rate above 5%", "runbook_url": "https://runbooks/x"},
        "startsAt": "2026-03-04T14:03:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus/graph",
        "fingerprint": "c2a4e5f3b1d09a77",
    }
    alert.update(overrides)
    return alert


@pytest.mark.parametrize(
    ("word", "severity"),
    [
        ("critical", Severity.SEV1),
        ("High", Severity.SEV2),
        ("error", Severity.SEV2),
        ("warning", Severity.SEV3),
        ("info", Severity.SEV4),
        ("sev2", Severity.SEV2),
        ("P1", Severity.SEV1),
        ("P5", Severity.SEV4),
        ("", None),
        ("bogus", None),
    ],
)
def test_the_severity_table_maps_words_and_priorities(word: str, severity: Severity | None) -> None:
    assert severity_from_word(word) == severity


def test_an_alertmanager_alert_maps_every_field() -> None:
    (signal,) = normalize(
        AlertSource.ALERTMANAGER, alertmanager(am_alert()), received_at=RECEIVED, body_digest="d"
    )
    assert signal.service == "billing-webhooks"
    assert signal.severity == Severity.SEV1
    assert signal.status == SignalStatus.FIRING
    assert signal.started_at == datetime(2026, 3, 4, 14, 3, tzinfo=UTC)
    assert signal.title == "Error rate above 5%"
    assert signal.fingerprint == "alertmanager:c2a4e5f3b1d09a77"
    assert [link.title for link in signal.links] == ["Prometheus", "Runbook", "Alertmanager"]


def test_the_resolve_of_an_alert_is_a_new_delivery_with_the_same_fingerprint() -> None:
    firing = normalize(
        AlertSource.ALERTMANAGER, alertmanager(am_alert()), received_at=RECEIVED, body_digest="a"
    )
    resolved = normalize(
        AlertSource.ALERTMANAGER,
        alertmanager(am_alert(status="resolved"), status="resolved"),
        received_at=RECEIVED,
        body_digest="b",
    )
    assert firing[0].fingerprint == resolved[0].fingerprint
    assert firing[0].delivery_id != resolved[0].delivery_id
    assert resolved[0].status == SignalStatus.RESOLVED


def test_an_alertmanager_alert_without_severity_or_service_gets_the_defaults() -> None:
    (signal,) = normalize(
        AlertSource.ALERTMANAGER,
        alertmanager(am_alert(labels={"alertname": "Weird"}, fingerprint="")),
        received_at=RECEIVED,
        body_digest="d",
    )
    assert (signal.service, signal.severity) == ("unknown", Severity.SEV3)
    assert signal.fingerprint.startswith("alertmanager:")


def test_a_generic_alert_defaults_its_start_to_the_receipt_time() -> None:
    (signal,) = normalize(
        AlertSource.GENERIC,
        {
            "service": "api",
            "title": "Down",
            "links": ["https://x", {"url": "https://y", "title": "Y"}],
        },
        received_at=RECEIVED,
        body_digest="digest",
    )
    assert signal.started_at == RECEIVED
    assert signal.severity == Severity.SEV3
    assert signal.delivery_id == "digest"
    assert signal.fingerprint == "generic:api:Down"
    assert [link.title for link in signal.links] == ["Link", "Y"]


def test_a_generic_dedup_key_is_the_fingerprint() -> None:
    (signal,) = normalize(
        AlertSource.GENERIC,
        {"service": "api", "title": "Down", "dedup_key": "api-down"},
        received_at=RECEIVED,
        body_digest="d",
    )
    assert signal.fingerprint == "generic:api-down"
