"""Valid deliveries of every source, the credential each one carries, and hypothesis
strategies for hostile variations of them.

The samples follow the sources' documented payloads (trimmed); each is accepted as it stands, so
any refusal of a variation is the variation's doing.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterator
from typing import Any

from hypothesis import strategies as st

__all__ = [
    "CREDENTIAL_HEADERS",
    "HOSTILE_VALUES",
    "SOURCES",
    "VALID",
    "Path",
    "encoded",
    "fresh",
    "fresh_deliveries",
    "json_kind",
    "json_values",
    "mutations",
    "paths",
    "replaced",
    "without",
]

Path = tuple[str | int, ...]

GENERIC: dict[str, Any] = {
    "service": "checkout-api",
    "title": "Checkout p99 latency above 2s",
    "severity": "critical",
    "status": "firing",
    "started_at": "2026-03-04T14:03:00Z",
    "description": "p99 2.4s over 5m",
    "links": ["https://grafana.example.com/d/checkout", {"title": "Runbook", "url": "https://r"}],
    "dedup_key": "checkout-latency",
    "labels": {"team": "payments", "env": "prod"},
}
ALERTMANAGER: dict[str, Any] = {
    "version": "4",
    "groupKey": '{}:{alertname="HighErrorRate"}',
    "truncatedAlerts": 0,
    "status": "firing",
    "receiver": "incident-bot",
    "groupLabels": {"alertname": "HighErrorRate"},
    "commonLabels": {"alertname": "HighErrorRate", "service": "billing-webhooks"},
    "commonAnnotations": {"summary": "billing-webhooks error rate above 5%"},
    "externalURL": "http://alertmanager.monitoring:9093",
    "alerts": [
        {
            "status": "firing",
            "labels": {
                "alertname": "HighErrorRate",
                "service": "billing-webhooks",
                "severity": "high",
                "team": "payments",
            },
            "annotations": {"summary": "error rate above 5%", "runbook_url": "https://r"},
            "startsAt": "2026-03-04T14:03:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=rate",
            "fingerprint": "a1b2c3d4e5f60718",
        }
    ],
}
PAGERDUTY: dict[str, Any] = {
    "event": {
        "id": "01DEN2TQXQ6P3KQ0W8VZZ3Z9HM",
        "event_type": "incident.triggered",
        "resource_type": "incident",
        "occurred_at": "2026-03-04T14:03:40.118Z",
        "agent": {"id": "PXPGF42", "summary": "Monitoring", "type": "service_reference"},
        "data": {
            "id": "Q2UCKK8JLVWZ2E",
            "type": "incident",
            "html_url": "https://acme.pagerduty.com/incidents/Q2UCKK8JLVWZ2E",
            "number": 4821,
            "status": "triggered",
            "incident_key": "billing-webhooks-error-rate",
            "created_at": "2026-03-04T14:03:40Z",
            "title": "billing-webhooks error rate above 5%",
            "service": {"id": "PIJ90N7", "summary": "Billing Webhooks"},
            "assignees": [{"id": "PTUXL6G", "summary": "Dana"}],
            "escalation_policy": {"id": "PUS0KTE", "summary": "Payments"},
            "teams": [{"id": "PFCVPS0", "summary": "Payments Platform"}],
            "priority": {"id": "PSO75BM", "summary": "P2"},
            "urgency": "high",
            "conference_bridge": {"conference_url": "https://meet.example.com/x"},
        },
    }
}
DATADOG: dict[str, Any] = {
    "id": "7364183320001122334",
    "alert_id": "148822011",
    "title": "[Triggered] billing-webhooks error rate above 5%",
    "body": "Error rate for service:billing-webhooks is 8.7% (threshold 5%).",
    "transition": "Triggered",
    "status": "Alert",
    "priority": "P2",
    "alert_type": "error",
    "date": "1772633040000",
    "last_updated": "1772633040000",
    "tags": "service:billing-webhooks,env:prod,team:payments",
    "link": "https://app.datadoghq.com/monitors/148822011",
    "aggreg_key": "e51c1f4b2a0d6c77",
    "hostname": "web-1",
    "org": {"id": "112233", "name": "Acme"},
}
GRAFANA: dict[str, Any] = {
    "receiver": "incident-bot",
    "status": "firing",
    "orgId": 1,
    "alerts": [
        {
            "status": "firing",
            "labels": {
                "alertname": "HighLatency",
                "service": "checkout-api",
                "team": "checkout",
                "zone": "us-1",
            },
            "annotations": {"summary": "checkout-api p99 above 2s", "description": "slow"},
            "startsAt": "2026-03-04T14:02:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://grafana.example.com/alerting/grafana/abc123/view",
            "fingerprint": "c6eadffa33fcdf37",
            "silenceURL": "https://grafana.example.com/alerting/silence/new",
            "dashboardURL": "https://grafana.example.com/d/x",
            "panelURL": "",
            "values": {"A": 2.4},
            "valueString": "",
        }
    ],
    "groupLabels": {"alertname": "HighLatency"},
    "commonLabels": {"alertname": "HighLatency", "service": "checkout-api"},
    "commonAnnotations": {},
    "externalURL": "https://grafana.example.com/",
    "version": "1",
    "groupKey": '{}:{alertname="HighLatency"}',
    "truncatedAlerts": 0,
    "title": "[FIRING:1] HighLatency (checkout-api)",
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
            "title": "KeyError: 'customer_id'",
            "culprit": "app.parser in parse_event",
            "level": "error",
            "datetime": "2026-03-04T14:03:04.000000Z",
            "timestamp": 1772632984.0,
            "project": 42,
            "tags": [["service", "billing-webhooks"], ["team", "payments"]],
            "url": "https://sentry.io/api/0/projects/acme/billing/events/e4874d66/",
            "web_url": "https://sentry.io/organizations/acme/issues/1117540176/events/e4874d66/",
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
        "log_url": "https://github.com/acme/billing-webhooks/actions/runs/1/logs",
        "environment_url": "https://billing.example.com",
        "created_at": "2026-03-04T13:52:00Z",
    },
    "deployment": {
        "id": 145988746,
        "sha": "9f1c2ab7e3d4c5b6a7980f1e2d3c4b5a69788776",
        "ref": "main",
        "task": "deploy",
        "payload": {"service": "billing-webhooks"},
        "environment": "production",
        "production_environment": True,
        "creator": {"login": "dana"},
    },
    "repository": {
        "name": "billing-webhooks",
        "full_name": "acme/billing-webhooks",
        "html_url": "https://github.com/acme/billing-webhooks",
    },
    "sender": {"login": "dana"},
}

VALID: dict[str, dict[str, Any]] = {
    "pagerduty": PAGERDUTY,
    "datadog": DATADOG,
    "alertmanager": ALERTMANAGER,
    "grafana": GRAFANA,
    "sentry": SENTRY,
    "github": GITHUB,
    "generic": GENERIC,
}
SOURCES = tuple(VALID)

# Where each sample carries what makes a delivery new (its delivery id, or for sources that
# derive the delivery id from the body, any text in the body).
DELIVERY_PATHS: dict[str, Path] = {
    "pagerduty": ("event", "id"),
    "datadog": ("id",),
    "alertmanager": ("alerts", 0, "fingerprint"),
    "grafana": ("alerts", 0, "fingerprint"),
    "sentry": ("data", "event", "event_id"),
    "github": ("deployment_status", "description"),
    "generic": ("description",),
}

# The header that proves a delivery, per source (handlers/webhooks/auth.py).
CREDENTIAL_HEADERS: dict[str, str] = {
    "pagerduty": "X-PagerDuty-Signature",
    "datadog": "X-Incident-Bot-Secret",
    "alertmanager": "Authorization",
    "grafana": "Authorization",
    "sentry": "Sentry-Hook-Signature",
    "github": "X-Hub-Signature-256",
    "generic": "X-Signature",
}

# Values that break naive code, none of which may cost more than a 4xx. The ones known to cost a
# 5xx today (a lone surrogate, a time that leaves the datetime range when moved to UTC) are in
# test_webhook_known_bugs.py instead, until they are fixed.
HOSTILE_VALUES: tuple[object, ...] = (
    "",
    " ",
    "\x00",  # SQLite stores it; PostgreSQL refuses it (see test_webhook_regressions.py)
    "a\x00b",
    "\ud800",  # a lone surrogate: no database encodes it
    "x" * 201,  # one more than the signals table's keys hold
    "x" * 5000,
    "null",
    "NaN",
    "0",
    "-1",
    "1772633040000",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-01:00",  # past year 9999 in UTC
    "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
    "2026-02-30T00:00:00Z",
    "2026-03-04T14:03:00",  # no zone
    "1e400",
    0,
    -1,
    2**63,
    -(2**63) - 1,
    10**300,
    1e308,
    -0.0,
    math.nan,
    math.inf,
    -math.inf,
    True,
    False,
    None,
    [],
    {},
    [None],
    {"": None},
    [[[[[[[[]]]]]]]],
)


def json_values(max_leaves: int = 10) -> st.SearchStrategy[object]:
    """Any JSON value Python's json module writes, NaN and Infinity included."""
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats()
        | st.text(max_size=30)
        | st.sampled_from(HOSTILE_VALUES)
    )
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=10), children, max_size=4)
        ),
        max_leaves=max_leaves,
    )


