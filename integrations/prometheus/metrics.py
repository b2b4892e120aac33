"""The bot's metrics in a prometheus-client registry owned by one :class:`PrometheusMetrics`
(not the library's global one, so two bots in one process, as in the tests, count apart).

Names, all prefixed ``incident_bot_``:

- ``alerts_received_total{source, outcome, reason}``: outcome is accepted, duplicate, ignored or
  refused; reason names the refusal (unauthorized, payload_too_large, invalid_payload)
- ``incidents_opened_total{severity}``
- ``packet_latency_seconds`` (histogram): first alert accepted → first packet posted, both
  times as the database recorded them
- ``slack_api_errors_total{method, error}``: calls that failed for good
- ``slack_rate_limited_total{method}``: 429 answers, each one retried after Retry-After
- ``outbox_unprocessed_signals``, ``outbox_incidents_awaiting_slack`` (gauges, read from the
  database when scraped)
- ``actions{state}`` (gauge, read from the database when scraped): actions in each state
- ``quarantined{kind}`` (gauge, read from the database when scraped): signals and incidents set
  aside after repeated failures; ``quarantines_total{kind}``: how many this process set aside
- ``outcome_*{service, severity}`` (gauges, read from the database when scraped): the figures
  ``incident-bot report`` prints, per service and severity and over all (``service="all",
  severity="all"``): ``outcome_incidents``, ``outcome_resolved``, ``outcome_mttd_seconds``,
  ``outcome_mtta_seconds``, ``outcome_mttr_seconds``, ``outcome_autonomy_ratio``,
  ``outcome_escalation_ratio``, ``outcome_remediation_success_ratio``, ``outcome_noise_ratio``;
  a figure with nothing to measure is absent rather than zero
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from bot.outcomes.values import OutcomeFigures, OutcomeReport
from bot.telemetry.metrics import AlertOutcome, OutboxDepth

__all__ = ["OUTCOME_FIGURES", "PACKET_LATENCY_BUCKETS", "PrometheusMetrics"]

# Gauge name (after ``incident_bot_outcome_``), help, and the figure it shows.
OUTCOME_FIGURES: tuple[tuple[str, str, str], ...] = (
    ("incidents", "Incidents (merged ones aside).", "incidents"),
    ("resolved", "Incidents resolved.", "resolved"),
    ("mttd_seconds", "Mean time to detect: first signal to first packet.", "mttd_seconds"),
    ("mtta_seconds", "Mean time to acknowledge: packet to a person's first act.", "mtta_seconds"),
    ("mttr_seconds", "Mean time to resolve: first signal to resolved.", "mttr_seconds"),
    (
        "autonomy_ratio",
        "Resolved incidents (noise aside) no person acted on before resolving.",
        "autonomy_rate",
    ),
    (
        "escalation_ratio",
        "Incidents whose severity rose or whose owner an action paged.",
        "escalation_rate",
    ),
    (
        "remediation_success_ratio",
        "Actions verified of those run (dry runs aside).",
        "remediation_success_rate",
    ),
    ("noise_ratio", "Resolved incidents resolved as not an incident.", "noise_rate"),
)

# Seconds. The packet should be there before people arrive: most land in the first minute; the
# long tail is Slack's channel-creation limit in a storm.
PACKET_LATENCY_BUCKETS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800)


class PrometheusMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._alerts = Counter(
            "incident_bot_alerts_received",
            "Alerts received on the webhooks, by source and outcome.",
            ["source", "outcome", "reason"],
            registry=self.registry,
        )
        self._opened = Counter(
            "incident_bot_incidents_opened",
            "Incidents opened by correlation, by severity at opening.",
            ["severity"],
            registry=self.registry,
        )
        self._latency = Histogram(
            "incident_bot_packet_latency_seconds",
            "From an incident's first alert accepted to its packet posted (database times).",
            buckets=PACKET_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._slack_errors = Counter(
            "incident_bot_slack_api_errors",
            "Slack Web API calls that failed after retries, by method and Slack's error code.",
            ["method", "error"],
            registry=self.registry,
        )
        self._slack_429 = Counter(
            "incident_bot_slack_rate_limited",
            "Slack Web API 429 answers, by method (each is retried after Retry-After).",
            ["method"],
            registry=self.registry,
        )
        self._unprocessed = Gauge(
            "incident_bot_outbox_unprocessed_signals",
            "Accepted signals not yet correlated.",
            registry=self.registry,
        )
        self._awaiting_slack = Gauge(
            "incident_bot_outbox_incidents_awaiting_slack",
            "Open incidents whose channel or packet is behind.",
            registry=self.registry,
        )
        self._actions = Gauge(
            "incident_bot_actions",
            "Actions in each state (proposed, approved, executing, ...), from the database.",
            ["state"],
            registry=self.registry,
        )

        self._quarantined = Gauge(
            "incident_bot_quarantined",
            "Signals and incidents quarantined after repeated failures, from the database.",
            ["kind"],
            registry=self.registry,
        )
        self._quarantines = Counter(
            "incident_bot_quarantines",
            "Signals and incidents this process quarantined after repeated failures.",
            ["kind"],
            registry=self.registry,
        )

        self._outcomes = {
            name: Gauge(
                f"incident_bot_outcome_{name}",
                text,
                ["service", "severity"],
                registry=self.registry,
            )
            for name, text, _ in OUTCOME_FIGURES
        }

    def alerts_received(
        self, source: str, outcome: AlertOutcome, *, reason: str = "", count: int = 1
    ) -> None:
        self._alerts.labels(source=source, outcome=outcome.value, reason=reason).inc(count)

    def incident_opened(self, severity: str) -> None:
        self._opened.labels(severity=severity).inc()

    def packet_posted(self, latency_seconds: float) -> None:
        self._latency.observe(max(0.0, latency_seconds))

    def slack_call_failed(self, method: str, error: str) -> None:
        self._slack_errors.labels(method=method, error=error).inc()

    def slack_rate_limited(self, method: str) -> None:
        self._slack_429.labels(method=method).inc()

    def outbox(self, depth: OutboxDepth) -> None:
        self._unprocessed.set(depth.unprocessed_signals)
        self._awaiting_slack.set(depth.awaiting_slack)
        self._quarantined.labels(kind="signal").set(depth.quarantined_signals)
        self._quarantined.labels(kind="incident").set(depth.quarantined_incidents)

    def quarantined(self, kind: str) -> None:
        self._quarantines.labels(kind=kind).inc()

    def actions(self, by_state: Mapping[str, int]) -> None:
        for state, count in by_state.items():
            self._actions.labels(state=state).set(count)

    def outcomes(self, report: OutcomeReport) -> None:
        rows: tuple[OutcomeFigures, ...] = (*report.rows, report.overall)
        for name, _, field in OUTCOME_FIGURES:
            gauge = self._outcomes[name]
            gauge.clear()  # a group gone from the report leaves no stale figure behind
            for row in rows:
                value = getattr(row, field)
                if value is not None:
                    gauge.labels(service=row.service, severity=row.severity).set(value)

    def exposition(self) -> tuple[bytes, str]:
        """The registry in Prometheus' text format, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
