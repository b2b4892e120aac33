"""What every webhook answer promises, whatever was sent, as assertions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import String

from bot.signal.models import SignalRecord
from tests.property.server import Answer, Rows

__all__ = ["REFUSALS", "assert_keeps_the_contract", "assert_refused", "assert_storable_anywhere"]

REFUSALS = {
    400: "invalid_payload",
    401: "unauthorized",
    413: "payload_too_large",
    429: "too_many_alerts",
}


def assert_keeps_the_contract(answer: Answer, sent: object) -> None:
    """Never a 5xx. A 2xx stored exactly the signals it reports, each recorded as accepted in
    the audit chain (one row per source lists them), and woke the pipeline only then. A refusal
    stored nothing and is JSON naming the error and a reason, and for an invalid payload the
    field. ``sent`` only explains a failure."""
    where = f"answer {answer.status} {answer.text[:300]!r} to {sent!r:.300}"
    assert answer.status < 500, where
    if 200 <= answer.status < 300:
        body = answer.json()
        accepted = body["accepted"]
        assert body["ok"] is True, where
        assert answer.status == (202 if accepted else 200), where
        assert len(body["signal_ids"]) == accepted, where
        assert answer.added == Rows(signals=accepted, audits=min(accepted, 1), audited=accepted), (
            where
        )
        assert answer.wakeups == (1 if accepted else 0), where
        return
    assert answer.added == Rows(0, 0, 0), f"a refusal stored rows: {where}"
    assert answer.wakeups == 0, where
    assert answer.status in REFUSALS, where
    try:
        body = answer.json()
    except ValueError as exc:
        raise AssertionError(f"a refusal that is not JSON: {where}") from exc
    assert body["ok"] is False, where
    assert body["error"] == REFUSALS[answer.status], where
    assert isinstance(body["reason"], str), where
    assert body["reason"].strip(), where
    if answer.status == 400:
        assert isinstance(body.get("field"), str), where
        assert body["field"].strip(), where


def assert_refused(answer: Answer, status: int, sent: object) -> None:
    assert_keeps_the_contract(answer, sent)
    assert answer.status == status, f"expected {status}, got {answer.status} {answer.text!r}"


def assert_storable_anywhere(records: Sequence[SignalRecord]) -> None:
    """What SQLite stored, PostgreSQL would have stored too: every string fits its column's
    declared length and holds no NUL character (PostgreSQL refuses both with an error, which
    the webhook answers 500)."""
    for record in records:
        for column in SignalRecord.__table__.columns:
            value = getattr(record, column.key)
            if not isinstance(value, str):
                continue
            assert "\x00" not in value, f"signals.{column.key} holds a NUL: {value!r:.80}"
            length = column.type.length if isinstance(column.type, String) else None
            assert length is None or len(value) <= length, (
                f"signals.{column.key} is {len(value)} characters, its column holds {length}"
            )
