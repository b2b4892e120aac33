"""Time as a parameter: everything that asks "now" takes a :class:`Clock`.

Live code uses :class:`SystemClock`; replays and the demo use :class:`ReplayClock`, which starts at
a scenario's ``now`` and advances with real time so that timeouts still behave; tests use
:class:`FixedClock` and move it by hand.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "FixedClock", "ReplayClock", "SystemClock", "shifted", "utc"]


def utc(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC datetime; a naive value is taken to be UTC already.

    Raises ValueError (which validation reports as a bad field) for a time whose UTC instant is
    outside the years 1-9999, such as ``9999-12-31T23:59:59-01:00``.
    """
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError(f"{value.isoformat()} is outside the range of dates in UTC") from exc


def shifted(value: datetime, delta: timedelta) -> datetime:
    """``value + delta``, held at the ends of the calendar (years 1 and 9999) instead of raising
    OverflowError: a window around a time at the edge still has a start and an end."""
    try:
        return value + delta
    except OverflowError:
        edge = datetime.min if delta < timedelta(0) else datetime.max
        return edge.replace(tzinfo=value.tzinfo)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        self._now = utc(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class ReplayClock:
    """Starts at ``start`` and advances with the monotonic clock."""

    def __init__(self, start: datetime) -> None:
        self._start = utc(start)
        self._origin = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._origin)
