"""Datadog evidence: metrics, logs, monitor state and deploy events through datadog-api-client's
async client.

Used instead of replay evidence for metrics and logs when ``DD_API_KEY`` and ``DD_APP_KEY`` are
set, and for deploys when ``DD_DEPLOY_EVENT_TAG`` is set too. Every failure becomes
:class:`~bot.errors.SourceUnavailableError` with a reason a person can act on
("403 Forbidden (check DD_APP_KEY's scopes, needs logs_read_data, and DD_API_KEY)").
"""

from integrations.datadog.client import DatadogConnection
from integrations.datadog.deploys import DatadogDeploys
from integrations.datadog.logs import DatadogLogs
from integrations.datadog.metrics import DatadogMetrics
from integrations.datadog.monitors import DatadogMonitors

__all__ = [
    "DatadogConnection",
    "DatadogDeploys",
    "DatadogLogs",
    "DatadogMetrics",
    "DatadogMonitors",
]
