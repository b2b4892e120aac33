"""The audit trail as JSON Lines, for a SIEM or an archive: one object per row, in the order
stored, with everything needed to check the chains again elsewhere (``chain``, ``position``,
``prev_hash``, ``hash``, ``signature``)."""

from __future__ import annotations

import json
from datetime import datetime

from bot.audit.service import AuditEntry
from bot.clock import utc

__all__ = ["json_line", "parse_since"]


def json_line(entry: AuditEntry) -> str:
    """One row as one line of JSON (no newline); times in UTC, ISO 8601."""
    return json.dumps(
        {
            "seq": entry.seq,
            "chain": entry.chain,
            "position": entry.position,
            "at": utc(entry.at).isoformat(),
            "actor": entry.actor,
            "event": entry.event,
            "incident_id": entry.incident_id,
            "details": dict(entry.details),
            "prev_hash": entry.prev_hash,
            "hash": entry.hash,
            "signature": entry.signature,
        },
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )


def parse_since(text: str) -> datetime:
    """An ISO 8601 date or date-time; one without an offset is taken as UTC."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(
            f"not an ISO 8601 date or time: {text!r} (e.g. 2026-03-04 or 2026-03-04T14:00:00Z)"
        ) from exc
    return utc(parsed)
