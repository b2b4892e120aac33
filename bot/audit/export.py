"""The audit trail as JSON Lines, for a SIEM or an archive: one object per row, in chain order,
with everything needed to check the chain again elsewhere (``seq``, ``prev_hash``, ``hash``).

An export leaves the bot, so every text in a row's details is redacted like a Slack message
(:func:`bot.redaction.redact`). A row whose details lost something to redaction says so with
``"redacted": true``: its own hash can then not be recomputed from the exported details (the
database keeps the original), while the chain's links (each ``prev_hash`` the hash before it)
still check."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.audit.service import AuditEntry
from bot.clock import utc
from bot.redaction import redact

__all__ = ["json_line", "parse_since"]


def _redacted(value: Any) -> Any:
    """``value`` with every string in it (keys included) redacted, its shape kept."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {redact(str(key)): _redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(str(value))


def json_line(entry: AuditEntry) -> str:
    """One row as one line of JSON (no newline); times in UTC, ISO 8601; details redacted."""
    details = _redacted(dict(entry.details))
    row: dict[str, Any] = {
        "seq": entry.seq,
        "at": utc(entry.at).isoformat(),
        "actor": redact(entry.actor),
        "event": entry.event,
        "incident_id": entry.incident_id,
        "details": details,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }
    if details != json.loads(json.dumps(dict(entry.details), default=str)):
        row["redacted"] = True
    return json.dumps(row, ensure_ascii=False, sort_keys=True, default=str)


def parse_since(text: str) -> datetime:
    """An ISO 8601 date or date-time; one without an offset is taken as UTC."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(
            f"not an ISO 8601 date or time: {text!r} (e.g. 2026-03-04 or 2026-03-04T14:00:00Z)"
        ) from exc
    return utc(parsed)
