"""Inputs the webhooks once mishandled (found by the properties, then by sweeping every member
of every sample with each hostile value), one regression test each.

Two kinds: a 5xx on any database (an uncaught ValueError, RecursionError, OverflowError or
UnicodeEncodeError), and rows that SQLite stores but PostgreSQL refuses, answering 500 there.
The second kind is checked on SQLite by looking at the stored row, so this folder stays
SQLite-only. Every case changes one member of a sample that test_webhook_properties.py shows is
accepted, and storable on both databases, as it stands. The fixes: one JSON parser that turns
every parse failure into a 400 (handlers/webhooks/body.py), ``utc()`` reporting an out-of-range
instant as a bad value, and :class:`Signal` shortening keys to their columns and replacing the
characters no database stores.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from handlers.webhooks.auth import signed_headers
from tests.property.contract import (
    assert_keeps_the_contract,
    assert_refused,
    assert_storable_anywhere,
)
from tests.property.payloads import CREDENTIAL_HEADERS, SOURCES, Path, encoded, fresh, replaced
from tests.property.server import LIMIT, SECRET, Answer, LiveWebhooks, live_webhooks


def _cases(members: Sequence[tuple[Any, ...]]) -> list[Any]:
    return [
        pytest.param(*member, id=f"{member[0]}:{'.'.join(map(str, member[1]))}")
        for member in members
    ]


def _signed_unparsed(source: str, body: bytes) -> dict[str, str]:
    """Credentials for ``body`` without reading it: ``signed_headers`` parses Sentry and GitHub
    bodies to name the event, and its parse raises on the same bodies as the server's."""
    headers = signed_headers(source, b"{}", SECRET)
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    prefix = {"sentry": "", "github": "sha256="}.get(source)
    if prefix is None:
        return signed_headers(source, body, SECRET)
    headers[CREDENTIAL_HEADERS[source]] = prefix + digest
    return headers


@pytest.fixture(scope="module")
def webhooks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveWebhooks]:
    # One server for the module: every case compares row counts around its own request.
    with live_webhooks(tmp_path_factory.mktemp("known-bugs") / "bot.sqlite3", limit=LIMIT) as live:
        yield live


def _post_changed(webhooks: LiveWebhooks, source: str, path: Path, value: object) -> Answer:
    # A fresh delivery per (member, value): the module's one server has seen the others.
    key = f"{source}-{'.'.join(map(str, path))}-{ascii(value)[:40]}"
    payload = replaced(fresh(source, key), path, value)
    answer = webhooks.post_signed(source, encoded(payload))
    assert_keeps_the_contract(answer, f"{'.'.join(map(str, path))} = {value!r:.60}")
    if answer.status == 202:
        assert_storable_anywhere(webhooks.latest_signals(answer.added.signals))
    return answer


def _kept(answer: Answer) -> None:
    """The alert was stored, not refused for one bad character or an overlong key."""
    assert answer.status == 202, answer.text


@pytest.mark.parametrize("source", SOURCES)
def test_an_integer_of_more_than_4300_digits_gets_400(webhooks: LiveWebhooks, source: str) -> None:
    # json.loads raises a plain ValueError (int max_str_digits), not JSONDecodeError.
    body = b'{"n": ' + b"1" * 4301 + b"}"
    answer = webhooks.post(source, body, _signed_unparsed(source, body))
    assert_refused(answer, 400, "a 4301-digit integer")
    assert answer.json()["field"] == "body"


@pytest.mark.parametrize("source", SOURCES)
def test_json_nested_deeper_than_the_recursion_limit_gets_400(
    webhooks: LiveWebhooks, source: str
) -> None:
    # json.loads raises RecursionError on 10,000 nested arrays (20 KB, under any limit).
    body = b"[" * 10_000 + b"]" * 10_000
    answer = webhooks.post(source, body, _signed_unparsed(source, body))
    assert_refused(answer, 400, "10,000 nested arrays")
    assert answer.json()["field"] == "body"


