"""When a line says something began: ``since 2026-09-03``, ``since 2026-05-01T08:31Z``,
``since May 1``, ``since 09:41``.

Findings are reported late (a scanner, a support ticket, a check that runs hourly), and the line
that reports one often dates its start. A date without a year, or a time without a date, is
read against when the line was written: the latest such moment at or before it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

__all__ = ["stated_onset"]

_LEAD = r"\b(?:since|starting|from|began|beginning)\s+(?:at\s+|on\s+)?"
_ISO = re.compile(_LEAD + r"(?P<date>\d{4}-\d{2}-\d{2})(?:[T ](?P<time>\d{2}:\d{2}))?")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (
    r"(?P<{}>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_DAY = r"(?P<{}>\d{{1,2}})(?:st|nd|rd|th)?"
_NAMED_DAY = re.compile(
    _LEAD
    + rf"(?:{_MONTH.format('month')}\s+{_DAY.format('day')}|"
    + rf"{_DAY.format('day2')}\s+{_MONTH.format('month2')})\b",
    re.IGNORECASE,
)
_CLOCK = re.compile(_LEAD + r"(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)(?::\d{2})?\b(?!-)")


def _iso(text: str) -> tuple[datetime, bool] | None:
    match = _ISO.search(text)
    if match is None:
        return None
    try:
        day = datetime.fromisoformat(match.group("date")).replace(tzinfo=UTC)
    except ValueError:
        return None
    if match.group("time"):
        hours, minutes = (int(part) for part in match.group("time").split(":"))
        if hours > 23 or minutes > 59:
            return None
        return day.replace(hour=hours, minute=minutes), True
    return day, False


def _named_day(text: str, said_at: datetime) -> tuple[datetime, bool] | None:
    match = _NAMED_DAY.search(text)
    if match is None:
        return None
    month = _MONTHS.index((match.group("month") or match.group("month2")).lower()[:3]) + 1
    number = int(match.group("day") or match.group("day2"))
    for year in (said_at.year, said_at.year - 1):
        try:
            day = datetime(year, month, number, tzinfo=UTC)
        except ValueError:
            return None
        if day <= said_at:
            return day, False
    return None


def _clock(text: str, said_at: datetime) -> tuple[datetime, bool] | None:
    match = _CLOCK.search(text)
    if match is None:
        return None
    hour, minute = int(match.group("hour")), int(match.group("minute"))
    moment = said_at.astimezone(UTC).replace(hour=hour, minute=minute, second=0, microsecond=0)
    if moment > said_at:
        moment -= timedelta(days=1)
    return moment, True


def stated_onset(text: str, said_at: datetime | None = None) -> tuple[datetime, bool] | None:
    """When ``text`` says what it reports began, and whether it gave a time of day (a date
    alone says only the day); None when it does not say. ``said_at`` (when the line was
    written) completes a date without a year or a time without a date."""
    if (found := _iso(text)) is not None:
        return found
    if said_at is None:
        return None
    return _named_day(text, said_at) or _clock(text, said_at)
