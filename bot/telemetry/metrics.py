"""What the bot counts about itself, as a port: the core and the adapters report events here,
and an adapter (Prometheus, in ``integrations/prometheus``) turns them into metrics.

Each method is cheap and never raises, so reporting can sit on any path. :data:`NO_METRICS`
is the default everywhere, so a caller that does not care (a test, the demo) passes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.outcomes.values import OutcomeReport

__all__ = ["NO_METRICS", "AlertOutcome", "Metrics", "NoMetrics", "OutboxDepth"]


class AlertOutcome(StrEnum):
    ACCEPTED = "accepted"  # stored and committed: the source got 202
    DUPLICATE = "duplicate"  # a repeat delivery, stored before
    IGNORED = "ignored"  # authenticated and valid, but nothing the bot acts on
    REFUSED = "refused"  # 4xx; the reason says which check refused it


@dataclass(frozen=True, slots=True)
class OutboxDepth:
    """Work the database holds that the pipeline has not finished."""

    unprocessed_signals: int  # accepted, not yet correlated (quarantined ones not counted)
    awaiting_slack: int  # open incidents whose channel or packet is behind
    quarantined_signals: int = 0  # set aside after repeated failures (bot/quarantine.py)
    quarantined_incidents: int = 0


class Metrics(Protocol):
    def alerts_received(
        self, source: str, outcome: AlertOutcome, *, reason: str = "", count: int = 1
    ) -> None:
        """``count`` alerts from ``source`` ended with ``outcome`` (a refusal names its
        ``reason``: ``unauthorized``, ``payload_too_large``, ``invalid_payload``)."""

    def incident_opened(self, severity: str) -> None: ...

    def packet_posted(self, latency_seconds: float) -> None:
        """A first packet was posted ``latency_seconds`` after its first alert was accepted."""

    def slack_call_failed(self, method: str, error: str) -> None:
        """A Slack Web API call failed for good (after the client's retries)."""

    def slack_rate_limited(self, method: str) -> None:
        """Slack answered 429 to one attempt of ``method`` (it is retried after Retry-After)."""

    def outbox(self, depth: OutboxDepth) -> None: ...

    def actions(self, by_state: Mapping[str, int]) -> None:
        """How many actions are in each state now (every state named, zero included)."""

    def quarantined(self, kind: str) -> None:
        """A ``signal`` or an ``incident`` was quarantined after repeated failures."""

    def outcomes(self, report: OutcomeReport) -> None:
        """The outcome figures now (read from the database when scraped), per service and
        severity and over all: the same report ``incident-bot report`` prints."""


class NoMetrics:
    """Counts nothing."""

    def alerts_received(
        self, source: str, outcome: AlertOutcome, *, reason: str = "", count: int = 1
    ) -> None:
        return None

    def incident_opened(self, severity: str) -> None:
        return None

    def packet_posted(self, latency_seconds: float) -> None:
        return None

    def slack_call_failed(self, method: str, error: str) -> None:
        return None

    def slack_rate_limited(self, method: str) -> None:
        return None

    def outbox(self, depth: OutboxDepth) -> None:
        return None

    def actions(self, by_state: Mapping[str, int]) -> None:
        return None

    def quarantined(self, kind: str) -> None:
        return None

    def outcomes(self, report: OutcomeReport) -> None:
        return None


NO_METRICS: Metrics = NoMetrics()
