"""``MonitorSource`` over Datadog's monitor API (``GET /api/v1/monitor/{id}?group_states=all``):
whether the monitor behind a Datadog alert is still firing, how many of its groups are, and since
when (the earliest trigger of a firing group)."""

from __future__ import annotations

from datetime import UTC, datetime
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
            partial(self._api.get_monitor, int(monitor_id), group_states="all"),
            Monitor,
            source=self.name,
            scope=SCOPE,
            timeout=self._connection.request_timeout,
        )
        state = field(monitor, "overall_state")
        word = str(state) if state is not None else "Unknown"
        groups = _groups(monitor)
        firing = [triggered for status, triggered in groups if status in FIRING]
        triggers = [at for at in firing if at is not None]
        return MonitorState(
            monitor_id=monitor_id,
            name=str(field(monitor, "name") or f"monitor {monitor_id}"),
            state=word,
            firing=word in FIRING,
            query=field(monitor, "query"),
            tags=tuple(field(monitor, "tags") or ()),
            since=min(triggers, default=None),
            groups=len(groups),
            groups_firing=len(firing),
        )


def _groups(monitor: Monitor) -> list[tuple[str, datetime | None]]:
    """Each group's status and when it last triggered (``last_triggered_ts``, epoch seconds)."""
    state = field(monitor, "state")
    found: list[tuple[str, datetime | None]] = []
    for group in (field(state, "groups") or {}).values():
        stamp = field(group, "last_triggered_ts")
        at = datetime.fromtimestamp(stamp, tz=UTC) if isinstance(stamp, int) and stamp else None
        found.append((str(field(group, "status")), at))
    return found
