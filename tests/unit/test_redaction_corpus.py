"""The redaction corpus, line by line: every positive line comes out exactly as written next to
it, and every negative line (shas, UUIDs, pod names, timestamps, metric numbers...) comes out
untouched, because the packet's evidence depends on them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.redaction import redact, redact_with_report

CORPUS = Path(__file__).parent / "redaction_corpus"


def _load(name: str) -> list[Any]:
    entries = yaml.safe_load((CORPUS / name).read_text())
    assert isinstance(entries, list)
    return entries


POSITIVE = _load("positive.yaml")
NEGATIVE = _load("negative.yaml")


def test_the_corpus_is_large_enough_to_mean_something() -> None:
    assert len(POSITIVE) >= 60
    assert len(NEGATIVE) >= 60


@pytest.mark.parametrize("entry", POSITIVE, ids=lambda e: e["text"][:50])
def test_a_secret_or_customer_datum_is_replaced_by_its_typed_placeholder(
    entry: dict[str, str],
) -> None:
    assert redact(entry["text"]) == entry["redacted"]


@pytest.mark.parametrize("line", NEGATIVE, ids=lambda line: line[:50])
def test_evidence_without_secrets_survives_unchanged(line: str) -> None:
    report = redact_with_report(line)
    assert report.text == line, f"hid {dict(report.kinds)}"


@pytest.mark.parametrize("entry", POSITIVE, ids=lambda e: e["text"][:50])
def test_redacting_a_redacted_line_changes_nothing(entry: dict[str, str]) -> None:
    assert redact(entry["redacted"]) == entry["redacted"]


def test_the_report_counts_each_kind_hidden() -> None:
    report = redact_with_report("mail a@example.com and b@example.org, card 4242424242424242")
    assert report.found
    assert dict(report.kinds) == {"email": 2, "card": 1}


def test_a_luhn_invalid_number_with_a_card_prefix_is_not_a_card() -> None:
    assert redact("ref 4111111111111112") == "ref 4111111111111112"
    assert redact("ref 4111111111111111") == "ref [redacted:card]"
