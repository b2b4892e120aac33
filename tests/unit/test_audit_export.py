"""``audit export`` leaves the bot: the details of each row are redacted, and a row that lost
something says so, its chain links kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.audit.export import json_line
from bot.audit.service import AuditEntry

AT = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)


def entry(details: dict[str, object]) -> AuditEntry:
    return AuditEntry(
        seq=7,
        at=AT,
        actor="slack:U0ALICE",
        event="kill_switch.engaged",
        incident_id=None,
        details=details,
        prev_hash="a" * 64,
        hash="b" * 64,
    )


def test_secrets_in_a_rows_details_are_not_exported() -> None:
    details = {
        "reason": "rotating AKIAIOSFODNN7EXAMPLE, mail jane.doe@example.com",
        "nested": {"topic": ["token=s3cr3t-t0ken", 3]},
    }
    line = json_line(entry(details))
    row = json.loads(line)
    for secret in ("AKIAIOSFODNN7EXAMPLE", "jane.doe@example.com", "s3cr3t-t0ken"):
        assert secret not in line
    assert row["details"]["reason"] == "rotating [redacted:aws_key], mail [redacted:email]"
    assert row["details"]["nested"]["topic"][1] == 3
    assert row["redacted"] is True
    assert (row["prev_hash"], row["hash"]) == ("a" * 64, "b" * 64)


def test_a_row_without_secrets_is_exported_as_it_is() -> None:
    details = {"channel_id": "C0123", "sha": "3f9c2a1", "count": 2}
    row = json.loads(json_line(entry(details)))
    assert row["details"] == details
    assert "redacted" not in row
