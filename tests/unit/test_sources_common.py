"""What every source shares: the delivery context, keys that fit the table, one normalizer and
one authenticator per source, signed headers every authenticator accepts, and normalizers that
answer any JSON with signals or a PayloadError, never a crash."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import AuthenticationError, PayloadError
from bot.signal.sources import NORMALIZERS, normalize
from bot.signal.sources.common import KEY_LIMIT, Delivery, bounded, service_slug
from bot.signal.values import HUMAN_SOURCES, AlertSource, Signal
from handlers.webhooks.auth import signed_headers
from handlers.webhooks.routes import AUTHENTICATORS
from tests.unit.test_sources_datadog import datadog
from tests.unit.test_sources_github import DEPLOYMENT_STATUS, WORKFLOW_RUN
from tests.unit.test_sources_grafana import NOTIFICATION
from tests.unit.test_sources_pagerduty import PRIORITY_UPDATED
from tests.unit.test_sources_sentry import EVENT_ALERT, ISSUE_CREATED

RECEIVED = datetime(2026, 3, 4, 14, 6, tzinfo=UTC)


def test_delivery_headers_are_read_in_any_case() -> None:
    delivery = Delivery(RECEIVED, "d", headers={"X-GitHub-Event": " ping "})
    assert delivery.header("x-github-event") == "ping"
    assert delivery.header("X-GITHUB-EVENT") == "ping"


def test_a_missing_or_empty_header_reads_as_none() -> None:
    delivery = Delivery(RECEIVED, "d", headers={"Request-ID": ""})
    assert (delivery.header("Request-ID"), delivery.header("Nope")) == (None, None)


def test_a_delivery_without_headers_has_none() -> None:
    assert Delivery(RECEIVED, "d").header("Request-ID") is None


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("API Service", "api-service"),
        ("billing-webhooks", "billing-webhooks"),
        ("  Checkout / Payments (EU) ", "checkout-payments-eu"),
        ("***", "unknown"),
    ],
)
def test_a_display_name_becomes_a_service_slug(name: str, slug: str) -> None:
    assert service_slug(name) == slug


def test_a_short_key_is_kept() -> None:
    assert bounded("github:acme/api:production:abc") == "github:acme/api:production:abc"


def test_a_long_key_is_shortened_to_fit_and_stays_distinct() -> None:
    first, second = bounded("x" * 300 + "a"), bounded("x" * 300 + "b")
    assert len(first) == len(second) == KEY_LIMIT
    assert first != second
    assert bounded("x" * 300 + "a") == first


def test_every_alert_source_has_a_normalizer_and_an_authenticator() -> None:
    webhook_sources = set(AlertSource) - HUMAN_SOURCES
    assert set(NORMALIZERS) == webhook_sources
    assert set(AUTHENTICATORS) == webhook_sources


@pytest.mark.parametrize("source", sorted(set(AlertSource) - HUMAN_SOURCES), ids=str)
def test_the_signed_headers_of_every_source_pass_its_authenticator(source: AlertSource) -> None:
    body = b'{"any": "body"}'
    headers = signed_headers(source.value, body, "s3cret")
    assert AUTHENTICATORS[source](headers, body, "s3cret") is None  # accepted: nothing raised
    with pytest.raises(AuthenticationError):  # and the headers were what it checked
        AUTHENTICATORS[source](headers, body, "another-secret")


def test_signing_for_an_unknown_source_is_an_error() -> None:
    with pytest.raises(ValueError, match="no signing scheme"):
        signed_headers("nagios", b"{}", "s3cret")


# A valid payload of each kind, with the headers its source sends along.
SEEDS: list[tuple[AlertSource, dict[str, Any], dict[str, str]]] = [
    (AlertSource.PAGERDUTY, PRIORITY_UPDATED, {}),
    (AlertSource.DATADOG, datadog(), {}),
    (AlertSource.GRAFANA, NOTIFICATION, {}),
    (AlertSource.SENTRY, EVENT_ALERT, {"Sentry-Hook-Resource": "event_alert"}),
    (AlertSource.SENTRY, ISSUE_CREATED, {"Sentry-Hook-Resource": "issue"}),
    (AlertSource.GITHUB, DEPLOYMENT_STATUS, {"X-GitHub-Event": "deployment_status"}),
    (AlertSource.GITHUB, WORKFLOW_RUN, {"X-GitHub-Event": "workflow_run"}),
]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=8,
)


def _paths(value: object, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


def _replaced(body: Any, path: tuple[str | int, ...], value: object) -> Any:
    if not path:
        return value
    copied = copy.deepcopy(body)
    parent = copied
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return copied


@given(data=st.data())
@settings(max_examples=400, deadline=None)
def test_any_json_in_any_field_yields_signals_or_a_payload_error(data: st.DataObject) -> None:
    source, seed, headers = data.draw(st.sampled_from(SEEDS))
    path = data.draw(st.sampled_from(_paths(seed)))
    body = _replaced(seed, path, data.draw(JSON_VALUES))
    outcome: Sequence[Signal] | PayloadError
    try:
        outcome = normalize(source, body, received_at=RECEIVED, body_digest="d", headers=headers)
    except PayloadError as refused:
        outcome = refused
    assert isinstance(outcome, PayloadError) or all(
        isinstance(signal, Signal) and signal.source == source for signal in outcome
    )
