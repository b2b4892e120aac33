"""Which signals the audit chain records as accepted, read from its rows: the rows one accept
transaction writes (its signals listed per source) and the older one-row-per-signal form."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.audit.service import AuditEntry
from bot.signal.service import accepted_ids

AT = datetime(2026, 3, 4, 14, 6, tzinfo=UTC)


def _entry(seq: int, event: str, details: dict[str, Any]) -> AuditEntry:
    return AuditEntry(seq, AT, "source:generic", event, None, details, "0" * 64, f"{seq:064x}")


def test_listed_and_older_single_rows_are_read_in_chain_order() -> None:
    entries = [
        _entry(1, "signal.accepted", {"signal_id": 1, "delivery_id": "a"}),  # before listing
        _entry(2, "signal.accepted", {"signals": [{"signal_id": 2}, {"signal_id": 3}]}),
        _entry(3, "incident.opened", {"signal_id": 2}),
        _entry(4, "signal.accepted", {"signals": [{"signal_id": 4}]}),
    ]

    assert accepted_ids(entries) == [1, 2, 3, 4]


def test_a_chain_without_accepted_rows_names_no_signal() -> None:
    assert accepted_ids([_entry(1, "signal.joined", {"signal_id": 7})]) == []
