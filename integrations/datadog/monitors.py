"""``MonitorSource`` over Datadog's monitor API (``GET /api/v1/monitor/{id}``): whether the
monitor behind a Datadog alert is still firing."""

from __future__ import annotations

from functools import partial

from datadog_api_client.v1.api.monitors_api import MonitorsApi
from datadog_api_client.v1.model.monitor import Monitor

from bot.errors import SourceUnavailableError
from bot.evidence.values import MonitorState
from integrations.datadog.client import DatadogConnection, ask_datadog, field

__all__ = ["DatadogMonitors"]

SCOPE = "monitors_read"
FIRING = {"Alert", "Warn"}


class DatadogMonitors:
    """Implements ``MonitorSource`` for Datadog monitors (ids are the webhook's ``alert_id``)."""

    name = "Datadog monitors"

    def __init__(self, connection: DatadogConnection) -> None:
        self._connection = connection
        self._api = MonitorsApi(connection.api)  # type: ignore[no-untyped-call]  # untyped in the SDK

    async def monitor(self, monitor_id: str) -> MonitorState:
        if not monitor_id.isdigit():
            raise SourceUnavailableError(self.name, f"{monitor_id!r} is not a monitor id")
        monitor = await ask_datadog(
            partial(self._api.get_monitor, int(monitor_id)),
            Monitor,
            source=self.name,
            scope=SCOPE,
            timeout=self._connection.request_timeout,
        )
        state = field(monitor, "overall_state")
        word = str(state) if state is not None else "Unknown"
        return MonitorState(
            monitor_id=monitor_id,
            name=str(field(monitor, "name") or f"monitor {monitor_id}"),
            state=word,
            firing=word in FIRING,
            query=field(monitor, "query"),
            tags=tuple(field(monitor, "tags") or ()),
        )
