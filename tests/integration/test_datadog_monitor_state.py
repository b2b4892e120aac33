"""The state of the Datadog monitor behind an alert, in the packet: the real datadog-api-client
against the local fake Datadog API. The packet says whether the monitor still fires, since
when and in how many groups, or that its state could not be read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.analysis.triage import assess
from bot.catalog import Catalog, ServiceEntry
from bot.evidence.gather import EvidenceSources, gather_evidence
from bot.evidence.ports import EvidenceQuery
from bot.packet.build import build_packet
from bot.packet.render import render_plain
from bot.packet.values import Packet
from bot.policy import DEFAULT_POLICY
from bot.settings import load_settings
from bot.signal.sources.datadog import monitor_ids
from bot.signal.values import AlertSource, Severity, Signal, SignalStatus
from bot.wiring.evidence import datadog_evidence
from integrations.datadog import DatadogConnection, DatadogMonitors
from integrations.replay import ReplayEvidence
from tests.fakes.datadog import FakeDatadog, monitor

SERVICE = "billing-webhooks"
NOW = datetime(2026, 3, 4, 14, 6, tzinfo=UTC)
WINDOW = EvidenceQuery(SERVICE, NOW - timedelta(minutes=30), NOW)
CATALOG = Catalog([ServiceEntry(SERVICE, "payments")])
GROUPS = {
    "host:web-1": ("Alert", int(datetime(2026, 3, 4, 14, 3, tzinfo=UTC).timestamp())),
    "host:web-2": ("Alert", int(datetime(2026, 3, 4, 14, 4, tzinfo=UTC).timestamp())),
    "host:web-3": ("Warn", int(datetime(2026, 3, 4, 14, 5, tzinfo=UTC).timestamp())),
    "host:web-4": ("OK", 0),
}


def alert(fingerprint: str, source: AlertSource = AlertSource.DATADOG) -> Signal:
    return Signal(
        source=source,
        service=SERVICE,
        severity=Severity.SEV2,
        status=SignalStatus.FIRING,
        started_at=NOW - timedelta(minutes=3),
        title=f"{SERVICE} error rate above 5%",
        fingerprint=fingerprint,
        delivery_id=f"{fingerprint}:1",
    )


@pytest.fixture
async def datadog() -> AsyncIterator[FakeDatadog]:
    async with FakeDatadog() as fake:
        yield fake


@pytest.fixture
async def connection(datadog: FakeDatadog) -> AsyncIterator[DatadogConnection]:
    connection = DatadogConnection(
        api_key="fake-api-key",
        app_key="fake-app-key",
        base_url=datadog.base_url,
        request_timeout=10,
    )
    yield connection
    await connection.close()


async def _packet(sources: EvidenceSources, signal: Signal) -> Packet:
    evidence = await gather_evidence(WINDOW, sources, deadline=5, monitor_ids=monitor_ids([signal]))
    return build_packet(
        incident_id=1,
        title=signal.title,
        severity=signal.severity,
        signals=[signal],
        assessment=assess(SERVICE, [signal], evidence, catalog=CATALOG),
        evidence=evidence,
        catalog=CATALOG,
        policy=DEFAULT_POLICY,
        runbooks=(),
    )


async def test_a_multi_alert_monitor_says_how_many_groups_fire_and_since_when(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    datadog.monitors[1234] = monitor(
        1234, name="Billing errors", overall_state="Alert", query="q", groups=GROUPS
    )

    state = await DatadogMonitors(connection).monitor("1234")

    assert (state.groups, state.groups_firing) == (4, 3)
    assert state.since == datetime(2026, 3, 4, 14, 3, tzinfo=UTC)
    [asked] = datadog.requests_to("/api/v1/monitor/1234")
    assert asked.query["group_states"] == "all"


async def test_the_packet_shows_the_monitor_behind_a_datadog_alert(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    datadog.monitors[1234] = monitor(
        1234, name="Billing errors", overall_state="Alert", query="q", groups=GROUPS
    )

    packet = await _packet(
        EvidenceSources(monitors=[DatadogMonitors(connection)]), alert("datadog:1234:e51c1f4b")
    )

    assert packet.signals[0] == "Datadog monitor 1234: Alert (since 14:03), 3 of 4 groups alerting"


async def test_a_recovered_monitor_says_it_no_longer_alerts(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    datadog.monitors[77] = monitor(77, name="Billing errors", overall_state="OK", query="q")

    packet = await _packet(
        EvidenceSources(monitors=[DatadogMonitors(connection)]), alert("datadog:77")
    )

    assert "Datadog monitor 77: OK, no longer alerting" in packet.signals


async def test_a_monitor_that_cannot_be_read_is_named_with_the_reason(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    packet = await _packet(
        EvidenceSources(monitors=[DatadogMonitors(connection)]), alert("datadog:999:abc")
    )

    text = render_plain(packet)
    assert "- Datadog monitor 999: current state could not be read" in text
    assert "- Datadog monitors: Datadog answered 404 Not Found: Monitor not found" in text


async def test_an_alert_from_elsewhere_asks_no_monitor(
    datadog: FakeDatadog, connection: DatadogConnection
) -> None:
    packet = await _packet(
        EvidenceSources(monitors=[DatadogMonitors(connection)]),
        alert("alertmanager:abc", AlertSource.ALERTMANAGER),
    )

    assert datadog.requests_to("/api/v1/monitor") == []
    assert not any("monitor" in line for line in packet.signals)


async def test_with_datadog_keys_the_composition_root_asks_datadog_for_monitors(
    datadog: FakeDatadog,
) -> None:
    settings = load_settings(
        _env_file=None,
        dd_api_key="fake-api-key",
        dd_app_key="fake-app-key",
        dd_api_url=datadog.base_url,
    )
    datadog.monitors[1234] = monitor(1234, name="Billing errors", overall_state="Alert", query="q")
    replay = ReplayEvidence(())

    sources, connection = datadog_evidence(settings, EvidenceSources(deploys=[replay]))
    try:
        packet = await _packet(sources, alert("datadog:1234"))
    finally:
        await connection.close()

    assert [source.name for source in sources.monitors] == ["Datadog monitors"]
    assert "Datadog monitor 1234: Alert" in packet.signals
