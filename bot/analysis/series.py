"""What a metric series measures, read from its name and unit, and how it moved.

Two methods every on-call engineer uses decide the kind:

- USE, for resources (memory, disk, CPU, connection pools, queues): *utilization* and
  *saturation* are ``saturation`` here, its errors are ``errors``;
- RED, for request-serving services: *rate* is ``traffic``, *errors* ``errors``, *duration*
  ``latency``.

A ratio between 0 and 1 whose name says it is a utilization (``disk_used_ratio``,
``memory_utilization`` with unit ``ratio`` or ``fraction``) is read as a percentage, so one
threshold (90 %) serves both. :func:`trend` finds the gradual climb a spike detector misses:
steady growth over hours with no step, and when it will reach the limit at that rate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import pairwise

from bot.evidence.values import MetricSeries

__all__ = [
    "FULL_PERCENT",
    "SATURATION_PERCENT",
    "SeriesKind",
    "Trend",
    "as_percent",
    "exhaustion_words",
    "headroom",
    "series_kind",
    "trend",
    "units_up",
]

SATURATION_PERCENT = 90.0
FULL_PERCENT = 100.0
MIN_TREND_POINTS = 4
MIN_TREND_RISE = 0.15  # of the full scale (percent) or of the first value, over the series
MAX_STEP_SHARE = 0.6  # one step carrying more than this of the rise is a spike, not a trend
TREND_HORIZON = timedelta(days=3)  # further away than this is not an incident's concern


class SeriesKind(StrEnum):
    TRAFFIC = "traffic"  # RED rate
    ERRORS = "errors"  # RED errors, USE errors
    LATENCY = "latency"  # RED duration
    SATURATION = "saturation"  # USE utilization and saturation


# Order matters: "error" in "request_errors_total" decides before "request" does, and the
# latency words before the traffic ones ("request_duration_seconds" is a duration).
_KIND_PATTERNS: tuple[tuple[SeriesKind, re.Pattern[str]], ...] = (
    # An HTTP 5xx status code in the name ("alb_elb_502_count") counts errors too.
    (
        SeriesKind.ERRORS,
        re.compile(r"error|5xx|fail|exception|\bdropped\b|reject|(?:^|[_.])5\d\d(?:[_.]|$)", re.I),
    ),
    (
        SeriesKind.LATENCY,
        re.compile(r"latency|duration|p99|p95|p50|response_?time|lag\b|_lag|delay", re.I),
    ),
    (
        SeriesKind.SATURATION,
        re.compile(
            r"memory|mem_|heap|rss|disk|inode|cpu|restart|oom|filesystem|volume|storage|"
            r"pool|connections?_(?:used|active|in_use)|active_connections|utili[sz]ation|"
            r"saturation|queue|backlog|open_fds|file_descriptors|swap|load_?average|throttl|usage|"
            r"fraction|wraparound|capacity|quota|_used|in_use|page_?faults|evictions?|"
            r"avail(?:able)?|free_|_free|headroom",
            re.I,
        ),
    ),
    (
        SeriesKind.TRAFFIC,
        re.compile(
            r"request|rps|qps|throughput|traffic|hits|calls|sessions|users|rate|"
            r"received|incoming|inbound|per_?s(?:ec(?:ond)?)?\b|per_?min(?:ute)?\b|"
            r"attempts|connects\b|logins|messages_in|events_in|"
            # Work written into a store is its load: series, samples, rows ingested.
            r"active_series|cardinality|samples_(?:in|ingested|received)|ingest",
            re.I,
        ),
    ),
)
_RATIO_UNITS = frozenset({"ratio", "fraction", "percentunit", "0-1"})
_PERCENT_UNITS = frozenset({"percent", "%", "pct"})
_RESOURCE_WORDS = (
    ("disk", re.compile(r"disk|filesystem|volume|storage|inode|pvc", re.I)),
    (
        "memory",
        re.compile(r"memory|mem_|heap|rss|oom|swap|working_set|(?:^|[_.])ram(?:$|[_.])", re.I),
    ),
    ("connection pool", re.compile(r"pool|connection", re.I)),
    ("cpu", re.compile(r"cpu|load_?average|throttl", re.I)),
    ("queue", re.compile(r"queue|backlog", re.I)),
    ("key space", re.compile(r"wraparound|xid|id_|_id|int32|sequence|key", re.I)),
)


# How many of the service's own working units are up (instances, replicas, pods available or
# ready): its availability, neither a resource that fills (USE) nor requests (RED). A fall is
# the outage itself, never "headroom running out".
_UNITS = (
    r"(?:instances?|replicas?|pods?|nodes?|hosts?|servers?|machines?|vms?|endpoints?|targets?|"
    r"backends?|workers?|brokers?)"
)
_UNITS_UP = re.compile(
    rf"(?:avail(?:able)?|ready|healthy|up|running)[_.]?{_UNITS}|"
    rf"{_UNITS}[_.]?(?:avail(?:able)?|ready|healthy|up|running)",
    re.I,
)


def units_up(name: str) -> bool:
    """Whether the series counts the service's working units (``available_instances_ratio``,
    ``kube_deployment_status_replicas_available``, ``healthy_hosts``)."""
    return _UNITS_UP.search(name) is not None


def series_kind(name: str) -> SeriesKind | None:
    """What a metric measures, from its name: RED's rate, errors and duration, or USE's
    saturation; None when the name says none of them (or counts working units, see
    :func:`units_up`)."""
    if units_up(name):
        return None
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(name):
            return kind
    return None


def exhaustion_words(name: str) -> str:
    """What fills up, in words: ``disk``, ``memory``, ``connection pool``, ``cpu``, ``queue``,
    else ``resource``."""
    for words, pattern in _RESOURCE_WORDS:
        if pattern.search(name):
            return words
    return "resource"


# A series of what is left (memory available, free disk, headroom) saturates as it falls.
_HEADROOM = re.compile(r"avail(?:able)?|(?:^|_)free(?:_|$)|remaining|headroom|_left\b", re.I)


def headroom(name: str) -> bool:
    """Whether the series measures what is left (``node_memory_available``, ``disk_free``):
    its saturation is 100 % minus its value. Working units available are not headroom."""
    return _HEADROOM.search(name) is not None and not units_up(name)


def _ratio_named(series: MetricSeries) -> bool:
    return bool(re.search(r"ratio|fraction|utili[sz]ation|_used_|usage", series.name, re.I))


def as_percent(series: MetricSeries) -> tuple[float, ...] | None:
    """The series' values as percentages of saturation when it is one: unit ``percent``, or a
    ratio (unit ``ratio``/``fraction``, or a utilization-named series whose values all lie in
    0..1), read as 100 % minus the value when it measures what is left (``*_available``);
    None when it measures something else (bytes, connections...)."""
    percents = _percents(series)
    if percents is None or not headroom(series.name):
        return percents
    return tuple(FULL_PERCENT - value for value in percents)


def _percents(series: MetricSeries) -> tuple[float, ...] | None:
    unit = (series.unit or "").strip().lower()
    values = tuple(value for _, value in series.points)
    if unit in _PERCENT_UNITS or series.name.lower().endswith(("_percent", "_pct", "_percentage")):
        return values
    ratio_unit = unit in _RATIO_UNITS
    ratio = ratio_unit or (not unit and _ratio_named(series))
    if values and ratio and all(0.0 <= value <= 1.0 for value in values):
        return tuple(value * 100 for value in values)
    return None


@dataclass(frozen=True, slots=True)
class Trend:
    """A steady climb: from ``start`` to ``latest`` (percent when ``percent``) between two
    instants, at ``per_hour``; ``full_in`` is how long until it reaches 100 % at that rate
    (None when the series is not a percentage or will not fill within the horizon)."""

    series: MetricSeries
    start: float
    latest: float
    began_at: datetime
    latest_at: datetime
    per_hour: float
    percent: bool
    full_in: timedelta | None

    def describe(self) -> str:
        """``disk_used climbed steadily from 61 % to 88 % over 9 h (3 %/h); at this rate it is
        full in about 4 h``."""
        unit = " %" if self.percent else ""
        hours = (self.latest_at - self.began_at).total_seconds() / 3600
        name = self.series.name
        what = f"the saturation read from {name}" if headroom(name) else name
        text = (
            f"{what} climbed steadily from {self.start:.3g}{unit} to "
            f"{self.latest:.3g}{unit} over {_duration(hours)} ({self.per_hour:.2g}{unit}/h)"
        )
        if self.full_in is not None:
            what = exhaustion_words(self.series.name)
            text += f"; at this rate the {what} is full in about {_eta(self.full_in)}"
        return text


def _duration(hours: float) -> str:
    if hours >= 48:
        return f"{round(hours / 24)} days"
    if hours < 1:
        return f"{round(hours * 60)} min"
    return f"{hours:.0f} h" if hours >= 10 else f"{hours:.1f} h".replace(".0 h", " h")


def _eta(delta: timedelta) -> str:
    minutes = delta.total_seconds() / 60
    if minutes < 1:
        return "a minute"
    if minutes < 90:
        return f"{round(minutes)} min"
    hours = minutes / 60
    return f"{round(hours)} h" if hours < 48 else f"{round(hours / 24)} days"


def trend(series: MetricSeries) -> Trend | None:
    """A gradual, mostly monotonic climb over the series (no single step carries most of it),
    big enough to matter: at least 15 points of percentage, or 15 % of its first value; None
    otherwise. A percentage series also says when it is full at the average rate."""
    if len(series.points) < MIN_TREND_POINTS:
        return None
    percents = as_percent(series)
    values = percents if percents is not None else tuple(v for _, v in series.points)
    rise = values[-1] - values[0]
    scale = FULL_PERCENT if percents is not None else abs(values[0])
    if rise <= 0 or scale == 0 or rise < MIN_TREND_RISE * scale:
        return None
    steps = [b - a for a, b in pairwise(values)]
    falls = sum(-step for step in steps if step < 0)
    if max(steps) > MAX_STEP_SHARE * rise or falls > 0.25 * rise:
        return None
    began_at, latest_at = series.points[0][0], series.points[-1][0]
    hours = (latest_at - began_at).total_seconds() / 3600
    if hours <= 0:
        return None
    per_hour = rise / hours
    full_in = None
    if percents is not None and values[-1] < FULL_PERCENT:
        left = timedelta(hours=(FULL_PERCENT - values[-1]) / per_hour)
        full_in = left if left <= TREND_HORIZON else None
    elif percents is not None:
        full_in = timedelta(0)
    percent = percents is not None
    return Trend(series, values[0], values[-1], began_at, latest_at, per_hour, percent, full_in)
