"""Which Datadog monitor an alert came from, and how the packet words its state now."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.evidence.values import EvidenceBundle, MonitorState
from bot.packet.monitors import describe_monitor, monitor_lines
from bot.signal.sources import normalize
from bot.signal.sources.datadog import monitor_id, monitor_ids
from bot.signal.values import AlertSource

RECEIVED = datetime(2026, 3, 4, 14, 6, tzinfo=UTC)
PAYLOAD = {
    "id": "7364183320001122334",
    "alert_id": "148822011",
    "title": "[P2] [Triggered] billing-webhooks error rate above 5%",
    "body": "Error rate is 8.7%.",
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


def test_a_datadog_alert_names_its_monitor_and_others_name_none() -> None:
    (signal,) = normalize(AlertSource.DATADOG, PAYLOAD, received_at=RECEIVED, body_digest="d")
    assert monitor_id(signal) == "148822011"
    (generic,) = normalize(
        AlertSource.GENERIC,
        {"service": "billing-webhooks", "title": "errors"},
        received_at=RECEIVED,
        body_digest="e",
    )
    assert monitor_id(generic) is None
    assert monitor_ids([signal, generic, signal]) == ("148822011",)


def test_a_firing_monitor_says_since_when_and_how_many_groups() -> None:
    state = MonitorState(
        "1234",
        "Billing errors",
        "Alert",
        firing=True,
        since=datetime(2026, 3, 4, 14, 3, tzinfo=UTC),
        groups=3,
        groups_firing=3,
    )
    assert describe_monitor(state) == "Datadog monitor 1234: Alert (since 14:03), 3 groups alerting"


def test_a_simple_monitor_that_recovered_says_it_no_longer_alerts() -> None:
    state = MonitorState("7", "Latency", "OK", firing=False)
    assert describe_monitor(state) == "Datadog monitor 7: OK, no longer alerting"


def test_an_unread_monitor_is_said_to_be_unread() -> None:
    evidence = EvidenceBundle(monitors_unread=("999",))
    assert monitor_lines(evidence) == ["Datadog monitor 999: current state could not be read"]
