"""The incident's timeline, in the audit trail's order: pure.

The audit rows of the incident are the spine, in their chain's order (``seq``), each in words
(:mod:`bot.postmortem.audit_words`: no hashes, checkpoints or other internals). What the audit
does not hold is placed among them by its time without reordering them: alerts firing and
reported resolved (signals; the same alert delivered twice is one entry), people's messages in
the channel (the bot's own left out), and the steps of an action the audit holds no row for.
People are named, never shown by id.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.clock import utc
from bot.postmortem.audit_words import audit_words
from bot.postmortem.facts import ActionFact, ChannelMessage, PostmortemFacts, SignalFact
from bot.postmortem.people import Names

__all__ = ["MESSAGE_LIMIT", "TimelineEntry", "build_timeline"]

MESSAGE_LIMIT = 280  # characters of a person's message quoted on the timeline


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    text: str
    origin: str  # where it comes from: "signal #3", "audit #12", "action #2", "channel"


@dataclass(frozen=True, slots=True)
class _Extra:
    at: datetime
    text: str
    origin: str
    key: tuple[Any, ...]


def _signal_entry(signal: SignalFact) -> _Extra:
    what = f"{signal.title} ({signal.source}, {signal.service}, {signal.severity})"
    origin = f"signal #{signal.id}"
    if signal.status == "resolved":
        key = ("resolved", signal.fingerprint, utc(signal.received_at))
        return _Extra(signal.received_at, f"Alert reported resolved: {what}", origin, key)
    key = ("firing", signal.fingerprint, utc(signal.started_at))
    return _Extra(signal.started_at, f"Alert fired: {what}", origin, key)


def _action_entries(action: ActionFact, names: Names) -> Iterator[_Extra]:
    """The steps an action's record dates, for an action the audit holds no row for."""
    origin = f"action #{action.id}"
    what = f"{action.kind} of {action.target}" + (" (dry run)" if action.dry_run else "")
    steps = [(action.proposed_at, f"proposed by {names.person(action.proposed_by)}: {what}")]
    if action.decided_at is not None:
        decision = action.state if action.state in ("denied", "expired") else "approved"
        by = f" by {names.person(action.decided_by)}" if action.decided_by else ""
        steps.append((action.decided_at, f"{decision}{by}"))
    if action.executed_at is not None:
        steps.append((action.executed_at, "started"))
    if action.finished_at is not None:
        result = f": {action.result}" if action.result else ""
        steps.append((action.finished_at, f"finished, {action.state.replace('_', ' ')}{result}"))
    for n, (at, words) in enumerate(steps):
        yield _Extra(at, f"Action #{action.id} {words}", origin, ("action", action.id, n))


def _message_entry(message: ChannelMessage, names: Names) -> _Extra:
    text = " ".join(names.text(message.text).split())
    if len(text) > MESSAGE_LIMIT:
        text = text[: MESSAGE_LIMIT - 1] + "…"
    return _Extra(
        message.at,
        f"{names.person(message.user)} in the channel: “{text}”",
        "channel",
        ("message", message.ts),
    )


def _extras(facts: PostmortemFacts, names: Names) -> list[_Extra]:
    audited = {
        row.details.get("action_id") for row in facts.audit if row.event.startswith("action.")
    }
    extras = [_signal_entry(signal) for signal in facts.signals]
    for action in facts.actions:
        if action.id not in audited:
            extras.extend(_action_entries(action, names))
    extras += [_message_entry(m, names) for m in facts.messages if not m.from_bot]
    seen: set[tuple[Any, ...]] = set()
    unique: list[_Extra] = []
    for extra in sorted(extras, key=lambda e: utc(e.at)):  # stable: signals before messages
        if extra.key not in seen:
            seen.add(extra.key)
            unique.append(extra)
    return unique


def _spine(facts: PostmortemFacts, names: Names) -> list[TimelineEntry]:
    actions = {action.id: action for action in facts.actions}
    entries: list[TimelineEntry] = []
    for row in sorted(facts.audit, key=lambda r: r.seq):
        words = audit_words(row, names, actions)
        if words is not None:
            entries.append(TimelineEntry(utc(row.at), words, f"audit #{row.seq}"))
    return entries


def _merge(spine: Sequence[TimelineEntry], extras: Sequence[_Extra]) -> list[TimelineEntry]:
    """The spine in its order, each extra placed before the first spine entry dated after it."""
    merged: list[TimelineEntry] = []
    pending = list(extras)
    for entry in spine:
        while pending and utc(pending[0].at) <= entry.at:
            extra = pending.pop(0)
            merged.append(TimelineEntry(utc(extra.at), extra.text, extra.origin))
        merged.append(entry)
    merged.extend(TimelineEntry(utc(e.at), e.text, e.origin) for e in pending)
    return merged


def build_timeline(facts: PostmortemFacts, names: Names | None = None) -> tuple[TimelineEntry, ...]:
    """Every event once: the audit's rows in the audit's order, the rest placed by time."""
    names = names or Names.of(facts)
    return tuple(_merge(_spine(facts, names), _extras(facts, names)))
