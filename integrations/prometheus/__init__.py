"""Prometheus, out: the bot's :class:`bot.telemetry.metrics.Metrics` as prometheus-client
metrics in a registry of their own, rendered in the text exposition format."""

from integrations.prometheus.metrics import PrometheusMetrics

__all__ = ["PrometheusMetrics"]
