"""The times alerts carry: Go's zero time means "unknown" (the time the alert was received);
any other time outside the sane range is refused at validation, naming the field; and times
stored before that rule are read the same way, so no window around them leaves the calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.clock import shifted
from bot.errors import PayloadError
from bot.signal.sources import normalize
from bot.signal.values import EARLIEST_TIME, AlertSource, sane_start
from tests.property.payloads import VALID, Path, replaced

RECEIVED = datetime(2026, 3, 4, 14, 6, tzinfo=UTC)

# Where each source's sample carries a time the signal's start is read from.
TIME_FIELDS: list[tuple[str, Path, str]] = [
    ("alertmanager", ("alerts", 0, "startsAt"), "alerts.0.startsAt"),
    ("grafana", ("alerts", 0, "startsAt"), "alerts.0.startsAt"),
    ("generic", ("started_at",), "started_at"),
    ("pagerduty", ("event", "occurred_at"), "event.occurred_at"),
    ("pagerduty", ("event", "data", "created_at"), "event.data.created_at"),
    ("sentry", ("data", "event", "datetime"), "data.event.datetime"),
    ("github", ("deployment_status", "created_at"), "deployment_status.created_at"),
]


def signals_of(source: str, payload: dict[str, Any]) -> list[Any]:
    return list(normalize(AlertSource(source), payload, received_at=RECEIVED, body_digest="0" * 64))


@pytest.mark.parametrize("source", ["alertmanager", "grafana"])
def test_go_zero_time_is_read_as_the_time_the_alert_was_received(source: str) -> None:
    payload = replaced(VALID[source], ("alerts", 0, "startsAt"), "0001-01-01T00:00:00Z")
    (signal,) = signals_of(source, payload)
    assert signal.started_at == RECEIVED
    # A repeat of the same notification is still the same delivery.
    assert signal.delivery_id == signals_of(source, payload)[0].delivery_id


@pytest.mark.parametrize(
    "value",
    [
        "1999-12-31T23:59:59Z",
        "1970-01-01T00:00:00Z",
        "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
        "9999-12-31T23:59:59-01:00",  # after year 9999 in UTC
        "2026-03-05T14:06:01Z",  # a day and a second after it was received
    ],
)
@pytest.mark.parametrize(("source", "path", "field"), TIME_FIELDS)
def test_a_time_outside_the_sane_range_is_refused_naming_its_field(
    source: str, path: Path, field: str, value: str
) -> None:
    with pytest.raises(PayloadError) as refused:
        signals_of(source, replaced(VALID[source], path, value))
    assert refused.value.field == field


@pytest.mark.parametrize(("source", "path", "field"), TIME_FIELDS)
def test_a_time_within_a_day_ahead_is_accepted_as_sent(source: str, path: Path, field: str) -> None:
    ahead = RECEIVED + timedelta(hours=23)
    (signal,) = signals_of(source, replaced(VALID[source], path, ahead.isoformat()))
    if field != "event.occurred_at":  # PagerDuty's start is the incident's created_at
        assert signal.started_at == ahead


def test_datadogs_epoch_milliseconds_before_2000_are_refused_naming_date() -> None:
    with pytest.raises(PayloadError) as refused:
        signals_of("datadog", replaced(VALID["datadog"], ("date",), "631152000000"))  # 1990
    assert refused.value.field == "date"


@pytest.mark.parametrize(
    ("stored", "read"),
    [
        (datetime(1, 1, 1, tzinfo=UTC), RECEIVED),
        (EARLIEST_TIME - timedelta(seconds=1), RECEIVED),
        (RECEIVED + timedelta(days=2), RECEIVED),
        (RECEIVED - timedelta(hours=1), RECEIVED - timedelta(hours=1)),
    ],
)
def test_a_stored_start_outside_the_sane_range_reads_as_received(
    stored: datetime, read: datetime
) -> None:
    assert sane_start(stored, RECEIVED) == read


def test_shifting_past_the_ends_of_the_calendar_holds_at_them() -> None:
    start = shifted(datetime(1, 1, 1, tzinfo=UTC), -timedelta(hours=3))
    end = shifted(datetime(9999, 12, 31, tzinfo=UTC), timedelta(days=2))
    assert start == datetime.min.replace(tzinfo=UTC)
    assert end == datetime.max.replace(tzinfo=UTC)
    assert shifted(RECEIVED, timedelta(minutes=5)) == RECEIVED + timedelta(minutes=5)