def json_kind(value: object) -> str:
    """The JSON type of ``value``: null, boolean, number, string, array or object."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def paths(value: object, prefix: Path = ()) -> Iterator[Path]:
    """Every member and element of ``value``, however deep, as a path of keys and indexes."""
    children: list[tuple[str | int, object]] = []
    if isinstance(value, dict):
        children = list(value.items())
    elif isinstance(value, list):
        children = list(enumerate(value))
    for key, child in children:
        yield (*prefix, key)
        yield from paths(child, (*prefix, key))


def _at(payload: object, path: Path) -> Any:
    for key in path:
        payload = payload[key]  # type: ignore[index]
    return payload


def replaced(payload: dict[str, Any], path: Path, value: object) -> dict[str, Any]:
    """A copy of ``payload`` with the member at ``path`` set to ``value``."""
    changed = copy.deepcopy(payload)
    _at(changed, path[:-1])[path[-1]] = value
    return changed


def without(payload: dict[str, Any], path: Path) -> dict[str, Any]:
    """A copy of ``payload`` without the member (or element) at ``path``."""
    changed = copy.deepcopy(payload)
    del _at(changed, path[:-1])[path[-1]]
    return changed


def fresh(source: str, token: str) -> dict[str, Any]:
    """The source's valid payload as a new delivery, ``token`` telling it from the others, so
    that accepting it stores rows instead of counting a duplicate."""
    return replaced(VALID[source], DELIVERY_PATHS[source], token)


@st.composite
def fresh_deliveries(draw: st.DrawFn, source: str) -> dict[str, Any]:
    """The source's valid payload as a new delivery (see :func:`fresh`)."""
    return fresh(source, draw(st.uuids()).hex[:16])


@st.composite
def mutations(draw: st.DrawFn, source: str) -> tuple[str, dict[str, Any]]:
    """A new delivery of the source's valid payload with one member deleted, or replaced by a
    JSON value of another type or a hostile value; with a description of the change."""
    payload = draw(fresh_deliveries(source))
    path = draw(st.sampled_from(list(paths(payload))))
    where = ".".join(str(key) for key in path)
    if draw(st.booleans()):
        return f"deleted {where}", without(payload, path)
    kind = json_kind(_at(payload, path))
    value = draw(
        st.sampled_from(HOSTILE_VALUES) | json_values().filter(lambda v: json_kind(v) != kind)
    )
    return f"{where} = {value!r:.80}", replaced(payload, path, value)


def encoded(payload: object) -> bytes:
    """``payload`` as the body a source posts."""
    return json.dumps(payload).encode()
