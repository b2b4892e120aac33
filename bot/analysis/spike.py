"""Spike detection: where a series leaves its baseline, and by how much."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

from bot.evidence.values import MetricSeries

__all__ = ["Spike", "detect_spike"]

MIN_BASELINE_POINTS = 2


@dataclass(frozen=True, slots=True)
class Spike:
    series: MetricSeries
    baseline: float
    latest: float
    first_anomaly_at: datetime


def detect_spike(series: MetricSeries, *, ratio: float = 3.0) -> Spike | None:
    """The first point that rises above ``ratio`` times the median of the points before it and
    clearly outside their spread; None when the series never leaves its baseline.

    Only rises count: error rates, latencies and saturation hurt when they go up.
    """
    values = [value for _, value in series.points]
    for index in range(MIN_BASELINE_POINTS, len(values)):
        before = values[:index]
        baseline = statistics.median(before)
        spread = statistics.pstdev(before)
        value = values[index]
        above_ratio = value > baseline * ratio if baseline > 0 else value > 0
        if above_ratio and value - baseline > 3 * spread:
            return Spike(series, baseline, values[-1], series.points[index][0])
    return None