# A timestamp at the edge of datetime's range with an offset: the validators' utc() moved it past
# year 1 or 9999 and raised OverflowError, which pydantic does not turn into a ValidationError.
OUT_OF_RANGE_TIMES = ("9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00")
TIME_MEMBERS: list[tuple[str, Path]] = [
    ("pagerduty", ("event", "occurred_at")),
    ("pagerduty", ("event", "data", "created_at")),
    ("alertmanager", ("alerts", 0, "startsAt")),
    ("grafana", ("alerts", 0, "startsAt")),
    ("sentry", ("data", "event", "datetime")),
    ("sentry", ("data", "event", "timestamp")),
    ("github", ("deployment_status", "created_at")),
    ("generic", ("started_at",)),
]


@pytest.mark.parametrize("value", OUT_OF_RANGE_TIMES, ids=["late", "early"])
@pytest.mark.parametrize(("source", "path"), _cases(TIME_MEMBERS))
def test_a_time_that_leaves_the_datetime_range_in_utc_gets_400(
    webhooks: LiveWebhooks, source: str, path: Path, value: str
) -> None:
    answer = _post_changed(webhooks, source, path, value)
    assert answer.status == 400, answer.text
    assert answer.json()["field"].startswith(".".join(map(str, path[:1]))), answer.text


# Pydantic's plain ``str`` accepts a lone surrogate (JSON "\ud800"); writing it to a text column
# raised UnicodeEncodeError in the driver. The alert is kept, the character replaced.
SURROGATE_MEMBERS: list[tuple[str, Path]] = [
    ("pagerduty", ("event", "data", "urgency")),
    ("datadog", ("body",)),
    ("alertmanager", ("alerts", 0, "annotations", "summary")),
    ("grafana", ("alerts", 0, "annotations", "description")),
    ("sentry", ("data", "event", "culprit")),
    ("github", ("deployment", "ref")),
    ("generic", ("labels", "team")),
]


@pytest.mark.parametrize(("source", "path"), _cases(SURROGATE_MEMBERS))
def test_a_lone_surrogate_in_a_stored_text_is_replaced_and_the_alert_kept(
    webhooks: LiveWebhooks, source: str, path: Path
) -> None:
    _kept(_post_changed(webhooks, source, path, "\ud800"))


# Keys stored in String(200) columns without bounded(): PostgreSQL refused the insert
# (StringDataRightTruncationError), SQLite stored the overlong value.
OVERLONG = "t" * 201
OVERLONG_MEMBERS: list[tuple[str, Path, object]] = [
    ("alertmanager", ("alerts", 0, "labels", "service"), OVERLONG),  # signals.service
    ("alertmanager", ("alerts", 0, "fingerprint"), OVERLONG),  # fingerprint, delivery_id
    ("alertmanager", ("alerts", 0, "labels", "team"), OVERLONG),  # owner
    ("grafana", ("alerts", 0, "labels", "team"), OVERLONG),  # owner
    ("datadog", ("tags",), f"service:billing-webhooks,team:{OVERLONG}"),  # owner
    ("sentry", ("data", "event", "tags", 1, 1), OVERLONG),  # owner (the team tag)
    ("sentry", ("data", "event", "tags", 1, 1), 10**300),  # owner, a number made a string
    ("generic", ("labels", "team"), OVERLONG),  # owner
]


@pytest.mark.parametrize(("source", "path", "value"), _cases(OVERLONG_MEMBERS))
def test_an_overlong_key_is_shortened_to_its_column_and_the_alert_kept(
    webhooks: LiveWebhooks, source: str, path: Path, value: object
) -> None:
    _kept(_post_changed(webhooks, source, path, value))


# PostgreSQL text cannot hold NUL (CharacterNotInRepertoireError); SQLite stores it. The alert is
# kept, the character replaced.
NUL_MEMBERS: list[tuple[str, Path]] = [
    ("pagerduty", ("event", "data", "title")),
    ("datadog", ("title",)),
    ("alertmanager", ("alerts", 0, "annotations", "summary")),
    ("grafana", ("alerts", 0, "annotations", "summary")),
    ("sentry", ("data", "event", "title")),
    ("github", ("deployment", "ref")),
    ("generic", ("title",)),
]


@pytest.mark.parametrize(("source", "path"), _cases(NUL_MEMBERS))
def test_a_nul_character_is_replaced_before_storing_and_the_alert_kept(
    webhooks: LiveWebhooks, source: str, path: Path
) -> None:
    _kept(_post_changed(webhooks, source, path, "a\x00b"))
