"""The incident's timeline: one dated entry per thing that happened, from the data only.

Sources: the signals (an alert firing, a condition reported resolved), the audit rows of the
incident (opened, channel, packet, joins with severity changes, resolution...), the actions
(proposed, decided, run, finished) and people's messages in the channel. Entries are sorted by
time (UTC) and de-duplicated: the same alert delivered twice is one entry, and an action's
audit row does not repeat the step its record already dates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.clock import utc
from bot.postmortem.facts import ActionFact, AuditFact, ChannelMessage, PostmortemFacts, SignalFact

__all__ = ["MESSAGE_LIMIT", "TimelineEntry", "build_timeline", "person"]

MESSAGE_LIMIT = 280  # characters of a person's message quoted on the timeline

# Audit events that are not part of the incident's story: drafting this very document, and
# refusals to draft it.
_SKIPPED_PREFIXES = ("postmortem.",)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    text: str
    origin: str  # where it comes from: "signal #3", "audit #12", "action #2", "channel"


def person(actor: str) -> str:
    """``slack:U0ALICE`` reads as ``U0ALICE``; ``bot`` as ``the bot``; others as written."""
    if actor == "bot":
        return "the bot"
    return actor.removeprefix("slack:")


@dataclass(frozen=True, slots=True)
class _Draft:
    at: datetime
    text: str
    origin: str
    key: tuple[Any, ...]
    order: int  # among equal times: signals, then audit rows, actions, messages


def _signal_entries(signal: SignalFact) -> Iterator[_Draft]:
    what = f"{signal.title} ({signal.source}, {signal.service}, {signal.severity})"
    origin = f"signal #{signal.id}"
    if signal.status == "resolved":
        key = ("resolved", signal.fingerprint, utc(signal.received_at))
        yield _Draft(signal.received_at, f"Alert reported resolved: {what}", origin, key, 0)
    else:
        key = ("firing", signal.fingerprint, utc(signal.started_at))
        yield _Draft(signal.started_at, f"Alert fired: {what}", origin, key, 0)


def _details(details: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in details.items())


def _joined(details: Mapping[str, Any]) -> str:
    text = (
        f"Signal #{details.get('signal_id')} ({details.get('service')}, "
        f"{details.get('status')}) joined the incident by {details.get('reason')}; "
        f"{details.get('signal_count')} signals in all"
    )
    change = details.get("severity")
    if isinstance(change, Mapping):
        text += f"; severity raised from {change.get('from')} to {change.get('to')}"
    return text


_AUDIT_WORDS: dict[str, Callable[[AuditFact], str]] = {
    "incident.opened": lambda row: (
        f"Incident opened at {row.details.get('severity')} for {row.details.get('service')}: "
        f"{row.details.get('title')}"
    ),
    "incident.channel_created": lambda row: (
        f"Incident channel #{row.details.get('channel_name')} created"
    ),
    "incident.channel_ready": lambda row: (
        f"Channel topic set; {row.details.get('invited', 0)} people of the on-call group invited"
    ),
    "packet.posted": lambda row: "Evidence packet posted in the channel",
    "packet.updated": lambda row: (
        f"Evidence packet updated (revision {row.details.get('revision')})"
    ),
    "packet.chart_attached": lambda row: (
        f"Chart of {row.details.get('metric')} attached to the packet"
    ),
    "packet.chart_failed": lambda row: (
        f"Chart of {row.details.get('metric')} could not be drawn: {row.details.get('error')}"
    ),
    "signal.joined": lambda row: _joined(row.details),
    "signal.split": lambda row: f"Signal split out of the incident by {person(row.actor)}",
    "incident.severity_announced": lambda row: (
        f"Severity change announced in the channel: {row.details.get('from')} to "
        f"{row.details.get('to')}"
    ),
    "incident.resolve_asked": lambda row: (
        "Every alert had resolved; the bot asked the channel whether to resolve the incident"
    ),
    "incident.resolved": lambda row: (
        f"Incident resolved by {person(row.actor)}"
        + (
            f" (merged into INC-{row.details['merged_into']})"
            if row.details.get("merged_into")
            else ""
        )
    ),
    "incident.merged": lambda row: (
        f"INC-{row.details.get('merged')} merged into this incident by {person(row.actor)} "
        f"({row.details.get('moved_signals')} signals moved)"
    ),
    "incident.slack_failed": lambda row: (
        f"Slack call {row.details.get('method')} failed: {row.details.get('error')} "
        f"(attempt {row.details.get('attempt')})"
    ),
    "evidence.arrived_late": lambda row: (
        f"Late evidence arrived: {row.details.get('kind')} from {row.details.get('source')}"
    ),
}


def _audit_entry(row: AuditFact) -> _Draft | None:
    if row.event.startswith(_SKIPPED_PREFIXES):
        return None
    origin = f"audit #{row.seq}"
    action_id = row.details.get("action_id")
    if row.event.startswith("action.") and action_id is not None:
        step = row.event.removeprefix("action.")
        text = f"Action #{action_id} {step.replace('_', ' ')} ({person(row.actor)})"
        extra = {k: v for k, v in row.details.items() if k != "action_id"}
        if extra:
            text += f": {_details(extra)}"
        return _Draft(row.at, text, origin, ("action", action_id, step), 1)
    words = _AUDIT_WORDS.get(row.event)
    if words is not None:
        text = words(row)
    else:
        text = f"{row.event} by {person(row.actor)}"
        if row.details:
            text += f": {_details(row.details)}"
    return _Draft(row.at, text, origin, ("audit", row.seq), 1)


# The audit step names an action's record dates itself, by the record's field.
_ACTION_STEPS = {
    "approved": "approved",
    "denied": "denied",
    "expired": "expired",
}


def _action_entries(action: ActionFact) -> Iterator[_Draft]:
    origin = f"action #{action.id}"
    what = f"{action.kind} of {action.target}" + (" (dry run)" if action.dry_run else "")
    yield _Draft(
        action.proposed_at,
        f"Action #{action.id} proposed by {person(action.proposed_by)}: {what}",
        origin,
        ("action", action.id, "proposed"),
        2,
    )
    if action.decided_at is not None:
        decision = _ACTION_STEPS.get(action.state, "approved")
        by = f" by {person(action.decided_by)}" if action.decided_by else ""
        yield _Draft(
            action.decided_at,
            f"Action #{action.id} {decision}{by}",
            origin,
            ("action", action.id, decision),
            2,
        )
    if action.executed_at is not None:
        yield _Draft(
            action.executed_at,
            f"Action #{action.id} started: {what}",
            origin,
            ("action", action.id, "executing"),
            2,
        )
    if action.finished_at is not None:
        outcome = action.state.replace("_", " ")
        result = f": {action.result}" if action.result else ""
        yield _Draft(
            action.finished_at,
            f"Action #{action.id} finished, {outcome}{result}",
            origin,
            ("action", action.id, action.state),
            2,
        )


def _message_entry(message: ChannelMessage) -> _Draft:
    text = " ".join(message.text.split())
    if len(text) > MESSAGE_LIMIT:
        text = text[: MESSAGE_LIMIT - 1] + "…"
    return _Draft(
        message.at,
        f"{message.user} in the channel: “{text}”",
        "channel",
        ("message", message.ts),
        3,
    )


def _drafts(facts: PostmortemFacts) -> Iterable[_Draft]:
    for signal in facts.signals:
        yield from _signal_entries(signal)
    for row in facts.audit:
        entry = _audit_entry(row)
        if entry is not None:
            yield entry
    for action in facts.actions:
        yield from _action_entries(action)
    for message in facts.messages:
        if not message.from_bot:
            yield _message_entry(message)


def build_timeline(facts: PostmortemFacts) -> tuple[TimelineEntry, ...]:
    """Every dated fact once, oldest first (ties keep a fixed order: alerts before the bot's
    steps before actions before messages)."""
    seen: set[tuple[Any, ...]] = set()
    kept: list[_Draft] = []
    for draft in sorted(_drafts(facts), key=lambda d: (utc(d.at), d.order)):
        if draft.key in seen:
            continue
        seen.add(draft.key)
        kept.append(draft)
    return tuple(TimelineEntry(utc(draft.at), draft.text, draft.origin) for draft in kept)
