"""Signed webhook deliveries for the load generator, each one a distinct alert: its own delivery
id and fingerprint, so the bot stores every one instead of counting duplicates."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from typing import Any

from handlers.webhooks.auth import signed_headers

__all__ = ["SECRET", "SOURCES", "Delivery", "delivery"]

# The webhook secret of every source during a run: a throwaway, both processes know it.
SECRET = "bench-ingest-secret"
Delivery = tuple[bytes, dict[str, str]]  # body, headers


def _generic(n: int) -> dict[str, Any]:
    return {
        "service": "checkout-api",
        "title": f"Checkout p99 latency above 2s (bench {n})",
        "severity": "high",
        "dedup_key": f"bench-{n}",
        "description": "p99 2.4s over 5m",
        "labels": {"team": "payments", "env": "prod"},
    }


def _alertmanager(n: int) -> dict[str, Any]:
    return {
        "version": "4",
        "status": "firing",
        "receiver": "incident-bot",
        "groupKey": '{}:{alertname="HighErrorRate"}',
        "commonLabels": {"alertname": "HighErrorRate", "service": "billing-webhooks"},
        "externalURL": "http://alertmanager.monitoring:9093",
        "alerts": [
            {
                "status": "firing",
                "labels": {
                    "alertname": "HighErrorRate",
                    "service": "billing-webhooks",
                    "severity": "high",
                    "instance": f"web-{n}",
                },
                "annotations": {"summary": "billing-webhooks error rate above 5%"},
                "startsAt": "2026-03-04T14:03:00Z",
                "generatorURL": "http://prometheus:9090/graph?g0.expr=rate",
                "fingerprint": f"{n:016x}",
            }
        ],
    }


def _grafana(n: int) -> dict[str, Any]:
    body = _alertmanager(n)
    body["version"] = "1"
    return body


_PAGERDUTY: dict[str, Any] = {
    "event": {
        "id": "",
        "event_type": "incident.triggered",
        "resource_type": "incident",
        "occurred_at": "2026-03-04T14:03:40.118Z",
        "data": {
            "id": "",
            "html_url": "https://acme.pagerduty.com/incidents/Q2UCKK8JLVWZ2E",
            "number": 4821,
            "status": "triggered",
            "title": "billing-webhooks error rate above 5%",
            "service": {"id": "PIJ90N7", "summary": "Billing Webhooks"},
            "priority": {"id": "PSO75BM", "summary": "P2"},
            "urgency": "high",
        },
    }
}


def _pagerduty(n: int) -> dict[str, Any]:
    body = copy.deepcopy(_PAGERDUTY)
    body["event"]["id"] = f"bench-event-{n}"
    body["event"]["data"]["id"] = f"BENCH{n}"
    return body


def _datadog(n: int) -> dict[str, Any]:
    return {
        "id": str(7_000_000_000 + n),
        "alert_id": str(n),
        "title": "[Triggered] billing-webhooks error rate above 5%",
        "body": "Error rate for service:billing-webhooks is 8.7% (threshold 5%).",
        "transition": "Triggered",
        "priority": "P2",
        "alert_type": "error",
        "date": "1772633040000",
        "tags": "service:billing-webhooks,env:prod,team:payments",
        "link": "https://app.datadoghq.com/monitors/148822011",
    }


def _sentry(n: int) -> dict[str, Any]:
    return {
        "action": "triggered",
        "data": {
            "event": {
                "event_id": f"{n:032x}",
                "issue_id": str(n),
                "title": "KeyError: 'customer_id'",
                "culprit": "app.parser in parse_event",
                "level": "error",
                "datetime": "2026-03-04T14:03:04.000000Z",
                "tags": [["service", "billing-webhooks"]],
                "web_url": f"https://sentry.io/organizations/acme/issues/{n}/",
            },
            "triggered_rule": "New error in billing",
        },
    }


def _github(n: int) -> dict[str, Any]:
    return {
        "action": "created",
        "deployment_status": {
            "state": "failure",
            "environment": "production",
            "description": "Health checks failed",
            "created_at": "2026-03-04T13:52:00Z",
        },
        "deployment": {"sha": f"{n:040x}", "ref": "main", "environment": "production"},
        "repository": {"name": "billing-webhooks", "full_name": "acme/billing-webhooks"},
    }


_PAYLOADS: Mapping[str, Callable[[int], dict[str, Any]]] = {
    "generic": _generic,
    "alertmanager": _alertmanager,
    "grafana": _grafana,
    "pagerduty": _pagerduty,
    "datadog": _datadog,
    "sentry": _sentry,
    "github": _github,
}
SOURCES = tuple(_PAYLOADS)


def delivery(source: str, n: int, *, services: int = 1) -> Delivery:
    """Alert number ``n`` of ``source`` as the source posts it, signed with :data:`SECRET`.
    With ``services`` above 1 (generic alerts only) alert ``n`` names service ``n % services``
    of that many (``checkout-api-0``, ...), so a storm folds into that many incidents."""
    payload = _PAYLOADS[source](n)
    if services > 1:
        if source != "generic":
            raise ValueError("spreading alerts over services is for generic alerts only")
        payload["service"] = f"{payload['service']}-{n % services}"
    body = json.dumps(payload).encode()
    return body, signed_headers(source, body, SECRET)
