"""Numbers from people and buttons are read strictly: ASCII digits a database id can hold."""

from __future__ import annotations

import pytest

from bot.action.views import decision_value, parse_decision_value
from bot.interaction.ids import MAX_ID, parse_count, parse_id

HASH = "ab" * 32


@pytest.mark.parametrize("text", ["1", "42", str(MAX_ID)])
def test_a_plain_ascii_number_within_range_is_an_id(text: str) -> None:
    assert parse_id(text) == int(text)


@pytest.mark.parametrize(
    "text",
    ["", "0", "²", "٣", "\uff11", "-1", "+1", " 1", "1 ", "1_0", "0x1", str(MAX_ID + 1), "9" * 26],
)
def test_anything_else_is_no_id(text: str) -> None:
    assert parse_id(text) is None


def test_a_count_may_be_zero_and_stops_at_its_maximum() -> None:
    assert parse_count("0") == 0
    assert parse_count("10", maximum=10) == 10
    assert parse_count("11", maximum=10) is None


def test_a_decision_value_the_bot_wrote_reads_back() -> None:
    assert parse_decision_value(decision_value(7, HASH)) == (7, HASH)


@pytest.mark.parametrize(
    "value",
    [f"²:{HASH}", f"{'9' * 26}:{HASH}", f"0:{HASH}", "7:" + "AB" * 32, "7:0x" + "a" * 62, "7"],
)
def test_a_decision_value_the_bot_never_writes_is_refused(value: str) -> None:
    assert parse_decision_value(value) is None
