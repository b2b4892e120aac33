"""Datadog evidence: metrics, logs and monitor state through datadog-api-client's async client.

Used instead of replay evidence for metrics and logs when ``DD_API_KEY`` and ``DD_APP_KEY`` are
set. Every failure becomes :class:`~bot.errors.SourceUnavailableError` with a reason a person
can act on ("403 Forbidden (check DD_APP_KEY and its scopes: needs logs_read_data)").
"""

from integrations.datadog.client import DatadogConnection
from integrations.datadog.logs import DatadogLogs
from integrations.datadog.metrics import DatadogMetrics
from integrations.datadog.monitors import DatadogMonitors

__all__ = ["DatadogConnection", "DatadogLogs", "DatadogMetrics", "DatadogMonitors"]
