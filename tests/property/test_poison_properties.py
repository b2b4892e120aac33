"""Nothing a source sends stalls the pipeline: every source's sample with one field set to an
extreme value (the edges of time, of numbers, of text) is either refused at the webhook with a
4xx, or accepted and then correlated, with its incident's packet built, or, if it cannot be,
quarantined; and a normal alert sent after it is correlated all the same."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.property.contract import assert_keeps_the_contract
from tests.property.payloads import (
    HOSTILE_VALUES,
    SOURCES,
    encoded,
    fresh,
    fresh_deliveries,
    paths,
    replaced,
)
from tests.property.server import LiveWebhooks

SENT = itertools.count()
EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# The edges each field may be pushed to, beside the hostile values every property uses.
EXTREMES: tuple[object, ...] = (
    *HOSTILE_VALUES,
    "0001-01-01T00:00:00.000Z",
    "1970-01-01T00:00:00Z",
    "1999-12-31T23:59:59Z",
    "2000-01-01T00:00:00Z",
    "2026-03-05T14:05:59Z",  # just within a day of the time it is received
    "2026-03-05T14:06:01Z",  # just past it
    "0",
    "253402300799999",  # 9999-12-31 in epoch milliseconds
    2**31 - 1,
    -(2**31),
    2**53 + 1,
    -(2**63),
    1e-308,
    "9" * 40,
    "x" * 20_000,
)


@st.composite
def extremes(draw: st.DrawFn, source: str) -> tuple[str, dict[str, Any]]:
    payload = draw(fresh_deliveries(source))
    path = draw(st.sampled_from(list(paths(payload))))
    value = draw(st.sampled_from(EXTREMES))
    where = ".".join(str(key) for key in path)
    return f"{where} = {value!r:.60}", replaced(payload, path, value)


@pytest.mark.parametrize("source", SOURCES)
@EXAMPLES
@given(data=st.data())
def test_a_field_at_its_extreme_is_refused_or_processed_and_never_holds_up_the_next_alert(
    webhooks: LiveWebhooks, source: str, data: st.DataObject
) -> None:
    change, payload = data.draw(extremes(source), label="change")
    answer = webhooks.post_signed(source, encoded(payload))
    assert_keeps_the_contract(answer, change)
    extreme_ids = list(answer.json()["signal_ids"]) if answer.status == 202 else []
    # A new delivery every time, even when hypothesis replays an example.
    follow = webhooks.post_signed("generic", encoded(fresh("generic", f"next-{next(SENT)}")))
    assert follow.status == 202, follow.text
    follow_ids = list(follow.json()["signal_ids"])
    records = {r.id: r for r in webhooks.process(extreme_ids + follow_ids)}
    for signal_id in extreme_ids:
        record = records[signal_id]
        assert record.processed_at is not None or record.quarantined_at is not None, change
    for signal_id in follow_ids:
        assert records[signal_id].processed_at is not None, f"held up after {change}"
        assert records[signal_id].quarantined_at is None, change
