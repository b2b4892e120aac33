"""Alert counts are taken from the webhook's answer: each stored alert, each duplicate, and a
delivery's one refusal (with its reason) or ignore."""

from __future__ import annotations

from typing import Any

import pytest

from handlers.operations.alert_counts import count_answer
from integrations.prometheus import PrometheusMetrics

COUNTER = "incident_bot_alerts_received_total"


def _counts(answer: Any, status: int = 202) -> dict[tuple[str, str], float]:
    metrics = PrometheusMetrics()
    count_answer(metrics, "alertmanager", status, answer)
    found: dict[tuple[str, str], float] = {}
    for family in metrics.registry.collect():
        for sample in family.samples:
            if sample.name == COUNTER:
                found[(sample.labels["outcome"], sample.labels["reason"])] = sample.value
    return found


def test_each_stored_alert_and_each_duplicate_of_a_delivery_counts() -> None:
    answer = {"ok": True, "accepted": 3, "duplicates": 2, "signal_ids": [1, 2, 3]}
    assert _counts(answer) == {("accepted", ""): 3, ("duplicate", ""): 2}


def test_a_refusal_counts_once_with_its_reason() -> None:
    answer = {"ok": False, "error": "payload_too_large", "reason": "body exceeds 1024 bytes"}
    assert _counts(answer, 413) == {("refused", "payload_too_large"): 1}


def test_an_ignored_delivery_counts_once_as_ignored() -> None:
    answer = {"ok": True, "accepted": 0, "duplicates": 0, "signal_ids": [], "ignored": True}
    assert _counts(answer, 200) == {("ignored", ""): 1}


@pytest.mark.parametrize("answer", [[], "ok", {"status": "fine"}, None])
def test_an_answer_that_is_not_the_webhooks_json_counts_nothing(answer: Any) -> None:
    assert _counts(answer) == {}
