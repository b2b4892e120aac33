"""The packet's chart: the main signal's series as the assessment saw it (baseline, first
anomalous point) with the suspect deploy marked, described as a value so that drawing it is an
adapter's job (:class:`ChartRenderer`) and choosing it stays pure."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from bot.analysis.assessment import Assessment
from bot.redaction import redact

__all__ = ["ChartImage", "ChartRenderer", "DeployMark", "MetricChart", "chart_of"]

SHORT_SHA = 7


@dataclass(frozen=True, slots=True)
class DeployMark:
    at: datetime
    sha: str  # short, as people quote it


@dataclass(frozen=True, slots=True)
class MetricChart:
    """What the chart shows. ``points`` are the series' own, in time order."""

    incident_id: int
    service: str
    metric: str
    unit: str | None
    points: tuple[tuple[datetime, float], ...]
    baseline: float
    first_anomaly_at: datetime
    deploy: DeployMark | None = None

    @property
    def title(self) -> str:
        """``billing-webhooks · error_rate (percent)``."""
        unit = f" ({self.unit})" if self.unit else ""
        return f"{self.service} · {self.metric}{unit}"

    @property
    def filename(self) -> str:
        """One name per incident, so a chart already in the thread can be recognised."""
        slug = re.sub(r"[^a-z0-9]+", "-", f"{self.service}-{self.metric}".lower()).strip("-")
        return f"inc-{self.incident_id}-{slug or 'metric'}.png"

    @property
    def alt_text(self) -> str:
        """For screen readers: what the picture says, in words."""
        deploy = f"; deploy {self.deploy.sha} at {self.deploy.at:%H:%M} UTC" if self.deploy else ""
        return (
            f"{self.title}: baseline {self.baseline:g}, first anomalous point at "
            f"{self.first_anomaly_at:%H:%M} UTC{deploy}"
        )

    def redacted(self) -> MetricChart:
        """The chart with its words redacted: text drawn into pixels cannot be redacted on its
        way to Slack, so it is redacted before it is drawn."""
        deploy = replace(self.deploy, sha=redact(self.deploy.sha)) if self.deploy else None
        unit = redact(self.unit) if self.unit else self.unit
        return replace(
            self, service=redact(self.service), metric=redact(self.metric), unit=unit, deploy=deploy
        )

    def image(self, png: bytes) -> ChartImage:
        return ChartImage(self.filename, self.title, self.alt_text, png)


@dataclass(frozen=True, slots=True)
class ChartImage:
    """A drawn chart, ready to attach to the packet's thread."""

    filename: str
    title: str
    alt_text: str
    png: bytes


class ChartRenderer(Protocol):
    def render(self, chart: MetricChart) -> bytes:
        """The chart as PNG bytes; the same chart always gives the same bytes. Blocking (run it
        in a worker thread); raises :class:`bot.errors.ChartError` when it cannot draw."""
        ...


def chart_of(incident_id: int, assessment: Assessment) -> MetricChart | None:
    """The main signal's chart: the assessment's earliest spike, with the suspect deploy when
    there is one. None without a spike: a chart of nothing anomalous would only distract."""
    if not assessment.spikes:
        return None
    spike = assessment.spikes[0]
    series = spike.series
    suspect = assessment.suspect
    deploy = (
        DeployMark(suspect.deploy.at, suspect.deploy.sha[:SHORT_SHA])
        if suspect is not None
        else None
    )
    return MetricChart(
        incident_id=incident_id,
        service=series.service,
        metric=series.name,
        unit=series.unit,
        points=tuple(sorted(series.points)),
        baseline=spike.baseline,
        first_anomaly_at=spike.first_anomaly_at,
        deploy=deploy,
    )
